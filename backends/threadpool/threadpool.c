/*
 * threadpool.c - the thread-pool backend: worker threads carry connections with blocking
 * waits. A worker takes a connection off the run queue, asks the core what it wants
 * (rt_conn_poll) and does it - resolve and connect, send, read into the buffer the core
 * names, close - waiting in poll(2) on the socket and on its own wake-up eventfd, until the
 * connection has nothing to do (then it is parked: it holds no thread) or is closed. The
 * exchange and the TLS engine run inside the rt_conn_* calls, on the worker. It knows
 * nothing of HTTP or TLS, keeps no timers (the core's deadlines kick the worker through
 * carry()) and maps no errors (it passes errno values on).
 *
 * Threads: the pool grows on demand (a connection is queued and no worker is idle) up to
 * env->threads, and a worker idle for IDLE_EXIT_MS leaves. Workers are detached; the shared
 * state is reference-counted (each worker and the backend hold one) and freed by the last.
 * Name lookups run on a detached thread of their own (lookup.c): a connection closed
 * meanwhile walks away from it.
 *
 * Memory comes from the core's counted allocator (lib/net/net.h), so tests can count and
 * fail it. Locks: sh->mu guards the run queue, the workers' bookkeeping and each connection's
 * running/kicked/closed flags. No lock is held while calling rt_conn_*.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime_backend.h"
#include "net.h"
#include "lookup.h"

#define IDLE_EXIT_MS 5000                  /* an idle worker leaves after this */
#define DEFAULT_MAX 256

struct tp_shared;
struct tp_worker;

/* Per connection, inside the core's rt_conn (rt_conn_data). */
struct tp_conn {
    rt_conn *c;
    struct tp_shared *sh;
    int fd;                                /* -1 until a socket exists */
    int connecting;                        /* a non-blocking connect is in progress */
    int connected;
    int was_idle;                          /* parked idle: check for a close before use */
    int readable;                          /* idle_hold saw the answer arrive: read without
                                              polling again */
    struct addrinfo *ai, *ai_next;         /* owned list, next address to try */
    struct tp_lookup *lookup;              /* a reference while waiting for it */
    int last_err;
    /* under sh->mu */
    int running, queued, kicked, closed;
    int lending;                           /* the loop thread sends for the holding worker */
    int lent;                              /* it did: the worker carries on, never parks */
    int lend_wait;                         /* the worker waits on sh->lend_cv for the send */
    struct tp_worker *w;                   /* the worker carrying it */
    struct tp_conn *next;                  /* run queue */
};

struct tp_worker {
    struct tp_shared *sh;
    int wakefd;                            /* eventfd: carry() kicks the worker */
    /* under sh->mu: holding an idle connection (on sh->holders), asked to let it go */
    int holding, detach;
    struct tp_worker *hprev, *hnext;
};

struct tp_shared {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;                /* workers: a connection to carry, or shutdown */
    pthread_cond_t gone_cv;                /* destroy: a worker left */
    pthread_cond_t lend_cv;                /* a worker: the loop's send for it is over */
    struct tp_conn *qhead, *qtail;
    int qlen;                              /* connections on the run queue */
    int refs;                              /* the backend + each worker */
    int workers, idle, max;
    int shutdown;
    struct tp_worker *holders;             /* workers holding an idle connection */
    int kicks;                             /* atomic: wake-ups decided under mu, written after
                                              it (a worker's eventfd stays open until 0) */
};

struct tp_state {
    struct tp_shared *sh;
    int efd;                               /* the loop thread's wake-up */
};

/* ---- references ---- */

static void shared_unref_locked(struct tp_shared *sh)
{
    if (--sh->refs > 0) {
        pthread_mutex_unlock(&sh->mu);
        return;
    }
    pthread_mutex_unlock(&sh->mu);
    pthread_mutex_destroy(&sh->mu);
    pthread_cond_destroy(&sh->work_cv);
    pthread_cond_destroy(&sh->gone_cv);
    pthread_cond_destroy(&sh->lend_cv);
    rt__free(sh);
}

