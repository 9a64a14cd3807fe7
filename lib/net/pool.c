/*
 * pool.c - connections per origin (loop thread): which connection a request runs on (a
 * pooled keep-alive one, or a new one), the connection limits (per runtime and per origin:
 * beyond them requests wait, oldest first, instead of failing), the idle pool and its
 * expiry, and the end of every connection. Decided once here for every backend.
 *
 * Through a proxy the pool key is (origin, proxy): "http://host:port via proxy:port". A plain
 * request's connection to the proxy is not shared with other origins - simpler, and the
 * per-origin limit keeps meaning the origin - at the cost of a connection per origin; a
 * tunnel is the origin's connection anyway.
 *
 * Ownership: rt__net owns the origin records (a short list: few origins are live at once)
 * and every connection until rt__pool_forget; an origin's idle list links connections it
 * does not own separately.
 */
#include <stdio.h>
#include <string.h>

#include "client_int.h"
#include "tls_sessions.h"

static rt__origin *origin_get(rt__net *net, const rt__req *r)
{
    char key[600];
    int n = snprintf(key, sizeof key, "%s://%s:%u", r->tls ? "https" : "http", r->host, r->port);
    if (r->via_host && n > 0 && (size_t)n < sizeof key)
        snprintf(key + n, sizeof key - (size_t)n, " via %s:%u", r->via_host, r->via_port);
    for (rt__origin *o = net->origins; o; o = o->next)
        if (strcmp(o->key, key) == 0)
            return o;
    rt__origin *o = rt__calloc(1, sizeof *o);
    if (!o || !(o->key = rt__strdup(key))) {
        rt__free(o);
        return NULL;
    }
    o->next = net->origins;
    net->origins = o;
    return o;
}

static int slot_free(rt__net *net, const rt__origin *o)
{
    if (net->cfg.max_connections && net->active >= net->cfg.max_connections)
        return 0;
    return !net->cfg.max_connections_per_origin || o->active < net->cfg.max_connections_per_origin;
}

static void unlink_idle(rt_conn *c)
{
    if (!c->idle)
        return;
    for (rt_conn **pp = &c->org->idle; *pp; pp = &(*pp)->idle_next)
        if (*pp == c) {
            *pp = c->idle_next;
            break;
        }
    c->idle = 0;
    c->idle_next = NULL;
    c->net->nidle--;
}

/* The most recently pooled connection of o that is still open, attached to r; NULL if none.
   One that closed meanwhile is skipped (its close is on its way). */
static rt_conn *take_idle(rt__net *net, rt__origin *o, rt__req *r)
{
    while (o->idle) {
        rt_conn *c = o->idle;
        unlink_idle(c);
        rt__theap_remove(&net->deadlines, &c->dl);
        c->phase = PH_NONE;
        rt__conn_lock(c);
        int ok = c->state == CS_OPEN && !c->req;
        if (ok) {
            rt__conn_attach(c, r);
            c->reused = 1;
        }
        rt__conn_unlock(c);
        if (ok)
            return c;
    }
    return NULL;
}

/* ---- TLS: one handshake leads, the others resume its session ----
 *
 * 1,000 new connections to an origin with no session to resume would make 1,000 full
 * handshakes (the public-key work on both ends) before the first one put a session in the
 * cache. Instead the first leads; the others connect (TCP) meanwhile but wait to start TLS
 * until its handshake is over, then offer its session (an abbreviated handshake: no public-key
 * work). They wait under their own deadline (the head's, which covers the handshake). If the
 * leader fails or goes away first, they all go on with handshakes of their own; if the
 * server gave no session, nobody waits for that origin again. Only a connection verifying
 * with the same trust store and insecure setting waits for a leader. */

static void lead_or_wait(rt__net *net, rt__origin *o, rt_conn *c, const rt__req *r)
{
    if (!net->sessions || o->no_resume || rt__tls_session_has(net->sessions, o->key))
        return;
    if (!o->hs_leader) {
        o->hs_leader = c;
        o->hs_trust = r->trust;
        o->hs_insecure = r->insecure;
        c->hs_lead = 1;
    } else if (o->hs_trust == r->trust && o->hs_insecure == r->insecure) {
        c->hs_wait = 1;                    /* not carried yet: no lock needed */
    }
}

