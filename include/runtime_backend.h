/*
 * runtime_backend.h - the contract between the core (lib/) and an I/O backend.
 *
 * A backend moves bytes for HTTP requests the core has prepared: it connects (or reuses a
 * pooled connection), writes the serialized head and the body, reads the response through
 * the shared sans-I/O codec (runtime_http1.h; TLS through runtime_tls.h) and reports what
 * happened as events. The core owns policy (redirects, limits, timeout values, error
 * mapping to JS); the backend enforces what sits on a socket (connect/headers/body
 * timeouts, header limits through the codec, its connection pool).
 *
 * Versioning (like SQLite's VFS): members are only ever appended, each group closed by a
 * "members above: version N" line. The core checks `version` before using a newer member;
 * optional members may be NULL. A backend is one const struct, its only exported symbol.
 *
 * THREADS. Every member is called on the loop thread, except wakeup(), which any thread
 * may call. Events are delivered by calling env->emit() on the loop thread, from inside
 * wait() (never from start(), cancel(), pause() or resume(), and never from another
 * thread), in order per request: at most one HEAD, then DATA*, then exactly one terminal
 * event (END or ERROR).
 *
 * RE-ENTRANCY. From inside emit() the core may call start(), cancel(), pause() and
 * resume() on any request, including the one being reported. A backend marks and reaps
 * (a request cancelled inside emit() gets no further event after emit() returns).
 *
 * LIFETIME. After start() returns 0 the request belongs to the backend until its terminal
 * event (END or ERROR) has been emitted, or until cancel() returns (after cancel() the
 * backend emits nothing more for it and never touches the rt_breq, its head or its body
 * again, even from a worker thread). Then the core frees it. destroy() is only called
 * once every started request has ended or been cancelled; it frees everything, closes
 * every socket and joins (or safely detaches) every thread.
 */
#ifndef RUNTIME_BACKEND_H
#define RUNTIME_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "runtime.h"
#include "runtime_http1.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RT_BACKEND_VERSION 1

/* Capability bits in rt_backend.caps. */
#define RT_BACKEND_CAP_TLS        0x1u     /* can do https */
#define RT_BACKEND_CAP_POOL       0x2u     /* keeps keep-alive connections */
#define RT_BACKEND_CAP_HOST_LOOP  0x4u     /* can run on a host's loop (rt_config.uv_loop) */

struct rt_tls_trust;                       /* runtime_tls.h: decoded trust anchors */

/*
 * One HTTP exchange, allocated and filled by the core; read-only for the backend (except
 * `backend_data`'s contents). All pointers stay valid until the request's end (see
 * LIFETIME above).
 */
typedef struct rt_breq {
    /* where to */
    const char *host;                      /* name or IP literal, no brackets; NUL-terminated */
    uint16_t port;
    uint8_t tls;                           /* 1: https */
    uint8_t is_head;                       /* 1: HEAD request (response has no body) */
    uint8_t reuse;                         /* 1: may use / return a pooled connection */
    uint8_t retry_stale;                   /* 1: idempotent; if a pooled connection turns out
                                              closed before any response byte, retry once on
                                              a new connection */
    const char *origin;                    /* "http://host:port" - the pool key */
    /* what: the core serialized the head (request line, headers, blank line) */
    const char *head;
    size_t head_len;
    const uint8_t *body;                   /* core-owned copy; sent in place, never copied */
    size_t body_len;                       /* 0: no body */
    /* limits and timeouts, all decided by the core (0 means none) */
    uint32_t connect_timeout_ms;           /* name lookup + TCP connect + TLS handshake */
    uint32_t headers_timeout_ms;           /* request fully sent -> head complete */
    uint32_t body_timeout_ms;              /* longest silence while reading the body */
    rt_http1_limits limits;                /* header bytes / count, enforced by the codec */
    /* TLS (when tls = 1) */
    const struct rt_tls_trust *trust;      /* shared read-only anchors; NULL if insecure */
    uint8_t insecure;                      /* 1: no certificate verification */
    /* backend-private state: request_size bytes, zeroed, allocated with the request */
    void *backend_data;
    /* the core's own pointer; the backend never touches it */
    void *core_data;
} rt_breq;

/* Event types, in the order they arrive for one request. */
enum {
    RT_EV_HEAD = 1,                        /* status line and headers are complete */
    RT_EV_DATA = 2,                        /* body bytes (already de-chunked, not decoded) */
    RT_EV_END = 3,                         /* response complete; terminal */
    RT_EV_ERROR = 4                        /* failure; terminal */
};

