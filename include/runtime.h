/*
 * runtime.h - public API of libruntime, an embeddable JavaScript runtime (Duktape 2.7)
 * with an event loop, native Promises, timers, microtasks and a non-blocking fetch().
 *
 * Threading: every function here is for the loop thread (the thread that called rt_new),
 * except rt_strerror(), rt_err_name(), rt_version() and rt_config_init(), which any thread
 * may call. Errors are 0 or a negative RT_E... code; rt_errmsg() holds the detail of the
 * last failure on that runtime.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RT_VERSION_MAJOR 0
#define RT_VERSION_MINOR 1
#define RT_VERSION_PATCH 0
#define RT_VERSION_STRING "0.1.0"

/*
 * Error codes: one table feeds rt_strerror(), rt_err_name() and the JS `cause.code` of a
 * failed fetch. X(symbol suffix, value, name, message). Values never change once
 * released; new ones are appended.
 */
#define RT_ERRNO_MAP(X)                                                                  \
    X(NOMEM,            -1, "ENOMEM",            "out of memory")                       \
    X(INVAL,            -2, "EINVAL",            "invalid argument")                    \
    X(JS,               -3, "EJS",               "uncaught JavaScript error")           \
    X(IO,               -4, "EIO",               "input/output error")                  \
    X(NOENT,            -5, "ENOENT",            "no such file")                        \
    X(BACKEND,          -6, "EBACKEND",          "backend unavailable or incompatible") \
    X(CANCELED,         -7, "ECANCELED",         "operation canceled")                  \
    X(CONNREFUSED,      -8, "ECONNREFUSED",      "connection refused")                  \
    X(NOTFOUND,         -9, "ENOTFOUND",         "host name not found")                 \
    X(TIMEDOUT,        -10, "ETIMEDOUT",         "connect timed out")                   \
    X(CONNRESET,       -11, "ECONNRESET",        "connection reset by peer")            \
    X(PROTO,           -12, "EPROTO",            "malformed HTTP response")             \
    X(HOSTUNREACH,     -13, "EHOSTUNREACH",      "host unreachable")                    \
    X(NETUNREACH,      -14, "ENETUNREACH",       "network unreachable")                 \
    X(HEADERS_TIMEOUT, -15, "HEADERS_TIMEOUT",   "response headers timed out")          \
    X(BODY_TIMEOUT,    -16, "BODY_TIMEOUT",      "response body timed out (idle)")      \
    X(HEADERS_TOO_LARGE, -17, "HEADERS_TOO_LARGE", "response header section too large") \
    X(TOO_MANY_HEADERS, -18, "TOO_MANY_HEADERS", "too many response headers")           \
    X(BODY_TOO_LARGE,  -19, "BODY_TOO_LARGE",    "response body larger than the limit") \
    X(TOO_MANY_REDIRECTS, -20, "TOO_MANY_REDIRECTS", "too many redirects")              \
    X(REDIRECT,        -21, "UNEXPECTED_REDIRECT", "redirect with redirect: 'error'")   \
    X(INVALID_URL,     -22, "INVALID_URL",       "invalid URL")                         \
    X(UNSUPPORTED_SCHEME, -23, "UNSUPPORTED_SCHEME", "URL scheme not supported")        \
    X(ABORTED,         -24, "ABORTED",           "request aborted")                     \
    X(CERT_UNTRUSTED,  -25, "CERT_UNTRUSTED",    "certificate not trusted")             \
    X(CERT_EXPIRED,    -26, "CERT_EXPIRED",      "certificate expired or not yet valid") \
    X(CERT_NAME_MISMATCH, -27, "CERT_NAME_MISMATCH", "certificate does not match host")  \
    X(TLS_HANDSHAKE,   -28, "TLS_HANDSHAKE_FAILED", "TLS handshake failed")             \
    X(TLS_TRUNCATED,   -29, "TLS_TRUNCATED",     "TLS connection closed without close_notify") \
    X(TLS,             -30, "TLS_ERROR",         "TLS error")                           \
    X(TRUST_STORE,     -31, "TRUST_STORE",       "trust store unreadable or empty")     \
    X(DECOMPRESS,      -32, "DECOMPRESSION_FAILED", "content decoding failed")          \
    X(TRUNCATED,       -33, "ETRUNCATED",        "body shorter than announced")         \
    X(SYS,             -34, "ESYS",              "system call failed")                  \
    X(CLOSED,          -35, "ECLOSED",           "connection closed before the response head") \
    X(PROXY,           -36, "PROXY_CONNECT_FAILED", "could not connect through the proxy")  \
    X(PROXY_URL,       -37, "INVALID_PROXY",     "proxy URL invalid or unsupported (http:// only)") \
    X(MFILE,           -38, "EMFILE",            "too many open files in this process")  \
    X(NFILE,           -39, "ENFILE",            "too many open files in the system")

enum {
    RT_OK = 0,
#define RT__ERR_ENUM(sym, val, name, msg) RT_E##sym = (val),
    RT_ERRNO_MAP(RT__ERR_ENUM)
#undef RT__ERR_ENUM
    RT_E__LAST = -40
};

/* "connection refused" etc.; "unknown error" for a value not in the table. Any thread. */
const char *rt_strerror(int code);
/* "ECONNREFUSED" etc. (the JS cause.code); "EUNKNOWN" for a value not in the table. */
const char *rt_err_name(int code);

