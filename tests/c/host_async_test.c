/*
 * host_async_test.c - a host adds asynchronous work of its own: native functions made from
 * a table (rt_define) that return promises (rt_promise_new) settled later - from other
 * threads through rt_post (which wakes the loop at once), from the runtime's worker pool
 * (rt_queue_work) - timers from C, rt_ref/rt_unref, and what rt_free does with work still
 * pending, also while another thread is still inside rt_post / rt_unref. Runs on whatever
 * backend the library was built with. Prints "N passed, N failed".
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <duktape.h>
#include <runtime.h>
#include <runtime_backend.h>

#include "check.h"

static char out[16384];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    (void)level;
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

/* ---- a promise settled from another thread through rt_post ---- */

struct job {
    rt_runtime *rt;
    rt_promise *p;
    char name[32];
    int delay_ms;
    double posted_at;
    pthread_t th;
};

static double worst_wake_ms;
static int jobs_done;

static void job_done(rt_runtime *rt, void *data, int status)
{
    struct job *j = data;
    (void)rt;
    if (status == 0) {
        double lat = now_ms() - j->posted_at;
        if (lat > worst_wake_ms)
            worst_wake_ms = lat;
        char res[64];
        snprintf(res, sizeof res, "%s done", j->name);
        CHECK(rt_promise_resolve_string(j->p, res, strlen(res)) == 0);
        jobs_done++;
    }
    pthread_join(j->th, NULL);
    free(j);
}

static void *job_thread(void *arg)
{
    struct job *j = arg;
    usleep((useconds_t)j->delay_ms * 1000);
    j->posted_at = now_ms();
    if (rt_post(j->rt, job_done, j) != 0)
        abort();                           /* nothing would run job_done: the test would hang */
    return NULL;
}

/* later(name, ms) -> Promise<"name done"> */
static int js_later(duk_context *ctx)
{
    rt_runtime *rt = rt_from_duk(ctx);
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    j->rt = rt;
    snprintf(j->name, sizeof j->name, "%s", duk_require_string(ctx, 0));
    j->delay_ms = duk_require_int(ctx, 1);
    j->p = rt_promise_new(rt);             /* [ ... promise ] */
    if (!j->p) {
        free(j);
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    }
    pthread_create(&j->th, NULL, job_thread, j);
    return 1;
}

/* ---- blocking work on the runtime's pool ---- */

static pthread_t loop_thread;
static int work_off_loop = 1;

struct sum {
    rt_promise *p;
    unsigned n;
    double result;
};

static void sum_work(void *data)
{
    struct sum *s = data;
    if (pthread_equal(pthread_self(), loop_thread))
        work_off_loop = 0;
    usleep(20000);                         /* something blocking */
    double r = 0;
    for (unsigned i = 1; i <= s->n; i++)
        r += i;
    s->result = r;
}

static void sum_done(rt_runtime *rt, void *data, int status)
{
    struct sum *s = data;
    (void)rt;
    CHECK(pthread_equal(pthread_self(), loop_thread));
    if (status == 0)
        rt_promise_resolve_number(s->p, s->result);
    free(s);
}

/* sumTo(n) -> Promise<1 + 2 + ... + n>, computed on a worker */
static int js_sum_to(duk_context *ctx)
{
    rt_runtime *rt = rt_from_duk(ctx);
    struct sum *s = calloc(1, sizeof *s);
    s->n = (unsigned)duk_require_uint(ctx, 0);
    s->p = rt_promise_new(rt);
    CHECK(rt_queue_work(rt, sum_work, sum_done, s) == 0);
    return 1;
}

/* fail(code, msg) / parse(json) -> promises settled at once, without duk_* */
static int js_fail(duk_context *ctx)
{
    rt_promise *p = rt_promise_new(rt_from_duk(ctx));
    int code = duk_require_int(ctx, 0);
    const char *msg = duk_require_string(ctx, 1);
    rt_promise_reject_error(p, code, msg); /* the promise stays on the stack: returned */
    return 1;
}

