/*
 * fuzz_request.c - libFuzzer target for header validation and request serialization
 * (rt_http1_is_token, rt_http1_is_field_value, rt_http1_request_size/_write in lib/net/http1.c).
 *
 * Input layout: byte 0 picks the body framing (content_length -1, -2 or a number taken from
 * byte 0) and byte 1 the output capacity (exact, too small, one more, large); the rest is
 * split at the byte 0xff into fields: method, target, host, then name, value, name, value...
 * (a field may contain any other byte, NUL, CR and LF included; method, target and host
 * are C strings in the API, so they are cut at their first NUL - that NUL is the API's own
 * terminator, not content).
 *
 * Contract (lib/net/http1.h): the writer returns RT_EINVAL when the method is not a
 * token, the target is empty or has a byte <= ' ' or DEL, the Host value is empty or has
 * CR/LF/NUL, a header name is not a token or a value has CR/LF/NUL; RT_ENOMEM when cap is
 * smaller than rt_http1_request_size(); else exactly that many bytes. Invariants checked
 * (abort on violation):
 *   - rt_http1_request_size() is 0 exactly when some field fails the validators (checked
 *     here against an independent reference implementation of token / field-value);
 *   - the validators agree with the reference on every name and value;
 *   - the writer refuses (RT_EINVAL) exactly when the size is 0, RT_ENOMEM when cap < size,
 *     and otherwise writes exactly size bytes and never past cap (ASan, guard bytes);
 *   - an accepted head: no NUL; CR and LF appear only as "\r\n"; the request line is
 *     "METHOD SP target SP HTTP/1.1"; every other line before the blank line is
 *     "token: value" (value without CR/LF/NUL); exactly one Host line, carrying the host;
 *     no user Host/Content-Length/Transfer-Encoding; at most one Content-Length or one
 *     Transfer-Encoding as asked; the head ends with exactly one blank line ("\r\n\r\n"
 *     at the end and nowhere before);
 *   - the user headers that are kept appear in order, byte-exact.
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_request.c lib/net/http1.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime.h"
#include "http1.h"

#define MAX_FIELDS 67                      /* method, target, host + 32 name/value pairs */
#define GUARD 16

static int ref_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return 1;
    }
    return 0;
}

