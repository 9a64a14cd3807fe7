/*
 * probe.c - engine micro-probes: the cost of one operation of each kind the runtime's workload
 * does (closure creation, JS and native calls, property access from JS and from C, object and
 * buffer creation, string interning, JSON, promise steps), for choosing Duktape's configuration
 * (tools/duk_config_overrides.h, docs/engine.md). Links a built libruntime.a; tools/dukprobe/
 * run.sh builds it and runs it natively (wall time) and under callgrind (instruction counts).
 *
 * Each probe runs with n and 2n iterations, then a full mark-and-sweep, so the garbage a run
 * makes (cyclic garbage too: every non-strict closure with its .prototype) is freed within it;
 * the difference divided by n is the cost per iteration, free of fixed costs. JS probes (probes.js) subtract the empty loop. Under callgrind
 * each run is bracketed by CALLGRIND_ZERO_STATS / CALLGRIND_DUMP_STATS_AT("name/n"), so one
 * callgrind run measures every probe; natively those requests cost nothing.
 *
 * usage: probe PROBES.JS N [SUBSTRING]   prints "name n ns" per run
 */
#include <runtime.h>
#include <duktape.h>
#include <valgrind/callgrind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static rt_runtime *rt;
static duk_context *ctx;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static duk_ret_t nat_nop(duk_context *c) { (void)c; return 0; }
static duk_ret_t nat_status(duk_context *c) { duk_push_int(c, 200); return 1; }

/* ---- C probes: each runs its operation n times on a stack prepared by setup ---- */

/* [ ... obj key fn ] at the bottom of the probe's frame: obj has a hidden "p" */
#define OBJ 0
#define KEY 1
#define FN 2

static void c_hidden_get(long n)
{
    for (long i = 0; i < n; i++) {
        duk_get_prop_string(ctx, OBJ, DUK_HIDDEN_SYMBOL("p"));
        duk_pop(ctx);
    }
}

static void c_hidden_put_literal(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_int(ctx, (duk_int_t)i);
        duk_put_prop_literal(ctx, OBJ, DUK_HIDDEN_SYMBOL("p"));
    }
}

static void c_hidden_get_literal(long n)
{
    for (long i = 0; i < n; i++) {
        duk_get_prop_literal(ctx, OBJ, DUK_HIDDEN_SYMBOL("p"));
        duk_pop(ctx);
    }
}

static void c_get_cached_key(long n)
{
    for (long i = 0; i < n; i++) {
        duk_dup(ctx, KEY);
        duk_get_prop(ctx, OBJ);
        duk_pop(ctx);
    }
}

static void c_intern_existing(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_lstring(ctx, "content-type", 12);
        duk_pop(ctx);
    }
}

static void c_intern_new(long n)
{
    char buf[32];
    for (long i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof buf, "x-hdr-%ld", i);
        duk_push_lstring(ctx, buf, (duk_size_t)len);
        duk_pop(ctx);
    }
}

static void c_push_object(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_object(ctx);
        duk_pop(ctx);
    }
}

static void c_push_c_function(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_c_function(ctx, nat_nop, 1);
        duk_pop(ctx);
    }
}

static void c_fixed_buffer(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_fixed_buffer(ctx, 64);
        duk_pop(ctx);
    }
}

static void c_uint8array(long n)
{
    for (long i = 0; i < n; i++) {
        duk_push_fixed_buffer(ctx, 64);
        duk_push_buffer_object(ctx, -1, 0, 64, DUK_BUFOBJ_UINT8ARRAY);
        duk_pop_2(ctx);
    }
}

static void c_call_js(long n)
{
    for (long i = 0; i < n; i++) {
        duk_dup(ctx, FN);
        duk_push_int(ctx, (duk_int_t)i);
        duk_call(ctx, 1);
        duk_pop(ctx);
    }
}

static void c_pcall_js(long n)
{
    for (long i = 0; i < n; i++) {
        duk_dup(ctx, FN);
        duk_push_int(ctx, (duk_int_t)i);
        duk_pcall(ctx, 1);
        duk_pop(ctx);
    }
}

static const struct {
    const char *name;
    void (*fn)(long);
} c_probes[] = {
    {"c_hidden_get_string", c_hidden_get},
    {"c_hidden_get_literal", c_hidden_get_literal},
    {"c_hidden_put_literal", c_hidden_put_literal},
    {"c_get_cached_key", c_get_cached_key},
    {"c_intern_existing", c_intern_existing},
    {"c_intern_new", c_intern_new},
    {"c_push_object", c_push_object},
    {"c_push_c_function", c_push_c_function},
    {"c_fixed_buffer", c_fixed_buffer},
    {"c_uint8array", c_uint8array},
    {"c_call_js", c_call_js},
    {"c_pcall_js", c_pcall_js},
};

