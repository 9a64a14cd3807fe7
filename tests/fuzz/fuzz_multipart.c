/*
 * fuzz_multipart.c - libFuzzer target for multipart/form-data and MIME types
 * (lib/net/multipart.c, lib/net/mime.c), under ASan and UBSan. Findings are crashes, sanitizer
 * reports and broken invariants:
 *   - every part the parser reports lies inside the input, in order; the parse of a prefix
 *     never reports more parts than the parse of the whole, and a strict prefix of a valid
 *     body (but the body less its last CR LF) never parses;
 *   - round trip: the parts re-encoded with the encoder (same boundary) parse again to the
 *     same names, filenames and bodies, once newlines are normalized as the encoder does
 *     (names always, the bodies of string parts), and the same Content-Types where the
 *     encoder keeps them (skipped when a normalized string holds a delimiter: the encoder's
 *     precondition is a boundary that occurs nowhere, which a random one meets);
 *   - MIME types: serialize(parse(serialize(extract(x)))) == serialize(extract(x)).
 * Input layout: byte 0 picks the boundary's length (1 to 40) and whether the rest is also
 * read as a Content-Type value; the boundary's bytes come next, mapped onto RFC 2046's
 * bchars (so no CR or LF: see the round trip), then the body. Seeds:
 * tests/fuzz/corpus/multipart/. tests/fuzz/run.sh has the build line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "net.h"
#include "mime.h"
#include "multipart.h"

typedef struct part {
    uint8_t *name, *filename, *type, *body;
    size_t name_len, filename_len, type_len, body_len;
    int has_filename, has_type;
} part;

typedef struct parts {
    part *v;
    size_t n;
    const uint8_t *in;
    size_t in_len;
    const uint8_t *last_end;               /* the end of the previous part's body */
} parts;

static uint8_t *dup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (!d)
        abort();
    if (n)
        memcpy(d, p, n);
    return d;
}

static int collect(void *ud, const rt__mp_part *p)
{
    parts *ps = ud;
    if (p->body < ps->in || p->body + p->body_len > ps->in + ps->in_len || p->body < ps->last_end) {
        fprintf(stderr, "fuzz_multipart: a part's body is outside the input or out of order\n");
        abort();
    }
    ps->last_end = p->body + p->body_len;
    ps->v = realloc(ps->v, (ps->n + 1) * sizeof *ps->v);
    if (!ps->v)
        abort();
    part *q = &ps->v[ps->n++];
    memset(q, 0, sizeof *q);
    q->name = dup(p->name, p->name_len);
    q->name_len = p->name_len;
    if (p->filename) {
        q->has_filename = 1;
        q->filename = dup(p->filename, p->filename_len);
        q->filename_len = p->filename_len;
    }
    if (p->type) {
        q->has_type = 1;
        q->type = dup(p->type, p->type_len);
        q->type_len = p->type_len;
    }
    q->body = dup(p->body, p->body_len);
    q->body_len = p->body_len;
    return 0;
}

static void parts_free(parts *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].name);
        free(ps->v[i].filename);
        free(ps->v[i].type);
        free(ps->v[i].body);
    }
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

static int parse(const uint8_t *in, size_t n, const char *b, size_t bl, parts *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->in = in;
    ps->in_len = n;
    ps->last_end = in;
    int r = rt__mp_parse(in, n, b, bl, collect, ps);
    if (r == RT_ENOMEM || (r != 0 && r != RT_EINVAL))
        abort();
    return r;
}

