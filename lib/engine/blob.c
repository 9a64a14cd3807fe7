/*
 * blob.c - Blob and File of the W3C File API in C (blob.h): the constructors (blobParts
 * converted as WebIDL's sequence<BlobPart> in order, then the options dictionary, then the
 * parts processed into one new buffer, strings as UTF-8 with the "native" endings rule
 * applied if asked), type normalization, size, slice() with [Clamp] indices, text() (UTF-8
 * decode: BOM dropped, invalid bytes U+FFFD), arrayBuffer(), bytes() and stream() (a
 * ReadableStream, lib/engine/js/40-streams.js, pulling 64 KiB copies). Promise-returning
 * methods reject (not throw) on a wrong `this`, as WebIDL says.
 *
 * Ownership: each instance holds its state (slot 0), the shared bytes buffer, its type and
 * (File) its name, all GC-managed: no finalizer, no C memory.
 */
#include <math.h>
#include <string.h>

#include "fetchcls.h"
#include "blob.h"
#include "text.h"

#define STREAM_CHUNK 65536
#define BLOB_MAX 0x7ffffffeu               /* Duktape's largest buffer */

static const uint8_t EMPTY[1];

static struct rt__fetchcls *fc_of(duk_context *ctx)
{
    return rt__fc(ctx);
}

rt__blob_state *rt__blob_of(duk_context *ctx, duk_idx_t idx)
{
    return rt__state(ctx, idx, fc_of(ctx)->blob_key[BLS_STATE]);
}

/* The data pointer of the instance at idx (whose state is st). */
static const uint8_t *bytes_of(duk_context *ctx, duk_idx_t idx, const rt__blob_state *st)
{
    rt__dx_slot_get(ctx, idx, BLS_DATA, fc_of(ctx)->blob_key[BLS_DATA]);
    const uint8_t *p = duk_get_buffer_data(ctx, -1, NULL);
    duk_pop(ctx);                          /* the object keeps it alive */
    return p && st->len ? p + st->off : EMPTY;
}

const uint8_t *rt__blob_bytes(duk_context *ctx, duk_idx_t idx, size_t *len)
{
    rt__blob_state *st = rt__blob_of(ctx, idx);
    *len = (size_t)st->len;
    return bytes_of(ctx, idx, st);
}

void rt__blob_push_view(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    rt__blob_state *st = rt__blob_of(ctx, idx);
    rt__dx_slot_get(ctx, idx, BLS_DATA, fc_of(ctx)->blob_key[BLS_DATA]);
    duk_push_buffer_object(ctx, -1, (duk_size_t)st->off, (duk_size_t)st->len,
                           DUK_BUFOBJ_UINT8ARRAY);
    duk_remove(ctx, -2);
}

void rt__blob_push_type(duk_context *ctx, duk_idx_t idx)
{
    rt__dx_slot_get(ctx, idx, BLS_TYPE, fc_of(ctx)->blob_key[BLS_TYPE]);
}

/* [ ... ] -> [ ... s ]: type normalized: "" if a byte is outside 0x20-0x7E (in CESU-8 every
   non-ASCII character has such bytes), else ASCII lower-cased. */
static void push_type(duk_context *ctx, const char *t, size_t n)
{
    char small[128] = {0}, *d = n <= sizeof small ? small : NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20 || c > 0x7e) {
            duk_push_string(ctx, "");
            return;
        }
    }
    if (!d) {
        d = duk_push_fixed_buffer(ctx, n);
    }
    for (size_t i = 0; i < n; i++)
        d[i] = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] + 32) : t[i];
    duk_push_lstring(ctx, d, n);
    if (d != small)
        duk_remove(ctx, -2);
}

/* ---- instances ---- */

/* [ ... data type ] -> [ ... obj ]: a new Blob or File instance (proto) over data. */
static rt__blob_state *push_instance(duk_context *ctx, void *proto, uint64_t off, uint64_t len)
{
    struct rt__fetchcls *fc = fc_of(ctx);
    rt__blob_state *st = rt__instance_new(ctx, proto, fc->blob_key, BLS_N, sizeof *st, 0);
    /* [ ... data type obj ] */
    st->off = off;
    st->len = len;
    duk_pull(ctx, -3);
    rt__dx_slot_put(ctx, -2, BLS_DATA, fc->blob_key[BLS_DATA]);
    duk_pull(ctx, -2);
    rt__dx_slot_put(ctx, -2, BLS_TYPE, fc->blob_key[BLS_TYPE]);
    return st;
}

