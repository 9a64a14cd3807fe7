/*
 * net_faults.c - the network side under failing allocations (make check-faults; run by
 * tests/c/run-faults.sh against the local test server, or on tests/c/fake_backend.c).
 *
 * For each scenario (a whole fetch, a TLS handshake, a redirect, a streamed body, ...) a
 * clean run counts the runtime's own allocations (rt__malloc and kin, lib/net/alloc.c)
 * from the script's start to the end of its loop: N. Then for k = 1..N a child process
 * creates a runtime, arms rt__alloc_fail_after(k) (the k-th allocation from there fails,
 * once), runs the script and checks what happened:
 *   - the script's promise settled: with the right result, or rejected with an error (a
 *     failure may also surface as a synchronous throw) - never a silently wrong result, and
 *     never a promise left pending when the loop ran out of work;
 *   - the loop ended within a time limit (a hang is a failure);
 *   - after rt_free, every block the runtime allocated is freed (the counters; LeakSanitizer
 *     too, under SANITIZE=address);
 *   - no crash (a signal; AddressSanitizer/UBSan reports abort the child).
 * Duktape's own heap is not swept here (it does not use rt__malloc). On the thread-pool
 * backend the k-th allocation may happen on any thread; the sweep still fails one of them.
 *
 * A scenario named "fake-proxy..." runs with a proxy configured (proxy.fake, played by the
 * fake backend).
 *
 *   net-faults [--list] [SCENARIO...]     every scenario when none is named
 *   net-faults --k K SCENARIO             one run, in this process (for a debugger)
 *   net-faults --offload                  where the TLS handshake steps ran (below)
 * Exit 0 when every k of every scenario passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "duktape.h"
#include "engine.h"
#include "client_int.h"
#include "fake_backend.h"

#define CHILD_TIMEOUT_S 30                 /* a child still running after this hung */

/* Every script sets `outcome`: "ok", "error:<code>" (rejected) or "bad:<what>" (a wrong
   result: always a failure). fin() is defined before each script. */
static const char PRELUDE[] =
    "var outcome;"
    "function fin(p) {"
    "  p.then(function (v) { outcome = v === true ? 'ok' : 'bad:' + v; },"
    "    function (e) { outcome = 'error:' + ((e && e.cause && e.cause.code) || (e && (e.name + '(' + String(e.message).split(' from ')[0] + ')')) || e).replace(/ /g, '_'); });"
    "}"
    "var H = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, S = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_PORT;"
    "function body(r) { return r.text(); }";

struct scenario {
    const char *name;
    int fake;                              /* on tests/c/fake_backend.c (no server) */
    int fake_sockets;                      /* fake: sockets available (-1: no limit) */
    const char *script;
    int no_threads;                        /* the core's workers cannot start a thread */
};

