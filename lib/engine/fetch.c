/*
 * fetch.c - the C half of fetch(): turns a request spec from the JS layer (lib/engine/js/50-fetch.js)
 * into a serialized HTTP/1.1 request for the backend, receives the backend's events, and
 * hands them to JS one macrotask at a time. Policy that needs JS objects (URL parsing,
 * redirects, Headers, abort, streams) lives in lib/engine/js/; byte-level work lives here.
 *
 * Ownership. Each in-flight exchange is one `struct freq`, allocated here with the backend's
 * per-request state, the serialized head and the host/origin strings in the same block; the
 * request body is a separate block (the one copy of the script's body, taken at fetch()).
 * The backend reads them in place until the terminal event or cancel (runtime_backend.h).
 * JS values that outlive a call (queued events, collect buffers) live in the heap stash:
 *   stash.fetchq      [ [id, type, a, b], ... ]  events not yet dispatched
 *   stash.fetchreqs   { id: pointer }             live requests by id
 *   stash.fetchbufs   { id: dynamic buffer }      bodies collected whole (native.collect)
 *
 * Re-entrancy. emit() runs inside backend->wait(): it only records events (Duktape
 * allocations, no user code). Cancels asked for while inside wait() are deferred to a reap
 * list processed when wait() returns, so the core never calls back into the backend from
 * inside the backend, and never frees memory the backend may still look at.
 *
 * Lifetime of a struct freq: freed when its terminal event ('end' or 'error') has been
 * dispatched to JS, or - if JS cancelled it - at the reap after the backend's cancel().
 * Queued events of a request that no longer exists are skipped, so nothing reaches JS
 * after native.cancel(id).
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "engine.h"

enum {
    F_TERMINAL = 1,                        /* backend done with it (END/ERROR, or cancelled) */
    F_IGNORE = 2,                          /* further backend events are ignored */
    F_DEAD = 4,                            /* cancelled by JS: queued events are skipped and
                                              the memory goes at the next reap */
    F_REAPING = 8                          /* on the reap list */
};

struct freq {
    rt_breq b;                             /* what the backend sees */
    double id;
    unsigned flags;
    uint8_t collecting;                    /* body goes to stash.fetchbufs[id] */
    uint8_t started;                       /* backend->start() accepted it */
    uint64_t body_bytes;                   /* response body bytes received */
    uint64_t max_body;                     /* 0: no limit */
    uint64_t content_length;               /* from the head; UINT64_MAX if none */
    uint64_t collected;                    /* bytes in the collect buffer */
    uint8_t *body;                         /* owned: the request body copy (or NULL) */
    uint8_t decode;                        /* JS asked for Content-Encoding decoding */
    z_stream *z;                           /* owned: gzip/deflate decoder, if decoding */
    struct freq *reap_next;
    struct freq *all_prev, *all_next;      /* every live request, for rt_free */
    struct freq *wait_next;                /* waiting for a connection slot */
    uint8_t waiting;
    struct origin_slot *slot;              /* counted in slot->active while started */
    /* followed by: backend request state, head, host, origin */
};

/* Connections in use per origin, for max_connections_per_origin (one HTTP/1.1 exchange
   holds one connection). Owned by struct rt__fetch; a short list: few origins are live. */
struct origin_slot {
    char *origin;                          /* owned */
    unsigned active;
    struct origin_slot *next;
};

struct rt__fetch {
    double next_id;
    uint64_t in_flight;                    /* live struct freq */
    uint64_t queued;                       /* events in stash.fetchq */
    struct freq *reap;                     /* to cancel (if F_CANCEL) and free */
    struct freq *all;
    /* connection limits, enforced here once for every backend: requests beyond them
       wait (FIFO) instead of failing */
    unsigned active;                       /* started, not yet finished */
    struct origin_slot *slots;
    struct freq *wait_head, *wait_tail;
};

/* ---- stash helpers ---- */

/* [ ... ] -> [ ... stash[key] ] */
static void push_stash_prop(duk_context *ctx, const char *key)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, key);
    duk_remove(ctx, -2);
}

static void forget_id(duk_context *ctx, double id, const char *table)
{
    push_stash_prop(ctx, table);
    duk_push_number(ctx, id);
    duk_del_prop(ctx, -2);
    duk_pop(ctx);
}

static struct freq *lookup_id(duk_context *ctx, double id)
{
    push_stash_prop(ctx, "fetchreqs");
    duk_push_number(ctx, id);
    duk_get_prop(ctx, -2);
    struct freq *q = duk_get_pointer(ctx, -1);
    duk_pop_2(ctx);
    return q;
}