/* "0.1.0 (libuv)" style: version and the backend compiled in as the default. */
const char *rt_version(void);

typedef struct rt_runtime rt_runtime;
struct rt_backend;                         /* runtime_backend.h */

/* What a runtime does with a rejected promise nobody handles (Node's --unhandled-rejections). */
enum { RT_UNHANDLED_THROW = 0, RT_UNHANDLED_WARN = 1, RT_UNHANDLED_NONE = 2 };

/*
 * Configuration. Always start with rt_config_init(): it sets `size` and the defaults, so
 * fields appended in later versions keep their defaults for old callers. Zero in a limit
 * or timeout means "the default"; pointers are borrowed for the duration of rt_new() only,
 * except `backend` and `uv_loop`, which must outlive the runtime.
 */
typedef struct rt_config {
    size_t size;                           /* sizeof(rt_config) as compiled by the caller */
    const struct rt_backend *backend;      /* NULL: the build's default backend */
    int threads;                           /* most thread-pool workers (they grow on demand
                                              and leave when idle); 0: $RT_THREADS or 256 */
    const char *ca_file;                   /* PEM bundle for HTTPS; NULL: see docs/tls.md */
    int insecure;                          /* 1: skip certificate verification (tests only) */
    uint32_t connect_timeout_ms;           /* default 10 000 */
    uint32_t headers_timeout_ms;           /* from request sent to head complete; default 300 000 */
    uint32_t body_timeout_ms;              /* idle time between body bytes; default 300 000 */
    uint32_t max_header_bytes;             /* default 65 536 */
    uint32_t max_header_count;             /* default 1 000 */
    uint64_t max_body_bytes;               /* 0: unlimited */
    uint32_t max_connections;              /* per runtime; 0: unlimited */
    uint32_t max_connections_per_origin;   /* 0: unlimited (as Node) */
    uint32_t keepalive_idle_ms;            /* idle pooled connection lifetime; default 4 000 */
    int unhandled_rejections;              /* RT_UNHANDLED_*; default RT_UNHANDLED_THROW */
    int stop_on_uncaught;                  /* 1: rt_run returns RT_EJS at the first uncaught
                                              error (CLI, like Node); 0: report and go on */
    void *uv_loop;                         /* libuv backend: the host's uv_loop_t (see
                                              docs/embedding.md); NULL: the runtime owns one */
    /* Where reports go (uncaught errors, unhandled rejections, warnings); NULL: stderr. */
    void (*report)(void *userdata, const char *text);
    void *report_userdata;
} rt_config;

void rt_config_init(rt_config *cfg);

/*
 * Create a runtime. cfg may be NULL (all defaults). On failure returns a negative code,
 * *out is NULL and errbuf (if not NULL) holds the message.
 */
int rt_create(const rt_config *cfg, rt_runtime **out, char *errbuf, size_t errlen);
/* Shorthand for rt_create() that returns NULL on failure (message on stderr). */
rt_runtime *rt_new(const rt_config *cfg);

/*
 * Free the runtime and everything it owns, also with timers pending and fetches in flight
 * (they are cancelled, their sockets closed, worker threads joined). NULL is a no-op.
 */
void rt_free(rt_runtime *rt);

/*
 * Evaluate a script as a global script (top-level var and functions become globals).
 * name is used in stack traces. Returns 0, or RT_EJS when the script threw (reported
 * through the config's report function; rt_errmsg() has the message). The microtask queue
 * is drained before returning.
 */
int rt_eval_string(rt_runtime *rt, const char *source, const char *name);
int rt_eval_file(rt_runtime *rt, const char *path);

/*
 * Run the loop until no work is left (no timers, immediates, microtasks or requests).
 * Returns 0; RT_EJS if an uncaught error or unhandled rejection (policy "throw") happened
 * (the loop goes on unless stop_on_uncaught is set).
 */
int rt_run(rt_runtime *rt);

/*
 * One loop turn for hosts that drive the loop themselves: waits for I/O or the next
 * timer for at most timeout_ms (0: do not block; -1: as long as needed), runs what is
 * due, drains microtasks. Returns 1 if work remains, 0 if none, or a negative code.
 */
int rt_run_once(rt_runtime *rt, int timeout_ms);

/* 1 if timers, immediates, microtasks or requests are pending. */
int rt_alive(rt_runtime *rt);

/* The Duktape heap, to register native functions (loop thread only). */
struct duk_hthread;
struct duk_hthread *rt_duk(rt_runtime *rt);

/* Message of the last failure on this runtime ("" if none). Valid until the next call. */
const char *rt_errmsg(rt_runtime *rt);

/* Name of the backend this runtime uses ("threadpool", "libuv", ...). */
const char *rt_backend_name(rt_runtime *rt);

/* Set `process.argv`-like `rt.argv` for scripts (copied). */
int rt_set_argv(rt_runtime *rt, int argc, const char *const *argv);

/* The runtime's own allocation counters (everything it allocates, Duktape's heap included). */
typedef struct rt_stats {
    uint64_t live_bytes;                   /* bytes currently allocated */
    uint64_t live_allocs;                  /* blocks currently allocated */
    uint64_t total_allocs;                 /* allocations since rt_new */
    uint64_t requests_in_flight;
} rt_stats;
void rt_get_stats(rt_runtime *rt, rt_stats *out);

/* Which trust store HTTPS uses (file path, "built-in", or an error text); loop thread. */
const char *rt_trust_store_description(rt_runtime *rt);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_H */
