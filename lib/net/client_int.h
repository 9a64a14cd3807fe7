/*
 * client_int.h - the structures shared by the HTTP client's files (lib/net/client.c: the
 * loop side - requests, events, deadlines; lib/net/pool.c: connections per origin, limits;
 * lib/net/conn.c: the transport side - what a backend calls; lib/net/exchange.c: HTTP/1.1 on
 * a connection's plaintext). Private to lib/net/.
 *
 * Threads. The loop thread owns rt__net, every rt__req and the pool. A connection is
 * carried by one thread at a time (the loop thread for an event-driven backend, a worker
 * for a blocking one); what the carrier and the loop thread both touch is under c->mu
 * (taken only when the backend is RT_BACKEND_CAP_THREADED). The carrier talks to the loop
 * thread through events (rt__xev) on net's queue; the loop thread talks to the carrier by
 * changing the connection under its lock and carrying it.
 */
#ifndef RT_NET_CLIENT_INT_H
#define RT_NET_CLIENT_INT_H

#include <pthread.h>

#include "client.h"
#include "chunk.h"
#include "timer_heap.h"
#include "tls.h"
#include "workers.h"

struct rt__decoder;

/* Most bytes of DATA posted and not yet dispatched per request before the connection stops
   reading (a fast server, a loop busy elsewhere). */
#define RT__MAX_QUEUED (1u << 20)

/* ---- events from connections to the loop thread ---- */
enum {
    XEV_CONNECTED = 1,                     /* TCP up: the connect deadline is over */
    XEV_CONNECTING,                        /* the backend starts connecting: the connect
                                              deadline starts (not while it queues the
                                              connection for a thread) */
    XEV_SENT,                              /* the request is on the wire */
    XEV_HEAD,
    XEV_DATA,
    XEV_DONE,                              /* response complete; keep: the connection went idle */
    XEV_ERROR,
    XEV_CLOSED,                            /* the backend let go of the connection */
    XEV_JOB,                               /* a TLS engine step on a core worker is over */
    XEV_HANDSHAKE                          /* an origin's leading TLS handshake is over */
};

typedef struct rt__xev {
    int type;
    struct rt_conn *c;
    struct rt__req *req;                   /* a reference, or NULL */
    /* HEAD: one owned block holds the header array, the names and values and the reason */
    void *block;
    rt_http1_header *headers;
    size_t num_headers;
    int status, minor_version;
    const char *reason;
    size_t reason_len;
    /* DATA: a reference to the chunk the bytes are in */
    rt__chunk *chunk;
    const uint8_t *data;
    size_t len;
    /* DONE */
    int keep;
    /* ERROR */
    int code;
    int stale;                             /* a reused connection failed before any response
                                              byte: the request may go again elsewhere */
    int pressure;                          /* no descriptor for a socket (EMFILE, ENFILE): the
                                              request may wait for one (lib/net/pool.c) */
    char msg[200];
    int embedded;                          /* part of the connection: not freed */
    struct rt__xev *next;
} rt__xev;

/* ---- origins: the pool key and its bookkeeping (loop thread) ---- */
typedef struct rt__origin {
    char *key;                             /* owned: "https://host:port" */
    unsigned active;                       /* exchanges running (limits) */
    struct rt_conn *idle;                  /* pooled connections, most recent first */
    /* TLS: the first connection to an origin with no session to resume leads; the others
       wait for its handshake, then resume its session (lib/net/pool.c) */
    struct rt_conn *hs_leader;
    const struct rt_tls_trust *hs_trust;   /* what the leader verifies with: waiters match */
    uint8_t hs_insecure;
    uint8_t no_resume;                     /* the server gave no session: nobody waits */
    struct rt__origin *next;
} rt__origin;

/* ---- a request ---- */
enum {
    R_STARTED = 1,                         /* has a connection (or had) */
    R_ENDED = 2,                           /* END or ERROR went to the engine (or must not) */
    R_CLOSED = 4,                          /* the engine let go */
    R_RETRIED = 8,
    R_WAITING = 16,                        /* in the wait queue for a connection slot */
    R_FDWAIT = 32                          /* in the queue of requests waiting for a descriptor */
};