static int js_parse(duk_context *ctx)
{
    duk_size_t n;
    const char *json = duk_require_lstring(ctx, 0, &n);
    rt_promise *p = rt_promise_new(rt_from_duk(ctx));
    rt_promise_resolve_json(p, json, n);
    return 1;
}

/* ---- rt_define: a table of functions, accessors, constants and a nested object ---- */

static int counter;

static int js_add(duk_context *ctx)
{
    duk_push_number(ctx, duk_require_number(ctx, 0) + duk_require_number(ctx, 1) +
                             duk_get_current_magic(ctx));
    return 1;
}

static int js_count_get(duk_context *ctx)
{
    duk_push_int(ctx, counter);
    return 1;
}

static int js_count_set(duk_context *ctx)
{
    counter = duk_require_int(ctx, 0);
    return 0;
}

static int js_args(duk_context *ctx)
{
    duk_push_int(ctx, duk_get_top(ctx));
    return 1;
}

static const rt_def math_defs[] = {
    RT_FUNC("add", js_add, 2),
    RT_FUNC_MAGIC("addTen", js_add, 2, 10),
    RT_FUNC("nargs", js_args, -1),
    RT_PROP_NUMBER("pi", 3.5, RT_DEF_ENUMERABLE),
    RT_DEF_END_ENTRY,
};

static const rt_def host_defs[] = {
    RT_FUNC("later", js_later, 2),
    RT_FUNC("sumTo", js_sum_to, 1),
    RT_FUNC("fail", js_fail, 2),
    RT_FUNC("parse", js_parse, 1),
    RT_GETSET("count", js_count_get, js_count_set),
    RT_PROP_STRING("version", "1.2.3", RT_DEF_ENUMERABLE),
    RT_PROP_BOOL("ready", 1, RT_DEF_ENUMERABLE | RT_DEF_WRITABLE),
    RT_OBJECT("math", math_defs, RT_DEF_ENUMERABLE),
    RT_DEF_END_ENTRY,
};

/* ---- timers from C ---- */

static int oneshot_fired, repeat_fired, stopped_fired;
static rt_timer *repeater;

static void on_oneshot(rt_runtime *rt, void *data)
{
    (void)data;
    oneshot_fired++;
    rt_eval_string(rt, "console.log('c-timer')", "ctimer.js");
}

static void on_repeat(rt_runtime *rt, void *data)
{
    (void)rt;
    (void)data;
    if (++repeat_fired == 3)
        rt_timer_stop(repeater);           /* from its own callback */
}

static void on_never(rt_runtime *rt, void *data)
{
    (void)rt;
    (void)data;
    stopped_fired++;
}

/* ---- ref / unref from another thread ---- */

static void *unref_later(void *arg)
{
    usleep(60000);
    rt_unref(arg);
    return NULL;
}

/* ---- rt_free with work pending ---- */

static int cancelled, completed;

static void count_cb(rt_runtime *rt, void *data, int status)
{
    (void)rt;
    (void)data;
    if (status == RT_ECANCELED)
        cancelled++;
    else
        completed++;
}

static void slow_work(void *data)
{
    (void)data;
    usleep(30000);
}

/* ---- rt_free while another thread is still inside rt_post / rt_unref ---- */

/* A transport with no connections whose wakeup() is slow: the thread that posts (or drops
   the last ref) is still inside it when the loop, which wakes itself every millisecond,
   has run the post and ended. rt_free() must not destroy the backend under that thread. */
static int slow_destroyed, slow_woke_after;

static int slow_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    return 0;
}

static void slow_destroy(void *state)
{
    __atomic_store_n(&slow_destroyed, 1, __ATOMIC_SEQ_CST);
}

static void slow_carry(void *state, rt_conn *c)
{
}

static int slow_wait(void *state, int timeout_ms)
{
    if (timeout_ms != 0)
        usleep(1000);
    return 0;
}

