/*
 * conn.c - a connection as the backend sees it: the rt_conn_* functions of the transport
 * contract (include/runtime_backend.h). Each call runs on the thread that carries the
 * connection, under c->mu, and turns transport happenings into the connection's state:
 * what to connect to, which bytes to send (the request in place, or TLS records copied out
 * of the engine), where to read, and what the bytes read mean (through the TLS engine, then
 * the HTTP/1.1 exchange in exchange.c). Transport errors are mapped to our codes and
 * messages here, once for every backend; TLS errors in lib/net/tls.c.
 *
 * TLS handshakes off the loop thread. On an event-driven backend the carrier is the loop
 * thread, and a handshake's engine steps run the public-key work (the certificate chain's and
 * the ServerKeyExchange's signatures, ECDHE) inside BearSSL's record processing: ~3 ms per
 * connection here, which 1,000 connections starting at once turned into seconds without a
 * timer. Such a step goes to a core worker (lib/net/workers.c): JOB_INIT (the engine's set-up,
 * its random seed and the ClientHello) and JOB_FEED (records read into the engine until the
 * handshake is over or the engine takes no more). While the job owns the engine and the read
 * buffer the connection wants RT_CONN_WAIT (bytes that still arrive wait in pend); the job
 * posts XEV_JOB and the loop thread carries the connection again. Records after the
 * handshake (symmetric crypto) are handled in place. The thread-pool backend's carrier is a
 * worker already: no second hop. When no thread can be made, steps run here, at most
 * INLINE_BUDGET_US of them per loop turn; the rest are put off to the next turn.
 *
 * Through a proxy (lib/net/proxy.h) the backend connects to the proxy; a tunnel first sends
 * CONNECT host:port and reads the proxy's answer with the HTTP/1.1 codec: a 2xx opens the
 * tunnel (TLS then starts inside it, verified against the origin's name), anything else ends
 * the exchange with RT_EPROXY. So do a proxy that cannot be reached and one that hangs up
 * before answering. A plain request through a proxy needs nothing here: its head is already
 * in absolute form (lib/net/client.c).
 *
 * Ownership: the connection owns its host/key strings, the CONNECT head (tun_req; the proxy's
 * name is borrowed from the client's rt__proxy), its TLS state, the chunk it is read into
 * (rbuf: transient, released or reused after each read), the plaintext it gathers
 * (plain), the records waiting to be written (wbuf) and the bytes read while a step ran
 * (pend). The loop thread creates and frees connections (lib/net/pool.c); between
 * rt__conn_new and rt_conn_closed the backend carries it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client_int.h"
#include "proxy.h"

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

enum { JOB_NONE = 0, JOB_INIT, JOB_FEED };
#define INLINE_BUDGET_US 2000              /* handshake steps run here per turn, no thread */

static void job_run(rt__work *j);

/* ---- life cycle (loop thread) ---- */

/* One of the connection's own events: never allocated, never freed. */
static void own_event(rt_conn *c, rt__xev *ev, int type)
{
    ev->type = type;
    ev->c = c;
    ev->embedded = 1;
}

