/*
 * test-codings.c - the Content-Encoding decoders (lib/net/codings.c). Streams are made here
 * with the encoders (zlib's deflate, libbrotlienc, libzstd's compressor) and decoded whole,
 * split at every byte, byte by byte into 1-byte output buffers, and in random pieces; the
 * input always ends right before a PROT_NONE page, so a library reading past it crashes.
 * Also: concatenated gzip members, multi-frame and skippable zstd, raw deflate, stacks,
 * every truncation, byte flips, the zstd window cap, memory held at most, bombs stopped
 * after any chunk, a failure injected at every allocation of a decoder's life, and
 * decoders running on several threads at once.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>
#include <brotli/encode.h>
#include <zstd.h>

#include "net.h"
#include "codings.h"
#include "test.h"

/* ---- inputs and encoders (test memory comes from malloc, not rt__malloc) ---- */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Text that compresses like a page does: words from a small vocabulary, some noise. */
static uint8_t *text(size_t n, uint64_t seed)
{
    static const char *words[] = {"the ", "fetch ", "runtime ", "<div class=\"x\">", "gzip ",
                                  "zstd ", "brotli ", "0123456789", "\n", "{\"a\":1}, "};
    uint8_t *p = malloc(n ? n : 1);
    ASSERT(p);
    rng_state = seed | 1;
    for (size_t i = 0; i < n;) {
        uint64_t r = rnd();
        if (r % 17 == 0) {
            p[i++] = (uint8_t)(r >> 8);
            continue;
        }
        const char *w = words[(r >> 4) % 10];
        for (size_t k = 0; w[k] && i < n; k++)
            p[i++] = (uint8_t)w[k];
    }
    return p;
}

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void cat(bytes *b, const void *p, size_t n)
{
    if (!n)
        return;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        ASSERT(b->p);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* zlib: bits 16+15 gzip, 15 zlib-wrapped, -15 raw */
static bytes enc_zlib(const uint8_t *in, size_t n, int bits, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ASSERT(deflateInit2(&z, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    bytes b = {malloc(deflateBound(&z, n) + 64), 0};
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = b.p;
    z.avail_out = (uInt)deflateBound(&z, n) + 64;
    ASSERT(deflate(&z, Z_FINISH) == Z_STREAM_END);
    b.n = z.total_out;
    deflateEnd(&z);
    return b;
}

static bytes enc_br(const uint8_t *in, size_t n, int quality, int lgwin)
{
    size_t cap = BrotliEncoderMaxCompressedSize(n) + 64;
    bytes b = {malloc(cap), cap};
    ASSERT(BrotliEncoderCompress(quality, lgwin, BROTLI_MODE_GENERIC, n, in, &b.n, b.p));
    return b;
}

static bytes enc_zstd(const uint8_t *in, size_t n, int level, int checksum)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(n);
    bytes b = {malloc(cap), 0};
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
    b.n = ZSTD_compress2(c, b.p, cap, in, n);
    ASSERT(!ZSTD_isError(b.n));
    ZSTD_freeCCtx(c);
    return b;
}

/* A copy of p[0..n) whose last byte sits right before an inaccessible page. */
typedef struct guard {
    uint8_t *p;
    void *map;
    size_t maplen;
} guard;

static guard guarded(const uint8_t *p, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), pages = (n + pg - 1) / pg + 1;
    guard g;
    g.map = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT(g.map != MAP_FAILED);
    g.maplen = pages * pg;
    ASSERT(mprotect((char *)g.map + (pages - 1) * pg, pg, PROT_NONE) == 0);
    g.p = (uint8_t *)g.map + (pages - 1) * pg - n;
    memcpy(g.p, p, n);
    return g;
}

static void unguard(guard *g)
{
    munmap(g->map, g->maplen);
}

/* ---- the driver: feeds pieces, checks the push contract on every call ---- */

enum split { WHOLE, AT, BYTES, RANDOM };

typedef struct run {
    int rc;                                /* the first error, or finish's result */
    int last_push;                         /* the last push's return (0 / 1) */
    bytes out;
    size_t consumed;                       /* input bytes taken before the outcome */
    size_t peak;                           /* the decoder's memory peak */
    char msg[160];                         /* the decoder's message */
} run;

/* Push in[0..n) in pieces, draining every output, up to limit output bytes (0: no limit). */
static int feed(rt__decoder *d, const uint8_t *in, size_t n, uint8_t *obuf, size_t cap,
                run *r, size_t limit)
{
    size_t off = 0;
    for (;;) {
        size_t c = 99, p = 99;
        int rc = rt__decoder_push(d, in + off, n - off, &c, obuf, cap, &p);
        ASSERT(c <= n - off);
        ASSERT(p <= cap);
        off += c;
        r->consumed += c;
        cat(&r->out, obuf, p);
        if (rc < 0)
            return rc;
        ASSERT(rc == 0 || rc == 1);
        r->last_push = rc;
        if (limit && r->out.n >= limit)
            return 0;
        if (p < cap) {
            ASSERT(off == n);              /* not full: everything was taken */
            return 0;
        }
    }
}

static run decode(const char *ce, const uint8_t *data, size_t n, enum split how, size_t at,
                  size_t cap)
{
    run r;
    memset(&r, 0, sizeof r);
    guard g = guarded(data, n);
    uint8_t *obuf = malloc(cap);
    rt__decoder *d = NULL;
    r.rc = rt__decoder_new(ce, strlen(ce), &d);
    ASSERT(r.rc == 0 && d);
    size_t pos = 0;
    while (pos < n && r.rc == 0) {
        size_t k = n - pos;
        if (how == AT)
            k = pos < at ? at - pos : n - pos;
        else if (how == BYTES)
            k = 1;
        else if (how == RANDOM)
            k = 1 + rnd() % (rnd() % 4 == 0 ? 20 : 70000);
        if (k > n - pos)
            k = n - pos;
        r.rc = feed(d, g.p + pos, k, obuf, cap, &r, 0);
        pos += k;
    }
    if (n == 0)
        r.rc = feed(d, g.p, 0, obuf, cap, &r, 0);
    if (r.rc == 0)
        r.rc = rt__decoder_finish(d);
    rt__decoder_memory(d, &r.peak);
    snprintf(r.msg, sizeof r.msg, "%s (%s, split %d at %zu, cap %zu)", rt__decoder_message(d),
             ce, (int)how, at, cap);
    rt__decoder_free(d);
    free(obuf);
    unguard(&g);
    return r;
}

static void expect_same(run *r, const uint8_t *want, size_t n)
{
    if (r->rc != 0)
        fprintf(stderr, "decode failed: %d %s\n", r->rc, r->msg);
    ASSERT_EQ(r->rc, 0);
    ASSERT_EQ(r->out.n, n);
    ASSERT(n == 0 || memcmp(r->out.p, want, n) == 0);
    free(r->out.p);
    r->out.p = NULL;
}

/* Every way of cutting the input: whole (several output sizes), at every byte, byte by byte
   into 1-byte output, random pieces. Small streams only for the exhaustive ones. */
static void roundtrip(const char *ce, const bytes *enc, const uint8_t *plain, size_t n)
{
    uint64_t live0;
    rt__alloc_counters(NULL, &live0, NULL);
    static const size_t caps[] = {1, 7, 4096, 65536, 1 << 20};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        if (caps[i] < 64 && n > 100000)
            continue;                      /* a million calls: too slow under ASan */
        run r = decode(ce, enc->p, enc->n, WHOLE, 0, caps[i]);
        ASSERT_EQ(r.last_push, 1);
        expect_same(&r, plain, n);
    }
    if (enc->n <= 4096) {
        for (size_t at = 0; at <= enc->n; at++) {
            run r = decode(ce, enc->p, enc->n, AT, at, at % 3 ? 4096 : 13);
            expect_same(&r, plain, n);
        }
        run r = decode(ce, enc->p, enc->n, BYTES, 0, 1);
        expect_same(&r, plain, n);
    }
    for (int i = 0; i < 4; i++) {
        run r = decode(ce, enc->p, enc->n, RANDOM, 0, 1 + rnd() % 100000);
        expect_same(&r, plain, n);
    }
    uint64_t live1;
    rt__alloc_counters(NULL, &live1, NULL);
    ASSERT_EQ(live1, live0);
}

