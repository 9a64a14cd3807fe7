/*
 * microtask.c - the microtask (job) queue: promise reactions, thenable adoption jobs,
 * queueMicrotask callbacks and C callbacks, run in FIFO order until the queue is empty after
 * the main script and after every macrotask (timer, immediate, I/O event).
 *
 * The queue is a ring of job records (struct rt__job: kind, a small integer, a C function
 * and its data) in a Duktape buffer, with each record's JS values (up to RT_JOB_VALS) in a
 * dense stash Array at RT_JOB_VALS * slot, where the collector sees them. Queuing a job
 * writes one record and its values straight into the Array's storage: no function object,
 * array or closure per job. Running a job takes its values out (the slots become undefined,
 * so a job that ran holds nothing). The ring doubles when full (records and values moved in
 * order), and shrinks back once empty after a burst. A drain runs jobs inside one protected call; a job that throws
 * is reported as uncaught and the drain resumes with the next job. After the last job the
 * unhandled-rejection check runs (promise.c). Callers: promise.c (reactions, adoption),
 * queueMicrotask, rt__microtask_push_c for C users; the loop drains (loop.c, timers.c...).
 */
#include <string.h>

#include "engine.h"

#define JOBS_MIN 64

rt_runtime *rt__rt_of(duk_context *ctx)
{
    return rt__dx_heap_udata(ctx);
}

/* Double the ring: [ ... ] -> [ ... ]. Throws on allocation failure (nothing changed). */
static void grow(duk_context *ctx, rt_runtime *rt)
{
    uint32_t cap = rt->job_cap, ncap = cap ? cap * 2 : JOBS_MIN;
    if (ncap < cap || ncap > UINT32_MAX / RT_JOB_VALS)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "microtask queue too long");
    duk_push_heap_stash(ctx);
    duk_push_fixed_buffer(ctx, (duk_size_t)ncap * sizeof(struct rt__job));
    struct rt__job *nj = duk_get_buffer(ctx, -1, NULL);
    rt__dx_push_array_n(ctx, ncap * RT_JOB_VALS);
    void *nv = duk_get_heapptr(ctx, -1);
    /* [ ... stash buf vals ]: move records and values, oldest first */
    uint32_t n = (uint32_t)rt->microtasks_pending;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t from = (rt->job_head + k) & (cap - 1);
        nj[k] = rt->jobs[from];
        for (uint32_t v = 0; v < RT_JOB_VALS; v++) {
            rt__dx_array_take(ctx, rt->job_vals, from * RT_JOB_VALS + v);
            rt__dx_array_put(ctx, nv, k * RT_JOB_VALS + v);
        }
    }
    duk_put_prop_string(ctx, -3, "jobs");
    duk_put_prop_string(ctx, -2, "jobbuf");
    duk_pop(ctx);
    rt->jobs = nj;                         /* the stash holds both */
    rt->job_vals = nv;
    rt->job_cap = ncap;
    rt->job_head = 0;
}

/* After a burst: an empty ring larger than JOBS_SHRINK records goes back to JOBS_MIN, so a
   one-off million-element Promise.all does not keep its queue's memory. */
#define JOBS_SHRINK 4096
static duk_ret_t shrink(duk_context *ctx, void *udata)
{
    rt_runtime *rt = udata;
    duk_push_heap_stash(ctx);
    duk_push_fixed_buffer(ctx, (duk_size_t)JOBS_MIN * sizeof(struct rt__job));
    struct rt__job *nj = duk_get_buffer(ctx, -1, NULL);
    rt__dx_push_array_n(ctx, JOBS_MIN * RT_JOB_VALS);
    void *nv = duk_get_heapptr(ctx, -1);
    duk_put_prop_string(ctx, -3, "jobs");
    duk_put_prop_string(ctx, -2, "jobbuf");
    rt->jobs = nj;
    rt->job_vals = nv;
    rt->job_cap = JOBS_MIN;
    rt->job_head = 0;
    return 0;
}

/* Reserve the next record: its slot index. */
static uint32_t reserve(duk_context *ctx, rt_runtime *rt)
{
    if (rt->microtasks_pending >= rt->job_cap)
        grow(ctx, rt);
    return (uint32_t)((rt->job_head + rt->microtasks_pending) & (rt->job_cap - 1));
}

void rt__microtask_enqueue(duk_context *ctx, int kind, uint32_t aux, int n)
{
    rt_runtime *rt = rt__rt_of(ctx);
    uint32_t slot = reserve(ctx, rt);
    struct rt__job *j = &rt->jobs[slot];
    j->kind = (uint8_t)kind;
    j->aux = aux;
    j->fn = NULL;
    j->data = NULL;
    for (int v = n - 1; v >= 0; v--)       /* [ ... v1 .. vn ]: top is vn */
        rt__dx_array_put(ctx, rt->job_vals, slot * RT_JOB_VALS + (uint32_t)v);
    rt->microtasks_pending++;
}

