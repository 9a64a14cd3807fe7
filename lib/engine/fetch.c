/*
 * fetch.c - the bindings between the JavaScript fetch layer (lib/engine/js/50-fetch.js) and
 * the network side's HTTP client (lib/net/client.h): native.request(spec) turns a request
 * spec into an rt__req_spec (the body copied once, into memory the client owns) and starts
 * it; the client's events come back on the loop thread, from rt__net_dispatch, and are
 * handed to the JS dispatcher one macrotask each (a microtask drain after each), except body
 * bytes of a body being read whole (native.collect), which go straight into one buffer.
 *
 * Ownership. Each request the JS layer started is one `struct freq` (this file), holding the
 * engine's reference on the client's rt__req; it is found from the JS id through
 * stash.fetchreqs[id] = pointer, and the collect buffer lives in stash.fetchbufs[id]. A freq
 * is freed after its terminal event was dispatched, or when JS cancels it.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "client.h"
#include "codings.h"

enum {
    F_ENDED = 1,                           /* END or ERROR came: no more events */
    F_CANCELLED = 2,                       /* JS let go: free once the dispatch returns */
    F_IN_CALL = 4                          /* the JS dispatcher is running for it */
};

struct freq {
    rt_runtime *rt;
    rt__req *req;                          /* the engine's reference, or NULL once let go */
    double id;
    unsigned flags;
    uint8_t collecting;                    /* body goes to stash.fetchbufs[id] */
    uint64_t content_length;               /* from the head; UINT64_MAX if none */
    uint64_t collected;                    /* bytes in the collect buffer */
    struct freq *all_prev, *all_next;      /* every live freq, for rt_free */
};

