/*
 * response.c - the Response class of the Fetch standard in C. A network Response is made by
 * fetch.c from the head: its state buffer holds the status, the header list as it came (a
 * Headers object is made only when a script reads `headers`), the URL and the reason
 * phrase, and its body is a branch of the exchange (body.c). A Response a script constructs
 * keeps its Headers object in a slot from the start (it may change them).
 */
#include <string.h>

#include "fetchcls.h"
#include "response.h"
#include "text.h"
#include "url.h"

static const char *const TYPES[] = {"default", "basic", "cors", "error", "opaque", "opaqueredirect"};

static void *key0(duk_context *ctx)
{
    return rt__fc(ctx)->res_key[RSS_STATE];
}

static rt__response_state *this_response(duk_context *ctx)
{
    return rt__this_state(ctx, key0(ctx), "Response");
}

static int null_body_status(int s)
{
    return s == 101 || s == 103 || s == 204 || s == 205 || s == 304;
}

/* [ ... ] -> [ ... response ]: a Response with room for `extra` bytes after its state. */
static rt__response_state *push_response(duk_context *ctx, size_t extra)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    return rt__instance_new(ctx, fc->res_proto, fc->res_key, RSS_N, sizeof(rt__response_state) + extra, 0);
}

void rt__response_push_net(duk_context *ctx, int status, const char *reason, size_t reason_len,
                           const rt_http1_header *hs, size_t nh, const char *url, size_t url_len,
                           int redirected, int null_body, rt__branch *br)
{
    size_t hl_size = rt__hl_size_for(hs, nh);
    rt__response_state *st = push_response(ctx, hl_size + url_len + reason_len);
    char *extra = (char *)(st + 1);
    st->status = (uint16_t)status;
    st->type = RT_RESP_BASIC;
    st->redirected = (uint8_t)(redirected != 0);
    st->hl_off = (uint32_t)sizeof *st;
    rt__hl_build(extra, hs, nh, RT_GUARD_IMMUTABLE);
    st->url_off = (uint32_t)(sizeof *st + hl_size);
    st->url_len = (uint32_t)url_len;
    memcpy(extra + hl_size, url, url_len);
    st->reason_off = st->url_off + (uint32_t)url_len;
    st->reason_len = (uint32_t)reason_len;
    memcpy(extra + hl_size + url_len, reason, reason_len);
    if (null_body || !br) {
        st->body.kind = BK_NULL;
    } else {
        st->body.kind = BK_NET;
        st->body.br = br;
        rt__branch_adopt(ctx, -1, br);
    }
}

void rt__response_push_bytes(duk_context *ctx, int status, const char *reason, size_t reason_len,
                             const rt_http1_header *hs, size_t nh, const char *url,
                             size_t url_len, const uint8_t *body, size_t body_len)
{
    rt__response_push_net(ctx, status, reason, reason_len, hs, nh, url, url_len, 0, 1, NULL);
    void *d = duk_push_fixed_buffer(ctx, body_len);
    if (body_len)
        memcpy(d, body, body_len);
    rt__dx_slot_put(ctx, -2, RSS_BODY, rt__fc(ctx)->res_key[RSS_BODY]);
    rt__response_state *st = rt__state(ctx, -1, key0(ctx));
    st->body.kind = BK_BYTES;
}

