/*
 * fetch.c - fetch() in C: the request built as new Request() would (lib/engine/request.c),
 * without a Request object unless the script passed one; one exchange per hop through the
 * network side's client (lib/net/client.h); redirects followed here (method and body rules,
 * credentials dropped across origins, 20 hops); abort through the signal; and the response
 * made from the head (lib/engine/response.c) with its body fed to its branches
 * (lib/engine/body.c) as the client's events arrive - no JavaScript runs for the bytes.
 *
 * Ownership. A fetch exchange (struct rt__fx, malloc'd) lives from fetch() until its exchange
 * is over and no branch feeds from it: it owns the request (rq: URL, header list, the body
 * held), the client's request of the current hop (the engine's reference), the fetch()
 * promise until it settles and the abort listener until the end (holds). Branches are owned
 * by their Responses; the exchange only links them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "dataurl.h"
#include "codings.h"
#include "blob.h"
#include "fetchcls.h"
#include "formdata.h"
#include "request.h"
#include "response.h"
#include "text.h"

struct rt__fx {
    rt_runtime *rt;
    rt__rq rq;
    rt__req *req;                          /* this hop's client request, or NULL */
    uint32_t promise_hold;                 /* the fetch() promise, until settled */
    uint32_t listener_hold;                /* our abort listener, while registered */
    uint32_t read_hold[2];                 /* a stream body's read callbacks, until called */
    int hops;
    uint8_t decode;                        /* we offered Accept-Encoding: decode */
    uint8_t chunked;                       /* the body came from a stream: send it chunked */
    uint8_t settled;                       /* the promise is settled */
    uint8_t over;                          /* the exchange ended (or was cancelled) */
    int pins;                              /* C frames (and a pending stream read) using fx:
                                              it is freed only when none is left */
    rt__branch *branches;
    struct rt__fx *all_prev, *all_next;
};

struct rt__fetch {
    struct rt__fx *all;                    /* every live exchange */
};

static void fx_start(duk_context *ctx, struct rt__fx *fx);

/* ---- life of an exchange ---- */

static void fx_unlink(struct rt__fx *fx)
{
    struct rt__fetch *f = fx->rt->fetch;
    if (fx->all_prev)
        fx->all_prev->all_next = fx->all_next;
    else if (f->all == fx)
        f->all = fx->all_next;
    if (fx->all_next)
        fx->all_next->all_prev = fx->all_prev;
    fx->all_prev = fx->all_next = NULL;
}

/* Take our listener off the signal. */
static void unlisten(duk_context *ctx, struct rt__fx *fx)
{
    if (!fx->listener_hold)
        return;
    if (fx->rq.signal_hold) {
        rt__hold_push(ctx, fx->rq.signal_hold);
        duk_push_string(ctx, "removeEventListener");
        duk_push_string(ctx, "abort");
        rt__hold_push(ctx, fx->listener_hold);
        duk_pcall_prop(ctx, -4, 2);        /* a script's signal subclass may throw: ignored */
        duk_pop_2(ctx);
    }
    rt__hold_push(ctx, fx->listener_hold);     /* should it still be called: fx is gone */
    duk_push_pointer(ctx, NULL);
    duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("fx"));
    duk_pop(ctx);
    rt__hold_drop(ctx, fx->listener_hold);
    fx->listener_hold = 0;
}

/* Free fx once it is over, no branch links it and no frame uses it. */
static void fx_release(duk_context *ctx, struct rt__fx *fx)
{
    if (!fx->over || fx->branches || fx->pins)
        return;
    fx_unlink(fx);
    rt__rq_free(ctx, &fx->rq);
    rt__free(fx);
}

static void fx_unpin(duk_context *ctx, struct rt__fx *fx)
{
    fx->pins--;
    fx_release(ctx, fx);
}

/* The exchange is over: release everything but the branches' own state; free it when no
   branch links it any more. */