void rt__blob_push_new(duk_context *ctx, duk_idx_t data_idx, size_t off, size_t len,
                       const char *type, size_t tlen)
{
    duk_dup(ctx, data_idx);
    push_type(ctx, type, tlen);
    push_instance(ctx, fc_of(ctx)->blob_proto, off, len);
}

void rt__file_push_new(duk_context *ctx, duk_idx_t data_idx, size_t off, size_t len,
                       const char *type, size_t tlen, duk_idx_t name_idx, double last_modified)
{
    name_idx = duk_normalize_index(ctx, name_idx);
    duk_dup(ctx, data_idx);
    push_type(ctx, type, tlen);
    rt__blob_state *st = push_instance(ctx, fc_of(ctx)->file_proto, off, len);
    st->is_file = 1;
    st->last_modified = last_modified;
    duk_dup(ctx, name_idx);
    rt__dx_slot_put(ctx, -2, BLS_NAME, fc_of(ctx)->blob_key[BLS_NAME]);
}

void rt__file_push_from(duk_context *ctx, duk_idx_t blob_idx, duk_idx_t name_idx)
{
    struct rt__fetchcls *fc = fc_of(ctx);
    blob_idx = duk_normalize_index(ctx, blob_idx);
    name_idx = duk_normalize_index(ctx, name_idx);
    rt__blob_state *src = rt__blob_of(ctx, blob_idx);
    uint64_t off = src->off, len = src->len;
    double lm = src->is_file ? src->last_modified : floor(duk_get_now(ctx));
    rt__dx_slot_get(ctx, blob_idx, BLS_DATA, fc->blob_key[BLS_DATA]);
    rt__dx_slot_get(ctx, blob_idx, BLS_TYPE, fc->blob_key[BLS_TYPE]);
    rt__blob_state *st = push_instance(ctx, fc->file_proto, off, len);
    st->is_file = 1;
    st->last_modified = lm;
    duk_dup(ctx, name_idx);
    rt__dx_slot_put(ctx, -2, BLS_NAME, fc->blob_key[BLS_NAME]);
}

/* ---- the constructors ---- */

/* [ ... ] -> [ ... list ]: sequence<BlobPart> from the value at idx, each item converted as
   the union says: a Blob stays, a BufferSource stays (its bytes are read later), anything
   else becomes a USVString. */
static void push_parts(duk_context *ctx, duk_idx_t idx, const char *who)
{
    idx = duk_normalize_index(ctx, idx);
    duk_push_array(ctx);
    duk_idx_t list = duk_get_top_index(ctx);
    if (duk_is_undefined(ctx, idx))
        return;
    if (!duk_is_object(ctx, idx) || duk_is_buffer(ctx, idx))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Failed to construct '%s': The provided value cannot be converted to a sequence.",
                        who);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "iterator");
    duk_remove(ctx, -2);
    duk_get_prop(ctx, idx);
    if (!duk_is_callable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Failed to construct '%s': The object must have a callable @@iterator property.",
                        who);
    duk_dup(ctx, idx);
    duk_call_method(ctx, 0);               /* [ ... list iterator ] */
    if (!duk_is_object(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: the iterator is not an object", who);
    duk_idx_t it = duk_get_top_index(ctx);
    duk_get_prop_string(ctx, it, "next");
    duk_idx_t next = duk_get_top_index(ctx);
    for (duk_uarridx_t k = 0;; k++) {
        duk_dup(ctx, next);
        duk_dup(ctx, it);
        duk_call_method(ctx, 0);
        if (!duk_is_object(ctx, -1))
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: an iterator result is not an object", who);
        duk_get_prop_string(ctx, -1, "done");
        int done = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        if (done) {
            duk_pop(ctx);
            break;
        }
        duk_get_prop_string(ctx, -1, "value");
        duk_remove(ctx, -2);
        if (!rt__blob_of(ctx, -1) && !duk_is_buffer_data(ctx, -1)) {
            rt__to_usv(ctx, -1);
            duk_remove(ctx, -2);
        }
        duk_put_prop_index(ctx, list, k);
    }
    duk_pop_2(ctx);                        /* next iterator */
}

enum { END_TRANSPARENT = 0, END_NATIVE };

/* Bytes "convert line endings to native" makes of s (the native ending is LF here). */
static size_t native_len(const uint8_t *s, size_t n)
{
    size_t k = n;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '\r' && s[i + 1] == '\n')
            k--;
    return k;
}

static size_t native_copy(uint8_t *o, const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            o[k++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            o[k++] = s[i];
        }
    }
    return k;
}