/* The headers of the Response at idx as a Headers object (made from the list on first use). */
static void push_headers(duk_context *ctx, duk_idx_t idx, rt__response_state *st)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    idx = duk_normalize_index(ctx, idx);
    rt__dx_slot_get(ctx, idx, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
    if (!duk_is_undefined(ctx, -1))
        return;
    duk_pop(ctx);
    if (st->hl_off)
        rt__headers_push_copy(ctx, (const rt__hl *)((char *)st + st->hl_off), RT_GUARD_IMMUTABLE);
    else
        rt__headers_push(ctx, RT_GUARD_IMMUTABLE);
    duk_dup_top(ctx);
    rt__dx_slot_put(ctx, idx, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
}

/* ---- construction ---- */

/* ResponseInit at init applied to the new Response at ridx: status, statusText, headers (a
   new Headers with the given guard). Returns the status. */
static int apply_init(duk_context *ctx, duk_idx_t ridx, duk_idx_t init, int guard,
                      const char **reason, size_t *reason_len)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    ridx = duk_normalize_index(ctx, ridx);
    init = duk_normalize_index(ctx, init);
    int status = 200;
    *reason = "";
    *reason_len = 0;
    if (!duk_is_null_or_undefined(ctx, init) && !duk_is_object(ctx, init))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Response: the init is not an object");
    int has = duk_is_object(ctx, init);
    /* members in WebIDL order: headers, status, statusText */
    if (has)
        duk_get_prop_string(ctx, init, "headers");
    else
        duk_push_undefined(ctx);
    if (has)
        duk_get_prop_string(ctx, init, "status");
    else
        duk_push_undefined(ctx);
    if (!duk_is_undefined(ctx, -1))
        status = duk_to_uint16(ctx, -1);
    if (has)
        duk_get_prop_string(ctx, init, "statusText");
    else
        duk_push_undefined(ctx);
    if (!duk_is_undefined(ctx, -1)) {
        *reason = rt__to_bytestring(ctx, -1, reason_len);
        if (!*reason)
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Invalid statusText");
        for (size_t i = 0; i < *reason_len; i++) {
            unsigned char c = (unsigned char)(*reason)[i];
            if (!(c == '\t' || (c >= 0x20 && c != 0x7f)))
                (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Invalid statusText");
        }
    } else {
        duk_push_undefined(ctx);           /* keep the stack shape: [ h s t scratch ] */
    }
    if (status < 200 || status > 599)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR,
                        "init[\"status\"] must be in the range of 200 to 599, inclusive.");
    rt__headers_push(ctx, guard);
    if (!duk_is_undefined(ctx, -5)) {
        rt__hlref r = {rt__headers_of(ctx, -1), duk_get_top_index(ctx)};
        rt__hl_fill(ctx, &r, -5);
    }
    rt__dx_slot_put(ctx, ridx, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
    return status;
    /* the caller pops [ headers status statusText scratch ] after copying the reason */
}

/* Copy the reason into the state of the (new) Response at ridx. */
static rt__response_state *set_reason(duk_context *ctx, duk_idx_t ridx, const char *r, size_t n)
{
    rt__response_state *st = rt__state(ctx, ridx, key0(ctx));
    if (!n)
        return st;
    /* the state buffer is fixed: make a new one with room, keep the body state */
    struct rt__fetchcls *fc = rt__fc(ctx);
    ridx = duk_normalize_index(ctx, ridx);
    rt__response_state *ns = duk_push_fixed_buffer(ctx, sizeof *ns + n);
    *ns = *st;
    ns->reason_off = (uint32_t)sizeof *ns;
    ns->reason_len = (uint32_t)n;
    memcpy(ns + 1, r, n);
    rt__dx_slot_put(ctx, ridx, RSS_STATE, fc->res_key[RSS_STATE]);
    return ns;
}

/* The body at body_idx (already extracted: [ value type ]) into the Response at ridx. */
static void set_body(duk_context *ctx, duk_idx_t ridx, int kind)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    ridx = duk_normalize_index(ctx, ridx);
    /* [ ... value type ] */
    if (!duk_is_undefined(ctx, -1)) {
        rt__dx_slot_get(ctx, ridx, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
        rt__hl *h = rt__headers_of(ctx, -1);
        if (rt__hl_find(h, "content-type", 12, 0) < 0) {
            duk_size_t tl;
            const char *t = duk_get_lstring(ctx, -2, &tl);
            rt__hlref r = {h, duk_get_top_index(ctx)};
            rt__hl_append(ctx, &r, "Content-Type", 12, t, tl);
        }
        duk_pop(ctx);
    }
    duk_pop(ctx);
    int slot = kind == BK_STREAM ? RSS_STREAM : RSS_BODY;
    rt__dx_slot_put(ctx, ridx, slot, fc->res_key[slot]);
    rt__response_state *st = rt__state(ctx, ridx, key0(ctx));
    st->body.kind = (uint8_t)kind;
}

static duk_ret_t res_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor Response cannot be invoked without 'new'");
    duk_set_top(ctx, 2);
    struct rt__fetchcls *fc = rt__fc(ctx);
    duk_push_this(ctx);                    /* 2 */
    rt__instance_init(ctx, 2, fc->res_key, RSS_N, sizeof(rt__response_state), 0);
    const char *reason;
    size_t rlen;
    int status = apply_init(ctx, 2, 1, RT_GUARD_RESPONSE, &reason, &rlen);
    rt__response_state *st = set_reason(ctx, 2, reason, rlen);
    st->status = (uint16_t)status;
    st->type = RT_RESP_DEFAULT;
    duk_set_top(ctx, 3);
    if (!duk_is_null_or_undefined(ctx, 0)) {
        if (null_body_status(status))
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Response constructor: Invalid response status code %d", status);
        int kind;
        rt__body_extract(ctx, 0, &kind);
        set_body(ctx, 2, kind);
    }
    return 0;
}

static duk_ret_t res_error(duk_context *ctx)
{
    rt__response_state *st = push_response(ctx, 0);
    st->type = RT_RESP_ERROR;
    st->status = 0;
    rt__headers_push(ctx, RT_GUARD_IMMUTABLE);
    rt__dx_slot_put(ctx, -2, RSS_HEADERS, rt__fc(ctx)->res_key[RSS_HEADERS]);
    return 1;
}

