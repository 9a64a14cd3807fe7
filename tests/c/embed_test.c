/*
 * embed_test.c - an embedding host that links only libruntime.a (built with pkg-config against
 * the installed library) and drives the loop itself with rt_run_once(), registers a native
 * function through rt_duk(), and checks the config, error and stats API. Prints
 * "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <duktape.h>
#include <runtime.h>
#include <runtime_backend.h>

static int passed, failed;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (c)                                                                     \
            passed++;                                                              \
        else {                                                                     \
            failed++;                                                              \
            fprintf(stderr, "embed_test.c:%d: check failed: %s\n", __LINE__, #c);  \
        }                                                                          \
    } while (0)

static char log_buf[4096];
static char report_buf[4096];

static duk_ret_t host_log(duk_context *ctx)
{
    strncat(log_buf, duk_safe_to_string(ctx, 0), sizeof log_buf - strlen(log_buf) - 2);
    strcat(log_buf, ";");
    return 0;
}

static void report(void *ud, const char *text)
{
    (void)ud;
    strncat(report_buf, text, sizeof report_buf - strlen(report_buf) - 1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.report = report;
    rt_runtime *rt = NULL;
    char err[256];
    CHECK(rt_create(&cfg, &rt, err, sizeof err) == 0);
    if (!rt)
        return 1;

    /* a native function registered by the host */
    duk_context *ctx = rt_duk(rt);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, host_log, 1);
    duk_put_prop_string(ctx, -2, "hostLog");
    duk_pop(ctx);

    /* before the timer is armed: measured from later, a process held off the CPU in between
       would see the timer fire early (it did once, at load 8) */
    double t0 = now_ms();
    CHECK(rt_eval_string(rt,
                         "hostLog('sync');"
                         "setTimeout(function () { hostLog('timeout'); }, 200);"
                         "setImmediate(function () { hostLog('immediate'); });"
                         "Promise.resolve().then(function () { hostLog('micro'); });",
                         "host.js") == 0);
    CHECK(strcmp(log_buf, "sync;micro;") == 0);
    CHECK(rt_alive(rt) == 1);

    /* the host drives the loop one turn at a time, never blocking more than 5 ms: the timer
       takes many turns (200 ms, so that a process held off the CPU for a while still gets
       more than one turn in) */
    int turns = 0, r;
    while ((r = rt_run_once(rt, 5)) > 0 && turns < 10000)
        turns++;
    CHECK(r == 0);
    CHECK(strcmp(log_buf, "sync;micro;immediate;timeout;") == 0);
    CHECK(now_ms() - t0 >= 195);
    CHECK(turns >= 2);

    /* an uncaught error in a callback is reported and the loop goes on (no stop policy):
       rt_run says so at the end */
    CHECK(rt_eval_string(rt,
                         "setTimeout(function () { throw new Error('boom'); }, 1);"
                         "setTimeout(function () { hostLog('after'); }, 5);",
                         "err.js") == 0);
    CHECK(rt_run(rt) == RT_EJS);
    CHECK(rt_run(rt) == 0);                /* nothing happened in this run */
    CHECK(strstr(report_buf, "boom") != NULL);
    CHECK(strstr(log_buf, "after;") != NULL);

    /* a syntax error is an error code with a message */
    CHECK(rt_eval_string(rt, "var = ;", "bad.js") == RT_EJS);
    CHECK(strstr(rt_errmsg(rt), "SyntaxError") != NULL);

    /* error table */
    CHECK(strcmp(rt_err_name(RT_ECONNREFUSED), "ECONNREFUSED") == 0);
    CHECK(strcmp(rt_strerror(RT_ETIMEDOUT), "connect timed out") == 0);
    CHECK(strcmp(rt_err_name(-9999), "EUNKNOWN") == 0);

    rt_stats st;
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    CHECK(st.live_bytes > 0 && st.requests_in_flight == 0);
    CHECK(rt_eval_file(rt, "/nonexistent/file.js") == RT_ENOENT);

    rt_free(rt);
    rt_free(NULL);

    /* a backend from the future is turned away with a code and a message */
    static const rt_backend future = {.version = 99, .name = "future"};
    rt_config bad;
    rt_config_init(&bad);
    bad.backend = &future;
    rt_runtime *none = NULL;
    CHECK(rt_create(&bad, &none, err, sizeof err) == RT_EBACKEND && none == NULL);
    CHECK(strstr(err, "version 99") != NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
