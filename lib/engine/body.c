/*
 * body.c - the Fetch standard's body mixin in C for Request and Response (body.h): extracting
 * a body from a BodyInit, the consumers (text, json, arrayBuffer, bytes) settled from C, and
 * the network branches a fetch feeds. The stream a script may ask for (`body`) is JavaScript
 * (lib/engine/js/40-streams.js); for bytes and network bodies it reads the same state through
 * native.bodyRead / bodyCancel / bodyLock / bodyFlags, so locked and disturbed mean the same
 * thing whichever way the body is read.
 *
 * Ownership: a branch's pieces hold chunk references (released when taken); its pending
 * promise and its error are holds (dropped when settled or freed).
 */
#include <string.h>

#include "fetchcls.h"
#include "blob.h"
#include "body.h"
#include "chunk.h"
#include "formdata.h"
#include "mime.h"
#include "text.h"

#define HWM 65536                          /* a body stream's high-water mark, in bytes */

/* [ ... ] -> [ ... native[name] ] */
static void push_native(duk_context *ctx, const char *name)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, name);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

int rt__owner_of(duk_context *ctx, duk_idx_t idx, rt__owner *o)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    idx = duk_normalize_index(ctx, idx);
    rt__response_state *rs = rt__state(ctx, idx, fc->res_key[RSS_STATE]);
    if (rs) {
        o->idx = idx;
        o->body = &rs->body;
        o->body_key = fc->res_key[RSS_BODY];
        o->body_slot = RSS_BODY;
        o->stream_key = fc->res_key[RSS_STREAM];
        o->stream_slot = RSS_STREAM;
        return 1;
    }
    rt__request_state *qs = rt__state(ctx, idx, fc->req_key[RQS_STATE]);
    if (qs) {
        o->idx = idx;
        o->body = &qs->body;
        o->body_key = fc->req_key[RQS_BODY];
        o->body_slot = RQS_BODY;
        o->stream_key = fc->req_key[RQS_STREAM];
        o->stream_slot = RQS_STREAM;
        return 1;
    }
    return 0;
}

/* ---- extract ---- */

/* [ ... ] -> [ ... buf ]: n bytes copied into a new buffer (not zeroed first). */
static void push_bytes(duk_context *ctx, const void *p, size_t n)
{
    void *d = rt__push_filled_buffer(ctx, n);
    if (n)
        memcpy(d, p, n);
}

static int is_stream(duk_context *ctx, duk_idx_t idx)
{
    push_native(ctx, "ReadableStream");
    int r = duk_is_object(ctx, idx) && duk_is_function(ctx, -1) && duk_instanceof(ctx, idx, -1);
    duk_pop(ctx);
    return r;
}

int rt__url_search_params_push_string(duk_context *ctx, duk_idx_t idx);   /* url.c */

void rt__body_extract(duk_context *ctx, duk_idx_t idx, int *kind)
{
    idx = duk_normalize_index(ctx, idx);
    *kind = BK_BYTES;
    if (rt__blob_of(ctx, idx)) {           /* a Blob: its bytes as they are, no copy */
        rt__blob_push_view(ctx, idx);
        rt__blob_push_type(ctx, idx);
        if (!duk_get_length(ctx, -1)) {
            duk_pop(ctx);
            duk_push_undefined(ctx);
        }
        return;
    }
    if (rt__formdata_is(ctx, idx)) {       /* multipart/form-data, in pieces */
        *kind = BK_PARTS;
        rt__formdata_extract(ctx, idx);
        return;
    }
    if (duk_is_buffer_data(ctx, idx)) {    /* ArrayBuffer, a view, DataView: copied now */
        duk_size_t n = 0;
        const void *p = duk_get_buffer_data(ctx, idx, &n);
        push_bytes(ctx, p, n);
        duk_push_undefined(ctx);
        return;
    }
    if (is_stream(ctx, idx)) {
        push_native(ctx, "streamUnusable");
        duk_dup(ctx, idx);
        duk_call(ctx, 1);
        if (duk_to_boolean(ctx, -1))
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                            "Response body object should not be disturbed or locked");
        duk_pop(ctx);
        *kind = BK_STREAM;
        duk_dup(ctx, idx);
        duk_push_undefined(ctx);
        return;
    }
    if (rt__url_search_params_push_string(ctx, idx)) {
        duk_size_t n;
        const char *s = duk_get_lstring(ctx, -1, &n);   /* ASCII: the serializer escapes */
        push_bytes(ctx, s, n);
        duk_remove(ctx, -2);
        duk_push_string(ctx, "application/x-www-form-urlencoded;charset=UTF-8");
        return;
    }
    /* anything else is a USVString */
    duk_dup(ctx, idx);
    const char *p;
    size_t n;
    rt__to_utf8(ctx, -1, &p, &n);
    push_bytes(ctx, p, n);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
    duk_push_string(ctx, "text/plain;charset=UTF-8");
}