static duk_ret_t res_redirect(duk_context *ctx)
{
    if (duk_get_top(ctx) < 1)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Response.redirect: 1 argument required, but only 0 present.");
    duk_set_top(ctx, 2);
    const char *p;
    size_t n;
    rt__to_utf8(ctx, 0, &p, &n);
    rt__url u;
    int r = rt__url_parse(p, n, NULL, &u);
    if (r == RT_ENOMEM)
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    if (r < 0)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to parse URL from %s", duk_safe_to_string(ctx, 0));
    int status = duk_is_undefined(ctx, 1) ? 302 : duk_to_uint16(ctx, 1);
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        rt__url_free(&u);
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "Invalid status code %d", status);
    }
    rt__response_state *st = push_response(ctx, 0);
    st->type = RT_RESP_DEFAULT;
    st->status = (uint16_t)status;
    rt__hl *h = rt__headers_push(ctx, RT_GUARD_IMMUTABLE);
    rt__hlref ref = {h, duk_get_top_index(ctx)};
    rt__hl_append(ctx, &ref, "Location", 8, u.href, u.href_len);
    rt__url_free(&u);
    rt__dx_slot_put(ctx, -2, RSS_HEADERS, rt__fc(ctx)->res_key[RSS_HEADERS]);
    return 1;
}

