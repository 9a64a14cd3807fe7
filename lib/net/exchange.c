/*
 * exchange.c - one HTTP/1.1 exchange on a connection's plaintext, written once for every
 * backend and thread: the request bytes to send (in place), the response head accumulated
 * and parsed by the codec (lib/net/http1.c) within its limits, the body de-chunked, decoded
 * (Content-Encoding) and bounded (the decoded size limit), the keep-alive decision, and the
 * events the loop thread gets: HEAD, DATA*, then the terminal DONE or ERROR (c->term_ev, never
 * allocated, so an exchange always ends). Runs on the thread that carries the connection,
 * under c->mu (lib/net/conn.c calls it).
 *
 * Ownership: the incomplete head (c->head) and the decoder are the connection's; a HEAD event
 * owns one block with the header array and every byte it points at; a DATA event holds a
 * reference to the chunk its bytes are in (small runs are copied into a chunk of their own,
 * so a 13-byte body does not pin a 64 KiB read buffer while it waits to be read).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client_int.h"
#include "codings.h"

#define SMALL_RUN 8192                     /* body runs below this are copied, not pinned */

/* ---- events ---- */

static rt__xev *new_ev(rt_conn *c, int type)
{
    rt__xev *ev = rt__xev_new(type, c);
    if (ev) {
        ev->req = c->req;
        __atomic_add_fetch(&c->req->refs, 1, __ATOMIC_RELAXED);
    }
    return ev;
}

/* One of the connection's own events (sent_ev, head_ev) for this exchange: it takes a
   reference on the request, as an allocated one does. */
static rt__xev *own_ev(rt_conn *c, rt__xev *ev)
{
    ev->req = c->req;
    __atomic_add_fetch(&c->req->refs, 1, __ATOMIC_RELAXED);
    return ev;
}

/* The head made by head_bytes, with the body bytes of its read if they fit one event. */
static void flush_head(rt_conn *c)
{
    if (c->head_pending) {
        c->head_pending = 0;
        rt__net_post(c->net, &c->head_ev);
    }
}

/* The exchange ends: the terminal event takes the connection's reference on the request. */
static void end_exchange(rt_conn *c, rt__xev *ev)
{
    flush_head(c);
    ev->req = c->req;
    c->req = NULL;
    rt__net_post(c->net, ev);
}

void rt__x_fail(rt_conn *c, int code, const char *fmt, ...)
{
    if (c->req) {
        rt__xev *ev = &c->term_ev;
        ev->type = XEV_ERROR;
        ev->code = code;
        ev->stale = c->reused && !c->got_bytes;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ev->msg, sizeof ev->msg, fmt, ap);
        va_end(ap);
        end_exchange(c, ev);
    }
    rt__x_release(c);
    c->state = CS_CLOSE;
}

/* ---- decoding: lib/net/codings.c (gzip, deflate, br, zstd; unknown codings pass through
   undecoded, as undici does) ---- */

static void dec_free(rt_conn *c)
{
    rt__decoder_free(c->dec);
    c->dec = NULL;
}

/* The response's Content-Encoding fields, joined with ", " as RFC 9110 allows, make the
   decoder. 0 (also when there is nothing we decode) or a code. */
static int dec_start(rt_conn *c, const rt_http1_header *h, size_t nh)
{
    char buf[512];
    size_t len = 0;
    for (size_t i = 0; i < nh; i++) {
        if (h[i].name_len != 16 || strncasecmp(h[i].name, "content-encoding", 16) != 0)
            continue;
        if (len + h[i].value_len + 2 > sizeof buf)
            return RT_EDECOMPRESS;         /* more codings than anyone sends */
        if (len) {
            memcpy(buf + len, ", ", 2);
            len += 2;
        }
        memcpy(buf + len, h[i].value, h[i].value_len);
        len += h[i].value_len;
    }
    if (!len)
        return 0;
    int r = rt__decoder_new(buf, len, (rt__decoder **)&c->dec);
    return r == RT__CODING_UNSUPPORTED ? 0 : r;
}

/* ---- body bytes to the loop thread ---- */

/* Post body bytes p[0..n) that lie in chunk (or, chunk NULL, anywhere: copied). 0, or a code
   after the exchange failed. */
