/*
 * runtime_backend.h - the transport contract between the core and an I/O backend.
 *
 * A backend moves bytes; it does not interpret them. The core owns every decision about
 * HTTP, TLS, pooling, retries, limits, timeouts and errors. For each connection the core
 * makes, the backend asks what the connection needs now (rt_conn_poll) and does it: resolve
 * the host and connect, send the bytes it is shown, read and hand over what arrives, close.
 * Then it reports what happened through the rt_conn_* functions below and asks again. That
 * is the whole contract; a backend is a few hundred lines (docs/backends.md).
 *
 *     core                                  backend
 *     carry(c)  ─────────────────────────>  rt_conn_poll(c, &want)
 *                                            want.op == RT_CONN_CONNECT: resolve, connect
 *               <─────────────────────────  rt_conn_connected(c) | rt_conn_failed(c, ...)
 *                                            want.op == RT_CONN_IO: send want.out, read
 *               <─────────────────────────  rt_conn_sent(c, n), rt_conn_recv(c, ...), rt_conn_eof(c)
 *                                            want.op == RT_CONN_CLOSE: close, release
 *               <─────────────────────────  rt_conn_closed(c)
 *
 * THREADS. The core calls every member on the loop thread (the thread that created the
 * runtime), except wakeup(), which any thread may call. A backend may call the rt_conn_*
 * functions on any thread - the loop thread inside wait() (an event-driven backend) or its
 * own worker threads (a blocking backend, which then sets RT_BACKEND_CAP_THREADED) - as long
 * as the calls for one connection never overlap. The core never calls the backend from
 * inside an rt_conn_* call, and a backend must hold none of its own locks while it calls
 * rt_conn_*. A threaded backend may call rt_conn_* from inside carry() (its calls only post
 * events, taken by the loop later), provided none of its threads calls them for that
 * connection meanwhile.
 *
 * LIFETIME. A connection exists from the core's first carry() until the backend calls
 * rt_conn_closed() after RT_CONN_CLOSE; then the core frees it, with the backend's state
 * (conn_size bytes, rt_conn_data()) inside it. destroy() is called once every connection
 * has been closed. Bytes handed to rt_conn_recv() are borrowed for the call; bytes shown in
 * want.out stay valid until rt_conn_sent() or the next rt_conn_poll().
 *
 * TIME. Backends keep no timers for connections: the core keeps every deadline (connect,
 * TLS handshake, response head, body silence, idle pooled connections) and folds the next
 * one into the timeout it passes to wait(). A connection the core gives up on is shown
 * RT_CONN_CLOSE at its next poll: carry() it, and it will be.
 *
 * Versioning (like SQLite's VFS): members are only ever appended, each group closed by a
 * "members above: version N" line. The core checks `version` before using a newer member;
 * optional members may be NULL. A backend is one const struct, its only exported symbol.
 * Version 2 replaced version 1's request-level contract (the backend ran the HTTP exchange)
 * with this transport-level one; the core refuses version 1.
 */
#ifndef RUNTIME_BACKEND_H
#define RUNTIME_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RT_BACKEND_VERSION 2

/* Capability bits in rt_backend.caps. */
#define RT_BACKEND_CAP_HOST_LOOP  0x4u     /* can run on a host's loop (rt_config.uv_loop) */
#define RT_BACKEND_CAP_THREADED   0x8u     /* calls rt_conn_* from threads other than the
                                              loop thread (the core then locks and wakes) */

/* A connection the core asks the backend to carry. Opaque. */
typedef struct rt_conn rt_conn;

/* What a connection needs now (rt_conn_want.op). */
enum {
    RT_CONN_WAIT = 0,                      /* nothing until the core carries it again: an
                                              event-driven backend stops reading and writing; a
                                              blocking one may release its thread */
    RT_CONN_CONNECT = 1,                   /* resolve host and connect to host:port */
    RT_CONN_IO = 2,                        /* send out[0..out_len) if non-empty; read if read */
    RT_CONN_IDLE = 3,                      /* pooled, no request: read if reading is free (an
                                              event-driven backend), to notice the peer closing
                                              (rt_conn_eof); a blocking backend may release its
                                              thread and check for a close with a
                                              non-blocking peek when it carries it again */
    RT_CONN_CLOSE = 4                      /* close the socket, release your state for it,
                                              then call rt_conn_closed() */
};

typedef struct rt_conn_want {
    int op;                                /* RT_CONN_* */
    /* RT_CONN_CONNECT */
    const char *host;                      /* name or IP literal, no brackets, NUL-terminated */
    uint16_t port;
    /* RT_CONN_IO */
    const uint8_t *out;                    /* bytes to send (core memory, see LIFETIME) */
    size_t out_len;
    int read;                              /* 1: hand over what arrives; 0: paused */
} rt_conn_want;