static void fx_over(duk_context *ctx, struct rt__fx *fx)
{
    if (!fx->over) {
        fx->over = 1;
        if (fx->req) {
            rt__req_cancel(fx->req);       /* after END/ERROR this only lets go */
            fx->req = NULL;
        }
        unlisten(ctx, fx);
        rt__hold_drop(ctx, fx->promise_hold);
        fx->promise_hold = 0;
    }
    fx_release(ctx, fx);
}

/* [ ... value ] -> [ ... ]: settle the fetch() promise. */
static void fx_settle(duk_context *ctx, struct rt__fx *fx, int ok)
{
    if (fx->settled || !fx->promise_hold) {
        duk_pop(ctx);
        return;
    }
    fx->settled = 1;
    rt__hold_push(ctx, fx->promise_hold);
    duk_swap_top(ctx, -2);
    if (ok)
        rt__promise_resolve(ctx, -2);
    else
        rt__promise_reject(ctx, -2);
    duk_pop(ctx);
    rt__hold_drop(ctx, fx->promise_hold);
    fx->promise_hold = 0;
}

/* [ ... ] -> [ ... err ]: TypeError(what) with cause { code, message } (Node's shape). */
static void push_failure(duk_context *ctx, const char *what, int code, const char *msg)
{
    duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "%s", what);
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s", msg && *msg ? msg : rt_strerror(code));
    duk_push_string(ctx, rt_err_name(code));
    duk_put_prop_string(ctx, -2, "code");
    duk_put_prop_string(ctx, -2, "cause");
}

/* The exchange failed (code, msg), before the head or inside the body. */
static void fx_fail(duk_context *ctx, struct rt__fx *fx, int code, const char *msg)
{
    if (!fx->settled) {
        push_failure(ctx, "fetch failed", code, msg);
        fx_settle(ctx, fx, 0);
    } else {
        for (rt__branch *b = fx->branches, *next; b; b = next) {
            next = b->next;
            push_failure(ctx, "terminated", code, msg);
            b->fx = NULL;
            rt__branch_fail(ctx, b, code);
        }
        fx->branches = NULL;
    }
    fx_over(ctx, fx);
}

/* ---- the branches' side (body.h) ---- */

void rt__fx_branch_unlink(struct rt__fx *fx, rt__branch *b)
{
    for (rt__branch **pp = &fx->branches; *pp; pp = &(*pp)->next)
        if (*pp == b) {
            *pp = b->next;
            break;
        }
    b->fx = NULL;
}

void rt__fx_branch_gone(duk_context *ctx, struct rt__fx *fx, rt__branch *b)
{
    rt__fx_branch_unlink(fx, b);
    if (!fx->branches)
        fx_over(ctx, fx);                  /* nobody reads it: the connection goes */
    else
        rt__fx_flow(fx);
}

void rt__fx_flow(struct rt__fx *fx)
{
    if (!fx->req)
        return;
    int pause = fx->branches != NULL;
    for (rt__branch *b = fx->branches; b; b = b->next)
        pause = pause && b->paused;
    rt__req_pause(fx->req, pause);
}

rt__branch *rt__fx_tee(duk_context *ctx, rt__branch *b)
{
    rt__branch *c = rt__branch_new(b->fx);
    if (!c)
        return NULL;
    /* what b holds so far, for c too (the chunks are shared, read-only) */
    for (size_t i = b->qhead; i < b->qlen; i++)
        rt__branch_data(ctx, c, b->q[i].chunk, b->q[i].data, b->q[i].len);
    if (b->err) {
        c->err = b->err;                   /* the clone's Response copies the error value */
    } else if (b->ended || !b->fx) {
        rt__branch_end(ctx, c);
    } else {
        c->next = b->fx->branches;
        b->fx->branches = c;
    }
    return c;
}

/* ---- events from the client ---- */