static int emit(rt_conn *c, rt__chunk *chunk, const uint8_t *p, size_t n)
{
    rt__req *r = c->req;
    c->body_bytes += n;
    if (r->max_body && c->body_bytes > r->max_body) {
        rt__x_fail(c, RT_EBODY_TOO_LARGE, "response body exceeds the limit of %llu bytes",
                   (unsigned long long)r->max_body);
        return RT_EBODY_TOO_LARGE;
    }
    /* the first bytes ride on the head's event when they came in the same read: a small
       response is one event and no allocation for it */
    int on_head = c->head_pending && !c->head_ev.chunk;
    if (!on_head)
        flush_head(c);
    rt__xev *ev = on_head ? &c->head_ev : new_ev(c, XEV_DATA);
    rt__chunk *own = NULL;
    if (ev && (!chunk || n < SMALL_RUN)) {
        own = rt__chunk_new(&c->net->chunks, n);
        if (own) {
            memcpy(own->data, p, n);
            own->len = n;
            chunk = own;
            p = own->data;
        } else if (chunk) {
            rt__chunk_ref(chunk);          /* no memory for the copy: pin the read instead */
        }
    } else if (ev) {
        rt__chunk_ref(chunk);
    }
    if (!ev || !chunk) {
        if (ev && !on_head) {
            rt__req_unref(ev->req);        /* loop thread only in general, but this request is
                                              still referenced by the connection: no free */
            ev->req = NULL;
            rt__free(ev);
        }
        rt__x_fail(c, RT_ENOMEM, "out of memory");
        return RT_ENOMEM;
    }
    ev->chunk = chunk;
    ev->data = p;
    ev->len = n;
    __atomic_add_fetch(&r->queued, n, __ATOMIC_RELAXED);
    if (!on_head)
        rt__net_post(c->net, ev);
    return 0;
}

/* Body bytes as the codec gave them: decoded first when a coding is on. The decoded size is
   what max_body bounds, one chunk at a time: a decompression bomb stops at the limit. */
static int body_run(rt_conn *c, rt__chunk *chunk, const uint8_t *p, size_t n)
{
    rt__decoder *d = c->dec;
    if (!d)
        return emit(c, chunk, p, n);
    for (;;) {
        rt__chunk *out = rt__chunk_new(&c->net->chunks, RT__CHUNK_SIZE);
        if (!out) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            return RT_ENOMEM;
        }
        size_t used = 0, made = 0;
        int r = rt__decoder_push(d, p, n, &used, out->data, out->cap, &made);
        p += used;
        n -= used;
        out->len = made;
        if (r < 0) {
            rt__chunk_unref(out);
            rt__x_fail(c, r == RT_ENOMEM ? RT_ENOMEM : RT_EDECOMPRESS,
                       "content decoding failed: %s", rt__decoder_message(d));
            return r;
        }
        int e = made ? emit(c, out, out->data, made) : 0;
        rt__chunk_unref(out);
        if (e < 0)
            return e;
        if (made < RT__CHUNK_SIZE)
            return 0;                      /* everything this input yields is out */
    }
}

/* ---- the end of an exchange ---- */

/* The response is complete; leftover: bytes past its end in the same read. */
static void finish(rt_conn *c, size_t leftover)
{
    rt__req *r = c->req;
    if (c->dec && rt__decoder_finish(c->dec) < 0) {
        /* the framing says the body is complete, the coding says it was cut short */
        rt__x_fail(c, RT_EDECOMPRESS, "content decoding failed: %s",
                   rt__decoder_message(c->dec));
        return;
    }
    /* an answer can come before the whole request went out (a 413 for an upload): such a
       connection is never reused; nor one with bytes past the response */
    int keep = c->p.keepalive && leftover == 0 && r->reuse && c->sent_all;
    if (c->tls) {
        size_t more = 0;
        rt_tls_app_in(c->tls, &more);
        keep = keep && more == 0 && !rt_tls_sending(c->tls) && !c->wbuf &&
               !(c->plain && c->plain->len);
        rt_tls_conn_save(c->tls, c->net->sessions, c->key);
    }
    rt__xev *ev = &c->term_ev;
    ev->type = XEV_DONE;
    ev->keep = keep;
    end_exchange(c, ev);
    rt__x_release(c);
    if (!keep)
        c->state = CS_CLOSE;
}

void rt__x_eof(rt_conn *c, int tls_clean)
{
    (void)tls_clean;
    if (!c->req) {
        c->state = CS_CLOSE;
        return;
    }
    int code = rt_http1_on_eof(&c->p);
    if (code == 0 && c->head_done) {
        c->p.keepalive = 0;
        finish(c, 0);
        return;
    }
    rt__x_fail(c, code ? code : RT_ECLOSED, "%s:%u closed the connection %s", c->host, c->port,
               c->head_done ? "before the body ended" : "before the response head");
}

/* ---- the response body ---- */

