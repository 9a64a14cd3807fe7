/*
 * backend.c - picks the backend vtable (the build's default, or rt_config.backend),
 * checks its version and mandatory members, and owns its per-runtime state. The default
 * is chosen at build time (make BACKEND=...), the way curl's vtls.c picks its TLS library.
 */
#include <string.h>

#include "engine.h"

const rt_backend *rt_backend_default(void)
{
#if defined(RT_BACKEND_DEFAULT_libuv)
    return &rt_backend_libuv;
#elif defined(RT_BACKEND_DEFAULT_threadpool)
    return &rt_backend_threadpool;
#else
#error "no backend: build with make BACKEND=libuv or BACKEND=threadpool"
#endif
}

int rt__backend_open(rt_runtime *rt)
{
    const rt_backend *b = rt->cfg.backend ? rt->cfg.backend : rt_backend_default();
    if (b->version < 1 || b->version > RT_BACKEND_VERSION)
        return rt__fail(rt, RT_EBACKEND, "backend '%s' has version %d; this runtime knows 1..%d",
                        b->name ? b->name : "?", b->version, RT_BACKEND_VERSION);
    if (!b->name || !b->create || !b->destroy || !b->start || !b->cancel || !b->wait ||
        !b->wakeup)
        return rt__fail(rt, RT_EBACKEND, "backend '%s' lacks a mandatory member",
                        b->name ? b->name : "?");
    if (rt->cfg.uv_loop && !(b->caps & RT_BACKEND_CAP_HOST_LOOP))
        return rt__fail(rt, RT_EBACKEND, "backend '%s' cannot run on a host loop (uv_loop)",
                        b->name);
    rt->backend = b;
    rt->bstate = rt__calloc(1, b->state_size ? b->state_size : 1);
    if (!rt->bstate)
        return rt__fail(rt, RT_ENOMEM, "out of memory");
    char err[256] = "";
    int r = b->create(rt->bstate, &rt->benv, err, sizeof err);
    if (r < 0) {
        rt__free(rt->bstate);
        rt->bstate = NULL;
        rt->backend = NULL;
        return rt__fail(rt, r, "backend '%s': %s", b->name, err[0] ? err : rt_strerror(r));
    }
    return 0;
}

void rt__backend_close(rt_runtime *rt)
{
    if (!rt->backend)
        return;
    rt->backend->destroy(rt->bstate);
    rt__free(rt->bstate);
    rt->bstate = NULL;
    rt->backend = NULL;
}

const char *rt_backend_name(rt_runtime *rt)
{
    return rt && rt->backend ? rt->backend->name : rt_backend_default()->name;
}