static int same_origin(const rt__url *a, const rt__url *b)
{
    rt__url_span ha = rt__url_connect_host(a), hb = rt__url_connect_host(b);
    return a->scheme_id == b->scheme_id && rt__url_connect_port(a) == rt__url_connect_port(b) &&
           ha.n == hb.n && strncasecmp(ha.p, hb.p, ha.n) == 0;
}

/* A redirect: the next hop, or an error. Returns 1 if it took the head. */
static int redirect(duk_context *ctx, struct rt__fx *fx, const rt__event *ev)
{
    int s = ev->status;
    if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308)
        return 0;
    const rt__hl *dummy = NULL;
    (void)dummy;
    const char *loc = NULL;
    size_t loc_len = 0;
    for (size_t i = 0; i < ev->num_headers; i++)
        if (ev->headers[i].name_len == 8 && strncasecmp(ev->headers[i].name, "location", 8) == 0) {
            loc = ev->headers[i].value;
            loc_len = ev->headers[i].value_len;
            break;
        }
    if (!loc || fx->rq.redirect == RT_REDIRECT_MANUAL)
        return 0;
    rt__req_cancel(fx->req);               /* the 3xx body is not read */
    fx->req = NULL;
    if (fx->rq.redirect == RT_REDIRECT_ERROR) {
        fx_fail(ctx, fx, RT_EREDIRECT, "unexpected redirect");
        return 1;
    }
    if (++fx->hops > 20) {
        fx_fail(ctx, fx, RT_ETOO_MANY_REDIRECTS, "redirect count exceeded");
        return 1;
    }
    rt__url next;
    int r = rt__url_parse(loc, loc_len, &fx->rq.url, &next);
    if (r < 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "invalid redirect location: %.*s", (int)(loc_len > 120 ? 120 : loc_len), loc);
        fx_fail(ctx, fx, r == RT_ENOMEM ? RT_ENOMEM : RT_EINVALID_URL, msg);
        return 1;
    }
    rt__rq *rq = &fx->rq;
    int post = strcmp(rq->method, "POST") == 0;
    if ((s == 303 && strcmp(rq->method, "HEAD") != 0) || ((s == 301 || s == 302) && post)) {
        char *get = rt__strdup("GET");
        if (get) {
            rt__free(rq->method);
            rq->method = get;
        }
        rt__hold_drop(ctx, rq->body_hold);
        rq->body_hold = 0;
        rq->body_kind = BK_NULL;
        rq->body = NULL;
        rq->body_len = 0;
        static const char *const content[] = {"content-type", "content-length", "content-encoding",
                                              "content-language", "content-location"};
        for (int i = 0; i < 5; i++)
            rt__hl_delete(rq->hr.h, content[i], strlen(content[i]));
    }
    if (!same_origin(&rq->url, &next)) {
        rt__hl_delete(rq->hr.h, "authorization", 13);
        rt__hl_delete(rq->hr.h, "cookie", 6);
        rt__hl_delete(rq->hr.h, "proxy-authorization", 19);
    }
    rt__url_free(&rq->url);
    rq->url = next;
    fx_start(ctx, fx);
    return 1;
}

static void on_head(duk_context *ctx, struct rt__fx *fx, const rt__event *ev)
{
    if (redirect(ctx, fx, ev))
        return;
    int null_body = strcmp(fx->rq.method, "HEAD") == 0 || ev->status == 204 || ev->status == 205 ||
                    ev->status == 304 || (ev->status >= 100 && ev->status < 200);
    rt__branch *b = null_body ? NULL : rt__branch_new(fx);
    if (!null_body && !b) {
        rt__req_cancel(fx->req);
        fx->req = NULL;
        fx_fail(ctx, fx, RT_ENOMEM, "out of memory");
        return;
    }
    const rt__url *u = &fx->rq.url;
    rt__response_push_net(ctx, ev->status, ev->reason, ev->reason_len, ev->headers, ev->num_headers,
                          u->href, u->frag_start, fx->hops > 0, null_body, b);
    if (b)
        fx->branches = b;
    fx_settle(ctx, fx, 1);
    if (!b)
        rt__fx_flow(fx);                   /* nothing reads: the rest is drained by the client */
}

