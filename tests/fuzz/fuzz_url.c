/*
 * fuzz_url.c - libFuzzer target for the URL parser, which is JavaScript (lib/engine/js/20-url.js,
 * with lib/engine/js/00-iter.js for native.hide / native.iterate). One Duktape heap for the whole
 * run: at start-up the two modules are read from the source tree ($RT_JS_DIR, default
 * lib/js relative to the working directory - run.sh runs from the repo root) and run the
 * way lib/engine/jsmods.c runs them, as the body of function (native, global).
 *
 * Input: the bytes decoded as UTF-8 (invalid sequences become U+FFFD, as TextDecoder and
 * the script compiler do: raw invalid bytes pushed with duk_push_lstring make strings no
 * script can hold, on which Duktape's own string functions disagree - harness noise), or,
 * when the first byte is 0xFE, the rest as UTF-16LE code units (lone surrogates included:
 * strings a script can really build). For each input, inside a protected call:
 *   new URL(s) and new URL(s, 'http://a.b/c/d?e#f')
 * A TypeError is the documented failure. Any other exception, an error escaping the
 * protected call, a Duktape fatal error or a crash is a finding; and when parsing succeeds:
 *   - href is a string without CR, LF, TAB, NUL or space;
 *   - new URL(href).href === href (serialization is a fixed point);
 *   - for http: and https: the host is not empty.
 * Violations print the input as JSON and abort. FUZZ_URL_SPECIAL_ONLY=1 checks the
 * invariants only for results with a special scheme (http, https, ws, wss, ftp, file):
 * a way to keep fuzzing what fetch uses while a bug in non-special URLs is open (the
 * first three findings, now fixed, are seeds in tests/fuzz/corpus/url/ and regression
 * cases in tests/js/url_parse.js).
 *   see tests/fuzz/run.sh for the build line (Duktape amalgamation compiled once).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duktape.h"

static duk_context *ctx;
static unsigned long runs;
static int special_only;

static const char CHECKER[] =
    "(function (s, specialOnly) {\n"
    "  function one(base) {\n"
    "    var u;\n"
    "    try { u = base === undefined ? new URL(s) : new URL(s, base); }\n"
    "    catch (e) {\n"
    "      if (e instanceof TypeError) return '';\n"
    "      return 'new URL threw a non-TypeError: ' + (e && e.name) + ': ' + e;\n"
    "    }\n"
    "    if (specialOnly && !/^(https?|wss?|ftp|file):$/.test(u.protocol)) return '';\n"
    "    var h = u.href;\n"
    "    if (typeof h !== 'string') return 'href is not a string';\n"
    "    if (/[\\r\\n\\t\\u0000 ]/.test(h)) return 'href has CR/LF/TAB/NUL/space: ' + JSON.stringify(h);\n"
    "    if ((u.protocol === 'http:' || u.protocol === 'https:') && (u.host === '' || u.hostname === ''))\n"
    "      return 'http(s) URL with an empty host: ' + JSON.stringify(h);\n"
    "    var v;\n"
    "    try { v = new URL(h); }\n"
    "    catch (e) { return 'href does not parse again: ' + JSON.stringify(h) + ' (' + e + ')'; }\n"
    "    if (v.href !== h) return 'href not idempotent: ' + JSON.stringify(h) + ' -> ' + JSON.stringify(v.href);\n"
    "    return '';\n"
    "  }\n"
    "  var r = one(undefined);\n"
    "  if (r) return r + ' [no base]';\n"
    "  r = one('http://a.b/c/d?e#f');\n"
    "  return r ? r + ' [base http://a.b/c/d?e#f]' : '';\n"
    "})";

static void fatal(void *udata, const char *msg)
{
    (void)udata;
    fprintf(stderr, "fuzz_url: Duktape fatal error: %s\n", msg ? msg : "?");
    abort();
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_url: cannot open %s (set RT_JS_DIR or run from the repo root)\n", path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    if (!b)
        abort();
    *len = n;
    return b;
}

/* [ native ] -> [ native ]: run one module as lib/engine/jsmods.c does */
static void load_module(const char *dir, const char *name)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *src = slurp(path, &len);
    duk_push_string(ctx, "(function (native, global) {\n");
    duk_push_lstring(ctx, src, len);
    duk_push_string(ctx, "\n})");
    duk_concat(ctx, 3);
    free(src);
    duk_push_sprintf(ctx, "internal:%s", name);
    if (duk_pcompile(ctx, DUK_COMPILE_EVAL) != 0 || duk_pcall(ctx, 0) != 0) {
        fprintf(stderr, "fuzz_url: %s does not compile: %s\n", name, duk_safe_to_string(ctx, -1));
        exit(2);
    }
    duk_dup(ctx, -2);
    duk_push_global_object(ctx);
    if (duk_pcall(ctx, 2) != 0) {
        fprintf(stderr, "fuzz_url: %s failed: %s\n", name, duk_safe_to_stacktrace(ctx, -1));
        exit(2);
    }
    duk_pop(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("RT_JS_DIR"), *so = getenv("FUZZ_URL_SPECIAL_ONLY");
    special_only = so && strcmp(so, "1") == 0;
    if (!dir)
        dir = "lib/engine/js";
    ctx = duk_create_heap(NULL, NULL, NULL, NULL, fatal);
    if (!ctx)
        abort();
    duk_push_object(ctx);                  /* native */
    /* native.hide is C in the runtime (lib/runtime.c); the same semantics in JS here */
    duk_push_string(ctx, "(function (o, k, v) { Object.defineProperty(o, k, {value: v, "
                         "writable: true, enumerable: false, configurable: true}); })");
    if (duk_peval(ctx) != 0)
        abort();
    duk_put_prop_string(ctx, -2, "hide");
    load_module(dir, "00-iter.js");
    load_module(dir, "20-url.js");
    duk_pop(ctx);
    duk_push_string(ctx, CHECKER);
    duk_push_string(ctx, "fuzz_url:checker");
    if (duk_pcompile(ctx, DUK_COMPILE_EVAL) != 0 || duk_pcall(ctx, 0) != 0) {
        fprintf(stderr, "fuzz_url: checker: %s\n", duk_safe_to_string(ctx, -1));
        exit(2);
    }
    duk_put_global_string(ctx, "\xff" "checker");   /* hidden symbol: out of scripts' reach */
    return 0;
}

