/*
 * engine.h - declarations shared by the engine side of the core (lib/engine/: everything
 * that touches Duktape), rt__ names, never installed. The rt_runtime struct and each
 * engine module's entry points. Only the loop thread calls anything here. The network
 * side's declarations (lib/net/net.h: memory, buffers, clock, errors) come in through it.
 */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "duktape.h"
#include "runtime.h"
#include "runtime_backend.h"
#include "net.h"
#include "duk_ext.h"

/* ---- module state, one per runtime; each module owns its struct ---- */
struct rt__timers;                         /* lib/engine/timers.c */
struct rt__fetch;                          /* lib/engine/fetch.c */
struct rt__tls_state;                      /* lib/engine/trust_store.c: decoded on first use */

struct rt_runtime {
    duk_context *ctx;
    rt_config cfg;                         /* copy, defaults applied; strings below owned */
    char *ca_file;                         /* owned copy of cfg.ca_file */
    /* backend and the network side (lib/net/) */
    const rt_backend *backend;
    void *bstate;                          /* backend->state_size bytes, owned */
    rt_backend_env benv;
    struct rt__net *net;                   /* owned: the HTTP client (lib/net/client.h) */
    int destroying;                        /* rt_free() is running: finalizers do nothing */
    /* modules */
    struct rt__timers *timers;
    struct rt__fetch *fetch;
    struct rt__tls_state *tls;
    /* microtasks (lib/engine/microtask.c): a ring of job records; their JS values sit in a
       stash Array (RT_JOB_VALS per record) so the collector sees them */
    struct rt__job *jobs;                  /* records: a Duktape buffer in the stash */
    void *job_vals;                        /* heapptr of that Array (stash "jobs") */
    uint32_t job_cap, job_head;            /* capacity (a power of two), oldest record */
    uint64_t microtasks_pending;           /* jobs queued, not yet run (records in the ring) */
    int draining;
    /* Promise (lib/engine/promise.c): interned keys, %Promise% and friends */
    struct rt__promises *promises;         /* a Duktape buffer in the stash */
    struct rt__holds *holds;               /* owned (lib/engine/native.c) */
    struct rt__fetchcls *fc;               /* owned: keys and prototypes of the fetch classes */
    /* errors */
    int uncaught;                          /* uncaught errors / fatal rejections seen */
    int stop;                              /* stop_on_uncaught tripped */
    char errmsg[1024];
    uint64_t gc_next;                      /* collect when the heap's bytes reach it (gc.c) */
    uint64_t gc_runs;                      /* collections the policy ran */
    /* host-loop mode */
    int host_loop;
    /* ---- the embedding API (additions) ---- */
    rt__mem *mem;                          /* owner of every byte (lib/net/alloc.c) */
    int mem_limited;                       /* mem has a limit (the heap hooks' fast path) */
    struct rt__host *host;                 /* lib/engine/host.c: posts, refs, promises, work */
    int interrupt_req;                     /* atomic: rt_interrupt() (any thread, signals) */
    uint64_t deadline;                     /* atomic: rt__now_ms() value; 0: none */
    int interrupted;                       /* JS was interrupted: rt__interrupt_take reports */
    int stop_code;                         /* what stopped the runtime (RT_EJS...) */
    int dead;                              /* a fatal engine error: nothing runs any more */
    void *fatal_jmp;                       /* jmp_buf of the outermost rt_ call, or NULL */
    int api_depth;                         /* rt__api calls on the stack */
    struct rt__errors *errors;             /* lib/engine/errors.c: last error, kept sources */
    struct rt__modules *modules;           /* lib/engine/modules.c */
    int awaiting;                          /* rt_eval(RT_EVAL_AWAIT) is running the loop */
};


/* ---- entering the runtime from the host (lib/engine/runtime.c) ---- */
/* Run fn(rt, arg) as a public entry point: the thread's memory owner becomes rt's, a
   runtime dead of a fatal error returns RT_EFATAL, and the outermost entry catches a fatal
   engine error (longjmp from Duktape's fatal handler) as RT_EFATAL. */