static void slow_wakeup(void *state)
{
    usleep(30000);
    if (__atomic_load_n(&slow_destroyed, __ATOMIC_SEQ_CST))
        __atomic_store_n(&slow_woke_after, 1, __ATOMIC_SEQ_CST);
}

static const rt_backend slow_wake_backend = {
    RT_BACKEND_VERSION, "slow-wake", 0, 1, 1,
    slow_create, slow_destroy, slow_carry, slow_wait, slow_wakeup, NULL,
};

static int post_rc = -1;                   /* read after the join */

static void *post_now(void *arg)
{
    post_rc = rt_post(arg, count_cb, NULL);
    return NULL;
}

static void *unref_now(void *arg)
{
    rt_unref(arg);
    return NULL;
}

static void free_while_inside(void *(*fn)(void *), int ref)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.backend = &slow_wake_backend;
    rt_runtime *rt = NULL;
    char err[256];
    CHECK(rt_create(&cfg, &rt, err, sizeof err) == 0);
    if (!rt)
        return;
    slow_destroyed = slow_woke_after = 0;
    if (ref)
        rt_ref(rt);
    pthread_t th;
    pthread_create(&th, NULL, fn, rt);
    usleep(5000);                          /* the thread is inside the wakeup now */
    CHECK(rt_run(rt) == 0);
    rt_free(rt);
    pthread_join(th, NULL);
    CHECK(slow_destroyed == 1);
    CHECK(slow_woke_after == 0);
}

static rt_runtime *make(void)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    cfg.work_threads = 2;
    rt_runtime *rt = NULL;
    char err[256];
    CHECK(rt_create(&cfg, &rt, err, sizeof err) == 0);
    return rt;
}