static void put_unit(char *out, size_t *o, unsigned c)
{
    if (c < 0x80) {
        out[(*o)++] = (char)c;
    } else if (c < 0x800) {
        out[(*o)++] = (char)(0xc0 | c >> 6);
        out[(*o)++] = (char)(0x80 | (c & 0x3f));
    } else {
        out[(*o)++] = (char)(0xe0 | c >> 12);
        out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (c & 0x3f));
    }
}

/* UTF-8 (possibly invalid) -> CESU-8: each maximal invalid sequence becomes U+FFFD, a
   supplementary character a surrogate pair; at most 3 output bytes per input byte */
static size_t utf8_to_cesu8(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned c = in[i], need, min, cp;
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; cp = c & 0x07; }
        else { put_unit(out, &o, 0xfffd); i++; continue; }
        size_t k = 1;
        while (k <= need && i + k < n && (in[i + k] & 0xc0) == 0x80) {
            cp = cp << 6 | (in[i + k] & 0x3f);
            k++;
        }
        if (k <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            put_unit(out, &o, 0xfffd);
            i += k;                        /* the lead byte and the continuations seen */
            continue;
        }
        i += k;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_unit(out, &o, 0xd800 | cp >> 10);
            put_unit(out, &o, 0xdc00 | (cp & 0x3ff));
        } else {
            put_unit(out, &o, cp);
        }
    }
    return o;
}

/* UTF-16LE code units -> CESU-8 (Duktape's internal form; surrogates as 3-byte units) */
static size_t utf16_to_cesu8(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        put_unit(out, &o, in[i] | (unsigned)in[i + 1] << 8);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char conv[3 * 65536];
    if (size > 65536)
        return 0;
    duk_get_global_string(ctx, "\xff" "checker");
    size_t n = size >= 1 && data[0] == 0xfe ? utf16_to_cesu8(data + 1, size - 1, conv)
                                            : utf8_to_cesu8(data, size, conv);
    duk_push_lstring(ctx, conv, n);
    duk_push_boolean(ctx, special_only);
    if (duk_pcall(ctx, 2) != 0) {
        fprintf(stderr, "fuzz_url: error escaped the checker: %s\n", duk_safe_to_stacktrace(ctx, -1));
        abort();
    }
    if (!duk_is_string(ctx, -1) || duk_get_length(ctx, -1) != 0) {
        const char *why = duk_safe_to_string(ctx, -1);
        fprintf(stderr, "fuzz_url: invariant failed: %s\n", why);
        abort();
    }
    duk_pop(ctx);
    if (duk_get_top(ctx) != 0)
        abort();                           /* value stack leak in the harness */
    if (++runs % 4096 == 0)
        duk_gc(ctx, 0);
    return 0;
}