typedef struct piece {
    const uint8_t *p;
    size_t n;
    uint8_t text;
} piece;

/* [ ... list ] -> [ ... list data ]: "process blob parts": every part's bytes, in order, in
   one new fixed buffer. *off and *len: the range of data the new Blob covers (a single Blob part
   is shared, not copied). */
static void push_data(duk_context *ctx, int endings, uint64_t *off, uint64_t *len)
{
    duk_idx_t list = duk_get_top_index(ctx);
    duk_size_t n = duk_get_length(ctx, list);
    struct rt__fetchcls *fc = fc_of(ctx);
    if (n == 1) {
        duk_get_prop_index(ctx, list, 0);
        rt__blob_state *st = rt__blob_of(ctx, -1);
        if (st) {
            *off = st->off;
            *len = st->len;
            rt__dx_slot_get(ctx, -1, BLS_DATA, fc->blob_key[BLS_DATA]);
            duk_remove(ctx, -2);
            return;
        }
        duk_pop(ctx);
    }
    /* pass 1: where each part's bytes are (string conversions kept alive in `keep`) */
    duk_push_array(ctx);
    duk_idx_t keep = duk_get_top_index(ctx);
    duk_uarridx_t kept = 0;
    piece small[16], *pieces = n <= 16 ? small : duk_push_fixed_buffer(ctx, n * sizeof *pieces);
    uint64_t total = 0;
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, list, i);
        piece *pc = &pieces[i];
        rt__blob_state *st = rt__blob_of(ctx, -1);
        pc->text = 0;
        if (st) {
            pc->p = bytes_of(ctx, -1, st);
            pc->n = (size_t)st->len;
        } else if (duk_is_buffer_data(ctx, -1)) {
            duk_size_t bl = 0;
            pc->p = duk_get_buffer_data(ctx, -1, &bl);
            pc->n = pc->p ? bl : 0;
        } else {
            const char *s;
            size_t sl;
            rt__to_utf8(ctx, -1, &s, &sl);   /* [ ... part scratch ] */
            duk_put_prop_index(ctx, keep, kept++);
            pc->p = (const uint8_t *)s;
            pc->n = sl;
            pc->text = 1;
        }
        duk_pop(ctx);                      /* the list keeps the part alive */
        total += pc->text && endings == END_NATIVE ? native_len(pc->p, pc->n) : pc->n;
        if (total > BLOB_MAX)
            (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "Blob: %llu bytes is more than this runtime's limit of %u",
                            (unsigned long long)total, BLOB_MAX);
    }
    /* pass 2: one buffer */
    uint8_t *d = duk_push_fixed_buffer(ctx, (duk_size_t)total);
    size_t at = 0;
    for (duk_uarridx_t i = 0; i < n; i++) {
        piece *pc = &pieces[i];
        if (pc->text && endings == END_NATIVE) {
            at += native_copy(d + at, pc->p, pc->n);
        } else if (pc->n) {
            memcpy(d + at, pc->p, pc->n);
            at += pc->n;
        }
    }
    *off = 0;
    *len = total;
    duk_replace(ctx, keep);                /* [ ... list data (pieces) ] */
    duk_set_top(ctx, keep + 1);
}

/* BlobPropertyBag (and FilePropertyBag's lastModified when file is set) from the value at
   idx, members read in WebIDL's order: endings, type, lastModified. Leaves [ ... type ]. */
static int read_options(duk_context *ctx, duk_idx_t idx, const char *who, int file, double *lm,
                        int *has_lm)
{
    idx = duk_normalize_index(ctx, idx);
    int endings = END_TRANSPARENT;
    *has_lm = 0;
    if (!duk_is_null_or_undefined(ctx, idx) && !duk_is_object(ctx, idx))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Failed to construct '%s': The provided value is not of type '%s'.", who,
                        file ? "FilePropertyBag" : "BlobPropertyBag");
    int has = duk_is_object(ctx, idx);
    if (has)
        duk_get_prop_string(ctx, idx, "endings");
    else
        duk_push_undefined(ctx);
    if (!duk_is_undefined(ctx, -1)) {
        const char *e = duk_to_string(ctx, -1);
        if (strcmp(e, "native") == 0)
            endings = END_NATIVE;
        else if (strcmp(e, "transparent") != 0)
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                            "Failed to construct '%s': The provided value '%s' is not a valid enum value of type EndingType.",
                            who, e);
    }
    duk_pop(ctx);
    if (has)
        duk_get_prop_string(ctx, idx, "type");
    else
        duk_push_undefined(ctx);
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        duk_push_string(ctx, "");
    } else {
        duk_to_string(ctx, -1);
    }
    if (file && has) {
        duk_get_prop_string(ctx, idx, "lastModified");
        if (!duk_is_undefined(ctx, -1)) {
            /* long long: NaN and infinities 0, truncated, modulo 2^64 as a signed value */
            double v = duk_to_number(ctx, -1);
            v = isfinite(v) ? trunc(v) : 0;
            if (fabs(v) >= 9223372036854775808.0) {
                v = fmod(v, 18446744073709551616.0);
                if (v >= 9223372036854775808.0)
                    v -= 18446744073709551616.0;
                else if (v < -9223372036854775808.0)
                    v += 18446744073709551616.0;
            }
            *lm = v == 0 ? 0 : v;          /* no -0 */
            *has_lm = 1;
        }
        duk_pop(ctx);
    }
    return endings;
}

