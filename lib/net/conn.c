/*
 * conn.c - a connection as the backend sees it: the rt_conn_* functions of the transport
 * contract (include/runtime_backend.h). Each call runs on the thread that carries the
 * connection, under c->mu, and turns transport happenings into the connection's state:
 * what to connect to, which bytes to send (the request in place, or TLS records copied out
 * of the engine), where to read, and what the bytes read mean (through the TLS engine, then
 * the HTTP/1.1 exchange in exchange.c). Transport errors are mapped to our codes and
 * messages here, once for every backend; TLS errors in lib/net/tls.c.
 *
 * Ownership: the connection owns its host/key strings, its TLS state, the chunk it is read
 * into (rbuf: transient, released or reused after each read), the plaintext it gathers
 * (plain) and the records waiting to be written (wbuf). The loop thread creates and frees
 * connections (lib/net/pool.c); between rt__conn_new and rt_conn_closed the backend carries
 * it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client_int.h"

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

/* ---- life cycle (loop thread) ---- */

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
    c->closed_ev.type = XEV_CLOSED;
    c->closed_ev.c = c;
    c->closed_ev.embedded = 1;
    c->term_ev.c = c;
    c->term_ev.embedded = 1;
    return c;
}

void rt__conn_free(rt_conn *c)
{
    rt__x_release(c);
    rt__free(c->tls);
    rt__chunk_unref(c->wbuf);
    rt__chunk_unref(c->rbuf);
    rt__chunk_unref(c->plain);
    rt__free(c->host);
    rt__free(c->key);
    pthread_mutex_destroy(&c->mu);
    rt__free(c);
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
    if (rt_tls_established(c->tls))        /* notice the handshake's end while it shows */
        __atomic_store_n(&c->hs_done, 1, __ATOMIC_RELEASE);
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

/* Records read from the socket (at rbuf) into the engine, decrypted bytes to the exchange.
   What the engine cannot take yet stays at the start of rbuf. */
static void tls_feed(rt_conn *c)
{
    rt__chunk *r = c->rbuf;
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
}

/* ---- the transport contract ---- */

void rt_conn_poll(rt_conn *c, rt_conn_want *w)
{
    memset(w, 0, sizeof *w);
    rt__conn_lock(c);
    if (c->state == CS_OPEN && c->tls) {
        if (c->rbuf && c->rbuf->len)
            tls_feed(c);                   /* records the engine could not take before */
        if (c->state == CS_OPEN)
            tls_pump_out(c);
        if (c->state == CS_OPEN && rt_tls_closed(c->tls))
            tls_closed(c, 0);
    }
    switch (c->state) {
    case CS_CONNECT:
        w->op = RT_CONN_CONNECT;
        w->host = c->host;
        w->port = c->port;
        break;
    case CS_OPEN:
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
    rt__xev *ev = rt__xev_new(XEV_CONNECTED, c);
    if (ev)
        rt__net_post(c->net, ev);          /* lost: the connect deadline stays (harmless) */
    if (c->use_tls && c->req) {
        rt__req *r = c->req;
        int e = RT_ENOMEM;
        c->tls = rt__malloc(rt_tls_conn_size(r->host));
        if (c->tls)
            e = rt_tls_conn_init(c->tls, r->trust, r->insecure, r->host, c->net->sessions,
                                 c->key);
        if (e < 0)
            rt__x_fail(c, e, "TLS set-up for %s failed: %s", r->host, rt_strerror(e));
    }
    rt__conn_unlock(c);
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
        if (c->tls) {
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

uint8_t *rt_conn_recv_buf(rt_conn *c, size_t *room)
{
    uint8_t *p = NULL;
    *room = 0;
    rt__conn_lock(c);
    if (c->state == CS_OPEN) {
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
    if (c->state != CS_OPEN || !c->rbuf || n == 0 || n > c->rbuf->cap - c->rbuf->len) {
        rt__conn_unlock(c);
        return;
    }
    __atomic_store_n(&c->last_read_ms, rt__now_ms(), __ATOMIC_RELAXED);
    if (!c->req && !c->tls) {
        c->state = CS_CLOSE;               /* a pooled connection spoke out of turn */
        rt__conn_unlock(c);
        return;
    }
    if (c->tls) {
        c->rbuf->len += n;
        tls_feed(c);
    } else {
        rt__chunk *r = c->rbuf;
        const uint8_t *d = r->data + r->len;
        r->len += n;
        rt__x_input(c, r, d, n);
        /* the exchange holds references to body bytes in r: leave it to them */
        if (c->rbuf == r) {
            if (__atomic_load_n(&r->refs, __ATOMIC_ACQUIRE) > 1) {
                c->rbuf = NULL;
                rt__chunk_unref(r);
            } else {
                r->len = 0;
            }
        }
    }
    if (c->rbuf && !c->rbuf->len && c->state != CS_OPEN) {
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
            return;
        size_t n = len < room ? len : room;
        memcpy(p, data, n);
        rt_conn_recv_ack(c, n);
        data += n;
        len -= n;
    }
}

void rt_conn_eof(rt_conn *c)
{
    rt__conn_lock(c);
    if (c->state == CS_OPEN) {
        if (c->tls)
            tls_closed(c, 1);
        else if (!c->req)
            c->state = CS_CLOSE;           /* the server closed an idle connection */
        else
            rt__x_eof(c, 0);
        if (c->state == CS_OPEN && !c->req)
            c->state = CS_CLOSE;           /* nothing more can come on it */
    }
    rt__conn_unlock(c);
}

void rt_conn_closed(rt_conn *c)
{
    rt__conn_lock(c);
    c->state = CS_CLOSED;
    rt__conn_unlock(c);
    rt__net_post(c->net, &c->closed_ev);
}