static run decode_bytes(const char *ce, const bytes *b)
{
    return decode(ce, b->p, b->n, WHOLE, 0, 4096);
}

/* ---- parsing the header ---- */

static int stages_of(const char *ce, rt__decoder **d)
{
    return rt__decoder_new(ce, strlen(ce), d);
}

TEST(codings_header)
{
    rt__decoder *d = (rt__decoder *)1;
    ASSERT_STREQ(rt__accept_encoding(), "gzip, deflate, br, zstd");
    ASSERT_EQ(rt__decoder_new("", 0, &d), 0);
    ASSERT(d == NULL);
    ASSERT_EQ(rt__decoder_new(NULL, 0, &d), 0);
    ASSERT(d == NULL);
    ASSERT_EQ(stages_of("identity", &d), 0);
    ASSERT(d == NULL);
    ASSERT_EQ(stages_of(" , ,identity ,, IDENTITY", &d), 0);
    ASSERT(d == NULL);
    static const char *ok[] = {"gzip", "GZip", "x-gzip", "X-GZIP", " \tdeflate\t ", "br", "BR",
                               "zstd", "gzip,,br", "identity, gzip",
                               "gzip, br, zstd, deflate, gzip",
                               "br,identity,identity,identity,identity,identity,br"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        d = NULL;
        ASSERT_EQ(stages_of(ok[i], &d), 0);
        ASSERT(d != NULL);
        rt__decoder_free(d);
    }
    static const char *unsupported[] = {"compress", "x-compress", "gzip, compress", "br, bogus",
                                        "gzip;q=1", "gzip br", "gzip-", "\"gzip\"", "dcb", "dcz",
                                        "deflate-raw"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        d = (rt__decoder *)1;
        ASSERT_EQ(stages_of(unsupported[i], &d), RT__CODING_UNSUPPORTED);
        ASSERT(d == NULL);
    }
    d = (rt__decoder *)1;
    ASSERT_EQ(stages_of("gzip, gzip, gzip, gzip, gzip, gzip", &d), RT_EDECOMPRESS);
    ASSERT(d == NULL);
    ASSERT_EQ(stages_of("gzip, gzip, gzip, gzip, gzip, bogus", &d), RT_EDECOMPRESS);
    /* the length bounds the value: "gzip" inside a longer buffer */
    ASSERT_EQ(rt__decoder_new("gzipXYZ", 4, &d), 0);
    ASSERT(d != NULL);
    rt__decoder_free(d);
    ASSERT_EQ(rt__decoder_new("gzip", 4, NULL), RT_EINVAL);
    rt__decoder_free(NULL);
}

