/*
 * modules_test.c - CommonJS modules served from the host's memory (rt_config.modules):
 * relative resolution from the requiring module, module.exports / exports / this, the
 * cache and require.cache, cycles as Node has them, JSON modules, require.resolve,
 * require.main, a module that throws (not cached), a missing one (MODULE_NOT_FOUND), syntax
 * errors located in the module's own text, rt_eval_module and rt_eval(RT_EVAL_MODULE); and a
 * runtime without a loader (no require). Prints "N passed, N failed".
 */
#include <stdlib.h>
#include <string.h>

#include <duktape.h>
#include <runtime.h>

#include "check.h"

static const struct {
    const char *id, *src;
} files[] = {
    {"/app/main.js",
     "var util = require('./lib/util');\n"
     "var again = require('./lib/util.js');\n"
     "var cfg = require('./config.json');\n"
     "console.log('main', util.twice(cfg.n), util === again, require.main === module,\n"
     "            module.id, __dirname, typeof exports);\n"
     "module.exports = { answer: util.twice(21) };\n"},
    {"/app/lib/util.js",
     "exports.twice = function (x) { return 2 * x; };\n"
     "exports.self = this === exports;\n"
     "exports.file = __filename;\n"},
    {"/app/config.json", "{\"n\": 5, \"list\": [1, 2, 3]}"},
    {"/app/lib/index.js", "module.exports = 'lib index';\n"},
    /* a cycle: a requires b, which requires a while a is still loading */
    {"/app/a.js",
     "exports.early = 'a-early';\n"
     "var b = require('./b');\n"
     "exports.late = 'a-late';\n"
     "exports.seenByB = b.sawA;\n"},
    {"/app/b.js",
     "var a = require('./a');\n"
     "exports.sawA = [a.early, a.late].join('/');\n"},
    {"/app/counter.js", "globalThisCount = (typeof globalThisCount === 'number' ? globalThisCount : 0) + 1;\n"
                        "module.exports = globalThisCount;\n"},
    {"/app/throws.js", "loads = (typeof loads === 'number' ? loads : 0) + 1;\n"
                       "throw new Error('module failed ' + loads);\n"},
    {"/app/bad.js", "var x = ;\n"},
    {"/app/bad2.js", "// line 1\nvar ok = 1;\n  var = 1;\n"},
    {"/app/badjson.json", "{\"a\": }"},
    {"/app/rterr.js", "var q = null; q.x;\n"},
    {"/app/node_modules/pkg/index.js", "module.exports = 'pkg from ' + __dirname;\n"},
};

