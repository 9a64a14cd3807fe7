/*
 * request.c - the Fetch standard's "new Request(input, init)" in C, building an rt__rq (what
 * fetch() needs, with no JS object), and the Request class that holds one for scripts.
 *
 * RequestInit is read as WebIDL reads a dictionary: every member once, in the order of their
 * names, each converted (enums checked) as it is read; then the standard's steps run on the
 * converted values. Our own members (timeout, limits) are read after the standard's.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fetchcls.h"
#include "request.h"
#include "text.h"

/* ---- enums ---- */

static const char *const CACHE[] = {"default", "no-store", "reload", "no-cache", "force-cache",
                                    "only-if-cached", NULL};
static const char *const CREDENTIALS[] = {"same-origin", "omit", "include", NULL};
static const char *const DUPLEX[] = {"half", NULL};
static const char *const MODE[] = {"cors", "same-origin", "no-cors", "navigate", NULL};
static const char *const PRIORITY[] = {"auto", "high", "low", NULL};
static const char *const REDIRECT[] = {"follow", "error", "manual", NULL};
static const char *const POLICY[] = {"", "no-referrer", "no-referrer-when-downgrade",
                                     "same-origin", "origin", "strict-origin",
                                     "origin-when-cross-origin",
                                     "strict-origin-when-cross-origin", "unsafe-url", NULL};
static const char *const DESTINATION[] = {"", NULL};
enum { CACHE_ONLY_IF_CACHED = 5 };

/* WebIDL enum conversion of the value at idx: its index, or a TypeError. */
static int to_enum(duk_context *ctx, duk_idx_t idx, const char *const *values, const char *member)
{
    const char *s = duk_to_string(ctx, idx);
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                     "Failed to construct 'Request': the provided value '%s' is not a valid enum value of type %s.",
                     s, member);
}

/* ---- building ---- */

void rt__rq_free(duk_context *ctx, rt__rq *rq)
{
    rt__free(rq->method);
    rt__url_free(&rq->url);
    rt__free(rq->hr.h);
    if (ctx && !rt__rt_of(ctx)->destroying) {
        rt__hold_drop(ctx, rq->body_hold);
        rt__hold_drop(ctx, rq->signal_hold);
        rt__hold_drop(ctx, rq->referrer_hold);
        rt__hold_drop(ctx, rq->integrity_hold);
    }
    memset(rq, 0, sizeof *rq);
}

/* The members of RequestInit we read, in WebIDL's order (names sorted), then ours. */
enum { M_BODY, M_CACHE, M_CREDENTIALS, M_DUPLEX, M_HEADERS, M_INTEGRITY, M_KEEPALIVE,
       M_METHOD, M_MODE, M_PRIORITY, M_REDIRECT, M_REFERRER, M_REFERRER_POLICY, M_SIGNAL,
       M_WINDOW, M_LIMITS, M_TIMEOUT, M_COUNT };
static const char *const MEMBERS[M_COUNT] = {
    "body", "cache", "credentials", "duplex", "headers", "integrity", "keepalive", "method",
    "mode", "priority", "redirect", "referrer", "referrerPolicy", "signal", "window",
    "limits", "timeout"};

static char *dup_method(duk_context *ctx, const char *m, size_t n)
{
    char *d = rt__malloc(n + 1);
    if (!d)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    memcpy(d, m, n);
    d[n] = 0;
    return d;
}

/* Normalize a method (the standard's list upper-cased; others as given), refusing tokens
   that are not methods and the forbidden ones. */