/* ---- each coding ---- */

TEST(codings_gzip)
{
    static const size_t sizes[] = {0, 1, 300, 3000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *t = text(sizes[i], i + 1);
        for (int level = 1; level <= 9; level += 8) {
            bytes b = enc_zlib(t, sizes[i], 16 + 15, level);
            roundtrip("gzip", &b, t, sizes[i]);
            roundtrip("x-gzip", &b, t, sizes[i]);
            free(b.p);
        }
        free(t);
    }
}

TEST(codings_gzip_members)
{
    uint8_t *t = text(5000, 7);
    bytes all = {0};
    for (int i = 0; i < 4; i++) {          /* four members: 0, 1000, 2000, 2000 bytes */
        size_t from = i == 0 ? 0 : (size_t)(i - 1) * 1000;
        size_t len = i == 0 ? 0 : (i == 3 ? 3000 : 1000);
        bytes m = enc_zlib(t + from, len, 16 + 15, 6);
        cat(&all, m.p, m.n);
        free(m.p);
    }
    roundtrip("gzip", &all, t, 5000);
    /* push returns 1 at each member's end, 0 inside the next one */
    bytes m1 = enc_zlib(t, 100, 16 + 15, 6);
    rt__decoder *d;
    uint8_t out[8192];
    size_t c, p;
    ASSERT_EQ(stages_of("gzip", &d), 0);
    ASSERT_EQ(rt__decoder_push(d, m1.p, m1.n, &c, out, sizeof out, &p), 1);
    ASSERT_EQ(rt__decoder_push(d, m1.p, 5, &c, out, sizeof out, &p), 0);
    ASSERT_EQ(rt__decoder_finish(d), RT_EDECOMPRESS);
    rt__decoder_free(d);
    /* trailing garbage that is not a member is ignored (Node, browsers) */
    bytes g = {0};
    cat(&g, all.p, all.n);
    cat(&g, "\0\0\0garbage\x1f", 11);
    roundtrip("gzip", &g, t, 5000);
    /* but a second member that starts (0x1f) must be a valid one */
    bytes bad = {0};
    cat(&bad, m1.p, m1.n);
    cat(&bad, "\x1f\x00junk", 6);
    run r = decode_bytes("gzip", &bad);
    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
    free(r.out.p);
    free(m1.p);
    free(g.p);
    free(bad.p);
    free(all.p);
    free(t);
}

TEST(codings_deflate_zlib_and_raw)
{
    static const size_t sizes[] = {0, 1, 2, 300, 3000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *t = text(sizes[i], i + 11);
        bytes z = enc_zlib(t, sizes[i], 15, 6), raw = enc_zlib(t, sizes[i], -15, 6);
        bytes raw0 = enc_zlib(t, sizes[i], -15, 0);   /* stored blocks: byte 0 is 0x00/0x01 */
        roundtrip("deflate", &z, t, sizes[i]);
        roundtrip("deflate", &raw, t, sizes[i]);
        roundtrip("deflate", &raw0, t, sizes[i]);
        /* zlib windows below 32 KiB are zlib headers too (CINFO < 7) */
        bytes small = enc_zlib(t, sizes[i], 9, 6);
        roundtrip("deflate", &small, t, sizes[i]);
        free(z.p);
        free(raw.p);
        free(raw0.p);
        free(small.p);
        free(t);
    }
    /* bytes after the end of a deflate stream are ignored */
    uint8_t *t = text(1000, 3);
    bytes z = enc_zlib(t, 1000, 15, 6);
    cat(&z, "trailing", 8);
    roundtrip("deflate", &z, t, 1000);
    free(z.p);
    free(t);
}