static void lookup_drop(struct tp_conn *u)
{
    tp_lookup_drop(u->lookup);
    u->lookup = NULL;
}

/* ---- connecting ---- */

static void drop_socket(struct tp_conn *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    u->connecting = 0;
}

static void release_addresses(struct tp_conn *u)
{
    if (u->ai)
        freeaddrinfo(u->ai);
    u->ai = u->ai_next = NULL;
}

/* Wait for fd's events and the worker's wake-up. Returns the socket's revents, 0 when
   kicked (poll the connection again). */
static short wait_io(struct tp_worker *w, int fd, short events)
{
    struct pollfd p[2] = {{fd, events, 0}, {w->wakefd, POLLIN, 0}};
    for (;;) {
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (p[1].revents & POLLIN) {
            uint64_t v;
            ssize_t n = read(w->wakefd, &v, sizeof v);
            (void)n;
            if (!p[0].revents)
                return 0;
        }
        return r < 0 ? POLLERR : p[0].revents;
    }
}

/* One step of RT_CONN_CONNECT: look the name up, try the next address, or wait for the
   connect in progress. Reports the outcome to the core when there is one. */
static void connect_step(struct tp_worker *w, struct tp_conn *u, const char *host, uint16_t port)
{
    if (!u->ai && !u->connecting) {
        struct in6_addr a6;
        struct in_addr a4;
        int literal = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
        if (!literal && !u->lookup) {
            int e = 0;
            u->lookup = tp_lookup_start(host, port, &e);
            if (!u->lookup)
                rt_conn_failed(u->c, RT_CONN_RESOLVE, e);
            return;
        }
        if (u->lookup) {
            short ev = wait_io(w, tp_lookup_fd(u->lookup), POLLIN);
            if (!ev)
                return;                    /* kicked: the core may have given up */
            struct addrinfo *res = NULL;
            int code = tp_lookup_result(u->lookup, &res);
            lookup_drop(u);
            u->ai = res;
            if (!res) {
                rt_conn_failed(u->c, RT_CONN_RESOLVE, code);
                return;
            }
        } else {
            struct addrinfo hints = {0};
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
            char ps[8];
            snprintf(ps, sizeof ps, "%u", port);
            int g = getaddrinfo(host, ps, &hints, &u->ai);   /* numeric: no lookup */
            if (g) {
                rt_conn_failed(u->c, RT_CONN_RESOLVE, g == EAI_MEMORY ? ENOMEM : 0);
                return;
            }
        }
        u->ai_next = u->ai;
        u->last_err = ECONNREFUSED;
    }
    if (!u->connecting) {
        struct addrinfo *ai = u->ai_next;
        if (!ai) {
            release_addresses(u);
            rt_conn_failed(u->c, RT_CONN_CONNECTING, u->last_err);
            return;
        }
        u->ai_next = ai->ai_next;
        u->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (u->fd < 0) {
            int e = errno;
            release_addresses(u);
            rt_conn_failed(u->c, RT_CONN_SOCKET, e);
            return;
        }
        if (connect(u->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
            u->last_err = errno;
            drop_socket(u);
            return;                        /* the next address, next step */
        }
        u->connecting = 1;
    }
    short ev = wait_io(w, u->fd, POLLOUT);
    if (!ev)
        return;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        err = errno;
    if (err) {
        u->last_err = err;
        drop_socket(u);
        return;
    }
    u->connecting = 0;
    u->connected = 1;
    release_addresses(u);
    int one = 1;
    setsockopt(u->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rt_conn_connected(u->c);
}

/* ---- carrying ---- */

/* An idle connection (parked, or held: below): has the server closed it meanwhile? 1 if that
   was reported. */
static int check_idle(struct tp_conn *u)
{
    u->was_idle = 0;
    if (u->fd < 0)
        return 0;
    char b;
    ssize_t n = recv(u->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) {
        rt_conn_eof(u->c);
        return 1;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        rt_conn_failed(u->c, RT_CONN_RECEIVING, errno);
        return 1;
    }
    /* n > 0: bytes nobody asked for; the core closes the connection when it reads them */
    return 0;
}

static void holders_remove_locked(struct tp_shared *sh, struct tp_worker *w)
{
    if (!w->holding)
        return;
    w->holding = 0;
    if (w->hprev)
        w->hprev->hnext = w->hnext;
    else
        sh->holders = w->hnext;
    if (w->hnext)
        w->hnext->hprev = w->hprev;
    w->hprev = w->hnext = NULL;
}

/* A keep-alive connection with nothing to do: its worker holds it for a while, waiting on
   its socket (a close by the server) and on its wake-up (the next request), instead of
   parking it and going back to the run queue. The next request then wakes this worker
   directly - no run-queue lock, no condition variable, the same thread and connection - and
   64 workers no longer queue on sh->mu to park and to be handed work. A worker lets go
   (returns 0: park) after IDLE_EXIT_MS, when asked to (a queued connection found no worker
   and none can be made: tp_carry), or when the socket has bytes nobody asked for. 1: poll
   the connection again. */
static int idle_hold(struct tp_worker *w, struct tp_conn *u)
{
    struct tp_shared *sh = u->sh;
    if (u->fd < 0)
        return 0;
    pthread_mutex_lock(&sh->mu);
    if (u->kicked) {
        u->kicked = 0;
        pthread_mutex_unlock(&sh->mu);
        return 1;
    }
    if (sh->qlen > 0 || sh->shutdown || w->detach) {
        w->detach = 0;
        pthread_mutex_unlock(&sh->mu);
        return 0;
    }
    w->holding = 1;
    w->hprev = NULL;
    w->hnext = sh->holders;
    if (sh->holders)
        sh->holders->hprev = w;
    sh->holders = w;
    pthread_mutex_unlock(&sh->mu);
    struct pollfd p[2] = {{u->fd, POLLIN, 0}, {w->wakefd, POLLIN, 0}};
    int r;
    do
        r = poll(p, 2, IDLE_EXIT_MS);
    while (r < 0 && errno == EINTR);
    if (r > 0 && (p[1].revents & POLLIN)) {
        uint64_t v;
        ssize_t n = read(w->wakefd, &v, sizeof v);
        (void)n;
    }
    pthread_mutex_lock(&sh->mu);
    holders_remove_locked(sh, w);
    while (u->lending) {                   /* the loop thread is sending for us: let it end */
        u->lend_wait = 1;
        pthread_cond_wait(&sh->lend_cv, &sh->mu);
    }
    int detach = w->detach, kicked = u->kicked, lent = u->lent;
    w->detach = 0;
    u->kicked = 0;
    u->lent = 0;
    pthread_mutex_unlock(&sh->mu);
    if (kicked || lent) {
        /* a request on its way (lent: even if the poll only timed out) - carry it; when its
           answer is what woke us, read it without another poll(2) */
        u->readable = r > 0 && (p[0].revents & POLLIN);
        return 1;
    }
    if (detach || r <= 0)
        return 0;
    if (p[0].revents)
        return check_idle(u);              /* a close reported: poll again (CLOSE) */
    return 1;
}

static void do_io(struct tp_worker *w, struct tp_conn *u, const rt_conn_want *want)
{
    if (want->out_len) {
        /* try the send before waiting: a request on a connected socket almost always fits
           its send buffer, and a poll(2) first is a system call per request for nothing */
        ssize_t n = send(u->fd, want->out, want->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            rt_conn_sent(u->c, (size_t)n);
            return;                        /* poll the connection again first */
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            rt_conn_failed(u->c, RT_CONN_SENDING, errno);
            return;
        }
    }
    short events = (short)((want->out_len ? POLLOUT : 0) | (want->read ? POLLIN : 0));
    short rev = !want->out_len && u->readable ? POLLIN : wait_io(w, u->fd, events);
    u->readable = 0;
    if (!rev)
        return;
    if ((rev & POLLOUT) && want->out_len) {
        ssize_t n = send(u->fd, want->out, want->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            rt_conn_sent(u->c, (size_t)n);
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            rt_conn_failed(u->c, RT_CONN_SENDING, errno);
        if (n < 0 || !want->read)
            return;                        /* poll the connection again first */
    }
    if (want->read && (rev & (POLLIN | POLLHUP | POLLERR))) {
        size_t room = 0;
        uint8_t *buf = rt_conn_recv_buf(u->c, &room);
        if (!buf)
            return;
        ssize_t n = recv(u->fd, buf, room, MSG_DONTWAIT);
        if (n > 0)
            rt_conn_recv_ack(u->c, (size_t)n);
        else if (n == 0)
            rt_conn_eof(u->c);
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            rt_conn_failed(u->c, RT_CONN_RECEIVING, errno);
    } else if (!want->out_len && (rev & (POLLHUP | POLLERR))) {
        rt_conn_failed(u->c, RT_CONN_RECEIVING, ECONNRESET);
    }
}

/* Carry u until it has nothing to do (parked: returns 0) or is closed (returns 1: u must
   not be touched again). */
static int carry_conn(struct tp_worker *w, struct tp_conn *u)
{
    struct tp_shared *sh = u->sh;
    for (;;) {
        if (u->was_idle)
            check_idle(u);
        rt_conn_want want;
        rt_conn_poll(u->c, &want);
        switch (want.op) {
        case RT_CONN_CONNECT:
            connect_step(w, u, want.host, want.port);
            continue;
        case RT_CONN_IO:
            if (u->fd >= 0) {
                do_io(w, u, &want);
                continue;
            }
            break;                         /* cannot happen: the core connects first */
        case RT_CONN_CLOSE:
            lookup_drop(u);
            release_addresses(u);
            drop_socket(u);
            pthread_mutex_lock(&sh->mu);
            u->closed = 1;
            u->running = 0;
            u->w = NULL;
            pthread_mutex_unlock(&sh->mu);
            rt_conn_closed(u->c);          /* the core may free u from here on */
            return 1;
        case RT_CONN_IDLE:
            if (idle_hold(w, u))
                continue;
            u->was_idle = 1;
            break;
        default:
            break;
        }
        /* nothing to do: park, unless a carry() came meanwhile */
        pthread_mutex_lock(&sh->mu);
        if (u->kicked) {
            u->kicked = 0;
            pthread_mutex_unlock(&sh->mu);
            continue;
        }
        u->running = 0;
        u->w = NULL;
        pthread_mutex_unlock(&sh->mu);
        return 0;
    }
}

static void *worker_main(void *arg)
{
    struct tp_worker *w = arg;
    struct tp_shared *sh = w->sh;
#ifdef SCHED_BATCH
    /* Batch scheduling: a worker woken (by the loop's carry, or by its socket) does not
       preempt the thread that is running. On a CPU the loop thread shares with its workers,
       a woken worker used to take the CPU from the loop at once, often only to block on the
       lock the loop still held, and the loop's JavaScript waited for every worker in turn
       (keep-alive at 64 connections on one CPU: 0.45 -> 0.6 of the libuv build's rate, and
       involuntary context switches per request 1.1 -> 0.01). Where a CPU is free the worker
       runs there at once, as before. Not fatal if refused. */
    struct sched_param sp = {0};
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
    pthread_mutex_lock(&sh->mu);
    for (;;) {
        if (sh->shutdown)
            break;
        if (!sh->qhead) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += IDLE_EXIT_MS / 1000;
            sh->idle++;
            int r = pthread_cond_timedwait(&sh->work_cv, &sh->mu, &until);
            sh->idle--;
            if (r == ETIMEDOUT && !sh->qhead && sh->workers > 1)
                break;                     /* idle long enough: the pool shrinks */
            continue;
        }
        struct tp_conn *u = sh->qhead;
        sh->qhead = u->next;
        if (!sh->qhead)
            sh->qtail = NULL;
        sh->qlen--;
        u->next = NULL;
        u->queued = 0;
        u->running = 1;
        u->kicked = 0;
        u->w = w;
        pthread_mutex_unlock(&sh->mu);
        int closed = carry_conn(w, u);
        pthread_mutex_lock(&sh->mu);
        (void)closed;                      /* either way u is no longer ours */
    }
    sh->workers--;
    pthread_cond_broadcast(&sh->gone_cv);
    /* no new kick can name this worker (it carries nothing and holds nothing), but one
       decided before may still be writing to its eventfd: let it finish (the kicker needs
       no lock for that) */
    while (__atomic_load_n(&sh->kicks, __ATOMIC_ACQUIRE) > 0)
        sched_yield();
    close(w->wakefd);
    rt__free(w);
    shared_unref_locked(sh);               /* unlocks */
    return NULL;
}

/* A new worker (sh->mu held). 0 or an errno value. */
static int spawn_locked(struct tp_shared *sh)
{
    struct tp_worker *w = rt__calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    w->sh = sh;
    w->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->wakefd < 0) {
        int e = errno;
        rt__free(w);
        return e;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    int r = pthread_create(&th, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        close(w->wakefd);
        rt__free(w);
        return r;
    }
    sh->workers++;
    sh->refs++;
    return 0;
}

/* ---- the vtable ---- */

static int tp_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    struct tp_state *s = state;
    struct tp_shared *sh = rt__calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, errlen, "out of memory");
        return RT_ENOMEM;
    }
    s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->efd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        rt__free(sh);
        return RT_ESYS;
    }
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->work_cv, NULL);
    pthread_cond_init(&sh->gone_cv, NULL);
    pthread_cond_init(&sh->lend_cv, NULL);
    sh->refs = 1;
    sh->max = env->threads > 0 ? env->threads : DEFAULT_MAX;
    s->sh = sh;
    return 0;
}