static void body_bytes(rt_conn *c, rt__chunk *chunk, const uint8_t *data, size_t len)
{
    size_t pos = 0;
    while (pos < len && !c->p.done) {
        const char *d;
        size_t dl;
        ssize_t n = rt_http1_parse_body(&c->p, (const char *)data + pos, len - pos, &d, &dl);
        if (n < 0) {
            rt__x_fail(c, (int)n, "bad response body from %s:%u: %s", c->host, c->port,
                       rt_strerror((int)n));
            return;
        }
        pos += (size_t)n;
        if (dl && body_run(c, chunk, (const uint8_t *)d, dl) < 0)
            return;
        if (n == 0)
            break;
    }
    if (c->p.done)
        finish(c, len - pos);
}

/* ---- the response head ---- */

/* The connection's HEAD event, owning a copy of the head's fields (not posted yet). */
static rt__xev *head_event(rt_conn *c, const rt_http1_response *resp, const rt_http1_header *h,
                           size_t nh)
{
    size_t bytes = resp->reason_len;
    for (size_t i = 0; i < nh; i++)
        bytes += h[i].name_len + h[i].value_len;
    char *block = rt__malloc(nh * sizeof *h + bytes + 1);
    if (!block)
        return NULL;
    rt__xev *ev = own_ev(c, &c->head_ev);
    ev->chunk = NULL;
    ev->data = NULL;
    ev->len = 0;
    rt_http1_header *copy = (rt_http1_header *)block;
    char *p = block + nh * sizeof *h;
    for (size_t i = 0; i < nh; i++) {
        memcpy(p, h[i].name, h[i].name_len);
        copy[i].name = p;
        copy[i].name_len = h[i].name_len;
        p += h[i].name_len;
        memcpy(p, h[i].value, h[i].value_len);
        copy[i].value = p;
        copy[i].value_len = h[i].value_len;
        p += h[i].value_len;
    }
    memcpy(p, resp->reason, resp->reason_len);
    ev->block = block;
    ev->headers = copy;
    ev->num_headers = nh;
    ev->status = resp->status;
    ev->minor_version = resp->minor_version;
    ev->reason = p;
    ev->reason_len = resp->reason_len;
    return ev;
}

/* Append to the incomplete head. 0 or RT_ENOMEM. */
static int head_keep(rt_conn *c, const uint8_t *data, size_t len)
{
    if (c->head_len + len > c->head_cap) {
        size_t cap = c->head_cap ? c->head_cap : 4096;
        while (cap < c->head_len + len)
            cap *= 2;
        char *nb = rt__realloc(c->head, cap);
        if (!nb)
            return RT_ENOMEM;
        c->head = nb;
        c->head_cap = cap;
    }
    memcpy(c->head + c->head_len, data, len);
    c->head_len += len;
    return 0;
}

static void head_bytes(rt_conn *c, rt__chunk *chunk, const uint8_t *data, size_t len)
{
    const char *buf = (const char *)data;
    size_t blen = len;
    int kept = c->head_len > 0;
    if (kept) {                            /* continue an incomplete head */
        if (head_keep(c, data, len) < 0) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            return;
        }
        buf = c->head;
        blen = c->head_len;
    }
    rt_http1_response resp;
    rt_http1_header small[64], *hdrs = small;
    size_t nh = 64;
    int h = rt_http1_parse_head(&c->p, buf, blen, &resp, small, &nh);
    if (h == RT_HTTP1_MORE_HEADERS) {
        hdrs = rt__malloc(nh * sizeof *hdrs);
        if (!hdrs) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            return;
        }
        h = rt_http1_parse_head(&c->p, buf, blen, &resp, hdrs, &nh);
    }
    if (h == RT_HTTP1_INCOMPLETE) {
        if (!kept && head_keep(c, data, len) < 0)
            rt__x_fail(c, RT_ENOMEM, "out of memory");
        return;
    }
    if (h < 0) {
        if (hdrs != small)
            rt__free(hdrs);
        rt__x_fail(c, h, "bad response from %s:%u: %s", c->host, c->port, rt_strerror(h));
        return;
    }
    if (c->req->decode && !c->req->is_head) {
        int r = dec_start(c, hdrs, nh);
        if (r < 0) {
            if (hdrs != small)
                rt__free(hdrs);
            rt__x_fail(c, r, r == RT_ENOMEM ? "out of memory"
                                            : "content decoding failed: too many codings");
            return;
        }
    }
    rt__xev *ev = head_event(c, &resp, hdrs, nh);
    if (hdrs != small)
        rt__free(hdrs);
    if (!ev) {
        rt__x_fail(c, RT_ENOMEM, "out of memory");
        return;
    }
    c->head_done = 1;
    c->head_pending = 1;                   /* posted with the first body bytes, below */
    /* body bytes that came with the head (from the kept copy, or in place) */
    if (kept) {
        char *own = c->head;
        size_t olen = c->head_len;
        c->head = NULL;
        c->head_len = c->head_cap = 0;
        body_bytes(c, NULL, (const uint8_t *)own + h, olen - (size_t)h);
        rt__free(own);
    } else {
        body_bytes(c, chunk, data + h, len - (size_t)h);
    }
    flush_head(c);
}