/* ---- settling from C ---- */

/* [ ... value ] -> [ ... ]: resolve (ok) or reject the promise held as h, drop the hold. */
static void settle_hold(duk_context *ctx, uint32_t h, int ok)
{
    rt__hold_push(ctx, h);
    duk_swap_top(ctx, -2);
    if (ok)
        rt__promise_resolve(ctx, -2);
    else
        rt__promise_reject(ctx, -2);
    duk_pop(ctx);
    rt__hold_drop(ctx, h);
}

/* [ ... ] -> [ ... err ]: TypeError(message) */
static void push_type_error(duk_context *ctx, const char *msg)
{
    duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "%s", msg);
}

/* [ ... ] -> [ ... promise ]: a promise rejected with TypeError(msg). */
static void push_rejected(duk_context *ctx, const char *msg)
{
    rt__promise_new(ctx);
    push_type_error(ctx, msg);
    rt__promise_reject(ctx, -2);
}

/* [ ... ] -> [ ... type ]: the Content-Type (combined, as Headers.get gives it) of the
   owner, or null. */
static void push_content_type(duk_context *ctx, const rt__owner *o)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__response_state *rs = rt__state(ctx, o->idx, fc->res_key[RSS_STATE]);
    if (rs) {
        rt__dx_slot_get(ctx, o->idx, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
        if (duk_is_undefined(ctx, -1) && rs->hl_off) {   /* a network response's block */
            duk_pop(ctx);
            rt__hl_push_get(ctx, (const rt__hl *)((const char *)rs + rs->hl_off), "content-type", 12);
            return;
        }
    } else {
        rt__dx_slot_get(ctx, o->idx, RQS_HEADERS, fc->req_key[RQS_HEADERS]);
    }
    rt__hl *h = rt__headers_of(ctx, -1);
    if (h)
        rt__hl_push_get(ctx, h, "content-type", 12);
    else
        duk_push_null(ctx);
    duk_remove(ctx, -2);
}

/* [ ... ] -> [ ... blob ]: blob()'s result from the bytes in the plain buffer at buf: its type
   is the body's MIME type, serialized ("" when there is none), then as a Blob's type is. */