static void tp_destroy(void *state)
{
    struct tp_state *s = state;
    struct tp_shared *sh = s->sh;
    pthread_mutex_lock(&sh->mu);
    sh->shutdown = 1;
    pthread_cond_broadcast(&sh->work_cv);
    /* every connection is closed by now, so workers are idle and leave at once; bound the
       wait anyway (the shared state outlives a late one: it is reference-counted) */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    while (sh->workers > 0)
        if (pthread_cond_timedwait(&sh->gone_cv, &sh->mu, &until) == ETIMEDOUT)
            break;
    close(s->efd);
    shared_unref_locked(sh);               /* unlocks */
}

/* The write to a worker's eventfd decided under sh->mu, made after it is let go: on a CPU
   the loop shares with its workers, the loop preempted inside tp_carry while holding sh->mu
   (a write is a system call) left every worker it woke before to block on the lock in turn.
   sh->kicks, raised under the lock, keeps the worker's eventfd open until the write is done. */
static void kick(struct tp_shared *sh, int wakefd)
{
    uint64_t one = 1;
    ssize_t n = write(wakefd, &one, sizeof one);
    (void)n;
    __atomic_sub_fetch(&sh->kicks, 1, __ATOMIC_RELEASE);
}

/* The loop thread's half of a held connection's next request (tp_carry, u->lending set, so
   the worker, should it wake, waits): send what the core shows without blocking. 1 when the
   request is all out and the connection only waits to read - what the worker's poll(2) on
   its socket already waits for; 0 when the worker must take over (a send that would block
   or failed, which it retries and reports, or anything but I/O). A thread-pool worker used
   to be woken only to make this send: one of its two wake-ups per keep-alive request, two
   context switches on a CPU it shares with the loop. */
