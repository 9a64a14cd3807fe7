/*
 * runtime.c - the runtime's life cycle: configuration defaults, the Duktape heap (with a
 * counting allocator), the `rt` global, module set-up in dependency order, evaluation of
 * scripts, error reporting, and rt_free(). The loop itself is in lib/engine/loop.c.
 *
 * Ownership: rt_runtime owns the heap, the backend state (lib/engine/backend.c) and every module
 * state; rt_free() tears them down in the order that keeps each one's users alive:
 * requests are cancelled first (the backend then holds no pointer into the core), the
 * backend is destroyed (threads joined, sockets closed), then the heap (finalizers run
 * against a runtime marked `destroying`), then the rest.
 */
#include <errno.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "client.h"
#include "native.h"

extern char **environ;

void rt_config_init(rt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
}

/* Copy the caller's config, whatever version of the struct it was compiled with, and
   fill in the defaults. */
static void apply_config(rt_runtime *rt, const rt_config *user)
{
    rt_config_init(&rt->cfg);
    if (user) {
        size_t n = user->size && user->size < sizeof rt->cfg ? user->size : sizeof rt->cfg;
        memcpy(&rt->cfg, user, n);
        rt->cfg.size = sizeof rt->cfg;
    }
    rt_config *c = &rt->cfg;
    if (c->threads <= 0) {
        const char *e = getenv("RT_THREADS");
        c->threads = e && atoi(e) > 0 ? atoi(e) : 256;
    }
    if (c->threads > 1024)
        c->threads = 1024;
    if (!c->connect_timeout_ms)
        c->connect_timeout_ms = 10000;
    if (!c->headers_timeout_ms)
        c->headers_timeout_ms = 300000;
    if (!c->body_timeout_ms)
        c->body_timeout_ms = 300000;
    if (!c->max_header_bytes)
        c->max_header_bytes = 65536;
    if (!c->max_header_count)
        c->max_header_count = 1000;
    if (!c->keepalive_idle_ms)
        c->keepalive_idle_ms = 4000;
    rt->ca_file = c->ca_file ? rt__strdup(c->ca_file) : NULL;
    c->ca_file = rt->ca_file;
    rt->host_loop = c->uv_loop != NULL;
}

/* ---- Duktape allocation hooks: per-runtime counters for rt_get_stats() ---- */

static void *duk_alloc_cb(void *ud, duk_size_t n)
{
    rt_runtime *rt = ud;
    void *p = malloc(n ? n : 1);
    if (p) {
        rt->duk_live_bytes += malloc_usable_size(p);
        rt->duk_live_allocs++;
        rt->duk_total_allocs++;
    }
    return p;
}

static void *duk_realloc_cb(void *ud, void *p, duk_size_t n)
{
    rt_runtime *rt = ud;
    if (!p)
        return duk_alloc_cb(ud, n);
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (q) {
        rt->duk_live_bytes += malloc_usable_size(q) - old;
        rt->duk_total_allocs++;
    }
    return q;
}

static void duk_free_cb(void *ud, void *p)
{
    rt_runtime *rt = ud;
    if (!p)
        return;
    rt->duk_live_bytes -= malloc_usable_size(p);
    rt->duk_live_allocs--;
    free(p);
}

static void duk_fatal_cb(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "libruntime: fatal Duktape error: %s\n", msg ? msg : "(no message)");
    fflush(stderr);
    abort();
}

/* native.hide(obj, name, value): a non-enumerable, writable, configurable own property -
   the internal slots of Request, Response, Headers... (duk_def_prop: a tenth of the cost of
   Object.defineProperty, which builds and checks a descriptor object). */
