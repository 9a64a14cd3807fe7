/*
 * uvb.c - the libuv backend: one thread does all the I/O with non-blocking libuv TCP.
 * Names are resolved with uv_getaddrinfo (IP literals skip it), requests are written with
 * one uv_write of the core's head and body (no copy), and response bytes go through the
 * shared sans-I/O codec (lib/net/http1.c) as they arrive. Events are emitted straight from
 * the libuv callbacks, which run inside wait() on the loop thread.
 *
 * Memory: all connections share one 64 KiB read buffer (read_cb consumes it before it
 * returns); a connection keeps its own bytes only while a response head is incomplete.
 * A connection is freed in the close callback of its last handle, never before, and a
 * pending uv_getaddrinfo holds it too (uv_cancel'd on cancel). A request's state lives in
 * rt_breq.backend_data (core memory): once a request ends or is cancelled no callback
 * touches it again, because the connection drops its pointer first.
 *
 * Host-loop mode (rt_config.uv_loop): the runtime's timers and microtasks run from a
 * uv_timer armed for the core's next deadline and an unref'd uv_check, via env->host_turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <uv.h>

#include "engine.h"
#include "runtime_tls.h"

#define RBUF_SIZE 65536
#define PLAIN_MAX 65536

enum { C_RESOLVING = 1, C_CONNECTING, C_HEAD, C_BODY, C_IDLE, C_CLOSING };

struct uvb_state;
struct uvb_req;

struct uvb_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;                      /* connect / headers / body / idle timeout */
    uv_connect_t connect;
    uv_write_t write;
    uv_getaddrinfo_t gai;
    struct uvb_state *s;
    struct uvb_req *r;                     /* the request on it; NULL when idle or dropped */
    int state;
    int open_handles;                      /* tcp + timer until their close callbacks */
    int gai_pending;
    int reused;                            /* taken from the pool */
    int got_bytes;                         /* some response byte arrived */
    int reading;
    char *origin;                          /* owned: pool key */
    char *head;                            /* owned: incomplete head bytes */
    size_t head_len, head_cap;
    rt_http1_parser p;
    struct uvb_conn *next;                 /* idle list */
    /* https: BearSSL driven as a state machine by lib/net/tls.c's pump */
    rt_tls_conn *tls;                      /* owned, NULL for plain http */
    rt_tls_src src;                        /* the request's head and body, in core memory */
    char *wbuf;                            /* owned: records being written */
    int writing;
    int app_done;                          /* whole request encrypted and handed to uv_write */
    int hs_done;                           /* handshake over: the headers timeout runs */
    uint8_t *pending;                      /* owned: records read that the engine could not
                                              take yet (reading stops until it can) */
    size_t pending_len;
    char *plain;                           /* owned: decrypted bytes gathered during one feed
                                              (records are 16 KB; the codec and the core get
                                              up to PLAIN_MAX at once), freed after it */
    size_t plain_len;
};

/* Lives in rt_breq.backend_data (core memory, zeroed by the core). */
struct uvb_req {
    rt_breq *req;
    struct uvb_conn *c;
    int queued;                            /* waiting for a connection slot */
    int retried;
    struct uvb_req *qnext;
};

struct uvb_state {
    uv_loop_t own;
    uv_loop_t *loop;
    int host;                              /* the loop is the host's */
    uv_async_t async;
    uv_timer_t wait_timer;                 /* bounds uvb_wait's poll */
    uv_prepare_t wait_prepare;             /* arms wait_timer inside uv_run */
    int wait_ms;                           /* uvb_wait's timeout, for wait_prepare */
    uv_timer_t host_timer;
    uv_check_t host_check;
    int open_handles;                      /* our own handles not yet closed */
    rt_backend_env env;
    char *rbuf;                            /* owned: the shared read buffer */
    rt_tls_sessions *sessions;             /* owned: TLS resumption cache, made on first use */
    struct uvb_conn *idle;
    struct uvb_req *qhead, *qtail;
    unsigned conns;
    int emitted;
};

static void conn_close(struct uvb_conn *c);
static void begin(struct uvb_state *s, struct uvb_req *ur);

static void emit(struct uvb_state *s, struct uvb_req *ur, rt_bevent *ev)
{
    s->emitted++;
    s->env.emit(s->env.host, ur->req, ev);
}

