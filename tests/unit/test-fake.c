/*
 * test-fake.c - the core's HTTP client against tests/c/fake_backend.c, a scripted transport
 * plugged in through rt_config.backend: short reads, failures at each stage (name lookup,
 * connect, before and during the body), abort (nothing reaches JS after it, the connection
 * is closed), keep-alive reuse, and rt_free with requests in flight.
 */
#include <string.h>

#include "duktape.h"
#include "duk_ext.h"
#include "fake_backend.h"
#include "runtime.h"
#include "test.h"

static char out[8192];

static duk_ret_t js_out(duk_context *ctx)
{
    strncat(out, duk_safe_to_string(ctx, 0), sizeof out - strlen(out) - 2);
    strcat(out, "\n");
    return 0;
}

static rt_runtime *fake_runtime(void)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.backend = &fake_backend;
    rt_runtime *rt = NULL;
    char err[256];
    ASSERT_EQ(rt_create(&cfg, &rt, err, sizeof err), 0);
    duk_context *ctx = rt_duk(rt);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, js_out, 1);
    duk_put_prop_string(ctx, -2, "out");
    duk_pop(ctx);
    out[0] = 0;
    memset(&fake_stats, 0, sizeof fake_stats);
    fake_sockets = -1;
    return rt;
}

static void run_script(rt_runtime *rt, const char *src)
{
    ASSERT_EQ(rt_eval_string(rt, src, "fake.js"), 0);
    ASSERT_EQ(rt_run(rt), 0);
}

TEST(fake_short_reads_reassemble)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://fake.test/fake/ok').then(function (r) {"
                   "  out(r.status + ' ' + r.statusText + ' ' + r.headers.get('x-fake'));"
                   "  return r.text(); }).then(function (t) { out('[' + t + ']'); });");
    ASSERT_STREQ(out, "200 OK 1\n[hello world]\n");
    ASSERT_EQ(fake_stats.requests, 1);
    ASSERT_EQ(fake_stats.cancelled, 0);
    rt_free(rt);
}

TEST(fake_stream_reads_every_byte)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://fake.test/fake/big').then(function (r) {"
                   "  var reader = r.body.getReader(), n = 0;"
                   "  function pump() { return reader.read().then(function (c) {"
                   "    if (c.done) { out('bytes ' + n); return; } n += c.value.length; return pump(); }); }"
                   "  return pump(); });");
    ASSERT_STREQ(out, "bytes 262144\n");
    rt_free(rt);
}

TEST(fake_error_before_head_rejects_fetch)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://fake.test/fake/err-head').then(function () { out('resolved'); },"
                   "  function (e) { out(e.name + ': ' + e.message + ' / ' + e.cause.code); });");
    ASSERT_STREQ(out, "TypeError: fetch failed / ECONNRESET\n");
    rt_free(rt);
}

TEST(fake_connect_refused_rejects_fetch)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://refused.fake/fake/ok').catch(function (e) {"
                   "  out(e.message + ' / ' + e.cause.code + ' / ' + e.cause.message); });");
    ASSERT_STREQ(out, "fetch failed / ECONNREFUSED / connect refused.fake:80: Connection refused\n");
    ASSERT_EQ(fake_stats.connects, 0);
    rt_free(rt);
}

TEST(fake_no_such_name_rejects_fetch)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://nxdomain.fake/fake/ok').catch(function (e) {"
                   "  out(e.message + ' / ' + e.cause.code); });");
    ASSERT_STREQ(out, "fetch failed / ENOTFOUND\n");
    rt_free(rt);
}

/* A connect that never completes fails at the connect timeout, counted from when the
   backend starts connecting (not from when the request was queued for it) */
TEST(fake_connect_timeout)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://blackhole.fake/fake/ok', { timeout: { connect: 50 } }).catch(function (e) {"
                   "  out(e.cause.code + ' / ' + e.cause.message); });");
    ASSERT_STREQ(out, "ETIMEDOUT / connect blackhole.fake:80: timed out after 50 ms\n");
    rt_free(rt);
}

