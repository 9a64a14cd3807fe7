/*
 * codings.c - streaming Content-Encoding decoders (codings.h): gzip/x-gzip and deflate with
 * zlib, br with libbrotlidec, zstd with libzstd, and stacks of them. A decoder is a chain of
 * stages: stage 0 takes the body bytes, each stage writes into a fixed hand-over buffer that
 * the next one reads, and the last writes into the caller's buffer. The libraries allocate
 * through hooks that go to rt__malloc and count each decoder's bytes. Called by the HTTP
 * exchange on whatever thread runs it; a decoder is used by one thread at a time.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>
#include <brotli/decode.h>
#define ZSTD_STATIC_LINKING_ONLY           /* ZSTD_createDCtx_advanced: our allocator */
#include <zstd.h>
#include <zstd_errors.h>

#include "net.h"
#include "codings.h"

/* The zstd window cap (RFC 9659: 8 MiB for the zstd content coding; Chromium's value). */
#define CODINGS_ZSTD_WINDOW_LOG_MAX 23

enum coding { C_GZIP, C_DEFLATE, C_BR, C_ZSTD };
static const char *const coding_name[] = {"gzip", "deflate", "br", "zstd"};

enum stage_state {
    S_START,                               /* no input yet: an empty stream is complete */
    S_RUN,                                 /* inside a stream */
    S_END,                                 /* at the end of a stream, or between members/frames */
    S_DISCARD                              /* after the end: further bytes are ignored */
};

typedef struct stage {
    enum coding coding;
    enum stage_state state;
    union {
        z_stream z;                        /* gzip, deflate: inside the decoder, never moved */
        BrotliDecoderState *br;
        ZSTD_DCtx *zstd;
    } u;
    int ready;                             /* the library state exists (free it) */
    int sniffed;                           /* deflate: zlib or raw decided */
    uint8_t held;                          /* deflate: the first byte, while the second is due */
    int nheld;
    int full;                              /* zstd: the last call filled the output (more due) */
    unsigned magic_pos;                    /* zstd: bytes of this frame's magic checked (<= 4) */
    uint8_t magic[4];
    uint8_t *buf;                          /* owned: output to the next stage (NULL if last) */
    size_t start, end;                     /* unread bytes of buf */
} stage;

struct rt__decoder {
    size_t n;                              /* stages; st[0] reads the body */
    stage st[RT__CODINGS_MAX];
    size_t mem, mem_peak;                  /* bytes held through the hooks, incl. this struct */
    int err;                               /* sticky error, 0 */
    int drained;                           /* no output is pending (finish may be called) */
    char msg[160];
};

/* ---- allocator hooks: every library allocation goes through rt__malloc, counted per decoder */

static void *dec_alloc(rt__decoder *d, size_t n)
{
    void *p = rt__malloc(n);
    if (p) {
        d->mem += rt__alloc_size(p);
        if (d->mem > d->mem_peak)
            d->mem_peak = d->mem;
    }
    return p;
}