static void on_event(void *ud, rt__req *req, const rt__event *ev)
{
    struct rt__fx *fx = ud;
    rt_runtime *rt = fx->rt;
    duk_context *ctx = rt->ctx;
    if (rt->stop && rt->cfg.stop_on_uncaught)
        return;
    fx->pins++;
    switch (ev->type) {
    case RT__EV_HEAD:
        on_head(ctx, fx, ev);
        break;
    case RT__EV_DATA:
        for (rt__branch *b = fx->branches, *next; b; b = next) {
            next = b->next;                /* b may leave the list (freed only at the reap) */
            rt__branch_data(ctx, b, ev->chunk, ev->data, ev->len);
        }
        break;
    case RT__EV_END:
        fx->req = NULL;
        rt__req_cancel(req);               /* after END: only lets go */
        for (rt__branch *b = fx->branches, *next; b; b = next) {
            next = b->next;
            rt__branch_end(ctx, b);        /* b may be freed here */
        }
        fx->branches = NULL;
        fx_over(ctx, fx);
        break;
    case RT__EV_ERROR:
        fx->req = NULL;
        rt__req_cancel(req);
        fx_fail(ctx, fx, ev->code, ev->message);
        break;
    }
    fx_unpin(ctx, fx);
    rt__microtask_drain(rt);               /* each event is a macrotask */
}

/* ---- starting a hop ---- */

static uint32_t pick(uint32_t mine, uint32_t def)
{
    return mine ? mine : def;
}

/* fetch() of a data: URL: the Fetch standard's scheme fetch answers it without the network
   (lib/net/dataurl.c): 200 OK, Content-Type the URL's MIME type, the decoded body. */
static void fx_data(duk_context *ctx, struct rt__fx *fx)
{
    const rt__url *u = &fx->rq.url;
    rt__data_url d;
    int r = rt__data_url_process(u->href, u->frag_start, &d);
    if (r < 0) {
        fx_fail(ctx, fx, r == RT_ENOMEM ? RT_ENOMEM : RT_EINVALID_URL,
                r == RT_ENOMEM ? "out of memory" : "invalid data: URL (no comma, or not base64)");
        return;
    }
    rt_http1_header h = {.name = "content-type", .name_len = 12, .value = d.mime,
                         .value_len = d.mime_len};
    rt__response_push_bytes(ctx, 200, "OK", 2, &h, 1, u->href, u->frag_start, d.body,
                            d.body_len);
    rt__data_url_free(&d);
    fx_settle(ctx, fx, 1);
    fx_over(ctx, fx);
}

static int is_data_url(const rt__url *u)
{
    return u->href_len >= 5 && strncmp(u->href, "data:", 5) == 0;
}

