/*
 * fuzz_pem.c - libFuzzer target for the PEM bundle -> trust anchor loader (lib/net/trust.c):
 * any input either yields a store (freed again) or RT_ETRUST_STORE, never a crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rt_tls_trust *t = NULL;
    char err[128];
    if (rt_tls_trust_from_pem((const char *)data, size, &t, err, sizeof err) == 0)
        rt_tls_trust_free(t);
    return 0;
}