static duk_ret_t blob_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor Blob cannot be invoked without 'new'");
    duk_set_top(ctx, 2);
    push_parts(ctx, 0, "Blob");            /* 2: list */
    double lm;
    int has_lm;
    int endings = read_options(ctx, 1, "Blob", 0, &lm, &has_lm);   /* 3: type */
    duk_dup(ctx, 2);
    uint64_t off, len;
    push_data(ctx, endings, &off, &len);   /* 4: list, 5: data */
    duk_size_t tl;
    const char *t = duk_get_lstring(ctx, 3, &tl);
    push_type(ctx, t, tl);                 /* 6 */
    struct rt__fetchcls *fc = fc_of(ctx);
    duk_push_this(ctx);                    /* 7 */
    rt__blob_state *st = rt__instance_init(ctx, 7, fc->blob_key, BLS_N, sizeof *st, 0);
    st->off = off;
    st->len = len;
    duk_dup(ctx, 5);
    rt__dx_slot_put(ctx, 7, BLS_DATA, fc->blob_key[BLS_DATA]);
    duk_dup(ctx, 6);
    rt__dx_slot_put(ctx, 7, BLS_TYPE, fc->blob_key[BLS_TYPE]);
    return 0;
}

static duk_ret_t file_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor File cannot be invoked without 'new'");
    duk_idx_t nargs = duk_get_top(ctx);
    if (nargs < 2)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "Failed to construct 'File': 2 arguments required, but only %d present.",
                         (int)nargs);
    duk_set_top(ctx, 3);
    push_parts(ctx, 0, "File");            /* 3: list */
    rt__to_usv(ctx, 1);                    /* 4: name */
    double lm = 0;
    int has_lm;
    int endings = read_options(ctx, 2, "File", 1, &lm, &has_lm);   /* 5: type */
    if (!has_lm)
        lm = floor(duk_get_now(ctx));
    duk_dup(ctx, 3);
    uint64_t off, len;
    push_data(ctx, endings, &off, &len);   /* 6: list, 7: data */
    duk_size_t tl;
    const char *t = duk_get_lstring(ctx, 5, &tl);
    push_type(ctx, t, tl);                 /* 8 */
    struct rt__fetchcls *fc = fc_of(ctx);
    duk_push_this(ctx);                    /* 9 */
    rt__blob_state *st = rt__instance_init(ctx, 9, fc->blob_key, BLS_N, sizeof *st, 0);
    st->off = off;
    st->len = len;
    st->is_file = 1;
    st->last_modified = lm;
    duk_dup(ctx, 7);
    rt__dx_slot_put(ctx, 9, BLS_DATA, fc->blob_key[BLS_DATA]);
    duk_dup(ctx, 8);
    rt__dx_slot_put(ctx, 9, BLS_TYPE, fc->blob_key[BLS_TYPE]);
    duk_dup(ctx, 4);
    rt__dx_slot_put(ctx, 9, BLS_NAME, fc->blob_key[BLS_NAME]);
    return 0;
}

/* ---- attributes and methods ---- */

static rt__blob_state *this_blob(duk_context *ctx)
{
    return rt__this_state(ctx, fc_of(ctx)->blob_key[BLS_STATE], "Blob");
}

static rt__blob_state *this_file(duk_context *ctx)
{
    duk_push_this(ctx);
    rt__blob_state *st = rt__blob_of(ctx, -1);
    duk_pop(ctx);
    if (!st || !st->is_file)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Illegal invocation: not a File");
    return st;
}

