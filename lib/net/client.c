/*
 * client.c - the loop side of the HTTP client (client.h): requests from start to release,
 * the event queue connections post to (any thread) and its dispatch (loop thread: pool
 * decisions, deadlines, the stale-connection retry, then the request's callback), and every
 * connection deadline, kept in one heap and folded into the loop's wait.
 *
 * Ownership: rt__net owns its origins, connections, requests (until their last reference)
 * and queued events. An event owns its HEAD block and a reference to its chunk and request;
 * a connection's terminal and closed events are part of it and never freed on their own.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client_int.h"
#include "proxy.h"

size_t rt__conn_data_offset(void);

/* ---- locking (threaded backends only) ---- */

void rt__conn_lock(rt_conn *c)
{
    if (c->net->threaded)
        pthread_mutex_lock(&c->mu);
}

void rt__conn_unlock(rt_conn *c)
{
    if (c->net->threaded)
        pthread_mutex_unlock(&c->mu);
}

/* ---- the event queue ---- */

rt__xev *rt__xev_new(int type, rt_conn *c)
{
    rt__xev *ev = rt__calloc(1, sizeof *ev);
    if (ev) {
        ev->type = type;
        ev->c = c;
    }
    return ev;
}

/* The queue is always locked: besides a threaded backend's carriers, the core's own
   workers (lib/net/workers.c) post to it on any backend. Uncontended, that costs little. */
/* Returns 1 when the caller is to wake the loop: the first event posted since the loop last
   took the queue that asks for a wake-up (a quiet one does not, and does not count). */
static int post(rt__net *net, rt__xev *ev, int quiet)
{
    ev->next = NULL;
    pthread_mutex_lock(&net->mu);
    if (net->evq_tail)
        net->evq_tail->next = ev;
    else
        __atomic_store_n(&net->evq_head, ev, __ATOMIC_RELEASE);  /* rt__net_ready peeks */
    net->evq_tail = ev;
    int wake = !quiet && !net->evq_woken;
    if (wake)
        net->evq_woken = 1;
    pthread_mutex_unlock(&net->mu);
    return wake;
}

void rt__net_post(rt__net *net, rt__xev *ev)
{
    if (post(net, ev, 0) && net->threaded)
        rt__backend_wakeup(net->cfg.backend, net->cfg.bstate);   /* the loop may sleep in wait() */
}

/* Queued for the next dispatch, whenever something else wakes the loop: for events that
   only move a deadline later (XEV_SENT). */
void rt__net_post_quiet(rt__net *net, rt__xev *ev)
{
    (void)post(net, ev, 1);
}

void rt__net_post_remote(rt__net *net, rt__xev *ev)
{
    if (post(net, ev, 0))
        rt__backend_wakeup(net->cfg.backend, net->cfg.bstate);
}

/* Take the whole queue: what is posted meanwhile waits for the next dispatch, so a busy
   backend cannot keep the loop from its timers. */
static rt__xev *take_events(rt__net *net, rt__xev **tail)
{
    pthread_mutex_lock(&net->mu);
    rt__xev *list = net->evq_head;
    *tail = net->evq_tail;
    __atomic_store_n(&net->evq_head, NULL, __ATOMIC_RELEASE);
    net->evq_tail = NULL;
    net->evq_woken = 0;
    pthread_mutex_unlock(&net->mu);
    return list;
}

int rt__net_ready(rt__net *net)
{
    return net->held_head || __atomic_load_n(&net->evq_head, __ATOMIC_ACQUIRE) != NULL;
}

void rt__net_wakeup(rt__net *net)
{
    rt__backend_wakeup(net->cfg.backend, net->cfg.bstate);
}

/* ---- requests ---- */

static void req_free(rt__net *net, rt__req *r)
{
    if (r->all_prev)
        r->all_prev->all_next = r->all_next;
    else
        net->reqs = r->all_next;
    if (r->all_next)
        r->all_next->all_prev = r->all_prev;
    if (r->body_owned)
        rt__free((void *)r->body);
    rt__free(r->segs);
    rt__free(r->head);
    rt__free(r->host);
    rt__free(r);
}