/* ---- what conn.c calls ---- */

void rt__x_reset(rt_conn *c)
{
    rt__req *r = c->req;
    rt__x_release(c);
    rt_http1_parser_init(&c->p, r->is_head, &r->limits);
    c->send_off = 0;
    c->sent_all = 0;
    c->got_bytes = 0;
    c->head_done = 0;
    c->head_pending = 0;
    c->tls_flushed = 0;
    c->body_bytes = 0;
}

void rt__x_release(rt_conn *c)
{
    dec_free(c);
    rt__free(c->head);
    c->head = NULL;
    c->head_len = c->head_cap = 0;
}

void rt__x_input(rt_conn *c, rt__chunk *chunk, const uint8_t *data, size_t len)
{
    if (!len || c->state != CS_OPEN)
        return;
    if (!c->req) {                         /* bytes on an idle connection: not reusable */
        c->state = CS_CLOSE;
        return;
    }
    c->got_bytes = 1;
    if (c->head_done)
        body_bytes(c, chunk, data, len);
    else
        head_bytes(c, chunk, data, len);
}

/* The rest of the request from send_off, in one piece. */
static size_t output(rt_conn *c, const uint8_t **p)
{
    rt__req *r = c->req;
    if (!r || c->sent_all)
        return 0;
    if (c->send_off < r->head_len) {
        *p = (const uint8_t *)r->head + c->send_off;
        return r->head_len - c->send_off;
    }
    size_t at = c->send_off - r->head_len;
    if (r->segs) {
        /* a body in pieces: the rest of the piece holding byte `at` (the first ending after
           it), found by binary search over their ends */
        size_t lo = 0, hi = r->nsegs - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->seg_end[mid] > at)
                hi = mid;
            else
                lo = mid + 1;
        }
        *p = r->segs[lo].p + (at - (r->seg_end[lo] - r->segs[lo].len));
        return r->seg_end[lo] - at;
    }
    *p = r->body + at;
    return r->body_len - at;
}

/* At most this much of a body is shown to the carrier at once: a backend that reports a
   write only when all of it is out (libuv's uv_write) then still reports an upload's
   progress, which keeps its headers deadline from firing while a slow server reads. */
#define SEND_STEP ((size_t)1 << 20)

size_t rt__x_output(rt_conn *c, const uint8_t **p)
{
    size_t n = output(c, p);
    return n < SEND_STEP ? n : SEND_STEP;
}

void rt__x_sent(rt_conn *c, size_t n)
{
    rt__req *r = c->req;
    if (!r || c->sent_all)
        return;
    c->send_off += n;
    /* every step forward restarts the headers deadline (Node refreshes its headersTimeout on
       each body write): it measures the longest pause while a server reads the upload, then
       the wait for the head from the last byte */
    __atomic_store_n(&c->sent_ms, rt__now_ms(), __ATOMIC_RELEASE);
    if (c->send_off >= r->head_len + r->body_len) {
        c->sent_all = 1;
        /* Posted without waking the loop: it only moves the headers deadline later, and
           the loop wakes for the response or at that deadline anyway, where timed_out()
           reads sent_ms (on a threaded backend, a wake-up here cost two context switches per
           request). */
        rt__net_post_quiet(c->net, own_ev(c, &c->sent_ev));
    }
}

int rt__x_read_wanted(rt_conn *c)
{
    rt__req *r = c->req;
    if (!r || !c->head_done)
        return 1;
    if (__atomic_load_n(&r->paused, __ATOMIC_ACQUIRE))
        return 0;
    if (__atomic_load_n(&r->queued, __ATOMIC_ACQUIRE) <= RT__MAX_QUEUED)
        return 1;
    /* the loop thread has not caught up: stop, and be carried again when it has (it looks
       at throttled after taking bytes off queued; set it before looking again) */
    __atomic_store_n(&c->throttled, 1, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&r->queued, __ATOMIC_SEQ_CST) <= RT__MAX_QUEUED;
}