struct rt__req {
    rt__net *net;
    int refs;                              /* atomic: the engine, the connection, each queued
                                              event; freed on the loop thread at 0 */
    unsigned flags;                        /* R_* (loop thread) */
    /* what to send and how: set at start, read-only afterwards (the carrier reads them) */
    char *head;                            /* owned: serialized head (+ a small body) */
    size_t head_len;
    const uint8_t *body;                   /* body_owned ? owned : the engine's */
    size_t body_len;
    int body_owned;
    rt__body_seg *segs;                    /* owned copy of the spec's pieces (none empty),
                                              body NULL; seg_end[i]: the end of piece i in the
                                              body (same allocation) */
    size_t *seg_end;
    size_t nsegs;
    char *host;                            /* owned: the origin's */
    uint16_t port;
    /* through a proxy (lib/net/proxy.h: strings borrowed from net->proxy): via_host NULL
       means direct; tunnel: a CONNECT first, else the head is in absolute form */
    const char *via_host;
    uint16_t via_port;
    uint8_t tunnel;
    const char *via_auth;                  /* Proxy-Authorization for the CONNECT, or NULL */
    uint8_t tls, is_head, reuse, retry, decode, insecure;
    uint32_t connect_ms, headers_ms, body_ms;
    rt_http1_limits limits;
    uint64_t max_body;
    const struct rt_tls_trust *trust;
    rt__origin *org;
    uint8_t has_slot;                      /* counted in org->active and net->active */
    /* shared with the carrier */
    int paused;                            /* atomic: the engine paused the body */
    size_t queued;                         /* atomic: DATA bytes posted, not dispatched */
    /* loop thread */
    struct rt_conn *conn;                  /* the connection running it, or NULL */
    rt__req_cb cb;
    void *ud;
    struct rt__req *wnext;                 /* wait queue */
    struct rt__req *fdnext;                /* descriptor queue (R_FDWAIT) */
    uint64_t fd_since;                     /* when it first found no descriptor (ms; 0: never) */
    int fd_code;                           /* RT_EMFILE or RT_ENFILE: what it fails with */
    struct rt__req *all_prev, *all_next;
    rt__xev fail_ev;                       /* an error found on the loop thread (a connection
                                              that cannot be made): never allocated */
};

/* ---- a connection ---- */
enum { CS_CONNECT = 1, CS_OPEN, CS_CLOSE, CS_CLOSED };
enum { PH_NONE = 0, PH_CONNECT, PH_HEADERS, PH_BODY, PH_IDLE };