static duk_ret_t blob_size(duk_context *ctx)
{
    duk_push_number(ctx, (double)this_blob(ctx)->len);
    return 1;
}

static duk_ret_t blob_type(duk_context *ctx)
{
    this_blob(ctx);
    duk_push_this(ctx);
    rt__blob_push_type(ctx, -1);
    return 1;
}

static duk_ret_t file_name(duk_context *ctx)
{
    this_file(ctx);
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, BLS_NAME, fc_of(ctx)->blob_key[BLS_NAME]);
    return 1;
}

static duk_ret_t file_last_modified(duk_context *ctx)
{
    duk_push_number(ctx, this_file(ctx)->last_modified);
    return 1;
}

/* [Clamp] long long: NaN 0, clamped to the range, rounded half to even. */
static double clamp_ll(duk_context *ctx, duk_idx_t idx)
{
    double v = duk_to_number(ctx, idx);
    if (isnan(v))
        return 0;
    if (v > 9223372036854775807.0)
        v = 9223372036854775807.0;
    if (v < -9223372036854775808.0)
        v = -9223372036854775808.0;
    double r = nearbyint(v);               /* the default rounding mode: ties to even */
    return r == 0 ? 0 : r;
}

static duk_ret_t blob_slice(duk_context *ctx)
{
    duk_set_top(ctx, 3);
    rt__blob_state *st = this_blob(ctx);
    double size = (double)st->len;
    double start = 0, end = size;
    if (!duk_is_undefined(ctx, 0)) {
        double s = clamp_ll(ctx, 0);
        start = s < 0 ? fmax(size + s, 0) : fmin(s, size);
    }
    if (!duk_is_undefined(ctx, 1)) {
        double e = clamp_ll(ctx, 1);
        end = e < 0 ? fmax(size + e, 0) : fmin(e, size);
    }
    if (duk_is_undefined(ctx, 2)) {
        duk_push_string(ctx, "");
    } else {
        duk_size_t tl;
        const char *t = duk_to_lstring(ctx, 2, &tl);
        push_type(ctx, t, tl);
    }
    double span = fmax(end - start, 0);
    struct rt__fetchcls *fc = fc_of(ctx);
    st = this_blob(ctx);                   /* (conversions ran scripts: look again) */
    uint64_t off = st->off + (uint64_t)start;
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, BLS_DATA, fc->blob_key[BLS_DATA]);
    duk_remove(ctx, -2);
    duk_pull(ctx, -2);                     /* [ ... data type ] */
    push_instance(ctx, fc->blob_proto, off, (uint64_t)span);
    return 1;
}

enum { READ_TEXT = 0, READ_ARRAYBUFFER, READ_BYTES };

static duk_ret_t read_safe(duk_context *ctx, void *ud)
{
    int how = *(int *)ud;
    rt__blob_state *st = this_blob(ctx);
    duk_push_this(ctx);
    const uint8_t *p = bytes_of(ctx, -1, st);
    size_t n = (size_t)st->len;
    if (how == READ_TEXT) {
        rt__push_utf8(ctx, p, n, 1);
        return 1;
    }
    uint8_t *d = rt__push_filled_buffer(ctx, n);
    if (n)
        memcpy(d, p, n);
    duk_push_buffer_object(ctx, -1, 0, n,
                           how == READ_BYTES ? DUK_BUFOBJ_UINT8ARRAY : DUK_BUFOBJ_ARRAYBUFFER);
    return 1;
}

/* text(), arrayBuffer(), bytes(): a promise settled now (the bytes are all here). */
static duk_ret_t blob_read(duk_context *ctx)
{
    int how = duk_get_current_magic(ctx);
    rt__promise_new(ctx);
    duk_idx_t pi = duk_get_top_index(ctx);
    int ok = duk_safe_call(ctx, read_safe, &how, 0, 1) == DUK_EXEC_SUCCESS;
    if (ok)
        rt__promise_resolve(ctx, pi);
    else
        rt__promise_reject(ctx, pi);
    duk_set_top(ctx, pi + 1);
    return 1;
}

/* The stream's underlying source: pull(controller) with `this` the source, which carries
   the bytes, the position and the end in hidden properties. */
