/*
 * memory_test.c - memory as a host sees it: per-runtime accounting (two runtimes on two
 * threads at once each count only their own bytes), a memory limit (a catchable RangeError
 * in JS, RT_ENOMEM from C calls, the runtime usable again once memory is freed), the host's
 * allocator (every byte through it, all returned by rt_free), the stats struct's versioning,
 * and fatal engine errors (the host's hook, RT_EFATAL instead of abort(); abort() only with
 * no rt_ call to return to). Prints "N passed, N failed".
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <duktape.h>
#include <runtime.h>

#include "check.h"

static char out[8192];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    (void)level;
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

static void noop(rt_runtime *rt, void *data, int status)
{
    (void)rt;
    (void)data;
    (void)status;
}

static void noop_timer(rt_runtime *rt, void *data)
{
    (void)rt;
    (void)data;
}

static void quiet(void *ud, const char *text)
{
    (void)ud;
    (void)text;
}

/* ---- two runtimes, two threads ---- */

struct job {
    int big;
    uint64_t live;
    int rc;
};

static void *run_one(void *arg)
{
    struct job *j = arg;
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.report = quiet;
    rt_runtime *rt = rt_new(&cfg);
    if (!rt) {
        j->rc = -1;
        return NULL;
    }
    /* the big one keeps ~24 MB of strings alive; the small one nothing */
    j->rc = rt_eval_string(rt, j->big ? "var keep = []; for (var i = 0; i < 2400; i++)"
                                        "  keep.push(new Array(10001).join('x') + i);"
                                      : "var small = 1;", "mem.js");
    usleep(50000);                         /* both alive at the same time */
    rt_stats st;
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    j->live = st.live_bytes;
    rt_free(rt);
    return NULL;
}

/* ---- a counting host allocator ---- */

static long host_blocks, host_calls;
static size_t host_bytes;

static void *h_malloc(void *ud, size_t n)
{
    (void)ud;
    void *p = malloc(n + 16);
    if (!p)
        return NULL;
    *(size_t *)p = n;
    __atomic_add_fetch(&host_blocks, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&host_calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&host_bytes, n, __ATOMIC_RELAXED);
    return (char *)p + 16;
}

static void h_free(void *ud, void *p)
{
    (void)ud;
    if (!p)
        return;
    char *b = (char *)p - 16;
    __atomic_sub_fetch(&host_blocks, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&host_bytes, *(size_t *)b, __ATOMIC_RELAXED);
    free(b);
}

static void *h_realloc(void *ud, void *p, size_t n)
{
    if (!p)
        return h_malloc(ud, n);
    char *b = (char *)p - 16;
    size_t old = *(size_t *)b;
    char *q = realloc(b, n + 16);
    if (!q)
        return NULL;
    *(size_t *)q = n;
    __atomic_add_fetch(&host_calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&host_bytes, n - old, __ATOMIC_RELAXED);
    return q + 16;
}

/* ---- fatal errors ---- */

static char fatal_msg[256];

static void on_fatal(void *ud, const char *msg)
{
    (void)ud;
    snprintf(fatal_msg, sizeof fatal_msg, "%s", msg);
}

/* A post callback that misuses the raw API: an error with nothing to catch it. */
static void bad_post(rt_runtime *rt, void *data, int status)
{
    (void)data;
    if (status)
        return;
    duk_context *ctx = rt_duk(rt);
    duk_push_undefined(ctx);
    duk_get_prop_string(ctx, -1, "nothing here");   /* TypeError, no catcher: fatal */
}

static int fatal_child(void)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.fatal = on_fatal;
    cfg.report = quiet;
    rt_runtime *rt = rt_new(&cfg);
    if (!rt)
        return 10;
    if (rt_post(rt, bad_post, NULL) != 0)
        return 11;
    if (rt_run(rt) != RT_EFATAL)
        return 12;
    if (!strstr(fatal_msg, "nothing here") && !strstr(fatal_msg, "undefined"))
        return 13;
    if (rt_eval_string(rt, "1", "x.js") != RT_EFATAL)   /* unusable, but no crash */
        return 14;
    if (strstr(rt_errmsg(rt), "fatal") == NULL)
        return 15;
    rt_free(rt);                           /* the heap is left alone (leaked) */
    return 0;
}

