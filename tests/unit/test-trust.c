/*
 * test-trust.c - the trust store: PEM decoding (several certificates, a missing final
 * newline, garbage, empty), the built-in anchors compiled from the build machine's
 * bundle, and the IP subjectAltName walker on a hand-built certificate.
 */
#include <string.h>

#include "engine.h"
#include "tls.h"
#include "test.h"

#include <bearssl.h>

int rt__tls_trust_builtin(rt_tls_trust **out);
const br_x509_trust_anchor *rt__tls_anchors(const rt_tls_trust *t, size_t *count);
int rt__x509_has_ip(const uint8_t *cert, size_t certlen, const uint8_t *ip, size_t iplen);
extern const size_t rt__builtin_ca_count;

TEST(trust_builtin_anchors_decode)
{
    rt_tls_trust *t = NULL;
    if (rt__builtin_ca_count == 0)
        return;                            /* the build machine had no bundle */
    ASSERT_EQ(rt__tls_trust_builtin(&t), 0);
    ASSERT(rt_tls_trust_count(t) > 10);
    ASSERT(rt_tls_trust_count(t) <= rt__builtin_ca_count);
    rt_tls_trust_free(t);
}

TEST(trust_pem_errors)
{
    rt_tls_trust *t = NULL;
    char err[256];
    ASSERT_EQ(rt_tls_trust_from_pem("", 0, &t, err, sizeof err), RT_ETRUST_STORE);
    const char *junk = "-----BEGIN CERTIFICATE-----\nnot base64 !!!\n-----END CERTIFICATE-----\n";
    ASSERT_EQ(rt_tls_trust_from_pem(junk, strlen(junk), &t, err, sizeof err), RT_ETRUST_STORE);
    ASSERT(t == NULL);
    ASSERT_EQ(rt_tls_trust_from_file("/nonexistent/bundle.pem", &t, err, sizeof err), RT_ETRUST_STORE);
    ASSERT(strstr(err, "/nonexistent/bundle.pem") != NULL);
}

TEST(trust_system_bundle_without_final_newline)
{
    FILE *f = fopen("/etc/ssl/certs/ca-certificates.crt", "rb");
    if (!f)
        return;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;                               /* drop the final newline(s) */
    rt_tls_trust *t = NULL;
    char err[256];
    ASSERT_EQ(rt_tls_trust_from_pem(buf, n, &t, err, sizeof err), 0);
    ASSERT(rt_tls_trust_count(t) > 10);
    rt_tls_trust_free(t);
}

/* Out of memory at any allocation while decoding: RT_ENOMEM and no store, or the whole
   store - never one silently missing anchors (its servers would look untrusted), never an
   anchor with a NULL key (the verifier crashed on it: found by make check-faults). Each
   allocation of the decode of the first 40 system certificates fails in turn. */
TEST(trust_pem_out_of_memory)
{
    FILE *f = fopen("/etc/ssl/certs/ca-certificates.crt", "rb");
    if (!f)
        return;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *end = buf;
    for (int i = 0; i < 40 && end; i++)
        if ((end = strstr(end, "-----END CERTIFICATE-----\n")) != NULL)
            end += 26;
    if (end)
        n = (size_t)(end - buf);
    rt_tls_trust *t = NULL;
    char err[256];
    ASSERT_EQ(rt_tls_trust_from_pem(buf, n, &t, err, sizeof err), 0);
    size_t want = rt_tls_trust_count(t);
    rt_tls_trust_free(t);
    uint64_t live0, live1;
    rt__alloc_counters(NULL, &live0, NULL);
    for (uint64_t k = 1; k < 400; k++) {
        t = NULL;
        rt__alloc_fail_after(k);
        int r = rt_tls_trust_from_pem(buf, n, &t, err, sizeof err);
        rt__alloc_fail_after(0);
        if (r == 0) {
            ASSERT_EQ(rt_tls_trust_count(t), want);
            size_t cnt;
            const br_x509_trust_anchor *a = rt__tls_anchors(t, &cnt);
            for (size_t i = 0; i < cnt; i++)
                ASSERT(a[i].dn.data && (a[i].pkey.key_type == BR_KEYTYPE_RSA
                                        ? a[i].pkey.key.rsa.n && a[i].pkey.key.rsa.e
                                        : a[i].pkey.key.ec.q != NULL));
            rt_tls_trust_free(t);
        } else {
            ASSERT_EQ(r, RT_ENOMEM);
            ASSERT(t == NULL);
        }
    }
    rt__alloc_counters(NULL, &live1, NULL);
    ASSERT_EQ(live1, live0);
}

