/*
 * fake_backend.c - a transport that moves no real bytes: it answers each request from a
 * script chosen by the request target, in the spirit of SQLite's syscall table, so the
 * core's handling of short reads, failures at each stage (name lookup, connect, before and
 * during the body) and cancellation is tested without sockets. It uses only the public
 * contract (include/runtime_backend.h), like an out-of-tree backend would.
 * Scenarios (target "/fake/NAME"):
 *   ok          200 "hello world", one byte per turn
 *   empty       204
 *   err-head    the peer resets the connection before any response byte
 *   err-body    200 announcing 11 bytes, "par", then a reset
 *   hang        200 announcing 11 bytes, then nothing
 *   big         200 with 262,144 bytes, 4,096 per turn
 * Host names: "refused.fake" (connect refused), "nxdomain.fake" (no such name),
 * "blackhole.fake" (the connect never completes).
 * As a proxy, "CONNECT host:port" is answered by the host's first label:
 *   c407        407 Proxy Authentication Required
 *   cextra      200, and bytes after the head (which no proxy may send)
 *   ceof        the proxy closes before answering
 *   anything else: "100 Continue", then "200 Connection established", one byte per turn;
 *               what comes through the tunnel next (a TLS ClientHello) is counted in
 *               fake_stats.tunnel_bytes and answered by a close.
 * fake_last_request holds the last request head the fake server read.
 * fake_sockets limits the sockets open at once (EMFILE beyond it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"

fake_counters fake_stats;
char fake_last_request[1024];
int fake_sockets = -1;

/* Per connection, inside the core's rt_conn (rt_conn_data). */
struct fake_conn {
    rt_conn *c;
    int listed;
    char req[4096];                        /* the request head as far as it came */
    size_t req_len;
    const char *scenario;                  /* once the head is complete */
    char resp[512];                        /* the scripted response head + small body */
    size_t resp_len, resp_off;
    size_t big_left;                       /* "big": body bytes still to send */
    int done;                              /* the whole response went out */
    int socket;                            /* holds one of fake_sockets */
    struct fake_conn *next;
};

struct fake_state {
    rt_backend_env env;
    struct fake_conn *conns;               /* carried connections, not yet closed */
};

static int fake_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    struct fake_state *s = state;
    s->env = *env;
    return 0;
}

static void fake_destroy(void *state)
{
    (void)state;                           /* every connection is closed by now */
}

static void fake_carry(void *state, rt_conn *c)
{
    struct fake_state *s = state;
    struct fake_conn *f = rt_conn_data(c);
    if (!f->listed) {
        f->c = c;
        f->listed = 1;
        f->next = s->conns;
        s->conns = f;
    }
}

static void script(struct fake_conn *f)
{
    size_t keep = f->req_len < sizeof fake_last_request ? f->req_len : sizeof fake_last_request - 1;
    memcpy(fake_last_request, f->req, keep);
    fake_last_request[keep] = 0;
    fake_stats.requests++;
    if (strncmp(f->req, "CONNECT ", 8) == 0) {
        const char *h = f->req + 8;
        if (strncmp(h, "c407.", 5) == 0) {
            f->scenario = "c407";
            f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp,
                                           "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                           "Proxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n");
        } else if (strncmp(h, "cextra.", 7) == 0) {
            f->scenario = "cextra";
            f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp,
                                           "HTTP/1.1 200 OK\r\n\r\nextra");
        } else if (strncmp(h, "ceof.", 5) == 0) {
            f->scenario = "ceof";
        } else {
            f->scenario = "tunnel";
            f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp,
                                           "HTTP/1.1 100 Continue\r\n\r\n"
                                           "HTTP/1.1 200 Connection established\r\nVia: fake\r\n\r\n");
        }
        return;
    }
    const char *p = strstr(f->req, "/fake/");
    static const char *known[] = {"ok", "empty", "err-head", "err-body", "hang", "big"};
    f->scenario = "ok";
    if (p) {
        p += 6;
        size_t n = strcspn(p, " ?");
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strlen(known[i]) == n && strncmp(known[i], p, n) == 0)
                f->scenario = known[i];
    }
    const char *sc = f->scenario;
    const char *hdrs = "Content-Type: text/plain\r\nX-Fake: 1\r\n";
    if (strcmp(sc, "empty") == 0)
        f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp, "HTTP/1.1 204 No Content\r\n%s\r\n", hdrs);
    else if (strcmp(sc, "big") == 0) {
        f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp,
                                       "HTTP/1.1 200 OK\r\n%sContent-Length: 262144\r\n\r\n", hdrs);
        f->big_left = 262144;
    } else if (strcmp(sc, "err-head") != 0)
        f->resp_len = (size_t)snprintf(f->resp, sizeof f->resp,
                                       "HTTP/1.1 200 OK\r\n%sContent-Length: 11\r\n\r\n%s", hdrs,
                                       strcmp(sc, "ok") == 0 ? "hello world"
                                       : strcmp(sc, "err-body") == 0 ? "par" : "");
}