static struct freq *lookup(duk_context *ctx, duk_idx_t idx)
{
    if (!duk_is_number(ctx, idx))
        return NULL;
    double id = duk_get_number(ctx, idx);
    push_stash_prop(ctx, "fetchreqs");
    duk_push_number(ctx, id);
    duk_get_prop(ctx, -2);
    struct freq *q = duk_get_pointer(ctx, -1);
    duk_pop_2(ctx);
    return q;
}

/* ---- the event queue ---- */

/* [ ... a b ] -> [ ... ]: append [id, type, a, b] to stash.fetchq. */
static void queue_event(rt_runtime *rt, double id, const char *type)
{
    duk_context *ctx = rt->ctx;
    push_stash_prop(ctx, "fetchq");
    duk_push_array(ctx);
    duk_push_number(ctx, id);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_string(ctx, type);
    duk_put_prop_index(ctx, -2, 1);
    duk_pull(ctx, -4);                     /* a */
    duk_put_prop_index(ctx, -2, 2);
    duk_pull(ctx, -3);                     /* b */
    duk_put_prop_index(ctx, -2, 3);
    /* [ ... fetchq entry ] */
    duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
    duk_pop(ctx);
    rt->fetch->queued++;
}

static void queue_error(rt_runtime *rt, struct freq *q, int code, const char *msg)
{
    duk_push_string(rt->ctx, rt_err_name(code));
    duk_push_string(rt->ctx, msg && *msg ? msg : rt_strerror(code));
    queue_event(rt, q->id, "error");
    /* host-loop mode: a refusal queued outside the backend needs a turn to be delivered */
    if (rt->host_loop && !rt->in_wait && rt->backend->host_arm)
        rt->backend->host_arm(rt->bstate, 0);
}

/* ---- request memory ---- */

static void free_decoder(struct freq *q)
{
    if (q->z) {
        inflateEnd(q->z);
        rt__free(q->z);
        q->z = NULL;
    }
}

static void unlink_all(struct rt__fetch *f, struct freq *q)
{
    if (q->all_prev)
        q->all_prev->all_next = q->all_next;
    else
        f->all = q->all_next;
    if (q->all_next)
        q->all_next->all_prev = q->all_prev;
}

static void start_waiting(rt_runtime *rt);

static void release_slot(rt_runtime *rt, struct freq *q)
{
    if (q->waiting) {                      /* never started: leave the wait queue */
        struct freq **pp = &rt->fetch->wait_head, *prev = NULL;
        while (*pp && *pp != q) {
            prev = *pp;
            pp = &(*pp)->wait_next;
        }
        if (*pp) {
            *pp = q->wait_next;
            if (rt->fetch->wait_tail == q)
                rt->fetch->wait_tail = prev;
        }
        q->waiting = 0;
    }
    if (q->slot) {
        q->slot->active--;
        rt->fetch->active--;
        q->slot = NULL;
        if (rt->fetch->wait_head && !rt->destroying)
            start_waiting(rt);
    }
}

static void freq_free(rt_runtime *rt, struct freq *q)
{
    release_slot(rt, q);
    if (rt->ctx) {
        forget_id(rt->ctx, q->id, "fetchreqs");
        forget_id(rt->ctx, q->id, "fetchbufs");
    }
    unlink_all(rt->fetch, q);
    rt->fetch->in_flight--;
    free_decoder(q);
    rt__free(q->body);
    rt__free(q);
}

static void reap_later(rt_runtime *rt, struct freq *q)
{
    if (q->flags & F_REAPING)
        return;
    q->flags |= F_REAPING;
    q->reap_next = rt->fetch->reap;
    rt->fetch->reap = q;
}

/* Outside wait(): cancel in the backend what must stop; free what JS cancelled. */
static void reap(rt_runtime *rt)
{
    struct freq *q;
    while ((q = rt->fetch->reap) != NULL) {
        rt->fetch->reap = q->reap_next;
        q->flags &= ~(unsigned)F_REAPING;
        if (q->started && !(q->flags & F_TERMINAL))
            rt->backend->cancel(rt->bstate, &q->b);
        q->flags |= F_TERMINAL;
        if (q->flags & F_DEAD)
            freq_free(rt, q);
    }
}

/* Stop q in the backend now (outside wait) or as soon as wait() returns. */
static void stop_req(rt_runtime *rt, struct freq *q, unsigned flags)
{
    q->flags |= F_IGNORE | flags;
    reap_later(rt, q);
    if (!rt->in_wait)
        reap(rt);
}