void rt__pool_lead_over(rt__net *net, rt_conn *c)
{
    rt__origin *o = c->org;
    if (!o || o->hs_leader != c)
        return;
    o->hs_leader = NULL;
    if (__atomic_load_n(&c->hs_done, __ATOMIC_ACQUIRE) && net->sessions &&
        !rt__tls_session_has(net->sessions, o->key))
        o->no_resume = 1;                  /* a full handshake and no session to resume */
    for (rt_conn *w = net->conns; w; w = w->all_next) {
        if (w->org != o || !w->hs_wait)
            continue;
        rt__conn_lock(w);
        w->hs_wait = 0;
        rt__conn_unlock(w);
        rt__net_carry(net, w);
    }
}

static void start(rt__net *net, rt__req *r)
{
    rt__origin *o = r->org;
    o->active++;
    net->active++;
    r->has_slot = 1;
    r->flags |= R_STARTED;
    rt_conn *c = r->reuse && !(r->flags & R_RETRIED) ? take_idle(net, o, r) : NULL;
    if (c) {
        c->lreq = r;
        r->conn = c;
        rt__conn_arm(net, c, PH_HEADERS, r->headers_ms);
        rt__net_carry(net, c);
        return;
    }
    /* room in the deadline heap for every connection's one deadline (and the descriptor
       timer) now, so that arming one later cannot fail: a request never runs without its
       deadlines because memory was short at the moment */
    c = rt__theap_reserve(&net->deadlines, net->nconns + 2) < 0
            ? NULL : rt__conn_new(net, r->host, r->port, r->tls, o->key);
    if (c && r->via_host && rt__conn_via(c, r) < 0) {
        rt__conn_free(c);
        c = NULL;
    }
    if (!c) {
        rt__pool_slot_free(net, r);
        rt__req_fail_later(net, r, RT_ENOMEM, "out of memory");
        return;
    }
    c->org = o;
    c->all_next = net->conns;
    if (net->conns)
        net->conns->all_prev = c;
    net->conns = c;
    net->nconns++;
    rt__conn_attach(c, r);                 /* not carried yet: no lock needed */
    c->lreq = r;
    r->conn = c;
    if (r->tls)
        lead_or_wait(net, o, c, r);
    rt__conn_arm(net, c, PH_CONNECT, 0);   /* armed when the backend starts connecting */
    rt__net_carry(net, c);
}

void rt__pool_submit(rt__net *net, rt__req *r)
{
    if (!r->org && !(r->org = origin_get(net, r))) {
        rt__req_fail_later(net, r, RT_ENOMEM, "out of memory");
        return;
    }
    if (!slot_free(net, r->org) || net->wait_head) {
        r->flags |= R_WAITING;             /* over a connection limit: wait, do not fail */
        r->wnext = NULL;
        if (net->wait_tail)
            net->wait_tail->wnext = r;
        else
            net->wait_head = r;
        net->wait_tail = r;
        if (net->wait_head == r && slot_free(net, r->org))
            rt__pool_start_waiting(net);
        return;
    }
    start(net, r);
}

void rt__pool_start_waiting(rt__net *net)
{
    rt__req **pp = &net->wait_head, *prev = NULL;
    while (*pp && !net->shutting_down) {
        rt__req *r = *pp;
        if (!slot_free(net, r->org)) {
            if (net->cfg.max_connections && net->active >= net->cfg.max_connections)
                break;                     /* nothing else fits either */
            prev = r;
            pp = &r->wnext;
            continue;
        }
        *pp = r->wnext;
        if (net->wait_tail == r)
            net->wait_tail = prev;
        r->wnext = NULL;
        r->flags &= ~(unsigned)R_WAITING;
        start(net, r);
    }
}

void rt__pool_slot_free(rt__net *net, rt__req *r)
{
    if (!r->has_slot)
        return;
    r->has_slot = 0;
    r->org->active--;
    net->active--;
    if (net->wait_head)
        rt__pool_start_waiting(net);
}