static const struct scenario SCENARIOS[] = {
    {"fetch", 0, -1,
     "fin(fetch(H + '/bytes?n=70000').then(body).then(function (t) { return t.length === 70000 || t.length; }));",
     0},
    {"https", 0, -1,
     "fin(fetch(S + '/hello').then(body).then(function (t) { return t === 'hello world' || t; }));",
     0},
    {"https-reuse", 0, -1,
     "fin(fetch(S + '/hello').then(body).then(function () { return fetch(S + '/bytes?n=40000'); })"
     ".then(body).then(function (t) { return t.length === 40000 || t.length; }));",
     0},
    /* one allocation fails per run: when the first fetch failed, the second ran with none
       failing and must succeed (a trust store that failed for want of memory once was
       remembered as failed: every later HTTPS request of the runtime failed too) */
    {"https-again", 0, -1,
     "fin(fetch(S + '/hello').then(body).then(function () { return 'ok'; }, function () { return 'failed'; })"
     ".then(function (first) { return fetch(S + '/bytes?n=1000').then(body).then(function (t) {"
     "  return t.length === 1000 || t.length; }, function (e) {"
     "  if (first === 'failed') return 'the second failed too: ' + (e.cause && e.cause.code); throw e; }); }));",
     0},
    {"redirect", 0, -1,
     "fin(fetch(H + '/redirect?to=/hello').then(function (r) {"
     "  return r.text().then(function (t) { return (r.redirected && t === 'hello world') || t; }); }));",
     0},
    {"stream", 0, -1,
     "fin(fetch(H + '/bytes?n=200000&chunked=1').then(function (r) {"
     "  var rd = r.body.getReader(), n = 0;"
     "  function pump() { return rd.read().then(function (c) {"
     "    if (c.done) return n === 200000 || n; n += c.value.length; return pump(); }); }"
     "  return pump(); }));",
     0},
    {"gzip", 0, -1,
     "fin(fetch(H + '/gzip?n=50000').then(function (r) { return r.arrayBuffer(); })"
     ".then(function (b) { return b.byteLength === 50000 || b.byteLength; }));",
     0},
    {"post", 0, -1,
     "var big = new Array(20001).join('x');"
     "fin(fetch(H + '/echo', { method: 'POST', body: big }).then(function (r) { return r.json(); })"
     ".then(function (j) { return j.length === 20000 || j.length; }));",
     0},
    {"parallel", 0, -1,
     "var ps = [];"
     "for (var i = 0; i < 4; i++) ps.push(fetch((i & 1 ? S : H) + '/hello').then(body));"
     "fin(Promise.all(ps).then(function (t) { return t.join() === 'hello world,hello world,hello world,hello world' || t; }));",
     0},
    {"https-stream", 0, -1,
     "fin(fetch(S + '/bytes?n=300000').then(function (r) {"
     "  var rd = r.body.getReader(), n = 0;"
     "  function pump() { return rd.read().then(function (c) {"
     "    if (c.done) return n === 300000 || n; n += c.value.length; return pump(); }); }"
     "  return pump(); }));",
     0},
    {"abort", 0, -1,
     "var ac = new AbortController();"
     "fin(fetch(H + '/bytes?n=500000', { signal: ac.signal }).then(function (r) {"
     "  var rd = r.body.getReader();"
     "  return rd.read().then(function () { ac.abort(); return rd.read(); });"
     "}).then(function () { return 'not aborted'; }, function (e) { if (e.name === 'AbortError') return true; throw e; }));",
     0},
    {"stale-retry", 0, -1,
     "fin(fetch(H + '/hello-close').then(body).then(function () { return fetch(H + '/hello'); })"
     ".then(body).then(function (t) { return t === 'hello world' || t; }));",
     0},
    {"timeout", 0, -1,
     "fin(fetch(H + '/delay?ms=3000', { timeout: { headers: 100 } }).then(function () { return 'answered'; },"
     "  function (e) { if (e.cause && e.cause.code === 'HEADERS_TIMEOUT') return true; throw e; }));",
     0},
    {"https-nothreads", 0, -1,
     "var ps = [];"
     "for (var i = 0; i < 3; i++) ps.push(fetch(S + '/hello').then(body));"
     "fin(Promise.all(ps).then(function (t) { return t.join() === 'hello world,hello world,hello world' || t; }));",
     1},
    {"fake", 1, -1,
     "fin(fetch('http://fake.test/fake/big').then(function (r) { return r.arrayBuffer(); })"
     ".then(function (b) { return b.byteLength === 262144 || b.byteLength; }));",
     0},
    {"fake-nofd", 1, 1,
     "var ps = [];"
     "for (var i = 0; i < 3; i++) ps.push(fetch('http://' + (i & 1 ? 'a' : 'b') + '.fake/fake/ok').then(body));"
     "fin(Promise.all(ps).then(function (t) { return t.length === 3 || t; }));",
     0},
    /* "fake-proxy*": through a proxy (the fake plays it): absolute form kept alive, a 407 to
       CONNECT, a tunnel that opens and a TLS handshake inside that the fake ends */
    {"fake-proxy", 1, -1,
     "function ends(p, code) { return p.then(function () { return 'resolved'; }, function (e) {"
     "  if (e.cause && e.cause.code === code) return true; throw e; }); }"
     "fin(fetch('http://a.fake/fake/ok').then(body).then(function (t) {"
     "  return t === 'hello world' ? fetch('http://a.fake/fake/ok').then(body) : t; })"
     ".then(function (t) { return t === 'hello world' ? ends(fetch('https://c407.fake/'), 'PROXY_CONNECT_FAILED') : t; })"
     ".then(function (t) { return t === true ? ends(fetch('https://origin.fake/'), 'TLS_HANDSHAKE_FAILED') : t; }));",
     0},
};
#define NSCENARIOS (sizeof SCENARIOS / sizeof SCENARIOS[0])

static char reports[2048];

static void on_report(void *ud, const char *text)
{
    (void)ud;
    size_t n = strlen(reports);
    snprintf(reports + n, sizeof reports - n, "%s\n", text);
}