/* ---- events from the backend (inside wait(), loop thread) ---- */

static uint64_t parse_u64(const char *s, size_t n)
{
    uint64_t v = 0;
    if (n == 0)
        return UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return UINT64_MAX;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

/* Content-Encoding gzip / x-gzip / deflate: decode with zlib (docs/fetch.md says why zlib).
   Other codings (or several) are passed through as they are, as undici does. */
static void start_decoder(struct freq *q, const char *v, size_t n)
{
    int bits;
    if ((n == 4 && strncasecmp(v, "gzip", 4) == 0) || (n == 6 && strncasecmp(v, "x-gzip", 6) == 0))
        bits = 16 + MAX_WBITS;
    else if (n == 7 && strncasecmp(v, "deflate", 7) == 0)
        bits = MAX_WBITS;                  /* zlib-wrapped; raw deflate detected below */
    else
        return;
    free_decoder(q);
    q->z = rt__calloc(1, sizeof *q->z);
    if (q->z && inflateInit2(q->z, bits) != Z_OK) {
        rt__free(q->z);
        q->z = NULL;
    }
    if (q->z)
        q->z->opaque = (void *)(intptr_t)(bits == MAX_WBITS);   /* 1: deflate, sniff */
}

static void on_head(rt_runtime *rt, struct freq *q, const rt_bevent *ev)
{
    duk_context *ctx = rt->ctx;
    q->content_length = UINT64_MAX;
    duk_push_number(ctx, ev->status);
    duk_push_object(ctx);
    duk_push_lstring(ctx, ev->reason ? ev->reason : "", ev->reason_len);
    duk_put_prop_string(ctx, -2, "statusText");
    duk_push_sprintf(ctx, "1.%d", ev->minor_version);
    duk_put_prop_string(ctx, -2, "httpVersion");
    duk_push_array(ctx);
    for (size_t i = 0; i < ev->num_headers; i++) {
        const rt_http1_header *h = &ev->headers[i];
        duk_push_lstring(ctx, h->name, h->name_len);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)(2 * i));
        duk_push_lstring(ctx, h->value, h->value_len);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)(2 * i + 1));
        if (h->name_len == 14 && strncasecmp(h->name, "content-length", 14) == 0)
            q->content_length = parse_u64(h->value, h->value_len);
        if (q->decode && h->name_len == 16 && strncasecmp(h->name, "content-encoding", 16) == 0)
            start_decoder(q, h->value, h->value_len);
    }
    if (q->z)
        q->content_length = UINT64_MAX;    /* the decoded size is unknown */
    duk_put_prop_string(ctx, -2, "headers");
    queue_event(rt, q->id, "head");
}

/* Append bytes to the collect buffer of q: [ ... ] -> [ ... ]. */
static int collect_bytes(rt_runtime *rt, struct freq *q, const uint8_t *p, size_t n)
{
    duk_context *ctx = rt->ctx;
    push_stash_prop(ctx, "fetchbufs");
    duk_push_number(ctx, q->id);
    duk_get_prop(ctx, -2);
    duk_size_t cap = 0;
    uint8_t *data = duk_get_buffer_data(ctx, -1, &cap);
    if (q->collected + n > cap) {
        duk_size_t want = cap ? cap : 16384;
        while (want < q->collected + n)
            want *= 2;
        data = duk_resize_buffer(ctx, -1, want);
    }
    memcpy(data + q->collected, p, n);
    q->collected += n;
    duk_pop_2(ctx);
    return 0;
}

