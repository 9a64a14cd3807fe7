/*
 * uvb.c - the libuv backend: one thread moves every connection's bytes with non-blocking
 * libuv TCP. It carries a connection by asking the core what it wants (rt_conn_poll) and
 * doing it: resolve (uv_getaddrinfo; IP literals skip it) and connect, write the bytes shown
 * (one uv_write at a time, from the core's memory: no copy), read straight into the buffer
 * the core names (rt_conn_recv_buf), close. After every callback it asks again. It knows
 * nothing of HTTP or TLS, keeps no timers for connections (the core does) and maps no
 * errors (it passes errno values on).
 *
 * One loop thread serves every connection, so nothing here may hold it for long: lookups of
 * one name that overlap share one getaddrinfo (1,000 fetches of one host made 1,000 lookups,
 * whose threads took the CPU from the script), and connects wait in a queue that a loop
 * iteration works off for at most CONNECT_BUDGET_NS (1,000 resolved at once ran 1,000
 * socket+connect calls, ~50 ms, before a timer could fire).
 *
 * Memory: a connection's libuv handles and requests live in the core's connection
 * (rt_conn_data, conn_size bytes), which the core frees only after rt_conn_closed(), called
 * here once the TCP handle's close callback ran and it is on no lookup's or queue's list. A
 * shared lookup (struct uvb_lookup) is malloc'd here and freed by its own callback, which
 * runs even when every connection waiting on it has gone (uv_cancel).
 *
 * Host-loop mode (rt_config.uv_loop): the runtime's timers, microtasks and events run from
 * a uv_timer armed for the core's next deadline and an unref'd uv_check, via
 * env->host_turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "runtime_backend.h"

struct uvb_state;
struct uvb_lookup;

/* A connection's peer address, resolved or literal. */
typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
} uvb_addr;

/* Per connection, inside the core's rt_conn (rt_conn_data). */
struct uvb_conn {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    rt_conn *c;
    struct uvb_state *s;
    struct uvb_lookup *lookup;             /* the lookup it waits on (resolving) */
    struct uvb_conn *lnext, *lprev;        /* on the lookup's list of waiters */
    struct uvb_conn *qnext, *qprev;        /* on the state's connect queue (queued) */
    uvb_addr addr;                         /* where to connect, once known */
    size_t wlen;                           /* bytes of the write in flight */
    unsigned tcp_open : 1;                 /* tcp initialised, its close callback not yet run */
    unsigned resolving : 1;                /* waiting on a lookup */
    unsigned queued : 1;                   /* waiting on the connect queue */
    unsigned connecting : 1;               /* connect issued (or about to be) */
    unsigned connected : 1;
    unsigned writing : 1;
    unsigned reading : 1;
    unsigned closing : 1;
    unsigned idle : 1;                     /* reading only to notice a close: no loop ref */
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
    uv_idle_t connect_idle;                /* works off the connect queue while it has any */
    struct uvb_conn *cq_head, *cq_tail;    /* connections with an address, to connect */
    struct uvb_lookup *lookups;            /* lookups in flight, with or without waiters */
    int open_handles;                      /* our own handles not yet closed */
    int pending_lookups;                   /* struct uvb_lookup not yet freed */
    rt_backend_env env;
};

/* One getaddrinfo, shared by the connections that want host:port while it runs. Owned by
   the state's list until its callback, which frees it. */
struct uvb_lookup {
    uv_getaddrinfo_t gai;
    struct uvb_state *s;
    struct uvb_lookup *next;               /* on s->lookups while in flight */
    struct uvb_conn *head, *tail;          /* waiters, oldest first */
    uint16_t port;
    char host[];                           /* NUL-terminated */
};

/* A loop iteration connects for at most this long, then lets timers and events run. */
#define CONNECT_BUDGET_NS 10000000u

static void drive(struct uvb_conn *u);

static struct uvb_conn *of(rt_conn *c)
{
    return rt_conn_data(c);
}

/* ---- closing ---- */

static void maybe_closed(struct uvb_conn *u)
{
    if (u->closing && !u->tcp_open && !u->resolving && !u->queued)
        rt_conn_closed(u->c);              /* the core frees u with c */
}

/* l off the state's list of lookups a new connection may join (if still on it). */
static void lookup_unlist(struct uvb_lookup *l)
{
    for (struct uvb_lookup **pp = &l->s->lookups; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            return;
        }
}