static rt_runtime *make_runtime(const struct scenario *sc)
{
    rt_config cfg;
    rt_config_init(&cfg);
    if (sc->fake)
        cfg.backend = &fake_backend;
    if (strncmp(sc->name, "fake-proxy", 10) == 0)
        cfg.http_proxy = cfg.https_proxy = "http://u:p@proxy.fake:3128";
    cfg.report = on_report;
    cfg.connect_timeout_ms = 5000;
    cfg.headers_timeout_ms = 10000;
    cfg.body_timeout_ms = 10000;
    static const char *const env[] = {"TEST_HTTP_PORT", "TEST_HTTPS_PORT", NULL};
    cfg.env = env;                         /* the scripts read the server's ports */
    rt_runtime *rt = NULL;
    char err[256];
    if (rt_create(&cfg, &rt, err, sizeof err) < 0) {
        fprintf(stderr, "rt_create: %s\n", err);
        exit(3);
    }
    fake_sockets = sc->fake_sockets;
    rt__workers_no_threads = sc->no_threads;
    return rt;
}

/* One run with the k-th allocation failing (0: none). In the child. Returns the exit code:
   0 passed, 1 wrong outcome, 2 leak. *allocs: the allocations the run made. */
static int run_once(const struct scenario *sc, uint64_t k, uint64_t *allocs, char *outcome,
                    size_t outlen)
{
    uint64_t live0, live1, total0, total1;
    rt__alloc_counters(NULL, &live0, NULL);
    rt_runtime *rt = make_runtime(sc);
    char *src = malloc(sizeof PRELUDE + strlen(sc->script) + 1);
    strcpy(src, PRELUDE);
    strcat(src, sc->script);
    rt__alloc_counters(NULL, NULL, &total0);
    rt__alloc_fail_after(k);
    int r = rt_eval_string(rt, src, sc->name);
    int threw = r < 0;
    rt_run(rt);
    rt__alloc_fail_after(0);
    rt__alloc_counters(NULL, NULL, &total1);
    *allocs = total1 - total0;
    free(src);
    duk_context *ctx = rt_duk(rt);
    duk_get_global_string(ctx, "outcome");
    if (duk_is_string(ctx, -1))
        snprintf(outcome, outlen, "%s", duk_get_string(ctx, -1));
    else
        snprintf(outcome, outlen, threw ? "throw" : "pending");
    duk_pop(ctx);
    rt_free(rt);
    rt__alloc_counters(NULL, &live1, NULL);
    int code = 0;
    if (strcmp(outcome, "ok") != 0 && strncmp(outcome, "error:", 6) != 0 &&
        strcmp(outcome, "throw") != 0)
        code = 1;                          /* pending, or a wrong result */
    else if (k == 0 && strcmp(outcome, "ok") != 0)
        code = 1;                          /* the clean run must succeed */
    else if (live1 != live0)
        code = 2;
    if (code)
        fprintf(stderr, "  %s k=%llu: outcome %s, %lld blocks not freed\n%s", sc->name,
                (unsigned long long)k, outcome, (long long)(live1 - live0), reports);
    return code;
}

/* Fork a child for k; 0 when it passed. The clean run (k = 0) reports N through a pipe. */
static int child(const struct scenario *sc, uint64_t k, uint64_t *n_out, char *outcome,
                 size_t outlen)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        alarm(CHILD_TIMEOUT_S);
        uint64_t n = 0;
        char oc[128] = "";
        int code = run_once(sc, k, &n, oc, sizeof oc);
        char line[256];
        int len = snprintf(line, sizeof line, "%llu %s\n", (unsigned long long)n, oc);
        ssize_t w = write(fds[1], line, (size_t)len);
        (void)w;
        _exit(code);
    }
    close(fds[1]);
    char line[256] = "";
    ssize_t got = 0, r;
    while ((r = read(fds[0], line + got, sizeof line - 1 - (size_t)got)) > 0)
        got += r;
    close(fds[0]);
    line[got > 0 ? got : 0] = 0;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    unsigned long long n = 0;
    char oc[128] = "";
    if (sscanf(line, "%llu %127s", &n, oc) >= 1 && n_out)
        *n_out = n;
    snprintf(outcome, outlen, "%s", oc);
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "  %s k=%llu: %s (signal %d)\n", sc->name, (unsigned long long)k,
                WTERMSIG(st) == SIGALRM ? "hung" : "crashed", WTERMSIG(st));
        return 1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int sweep(const struct scenario *sc)
{
    uint64_t n = 0;
    char oc[128];
    if (child(sc, 0, &n, oc, sizeof oc) != 0) {
        printf("FAIL   %s: the clean run failed (%s)\n", sc->name, oc);
        return 1;
    }
    /* a few past N: a threaded run may allocate a little more than the clean one did */
    uint64_t last = n + 3, failed = 0;
    struct { char what[128]; int n; } seen[16];
    int nseen = 0;
    for (uint64_t k = 1; k <= last; k++) {
        if (child(sc, k, NULL, oc, sizeof oc) != 0) {
            failed++;
            continue;
        }
        int i = 0;
        while (i < nseen && strcmp(seen[i].what, oc) != 0)
            i++;
        if (i == nseen && nseen < 16) {
            snprintf(seen[nseen].what, sizeof seen[nseen].what, "%s", oc);
            seen[nseen++].n = 0;
        }
        if (i < nseen)
            seen[i].n++;
    }
    printf("%s %s: %llu allocations, k = 1..%llu: %llu failed; outcomes:", failed ? "FAIL  " : "ok    ",
           sc->name, (unsigned long long)n, (unsigned long long)last, (unsigned long long)failed);
    for (int i = 0; i < nseen; i++)
        printf(" %s %d", seen[i].what, seen[i].n);
    printf("\n");
    fflush(stdout);
    return failed != 0;
}