void rt__req_unref(rt__req *r)
{
    if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
        req_free(r->net, r);
}

/* The request is over for the engine (END or ERROR delivered, or it let go). */
static void req_ended(rt__net *net, rt__req *r)
{
    if (r->flags & R_ENDED)
        return;
    r->flags |= R_ENDED;
    net->in_flight--;
}

static void forward(rt__req *r, const rt__event *e)
{
    if (!(r->flags & (R_ENDED | R_CLOSED)) && r->cb)
        r->cb(r->ud, r, e);
}

/* END or ERROR: the request is over (no longer in flight) before the engine hears of it. */
static void forward_end(rt__net *net, rt__req *r, const rt__event *e)
{
    int live = !(r->flags & (R_ENDED | R_CLOSED)) && r->cb;
    req_ended(net, r);
    if (live)
        r->cb(r->ud, r, e);
}

static void forward_error(rt__net *net, rt__req *r, int code, const char *msg)
{
    rt__event e = {0};
    e.type = RT__EV_ERROR;
    e.code = code;
    e.message = msg && *msg ? msg : rt_strerror(code);
    forward_end(net, r, &e);
}

/* Loop thread: an error for r found outside any connection (a connection that cannot be
   made). Delivered through the queue like every event, never from inside the caller. */
void rt__req_fail_later(rt__net *net, rt__req *r, int code, const char *msg)
{
    rt__xev *ev = &r->fail_ev;
    memset(ev, 0, sizeof *ev);
    ev->type = XEV_ERROR;
    ev->req = r;
    ev->code = code;
    ev->embedded = 1;
    snprintf(ev->msg, sizeof ev->msg, "%s", msg);
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
    rt__net_post(net, ev);
}

static int req_start(rt__net *net, const rt__req_spec *s, const char *target,
                     const rt_http1_header *headers, size_t num_headers, rt__req **out);

/* Headers for a plain request through a proxy: the user's (a Proxy-Authorization among
   them dropped: credentials for the proxy come from its URL only) and the proxy's
   Proxy-Authorization, in small[] or an rt__malloc'd array (*owned). NULL when out of
   memory. */
static const rt_http1_header *proxy_headers(const rt__req_spec *s, const char *auth,
                                            rt_http1_header *small, size_t nsmall, size_t *n,
                                            rt_http1_header **owned)
{
    rt_http1_header *h = small;
    *owned = NULL;
    if (s->num_headers + 1 > nsmall && !(h = *owned = rt__malloc((s->num_headers + 1) * sizeof *h)))
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < s->num_headers; i++)
        if (!(s->headers[i].name_len == 19 &&
              strncasecmp(s->headers[i].name, "proxy-authorization", 19) == 0))
            h[k++] = s->headers[i];
    if (auth) {
        h[k].name = "Proxy-Authorization";
        h[k].name_len = 19;
        h[k].value = auth;
        h[k].value_len = strlen(auth);
        k++;
    }
    *n = k;
    return h;
}