static void lookup_unlink(struct uvb_conn *u)
{
    struct uvb_lookup *l = u->lookup;
    if (u->lprev)
        u->lprev->lnext = u->lnext;
    else
        l->head = u->lnext;
    if (u->lnext)
        u->lnext->lprev = u->lprev;
    else
        l->tail = u->lprev;
    u->lnext = u->lprev = NULL;
    u->lookup = NULL;
    u->resolving = 0;
    /* nobody waits: cancelled, it leaves the list at once (a fetch of the same name made
       before its callback runs starts a lookup of its own, not this cancelled one); its
       callback frees it. One already running stays listed for whoever comes next. */
    if (!l->head && uv_cancel((uv_req_t *)&l->gai) == 0)
        lookup_unlist(l);
}

static void queue_unlink(struct uvb_conn *u)
{
    struct uvb_state *s = u->s;
    if (u->qprev)
        u->qprev->qnext = u->qnext;
    else
        s->cq_head = u->qnext;
    if (u->qnext)
        u->qnext->qprev = u->qprev;
    else
        s->cq_tail = u->qprev;
    u->qnext = u->qprev = NULL;
    u->queued = 0;
    if (!s->cq_head)
        uv_idle_stop(&s->connect_idle);
}

static void on_tcp_closed(uv_handle_t *h)
{
    struct uvb_conn *u = h->data;
    u->tcp_open = 0;
    maybe_closed(u);
}

static void close_conn(struct uvb_conn *u)
{
    if (u->closing)
        return;
    u->closing = 1;
    if (u->resolving)
        lookup_unlink(u);
    if (u->queued)
        queue_unlink(u);
    if (u->tcp_open)
        uv_close((uv_handle_t *)&u->tcp, on_tcp_closed);
    else
        maybe_closed(u);
}

/* ---- reading and writing ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct uvb_conn *u = h->data;
    size_t room = 0;
    uint8_t *p = rt_conn_recv_buf(u->c, &room);
    buf->base = (char *)p;
    buf->len = p ? room : 0;               /* 0: libuv reports UV_ENOBUFS, we ask again */
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct uvb_conn *u = stream->data;
    if (u->closing || nread == 0)
        return;
    if (nread > 0)
        rt_conn_recv_ack(u->c, (size_t)nread);
    else if (nread == UV_EOF)
        rt_conn_eof(u->c);
    else if (nread != UV_ENOBUFS)
        rt_conn_failed(u->c, RT_CONN_RECEIVING, (int)-nread);
    drive(u);
}

static void on_write(uv_write_t *w, int status)
{
    struct uvb_conn *u = w->data;
    u->writing = 0;
    if (u->closing)
        return;                            /* cancelled by uv_close */
    if (status < 0)
        rt_conn_failed(u->c, RT_CONN_SENDING, -status);
    else
        rt_conn_sent(u->c, u->wlen);
    drive(u);
}

/* ---- connecting ---- */

static void on_connect(uv_connect_t *cr, int status)
{
    struct uvb_conn *u = cr->data;
    u->connecting = 0;
    if (u->closing)
        return;
    if (status < 0) {
        rt_conn_failed(u->c, RT_CONN_CONNECTING, -status);
    } else {
        u->connected = 1;
        uv_tcp_nodelay(&u->tcp, 1);
        rt_conn_connected(u->c);
    }
    drive(u);
}

static void do_connect(struct uvb_conn *u)
{
    u->connect.data = u;
    int r = uv_tcp_connect(&u->connect, &u->tcp, &u->addr.sa, on_connect);
    if (r < 0) {
        u->connecting = 0;
        /* socket() failures (EMFILE...) come back from here, before any connect */
        rt_conn_failed(u->c, r == UV_EMFILE || r == UV_ENFILE || r == UV_ENOBUFS ||
                                     r == UV_ENOMEM ? RT_CONN_SOCKET : RT_CONN_CONNECTING, -r);
        drive(u);
    }
}

/* The connect queue, oldest first, for as long as the budget lasts; the idle handle keeps
   the loop from sleeping while any are left. */
static void on_connect_idle(uv_idle_t *h)
{
    struct uvb_state *s = h->data;
    uint64_t until = uv_hrtime() + CONNECT_BUDGET_NS;
    while (s->cq_head) {
        struct uvb_conn *u = s->cq_head;
        queue_unlink(u);
        do_connect(u);
        if (uv_hrtime() >= until)
            break;
    }
}

