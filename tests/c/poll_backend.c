/*
 * poll_backend.c - the smallest real backend: one thread, plain poll(2), non-blocking
 * sockets, written against the public contract only (include/runtime_backend.h), as an
 * out-of-tree backend would be. It exists to show that the contract is small: the JS fetch
 * suite runs on it (make check-poll builds rtjs with it and runs the suite), TLS included,
 * because the core does everything but moving bytes.
 *
 * Each wait() asks every connection what it wants, starts connects and closes, polls the
 * sockets (with the wake-up pipe) and feeds what became ready back to the core. Name
 * lookups block (getaddrinfo): fine for a test backend, not for production.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime_backend.h"

struct pb_conn {
    rt_conn *c;
    int listed, fd, connecting, connected;
    struct addrinfo *ai, *next_ai;
    int last_err;
    rt_conn_want w;                        /* what it wanted at the last poll */
    struct pb_conn *next;
};

struct pb_state {
    struct pb_conn *conns;
    int pipe[2];                           /* wakeup() writes, wait() polls */
};

static int pb_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    struct pb_state *s = state;
    if (pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return RT_ESYS;
    }
    return 0;
}

static void pb_destroy(void *state)
{
    struct pb_state *s = state;
    close(s->pipe[0]);
    close(s->pipe[1]);
}

static void pb_carry(void *state, rt_conn *c)
{
    struct pb_state *s = state;
    struct pb_conn *p = rt_conn_data(c);
    if (!p->listed) {
        p->c = c;
        p->fd = -1;
        p->listed = 1;
        p->next = s->conns;
        s->conns = p;
    }
}

/* Start connecting to the next address; 1 if something happened (reported or started). */
static void try_connect(struct pb_conn *p)
{
    while (p->next_ai) {
        struct addrinfo *ai = p->next_ai;
        p->next_ai = ai->ai_next;
        p->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0) {
            freeaddrinfo(p->ai);
            p->ai = p->next_ai = NULL;
            rt_conn_failed(p->c, RT_CONN_SOCKET, errno);
            return;
        }
        if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
            p->connecting = 1;
            return;
        }
        p->last_err = errno;
        close(p->fd);
        p->fd = -1;
    }
    freeaddrinfo(p->ai);
    p->ai = NULL;
    rt_conn_failed(p->c, RT_CONN_CONNECTING, p->last_err);
}

static void start_connect(struct pb_conn *p, const char *host, uint16_t port)
{
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int g = getaddrinfo(host, ps, &hints, &p->ai);
    if (g) {
        rt_conn_failed(p->c, RT_CONN_RESOLVE, g == EAI_SYSTEM ? errno : 0);
        return;
    }
    p->next_ai = p->ai;
    p->last_err = ECONNREFUSED;
    try_connect(p);
}

static int pb_wait(void *state, int timeout_ms)
{
    struct pb_state *s = state;
    struct pollfd fds[1024];
    struct pb_conn *who[1024];
    int n = 1, busy = 0;
    fds[0].fd = s->pipe[0];
    fds[0].events = POLLIN;
    /* ask each connection what it wants; connects and closes start here */
    for (struct pb_conn **pp = &s->conns; *pp;) {
        struct pb_conn *p = *pp;
        rt_conn_poll(p->c, &p->w);
        if (p->w.op == RT_CONN_CLOSE) {
            *pp = p->next;
            if (p->fd >= 0)
                close(p->fd);
            if (p->ai)
                freeaddrinfo(p->ai);
            rt_conn_closed(p->c);          /* p is the core's to free now */
            busy = 1;
            continue;
        }
        pp = &p->next;
        if (p->w.op == RT_CONN_CONNECT && !p->connecting && !p->connected) {
            start_connect(p, p->w.host, p->w.port);
            busy = 1;
            continue;
        }
        short ev = 0;
        if (p->connecting)
            ev = POLLOUT;
        else if (p->w.op == RT_CONN_IO)
            ev = (short)((p->w.out_len ? POLLOUT : 0) | (p->w.read ? POLLIN : 0));
        else if (p->w.op == RT_CONN_IDLE)
            ev = POLLIN;
        if (ev && p->fd >= 0 && n < 1024) {
            fds[n].fd = p->fd;
            fds[n].events = ev;
            fds[n].revents = 0;
            who[n++] = p;
        }
    }
    if (poll(fds, (nfds_t)n, busy ? 0 : timeout_ms) < 0 && errno != EINTR)
        return RT_ESYS;
    if (fds[0].revents & POLLIN) {
        char buf[64];
        while (read(s->pipe[0], buf, sizeof buf) > 0)
            ;
    }
    for (int i = 1; i < n; i++) {
        struct pb_conn *p = who[i];
        short re = fds[i].revents;
        if (!re)
            continue;
        if (p->connecting) {
            int err = 0;
            socklen_t el = sizeof err;
            getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el);
            p->connecting = 0;
            if (err) {
                p->last_err = err;
                close(p->fd);
                p->fd = -1;
                try_connect(p);
            } else {
                freeaddrinfo(p->ai);
                p->ai = NULL;
                p->connected = 1;
                rt_conn_connected(p->c);
            }
            continue;
        }
        if ((re & POLLOUT) && p->w.out_len) {
            ssize_t k = send(p->fd, p->w.out, p->w.out_len, MSG_NOSIGNAL);
            if (k > 0)
                rt_conn_sent(p->c, (size_t)k);
            else if (k < 0 && errno != EAGAIN)
                rt_conn_failed(p->c, RT_CONN_SENDING, errno);
            continue;                      /* read next turn: the wants may have changed */
        }
        if (re & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            ssize_t k = recv(p->fd, buf, sizeof buf, 0);
            if (k > 0)
                rt_conn_recv(p->c, (const uint8_t *)buf, (size_t)k);
            else if (k == 0)
                rt_conn_eof(p->c);
            else if (errno != EAGAIN)
                rt_conn_failed(p->c, RT_CONN_RECEIVING, errno);
        }
    }
    return 0;
}

static void pb_wakeup(void *state)
{
    struct pb_state *s = state;
    ssize_t r = write(s->pipe[1], "", 1);
    (void)r;
}

const rt_backend rt_backend_poll = {
    RT_BACKEND_VERSION,                    /* version */
    "poll",                                /* name */
    0,                                     /* caps */
    sizeof(struct pb_state),               /* state_size */
    sizeof(struct pb_conn),                /* conn_size */
    pb_create,                             /* create */
    pb_destroy,                            /* destroy */
    pb_carry,                              /* carry */
    pb_wait,                               /* wait */
    pb_wakeup,                             /* wakeup */
    NULL,                                  /* host_arm */
};