int rt__req_start(rt__net *net, const rt__req_spec *s, rt__req **out)
{
    *out = NULL;
    /* the proxy, if any: a plain request goes to it in absolute form with its credentials;
       a tunnelled one is the origin's request as it is (the CONNECT carries them) */
    rt__proxy_target via;
    int perr = rt__proxy_select(net->proxy, s->tls, s->host, strlen(s->host), s->port, &via);
    if (perr < 0 && perr != RT_EPROXY_URL) {
        if (s->body_owned)
            rt__free((void *)s->body);
        return perr;
    }
    int absolute = !perr && via.via_proxy && !via.tunnel;
    char small_target[1024], *abs_target = NULL;
    rt_http1_header small_hdrs[32], *own_hdrs = NULL;
    const rt_http1_header *hdrs = s->headers;
    size_t nhdrs = s->num_headers;
    if (absolute) {
        size_t tl = rt__proxy_absolute_target(s->host_header, s->target, NULL, 0);
        abs_target = tl < sizeof small_target ? small_target : rt__malloc(tl + 1);
        hdrs = abs_target ? proxy_headers(s, via.authorization, small_hdrs, 32, &nhdrs, &own_hdrs)
                          : NULL;
        if (!hdrs) {
            if (abs_target != small_target)
                rt__free(abs_target);
            if (s->body_owned)
                rt__free((void *)s->body);
            return RT_ENOMEM;
        }
        rt__proxy_absolute_target(s->host_header, s->target, abs_target, tl + 1);
    }
    int r = req_start(net, s, absolute ? abs_target : s->target, hdrs, nhdrs, out);
    if (abs_target != small_target)
        rt__free(abs_target);
    rt__free(own_hdrs);
    if (r < 0)
        return r;
    rt__req *q = *out;
    if (!perr && via.via_proxy) {
        q->via_host = via.host;
        q->via_port = via.port;
        q->tunnel = (uint8_t)via.tunnel;
        q->via_auth = via.tunnel ? via.authorization : NULL;
    }
    if (s->error < 0)
        rt__req_fail_later(net, q, s->error, s->error_msg ? s->error_msg : rt_strerror(s->error));
    else if (perr)
        rt__req_fail_later(net, q, perr, rt__proxy_error(net->proxy, s->tls));
    else
        rt__pool_submit(net, q);
    return 0;
}

/* rt__req_start with the request-target and headers decided (the proxy's way, or the
   spec's); the request is made, not submitted. */
static int req_start(rt__net *net, const rt__req_spec *s, const char *target,
                     const rt_http1_header *headers, size_t num_headers, rt__req **out)
{
    *out = NULL;
    /* a body in pieces: Content-Length is their sum; small ones travel inline too */
    size_t seg_total = 0, nsegs = 0;
    for (size_t i = 0; !s->body && i < s->nsegs; i++) {
        seg_total += s->segs[i].len;
        nsegs += s->segs[i].len > 0;
    }
    int has_segs = !s->body && s->nsegs;
    int chunked = s->chunked && s->body;
    rt_http1_request hr = {s->method, target, s->host_header, headers, num_headers,
                           chunked ? -2 : s->body ? (int64_t)s->body_len
                                    : has_segs ? (int64_t)seg_total : -1};
    size_t head_len = rt_http1_request_size(&hr);
    /* a small body travels in the head's block: one write instead of two */
    size_t inline_body = s->body && s->body_len <= 16384 ? s->body_len
                         : has_segs && seg_total <= 16384 ? seg_total : 0;
    int own_segs = has_segs && !inline_body && nsegs;
    rt__req *r = head_len ? rt__calloc(1, sizeof *r) : NULL;
    char *head = r ? rt__malloc(head_len + inline_body + 1) : NULL;
    char *host = head ? rt__strdup(s->host) : NULL;
    void *segs = host && own_segs ? rt__malloc(nsegs * (sizeof(rt__body_seg) + sizeof(size_t)))
                                  : NULL;
    if (!host || (own_segs && !segs)) {
        rt__free(host);
        rt__free(head);
        rt__free(r);
        if (s->body_owned)
            rt__free((void *)s->body);
        return head_len ? RT_ENOMEM : RT_EINVAL;
    }
    if (rt_http1_request_write(&hr, head, head_len + 1) != (ssize_t)head_len) {
        rt__free(segs);
        rt__free(host);
        rt__free(head);
        rt__free(r);
        if (s->body_owned)
            rt__free((void *)s->body);
        return RT_EINVAL;
    }
    r->net = net;
    r->refs = 1;                           /* the engine's */
    r->head = head;
    r->head_len = head_len;
    if (inline_body && s->body) {
        memcpy(head + head_len, s->body, inline_body);
        r->head_len += inline_body;
        if (s->body_owned)
            rt__free((void *)s->body);
    } else if (inline_body) {
        for (size_t i = 0; i < s->nsegs; i++) {
            if (s->segs[i].len)
                memcpy(head + r->head_len, s->segs[i].p, s->segs[i].len);
            r->head_len += s->segs[i].len;
        }
    } else if (s->body) {
        r->body = s->body;
        r->body_len = s->body_len;
        r->body_owned = s->body_owned;
    } else if (segs) {
        /* the pieces and where each ends, for rt__x_output's binary search */
        r->segs = segs;
        r->seg_end = (size_t *)(r->segs + nsegs);
        size_t end = 0;
        for (size_t i = 0; i < s->nsegs; i++)
            if (s->segs[i].len) {
                r->segs[r->nsegs] = s->segs[i];
                end += s->segs[i].len;
                r->seg_end[r->nsegs++] = end;
            }
        r->body_len = seg_total;
    }
    r->host = host;
    r->port = s->port;
    r->tls = (uint8_t)(s->tls != 0);
    r->is_head = strcmp(s->method, "HEAD") == 0;
    r->reuse = (uint8_t)(s->reuse != 0);
    r->retry = (uint8_t)(s->retry != 0);
    r->decode = (uint8_t)(s->decode != 0);
    r->insecure = (uint8_t)(s->insecure != 0);
    r->connect_ms = s->connect_timeout_ms;
    r->headers_ms = s->headers_timeout_ms;
    r->body_ms = s->body_timeout_ms;
    r->limits = s->limits;
    r->max_body = s->max_body_bytes;
    r->trust = s->trust;
    r->cb = s->cb;
    r->ud = s->ud;
    r->all_next = net->reqs;
    if (net->reqs)
        net->reqs->all_prev = r;
    net->reqs = r;
    net->in_flight++;
    *out = r;
    return 0;
}

