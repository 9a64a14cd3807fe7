/*
 * runtime.c - the runtime's life cycle: configuration defaults, the Duktape heap (with a
 * counting allocator), the `rt` global, module set-up in dependency order, evaluation of
 * scripts, error reporting, and rt_free(). The loop itself is in lib/engine/loop.c.
 *
 * Ownership: rt_runtime owns the heap, the backend state (lib/engine/backend.c) and every module
 * state; rt_free() tears them down in the order that keeps each one's users alive: host
 * work is finished and its callbacks cancelled, requests are cancelled (the backend then
 * holds no pointer into the core), the backend is destroyed (threads joined, sockets
 * closed), then the heap (finalizers run against a runtime marked `destroying`), then the
 * rest. Every byte is charged to the runtime's memory owner (lib/net/alloc.c), which
 * outlives it while blocks it charged remain.
 *
 * Entry points (rt__api): each public function that can run JavaScript or allocate runs
 * its body through rt__api(), which makes the runtime the thread's memory owner and, in
 * the outermost call, catches Duktape's fatal handler by longjmp (the runtime is then
 * dead: RT_EFATAL everywhere, the heap is never touched again).
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "client.h"
#include "native.h"
#include "text.h"
#include "proxy.h"

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
    if (c->work_threads <= 0)
        c->work_threads = 4;
    if (c->work_threads > 256)
        c->work_threads = 256;
    rt->ca_file = c->ca_file ? rt__strdup(c->ca_file) : NULL;
    c->ca_file = rt->ca_file;
    rt->host_loop = c->uv_loop != NULL;
    /* pointers into the caller's memory are not kept (structs are copied below, by their
       users: alloc.c, modules.c) */
    c->env = NULL;
}

/* ---- Duktape allocation hooks: charged to the runtime's owner (lib/net/alloc.c) ---- */

/* The memory limit is enforced when a refusal can become a catchable error: while the
   engine has a catcher (a protected call is running). Outside one - the runtime's own
   bookkeeping between callbacks, the engine's report of an uncaught error - a refused
   allocation would be fatal (and Duktape's uncaught-error path allocates again), so the
   bytes are given; the next allocation inside JavaScript is refused. */
static int enforce_limit(rt_runtime *rt)
{
    return rt->mem_limited && rt->ctx && rt__dx_catching(rt->ctx);
}

static void *duk_alloc_cb(void *ud, duk_size_t n)
{
    rt_runtime *rt = ud;
    return rt__mem_heap_alloc(rt->mem, n, enforce_limit(rt));
}

static void *duk_realloc_cb(void *ud, void *p, duk_size_t n)
{
    rt_runtime *rt = ud;
    return rt__mem_heap_realloc(rt->mem, p, n, enforce_limit(rt));
}

static void duk_free_cb(void *ud, void *p)
{
    rt__mem_heap_free(((rt_runtime *)ud)->mem, p);
}

/* Duktape's fatal handler (an error thrown with no catcher, an internal inconsistency). It
   must not return. The heap may be inconsistent, so it is never used again: the host's
   hook first, the report, then back to the outermost rt_ call (RT_EFATAL) - or, with no rt_
   call on the stack (a host's raw duk_* call), abort() as Duktape's default does. */
static void duk_fatal_cb(void *ud, const char *msg)
{
    rt_runtime *rt = ud;
    if (!msg)
        msg = "(no message)";
    if (rt) {
        rt->dead = 1;
        rt->stop = 1;
        rt->stop_code = RT_EFATAL;
        snprintf(rt->errmsg, sizeof rt->errmsg, "fatal engine error: %s", msg);
        if (rt->cfg.fatal)
            rt->cfg.fatal(rt->cfg.fatal_userdata, msg);
        rt__report(rt, rt->errmsg);
        if (rt->fatal_jmp)
            longjmp(*(jmp_buf *)rt->fatal_jmp, 1);
    } else {
        fprintf(stderr, "libruntime: fatal Duktape error: %s\n", msg);
    }
    fflush(stderr);
    abort();
}