TEST(codings_br)
{
    static const size_t sizes[] = {0, 1, 300, 3000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *t = text(sizes[i], i + 21);
        bytes b = enc_br(t, sizes[i], 5, 22), b11 = enc_br(t, sizes[i], 11, 16);
        roundtrip("br", &b, t, sizes[i]);
        roundtrip("br", &b11, t, sizes[i]);
        free(b.p);
        free(b11.p);
        free(t);
    }
    /* bytes after the end of a br stream are ignored (as Chromium does) */
    uint8_t *t = text(1000, 3);
    bytes b = enc_br(t, 1000, 5, 22);
    cat(&b, "\x1f\x8btrailing", 10);
    roundtrip("br", &b, t, 1000);
    free(b.p);
    free(t);
}

static void put32(bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    cat(b, x, 4);
}

TEST(codings_zstd)
{
    static const size_t sizes[] = {0, 1, 300, 3000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *t = text(sizes[i], i + 31);
        bytes b = enc_zstd(t, sizes[i], 3, 0), c = enc_zstd(t, sizes[i], 19, 1);
        roundtrip("zstd", &b, t, sizes[i]);
        roundtrip("zstd", &c, t, sizes[i]);
        free(b.p);
        free(c.p);
        free(t);
    }
    /* several frames, a skippable frame between them and one at the end */
    uint8_t *t = text(9000, 5);
    bytes all = {0};
    for (int i = 0; i < 3; i++) {
        bytes f = enc_zstd(t + i * 3000, 3000, 1 + i * 5, i & 1);
        cat(&all, f.p, f.n);
        free(f.p);
        put32(&all, 0x184D2A50u + (uint32_t)i);
        put32(&all, 5);
        cat(&all, "skip!", 5);
    }
    roundtrip("zstd", &all, t, 9000);
    /* a stream of only a skippable frame decodes to nothing */
    bytes sk = {0};
    put32(&sk, 0x184D2A5Fu);
    put32(&sk, 0);
    roundtrip("zstd", &sk, t, 0);
    /* garbage after a frame is an error: frames follow frames */
    bytes g = {0};
    cat(&g, all.p, all.n);
    cat(&g, "garbage", 7);
    run r = decode_bytes("zstd", &g);
    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
    free(r.out.p);
    free(g.p);
    free(sk.p);
    free(all.p);
    free(t);
}

/* A frame made by hand: 8 MiB (the cap) and under decode, above it is refused. */
static bytes zstd_frame_with_window(uint8_t window_descriptor)
{
    bytes b = {0};
    put32(&b, 0xFD2FB528u);
    uint8_t hdr[5] = {0x00, window_descriptor, 0x19, 0x00, 0x00};   /* last raw block, 3 B */
    cat(&b, hdr, 5);
    cat(&b, "abc", 3);
    return b;
}