/* Take r off its connection (loop thread): the connection is closed and r gets nothing
   more from it. The connection keeps its reference on r until it is closed (the carrier
   may still be sending from r's bytes); what it posts for r meanwhile is dropped. */
static void detach(rt__net *net, rt__req *r)
{
    rt_conn *c = r->conn;
    if (!c)
        return;
    rt__pool_lead_over(net, c);            /* its waiters need not wait for it any more */
    rt__conn_lock(c);
    if (c->state != CS_CLOSED)
        c->state = CS_CLOSE;
    rt__conn_unlock(c);
    if (c->lreq == r)
        c->lreq = NULL;
    r->conn = NULL;
    rt__pool_slot_free(net, r);
    rt__theap_remove(&net->deadlines, &c->dl);
    c->phase = PH_NONE;
    rt__net_carry(net, c);
}

void rt__req_cancel(rt__req *r)
{
    rt__net *net = r->net;
    r->flags |= R_CLOSED;
    if (!(r->flags & R_ENDED)) {
        if (r->flags & R_WAITING) {
            rt__req **pp = &net->wait_head, *prev = NULL;
            while (*pp && *pp != r) {
                prev = *pp;
                pp = &(*pp)->wnext;
            }
            if (*pp) {
                *pp = r->wnext;
                if (net->wait_tail == r)
                    net->wait_tail = prev;
            }
            r->flags &= ~(unsigned)R_WAITING;
        }
        rt__pool_fd_unlink(net, r);
        detach(net, r);
        req_ended(net, r);
    } else if (r->conn && r->conn->lreq == r) {
        detach(net, r);                    /* ended, its terminal event not yet seen */
    }
    rt__req_unref(r);
}

void rt__req_pause(rt__req *r, int paused)
{
    int was = __atomic_exchange_n(&r->paused, paused ? 1 : 0, __ATOMIC_ACQ_REL);
    if (was == !!paused || !r->conn)
        return;
    rt_conn *c = r->conn;
    if (!paused)
        __atomic_store_n(&c->last_read_ms, rt__now_ms(), __ATOMIC_RELAXED);
    rt__net_carry(r->net, c);
}

/* ---- deadlines ---- */

static void disarm(rt__net *net, rt_conn *c)
{
    rt__theap_remove(&net->deadlines, &c->dl);
}

