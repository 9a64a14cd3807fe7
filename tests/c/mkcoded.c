/*
 * mkcoded.c - writes a br or zstd encoding of a deterministic payload (or of stdin) to
 * stdout, streaming, in constant memory. Python has no brotli or zstd module and Debian has
 * no brotli CLI, so the test server (tests/server/testserver.py: /coded) and the benchmark
 * (bench/bench.py: the br download) make their br and zstd bodies with this, through the
 * reference encoders (libbrotlienc, libzstd; the same static libraries the decoders come
 * from). Built by the Makefile as build/<backend>/mkcoded; never part of the library.
 *
 *   mkcoded CODING [-q LEVEL] [-w LOG] SOURCE
 *     CODING   br | zstd | identity (the payload itself)
 *     LEVEL    br quality 0-11 (default 5), zstd level 1-19 (default 3)
 *     LOG      br lgwin 10-24 (default 22), zstd windowLog 10-23 (default: the level's,
 *              at most 23: RFC 9659 caps the zstd content coding's window at 8 MiB)
 *     SOURCE   -             stdin
 *              pattern:N     N bytes, byte i = (i * 31 + 7) & 255 (the test server's pattern)
 *              text:N        N letters a-p from xorshift32 (seed 2463534242): x ^= x << 13,
 *                            x ^= x >> 17, x ^= x << 5, then 'a' + (x & 15); compresses to
 *                            about half, so the encoded body is as long as a real one
 *              zeros:N       N zero bytes (a decompression bomb)
 * Exit 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <zstd.h>

#define MK_BLOCK 65536

enum src_kind { SRC_STDIN, SRC_PATTERN, SRC_TEXT, SRC_ZEROS };

typedef struct source {
    enum src_kind kind;
    uint64_t left;                         /* bytes still to make (generated sources) */
    uint64_t pos;                          /* bytes made so far */
    uint32_t x;                            /* xorshift32 state (text) */
} source;

static void die(const char *what)
{
    fprintf(stderr, "mkcoded: %s\n", what);
    exit(1);
}

/* Fills buf with up to cap bytes of the payload; 0 at its end. */
static size_t src_read(source *s, uint8_t *buf, size_t cap)
{
    if (s->kind == SRC_STDIN) {
        size_t n = fread(buf, 1, cap, stdin);
        if (n == 0 && ferror(stdin))
            die("reading stdin failed");
        return n;
    }
    size_t n = s->left < cap ? (size_t)s->left : cap;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = s->pos + i;
        if (s->kind == SRC_PATTERN) {
            buf[i] = (uint8_t)((k * 31 + 7) & 255);
        } else if (s->kind == SRC_TEXT) {
            uint32_t x = s->x;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s->x = x;
            buf[i] = (uint8_t)('a' + (x & 15));
        } else {
            buf[i] = 0;
        }
    }
    s->left -= n;
    s->pos += n;
    return n;
}

static void out(const uint8_t *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n)
        die("writing stdout failed");
}

static void run_br(source *s, int quality, int lgwin)
{
    BrotliEncoderState *e = BrotliEncoderCreateInstance(NULL, NULL, NULL);
    if (!e)
        die("out of memory");
    BrotliEncoderSetParameter(e, BROTLI_PARAM_QUALITY, (uint32_t)quality);
    BrotliEncoderSetParameter(e, BROTLI_PARAM_LGWIN, (uint32_t)lgwin);
    static uint8_t in[MK_BLOCK], ob[MK_BLOCK];
    int eof = 0;
    for (;;) {
        size_t n = eof ? 0 : src_read(s, in, sizeof in);
        if (n == 0)
            eof = 1;
        const uint8_t *next_in = in;
        size_t avail_in = n;
        BrotliEncoderOperation op = eof ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
        do {
            uint8_t *next_out = ob;
            size_t avail_out = sizeof ob;
            if (!BrotliEncoderCompressStream(e, op, &avail_in, &next_in, &avail_out, &next_out, NULL))
                die("br: encoder error");
            out(ob, sizeof ob - avail_out);
        } while (avail_in || BrotliEncoderHasMoreOutput(e) || (eof && !BrotliEncoderIsFinished(e)));
        if (eof)
            break;
    }
    BrotliEncoderDestroyInstance(e);
}

static void run_zstd(source *s, int level, int wlog)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        die("out of memory");
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
        (wlog && ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog))) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)))
        die("zstd: bad parameter");
    static uint8_t in[MK_BLOCK], ob[MK_BLOCK];
    for (;;) {
        size_t n = src_read(s, in, sizeof in);
        ZSTD_EndDirective mode = n ? ZSTD_e_continue : ZSTD_e_end;
        ZSTD_inBuffer ib = {in, n, 0};
        size_t left;
        do {
            ZSTD_outBuffer obuf = {ob, sizeof ob, 0};
            left = ZSTD_compressStream2(c, &obuf, &ib, mode);
            if (ZSTD_isError(left))
                die(ZSTD_getErrorName(left));
            out(ob, obuf.pos);
        } while (mode == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
        if (!n)
            break;
    }
    ZSTD_freeCCtx(c);
}

static uint64_t parse_n(const char *p)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || end == p || *end)
        die("bad size in SOURCE");
    return v;
}

int main(int argc, char **argv)
{
    int level = -1, wlog = 0, i = 2;
    if (argc < 3)
        die("usage: mkcoded br|zstd|identity [-q LEVEL] [-w LOG] SOURCE (see tests/c/mkcoded.c)");
    for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1]; i += 2) {
        if (!strcmp(argv[i], "-q"))
            level = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-w"))
            wlog = atoi(argv[i + 1]);
        else
            die("unknown option");
    }
    if (i != argc - 1)
        die("one SOURCE expected");
    source s = {SRC_STDIN, 0, 0, 2463534242u};
    const char *src = argv[i];
    if (!strncmp(src, "pattern:", 8)) {
        s.kind = SRC_PATTERN;
        s.left = parse_n(src + 8);
    } else if (!strncmp(src, "text:", 5)) {
        s.kind = SRC_TEXT;
        s.left = parse_n(src + 5);
    } else if (!strncmp(src, "zeros:", 6)) {
        s.kind = SRC_ZEROS;
        s.left = parse_n(src + 6);
    } else if (strcmp(src, "-")) {
        die("unknown SOURCE");
    }
    const char *coding = argv[1];
    if (!strcmp(coding, "br")) {
        if (level < 0)
            level = 5;
        if (level > 11 || (wlog && (wlog < 10 || wlog > 24)))
            die("br: quality 0-11, lgwin 10-24");
        run_br(&s, level, wlog ? wlog : 22);
    } else if (!strcmp(coding, "zstd")) {
        if (level < 0)
            level = 3;
        if (level < 1 || level > 19 || (wlog && (wlog < 10 || wlog > 23)))
            die("zstd: level 1-19, windowLog 10-23");
        run_zstd(&s, level, wlog);
    } else if (!strcmp(coding, "identity")) {
        static uint8_t buf[MK_BLOCK];
        size_t n;
        while ((n = src_read(&s, buf, sizeof buf)) > 0)
            out(buf, n);
    } else {
        die("CODING must be br, zstd or identity");
    }
    if (fflush(stdout) != 0)
        die("writing stdout failed");
    return 0;
}