int rt__api(rt_runtime *rt, int (*fn)(rt_runtime *rt, void *arg), void *arg)
{
    if (!rt)
        return RT_EINVAL;
    rt__mem_enter(rt->mem);
    if (rt->dead)
        return rt__fail(rt, RT_EFATAL, "the runtime hit a fatal engine error: %s",
                        "it cannot be used any more");
    if (rt->fatal_jmp) {                   /* nested (from a native function): the outer entry
                                              catches */
        rt->api_depth++;
        int r = fn(rt, arg);
        rt->api_depth--;
        return r;
    }
    jmp_buf jb;
    if (setjmp(jb)) {
        rt->fatal_jmp = NULL;
        rt->api_depth = 0;
        return RT_EFATAL;
    }
    rt->fatal_jmp = &jb;
    rt->api_depth = 1;
    int r = fn(rt, arg);
    rt->api_depth = 0;
    rt->fatal_jmp = NULL;
    return r;
}

/* native.hide(obj, name, value): a non-enumerable, writable, configurable own property -
   the internal slots of Request, Response, Headers... (duk_def_prop: a tenth of the cost of
   Object.defineProperty, which builds and checks a descriptor object). */
/* native.proxyParts(v): [target, handler] of a Proxy, else null (05-builtins.js) */
static duk_ret_t js_proxy_parts(duk_context *ctx)
{
    if (!rt__dx_proxy_parts(ctx, 0)) {
        duk_push_null(ctx);
        return 1;
    }
    duk_push_array(ctx);
    duk_swap_top(ctx, -2);
    duk_put_prop_index(ctx, -2, 1);
    duk_swap_top(ctx, -2);
    duk_put_prop_index(ctx, -2, 0);
    return 1;
}

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
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    duk_push_object(ctx);
    duk_push_number(ctx, rss);
    duk_put_prop_string(ctx, -2, "rss");
    duk_push_number(ctx, (double)ru.ru_maxrss * 1024.0);
    duk_put_prop_string(ctx, -2, "maxRss");
    rt__mem_stats ms;
    rt__mem_get(rt->mem, &ms);
    duk_push_number(ctx, (double)ms.heap_bytes);
    duk_put_prop_string(ctx, -2, "heapBytes");
    duk_push_number(ctx, (double)ms.heap_allocs);
    duk_put_prop_string(ctx, -2, "heapAllocs");
    duk_push_number(ctx, (double)st.live_bytes);
    duk_put_prop_string(ctx, -2, "liveBytes");
    duk_push_number(ctx, (double)st.live_allocs);
    duk_put_prop_string(ctx, -2, "liveAllocs");
    duk_push_number(ctx, (double)st.requests_in_flight);
    duk_put_prop_string(ctx, -2, "requestsInFlight");
    duk_push_number(ctx, (double)rt->gc_runs);
    duk_put_prop_string(ctx, -2, "gcRuns");
    duk_push_number(ctx, (double)st.peak_bytes);
    duk_put_prop_string(ctx, -2, "peakBytes");
    duk_push_number(ctx, (double)st.limit_bytes);
    duk_put_prop_string(ctx, -2, "limitBytes");
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

/* [ ... env ] -> [ ... env ]: env[NAME] = value for a "NAME=value" entry (len bytes) */
static void put_env_entry(duk_context *ctx, const char *e)
{
    const char *eq = strchr(e, '=');
    if (!eq)
        return;
    duk_push_lstring(ctx, e, (duk_size_t)(eq - e));
    duk_push_string(ctx, eq + 1);
    duk_put_prop(ctx, -3);
}

/* rt.env: nothing unless the host asks (the whole environment, and/or named entries) */
static void push_env(duk_context *ctx, const rt_config *user)
{
    duk_push_object(ctx);
    if (!user || user->size < offsetof(rt_config, modules))
        return;
    if (user->env_inherit)
        for (char **e = environ; e && *e; e++)
            put_env_entry(ctx, *e);
    for (const char *const *e = user->env; e && *e; e++) {
        if (strchr(*e, '=')) {
            put_env_entry(ctx, *e);
        } else if (getenv(*e)) {
            duk_push_string(ctx, getenv(*e));
            duk_put_prop_string(ctx, -2, *e);
        }
    }
}