/* [ ... ] -> [ ... ArrayBuffer ] over the collected bytes (no copy). */
static void push_collected(rt_runtime *rt, struct freq *q)
{
    duk_context *ctx = rt->ctx;
    push_stash_prop(ctx, "fetchbufs");
    duk_push_number(ctx, q->id);
    duk_get_prop(ctx, -2);
    duk_push_buffer_object(ctx, -1, 0, (duk_size_t)q->collected, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

static void deliver(rt_runtime *rt, struct freq *q, const uint8_t *data, size_t len)
{
    duk_context *ctx = rt->ctx;
    if (q->flags & F_IGNORE)
        return;
    q->body_bytes += len;
    if (q->max_body && q->body_bytes > q->max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "response body exceeds the limit of %llu bytes",
                 (unsigned long long)q->max_body);
        queue_error(rt, q, RT_EBODY_TOO_LARGE, msg);
        stop_req(rt, q, 0);
        return;
    }
    if (q->collecting) {
        collect_bytes(rt, q, data, len);
        return;
    }
    void *p = duk_push_fixed_buffer(ctx, len);
    memcpy(p, data, len);
    duk_push_buffer_object(ctx, -1, 0, len, DUK_BUFOBJ_UINT8ARRAY);
    duk_remove(ctx, -2);
    duk_push_undefined(ctx);
    queue_event(rt, q->id, "data");
}

static void decode_failed(rt_runtime *rt, struct freq *q, const char *why)
{
    char msg[160];
    snprintf(msg, sizeof msg, "content decoding failed: %s", why ? why : "invalid data");
    queue_error(rt, q, RT_EDECOMPRESS, msg);
    stop_req(rt, q, 0);
}

static void on_data(rt_runtime *rt, struct freq *q, const uint8_t *data, size_t len)
{
    if (!q->z) {
        deliver(rt, q, data, len);
        return;
    }
    z_stream *z = q->z;
    if (z->opaque && len > 0) {
        /* "deflate" is meant to be zlib-wrapped, but raw deflate is common: sniff it */
        if ((data[0] & 0x0f) != 8 || ((data[0] << 8) | (len > 1 ? data[1] : 0)) % 31 != 0) {
            inflateEnd(z);
            memset(z, 0, sizeof *z);
            if (inflateInit2(z, -MAX_WBITS) != Z_OK) {
                decode_failed(rt, q, "zlib initialisation");
                return;
            }
        }
        z->opaque = NULL;
    }
    uint8_t out[65536];
    z->next_in = (Bytef *)data;
    z->avail_in = (uInt)len;
    while (z->avail_in > 0 && !(q->flags & F_IGNORE)) {
        z->next_out = out;
        z->avail_out = sizeof out;
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            decode_failed(rt, q, z->msg);
            return;
        }
        if (sizeof out - z->avail_out)
            deliver(rt, q, out, sizeof out - z->avail_out);
        if (zr == Z_STREAM_END) {
            if (z->avail_in > 0 && inflateReset(z) == Z_OK)
                continue;                  /* concatenated gzip members */
            break;
        }
        if (zr == Z_BUF_ERROR && z->avail_out != 0)
            break;
    }
}

void rt__fetch_on_event(rt_runtime *rt, rt_breq *req, const rt_bevent *ev)
{
    struct freq *q = req->core_data;
    if (ev->type == RT_EV_END || ev->type == RT_EV_ERROR)
        q->flags |= F_TERMINAL;
    if (q->flags & F_IGNORE)
        return;
    switch (ev->type) {
    case RT_EV_HEAD:
        on_head(rt, q, ev);
        break;
    case RT_EV_DATA:
        on_data(rt, q, ev->data, ev->len);
        break;
    case RT_EV_END:
        duk_push_undefined(rt->ctx);       /* the collected body is attached at dispatch */
        duk_push_undefined(rt->ctx);
        queue_event(rt, q->id, "end");
        break;
    case RT_EV_ERROR:
        queue_error(rt, q, ev->code, ev->message);
        break;
    }
}

/* ---- dispatch to JS (outside wait) ---- */

static duk_ret_t call_dispatcher(duk_context *ctx, void *udata)
{
    (void)udata;
    /* [ ... entry ]: a safe call sees the caller's whole stack */
    duk_idx_t entry = duk_get_top_index(ctx);
    push_stash_prop(ctx, "fetchdispatch");
    for (duk_uarridx_t i = 0; i < 4; i++)
        duk_get_prop_index(ctx, entry, i);
    duk_call(ctx, 4);
    return 0;
}

/* Deliver one queued event: [ ... entry ] -> [ ... ]. */
static void dispatch_one(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    duk_get_prop_index(ctx, -1, 0);
    struct freq *q = lookup(ctx, -1);
    duk_pop(ctx);
    if (!q || (q->flags & F_DEAD)) {
        duk_pop(ctx);                      /* cancelled: nothing reaches JS */
        return;
    }
    duk_get_prop_index(ctx, -1, 1);
    const char *type = duk_get_string(ctx, -1);
    int final = strcmp(type, "end") == 0 || strcmp(type, "error") == 0;
    int data = !final && strcmp(type, "data") == 0;
    int end = final && type[0] == 'e' && type[1] == 'n';
    duk_pop(ctx);
    if (data && q->collecting) {
        /* native.collect() came after this chunk was queued: it joins the collector */
        duk_get_prop_index(ctx, -1, 2);
        duk_size_t len = 0;
        const uint8_t *d = duk_get_buffer_data(ctx, -1, &len);
        if (d && len)
            collect_bytes(rt, q, d, len);
        duk_pop_2(ctx);
        return;
    }
    if (end && q->collecting) {
        push_collected(rt, q);
        duk_put_prop_index(ctx, -2, 2);
    }
    if (duk_safe_call(ctx, call_dispatcher, NULL, 1, 1) != DUK_EXEC_SUCCESS)
        rt__report_uncaught(rt, ctx, -1, "Uncaught");
    duk_pop(ctx);
    if (final) {
        q = lookup_id(ctx, q->id);         /* the dispatcher may have cancelled it */
        if (q) {
            if (q->flags & F_REAPING)
                q->flags |= F_DEAD;        /* the reap frees it after the backend cancel */
            else
                freq_free(rt, q);
        }
    }
    rt__microtask_drain(rt);
    reap(rt);
}