static char *method_of(duk_context *ctx, duk_idx_t idx)
{
    size_t n;
    const char *m = rt__to_bytestring(ctx, idx, &n);
    if (!m || !rt_http1_is_token(m, n))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "'%s' is not a valid HTTP method.",
                        duk_safe_to_string(ctx, idx));
    static const char *const FORBIDDEN[] = {"CONNECT", "TRACE", "TRACK"};
    for (int i = 0; i < 3; i++)
        if (n == strlen(FORBIDDEN[i]) && strncasecmp(m, FORBIDDEN[i], n) == 0)
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "'%s' HTTP method is unsupported.",
                            duk_safe_to_string(ctx, idx));
    static const char *const NORMAL[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"};
    char *d = NULL;
    for (int i = 0; i < 6; i++)
        if (n == strlen(NORMAL[i]) && strncasecmp(m, NORMAL[i], n) == 0)
            d = dup_method(ctx, NORMAL[i], n);
    if (!d)
        d = dup_method(ctx, m, n);
    duk_pop(ctx);                          /* the bytestring scratch */
    return d;
}

static int is_signal(duk_context *ctx, duk_idx_t idx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, "AbortSignal");
    int r = duk_is_object(ctx, idx) && duk_is_function(ctx, -1) && duk_instanceof(ctx, idx, -1);
    duk_pop_3(ctx);
    return r;
}

static uint32_t num_member(duk_context *ctx, duk_idx_t obj, const char *key, uint32_t def)
{
    duk_get_prop_string(ctx, obj, key);
    double v = duk_is_number(ctx, -1) ? duk_get_number(ctx, -1) : -1;
    duk_pop(ctx);
    if (!(v >= 0))
        return def;
    return v > 4294967295.0 ? 4294967295u : (uint32_t)v;
}

static int64_t num_member64(duk_context *ctx, duk_idx_t obj, const char *key)
{
    duk_get_prop_string(ctx, obj, key);
    double v = duk_is_number(ctx, -1) ? duk_get_number(ctx, -1) : -1;
    duk_pop(ctx);
    return v >= 0 ? (int64_t)(v > 9.0e18 ? 9.0e18 : v) : -1;
}

/* The state of the input Request at idx, or NULL. */
static rt__request_state *request_at(duk_context *ctx, duk_idx_t idx)
{
    return rt__state(ctx, idx, rt__fc(ctx)->req_key[RQS_STATE]);
}

static duk_ret_t build(duk_context *ctx, void *ud);

void rt__rq_build(duk_context *ctx, duk_idx_t input, duk_idx_t init, rt__rq *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->referrer_client = 1;
    rq->max_header_bytes = rq->max_header_count = rq->max_body_bytes = -1;
    init = duk_normalize_index(ctx, init); /* a relative init would move with the dup */
    duk_dup(ctx, input);
    duk_dup(ctx, init);
    /* in a safe call: a throw frees what was built so far, then goes on as it came */
    if (duk_safe_call(ctx, build, rq, 2, 1) != DUK_EXEC_SUCCESS) {
        rt__rq_free(ctx, rq);
        (void)duk_throw(ctx);
    }
    duk_pop(ctx);
}

static void hold_string(duk_context *ctx, duk_idx_t idx, uint32_t *h)
{
    duk_dup(ctx, idx);
    rt__hold_drop(ctx, *h);
    *h = rt__hold(ctx);
}