rt_conn *rt__conn_new(rt__net *net, const char *host, uint16_t port, int tls, const char *key)
{
    rt_conn *c = rt__calloc(1, net->conn_data_off + net->cfg.backend->conn_size);
    if (!c)
        return NULL;
    c->host = rt__strdup(host);
    c->key = rt__strdup(key);
    if (!c->host || !c->key) {
        rt__free(c->host);
        rt__free(c->key);
        rt__free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->net = net;
    c->port = port;
    c->use_tls = (uint8_t)(tls != 0);
    c->state = CS_CONNECT;
    c->dl.index = SIZE_MAX;
    own_event(c, &c->closed_ev, XEV_CLOSED);
    own_event(c, &c->term_ev, 0);          /* DONE or ERROR, set when posted */
    own_event(c, &c->conn_ev, XEV_CONNECTED);
    own_event(c, &c->cstart_ev, XEV_CONNECTING);
    own_event(c, &c->sent_ev, XEV_SENT);
    own_event(c, &c->head_ev, XEV_HEAD);
    own_event(c, &c->job_ev, XEV_JOB);
    own_event(c, &c->hs_ev, XEV_HANDSHAKE);
    c->job.run = job_run;
    return c;
}

void rt__conn_free(rt_conn *c)
{
    rt__x_release(c);
    rt__free(c->tls);
    rt__free(c->tls_new);
    rt__chunk_unref(c->wbuf);
    rt__chunk_unref(c->rbuf);
    rt__chunk_unref(c->plain);
    rt__chunk_unref(c->pend);
    rt__free(c->host);
    rt__free(c->key);
    rt__free(c->tun_req);
    pthread_mutex_destroy(&c->mu);
    rt__free(c);
}

int rt__conn_via(rt_conn *c, const rt__req *r)
{
    c->via_host = r->via_host;
    c->via_port = r->via_port;
    if (!r->tunnel)
        return 0;
    size_t n = rt__proxy_connect_head(r->host, r->port, r->via_auth, NULL, 0);
    if (!(c->tun_req = rt__malloc(n + 1)))
        return RT_ENOMEM;
    rt__proxy_connect_head(r->host, r->port, r->via_auth, c->tun_req, n + 1);
    c->tun_len = n;
    c->tunnel = 1;
    return 0;
}

/* Under c->mu: give c the request req (a new connection's first, or a pooled one's next). */
void rt__conn_attach(rt_conn *c, rt__req *req)
{
    c->req = req;
    __atomic_add_fetch(&req->refs, 1, __ATOMIC_RELAXED);
    rt__x_reset(c);
}

size_t rt__conn_data_offset(void)
{
    return ALIGN16(sizeof(rt_conn));
}

void *rt_conn_data(rt_conn *c)
{
    return (char *)c + c->net->conn_data_off;
}

/* ---- TLS: moving bytes between the engine, the socket and the exchange ---- */

/* The exchange's plaintext gathered so far goes to it (decrypted records are 16 KB; the
   exchange gets up to a chunk at once, fewer events downstream). */
static void plain_flush(rt_conn *c)
{
    rt__chunk *p = c->plain;
    if (!p || !p->len)
        return;
    c->plain = NULL;
    rt__x_input(c, p, p->data, p->len);
    rt__chunk_unref(p);
}

/* Decrypted bytes out of the engine into c->plain, flushed when full. 0, or RT_ENOMEM. */
static int drain_app(rt_conn *c)
{
    size_t alen;
    const uint8_t *app;
    while (c->state == CS_OPEN && (app = rt_tls_app_in(c->tls, &alen), alen)) {
        if (!c->plain && !(c->plain = rt__chunk_new(&c->net->chunks, RT__CHUNK_SIZE)))
            return RT_ENOMEM;
        size_t room = c->plain->cap - c->plain->len;
        size_t n = alen < room ? alen : room;
        memcpy(c->plain->data + c->plain->len, app, n);
        c->plain->len += n;
        rt_tls_app_in_ack(c->tls, n);
        if (c->plain->len == c->plain->cap)
            plain_flush(c);
    }
    return 0;
}

/* The engine closed (close_notify or a failure): end the exchange accordingly. */
static void tls_closed(rt_conn *c, int eof)
{
    plain_flush(c);
    if (c->state != CS_OPEN)
        return;
    if (!eof && rt_tls_clean_close(c->tls)) {
        rt__x_eof(c, 1);                   /* close_notify: an end of stream like any other */
        return;
    }
    if (!c->req) {                         /* a pooled connection the server dropped */
        c->state = CS_CLOSE;
        return;
    }
    /* EOF without close_notify is fine only where no length promised more */
    if (eof && c->head_done && c->p.framing == RT_HTTP1_BODY_CLOSE && !rt_tls_closed(c->tls)) {
        rt__x_eof(c, 0);
        return;
    }
    char msg[160];
    int code = rt_tls_error(c->tls, eof, msg, sizeof msg);
    if (code == RT_ETLS_TRUNCATED || code == RT_ETLS) {
        if (!rt_tls_established(c->tls))
            code = RT_ETLS_HANDSHAKE;      /* the server went away mid-handshake */
        else if (!c->got_bytes)
            code = RT_ECLOSED;             /* closed before answering (a stale pooled
                                              connection too), as over plain http */
    }
    rt__x_fail(c, code, "%s:%u: %s", c->host, c->port, msg);
}

/* Plaintext of the request into the engine, records out of it into wbuf. */
static void tls_pump_out(rt_conn *c)
{
    if (!c->hs_done && rt_tls_established(c->tls)) {
        /* the handshake's end, noticed while it shows: remember the session now (new
           connections to the origin resume it) and let the origin's waiters go on */
        __atomic_store_n(&c->hs_done, 1, __ATOMIC_RELEASE);
        rt_tls_conn_save(c->tls, c->net->sessions, c->key);
        if (c->hs_lead)
            rt__net_post(c->net, &c->hs_ev);
    }
    if (c->req && !c->sent_all) {
        const uint8_t *p;
        size_t n;
        while ((n = rt__x_output(c, &p)) > 0) {
            size_t took = rt_tls_app_out(c->tls, p, n);
            if (!took)
                break;
            rt__x_sent(c, took);           /* "sent" into the engine; flushed below */
        }
        if (c->sent_all && !c->tls_flushed) {
            rt_tls_flush(c->tls);
            c->tls_flushed = 1;
        }
    }
    if (c->wbuf)
        return;                            /* one batch of records on the wire at a time */
    size_t len;
    const uint8_t *rec = rt_tls_out(c->tls, &len);
    if (!len)
        return;
    rt__chunk *w = rt__chunk_new(&c->net->chunks, len > RT__CHUNK_SIZE ? len : RT__CHUNK_SIZE);
    if (!w) {
        rt__x_fail(c, RT_ENOMEM, "out of memory");
        return;
    }
    memcpy(w->data, rec, len);
    w->len = len;
    rt_tls_out_ack(c->tls, len);
    c->wbuf = w;
    c->wbuf_off = 0;
}

/* ---- engine steps on a worker ---- */

/* The step itself, on whichever thread runs it. */
static void step_run(rt_conn *c, int kind, rt__req *r)
{
    if (kind == JOB_INIT) {
        c->job_err = rt_tls_conn_init(c->tls_new, r->trust, r->insecure, r->host,
                                      c->net->sessions, c->key);
    } else if (kind == JOB_FEED) {
        rt__chunk *b = c->rbuf;
        size_t used = 0;
        while (used < b->len) {
            size_t took = rt_tls_in(c->tls, b->data + used, b->len - used);
            used += took;
            if (!took || rt_tls_closed(c->tls) || rt_tls_established(c->tls))
                break;                     /* the rest (application data) is read in place */
        }
        c->job_used = used;
    }
}

/* On a core worker. c stays allocated: the loop thread frees it only after XEV_JOB. */
static void job_run(rt__work *j)
{
    rt_conn *c = (rt_conn *)((char *)j - offsetof(rt_conn, job));
    step_run(c, c->job_kind, c->job_ev.req);
    rt__net_post_remote(c->net, &c->job_ev);
}

/* Carrier = loop thread (an event-driven backend): hand the step to a worker, or put it off
   to the next turn when no thread exists and this turn's budget is spent. 1: the connection
   waits for XEV_JOB; 0: run the step here, now. */
static int step_away(rt_conn *c, int kind)
{
    rt__net *net = c->net;
    if (net->threaded || !c->req)
        return 0;                          /* the carrier is a worker already */
    c->job_kind = kind;
    c->job_busy = 1;
    c->job_ev.req = c->req;                /* the step reads it; the event drops it */
    __atomic_add_fetch(&c->req->refs, 1, __ATOMIC_RELAXED);
    if (!net->workers)
        net->workers = rt__workers_new(0); /* NULL (out of memory): steps run here */
    if (net->workers && rt__workers_submit(net->workers, &c->job) == 0) {
        net->steps_away++;
        return 1;
    }
    if (net->inline_turn != net->turn) {
        net->inline_turn = net->turn;
        net->inline_us = 0;
    }
    if (net->inline_us < INLINE_BUDGET_US) {
        c->job_busy = 0;
        c->job_ev.req = NULL;
        __atomic_sub_fetch(&c->req->refs, 1, __ATOMIC_RELAXED);   /* c->req holds one */
        return 0;
    }
    c->job_kind = JOB_NONE;                /* put off: tried again when the event comes */
    rt__net_post(net, &c->job_ev);
    return 1;
}

/* A step run here: counted against the turn's budget when it is the loop thread's. */
static void step_here(rt_conn *c, int kind)
{
    uint64_t t0 = c->net->threaded ? 0 : rt__now_us();
    step_run(c, kind, c->req);
    if (!c->net->threaded) {
        c->net->inline_us += rt__now_us() - t0;
        c->net->steps_here++;
    }
}

/* Append n bytes to *b (made or grown as needed; what it holds is kept). 0 or RT_ENOMEM. */
static int chunk_append(rt__net *net, rt__chunk **b, const uint8_t *p, size_t n)
{
    rt__chunk *o = *b;
    if (!o || o->cap - o->len < n) {
        size_t have = o ? o->len : 0;
        size_t cap = have + n > RT__CHUNK_SIZE ? have + n : RT__CHUNK_SIZE;
        rt__chunk *g = rt__chunk_new(&net->chunks, cap);
        if (!g)
            return RT_ENOMEM;
        if (have)
            memcpy(g->data, o->data, have);
        g->len = have;
        rt__chunk_unref(o);
        *b = o = g;
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
    return 0;
}

/* The set-up is over (job_err): c->tls is the engine from now on, or the exchange fails. */
static void tls_started(rt_conn *c)
{
    if (c->job_err < 0) {
        rt__free(c->tls_new);
        c->tls_new = NULL;
        rt__x_fail(c, c->job_err, "TLS set-up for %s failed: %s", c->host,
                   rt_strerror(c->job_err));
        return;
    }
    c->tls = c->tls_new;
    c->tls_new = NULL;
}

/* The engine's set-up for the request's host, on a worker when the carrier is the loop. */
static void tls_start(rt_conn *c)
{
    rt__req *r = c->req;
    if (!c->tls_new && !(c->tls_new = rt__malloc(rt_tls_conn_size(r->host)))) {
        rt__x_fail(c, RT_ENOMEM, "TLS set-up for %s failed: %s", r->host, rt_strerror(RT_ENOMEM));
        return;
    }
    if (step_away(c, JOB_INIT))
        return;                            /* tls_started when it is over */
    step_here(c, JOB_INIT);
    tls_started(c);
}

/* Records read from the socket (at rbuf) into the engine, decrypted bytes to the exchange.
   What the engine cannot take yet stays at the start of rbuf. During the handshake the
   engine's step may go to a worker. */
static void tls_feed(rt_conn *c)
{
    rt__chunk *r = c->rbuf;
    uint64_t t0 = 0;                       /* a handshake step run on the loop thread */
    if (c->state == CS_OPEN && !c->hs_done && !rt_tls_established(c->tls)) {
        size_t room = 0;
        rt_tls_in_buf(c->tls, &room);
        if (room && step_away(c, JOB_FEED))
            return;
        if (!c->net->threaded) {
            t0 = rt__now_us();
            c->net->steps_here++;
        }
    }
    size_t used = 0;
    while (used < r->len && c->state == CS_OPEN) {
        size_t took = rt_tls_in(c->tls, r->data + used, r->len - used);
        used += took;
        if (drain_app(c) < 0) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            break;
        }
        if (rt_tls_closed(c->tls)) {
            tls_closed(c, 0);
            break;
        }
        if (!took)
            break;                         /* full until records go out */
    }
    plain_flush(c);
    if (used < r->len && c->state == CS_OPEN) {
        memmove(r->data, r->data + used, r->len - used);
        r->len -= used;
    } else {
        r->len = 0;
    }
    if (t0)
        c->net->inline_us += rt__now_us() - t0;
}

/* ---- a CONNECT tunnel through a proxy ---- */

static int tunnel_pending(const rt_conn *c)
{
    return c->tunnel && !c->tunnel_up;
}

/* The proxy's answer to CONNECT, gathered at the start of rbuf: wait for the whole head;
   a 2xx opens the tunnel, anything else fails the exchange with RT_EPROXY. */
static void tunnel_input(rt_conn *c)
{
    rt__chunk *b = c->rbuf;
    rt__req *r = c->req;
    if (!r) {
        c->state = CS_CLOSE;
        return;
    }
    rt_http1_parser p;
    rt_http1_response resp;
    rt_http1_header h[64];
    size_t nh = 64;
    rt_http1_parser_init(&p, 0, &r->limits);
    int n = rt_http1_parse_head(&p, (const char *)b->data, b->len, &resp, h, &nh);
    if (n == RT_HTTP1_INCOMPLETE && b->len < b->cap)
        return;
    if (n < 0) {
        int code = n == RT_HTTP1_INCOMPLETE || n == RT_HTTP1_MORE_HEADERS ? RT_EHEADERS_TOO_LARGE
                                                                          : n;
        rt__x_fail(c, RT_EPROXY, "bad answer from proxy %s:%u to CONNECT %s:%u: %s",
                   c->via_host, c->via_port, c->host, c->port, rt_strerror(code));
        return;
    }
    if (resp.status < 200 || resp.status > 299) {
        rt__x_fail(c, RT_EPROXY, "proxy %s:%u answered %d %.*s to CONNECT %s:%u", c->via_host,
                   c->via_port, resp.status, (int)(resp.reason_len > 60 ? 60 : resp.reason_len),
                   resp.reason, c->host, c->port);
        return;
    }
    if ((size_t)n < b->len) {              /* the origin speaks only after us: not the proxy */
        rt__x_fail(c, RT_EPROXY, "proxy %s:%u sent bytes after its answer to CONNECT %s:%u",
                   c->via_host, c->via_port, c->host, c->port);
        return;
    }
    b->len = 0;
    __atomic_store_n(&c->tunnel_up, 1, __ATOMIC_RELEASE);
}

/* ---- the transport contract ---- */

void rt_conn_poll(rt_conn *c, rt_conn_want *w)
{
    memset(w, 0, sizeof *w);
    rt__conn_lock(c);
    if (c->state == CS_OPEN && c->use_tls && !c->tls && c->req && !c->hs_wait && !c->job_busy &&
        !tunnel_pending(c))
        tls_start(c);
    if (c->state == CS_OPEN && c->tls && !c->job_busy) {
        if (c->rbuf && c->rbuf->len)
            tls_feed(c);                   /* records the engine could not take before */
        if (c->state == CS_OPEN && !c->job_busy)
            tls_pump_out(c);
        if (c->state == CS_OPEN && !c->job_busy && rt_tls_closed(c->tls))
            tls_closed(c, 0);
    }
    if (c->job_busy) {                     /* a worker runs an engine step: nothing till then */
        w->op = RT_CONN_WAIT;
        rt__conn_unlock(c);
        return;
    }
    switch (c->state) {
    case CS_CONNECT:
        w->op = RT_CONN_CONNECT;
        w->host = c->via_host ? c->via_host : c->host;
        w->port = c->via_host ? c->via_port : c->port;
        if (!c->connecting) {              /* the connect deadline runs from here */
            c->connecting = 1;
            rt__net_post(c->net, &c->cstart_ev);
        }
        break;
    case CS_OPEN:
        if (tunnel_pending(c)) {           /* CONNECT out, the proxy's answer in */
            w->out = (const uint8_t *)c->tun_req + c->tun_off;
            w->out_len = c->tun_len - c->tun_off;
            w->read = 1;
            w->op = RT_CONN_IO;
            break;
        }
        if (c->use_tls && !c->tls) {
            w->op = RT_CONN_WAIT;          /* waits for its origin's leading handshake */
            break;
        }
        if (c->tls) {
            if (c->wbuf) {
                w->out = c->wbuf->data + c->wbuf_off;
                w->out_len = c->wbuf->len - c->wbuf_off;
            }
            size_t room = 0;
            rt_tls_in_buf(c->tls, &room);
            w->read = room > 0 && !(c->rbuf && c->rbuf->len) && rt__x_read_wanted(c);
        } else if (c->req) {
            w->out_len = rt__x_output(c, &w->out);
            w->read = rt__x_read_wanted(c);
        }
        if (!c->req && !w->out_len)
            w->op = RT_CONN_IDLE;
        else
            w->op = w->out_len || w->read ? RT_CONN_IO : RT_CONN_WAIT;
        break;
    default:
        w->op = RT_CONN_CLOSE;
        break;
    }
    rt__conn_unlock(c);
}

void rt_conn_connected(rt_conn *c)
{
    rt__conn_lock(c);
    if (c->state != CS_CONNECT) {
        rt__conn_unlock(c);
        return;
    }
    c->state = CS_OPEN;
    rt__net_post(c->net, &c->conn_ev);
    rt__conn_unlock(c);                    /* TLS starts at the next poll (tls_start) */
}

/* errno -> our code: the one place (every backend reports errno values). */
static int map_errno(int e)
{
    switch (e) {
    case ECONNREFUSED: return RT_ECONNREFUSED;
    case ECONNRESET: case EPIPE: case ECONNABORTED: return RT_ECONNRESET;
    case ETIMEDOUT: return RT_ETIMEDOUT;
    case EHOSTUNREACH: return RT_EHOSTUNREACH;
    case ENETUNREACH: return RT_ENETUNREACH;
    case ENOMEM: case ENOBUFS: return RT_ENOMEM;
    case EMFILE: return RT_EMFILE;
    case ENFILE: return RT_ENFILE;
    default: return RT_ESYS;
    }
}

void rt_conn_failed(rt_conn *c, int stage, int err)
{
    rt__conn_lock(c);
    if (c->state == CS_CLOSE || c->state == CS_CLOSED) {
        rt__conn_unlock(c);
        return;
    }
    const char *what = err ? strerror(err) : "no such host";
    /* no descriptor for a socket (or for the lookup's own files): pressure, not failure -
       the request waits for one (lib/net/pool.c); the event says so */
    c->term_ev.pressure = (err == EMFILE || err == ENFILE) &&
                          (stage == RT_CONN_SOCKET || stage == RT_CONN_RESOLVE);
    int code = map_errno(err);
    if (c->via_host && !c->term_ev.pressure && code != RT_ENOMEM &&
        (stage == RT_CONN_RESOLVE || stage == RT_CONN_SOCKET || stage == RT_CONN_CONNECTING)) {
        /* the proxy cannot be reached: the request's failure is the proxy's */
        rt__x_fail(c, RT_EPROXY, "%s proxy %s:%u: %s", stage == RT_CONN_RESOLVE ? "resolve"
                   : "connect to", c->via_host, c->via_port, what);
        c->state = CS_CLOSE;
        rt__conn_unlock(c);
        return;
    }
    switch (stage) {
    case RT_CONN_RESOLVE:
        if (code != RT_ENOMEM && code != RT_EMFILE && code != RT_ENFILE)
            code = err ? RT_ESYS : RT_ENOTFOUND;
        rt__x_fail(c, code, "getaddrinfo %s: %s", c->host, what);
        break;
    case RT_CONN_SOCKET:
        rt__x_fail(c, map_errno(err), "socket for %s:%u: %s", c->host, c->port, what);
        break;
    case RT_CONN_CONNECTING:
        rt__x_fail(c, map_errno(err), "connect %s:%u: %s", c->host, c->port, what);
        break;
    case RT_CONN_SENDING:
        rt__x_fail(c, map_errno(err), "send to %s:%u: %s", c->host, c->port, what);
        break;
    default:
        rt__x_fail(c, map_errno(err), "%s:%u: %s", c->host, c->port, what);
        break;
    }
    c->state = CS_CLOSE;
    rt__conn_unlock(c);
}

void rt_conn_sent(rt_conn *c, size_t n)
{
    rt__conn_lock(c);
    if (c->state == CS_OPEN) {
        if (tunnel_pending(c)) {
            c->tun_off += n < c->tun_len - c->tun_off ? n : c->tun_len - c->tun_off;
        } else if (c->tls) {
            if (c->wbuf) {
                c->wbuf_off += n;
                if (c->wbuf_off >= c->wbuf->len) {
                    rt__chunk_unref(c->wbuf);
                    c->wbuf = NULL;
                }
            }
        } else {
            rt__x_sent(c, n);
        }
    }
    rt__conn_unlock(c);
}

/* Room at the end of pend (made, or grown to twice its size, as needed); NULL when out of
   memory. */
static uint8_t *pend_room(rt_conn *c, size_t *room)
{
    rt__chunk *o = c->pend;
    if (!o || o->len == o->cap) {
        size_t cap = o ? o->cap * 2 : RT__CHUNK_SIZE;
        rt__chunk *g = rt__chunk_new(&c->net->chunks, cap);
        if (!g)
            return NULL;
        g->len = o ? o->len : 0;
        if (o)
            memcpy(g->data, o->data, o->len);
        rt__chunk_unref(o);
        c->pend = o = g;
    }
    *room = o->cap - o->len;
    return o->data + o->len;
}

/* A plain read of at most this many bytes into an empty chunk is copied into a chunk of its
   own size (rt_conn_recv_ack). */
#define SMALL_READ 4096

uint8_t *rt_conn_recv_buf(rt_conn *c, size_t *room)
{
    uint8_t *p = NULL;
    *room = 0;
    rt__conn_lock(c);
    if (c->state == CS_OPEN && c->job_busy) {
        /* a step owns rbuf (and the backend reads anyway): the bytes wait in pend */
        if (!(p = pend_room(c, room))) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            c->state = CS_CLOSE;
        }
    } else if (c->state == CS_OPEN) {
        if (!c->rbuf && !(c->rbuf = rt__chunk_new(&c->net->chunks, RT__CHUNK_SIZE))) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            c->state = CS_CLOSE;
        } else {
            p = c->rbuf->data + c->rbuf->len;
            *room = c->rbuf->cap - c->rbuf->len;
        }
    }
    rt__conn_unlock(c);
    return p;
}