void rt__fetch_dispatch(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    duk_context *ctx = rt->ctx;
    reap(rt);
    while (f->queued && !rt->stop) {
        /* Take the whole queue; events queued meanwhile go to a fresh one, next round. */
        push_stash_prop(ctx, "fetchq");
        duk_push_heap_stash(ctx);
        duk_push_array(ctx);
        duk_put_prop_string(ctx, -2, "fetchq");
        duk_pop(ctx);
        duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
        f->queued -= n;
        for (duk_uarridx_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, -1, i);
            if (rt->stop) {
                duk_pop(ctx);
                continue;
            }
            dispatch_one(rt);
        }
        duk_pop(ctx);
    }
}

int rt__fetch_alive(rt_runtime *rt)
{
    return rt->fetch && (rt->fetch->in_flight > 0 || rt->fetch->queued > 0);
}

int rt__fetch_events_queued(rt_runtime *rt)
{
    return rt->fetch && rt->fetch->queued > 0;
}

uint64_t rt__fetch_in_flight(rt_runtime *rt)
{
    return rt->fetch ? rt->fetch->in_flight : 0;
}

/* ---- bindings: native.request(spec) ---- */

static uint32_t opt_u32(duk_context *ctx, duk_idx_t spec, const char *key, uint32_t def)
{
    duk_get_prop_string(ctx, spec, key);
    double v = duk_is_number(ctx, -1) ? duk_get_number(ctx, -1) : -1;
    duk_pop(ctx);
    if (!(v >= 0))
        return def;
    return v > 4294967295.0 ? 4294967295u : (uint32_t)v;
}

static int opt_bool(duk_context *ctx, duk_idx_t spec, const char *key, int def)
{
    duk_get_prop_string(ctx, spec, key);
    int v = duk_is_undefined(ctx, -1) ? def : (int)duk_to_boolean(ctx, -1);
    duk_pop(ctx);
    return v;
}