TEST(codings_zstd_window_cap_and_legacy)
{
    /* Window_Descriptor: exponent (bits 7-3) + 10 is the log, mantissa adds eighths */
    static const struct {
        uint8_t wd;
        int ok;
    } cases[] = {{0x00, 1}, {0x50, 1}, {0x68, 1}, {0x69, 0}, {0x70, 0}, {0xf8, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes b = zstd_frame_with_window(cases[i].wd);
        rt__decoder *d;
        uint8_t out[16];
        size_t c, p;
        ASSERT_EQ(stages_of("zstd", &d), 0);
        int rc = rt__decoder_push(d, b.p, b.n, &c, out, sizeof out, &p);
        if (cases[i].ok) {
            ASSERT_EQ(rc, 1);
            ASSERT_EQ(p, 3);
            ASSERT_MEMEQ(out, "abc", 3);
        } else {
            ASSERT_EQ(rc, RT_EDECOMPRESS);
            ASSERT(strstr(rt__decoder_message(d), "zstd: ") == rt__decoder_message(d));
            ASSERT(strstr(rt__decoder_message(d), "memory") != NULL);
        }
        rt__decoder_free(d);
        free(b.p);
    }
    /* legacy frames (v0.1 .. v0.7 magic numbers) and other magic numbers are refused */
    for (uint8_t m = 0x1e; m <= 0x29; m++) {
        bytes b = zstd_frame_with_window(0x00);
        b.p[0] = m;
        run r = decode("zstd", b.p, b.n, BYTES, 0, 64);
        ASSERT_EQ(r.rc, m == 0x28 ? 0 : RT_EDECOMPRESS);
        free(r.out.p);
        rt__decoder *d;
        uint8_t out[16];
        size_t c, p;
        ASSERT_EQ(stages_of("zstd", &d), 0);
        rt__decoder_push(d, b.p, b.n, &c, out, sizeof out, &p);
        if (m <= 0x27)
            ASSERT(strstr(rt__decoder_message(d), "legacy") != NULL);
        else if (m == 0x29)
            ASSERT(strstr(rt__decoder_message(d), "not a zstd frame") != NULL);
        rt__decoder_free(d);
        free(b.p);
    }
    /* a legacy frame after a good one: checked at every frame boundary */
    bytes two = zstd_frame_with_window(0x00), leg = zstd_frame_with_window(0x00);
    leg.p[0] = 0x27;
    cat(&two, leg.p, leg.n);
    run r = decode("zstd", two.p, two.n, BYTES, 0, 1);
    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
    ASSERT_EQ(r.out.n, 3);
    free(r.out.p);
    free(two.p);
    free(leg.p);
}

/* ---- stacks ---- */

TEST(codings_stacked)
{
    uint8_t *t = text(20000, 41);
    /* "gzip, br": gzip applied first, then br; decoded br first */
    bytes g = enc_zlib(t, 20000, 16 + 15, 6);
    bytes gb = enc_br(g.p, g.n, 5, 22);
    roundtrip("gzip, br", &gb, t, 20000);
    roundtrip("x-gzip,identity,BR", &gb, t, 20000);
    /* the wrong order fails */
    run r = decode_bytes("br, gzip", &gb);
    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
    free(r.out.p);
    /* three, with raw deflate in the middle, small enough for every split */
    uint8_t *s = text(2000, 42);
    bytes a = enc_zstd(s, 2000, 3, 1);
    bytes b = enc_zlib(a.p, a.n, -15, 6);
    bytes c = enc_zlib(b.p, b.n, 16 + 15, 6);
    roundtrip("zstd, deflate, gzip", &c, s, 2000);
    /* five stages, the most allowed; the output of each larger than a hand-over buffer */
    bytes l1 = enc_zlib(t, 20000, 15, 1), l2 = enc_zstd(l1.p, l1.n, 1, 0);
    bytes l3 = enc_br(l2.p, l2.n, 1, 18), l4 = enc_zlib(l3.p, l3.n, 16 + 15, 0);
    bytes l5 = enc_zstd(l4.p, l4.n, 1, 1);
    roundtrip("deflate, zstd, br, gzip, zstd", &l5, t, 20000);
    /* inner stream truncated, outer complete: finish names the inner coding */
    bytes inner = enc_zlib(t, 20000, 16 + 15, 6);
    bytes outer = enc_zstd(inner.p, inner.n - 3, 3, 0);
    r = decode_bytes("gzip, zstd", &outer);
    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
    free(r.out.p);
    rt__decoder *d;
    uint8_t out[65536];
    size_t cn, pn;
    ASSERT_EQ(stages_of("gzip, zstd", &d), 0);
    ASSERT_EQ(rt__decoder_push(d, outer.p, outer.n, &cn, out, sizeof out, &pn), 0);
    ASSERT_EQ(rt__decoder_finish(d), RT_EDECOMPRESS);
    ASSERT_STREQ(rt__decoder_message(d), "gzip: truncated stream");
    rt__decoder_free(d);
    bytes *all[] = {&g, &gb, &a, &b, &c, &l1, &l2, &l3, &l4, &l5, &inner, &outer};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->p);
    free(s);
    free(t);
}

/* ---- truncation, corruption ---- */

TEST(codings_truncated)
{
    uint8_t *t = text(700, 51);
    bytes z = enc_zlib(t, 700, 16 + 15, 6), zz = enc_zlib(t, 700, 15, 6);
    bytes raw = enc_zlib(t, 700, -15, 6), b = enc_br(t, 700, 5, 22), s = enc_zstd(t, 700, 3, 0);
    bytes bz = enc_zstd(z.p, z.n, 3, 0);
    struct {
        const char *ce;
        bytes *b;
    } cases[] = {{"gzip", &z}, {"deflate", &zz}, {"deflate", &raw}, {"br", &b}, {"zstd", &s},
                 {"gzip, zstd", &bz}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* every proper prefix (from one byte) is cut short; an empty body is complete */
        for (size_t n = 0; n < cases[i].b->n; n++) {
            run r = decode(cases[i].ce, cases[i].b->p, n, WHOLE, 0, 4096);
            ASSERT_EQ(r.rc, n == 0 ? 0 : RT_EDECOMPRESS);
            ASSERT_EQ(r.out.n > 700, 0);
            ASSERT(r.out.n == 0 || memcmp(r.out.p, t, r.out.n) == 0);   /* a prefix of it */
            free(r.out.p);
        }
    }
    /* the message says which coding and why; the error stays */
    rt__decoder *d;
    uint8_t out[4096];
    size_t c, p;
    ASSERT_EQ(stages_of("br", &d), 0);
    ASSERT_STREQ(rt__decoder_message(d), "");
    ASSERT_EQ(rt__decoder_push(d, b.p, b.n - 1, &c, out, sizeof out, &p), 0);
    ASSERT_EQ(rt__decoder_finish(d), RT_EDECOMPRESS);
    ASSERT_STREQ(rt__decoder_message(d), "br: truncated stream");
    ASSERT_EQ(rt__decoder_push(d, b.p + b.n - 1, 1, &c, out, sizeof out, &p), RT_EDECOMPRESS);
    ASSERT_EQ(c, 0);
    rt__decoder_free(d);
    bytes *all[] = {&z, &zz, &raw, &b, &s, &bz};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->p);
    free(t);
}