static void dec_free(rt__decoder *d, void *p)
{
    if (!p)
        return;
    d->mem -= rt__alloc_size(p);
    rt__free(p);
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return dec_alloc(opaque, (size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p)
{
    dec_free(opaque, p);
}

static void *lib_alloc(void *opaque, size_t n)
{
    return dec_alloc(opaque, n);
}

static void lib_free(void *opaque, void *p)
{
    dec_free(opaque, p);
}

/* ---- errors ---------------------------------------------------------------------------- */

static int fail(rt__decoder *d, const stage *s, int code, const char *why)
{
    snprintf(d->msg, sizeof d->msg, "%s: %s", coding_name[s->coding], why ? why : "invalid data");
    d->err = code;
    return code;
}

/* ---- zlib: gzip and deflate ------------------------------------------------------------ */

/* RFC 1950 2.2: CM 8 (deflate), CINFO <= 7 (window <= 32 KiB), FCHECK makes CMF*256+FLG a
   multiple of 31. Anything else in front of a "deflate" body is taken as raw deflate. */
static int zlib_header(uint8_t cmf, uint8_t flg)
{
    return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

/* One inflate over in/out. Z_STREAM_END moves the stage to S_END. */
static int z_run(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len, size_t *used,
                 uint8_t *out, size_t cap, size_t *made)
{
    z_stream *z = &s->u.z;
    uInt in_n = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
    uInt out_n = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = in_n;
    z->next_out = out;
    z->avail_out = out_n;
    int zr = inflate(z, Z_NO_FLUSH);
    *used = in_n - z->avail_in;
    *made = out_n - z->avail_out;
    switch (zr) {
    case Z_OK:
    case Z_BUF_ERROR:                      /* no progress possible now: not an error */
        return 0;
    case Z_STREAM_END:
        s->state = S_END;
        return 0;
    case Z_MEM_ERROR:
        return fail(d, s, RT_ENOMEM, "out of memory");
    case Z_NEED_DICT:
        return fail(d, s, RT_EDECOMPRESS, "a preset dictionary is required");
    default:
        return fail(d, s, RT_EDECOMPRESS, z->msg);
    }
}

static int z_step(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len, size_t *used,
                  uint8_t *out, size_t cap, size_t *made)
{
    *used = *made = 0;
    while (*made < cap) {
        size_t u = 0, m = 0;
        if (s->state == S_DISCARD) {
            *used = in_len;
            return 0;
        }
        if (s->state == S_END) {
            if (*used == in_len)
                return 0;
            if (s->coding == C_GZIP && in[*used] == 0x1f) {
                if (inflateReset(&s->u.z) != Z_OK)
                    return fail(d, s, RT_EDECOMPRESS, "zlib reset");
                s->state = S_RUN;          /* the next member */
            } else {
                s->state = S_DISCARD;      /* trailing garbage, ignored */
                continue;
            }
        }
        if (s->state == S_START) {
            if (*used == in_len)
                return 0;
            s->state = S_RUN;
        }
        if (!s->sniffed) {                 /* deflate: zlib-wrapped or raw? two bytes tell */
            size_t avail = in_len - *used;
            if (s->nheld + avail < 2) {
                if (avail) {
                    s->held = in[*used];   /* the first byte waits for the second */
                    s->nheld = 1;
                    *used += 1;
                }
                return 0;
            }
            uint8_t b0 = s->nheld ? s->held : in[*used];
            uint8_t b1 = s->nheld ? in[*used] : in[*used + 1];
            if (!zlib_header(b0, b1) && inflateReset2(&s->u.z, -MAX_WBITS) != Z_OK)
                return fail(d, s, RT_EDECOMPRESS, "zlib reset");
            s->sniffed = 1;
        }
        if (s->nheld) {                    /* the held first byte goes in before the rest */
            int rc = z_run(d, s, &s->held, 1, &u, out + *made, cap - *made, &m);
            if (rc)
                return rc;
            *made += m;
            if (u == 1)
                s->nheld = 0;
            if (!u && !m)
                return 0;
            continue;
        }
        int rc = z_run(d, s, in + *used, in_len - *used, &u, out + *made, cap - *made, &m);
        if (rc)
            return rc;
        *used += u;
        *made += m;
        if (s->state == S_RUN && !u && !m)
            return 0;                      /* needs input or output room */
    }
    return 0;
}

/* ---- brotli ------------------------------------------------------------------------------- */

static int br_step(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len, size_t *used,
                   uint8_t *out, size_t cap, size_t *made)
{
    *used = *made = 0;
    if (s->state == S_END || s->state == S_DISCARD) {
        if (in_len)
            s->state = S_DISCARD;          /* bytes after the end of the stream: ignored */
        *used = in_len;
        return 0;
    }
    if (s->state == S_START) {
        if (!in_len)
            return 0;
        s->state = S_RUN;
    }
    size_t avail_in = in_len, avail_out = cap;
    const uint8_t *next_in = in;
    uint8_t *next_out = out;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s->u.br, &avail_in, &next_in, &avail_out, &next_out, NULL);
    *used = in_len - avail_in;
    *made = cap - avail_out;
    switch (r) {
    case BROTLI_DECODER_RESULT_SUCCESS:
        s->state = avail_in ? S_DISCARD : S_END;
        *used = in_len;
        return 0;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
    case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        return 0;
    default: {
        BrotliDecoderErrorCode e = BrotliDecoderGetErrorCode(s->u.br);
        const char *why = BrotliDecoderErrorString(e);
        if (strncmp(why, "_ERROR_", 7) == 0)
            why += 7;                      /* "_ERROR_FORMAT_PADDING_1" -> "FORMAT_PADDING_1" */
        /* the ALLOC_ codes (-21 .. -30) are our allocator saying no */
        return fail(d, s, e <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
                    e >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES ? RT_ENOMEM : RT_EDECOMPRESS,
                    why);
    }
    }
}

/* ---- zstd ---------------------------------------------------------------------------------- */

/* Check the next frame's magic number as its bytes arrive, before libzstd sees them: a zstd
   frame (0xFD2FB528) or a skippable one (0x184D2A5?), little-endian; nothing else. The bytes
   already taken are in s->magic[0..magic_pos), the coming ones in in[0..in_len). */
static int zstd_magic(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len)
{
    static const uint8_t frame[4] = {0x28, 0xb5, 0x2f, 0xfd}, skip[4] = {0x50, 0x2a, 0x4d, 0x18};
    uint8_t m[4];
    unsigned n = s->magic_pos;
    memcpy(m, s->magic, n);
    for (size_t i = 0; n < 4 && i < in_len; i++)
        m[n++] = in[i];
    int is_frame = 1, is_skip = 1;
    for (unsigned i = 0; i < n; i++) {
        is_frame &= m[i] == frame[i];
        is_skip &= (i == 0 ? (m[0] & 0xf0) : m[i]) == skip[i];
    }
    if (is_frame || is_skip)
        return 0;
    if (n == 4 && m[0] >= 0x1e && m[0] <= 0x27 && memcmp(m + 1, frame + 1, 3) == 0)
        return fail(d, s, RT_EDECOMPRESS, "legacy frame format (before zstd 0.8) refused");
    return fail(d, s, RT_EDECOMPRESS, "not a zstd frame (unknown magic number)");
}

static int zstd_step(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len, size_t *used,
                     uint8_t *out, size_t cap, size_t *made)
{
    *used = *made = 0;
    do {
        if (s->state == S_START || s->state == S_END) {
            if (*used == in_len)
                return 0;                  /* at a frame boundary: nothing to flush */
            s->state = S_RUN;
            s->magic_pos = 0;
        }
        if (*used == in_len && !s->full)
            return 0;                      /* nothing to flush: libzstd counts idle calls */
        if (s->magic_pos < 4 && zstd_magic(d, s, in + *used, in_len - *used))
            return d->err;
        ZSTD_inBuffer ib = {in + *used, in_len - *used, 0};
        ZSTD_outBuffer ob = {out + *made, cap - *made, 0};
        size_t r = ZSTD_decompressStream(s->u.zstd, &ob, &ib);
        for (size_t i = 0; s->magic_pos < 4 && i < ib.pos; i++)
            s->magic[s->magic_pos++] = ((const uint8_t *)ib.src)[i];
        *used += ib.pos;
        *made += ob.pos;
        s->full = ob.pos == ob.size;
        if (ZSTD_isError(r))
            return fail(d, s, ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ?
                        RT_ENOMEM : RT_EDECOMPRESS, ZSTD_getErrorName(r));
        if (r == 0)
            s->state = S_END;              /* a frame is decoded and flushed: maybe another */
        else if (!ib.pos && !ob.pos)
            return 0;
    } while (*made < cap && *used < in_len);
    return 0;
}

/* ---- the chain ------------------------------------------------------------------------------ */

static int step(rt__decoder *d, stage *s, const uint8_t *in, size_t in_len, size_t *used,
                uint8_t *out, size_t cap, size_t *made)
{
    switch (s->coding) {
    case C_GZIP:
    case C_DEFLATE:
        return z_step(d, s, in, in_len, used, out, cap, made);
    case C_BR:
        return br_step(d, s, in, in_len, used, out, cap, made);
    default:
        return zstd_step(d, s, in, in_len, used, out, cap, made);
    }
}

static int stage_complete(const stage *s)
{
    return s->state != S_RUN && s->nheld == 0 && s->start == s->end;
}

static int all_complete(const rt__decoder *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (!stage_complete(&d->st[i]))
            return 0;
    return 1;
}

int rt__decoder_push(rt__decoder *d, const uint8_t *in, size_t in_len, size_t *consumed,
                     uint8_t *out, size_t out_cap, size_t *produced)
{
    size_t in_pos = 0, out_pos = 0;
    if (consumed)
        *consumed = 0;
    if (produced)
        *produced = 0;
    if (!d || !consumed || !produced || !out || !out_cap || (in_len && !in))
        return RT_EINVAL;
    if (d->err)
        return d->err;
    static const uint8_t none[1];
    if (!in)
        in = none;                         /* no arithmetic on NULL below */
    int progress;
    do {
        progress = 0;
        for (size_t i = 0; i < d->n; i++) {
            stage *s = &d->st[i], *prev = i ? &d->st[i - 1] : NULL;
            const uint8_t *sin = prev ? prev->buf + prev->start : in + in_pos;
            size_t slen = prev ? prev->end - prev->start : in_len - in_pos;
            uint8_t *sout;
            size_t scap, used = 0, made = 0;
            if (i + 1 == d->n) {
                sout = out + out_pos;
                scap = out_cap - out_pos;
            } else {
                if (s->start == s->end)
                    s->start = s->end = 0;
                else if (s->start > RT__CODINGS_STAGE_BUF / 2) {
                    memmove(s->buf, s->buf + s->start, s->end - s->start);
                    s->end -= s->start;
                    s->start = 0;
                }
                sout = s->buf + s->end;
                scap = RT__CODINGS_STAGE_BUF - s->end;
            }
            if (!scap)
                continue;                  /* the next stage drains it first */
            int rc = step(d, s, sin, slen, &used, sout, scap, &made);
            if (prev)
                prev->start += used;
            else
                in_pos += used;
            if (i + 1 == d->n)
                out_pos += made;
            else
                s->end += made;
            if (rc) {
                *consumed = in_pos;
                *produced = out_pos;
                return rc;
            }
            progress |= used || made;
        }
    } while (progress && out_pos < out_cap);
    *consumed = in_pos;
    *produced = out_pos;
    int done = all_complete(d);
    d->drained = out_pos < out_cap || done;
    return done && d->st[0].state != S_START ? 1 : 0;
}

int rt__decoder_finish(rt__decoder *d)
{
    if (!d)
        return RT_EINVAL;
    if (d->err)
        return d->err;
    if (!d->drained)
        return RT_EINVAL;
    for (size_t i = 0; i < d->n; i++) {
        const stage *s = &d->st[i];
        if (!stage_complete(s))
            return fail(d, s, RT_EDECOMPRESS, "truncated stream");
    }
    return 0;
}

const char *rt__decoder_message(const rt__decoder *d)
{
    return d ? d->msg : "";
}

size_t rt__decoder_memory(const rt__decoder *d, size_t *peak)
{
    if (peak)
        *peak = d ? d->mem_peak : 0;
    return d ? d->mem : 0;
}

void rt__decoder_free(rt__decoder *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        stage *s = &d->st[i];
        if (s->ready) {
            if (s->coding == C_BR)
                BrotliDecoderDestroyInstance(s->u.br);
            else if (s->coding == C_ZSTD)
                ZSTD_freeDCtx(s->u.zstd);
            else
                inflateEnd(&s->u.z);
        }
        dec_free(d, s->buf);
    }
    rt__free(d);
}

/* ---- creation ----------------------------------------------------------------------------- */

const char *rt__accept_encoding(void)
{
    return "gzip, deflate, br, zstd";
}

static int stage_init(rt__decoder *d, stage *s)
{
    switch (s->coding) {
    case C_GZIP:
    case C_DEFLATE:
        s->u.z.zalloc = z_alloc;
        s->u.z.zfree = z_free;
        s->u.z.opaque = d;
        /* gzip: 16 + 15 (gzip wrapper only); deflate: zlib until the sniff says raw */
        switch (inflateInit2(&s->u.z, s->coding == C_GZIP ? 16 + MAX_WBITS : MAX_WBITS)) {
        case Z_OK:
            break;
        case Z_MEM_ERROR:
            return RT_ENOMEM;
        default:
            return RT_EDECOMPRESS;
        }
        s->sniffed = s->coding == C_GZIP;
        break;
    case C_BR:
        s->u.br = BrotliDecoderCreateInstance(lib_alloc, lib_free, d);
        if (!s->u.br)
            return RT_ENOMEM;
        break;
    case C_ZSTD: {
        ZSTD_customMem mem = {lib_alloc, lib_free, d};
        s->u.zstd = ZSTD_createDCtx_advanced(mem);
        if (!s->u.zstd)
            return RT_ENOMEM;
        s->ready = 1;
        if (ZSTD_isError(ZSTD_DCtx_setParameter(s->u.zstd, ZSTD_d_windowLogMax,
                                                CODINGS_ZSTD_WINDOW_LOG_MAX)))
            return RT_EDECOMPRESS;
        break;
    }
    }
    s->ready = 1;
    return 0;
}

static int token_is(const char *t, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(t, name, n) == 0;
}

int rt__decoder_new(const char *value, size_t len, rt__decoder **out)
{
    enum coding list[RT__CODINGS_MAX];
    size_t n = 0, unknown = 0, total = 0;
    if (!out || (len && !value))
        return RT_EINVAL;
    *out = NULL;
    for (size_t i = 0; i < len;) {
        while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
            i++;
        size_t b = i;
        while (i < len && value[i] != ',')
            i++;
        size_t e = i;
        while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t'))
            e--;
        if (e == b || token_is(value + b, e - b, "identity"))
            continue;
        total++;
        enum coding c;
        if (token_is(value + b, e - b, "gzip") || token_is(value + b, e - b, "x-gzip"))
            c = C_GZIP;
        else if (token_is(value + b, e - b, "deflate"))
            c = C_DEFLATE;
        else if (token_is(value + b, e - b, "br"))
            c = C_BR;
        else if (token_is(value + b, e - b, "zstd"))
            c = C_ZSTD;
        else {
            unknown++;
            continue;
        }
        if (n < RT__CODINGS_MAX)
            list[n++] = c;
    }
    if (total > RT__CODINGS_MAX)
        return RT_EDECOMPRESS;
    if (unknown)
        return RT__CODING_UNSUPPORTED;
    if (!n)
        return 0;
    rt__decoder *d = rt__calloc(1, sizeof *d);
    if (!d)
        return RT_ENOMEM;
    d->mem = d->mem_peak = rt__alloc_size(d);
    d->n = n;
    d->drained = 1;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        stage *s = &d->st[i];
        s->coding = list[n - 1 - i];       /* the last coding applied is undone first */
        if (i + 1 < n && !(s->buf = dec_alloc(d, RT__CODINGS_STAGE_BUF)))
            rc = RT_ENOMEM;
        if (!rc)
            rc = stage_init(d, s);
    }
    if (rc) {
        rt__decoder_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
