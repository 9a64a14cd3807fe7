/*
 * backend.c - picks the backend vtable (the build's default, or rt_config.backend), checks
 * its version and mandatory members, and creates and destroys its per-runtime state. Every
 * call the core makes into a backend goes through the wrappers here or through the client
 * (lib/net/client.c), so checks and tracing live in one place. The default is chosen at
 * build time (make BACKEND=...), the way curl's vtls.c picks its TLS library.
 */
#include <stdio.h>
#include <string.h>

#include "net.h"
#include "runtime_backend.h"

#if defined(RT_BACKEND_DEFAULT_libuv)
extern const rt_backend rt_backend_libuv;
#define DEFAULT_BACKEND rt_backend_libuv
#elif defined(RT_BACKEND_DEFAULT_threadpool)
extern const rt_backend rt_backend_threadpool;
#define DEFAULT_BACKEND rt_backend_threadpool
#else
#error "no backend: build with make BACKEND=libuv or BACKEND=threadpool"
#endif

const rt_backend *rt_backend_default(void)
{
    return &DEFAULT_BACKEND;
}

int rt__backend_open(const rt_backend *b, const rt_backend_env *env, void **state, char *err,
                     size_t errlen)
{
    *state = NULL;
    if (b->version != RT_BACKEND_VERSION) {
        snprintf(err, errlen, "backend '%s' has version %d; this runtime knows %d",
                 b->name ? b->name : "?", b->version, RT_BACKEND_VERSION);
        return RT_EBACKEND;
    }
    if (!b->name || !b->create || !b->destroy || !b->carry || !b->wait || !b->wakeup) {
        snprintf(err, errlen, "backend '%s' lacks a mandatory member", b->name ? b->name : "?");
        return RT_EBACKEND;
    }
    if (env->uv_loop && (!(b->caps & RT_BACKEND_CAP_HOST_LOOP) || !b->host_arm)) {
        snprintf(err, errlen, "backend '%s' cannot run on a host loop (uv_loop)", b->name);
        return RT_EBACKEND;
    }
    void *s = rt__calloc(1, b->state_size ? b->state_size : 1);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return RT_ENOMEM;
    }
    char e[256] = "";
    int r = b->create(s, env, e, sizeof e);
    if (r < 0) {
        rt__free(s);
        snprintf(err, errlen, "backend '%s': %s", b->name, e[0] ? e : rt_strerror(r));
        return r;
    }
    *state = s;
    return 0;
}

void rt__backend_close(const rt_backend *b, void *state)
{
    if (!b || !state)
        return;
    b->destroy(state);
    rt__free(state);
}

int rt__backend_wait(const rt_backend *b, void *state, int timeout_ms)
{
    return b->wait(state, timeout_ms);
}

void rt__backend_host_arm(const rt_backend *b, void *state, int64_t ms)
{
    if (b->host_arm)
        b->host_arm(state, ms);
}

void rt__backend_carry(const rt_backend *b, void *state, rt_conn *c)
{
    b->carry(state, c);
}

void rt__backend_wakeup(const rt_backend *b, void *state)
{
    b->wakeup(state);
}