static int find(const char *id)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(files[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* dirname(parent) + "/" + request, with "." and ".." segments folded */
static void join(const char *parent, const char *request, char *out, size_t outlen)
{
    char buf[1024];
    if (request[0] == '/') {
        snprintf(buf, sizeof buf, "%s", request);
    } else {
        const char *slash = parent ? strrchr(parent, '/') : NULL;
        int dl = slash ? (int)(slash - parent) : 4;
        snprintf(buf, sizeof buf, "%.*s/%s", dl, slash ? parent : "/app", request);
    }
    char *segs[64];
    int n = 0;
    for (char *s = strtok(buf, "/"); s && n < 64; s = strtok(NULL, "/")) {
        if (strcmp(s, ".") == 0)
            continue;
        if (strcmp(s, "..") == 0) {
            if (n)
                n--;
            continue;
        }
        segs[n++] = s;
    }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(out, "/", outlen - strlen(out) - 1);
        strncat(out, segs[i], outlen - strlen(out) - 1);
    }
}

static int resolves;

static int mem_resolve(void *ud, rt_runtime *rt, const char *parent, const char *request,
                       char *id, size_t idlen)
{
    (void)ud;
    (void)rt;
    resolves++;
    char base[1024], try[1100];
    if (request[0] != '.' && request[0] != '/') {          /* a package */
        snprintf(try, sizeof try, "/app/node_modules/%s/index.js", request);
        if (find(try) < 0)
            return RT_ENOENT;
        snprintf(id, idlen, "%s", try);
        return 0;
    }
    join(parent, request, base, sizeof base);
    static const char *const ext[] = {"", ".js", ".json", "/index.js"};
    for (int i = 0; i < 4; i++) {
        snprintf(try, sizeof try, "%s%s", base, ext[i]);
        if (find(try) >= 0) {
            snprintf(id, idlen, "%s", try);
            return 0;
        }
    }
    return RT_ENOENT;
}

static int loads, releases;

static int mem_load(void *ud, rt_runtime *rt, const char *id, const char **data, size_t *len)
{
    (void)ud;
    (void)rt;
    int i = find(id);
    if (i < 0)
        return RT_ENOENT;
    loads++;
    *data = strdup(files[i].src);          /* a copy, to check release() gets it back */
    *len = strlen(files[i].src);
    return 0;
}

static void mem_release(void *ud, rt_runtime *rt, const char *id, const char *data)
{
    (void)ud;
    (void)rt;
    (void)id;
    releases++;
    free((void *)data);
}

static char out[8192];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    (void)level;
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

static void quiet(void *ud, const char *text)
{
    (void)ud;
    (void)text;
}

int main(void)
{
    rt_module_loader loader = {mem_resolve, mem_load, mem_release, NULL};
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.modules = &loader;
    cfg.console = console_cb;
    cfg.report = quiet;
    rt_runtime *rt = rt_new(&cfg);
    CHECK(rt != NULL);
    if (!rt)
        return done("modules_test");
    duk_context *ctx = rt_duk(rt);

    /* the main module: relative paths, the cache, JSON, require.main, its exports */
    CHECK(rt_eval_module(rt, "/app/main.js", RT_EVAL_RESULT) == 0);
    CHECK_STR(out, "main 10 true true /app/main.js /app object;");
    duk_get_prop_string(ctx, -1, "answer");
    CHECK(duk_get_int(ctx, -1) == 42);
    duk_pop_2(ctx);
    CHECK(loads == 3 && releases == 3);    /* main, util, config: each loaded once */
    out[0] = '\0';

    /* from a global script: require resolves from the script's own name */
    CHECK(rt_eval_string(rt,
        "var u = require('./lib/util');"
        "console.log(u.self, u.file, require('./lib'), require('pkg'));"
        "console.log(require.resolve('./config'), require('./config.json').list.length);",
        "/app/script.js") == 0);
    CHECK_STR(out, "true /app/lib/util.js lib index pkg from /app/node_modules/pkg;"
                   "/app/config.json 3;");
    out[0] = '\0';

    /* a cycle: b sees a's exports as they were when it asked */
    CHECK(rt_eval_string(rt, "var a = require('./a'); console.log(a.early, a.late, a.seenByB);",
                         "/app/cycle.js") == 0);
    CHECK_STR(out, "a-early a-late a-early/;");
    out[0] = '\0';

    /* require.cache: deleting an entry loads the module again */
    CHECK(rt_eval_string(rt,
        "var c1 = require('./counter'), c2 = require('./counter');"
        "delete require.cache['/app/counter.js'];"
        "var c3 = require('./counter');"
        "console.log(c1, c2, c3, Object.keys(require.cache).length > 3);", "/app/c.js") == 0);
    CHECK_STR(out, "1 1 2 true;");
    out[0] = '\0';

    /* a module that throws is not cached: the next require runs it again */
    CHECK(rt_eval_string(rt,
        "for (var i = 0; i < 2; i++) {"
        "  try { require('./throws'); } catch (e) { console.log(e.message); }"
        "}", "/app/t.js") == 0);
    CHECK_STR(out, "module failed 1;module failed 2;");
    out[0] = '\0';

    /* missing modules, bad arguments, bad JSON */
    CHECK(rt_eval_string(rt,
        "try { require('./nope'); } catch (e) { console.log(e.code, e.message); }"
        "try { require(42); } catch (e) { console.log(e.name, e.code); }"
        "try { require(''); } catch (e) { console.log(e.name, e.code); }"
        "try { require('./badjson.json'); } catch (e) {"
        "  console.log(e.name, e.message.indexOf('/app/badjson.json') === 0); }",
        "/app/m.js") == 0);
    CHECK_STR(out, "MODULE_NOT_FOUND Cannot find module './nope' from /app/m.js;"
                   "TypeError ERR_INVALID_ARG_TYPE;TypeError ERR_INVALID_ARG_VALUE;"
                   "SyntaxError true;");
    out[0] = '\0';
    CHECK(rt_eval_module(rt, "./nope", 0) == RT_ENOENT);

    /* a syntax error is located in the module's own text, column included (line 1
       carries the wrapper the module is compiled in: not counted) */
    rt_error e;
    CHECK(rt_eval_string(rt, "require('./bad')", "/app/s.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.name, "SyntaxError");
    CHECK_STR(e.file, "/app/bad.js");
    CHECK(e.line == 1 && e.column == 9);
    CHECK_STR(e.source_line, "var x = ;");
    CHECK(rt_eval_string(rt, "require('./bad2')", "/app/s.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.file, "/app/bad2.js");
    CHECK(e.line == 3 && e.column == 7);
    CHECK_STR(e.source_line, "  var = 1;");

    /* a runtime error in a module: its own line and column too */
    CHECK(rt_eval_string(rt, "require('./rterr')", "/app/s.js") == RT_EJS);
    CHECK(rt_last_error(rt, &e) == 0);
    CHECK_STR(e.file, "/app/rterr.js");
    CHECK(e.line == 1 && e.column == 17);

    /* a module from a string: its exports are the result */
    CHECK(rt_eval(rt, "exports.v = require('./lib/util').twice(4); exports.t = typeof module;",
                  strlen("exports.v = require('./lib/util').twice(4); exports.t = typeof module;"),
                  "/app/inline.js", RT_EVAL_MODULE | RT_EVAL_RESULT) == 0);
    duk_get_prop_string(ctx, -1, "v");
    CHECK(duk_get_int(ctx, -1) == 8);
    duk_get_prop_string(ctx, -2, "t");
    CHECK_STR(duk_get_string(ctx, -1), "object");
    duk_pop_3(ctx);
    /* module scope: its vars are not globals */
    CHECK(rt_eval(rt, "var hidden = 1;", 15, "/app/scope.js", RT_EVAL_MODULE) == 0);
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "console.log(typeof hidden)", "x.js") == 0);
    CHECK_STR(out, "undefined;");
    CHECK(loads == releases);
    rt_free(rt);

    /* no loader: no require (scripts cannot reach files through it), module code still runs */
    rt_config_init(&cfg);
    cfg.console = console_cb;
    cfg.report = quiet;
    rt = rt_new(&cfg);
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "console.log(typeof require)", "x.js") == 0);
    CHECK_STR(out, "undefined;");
    CHECK(rt_eval_module(rt, "./main.js", 0) == RT_EINVAL);
    CHECK(rt_eval(rt, "module.exports = 3;", 19, "inline", RT_EVAL_MODULE | RT_EVAL_RESULT) == 0);
    CHECK(duk_get_int(rt_duk(rt), -1) == 3);
    duk_pop(rt_duk(rt));
    rt_free(rt);
    return done("modules_test");
}