/* Where the TLS engine steps of 20 new HTTPS connections ran. An event-driven backend's
   carrier is the loop thread: every step goes to a core worker, none runs on the loop
   thread; with no thread to be had they run on the loop thread instead (within a budget
   per turn) and every fetch still succeeds. The thread-pool backend's carrier is a worker
   already: no step is handed on (no second hop). */
static int offload_check(void)
{
    static const struct scenario sc = {"offload", 0, -1,
        "var ps = [];"
        "for (var i = 0; i < 20; i++) ps.push(fetch(S + '/hello').then(body));"
        "fin(Promise.all(ps).then(function (t) { return t.length === 20 && t[19] === 'hello world' || t; }));",
        0};
    int failed = 0;
    for (int nothreads = 0; nothreads < 2; nothreads++) {
        struct scenario one = sc;
        one.no_threads = nothreads;
        rt_runtime *rt = make_runtime(&one);
        char *src = malloc(sizeof PRELUDE + strlen(one.script) + 1);
        strcpy(src, PRELUDE);
        strcat(src, one.script);
        rt_eval_string(rt, src, "offload");
        rt_run(rt);
        free(src);
        duk_context *ctx = rt_duk(rt);
        duk_get_global_string(ctx, "outcome");
        const char *oc = duk_is_string(ctx, -1) ? duk_get_string(ctx, -1) : "pending";
        int threaded = strcmp(rt_backend_name(rt), "threadpool") == 0;
        unsigned long long away = rt->net->steps_away, here = rt->net->steps_here;
        int ok = strcmp(oc, "ok") == 0 &&
                 (threaded ? away == 0 && here == 0
                           : nothreads ? away == 0 && here >= 20 : away >= 20 && here == 0);
        printf("%s offload (%s, %s): outcome %s; TLS steps on workers %llu, on the loop thread %llu\n",
               ok ? "ok    " : "FAIL  ", rt_backend_name(rt), nothreads ? "no threads" : "threads",
               oc, away, here);
        duk_pop(ctx);
        rt_free(rt);
        failed += !ok;
    }
    rt__workers_no_threads = 0;
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--offload") == 0)
        return offload_check() ? 1 : 0;
    int pass = 0, fail = 0;
    int any = 0;
    if (argc == 4 && strcmp(argv[1], "--k") == 0) {
        for (size_t s = 0; s < NSCENARIOS; s++)
            if (strcmp(argv[3], SCENARIOS[s].name) == 0) {
                uint64_t n;
                char oc[128];
                int code = run_once(&SCENARIOS[s], strtoull(argv[2], NULL, 10), &n, oc, sizeof oc);
                printf("%s k=%s: %llu allocations, outcome %s, exit %d\n", argv[3], argv[2],
                       (unsigned long long)n, oc, code);
                return code;
            }
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--list") == 0) {
            for (size_t s = 0; s < NSCENARIOS; s++)
                printf("%s\n", SCENARIOS[s].name);
            return 0;
        }
    for (size_t s = 0; s < NSCENARIOS; s++) {
        int want = argc < 2;
        for (int i = 1; i < argc; i++)
            want |= strcmp(argv[i], SCENARIOS[s].name) == 0;
        if (!want)
            continue;
        any = 1;
        if (sweep(&SCENARIOS[s]))
            fail++;
        else
            pass++;
    }
    if (!any) {
        fprintf(stderr, "no such scenario (--list)\n");
        return 2;
    }
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