static void define_rt_global(rt_runtime *rt, const rt_config *user)
{
    duk_context *ctx = rt->ctx;
    duk_push_global_object(ctx);
    duk_push_string(ctx, "rt");
    duk_push_object(ctx);
    push_env(ctx, user);
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

struct argv_args {
    int argc;
    const char *const *argv;
};

static duk_ret_t set_argv_safe(duk_context *ctx, void *udata)
{
    struct argv_args *a = udata;
    duk_push_global_object(ctx);
    duk_get_prop_string(ctx, -1, "rt");
    duk_push_array(ctx);
    for (int i = 0; i < a->argc; i++) {
        duk_push_string(ctx, a->argv[i]);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
    }
    duk_put_prop_string(ctx, -2, "argv");
    return 0;
}

static int set_argv_impl(rt_runtime *rt, void *arg)
{
    int ok = duk_safe_call(rt->ctx, set_argv_safe, arg, 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(rt->ctx);
    return ok ? 0 : rt__fail(rt, RT_ENOMEM, "rt_set_argv: out of memory");
}

int rt_set_argv(rt_runtime *rt, int argc, const char *const *argv)
{
    struct argv_args a = {argc, argv};
    return rt__api(rt, set_argv_impl, &a);
}

/* ---- create / free ---- */

static int64_t host_turn(void *host);

struct create_args {
    const rt_config *cfg;
};

static int create_impl(rt_runtime *rt, void *arg)
{
    const rt_config *cfg = ((struct create_args *)arg)->cfg;
    int r;
    char err[400];
    rt->benv.host = rt;
    rt->benv.threads = rt->cfg.threads;
    rt->benv.uv_loop = rt->cfg.uv_loop;
    rt->benv.host_turn = rt->host_loop ? host_turn : NULL;
    rt->backend = rt->cfg.backend ? rt->cfg.backend : rt_backend_default();
    if ((r = rt__backend_open(rt->backend, &rt->benv, &rt->bstate, err, sizeof err)) < 0) {
        rt->backend = NULL;
        return rt__fail(rt, r, "%s", err);
    }
    /* proxies: the config's strings, and the environment's for those left NULL only when
       the host asked (proxy_from_env) */
    rt__proxy_config pcfg = {0};
    if (rt->cfg.proxy_from_env && (r = rt__proxy_config_from_env(&pcfg)) < 0)
        return rt__fail(rt, r, "out of memory");
    if (rt->cfg.http_proxy)
        pcfg.http_proxy = rt->cfg.http_proxy;
    if (rt->cfg.https_proxy)
        pcfg.https_proxy = rt->cfg.https_proxy;
    if (rt->cfg.no_proxy)
        pcfg.no_proxy = rt->cfg.no_proxy;
    rt->cfg.http_proxy = rt->cfg.https_proxy = rt->cfg.no_proxy = NULL;   /* borrowed */
    rt__net_config ncfg = {rt->backend, rt->bstate, rt->cfg.max_connections,
                           rt->cfg.max_connections_per_origin, rt->cfg.keepalive_idle_ms, &pcfg};
    r = rt__net_new(&ncfg, &rt->net);
    rt__proxy_config_clear(&pcfg);
    if (r < 0)
        return rt__fail(rt, r, "out of memory");
    for (int https = 0; https < 2; https++) {
        const char *why = rt__net_proxy_error(rt->net, https);
        if (why) {
            char msg[300];
            snprintf(msg, sizeof msg, "warning: %s; requests that would use this proxy fail "
                     "with INVALID_PROXY", why);
            rt__report(rt, msg);
        }
    }
    rt->ctx = duk_create_heap(duk_alloc_cb, duk_realloc_cb, duk_free_cb, rt, duk_fatal_cb);
    if (!rt->ctx)
        return rt__fail(rt, RT_ENOMEM, "cannot create the Duktape heap");
    duk_context *ctx = rt->ctx;
    duk_push_heap_stash(ctx);
    duk_push_pointer(ctx, rt);
    duk_put_prop_string(ctx, -2, "rt");
    duk_push_object(ctx);                  /* `native`: C bindings for lib/engine/js/ */
    duk_push_string(ctx, rt->backend->name);
    duk_put_prop_string(ctx, -2, "backend");
    duk_push_c_function(ctx, js_hide, 3);
    duk_put_prop_string(ctx, -2, "hide");
    duk_push_c_function(ctx, js_proxy_parts, 1);
    duk_put_prop_string(ctx, -2, "proxyParts");
    duk_put_prop_string(ctx, -2, "native");
    duk_pop(ctx);
    /* Dependency order: Promise, the microtask queue, console, timers, the rt global,
       the fetch classes in C (Headers, Request, Response, fetch), then the JavaScript half of
       the core (lib/engine/js/: iterators, console formatting, AbortController, streams,
       rt.async, modules), then URL and URLSearchParams (C, lib/engine/url.c: they need the
       Symbol.iterator that 00-iter.js defines; the JS modules use them only when called),
       then the error formatter, host work and require (which need the JS layer). */
    if ((r = rt__promise_init(ctx)) < 0 ||
        (r = rt__microtask_init(ctx)) < 0 || (r = rt__native_init(ctx)) < 0 ||
        (r = rt__console_init(ctx)) < 0 || (r = rt__json_init(ctx)) < 0 ||
        (r = rt__base64_init(ctx)) < 0 ||
        (r = rt__timers_init(rt)) < 0)
        return rt__fail(rt, r, "runtime initialisation failed: %s", rt_strerror(r));
    define_rt_global(rt, cfg);
    if ((r = rt__fetch_init(rt)) < 0 || (r = rt__modules_init(rt)) < 0 ||
        (r = rt__js_run_all(rt)) < 0 || (r = rt__url_init(rt)) < 0 ||
        (r = rt__errors_init(rt)) < 0 || (r = rt__host_init(rt)) < 0) {
        if (!rt->errmsg[0])
            rt__fail(rt, r, "runtime initialisation failed: %s", rt_strerror(r));
        return r;
    }
    return 0;
}

int rt_create(const rt_config *cfg, rt_runtime **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    int r = RT_ENOMEM;
    const rt_allocator *a = NULL;
    uint64_t limit = 0;
    if (cfg && cfg->size >= offsetof(rt_config, fatal)) {
        a = cfg->allocator;
        limit = cfg->memory_limit;
    }
    rt__mem *mem = rt__mem_new(a, limit);
    rt__mem *prev = rt__mem_enter(mem);
    rt_runtime *rt = mem ? rt__calloc(1, sizeof *rt) : NULL;
    if (!rt) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        rt__mem_enter(prev);
        rt__mem_release(mem);
        return RT_ENOMEM;
    }
    rt->mem = mem;
    rt->mem_limited = limit != 0;
    apply_config(rt, cfg);
    struct create_args ca = {cfg};
    r = rt__api(rt, create_impl, &ca);
    if (r < 0) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s", rt->errmsg[0] ? rt->errmsg : rt_strerror(r));
        rt_free(rt);
        rt__mem_enter(prev);
        return r;
    }
    *out = rt;
    return 0;
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

static int free_impl(rt_runtime *rt, void *arg)
{
    (void)arg;
    rt->destroying = 1;
    rt->stop = 1;
    rt__host_close(rt);                    /* workers joined, callbacks cancelled */
    rt__net_shutdown(rt->net);             /* cancels requests, closes every connection */
    rt__backend_close(rt->backend, rt->bstate);
    rt->bstate = NULL;
    if (rt->ctx && !rt->dead)
        duk_destroy_heap(rt->ctx);         /* finalizers see rt->destroying */
    rt->ctx = NULL;
    return 0;
}

void rt_free(rt_runtime *rt)
{
    if (!rt)
        return;
    rt__mem *mem = rt->mem;
    rt__mem_enter(mem);
    if (!rt->dead) {
        rt__api(rt, free_impl, NULL);
    } else {
        /* after a fatal error the heap is left alone (its memory stays allocated); the rest
           goes as usual, without JavaScript */
        rt->destroying = 1;
        rt__host_close(rt);
        rt__net_shutdown(rt->net);
        rt__backend_close(rt->backend, rt->bstate);
        rt->bstate = NULL;
        rt->ctx = NULL;
    }
    if (rt->ctx) {                         /* a fatal error during the teardown itself */
        rt->destroying = 1;
        rt__host_close(rt);
        rt__backend_close(rt->backend, rt->bstate);
        rt->bstate = NULL;
        rt->ctx = NULL;
    }
    rt__host_free(rt);
    rt__errors_free(rt);
    rt__modules_free(rt);
    rt__fetch_free(rt);
    rt__net_free(rt->net);
    rt->net = NULL;
    rt__timers_free(rt);
    rt__tls_free(rt);
    rt__native_free(rt);
    int own_console = !rt->cfg.console;
    rt__free(rt->ca_file);
    rt__free(rt);
    if (own_console)
        fflush(stdout);                    /* console output reaches its file before we return */
    rt__mem_release(mem);
}

/* ---- evaluation ---- */

struct eval_args {
    const char *source;
    size_t len;
    const char *name;
    int flags;
};

/* [ ] -> [ result ]: compile and run a->source (inside the protected call: pushing the
   source allocates). A "#!" first line (rtjs scripts) is kept as an empty comment so line
   numbers hold. RT_EVAL_RESULT compiles (indirect) eval code, whose call returns the
   completion value; a global program's call returns undefined. */
static duk_ret_t compile_and_run(duk_context *ctx, void *udata)
{
    struct eval_args *a = udata;
    const char *src = a->source;
    size_t len = a->len;
    if (len >= 2 && src[0] == '#' && src[1] == '!') {
        duk_push_string(ctx, "//");
        duk_push_lstring(ctx, src + 2, len - 2);
        duk_concat(ctx, 2);
    } else {
        duk_push_lstring(ctx, src, len);
    }
    if (a->flags & RT_EVAL_MODULE) {
        duk_size_t n;
        const char *s = duk_get_lstring(ctx, -1, &n);
        rt__modules_eval(ctx, a->name, s, n, 0);
        return 1;
    }
    duk_push_string(ctx, a->name);
    duk_compile(ctx, a->flags & RT_EVAL_RESULT ? DUK_COMPILE_EVAL : 0);
    duk_call(ctx, 0);
    return 1;
}

/* [ value ] -> [ result ]: the value, or what the promise it is settles to. 0, RT_EJS (the
   rejection reason replaces the value), or another code. */
static int await_value(rt_runtime *rt);

/* Shared by rt_eval* : run, report, drain. Leaves one value pushed when RT_EVAL_RESULT. */
static int eval_impl(rt_runtime *rt, void *arg)
{
    struct eval_args *a = arg;
    duk_context *ctx = rt->ctx;
    int want = a->flags & RT_EVAL_RESULT;
    int r = rt__interrupt_take(rt);
    if (r == 0 && rt->stop)
        r = rt->stop_code ? rt->stop_code : RT_EJS;
    if (r == 0 && (a->flags & RT_EVAL_AWAIT) && (rt->host_loop || rt->api_depth > 1))
        return rt__fail(rt, RT_EINVAL, "RT_EVAL_AWAIT: not from inside a callback, nor on a "
                                       "host's libuv loop");
    if (r < 0) {
        if (want)
            duk_push_undefined(ctx);
        return rt__fail(rt, r, "the runtime is stopped (%s): rt_resume() clears it",
                        rt_err_name(r));
    }
    if (!a->name)
        a->name = "eval";
    int uncaught0 = rt->uncaught;
    if (!(a->flags & RT_EVAL_MODULE))
        rt__errors_keep_source(rt, a->name, a->source, a->len);   /* modules: modCompile */
    int rc = 0;
    if (duk_safe_call(ctx, compile_and_run, a, 0, 1) != DUK_EXEC_SUCCESS) {
        if ((rc = rt__interrupt_take(rt)) == 0) {
            rc = RT_EJS;
            if (want)                      /* the host gets the error itself */
                rt__errors_record(rt, ctx, -1, RT_EJS, "Uncaught", 0);
            else
                rt__report_uncaught(rt, ctx, -1, "Uncaught");
        }
    } else if (a->flags & RT_EVAL_AWAIT) {
        rc = await_value(rt);
    }
    if (!want)
        duk_pop(ctx);
    rt__microtask_drain(rt);
    if (rc == 0)
        rc = rt__interrupt_take(rt);
    if (rt->host_loop)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
    if (rc == 0 && (rt->uncaught > uncaught0 || (rt->stop && rt->stop_code == RT_EJS)))
        rc = RT_EJS;                       /* a rejection left unhandled (policy "throw") */
    return rc;
}

int rt_eval(rt_runtime *rt, const char *source, size_t len, const char *name, int flags)
{
    if (!rt || !source)
        return RT_EINVAL;
    struct eval_args a = {source, len, name, flags};
    return rt__api(rt, eval_impl, &a);
}

int rt_eval_string(rt_runtime *rt, const char *source, const char *name)
{
    if (!rt || !source)
        return RT_EINVAL;
    return rt_eval(rt, source, strlen(source), name, RT_EVAL_GLOBAL);
}

int rt_eval_file(rt_runtime *rt, const char *path)
{
    if (!rt || !path)
        return RT_EINVAL;
    rt__mem_enter(rt->mem);
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
        return r == RT_ENOMEM ? rt__fail(rt, r, "out of memory reading %s", path) : r;
    }
    r = rt_eval(rt, b.data ? b.data : "", b.len, path, RT_EVAL_GLOBAL);
    rt__buf_free(&b);
    return r;
}

