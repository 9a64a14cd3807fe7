/*
 * test-promise.c - the Promise core from C: promises made and settled through the rt__
 * entry points fetch.c uses, job ordering against ECMAScript's queue (reactions, thenable
 * adoption taking two extra jobs), every combinator, and rejection tracking (reported once,
 * after the queue is empty; not reported when handled later in the same drain; the warn and
 * none policies).
 */
#include <string.h>

#include "engine.h"
#include "test.h"

static char reports[4096];

static void on_report(void *ud, const char *text)
{
    (void)ud;
    strncat(reports, text, sizeof reports - strlen(reports) - 2);
    strcat(reports, "\n");
}

static rt_runtime *make(int policy)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.report = on_report;
    cfg.unhandled_rejections = policy;
    rt_runtime *rt = NULL;
    ASSERT_EQ(rt_create(&cfg, &rt, NULL, 0), 0);
    reports[0] = 0;
    return rt;
}

/* Evaluate src, run the loop, return globalThis.log.join(' '). */
static const char *run(rt_runtime *rt, const char *src)
{
    static char out[2048];
    ASSERT_EQ(rt_eval_string(rt, "var log = [];", "init.js"), 0);
    rt_eval_string(rt, src, "test.js");
    rt_run(rt);
    duk_context *ctx = rt_duk(rt);
    duk_eval_string(ctx, "log.join(' ')");
    snprintf(out, sizeof out, "%s", duk_get_string(ctx, -1));
    duk_pop(ctx);
    return out;
}

TEST(promise_settled_from_c)
{
    rt_runtime *rt = make(RT_UNHANDLED_THROW);
    duk_context *ctx = rt_duk(rt);
    run(rt, "");
    rt__promise_new(ctx);
    ASSERT(rt__is_promise(ctx, -1));
    duk_dup(ctx, -1);
    duk_put_global_string(ctx, "p");
    rt_eval_string(rt, "p.then(function (v) { log.push('got ' + v); });", "t.js");
    duk_push_string(ctx, "from C");
    rt__promise_resolve(ctx, -2);          /* a reaction job is queued, not run */
    duk_pop(ctx);
    duk_eval_string(ctx, "log.length");
    ASSERT_EQ(duk_get_int(ctx, -1), 0);
    duk_pop(ctx);
    rt__microtask_drain(rt);
    duk_eval_string(ctx, "log.join(' ')");
    ASSERT_STREQ(duk_get_string(ctx, -1), "got from C");
    duk_pop(ctx);
    /* rejecting from C, handled */
    rt__promise_new(ctx);
    duk_dup(ctx, -1);
    duk_put_global_string(ctx, "q");
    rt_eval_string(rt, "q.catch(function (e) { log.push('caught ' + e); });", "t.js");
    duk_push_string(ctx, "boom");
    rt__promise_reject(ctx, -2);
    duk_pop(ctx);
    rt__microtask_drain(rt);
    duk_eval_string(ctx, "log.join(' ')");
    ASSERT_STREQ(duk_get_string(ctx, -1), "got from C caught boom");
    duk_pop(ctx);
    ASSERT_STREQ(reports, "");
    rt_free(rt);
}

TEST(promise_job_order)
{
    rt_runtime *rt = make(RT_UNHANDLED_THROW);
    const char *got = run(rt,
        "var a = Promise.resolve();"
        "a.then(function () { log.push('a1'); }).then(function () { log.push('a2'); })"
        " .then(function () { log.push('a3'); }).then(function () { log.push('a4'); });"
        "new Promise(function (r) { r(Promise.resolve()); }).then(function () { log.push('adopted'); });"
        "queueMicrotask(function () { log.push('qm'); });"
        "Promise.resolve({ then: function (f) { log.push('then-called'); f(1); } })"
        " .then(function () { log.push('thenable'); });"
        "log.push('sync');");
    ASSERT_STREQ(got, "sync a1 qm then-called a2 thenable a3 adopted a4");
    rt_free(rt);
}

