/*
 * client.h - the HTTP client of the network side, as the engine sees it (rt__ names; no
 * Duktape). The engine describes a request (rt__req_spec) and starts it; the client picks or
 * opens a connection (lib/net/pool.c), runs the HTTP/1.1 exchange on it (lib/net/exchange.c,
 * over lib/net/conn.c's transport and TLS pump, on whatever thread the backend carries the
 * connection) and reports back through the request's callback: HEAD, DATA*, then END or
 * ERROR, in that order, on the loop thread, from rt__net_dispatch() - never from inside a
 * backend call, so the callback may start, cancel, pause or resume any request, run
 * JavaScript, or free what it likes.
 *
 * Every decision lives here or below: connection reuse and limits, the stale-connection
 * retry, timeouts (kept as deadlines: rt__net_next_timeout), body decoding and the decoded
 * size limit, the keep-alive decision, error codes and messages.
 *
 * Threads: every function here is for the loop thread.
 */
#ifndef RT_NET_CLIENT_H
#define RT_NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "runtime_backend.h"
#include "http1.h"

typedef struct rt__net rt__net;
typedef struct rt__req rt__req;
struct rt_tls_trust;

/* What a runtime's client is made with (copied). */
typedef struct rt__net_config {
    const rt_backend *backend;             /* already created by lib/net/backend.c */
    void *bstate;
    uint32_t max_connections;              /* exchanges at once; 0: unlimited */
    uint32_t max_connections_per_origin;   /* 0: unlimited */
    uint32_t keepalive_idle_ms;            /* idle pooled connection lifetime */
    const struct rt__proxy_config *proxy;  /* borrowed for rt__net_new (compiled there);
                                              NULL: every request goes direct */
} rt__net_config;

int rt__net_new(const rt__net_config *cfg, rt__net **out);
/* Why the configured proxy for http:// (https 0) or https:// (1) requests is unusable (the
   requests that would use it fail with RT_EPROXY_URL), or NULL: for a start-up warning. */
const char *rt__net_proxy_error(rt__net *net, int https);
/* Cancel every request, close every connection and wait (bounded) for the backend to let go
   of them. Call before the backend is destroyed; rt__net_free() afterwards. */
void rt__net_shutdown(rt__net *net);
void rt__net_free(rt__net *net);

/* Requests in flight, or events waiting for dispatch: the loop must go on. */
int rt__net_alive(rt__net *net);
uint64_t rt__net_in_flight(rt__net *net);
/* 1 if events wait for rt__net_dispatch (do not sleep). */
int rt__net_ready(rt__net *net);
/* Milliseconds until the next connection deadline (0: due), -1 if none. */
int64_t rt__net_next_timeout(rt__net *net);
/* After the backend's wait() (and in host-loop turns): fire due deadlines, hand changed
   connections to the backend, deliver queued events to the requests' callbacks. */
void rt__net_dispatch(rt__net *net);
/* The backend's thread-safe wakeup, for events posted from other threads. */
void rt__net_wakeup(rt__net *net);

/* ---- requests ---- */

/* An event for the engine. Pointers are borrowed for the callback. */
enum { RT__EV_HEAD = 1, RT__EV_DATA = 2, RT__EV_END = 3, RT__EV_ERROR = 4 };
typedef struct rt__event {
    int type;
    /* HEAD */
    int status;
    int minor_version;                     /* HTTP/1.<minor> */
    const char *reason;
    size_t reason_len;
    const rt_http1_header *headers;
    size_t num_headers;
    /* DATA (decoded when the spec asked for decoding): data lies in chunk, which the
       callback may keep with rt__chunk_ref (lib/net/chunk.h) instead of copying */
    const uint8_t *data;
    size_t len;
    struct rt__chunk *chunk;
    /* ERROR */
    int code;                              /* RT_E... */
    const char *message;                   /* detail, never NULL */
} rt__event;

typedef void (*rt__req_cb)(void *ud, rt__req *req, const rt__event *ev);

/* A piece of a request body in the engine's memory (a FormData's parts, a Blob's bytes). */
typedef struct rt__body_seg {
    const uint8_t *p;
    size_t len;
} rt__body_seg;

/* A request, as the engine describes it. Strings and arrays are copied by rt__req_start();
   the body is taken over (freed by the client) when body_owned is set, else borrowed: it
   must stay valid and unchanged until the request ends (END/ERROR dispatched) or is
   cancelled. A body in pieces (segs) is borrowed the same way; the array itself is copied. */
typedef struct rt__req_spec {
    const char *method;                    /* a token */
    int tls;                               /* https */
    const char *host;                      /* name or IP literal, no brackets */
    uint16_t port;
    const char *target;                    /* origin-form request-target: "/path?query" */
    const char *host_header;               /* "host[:port]" as the URL has it */
    const rt_http1_header *headers;        /* user headers (Host, Content-Length and
                                              Transfer-Encoding among them are dropped) */
    size_t num_headers;
    const uint8_t *body;                   /* NULL: no body */
    size_t body_len;
    int body_owned;                        /* 1: allocated with rt__malloc, the client frees */
    int chunked;                           /* send the body with Transfer-Encoding: chunked */
    const rt__body_seg *segs;              /* with body NULL: the body is these pieces, sent
                                              one after another, Content-Length their sum */
    size_t nsegs;
    uint32_t connect_timeout_ms;           /* name lookup + TCP connect; 0: none */
    uint32_t headers_timeout_ms;           /* TLS handshake, sending, until the head; 0: none */
    uint32_t body_timeout_ms;              /* longest silence inside the body; 0: none */
    rt_http1_limits limits;
    uint64_t max_body_bytes;               /* decoded body bytes; 0: no limit */
    int reuse;                             /* may use / return a pooled connection */
    int retry;                             /* idempotent: may be retried once on a fresh
                                              connection if a pooled one was stale */
    int decode;                            /* decode Content-Encoding (gzip, deflate) */
    const struct rt_tls_trust *trust;      /* https; NULL only when insecure */
    int insecure;
    rt__req_cb cb;                         /* events, on the loop thread */
    void *ud;
    int error;                             /* < 0: the request fails with this code (and
                                              error_msg) without connecting: a trust store
                                              that cannot be loaded, say */
    const char *error_msg;
} rt__req_spec;

/* Start a request. 0 and *out, or a negative code (RT_EINVAL for a head the serializer
   refuses: a method, target or header with CR, LF or NUL, a name that is not a token;
   RT_ENOMEM); on failure the body is freed if it was owned. A request that cannot start now
   (a connection limit) waits; one that fails later reports ERROR. */
int rt__req_start(rt__net *net, const rt__req_spec *spec, rt__req **out);
/* The engine lets go of req: if it has not ended, no more events come for it and its
   connection is closed (a half-read response is never pooled). req is invalid after this
   call. Also the way to release req after END or ERROR. */
void rt__req_cancel(rt__req *req);
/* Flow control: stop / restart reading the response body (idempotent). */
void rt__req_pause(rt__req *req, int paused);

#endif /* RT_NET_CLIENT_H */