TEST(fake_keepalive_reuses_the_connection)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://fake.test/fake/ok').then(function (r) { return r.text(); })"
                   ".then(function () { return fetch('http://fake.test/fake/ok'); })"
                   ".then(function (r) { return r.text(); }).then(function (t) { out(t); });");
    ASSERT_STREQ(out, "hello world\n");
    ASSERT_EQ(fake_stats.requests, 2);
    ASSERT_EQ(fake_stats.connects, 1);
    rt_free(rt);
}

TEST(fake_error_mid_body_rejects_body_read)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "fetch('http://fake.test/fake/err-body').then(function (r) {"
                   "  out('head ' + r.status); return r.text(); }).then(function () { out('text ok'); },"
                   "  function (e) { out(e.name + ': ' + e.message + ' / ' + e.cause.code); });");
    ASSERT_STREQ(out, "head 200\nTypeError: terminated / ECONNRESET\n");
    rt_free(rt);
}

TEST(fake_abort_cancels_in_backend_and_nothing_follows)
{
    rt_runtime *rt = fake_runtime();
    run_script(rt, "var ac = new AbortController();"
                   "fetch('http://fake.test/fake/hang', { signal: ac.signal }).then(function (r) {"
                   "  out('head ' + r.status);"
                   "  setTimeout(function () { ac.abort(); }, 5);"
                   "  return r.text(); }).then(function () { out('text ok'); },"
                   "  function (e) { out(e.name); });");
    ASSERT_STREQ(out, "head 200\nAbortError\n");
    ASSERT_EQ(fake_stats.cancelled, 1);
    rt_free(rt);
}

TEST(fake_free_with_requests_in_flight)
{
    rt_runtime *rt = fake_runtime();
    /* the promises are kept: a Response nobody references would be released at once */
    ASSERT_EQ(rt_eval_string(rt, "var keep = [];"
                             "for (var i = 0; i < 50; i++) keep.push(fetch('http://fake.test/fake/hang'));",
                             "fake.js"), 0);
    for (int i = 0; i < 5; i++)
        rt_run_once(rt, 0);
    rt_stats st;
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    ASSERT_EQ(st.requests_in_flight, 50);
    rt_free(rt);                           /* cancels all 50; ASan/valgrind check the rest */
    ASSERT_EQ(fake_stats.cancelled, 50);
}

/* Regression: a Response collected while a coroutine runs (inside rt.async) was finalized
   on the heap thread, which cannot call anything then: Duktape 2.7 skipped the finalizer
   silently and the exchange stayed in flight until rt_free. (Closures are cyclic garbage in
   Duktape - fn.prototype.constructor - so a Response awaited in rt.async is freed by a
   collection, not by reference counting.) */
TEST(fake_response_dropped_inside_rt_async_is_released)
{
    rt_runtime *rt = fake_runtime();
    ASSERT_EQ(rt_eval_string(rt,
                             "rt.async(function () {"
                             "  for (var i = 0; i < 20; i++) {"
                             "    var r = rt.await(fetch('http://fake.test/fake/hang'));"
                             "    r = null;"
                             "  }"
                             "  rt.gc();"          /* collected inside the coroutine */
                             "  out('done');"
                             "})();", "fake.js"), 0);
    for (int i = 0; i < 1000 && !strstr(out, "done"); i++)
        rt_run_once(rt, 0);
    ASSERT_STREQ(out, "done\n");
    duk_gc(rt_duk(rt), 0);                 /* the last ones, still reachable at rt.gc() */
    rt_run_once(rt, 0);
    rt_stats st;
    rt_get_stats(rt, &st);
    ASSERT_EQ(st.requests_in_flight, 0);
    ASSERT_EQ(fake_stats.cancelled, 20);
    rt_free(rt);
}