static void push_blob(duk_context *ctx, duk_idx_t buf, duk_idx_t type)
{
    buf = duk_normalize_index(ctx, buf);
    duk_push_string(ctx, "");
    if (type != DUK_INVALID_INDEX && duk_is_string(ctx, type)) {
        size_t tl;
        const char *t = rt__to_bytestring(ctx, type, &tl);
        rt__mime m;
        int r = t ? rt__mime_extract(t, tl, &m) : RT_EINVAL;
        duk_pop(ctx);
        char *ser = NULL;
        size_t sl = 0;
        if (r == 0) {
            r = rt__mime_serialize(&m, &ser, &sl);
            rt__mime_free(&m);
        }
        if (r == RT_ENOMEM)
            (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        if (ser) {
            duk_pop(ctx);
            duk_push_lstring(ctx, ser, sl);
            rt__free(ser);
        }
    }
    duk_size_t tl, n;
    const char *t = duk_get_lstring(ctx, -1, &tl);
    duk_get_buffer_data(ctx, buf, &n);
    rt__blob_push_new(ctx, buf, 0, n, t, tl);
    duk_remove(ctx, -2);
}

/* [ ... ] -> [ ... result ]: the consumer's result from contiguous-or-not bytes; blob() and
   formData() read the Content-Type at type (DUK_INVALID_INDEX: none). For WAIT_JSON and
   WAIT_FORMDATA the parse may throw (the caller runs this in a safe call). */
static void push_result(duk_context *ctx, int how, const uint8_t *const *parts, const size_t *lens,
                        size_t nparts, duk_idx_t type)
{
    if (how == WAIT_TEXT || how == WAIT_JSON) {
        rt__push_utf8_parts(ctx, parts, lens, nparts, 1);
        if (how == WAIT_JSON)
            duk_json_decode(ctx, -1);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++)
        total += lens[i];
    if (how == WAIT_RAW || how == WAIT_BLOB || how == WAIT_FORMDATA) {
        /* one plain buffer: Blobs and the Files of a FormData share it */
        uint8_t *r = rt__push_filled_buffer(ctx, total);
        for (size_t i = 0, at = 0; i < nparts; at += lens[i], i++)
            if (lens[i])
                memcpy(r + at, parts[i], lens[i]);
        if (how == WAIT_BLOB) {
            push_blob(ctx, -1, type);
            duk_remove(ctx, -2);
        } else if (how == WAIT_FORMDATA) {
            duk_idx_t buf = duk_get_top_index(ctx);
            if (type == DUK_INVALID_INDEX) {
                duk_push_undefined(ctx);
                type = buf + 1;
            }
            rt__formdata_parse(ctx, buf, type);
            duk_replace(ctx, buf);
            duk_set_top(ctx, buf + 1);
        }
        return;
    }
    uint8_t *d = rt__push_filled_buffer(ctx, total ? total : 1);
    size_t at = 0;
    for (size_t i = 0; i < nparts; i++) {
        memcpy(d + at, parts[i], lens[i]);
        at += lens[i];
    }
    duk_push_buffer_object(ctx, -1, 0, total,
                           how == WAIT_BYTES ? DUK_BUFOBJ_UINT8ARRAY : DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
}

typedef struct result_args {
    int how;
    const uint8_t *const *parts;
    const size_t *lens;
    size_t nparts;
    duk_idx_t type;
} result_args;

static duk_ret_t result_safe(duk_context *ctx, void *ud)
{
    result_args *a = ud;
    push_result(ctx, a->how, a->parts, a->lens, a->nparts, a->type);
    return 1;
}

/* [ ... ] -> [ ... result ] returning 1, or [ ... error ] returning 0. */
static int make_result(duk_context *ctx, int how, const uint8_t *const *parts, const size_t *lens,
                       size_t nparts, duk_idx_t type)
{
    result_args a = {how, parts, lens, nparts, type};
    return duk_safe_call(ctx, result_safe, &a, 0, 1) == DUK_EXEC_SUCCESS;
}

/* The pieces of a bytes body (BK_BYTES: one buffer; BK_PARTS: an Array of them) at idx, as
   pointers valid while that value lives. Up to 8 in the struct itself. */
typedef struct pieces {
    const uint8_t **p;
    size_t *len;
    size_t n;
    const uint8_t *sp[8];
    size_t sl[8];
} pieces;

static void pieces_free(pieces *pc)
{
    if (pc->p != pc->sp)
        rt__free(pc->p);
    if (pc->len != pc->sl)
        rt__free(pc->len);
}

/* 0, or RT_ENOMEM (nothing to free). */
static int pieces_of(duk_context *ctx, duk_idx_t idx, pieces *pc)
{
    pc->p = pc->sp;
    pc->len = pc->sl;
    pc->n = duk_is_array(ctx, idx) ? duk_get_length(ctx, idx) : 1;
    if (pc->n > 8) {
        pc->p = rt__malloc(pc->n * sizeof *pc->p);
        pc->len = rt__malloc(pc->n * sizeof *pc->len);
        if (!pc->p || !pc->len) {
            rt__free(pc->p);
            rt__free(pc->len);
            return RT_ENOMEM;
        }
    }
    idx = duk_normalize_index(ctx, idx);
    int array = duk_is_array(ctx, idx);
    for (size_t i = 0; i < pc->n; i++) {
        if (array)
            duk_get_prop_index(ctx, idx, (duk_uarridx_t)i);   /* the Array keeps it alive */
        else
            duk_dup(ctx, idx);
        duk_size_t n = 0;
        const uint8_t *p = duk_get_buffer_data(ctx, -1, &n);
        pc->p[i] = p ? p : (const uint8_t *)"";
        pc->len[i] = p ? n : 0;
        duk_pop(ctx);
    }
    return 0;
}

/* ---- network branches ---- */

rt__branch *rt__branch_new(struct rt__fx *fx)
{
    rt__branch *b = rt__calloc(1, sizeof *b);
    if (b)
        b->fx = fx;
    return b;
}

static void drop_pieces(rt__branch *b)
{
    for (size_t i = b->qhead; i < b->qlen; i++)
        rt__chunk_unref(b->q[i].chunk);
    b->qhead = b->qlen = 0;
    b->queued = 0;
}

/* The Response at the owner no longer needs a finalizer for b (it holds nothing). */
static void release_fin(duk_context *ctx, rt__branch *b)
{
    if (!b->fin || !b->owner)
        return;
    b->fin = 0;
    duk_push_heapptr(ctx, b->owner);
    duk_push_undefined(ctx);
    duk_set_finalizer(ctx, -2);
    duk_pop(ctx);
}

static void reap_later(duk_context *ctx, rt__branch *b)
{
    if (b->reaping)
        return;
    struct rt__fetchcls *fc = rt__fc(ctx);
    b->reaping = 1;
    b->reap_next = fc->reap;
    fc->reap = b;
}

void rt__branch_free(duk_context *ctx, rt__branch *b)
{
    if (!b || b->dead)
        return;
    drop_pieces(b);
    rt__free(b->q);
    b->q = NULL;
    b->qcap = 0;
    if (!ctx) {                            /* rt_free: the heap is gone, nothing points at b */
        rt__free(b);
        return;
    }
    uint32_t h = b->wait_hold;
    b->wait_hold = 0;
    b->wait = WAIT_NONE;
    b->dead = 1;
    b->fx = NULL;
    reap_later(ctx, b);
    if (!rt__rt_of(ctx)->destroying)
        rt__hold_drop(ctx, h);
}

/* b is done with: its Response forgets it (it keeps the body's flags) and b is freed. */
static void branch_retire(duk_context *ctx, rt__branch *b)
{
    release_fin(ctx, b);
    if (b->owner) {
        duk_push_heapptr(ctx, b->owner);
        rt__response_state *rs = rt__state(ctx, -1, rt__fc(ctx)->res_key[RSS_STATE]);
        if (rs && rs->body.br == b)
            rs->body.br = NULL;
        duk_pop(ctx);
    }
    if (b->fx)
        rt__fx_branch_gone(ctx, b->fx, b);
    rt__branch_free(ctx, b);
}

static void flow(rt__branch *b)
{
    int whole = b->wait != WAIT_NONE && b->wait != WAIT_READ;   /* text(), blob()... */
    int want_pause = !whole && b->queued > HWM;
    int want_resume = b->paused && (b->wait != WAIT_NONE || b->queued <= HWM / 2);
    if (want_pause && !b->paused) {
        b->paused = 1;
        if (b->fx)
            rt__fx_flow(b->fx);
    } else if (want_resume) {
        b->paused = 0;
        if (b->fx)
            rt__fx_flow(b->fx);
    }
}

/* [ ... ] -> [ ... {value, done} ] */
static void push_read_result(duk_context *ctx, int value_on_stack, int done)
{
    /* no prototype: settling native.bodyRead's promise with it must not find a `then` a
       script planted on Object.prototype (WPT response-stream-with-broken-then) */
    duk_push_bare_object(ctx);
    if (value_on_stack) {
        duk_swap_top(ctx, -2);
        duk_put_prop_string(ctx, -2, "value");
    } else {
        duk_push_undefined(ctx);
        duk_put_prop_string(ctx, -2, "value");
    }
    duk_push_boolean(ctx, done);
    duk_put_prop_string(ctx, -2, "done");
}

/* [ ... ] -> [ ... Uint8Array ] of the next piece (taken off the queue). */
static void push_next_piece(duk_context *ctx, rt__branch *b)
{
    rt__piece *p = &b->q[b->qhead++];
    uint8_t *d = rt__push_filled_buffer(ctx, p->len ? p->len : 1);
    memcpy(d, p->data, p->len);
    duk_push_buffer_object(ctx, -1, 0, p->len, DUK_BUFOBJ_UINT8ARRAY);
    duk_remove(ctx, -2);
    b->queued -= p->len;
    rt__chunk_unref(p->chunk);
    if (b->qhead == b->qlen)
        b->qhead = b->qlen = 0;
}

/* A consumer waiting on b gets its result (b ended) or its error. */
static void settle_consumer(duk_context *ctx, rt__branch *b)
{
    int how = b->wait;
    uint32_t h = b->wait_hold;
    b->wait = WAIT_NONE;
    b->wait_hold = 0;
    if (b->err) {
        rt__branch_push_error(ctx, b);
        settle_hold(ctx, h, 0);
        return;
    }
    size_t n = b->qlen - b->qhead;
    const uint8_t *small_p[16];
    size_t small_l[16];
    const uint8_t **parts = n <= 16 ? small_p : rt__malloc(n * sizeof *parts);
    size_t *lens = n <= 16 ? small_l : rt__malloc(n * sizeof *lens);
    if (!parts || !lens) {
        if (parts != small_p)
            rt__free(parts);
        if (lens != small_l)
            rt__free(lens);
        drop_pieces(b);                    /* consumed either way: nothing reads them again */
        duk_push_error_object(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        settle_hold(ctx, h, 0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        parts[i] = b->q[b->qhead + i].data;
        lens[i] = b->q[b->qhead + i].len;
    }
    duk_idx_t type = DUK_INVALID_INDEX;
    if (how == WAIT_BLOB || how == WAIT_FORMDATA) {
        /* the Content-Type it was asked with rides on the promise (rt__body_consume) */
        rt__hold_push(ctx, h);
        duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("type"));
        duk_remove(ctx, -2);
        type = duk_get_top_index(ctx);
    }
    int ok = make_result(ctx, how, parts, lens, n, type);
    if (type != DUK_INVALID_INDEX)
        duk_remove(ctx, type);
    if (parts != small_p)
        rt__free(parts);
    if (lens != small_l)
        rt__free(lens);
    drop_pieces(b);
    settle_hold(ctx, h, ok);
}

void rt__branch_data(duk_context *ctx, rt__branch *b, struct rt__chunk *chunk,
                     const uint8_t *p, size_t n)
{
    if (b->dead || b->ended || b->err || !n)
        return;
    if (b->wait == WAIT_READ && b->qhead == b->qlen) {
        /* a reader waits: this chunk is its value, no queueing */
        uint8_t *d = rt__push_filled_buffer(ctx, n);
        memcpy(d, p, n);
        duk_push_buffer_object(ctx, -1, 0, n, DUK_BUFOBJ_UINT8ARRAY);
        duk_remove(ctx, -2);
        push_read_result(ctx, 1, 0);
        uint32_t h = b->wait_hold;
        b->wait = WAIT_NONE;
        b->wait_hold = 0;
        settle_hold(ctx, h, 1);
        return;
    }
    if (b->qlen == b->qcap) {
        if (b->qhead) {                    /* slide down before growing */
            memmove(b->q, b->q + b->qhead, (b->qlen - b->qhead) * sizeof *b->q);
            b->qlen -= b->qhead;
            b->qhead = 0;
        }
        if (b->qlen == b->qcap) {
            size_t cap = b->qcap ? b->qcap * 2 : 8;
            rt__piece *q = rt__realloc(b->q, cap * sizeof *q);
            if (!q) {
                duk_push_error_object(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
                rt__branch_fail(ctx, b, RT_ENOMEM);
                return;
            }
            b->q = q;
            b->qcap = cap;
        }
    }
    rt__chunk_ref(chunk);
    b->q[b->qlen].chunk = chunk;
    b->q[b->qlen].data = p;
    b->q[b->qlen].len = n;
    b->qlen++;
    b->queued += n;
    flow(b);
}

void rt__branch_end(duk_context *ctx, rt__branch *b)
{
    if (b->dead || b->ended)
        return;
    b->ended = 1;
    b->fx = NULL;                          /* the exchange is over for this branch */
    if (b->wait == WAIT_READ) {
        if (b->qhead == b->qlen) {
            push_read_result(ctx, 0, 1);
            uint32_t h = b->wait_hold;
            b->wait = WAIT_NONE;
            b->wait_hold = 0;
            settle_hold(ctx, h, 1);
        }
    } else if (b->wait != WAIT_NONE) {
        settle_consumer(ctx, b);
    }
    if (b->wait == WAIT_NONE && b->qhead == b->qlen)
        branch_retire(ctx, b);             /* nothing left to give: no finalizer needed */
}

void rt__branch_push_error(duk_context *ctx, rt__branch *b)
{
    if (!b->owner) {
        duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "terminated");
        return;
    }
    duk_push_heapptr(ctx, b->owner);
    rt__dx_slot_get(ctx, -1, RSS_ERROR, rt__fc(ctx)->res_key[RSS_ERROR]);
    duk_remove(ctx, -2);
}

void rt__branch_fail(duk_context *ctx, rt__branch *b, int err)
{
    /* [ ... reason ] */
    if (b->dead || b->ended || b->err) {
        duk_pop(ctx);
        return;
    }
    b->err = err ? err : RT_EIO;
    if (b->fx)                             /* the exchange feeds it no more */
        rt__fx_branch_gone(ctx, b->fx, b);
    drop_pieces(b);
    if (b->wait != WAIT_NONE) {
        uint32_t h = b->wait_hold;
        b->wait = WAIT_NONE;
        b->wait_hold = 0;
        duk_dup_top(ctx);
        settle_hold(ctx, h, 0);
    }
    if (b->owner) {
        duk_push_heapptr(ctx, b->owner);
        duk_swap_top(ctx, -2);
        rt__dx_slot_put(ctx, -2, RSS_ERROR, rt__fc(ctx)->res_key[RSS_ERROR]);
    }
    duk_pop(ctx);
    /* the error stays (a hold) until the Response dies: its finalizer frees b */
    if (!b->owner)
        rt__branch_free(ctx, b);           /* an orphan: its Response died while read */
}

/* The Response's finalizer: it is garbage; its branch goes at the next reap. */
static duk_ret_t branch_finalizer(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    rt__response_state *rs = rt__state(ctx, 0, rt__fc(ctx)->res_key[RSS_STATE]);
    if (!rs || !rs->body.br)
        return 0;
    rt__branch *b = rs->body.br;
    rs->body.br = NULL;
    b->owner = NULL;
    b->fin = 0;
    if (rt->destroying) {
        if (b->fx)                         /* rt__fetch_free frees the exchange after */
            rt__fx_branch_unlink(b->fx, b);
        if (!b->reaping)                   /* else rt__body_free_reaped frees it */
            rt__branch_free(NULL, b);
        return 0;
    }
    reap_later(ctx, b);
    return 0;
}

static duk_ret_t reap_safe(duk_context *ctx, void *ud)
{
    struct rt__fetchcls *fc = ud;
    while (fc->reap) {
        rt__branch *b = fc->reap;
        fc->reap = b->reap_next;
        b->reaping = 0;
        if (!b->dead) {                    /* its Response died */
            if (b->wait != WAIT_NONE && b->fx && !b->ended && !b->err)
                continue;                  /* text() and the like outlive their Response:
                                              the exchange finishes it, then it is freed */
            if (b->fx)
                rt__fx_branch_gone(ctx, b->fx, b);
            rt__branch_free(ctx, b);       /* back on the list, dead: freed below */
            continue;
        }
        rt__free(b);
    }
    return 0;
}

void rt__body_reap(rt_runtime *rt)
{
    struct rt__fetchcls *fc = rt->fc;
    if (!fc || !fc->reap || fc->reaping_now || rt->destroying)
        return;
    fc->reaping_now = 1;
    while (fc->reap) {                     /* on failure (out of memory) try what is left */
        if (duk_safe_call(rt->ctx, reap_safe, fc, 0, 1) == DUK_EXEC_SUCCESS) {
            duk_pop(rt->ctx);
            break;
        }
        duk_pop(rt->ctx);
    }
    fc->reaping_now = 0;
}

void rt__body_free_reaped(rt_runtime *rt)
{
    struct rt__fetchcls *fc = rt->fc;
    while (fc && fc->reap) {
        rt__branch *b = fc->reap;
        fc->reap = b->reap_next;
        if (b->fx)
            rt__fx_branch_unlink(b->fx, b);
        rt__branch_free(NULL, b);
    }
}

void rt__branch_adopt(duk_context *ctx, duk_idx_t idx, rt__branch *b)
{
    idx = duk_normalize_index(ctx, idx);
    b->owner = duk_get_heapptr(ctx, idx);
    b->fin = 1;
    duk_push_heapptr(ctx, rt__fc(ctx)->finalizer);   /* one function for every Response */
    duk_set_finalizer(ctx, idx);
}

/* ---- the consumers ---- */

static int unusable(duk_context *ctx, rt__owner *o)
{
    if (o->body->flags & (BF_DISTURBED | BF_LOCKED))
        return 1;
    if (o->body->kind == BK_STREAM) {
        push_native(ctx, "streamUnusable");
        rt__dx_slot_get(ctx, o->idx, o->stream_slot, o->stream_key);
        duk_call(ctx, 1);
        int r = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        return r;
    }
    return 0;
}

/* native.readAll(stream, done, failed) ended: done([ bytes ]) settles the consumer's promise
   (the function's "promise") with its result (magic: how); failed([ error ]) rejects it. */
static duk_ret_t stream_read_done(duk_context *ctx)
{
    int how = duk_get_current_magic(ctx);
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("type"));      /* 2: blob(), formData() */
    duk_get_prop_string(ctx, 1, DUK_HIDDEN_SYMBOL("promise"));    /* 3 */
    duk_size_t n = 0;
    const uint8_t *p = duk_get_buffer_data(ctx, 0, &n);
    if (make_result(ctx, how, &p, &n, 1, 2))
        rt__promise_resolve(ctx, 3);
    else
        rt__promise_reject(ctx, 3);
    return 0;
}

static duk_ret_t stream_read_failed(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("promise"));
    duk_dup(ctx, 0);
    rt__promise_reject(ctx, -2);
    return 0;
}

/* [ ... ] -> [ ... promise ]: consume the body of o; type: the Content-Type for blob() and
   formData() (DUK_INVALID_INDEX for the others). */
static void consume(duk_context *ctx, rt__owner *o, int how, duk_idx_t type)
{
    duk_idx_t idx = o->idx;
    rt__body *body = o->body;
    if (unusable(ctx, o)) {
        push_rejected(ctx, "Body is unusable: Body has already been read");
        return;
    }
    if (body->kind == BK_NULL) {
        /* an empty body, and it stays unused */
        rt__promise_new(ctx);
        if (make_result(ctx, how, NULL, NULL, 0, type))
            rt__promise_resolve(ctx, -2);
        else
            rt__promise_reject(ctx, -2);
        return;
    }
    body->flags |= BF_DISTURBED | BF_LOCKED;
    if (body->kind == BK_BYTES || body->kind == BK_PARTS) {
        rt__dx_slot_get(ctx, idx, o->body_slot, o->body_key);
        rt__promise_new(ctx);
        pieces pc;
        int ok = 0;
        if (pieces_of(ctx, -2, &pc) == 0) {
            ok = make_result(ctx, how, pc.p, pc.len, pc.n, type);
            pieces_free(&pc);
        } else {
            duk_push_error_object(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        }
        if (ok)
            rt__promise_resolve(ctx, -2);
        else
            rt__promise_reject(ctx, -2);
        duk_remove(ctx, -2);
        return;
    }
    if (body->kind == BK_STREAM) {
        /* a script's stream: read to its end in JavaScript (with callbacks, not a promise
           of the bytes: a `then` on Object.prototype must not see them), finish here */
        rt__promise_new(ctx);              /* [ ... promise ] */
        push_native(ctx, "readAll");
        rt__dx_slot_get(ctx, idx, o->stream_slot, o->stream_key);
        rt__dx_push_function(ctx, stream_read_done, 1, how, 1, "", 0, NULL, 0);
        duk_dup(ctx, -4);
        duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("promise"));
        if (type != DUK_INVALID_INDEX) {
            duk_dup(ctx, type);
            duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("type"));
        }
        rt__dx_push_function(ctx, stream_read_failed, 1, 0, 1, "", 0, NULL, 0);
        duk_dup(ctx, -5);
        duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("promise"));
        if (duk_pcall(ctx, 3) != DUK_EXEC_SUCCESS)
            rt__promise_reject(ctx, -2);   /* [ ... promise error ] */
        else
            duk_pop(ctx);
        return;
    }
    rt__branch *b = body->br;
    rt__promise_new(ctx);
    if (!b) {                              /* taken already (cannot happen: disturbed) */
        push_type_error(ctx, "Body is unusable: Body has already been read");
        rt__promise_reject(ctx, -2);
        return;
    }
    if (b->err) {
        rt__branch_push_error(ctx, b);
        rt__promise_reject(ctx, -2);
        return;
    }
    if (type != DUK_INVALID_INDEX) {       /* for settle_consumer, with the promise */
        duk_dup(ctx, type);
        duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("type"));
    }
    duk_dup_top(ctx);
    b->wait_hold = rt__hold(ctx);
    b->wait = (uint8_t)how;
    if (b->ended) {
        settle_consumer(ctx, b);
        branch_retire(ctx, b);
        return;
    }
    flow(b);                               /* a whole-body read takes everything: resume */
}

