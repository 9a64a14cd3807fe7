/*
 * microtask.c - the microtask (job) queue: promise reactions, thenable adoption jobs and
 * queueMicrotask callbacks, run in FIFO order until the queue is empty after the main
 * script and after every macrotask (timer, immediate, I/O event).
 *
 * Jobs live in the heap stash as `stash.jobs`, an array of [fn, arg1, ...]. A drain swaps
 * the array for an empty one and runs the batch; jobs queued meanwhile land in the new
 * array and run in the next round of the same drain, so order is FIFO and the queue
 * costs O(1) per job. An exception thrown by a job is reported as uncaught (the drain
 * goes on); after the last job the unhandled-rejection check runs (lib/promise.c).
 */
#include "engine.h"

void rt__microtask_push(duk_context *ctx, duk_idx_t nargs)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    duk_idx_t base = duk_get_top(ctx) - nargs - 1;
    duk_push_array(ctx);
    for (duk_idx_t i = 0; i <= nargs; i++) {
        duk_dup(ctx, base + i);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
    }
    /* [ ... fn args... job ] */
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "jobs");
    duk_dup(ctx, -3);
    duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
    duk_pop_n(ctx, 3 + nargs + 1);
    rt->microtasks_pending++;
}

static duk_ret_t run_job(duk_context *ctx, void *udata)
{
    (void)udata;
    /* [ ... job ]: a safe call sees the caller's whole stack, so index from the top */
    duk_idx_t job = duk_get_top_index(ctx);
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, job);
    duk_get_prop_index(ctx, job, 0);
    duk_push_undefined(ctx);
    for (duk_uarridx_t i = 1; i < n; i++)
        duk_get_prop_index(ctx, job, i);
    duk_call_method(ctx, (duk_idx_t)(n - 1));
    return 0;
}

void rt__microtask_drain(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    if (rt->draining || !ctx)
        return;
    rt->draining = 1;
    do {
        while (rt->microtasks_pending > 0 && !rt->stop) {
            duk_push_heap_stash(ctx);
            duk_get_prop_string(ctx, -1, "jobs");
            duk_push_array(ctx);
            duk_put_prop_string(ctx, -3, "jobs");
            duk_remove(ctx, -2);
            /* [ ... batch ] */
            duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
            for (duk_uarridx_t i = 0; i < n; i++) {
                rt->microtasks_pending--;
                if (rt->stop)
                    continue;
                duk_get_prop_index(ctx, -1, i);
                if (duk_safe_call(ctx, run_job, NULL, 1, 1) != DUK_EXEC_SUCCESS)
                    rt__report_uncaught(rt, ctx, -1, "Uncaught");
                duk_pop(ctx);
            }
            duk_pop(ctx);
        }
        if (!rt->stop)
            rt__promise_report_unhandled(rt);   /* once the queue is empty, as Node */
    } while (rt->microtasks_pending > 0 && !rt->stop);
    rt->draining = 0;
}

/* queueMicrotask(fn) */
static duk_ret_t js_queue_microtask(duk_context *ctx)
{
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "The \"callback\" argument must be of type function");
    duk_dup(ctx, 0);
    rt__microtask_push(ctx, 0);
    return 0;
}

int rt__microtask_init(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "jobs");
    duk_pop(ctx);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, js_queue_microtask, 1);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, "queueMicrotask");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_put_prop_string(ctx, -2, "queueMicrotask");
    duk_pop(ctx);
    return 0;
}
