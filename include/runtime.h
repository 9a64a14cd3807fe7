/*
 * runtime.h - public API of libruntime, an embeddable JavaScript runtime (Duktape 2.7)
 * with an event loop, native Promises, timers, microtasks and a non-blocking fetch().
 *
 * Threading: every function here is for the loop thread (the thread that called rt_new),
 * except those marked "Any thread": rt_strerror(), rt_err_name(), rt_version(),
 * rt_config_init(), rt_post(), rt_ref(), rt_unref() and rt_interrupt() (which is also
 * async-signal-safe). Errors are 0 or a negative RT_E... code; rt_errmsg() holds the detail
 * of the last failure on that runtime. docs/embedding.md has an example for each part.
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
    X(INTERRUPTED,     -38, "INTERRUPTED",       "execution interrupted (rt_interrupt or deadline)") \
    X(FATAL,           -39, "EFATAL",            "fatal engine error: the runtime cannot be used") \
    X(MFILE,           -40, "EMFILE",            "too many open files in this process")  \
    X(NFILE,           -41, "ENFILE",            "too many open files in the system")

enum {
    RT_OK = 0,
#define RT__ERR_ENUM(sym, val, name, msg) RT_E##sym = (val),
    RT_ERRNO_MAP(RT__ERR_ENUM)
#undef RT__ERR_ENUM
    RT_E__LAST = -42
};

/* "connection refused" etc.; "unknown error" for a value not in the table. Any thread. */
const char *rt_strerror(int code);
/* "ECONNREFUSED" etc. (the JS cause.code); "EUNKNOWN" for a value not in the table. */
const char *rt_err_name(int code);

/* "0.1.0 (libuv)": the library's version and the backend compiled in as the default.
   Any thread. */
const char *rt_version(void);

typedef struct rt_runtime rt_runtime;
struct rt_backend;                         /* runtime_backend.h */
struct duk_hthread;                        /* duktape.h: duk_context */

/* What a runtime does with a rejected promise nobody handles (Node's --unhandled-rejections). */
enum { RT_UNHANDLED_THROW = 0, RT_UNHANDLED_WARN = 1, RT_UNHANDLED_NONE = 2 };

/*
 * A host allocator (rt_config.allocator): every byte the runtime allocates - the Duktape
 * heap and the C side - comes from it. Blocks MUST be aligned for any type (as malloc's).
 * realloc(ud, p, n) and free(ud, p) only ever see blocks it returned. It may be called
 * from the runtime's worker threads, and - for the few blocks that outlive a runtime (the
 * thread-pool backend's last worker winding down) - shortly after rt_free() returns: keep
 * it valid, and thread-safe, for as long as the process may still free them.
 */
typedef struct rt_allocator {
    void *(*malloc)(void *userdata, size_t size);
    void *(*realloc)(void *userdata, void *ptr, size_t size);
    void (*free)(void *userdata, void *ptr);
    void *userdata;
} rt_allocator;

/* Console output levels (rt_config.console). LOG, INFO and DEBUG go to stdout by default,
   WARN, ERROR and TRACE to stderr. */
enum { RT_CONSOLE_LOG = 1, RT_CONSOLE_INFO, RT_CONSOLE_DEBUG, RT_CONSOLE_WARN,
       RT_CONSOLE_ERROR, RT_CONSOLE_TRACE };

/*
 * Module loader (rt_config.modules): how require() finds and reads modules. Ids are the
 * loader's own names for modules (the file-system loader uses absolute paths); the
 * module cache (require.cache) is keyed by id.
 *  resolve: the id of module `request` required from module `parent` (an id this loader
 *    returned, or the name a script was evaluated under). Write it NUL-terminated into
 *    id[0..idlen) and return 0; RT_ENOENT when there is none (require throws "Cannot find
 *    module"); another negative code for other failures.
 *  load: the UTF-8 source of module id in *data / *len, borrowed until release() (if not
 *    NULL) is called with the same pointer, right after compilation. Ids ending in ".json"
 *    are parsed as JSON, as Node does. 0 or a negative code.
 */
