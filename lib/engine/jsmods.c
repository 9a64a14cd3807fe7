/*
 * jsmods.c - runs the JavaScript half of the core (lib/engine/js/NN-name.js files) at start-up.
 * tools/js2c compiled each file at build time, as the body of `function (native, global)`,
 * into Duktape bytecode (no compiler run at start-up); here each is loaded and called, in
 * file name order (10-dom.js before 20-url.js ...). `native` is the internal object that
 * holds the C bindings (lib/engine/fetch.c fills it); it lives in the heap stash, out of scripts'
 * reach.
 */
#include <string.h>

#include "engine.h"

static duk_ret_t run_module(duk_context *ctx, void *udata)
{
    const rt__js_source *m = udata;
    /* [ ... native ]: a safe call sees the caller's whole stack */
    duk_idx_t native = duk_get_top_index(ctx);
    /* the bytecode is our own, built with this very engine: the loader trusts it */
    duk_push_external_buffer(ctx);
    duk_config_buffer(ctx, -1, (void *)m->bytecode, m->len);
    duk_load_function(ctx);                /* -> the function */
    duk_dup(ctx, native);
    duk_push_global_object(ctx);
    duk_call(ctx, 2);
    return 0;
}

int rt__js_run_all(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    for (const rt__js_source *m = rt__js_sources; m->name; m++) {
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_remove(ctx, -2);
        if (duk_safe_call(ctx, run_module, (void *)m, 1, 1) != DUK_EXEC_SUCCESS) {
            rt__report_uncaught(rt, ctx, -1, "internal module failed:");
            duk_pop(ctx);
            return rt__fail(rt, RT_EJS, "internal module %s failed to load", m->name);
        }
        duk_pop(ctx);
    }
    return 0;
}