static void fx_start(duk_context *ctx, struct rt__fx *fx)
{
    rt_runtime *rt = fx->rt;
    rt__rq *rq = &fx->rq;
    int scheme = rt__url_scheme_id(&rq->url);
    if (scheme != RT_URL_SCHEME_HTTP && scheme != RT_URL_SCHEME_HTTPS) {
        if (!fx->hops && is_data_url(&rq->url)) {   /* a redirect to one is refused below */
            fx_data(ctx, fx);
            return;
        }
        char msg[120];
        rt__url_span p = rt__url_protocol(&rq->url);
        snprintf(msg, sizeof msg, "URL scheme \"%.*s\" is not supported.",
                 (int)(p.n ? p.n - 1 : 0), p.p);
        fx_fail(ctx, fx, RT_EUNSUPPORTED_SCHEME, msg);
        return;
    }
    /* the header list as sent: the request's, then the defaults it lacks (as undici) */
    rt__hl *h = rq->hr.h;
    size_t n = h->n;
    rt_http1_header small[40], *hs = n + 5 <= 40 ? small : rt__malloc((n + 5) * sizeof *hs);
    if (!hs) {
        fx_fail(ctx, fx, RT_ENOMEM, "out of memory");
        return;
    }
    int reuse = 1;
    for (uint32_t i = 0; i < n; i++) {
        rt__hl_entry(h, i, &hs[i].name, &hs[i].name_len, &hs[i].value, &hs[i].value_len);
        if (hs[i].name_len == 10 && strncasecmp(hs[i].name, "connection", 10) == 0) {
            /* a request that asks for Connection: close does not go back to the pool */
            for (size_t k = 0; k + 5 <= hs[i].value_len; k++)
                if (strncasecmp(hs[i].value + k, "close", 5) == 0)
                    reuse = 0;
        }
    }
    static const struct { const char *name, *value; } defaults[] = {
        {"accept", "*/*"}, {"accept-language", "*"}, {"sec-fetch-mode", "cors"},
        {"user-agent", "rtjs"}};
    for (int d = 0; d < 4; d++)
        if (rt__hl_find(h, defaults[d].name, strlen(defaults[d].name), 0) < 0) {
            hs[n].name = defaults[d].name;
            hs[n].name_len = strlen(defaults[d].name);
            hs[n].value = defaults[d].value;
            hs[n].value_len = strlen(defaults[d].value);
            n++;
        }
    fx->decode = rt__hl_find(h, "accept-encoding", 15, 0) < 0;
    if (fx->decode) {
        hs[n].name = "accept-encoding";
        hs[n].name_len = 15;
        hs[n].value = rt__accept_encoding();
        hs[n].value_len = strlen(hs[n].value);
        n++;
    }
    rt__req_spec s = {0};
    rt__url_span host = rt__url_connect_host(&rq->url);
    rt__url_span target = rt__url_request_target(&rq->url);
    rt__url_span hosth = rt__url_host_header(&rq->url);
    char hostbuf[256], small_target[1024], hostheader[300];
    char *tgt = target.n < sizeof small_target ? small_target : rt__malloc(target.n + 1);
    if (host.n >= sizeof hostbuf || hosth.n >= sizeof hostheader || !tgt) {
        if (tgt && tgt != small_target)
            rt__free(tgt);
        if (hs != small)
            rt__free(hs);
        fx_fail(ctx, fx, RT_EINVALID_URL, "host name too long");
        return;
    }
    memcpy(hostbuf, host.p, host.n);
    hostbuf[host.n] = 0;
    memcpy(tgt, target.p, target.n);
    tgt[target.n] = 0;
    memcpy(hostheader, hosth.p, hosth.n);
    hostheader[hosth.n] = 0;
    s.method = rq->method;
    s.tls = scheme == RT_URL_SCHEME_HTTPS;
    s.host = hostbuf;
    s.port = (uint16_t)rt__url_connect_port(&rq->url);
    s.target = tgt;
    s.host_header = hostheader;
    s.headers = hs;
    s.num_headers = n;
    rt__body_seg small_segs[8], *segs = NULL;
    if (rq->body_kind == BK_BYTES) {
        /* borrowed: the hold keeps it until the end; an empty one (whose buffer has no
           data pointer) still goes, as Content-Length: 0 */
        s.body = rq->body ? rq->body : (const uint8_t *)"";
        s.body_len = rq->body_len;
        s.chunked = fx->chunked;
    } else if (rq->body_kind == BK_PARTS) {
        /* a FormData: its pieces as they are (file bytes not copied), borrowed like a body;
           the hold on their Array keeps every buffer alive until the end */
        rt__hold_push(ctx, rq->body_hold);
        size_t k = duk_get_length(ctx, -1);
        segs = k <= 8 ? small_segs : rt__malloc(k * sizeof *segs);
        for (size_t i = 0; segs && i < k; i++) {
            duk_get_prop_index(ctx, -1, (duk_uarridx_t)i);
            duk_size_t pl = 0;
            segs[i].p = duk_get_buffer_data(ctx, -1, &pl);
            segs[i].len = segs[i].p ? pl : 0;
            duk_pop(ctx);
        }
        duk_pop(ctx);
        if (!segs) {
            if (tgt != small_target)
                rt__free(tgt);
            if (hs != small)
                rt__free(hs);
            fx_fail(ctx, fx, RT_ENOMEM, "out of memory");
            return;
        }
        s.segs = segs;
        s.nsegs = k;
    }
    s.connect_timeout_ms = pick(rq->connect_ms, rt->cfg.connect_timeout_ms);
    s.headers_timeout_ms = pick(rq->headers_ms, rt->cfg.headers_timeout_ms);
    s.body_timeout_ms = pick(rq->body_ms, rt->cfg.body_timeout_ms);
    s.limits.max_header_bytes = rq->max_header_bytes >= 0 ? (uint32_t)rq->max_header_bytes
                                                          : rt->cfg.max_header_bytes;
    s.limits.max_header_count = rq->max_header_count >= 0 ? (uint32_t)rq->max_header_count
                                                          : rt->cfg.max_header_count;
    s.max_body_bytes = rq->max_body_bytes >= 0 ? (uint64_t)rq->max_body_bytes
                                               : rt->cfg.max_body_bytes;
    s.reuse = reuse;
    const char *m = rq->method;
    s.retry = !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") ||
              !strcmp(m, "PUT") || !strcmp(m, "DELETE");
    s.decode = fx->decode;
    s.insecure = rt->cfg.insecure;
    if (s.tls && !s.insecure) {
        int e = rt__tls_trust_get(rt, &s.trust);
        if (e < 0) {
            s.error = e;                   /* fails the way a connection would */
            s.error_msg = rt->errmsg;
        }
    }
    s.cb = on_event;
    s.ud = fx;
    int r = rt__req_start(rt->net, &s, &fx->req);
    if (segs != small_segs)
        rt__free(segs);                    /* the client copied the array */
    if (tgt != small_target)
        rt__free(tgt);
    if (hs != small)
        rt__free(hs);
    if (r < 0) {
        fx->req = NULL;
        fx_fail(ctx, fx, r, r == RT_EINVAL ? "invalid request: method, URL or header contains a forbidden character" : NULL);
    }
}