/* Issue 13: a completed fetch leaves nothing for mark-and-sweep. With the collector paused,
   reference counting alone must free every object of 200 fetch+text() (script functions
   declared once: a closure per request would be the script's own cycle - see fetch.md). */
static int count_done(rt_runtime *rt)
{
    duk_context *ctx = rt_duk(rt);
    duk_get_global_string(ctx, "done");
    int n = duk_to_int(ctx, -1);
    duk_pop(ctx);
    return n;
}

static void run_until_done(rt_runtime *rt, int want)
{
    for (int i = 0; i < 100000 && count_done(rt) < want; i++)
        rt_run_once(rt, 0);
    ASSERT_EQ(count_done(rt), want);
}

TEST(fake_completed_fetch_leaves_no_cycles)
{
    rt_runtime *rt = fake_runtime();
    duk_context *ctx = rt_duk(rt);
    ASSERT_EQ(rt_eval_string(rt,
                             "var done = 0;"
                             "function onText(t) { if (t === 'hello world') done++; }"
                             "function onResponse(r) {"
                             "  if (r.status !== 200 || !r.headers.get('x-fake') || !r.url) return '';"
                             "  return r.text();"
                             "}"
                             "function one() {"
                             "  fetch('http://fake.test/fake/ok', {headers: {'x-a': '1'}})"
                             "    .then(onResponse).then(onText);"
                             "}"
                             "function many(n) { for (var i = 0; i < n; i++) one(); }"
                             "many(20);", "fake.js"), 0);
    run_until_done(rt, 20);                /* warm: pools, interned keys, caches */
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    rt__dx_gc_pause(ctx, 1);
    /* the engine's heap only: the pool keeps the connections it opened, by design */
    ASSERT_EQ(rt_eval_string(rt, "var before = rt.memoryUsage().heapAllocs; many(200);",
                             "fake.js"), 0);
    run_until_done(rt, 220);
    rt_run_once(rt, 0);
    ASSERT_EQ(rt_eval_string(rt, "var grew = rt.memoryUsage().heapAllocs - before;", "fake.js"), 0);
    rt__dx_gc_pause(ctx, 0);
    duk_get_global_string(ctx, "grew");
    long d = (long)duk_to_number(ctx, -1);
    duk_pop(ctx);
    /* a few allocations may differ (a grown array); one object per fetch would be 200 */
    if (d > 20)
        fprintf(stderr, "the heap kept %ld more allocations\n", d);
    ASSERT(d <= 20);
    rt_free(rt);
}

/* Issue 13: the cycles a script makes (a closure per request, here holding 64 KiB in a few
   allocations) do not pile up until Duktape's own trigger, which counts allocations, not
   bytes: the core collects when the live bytes doubled (lib/engine/gc.c), so the heap
   stays near the live set, without rt.gc(). */
TEST(fake_script_cycles_are_collected_by_growth)
{
    rt_runtime *rt = fake_runtime();
    ASSERT_EQ(rt_eval_string(rt,
                             "var done = 0, peak = 0;"
                             "function one() {"
                             "  var mine = {pad: new Uint8Array(65536)};"
                             "  mine.self = mine;"
                             "  fetch('http://fake.test/fake/ok').then(function (r) {"
                             "    return r.text().then(function () { mine.ok = 1; });"
                             "  }).then(function () {"
                             "    done++;"
                             "    var m = rt.memoryUsage().heapBytes;"
                             "    if (m > peak) peak = m;"
                             "    if (done % 16 === 0) for (var i = 0; i < 16; i++) one();"
                             "  });"
                             "}"
                             "for (var i = 0; i < 16; i++) one();", "fake.js"), 0);
    run_until_done(rt, 4000);              /* 256 MiB of cyclic garbage made */
    duk_context *ctx = rt_duk(rt);
    ASSERT_EQ(rt_eval_string(rt, "var runs = rt.memoryUsage().gcRuns;", "fake.js"), 0);
    duk_get_global_string(ctx, "peak");
    double peak = duk_to_number(ctx, -1);
    duk_get_global_string(ctx, "runs");
    double runs = duk_to_number(ctx, -1);
    duk_pop_2(ctx);
    if (peak > 12e6)
        fprintf(stderr, "heap peak %.0f bytes, %.0f collections\n", peak, runs);
    ASSERT(runs >= 1);
    ASSERT(peak <= 12e6);                  /* 2 x (a live set of 16 x 64 KiB and the rest), the
                                              4 MiB floor */
    rt_free(rt);
}