void rt_conn_recv_ack(rt_conn *c, size_t n)
{
    rt__conn_lock(c);
    if (c->state == CS_OPEN && c->job_busy) {
        if (c->pend && n > 0 && n <= c->pend->cap - c->pend->len)
            c->pend->len += n;
        rt__conn_unlock(c);
        return;
    }
    if (c->state != CS_OPEN || !c->rbuf || n == 0 || n > c->rbuf->cap - c->rbuf->len) {
        rt__conn_unlock(c);
        return;
    }
    __atomic_store_n(&c->last_read_ms, rt__now_ms(), __ATOMIC_RELAXED);
    if (tunnel_pending(c)) {
        c->rbuf->len += n;
        tunnel_input(c);
        rt__conn_unlock(c);
        return;
    }
    if (!c->req && !c->use_tls) {
        c->state = CS_CLOSE;               /* a pooled connection spoke out of turn */
        rt__conn_unlock(c);
        return;
    }
    if (c->use_tls) {
        c->rbuf->len += n;
        if (c->tls)                        /* else kept for the engine once it is set up */
            tls_feed(c);
    } else {
        rt__chunk *r = c->rbuf, *in = r, *small = NULL;
        const uint8_t *d = r->data + r->len;
        if (!r->len && n <= SMALL_READ && (small = rt__chunk_new(&c->net->chunks, n))) {
            /* a short read (a small response, a head) lands in a chunk of its size: the
               exchange keeps what it references until the script reads it */
            memcpy(small->data, d, n);
            small->len = n;
            in = small;
            d = small->data;
        } else {
            r->len += n;
        }
        rt__x_input(c, in, d, n);
        rt__chunk_unref(small);
        /* the exchange holds references to the bytes it keeps; the read chunk goes back to
           the pool's spares (or is freed), so a connection between reads - waiting for its
           response, or idle in the pool - holds none: 10,000 requests in flight each held a
           64 KiB chunk (a touched page of it) from their first read on */
        if (c->rbuf == r) {
            c->rbuf = NULL;
            rt__chunk_unref(r);
        }
    }
    if (!c->job_busy && c->rbuf && !c->rbuf->len && c->state != CS_OPEN) {
        rt__chunk_unref(c->rbuf);
        c->rbuf = NULL;
    }
    rt__conn_unlock(c);
}

