/*
 * fuzz_codings.c - libFuzzer target for the Content-Encoding decoders (lib/net/codings.c).
 * The first byte picks a coding (or a stack) and a mode, the next two an output size and
 * the seed of the input's cutting:
 *   decode   the rest is a body as a server sent it: decoded in random pieces into small
 *            buffers; the push contract is checked on every call (output within the buffer,
 *            consumed within the input, a call that does not fill the output took all the
 *            input), a complete stream finishes, nothing leaks;
 *   round    the rest is content: encoded with the coding's own encoder (zlib, libbrotlienc,
 *            libzstd), decoded in pieces, and must come back byte for byte.
 * Output stops at 4 MiB (a bomb is the caller's limit to stop, not a finding).
 *   tests/fuzz/run.sh builds it with the static zlib, brotli and zstd archives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <brotli/encode.h>
#include <zstd.h>

#include "runtime.h"
#include "net.h"
#include "codings.h"

#define OUT_LIMIT (4u << 20)

static const char *const chains[] = {"gzip", "deflate", "br", "zstd", "gzip, br", "zstd, deflate",
                                     "br, gzip, zstd", "deflate, deflate"};

static uint32_t seed;
static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

/* Decode in[0..n) in random pieces; out collects up to OUT_LIMIT bytes. */
static int decode(const char *ce, const uint8_t *in, size_t n, size_t cap, uint8_t **out,
                  size_t *out_len)
{
    rt__decoder *d = NULL;
    int rc = rt__decoder_new(ce, strlen(ce), &d);
    if (rc)
        return rc;
    uint8_t *buf = malloc(cap);
    *out = NULL;
    *out_len = 0;
    size_t pos = 0;
    while (rc >= 0 && *out_len < OUT_LIMIT) {
        size_t k = n - pos;
        if (k > 1)
            k = 1 + rnd() % k;
        size_t off = 0;
        for (;;) {
            size_t c, p;
            rc = rt__decoder_push(d, in + pos + off, k - off, &c, buf, cap, &p);
            if (c > k - off || p > cap)
                abort();
            off += c;
            if (p) {
                *out = realloc(*out, *out_len + p);
                memcpy(*out + *out_len, buf, p);
                *out_len += p;
            }
            if (rc < 0 || *out_len >= OUT_LIMIT)
                break;
            if (rc != 0 && rc != 1)
                abort();
            if (p < cap) {
                if (off != k)
                    abort();               /* not full, yet input left */
                break;
            }
        }
        pos += off;
        if (pos == n)
            break;
    }
    if (rc >= 0 && *out_len < OUT_LIMIT) {
        int fin = rt__decoder_finish(d);
        if (rc == 1 && fin != 0)
            abort();                       /* push said complete, finish disagrees */
        rc = fin;
    }
    if (rc < 0 && rc != RT_EDECOMPRESS && rc != RT_ENOMEM)
        abort();
    if (rc < 0 && !rt__decoder_message(d)[0])
        abort();                           /* an error always says why */
    rt__decoder_free(d);
    free(buf);
    return rc;
}

static uint8_t *encode_one(const char *c, const uint8_t *in, size_t n, size_t *out_n)
{
    uint8_t *out = NULL;
    if (!strcmp(c, "gzip") || !strcmp(c, "deflate")) {
        z_stream z;
        memset(&z, 0, sizeof z);
        int bits = !strcmp(c, "gzip") ? 31 : (n & 1) ? 15 : -15;   /* deflate: zlib or raw */
        if (deflateInit2(&z, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        size_t cap = deflateBound(&z, n) + 32;
        out = malloc(cap);
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            abort();
        *out_n = z.total_out;
        deflateEnd(&z);
    } else if (!strcmp(c, "br")) {
        *out_n = BrotliEncoderMaxCompressedSize(n) + 32;
        out = malloc(*out_n);
        if (!BrotliEncoderCompress(n & 8 ? 9 : 1, 18, BROTLI_MODE_GENERIC, n, in, out_n, out))
            abort();
    } else {
        size_t cap = ZSTD_compressBound(n);
        out = malloc(cap);
        *out_n = ZSTD_compress(out, cap, in, n, 3);
        if (ZSTD_isError(*out_n))
            abort();
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint64_t live0, live1;
    rt__alloc_counters(NULL, &live0, NULL);
    const char *ce = chains[data[0] % (sizeof chains / sizeof chains[0])];
    int round = data[0] & 0x80;
    size_t cap = 1 + ((size_t)data[1] * 37) % 5000;
    seed = data[2];
    data += 3;
    size = size - 3;
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (!round) {
        decode(ce, data, size, cap, &out, &out_len);
    } else {
        /* apply the codings in the order listed */
        char list[64];
        strcpy(list, ce);
        uint8_t *cur = malloc(size ? size : 1);
        memcpy(cur, data, size);
        size_t cur_n = size;
        for (char *t = strtok(list, ", "); t; t = strtok(NULL, ", ")) {
            size_t n2;
            uint8_t *next = encode_one(t, cur, cur_n, &n2);
            free(cur);
            cur = next;
            cur_n = n2;
        }
        if (decode(ce, cur, cur_n, cap, &out, &out_len) != 0 || out_len != size ||
            (size && memcmp(out, data, size) != 0))
            abort();
        free(cur);
    }
    free(out);
    rt__alloc_counters(NULL, &live1, NULL);
    if (live1 != live0)
        abort();                           /* the decoder leaked */
    return 0;
}
