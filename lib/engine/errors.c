/*
 * errors.c - errors as the host and scripts see them. Owns:
 * - Error.prototype.stack: a getter that formats the traceback as Node does ("    at f
 *   (file:line)"), without the engine's C source positions (duk_js_compiler.c:5194) or
 *   Duktape's frame flags; Duktape's setter stays;
 * - Duktape.errCreate: records the column of a syntax error (the compiler knows its
 *   position only while the error is made) and turns the engine's "alloc failed" into a
 *   RangeError when the runtime's memory limit refused the allocation;
 * - the last error (rt_last_error): name, message, file, line, column, stack, the source
 *   line, and the report text (file:line:column, the source line and a caret, then
 *   "Uncaught ..."), built when an error is reported or returned (rt__errors_record);
 * - the source text of the scripts and modules the runtime compiled (for that excerpt),
 *   most recent first, up to SOURCES_MAX bytes.
 * Callers: report.c (uncaught errors), runtime.c (eval), interrupt.c. Loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define SOURCES_MAX (16u << 20)            /* bytes of source text kept for excerpts */
#define COL_KEY DUK_HIDDEN_SYMBOL("rtcol")
#define SOURCES_KEY "errsources"

/* The last error: every string owned here (rt__malloc'd). */
struct rt__errors {
    int have;
    rt_error e;
    char *name, *message, *file, *stack, *source_line, *text;
    size_t sources_bytes;                  /* kept source text */
    uint64_t denied_seen;                  /* the memory owner's refusals already turned
                                              into RangeErrors */
};

static char *dup_or_empty(const char *s)
{
    return rt__strdup(s ? s : "");
}

static void clear_last(struct rt__errors *er)
{
    rt__free(er->name);
    rt__free(er->message);
    rt__free(er->file);
    rt__free(er->stack);
    rt__free(er->source_line);
    rt__free(er->text);
    er->name = er->message = er->file = er->stack = er->source_line = er->text = NULL;
    er->have = 0;
}

/* ---- frames and the stack text ---- */

struct fmt {
    rt__buf *out;
    int first_js;                          /* where: the innermost script position */
    rt__dx_frame where;
    char where_file[512];
};

static void put_frame(void *ud, const rt__dx_frame *f)
{
    struct fmt *fm = ud;
    rt__buf *b = fm->out;
    const char *file = f->file && *f->file ? f->file : "<anonymous>";
    /* where it happened: the innermost frame of a script - not native code, nor the
       runtime's own JavaScript layer ("internal:50-fetch.js") */
    if (fm->first_js && f->kind != RT__DX_FRAME_NATIVE && f->file &&
        strncmp(f->file, "internal:", 9) != 0) {
        fm->first_js = 0;
        fm->where = *f;
        snprintf(fm->where_file, sizeof fm->where_file, "%s", f->file ? f->file : "");
    }
    if (!b)
        return;
    rt__buf_puts(b, "\n    at ");
    if (f->kind == RT__DX_FRAME_NATIVE) {
        rt__buf_printf(b, "%s (native)", f->name && *f->name ? f->name : "<anonymous>");
        return;
    }
    /* Duktape names program code "global": Node shows such frames without a name */
    int named = f->kind == RT__DX_FRAME_JS && f->name && *f->name &&
                strcmp(f->name, "global") != 0;
    if (named)
        rt__buf_printf(b, "%s (", f->name);
    rt__buf_puts(b, file);
    if (f->line > 0)
        rt__buf_printf(b, ":%ld", f->line);
    if (f->column > 0)
        rt__buf_printf(b, ":%ld", f->column);
    if (named)
        rt__buf_puts(b, ")");
}

/* The column errCreate recorded on the error at idx (0: none). */
static long compile_column(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    if (!duk_is_object(ctx, idx))
        return 0;
    duk_get_prop_string(ctx, idx, COL_KEY);
    long c = duk_is_number(ctx, -1) ? (long)duk_get_number(ctx, -1) : 0;
    duk_pop(ctx);
    return c;
}

/* "Name: message" as Error.prototype.toString makes it, without calling scripts' code:
   own or inherited data properties only. */
static void error_head(duk_context *ctx, duk_idx_t idx, rt__buf *b)
{
    const char *name = "Error", *msg = "";
    idx = duk_normalize_index(ctx, idx);
    duk_get_prop_string(ctx, idx, "name");
    if (duk_is_string(ctx, -1))
        name = duk_get_string(ctx, -1);
    duk_get_prop_string(ctx, idx, "message");
    if (duk_is_string(ctx, -1))
        msg = duk_get_string(ctx, -1);
    if (!*name)
        rt__buf_puts(b, msg);
    else if (!*msg)
        rt__buf_puts(b, name);
    else
        rt__buf_printf(b, "%s: %s", name, msg);
    duk_pop_2(ctx);
}