static const char *req_string(duk_context *ctx, duk_idx_t spec, const char *key)
{
    duk_get_prop_string(ctx, spec, key);
    if (!duk_is_string(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch spec: '%s' must be a string", key);
    return duk_get_string(ctx, -1);        /* stays on the stack */
}

static struct origin_slot *slot_of(rt_runtime *rt, const char *origin, int create)
{
    for (struct origin_slot *o = rt->fetch->slots; o; o = o->next)
        if (strcmp(o->origin, origin) == 0)
            return o;
    if (!create)
        return NULL;
    struct origin_slot *o = rt__calloc(1, sizeof *o);
    if (!o || !(o->origin = rt__strdup(origin))) {
        rt__free(o);
        return NULL;
    }
    o->next = rt->fetch->slots;
    rt->fetch->slots = o;
    return o;
}

/* May a new exchange to origin start now (runtime and per-origin limits)? */
static int slot_free(rt_runtime *rt, const char *origin)
{
    if (rt->cfg.max_connections && rt->fetch->active >= rt->cfg.max_connections)
        return 0;
    if (!rt->cfg.max_connections_per_origin)
        return 1;
    struct origin_slot *o = slot_of(rt, origin, 0);
    return !o || o->active < rt->cfg.max_connections_per_origin;
}

/* Hand q to the backend; a refusal becomes the request's error event. */
static void start_req(rt_runtime *rt, struct freq *q)
{
    q->slot = slot_of(rt, q->b.origin, 1);
    if (!q->slot) {
        q->flags |= F_TERMINAL | F_IGNORE;
        queue_error(rt, q, RT_ENOMEM, "out of memory");
        return;
    }
    q->slot->active++;
    rt->fetch->active++;
    int r = rt->backend->start(rt->bstate, &q->b);
    if (r == 0) {
        q->started = 1;
        return;
    }
    rt__fail(rt, r, "%s", rt_strerror(r));
    q->flags |= F_TERMINAL | F_IGNORE;
    queue_error(rt, q, r, rt->errmsg);
}

/* A slot freed up: start the waiting requests that fit now, oldest first. */
static void start_waiting(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    struct freq **pp = &f->wait_head, *prev = NULL;
    while (*pp) {
        struct freq *q = *pp;
        if (!slot_free(rt, q->b.origin)) {
            if (rt->cfg.max_connections && f->active >= rt->cfg.max_connections)
                break;                     /* nothing else fits either */
            prev = q;
            pp = &q->wait_next;
            continue;
        }
        *pp = q->wait_next;
        if (f->wait_tail == q)
            f->wait_tail = prev;
        q->waiting = 0;
        q->wait_next = NULL;
        start_req(rt, q);
    }
}

static duk_ret_t js_request(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct rt__fetch *f = rt->fetch;
    if (rt->destroying)
        return duk_error(ctx, DUK_ERR_ERROR, "runtime is shutting down");
    duk_require_object(ctx, 0);
    const char *method = req_string(ctx, 0, "method");
    const char *host = req_string(ctx, 0, "host");
    const char *target = req_string(ctx, 0, "target");
    const char *host_header = req_string(ctx, 0, "hostHeader");
    duk_get_prop_string(ctx, 0, "port");
    double port = duk_get_number_default(ctx, -1, -1);
    duk_pop(ctx);
    if (!(port >= 1 && port <= 65535))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch spec: invalid port");
    int tls = opt_bool(ctx, 0, "tls", 0);

    /* headers: [name, value, ...] */
    duk_get_prop_string(ctx, 0, "headers");
    duk_idx_t hidx = duk_get_top_index(ctx);
    size_t nh = duk_is_array(ctx, hidx) ? duk_get_length(ctx, hidx) / 2 : 0;
    rt_http1_header small[32], *hdrs = small;
    if (nh > 32) {
        hdrs = duk_push_fixed_buffer(ctx, nh * sizeof *hdrs);
    }
    for (size_t i = 0; i < nh; i++) {
        duk_get_prop_index(ctx, hidx, (duk_uarridx_t)(2 * i));
        duk_get_prop_index(ctx, hidx, (duk_uarridx_t)(2 * i + 1));
        duk_size_t nl, vl;
        hdrs[i].name = duk_to_lstring(ctx, -2, &nl);
        hdrs[i].value = duk_to_lstring(ctx, -1, &vl);
        hdrs[i].name_len = nl;
        hdrs[i].value_len = vl;
        /* the strings stay on the value stack until we return */
    }

    /* body: string (UTF-8), buffer or buffer object; one copy taken here */
    duk_get_prop_string(ctx, 0, "body");
    const void *src = NULL;
    duk_size_t blen = 0;
    int has_body = 0;
    if (duk_is_string(ctx, -1)) {
        src = duk_get_lstring(ctx, -1, &blen);
        has_body = 1;
    } else if (duk_is_buffer_data(ctx, -1)) {
        src = duk_get_buffer_data(ctx, -1, &blen);
        has_body = 1;
    } else if (!duk_is_null_or_undefined(ctx, -1)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch spec: unsupported body type");
    }

    /* chunked: a stream body (its length was unknown when the script made it), framed as
       one chunk and the last-chunk; the user's Content-Length / Transfer-Encoding are
       dropped by the serializer either way, so they can never contradict the body */
    int chunked = has_body && opt_bool(ctx, 0, "chunked", 0);
    char chunk_head[20];
    int chunk_head_len = chunked && blen ? snprintf(chunk_head, sizeof chunk_head, "%lx\r\n",
                                                    (unsigned long)blen) : 0;
    static const char chunk_tail[] = "\r\n0\r\n\r\n";
    size_t wire_len = !chunked ? blen
                      : blen ? (size_t)chunk_head_len + blen + sizeof chunk_tail - 1 : 5;
    rt_http1_request hr = {method, target, host_header, hdrs, nh,
                           chunked ? -2 : has_body ? (int64_t)blen : -1};
    size_t head_len = rt_http1_request_size(&hr);
    if (head_len == 0)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "invalid request: method, URL or header contains a forbidden character");
    size_t bsize = (rt->backend->request_size + 15) & ~(size_t)15;
    size_t hostlen = strlen(host);
    char origin[300];
    int olen = snprintf(origin, sizeof origin, "%s://%s:%d", tls ? "https" : "http", host,
                        (int)port);
    if (olen < 0 || (size_t)olen >= sizeof origin)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch spec: host name too long");
    size_t total = sizeof(struct freq) + bsize + head_len + 1 + hostlen + 1 + (size_t)olen + 1;
    struct freq *q = rt__calloc(1, total);
    if (!q)
        return duk_error(ctx, DUK_ERR_ERROR, "out of memory");
    char *p = (char *)(q + 1);
    q->b.backend_data = rt->backend->request_size ? p : NULL;
    p += bsize;
    char *head = p;
    p += head_len + 1;
    if (rt_http1_request_write(&hr, head, head_len + 1) != (ssize_t)head_len) {
        rt__free(q);
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "invalid request head");
    }
    memcpy(p, host, hostlen + 1);
    q->b.host = p;
    p += hostlen + 1;
    memcpy(p, origin, (size_t)olen + 1);
    q->b.origin = p;
    if (has_body && wire_len) {
        q->body = rt__malloc(wire_len);
        if (!q->body) {
            rt__free(q);
            return duk_error(ctx, DUK_ERR_ERROR, "out of memory (request body of %lu bytes)",
                             (unsigned long)blen);
        }
        if (!chunked) {
            memcpy(q->body, src, blen);
        } else if (blen) {
            memcpy(q->body, chunk_head, (size_t)chunk_head_len);
            memcpy(q->body + chunk_head_len, src, blen);
            memcpy(q->body + chunk_head_len + blen, chunk_tail, sizeof chunk_tail - 1);
        } else {
            memcpy(q->body, "0\r\n\r\n", 5);
        }
    }
    q->id = ++f->next_id;
    q->b.port = (uint16_t)port;
    q->b.tls = (uint8_t)tls;
    q->b.is_head = strcmp(method, "HEAD") == 0;
    q->b.reuse = (uint8_t)opt_bool(ctx, 0, "reuse", 1);
    q->b.retry_stale = (uint8_t)opt_bool(ctx, 0, "retry", 0);
    q->b.head = head;
    q->b.head_len = head_len;
    q->b.body = q->body;
    q->b.body_len = wire_len;
    q->b.connect_timeout_ms = opt_u32(ctx, 0, "connectTimeout", rt->cfg.connect_timeout_ms);
    q->b.headers_timeout_ms = opt_u32(ctx, 0, "headersTimeout", rt->cfg.headers_timeout_ms);
    q->b.body_timeout_ms = opt_u32(ctx, 0, "bodyTimeout", rt->cfg.body_timeout_ms);
    q->b.limits.max_header_bytes = opt_u32(ctx, 0, "maxHeaderBytes", rt->cfg.max_header_bytes);
    q->b.limits.max_header_count = opt_u32(ctx, 0, "maxHeaderCount", rt->cfg.max_header_count);
    duk_get_prop_string(ctx, 0, "maxBodyBytes");
    q->max_body = duk_is_number(ctx, -1) && duk_get_number(ctx, -1) >= 0
                      ? (uint64_t)duk_get_number(ctx, -1)
                      : rt->cfg.max_body_bytes;
    duk_pop(ctx);
    q->b.insecure = (uint8_t)rt->cfg.insecure;
    q->decode = (uint8_t)opt_bool(ctx, 0, "decode", 0);
    q->b.core_data = q;
    q->content_length = UINT64_MAX;

    /* register: stash.fetchreqs[id] = pointer; list of all */
    push_stash_prop(ctx, "fetchreqs");
    duk_push_number(ctx, q->id);
    duk_push_pointer(ctx, q);
    duk_put_prop(ctx, -3);
    duk_pop(ctx);
    q->all_next = f->all;
    if (f->all)
        f->all->all_prev = q;
    f->all = q;
    f->in_flight++;

    if (tls && !rt->cfg.insecure) {
        int r = rt__tls_trust_get(rt, &q->b.trust);
        if (r < 0) {
            q->flags |= F_TERMINAL | F_IGNORE;
            queue_error(rt, q, r, rt->errmsg);
            duk_push_number(ctx, q->id);
            return 1;
        }
    }
    if (slot_free(rt, q->b.origin)) {
        start_req(rt, q);
    } else {
        q->waiting = 1;                    /* over a connection limit: wait, do not fail */
        if (f->wait_tail)
            f->wait_tail->wait_next = q;
        else
            f->wait_head = q;
        f->wait_tail = q;
    }
    duk_push_number(ctx, q->id);
    return 1;
}