static duk_ret_t build(duk_context *ctx, void *ud)
{
    rt__rq *rq = ud;
    struct rt__fetchcls *fc = rt__fc(ctx);
    duk_idx_t input = duk_get_top(ctx) - 2, init = duk_get_top(ctx) - 1;
    rt__request_state *in = request_at(ctx, input);
    /* 1. the input: a Request (its state copied), or a URL */
    if (in) {
        rt__dx_slot_get(ctx, input, RQS_URL, fc->req_key[RQS_URL]);
        duk_size_t n;
        const char *href = duk_get_lstring(ctx, -1, &n);
        if (rt__url_parse(href, n, NULL, &rq->url) < 0)
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        duk_pop(ctx);
        rt__dx_slot_get(ctx, input, RQS_METHOD, fc->req_key[RQS_METHOD]);
        duk_size_t ml;
        const char *m = duk_get_lstring(ctx, -1, &ml);
        rq->method = dup_method(ctx, m, ml);
        duk_pop(ctx);
        rq->redirect = in->redirect;
        rq->mode = in->mode;
        rq->credentials = in->credentials;
        rq->cache = in->cache;
        rq->referrer_policy = in->referrer_policy;
        rq->keepalive = in->keepalive;
        rq->reload_nav = in->reload_nav;
        rq->history_nav = in->history_nav;
        rq->duplex_half = in->duplex;
        rq->connect_ms = in->connect_ms;
        rq->headers_ms = in->headers_ms;
        rq->body_ms = in->body_ms;
        rq->max_header_bytes = in->max_header_bytes;
        rq->max_header_count = in->max_header_count;
        rq->max_body_bytes = in->max_body_bytes;
        rt__dx_slot_get(ctx, input, RQS_REFERRER, fc->req_key[RQS_REFERRER]);
        if (duk_is_string(ctx, -1)) {
            rq->referrer_client = 0;
            if (duk_get_length(ctx, -1))
                rq->referrer_hold = rt__hold(ctx);
            else
                duk_pop(ctx);
        } else {
            duk_pop(ctx);
        }
        rt__dx_slot_get(ctx, input, RQS_INTEGRITY, fc->req_key[RQS_INTEGRITY]);
        if (duk_is_string(ctx, -1))
            rq->integrity_hold = rt__hold(ctx);
        else
            duk_pop(ctx);
        if (in->has_signal) {
            rt__dx_slot_get(ctx, input, RQS_SIGNAL, fc->req_key[RQS_SIGNAL]);
            rq->signal_hold = rt__hold(ctx);
        }
    } else {
        const char *p;
        size_t n;
        rt__to_utf8(ctx, input, &p, &n);
        int r = rt__url_parse(p, n, NULL, &rq->url);
        duk_pop(ctx);
        if (r == RT_ENOMEM)
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        if (r < 0)
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to parse URL from %s",
                             duk_safe_to_string(ctx, input));
        if (rq->url.user_end > rq->url.user_start || rq->url.pass_end > rq->url.pass_start)
            return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                             "Request cannot be constructed from a URL that includes credentials: %s",
                             rq->url.href);
        rq->method = dup_method(ctx, "GET", 3);
    }
    /* 2. RequestInit, converted member by member */
    duk_idx_t m0 = duk_get_top(ctx);
    int has[M_COUNT] = {0}, any = 0;
    int e_cache = -1, e_cred = -1, e_mode = -1, e_redirect = -1, e_policy = -1;
    if (!duk_is_null_or_undefined(ctx, init) && !duk_is_object(ctx, init))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Request': the init is not an object");
    for (int i = 0; i < M_COUNT; i++) {
        if (duk_is_null_or_undefined(ctx, init))
            duk_push_undefined(ctx);
        else
            duk_get_prop_string(ctx, init, MEMBERS[i]);
        duk_idx_t v = m0 + i;
        if (duk_is_undefined(ctx, v))
            continue;
        has[i] = 1;
        if (i < M_LIMITS)
            any = 1;
        switch (i) {
        case M_CACHE: e_cache = to_enum(ctx, v, CACHE, "RequestCache"); break;
        case M_CREDENTIALS: e_cred = to_enum(ctx, v, CREDENTIALS, "RequestCredentials"); break;
        case M_DUPLEX: to_enum(ctx, v, DUPLEX, "RequestDuplex"); break;
        case M_MODE: e_mode = to_enum(ctx, v, MODE, "RequestMode"); break;
        case M_PRIORITY: to_enum(ctx, v, PRIORITY, "RequestPriority"); break;
        case M_REDIRECT: e_redirect = to_enum(ctx, v, REDIRECT, "RequestRedirect"); break;
        case M_REFERRER_POLICY: e_policy = to_enum(ctx, v, POLICY, "ReferrerPolicy"); break;
        case M_INTEGRITY: duk_to_string(ctx, v); break;
        case M_KEEPALIVE: duk_push_boolean(ctx, duk_to_boolean(ctx, v)); duk_replace(ctx, v); break;
        case M_REFERRER: rt__to_usv(ctx, v); duk_replace(ctx, v); break;
        case M_SIGNAL:
            if (!duk_is_null(ctx, v) && !is_signal(ctx, v))
                return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                                 "Failed to construct 'Request': member signal is not of type AbortSignal.");
            break;
        default: break;
        }
    }
    /* 3. the standard's steps */
    if (has[M_WINDOW] && !duk_is_null(ctx, m0 + M_WINDOW))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Request': 'window' must be null");
    if (any) {
        if (rq->mode == RT_MODE_NAVIGATE)
            rq->mode = RT_MODE_SAME_ORIGIN;
        rq->reload_nav = rq->history_nav = 0;
        rq->referrer_client = 1;
        rt__hold_drop(ctx, rq->referrer_hold);
        rq->referrer_hold = 0;
        rq->referrer_policy = 0;
    }
    if (has[M_REFERRER]) {
        duk_size_t n;
        const char *r = duk_get_lstring(ctx, m0 + M_REFERRER, &n);
        if (n == 0) {
            rq->referrer_client = 0;       /* "no-referrer" */
        } else {
            rt__url u;
            const char *p;
            size_t pl;
            rt__to_utf8(ctx, m0 + M_REFERRER, &p, &pl);
            int pr = rt__url_parse(p, pl, NULL, &u);
            duk_pop(ctx);
            if (pr == RT_ENOMEM)
                return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
            if (pr < 0)
                return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Request': Referrer '%s' is not a valid URL.", r);
            if (strcmp(u.href, "about:client") == 0) {
                rq->referrer_client = 1;
            } else {
                rq->referrer_client = 0;
                duk_push_lstring(ctx, u.href, u.href_len);
                hold_string(ctx, -1, &rq->referrer_hold);
                duk_pop(ctx);
            }
            rt__url_free(&u);
        }
    }
    if (e_policy >= 0)
        rq->referrer_policy = (uint8_t)e_policy;
    if (e_mode == RT_MODE_NAVIGATE)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Request': Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.");
    if (e_mode >= 0)
        rq->mode = (uint8_t)e_mode;
    if (e_cred >= 0)
        rq->credentials = (uint8_t)e_cred;
    if (e_cache >= 0)
        rq->cache = (uint8_t)e_cache;
    if (rq->cache == CACHE_ONLY_IF_CACHED && rq->mode != RT_MODE_SAME_ORIGIN)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Request': 'only-if-cached' can be set only with 'same-origin' mode");
    if (e_redirect >= 0)
        rq->redirect = (uint8_t)e_redirect;
    if (has[M_INTEGRITY])
        hold_string(ctx, m0 + M_INTEGRITY, &rq->integrity_hold);
    if (has[M_KEEPALIVE])
        rq->keepalive = (uint8_t)duk_get_boolean(ctx, m0 + M_KEEPALIVE);
    if (has[M_METHOD]) {
        rt__free(rq->method);
        rq->method = NULL;
        rq->method = method_of(ctx, m0 + M_METHOD);
    }
    if (has[M_SIGNAL]) {
        rt__hold_drop(ctx, rq->signal_hold);
        rq->signal_hold = 0;
        if (!duk_is_null(ctx, m0 + M_SIGNAL)) {
            duk_dup(ctx, m0 + M_SIGNAL);
            rq->signal_hold = rt__hold(ctx);
        }
    }
    if (has[M_DUPLEX])
        rq->duplex_half = 1;
    /* headers: the init's, or a copy of the input's */
    rq->hr.idx = -1;
    rq->hr.h = rt__hl_new(RT_GUARD_REQUEST);
    if (!rq->hr.h)
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    if (has[M_HEADERS]) {
        rt__hl_fill(ctx, &rq->hr, m0 + M_HEADERS);
    } else if (in) {
        rt__dx_slot_get(ctx, input, RQS_HEADERS, fc->req_key[RQS_HEADERS]);
        rt__hl_fill(ctx, &rq->hr, -1);
        duk_pop(ctx);
    }
    if (rq->mode == RT_MODE_NO_CORS && strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") &&
        strcmp(rq->method, "POST"))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "'%s' is unsupported in no-cors mode.", rq->method);
    /* the body */
    int init_body = has[M_BODY] && !duk_is_null(ctx, m0 + M_BODY);
    int input_body = in && in->body.kind != BK_NULL;
    int get_head = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
    if ((init_body || input_body) && get_head)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Request with GET/HEAD method cannot have body.");
    if (init_body) {
        int kind;
        rt__body_extract(ctx, m0 + M_BODY, &kind);   /* [ ... value type ] */
        if (kind == BK_STREAM && rq->keepalive)
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "keepalive cannot be used with a ReadableStream body");
        if (!duk_is_undefined(ctx, -1) && rt__hl_find(rq->hr.h, "content-type", 12, 0) < 0) {
            duk_size_t tl;
            const char *t = duk_get_lstring(ctx, -1, &tl);
            rt__hl_append(ctx, &rq->hr, "Content-Type", 12, t, tl);
        }
        duk_pop(ctx);
        rq->body_kind = kind;
        if (kind == BK_BYTES) {
            duk_size_t bl = 0;
            rq->body = duk_get_buffer_data(ctx, -1, &bl);
            rq->body_len = bl;
        }
        rq->body_hold = rt__hold(ctx);
    } else if (input_body) {
        rt__owner o;
        rt__owner_of(ctx, input, &o);
        int used = (o.body->flags & (BF_DISTURBED | BF_LOCKED)) != 0;
        if (!used && o.body->kind == BK_STREAM) {
            duk_push_heap_stash(ctx);
            duk_get_prop_string(ctx, -1, "native");
            duk_get_prop_string(ctx, -1, "streamUnusable");
            rt__dx_slot_get(ctx, input, RQS_STREAM, fc->req_key[RQS_STREAM]);
            duk_call(ctx, 1);
            used = duk_to_boolean(ctx, -1);
            duk_pop_3(ctx);
        }
        if (used)
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Cannot construct a Request with a Request object that has already been used.");
        rq->body_kind = o.body->kind;
        if (o.body->kind == BK_BYTES) {
            rt__dx_slot_get(ctx, input, RQS_BODY, fc->req_key[RQS_BODY]);
            duk_size_t bl = 0;
            rq->body = duk_get_buffer_data(ctx, -1, &bl);
            rq->body_len = bl;
        } else if (o.body->kind == BK_PARTS) {
            rt__dx_slot_get(ctx, input, RQS_BODY, fc->req_key[RQS_BODY]);
        } else {
            rt__dx_slot_get(ctx, input, RQS_STREAM, fc->req_key[RQS_STREAM]);
        }
        rq->body_hold = rt__hold(ctx);
        rq->take_input_body = 1;
    }
    if (rq->body_kind == BK_STREAM && !rq->duplex_half)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "RequestInit: duplex option is required when sending a body.");
    /* 4. ours: timeout { connect, headers, body }, limits { maxHeaderBytes, ... } */
    if (duk_is_object(ctx, m0 + M_TIMEOUT)) {
        rq->connect_ms = num_member(ctx, m0 + M_TIMEOUT, "connect", 0);
        rq->headers_ms = num_member(ctx, m0 + M_TIMEOUT, "headers", 0);
        rq->body_ms = num_member(ctx, m0 + M_TIMEOUT, "body", 0);
    }
    if (duk_is_object(ctx, m0 + M_LIMITS)) {
        rq->max_header_bytes = num_member64(ctx, m0 + M_LIMITS, "maxHeaderBytes");
        rq->max_header_count = num_member64(ctx, m0 + M_LIMITS, "maxHeaderCount");
        rq->max_body_bytes = num_member64(ctx, m0 + M_LIMITS, "maxBodyBytes");
    }
    duk_push_undefined(ctx);
    return 1;
}