struct rt__fetch {
    double next_id;
    struct freq *all;
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

/* ---- freq memory ---- */

static void freq_free(struct freq *q)
{
    rt_runtime *rt = q->rt;
    if (rt->ctx) {
        forget_id(rt->ctx, q->id, "fetchreqs");
        forget_id(rt->ctx, q->id, "fetchbufs");
    }
    if (q->all_prev)
        q->all_prev->all_next = q->all_next;
    else
        rt->fetch->all = q->all_next;
    if (q->all_next)
        q->all_next->all_prev = q->all_prev;
    if (q->req)
        rt__req_cancel(q->req);            /* after END/ERROR: only lets go */
    rt__free(q);
}

/* ---- events to JS ---- */

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

/* Append bytes to the collect buffer of q. */
static void collect_bytes(struct freq *q, const uint8_t *p, size_t n)
{
    duk_context *ctx = q->rt->ctx;
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
}

/* [ ... ] -> [ ... ArrayBuffer ] over the collected bytes (no copy). */
static void push_collected(struct freq *q)
{
    duk_context *ctx = q->rt->ctx;
    push_stash_prop(ctx, "fetchbufs");
    duk_push_number(ctx, q->id);
    duk_get_prop(ctx, -2);
    duk_push_buffer_object(ctx, -1, 0, (duk_size_t)q->collected, DUK_BUFOBJ_ARRAYBUFFER);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

static duk_ret_t call_dispatcher(duk_context *ctx, void *udata)
{
    (void)udata;
    /* [ ... id type a b ]: a safe call sees the caller's whole stack */
    duk_idx_t top = duk_get_top(ctx);
    push_stash_prop(ctx, "fetchdispatch");
    for (duk_idx_t i = top - 4; i < top; i++)
        duk_dup(ctx, i);
    duk_call(ctx, 4);
    return 0;
}

/* [ ... type a b ] -> [ ... ]: one macrotask: the dispatcher, then the microtasks. */
static void to_js(struct freq *q)
{
    rt_runtime *rt = q->rt;
    duk_context *ctx = rt->ctx;
    duk_push_number(ctx, q->id);
    duk_insert(ctx, -4);
    q->flags |= F_IN_CALL;
    if (duk_safe_call(ctx, call_dispatcher, NULL, 4, 1) != DUK_EXEC_SUCCESS)
        rt__report_uncaught(rt, ctx, -1, "Uncaught");
    duk_pop(ctx);
    rt__microtask_drain(rt);               /* still in the call: finalizers may cancel q */
    q->flags &= ~(unsigned)F_IN_CALL;
}

/* A non-terminal event's dispatch returned: JS may have cancelled q meanwhile. */
static void after_call(struct freq *q)
{
    if ((q->flags & F_CANCELLED) && !(q->flags & F_ENDED))
        freq_free(q);
}

static void on_event(void *ud, rt__req *req, const rt__event *ev)
{
    struct freq *q = ud;
    rt_runtime *rt = q->rt;
    duk_context *ctx = rt->ctx;
    if (rt->stop || (q->flags & (F_ENDED | F_CANCELLED)))
        return;
    switch (ev->type) {
    case RT__EV_HEAD:
        q->content_length = UINT64_MAX;
        duk_push_string(ctx, "head");
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
            if (h->name_len == 16 && strncasecmp(h->name, "content-encoding", 16) == 0)
                q->content_length = UINT64_MAX;    /* the decoded size is unknown */
        }
        duk_put_prop_string(ctx, -2, "headers");
        to_js(q);
        after_call(q);
        break;
    case RT__EV_DATA:
        if (q->collecting) {
            collect_bytes(q, ev->data, ev->len);
            break;
        }
        duk_push_string(ctx, "data");
        memcpy(duk_push_fixed_buffer(ctx, ev->len), ev->data, ev->len);
        duk_push_buffer_object(ctx, -1, 0, ev->len, DUK_BUFOBJ_UINT8ARRAY);
        duk_remove(ctx, -2);
        duk_push_undefined(ctx);
        to_js(q);
        after_call(q);
        break;
    case RT__EV_END:
        q->flags |= F_ENDED;
        duk_push_string(ctx, "end");
        if (q->collecting)
            push_collected(q);
        else
            duk_push_undefined(ctx);
        duk_push_undefined(ctx);
        to_js(q);
        freq_free(q);
        break;
    case RT__EV_ERROR:
        q->flags |= F_ENDED;
        duk_push_string(ctx, "error");
        duk_push_string(ctx, rt_err_name(ev->code));
        duk_push_string(ctx, ev->message);
        to_js(q);
        freq_free(q);
        break;
    }
    (void)req;
}

int rt__fetch_alive(rt_runtime *rt)
{
    return rt__net_alive(rt->net);
}

uint64_t rt__fetch_in_flight(rt_runtime *rt)
{
    return rt__net_in_flight(rt->net);
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

static duk_ret_t js_request(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct rt__fetch *f = rt->fetch;
    if (rt->destroying)
        return duk_error(ctx, DUK_ERR_ERROR, "runtime is shutting down");
    duk_require_object(ctx, 0);
    rt__req_spec s = {0};
    s.method = req_string(ctx, 0, "method");
    s.host = req_string(ctx, 0, "host");
    s.target = req_string(ctx, 0, "target");
    s.host_header = req_string(ctx, 0, "hostHeader");
    duk_get_prop_string(ctx, 0, "port");
    double port = duk_get_number_default(ctx, -1, -1);
    duk_pop(ctx);
    if (!(port >= 1 && port <= 65535))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch spec: invalid port");
    s.port = (uint16_t)port;
    s.tls = opt_bool(ctx, 0, "tls", 0);

    /* headers: [name, value, ...]; the strings stay on the value stack until we return */
    duk_get_prop_string(ctx, 0, "headers");
    duk_idx_t hidx = duk_get_top_index(ctx);
    size_t nh = duk_is_array(ctx, hidx) ? duk_get_length(ctx, hidx) / 2 : 0;
    rt_http1_header small[32], *hdrs = small;
    if (nh > 32)
        hdrs = duk_push_fixed_buffer(ctx, nh * sizeof *hdrs);
    for (size_t i = 0; i < nh; i++) {
        duk_get_prop_index(ctx, hidx, (duk_uarridx_t)(2 * i));
        duk_get_prop_index(ctx, hidx, (duk_uarridx_t)(2 * i + 1));
        duk_size_t nl, vl;
        hdrs[i].name = duk_to_lstring(ctx, -2, &nl);
        hdrs[i].value = duk_to_lstring(ctx, -1, &vl);
        hdrs[i].name_len = nl;
        hdrs[i].value_len = vl;
    }
    s.headers = hdrs;
    s.num_headers = nh;

    /* body: string (UTF-8), buffer or buffer object; one copy, owned by the client */
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
       one chunk and the last-chunk */
    int chunked = has_body && opt_bool(ctx, 0, "chunked", 0);
    char chunk_head[20];
    int chunk_head_len = chunked && blen ? snprintf(chunk_head, sizeof chunk_head, "%lx\r\n",
                                                    (unsigned long)blen) : 0;
    static const char chunk_tail[] = "\r\n0\r\n\r\n";
    size_t wire_len = !chunked ? blen
                      : blen ? (size_t)chunk_head_len + blen + sizeof chunk_tail - 1 : 5;
    uint8_t *body = NULL;
    if (has_body) {
        body = rt__malloc(wire_len ? wire_len : 1);
        if (!body)
            return duk_error(ctx, DUK_ERR_ERROR, "out of memory (request body of %lu bytes)",
                             (unsigned long)blen);
        if (!chunked) {
            if (blen)
                memcpy(body, src, blen);
        } else if (blen) {
            memcpy(body, chunk_head, (size_t)chunk_head_len);
            memcpy(body + chunk_head_len, src, blen);
            memcpy(body + chunk_head_len + blen, chunk_tail, sizeof chunk_tail - 1);
        } else {
            memcpy(body, "0\r\n\r\n", 5);
        }
        s.body = body;
        s.body_len = wire_len;
        s.body_owned = 1;
        s.chunked = chunked;
    }
    s.reuse = opt_bool(ctx, 0, "reuse", 1);
    s.retry = opt_bool(ctx, 0, "retry", 0);
    s.decode = opt_bool(ctx, 0, "decode", 0);
    s.connect_timeout_ms = opt_u32(ctx, 0, "connectTimeout", rt->cfg.connect_timeout_ms);
    s.headers_timeout_ms = opt_u32(ctx, 0, "headersTimeout", rt->cfg.headers_timeout_ms);
    s.body_timeout_ms = opt_u32(ctx, 0, "bodyTimeout", rt->cfg.body_timeout_ms);
    s.limits.max_header_bytes = opt_u32(ctx, 0, "maxHeaderBytes", rt->cfg.max_header_bytes);
    s.limits.max_header_count = opt_u32(ctx, 0, "maxHeaderCount", rt->cfg.max_header_count);
    duk_get_prop_string(ctx, 0, "maxBodyBytes");
    s.max_body_bytes = duk_is_number(ctx, -1) && duk_get_number(ctx, -1) >= 0
                           ? (uint64_t)duk_get_number(ctx, -1)
                           : rt->cfg.max_body_bytes;
    duk_pop(ctx);
    s.insecure = rt->cfg.insecure;
    int trust_error = 0;
    if (s.tls && !s.insecure)
        trust_error = rt__tls_trust_get(rt, &s.trust);

    struct freq *q = rt__calloc(1, sizeof *q);
    if (!q) {
        rt__free(body);
        return duk_error(ctx, DUK_ERR_ERROR, "out of memory");
    }
    q->rt = rt;
    q->id = ++f->next_id;
    q->content_length = UINT64_MAX;
    s.cb = on_event;
    s.ud = q;
    if (trust_error < 0) {
        /* the trust store is unusable: the request fails the way a connection would */
        s.error = trust_error;
        s.error_msg = rt->errmsg;
    }
    int r = rt__req_start(rt->net, &s, &q->req);
    if (r < 0) {
        rt__free(q);
        if (r == RT_EINVAL)
            return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                             "invalid request: method, URL or header contains a forbidden character");
        return duk_error(ctx, DUK_ERR_ERROR, "%s", rt_strerror(r));
    }
    q->all_next = f->all;
    if (f->all)
        f->all->all_prev = q;
    f->all = q;
    push_stash_prop(ctx, "fetchreqs");
    duk_push_number(ctx, q->id);
    duk_push_pointer(ctx, q);
    duk_put_prop(ctx, -3);
    duk_pop(ctx);
    duk_push_number(ctx, q->id);
    return 1;
}

/* native.cancel(id) */
static duk_ret_t js_cancel(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct freq *q = lookup(ctx, 0);
    if (!q || (q->flags & F_CANCELLED) || rt->destroying)
        return 0;
    q->flags |= F_CANCELLED;
    if (q->flags & F_ENDED)
        return 0;                          /* freed when its terminal dispatch returns */
    rt__req_cancel(q->req);                /* no more events */
    q->req = NULL;
    if (!(q->flags & F_IN_CALL))
        freq_free(q);                      /* else when its dispatch returns */
    return 0;
}

/* native.pause(id) / native.resume(id) */
static duk_ret_t flow(duk_context *ctx, int pause)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct freq *q = lookup(ctx, 0);
    if (!q || (q->flags & (F_ENDED | F_CANCELLED)) || rt->destroying)
        return 0;
    rt__req_pause(q->req, pause);
    return 0;
}