int main(void)
{
    loop_thread = pthread_self();
    rt_runtime *rt = make();
    if (!rt)
        return done("host_async_test");
    CHECK(rt_define(rt, "host", host_defs) == 0);

    /* the table's properties, as declared */
    CHECK(rt_eval_string(rt,
        "var d = Object.getOwnPropertyDescriptor(host, 'version');"
        "console.log(host.math.add(2, 3), host.math.addTen(2, 3), host.math.nargs(1, 2, 3, 4),"
        "            host.math.pi, host.version, d.writable, d.enumerable, host.ready,"
        "            host.math.add.name, host.math.add.length, typeof host.later);"
        "host.count = 41; host.count++; console.log(host.count);"
        "try { new host.math.add(1, 2); console.log('constructed'); }"
        "catch (e) { console.log(e.name); }"
        "console.log(Object.keys(host).join());", "defs.js") == 0);
    CHECK_STR(out, "5 15 4 3.5 1.2.3 false true true add 2 function;42;TypeError;"
                   "version,ready,math;");
    CHECK(counter == 42);
    /* a path through a non-object is refused */
    static const rt_def one[] = {RT_PROP_NUMBER("x", 1, 0), RT_DEF_END_ENTRY};
    CHECK(rt_define(rt, "host.version.sub", one) == RT_EINVAL);
    CHECK(rt_define(rt, NULL, one) == 0);
    out[0] = '\0';

    /* six operations pending on host threads: the loop stays alive and wakes for each */
    CHECK(rt_eval_string(rt,
        "var names = ['a', 'b', 'c', 'd', 'e', 'f'], got = [];"
        "names.forEach(function (n, i) {"
        "  host.later(n, 20 + 15 * i).then(function (v) { got.push(v); });"
        "});"
        "Promise.all([host.sumTo(100), host.sumTo(1000), host.sumTo(10), host.sumTo(5)])"
        "  .then(function (s) { console.log('sums', s.join()); });"
        "host.fail(-5, 'no such thing').catch(function (e) {"
        "  console.log('failed', e.message, e.code, e instanceof Error); });"
        "host.parse('{\"a\":[1,2]}').then(function (v) { console.log('json', v.a[1]); });"
        "host.parse('{bad').catch(function (e) { console.log('json error', e.name); });",
        "jobs.js") == 0);
    CHECK(rt_alive(rt) == 1);
    rt_stats st;
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    CHECK(st.host_pending >= 10);          /* 6 + 4 promise handles at least */
    double t0 = now_ms();
    CHECK(rt_run(rt) == 0);
    double took = now_ms() - t0;
    CHECK(jobs_done == 6);
    CHECK(rt_eval_string(rt, "console.log(got.sort().join())", "got.js") == 0);
    CHECK(strstr(out, "a done,b done,c done,d done,e done,f done;") != NULL);
    CHECK(strstr(out, "sums 5050,500500,55,15;") != NULL);
    CHECK(strstr(out, "failed no such thing ENOENT true;") != NULL);
    CHECK(strstr(out, "json 2;") != NULL);
    CHECK(strstr(out, "json error SyntaxError;") != NULL);
    CHECK(work_off_loop);
    CHECK(took < 5000);
    /* a post wakes the loop at once (the backend's wakeup), not at some later poll */
    CHECK(worst_wake_ms < 1000);
    printf("host_async_test: post-to-callback latency, worst of 6: %.2f ms\n", worst_wake_ms);
    rt_get_stats(rt, &st);
    CHECK(st.host_pending == 0);
    out[0] = '\0';

    /* timers from C, in order with the scripts' */
    CHECK(rt_eval_string(rt, "setTimeout(function () { console.log('js-timer'); }, 15);",
                         "t.js") == 0);
    CHECK(rt_timer_start(rt, 15, 0, on_oneshot, NULL) != NULL);
    repeater = rt_timer_start(rt, 5, 5, on_repeat, NULL);
    CHECK(repeater != NULL);
    rt_timer *never = rt_timer_start(rt, 10, 0, on_never, NULL);
    rt_timer_stop(never);
    CHECK(rt_run(rt) == 0);
    CHECK(oneshot_fired == 1 && repeat_fired == 3 && stopped_fired == 0);
    CHECK_STR(out, "js-timer;c-timer;");
    /* a timer whose callback replaced the global setTimeout still works: the runtime kept
       its own */
    CHECK(rt_eval_string(rt, "setTimeout = function () { throw new Error('no'); };", "x.js") == 0);
    CHECK(rt_timer_start(rt, 1, 0, on_oneshot, NULL) != NULL);
    CHECK(rt_run(rt) == 0);
    CHECK(oneshot_fired == 2);

    /* rt_ref keeps the loop alive until another thread's rt_unref */
    rt_ref(rt);
    CHECK(rt_alive(rt) == 1);
    pthread_t th;
    pthread_create(&th, NULL, unref_later, rt);
    t0 = now_ms();
    CHECK(rt_run(rt) == 0);
    CHECK(now_ms() - t0 >= 50);
    pthread_join(th, NULL);
    CHECK(rt_alive(rt) == 0);

    /* rt_run_once with posts: a turn runs what was posted */
    CHECK(rt_post(rt, count_cb, NULL) == 0);
    CHECK(rt_alive(rt) == 1);
    CHECK(rt_run_once(rt, 0) == 0);
    CHECK(completed == 1);
    rt_free(rt);

    /* rt_free with work queued and running, and posts not yet run: every callback gets
       RT_ECANCELED, once; running work finishes first */
    rt = make();
    completed = cancelled = 0;
    for (int i = 0; i < 6; i++)
        CHECK(rt_queue_work(rt, slow_work, count_cb, NULL) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(rt_post(rt, count_cb, NULL) == 0);
    usleep(10000);                         /* two of the works are running now */
    rt_free(rt);
    CHECK(cancelled == 9 && completed == 0);

    /* the loop runs a post, or sees the last ref gone, while the thread that made it is
       still waking it: rt_free waits for that thread to be out of the backend */
    completed = 0;
    free_while_inside(post_now, 0);
    CHECK(post_rc == 0 && completed == 1);
    free_while_inside(unref_now, 1);
    return done("host_async_test");
}
