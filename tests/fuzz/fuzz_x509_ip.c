/*
 * fuzz_x509_ip.c - libFuzzer target for the DER walker that checks an IP-literal host
 * against a certificate's iPAddress subjectAltName entries (lib/net/tls.c). The first byte
 * picks IPv4 or IPv6 and the address is taken from the input's tail, so matches happen.
 */
#include <stddef.h>
#include <stdint.h>

int rt__x509_has_ip(const uint8_t *cert, size_t certlen, const uint8_t *ip, size_t iplen);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 17)
        return 0;
    size_t iplen = (data[0] & 1) ? 16 : 4;
    rt__x509_has_ip(data + 1, size - 1 - iplen, data + size - iplen, iplen);
    return 0;
}