/* ---- abort ---- */

/* The signal fired: this listener's slot 0 holds the exchange's address. */
static duk_ret_t on_abort(duk_context *ctx)
{
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("fx"));
    struct rt__fx *fx = duk_get_pointer(ctx, -1);
    duk_pop_2(ctx);
    if (!fx || fx->over)                   /* unlisten() cleared it when fx was over */
        return 0;
    fx->pins++;
    rt__hold_push(ctx, fx->rq.signal_hold);
    duk_get_prop_string(ctx, -1, "reason");
    duk_remove(ctx, -2);
    if (fx->req) {
        rt__req_cancel(fx->req);
        fx->req = NULL;
    }
    if (!fx->settled) {
        fx_settle(ctx, fx, 0);
    } else {
        for (rt__branch *b = fx->branches, *next; b; b = next) {
            next = b->next;
            duk_dup_top(ctx);
            b->fx = NULL;
            rt__branch_fail(ctx, b, RT_EABORTED);
        }
        fx->branches = NULL;
        duk_pop(ctx);
    }
    fx_over(ctx, fx);
    fx_unpin(ctx, fx);
    return 0;
}

/* ---- fetch() ---- */

static duk_ret_t build_safe(duk_context *ctx, void *ud)
{
    duk_idx_t top = duk_get_top(ctx);
    rt__rq_build(ctx, top - 2, top - 1, ud);
    return 0;
}