/* One step of f's life; returns 1 when it was closed (f is gone). */
static int step(struct fake_state *s, struct fake_conn *f)
{
    rt_conn_want w;
    rt_conn_poll(f->c, &w);
    switch (w.op) {
    case RT_CONN_CONNECT:
        if (strncmp(w.host, "refused.", 8) == 0)
            rt_conn_failed(f->c, RT_CONN_CONNECTING, ECONNREFUSED);
        else if (strncmp(w.host, "nxdomain.", 9) == 0)
            rt_conn_failed(f->c, RT_CONN_RESOLVE, 0);
        else if (strncmp(w.host, "blackhole.", 10) == 0)
            ;                              /* the connect never completes */
        else if (fake_sockets == 0) {
            fake_stats.no_socket++;
            rt_conn_failed(f->c, RT_CONN_SOCKET, EMFILE);
        }
        else {
            if (fake_sockets > 0) {
                fake_sockets--;
                f->socket = 1;
            }
            fake_stats.connects++;
            rt_conn_connected(f->c);
        }
        return 0;
    case RT_CONN_CLOSE: {
        for (struct fake_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
            if (*pp == f) {
                *pp = f->next;
                break;
            }
        fake_stats.closed++;
        if (f->socket)
            fake_sockets++;
        if (f->scenario && !f->done)
            fake_stats.cancelled++;
        rt_conn_closed(f->c);
        return 1;
    }
    case RT_CONN_IO:
        break;
    default:
        return 0;
    }
    if (w.out_len && f->scenario && strcmp(f->scenario, "tunnel-up") == 0) {
        fake_stats.tunnel_bytes += (int)w.out_len;   /* through the tunnel: the origin's */
        rt_conn_sent(f->c, w.out_len);
        return 0;
    }
    if (w.out_len) {
        size_t n = w.out_len;
        if (!f->scenario && f->req_len + n < sizeof f->req) {
            memcpy(f->req + f->req_len, w.out, n);
            f->req_len += n;
            f->req[f->req_len] = 0;
            if (strstr(f->req, "\r\n\r\n"))
                script(f);
        }
        rt_conn_sent(f->c, n);
        return 0;
    }
    if (!w.read || !f->scenario || f->done)
        return 0;
    if (strcmp(f->scenario, "err-head") == 0) {
        f->done = 1;
        rt_conn_failed(f->c, RT_CONN_RECEIVING, ECONNRESET);
        return 0;
    }
    if (strcmp(f->scenario, "ceof") == 0 || (strcmp(f->scenario, "tunnel-up") == 0 &&
                                              fake_stats.tunnel_bytes)) {
        f->done = 1;
        rt_conn_eof(f->c);
        return 0;
    }
    if (strcmp(f->scenario, "tunnel") == 0 && f->resp_off < f->resp_len) {
        f->resp_off++;                     /* the proxy's answer one byte per turn */
        if (f->resp_off == f->resp_len)
            f->scenario = "tunnel-up";
        rt_conn_recv(f->c, (const uint8_t *)f->resp + f->resp_off - 1, 1);
        return 0;
    }
    if (strcmp(f->scenario, "tunnel-up") == 0)
        return 0;
    if (f->resp_off < f->resp_len) {
        /* the head in one read, then the body one byte at a time */
        size_t head = (size_t)(strstr(f->resp, "\r\n\r\n") - f->resp) + 4;
        size_t n = f->resp_off < head ? head - f->resp_off : 1;
        if (strcmp(f->scenario, "cextra") == 0)
            n = f->resp_len - f->resp_off;     /* the head and the extra bytes in one read */
        f->resp_off += n;
        int last = f->resp_off == f->resp_len && !f->big_left &&
                   strcmp(f->scenario, "err-body") != 0 && strcmp(f->scenario, "hang") != 0;
        if (last)
            f->scenario = NULL;            /* complete: ready for the next request on it */
        rt_conn_recv(f->c, (const uint8_t *)f->resp + f->resp_off - n, n);
        if (last)
            f->req_len = f->resp_len = f->resp_off = 0;
        return 0;
    }
    if (f->big_left) {
        static uint8_t block[4096];
        memset(block, 'a' + (int)(f->big_left / 4096 % 26), sizeof block);
        f->big_left -= sizeof block;
        if (!f->big_left) {
            f->scenario = NULL;
            f->req_len = f->resp_len = f->resp_off = 0;
        }
        rt_conn_recv(f->c, block, sizeof block);
        return 0;
    }
    if (strcmp(f->scenario, "err-body") == 0) {
        f->done = 1;
        rt_conn_failed(f->c, RT_CONN_RECEIVING, ECONNRESET);
    }
    return 0;
}

static int fake_wait(void *state, int timeout_ms)
{
    struct fake_state *s = state;
    fake_stats.waits++;
    /* a step may close any connection: walk a snapshot, checking each is still listed */
    struct fake_conn *list[256];
    int n = 0;
    for (struct fake_conn *f = s->conns; f && n < 256; f = f->next)
        list[n++] = f;
    for (int i = 0; i < n; i++) {
        int alive = 0;
        for (struct fake_conn *f = s->conns; f; f = f->next)
            alive |= f == list[i];
        if (alive)
            step(s, list[i]);
    }
    return 0;
}

static void fake_wakeup(void *state) {}

const rt_backend fake_backend = {
    RT_BACKEND_VERSION,                    /* version */
    "fake",                                /* name */
    0,                                     /* caps */
    sizeof(struct fake_state),             /* state_size */
    sizeof(struct fake_conn),              /* conn_size */
    fake_create,                           /* create */
    fake_destroy,                          /* destroy */
    fake_carry,                            /* carry */
    fake_wait,                             /* wait */
    fake_wakeup,                           /* wakeup */
    NULL,                                  /* host_arm */
};