static duk_ret_t res_json(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    duk_dup(ctx, 0);
    duk_json_encode(ctx, -1);              /* a throw (cycles, BigInt) goes on */
    rt__json_wellformed(ctx, -1);
    if (!duk_is_string(ctx, -1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Value is not JSON serializable");
    duk_idx_t text = duk_get_top_index(ctx);
    struct rt__fetchcls *fc = rt__fc(ctx);
    push_response(ctx, 0);
    duk_idx_t res = duk_get_top_index(ctx);
    const char *reason;
    size_t rlen;
    int status = apply_init(ctx, res, 1, RT_GUARD_RESPONSE, &reason, &rlen);
    rt__response_state *st = set_reason(ctx, res, reason, rlen);
    st->status = (uint16_t)status;
    st->type = RT_RESP_DEFAULT;
    duk_set_top(ctx, res + 1);
    if (null_body_status(status))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Response.json: Invalid response status code %d", status);
    int kind;
    rt__body_extract(ctx, text, &kind);
    duk_pop(ctx);
    duk_push_string(ctx, "application/json");
    set_body(ctx, res, kind);
    (void)fc;
    return 1;
}

/* ---- attributes ---- */

static duk_ret_t res_type(duk_context *ctx)
{
    duk_push_string(ctx, TYPES[this_response(ctx)->type]);
    return 1;
}

static duk_ret_t res_url(duk_context *ctx)
{
    rt__response_state *st = this_response(ctx);
    duk_push_lstring(ctx, (const char *)st + st->url_off, st->url_len);   /* ASCII */
    return 1;
}

static duk_ret_t res_redirected(duk_context *ctx)
{
    duk_push_boolean(ctx, this_response(ctx)->redirected);
    return 1;
}

static duk_ret_t res_status(duk_context *ctx)
{
    duk_push_uint(ctx, this_response(ctx)->status);
    return 1;
}

static duk_ret_t res_ok(duk_context *ctx)
{
    rt__response_state *st = this_response(ctx);
    duk_push_boolean(ctx, st->status >= 200 && st->status <= 299);
    return 1;
}

static duk_ret_t res_status_text(duk_context *ctx)
{
    rt__response_state *st = this_response(ctx);
    rt__push_latin1(ctx, (const char *)st + st->reason_off, st->reason_len);
    return 1;
}

static duk_ret_t res_headers(duk_context *ctx)
{
    rt__response_state *st = this_response(ctx);
    duk_push_this(ctx);
    push_headers(ctx, -1, st);
    return 1;
}

static duk_ret_t res_body(duk_context *ctx)
{
    this_response(ctx);
    duk_push_this(ctx);
    rt__body_push_stream(ctx, -1);
    return 1;
}

static duk_ret_t res_body_used(duk_context *ctx)
{
    this_response(ctx);
    duk_push_this(ctx);
    duk_push_boolean(ctx, rt__body_used(ctx, -1));
    return 1;
}

static duk_ret_t res_consume(duk_context *ctx)
{
    this_response(ctx);
    duk_push_this(ctx);
    rt__body_consume(ctx, -1, duk_get_current_magic(ctx));
    return 1;
}

static duk_ret_t res_clone(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__response_state *st = this_response(ctx);
    duk_push_this(ctx);                    /* 0 */
    if (rt__body_used(ctx, 0) || (st->body.flags & BF_LOCKED))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Response.clone: Body has already been consumed.");
    duk_size_t size = 0;
    rt__dx_slot_get(ctx, 0, RSS_STATE, fc->res_key[RSS_STATE]);
    const void *src = duk_get_buffer_data(ctx, -1, &size);
    duk_pop(ctx);
    rt__response_state *cs = push_response(ctx, size - sizeof *cs);   /* 1 */
    memcpy(cs, src, size);
    st = rt__state(ctx, 0, key0(ctx));
    cs->body.br = NULL;
    cs->body.flags = 0;
    /* headers: a copy of the Headers if one exists (a constructed response's are the truth) */
    rt__dx_slot_get(ctx, 0, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
    if (!duk_is_undefined(ctx, -1)) {
        rt__hl *h = rt__headers_of(ctx, -1);
        rt__headers_push_copy(ctx, h, h->guard);
        rt__dx_slot_put(ctx, 1, RSS_HEADERS, fc->res_key[RSS_HEADERS]);
    }
    duk_pop(ctx);
    if (st->body.kind == BK_BYTES || st->body.kind == BK_PARTS) {
        rt__dx_slot_get(ctx, 0, RSS_BODY, fc->res_key[RSS_BODY]);   /* immutable: shared */
        rt__dx_slot_put(ctx, 1, RSS_BODY, fc->res_key[RSS_BODY]);
    } else if (st->body.kind == BK_STREAM || (st->body.flags & BF_STREAM_MADE)) {
        /* tee the stream: this keeps one branch, the clone gets the other */
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_get_prop_string(ctx, -1, "streamTee");
        rt__dx_slot_get(ctx, 0, RSS_STREAM, fc->res_key[RSS_STREAM]);
        duk_call(ctx, 1);
        duk_get_prop_index(ctx, -1, 0);
        rt__dx_slot_put(ctx, 0, RSS_STREAM, fc->res_key[RSS_STREAM]);
        duk_get_prop_index(ctx, -1, 1);
        rt__dx_slot_put(ctx, 1, RSS_STREAM, fc->res_key[RSS_STREAM]);
        duk_pop_3(ctx);
        st = rt__state(ctx, 0, key0(ctx));
        st->body.kind = BK_STREAM;
        cs->body.kind = BK_STREAM;
        cs->body.flags = 0;
    } else if (st->body.kind == BK_NET && st->body.br) {
        rt__branch *b = rt__fx_tee(ctx, st->body.br);
        if (!b)
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        cs->body.br = b;
        rt__branch_adopt(ctx, 1, b);
        rt__dx_slot_get(ctx, 0, RSS_ERROR, fc->res_key[RSS_ERROR]);
        rt__dx_slot_put(ctx, 1, RSS_ERROR, fc->res_key[RSS_ERROR]);
    }
    return 1;
}

int rt__response_init(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    static const char *const names[RSS_N] = {"Response", "ResponseHeaders", "ResponseBody",
                                             "ResponseStream", "ResponseError"};
    for (int i = 0; i < RSS_N; i++)
        fc->res_key[i] = rt__hidden_key(ctx, names[i]);
    static const rt__method methods[] = {
        {"clone", res_clone, 0, 0, 0},
        {"arrayBuffer", res_consume, 0, 0, WAIT_ARRAYBUFFER},
        {"blob", res_consume, 0, 0, WAIT_BLOB},
        {"bytes", res_consume, 0, 0, WAIT_BYTES},
        {"formData", res_consume, 0, 0, WAIT_FORMDATA},
        {"json", res_consume, 0, 0, WAIT_JSON},
        {"text", res_consume, 0, 0, WAIT_TEXT},
        {NULL, NULL, 0, 0, 0}};
    static const rt__attr attrs[] = {
        {"type", res_type, NULL, 0},
        {"url", res_url, NULL, 0},
        {"redirected", res_redirected, NULL, 0},
        {"status", res_status, NULL, 0},
        {"ok", res_ok, NULL, 0},
        {"statusText", res_status_text, NULL, 0},
        {"headers", res_headers, NULL, 0},
        {"body", res_body, NULL, 0},
        {"bodyUsed", res_body_used, NULL, 0},
        {NULL, NULL, NULL, 0}};
    static const rt__method statics[] = {
        {"error", res_error, 0, 0, 0},
        {"redirect", res_redirect, DUK_VARARGS, 1, 0},
        {"json", res_json, DUK_VARARGS, 1, 0},
        {NULL, NULL, 0, 0, 0}};
    fc->res_proto = rt__class_define(ctx, "Response", res_ctor, 0, methods, attrs, statics, NULL, NULL);
    return 0;
}