/* A flipped byte in a checksummed stream (gzip's CRC-32, zlib's Adler-32, zstd's XXH64) is
   an error or changes nothing (a header byte such as gzip's MTIME): never different output.
   The two first bytes of a zlib stream are left out: they decide zlib or raw deflate. */
TEST(codings_corrupt)
{
    uint8_t *t = text(600, 61);
    bytes z = enc_zlib(t, 600, 16 + 15, 6), zz = enc_zlib(t, 600, 15, 6);
    bytes s = enc_zstd(t, 600, 3, 1);
    struct {
        const char *ce;
        bytes *b;
        size_t from;
    } cases[] = {{"gzip", &z, 0}, {"deflate", &zz, 2}, {"zstd", &s, 0}};
    static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x10};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t errors = 0, same = 0;
        for (size_t k = cases[i].from; k < cases[i].b->n; k++) {
            for (size_t m = 0; m < sizeof masks; m++) {
                cases[i].b->p[k] ^= masks[m];
                run r = decode(cases[i].ce, cases[i].b->p, cases[i].b->n, WHOLE, 0, 4096);
                cases[i].b->p[k] ^= masks[m];
                if (r.rc == 0) {
                    ASSERT_EQ(r.out.n, 600);
                    ASSERT_MEMEQ(r.out.p, t, 600);
                    same++;
                } else {
                    ASSERT_EQ(r.rc, RT_EDECOMPRESS);
                    errors++;
                }
                free(r.out.p);
            }
        }
        ASSERT(errors > 10 * same);
    }
    /* br has no checksum: flips must not crash, and most are caught by the format */
    bytes b = enc_br(t, 600, 5, 22);
    size_t errors = 0;
    for (size_t k = 0; k < b.n; k++) {
        b.p[k] ^= 0x55;
        run r = decode("br", b.p, b.n, WHOLE, 0, 4096);
        b.p[k] ^= 0x55;
        errors += r.rc == RT_EDECOMPRESS;
        ASSERT(r.rc == 0 || r.rc == RT_EDECOMPRESS);
        free(r.out.p);
    }
    ASSERT(errors > b.n / 2);
    /* not compressed at all */
    static const char *names[] = {"gzip", "deflate", "br", "zstd"};
    bytes plain = {0};
    cat(&plain, "<html>hello, this is not compressed</html>", 42);
    for (size_t i = 0; i < 4; i++) {
        run r = decode_bytes(names[i], &plain);
        ASSERT_EQ(r.rc, RT_EDECOMPRESS);
        free(r.out.p);
    }
    rt__decoder *d;
    uint8_t out[64];
    size_t c, p;
    ASSERT_EQ(stages_of("gzip", &d), 0);
    ASSERT_EQ(rt__decoder_push(d, plain.p, plain.n, &c, out, sizeof out, &p), RT_EDECOMPRESS);
    ASSERT_STREQ(rt__decoder_message(d), "gzip: incorrect header check");
    rt__decoder_free(d);
    free(plain.p);
    free(b.p);
    free(z.p);
    free(zz.p);
    free(s.p);
    free(t);
}

/* ---- limits: bounded output per call, memory, bombs ---- */