static int map_uv(int err)
{
    switch (err) {
    case UV_ECONNREFUSED: return RT_ECONNREFUSED;
    case UV_ECONNRESET: case UV_EPIPE: return RT_ECONNRESET;
    case UV_ETIMEDOUT: return RT_ETIMEDOUT;
    case UV_EHOSTUNREACH: return RT_EHOSTUNREACH;
    case UV_ENETUNREACH: return RT_ENETUNREACH;
    case UV_EAI_NONAME: case UV_EAI_AGAIN: case UV_EAI_FAIL: case UV_EAI_NODATA:
    case UV_EAI_ADDRFAMILY: case UV_EAI_SERVICE:
        return RT_ENOTFOUND;
    case UV_ENOMEM: return RT_ENOMEM;
    default: return RT_ESYS;
    }
}

/* ---- connection slots and the wait queue ---- */

static void next_queued(struct uvb_state *s)
{
    while (s->qhead && (!s->env.max_connections || s->conns < s->env.max_connections)) {
        struct uvb_req *ur = s->qhead;
        s->qhead = ur->qnext;
        if (!s->qhead)
            s->qtail = NULL;
        ur->queued = 0;
        begin(s, ur);
    }
}

/* ---- closing ---- */

static void maybe_free(struct uvb_conn *c)
{
    if (c->open_handles > 0 || c->gai_pending || c->writing)
        return;
    rt__free(c->tls);
    rt__free(c->wbuf);
    rt__free(c->pending);
    rt__free(c->plain);
    rt__free(c->origin);
    rt__free(c->head);
    rt__free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct uvb_conn *c = h->data;
    c->open_handles--;
    maybe_free(c);
}

static void unlink_idle(struct uvb_state *s, struct uvb_conn *c)
{
    for (struct uvb_conn **pp = &s->idle; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            return;
        }
}

/* Close a connection (idempotent). Its request pointer is dropped first. */
static void conn_close(struct uvb_conn *c)
{
    if (c->state == C_CLOSING)
        return;
    struct uvb_state *s = c->s;
    if (c->state == C_IDLE)
        unlink_idle(s, c);
    if (c->r) {
        c->r->c = NULL;
        c->r = NULL;
    }
    c->state = C_CLOSING;
    if (c->gai_pending)
        uv_cancel((uv_req_t *)&c->gai);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    s->conns--;
    next_queued(s);
}

/* End the exchange with an error (or retry once on a fresh connection if a pooled one
   turned out stale before any response byte). */
