/*
 * console.c - the C side of console: native.write(fd, text, level) hands a line to the
 * host's console hook (rt_config.console) or, by default, to stdio (stdout line-flushed only
 * when it is a terminal, so piped output stays fast; rt_free() flushes it, and the CLI
 * does on SIGINT and at exit), and rt__inspect() formats a value through native.inspect
 * (lib/engine/js/07-console.js) for error reports, falling back to ToString when that is
 * not available or throws.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "text.h"

static duk_ret_t js_write(duk_context *ctx)
{
    int fd = duk_require_int(ctx, 0);
    size_t n;
    const char *s;
    duk_safe_to_string(ctx, 1);
    rt__to_utf8(ctx, 1, &s, &n);           /* UTF-8 out, not Duktape's CESU-8 (emoji) */
    rt_runtime *rt = rt__rt_of(ctx);
    if (rt->cfg.console) {
        int level = duk_get_int_default(ctx, 2, fd == 2 ? RT_CONSOLE_ERROR : RT_CONSOLE_LOG);
        if (level < RT_CONSOLE_LOG || level > RT_CONSOLE_TRACE)
            level = RT_CONSOLE_LOG;
        rt->cfg.console(rt->cfg.console_userdata, level, s, n);
        return 0;
    }
    FILE *f = fd == 2 ? stderr : stdout;
    if (fd == 2)
        fflush(stdout);                    /* keep the two streams in order on a terminal */
    fwrite(s, 1, n, f);
    fputc('\n', f);
    if (fd == 2 || isatty(fileno(f)))
        fflush(f);
    return 0;
}

static duk_ret_t call_inspect(duk_context *ctx, void *udata)
{
    (void)udata;
    /* [ ... value ]: a safe call sees the caller's whole stack */
    duk_idx_t v = duk_get_top_index(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, "inspect");
    if (!duk_is_callable(ctx, -1)) {
        duk_dup(ctx, v);
        duk_to_string(ctx, -1);
        return 1;
    }
    duk_dup(ctx, v);
    duk_call(ctx, 1);
    duk_to_string(ctx, -1);
    return 1;
}

void rt__inspect(duk_context *ctx, duk_idx_t idx, rt__buf *out)
{
    duk_dup(ctx, idx);
    if (duk_safe_call(ctx, call_inspect, NULL, 1, 1) != DUK_EXEC_SUCCESS) {
        duk_pop(ctx);
        duk_dup(ctx, idx);
    }
    duk_size_t n;
    const char *s = duk_safe_to_lstring(ctx, -1, &n);
    rt__buf_append(out, s, n);
    duk_pop(ctx);
}

int rt__console_init(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_push_c_function(ctx, js_write, DUK_VARARGS);
    duk_put_prop_string(ctx, -2, "write");
    duk_pop_2(ctx);
    return 0;
}