void rt__body_consume(duk_context *ctx, duk_idx_t idx, int how)
{
    rt__owner o;
    idx = duk_normalize_index(ctx, idx);
    if (!rt__owner_of(ctx, idx, &o))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Illegal invocation: not a Request or Response");
    if (how != WAIT_BLOB && how != WAIT_FORMDATA) {
        consume(ctx, &o, how, DUK_INVALID_INDEX);
        return;
    }
    /* blob(), formData(): the MIME type is the Content-Type as it is now */
    push_content_type(ctx, &o);
    consume(ctx, &o, how, duk_get_top_index(ctx));
    duk_remove(ctx, -2);
}

int rt__body_used(duk_context *ctx, duk_idx_t idx)
{
    rt__owner o;
    if (!rt__owner_of(ctx, idx, &o) || o.body->kind == BK_NULL)
        return 0;
    if (o.body->kind == BK_STREAM && !(o.body->flags & BF_DISTURBED)) {
        push_native(ctx, "streamDisturbed");
        rt__dx_slot_get(ctx, o.idx, o.stream_slot, o.stream_key);
        duk_call(ctx, 1);
        int r = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        return r;
    }
    return (o.body->flags & BF_DISTURBED) != 0;
}

void rt__body_push_stream(duk_context *ctx, duk_idx_t idx)
{
    rt__owner o;
    idx = duk_normalize_index(ctx, idx);
    if (!rt__owner_of(ctx, idx, &o) || o.body->kind == BK_NULL) {
        duk_push_null(ctx);
        return;
    }
    if (o.body->kind == BK_STREAM || (o.body->flags & BF_STREAM_MADE)) {
        rt__dx_slot_get(ctx, idx, o.stream_slot, o.stream_key);
        return;
    }
    /* a stream over the C body: lib/engine/js/40-streams.js */
    push_native(ctx, "bodyStream");
    duk_dup(ctx, idx);
    duk_call(ctx, 1);
    rt__owner_of(ctx, idx, &o);            /* the state may not move, but be safe */
    o.body->flags |= BF_STREAM_MADE;
    duk_dup_top(ctx);
    rt__dx_slot_put(ctx, idx, o.stream_slot, o.stream_key);
}