struct module_args {
    const char *specifier;
    int flags;
};

static duk_ret_t require_main_safe(duk_context *ctx, void *udata)
{
    rt__modules_require_main(ctx, udata);
    return 1;
}

static int module_impl(rt_runtime *rt, void *arg)
{
    struct module_args *a = arg;
    duk_context *ctx = rt->ctx;
    int want = a->flags & RT_EVAL_RESULT;
    int r = rt__interrupt_take(rt);
    if (r == 0 && rt->stop)
        r = rt->stop_code ? rt->stop_code : RT_EJS;
    if (r == 0 && !rt__modules_have_loader(rt))
        r = rt__fail(rt, RT_EINVAL, "rt_eval_module: no module loader (rt_config.modules)");
    if (r < 0) {
        if (want)
            duk_push_undefined(ctx);
        return r;
    }
    int uncaught0 = rt->uncaught;
    int rc = 0;
    if (duk_safe_call(ctx, require_main_safe, (void *)a->specifier, 0, 1) != DUK_EXEC_SUCCESS) {
        if ((rc = rt__interrupt_take(rt)) == 0) {
            int notfound = 0;
            if (duk_is_error(ctx, -1)) {
                duk_get_prop_string(ctx, -1, "code");
                notfound = duk_is_string(ctx, -1) &&
                           strcmp(duk_get_string(ctx, -1), "MODULE_NOT_FOUND") == 0;
                duk_pop(ctx);
            }
            rc = RT_EJS;
            if (want)
                rt__errors_record(rt, ctx, -1, RT_EJS, "Uncaught", 0);
            else
                rt__report_uncaught(rt, ctx, -1, "Uncaught");
            if (notfound)
                rc = RT_ENOENT;
        }
    }
    if (!want)
        duk_pop(ctx);
    rt__microtask_drain(rt);
    if (rc == 0)
        rc = rt__interrupt_take(rt);
    if (rt->host_loop)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
    if (rc == 0 && (rt->uncaught > uncaught0 || (rt->stop && rt->stop_code == RT_EJS)))
        rc = RT_EJS;
    return rc;
}