/* c's deadline becomes phase, ms from now (0 ms: none). */
void rt__conn_arm(rt__net *net, rt_conn *c, int phase, uint32_t ms)
{
    rt__conn_arm_from(net, c, phase, rt__now_ms(), ms);
}

/* c's deadline becomes phase, ms from the time from (rt__now_ms's clock; 0 ms: none). */
void rt__conn_arm_from(rt__net *net, rt_conn *c, int phase, uint64_t from, uint32_t ms)
{
    disarm(net, c);
    c->phase = phase;
    if (!ms)
        return;
    c->dl.deadline = from + ms;
    c->dl.seq = 0;
    if (rt__theap_push(&net->deadlines, &c->dl) < 0)
        c->phase = PH_NONE;                /* out of memory: no deadline rather than none ever */
}

int64_t rt__net_next_timeout(rt__net *net)
{
    rt__timer_node *n = rt__theap_peek(&net->deadlines);
    if (!n)
        return -1;
    uint64_t now = rt__now_ms();
    return n->deadline <= now ? 0 : (int64_t)(n->deadline - now);
}

static void timed_out(rt__net *net, rt_conn *c)
{
    rt__req *r = c->lreq;
    char msg[200];
    int code;
    if (c->phase == PH_IDLE || !r) {
        rt__pool_close(net, c);
        return;
    }
    if (c->phase == PH_BODY) {
        /* the body deadline runs from the last byte read, which the carrier keeps moving,
           and not at all while the engine holds the body paused */
        uint64_t last = __atomic_load_n(&c->last_read_ms, __ATOMIC_RELAXED);
        uint64_t now = rt__now_ms();
        if (__atomic_load_n(&r->paused, __ATOMIC_ACQUIRE) || last + r->body_ms > now) {
            uint64_t from = __atomic_load_n(&r->paused, __ATOMIC_ACQUIRE) ? now : last;
            rt__conn_arm_from(net, c, PH_BODY, from, r->body_ms);
            return;
        }
        code = RT_EBODY_TIMEOUT;
        snprintf(msg, sizeof msg, "%s:%u sent nothing for %u ms inside the body", r->host, r->port,
                 r->body_ms);
    } else if (c->phase == PH_CONNECT) {
        code = RT_ETIMEDOUT;
        if (c->via_host)
            snprintf(msg, sizeof msg, "connect to proxy %s:%u: timed out after %u ms",
                     c->via_host, c->via_port, r->connect_ms);
        else
            snprintf(msg, sizeof msg, "connect %s:%u: timed out after %u ms", r->host, r->port,
                     r->connect_ms);
    } else if (c->tunnel && !__atomic_load_n(&c->tunnel_up, __ATOMIC_ACQUIRE)) {
        code = RT_ETIMEDOUT;
        snprintf(msg, sizeof msg, "proxy %s:%u did not answer CONNECT %s:%u within %u ms",
                 c->via_host, c->via_port, r->host, r->port, r->headers_ms);
    } else if (r->tls && !__atomic_load_n(&c->hs_done, __ATOMIC_ACQUIRE)) {
        code = RT_ETIMEDOUT;
        snprintf(msg, sizeof msg, "TLS handshake with %s:%u: timed out after %u ms", r->host,
                 r->port, r->headers_ms);
    } else {
        /* the headers deadline runs from the request's last step forward (its last byte,
           once all is out), which the carrier records before its XEV_SENT, posted without a
           wake-up, reaches the loop: a request that moved since the deadline was armed has
           until then (an earlier request's time on this connection is older than this one's
           start, so it never extends) */
        uint64_t sent = __atomic_load_n(&c->sent_ms, __ATOMIC_ACQUIRE);
        if (c->phase == PH_HEADERS && sent + r->headers_ms > rt__now_ms()) {
            rt__conn_arm_from(net, c, PH_HEADERS, sent, r->headers_ms);
            return;
        }
        code = RT_EHEADERS_TIMEOUT;
        snprintf(msg, sizeof msg, "no response head from %s:%u within %u ms", r->host, r->port,
                 r->headers_ms);
    }
    c->phase = PH_NONE;
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
    detach(net, r);
    forward_error(net, r, code, msg);
    rt__req_unref(r);
}