static duk_ret_t js_hide(duk_context *ctx)
{
    duk_require_object(ctx, 0);
    duk_dup(ctx, 1);
    duk_dup(ctx, 2);
    duk_def_prop(ctx, 0, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                             DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    return 0;
}

/* rt.cpuUsage(): { user, system } CPU time of the process in microseconds (getrusage),
   { voluntary, involuntary } context switches of the process (getrusage), and runDelay:
   microseconds the calling (loop) thread has spent runnable but waiting for a CPU
   (/proc/thread-self/schedstat; -1 where the kernel does not keep it). The last two tell a
   loop that stalled from a process the system did not run: timing tests discount them. */
static duk_ret_t js_cpu_usage(duk_context *ctx)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double run_delay = -1;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (f) {
        unsigned long long on_cpu_ns, wait_ns;
        if (fscanf(f, "%llu %llu", &on_cpu_ns, &wait_ns) == 2)
            run_delay = (double)(wait_ns / 1000);
        fclose(f);
    }
    duk_push_object(ctx);
    duk_push_number(ctx, (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec);
    duk_put_prop_string(ctx, -2, "user");
    duk_push_number(ctx, (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec);
    duk_put_prop_string(ctx, -2, "system");
    duk_push_number(ctx, (double)ru.ru_nvcsw);
    duk_put_prop_string(ctx, -2, "voluntary");
    duk_push_number(ctx, (double)ru.ru_nivcsw);
    duk_put_prop_string(ctx, -2, "involuntary");
    duk_push_number(ctx, run_delay);
    duk_put_prop_string(ctx, -2, "runDelay");
    return 1;
}

/* rt.memoryUsage(): { rss, maxRss } in bytes (/proc/self/statm, getrusage), and the
   runtime's own allocation counters { heapBytes, heapAllocs, liveBytes, liveAllocs }. */
static duk_ret_t js_memory_usage(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        unsigned long size = 0, res = 0;
        if (fscanf(f, "%lu %lu", &size, &res) == 2)
            rss = (double)res * (double)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    rt_stats st;
    rt_get_stats(rt, &st);
    duk_push_object(ctx);
    duk_push_number(ctx, rss);
    duk_put_prop_string(ctx, -2, "rss");
    duk_push_number(ctx, (double)ru.ru_maxrss * 1024.0);
    duk_put_prop_string(ctx, -2, "maxRss");
    duk_push_number(ctx, (double)rt->duk_live_bytes);
    duk_put_prop_string(ctx, -2, "heapBytes");
    duk_push_number(ctx, (double)rt->duk_live_allocs);
    duk_put_prop_string(ctx, -2, "heapAllocs");
    duk_push_number(ctx, (double)st.live_bytes);
    duk_put_prop_string(ctx, -2, "liveBytes");
    duk_push_number(ctx, (double)st.live_allocs);
    duk_put_prop_string(ctx, -2, "liveAllocs");
    duk_push_number(ctx, (double)st.requests_in_flight);
    duk_put_prop_string(ctx, -2, "requestsInFlight");
    duk_push_number(ctx, (double)rt->gc_runs);
    duk_put_prop_string(ctx, -2, "gcRuns");
    return 1;
}

/* rt.gc(): a full garbage collection (twice, so finalized objects are freed too). */
static duk_ret_t js_gc(duk_context *ctx)
{
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    return 0;
}

/* ---- the `rt` global: env, argv, version, backend, cpuUsage, memoryUsage, gc
   (non-writable, non-configurable, so a script's own `var rt` cannot replace it by
   accident) ---- */

static void define_rt_global(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    duk_push_global_object(ctx);
    duk_push_string(ctx, "rt");
    duk_push_object(ctx);
    duk_push_object(ctx);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        duk_push_lstring(ctx, *e, (duk_size_t)(eq - *e));
        duk_push_string(ctx, eq + 1);
        duk_put_prop(ctx, -3);
    }
    duk_put_prop_string(ctx, -2, "env");
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "argv");
    duk_push_string(ctx, RT_VERSION_STRING);
    duk_put_prop_string(ctx, -2, "version");
    duk_push_string(ctx, rt->backend->name);
    duk_put_prop_string(ctx, -2, "backend");
    static const duk_function_list_entry fns[] = {{"cpuUsage", js_cpu_usage, 0},
                                                  {"memoryUsage", js_memory_usage, 0},
                                                  {"gc", js_gc, 0},
                                                  {NULL, NULL, 0}};
    duk_put_function_list(ctx, -1, fns);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                              DUK_DEFPROP_CLEAR_CONFIGURABLE | DUK_DEFPROP_CLEAR_ENUMERABLE);
    duk_pop(ctx);
}

