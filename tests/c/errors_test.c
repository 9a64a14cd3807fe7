/*
 * errors_test.c - what a host gets back: structured errors (rt_last_error, the on_error
 * hook), evaluation results (RT_EVAL_RESULT, RT_EVAL_AWAIT), uncaught errors reported by
 * rt_run_once as a code, the stopped state (stop_on_uncaught) and rt_resume, rejections
 * during evaluation, console output through a hook, rt.env as the host chooses, and
 * rt_version(). Prints "N passed, N failed".
 */
#include <stdlib.h>
#include <string.h>

#include <duktape.h>
#include <runtime.h>

#include "check.h"

static char out[8192], reports[8192];
static int on_error_calls;
static char on_error_names[256];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    char tag[8];
    snprintf(tag, sizeof tag, "%d:", level);
    strcat(out, tag);
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

static void report_cb(void *ud, const char *text)
{
    (void)ud;
    strncat(reports, text, sizeof reports - strlen(reports) - 2);
    strcat(reports, "|");
}

static void on_error(void *ud, rt_runtime *rt, const rt_error *e)
{
    (void)ud;
    (void)rt;
    on_error_calls++;
    strncat(on_error_names, e->name, sizeof on_error_names - strlen(on_error_names) - 2);
    strcat(on_error_names, e->promise ? "(p)," : ",");
}

static rt_runtime *make(int stop, int policy, int structured)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    cfg.report = report_cb;
    cfg.stop_on_uncaught = stop;
    cfg.unhandled_rejections = policy;
    if (structured)
        cfg.on_error = on_error;
    rt_runtime *rt = rt_new(&cfg);
    CHECK(rt != NULL);
    return rt;
}