TEST(codings_contract)
{
    uint8_t *t = text(5000, 71);
    bytes z = enc_zlib(t, 5000, 16 + 15, 6);
    rt__decoder *d;
    uint8_t out[100];
    size_t c = 5, p = 5;
    ASSERT_EQ(stages_of("gzip", &d), 0);
    ASSERT_EQ(rt__decoder_push(d, z.p, z.n, &c, out, 0, &p), RT_EINVAL);
    ASSERT_EQ(c, 0);
    ASSERT_EQ(p, 0);
    ASSERT_EQ(rt__decoder_push(d, NULL, 5, &c, out, sizeof out, &p), RT_EINVAL);
    ASSERT_EQ(rt__decoder_push(d, z.p, z.n, &c, NULL, sizeof out, &p), RT_EINVAL);
    ASSERT_EQ(rt__decoder_push(d, NULL, 0, &c, out, sizeof out, &p), 0);   /* nothing yet */
    ASSERT_EQ(rt__decoder_finish(d), 0);   /* an empty body is complete */
    /* the output fills: finish before draining is a contract error, not "truncated" */
    ASSERT_EQ(rt__decoder_push(d, z.p, z.n, &c, out, sizeof out, &p), 0);
    ASSERT_EQ(p, sizeof out);
    ASSERT(c < z.n);                       /* it did not swallow the input to buffer output */
    ASSERT_EQ(rt__decoder_finish(d), RT_EINVAL);
    size_t total = p, off = c;
    int rc;
    do {
        rc = rt__decoder_push(d, z.p + off, z.n - off, &c, out, sizeof out, &p);
        ASSERT(rc >= 0);
        ASSERT_MEMEQ(out, t + total, p);
        off += c;
        total += p;
    } while (p == sizeof out);
    ASSERT_EQ(rc, 1);
    ASSERT_EQ(total, 5000);
    ASSERT_EQ(rt__decoder_finish(d), 0);
    /* after the end, more pushes of nothing stay complete */
    ASSERT_EQ(rt__decoder_push(d, NULL, 0, &c, out, sizeof out, &p), 1);
    rt__decoder_free(d);
    free(z.p);
    free(t);
}

/* A body that inflates a thousandfold: the caller takes 1 MiB in 16 KiB chunks and stops.
   The decoder must not have taken (and buffered) much more input than that output needs,
   and its memory stays within the documented figures. */
static void bomb(const char *ce, const bytes *b, size_t max_mem, int check_input)
{
    rt__decoder *d;
    ASSERT_EQ(stages_of(ce, &d), 0);
    run r;
    memset(&r, 0, sizeof r);
    uint8_t *obuf = malloc(16384);
    ASSERT_EQ(feed(d, b->p, b->n, obuf, 16384, &r, 1 << 20), 0);
    ASSERT_EQ(r.out.n, 1 << 20);
    size_t peak;
    rt__decoder_memory(d, &peak);
    fprintf(stderr, "%-8s bomb of %zu B: 1 MiB out took %zu B in, peak memory %zu B\n", ce, b->n,
            r.consumed, peak);
    if (check_input)                       /* a stack's br layer may hold all 153 bytes */
        ASSERT(r.consumed < b->n / 8);
    ASSERT(peak <= max_mem);
    rt__decoder_free(d);
    free(obuf);
    free(r.out.p);
}

TEST(codings_bombs)
{
    size_t n = 256u << 20;                 /* 256 MiB of zeros */
    uint8_t *zero = calloc(1, n);
    bytes g = enc_zlib(zero, n, 16 + 15, 9), s = enc_zstd(zero, n, 3, 0);
    bytes b = enc_br(zero, n, 5, 24);
    fprintf(stderr, "256 MiB of zeros: gzip %zu B, zstd %zu B, br %zu B\n", g.n, s.n, b.n);
    bomb("gzip", &g, 48 << 10, 1);
    bomb("zstd", &s, (8u << 20) + (512u << 10), 1);
    bomb("br", &b, (24u << 20) + (512u << 10), 1);
    bytes gb = enc_br(g.p, g.n, 5, 22);
    bomb("gzip, br", &gb, (24u << 20) + (512u << 10), 0);
    free(g.p);
    free(s.p);
    free(b.p);
    free(gb.p);
    free(zero);
}

/* The memory each decoder held at most for a stream with the largest window it accepts. */
TEST(codings_memory)
{
    size_t n = 24u << 20;
    uint8_t *t = text(n, 81);
    struct {
        const char *ce;
        bytes b;
        size_t max;
    } cases[] = {
        {"gzip", enc_zlib(t, n, 16 + 15, 6), 48u << 10},
        {"deflate", enc_zlib(t, n, -15, 6), 48u << 10},
        {"br", enc_br(t, n, 2, 24), (24u << 20) + (512u << 10)},
        {"zstd", {0, 0}, (8u << 20) + (512u << 10)},
    };
    /* zstd with an 8 MiB window and no content size: the window the frame declares */
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 23);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    size_t cap = ZSTD_compressBound(n);
    cases[3].b.p = malloc(cap);
    ZSTD_outBuffer ob = {cases[3].b.p, cap, 0};
    ZSTD_inBuffer ib = {t, n / 2, 0};
    ASSERT(!ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
    ib.size = n;
    ASSERT(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end) == 0);
    cases[3].b.n = ob.pos;
    ZSTD_freeCCtx(c);
    for (size_t i = 0; i < 4; i++) {
        run r = decode(cases[i].ce, cases[i].b.p, cases[i].b.n, RANDOM, 0, 65536);
        fprintf(stderr, "%-8s 24 MiB decoded, peak memory %zu B\n", cases[i].ce, r.peak);
        ASSERT(r.peak <= cases[i].max);
        expect_same(&r, t, n);
        free(cases[i].b.p);
    }
    free(t);
}