int rt_set_argv(rt_runtime *rt, int argc, const char *const *argv)
{
    duk_context *ctx = rt->ctx;
    duk_push_global_object(ctx);
    duk_get_prop_string(ctx, -1, "rt");
    duk_push_array(ctx);
    for (int i = 0; i < argc; i++) {
        duk_push_string(ctx, argv[i]);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
    }
    duk_put_prop_string(ctx, -2, "argv");
    duk_pop_2(ctx);
    return 0;
}

/* ---- create / free ---- */

static int64_t host_turn(void *host);

int rt_create(const rt_config *cfg, rt_runtime **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    rt_runtime *rt = rt__calloc(1, sizeof *rt);
    if (!rt) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return RT_ENOMEM;
    }
    apply_config(rt, cfg);
    int r;
    char err[400];
    rt->benv.host = rt;
    rt->benv.threads = rt->cfg.threads;
    rt->benv.uv_loop = rt->cfg.uv_loop;
    rt->benv.host_turn = rt->host_loop ? host_turn : NULL;
    rt->backend = rt->cfg.backend ? rt->cfg.backend : rt_backend_default();
    if ((r = rt__backend_open(rt->backend, &rt->benv, &rt->bstate, err, sizeof err)) < 0) {
        rt->backend = NULL;
        rt__fail(rt, r, "%s", err);
        goto fail;
    }
    rt__net_config ncfg = {rt->backend, rt->bstate, rt->cfg.max_connections,
                           rt->cfg.max_connections_per_origin, rt->cfg.keepalive_idle_ms};
    if ((r = rt__net_new(&ncfg, &rt->net)) < 0) {
        rt__fail(rt, r, "out of memory");
        goto fail;
    }
    rt->ctx = duk_create_heap(duk_alloc_cb, duk_realloc_cb, duk_free_cb, rt, duk_fatal_cb);
    if (!rt->ctx) {
        r = rt__fail(rt, RT_ENOMEM, "cannot create the Duktape heap");
        goto fail;
    }
    duk_context *ctx = rt->ctx;
    duk_push_heap_stash(ctx);
    duk_push_pointer(ctx, rt);
    duk_put_prop_string(ctx, -2, "rt");
    duk_push_object(ctx);                  /* `native`: C bindings for lib/engine/js/ */
    duk_push_string(ctx, rt->backend->name);
    duk_put_prop_string(ctx, -2, "backend");
    duk_push_c_function(ctx, js_hide, 3);
    duk_put_prop_string(ctx, -2, "hide");
    duk_put_prop_string(ctx, -2, "native");
    duk_pop(ctx);
    /* Dependency order: Promise, the microtask queue, console, timers, the rt global,
       the fetch classes in C (Headers, Request, Response, fetch), then the JavaScript half of
       the core (lib/engine/js/: iterators, console formatting, AbortController, streams,
       rt.async), then URL and
       URLSearchParams (C, lib/engine/url.c: they need the Symbol.iterator that 00-iter.js
       defines; the JS modules use them only when called). */
    if ((r = rt__promise_init(ctx)) < 0 ||
        (r = rt__microtask_init(ctx)) < 0 || (r = rt__native_init(ctx)) < 0 ||
        (r = rt__console_init(ctx)) < 0 || (r = rt__timers_init(rt)) < 0) {
        rt__fail(rt, r, "runtime initialisation failed: %s", rt_strerror(r));
        goto fail;
    }
    define_rt_global(rt);
    if ((r = rt__fetch_init(rt)) < 0 || (r = rt__js_run_all(rt)) < 0 ||
        (r = rt__url_init(rt)) < 0) {
        if (!rt->errmsg[0])
            rt__fail(rt, r, "runtime initialisation failed: %s", rt_strerror(r));
        goto fail;
    }
    *out = rt;
    return 0;
fail:
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s", rt->errmsg[0] ? rt->errmsg : rt_strerror(r));
    rt_free(rt);
    return r;
}