TEST(promise_combinators)
{
    rt_runtime *rt = make(RT_UNHANDLED_THROW);
    const char *got = run(rt,
        "function d(v, ms, f) { return new Promise(function (y, n) { setTimeout(function () { (f ? n : y)(v); }, ms); }); }"
        "Promise.all([1, d(2, 5), Promise.resolve(3)]).then(function (v) { log.push('all:' + v); });"
        "Promise.all([d(1, 20), d('e', 1, 1)]).catch(function (e) { log.push('all-rej:' + e); });"
        "Promise.allSettled([1, Promise.reject('r')]).then(function (v) { log.push('settled:' + v[0].status + '/' + v[1].status); });"
        "Promise.race([d('slow', 30), d('fast', 2)]).then(function (v) { log.push('race:' + v); });"
        "Promise.any([Promise.reject(1), d('ok', 3)]).then(function (v) { log.push('any:' + v); });"
        "Promise.any([Promise.reject(1)]).catch(function (e) { log.push('any-rej:' + e.name + e.errors.length); });"
        "Promise.all([]).then(function (v) { log.push('empty:' + v.length); });");
    /* order of the log follows the timers; check each result is there */
    const char *want[] = {"all:1,2,3", "all-rej:e", "settled:fulfilled/rejected", "race:fast",
                          "any:ok", "any-rej:AggregateError1"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ASSERT(strstr(got, want[i]) != NULL);
    rt_free(rt);
}

TEST(promise_rejection_tracking)
{
    rt_runtime *rt = make(RT_UNHANDLED_WARN);
    run(rt,
        "var late = Promise.reject(new Error('handled late'));"
        "Promise.resolve().then(function () { late.catch(function () { log.push('late ok'); }); });"
        "Promise.reject(new Error('never handled'));"
        "var p = Promise.reject(new Error('handled after report'));"
        "setTimeout(function () { p.catch(function () { log.push('after'); }); }, 5);");
    ASSERT(strstr(reports, "never handled") != NULL);
    ASSERT(strstr(reports, "handled after report") != NULL);
    ASSERT(strstr(reports, "handled late") == NULL);
    /* reported once each */
    ASSERT(strstr(strstr(reports, "never handled") + 1, "never handled") == NULL);
    rt_free(rt);

    rt = make(RT_UNHANDLED_NONE);
    run(rt, "Promise.reject(new Error('quiet'));");
    ASSERT_STREQ(reports, "");
    rt_free(rt);

    /* policy "throw": a rejection left unhandled by the script's own evaluation is that
       evaluation's error; one left by a later macrotask is the loop's */
    rt = make(RT_UNHANDLED_THROW);
    ASSERT_EQ(rt_eval_string(rt, "Promise.reject(new Error('fatal'));", "t.js"), RT_EJS);
    ASSERT(strstr(reports, "Uncaught (in promise) Error: fatal") != NULL);
    ASSERT_EQ(rt_run(rt), 0);
    ASSERT_EQ(rt_eval_string(rt, "setTimeout(function () { Promise.reject(new Error('later')); }, 1);",
                             "t2.js"), 0);
    ASSERT_EQ(rt_run(rt), RT_EJS);
    ASSERT(strstr(reports, "Uncaught (in promise) Error: later") != NULL);
    rt_free(rt);
}

/* A completed chain leaves nothing for mark-and-sweep: with it paused, only reference
   counting frees, and the live allocation count must come back to where it was after N
   rounds of every promise shape (a cycle per chain would leave N * k allocations). */
TEST(promise_chains_leave_no_cycles)
{
    rt_runtime *rt = make(RT_UNHANDLED_THROW);
    duk_context *ctx = rt_duk(rt);
    run(rt,
        "function id(v) { return v; }"
        "function thrower(e) { throw e; }"
        "function none() {}"
        "function adopt(res) { res(Promise.resolve(4)); }"
        "function text(r) { return r.text(); }"
        "var response = { text: function () { return Promise.resolve('body'); } };"
        "var thenable = { then: function (f) { f(1); } };"
        "function round() {"
        "  Promise.resolve(1).then(id).then(id);"
        "  Promise.reject(2).then(null, id);"
        "  new Promise(adopt).then(id);"
        "  Promise.resolve(thenable).then(id);"
        "  Promise.all([Promise.resolve(1), 2, thenable]).then(id);"
        "  Promise.allSettled([Promise.reject(1), 3]).then(id);"
        "  Promise.race([Promise.resolve(1), 2]).then(id);"
        "  Promise.any([Promise.reject(1)]).then(null, id);"
        "  Promise.resolve(5).finally(none).then(id);"
        "  Promise.resolve(response).then(text).then(null, thrower).then(id);"
        "  queueMicrotask(none);"
        "}"
        "round();");
    rt__dx_gc_pause(ctx, 1);
    ASSERT_EQ(rt_eval_string(rt, "round();", "warm.js"), 0);
    rt__microtask_drain(rt);
    rt__mem_stats ms;
    rt__mem_get(rt->mem, &ms);
    uint64_t before = ms.heap_allocs, total = ms.heap_total;
    ASSERT_EQ(rt_eval_string(rt, "for (var i = 0; i < 300; i++) round();", "rounds.js"), 0);
    rt__microtask_drain(rt);                           /* (evaluation drains too) */
    rt__mem_get(rt->mem, &ms);
    ASSERT(ms.heap_total > total + 300 * 50);          /* the rounds did allocate */
    uint64_t after = ms.heap_allocs;
    if (after > before + 16)
        fprintf(stderr, "live allocations: %llu before, %llu after 300 rounds\n",
                (unsigned long long)before, (unsigned long long)after);
    ASSERT(after <= before + 16);
    rt__dx_gc_pause(ctx, 0);
    ASSERT_STREQ(reports, "");
    rt_free(rt);
}