/* ---- the streams layer's natives: reading a bytes or network body ---- */

static rt__body *arg_body(duk_context *ctx, rt__owner *o)
{
    if (!rt__owner_of(ctx, 0, o))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "not a body owner");
    return o->body;
}

/* native.bodyRead(owner) -> promise of {value, done} */
static duk_ret_t js_body_read(duk_context *ctx)
{
    rt__owner o;
    rt__body *body = arg_body(ctx, &o);
    body->flags |= BF_DISTURBED;
    rt__promise_new(ctx);
    duk_idx_t pidx = duk_get_top_index(ctx);
    if (body->kind == BK_BYTES || body->kind == BK_PARTS) {
        if (body->flags & BF_DRAINED) {
            push_read_result(ctx, 0, 1);
        } else {
            /* the whole body, pieces joined, as one chunk (a copy: the script owns it) */
            body->flags |= BF_DRAINED;
            rt__dx_slot_get(ctx, 0, o.body_slot, o.body_key);
            duk_idx_t v = duk_get_top_index(ctx);
            int array = duk_is_array(ctx, v);
            duk_uarridx_t k = array ? (duk_uarridx_t)duk_get_length(ctx, v) : 1;
            size_t n = 0;
            for (int pass = 0; pass < 2; pass++) {
                uint8_t *d = pass ? rt__push_filled_buffer(ctx, n ? n : 1) : NULL;
                size_t at = 0;
                for (duk_uarridx_t i = 0; i < k; i++) {
                    duk_size_t pl = 0;
                    if (array)
                        duk_get_prop_index(ctx, v, i);
                    const uint8_t *p = duk_get_buffer_data(ctx, array ? -1 : v, &pl);
                    if (d && pl)
                        memcpy(d + at, p, pl);
                    at += pl;
                    if (!pass)
                        n += pl;
                    if (array)
                        duk_pop(ctx);
                }
            }
            duk_push_buffer_object(ctx, -1, 0, n, DUK_BUFOBJ_UINT8ARRAY);
            duk_remove(ctx, -2);
            duk_remove(ctx, -2);
            push_read_result(ctx, 1, n == 0);
        }
        rt__promise_resolve(ctx, pidx);
        return 1;
    }
    rt__branch *b = body->kind == BK_NET ? body->br : NULL;
    if (!b || (body->flags & BF_DRAINED)) {
        push_read_result(ctx, 0, 1);       /* read to the end, or cancelled */
        rt__promise_resolve(ctx, pidx);
        return 1;
    }
    if (b->err) {
        rt__branch_push_error(ctx, b);
        rt__promise_reject(ctx, pidx);
        return 1;
    }
    if (b->wait != WAIT_NONE) {
        push_type_error(ctx, "read() already pending");
        rt__promise_reject(ctx, pidx);
        return 1;
    }
    if (b->qhead < b->qlen) {
        push_next_piece(ctx, b);
        push_read_result(ctx, 1, 0);
        rt__promise_resolve(ctx, pidx);
        flow(b);
        if (b->ended && b->qhead == b->qlen)
            branch_retire(ctx, b);
        return 1;
    }
    if (b->ended) {
        push_read_result(ctx, 0, 1);
        rt__promise_resolve(ctx, pidx);
        branch_retire(ctx, b);
        return 1;
    }
    duk_dup(ctx, pidx);
    b->wait_hold = rt__hold(ctx);
    b->wait = WAIT_READ;
    flow(b);
    return 1;
}