static duk_ret_t js_pause(duk_context *ctx) { return flow(ctx, 1); }
static duk_ret_t js_resume(duk_context *ctx) { return flow(ctx, 0); }

/* native.collect(id, chunks): from now on the body accumulates in one buffer (the 'end'
   event carries it); chunks the JS layer already holds go in first. */
static duk_ret_t js_collect(duk_context *ctx)
{
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
    if (duk_is_array(ctx, 1)) {
        duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, 1);
        for (duk_uarridx_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, 1, i);
            duk_size_t len = 0;
            const uint8_t *d = duk_get_buffer_data(ctx, -1, &len);
            if (d && len)
                collect_bytes(q, d, len);
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
    duk_push_string(ctx, rt__accept_encoding());   /* what the decoders can do */
    duk_put_prop_string(ctx, -2, "acceptEncoding");
    duk_pop_2(ctx);
    return 0;
}

/* rt_free: the client is shut down (every request cancelled); free what is left. */
void rt__fetch_free(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    if (!f)
        return;
    while (f->all) {
        struct freq *q = f->all;
        f->all = q->all_next;
        if (f->all)
            f->all->all_prev = NULL;
        q->all_prev = q->all_next = NULL;
        q->req = NULL;                     /* the client frees its requests itself */
        rt__free(q);
    }
    rt__free(f);
    rt->fetch = NULL;
}