/* native.cancel(id) */
static duk_ret_t js_cancel(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct freq *q = lookup(ctx, 0);
    if (q && !(q->flags & F_DEAD) && !rt->destroying)
        stop_req(rt, q, F_DEAD);
    return 0;
}

/* native.pause(id) / native.resume(id) */
static duk_ret_t flow(duk_context *ctx, int pause)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct freq *q = lookup(ctx, 0);
    if (!q || (q->flags & (F_IGNORE | F_TERMINAL)) || !q->started || rt->destroying)
        return 0;
    if (pause && rt->backend->pause)
        rt->backend->pause(rt->bstate, &q->b);
    else if (!pause && rt->backend->resume)
        rt->backend->resume(rt->bstate, &q->b);
    return 0;
}

static duk_ret_t js_pause(duk_context *ctx) { return flow(ctx, 1); }
static duk_ret_t js_resume(duk_context *ctx) { return flow(ctx, 0); }

/* native.collect(id, chunks): from now on the body accumulates in one buffer (queued
   'data' events of this id join it at dispatch; the 'end' event carries it). */
static duk_ret_t js_collect(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    double id = duk_require_number(ctx, 0);
    struct freq *q = lookup(ctx, 0);
    if (!q || q->collecting)
        return 0;
    size_t cap = q->content_length != UINT64_MAX && q->content_length < ((uint64_t)1 << 40)
                     ? (size_t)q->content_length
                     : 16384;
    push_stash_prop(ctx, "fetchbufs");
    duk_push_number(ctx, id);
    duk_push_dynamic_buffer(ctx, cap ? cap : 1);
    duk_put_prop(ctx, -3);
    duk_pop(ctx);
    q->collecting = 1;
    /* chunks the JS layer already holds */
    if (duk_is_array(ctx, 1)) {
        duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, 1);
        for (duk_uarridx_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, 1, i);
            duk_size_t len = 0;
            const uint8_t *d = duk_get_buffer_data(ctx, -1, &len);
            if (d && len)
                collect_bytes(rt, q, d, len);
            duk_pop(ctx);
        }
    }
    return 0;
}

