/*
 * trust_store.c - the runtime's trust store: chosen and decoded (lib/net/trust.c) on the
 * first HTTPS request, kept until rt_free, shared read-only by every connection.
 */
#include "engine.h"
#include "tls.h"

struct rt__tls_state {
    rt_tls_trust *trust;                   /* owned, NULL until first used */
    char desc[512];                        /* source description or error */
    int error;                             /* 0, or the code of a failed decode */
    int chosen;
};

static struct rt__tls_state *state_of(rt_runtime *rt)
{
    if (!rt->tls)
        rt->tls = rt__calloc(1, sizeof *rt->tls);
    struct rt__tls_state *s = rt->tls;
    if (s && !s->chosen) {
        s->error = rt__trust_choose(rt->cfg.ca_file, &s->trust, s->desc, sizeof s->desc);
        s->chosen = s->error != RT_ENOMEM;    /* out of memory once: tried again next time */
    }
    return s;
}

int rt__tls_trust_get(rt_runtime *rt, const struct rt_tls_trust **out)
{
    *out = NULL;
    struct rt__tls_state *s = state_of(rt);
    if (!s)
        return rt__fail(rt, RT_ENOMEM, "out of memory");
    if (s->error < 0)
        return rt__fail(rt, s->error, "%s", s->desc);
    *out = s->trust;
    return 0;
}

void rt__tls_free(rt_runtime *rt)
{
    if (!rt->tls)
        return;
    rt_tls_trust_free(rt->tls->trust);
    rt__free(rt->tls);
    rt->tls = NULL;
}

const char *rt_trust_store_description(rt_runtime *rt)
{
    if (rt->cfg.insecure)
        return "none: certificate verification disabled (insecure)";
    struct rt__tls_state *s = state_of(rt);
    return s ? s->desc : "unknown (out of memory)";
}