void rt_conn_recv(rt_conn *c, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t room;
        uint8_t *p = rt_conn_recv_buf(c, &room);
        if (!p || !room)
            return;                        /* closing: nothing more is read */
        size_t n = len < room ? len : room;
        memcpy(p, data, n);
        rt_conn_recv_ack(c, n);
        data += n;
        len -= n;
        if (len && c->use_tls) {
            /* bytes the engine could not take yet stay in rbuf; the rest of this read is
               kept behind them (rbuf grows) rather than dropped */
            rt__conn_lock(c);
            int e = 0;
            if (c->state == CS_OPEN && !c->job_busy && c->rbuf &&
                c->rbuf->cap - c->rbuf->len < len)
                e = chunk_append(c->net, &c->rbuf, data, len);
            else if (c->state == CS_OPEN && c->job_busy)
                e = chunk_append(c->net, &c->pend, data, len);
            else
                e = 1;
            if (e < 0) {
                rt__x_fail(c, RT_ENOMEM, "out of memory");
                c->state = CS_CLOSE;
            }
            rt__conn_unlock(c);
            if (e == 0)
                return;
        }
    }
}

/* The peer closed (the contract call, or later: after the step that ran meanwhile). */
static void conn_eof(rt_conn *c)
{
    if (c->state != CS_OPEN)
        return;
    if (c->job_busy) {
        c->eof_pending = 1;                /* the engine is the step's until it is over */
        return;
    }
    if (tunnel_pending(c))
        rt__x_fail(c, RT_EPROXY, "proxy %s:%u closed the connection before answering CONNECT "
                   "%s:%u", c->via_host, c->via_port, c->host, c->port);
    else if (c->tls)
        tls_closed(c, 1);
    else if (!c->req)
        c->state = CS_CLOSE;               /* the server closed an idle connection */
    else
        rt__x_eof(c, 0);
    if (c->state == CS_OPEN && !c->req)
        c->state = CS_CLOSE;               /* nothing more can come on it */
}