int main(void)
{
    /* per-runtime accounting */
    struct job big = {1, 0, 0}, small = {0, 0, 0};
    pthread_t a, b;
    pthread_create(&a, NULL, run_one, &big);
    pthread_create(&b, NULL, run_one, &small);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK(big.rc == 0 && small.rc == 0);
    CHECK(big.live > 24000000);
    CHECK(small.live < 4000000);           /* not the other runtime's 24 MB */
    printf("memory_test: live bytes: busy runtime %.1f MB, idle runtime %.2f MB\n",
           big.live / 1e6, small.live / 1e6);

    /* the stats struct is versioned: fields beyond the caller's size are left alone */
    rt_runtime *rt = rt_new(NULL);
    CHECK(rt != NULL);
    rt_stats st;
    memset(&st, 0xab, sizeof st);
    st.size = offsetof(rt_stats, heap_bytes);
    CHECK(rt_get_stats(rt, &st) == 0);
    CHECK(st.live_bytes > 0 && st.live_allocs > 0 && st.total_allocs >= st.live_allocs);
    CHECK(st.heap_bytes == 0xababababababababull);
    rt_stats_init(&st);
    CHECK(rt_get_stats(rt, &st) == 0);
    CHECK(st.heap_bytes > 0 && st.heap_bytes <= st.live_bytes && st.peak_bytes >= st.live_bytes);
    CHECK(st.limit_bytes == 0);
    rt_free(rt);

    /* a limit: JS gets a RangeError it can catch, and goes on once it lets go */
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    cfg.report = quiet;
    cfg.memory_limit = 16u << 20;
    rt = rt_new(&cfg);
    CHECK(rt != NULL);
    CHECK(rt_eval_string(rt,
        "var keep = [], caught = null;"
        "try { for (;;) keep.push(new Array(10001).join('y') + keep.length); }"
        "catch (e) { caught = e; }"
        "var n = keep.length; keep = null;"
        "console.log(caught instanceof RangeError, caught.name, n > 100);"
        "console.log(String(caught.message).indexOf('memory limit') >= 0);"
        "var again = []; for (var i = 0; i < 100; i++) again.push(new Array(1001).join('z'));"
        "console.log('still works', again.length);", "limit.js") == 0);
    CHECK_STR(out, "true RangeError true;true;still works 100;");
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    CHECK(st.denied_allocs > 0);
    CHECK(st.peak_bytes <= cfg.memory_limit + cfg.memory_limit / 100);   /* malloc rounds up */
    CHECK(st.limit_bytes == cfg.memory_limit);
    /* C calls: RT_ENOMEM (or NULL), never a crash; then fine again */
    rt_set_memory_limit(rt, 1);
    CHECK(rt_post(rt, noop, NULL) == RT_ENOMEM);
    CHECK(rt_queue_work(rt, (void (*)(void *))free, noop, NULL) == RT_ENOMEM);
    CHECK(rt_timer_start(rt, 1, 0, noop_timer, NULL) == NULL);
    out[0] = '\0';
    int r = rt_eval_string(rt, "console.log('x')", "tiny.js");
    CHECK(r == RT_EJS || r == RT_ENOMEM);
    rt_set_memory_limit(rt, 0);
    CHECK(rt_eval_string(rt, "console.log('back')", "back.js") == 0);
    CHECK(strstr(out, "back;") != NULL);
    rt_free(rt);

    /* a runtime that cannot even start under its limit: a code, not a crash */
    rt_config_init(&cfg);
    cfg.memory_limit = 64 * 1024;
    rt_runtime *none = NULL;
    char err[256];
    CHECK(rt_create(&cfg, &none, err, sizeof err) < 0 && none == NULL);

    /* the host's allocator: every byte through it, every block back after rt_free */
    rt_allocator al = {h_malloc, h_realloc, h_free, NULL};
    rt_config_init(&cfg);
    cfg.allocator = &al;
    cfg.console = console_cb;
    rt = rt_new(&cfg);
    CHECK(rt != NULL);
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "var a = []; for (var i = 0; i < 1000; i++) a.push({i: i});"
                             "setTimeout(function () { console.log('timer', a.length); }, 1);",
                         "alloc.js") == 0);
    CHECK(rt_run(rt) == 0);
    CHECK_STR(out, "timer 1000;");
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    CHECK(host_blocks > 1000 && host_calls > 1000);
    CHECK((uint64_t)host_bytes <= st.live_bytes);      /* we count its headers too */
    rt_free(rt);
    CHECK(host_blocks == 0 && host_bytes == 0);

    /* fatal engine errors: the hook, then RT_EFATAL (in a child: the heap is leaked) */
    pid_t pid = fork();
    if (pid == 0)
        _exit(fatal_child());
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        fprintf(stderr, "fatal child: status %d\n", status);
    /* outside any rt_ call there is nothing to return to: abort(), after the hook */
    pid = fork();
    if (pid == 0) {
        rt_config_init(&cfg);
        cfg.report = quiet;
        rt_runtime *r2 = rt_new(&cfg);
        duk_context *ctx = rt_duk(r2);
        duk_push_undefined(ctx);
        duk_get_prop_string(ctx, -1, "x");
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    return done("memory_test");
}