TEST(x509_ip_walker)
{
    /* Certificate { tbs { [3] { Extensions { Extension { subjectAltName,
       OCTET STRING { GeneralNames { [2] "a", [7] 127.0.0.1, [7] ::1 } } } } } } } */
    static const uint8_t cert[] = {
        0x30, 0x31, 0x30, 0x2f, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa3, 0x28, 0x30, 0x26, 0x30,
        0x24, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x1d, 0x30, 0x1b, 0x82, 0x01, 0x61, 0x87,
        0x04, 0x7f, 0x00, 0x00, 0x01, 0x87, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01
    };
    uint8_t v4[4] = {127, 0, 0, 1}, other[4] = {10, 0, 0, 1};
    uint8_t v6[16] = {0};
    v6[15] = 1;
    ASSERT(rt__x509_has_ip(cert, sizeof cert, v4, 4));
    ASSERT(rt__x509_has_ip(cert, sizeof cert, v6, 16));
    ASSERT(!rt__x509_has_ip(cert, sizeof cert, other, 4));
    /* every truncation is rejected without reading past the end */
    for (size_t n = 0; n < sizeof cert; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, cert, n);
        ASSERT(!rt__x509_has_ip(copy, n, v4, 4) || n == sizeof cert);
        free(copy);
    }
}

/* The PEM reader's corners (RFC 7468), on the system bundle's first certificate: CR LF lines, blanks after the
   lines, text between blocks, a block of another label skipped, the three certificate
   labels; an END of another label or no END is malformed; bad base64 is skipped. */
static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    *n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*n] = 0;
    return buf;
}

TEST(trust_pem_format_corners)
{
    size_t n;
    const char *ca = read_all("/etc/ssl/certs/ca-certificates.crt", &n);
    ASSERT(ca != NULL);                    /* ca-certificates: make deps installs it */
    const char *b = strstr(ca, "-----BEGIN CERTIFICATE-----\n"), *e = strstr(ca, "-----END CERTIFICATE-----");
    ASSERT(b && e);
    b += 28;
    size_t blen = (size_t)(e - b);
    static char pem[1 << 17];
    rt_tls_trust *t = NULL;
    char err[256];
    /* CR LF everywhere, blanks at line ends, prose before, between and after */
    size_t k = 0;
    k += (size_t)sprintf(pem + k, "Some prose\r\n-----BEGIN CERTIFICATE----- \r\n");
    for (size_t i = 0; i < blen; i++) {
        if (b[i] == '\n')
            pem[k++] = '\r';
        pem[k++] = b[i];
    }
    k += (size_t)sprintf(pem + k, "-----END CERTIFICATE-----\r\nmore prose\r\n"
                                  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                                  "-----BEGIN TRUSTED CERTIFICATE-----\n%.*s-----END TRUSTED CERTIFICATE-----",
                         (int)blen, b);
    ASSERT_EQ(rt_tls_trust_from_pem(pem, k, &t, err, sizeof err), 0);
    ASSERT_EQ(rt_tls_trust_count(t), 2);
    rt_tls_trust_free(t);
    /* END of another label: malformed, nothing decoded */
    k = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n%.*s-----END PRIVATE KEY-----\n", (int)blen, b);
    t = NULL;
    ASSERT_EQ(rt_tls_trust_from_pem(pem, k, &t, err, sizeof err), RT_ETRUST_STORE);
    ASSERT(strstr(err, "malformed") != NULL);
    /* no END line */
    k = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n%.*s", (int)blen, b);
    ASSERT_EQ(rt_tls_trust_from_pem(pem, k, &t, err, sizeof err), RT_ETRUST_STORE);
    /* bad base64 in the first block, a good second block: one anchor */
    k = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\nA*A=\n-----END CERTIFICATE-----\n"
                             "-----BEGIN CERTIFICATE-----\n%.*s-----END CERTIFICATE-----\n", (int)blen, b);
    ASSERT_EQ(rt_tls_trust_from_pem(pem, k, &t, err, sizeof err), 0);
    ASSERT_EQ(rt_tls_trust_count(t), 1);
    rt_tls_trust_free(t);
}