static int ref_token(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ref_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

static int ref_value(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return 0;
    return 1;
}

static int ref_target(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

static int is_dropped(const char *n, size_t l)
{
    return (l == 4 && strncasecmp(n, "host", 4) == 0) ||
           (l == 14 && strncasecmp(n, "content-length", 14) == 0) ||
           (l == 17 && strncasecmp(n, "transfer-encoding", 17) == 0);
}

#define CHECK(c)                                                                           \
    do {                                                                                   \
        if (!(c)) {                                                                        \
            fprintf(stderr, "fuzz_request: invariant failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Check an accepted head out[0..n) against the request. */
static void check_head(const rt_http1_request *r, const char *out, size_t n)
{
    CHECK(n >= 4);
    CHECK(memchr(out, '\0', n) == NULL);
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '\r')
            CHECK(i + 1 < n && out[i + 1] == '\n');
        if (out[i] == '\n')
            CHECK(i > 0 && out[i - 1] == '\r');
    }
    /* exactly one blank line, at the end */
    CHECK(memcmp(out + n - 4, "\r\n\r\n", 4) == 0);
    CHECK(memmem(out, n, "\r\n\r\n", 4) == out + n - 4);   /* first one is the last */

    /* request line */
    const char *p = out, *end = out + n - 2;    /* end: start of the final blank line */
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    CHECK(eol);
    size_t ml = strlen(r->method), tl = strlen(r->target);
    CHECK((size_t)(eol - p) == ml + 1 + tl + 9);
    CHECK(memcmp(p, r->method, ml) == 0 && p[ml] == ' ');
    CHECK(memcmp(p + ml + 1, r->target, tl) == 0);
    CHECK(memcmp(p + ml + 1 + tl, " HTTP/1.1", 9) == 0);
    p = eol + 2;

    int hosts = 0, cls = 0, tes = 0;
    size_t next_user = 0;
    while (p < end) {
        eol = memmem(p, (size_t)(end - p + 2), "\r\n", 2);
        CHECK(eol && eol <= end);
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        CHECK(colon);
        size_t nl = (size_t)(colon - p);
        CHECK(rt_http1_is_token(p, nl) && ref_token(p, nl));
        CHECK(colon + 1 < eol + 1 && colon[1] == ' ');
        const char *v = colon + 2;
        size_t vl = (size_t)(eol - v);
        CHECK(eol >= v);
        CHECK(ref_value(v, vl));
        if (nl == 4 && strncasecmp(p, "host", 4) == 0) {
            hosts++;
            CHECK(memcmp(p, "Host", 4) == 0);
            CHECK(vl == strlen(r->host) && memcmp(v, r->host, vl) == 0);
        } else if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
            cls++;
            CHECK(r->content_length >= 0);
            char num[32];
            int k = snprintf(num, sizeof num, "%lld", (long long)r->content_length);
            CHECK(vl == (size_t)k && memcmp(v, num, vl) == 0);
        } else if (nl == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
            tes++;
            CHECK(r->content_length == -2);
            CHECK(vl == 7 && memcmp(v, "chunked", 7) == 0);
        } else {
            /* the next kept user header, in order, byte-exact */
            while (next_user < r->num_headers &&
                   is_dropped(r->headers[next_user].name, r->headers[next_user].name_len))
                next_user++;
            CHECK(next_user < r->num_headers);
            const rt_http1_header *h = &r->headers[next_user++];
            CHECK(h->name_len == nl && memcmp(h->name, p, nl) == 0);
            CHECK(h->value_len == vl && memcmp(h->value, v, vl) == 0);
        }
        p = eol + 2;
    }
    while (next_user < r->num_headers &&
           is_dropped(r->headers[next_user].name, r->headers[next_user].name_len))
        next_user++;
    CHECK(next_user == r->num_headers);     /* every kept header was written */
    CHECK(hosts == 1);
    CHECK(cls == (r->content_length >= 0));
    CHECK(tes == (r->content_length == -2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fields[MAX_FIELDS][4096];
    static size_t flen[MAX_FIELDS];
    static rt_http1_header hs[(MAX_FIELDS - 3) / 2];
    static char out[65536 + GUARD];
    if (size < 2)
        return 0;
    uint8_t mode = data[0], capmode = data[1];
    data += 2;
    size -= 2;

    /* split at 0xff */
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= size && nf < MAX_FIELDS; i++) {
        if (i == size || data[i] == 0xff) {
            size_t l = i - start;
            if (l >= sizeof fields[0])
                l = sizeof fields[0] - 1;
            memcpy(fields[nf], data + start, l);
            fields[nf][l] = '\0';
            flen[nf] = l;
            nf++;
            start = i + 1;
        }
    }
    for (size_t i = nf; i < 3; i++) {       /* missing method / target / host: empty */
        fields[i][0] = '\0';
        flen[i] = 0;
    }
    if (nf < 3)
        nf = 3;

    rt_http1_request r;
    memset(&r, 0, sizeof r);
    r.method = fields[0];
    r.target = fields[1];
    r.host = fields[2];
    size_t nh = 0;
    for (size_t i = 3; i + 1 < nf; i += 2, nh++) {
        hs[nh].name = fields[i];
        hs[nh].name_len = flen[i];
        hs[nh].value = fields[i + 1];
        hs[nh].value_len = flen[i + 1];
    }
    r.headers = hs;
    r.num_headers = nh;
    switch (mode & 3) {
    case 0: r.content_length = -1; break;
    case 1: r.content_length = -2; break;
    case 2: r.content_length = mode >> 2; break;
    default: r.content_length = (int64_t)(((uint64_t)mode << 56) >> 1) + mode; break;
    }

    /* validators against the reference */
    for (size_t i = 0; i < nh; i++) {
        CHECK(rt_http1_is_token(hs[i].name, hs[i].name_len) == ref_token(hs[i].name, hs[i].name_len));
        CHECK(rt_http1_is_field_value(hs[i].value, hs[i].value_len) ==
              ref_value(hs[i].value, hs[i].value_len));
    }
    CHECK(rt_http1_is_field_value(r.host, flen[2]) == ref_value(r.host, flen[2]));

    int valid = ref_token(r.method, strlen(r.method)) && ref_target(r.target) && r.host[0] &&
                ref_value(r.host, strlen(r.host));
    for (size_t i = 0; i < nh; i++)
        valid = valid && ref_token(hs[i].name, hs[i].name_len) && ref_value(hs[i].value, hs[i].value_len);

    size_t need = rt_http1_request_size(&r);
    CHECK((need != 0) == valid);

    size_t cap;
    switch (capmode & 3) {
    case 0: cap = need; break;
    case 1: cap = need ? need - 1 - (capmode >> 2) % need : 0; break;
    case 2: cap = need + 1; break;
    default: cap = 65536; break;
    }
    if (cap > 65536)
        cap = 65536;
    memset(out, 0xAA, sizeof out);
    ssize_t w = rt_http1_request_write(&r, out, cap);
    if (!valid) {
        CHECK(w == RT_EINVAL);
        return 0;
    }
    if (cap < need) {
        CHECK(w == RT_ENOMEM);
        for (size_t i = 0; i < sizeof out; i++)  /* nothing written past cap */
            CHECK(i < cap || (unsigned char)out[i] == 0xAA);
        return 0;
    }
    CHECK(w >= 0 && (size_t)w == need);
    for (size_t i = cap; i < sizeof out; i++)
        CHECK((unsigned char)out[i] == 0xAA);
    check_head(&r, out, (size_t)w);
    return 0;
}