/* native.setDispatcher(fn) */
static duk_ret_t js_set_dispatcher(duk_context *ctx)
{
    duk_require_function(ctx, 0);
    duk_push_heap_stash(ctx);
    duk_dup(ctx, 0);
    duk_put_prop_string(ctx, -2, "fetchdispatch");
    return 0;
}

/* native.errorMessage(name) */
static duk_ret_t js_error_message(duk_context *ctx)
{
    const char *name = duk_require_string(ctx, 0);
    for (int c = -1; c > RT_E__LAST; c--)
        if (strcmp(rt_err_name(c), name) == 0) {
            duk_push_string(ctx, rt_strerror(c));
            return 1;
        }
    duk_push_string(ctx, name);
    return 1;
}

int rt__fetch_init(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    rt->fetch = rt__calloc(1, sizeof *rt->fetch);
    if (!rt->fetch)
        return RT_ENOMEM;
    duk_push_heap_stash(ctx);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "fetchq");
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, "fetchreqs");
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, "fetchbufs");
    static const duk_function_list_entry fns[] = {
        {"request", js_request, 1},
        {"cancel", js_cancel, 1},
        {"pause", js_pause, 1},
        {"resume", js_resume, 1},
        {"collect", js_collect, 2},
        {"setDispatcher", js_set_dispatcher, 1},
        {"errorMessage", js_error_message, 1},
        {NULL, NULL, 0}};
    duk_get_prop_string(ctx, -1, "native");
    duk_put_function_list(ctx, -1, fns);
    duk_pop_2(ctx);
    return 0;
}

/* rt_free, step 1 (heap and backend alive, not inside wait): cancel everything. */
void rt__fetch_free(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    if (!f)
        return;
    for (struct freq *q = f->all; q; q = q->all_next) {
        q->flags |= F_IGNORE | F_DEAD;
        if (q->started && !(q->flags & F_TERMINAL)) {
            rt->backend->cancel(rt->bstate, &q->b);
            q->flags |= F_TERMINAL;
        }
    }
}

/* rt_free, last step (backend and heap gone): free the request memory. */
void rt__fetch_release(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    if (!f)
        return;
    while (f->slots) {
        struct origin_slot *o = f->slots;
        f->slots = o->next;
        rt__free(o->origin);
        rt__free(o);
    }
    while (f->all) {
        struct freq *q = f->all;
        f->all = q->all_next;
        free_decoder(q);
        rt__free(q->body);
        rt__free(q);
    }
    rt__free(f);
    rt->fetch = NULL;
}