struct rt_conn {
    rt__net *net;
    pthread_mutex_t mu;
    /* carrier state (under mu) */
    int state;                             /* CS_* */
    char *host;                            /* owned: the origin (messages, TLS) */
    uint16_t port;
    /* a proxy (set before the first carry, read-only after): the backend connects to
       via_host:via_port (borrowed from net->proxy) instead; with tunnel, tun_req (owned: the
       CONNECT head) goes first and the proxy's answer is read into rbuf until its head is
       complete; tunnel_up then, and TLS or the plain exchange starts inside */
    const char *via_host;
    uint16_t via_port;
    uint8_t tunnel, tunnel_up;
    char *tun_req;
    size_t tun_len, tun_off;
    uint8_t use_tls;
    rt_tls_conn *tls;                      /* owned, set once the engine is set up */
    rt_tls_conn *tls_new;                  /* owned: the engine while it is being set up */
    char *key;                             /* owned copy of the origin key (TLS sessions) */
    struct rt__req *req;                   /* the exchange's request (a reference) */
    /* the exchange (lib/net/exchange.c), reset for each request */
    rt_http1_parser p;
    char *head;                            /* owned: an incomplete response head */
    size_t head_len, head_cap;
    size_t send_off;                       /* request bytes sent (plain) or encrypted (TLS) */
    uint8_t sent_all, got_bytes, reused, head_done, tls_flushed;
    uint8_t head_pending;                  /* head_ev is made, not posted yet: the body bytes
                                              of the same read ride on it (exchange.c) */
    uint64_t body_bytes;                   /* decoded body bytes delivered */
    struct rt__decoder *dec;               /* owned: the body decoder (lib/net/codings.h) */
    /* TLS: records waiting to be written, copied out of the engine */
    rt__chunk *wbuf;
    size_t wbuf_off;
    /* reading: the chunk the backend reads into (transient), gathered plaintext (TLS) */
    rt__chunk *rbuf;
    rt__chunk *plain;
    int throttled;                         /* atomic: stopped reading for RT__MAX_QUEUED */
    uint64_t last_read_ms;                 /* atomic: body silence is measured from it */
    uint64_t sent_ms;                      /* atomic: when the carrier last sent bytes of a
                                              request; the headers deadline runs from it */
    int hs_done;                           /* atomic: the TLS handshake is over */
    uint8_t hs_lead;                       /* leads its origin's first handshake (set before
                                              the first carry, read-only after) */
    uint8_t hs_wait;                       /* do not start TLS yet: the leader's handshake is
                                              not over (cleared by the loop thread) */
    /* a TLS engine step on a core worker (event-driven backends only: lib/net/conn.c). While
       job_busy the worker owns tls and rbuf; bytes that arrive go to pend. Loop thread. */
    rt__work job;
    int job_busy;
    int job_kind;                          /* JOB_* (conn.c) */
    int job_err;                           /* JOB_INIT: what the set-up returned */
    size_t job_used;                       /* JOB_FEED: bytes of rbuf the engine took */
    rt__chunk *pend;                       /* owned: bytes read while a step ran */
    uint8_t eof_pending;                   /* the peer closed while a step ran */
    uint8_t closed_pending;                /* the backend let go while a step ran */
    rt__xev job_ev;                        /* XEV_JOB (holds a request reference while the
                                              step runs); never allocated */
    rt__xev hs_ev;                         /* XEV_HANDSHAKE, posted once; never allocated */
    /* loop thread */
    struct rt__req *lreq;                  /* the request the loop thread sees running on it */
    rt__origin *org;
    rt__timer_node dl;                     /* deadline; dl.index == SIZE_MAX when unarmed */
    int phase;                             /* PH_*: which deadline dl is */
    int idle;                              /* on org->idle */
    uint8_t no_fd;                         /* failed for want of a descriptor: its close frees
                                              none */
    struct rt_conn *idle_next;
    struct rt_conn *all_prev, *all_next;
    rt__xev term_ev;                       /* the exchange's DONE or ERROR: never allocated,
                                              so an exchange always ends */
    rt__xev closed_ev;                     /* posted by rt_conn_closed: never allocated */
    rt__xev conn_ev;                       /* XEV_CONNECTED, once: never allocated (lost, the
                                              head's deadline would never replace the
                                              connect deadline) */
    rt__xev cstart_ev;                     /* XEV_CONNECTING, once: never allocated */
    rt__xev sent_ev;                       /* XEV_SENT and XEV_HEAD, once per exchange: never */
    rt__xev head_ev;                       /* allocated (the next exchange starts after the
                                              loop took this one's terminal event, so after
                                              these: the queue is in order) */
    uint8_t connecting;                    /* carrier: cstart_ev was posted */
    /* followed by the backend's conn_size bytes */
};

/* ---- the client ---- */
struct rt__net {
    rt__net_config cfg;
    int threaded;                          /* the backend carries connections on workers */
    pthread_mutex_t mu;                    /* the event queue (threaded backends) */
    rt__xev *evq_head, *evq_tail;
    int evq_woken;                         /* under mu: a post since the last take woke the
                                              loop (or the loop posted itself) */
    size_t conn_data_off;                  /* where the backend's bytes start in a conn */
    rt__chunk_pool chunks;
    rt_tls_sessions *sessions;             /* owned: TLS resumption, made on first use */
    rt__timer_heap deadlines;              /* connections with a deadline */
    struct rt__proxy *proxy;               /* owned, read-only: which requests go through a
                                              proxy (lib/net/proxy.h); NULL: none */
    rt__origin *origins;
    struct rt_conn *conns;                 /* every connection not yet freed */
    size_t nconns;
    size_t nidle;                          /* of them, on an idle list */
    struct rt__req *reqs;                  /* every request not yet freed */
    uint64_t in_flight;                    /* requests started, not ended */
    unsigned active;                       /* exchanges running (max_connections) */
    struct rt__req *wait_head, *wait_tail;
    /* requests waiting for a descriptor (EMFILE/ENFILE), oldest first, and the timer that
       retries them and ends their wait at their connect timeout (lib/net/pool.c) */
    struct rt__req *fd_head, *fd_tail;
    rt__timer_node fd_dl;                  /* in deadlines while the queue is not empty */
    uint32_t fd_backoff_ms;
    uint64_t fd_retry_at;
    /* TLS steps off the loop thread (event-driven backends) */
    rt__workers *workers;                  /* owned; made at the first step, NULL: none */
    uint64_t turn;                         /* dispatches so far */
    uint64_t inline_turn, inline_us;       /* steps run here for want of a thread, this turn */
    uint64_t steps_away, steps_here;       /* TLS steps given to workers / run on the loop
                                              thread (tests read them) */
    /* events taken but left for the next dispatch (a dispatch's time budget) */
    rt__xev *held_head, *held_tail;
    int dispatching;
    int shutting_down;
    int backend_gone;                      /* rt__net_free: nothing is carried any more */
};