void rt__rq_commit(duk_context *ctx, duk_idx_t input, rt__rq *rq)
{
    rt__owner o;
    if (!rq->take_input_body || !rt__owner_of(ctx, input, &o))
        return;
    o.body->flags |= BF_DISTURBED;         /* its body now belongs to the new request */
    if (o.body->kind == BK_STREAM) {
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_get_prop_string(ctx, -1, "streamTake");
        rt__dx_slot_get(ctx, input, RQS_STREAM, rt__fc(ctx)->req_key[RQS_STREAM]);
        duk_call(ctx, 1);
        duk_pop_3(ctx);
    }
}

/* ---- the Request class ---- */

static rt__request_state *this_request(duk_context *ctx)
{
    return rt__this_state(ctx, rt__fc(ctx)->req_key[RQS_STATE], "Request");
}

/* The Request object at idx takes rq's members. */
static void materialize(duk_context *ctx, duk_idx_t idx, rt__request_state *st, rt__rq *rq)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    idx = duk_normalize_index(ctx, idx);
    st->redirect = rq->redirect;
    st->mode = rq->mode;
    st->credentials = rq->credentials;
    st->cache = rq->cache;
    st->referrer_policy = rq->referrer_policy;
    st->destination = rq->destination;
    st->duplex = rq->duplex_half;
    st->keepalive = rq->keepalive;
    st->reload_nav = rq->reload_nav;
    st->history_nav = rq->history_nav;
    st->connect_ms = rq->connect_ms;
    st->headers_ms = rq->headers_ms;
    st->body_ms = rq->body_ms;
    st->max_header_bytes = rq->max_header_bytes;
    st->max_header_count = rq->max_header_count;
    st->max_body_bytes = rq->max_body_bytes;
    st->body.kind = (uint8_t)rq->body_kind;
    rt__headers_push_copy(ctx, rq->hr.h, RT_GUARD_REQUEST);
    rt__dx_slot_put(ctx, idx, RQS_HEADERS, fc->req_key[RQS_HEADERS]);
    duk_push_string(ctx, rq->method);
    rt__dx_slot_put(ctx, idx, RQS_METHOD, fc->req_key[RQS_METHOD]);
    duk_push_lstring(ctx, rq->url.href, rq->url.href_len);
    rt__dx_slot_put(ctx, idx, RQS_URL, fc->req_key[RQS_URL]);
    if (rq->signal_hold) {
        st->has_signal = 1;
        rt__hold_push(ctx, rq->signal_hold);
        rt__dx_slot_put(ctx, idx, RQS_SIGNAL, fc->req_key[RQS_SIGNAL]);
    }
    if (!rq->referrer_client) {
        if (rq->referrer_hold)
            rt__hold_push(ctx, rq->referrer_hold);
        else
            duk_push_string(ctx, "");
        rt__dx_slot_put(ctx, idx, RQS_REFERRER, fc->req_key[RQS_REFERRER]);
    }
    if (rq->integrity_hold) {
        rt__hold_push(ctx, rq->integrity_hold);
        rt__dx_slot_put(ctx, idx, RQS_INTEGRITY, fc->req_key[RQS_INTEGRITY]);
    }
    if (rq->body_kind != BK_NULL) {
        rt__hold_push(ctx, rq->body_hold);
        if (rq->body_kind == BK_BYTES || rq->body_kind == BK_PARTS)
            rt__dx_slot_put(ctx, idx, RQS_BODY, fc->req_key[RQS_BODY]);
        else
            rt__dx_slot_put(ctx, idx, RQS_STREAM, fc->req_key[RQS_STREAM]);
    }
}