/*
 * An event. Every pointer in it is borrowed for the emit() call only: the core copies
 * what it keeps.
 */
typedef struct rt_bevent {
    int type;
    /* RT_EV_HEAD */
    int status;
    int minor_version;                     /* HTTP/1.<minor_version> */
    const char *reason;
    size_t reason_len;
    const rt_http1_header *headers;
    size_t num_headers;
    /* RT_EV_DATA */
    const uint8_t *data;
    size_t len;
    /* RT_EV_ERROR */
    int code;                              /* RT_E... (runtime.h) */
    const char *message;                   /* detail ("connect to 127.0.0.1:1: refused"), may be NULL */
} rt_bevent;

/* What the core hands the backend at create(). Borrowed for the backend's lifetime. */
typedef struct rt_backend_env {
    void *host;                            /* first argument of emit() */
    void (*emit)(void *host, rt_breq *req, const rt_bevent *ev);
    int threads;                           /* worker threads (backends that use them) */
    void *uv_loop;                         /* host's uv_loop_t or NULL */
    uint32_t max_connections;              /* 0: unlimited; beyond it requests queue. The
                                              built-in core enforces the runtime's limits
                                              itself and passes 0 here */
    uint32_t max_connections_per_origin;   /* 0: unlimited */
    uint32_t keepalive_idle_ms;            /* pooled idle connection lifetime */
    /* Host-loop mode only (uv_loop set; NULL otherwise): the backend calls this from its
       handles on the host's loop (a timer armed for the core's next deadline, a check
       handle after each loop iteration) so that the core runs due timers and drains
       microtasks. Returns the milliseconds until the core's next deadline, -1 if none:
       the backend (re)arms its timer with it. */
    int64_t (*host_turn)(void *host);
} rt_backend_env;

/* The vtable. */
typedef struct rt_backend {
    int version;                           /* RT_BACKEND_VERSION the backend was built for */
    const char *name;
    unsigned caps;                         /* RT_BACKEND_CAP_* */
    size_t state_size;                     /* bytes of per-runtime state the core allocates
                                              (zeroed) and passes as `state` */
    size_t request_size;                   /* bytes of per-request state (rt_breq.backend_data) */
    /* state is zeroed memory of state_size bytes. Returns 0 or RT_E...; on failure the
       backend has released what it took and writes a message to errbuf. */
    int (*create)(void *state, const rt_backend_env *env, char *errbuf, size_t errlen);
    void (*destroy)(void *state);
    /* Begin a request. 0: accepted (events will follow from wait()); negative: refused
       now, no event will follow. Never blocks. */
    int (*start)(void *state, rt_breq *req);
    /* Stop a request at any point before its terminal event; see LIFETIME. The connection
       is closed (never returned to the pool with a response half read). */
    void (*cancel)(void *state, rt_breq *req);
    /* Flow control: stop / restart reading the response body of req (idempotent). */
    void (*pause)(void *state, rt_breq *req);
    void (*resume)(void *state, rt_breq *req);
    /* Wait for I/O for at most timeout_ms (-1: no limit, 0: poll), emit the events that
       are ready, return. Returns the number of events emitted or a negative code. In
       host-loop mode (env->uv_loop) the core never calls wait(). */
    int (*wait)(void *state, int timeout_ms);
    /* Make a blocked wait() return soon. Any thread; async-signal-unsafe. */
    void (*wakeup)(void *state);
    /* 1 if the backend itself needs the loop to keep running (own timers, handles that
       must be closed), even with no request in flight; may be NULL. */
    int (*alive)(void *state);
    /* Host-loop mode: the core's next deadline changed (a script added a timer outside
       a backend callback, e.g. from rt_eval_string); arm the timer handle to call
       env->host_turn within timeout_ms (-1: disarm). May be NULL if the backend lacks
       RT_BACKEND_CAP_HOST_LOOP. */
    void (*host_arm)(void *state, int64_t timeout_ms);
    /* members above: version 1 */
} rt_backend;

/* The backends compiled into this archive (one of them is the default). */
extern const rt_backend rt_backend_threadpool;
extern const rt_backend rt_backend_libuv;

/* The default backend of this build. */
const rt_backend *rt_backend_default(void);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_BACKEND_H */