int rt_eval_module(rt_runtime *rt, const char *specifier, int flags)
{
    if (!rt || !specifier)
        return RT_EINVAL;
    struct module_args a = {specifier, flags};
    return rt__api(rt, module_impl, &a);
}

/* ---- awaiting a result (RT_EVAL_AWAIT) ---- */

/* [ value ] -> [ promise ]: Promise.resolve(value) through our %Promise% */
static duk_ret_t to_promise(duk_context *ctx, void *udata)
{
    (void)udata;
    duk_push_global_object(ctx);
    duk_get_prop_string(ctx, -1, "Promise");
    duk_get_prop_string(ctx, -1, "resolve");
    duk_swap(ctx, -1, -2);
    duk_dup(ctx, -4);
    duk_call_method(ctx, 1);
    return 1;
}

int rt__run_once_impl(rt_runtime *rt, int timeout_ms);

static int await_value(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    /* [ ... value ] */
    if (!rt__is_promise(ctx, -1)) {
        int thenable = 0;
        if (duk_is_object(ctx, -1)) {
            duk_get_prop_string(ctx, -1, "then");
            thenable = duk_is_callable(ctx, -1);
            duk_pop(ctx);
        }
        if (!thenable)
            return 0;
        if (duk_safe_call(ctx, to_promise, NULL, 1, 1) != DUK_EXEC_SUCCESS) {
            duk_push_undefined(ctx);       /* keep one value for the caller */
            duk_swap(ctx, -1, -2);
            duk_pop(ctx);
            return RT_EJS;
        }
    }
    rt__promise_mark_handled(ctx, -1);     /* the host takes the rejection, not the report */
    duk_idx_t p = duk_get_top_index(ctx);
    rt->awaiting++;
    int rc = 0;
    for (;;) {
        rt__microtask_drain(rt);
        int st = rt__promise_state(ctx, p);
        if (st != RT_PROMISE_PENDING) {
            rt__promise_push_result(ctx, p);
            duk_replace(ctx, p);
            if (st == RT_PROMISE_REJECTED) {
                rt__errors_record(rt, ctx, p, RT_EJS, "Uncaught (in promise)", 1);
                rc = RT_EJS;
            }
            break;
        }
        int r = rt__run_once_impl(rt, -1);
        if (r == RT_EJS && !rt->stop)
            continue;                      /* reported; the loop goes on */
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0 && rt__promise_state(ctx, p) == RT_PROMISE_PENDING && !rt->microtasks_pending) {
            rc = rt__fail(rt, RT_EINVAL, "RT_EVAL_AWAIT: the promise is still pending and no "
                                         "work is left that could settle it");
            break;
        }
    }
    rt->awaiting--;
    return rc;
}