void rt__rq_push_request(duk_context *ctx, rt__rq *rq)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__request_state *st = rt__instance_new(ctx, fc->req_proto, fc->req_key, RQS_N,
                                             sizeof *st, 0);
    materialize(ctx, -1, st, rq);
}

static duk_ret_t req_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor Request cannot be invoked without 'new'");
    if (duk_get_top(ctx) < 1)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Request: 1 argument required, but only 0 present.");
    duk_set_top(ctx, 2);
    rt__rq rq;
    rt__rq_build(ctx, 0, 1, &rq);
    struct rt__fetchcls *fc = rt__fc(ctx);
    duk_push_this(ctx);
    rt__request_state *st = rt__instance_init(ctx, -1, fc->req_key, RQS_N, sizeof *st, 0);
    materialize(ctx, -1, st, &rq);
    rt__rq_commit(ctx, 0, &rq);
    rt__rq_free(ctx, &rq);
    return 0;
}

/* ---- attributes ---- */

static duk_ret_t push_slot(duk_context *ctx, int slot, const char *def)
{
    this_request(ctx);
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, slot, rt__fc(ctx)->req_key[slot]);
    if (duk_is_undefined(ctx, -1) && def)
        duk_push_string(ctx, def);
    return 1;
}

static duk_ret_t req_method(duk_context *ctx) { return push_slot(ctx, RQS_METHOD, NULL); }
static duk_ret_t req_url(duk_context *ctx) { return push_slot(ctx, RQS_URL, NULL); }
static duk_ret_t req_headers(duk_context *ctx) { return push_slot(ctx, RQS_HEADERS, NULL); }
static duk_ret_t req_referrer(duk_context *ctx) { return push_slot(ctx, RQS_REFERRER, "about:client"); }
static duk_ret_t req_integrity(duk_context *ctx) { return push_slot(ctx, RQS_INTEGRITY, ""); }