typedef struct rt_module_loader {
    int (*resolve)(void *userdata, rt_runtime *rt, const char *parent, const char *request,
                   char *id, size_t idlen);
    int (*load)(void *userdata, rt_runtime *rt, const char *id, const char **data,
                size_t *len);
    void (*release)(void *userdata, rt_runtime *rt, const char *id, const char *data);
    void *userdata;
} rt_module_loader;
/* Node's rules on the file system: "./x" and "../x" from the requiring file's directory,
   "/x", then node_modules directories upwards for bare names; X, X.js, X.json,
   X/package.json "main", X/index.js, X/index.json; ids are real paths. A script evaluated
   under a name that is not a file resolves from the current directory. */
extern const rt_module_loader rt_module_loader_fs;

/* A structured error (rt_last_error(), rt_config.on_error). Strings are never NULL ("" when
   unknown) and belong to the runtime: valid until the next error is recorded or the
   runtime is freed. */
typedef struct rt_error {
    int code;                              /* RT_EJS, RT_EINTERRUPTED, ... */
    const char *name;                      /* "TypeError"; "" when a non-Error was thrown */
    const char *message;                   /* the message, or the thrown value as a string */
    const char *file;                      /* where it was thrown (innermost script frame) */
    int line;                              /* 1-based; 0 if unknown */
    int column;                            /* 1-based; 0 if unknown (code the runtime
                                              compiled records columns: for a call, the
                                              column of its closing parenthesis) */
    const char *stack;                     /* "TypeError: msg\n    at f (file:line)..." with
                                              no engine-internal frames */
    const char *source_line;               /* that line of the source, if the runtime has it */
    const char *text;                      /* the whole report as rt_config.report gets it */
    int promise;                           /* 1: an unhandled rejection, not a throw */
} rt_error;

/*
 * Configuration. Always start with rt_config_init(): it sets `size` and the defaults, so
 * fields appended in later versions keep their defaults for old callers. Zero in a limit
 * or timeout means "the default"; pointers are borrowed for the duration of rt_new() only,
 * except `backend` and `uv_loop`, which must outlive the runtime (structs pointed to -
 * allocator, modules - are copied; their userdata must outlive the runtime).
 */