/* lib/net/client.c */
void rt__net_post(rt__net *net, rt__xev *ev);       /* a carrier, or the loop thread */
void rt__net_post_remote(rt__net *net, rt__xev *ev);/* a core worker: wakes the loop */
void rt__net_post_quiet(rt__net *net, rt__xev *ev); /* does not wake the loop */
rt__xev *rt__xev_new(int type, struct rt_conn *c);  /* any thread; NULL when out of memory */
void rt__net_carry(rt__net *net, struct rt_conn *c);/* loop thread, outside the backend */
void rt__conn_lock(struct rt_conn *c);
void rt__conn_unlock(struct rt_conn *c);
void rt__req_unref(struct rt__req *req);
/* An error for req found on the loop thread, delivered through the queue. */
void rt__req_fail_later(rt__net *net, struct rt__req *req, int code, const char *msg);
/* c's deadline becomes `phase`, ms from now (0: none). */
void rt__conn_arm(rt__net *net, struct rt_conn *c, int phase, uint32_t ms);
void rt__conn_arm_from(rt__net *net, struct rt_conn *c, int phase, uint64_t from, uint32_t ms);

/* lib/net/pool.c */
void rt__pool_submit(rt__net *net, struct rt__req *req);
/* The exchange on c ended (keep: c is reusable). */
void rt__pool_done(rt__net *net, struct rt_conn *c, int keep);
/* Close c (any state): the loop thread decided. */
void rt__pool_close(rt__net *net, struct rt_conn *c);
void rt__pool_forget(rt__net *net, struct rt_conn *c);    /* c closed: free it */
void rt__pool_slot_free(rt__net *net, struct rt__req *req);
/* The TLS handshake of c (its origin's leader) is over, or c failed or closed before: the
   connections waiting for it go on. */
void rt__pool_lead_over(rt__net *net, struct rt_conn *c);
void rt__pool_start_waiting(rt__net *net);
void rt__pool_free(rt__net *net);
/* Descriptor pressure: req found no descriptor for a socket (code RT_EMFILE or RT_ENFILE);
   it waits for one (a connection closing, or a retry after a short backoff) up to its
   connect timeout. */
void rt__pool_fd_wait(rt__net *net, struct rt__req *req, int code, const char *msg);
void rt__pool_fd_unlink(rt__net *net, struct rt__req *req);
/* The descriptor timer is due (lib/net/client.c's deadlines). */
void rt__pool_fd_timer(rt__net *net);

/* lib/net/conn.c */
struct rt_conn *rt__conn_new(rt__net *net, const char *host, uint16_t port, int tls,
                             const char *key);
void rt__conn_attach(struct rt_conn *c, struct rt__req *req);  /* under c->mu */
/* Before the first carry: c goes through req's proxy (the CONNECT head made when it
   tunnels). 0 or RT_ENOMEM. */
int rt__conn_via(struct rt_conn *c, const struct rt__req *req);
void rt__conn_free(struct rt_conn *c);
/* XEV_JOB on the loop thread: the step is over, its results go into c. */
void rt__conn_job_done(struct rt_conn *c);

/* lib/net/exchange.c: the HTTP/1.1 exchange on c's plaintext (carrier, under c->mu) */
void rt__x_reset(struct rt_conn *c);
void rt__x_input(struct rt_conn *c, rt__chunk *chunk, const uint8_t *data, size_t len);
void rt__x_eof(struct rt_conn *c, int tls_clean);
void rt__x_fail(struct rt_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The request bytes still to send (plain): pointer and length; 0 when all is out. */
size_t rt__x_output(struct rt_conn *c, const uint8_t **p);
void rt__x_sent(struct rt_conn *c, size_t n);
int rt__x_read_wanted(struct rt_conn *c);
void rt__x_release(struct rt_conn *c);

#endif /* RT_NET_CLIENT_INT_H */