int rt__api(rt_runtime *rt, int (*fn)(rt_runtime *rt, void *arg), void *arg);
/* One loop turn (lib/engine/loop.c), inside an entry. */
int rt__run_once_impl(rt_runtime *rt, int timeout_ms);

/* ---- interrupts (lib/engine/interrupt.c) ---- */
/* 1 if JS must stop now (an interrupt request or a deadline passed). Any thread. */
int rt__interrupt_pending(rt_runtime *rt);
/* Loop thread, between macrotasks: if JS was interrupted or a request is pending, stop the
   runtime (stop_code RT_EINTERRUPTED, the request consumed) and return RT_EINTERRUPTED. */
int rt__interrupt_take(rt_runtime *rt);
/* ms until the deadline (0: passed), -1 if none. */
int64_t rt__deadline_timeout(rt_runtime *rt);

/* ---- host work (lib/engine/host.c) ---- */
int rt__host_init(rt_runtime *rt);         /* after the timers */
void rt__host_close(rt_runtime *rt);       /* rt_free, first: join workers, cancel callbacks */
void rt__host_free(rt_runtime *rt);        /* rt_free, after the heap: release handles */
int rt__host_alive(rt_runtime *rt);        /* refs, promise handles, posts or work pending */
int rt__host_ready(rt_runtime *rt);        /* posts or finished work wait for dispatch */
void rt__host_dispatch(rt_runtime *rt);    /* run them, one macrotask each */
uint64_t rt__host_pending(rt_runtime *rt);

/* ---- errors (lib/engine/errors.c) ---- */
int rt__errors_init(rt_runtime *rt);       /* the stack formatter, errCreate; after Promise */
void rt__errors_free(rt_runtime *rt);
/* Keep source text of a script / module for error excerpts ([ ... ] unchanged). */
void rt__errors_keep_source(rt_runtime *rt, const char *name, const char *src, size_t len);
/* Record the value at idx as the last error (code, promise flag), build its report text
   (prefix "Uncaught", "Uncaught (in promise)") into rt->errmsg; returns the text (owned by
   the runtime). Leaves the stack as it was. */
const char *rt__errors_record(rt_runtime *rt, duk_context *ctx, duk_idx_t idx, int code,
                              const char *prefix, int promise);

/* Record an interrupt as the last error (no JS runs). */
void rt__errors_interrupted(rt_runtime *rt, int deadline);

/* ---- modules (lib/engine/modules.c) ---- */
int rt__modules_init(rt_runtime *rt);      /* require, after the JS layer */
void rt__modules_free(rt_runtime *rt);
int rt__modules_have_loader(rt_runtime *rt);
/* Compile src as CommonJS module `id` and run it in its own scope, cached under id:
   [ ... ] -> [ ... exports ]. Throws (a Duktape error) as require() does. */
void rt__modules_eval(duk_context *ctx, const char *id, const char *src, size_t len, int main);
/* require(specifier) as the main module from the current directory: [ ... ] -> [ ... exports ]. */
void rt__modules_require_main(duk_context *ctx, const char *specifier);

/* The runtime that owns a Duktape context (any thread of the heap). */
rt_runtime *rt__from_ctx(duk_context *ctx);