int main(void)
{
    CHECK(strstr(rt_version(), RT_VERSION_STRING) == rt_version());
    CHECK(strstr(rt_version(), "(") != NULL);

    rt_runtime *rt = make(0, RT_UNHANDLED_THROW, 0);
    duk_context *ctx = rt_duk(rt);
    rt_error e;
    CHECK(rt_last_error(rt, &e) == RT_ENOENT);

    /* a runtime error: name, message, where, the stack without engine frames */
    CHECK(rt_eval_string(rt, "function f() {\n  null.x;\n}\nf();\n", "err.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK(e.code == RT_EJS && e.promise == 0);
    CHECK_STR(e.name, "TypeError");
    CHECK(strstr(e.message, "'x'") != NULL);
    CHECK_STR(e.file, "err.js");
    CHECK(e.line == 2 && e.column == 8);   /* at the property name, as node */
    CHECK_STR(e.source_line, "  null.x;");
    CHECK(strstr(e.stack, "TypeError: ") == e.stack);
    CHECK(strstr(e.stack, "\n    at f (err.js:2:8)\n    at err.js:4:3") != NULL);
    CHECK(strstr(e.stack, ".c:") == NULL && strstr(e.stack, "duk_") == NULL);
    CHECK(strstr(e.text, "err.js:2:8\n  null.x;\n       ^\n") == e.text);
    CHECK(strstr(reports, "Uncaught TypeError") != NULL);
    /* scripts see the same stack */
    reports[0] = '\0';
    CHECK(rt_eval_string(rt, "try { null.y } catch (err) { console.log(err.stack) }", "s.js") == 0);
    CHECK_STR(out, "1:TypeError: cannot read property 'y' of null\n    at s.js:1:12;");
    out[0] = '\0';

    /* a syntax error: the column too, and a caret under it in the report */
    CHECK(rt_eval_string(rt, "var a = 1;\nvar b = a + ;\n", "syn.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.name, "SyntaxError");
    CHECK_STR(e.file, "syn.js");
    CHECK(e.line == 2 && e.column == 13);
    CHECK(strstr(e.text, "syn.js:2:13\nvar b = a + ;\n            ^\n") == e.text);
    /* columns count characters, not bytes */
    CHECK(rt_eval_string(rt, "var s = '\xc3\xa9\xc3\xa9'; var = 1;", "utf8.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0 && e.line == 1 && e.column == 19);

    /* a thrown value that is not an Error */
    CHECK(rt_eval_string(rt, "throw 'plain';", "plain.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.name, "");
    CHECK_STR(e.message, "plain");

    /* results: the completion value, on the Duktape stack */
    duk_idx_t top = duk_get_top(ctx);
    CHECK(rt_eval(rt, "var q = 6; q * 7", 16, "v.js", RT_EVAL_RESULT) == 0);
    CHECK(duk_get_top(ctx) == top + 1 && duk_get_int(ctx, -1) == 42);
    duk_pop(ctx);
    CHECK(rt_eval(rt, "({a: 'b'})", 10, "v.js", RT_EVAL_RESULT) == 0);
    duk_json_encode(ctx, -1);
    CHECK_STR(duk_get_string(ctx, -1), "{\"a\":\"b\"}");
    duk_pop(ctx);
    /* a failure pushes the thrown value, and is recorded, not reported */
    reports[0] = '\0';
    CHECK(rt_eval(rt, "throw new RangeError('r')", 25, "v.js", RT_EVAL_RESULT) == RT_EJS);
    CHECK(duk_get_top(ctx) == top + 1 && duk_is_error(ctx, -1));
    duk_pop(ctx);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.name, "RangeError");
    CHECK_STR(reports, "");
    /* awaiting a promise: the loop runs until it settles */
    const char *aw = "new Promise(function (res) { setTimeout(function () { res('later'); }, 20); })";
    CHECK(rt_eval(rt, aw, strlen(aw), "a.js", RT_EVAL_RESULT | RT_EVAL_AWAIT) == 0);
    CHECK_STR(duk_get_string(ctx, -1), "later");
    duk_pop(ctx);
    const char *rj = "Promise.reject(new TypeError('nope'))";
    CHECK(rt_eval(rt, rj, strlen(rj), "a.js", RT_EVAL_RESULT | RT_EVAL_AWAIT) == RT_EJS);
    CHECK(duk_is_error(ctx, -1));
    duk_pop(ctx);
    CHECK(rt_last_error(rt, &e) == 0 && e.promise == 1);
    CHECK_STR(e.message, "nope");
    CHECK_STR(reports, "");                /* the host took it: not an unhandled rejection */
    const char *th = "({ then: function (r) { r(5); } })";
    CHECK(rt_eval(rt, th, strlen(th), "a.js", RT_EVAL_RESULT | RT_EVAL_AWAIT) == 0);
    CHECK(duk_get_int(ctx, -1) == 5);
    duk_pop(ctx);
    const char *nv = "new Promise(function () {})";
    CHECK(rt_eval(rt, nv, strlen(nv), "a.js", RT_EVAL_RESULT | RT_EVAL_AWAIT) == RT_EINVAL);
    duk_pop(ctx);
    CHECK(duk_get_top(ctx) == top);

    /* a rejection nobody handles during evaluation is the evaluation's error (policy throw) */
    reports[0] = '\0';
    CHECK(rt_eval_string(rt, "Promise.reject(new Error('r1'));", "r.js") == RT_EJS);
    CHECK(strstr(reports, "Uncaught (in promise) Error: r1") != NULL);
    CHECK(rt_eval_string(rt, "Promise.reject(new Error('r2')).catch(function () {});", "r.js") == 0);

    /* rt_run_once: an uncaught error in a turn is a code; the loop goes on after it */
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "setTimeout(function () { throw new Error('in timer'); }, 1);"
                             "setTimeout(function () { console.log('second'); }, 30);", "t.js") == 0);
    int r, turns = 0, saw_ejs = 0;
    while ((r = rt_run_once(rt, -1)) != 0 && turns++ < 1000) {
        if (r == RT_EJS)
            saw_ejs++;
        else
            CHECK(r == 1);
    }
    CHECK(saw_ejs == 1);
    CHECK(strstr(out, "second") != NULL);
    rt_free(rt);

    /* stop_on_uncaught: stopped until rt_resume, which lets the rest run */
    reports[0] = out[0] = '\0';
    rt = make(1, RT_UNHANDLED_THROW, 1);
    CHECK(rt_eval_string(rt, "setTimeout(function () { throw new TypeError('stop'); }, 1);"
                             "setTimeout(function () { console.log('rest'); }, 20);", "s.js") == 0);
    CHECK(rt_run(rt) == RT_EJS);
    CHECK(rt_stopped(rt) == 1 && rt_alive(rt) == 0);
    CHECK(rt_run_once(rt, 0) == RT_EJS);
    CHECK(rt_eval_string(rt, "console.log('refused')", "x.js") == RT_EJS);
    CHECK(strstr(rt_errmsg(rt), "rt_resume") != NULL);
    rt_resume(rt);
    CHECK(rt_stopped(rt) == 0 && rt_alive(rt) == 1);
    CHECK(rt_run(rt) == 0);
    CHECK_STR(out, "1:rest;");
    /* on_error replaces the text report for uncaught errors */
    CHECK(on_error_calls == 1);
    CHECK_STR(on_error_names, "TypeError,");
    CHECK_STR(reports, "");
    rt_resume(rt);
    CHECK(rt_eval_string(rt, "Promise.reject(new URIError('u'))", "p.js") == RT_EJS);
    CHECK_STR(on_error_names, "TypeError,URIError(p),");
    rt_free(rt);

    /* policy warn: a warning through report, not an error */
    reports[0] = '\0';
    rt = make(0, RT_UNHANDLED_WARN, 0);
    CHECK(rt_eval_string(rt, "Promise.reject(new Error('w'));", "w.js") == 0);
    CHECK(strstr(reports, "Warning: unhandled promise rejection") != NULL);
    rt_free(rt);

    /* console levels through the hook */
    out[0] = '\0';
    rt = make(0, RT_UNHANDLED_THROW, 0);
    CHECK(rt_eval_string(rt, "console.log('l'); console.info('i'); console.debug('d');"
                             "console.warn('w'); console.error('e'); console.assert(false, 'a');",
                         "c.js") == 0);
    CHECK_STR(out, "1:l;2:i;3:d;4:w;5:e;5:Assertion failed: a;");
    /* rt.env: empty unless the host asks */
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "console.log(Object.keys(rt.env).length)", "e.js") == 0);
    CHECK_STR(out, "1:0;");
    rt_free(rt);
    setenv("RT_TEST_VISIBLE", "yes", 1);
    setenv("RT_TEST_HIDDEN", "no", 1);
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    static const char *const env[] = {"RT_TEST_VISIBLE", "MODE=test", "RT_TEST_UNSET_X", NULL};
    cfg.env = env;
    rt = rt_new(&cfg);
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "console.log(JSON.stringify(rt.env))", "e.js") == 0);
    CHECK_STR(out, "1:{\"RT_TEST_VISIBLE\":\"yes\",\"MODE\":\"test\"};");
    rt_free(rt);
    cfg.env = NULL;
    cfg.env_inherit = 1;
    rt = rt_new(&cfg);
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "console.log(rt.env.RT_TEST_HIDDEN, rt.env.RT_TEST_VISIBLE)",
                         "e.js") == 0);
    CHECK_STR(out, "1:no yes;");
    rt_free(rt);
    return done("errors_test");
}