/* ---- descriptor pressure ----
 *
 * A socket that cannot be made for want of descriptors (EMFILE: the process's limit, ENFILE:
 * the system's) is not the request's failure: the descriptors of finishing requests come
 * back a moment later. The request waits in a queue (oldest first) instead, without a
 * connection: idle pooled connections are closed at once (the cheapest descriptors to give
 * back), a connection that goes idle is handed to a waiting request of its origin (or
 * closed), each connection that closes lets the oldest waiter try again, and a timer retries
 * the oldest after a backoff (descriptors freed elsewhere in the process tell us nothing).
 * A request waits at most its connect timeout, counted from its first try, then fails with
 * EMFILE / ENFILE. */

#define FD_BACKOFF_MIN 10                  /* ms before the first timed retry */
#define FD_BACKOFF_MAX 500

void rt__pool_fd_unlink(rt__net *net, rt__req *r)
{
    if (!(r->flags & R_FDWAIT))
        return;
    rt__req *prev = NULL;
    for (rt__req **pp = &net->fd_head; *pp; prev = *pp, pp = &(*pp)->fdnext)
        if (*pp == r) {
            *pp = r->fdnext;
            if (net->fd_tail == r)
                net->fd_tail = prev;
            break;
        }
    r->fdnext = NULL;
    r->flags &= ~(unsigned)R_FDWAIT;
}

static void fd_fail(rt__net *net, rt__req *r)
{
    char msg[200];
    uint64_t waited = rt__now_ms() - r->fd_since;
    rt__pool_fd_unlink(net, r);
    snprintf(msg, sizeof msg, "socket for %s:%u: %s (no descriptor came free in %llu ms)", r->host,
             r->port, rt_strerror(r->fd_code), (unsigned long long)waited);
    rt__req_fail_later(net, r, r->fd_code, msg);
}

/* The timer: at the next retry or the earliest end of a wait, whichever comes first. */
static void fd_arm(rt__net *net)
{
    rt__theap_remove(&net->deadlines, &net->fd_dl);
    if (!net->fd_head)
        return;
    uint64_t at = net->fd_retry_at;
    for (rt__req *r = net->fd_head; r; r = r->fdnext)
        if (r->connect_ms && r->fd_since + r->connect_ms < at)
            at = r->fd_since + r->connect_ms;
    net->fd_dl.deadline = at;
    net->fd_dl.seq = 0;
    if (rt__theap_push(&net->deadlines, &net->fd_dl) < 0)
        while (net->fd_head)               /* out of memory: nothing would wake them */
            fd_fail(net, net->fd_head);
}

/* The oldest waiter tries again (a descriptor may have come free). */
static void fd_retry(rt__net *net, uint32_t backoff)
{
    rt__req *r = net->fd_head;
    if (!r || net->shutting_down)
        return;
    rt__pool_fd_unlink(net, r);
    net->fd_backoff_ms = backoff;
    net->fd_retry_at = rt__now_ms() + backoff;
    rt__pool_submit(net, r);
    fd_arm(net);
}

void rt__pool_fd_wait(rt__net *net, rt__req *r, int code, const char *msg)
{
    uint64_t now = rt__now_ms();
    if (!r->fd_since)
        r->fd_since = now;
    r->fd_code = code;
    if (r->connect_ms && now >= r->fd_since + r->connect_ms) {
        rt__req_fail_later(net, r, code, msg);
        return;
    }
    int was_empty = net->fd_head == NULL;
    /* oldest first: a request that tried again and still found none goes back in its place */
    rt__req *prev = NULL, *at = net->fd_head;
    while (at && at->fd_since <= r->fd_since) {
        prev = at;
        at = at->fdnext;
    }
    r->fdnext = at;
    if (prev)
        prev->fdnext = r;
    else
        net->fd_head = r;
    if (!at)
        net->fd_tail = r;
    r->flags |= R_FDWAIT;
    if (was_empty) {                       /* a fresh backoff */
        net->fd_backoff_ms = FD_BACKOFF_MIN;
        net->fd_retry_at = now + FD_BACKOFF_MIN;
    }
    for (rt__origin *o = net->origins; o; o = o->next)
        while (o->idle)
            rt__pool_close(net, o->idle);
    fd_arm(net);
}

