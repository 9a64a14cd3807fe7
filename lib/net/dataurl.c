/*
 * dataurl.c - data: URLs (dataurl.h): the Fetch standard's data: URL processor (section
 * "data: URLs") and the Infra standard's forgiving-base64 decode. The processor works on the
 * URL as the URL parser serialized it, so the input is ASCII; the MIME type is parsed and
 * serialized by mime.c, and one that does not parse becomes text/plain;charset=US-ASCII.
 */
#include <string.h>
#include <strings.h>

#include "net.h"
#include "dataurl.h"
#include "mime.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int ascii_ws(unsigned char c)       /* Infra: TAB, LF, FF, CR, SPACE */
{
    return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

int rt__base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len)
{
    /* 1. without ASCII whitespace: counted, then read on the fly */
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += !ascii_ws((unsigned char)in[i]);
    /* 2. one or two '=' at the end go, when the length is a multiple of 4 */
    size_t pad = 0;
    if (len % 4 == 0) {
        for (size_t i = n; i > 0 && pad < 2; i--) {
            unsigned char c = (unsigned char)in[i - 1];
            if (ascii_ws(c))
                continue;
            if (c != '=')
                break;
            pad++;
        }
    }
    len -= pad;
    if (len % 4 == 1)                      /* 3. */
        return RT_EINVAL;
    uint32_t bits = 0;
    unsigned nbits = 0;
    size_t o = 0, seen = 0;
    for (size_t i = 0; i < n && seen < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (ascii_ws(c))
            continue;
        int v = b64_value(c);              /* 4. anything else ('=' inside too) fails */
        if (v < 0)
            return RT_EINVAL;
        seen++;
        bits = bits << 6 | (uint32_t)v;
        nbits += 6;
        if (nbits == 24) {
            out[o++] = (uint8_t)(bits >> 16);
            out[o++] = (uint8_t)(bits >> 8);
            out[o++] = (uint8_t)bits;
            bits = 0;
            nbits = 0;
        }
    }
    if (nbits == 12) {                     /* 5. 12 bits: one byte, 18: two */
        out[o++] = (uint8_t)(bits >> 4);
    } else if (nbits == 18) {
        out[o++] = (uint8_t)(bits >> 10);
        out[o++] = (uint8_t)(bits >> 2);
    }
    *out_len = o;
    return 0;
}

size_t rt__base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = B64[(v >> 6) & 63];
        out[o++] = B64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = B64[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The URL standard's percent-decode: %XX with two hex digits becomes the byte; a lone '%'
   stays. out has room for n bytes. */
static size_t percent_decode(const char *s, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = (uint8_t)s[i];
        }
    }
    return o;
}

void rt__data_url_free(rt__data_url *d)
{
    rt__free(d->mime);
    rt__free(d->body);
    memset(d, 0, sizeof *d);
}

int rt__data_url_process(const char *url, size_t n, rt__data_url *out)
{
    memset(out, 0, sizeof *out);
    if (n < 5 || strncasecmp(url, "data:", 5) != 0)
        return RT_EINVAL;
    const char *p = url + 5, *end = url + n;
    const char *comma = memchr(p, ',', (size_t)(end - p));
    if (!comma)                            /* 7. no comma: failure */
        return RT_EINVAL;
    /* 5, 6. the MIME type: up to the comma, ASCII whitespace stripped at both ends */
    const char *ms = p, *me = comma;
    while (ms < me && ascii_ws((unsigned char)*ms))
        ms++;
    while (me > ms && ascii_ws((unsigned char)me[-1]))
        me--;
    /* 9, 10. the body, percent-decoded */
    const char *eb = comma + 1;
    size_t elen = (size_t)(end - eb);
    uint8_t *body = rt__malloc(elen + 3);
    if (!body)
        return RT_ENOMEM;
    size_t blen = percent_decode(eb, elen, body);
    /* 11. ";" + spaces + "base64" at the end of the MIME type: the body is base64 */
    const char *t = me;
    if (t - ms >= 6 && strncasecmp(t - 6, "base64", 6) == 0) {
        const char *q = t - 6;
        while (q > ms && q[-1] == ' ')
            q--;
        if (q > ms && q[-1] == ';') {
            size_t dlen;
            /* in place: the decoded form is never longer than its input */
            if (rt__base64_decode((const char *)body, blen, body, &dlen) < 0) {
                rt__free(body);
                return RT_EINVAL;
            }
            blen = dlen;
            me = q - 1;                    /* 11.4-6: "base64", the spaces, the ';' go */
        }
    }
    /* 12. a type that starts with ';' is text/plain's parameters */
    size_t mlen = (size_t)(me - ms);
    int plain = mlen && ms[0] == ';';
    char *mt = rt__malloc(mlen + 11);
    if (!mt) {
        rt__free(body);
        return RT_ENOMEM;
    }
    size_t k = 0;
    if (plain) {
        memcpy(mt, "text/plain", 10);
        k = 10;
    }
    memcpy(mt + k, ms, mlen);
    k += mlen;
    rt__mime m;
    int r = rt__mime_parse(mt, k, &m);
    rt__free(mt);
    if (r == RT_ENOMEM) {
        rt__free(body);
        return r;
    }
    if (r < 0) {                           /* 14. */
        out->mime = rt__strdup("text/plain;charset=US-ASCII");
        out->mime_len = out->mime ? strlen(out->mime) : 0;
        r = out->mime ? 0 : RT_ENOMEM;
    } else {
        r = rt__mime_serialize(&m, &out->mime, &out->mime_len);
        rt__mime_free(&m);
    }
    if (r < 0) {
        rt__free(body);
        return r;
    }
    out->body = body;
    out->body_len = blen;
    return 0;
}