static duk_ret_t source_pull(duk_context *ctx)
{
    duk_push_this(ctx);                    /* 1 */
    duk_get_prop_string(ctx, 1, DUK_HIDDEN_SYMBOL("data"));   /* 2 */
    duk_get_prop_string(ctx, 1, DUK_HIDDEN_SYMBOL("pos"));
    duk_get_prop_string(ctx, 1, DUK_HIDDEN_SYMBOL("end"));
    double pos = duk_get_number(ctx, -2), end = duk_get_number(ctx, -1);
    duk_pop_2(ctx);
    if (pos < end) {
        size_t n = end - pos > STREAM_CHUNK ? STREAM_CHUNK : (size_t)(end - pos);
        const uint8_t *p = duk_get_buffer_data(ctx, 2, NULL);
        uint8_t *d = rt__push_filled_buffer(ctx, n);
        memcpy(d, p + (size_t)pos, n);
        duk_push_buffer_object(ctx, -1, 0, n, DUK_BUFOBJ_UINT8ARRAY);
        duk_remove(ctx, -2);
        duk_push_number(ctx, pos + (double)n);
        duk_put_prop_string(ctx, 1, DUK_HIDDEN_SYMBOL("pos"));
        pos += (double)n;
        duk_push_string(ctx, "enqueue");
        duk_insert(ctx, -2);
        duk_call_prop(ctx, 0, 1);
        duk_pop(ctx);
    }
    if (pos >= end) {
        duk_push_string(ctx, "close");
        duk_call_prop(ctx, 0, 0);
        duk_pop(ctx);
    }
    return 0;
}

static duk_ret_t blob_stream(duk_context *ctx)
{
    rt__blob_state *st = this_blob(ctx);
    struct rt__fetchcls *fc = fc_of(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, "ReadableStream");
    duk_push_object(ctx);                  /* the source */
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, BLS_DATA, fc->blob_key[BLS_DATA]);
    duk_put_prop_string(ctx, -3, DUK_HIDDEN_SYMBOL("data"));
    duk_pop(ctx);
    duk_push_number(ctx, (double)st->off);
    duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("pos"));
    duk_push_number(ctx, (double)(st->off + st->len));
    duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("end"));
    duk_push_heapptr(ctx, fc->blob_pull);
    duk_put_prop_string(ctx, -2, "pull");
    duk_push_object(ctx);                  /* pulled only when read: no copy waits */
    duk_push_int(ctx, 0);
    duk_put_prop_string(ctx, -2, "highWaterMark");
    duk_new(ctx, 2);
    return 1;
}

int rt__blob_init(duk_context *ctx)
{
    struct rt__fetchcls *fc = fc_of(ctx);
    static const char *const names[BLS_N] = {"Blob", "BlobData", "BlobType", "FileName"};
    for (int i = 0; i < BLS_N; i++)
        fc->blob_key[i] = rt__hidden_key(ctx, names[i]);
    /* members in Node's order */
    static const rt__method methods[] = {
        {"slice", blob_slice, DUK_VARARGS, 0, 0},
        {"arrayBuffer", blob_read, 0, 0, READ_ARRAYBUFFER},
        {"text", blob_read, 0, 0, READ_TEXT},
        {"bytes", blob_read, 0, 0, READ_BYTES},
        {"stream", blob_stream, 0, 0, 0},
        {NULL, NULL, 0, 0, 0}};
    static const rt__attr attrs[] = {
        {"type", blob_type, NULL, 0},
        {"size", blob_size, NULL, 0},
        {NULL, NULL, NULL, 0}};
    void *blob_ctor_ptr;
    fc->blob_proto = rt__class_define(ctx, "Blob", blob_ctor, 0, NULL, attrs, NULL, NULL,
                                      &blob_ctor_ptr);
    duk_push_heapptr(ctx, fc->blob_proto);
    rt__define_methods(ctx, -1, methods);
    duk_pop(ctx);
    static const rt__attr file_attrs[] = {
        {"name", file_name, NULL, 0},
        {"lastModified", file_last_modified, NULL, 0},
        {NULL, NULL, NULL, 0}};
    void *file_ctor_ptr;
    fc->file_proto = rt__class_define(ctx, "File", file_ctor, 2, NULL, file_attrs, NULL,
                                      fc->blob_proto, &file_ctor_ptr);
    /* File's constructor inherits Blob's statics, as class File extends Blob would */
    duk_push_heapptr(ctx, file_ctor_ptr);
    duk_push_heapptr(ctx, blob_ctor_ptr);
    duk_set_prototype(ctx, -2);
    duk_pop(ctx);
    rt__dx_push_function(ctx, source_pull, 1, 0, 1, "pull", 0, NULL, 0);
    fc->blob_pull = duk_get_heapptr(ctx, -1);
    rt__keep(ctx, -1);
    duk_pop(ctx);
    return 0;
}