static void enqueue_connect(struct uvb_conn *u)
{
    struct uvb_state *s = u->s;
    if (!s->cq_head)
        uv_idle_start(&s->connect_idle, on_connect_idle);
    u->queued = 1;
    u->qprev = s->cq_tail;
    u->qnext = NULL;
    if (s->cq_tail)
        s->cq_tail->qnext = u;
    else
        s->cq_head = u;
    s->cq_tail = u;
}

/* A lookup that found "no such name" while the process is out of descriptors most likely
   failed for that (glibc could not open /etc/hosts nor a socket to a name server, and says
   EAI_NONAME or EAI_AGAIN; libuv passes errno on for EAI_SYSTEM only): EMFILE/ENFILE, which
   the core treats as pressure, if a descriptor cannot be opened now; else 0. */
static int lookup_pressure(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == EMFILE || errno == ENFILE ? errno : 0;
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res)
{
    struct uvb_lookup *l = g->data;
    struct uvb_state *s = l->s;
    lookup_unlist(l);                      /* if a cancel has not already */
    int err = 0;
    if (status < 0 || !res) {
        /* libuv gives EAI_* as UV_EAI_* and a system failure as -errno: the contract
           wants 0 for "no such name" and its kin, else the errno */
        int e = status == UV_EAI_MEMORY ? UV_ENOMEM : status;
        int eai = e <= UV_EAI_ADDRFAMILY && e >= UV_EAI_SOCKTYPE - 16;
        err = eai || e == 0 ? lookup_pressure() : -e;
    }
    size_t alen = res ? (size_t)res->ai_addrlen : 0;
    if (alen > sizeof(uvb_addr))
        alen = sizeof(uvb_addr);
    struct uvb_conn *u;
    while ((u = l->head) != NULL) {
        l->head = u->lnext;
        u->lnext = u->lprev = NULL;
        u->lookup = NULL;
        u->resolving = 0;
        if (status < 0 || !res) {
            rt_conn_failed(u->c, RT_CONN_RESOLVE, err);
            drive(u);
        } else {
            memcpy(&u->addr, res->ai_addr, alen);
            enqueue_connect(u);
        }
    }
    if (res)
        uv_freeaddrinfo(res);
    free(l);
    s->pending_lookups--;
}

/* Join the lookup of host:port in flight, or start one. */
static void resolve(struct uvb_conn *u, const char *host, uint16_t port)
{
    struct uvb_state *s = u->s;
    struct uvb_lookup *l = s->lookups;
    while (l && (l->port != port || strcmp(l->host, host) != 0))
        l = l->next;
    if (!l) {
        size_t hlen = strlen(host);
        l = malloc(sizeof *l + hlen + 1);
        if (!l) {
            u->connecting = 0;
            rt_conn_failed(u->c, RT_CONN_RESOLVE, ENOMEM);
            drive(u);
            return;
        }
        memset(l, 0, sizeof *l);
        memcpy(l->host, host, hlen + 1);
        l->port = port;
        l->s = s;
        l->gai.data = l;
        char ports[8];
        snprintf(ports, sizeof ports, "%u", port);
        struct addrinfo hints = {0};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        int r = uv_getaddrinfo(s->loop, &l->gai, on_resolved, host, ports, &hints);
        if (r < 0) {
            free(l);
            u->connecting = 0;
            rt_conn_failed(u->c, RT_CONN_RESOLVE,
                           r == UV_ENOMEM || r == UV_EMFILE || r == UV_ENFILE ? -r
                                                                              : lookup_pressure());
            drive(u);
            return;
        }
        l->next = s->lookups;
        s->lookups = l;
        s->pending_lookups++;
    }
    u->lookup = l;
    u->resolving = 1;
    u->lprev = l->tail;
    u->lnext = NULL;
    if (l->tail)
        l->tail->lnext = u;
    else
        l->head = u;
    l->tail = u;
}

static void start_connect(struct uvb_conn *u, const char *host, uint16_t port)
{
    u->connecting = 1;
    int r = uv_tcp_init(u->s->loop, &u->tcp);
    if (r < 0) {
        u->connecting = 0;
        rt_conn_failed(u->c, RT_CONN_SOCKET, -r);
        drive(u);
        return;
    }
    u->tcp.data = u;
    u->tcp_open = 1;
    if (uv_ip4_addr(host, port, &u->addr.in) == 0 || uv_ip6_addr(host, port, &u->addr.in6) == 0)
        enqueue_connect(u);
    else
        resolve(u, host, port);
}

