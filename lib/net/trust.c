/*
 * trust.c - the trust store: PEM bundles decoded into BearSSL trust anchors (each
 * anchor's DN and key copied into memory owned by the store; the CA flag from the
 * certificate), and the choice of source (lib/engine/trust_store.c decodes it lazily on a
 * runtime's first HTTPS request). Order: rt_config.ca_file, $RT_CA_FILE, $SSL_CERT_FILE, the system bundle, then
 * the build machine's bundle compiled in (tools/mkanchors) when no bundle file exists.
 * A source that is named (config or variable) but unreadable or empty is an error, never
 * skipped; only the unnamed system bundle may be missing. The store is read-only once
 * decoded and shared by every connection and worker thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "net.h"
#include "tls.h"
#include "dataurl.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct rt_tls_trust {
    br_x509_trust_anchor *anchors;         /* owned array */
    size_t count, cap;
};


typedef struct {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void append(void *ctx, const void *p, size_t n)
{
    bytes *b = ctx;
    if (!b->data && b->cap == SIZE_MAX)
        return;                            /* an earlier allocation failed */
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 2048;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = rt__realloc(b->data, cap);
        if (!d) {
            rt__free(b->data);
            b->data = NULL;
            b->cap = SIZE_MAX;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void *dup_bytes(const void *p, size_t n)
{
    void *d = rt__malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* One DER certificate -> one anchor. 0, -1 (not a certificate we can use: skipped), or
   RT_ENOMEM (the whole store fails: a store silently missing an anchor would make its
   servers look untrusted). */
static int add_anchor(rt_tls_trust *t, const uint8_t *der, size_t len)
{
    bytes dn = {0};
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, append, &dn);
    br_x509_decoder_push(&dc, der, len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (!dn.data && dn.cap == SIZE_MAX)
        return RT_ENOMEM;
    if (!pk || !dn.data) {
        rt__free(dn.data);
        return -1;
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        br_x509_trust_anchor *a = rt__realloc(t->anchors, cap * sizeof *a);
        if (!a) {
            rt__free(dn.data);
            return RT_ENOMEM;
        }
        t->anchors = a;
        t->cap = cap;
    }
    br_x509_trust_anchor *ta = &t->anchors[t->count];
    memset(ta, 0, sizeof *ta);
    ta->dn.data = dn.data;
    ta->dn.len = dn.len;
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
        if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e) {
            rt__free(ta->pkey.key.rsa.n);
            rt__free(ta->pkey.key.rsa.e);
            rt__free(dn.data);
            return RT_ENOMEM;              /* a NULL key would crash the verifier */
        }
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
        if (!ta->pkey.key.ec.q) {
            rt__free(dn.data);
            return RT_ENOMEM;
        }
    } else {
        rt__free(dn.data);
        return -1;
    }
    t->count++;
    return 0;
}

void rt_tls_trust_free(rt_tls_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        br_x509_trust_anchor *ta = &t->anchors[i];
        rt__free(ta->dn.data);
        if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
            rt__free(ta->pkey.key.rsa.n);
            rt__free(ta->pkey.key.rsa.e);
        } else {
            rt__free(ta->pkey.key.ec.q);
        }
    }
    rt__free(t->anchors);
    rt__free(t);
}

size_t rt_tls_trust_count(const rt_tls_trust *t)
{
    return t ? t->count : 0;
}

const br_x509_trust_anchor *rt__tls_anchors(const rt_tls_trust *t, size_t *count)
{
    *count = t ? t->count : 0;
    return t ? t->anchors : NULL;
}

/* One line of pem: [*p, eol) without its line break and trailing blanks; *p moves past it. */
static size_t pem_line(const char **p, const char *end, const char **line)
{
    const char *s = *p, *e = memchr(s, '\n', (size_t)(end - s));
    *p = e ? e + 1 : end;
    if (!e)
        e = end;
    *line = s;
    while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return (size_t)(e - s);
}

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* PEM (RFC 7468): "-----BEGIN label-----", base64 lines, "-----END label-----". The base64
   goes through the forgiving decoder (dataurl.c) in one pass: BearSSL's PEM decoder, a T0
   machine fed byte by byte, took 300 million instructions (~100 ms on the loop thread, at a
   runtime's first HTTPS request) for the 144 certificates of Debian's bundle. Text outside
   the blocks is skipped; a block with no END line or with bad base64 is malformed. */
int rt_tls_trust_from_pem(const char *pem, size_t len, rt_tls_trust **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    rt_tls_trust *t = rt__calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return RT_ENOMEM;
    }
    int bad = 0, nomem = 0;
    const char *p = pem, *end = pem + len;
    uint8_t *der = NULL;
    size_t dcap = 0;
    while (p < end && !nomem) {
        const char *line;
        size_t n = pem_line(&p, end, &line);
        if (!starts(line, n, "-----BEGIN ") || n < 16 || memcmp(line + n - 5, "-----", 5) != 0)
            continue;
        const char *label = line + 11;
        size_t llen = n - 16;
        int cert = (llen == 11 && memcmp(label, "CERTIFICATE", 11) == 0) ||
                   (llen == 16 && memcmp(label, "X509 CERTIFICATE", 16) == 0) ||
                   (llen == 19 && memcmp(label, "TRUSTED CERTIFICATE", 19) == 0);
        const char *body = p, *body_end = NULL;
        while (p < end) {
            const char *l2 = p;
            size_t n2 = pem_line(&p, end, &line);
            if (starts(line, n2, "-----END ")) {
                body_end = l2;
                if (n2 != llen + 14 || memcmp(line + 9, label, llen) != 0 ||
                    memcmp(line + n2 - 5, "-----", 5) != 0)
                    body_end = NULL;       /* END of another label */
                break;
            }
        }
        if (!body_end) {                   /* no END line: the rest is not PEM */
            bad++;
            break;
        }
        if (!cert)
            continue;
        size_t blen = (size_t)(body_end - body), need = blen / 4 * 3 + 3, dlen;
        if (need > dcap) {
            uint8_t *d = rt__realloc(der, need);
            if (!d) {
                nomem = 1;
                break;
            }
            der = d;
            dcap = need;
        }
        if (rt__base64_decode(body, blen, der, &dlen) < 0) {
            bad++;
            continue;
        }
        int a = add_anchor(t, der, dlen);
        if (a == RT_ENOMEM)
            nomem = 1;
        else if (a < 0)
            bad++;
    }
    rt__free(der);
    if (nomem) {
        rt_tls_trust_free(t);
        snprintf(err, errlen, "out of memory");
        return RT_ENOMEM;
    }
    if (t->count == 0) {
        rt_tls_trust_free(t);
        snprintf(err, errlen, "no certificate could be decoded%s", bad ? " (malformed PEM)" : "");
        return RT_ETRUST_STORE;
    }
    *out = t;
    return 0;
}