static duk_ret_t req_enum(duk_context *ctx)
{
    rt__request_state *st = this_request(ctx);
    switch (duk_get_current_magic(ctx)) {
    case 0: duk_push_string(ctx, MODE[st->mode]); break;
    case 1: duk_push_string(ctx, CREDENTIALS[st->credentials]); break;
    case 2: duk_push_string(ctx, CACHE[st->cache]); break;
    case 3: duk_push_string(ctx, REDIRECT[st->redirect]); break;
    case 4: duk_push_string(ctx, POLICY[st->referrer_policy]); break;
    case 5: duk_push_string(ctx, DESTINATION[st->destination]); break;
    case 6: duk_push_string(ctx, "half"); break;
    case 7: duk_push_boolean(ctx, st->keepalive); break;
    case 8: duk_push_boolean(ctx, st->reload_nav); break;
    default: duk_push_boolean(ctx, st->history_nav); break;
    }
    return 1;
}

/* signal: a signal of its own that follows the one given (made on first use) */
static duk_ret_t req_signal(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__request_state *st = this_request(ctx);
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, RQS_OWNSIGNAL, fc->req_key[RQS_OWNSIGNAL]);
    if (!duk_is_undefined(ctx, -1))
        return 1;
    duk_pop(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, "followSignal");
    if (st->has_signal)
        rt__dx_slot_get(ctx, -4, RQS_SIGNAL, fc->req_key[RQS_SIGNAL]);
    else
        duk_push_null(ctx);
    duk_call(ctx, 1);
    duk_dup_top(ctx);
    rt__dx_slot_put(ctx, -6, RQS_OWNSIGNAL, fc->req_key[RQS_OWNSIGNAL]);
    return 1;
}