/* Newlines as the encoder makes them: CR LF, lone CR and lone LF all become CR LF. */
static uint8_t *norm(const uint8_t *s, size_t n, size_t *out_len)
{
    uint8_t *o = malloc(2 * n + 1);
    if (!o)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            o[k++] = '\r';
            o[k++] = '\n';
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            o[k++] = s[i];
        }
    }
    *out_len = k;
    return o;
}

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void fail(const char *why, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_multipart: %s\n  input (%zu bytes):", why, size);
    for (size_t i = 0; i < size && i < 400; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    abort();
}

static void mime_fixed_point(const char *s, size_t n, const uint8_t *data, size_t size)
{
    rt__mime m, m2;
    if (rt__mime_extract(s, n, &m) != 0)
        return;
    char *a, *b;
    size_t al, bl;
    if (rt__mime_serialize(&m, &a, &al) != 0)
        abort();
    if (rt__mime_parse(a, al, &m2) != 0)
        fail("a serialized MIME type does not parse", data, size);
    if (rt__mime_serialize(&m2, &b, &bl) != 0)
        abort();
    if (!same((uint8_t *)a, al, (uint8_t *)b, bl))
        fail("MIME serialization is not a fixed point", data, size);
    rt__free(a);
    rt__free(b);
    rt__mime_free(&m);
    rt__mime_free(&m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char bchars[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
    if (size < 2 || size > 65536)
        return 0;
    size_t bl = 1 + (data[0] & 0x3f) % 40;
    if (size < 1 + bl)
        return 0;
    char boundary[64];
    for (size_t i = 0; i < bl; i++)
        boundary[i] = bchars[data[1 + i] % (sizeof bchars - 1)];
    boundary[bl] = 0;
    const uint8_t *body = data + 1 + bl;
    size_t n = size - 1 - bl;
    if (data[0] & 0x80)
        mime_fixed_point((const char *)body, n, data, size);

    parts whole;
    int r = parse(body, n, boundary, bl, &whole);
    /* a prefix reports no more parts than the whole, and fails unless it is the whole (or
       the whole less a final CR LF) */
    if (n) {
        parts pre;
        size_t k = (size_t)data[size - 1] % n;
        int pr = parse(body, k, boundary, bl, &pre);
        if (pre.n > whole.n)
            fail("a prefix has more parts", data, size);
        if (r == 0 && pr == 0 && !(k + 2 == n && body[n - 2] == '\r' && body[n - 1] == '\n'))
            fail("a prefix of a valid body parsed", data, size);
        parts_free(&pre);
    }
    if (r != 0) {
        parts_free(&whole);
        return 0;
    }
    /* round trip through the encoder, whose precondition is that the boundary does not occur
       in what it encodes: a string's newlines made CR LF may form a delimiter */
    char delim[68] = "\r\n--";
    memcpy(delim + 4, boundary, bl);
    for (size_t i = 0; i < whole.n; i++) {
        if (whole.v[i].has_filename)
            continue;
        size_t nl;
        uint8_t *nb = norm(whole.v[i].body, whole.v[i].body_len, &nl);
        int clash = memmem(nb, nl, delim, bl + 4) != NULL;
        free(nb);
        if (clash) {
            parts_free(&whole);
            return 0;
        }
    }
    rt__buf e = {0};
    for (size_t i = 0; i < whole.n; i++) {
        part *p = &whole.v[i];
        if (rt__mp_part_head(&e, boundary, bl, (char *)p->name, p->name_len,
                             p->has_filename ? (char *)p->filename : NULL, p->filename_len,
                             p->has_type ? (char *)p->type : "", p->type_len) ||
            (p->has_filename ? rt__buf_append(&e, p->body, p->body_len)
                             : rt__mp_text(&e, (char *)p->body, p->body_len)) ||
            rt__buf_append(&e, "\r\n", 2))
            abort();
    }
    if (rt__mp_close(&e, boundary, bl))
        abort();
    parts again;
    if (parse((uint8_t *)e.data, e.len, boundary, bl, &again) != 0 || again.n != whole.n)
        fail("the re-encoded parts do not parse back", data, size);
    for (size_t i = 0; i < whole.n; i++) {
        part *p = &whole.v[i], *q = &again.v[i];
        size_t nl, bl2;
        uint8_t *nn = norm(p->name, p->name_len, &nl);
        uint8_t *nb = p->has_filename ? dup(p->body, p->body_len) : norm(p->body, p->body_len, &bl2);
        if (p->has_filename)
            bl2 = p->body_len;
        if (!same(nn, nl, q->name, q->name_len))
            fail("a name changed in the round trip", data, size);
        if (p->has_filename != q->has_filename ||
            (p->has_filename && !same(p->filename, p->filename_len, q->filename, q->filename_len)))
            fail("a filename changed in the round trip", data, size);
        if (!same(nb, bl2, q->body, q->body_len))
            fail("a body changed in the round trip", data, size);
        int plain_type = p->has_filename && p->has_type && p->type_len;
        for (size_t k = 0; plain_type && k < p->type_len; k++)
            plain_type = p->type[k] >= 0x20 && p->type[k] != 0x7f;
        if (plain_type && !same(p->type, p->type_len, q->type, q->type_len))
            fail("a Content-Type changed in the round trip", data, size);
        free(nn);
        free(nb);
    }
    parts_free(&again);
    parts_free(&whole);
    rt__buf_free(&e);
    return 0;
}