/* A body from a stream, read to its end: [ bytes ] -> start (magic unused). */
static duk_ret_t stream_body_read(duk_context *ctx)
{
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("fx"));
    struct rt__fx *fx = duk_get_pointer(ctx, -1);
    duk_pop_2(ctx);
    if (!fx)
        return 0;
    /* js_fetch pinned fx for this read; both callbacks hold the pointer: one is called */
    for (int k = 0; k < 2; k++) {
        rt__hold_push(ctx, fx->read_hold[k]);
        duk_push_pointer(ctx, NULL);
        duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("fx"));
        duk_pop(ctx);
        rt__hold_drop(ctx, fx->read_hold[k]);
        fx->read_hold[k] = 0;
    }
    if (fx->over) {
        fx_unpin(ctx, fx);
        return 0;
    }
    if (duk_get_current_magic(ctx)) {      /* the stream failed: fetch fails with its error */
        duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "fetch failed");
        duk_dup(ctx, 0);
        duk_put_prop_string(ctx, -2, "cause");
        fx_settle(ctx, fx, 0);
        fx_over(ctx, fx);
        fx_unpin(ctx, fx);
        return 0;
    }
    duk_size_t n = 0;
    const uint8_t *p = duk_get_buffer_data(ctx, 0, &n);
    /* as Node: an empty stream goes as Content-Length: 0, anything else chunked */
    uint8_t *body = duk_push_buffer(ctx, n ? n + 32 : 1, 0);
    size_t len = 0;
    if (n) {
        len = (size_t)snprintf((char *)body, 20, "%lx\r\n", (unsigned long)n);
        memcpy(body + len, p, n);
        len += n;
        memcpy(body + len, "\r\n0\r\n\r\n", 7);
        len += 7;
        fx->chunked = 1;
    }
    rt__hold_drop(ctx, fx->rq.body_hold);
    fx->rq.body_hold = rt__hold(ctx);
    fx->rq.body_kind = BK_BYTES;
    fx->rq.body = body;
    fx->rq.body_len = len;
    fx_start(ctx, fx);
    fx_unpin(ctx, fx);
    return 0;
}