rt_runtime *rt_new(const rt_config *cfg)
{
    rt_runtime *rt = NULL;
    char err[512];
    if (rt_create(cfg, &rt, err, sizeof err) < 0) {
        fprintf(stderr, "libruntime: %s\n", err);
        return NULL;
    }
    return rt;
}

void rt_free(rt_runtime *rt)
{
    if (!rt)
        return;
    rt->destroying = 1;
    rt->stop = 1;
    rt__net_shutdown(rt->net);             /* cancels requests, closes every connection */
    rt__backend_close(rt->backend, rt->bstate);
    rt->bstate = NULL;
    if (rt->ctx)
        duk_destroy_heap(rt->ctx);         /* finalizers see rt->destroying */
    rt->ctx = NULL;
    rt__fetch_free(rt);
    rt__net_free(rt->net);
    rt->net = NULL;
    rt__timers_free(rt);
    rt__tls_free(rt);
    rt__native_free(rt);
    rt__free(rt->ca_file);
    rt__free(rt);
}

/* ---- evaluation ---- */

static duk_ret_t compile_and_run(duk_context *ctx, void *udata)
{
    (void)udata;
    /* [ source filename ] */
    duk_compile(ctx, 0);
    duk_call(ctx, 0);
    return 0;
}

int rt_eval_string(rt_runtime *rt, const char *source, const char *name)
{
    duk_context *ctx = rt->ctx;
    size_t len = strlen(source);
    /* A "#!" first line (rtjs scripts) is kept as an empty comment so line numbers hold. */
    if (len >= 2 && source[0] == '#' && source[1] == '!') {
        duk_push_string(ctx, "//");
        duk_push_lstring(ctx, source + 2, len - 2);
        duk_concat(ctx, 2);
    } else {
        duk_push_lstring(ctx, source, len);
    }
    duk_push_string(ctx, name ? name : "eval");
    int rc = 0;
    if (duk_safe_call(ctx, compile_and_run, NULL, 2, 1) != DUK_EXEC_SUCCESS) {
        rt__report_uncaught(rt, ctx, -1, "Uncaught");
        rc = RT_EJS;
    }
    duk_pop(ctx);
    rt__microtask_drain(rt);
    if (rt->host_loop)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
    return rc ? rc : (rt->stop ? RT_EJS : 0);
}

int rt_eval_file(rt_runtime *rt, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rt__fail(rt, errno == ENOENT ? RT_ENOENT : RT_EIO, "cannot open %s: %s", path,
                        strerror(errno));
    rt__buf b = {0};
    char chunk[65536];
    size_t n;
    int r = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((r = rt__buf_append(&b, chunk, n)) < 0)
            break;
    if (!r && ferror(f))
        r = rt__fail(rt, RT_EIO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    if (r < 0) {
        rt__buf_free(&b);
        return r;
    }
    r = rt_eval_string(rt, b.data ? b.data : "", path);
    rt__buf_free(&b);
    return r;
}

duk_context *rt_duk(rt_runtime *rt)
{
    return rt->ctx;
}

void rt_get_stats(rt_runtime *rt, rt_stats *out)
{
    uint64_t lb, la, ta;
    rt__alloc_counters(&lb, &la, &ta);
    out->live_bytes = rt->duk_live_bytes + lb;
    out->live_allocs = rt->duk_live_allocs + la;
    out->total_allocs = rt->duk_total_allocs + ta;
    out->requests_in_flight = rt__fetch_in_flight(rt);
}

/* ---- hooks the backend calls ---- */

/* Host-loop mode: the backend's handles on the host's loop call this. */
static int64_t host_turn(void *host)
{
    rt_runtime *rt = host;
    if (rt->destroying)
        return -1;
    rt__net_dispatch(rt->net);
    rt__timers_run(rt);
    rt__immediates_run(rt);
    rt__microtask_drain(rt);
    return rt__next_timeout(rt);
}

const char *rt_backend_name(rt_runtime *rt)
{
    return rt && rt->backend ? rt->backend->name : rt_backend_default()->name;
}