static void run_deadlines(rt__net *net)
{
    uint64_t now = rt__now_ms();
    rt__timer_node *n;
    while ((n = rt__theap_peek(&net->deadlines)) != NULL && n->deadline <= now) {
        rt__theap_pop(&net->deadlines);
        if (n == &net->fd_dl) {
            rt__pool_fd_timer(net);        /* requests waiting for a descriptor */
            continue;
        }
        rt_conn *c = (rt_conn *)((char *)n - offsetof(rt_conn, dl));
        timed_out(net, c);
    }
}

/* ---- handing connections to the backend ---- */

void rt__net_carry(rt__net *net, rt_conn *c)
{
    if (net->backend_gone)
        return;
    rt__conn_lock(c);
    int closed = c->state == CS_CLOSED;
    rt__conn_unlock(c);
    if (!closed)
        rt__backend_carry(net->cfg.backend, net->cfg.bstate, c);
}

/* ---- dispatch ---- */

static void ev_free(rt__xev *ev, int allocated)
{
    rt__chunk_unref(ev->chunk);
    rt__free(ev->block);
    rt__req_unref(ev->req);
    if (allocated)
        rt__free(ev);
}

static void on_terminal(rt__net *net, rt__xev *ev)
{
    rt_conn *c = ev->c;
    rt__req *r = ev->req;
    if (c && ev->type == XEV_ERROR)
        rt__pool_lead_over(net, c);        /* a leader that failed: its waiters go on */
    if (c && c->lreq == r) {
        c->lreq = NULL;
        disarm(net, c);
        c->phase = PH_NONE;
        r->conn = NULL;
        rt__pool_slot_free(net, r);
    }
    if (ev->type == XEV_DONE) {
        if (c)
            rt__pool_done(net, c, ev->keep);
        rt__event e = {0};
        e.type = RT__EV_END;
        forward_end(net, r, &e);
        return;
    }
    /* no descriptor for its socket: it waits for one (lib/net/pool.c), up to its connect
       timeout; the connection it failed on had none to give back */
    if (ev->pressure && !(r->flags & (R_ENDED | R_CLOSED)) && !net->shutting_down) {
        if (c)
            c->no_fd = 1;
        rt__pool_fd_wait(net, r, ev->code, ev->msg);
        return;
    }
    /* a pooled connection that turned out closed before answering: once more, on a new one */
    if (ev->stale && r->retry && !(r->flags & (R_RETRIED | R_ENDED | R_CLOSED)) &&
        !net->shutting_down) {
        r->flags |= R_RETRIED;
        rt__pool_submit(net, r);
        return;
    }
    forward_error(net, r, ev->code, ev->msg);
}

static void on_data(rt__net *net, rt__xev *ev)
{
    rt_conn *c = ev->c;
    rt__req *r = ev->req;
    __atomic_sub_fetch(&r->queued, ev->len, __ATOMIC_SEQ_CST);
    if (c && __atomic_load_n(&c->throttled, __ATOMIC_SEQ_CST) &&
        __atomic_load_n(&r->queued, __ATOMIC_SEQ_CST) <= RT__MAX_QUEUED / 2 &&
        __atomic_exchange_n(&c->throttled, 0, __ATOMIC_SEQ_CST) && c->lreq == r)
        rt__net_carry(net, c);
    rt__event e = {0};
    e.type = RT__EV_DATA;
    e.data = ev->data;
    e.len = ev->len;
    e.chunk = ev->chunk;
    forward(r, &e);
}