TEST(fake_unreferenced_response_is_released)
{
    rt_runtime *rt = fake_runtime();
    ASSERT_EQ(rt_eval_string(rt, "for (var i = 0; i < 20; i++) fetch('http://fake.test/fake/hang');",
                             "fake.js"), 0);
    for (int i = 0; i < 5; i++)
        rt_run_once(rt, 0);
    rt_stats st;
    rt_stats_init(&st);
    rt_get_stats(rt, &st);
    ASSERT_EQ(st.requests_in_flight, 0);   /* each Response was garbage: cancelled */
    ASSERT_EQ(fake_stats.cancelled, 20);
    rt_free(rt);
}

/* Descriptor exhaustion is pressure: with 2 sockets for 8 requests to two origins, every
   request waits for a descriptor (a connection of its origin going idle, another closing)
   and all succeed; nothing is left waiting. */
TEST(fake_no_descriptor_waits_for_one)
{
    rt_runtime *rt = fake_runtime();
    fake_sockets = 2;
    run_script(rt, "var ps = [];"
                   "for (var i = 0; i < 8; i++) ps.push(fetch('http://' + (i % 2 ? 'a' : 'b') +"
                   "  '.fake/fake/ok').then(function (r) { return r.text(); }));"
                   "Promise.all(ps).then(function (t) { out(t.length + ' ' + t.join(',')); },"
                   "  function (e) { out('failed ' + e.cause.code); });");
    ASSERT_STREQ(out, "8 hello world,hello world,hello world,hello world,hello world,hello world,"
                      "hello world,hello world\n");
    rt_stats st;
    rt_get_stats(rt, &st);
    ASSERT_EQ(st.requests_in_flight, 0);
    ASSERT(fake_stats.no_socket > 0);      /* they did have to wait */
    rt_free(rt);
    ASSERT_EQ(fake_sockets, 2);            /* every socket given back */
    fake_sockets = -1;
}

/* ... up to its connect timeout, then EMFILE (not ESYS), named as such */
TEST(fake_no_descriptor_fails_at_connect_timeout)
{
    rt_runtime *rt = fake_runtime();
    fake_sockets = 0;
    run_script(rt, "fetch('http://fake.test/fake/ok', { timeout: { connect: 50 } }).catch(function (e) {"
                   "  out(e.cause.code + ' / ' + e.cause.message.replace(/[0-9]+ ms/, 'N ms')); });");
    ASSERT_STREQ(out, "EMFILE / socket for fake.test:80: too many open files in this process "
                      "(no descriptor came free in N ms)\n");
    rt_free(rt);
    fake_sockets = -1;
}

/* an abort while waiting for a descriptor takes the request out of the queue */
TEST(fake_no_descriptor_abort_while_waiting)
{
    rt_runtime *rt = fake_runtime();
    fake_sockets = 0;
    run_script(rt, "var ac = new AbortController();"
                   "fetch('http://fake.test/fake/ok', { signal: ac.signal }).catch(function (e) {"
                   "  out(e.name); });"
                   "setTimeout(function () { ac.abort(); }, 30);");
    ASSERT_STREQ(out, "AbortError\n");
    rt_stats st;
    rt_get_stats(rt, &st);
    ASSERT_EQ(st.requests_in_flight, 0);
    rt_free(rt);
    fake_sockets = -1;
}