static void fail(struct uvb_conn *c, int code, const char *fmt, ...)
{
    struct uvb_req *ur = c->r;
    struct uvb_state *s = c->s;
    int stale = c->reused && !c->got_bytes && ur && ur->req->retry_stale && !ur->retried &&
                (code == RT_ECONNRESET || code == RT_ECLOSED);
    conn_close(c);
    if (!ur)
        return;
    if (stale) {
        ur->retried = 1;
        begin(s, ur);
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_bevent ev = {0};
    ev.type = RT_EV_ERROR;
    ev.code = code;
    ev.message = msg;
    emit(s, ur, &ev);
}

/* ---- timers ---- */

static void arm(struct uvb_conn *c, uint32_t ms);

/* 1 if bytes from the server wait in the socket, unread: the server has spoken and the
   delay is this process's own backlog (10,000 TLS handshakes to get through, say). */
static int unread_bytes(struct uvb_conn *c)
{
    uv_os_fd_t fd;
    int n = 0;
    return uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

static void on_timeout(uv_timer_t *t)
{
    struct uvb_conn *c = t->data;
    rt_breq *req = c->r ? c->r->req : NULL;
    /* Timeouts measure the server's silence: with its answer already waiting to be read,
       give the connection another period instead of failing it. */
    if ((c->state == C_HEAD || c->state == C_BODY) && req && unread_bytes(c)) {
        arm(c, c->state == C_BODY ? req->body_timeout_ms : req->headers_timeout_ms);
        return;
    }
    switch (c->state) {
    case C_RESOLVING:
    case C_CONNECTING:
        fail(c, RT_ETIMEDOUT, "connect %s:%u: timed out after %u ms", req->host, req->port,
             req->connect_timeout_ms);
        break;
    case C_HEAD:
        if (c->tls && !c->hs_done)
            fail(c, RT_ETIMEDOUT, "TLS handshake with %s:%u: timed out after %u ms", req->host,
                 req->port, req->headers_timeout_ms);
        else
            fail(c, RT_EHEADERS_TIMEOUT, "no response head from %s:%u within %u ms", req->host,
                 req->port, req->headers_timeout_ms);
        break;
    case C_BODY:
        fail(c, RT_EBODY_TIMEOUT, "%s:%u sent nothing for %u ms inside the body", req->host,
             req->port, req->body_timeout_ms);
        break;
    case C_IDLE:
        conn_close(c);
        break;
    }
}

static void arm(struct uvb_conn *c, uint32_t ms)
{
    if (ms)
        uv_timer_start(&c->timer, on_timeout, ms, 0);
    else
        uv_timer_stop(&c->timer);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct uvb_conn *c = h->data;
    buf->base = c->s->rbuf;
    buf->len = RBUF_SIZE;
}

/* The response is complete: the request ends, the connection goes back to the pool or
   is closed. */
static void finish(struct uvb_conn *c, size_t leftover)
{
    struct uvb_state *s = c->s;
    struct uvb_req *ur = c->r;
    /* an answer can come before the whole request went out (a 413 for an upload): such
       a connection is never reused */
    int sent = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0 &&
               (!c->tls || (c->src.off == ur->req->head_len + ur->req->body_len &&
                            !rt_tls_sending(c->tls)));
    int keep = c->p.keepalive && leftover == 0 && ur->req->reuse && sent;
    if (c->tls) {
        size_t more = 0;
        rt_tls_app_in(c->tls, &more);      /* bytes past the response: not reusable */
        keep = keep && more == 0 && !c->pending_len;
        rt_tls_conn_save(c->tls, s->sessions, c->origin);
    }
    c->r = NULL;
    ur->c = NULL;
    uv_timer_stop(&c->timer);
    if (keep) {
        c->state = C_IDLE;
        c->reused = 0;
        c->next = s->idle;
        s->idle = c;
        uv_unref((uv_handle_t *)&c->tcp); /* idle connections never keep the loop alive */
        uv_unref((uv_handle_t *)&c->timer);
        arm(c, s->env.keepalive_idle_ms);
    } else {
        conn_close(c);
    }
    rt_bevent ev = {0};
    ev.type = RT_EV_END;
    emit(s, ur, &ev);
    next_queued(s);
}

/* Decode body bytes and emit them; stops if the request went away inside emit. */
static void body_bytes(struct uvb_conn *c, const char *data, size_t len)
{
    struct uvb_state *s = c->s;
    struct uvb_req *ur = c->r;
    size_t pos = 0;
    while (pos < len && !c->p.done) {
        const char *d;
        size_t dl;
        ssize_t n = rt_http1_parse_body(&c->p, data + pos, len - pos, &d, &dl);
        if (n < 0) {
            fail(c, (int)n, "bad response body from %s:%u: %s", ur->req->host, ur->req->port,
                 rt_strerror((int)n));
            return;
        }
        pos += (size_t)n;
        if (dl) {
            rt_bevent ev = {0};
            ev.type = RT_EV_DATA;
            ev.data = (const uint8_t *)d;
            ev.len = dl;
            emit(s, ur, &ev);
            if (c->r != ur)
                return;                    /* cancelled from inside emit */
        }
        if (n == 0)
            break;
    }
    if (c->p.done)
        finish(c, len - pos);
}

static void head_bytes(struct uvb_conn *c, const char *data, size_t len)
{
    struct uvb_req *ur = c->r;
    rt_breq *req = ur->req;
    const char *buf = data;
    size_t blen = len;
    if (c->head_len) {                     /* continue an incomplete head */
        if (c->head_len + len > c->head_cap) {
            size_t cap = c->head_cap ? c->head_cap : 4096;
            while (cap < c->head_len + len)
                cap *= 2;
            char *nb = rt__realloc(c->head, cap);
            if (!nb) {
                fail(c, RT_ENOMEM, "out of memory");
                return;
            }
            c->head = nb;
            c->head_cap = cap;
        }
        memcpy(c->head + c->head_len, data, len);
        c->head_len += len;
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
            fail(c, RT_ENOMEM, "out of memory");
            return;
        }
        h = rt_http1_parse_head(&c->p, buf, blen, &resp, hdrs, &nh);
    }
    if (h == RT_HTTP1_INCOMPLETE) {
        if (!c->head_len) {                /* keep what we have: it is in the shared buffer */
            size_t cap = 4096;
            while (cap < len)
                cap *= 2;
            c->head = rt__malloc(cap);
            if (!c->head) {
                fail(c, RT_ENOMEM, "out of memory");
                return;
            }
            memcpy(c->head, data, len);
            c->head_len = len;
            c->head_cap = cap;
        }
        return;
    }
    if (h < 0) {
        if (hdrs != small)
            rt__free(hdrs);
        fail(c, h, "bad response from %s:%u: %s", req->host, req->port, rt_strerror(h));
        return;
    }
    c->state = C_BODY;
    arm(c, req->body_timeout_ms);
    rt_bevent ev = {0};
    ev.type = RT_EV_HEAD;
    ev.status = resp.status;
    ev.minor_version = resp.minor_version;
    ev.reason = resp.reason;
    ev.reason_len = resp.reason_len;
    ev.headers = hdrs;
    ev.num_headers = nh;
    emit(c->s, ur, &ev);
    if (hdrs != small)
        rt__free(hdrs);
    if (c->r != ur) {                      /* cancelled inside emit */
        return;
    }
    /* body bytes that came with the head: copy them off the head buffer first, since
       the head buffer is released now */
    char *own = c->head;
    c->head = NULL;
    c->head_len = c->head_cap = 0;
    body_bytes(c, buf + h, blen - (size_t)h);
    rt__free(own);
}

/* Plaintext response bytes (straight from the socket, or decrypted). */
static void process(struct uvb_conn *c, const char *data, size_t n)
{
    c->got_bytes = 1;
    if (c->state == C_BODY) {
        arm(c, c->r->req->body_timeout_ms);
        body_bytes(c, data, n);
    } else {
        head_bytes(c, data, n);
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void tls_pump(struct uvb_conn *c);
static void tls_feed(struct uvb_conn *c, const uint8_t *data, size_t n);

static void on_tls_write(uv_write_t *w, int status)
{
    struct uvb_conn *c = w->data;
    c->writing = 0;
    rt__free(c->wbuf);
    c->wbuf = NULL;
    if (c->state == C_CLOSING || !c->r) {
        maybe_free(c);
        return;
    }
    if (status < 0) {
        fail(c, map_uv(status), "send to %s:%u: %s", c->r->req->host, c->r->req->port,
             uv_strerror(status));
        return;
    }
    if (c->pending_len) {                  /* records out: the engine may take the rest */
        uint8_t *p = c->pending;
        size_t n = c->pending_len;
        c->pending = NULL;
        c->pending_len = 0;
        tls_feed(c, p, n);
        rt__free(p);
        if (c->state != C_CLOSING && c->r && !c->pending_len && !c->reading) {
            c->reading = 1;
            uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        }
        return;
    }
    tls_pump(c);
}

/* The TLS engine's failure (or an EOF it did not expect) as the request's error. */
static void tls_failed(struct uvb_conn *c, int eof)
{
    char msg[256];
    rt_breq *req = c->r->req;
    int code = rt_tls_error(c->tls, eof, msg, sizeof msg);
    if (code == RT_ETLS_TRUNCATED || code == RT_ETLS) {
        if (!rt_tls_established(c->tls))
            code = RT_ETLS_HANDSHAKE;      /* the server went away mid-handshake */
        else if (!c->got_bytes)
            code = RT_ECLOSED;             /* closed before answering (a stale pooled
                                              connection too), as over plain http and in
                                              the thread-pool backend */
    }
    fail(c, code, "%s:%u: %s", req->host, req->port, msg);
}

/* rt_tls_io.send: records to the socket, one uv_write at a time. */
static int tls_send(void *ctx, const uint8_t *rec, size_t len)
{
    struct uvb_conn *c = ctx;
    if (c->writing)
        return 0;
    if (!c->r)
        return -1;
    rt_breq *req = c->r->req;
    c->wbuf = rt__malloc(len);
    if (!c->wbuf) {
        fail(c, RT_ENOMEM, "out of memory");
        return -1;
    }
    memcpy(c->wbuf, rec, len);
    uv_buf_t b = uv_buf_init(c->wbuf, (unsigned)len);
    c->write.data = c;
    c->writing = 1;
    int r = uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, on_tls_write);
    if (r < 0) {
        c->writing = 0;
        fail(c, map_uv(r), "send to %s:%u: %s", req->host, req->port, uv_strerror(r));
        return -1;
    }
    return (int)len;
}

/* Hand the gathered decrypted bytes to the codec (which may end the request or close the
   connection). */
static void plain_flush(struct uvb_conn *c, struct uvb_req *ur)
{
    char *p = c->plain;
    size_t n = c->plain_len;
    c->plain = NULL;
    c->plain_len = 0;
    if (n && c->state != C_CLOSING && c->r == ur)
        process(c, p, n);
    rt__free(p);
}

/* rt_tls_io.deliver: decrypted response bytes, gathered for the codec (one DATA event per
   64 KiB rather than per 16 KiB record: the core's per-event cost is the bottleneck of an
   https download). Stop once the request ended or the connection closed (or was handed to
   another request inside emit). */
static int tls_deliver(void *ctx, const uint8_t *data, size_t n)
{
    struct uvb_conn *c = ctx;
    struct uvb_req *ur = c->r;
    if (c->plain_len + n > PLAIN_MAX) {
        plain_flush(c, ur);
        if (c->state == C_CLOSING || c->r != ur)
            return 1;
    }
    if (!c->plain && !(c->plain = rt__malloc(PLAIN_MAX))) {
        fail(c, RT_ENOMEM, "out of memory");
        return 1;
    }
    memcpy(c->plain + c->plain_len, data, n);
    c->plain_len += n;
    return 0;
}

static const rt_tls_io tls_io_ops = {NULL, tls_send, tls_deliver};

/* After the pump stopped moving: note a fully sent request, and end the exchange if the
   engine closed. */
static void tls_after(struct uvb_conn *c, struct uvb_req *ur, int r)
{
    if (r == RT_TLS_STOPPED || c->state == C_CLOSING || !c->r || c->r != ur)
        return;
    rt_breq *req = ur->req;
    if (!c->hs_done && rt_tls_established(c->tls))
        c->hs_done = 1;
    if (!c->app_done && c->src.off == req->head_len + req->body_len && !rt_tls_sending(c->tls)) {
        c->app_done = 1;
        arm(c, req->headers_timeout_ms);
    }
    if (r != RT_TLS_CLOSED)
        return;
    if (rt_tls_clean_close(c->tls) && c->p.head_done) {
        int code = rt_http1_on_eof(&c->p); /* close_notify */
        if (code == 0)
            finish(c, 0);
        else
            fail(c, code, "%s:%u closed the connection before the body ended", req->host,
                 req->port);
    } else {
        tls_failed(c, 0);
    }
}

static void tls_pump(struct uvb_conn *c)
{
    if (c->state == C_CLOSING || !c->r)
        return;
    struct uvb_req *ur = c->r;
    rt_tls_io io = tls_io_ops;
    io.ctx = c;
    int r = rt_tls_pump(c->tls, &io, &c->src);
    plain_flush(c, ur);
    tls_after(c, ur, r);
}

/* Records read from the socket; what the engine cannot take yet waits in c->pending
   (reading stops) until the next write completes. */
static void tls_feed(struct uvb_conn *c, const uint8_t *data, size_t n)
{
    struct uvb_req *ur = c->r;
    rt_tls_io io = tls_io_ops;
    io.ctx = c;
    size_t used = 0;
    int r = rt_tls_feed(c->tls, &io, &c->src, data, n, &used);
    plain_flush(c, ur);
    if (r == RT_TLS_IDLE && used < n && c->r == ur && c->state != C_CLOSING) {
        c->pending = rt__malloc(n - used);
        if (!c->pending) {
            fail(c, RT_ENOMEM, "out of memory");
            return;
        }
        memcpy(c->pending, data + used, n - used);
        c->pending_len = n - used;
        if (c->reading) {
            c->reading = 0;
            uv_read_stop((uv_stream_t *)&c->tcp);
        }
    }
    tls_after(c, ur, r);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct uvb_conn *c = stream->data;
    if (nread == 0 || c->state == C_CLOSING)
        return;
    if (c->state == C_IDLE || !c->r) {
        conn_close(c);                     /* the server closed (or spoke) while idle */
        return;
    }
    rt_breq *req = c->r->req;
    if (c->tls && nread == UV_EOF) {
        /* EOF without close_notify: fine only where no length promised more */
        if (c->p.head_done && c->p.framing == RT_HTTP1_BODY_CLOSE && !rt_tls_closed(c->tls))
            finish(c, 0);
        else
            tls_failed(c, 1);
        return;
    }
    if (nread < 0) {
        if (nread == UV_EOF) {
            int code = rt_http1_on_eof(&c->p);
            if (code == 0 && c->p.head_done) {
                finish(c, 0);
                return;
            }
            fail(c, code ? code : RT_ECLOSED, "%s:%u closed the connection %s", req->host,
                 req->port, c->p.head_done ? "before the body ended" : "before the response head");
        } else {
            fail(c, map_uv((int)nread), "%s:%u: %s", req->host, req->port, uv_strerror((int)nread));
        }
        return;
    }
    if (c->tls) {
        tls_feed(c, (const uint8_t *)buf->base, (size_t)nread);
        return;
    }
    process(c, buf->base, (size_t)nread);
}

/* ---- writing ---- */

static void on_write(uv_write_t *w, int status)
{
    struct uvb_conn *c = w->data;
    if (c->state == C_CLOSING || !c->r)
        return;                            /* cancelled: the request memory is gone */
    if (status < 0) {
        fail(c, map_uv(status), "send to %s:%u: %s", c->r->req->host, c->r->req->port,
             uv_strerror(status));
        return;
    }
    if (c->state == C_HEAD)
        arm(c, c->r->req->headers_timeout_ms);
}

static void send_request(struct uvb_conn *c)
{
    rt_breq *req = c->r->req;
    rt_http1_parser_init(&c->p, req->is_head, &req->limits);
    c->state = C_HEAD;
    c->got_bytes = 0;
    if (req->tls) {
        if (!c->tls) {
            /* a new connection: the handshake runs first, under the connect timeout */
            struct uvb_state *s = c->s;
            if (!s->sessions)
                s->sessions = rt_tls_sessions_new();   /* NULL: simply no resumption */
            c->tls = rt__malloc(rt_tls_conn_size(req->host));
            int r = c->tls ? rt_tls_conn_init(c->tls, req->trust, req->insecure, req->host,
                                              s->sessions, c->origin)
                           : RT_ENOMEM;
            if (r < 0) {
                fail(c, r, "TLS set-up for %s failed: %s", req->host, rt_strerror(r));
                return;
            }
            /* the handshake runs under the headers timeout, as sending the request does: a
               busy server (10,000 handshakes queued) is slow, not unreachable */
            arm(c, req->headers_timeout_ms);
        } else {
            arm(c, req->headers_timeout_ms); /* pooled: the session is already up */
        }
        memset(&c->src, 0, sizeof c->src);
        c->src.seg[0].data = (const uint8_t *)req->head;
        c->src.seg[0].len = req->head_len;
        c->src.seg[1].data = req->body;
        c->src.seg[1].len = req->body_len;
        c->src.nseg = 2;
        c->app_done = 0;
        if (!c->reading) {
            c->reading = 1;
            uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        }
        tls_pump(c);
        return;
    }
    arm(c, req->headers_timeout_ms);
    uv_buf_t bufs[2] = {uv_buf_init((char *)req->head, (unsigned)req->head_len),
                        uv_buf_init((char *)req->body, (unsigned)req->body_len)};
    c->write.data = c;
    int r = uv_write(&c->write, (uv_stream_t *)&c->tcp, bufs, req->body_len ? 2 : 1, on_write);
    if (r < 0) {
        fail(c, map_uv(r), "send to %s:%u: %s", req->host, req->port, uv_strerror(r));
        return;
    }
    if (!c->reading) {
        c->reading = 1;
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    }
}

/* ---- connecting ---- */

static void on_connect(uv_connect_t *cr, int status)
{
    struct uvb_conn *c = cr->data;
    if (c->state == C_CLOSING || !c->r)
        return;
    if (status < 0) {
        rt_breq *req = c->r->req;
        fail(c, map_uv(status), "connect %s:%u: %s", req->host, req->port, uv_strerror(status));
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    send_request(c);
}

static void do_connect(struct uvb_conn *c, const struct sockaddr *sa)
{
    c->state = C_CONNECTING;
    c->connect.data = c;
    int r = uv_tcp_connect(&c->connect, &c->tcp, sa, on_connect);
    if (r < 0)
        fail(c, map_uv(r), "connect %s:%u: %s", c->r->req->host, c->r->req->port, uv_strerror(r));
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res)
{
    struct uvb_conn *c = g->data;
    c->gai_pending = 0;
    if (c->state == C_CLOSING || !c->r) {
        if (res)
            uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (status < 0 || !res) {
        rt_breq *req = c->r->req;
        if (res)
            uv_freeaddrinfo(res);
        fail(c, map_uv(status), "getaddrinfo %s: %s", req->host, uv_strerror(status));
        return;
    }
    do_connect(c, res->ai_addr);
    uv_freeaddrinfo(res);
}

static struct uvb_conn *take_idle(struct uvb_state *s, const char *origin)
{
    for (struct uvb_conn **pp = &s->idle; *pp; pp = &(*pp)->next) {
        struct uvb_conn *c = *pp;
        if (strcmp(c->origin, origin) == 0) {
            *pp = c->next;
            return c;
        }
    }
    return NULL;
}

static void begin(struct uvb_state *s, struct uvb_req *ur)
{
    rt_breq *req = ur->req;
    struct uvb_conn *c = req->reuse && !ur->retried ? take_idle(s, req->origin) : NULL;
    if (c) {
        uv_ref((uv_handle_t *)&c->tcp);
        uv_ref((uv_handle_t *)&c->timer);
        c->reused = 1;
        c->r = ur;
        ur->c = c;
        send_request(c);
        return;
    }
    c = rt__calloc(1, sizeof *c);
    char *origin = rt__strdup(req->origin);
    if (!c || !origin) {
        rt__free(c);
        rt__free(origin);
        rt_bevent ev = {0};
        ev.type = RT_EV_ERROR;
        ev.code = RT_ENOMEM;
        ev.message = "out of memory";
        emit(s, ur, &ev);
        return;
    }
    c->s = s;
    c->origin = origin;
    c->r = ur;
    ur->c = c;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->open_handles = 2;
    s->conns++;
    c->state = C_RESOLVING;
    arm(c, req->connect_timeout_ms);
    struct sockaddr_storage ss;
    if (uv_ip4_addr(req->host, req->port, (struct sockaddr_in *)&ss) == 0 ||
        uv_ip6_addr(req->host, req->port, (struct sockaddr_in6 *)&ss) == 0) {
        do_connect(c, (struct sockaddr *)&ss);
        return;
    }
    char port[8];
    snprintf(port, sizeof port, "%u", req->port);
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    c->gai.data = c;
    c->gai_pending = 1;
    int r = uv_getaddrinfo(s->loop, &c->gai, on_resolved, req->host, port, &hints);
    if (r < 0) {
        c->gai_pending = 0;
        fail(c, map_uv(r), "getaddrinfo %s: %s", req->host, uv_strerror(r));
    }
}

/* ---- the vtable ---- */

static void on_async(uv_async_t *a) { (void)a; }
static void on_wait_timer(uv_timer_t *t) { (void)t; }

/* uvb_wait's timer is armed here, in uv_run's prepare phase: after uv_run has refreshed its
   clock and run the timers due, just before it computes the poll timeout from the next
   timer. Armed before uv_run, the timer could be due by the time uv_run reads the clock
   (a millisecond boundary crossed, or the thread preempted in between): uv_run then ran it
   before polling, and with no other timer due soon the poll slept until the next I/O - the
   core's timers stalled for as long as a response took (docs/reliability.md). */
static void on_wait_prepare(uv_prepare_t *p)
{
    struct uvb_state *s = p->data;
    uv_timer_start(&s->wait_timer, on_wait_timer, (uint64_t)s->wait_ms, 0);
}

static void own_closed(uv_handle_t *h)
{
    struct uvb_state *s = h->data;
    s->open_handles--;
}

static void on_host_timer(uv_timer_t *t)
{
    struct uvb_state *s = t->data;
    int64_t next = s->env.host_turn(s->env.host);
    if (next >= 0)
        uv_timer_start(&s->host_timer, on_host_timer, (uint64_t)next, 0);
}

static void on_host_check(uv_check_t *ch)
{
    struct uvb_state *s = ch->data;
    int64_t next = s->env.host_turn(s->env.host);
    if (next >= 0)
        uv_timer_start(&s->host_timer, on_host_timer, (uint64_t)next, 0);
    else
        uv_timer_stop(&s->host_timer);
}

static void uvb_host_arm(void *state, int64_t ms)
{
    struct uvb_state *s = state;
    if (!s->host)
        return;
    if (ms < 0)
        uv_timer_stop(&s->host_timer);
    else
        uv_timer_start(&s->host_timer, on_host_timer, (uint64_t)ms, 0);
}

static int uvb_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    struct uvb_state *s = state;
    s->env = *env;
    if (!s->env.keepalive_idle_ms)
        s->env.keepalive_idle_ms = 4000;
    s->rbuf = rt__malloc(RBUF_SIZE);
    if (!s->rbuf) {
        snprintf(err, errlen, "out of memory");
        return RT_ENOMEM;
    }
    if (env->uv_loop) {
        s->loop = env->uv_loop;
        s->host = 1;
    } else {
        int r = uv_loop_init(&s->own);
        if (r < 0) {
            snprintf(err, errlen, "uv_loop_init: %s", uv_strerror(r));
            rt__free(s->rbuf);
            return RT_ESYS;
        }
        s->loop = &s->own;
    }
    uv_async_init(s->loop, &s->async, on_async);
    uv_unref((uv_handle_t *)&s->async);
    uv_timer_init(s->loop, &s->wait_timer);
    uv_prepare_init(s->loop, &s->wait_prepare);
    s->async.data = s->wait_timer.data = s->wait_prepare.data = s;
    s->open_handles = 3;
    if (s->host) {
        uv_timer_init(s->loop, &s->host_timer);
        uv_check_init(s->loop, &s->host_check);
        s->host_timer.data = s->host_check.data = s;
        uv_check_start(&s->host_check, on_host_check);
        uv_unref((uv_handle_t *)&s->host_check);
        s->open_handles += 2;
    }
    return 0;
}

static void uvb_destroy(void *state)
{
    struct uvb_state *s = state;
    while (s->idle)
        conn_close(s->idle);
    uv_close((uv_handle_t *)&s->async, own_closed);
    uv_close((uv_handle_t *)&s->wait_timer, own_closed);
    uv_close((uv_handle_t *)&s->wait_prepare, own_closed);
    if (s->host) {
        uv_close((uv_handle_t *)&s->host_timer, own_closed);
        uv_close((uv_handle_t *)&s->host_check, own_closed);
        /* rt_free runs outside the host's uv_run: let our close callbacks fire */
        while (s->open_handles > 0)
            uv_run(s->loop, UV_RUN_NOWAIT);
    } else {
        uv_run(s->loop, UV_RUN_DEFAULT);
        uv_loop_close(s->loop);
    }
    rt__free(s->rbuf);
    rt_tls_sessions_free(s->sessions);
}

static int uvb_start(void *state, rt_breq *req)
{
    struct uvb_state *s = state;
    struct uvb_req *ur = req->backend_data;
    memset(ur, 0, sizeof *ur);
    ur->req = req;
    if (s->env.max_connections && s->conns >= s->env.max_connections &&
        !(req->reuse && s->idle)) {
        ur->queued = 1;
        if (s->qtail)
            s->qtail->qnext = ur;
        else
            s->qhead = ur;
        s->qtail = ur;
        return 0;
    }
    begin(s, ur);
    return 0;
}

static void uvb_cancel(void *state, rt_breq *req)
{
    struct uvb_state *s = state;
    struct uvb_req *ur = req->backend_data;
    if (ur->queued) {
        struct uvb_req *prev = NULL;
        for (struct uvb_req *q = s->qhead; q; prev = q, q = q->qnext)
            if (q == ur) {
                if (prev)
                    prev->qnext = q->qnext;
                else
                    s->qhead = q->qnext;
                if (s->qtail == q)
                    s->qtail = prev;
                break;
            }
        ur->queued = 0;
    }
    if (ur->c)
        conn_close(ur->c);                 /* drops ur first; callbacks see no request */
    ur->req = NULL;
}

static void uvb_pause(void *state, rt_breq *req)
{
    struct uvb_req *ur = req->backend_data;
    if (ur->c && ur->c->reading) {
        uv_read_stop((uv_stream_t *)&ur->c->tcp);
        uv_timer_stop(&ur->c->timer);      /* a paused body is not idle on the wire */
        ur->c->reading = 0;
    }
}

static void uvb_resume(void *state, rt_breq *req)
{
    struct uvb_req *ur = req->backend_data;
    if (ur->c && !ur->c->reading && ur->c->state != C_CLOSING) {
        ur->c->reading = 1;
        uv_read_start((uv_stream_t *)&ur->c->tcp, on_alloc, on_read);
        if (ur->c->state == C_BODY)
            arm(ur->c, req->body_timeout_ms);
    }
}

static int uvb_wait(void *state, int timeout_ms)
{
    struct uvb_state *s = state;
    s->emitted = 0;
    if (timeout_ms == 0) {
        uv_run(s->loop, UV_RUN_NOWAIT);
    } else {
        if (timeout_ms > 0) {
            /* not armed here but in on_wait_prepare, against the clock uv_run polls by;
               the prepare handle (active, referenced) also keeps uv_run from returning
               at once when no other handle is active */
            s->wait_ms = timeout_ms;
            uv_prepare_start(&s->wait_prepare, on_wait_prepare);
        }
        uv_run(s->loop, UV_RUN_ONCE);
        uv_prepare_stop(&s->wait_prepare);
        uv_timer_stop(&s->wait_timer);
    }
    return s->emitted;
}

static void uvb_wakeup(void *state)
{
    struct uvb_state *s = state;
    uv_async_send(&s->async);
}

static int uvb_alive(void *state)
{
    struct uvb_state *s = state;
    return s->qhead != NULL;
}

const rt_backend rt_backend_libuv = {
    RT_BACKEND_VERSION,                    /* version */
    "libuv",                               /* name */
    RT_BACKEND_CAP_POOL | RT_BACKEND_CAP_HOST_LOOP | RT_BACKEND_CAP_TLS, /* caps */
    sizeof(struct uvb_state),              /* state_size */
    sizeof(struct uvb_req),                /* request_size */
    uvb_create,                            /* create */
    uvb_destroy,                           /* destroy */
    uvb_start,                             /* start */
    uvb_cancel,                            /* cancel */
    uvb_pause,                             /* pause */
    uvb_resume,                            /* resume */
    uvb_wait,                              /* wait */
    uvb_wakeup,                            /* wakeup */
    uvb_alive,                             /* alive */
    uvb_host_arm,                          /* host_arm */
};