static duk_ret_t req_body(duk_context *ctx)
{
    this_request(ctx);
    duk_push_this(ctx);
    rt__body_push_stream(ctx, -1);
    return 1;
}

static duk_ret_t req_body_used(duk_context *ctx)
{
    this_request(ctx);
    duk_push_this(ctx);
    duk_push_boolean(ctx, rt__body_used(ctx, -1));
    return 1;
}

static duk_ret_t req_consume(duk_context *ctx)
{
    this_request(ctx);
    duk_push_this(ctx);
    rt__body_consume(ctx, -1, duk_get_current_magic(ctx));
    return 1;
}

static duk_ret_t req_clone(duk_context *ctx)
{
    rt__request_state *st = this_request(ctx);
    duk_push_this(ctx);
    if (rt__body_used(ctx, -1) || (st->body.flags & BF_LOCKED))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Request.clone: Body has already been consumed.");
    /* a clone is new Request(this) without taking the body: copy it */
    rt__rq rq;
    duk_push_undefined(ctx);
    rt__rq_build(ctx, -2, -1, &rq);
    if (rq.body_kind == BK_STREAM) {
        /* tee the stream: this keeps one branch, the clone gets the other */
        struct rt__fetchcls *fc = rt__fc(ctx);
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_get_prop_string(ctx, -1, "streamTee");
        rt__hold_push(ctx, rq.body_hold);
        duk_call(ctx, 1);                  /* [ ... stash native [a, b] ] */
        duk_get_prop_index(ctx, -1, 0);
        rt__dx_slot_put(ctx, -6, RQS_STREAM, fc->req_key[RQS_STREAM]);
        duk_get_prop_index(ctx, -1, 1);
        rt__hold_drop(ctx, rq.body_hold);
        rq.body_hold = rt__hold(ctx);
        duk_pop_3(ctx);
    }
    rt__rq_push_request(ctx, &rq);
    rt__rq_free(ctx, &rq);
    return 1;
}