duk_context *rt_duk(rt_runtime *rt)
{
    return rt ? rt->ctx : NULL;
}

rt_runtime *rt_from_duk(duk_context *ctx)
{
    return ctx ? rt__rt_of(ctx) : NULL;
}

void *rt_userdata(rt_runtime *rt)
{
    return rt ? rt->cfg.userdata : NULL;
}

void rt_stats_init(rt_stats *st)
{
    memset(st, 0, sizeof *st);
    st->size = sizeof *st;
}

int rt_get_stats(rt_runtime *rt, rt_stats *out)
{
    if (!rt || !out)
        return RT_EINVAL;
    size_t want = out->size && out->size < sizeof(rt_stats) ? out->size : sizeof(rt_stats);
    rt__mem_stats m;
    rt__mem_get(rt->mem, &m);
    rt_stats st;
    memset(&st, 0, sizeof st);
    st.size = want;
    st.live_bytes = m.heap_bytes + m.net_bytes;
    st.live_allocs = m.heap_allocs + m.net_allocs;
    st.total_allocs = m.heap_total + m.net_total;
    st.requests_in_flight = rt__fetch_in_flight(rt);
    st.heap_bytes = m.heap_bytes;
    st.peak_bytes = m.peak;
    st.limit_bytes = m.limit;
    st.denied_allocs = m.denied;
    st.host_pending = rt__host_pending(rt);
    memcpy(out, &st, want);
    return 0;
}