typedef struct rt_config {
    size_t size;                           /* sizeof(rt_config) as compiled by the caller */
    const struct rt_backend *backend;      /* NULL: the build's default backend */
    int threads;                           /* most thread-pool workers (they grow on demand
                                              and leave when idle); 0: $RT_THREADS or 256 */
    const char *ca_file;                   /* PEM bundle for HTTPS; NULL: see docs/tls.md */
    int insecure;                          /* 1: skip certificate verification (tests only) */
    uint32_t connect_timeout_ms;           /* default 10 000 */
    uint32_t headers_timeout_ms;           /* longest pause sending, then request sent to head
                                              complete; default 300 000 */
    uint32_t body_timeout_ms;              /* idle time between body bytes; default 300 000 */
    uint32_t max_header_bytes;             /* default 65 536 */
    uint32_t max_header_count;             /* default 1 000 */
    uint64_t max_body_bytes;               /* 0: unlimited */
    uint32_t max_connections;              /* per runtime; 0: unlimited */
    uint32_t max_connections_per_origin;   /* 0: unlimited (as Node) */
    uint32_t keepalive_idle_ms;            /* idle pooled connection lifetime; default 4 000 */
    int unhandled_rejections;              /* RT_UNHANDLED_*; default RT_UNHANDLED_THROW */
    int stop_on_uncaught;                  /* 1: the runtime stops at the first uncaught
                                              error (rt_run returns RT_EJS; CLI, like Node)
                                              until rt_resume(); 0: report and go on */
    void *uv_loop;                         /* libuv backend: the host's uv_loop_t (see
                                              docs/embedding.md); NULL: the runtime owns one */
    /* Where reports go (uncaught errors, unhandled rejections, warnings); NULL: stderr. */
    void (*report)(void *userdata, const char *text);
    void *report_userdata;
    /* ---- fields below: version 0.2 ---- */
    void *userdata;                        /* the host's: rt_userdata() */
    /* Memory: the runtime's bytes (Duktape heap and C side together) may not exceed this;
       beyond it an allocation fails - a RangeError in JS, RT_ENOMEM in C. 0: no limit. */
    uint64_t memory_limit;
    const rt_allocator *allocator;         /* NULL: the C library's malloc */
    /* Called on a fatal engine error (Duktape's fatal handler: an error thrown outside any
       protected call, an internal inconsistency). NULL, or when it returns: the message
       goes to report, and the rt_ call running unwinds with RT_EFATAL (outside any rt_
       call, e.g. a raw duk_* call by the host: abort()). The runtime is then unusable:
       every call returns RT_EFATAL; rt_free() releases what it safely can. */
    void (*fatal)(void *userdata, const char *message);
    void *fatal_userdata;
    /* Console output: UTF-8 text without the final newline (borrowed for the call). NULL:
       stdout / stderr through stdio, flushed before rt_free() returns. */
    void (*console)(void *userdata, int level, const char *text, size_t len);
    void *console_userdata;
    /* Uncaught errors and fatal rejections, structured; when set, report() is not called
       for them (warnings still go there). */
    void (*on_error)(void *userdata, rt_runtime *rt, const rt_error *err);
    void *on_error_userdata;
    /* rt.env for scripts: env_inherit 1 copies the whole process environment; env lists
       "NAME=value" (set) or "NAME" (copied from the process environment if set) entries,
       NULL-terminated, applied after. Default: empty (the CLI inherits, as Node). */
    int env_inherit;
    const char *const *env;
    /* require(): NULL: no require() (scripts cannot reach the file system through it);
       &rt_module_loader_fs for Node's file-system rules (the CLI), or the host's own. */
    const rt_module_loader *modules;
    int work_threads;                      /* rt_queue_work() pool; 0: 4 */
    /* HTTP proxies (docs/fetch.md, "Proxies"). Borrowed for rt_new() only. NULL or "": no
       proxy. A URL is "[http://][user[:password]@]host[:port]" (port 1080 by default, as
       curl); credentials become a Basic Proxy-Authorization, sent to the proxy only. An
       unusable URL does not fail rt_new(): a warning goes to report() and the requests
       that would use it fail with RT_EPROXY_URL (INVALID_PROXY). */
    const char *http_proxy;                /* for http:// requests (absolute-form requests) */
    const char *https_proxy;               /* for https:// requests (a CONNECT tunnel) */
    const char *no_proxy;                  /* hosts that go direct, curl's NO_PROXY syntax:
                                              "localhost,.example.com,10.0.0.0/8,host:8080,*" */
    int proxy_from_env;                    /* 1: each of the three left NULL is read from the
                                              environment at rt_new() as curl does (http_proxy
                                              lower case only; https_proxy, HTTPS_PROXY;
                                              no_proxy, NO_PROXY). 0 (default): the library
                                              reads no proxy variable */
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
 * (they are cancelled, their sockets closed, worker threads joined). Host work still
 * queued or running finishes, and every rt_post() / rt_queue_work() callback not yet run is
 * called with status RT_ECANCELED (to release its data; the runtime is going away: no JS).
 * A thread may still be inside an rt_post() / rt_unref() whose effect the loop has seen:
 * rt_free() waits for it to leave. No thread may begin an rt_ call on the runtime once
 * rt_free() has begun (stop the thread or signal handler that calls rt_interrupt() first).
 * NULL is a no-op.
 */
void rt_free(rt_runtime *rt);

/* ---- evaluation ---- */

/*
 * Evaluate a script as a global script (top-level var and functions become globals).
 * name is used in stack traces and as the parent id of require() calls. Returns 0, or
 * RT_EJS when the script threw or a rejection it caused went unhandled (policy "throw");
 * the error is reported (rt_config.report / on_error) and rt_last_error() has it. The
 * microtask queue is drained before returning. A stopped runtime (stop_on_uncaught,
 * rt_interrupt) returns the code that stopped it without running anything: rt_resume().
 */
int rt_eval_string(rt_runtime *rt, const char *source, const char *name);
int rt_eval_file(rt_runtime *rt, const char *path);

/* rt_eval() flags */
enum {
    RT_EVAL_GLOBAL = 0,                    /* a global script (as rt_eval_string) */
    RT_EVAL_MODULE = 1,                    /* a CommonJS module named `name` (its own scope,
                                              module.exports, require from its place; cached
                                              under name): the result is module.exports */
    RT_EVAL_RESULT = 2,                    /* push the result on the Duktape stack (the
                                              completion value, or exports): [ ... result ];
                                              on failure the thrown value is pushed instead
                                              (recorded for rt_last_error, not reported). A
                                              global script then runs as indirect eval code:
                                              the same, except that its top-level var and
                                              function bindings are deletable */
    RT_EVAL_AWAIT = 4                      /* if the result is a promise (or thenable), run the
                                              loop until it settles: the result is its value;
                                              a rejection is RT_EJS with the reason (not
                                              reported as unhandled) */
};
/* Evaluate len bytes of source (need not be NUL-terminated). 0 or a negative code, as
   rt_eval_string; with RT_EVAL_RESULT exactly one value is pushed whatever the outcome,
   except on RT_EFATAL and RT_EINVAL. */
int rt_eval(rt_runtime *rt, const char *source, size_t len, const char *name, int flags);
/* require(specifier) from the current directory's point of view, through the configured
   loader, as the main module (require.main): 0, RT_EJS (it threw; or RT_ENOENT if it cannot
   be found) or RT_EINVAL without a loader. flags: RT_EVAL_RESULT pushes module.exports. */
int rt_eval_module(rt_runtime *rt, const char *specifier, int flags);

/* The last error reported or returned (uncaught error, fatal rejection, interrupt):
   0 and *out filled, or RT_ENOENT if none yet. */
int rt_last_error(rt_runtime *rt, rt_error *out);

/* ---- the loop ---- */

/*
 * Run the loop until no work is left (no timers, immediates, microtasks, requests or host
 * work). Returns 0; RT_EJS if an uncaught error or fatal rejection happened during the run
 * (the loop goes on unless stop_on_uncaught is set); RT_EINTERRUPTED after rt_interrupt()
 * or the deadline.
 */
int rt_run(rt_runtime *rt);

/*
 * One loop turn for hosts that drive the loop themselves: waits for I/O, host work or the
 * next timer for at most timeout_ms (0: do not block; -1: as long as needed), runs what is
 * due, drains microtasks. Returns 1 if work remains, 0 if none; RT_EJS if an uncaught
 * error or fatal rejection happened during the turn (reported; rt_alive() says whether
 * work remains, unless stop_on_uncaught stopped the runtime); RT_EINTERRUPTED; or another
 * negative code.
 */
int rt_run_once(rt_runtime *rt, int timeout_ms);

/* 1 if timers, immediates, microtasks, requests or host work (rt_ref, pending
   rt_promise handles, queued work and posts) are pending; 0 when stopped. */
int rt_alive(rt_runtime *rt);

/* 1 if the runtime is stopped (stop_on_uncaught fired, or an interrupt): nothing runs and
   the loop functions return the code that stopped it, until rt_resume(). */
int rt_stopped(rt_runtime *rt);
/* Clear the stopped state (and an interrupt request, and a deadline that has passed):
   the loop and evaluation go on with the work that remains. Microtasks queued when it
   stopped were dropped. */
void rt_resume(rt_runtime *rt);

/* ---- interrupts ---- */

/* Stop the JavaScript running now (or the next to run) and the loop: the script ends with
   an error that no try/catch can stop, and the rt_ call running returns RT_EINTERRUPTED;
   the runtime is then stopped (rt_resume). Any thread; async-signal-safe (an atomic store
   and the backend's wakeup - uv_async_send or an eventfd write with the built-in backends).
   Code in a native function (a long regular expression, a huge JSON.parse) is stopped at
   its next bytecode instruction. Being lock-free, it must not race rt_free(). */
void rt_interrupt(rt_runtime *rt);
/* A deadline ms milliseconds from now (0: none): JavaScript still running then is
   interrupted as by rt_interrupt(), and so is the loop (it wakes up for it). */
void rt_set_deadline(rt_runtime *rt, uint64_t ms);

/* ---- host work: promises, posts, worker threads, timers ---- */

/*
 * A promise the host settles later. rt_promise_new() pushes a new pending Promise on the
 * Duktape stack ([ ... ] -> [ ... promise ]; return it from a native function) and returns
 * its handle, or NULL when out of memory (nothing pushed). Until it is settled the handle
 * keeps the loop alive. Settling releases the handle; so does rt_free(). Loop thread
 * (another thread settles through rt_post()).
 */
typedef struct rt_promise rt_promise;
rt_promise *rt_promise_new(rt_runtime *rt);
/* [ ... value ] -> [ ... ]: resolve (a thenable is adopted) / reject with the value on top
   of the Duktape stack. 0, or RT_EINVAL for a NULL handle. */
int rt_promise_resolve(rt_promise *p);
int rt_promise_reject(rt_promise *p);
/* Without duk_*: resolve with a string (len bytes of UTF-8), a number, undefined, or the
   value JSON text parses to (a parse error rejects with the SyntaxError); reject with
   `new Error(message)` whose `code` is rt_err_name(code) when code < 0. */
int rt_promise_resolve_string(rt_promise *p, const char *s, size_t len);
int rt_promise_resolve_number(rt_promise *p, double v);
int rt_promise_resolve_undefined(rt_promise *p);
int rt_promise_resolve_json(rt_promise *p, const char *json, size_t len);
int rt_promise_reject_error(rt_promise *p, int code, const char *message);

/* Status passed to post / after-work callbacks: 0, or RT_ECANCELED when rt_free() drops
   them (release the data then; the runtime is going away). */
typedef void (*rt_callback)(rt_runtime *rt, void *data, int status);
/* Run cb(rt, data, 0) on the loop thread soon, as a macrotask (microtasks drained after
   it), waking the loop at once. Any thread; posts run in the order they were made. 0,
   RT_ENOMEM, or RT_ECANCELED if rt_free() has begun (cb is then not called). A pending
   post keeps the loop alive. */
int rt_post(rt_runtime *rt, rt_callback cb, void *data);
/* Keep the loop alive while the host has work of its own pending (as libuv's uv_ref):
   rt_alive() is 1 while refs > unrefs. Any thread (rt_unref wakes the loop). */
void rt_ref(rt_runtime *rt);
void rt_unref(rt_runtime *rt);
/* Run work(data) on one of the runtime's worker threads (rt_config.work_threads, started
   on demand), then done(rt, data, 0) on the loop thread. work MUST NOT call rt_ or duk_
   functions other than rt_post() and rt_interrupt(). 0 or RT_ENOMEM / RT_ECANCELED
   (done not called). Queued work keeps the loop alive; rt_free() waits for running work
   and calls done with RT_ECANCELED for every item. Any backend, with or without a host
   libuv loop. */
int rt_queue_work(rt_runtime *rt, void (*work)(void *data), rt_callback done, void *data);
/* A timer: cb(rt, data) after timeout_ms, then every repeat_ms if repeat_ms > 0 (as
   setTimeout / setInterval, in order with them; a one-shot's handle is released when its
   callback returns). The handle is valid until then or rt_timer_stop(); rt_free() releases
   it. NULL when out of memory. */
typedef struct rt_timer rt_timer;
rt_timer *rt_timer_start(rt_runtime *rt, uint64_t timeout_ms, uint64_t repeat_ms,
                         void (*cb)(rt_runtime *rt, void *data), void *data);
void rt_timer_stop(rt_timer *t);

/* ---- native functions and objects ---- */

/* A Duktape/C function: duk_c_function (duk_ret_t is int). */
typedef int (*rt_native_fn)(struct duk_hthread *ctx);
/* Property definitions for rt_define() (as QuickJS's JSCFunctionListEntry): use the macros. */
enum { RT_DEF_END = 0, RT_DEF_FUNC, RT_DEF_GETSET, RT_DEF_STRING, RT_DEF_NUMBER,
       RT_DEF_BOOL, RT_DEF_OBJECT };
typedef struct rt_def {
    const char *name;
    int type;                              /* RT_DEF_* */
    int nargs;                             /* FUNC: arguments (-1: varargs); also .length */
    int magic;                             /* FUNC, GETSET: duk_get_current_magic() */
    rt_native_fn fn, setter;               /* FUNC: fn; GETSET: getter fn, setter (or NULL) */
    const char *str;                       /* STRING */
    double num;                            /* NUMBER, BOOL */
    const struct rt_def *list;             /* OBJECT: its properties, RT_DEF_END-terminated */
    unsigned flags;                        /* RT_DEF_ENUMERABLE | RT_DEF_WRITABLE | ... */
} rt_def;
#define RT_DEF_ENUMERABLE   0x1u
#define RT_DEF_WRITABLE     0x2u           /* data properties */
#define RT_DEF_CONFIGURABLE 0x4u
#define RT_DEF_METHOD (RT_DEF_WRITABLE | RT_DEF_CONFIGURABLE)   /* as built-in methods */
#define RT_FUNC(n, f, na)          { (n), RT_DEF_FUNC, (na), 0, (f), 0, 0, 0, 0, RT_DEF_METHOD }
#define RT_FUNC_MAGIC(n, f, na, m) { (n), RT_DEF_FUNC, (na), (m), (f), 0, 0, 0, 0, RT_DEF_METHOD }
#define RT_GETSET(n, g, s)         { (n), RT_DEF_GETSET, 0, 0, (g), (s), 0, 0, 0, RT_DEF_CONFIGURABLE }
#define RT_PROP_STRING(n, v, fl)   { (n), RT_DEF_STRING, 0, 0, 0, 0, (v), 0, 0, (fl) }
#define RT_PROP_NUMBER(n, v, fl)   { (n), RT_DEF_NUMBER, 0, 0, 0, 0, 0, (v), 0, (fl) }
#define RT_PROP_BOOL(n, v, fl)     { (n), RT_DEF_BOOL, 0, 0, 0, 0, 0, (v), 0, (fl) }
#define RT_OBJECT(n, l, fl)        { (n), RT_DEF_OBJECT, 0, 0, 0, 0, 0, 0, (l), (fl) }
#define RT_DEF_END_ENTRY           { 0, RT_DEF_END, 0, 0, 0, 0, 0, 0, 0, 0 }
/* Define defs on the global object (path NULL or "") or on the object at a dotted path
   from it ("host.fs": objects made as needed). 0, RT_EINVAL (a path through a non-object),
   RT_ENOMEM. */
int rt_define(rt_runtime *rt, const char *path, const rt_def *defs);
/* The same on the object at obj_idx of the Duktape stack (which is left as it was). */
int rt_define_on(rt_runtime *rt, int obj_idx, const rt_def *defs);
/* The runtime of a Duktape context (inside a native function), and the host's pointer. */
rt_runtime *rt_from_duk(struct duk_hthread *ctx);
void *rt_userdata(rt_runtime *rt);

/* The Duktape heap, to use the raw duk_* API (loop thread only). */
struct duk_hthread *rt_duk(rt_runtime *rt);

/* Message of the last failure on this runtime ("" if none). Valid until the next call. */
const char *rt_errmsg(rt_runtime *rt);

/* Name of the backend this runtime uses ("threadpool", "libuv", ...). */
const char *rt_backend_name(rt_runtime *rt);

/* Set `process.argv`-like `rt.argv` for scripts (copied). */
int rt_set_argv(rt_runtime *rt, int argc, const char *const *argv);

/*
 * The runtime's own allocation counters: everything it allocates, Duktape's heap included,
 * and only this runtime's. Versioned like rt_config: set size (rt_stats_init) first; fields
 * beyond it are left alone. 0, or RT_EINVAL (size 0).
 */
typedef struct rt_stats {
    size_t size;                           /* sizeof(rt_stats) as compiled by the caller */
    uint64_t live_bytes;                   /* bytes currently allocated (heap + C side) */
    uint64_t live_allocs;                  /* blocks currently allocated */
    uint64_t total_allocs;                 /* allocations since rt_new */
    uint64_t requests_in_flight;
    uint64_t heap_bytes;                   /* of which the Duktape heap */
    uint64_t peak_bytes;                   /* highest live_bytes seen */
    uint64_t limit_bytes;                  /* rt_config.memory_limit (0: none) */
    uint64_t denied_allocs;                /* allocations the limit refused */
    uint64_t host_pending;                 /* refs, promise handles, posts and work pending */
} rt_stats;
void rt_stats_init(rt_stats *st);
int rt_get_stats(rt_runtime *rt, rt_stats *out);
/* Change the memory limit (0: none); below what is in use, further allocations fail. */
void rt_set_memory_limit(rt_runtime *rt, uint64_t bytes);

/* Which trust store HTTPS uses (file path, "built-in", or an error text); loop thread. */
const char *rt_trust_store_description(rt_runtime *rt);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_H */