void rt__pool_fd_timer(rt__net *net)
{
    uint64_t now = rt__now_ms();
    for (rt__req *r = net->fd_head, *next; r; r = next) {
        next = r->fdnext;
        if (r->connect_ms && r->fd_since + r->connect_ms <= now)
            fd_fail(net, r);
    }
    if (net->fd_head && now >= net->fd_retry_at) {
        uint32_t b = net->fd_backoff_ms * 2;
        fd_retry(net, b > FD_BACKOFF_MAX ? FD_BACKOFF_MAX : b);
    }
    fd_arm(net);
}

/* ---- the end of an exchange, the end of a connection ---- */

void rt__pool_done(rt__net *net, rt_conn *c, int keep)
{
    rt__conn_lock(c);
    int open = c->state == CS_OPEN && !c->req;
    rt__conn_unlock(c);
    if (!keep || !open || net->shutting_down || c->lreq) {
        if (open && !c->lreq)
            rt__pool_close(net, c);
        return;
    }
    c->idle = 1;
    c->idle_next = c->org->idle;
    c->org->idle = c;
    net->nidle++;
    rt__conn_arm(net, c, PH_IDLE, net->cfg.keepalive_idle_ms);
    /* idle: an event-driven backend watches for a close. A threaded backend's carrier
       polled c after the bytes that ended the exchange and was told RT_CONN_IDLE already;
       a carry would only wake its thread to hear that again (two context switches per
       request on a busy CPU) */
    if (!net->threaded)
        rt__net_carry(net, c);
    if (net->fd_head) {
        /* requests wait for a descriptor: one of this origin takes the connection as it is;
           else its descriptor goes back (its close lets the oldest waiter try) */
        rt__req *r = net->fd_head;
        while (r && !(r->org == c->org && r->reuse && !(r->flags & R_RETRIED)))
            r = r->fdnext;
        if (r) {
            rt__pool_fd_unlink(net, r);
            rt__pool_submit(net, r);
            fd_arm(net);
        } else {
            rt__pool_close(net, c);
        }
    }
}

void rt__pool_close(rt__net *net, rt_conn *c)
{
    rt__pool_lead_over(net, c);
    unlink_idle(c);
    rt__theap_remove(&net->deadlines, &c->dl);
    c->phase = PH_NONE;
    rt__conn_lock(c);
    int carry = c->state != CS_CLOSED;
    if (carry)
        c->state = CS_CLOSE;
    rt__conn_unlock(c);
    if (carry)
        rt__net_carry(net, c);
}

void rt__pool_forget(rt__net *net, rt_conn *c)
{
    rt__pool_lead_over(net, c);
    unlink_idle(c);
    rt__theap_remove(&net->deadlines, &c->dl);
    if (c->lreq) {                         /* closed under a request with no word on it (a
                                              backend that closed unasked): it fails */
        rt__req *r = c->lreq;
        c->lreq = NULL;
        r->conn = NULL;
        rt__pool_slot_free(net, r);
        if (!(r->flags & R_ENDED))
            rt__req_fail_later(net, r, RT_ECLOSED, "the connection closed under the request");
    }
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        net->conns = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    net->nconns--;
    rt__req_unref(c->req);                 /* still attached: the carrier never ended it */
    c->req = NULL;
    int freed_fd = !c->no_fd;
    rt__conn_free(c);
    if (freed_fd && net->fd_head)
        fd_retry(net, FD_BACKOFF_MIN);     /* a descriptor came back */
}

void rt__pool_free(rt__net *net)
{
    while (net->conns) {
        rt_conn *c = net->conns;
        net->conns = c->all_next;
        if (net->conns)
            net->conns->all_prev = NULL;
        rt__req_unref(c->req);
        c->req = NULL;
        rt__conn_free(c);
    }
    net->nconns = 0;
    while (net->origins) {
        rt__origin *o = net->origins;
        net->origins = o->next;
        rt__free(o->key);
        rt__free(o);
    }
}
