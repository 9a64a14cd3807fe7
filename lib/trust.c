/*
 * trust.c - the runtime's TLS trust store hook. HTTPS (BearSSL) is not built yet: every
 * https request fails with RT_ETLS and a message saying so, and rtjs --version says
 * which store is in use ("none"). The issue "HTTPS with BearSSL" replaces this file.
 */
#include "rt_internal.h"

int rt__tls_trust_get(rt_runtime *rt, const struct rt_tls_trust **out)
{
    *out = NULL;
    return rt__fail(rt, RT_ETLS, "https is not supported by this build yet (plain http only)");
}

void rt__tls_free(rt_runtime *rt)
{
    (void)rt;
}

const char *rt_trust_store_description(rt_runtime *rt)
{
    (void)rt;
    return "none (https not supported by this build yet)";
}