void rt_set_memory_limit(rt_runtime *rt, uint64_t bytes)
{
    if (!rt)
        return;
    rt__mem_set_limit(rt->mem, bytes);
    rt->mem_limited = bytes != 0;
}

const char *rt_version(void)
{
    static char v[64];
    if (!v[0])                             /* the same text each time: a benign race */
        snprintf(v, sizeof v, "%s (%s)", RT_VERSION_STRING, rt_backend_default()->name);
    return v;
}

/* ---- hooks the backend calls ---- */

static int host_turn_impl(rt_runtime *rt, void *arg)
{
    int64_t *next = arg;
    *next = -1;
    if (rt->destroying || rt->stop)
        return 0;
    rt__net_dispatch(rt->net);
    rt__host_dispatch(rt);
    rt__timers_run(rt);
    rt__immediates_run(rt);
    rt__microtask_drain(rt);
    if (rt__interrupt_take(rt) < 0 || rt->stop)
        return 0;
    *next = rt__next_timeout(rt);
    return 0;
}

/* Host-loop mode: the backend's handles on the host's loop call this. */
static int64_t host_turn(void *host)
{
    rt_runtime *rt = host;
    int64_t next = -1;
    rt__api(rt, host_turn_impl, &next);
    return next;
}

const char *rt_backend_name(rt_runtime *rt)
{
    return rt && rt->backend ? rt->backend->name : rt_backend_default()->name;
}