void rt__microtask_push(duk_context *ctx, duk_idx_t nargs)
{
    if (nargs < 0 || nargs > RT_JOB_VALS - 1)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "rt__microtask_push: too many arguments");
    rt__microtask_enqueue(ctx, RT_JOB_CALL, (uint32_t)nargs, (int)nargs + 1);
}

static duk_ret_t grow_safe(duk_context *ctx, void *udata)
{
    grow(ctx, udata);
    return 0;
}

int rt__microtask_push_c(rt_runtime *rt, void (*fn)(rt_runtime *rt, void *data), void *data)
{
    duk_context *ctx = rt->ctx;
    if (!ctx || !fn)
        return RT_EINVAL;
    if (rt->microtasks_pending >= rt->job_cap) {
        if (duk_safe_call(ctx, grow_safe, rt, 0, 1) != DUK_EXEC_SUCCESS) {
            duk_pop(ctx);
            return RT_ENOMEM;
        }
        duk_pop(ctx);
    }
    uint32_t slot = (uint32_t)((rt->job_head + rt->microtasks_pending) & (rt->job_cap - 1));
    struct rt__job *j = &rt->jobs[slot];
    j->kind = RT_JOB_C;
    j->aux = 0;
    j->fn = fn;
    j->data = data;
    rt->microtasks_pending++;
    return 0;
}

/* Take the oldest record out of the ring: [ ... ] -> [ ... a b c ]. */
static struct rt__job take(duk_context *ctx, rt_runtime *rt)
{
    uint32_t slot = rt->job_head;
    struct rt__job j = rt->jobs[slot];
    rt->job_head = (slot + 1) & (rt->job_cap - 1);
    rt->microtasks_pending--;
    for (uint32_t v = 0; v < RT_JOB_VALS; v++)
        rt__dx_array_take(ctx, rt->job_vals, slot * RT_JOB_VALS + v);
    return j;
}

/* Run jobs until the queue is empty or the runtime stops; an error ends the call (the
   failing job is already out of the ring: the caller reports and calls again). */
static duk_ret_t run_jobs(duk_context *ctx, void *udata)
{
    rt_runtime *rt = udata;
    duk_idx_t base = duk_get_top(ctx);
    while (rt->microtasks_pending > 0 && !rt->stop) {
        struct rt__job j = take(ctx, rt);
        /* [ ... a b c ] */
        switch (j.kind) {
        case RT_JOB_PROMISE:
            rt__promise_job(ctx, j.aux);
            break;
        case RT_JOB_CALL:
            duk_pop_n(ctx, (duk_idx_t)(RT_JOB_VALS - 1 - j.aux));   /* unused values */
            duk_push_undefined(ctx);
            duk_insert(ctx, base + 1);     /* this */
            duk_call_method(ctx, (duk_idx_t)j.aux);
            break;
        case RT_JOB_C:
            j.fn(rt, j.data);
            break;
        }
        duk_set_top(ctx, base);
    }
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
            if (duk_safe_call(ctx, run_jobs, rt, 0, 1) != DUK_EXEC_SUCCESS)
                rt__report_uncaught(rt, ctx, -1, "Uncaught");
            duk_pop(ctx);
        }
        if (rt->stop) {                    /* stopped: drop what is left, unrun */
            while (rt->microtasks_pending > 0) {
                take(ctx, rt);
                duk_pop_n(ctx, RT_JOB_VALS);
            }
        } else {
            rt__promise_report_unhandled(rt);   /* once the queue is empty, as Node */
            rt__gc_policy(rt);             /* may run finalizers ... */
            rt__body_reap(rt);             /* ... whose work may settle promises */
        }
    } while (rt->microtasks_pending > 0 && !rt->stop);
    if (rt->job_cap > JOBS_SHRINK && rt->microtasks_pending == 0) {
        duk_safe_call(ctx, shrink, rt, 0, 1);   /* on failure the big ring stays: fine */
        duk_pop(ctx);
    }
    rt->draining = 0;
}

/* queueMicrotask(fn) */
static duk_ret_t js_queue_microtask(duk_context *ctx)
{
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "The \"callback\" argument must be of type function");
    duk_dup(ctx, 0);
    rt__microtask_enqueue(ctx, RT_JOB_CALL, 0, 1);
    return 0;
}

static duk_ret_t init(duk_context *ctx, void *udata)
{
    rt_runtime *rt = udata;
    if (!rt->jobs)
        grow(ctx, rt);
    duk_push_global_object(ctx);
    rt__dx_push_function(ctx, js_queue_microtask, 1, 0, 1, "queueMicrotask", 0, NULL, 0);
    duk_put_prop_string(ctx, -2, "queueMicrotask");     /* as Node: enumerable */
    return 0;
}

int rt__microtask_init(duk_context *ctx)
{
    int ok = duk_safe_call(ctx, init, rt__rt_of(ctx), 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(ctx);
    return ok ? 0 : RT_ENOMEM;
}