static duk_ret_t js_fetch(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    duk_idx_t nargs = duk_get_top(ctx);
    duk_set_top(ctx, 2);
    rt__promise_new(ctx);                  /* 2 */
    if (rt->destroying) {
        push_failure(ctx, "fetch failed", RT_ECANCELED, "the runtime is shutting down");
        rt__promise_reject(ctx, 2);
        return 1;
    }
    if (nargs < 1) {
        duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "fetch: 1 argument required, but only 0 present.");
        rt__promise_reject(ctx, 2);
        return 1;
    }
    struct rt__fx *fx = rt__calloc(1, sizeof *fx);
    if (!fx) {
        duk_push_error_object(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
        rt__promise_reject(ctx, 2);
        return 1;
    }
    fx->rt = rt;
    /* the request, as new Request(input, init) builds it; a throw rejects */
    duk_dup(ctx, 0);
    duk_dup(ctx, 1);
    if (duk_safe_call(ctx, build_safe, &fx->rq, 2, 1) != DUK_EXEC_SUCCESS) {
        rt__free(fx);
        rt__promise_reject(ctx, 2);
        return 1;
    }
    duk_pop(ctx);
    rt__rq_commit(ctx, 0, &fx->rq);
    struct rt__fetch *f = rt->fetch;
    fx->all_next = f->all;
    if (f->all)
        f->all->all_prev = fx;
    f->all = fx;
    duk_dup(ctx, 2);
    fx->promise_hold = rt__hold(ctx);
    if (fx->rq.signal_hold) {
        rt__hold_push(ctx, fx->rq.signal_hold);  /* 3 */
        duk_get_prop_string(ctx, 3, "aborted");
        int aborted = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        if (aborted) {
            duk_get_prop_string(ctx, 3, "reason");
            fx_settle(ctx, fx, 0);
            if (fx->rq.body_kind == BK_STREAM) {
                /* the body stream is cancelled at once, with the reason */
                rt__hold_push(ctx, fx->rq.body_hold);
                duk_push_string(ctx, "cancel");
                duk_get_prop_string(ctx, 3, "reason");
                duk_pcall_prop(ctx, -3, 1);
                duk_pop_2(ctx);
            }
            fx_over(ctx, fx);
            duk_set_top(ctx, 3);
            return 1;
        }
        duk_push_string(ctx, "addEventListener");
        duk_push_string(ctx, "abort");
        rt__dx_push_function(ctx, on_abort, 1, 0, 1, "", 0, NULL, 0);
        duk_push_pointer(ctx, fx);
        duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("fx"));
        duk_dup_top(ctx);
        fx->listener_hold = rt__hold(ctx);
        duk_call_prop(ctx, 3, 2);
        duk_set_top(ctx, 3);
    }
    if (fx->rq.body_kind == BK_STREAM) {
        /* a stream body (its length unknown): read to its end, then sent chunked */
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_get_prop_string(ctx, -1, "readAll");
        rt__hold_push(ctx, fx->rq.body_hold);
        for (int k = 0; k < 2; k++) {
            rt__dx_push_function(ctx, stream_body_read, 1, k, 1, "", 0, NULL, 0);
            duk_push_pointer(ctx, fx);
            duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("fx"));
            duk_dup_top(ctx);
            fx->read_hold[k] = rt__hold(ctx);
        }
        fx->pins++;                        /* until stream_body_read runs */
        duk_call(ctx, 3);                  /* readAll(stream, done, failed) */
        duk_set_top(ctx, 3);
        return 1;
    }
    fx_start(ctx, fx);
    duk_set_top(ctx, 3);
    return 1;
}

/* ---- set-up and teardown ---- */

int rt__fetch_alive(rt_runtime *rt)
{
    return rt__net_alive(rt->net);
}

uint64_t rt__fetch_in_flight(rt_runtime *rt)
{
    return rt__net_in_flight(rt->net);
}

int rt__fetch_init(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    rt->fetch = rt__calloc(1, sizeof *rt->fetch);
    rt->fc = rt__calloc(1, sizeof *rt->fc);
    if (!rt->fetch || !rt->fc)
        return RT_ENOMEM;
    int r;
    if ((r = rt__headers_init(ctx)) < 0 || (r = rt__request_init(ctx)) < 0 ||
        (r = rt__response_init(ctx)) < 0 || (r = rt__body_init(ctx)) < 0 ||
        (r = rt__blob_init(ctx)) < 0 || (r = rt__formdata_init(ctx)) < 0)
        return r;
    duk_push_global_object(ctx);
    duk_push_string(ctx, "fetch");
    rt__dx_push_function(ctx, js_fetch, DUK_VARARGS, 0, 1, "fetch", 0, NULL, 0);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_SET_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);
    return 0;
}

/* rt_free, after the client was shut down and the heap destroyed: free what is left. */
void rt__fetch_free(rt_runtime *rt)
{
    struct rt__fetch *f = rt->fetch;
    rt__body_free_reaped(rt);
    if (f) {
        while (f->all) {
            struct rt__fx *fx = f->all;
            f->all = fx->all_next;
            while (fx->branches) {         /* orphans and branches whose Response had no
                                              finalizer: nothing else knows them now */
                rt__branch *b = fx->branches;
                fx->branches = b->next;
                rt__branch_free(NULL, b);
            }
            rt__rq_free(NULL, &fx->rq);
            rt__free(fx);
        }
        rt__free(f);
        rt->fetch = NULL;
    }
    rt__free(rt->fc);
    rt->fc = NULL;
}