static int lend_send(struct tp_conn *u)
{
    for (int i = 0; i < 8; i++) {
        rt_conn_want want;
        rt_conn_poll(u->c, &want);
        if (want.op != RT_CONN_IO)
            return 0;
        if (!want.out_len)
            return want.read;
        ssize_t n = send(u->fd, want.out, want.out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0)
            return 0;
        rt_conn_sent(u->c, (size_t)n);
    }
    return 0;
}

static void tp_carry(void *state, rt_conn *c)
{
    struct tp_state *s = state;
    struct tp_shared *sh = s->sh;
    struct tp_conn *u = rt_conn_data(c);
    int wake = -1;                         /* a worker's eventfd, to write once unlocked */
    pthread_mutex_lock(&sh->mu);
    if (!u->c) {                           /* first carry: the core zeroed our bytes */
        u->c = c;
        u->sh = sh;
        u->fd = -1;
    }
    if (u->closed) {
        pthread_mutex_unlock(&sh->mu);
        return;
    }
    if (u->running && u->w && u->w->holding && !u->kicked && u->fd >= 0) {
        /* held idle: the loop thread sends the request itself and leaves the worker in its
           poll(2) for the answer (lend_send) */
        holders_remove_locked(sh, u->w);
        u->lending = 1;
        pthread_mutex_unlock(&sh->mu);
        int out = lend_send(u);
        pthread_mutex_lock(&sh->mu);
        u->lending = 0;
        u->lent = 1;
        if (u->lend_wait) {
            u->lend_wait = 0;
            pthread_cond_broadcast(&sh->lend_cv);
        }
        if (!out) {
            u->kicked = 1;                 /* the rest is the worker's */
            wake = u->w ? u->w->wakefd : -1;
        }
    } else if (u->running) {
        u->kicked = 1;                     /* the worker polls the connection again */
        if (u->w)
            wake = u->w->wakefd;
    } else if (!u->queued) {
        /* an idle worker for each queued connection, or a new one (up to the maximum): a
           worker stays with its connection while it waits on the network */
        int need = sh->qlen + 1 > sh->idle, e = 0, spawned = 0;
        if (need && sh->workers < sh->max) {
            e = spawn_locked(sh);
            spawned = e == 0;
        }
        if (e && !sh->holders && (sh->workers == 0 || (u->fd < 0 && (e == EMFILE || e == ENFILE)))) {
            /* no thread at all: nothing would ever carry it; or no descriptor for a new
               worker's eventfd, when a connection not made yet would need one for its socket
               as well. Fail and close it from here (it has no socket): EMFILE/ENFILE is
               pressure, on which the core makes the request wait for a descriptor (a worker
               busy with a connection frees one when that closes) up to its connect timeout */
            u->closed = 1;
            pthread_mutex_unlock(&sh->mu);
            rt_conn_failed(c, RT_CONN_SOCKET, e);
            rt_conn_closed(c);
            return;
        }
        u->queued = 1;
        if (sh->qtail)
            sh->qtail->next = u;
        else
            sh->qhead = u;
        sh->qtail = u;
        sh->qlen++;
        pthread_cond_signal(&sh->work_cv);
        if (need && !spawned && sh->holders) {
            /* every worker is busy or holds an idle connection, and no new one can be had
               (the maximum, or no descriptor for its eventfd): one lets its own go */
            struct tp_worker *h = sh->holders;
            holders_remove_locked(sh, h);
            h->detach = 1;
            wake = h->wakefd;
        }
    }
    if (wake >= 0)
        __atomic_add_fetch(&sh->kicks, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sh->mu);
    if (wake >= 0)
        kick(sh, wake);
}

static int tp_wait(void *state, int timeout_ms)
{
    struct tp_state *s = state;
    struct pollfd p = {s->efd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno != EINTR)
        return RT_ESYS;
    if (r > 0) {
        uint64_t v;
        ssize_t n = read(s->efd, &v, sizeof v);
        (void)n;
    }
    return 0;
}

static void tp_wakeup(void *state)
{
    struct tp_state *s = state;
    uint64_t one = 1;
    ssize_t n = write(s->efd, &one, sizeof one);
    (void)n;
}

const rt_backend rt_backend_threadpool = {
    RT_BACKEND_VERSION,                    /* version */
    "threadpool",                          /* name */
    RT_BACKEND_CAP_THREADED,               /* caps */
    sizeof(struct tp_state),               /* state_size */
    sizeof(struct tp_conn),                /* conn_size */
    tp_create,                             /* create */
    tp_destroy,                            /* destroy */
    tp_carry,                              /* carry */
    tp_wait,                               /* wait */
    tp_wakeup,                             /* wakeup */
    NULL,                                  /* host_arm */
};