/* Where a transport failure happened (rt_conn_failed). */
enum {
    RT_CONN_RESOLVE = 1,                   /* err: 0 for "no such name", else an errno value */
    RT_CONN_SOCKET = 2,                    /* socket() or its set-up: err is errno (EMFILE...) */
    RT_CONN_CONNECTING = 3,                /* connect(): err is errno (ECONNREFUSED...) */
    RT_CONN_SENDING = 4,                   /* err is errno (EPIPE, ECONNRESET...) */
    RT_CONN_RECEIVING = 5                  /* err is errno (ECONNRESET...) */
};

/* ---- called by the backend (any thread; calls for one connection never overlap) ---- */

/* What c needs now. Call it after carry() and after each of the calls below. */
void rt_conn_poll(rt_conn *c, rt_conn_want *want);
/* The connection is established (RT_CONN_CONNECT done). */
void rt_conn_connected(rt_conn *c);
/* The transport failed at `stage` with errno `err` (see the enum). The core maps it to its
   error code and message; poll again (it will say RT_CONN_CLOSE, or, for a failed connect,
   maybe RT_CONN_CONNECT again). */
void rt_conn_failed(rt_conn *c, int stage, int err);
/* n bytes of want.out went out (n may be less than out_len). */
void rt_conn_sent(rt_conn *c, size_t n);
/* Bytes that arrived; borrowed for the call. */
void rt_conn_recv(rt_conn *c, const uint8_t *data, size_t len);
/* Optional zero-copy reading: where the core would like the next bytes (room >= 1), then
   rt_conn_recv_ack() with how many landed there (0 < n <= room). A backend may use either
   this pair or rt_conn_recv(); never both for one read. */
uint8_t *rt_conn_recv_buf(rt_conn *c, size_t *room);
void rt_conn_recv_ack(rt_conn *c, size_t n);
/* The peer closed its side (end of stream). */
void rt_conn_eof(rt_conn *c);
/* After RT_CONN_CLOSE: the socket is closed and the backend holds nothing of c any more. The
   core frees c (and rt_conn_data(c)) when this returns; the backend never touches c again. */
void rt_conn_closed(rt_conn *c);
/* The backend's own conn_size bytes for c, zeroed when c was made, 16-byte aligned. */
void *rt_conn_data(rt_conn *c);

/* ---- provided by the core to the backend at create() ---- */
typedef struct rt_backend_env {
    void *host;                            /* first argument of host_turn() */
    int threads;                           /* most worker threads (backends that use them) */
    void *uv_loop;                         /* host's uv_loop_t or NULL */
    /* Host-loop mode only (uv_loop set; NULL otherwise): the backend calls this from its
       handles on the host's loop (a timer armed for the core's next deadline, a check
       handle after each loop iteration) so that the core runs what is due. Returns the
       milliseconds until the core's next deadline, -1 if none: the backend (re)arms its
       timer with it. */
    int64_t (*host_turn)(void *host);
} rt_backend_env;

/* The vtable. */
typedef struct rt_backend {
    int version;                           /* RT_BACKEND_VERSION the backend was built for */
    const char *name;
    unsigned caps;                         /* RT_BACKEND_CAP_* */
    size_t state_size;                     /* bytes of per-runtime state the core allocates
                                              (zeroed) and passes as `state` */
    size_t conn_size;                      /* bytes of per-connection state (rt_conn_data) */
    /* Returns 0 or RT_E...; on failure the backend has released what it took and wrote a
       message to errbuf. */
    int (*create)(void *state, const rt_backend_env *env, char *errbuf, size_t errlen);
    /* Every connection is closed by now: free everything, join (or safely detach) threads. */
    void (*destroy)(void *state);
    /* c has something new to do (a new connection, a request on a pooled one, data to send,
       reading resumed, a close): poll it, now or soon, on any thread. Never blocks. */
    void (*carry)(void *state, rt_conn *c);
    /* Wait for I/O for at most timeout_ms (-1: no limit, 0: poll), carry the connections that
       became ready, return. Returns 0 or a negative code. In host-loop mode (env->uv_loop)
       the core never calls wait(). */
    int (*wait)(void *state, int timeout_ms);
    /* Make a blocked wait() return soon. Any thread. */
    void (*wakeup)(void *state);
    /* Host-loop mode: the core's next deadline changed outside a backend callback; arm the
       timer handle to call env->host_turn within timeout_ms (-1: disarm). May be NULL
       without RT_BACKEND_CAP_HOST_LOOP. */
    void (*host_arm)(void *state, int64_t timeout_ms);
    /* members above: version 2 */
} rt_backend;

/* The backend compiled into this archive as the default (make BACKEND=...). */
const rt_backend *rt_backend_default(void);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_BACKEND_H */