static void handle(rt__net *net, rt__xev *ev)
{
    rt__xev local;
    if (ev->type == XEV_JOB) {             /* a TLS step on a worker is over */
        rt_conn *c = ev->c;
        rt__req *r = ev->req;
        ev->req = NULL;
        rt__conn_job_done(c);
        if (c->closed_pending)
            rt__pool_forget(net, c);       /* the backend let go meanwhile: frees c */
        else
            rt__net_carry(net, c);
        rt__req_unref(r);
        return;
    }
    if (ev->type == XEV_HANDSHAKE) {
        rt__pool_lead_over(net, ev->c);
        return;
    }
    if (ev->type == XEV_CLOSED && ev->c->job_busy) {
        ev->c->closed_pending = 1;         /* a worker still runs its step: freed after it */
        return;
    }
    if (ev->embedded && ev->type != XEV_CLOSED) {
        /* a connection's terminal event: free for its next exchange from here on */
        local = *ev;
        ev->req = NULL;
        ev->chunk = NULL;
        ev->block = NULL;
        ev->pressure = 0;
        local.embedded = 0;
        local.next = NULL;
        ev = &local;
    }
    rt_conn *c = ev->c;
    rt__req *r = ev->req;
    switch (ev->type) {
    case XEV_CONNECTING:
        /* a backend may queue a connection for a thread before it connects it (the thread
           pool at its limit): the connect timeout is the connect's, not the queue's */
        if (c->lreq && c->phase == PH_CONNECT)
            rt__conn_arm(net, c, PH_CONNECT, c->lreq->connect_ms);
        break;
    case XEV_CONNECTED:
        if (c->lreq && c->phase == PH_CONNECT)
            rt__conn_arm(net, c, PH_HEADERS, c->lreq->headers_ms);
        break;
    case XEV_SENT:
        if (c->lreq == r && c->phase == PH_HEADERS)
            rt__conn_arm_from(net, c, PH_HEADERS, __atomic_load_n(&c->sent_ms, __ATOMIC_ACQUIRE),
                              r->headers_ms);
        break;
    case XEV_HEAD: {
        if (c->lreq == r) {
            __atomic_store_n(&c->last_read_ms, rt__now_ms(), __ATOMIC_RELAXED);
            rt__conn_arm(net, c, PH_BODY, r->body_ms);
        }
        rt__event e = {0};
        e.type = RT__EV_HEAD;
        e.status = ev->status;
        e.minor_version = ev->minor_version;
        e.reason = ev->reason;
        e.reason_len = ev->reason_len;
        e.headers = ev->headers;
        e.num_headers = ev->num_headers;
        forward(r, &e);
        if (ev->chunk)                     /* the body bytes that came with the head */
            on_data(net, ev);
        break;
    }
    case XEV_DATA:
        on_data(net, ev);
        break;
    case XEV_DONE:
    case XEV_ERROR:
        on_terminal(net, ev);
        break;
    case XEV_CLOSED:
        rt__pool_forget(net, c);           /* frees c, and ev with it */
        return;
    }
    ev_free(ev, ev != &local);
}

/* A dispatch hands events to the engine (JavaScript runs for each) for at most this long;
   the rest wait for the next turn, after the due timers. Without it, 1,000 responses that
   arrive together ran as one turn of a hundred milliseconds with no timer in it. */
#define DISPATCH_BUDGET_US 25000

void rt__net_dispatch(rt__net *net)
{
    if (net->dispatching)
        return;                            /* a callback's own loop turn: the outer one goes on */
    net->dispatching = 1;
    net->turn++;
    run_deadlines(net);
    rt__xev *tail, *list = take_events(net, &tail);
    if (list) {                            /* behind what the last dispatch left */
        if (net->held_tail)
            net->held_tail->next = list;
        else
            net->held_head = list;
        net->held_tail = tail;
    }
    uint64_t until = rt__now_us() + DISPATCH_BUDGET_US;
    while (net->held_head) {
        rt__xev *ev = net->held_head;
        net->held_head = ev->next;         /* handle() may free ev */
        if (!net->held_head)
            net->held_tail = NULL;
        handle(net, ev);
        if (net->held_head && rt__now_us() >= until && !net->shutting_down)
            break;
    }
    net->dispatching = 0;
}

