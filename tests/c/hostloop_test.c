/*
 * hostloop_test.c - a host that already runs a libuv loop hands it to the runtime
 * (rt_config.uv_loop): the runtime adds its handles to that loop and the host keeps
 * driving it with uv_run(); the host never calls rt_run(). Timers, microtasks and a host
 * timer of its own interleave on the one loop; host work - a promise settled from the
 * runtime's worker pool, a post from another thread - runs there too and keeps the host's
 * loop alive while pending; rt_interrupt stops a spinning callback. Links the host's own
 * libuv (pkg-config runtime-libuv-uvext: the archive without libuv's objects, -luv).
 * Prints "N passed, N failed".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#include <duktape.h>
#include <runtime.h>
#include <uv.h>

static int passed, failed;
#define CHECK(c)                                                                      \
    do {                                                                              \
        if (c)                                                                        \
            passed++;                                                                 \
        else {                                                                        \
            failed++;                                                                 \
            fprintf(stderr, "hostloop_test.c:%d: check failed: %s\n", __LINE__, #c);  \
        }                                                                             \
    } while (0)

static char log_buf[4096];

static duk_ret_t host_log(duk_context *ctx)
{
    strncat(log_buf, duk_safe_to_string(ctx, 0), sizeof log_buf - strlen(log_buf) - 2);
    strcat(log_buf, ";");
    return 0;
}

static void host_timer_cb(uv_timer_t *t)
{
    strcat(log_buf, "host-timer;");
}

/* work(n) -> Promise<n * n>, computed on the runtime's worker pool */
struct sq {
    rt_promise *p;
    int n, r;
};

static void sq_work(void *data)
{
    struct sq *s = data;
    usleep(30000);
    s->r = s->n * s->n;
}

static void sq_done(rt_runtime *rt, void *data, int status)
{
    struct sq *s = data;
    (void)rt;
    if (status == 0)
        rt_promise_resolve_number(s->p, s->r);
    free(s);
}

static int js_work(duk_context *ctx)
{
    rt_runtime *rt = rt_from_duk(ctx);
    struct sq *s = calloc(1, sizeof *s);
    s->n = duk_require_int(ctx, 0);
    s->p = rt_promise_new(rt);
    rt_queue_work(rt, sq_work, sq_done, s);
    return 1;
}

static void posted(rt_runtime *rt, void *data, int status)
{
    (void)data;
    if (status == 0)
        rt_eval_string(rt, "hostLog('posted')", "post.js");
    rt_unref(rt);
}

static void *post_later(void *arg)
{
    usleep(80000);
    rt_post(arg, posted, NULL);
    return NULL;
}

static void *interrupt_later(void *arg)
{
    usleep(100000);
    rt_interrupt(arg);
    return NULL;
}

int main(void)
{
    uv_loop_t loop;
    CHECK(uv_loop_init(&loop) == 0);
    uv_timer_t host_timer;
    uv_timer_init(&loop, &host_timer);

    rt_config cfg;
    rt_config_init(&cfg);
    cfg.uv_loop = &loop;
    rt_runtime *rt = NULL;
    char err[256];
    CHECK(rt_create(&cfg, &rt, err, sizeof err) == 0);
    if (!rt) {
        fprintf(stderr, "%s\n", err);
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    duk_context *ctx = rt_duk(rt);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, host_log, 1);
    duk_put_prop_string(ctx, -2, "hostLog");
    duk_pop(ctx);

    CHECK(rt_eval_string(rt,
                         "setTimeout(function () {"
                         "  hostLog('t10');"
                         "  Promise.resolve().then(function () { hostLog('micro-after-t10'); });"
                         "  setTimeout(function () { hostLog('t40'); }, 30);"
                         "}, 10);"
                         "setImmediate(function () { hostLog('immediate'); });",
                         "host.js") == 0);
    CHECK(rt_run(rt) == RT_EINVAL);        /* the host drives this runtime */
    /* the host's own work, later: 360 ms after t40 is due, so the order holds on a loaded
       machine too */
    uv_timer_start(&host_timer, host_timer_cb, 400, 0);

    uv_run(&loop, UV_RUN_DEFAULT);         /* returns once nothing is left on the loop */
    CHECK(strcmp(log_buf, "immediate;t10;micro-after-t10;t40;host-timer;") == 0);
    if (strcmp(log_buf, "immediate;t10;micro-after-t10;t40;host-timer;") != 0)
        fprintf(stderr, "log: %s\n", log_buf);

    /* host work on the host's loop: the loop stays alive until it is done */
    static const rt_def defs[] = {RT_FUNC("work", js_work, 1), RT_DEF_END_ENTRY};
    CHECK(rt_define(rt, "host", defs) == 0);
    log_buf[0] = '\0';
    CHECK(rt_eval_string(rt, "host.work(7).then(function (v) { hostLog('work ' + v); });",
                         "work.js") == 0);
    rt_ref(rt);                            /* until the post below has run */
    pthread_t th;
    pthread_create(&th, NULL, post_later, rt);
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    CHECK(strstr(log_buf, "work 49;") != NULL);
    CHECK(strstr(log_buf, "posted;") != NULL);

    /* an interrupt stops a spinning callback; the host's loop then has nothing of ours */
    CHECK(rt_eval_string(rt, "setTimeout(function () { for (;;) {} }, 1);", "spin.js") == 0);
    pthread_create(&th, NULL, interrupt_later, rt);
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(th, NULL);
    CHECK(rt_stopped(rt) == 1);
    rt_error e;
    CHECK(rt_last_error(rt, &e) == 0 && e.code == RT_EINTERRUPTED);

    rt_free(rt);
    uv_close((uv_handle_t *)&host_timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