/* ---- carrying: do what the connection wants ---- */

static void drive(struct uvb_conn *u)
{
    if (u->closing)
        return;
    rt_conn_want w;
    rt_conn_poll(u->c, &w);
    switch (w.op) {
    case RT_CONN_CONNECT:
        if (!u->connecting && !u->connected && !u->tcp_open)
            start_connect(u, w.host, w.port);
        return;
    case RT_CONN_CLOSE:
        close_conn(u);
        return;
    default:
        break;
    }
    if (!u->connected)
        return;
    if (w.op == RT_CONN_IO && w.out_len && !u->writing) {
        uv_buf_t b = uv_buf_init((char *)w.out, (unsigned)w.out_len);
        u->write.data = u;
        u->wlen = w.out_len;
        int r = uv_write(&u->write, (uv_stream_t *)&u->tcp, &b, 1, on_write);
        if (r < 0) {
            rt_conn_failed(u->c, RT_CONN_SENDING, -r);
            drive(u);
            return;
        }
        u->writing = 1;
    }
    int idle = w.op == RT_CONN_IDLE;
    int want_read = (w.op == RT_CONN_IO && w.read) || idle;
    if (want_read && !u->reading) {
        if (uv_read_start((uv_stream_t *)&u->tcp, on_alloc, on_read) == 0)
            u->reading = 1;
    } else if (!want_read && u->reading) {
        uv_read_stop((uv_stream_t *)&u->tcp);
        u->reading = 0;
    }
    /* an idle pooled connection never keeps the loop alive */
    if (idle != u->idle) {
        u->idle = (unsigned)idle;
        if (idle)
            uv_unref((uv_handle_t *)&u->tcp);
        else
            uv_ref((uv_handle_t *)&u->tcp);
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
    if (env->uv_loop) {
        s->loop = env->uv_loop;
        s->host = 1;
    } else {
        int r = uv_loop_init(&s->own);
        if (r < 0) {
            snprintf(err, errlen, "uv_loop_init: %s", uv_strerror(r));
            return RT_ESYS;
        }
        s->loop = &s->own;
    }
    uv_async_init(s->loop, &s->async, on_async);
    uv_unref((uv_handle_t *)&s->async);
    uv_timer_init(s->loop, &s->wait_timer);
    uv_prepare_init(s->loop, &s->wait_prepare);
    uv_idle_init(s->loop, &s->connect_idle);
    s->async.data = s->wait_timer.data = s->wait_prepare.data = s->connect_idle.data = s;
    s->open_handles = 4;
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
    uv_close((uv_handle_t *)&s->async, own_closed);
    uv_close((uv_handle_t *)&s->wait_timer, own_closed);
    uv_close((uv_handle_t *)&s->wait_prepare, own_closed);
    uv_close((uv_handle_t *)&s->connect_idle, own_closed);
    if (s->host) {
        uv_close((uv_handle_t *)&s->host_timer, own_closed);
        uv_close((uv_handle_t *)&s->host_check, own_closed);
        /* rt_free runs outside the host's uv_run: let our close callbacks fire, and the
           lookups (cancelled, or ending) free themselves */
        while (s->open_handles > 0 || s->pending_lookups > 0)
            uv_run(s->loop, UV_RUN_NOWAIT);
    } else {
        uv_run(s->loop, UV_RUN_DEFAULT);
        uv_loop_close(s->loop);
    }
}

static void uvb_carry(void *state, rt_conn *c)
{
    struct uvb_conn *u = of(c);
    if (!u->c) {                           /* first carry: the core zeroed our bytes */
        u->c = c;
        u->s = state;
    }
    drive(u);
}

static int uvb_wait(void *state, int timeout_ms)
{
    struct uvb_state *s = state;
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
    return 0;
}

static void uvb_wakeup(void *state)
{
    struct uvb_state *s = state;
    uv_async_send(&s->async);
}

const rt_backend rt_backend_libuv = {
    RT_BACKEND_VERSION,                    /* version */
    "libuv",                               /* name */
    RT_BACKEND_CAP_HOST_LOOP,              /* caps */
    sizeof(struct uvb_state),              /* state_size */
    sizeof(struct uvb_conn),               /* conn_size */
    uvb_create,                            /* create */
    uvb_destroy,                           /* destroy */
    uvb_carry,                             /* carry */
    uvb_wait,                              /* wait */
    uvb_wakeup,                            /* wakeup */
    uvb_host_arm,                          /* host_arm */
};