/* ---- allocation failures: every allocation of a decoder's life, in turn ---- */

static int life(const char *ce, const bytes *b, const uint8_t *plain, size_t n)
{
    rt__decoder *d = NULL;
    int rc = stages_of(ce, &d);
    if (rc)
        return rc;
    uint8_t out[3000];
    size_t off = 0, total = 0;
    for (;;) {
        size_t c, p, k = b->n - off < 1000 ? b->n - off : 1000;
        rc = rt__decoder_push(d, b->p + off, k, &c, out, sizeof out, &p);
        if (rc < 0)
            break;
        ASSERT_MEMEQ(out, plain + total, p);
        off += c;
        total += p;
        if (off == b->n && p < sizeof out) {
            rc = rt__decoder_finish(d);
            ASSERT_EQ(rc, 0);
            ASSERT_EQ(total, n);
            break;
        }
    }
    rt__decoder_free(d);
    return rc;
}

static void sweep(const char *ce, const bytes *b, const uint8_t *plain, size_t n)
{
    uint64_t live0, total0, total1, live1;
    rt__alloc_counters(NULL, &live0, &total0);
    ASSERT_EQ(life(ce, b, plain, n), 0);
    rt__alloc_counters(NULL, &live1, &total1);
    ASSERT_EQ(live1, live0);
    uint64_t allocs = total1 - total0;
    ASSERT(allocs >= 2);
    for (uint64_t k = 1; k <= allocs; k++) {
        rt__alloc_fail_after(k);
        int rc = life(ce, b, plain, n);
        rt__alloc_fail_after(0);
        ASSERT_EQ(rc, RT_ENOMEM);
        rt__alloc_counters(NULL, &live1, NULL);
        ASSERT_EQ(live1, live0);
    }
    fprintf(stderr, "%-16s %llu allocations, each failed in turn\n", ce,
            (unsigned long long)allocs);
}

TEST(codings_alloc_failures)
{
    uint8_t *t = text(70000, 91);
    bytes g = enc_zlib(t, 70000, 16 + 15, 6), raw = enc_zlib(t, 70000, -15, 6);
    bytes b = enc_br(t, 70000, 5, 22), s = enc_zstd(t, 70000, 3, 1);
    bytes gb = enc_br(g.p, g.n, 5, 22);
    sweep("gzip", &g, t, 70000);
    sweep("deflate", &raw, t, 70000);
    sweep("br", &b, t, 70000);
    sweep("zstd", &s, t, 70000);
    sweep("gzip, br", &gb, t, 70000);
    free(g.p);
    free(raw.p);
    free(b.p);
    free(s.p);
    free(gb.p);
    free(t);
}

/* ---- threads: decoders share nothing, so workers may each run one at the same time ---- */

static bytes conc_in[4];
static uint8_t *conc_plain;
static const char *const conc_ce[4] = {"gzip", "br", "zstd", "gzip, br"};

static void *conc_worker(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg;
    for (int i = 0; i < 20; i++) {
        size_t k = (id + (size_t)i) % 4;
        rt__decoder *d;
        if (rt__decoder_new(conc_ce[k], strlen(conc_ce[k]), &d) != 0)
            return (void *)1;
        uint8_t out[4096];
        size_t off = 0, total = 0, c, p;
        int rc;
        do {
            rc = rt__decoder_push(d, conc_in[k].p + off, conc_in[k].n - off, &c, out, sizeof out,
                                  &p);
            if (rc < 0 || total + p > 50000 || memcmp(out, conc_plain + total, p) != 0)
                return (void *)1;
            off += c;
            total += p;
        } while (p == sizeof out || off < conc_in[k].n);
        if (rt__decoder_finish(d) != 0 || total != 50000)
            return (void *)1;
        rt__decoder_free(d);
    }
    return NULL;
}

TEST(codings_concurrent)
{
    conc_plain = text(50000, 99);
    conc_in[0] = enc_zlib(conc_plain, 50000, 16 + 15, 6);
    conc_in[1] = enc_br(conc_plain, 50000, 5, 22);
    conc_in[2] = enc_zstd(conc_plain, 50000, 3, 1);
    conc_in[3] = enc_br(conc_in[0].p, conc_in[0].n, 5, 22);
    pthread_t th[4];
    for (size_t i = 0; i < 4; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, conc_worker, (void *)(uintptr_t)i), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        ASSERT_EQ(pthread_join(th[i], &r), 0);
        ASSERT(r == NULL);
    }
    for (int i = 0; i < 4; i++)
        free(conc_in[i].p);
    free(conc_plain);
}