/* native.bodyCancel(owner): nothing more is read; the exchange is let go. */
static duk_ret_t js_body_cancel(duk_context *ctx)
{
    rt__owner o;
    rt__body *body = arg_body(ctx, &o);
    body->flags |= BF_DISTURBED | BF_DRAINED;
    rt__branch *b = body->kind == BK_NET ? body->br : NULL;
    if (b) {
        if (b->wait == WAIT_READ) {
            push_read_result(ctx, 0, 1);
            uint32_t h = b->wait_hold;
            b->wait = WAIT_NONE;
            b->wait_hold = 0;
            settle_hold(ctx, h, 1);
        }
        branch_retire(ctx, b);
    }
    return 0;
}

/* native.bodyFlags(owner[, set, clear]) -> flags (after the change) */
static duk_ret_t js_body_flags(duk_context *ctx)
{
    rt__owner o;
    rt__body *body = arg_body(ctx, &o);
    body->flags = (uint8_t)((body->flags | (unsigned)duk_get_int_default(ctx, 1, 0)) &
                            ~(unsigned)duk_get_int_default(ctx, 2, 0));
    duk_push_int(ctx, body->flags);
    return 1;
}

/* native.promiseNew() -> a pending %Promise% with no resolving functions, and
   native.promiseSettle(p, ok, value): the stream layer's read requests hold the promise
   itself, not an executor closure whose scope kept the promise - and the chunk it was
   fulfilled with - alive until the next mark-and-sweep (a closure is a reference cycle with
   its prototype object): a 100 MiB download ran the collector 30 times. */