/* ---- the client ---- */

int rt__net_new(const rt__net_config *cfg, rt__net **out)
{
    *out = NULL;
    rt__net *net = rt__calloc(1, sizeof *net);
    if (!net)
        return RT_ENOMEM;
    net->cfg = *cfg;
    net->threaded = (cfg->backend->caps & RT_BACKEND_CAP_THREADED) != 0;
    net->conn_data_off = rt__conn_data_offset();
    pthread_mutex_init(&net->mu, NULL);
    net->fd_dl.index = SIZE_MAX;
    rt__chunk_pool_init(&net->chunks);
    net->sessions = rt_tls_sessions_new();  /* NULL: simply no resumption */
    int r = cfg->proxy ? rt__proxy_new(cfg->proxy, &net->proxy) : 0;
    net->cfg.proxy = NULL;                 /* borrowed for this call only */
    if (r < 0) {
        rt__net_free(net);
        return r;
    }
    *out = net;
    return 0;
}

const char *rt__net_proxy_error(rt__net *net, int https)
{
    return net ? rt__proxy_error(net->proxy, https) : NULL;
}

/* Requests in flight, events to deliver, or connections on their way out (closed soon:
   a runtime that stops now would hold them until rt_free). Idle pooled ones do not count. */
int rt__net_alive(rt__net *net)
{
    return net && (net->in_flight > 0 || rt__net_ready(net) || net->nconns > net->nidle);
}

uint64_t rt__net_in_flight(rt__net *net)
{
    return net ? net->in_flight : 0;
}

void rt__net_shutdown(rt__net *net)
{
    if (!net)
        return;
    net->shutting_down = 1;
    for (rt__req *r = net->reqs; r; r = r->all_next) {
        r->flags |= R_CLOSED;
        if (r->flags & R_WAITING) {
            r->flags &= ~(unsigned)R_WAITING;
            r->wnext = NULL;
        }
        r->flags &= ~(unsigned)R_FDWAIT;
        r->fdnext = NULL;
        if (r->conn)
            detach(net, r);
        req_ended(net, r);
    }
    net->wait_head = net->wait_tail = NULL;
    net->fd_head = net->fd_tail = NULL;
    rt__theap_remove(&net->deadlines, &net->fd_dl);
    for (rt_conn *c = net->conns; c; c = c->all_next)
        rt__pool_close(net, c);
    /* the backend closes them and says so; give it a little while (a worker may be in a
       blocking call: the backend bounds those) */
    uint64_t until = rt__now_ms() + 5000;
    while (net->nconns > 0 && rt__now_ms() < until) {
        rt__backend_wait(net->cfg.backend, net->cfg.bstate, 10);
        rt__net_dispatch(net);
    }
    /* the steps still running finish (CPU only: they do not block) before anything goes */
    rt__workers_free(net->workers);
    net->workers = NULL;
}

void rt__net_free(rt__net *net)
{
    if (!net)
        return;
    rt__workers_free(net->workers);        /* shutdown skipped (rt_create failed late) */
    net->workers = NULL;
    net->backend_gone = 1;                 /* the backend is destroyed: nothing is carried */
    net->shutting_down = 1;                /* one dispatch takes every event */
    rt__net_dispatch(net);                 /* closes the backend reported while it went */
    rt__xev *tail;
    for (rt__xev *ev = take_events(net, &tail), *next; ev; ev = next) {
        next = ev->next;
        if (ev->type != XEV_CLOSED)
            ev_free(ev, !ev->embedded);
    }
    rt__pool_free(net);                    /* connections the backend never closed */
    while (net->reqs) {
        rt__req *r = net->reqs;
        r->refs = 1;
        rt__req_unref(r);
    }
    rt__theap_free(&net->deadlines);
    rt_tls_sessions_free(net->sessions);
    rt__proxy_free(net->proxy);
    rt__chunk_pool_free(&net->chunks);
    pthread_mutex_destroy(&net->mu);
    rt__free(net);
}