/* Error.prototype.stack getter: [ ] -> [ string ] */
static duk_ret_t js_stack_get(duk_context *ctx)
{
    duk_push_this(ctx);
    if (!duk_is_object(ctx, -1))
        return 0;
    rt__buf b = {0};
    error_head(ctx, -1, &b);
    struct fmt fm = {&b, 1, {0}, ""};
    rt__dx_error_frames(ctx, -1, (int)compile_column(ctx, -1), put_frame, &fm);
    if (!b.data) {
        duk_push_string(ctx, "");
        return 1;
    }
    duk_push_lstring(ctx, b.data, b.len);
    rt__buf_free(&b);
    return 1;
}

/* Duktape.errCreate(err): called as each error is made (also while compiling). Must not
   throw: what it throws would replace the error. */
static duk_ret_t err_create_safe(duk_context *ctx, void *udata)
{
    rt_runtime *rt = udata;
    /* [ err ] */
    long col = rt__dx_compile_column(ctx);
    if (col > 0) {
        duk_push_number(ctx, (double)col);
        duk_put_prop_string(ctx, 0, COL_KEY);
    }
    if (rt && rt->mem && rt->errors) {
        rt__mem_stats ms;
        rt__mem_get(rt->mem, &ms);
        if (ms.denied != rt->errors->denied_seen) {
            rt->errors->denied_seen = ms.denied;
            /* the engine's "alloc failed" Error, caused by our limit: a RangeError, as the
               runtime promises (the message property exists: overwriting it allocates
               nothing; the text is interned at start-up) */
            duk_get_prop_string(ctx, 0, "message");
            int alloc = duk_is_string(ctx, -1) && strcmp(duk_get_string(ctx, -1),
                                                         "alloc failed") == 0;
            duk_pop(ctx);
            if (alloc) {
                duk_push_global_object(ctx);
                duk_get_prop_string(ctx, -1, "RangeError");
                duk_get_prop_string(ctx, -1, "prototype");
                duk_set_prototype(ctx, 0);
                duk_pop_2(ctx);
                duk_push_heap_stash(ctx);
                duk_get_prop_string(ctx, -1, "oommsg");
                duk_put_prop_string(ctx, 0, "message");
                duk_pop(ctx);
            }
        }
    }
    return 0;
}

static duk_ret_t js_err_create(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    if (duk_is_object(ctx, 0)) {
        duk_dup(ctx, 0);
        duk_safe_call(ctx, err_create_safe, rt__rt_of(ctx), 1, 1);
        duk_pop(ctx);
    }
    return 1;                              /* the error itself */
}

static duk_ret_t init_safe(duk_context *ctx, void *udata)
{
    (void)udata;
    /* Error.prototype.stack: our getter, Duktape's setter */
    duk_push_global_object(ctx);
    duk_get_prop_string(ctx, -1, "Error");
    duk_get_prop_string(ctx, -1, "prototype");
    duk_push_string(ctx, "stack");
    duk_push_c_function(ctx, js_stack_get, 0);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_SET_CONFIGURABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE);
    duk_pop_3(ctx);
    /* Duktape.errCreate */
    duk_get_global_string(ctx, "Duktape");
    duk_push_string(ctx, "errCreate");
    duk_push_c_function(ctx, js_err_create, 1);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_SET_CONFIGURABLE | DUK_DEFPROP_CLEAR_ENUMERABLE);
    duk_pop(ctx);
    duk_push_heap_stash(ctx);
    duk_push_string(ctx, "out of memory: the runtime's memory limit was reached");
    duk_put_prop_string(ctx, -2, "oommsg");
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, SOURCES_KEY);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, SOURCES_KEY "order");
    duk_pop(ctx);
    return 0;
}