int rt_tls_trust_from_file(const char *path, rt_tls_trust **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read CA file %s: %s", path, strerror(errno));
        return RT_ETRUST_STORE;
    }
    rt__buf b = {0};
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (rt__buf_append(&b, chunk, n) < 0) {
            fclose(f);
            rt__buf_free(&b);
            snprintf(err, errlen, "CA file %s: out of memory", path);
            return RT_ENOMEM;              /* never a store cut short */
        }
    fclose(f);
    char e2[256];
    int r = rt_tls_trust_from_pem(b.data ? b.data : "", b.len, out, e2, sizeof e2);
    rt__buf_free(&b);
    if (r < 0)
        snprintf(err, errlen, "CA file %s: %s", path, e2);
    return r;
}

/* The build machine's bundle, as concatenated DER (build/<backend>/gen/builtin_anchors.c). */
extern const size_t rt__builtin_ca_count, rt__builtin_ca_len;
extern const unsigned char rt__builtin_ca_der[];

/* Decode the built-in certificates. 0, or RT_ETRUST_STORE if there are none. */
int rt__tls_trust_builtin(rt_tls_trust **out)
{
    *out = NULL;
    rt_tls_trust *t = rt__calloc(1, sizeof *t);
    if (!t)
        return RT_ENOMEM;
    size_t off = 0;
    while (off + 4 <= rt__builtin_ca_len) {
        /* each certificate is one DER SEQUENCE: 0x30, then a short or long length */
        const unsigned char *p = rt__builtin_ca_der + off;
        size_t len, hdr;
        if (p[0] != 0x30)
            break;
        if (p[1] < 0x80) {
            len = p[1];
            hdr = 2;
        } else {
            int k = p[1] & 0x7f;
            if (k < 1 || k > 3 || off + 2 + (size_t)k > rt__builtin_ca_len)
                break;
            len = 0;
            for (int i = 0; i < k; i++)
                len = (len << 8) | p[2 + i];
            hdr = 2 + (size_t)k;
        }
        if (off + hdr + len > rt__builtin_ca_len)
            break;
        if (add_anchor(t, p, hdr + len) == RT_ENOMEM) {   /* an undecodable one is skipped */
            rt_tls_trust_free(t);
            return RT_ENOMEM;
        }
        off += hdr + len;
    }
    if (!t->count) {
        rt_tls_trust_free(t);
        return RT_ETRUST_STORE;
    }
    *out = t;
    return 0;
}

/* Pick and decode the trust store for a runtime whose config names ca_file (may be NULL):
   see the order at the top. *out is the decoded store or NULL; desc describes the source
   (or the error). Returns 0 or RT_ETRUST_STORE / RT_ENOMEM. */
int rt__trust_choose(const char *ca_file, rt_tls_trust **out, char *desc, size_t desclen)
{
    const char *named = NULL, *how = NULL;
    int error;
    *out = NULL;
    if (ca_file) {
        named = ca_file;
        how = "config ca_file";
    } else if (getenv("RT_CA_FILE") && *getenv("RT_CA_FILE")) {
        named = getenv("RT_CA_FILE");
        how = "RT_CA_FILE";
    } else if (getenv("SSL_CERT_FILE") && *getenv("SSL_CERT_FILE")) {
        named = getenv("SSL_CERT_FILE");
        how = "SSL_CERT_FILE";
    }
    char err[400];
    if (named) {
        error = rt_tls_trust_from_file(named, out, err, sizeof err);
        if (error < 0)
            snprintf(desc, desclen, "%s (from %s)", err, how);
        else
            snprintf(desc, desclen, "%s (from %s, %zu certificates)", named, how, (*out)->count);
        return error;
    }
    FILE *probe = fopen(SYSTEM_BUNDLE, "rb");
    if (!probe) {
        /* no bundle file on this machine: the build machine's, compiled in */
        error = rt__tls_trust_builtin(out);
        if (error < 0)
            snprintf(desc, desclen, "none: %s missing and no built-in anchors", SYSTEM_BUNDLE);
        else
            snprintf(desc, desclen, "built-in (%zu certificates from the build machine's bundle)",
                     (*out)->count);
        return error;
    }
    fclose(probe);
    error = rt_tls_trust_from_file(SYSTEM_BUNDLE, out, err, sizeof err);
    if (error < 0)
        snprintf(desc, desclen, "none: %s", err);
    else
        snprintf(desc, desclen, "%s (system bundle, %zu certificates)", SYSTEM_BUNDLE,
                 (*out)->count);
    return error;
}
