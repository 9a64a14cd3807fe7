/*
 * report.c - how the engine side finds its runtime and tells about failures: the runtime
 * that owns a Duktape context, the last failure's message next to the code returned
 * (rt_errmsg, curl's failf), and uncaught errors and warnings sent to the host's report
 * function (or stderr). Loop thread. The error itself is taken apart in lib/engine/errors.c.
 *
 * An error that reaches us while an interrupt is pending is the interrupt's own RangeError
 * (lib/engine/interrupt.c): it is not reported, the runtime stops, and the loop or eval
 * call returns RT_EINTERRUPTED.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"

rt_runtime *rt__from_ctx(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "rt");
    rt_runtime *rt = duk_get_pointer(ctx, -1);
    duk_pop_2(ctx);
    return rt;
}

/* ---- reporting ---- */

void rt__report(rt_runtime *rt, const char *text)
{
    if (rt->cfg.report) {
        rt->cfg.report(rt->cfg.report_userdata, text);
        return;
    }
    fflush(stdout);
    fputs(text, stderr);
    if (!*text || text[strlen(text) - 1] != '\n')
        fputc('\n', stderr);
    fflush(stderr);
}

void rt__report_uncaught(rt_runtime *rt, duk_context *ctx, duk_idx_t idx, const char *prefix)
{
    if (rt->interrupted || rt__interrupt_pending(rt)) {
        rt->interrupted = 1;
        rt->stop = 1;
        rt->stop_code = RT_EINTERRUPTED;
        return;
    }
    int promise = prefix && strstr(prefix, "promise") != NULL;
    const char *text = rt__errors_record(rt, ctx, idx, RT_EJS, prefix, promise);
    if (rt->cfg.on_error) {
        rt_error e;
        if (rt_last_error(rt, &e) == 0)
            rt->cfg.on_error(rt->cfg.on_error_userdata, rt, &e);
    } else {
        rt__report(rt, text);
    }
    rt->uncaught++;
    if (rt->cfg.stop_on_uncaught) {
        rt->stop = 1;
        rt->stop_code = RT_EJS;
    }
}

int rt__fail(rt_runtime *rt, int code, const char *fmt, ...)
{
    if (!rt)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rt->errmsg, sizeof rt->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

const char *rt_errmsg(rt_runtime *rt)
{
    return rt ? rt->errmsg : "";
}