static duk_ret_t js_promise_new(duk_context *ctx)
{
    rt__promise_new(ctx);
    return 1;
}

static duk_ret_t js_promise_settle(duk_context *ctx)
{
    int ok = duk_to_boolean(ctx, 1);
    duk_dup(ctx, 2);
    if (ok)
        rt__promise_resolve(ctx, 0);
    else
        rt__promise_reject(ctx, 0);
    return 0;
}

int rt__body_init(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    static const duk_function_list_entry fns[] = {
        {"bodyRead", js_body_read, 1},
        {"bodyCancel", js_body_cancel, 2},
        {"bodyFlags", js_body_flags, 3},
        {"promiseNew", js_promise_new, 0},
        {"promiseSettle", js_promise_settle, 3},
        {NULL, NULL, 0}};
    duk_put_function_list(ctx, -1, fns);
    duk_push_c_function(ctx, branch_finalizer, 1);
    rt__fc(ctx)->finalizer = duk_get_heapptr(ctx, -1);
    rt__keep(ctx, -1);
    duk_pop(ctx);
    duk_push_int(ctx, BF_DISTURBED);
    duk_put_prop_string(ctx, -2, "BF_DISTURBED");
    duk_push_int(ctx, BF_LOCKED);
    duk_put_prop_string(ctx, -2, "BF_LOCKED");
    duk_pop_2(ctx);
    return 0;
}