/* ---- runs ---- */

static void report(const char *name, long n, double ns)
{
    printf("%s %ld %.0f\n", name, n, ns);
    fflush(stdout);
}

/* One JS run: [ ... fn ] -> [ ... ]; async probes also drain the loop. */
static duk_ret_t js_run_safe(duk_context *c, void *udata)
{
    long n = *(long *)udata;
    duk_push_number(c, (double)n);
    duk_call(c, 1);
    return 0;
}

static void run_js(const char *name, long n)
{
    char tag[128];
    snprintf(tag, sizeof tag, "%s/%ld", name, n);
    double t0 = now_ns();
    CALLGRIND_ZERO_STATS;
    if (duk_safe_call(ctx, js_run_safe, &n, 1, 1) != DUK_EXEC_SUCCESS) {
        fprintf(stderr, "%s: %s\n", name, duk_safe_to_string(ctx, -1));
        exit(1);
    }
    if (strncmp(name, "async_", 6) == 0)
        rt_run(rt);
    duk_gc(ctx, 0);
    CALLGRIND_DUMP_STATS_AT(tag);
    double t1 = now_ns();
    duk_pop(ctx);
    report(name, n, t1 - t0);
}

static void run_c(const char *name, void (*fn)(long), long n)
{
    char tag[128];
    snprintf(tag, sizeof tag, "%s/%ld", name, n);
    double t0 = now_ns();
    CALLGRIND_ZERO_STATS;
    fn(n);
    duk_gc(ctx, 0);
    CALLGRIND_DUMP_STATS_AT(tag);
    double t1 = now_ns();
    report(name, n, t1 - t0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PROBES.JS N [SUBSTRING]\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    const char *filter = argc > 3 ? argv[3] : NULL;
    rt = rt_new(NULL);
    if (!rt)
        return 1;
    ctx = rt_duk(rt);

    duk_push_global_object(ctx);
    duk_push_c_function(ctx, nat_nop, 1);
    duk_put_prop_string(ctx, -2, "nativeNop");
    duk_push_object(ctx);                         /* the native-backed prototype */
    duk_push_string(ctx, "status");
    duk_push_c_function(ctx, nat_status, 0);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_object(ctx);
    duk_dup(ctx, -2);
    duk_set_prototype(ctx, -2);
    duk_put_prop_string(ctx, -3, "nativeObj");    /* [ global proto ] */
    duk_pop_2(ctx);

    if (rt_eval_file(rt, argv[1]) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], rt_errmsg(rt));
        return 1;
    }

    /* JS probes, in file order: PROBES = [[name, fn], ...] */
    duk_get_global_string(ctx, "PROBES");
    duk_size_t count = duk_get_length(ctx, -1);
    for (duk_size_t i = 0; i < count; i++) {
        duk_get_prop_index(ctx, -1, (duk_uarridx_t)i);
        duk_get_prop_index(ctx, -1, 0);
        char name[64];
        snprintf(name, sizeof name, "%s", duk_get_string(ctx, -1));
        duk_pop(ctx);
        if (filter && !strstr(name, filter) && strcmp(name, "loop") != 0) {
            duk_pop(ctx);
            continue;
        }
        long scale = strncmp(name, "async_", 6) == 0 ? 4 : 1;  /* fewer: a chain lives at once */
        long runs[] = {100, n / scale, 2 * n / scale};
        for (int r = 0; r < 3; r++) {
            duk_get_prop_index(ctx, -1, 1);
            run_js(name, runs[r]);
        }
        duk_pop(ctx);
    }
    duk_pop(ctx);

    /* C probes: [ obj key fn ] */
    duk_set_top(ctx, 0);
    duk_push_object(ctx);
    duk_push_int(ctx, 1);
    duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("p"));
    duk_push_string(ctx, DUK_HIDDEN_SYMBOL("p"));
    duk_get_global_string(ctx, "ident");
    for (size_t i = 0; i < sizeof c_probes / sizeof c_probes[0]; i++) {
        if (filter && !strstr(c_probes[i].name, filter))
            continue;
        run_c(c_probes[i].name, c_probes[i].fn, 100);
        run_c(c_probes[i].name, c_probes[i].fn, n);
        run_c(c_probes[i].name, c_probes[i].fn, 2 * n);
    }
    duk_set_top(ctx, 0);
    rt_free(rt);
    return 0;
}