int rt__errors_init(rt_runtime *rt)
{
    rt->errors = rt__calloc(1, sizeof *rt->errors);
    if (!rt->errors)
        return RT_ENOMEM;
    int ok = duk_safe_call(rt->ctx, init_safe, NULL, 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(rt->ctx);
    return ok ? 0 : RT_ENOMEM;
}

void rt__errors_free(rt_runtime *rt)
{
    if (!rt->errors)
        return;
    clear_last(rt->errors);
    rt__free(rt->errors);
    rt->errors = NULL;
}

/* ---- kept sources ---- */

struct keep_args {
    const char *name, *src;
    size_t len;
};

static duk_ret_t keep_safe(duk_context *ctx, void *udata)
{
    struct keep_args *k = udata;
    rt_runtime *rt = rt__rt_of(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, SOURCES_KEY);
    duk_get_prop_string(ctx, -2, SOURCES_KEY "order");
    /* [ stash sources order ] */
    if (duk_get_prop_string(ctx, -2, k->name))
        rt->errors->sources_bytes -= duk_get_length(ctx, -1);
    duk_pop(ctx);
    duk_push_lstring(ctx, k->src, k->len);
    duk_put_prop_string(ctx, -3, k->name);
    rt->errors->sources_bytes += k->len;
    duk_push_string(ctx, k->name);
    duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
    /* oldest first out, until the text kept fits (the newest always stays) */
    while (rt->errors->sources_bytes > SOURCES_MAX && duk_get_length(ctx, -1) > 1) {
        duk_get_prop_string(ctx, -1, "shift");
        duk_dup(ctx, -2);
        duk_call_method(ctx, 0);
        const char *old = duk_get_string(ctx, -1);
        if (old && strcmp(old, k->name) != 0 && duk_get_prop_string(ctx, -3, old)) {
            rt->errors->sources_bytes -= duk_get_length(ctx, -1);
            duk_pop(ctx);
            duk_del_prop_string(ctx, -3, old);
        } else {
            duk_pop(ctx);
        }
        duk_pop(ctx);
    }
    return 0;
}

void rt__errors_keep_source(rt_runtime *rt, const char *name, const char *src, size_t len)
{
    if (!rt->errors || !name || len > SOURCES_MAX)
        return;
    struct keep_args k = {name, src, len};
    duk_safe_call(rt->ctx, keep_safe, &k, 0, 1);   /* on failure: no excerpt, that is all */
    duk_pop(rt->ctx);
}

/* The text of line `line` (1-based) in src[0..len), rt__malloc'd; NULL if there is none. */
static char *nth_line(const char *src, size_t len, long line)
{
    const char *p = src, *end = src + len;
    for (long l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    if (p >= end && !(p == end && line == 1 && len == 0))
        return NULL;
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    return rt__strndup(p, (size_t)(e - p));
}

struct line_args {
    const char *file;
    long line;
    char *out;
};

static duk_ret_t kept_line_safe(duk_context *ctx, void *udata)
{
    struct line_args *a = udata;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, SOURCES_KEY);
    if (duk_get_prop_string(ctx, -1, a->file) && duk_is_string(ctx, -1)) {
        duk_size_t n;
        const char *src = duk_get_lstring(ctx, -1, &n);
        a->out = nth_line(src, n, a->line);
        if (!a->out)
            a->out = rt__strdup("");       /* kept, but no such line: do not read the file */
    }
    return 0;
}

/* Line `line` (1-based) of the source kept for file, rt__malloc'd; NULL if unknown. For a
   file not kept (evicted), the file itself if readable. */
static char *source_line(rt_runtime *rt, const char *file, long line)
{
    if (!file || !*file || line <= 0 || strncmp(file, "internal:", 9) == 0)
        return NULL;
    struct line_args a = {file, line, NULL};
    duk_safe_call(rt->ctx, kept_line_safe, &a, 0, 1);
    duk_pop(rt->ctx);
    if (a.out) {
        if (!*a.out) {
            rt__free(a.out);
            return NULL;
        }
        return a.out;
    }
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    rt__buf b = {0};
    char chunk[8192];
    size_t n;
    long seen = 1;
    /* read only up to the end of the wanted line */
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && rt__buf_append(&b, chunk, n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (chunk[i] == '\n')
                seen++;
        if (seen > line)
            break;
    }
    fclose(f);
    char *out = b.data ? nth_line(b.data, b.len, line) : NULL;
    rt__buf_free(&b);
    return out;
}

/* ---- the last error ---- */

struct record_args {
    rt_runtime *rt;
    duk_idx_t idx;
    const char *prefix;
    rt__buf text;
    char *name, *message, *stack, *file;
    long line, column;
};

/* [ ... ] -> [ ... ]: fill a from the value at a->idx (may throw: a safe call) */
static duk_ret_t record_safe(duk_context *ctx, void *udata)
{
    struct record_args *a = udata;
    duk_idx_t v = a->idx;
    int is_err = duk_is_error(ctx, v);
    if (is_err || duk_is_object(ctx, v)) {
        duk_get_prop_string(ctx, v, "name");
        if (is_err && duk_is_string(ctx, -1))
            a->name = rt__strdup(duk_get_string(ctx, -1));
        duk_get_prop_string(ctx, v, "message");
        if (is_err && duk_is_string(ctx, -1))
            a->message = rt__strdup(duk_get_string(ctx, -1));
        duk_pop_2(ctx);
    }
    if (!a->message) {
        duk_dup(ctx, v);
        a->message = rt__strdup(duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
    }
    if (is_err) {
        struct fmt fm = {NULL, 1, {0}, ""};
        rt__dx_error_frames(ctx, v, (int)compile_column(ctx, v), put_frame, &fm);
        if (!fm.first_js) {
            a->file = rt__strdup(fm.where_file);
            a->line = fm.where.line;
            a->column = fm.where.column;
        }
        /* Error.prototype.stack (ours, js_stack_get), or a stack of the error's own (fetch's
           errors keep their cause's) */
        duk_get_prop_string(ctx, v, "stack");
        if (duk_is_string(ctx, -1))
            a->stack = rt__strdup(duk_get_string(ctx, -1));
        duk_pop(ctx);
    }
    return 0;
}

const char *rt__errors_record(rt_runtime *rt, duk_context *ctx, duk_idx_t idx, int code,
                              const char *prefix, int promise)
{
    struct rt__errors *er = rt->errors;
    idx = duk_normalize_index(ctx, idx);
    struct record_args a;
    memset(&a, 0, sizeof a);
    a.rt = rt;
    a.idx = idx;
    if (duk_safe_call(ctx, record_safe, &a, 0, 1) != DUK_EXEC_SUCCESS) {
        /* out of memory, most likely: what we have */
    }
    duk_pop(ctx);
    char *line = a.file ? source_line(rt, a.file, a.line) : NULL;
    /* the report: where, the line and a caret, then "Uncaught <inspected value>" */
    rt__buf t = {0};
    if (a.file && *a.file && a.line > 0 && line) {
        rt__buf_printf(&t, "%s:%ld", a.file, a.line);
        if (a.column > 0)
            rt__buf_printf(&t, ":%ld", a.column);
        rt__buf_printf(&t, "\n%s\n", line);
        if (a.column > 0) {
            /* the caret under the column: tabs kept so it lines up in a terminal */
            long col = 1;
            for (const char *p = line; *p && col < a.column; p++) {
                if ((*p & 0xc0) == 0x80)
                    continue;
                rt__buf_puts(&t, *p == '\t' ? "\t" : " ");
                col++;
            }
            rt__buf_puts(&t, "^\n");
        }
        rt__buf_puts(&t, "\n");
    }
    if (prefix && *prefix) {
        rt__buf_puts(&t, prefix);
        rt__buf_puts(&t, " ");
    }
    rt__inspect(ctx, idx, &t);
    if (!t.data)                           /* nothing could be allocated: say that much */
        snprintf(rt->errmsg, sizeof rt->errmsg, "%s%s(the error could not be formatted: out "
                 "of memory)", prefix ? prefix : "", prefix ? " " : "");
    else
        snprintf(rt->errmsg, sizeof rt->errmsg, "%s", t.data);
    if (er) {
        clear_last(er);
        er->have = 1;
        er->name = a.name ? a.name : dup_or_empty(NULL);
        er->message = a.message ? a.message : dup_or_empty(NULL);
        er->file = a.file ? a.file : dup_or_empty(NULL);
        er->stack = a.stack ? a.stack : dup_or_empty(a.message);
        er->source_line = line ? line : dup_or_empty(NULL);
        er->text = t.data ? t.data : dup_or_empty(NULL);
        er->e.code = code;
        er->e.line = (int)a.line;
        er->e.column = (int)a.column;
        er->e.promise = promise;
        return er->text && *er->text ? er->text : rt->errmsg;
    }
    rt__free(a.name);
    rt__free(a.message);
    rt__free(a.file);
    rt__free(a.stack);
    rt__free(line);
    rt__buf_free(&t);
    return rt->errmsg;
}

void rt__errors_interrupted(rt_runtime *rt, int deadline)
{
    struct rt__errors *er = rt->errors;
    if (!er)
        return;
    clear_last(er);
    const char *msg = deadline ? "execution interrupted: the deadline passed"
                               : "execution interrupted";
    er->have = 1;
    er->name = dup_or_empty(NULL);
    er->message = dup_or_empty(msg);
    er->file = dup_or_empty(NULL);
    er->stack = dup_or_empty(msg);
    er->source_line = dup_or_empty(NULL);
    er->text = dup_or_empty(msg);
    er->e.code = RT_EINTERRUPTED;
    er->e.line = er->e.column = 0;
    er->e.promise = 0;
}

int rt_last_error(rt_runtime *rt, rt_error *out)
{
    if (!rt || !out)
        return RT_EINVAL;
    struct rt__errors *er = rt->errors;
    if (!er || !er->have)
        return RT_ENOENT;
    *out = er->e;
    /* a string we could not copy (out of memory) reads as "" */
    out->name = er->name ? er->name : "";
    out->message = er->message ? er->message : "";
    out->file = er->file ? er->file : "";
    out->stack = er->stack ? er->stack : "";
    out->source_line = er->source_line ? er->source_line : "";
    out->text = er->text ? er->text : "";
    return 0;
}