int rt__request_init(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    static const char *const names[RQS_N] = {"Request", "RequestHeaders", "RequestSignal",
                                             "RequestOwnSignal", "RequestBody", "RequestStream",
                                             "RequestMethod", "RequestURL", "RequestReferrer",
                                             "RequestIntegrity"};
    for (int i = 0; i < RQS_N; i++)
        fc->req_key[i] = rt__hidden_key(ctx, names[i]);
    static const rt__method methods[] = {
        {"clone", req_clone, 0, 0, 0},
        {"arrayBuffer", req_consume, 0, 0, WAIT_ARRAYBUFFER},
        {"blob", req_consume, 0, 0, WAIT_BLOB},
        {"bytes", req_consume, 0, 0, WAIT_BYTES},
        {"formData", req_consume, 0, 0, WAIT_FORMDATA},
        {"json", req_consume, 0, 0, WAIT_JSON},
        {"text", req_consume, 0, 0, WAIT_TEXT},
        {NULL, NULL, 0, 0, 0}};
    static const rt__attr attrs[] = {
        {"method", req_method, NULL, 0},
        {"url", req_url, NULL, 0},
        {"headers", req_headers, NULL, 0},
        {"destination", req_enum, NULL, 5},
        {"referrer", req_referrer, NULL, 0},
        {"referrerPolicy", req_enum, NULL, 4},
        {"mode", req_enum, NULL, 0},
        {"credentials", req_enum, NULL, 1},
        {"cache", req_enum, NULL, 2},
        {"redirect", req_enum, NULL, 3},
        {"integrity", req_integrity, NULL, 0},
        {"keepalive", req_enum, NULL, 7},
        {"isReloadNavigation", req_enum, NULL, 8},
        {"isHistoryNavigation", req_enum, NULL, 9},
        {"signal", req_signal, NULL, 0},
        {"duplex", req_enum, NULL, 6},
        {"body", req_body, NULL, 0},
        {"bodyUsed", req_body_used, NULL, 0},
        {NULL, NULL, NULL, 0}};
    fc->req_proto = rt__class_define(ctx, "Request", req_ctor, 1, methods, attrs, NULL, NULL, NULL);
    return 0;
}