void rt_conn_eof(rt_conn *c)
{
    rt__conn_lock(c);
    conn_eof(c);
    rt__conn_unlock(c);
}

/* Loop thread, XEV_JOB: the step is over; take its results. The caller carries c next. */
void rt__conn_job_done(rt_conn *c)
{
    c->job_busy = 0;
    switch (c->job_kind) {
    case JOB_INIT:
        tls_started(c);
        break;
    case JOB_FEED: {
        rt__chunk *r = c->rbuf;
        if (c->job_used < r->len) {
            memmove(r->data, r->data + c->job_used, r->len - c->job_used);
            r->len -= c->job_used;
        } else {
            r->len = 0;
        }
        break;
    }
    default:                               /* put off: it runs when carried */
        break;
    }
    c->job_kind = JOB_NONE;
    if (c->pend) {                         /* read meanwhile: behind what is left */
        rt__chunk *p = c->pend;
        c->pend = NULL;
        if (c->state == CS_OPEN && chunk_append(c->net, &c->rbuf, p->data, p->len) < 0) {
            rt__x_fail(c, RT_ENOMEM, "out of memory");
            c->state = CS_CLOSE;
        }
        rt__chunk_unref(p);
    }
    if (c->eof_pending) {
        c->eof_pending = 0;
        conn_eof(c);
    }
}

void rt_conn_closed(rt_conn *c)
{
    rt__conn_lock(c);
    c->state = CS_CLOSED;
    rt__conn_unlock(c);
    rt__net_post(c->net, &c->closed_ev);
}