/* Record the message of a failure (rt_errmsg) and return code. */
int rt__fail(rt_runtime *rt, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Report the value at idx as an uncaught error: "Uncaught <inspected value>" with stack,
 * through cfg.report. Counts it in rt->uncaught and sets rt->stop under stop_on_uncaught.
 * Leaves the stack as it was.
 */
void rt__report_uncaught(rt_runtime *rt, duk_context *ctx, duk_idx_t idx, const char *prefix);
/* Send a text to cfg.report (or stderr). */
void rt__report(rt_runtime *rt, const char *text);

/* ---- microtasks (lib/engine/microtask.c) ---- */
/* A job record. JS values of record k are stash-Array elements RT_JOB_VALS*k + 0..2. */
enum rt__job_kind {
    RT_JOB_CALL = 1,                       /* call a(b, c) with aux arguments (0..2) */
    RT_JOB_C,                              /* fn(rt, data); no JS values */
    RT_JOB_PROMISE                         /* rt__promise_job(ctx, aux) with [ a b c ] */
};
#define RT_JOB_VALS 3
struct rt__job {
    uint8_t kind;                          /* enum rt__job_kind */
    uint32_t aux;
    void (*fn)(rt_runtime *rt, void *data);
    void *data;                            /* the caller's: never freed here */
};
int rt__microtask_init(duk_context *ctx);  /* also defines queueMicrotask */
/* [ ... v1 .. vn ] -> [ ... ] (n <= RT_JOB_VALS): queue a job record. Throws (a Duktape
   error) only if the ring cannot grow. */
void rt__microtask_enqueue(duk_context *ctx, int kind, uint32_t aux, int n);
/* [ ... fn arg1 .. argN ] -> [ ... ] (N <= 2): queue the call fn(arg1..argN), this undefined. */
void rt__microtask_push(duk_context *ctx, duk_idx_t nargs);
/* Queue fn(rt, data) as a job, in order with the JS jobs (for C users: the native fetch
   path, the embedding API). 0, or RT_ENOMEM if the queue cannot grow. A job still queued
   when the runtime stops (stop_on_uncaught) or is freed is dropped without being called:
   data stays its owner's. Loop thread only. */
int rt__microtask_push_c(rt_runtime *rt, void (*fn)(rt_runtime *rt, void *data), void *data);
/* Run jobs until the queue is empty (jobs queued while draining run too). Errors thrown
   by a job are reported as uncaught. Then reports unhandled rejections. Re-entrant calls
   are no-ops. */
void rt__microtask_drain(rt_runtime *rt);
/* Finish what Response finalizers left for a safe moment (body.c): branches of Responses
   that became garbage are let go (their exchanges cancelled when unread) and freed branches'
   memory goes. rt__microtask_drain calls it: between macrotasks, no branch on the C stack. */
void rt__body_reap(rt_runtime *rt);
/* Run mark-and-sweep if the engine's live bytes grew enough since the last one (gc.c).
   rt__microtask_drain calls it between macrotasks. */
void rt__gc_policy(rt_runtime *rt);
/* The runtime of a context: the heap's allocator user data (O(1), unlike rt__from_ctx). */
rt_runtime *rt__rt_of(duk_context *ctx);

/* ---- Promise (lib/engine/promise.c) ---- */
/* Global Promise (with the combinators, finally, try, withResolvers) and AggregateError;
   Symbol.species and Symbol.iterator if the engine lacks them. */
int rt__promise_init(duk_context *ctx);
/* [ ... ] -> [ ... promise ]: a new pending %Promise%, with no resolving functions. */
void rt__promise_new(duk_context *ctx);
/* [ ... value ] -> [ ... ]: resolve (adopting thenables) / reject the promise at idx. A
   promise that is already settled or locked in to a thenable is left alone. */
void rt__promise_resolve(duk_context *ctx, duk_idx_t promise_idx);
void rt__promise_reject(duk_context *ctx, duk_idx_t promise_idx);
/* 1 if the value at idx is one of our promises (IsPromise: a Proxy of one is not). */
int rt__is_promise(duk_context *ctx, duk_idx_t idx);
/* State of the promise at idx (RT_PROMISE_PENDING if it is not a promise). */
enum { RT_PROMISE_PENDING = 0, RT_PROMISE_FULFILLED = 1, RT_PROMISE_REJECTED = 2 };
int rt__promise_state(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... value ]: the fulfilment value or rejection reason of a settled promise
   (undefined while pending). Reading it does not mark a rejection handled. */
void rt__promise_push_result(duk_context *ctx, duk_idx_t idx);
/* Mark the promise at idx handled (as then() does), so its rejection is not reported. */
void rt__promise_mark_handled(duk_context *ctx, duk_idx_t idx);
/* A promise job popped from the queue (microtask.c): [ a b c ] on the stack. */
void rt__promise_job(duk_context *ctx, uint32_t aux);
/* After a microtask drain: report rejected promises that are still unhandled (once each),
   following cfg.unhandled_rejections. */
void rt__promise_report_unhandled(rt_runtime *rt);
/* 1 if rejections await the end of the drain to be checked. */
int rt__promise_pending_checks(rt_runtime *rt);

/* ---- console (lib/engine/console.c; formatting in lib/engine/js/07-console.js) ---- */
int rt__console_init(duk_context *ctx);    /* native.write */
/* Append the Node-style inspection of the value at idx (strings bare at top level). */
void rt__inspect(duk_context *ctx, duk_idx_t idx, rt__buf *out);

/* ---- timers (lib/engine/timers.c) ---- */
int rt__timers_init(rt_runtime *rt);
void rt__timers_free(rt_runtime *rt);
/* Milliseconds until the next timer or immediate is due (0: now), or -1 if none. */
int64_t rt__timers_next_timeout(rt_runtime *rt);
/* Run due timers (timers phase) / queued immediates (check phase), one macrotask at a
   time with a microtask drain after each. */
void rt__timers_run(rt_runtime *rt);
void rt__immediates_run(rt_runtime *rt);
int rt__timers_alive(rt_runtime *rt);
/* lib/engine/loop.c: ms until the next timer, immediate or connection deadline, -1 if none */
int64_t rt__next_timeout(rt_runtime *rt);

/* ---- fetch (lib/engine/fetch.c) ---- */
int rt__fetch_init(rt_runtime *rt);
/* rt_free, after the client was shut down and the heap destroyed: free what is left. */
void rt__fetch_free(rt_runtime *rt);
int rt__fetch_alive(rt_runtime *rt);       /* requests in flight or events to deliver */
uint64_t rt__fetch_in_flight(rt_runtime *rt);

/* ---- URL and URLSearchParams (lib/engine/url.c over lib/net/url.c) ---- */
int rt__url_init(rt_runtime *rt);          /* the globals; after the JS modules */

/* ---- TLS trust store (lib/engine/trust_store.c) ---- */
void rt__tls_free(rt_runtime *rt);
/* The runtime's trust store, decoded on first use (config CA file, RT_CA_FILE,
   SSL_CERT_FILE, the system bundle, then the built-in anchors). 0, or RT_ETRUST_STORE
   with rt_errmsg() set. */
struct rt_tls_trust;
int rt__tls_trust_get(rt_runtime *rt, const struct rt_tls_trust **out);

/* ---- embedded JS: lib/engine/js/NAME.js compiled to Duktape bytecode in lib_js.c by tools/js2c */
typedef struct rt__js_source {
    const char *name;                      /* "40-streams.js" */
    const unsigned char *bytecode;         /* duk_dump_function of function (native, global) */
    size_t len;
} rt__js_source;
extern const rt__js_source rt__js_sources[];   /* terminated by { NULL, NULL, 0 } */
/* [ ... ] -> [ ... buf ]: a fixed buffer of n bytes that is not zeroed first, for a caller
   that writes all n before a script can see them (a body chunk: 64 KiB memset per read). */
static inline void *rt__push_filled_buffer(duk_context *ctx, size_t n)
{
    return duk_push_buffer_raw(ctx, n, DUK_BUF_FLAG_NOZERO);
}

/* Run every embedded module, in name order, as function (native, global) with the
   heap stash's `native` object (lib/engine/jsmods.c). */
int rt__js_run_all(rt_runtime *rt);

#endif /* RT_ENGINE_H */
