/*
 * timers.c - setTimeout / setInterval / setImmediate and their clear* functions, and the
 * monotonic clock. Owns the timer heap (lib/timer_heap.c) and the immediate queue.
 *
 * A timer's JS values (callback and extra arguments) live in the heap stash under
 * stash.timers[id] = [callback, arg1, ...] and leave it when the timer is cleared or has
 * fired for the last time; the C node (struct timer) is owned by this file and found from
 * the id through the same entry's hidden pointer. Callbacks run one at a time as
 * macrotasks, each followed by a microtask drain (rt__timers_run); an exception is
 * reported as uncaught and the loop goes on (rt__report_uncaught).
 *
 * Ordering as Node: timers by deadline then creation; a timer added while timers run is
 * not run in the same pass; immediates added while immediates run wait for the next turn.
 */
#include <math.h>
#include <time.h>

#include "engine.h"
#include "timer_heap.h"

struct timer {
    rt__timer_node node;                   /* first: heap pointers cast back to timer */
    double id;
    uint64_t interval;                     /* 0: one-shot */
    int immediate;
    struct timer *next;                    /* immediate queue link */
};

struct rt__timers {
    rt__timer_heap heap;
    uint64_t seq;
    double next_id;
    struct timer *imm_head, *imm_tail;     /* FIFO of immediates */
    size_t count;                          /* timers + immediates alive */
};

#define STASH_KEY "timers"

/* [ ... ] -> [ ... timers ] */
static void push_table(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, STASH_KEY);
    duk_remove(ctx, -2);
}

static void forget(rt_runtime *rt, duk_context *ctx, struct timer *t)
{
    push_table(ctx);
    duk_del_prop_index(ctx, -1, (duk_uarridx_t)t->id);
    duk_pop(ctx);
    rt->timers->count--;
    rt__free(t);
}

/* setTimeout(fn, ms, ...args) and friends share this: [ fn ms args... ] */
static duk_ret_t add_timer(duk_context *ctx, int repeat, int immediate)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    struct rt__timers *ts = rt->timers;
    duk_idx_t nargs = duk_get_top(ctx);
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "The \"callback\" argument must be of type function");
    uint64_t delay = 0;
    duk_idx_t first_arg = 1;
    if (!immediate) {
        double d = nargs > 1 ? duk_to_number(ctx, 1) : 0;
        /* As Node: NaN, below 1 or beyond 2^31-1 become 1. */
        if (!(d >= 1 && d <= 2147483647.0))
            d = 1;
        delay = (uint64_t)d;
        first_arg = 2;
    }
    struct timer *t = rt__calloc(1, sizeof *t);
    if (!t)
        return duk_error(ctx, DUK_ERR_ERROR, "out of memory");
    t->id = ++ts->next_id;
    t->immediate = immediate;
    t->interval = repeat ? delay : 0;
    t->node.deadline = rt__now_ms() + delay;
    t->node.seq = ++ts->seq;
    t->node.index = SIZE_MAX;
    /* stash.timers[id] = [ptr, fn, args...] */
    push_table(ctx);
    duk_push_array(ctx);
    duk_push_pointer(ctx, t);
    duk_put_prop_index(ctx, -2, 0);
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 1);
    for (duk_idx_t i = first_arg; i < nargs; i++) {
        duk_dup(ctx, i);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)(i - first_arg + 2));
    }
    duk_put_prop_index(ctx, -2, (duk_uarridx_t)t->id);
    duk_pop(ctx);
    if (immediate) {
        if (ts->imm_tail)
            ts->imm_tail->next = t;
        else
            ts->imm_head = t;
        ts->imm_tail = t;
    } else if (rt__theap_push(&ts->heap, &t->node)) {
        push_table(ctx);
        duk_del_prop_index(ctx, -1, (duk_uarridx_t)t->id);
        rt__free(t);
        return duk_error(ctx, DUK_ERR_ERROR, "out of memory");
    }
    ts->count++;
    if (!immediate && rt->host_loop)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
    duk_push_number(ctx, t->id);
    return 1;
}

static duk_ret_t js_set_timeout(duk_context *ctx) { return add_timer(ctx, 0, 0); }
static duk_ret_t js_set_interval(duk_context *ctx) { return add_timer(ctx, 1, 0); }
static duk_ret_t js_set_immediate(duk_context *ctx) { return add_timer(ctx, 0, 1); }

/* clearTimeout(id), clearInterval(id), clearImmediate(id): unknown ids are ignored. */
static duk_ret_t js_clear(duk_context *ctx)
{
    rt_runtime *rt = rt__from_ctx(ctx);
    if (!duk_is_number(ctx, 0))
        return 0;
    double id = duk_get_number(ctx, 0);
    if (!(id >= 1 && id == floor(id)))
        return 0;
    push_table(ctx);
    if (!duk_get_prop_index(ctx, -1, (duk_uarridx_t)id))
        return 0;
    duk_get_prop_index(ctx, -1, 0);
    struct timer *t = duk_get_pointer(ctx, -1);
    if (!t)
        return 0;
    if (t->immediate) {
        struct timer **pp = &rt->timers->imm_head, *prev = NULL;
        while (*pp && *pp != t) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = t->next;
            if (rt->timers->imm_tail == t)
                rt->timers->imm_tail = prev;
        }
    } else {
        rt__theap_remove(&rt->timers->heap, &t->node);
    }
    forget(rt, ctx, t);
    return 0;
}

/* Call timer t's callback with its arguments; report a throw. Returns 0 if the timer
   was cleared by its own callback (t is freed then). */
static int fire(rt_runtime *rt, struct timer *t)
{
    duk_context *ctx = rt->ctx;
    double id = t->id;
    push_table(ctx);
    if (!duk_get_prop_index(ctx, -1, (duk_uarridx_t)id)) {
        duk_pop_2(ctx);
        return 0;
    }
    /* [ ... timers entry ] */
    duk_idx_t entry = duk_get_top_index(ctx);
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, entry);
    duk_get_prop_index(ctx, entry, 1);
    duk_push_undefined(ctx);
    for (duk_uarridx_t i = 2; i < n; i++)
        duk_get_prop_index(ctx, entry, i);
    /* [ ... timers entry fn undefined args... ] */
    if (duk_pcall_method(ctx, (duk_idx_t)(n - 2)) != DUK_EXEC_SUCCESS)
        rt__report_uncaught(rt, ctx, -1, "Uncaught");
    duk_pop_3(ctx);
    /* Still registered? clearInterval inside the callback removes the entry. */
    push_table(ctx);
    int alive = duk_has_prop_index(ctx, -1, (duk_uarridx_t)id);
    duk_pop(ctx);
    return alive;
}

void rt__timers_run(rt_runtime *rt)
{
    struct rt__timers *ts = rt->timers;
    uint64_t now = rt__now_ms();
    /* Timers phase: only those due at the start of the pass. */
    uint64_t limit_seq = ts->seq;
    for (;;) {
        if (rt->stop)
            return;
        rt__timer_node *n = rt__theap_peek(&ts->heap);
        if (!n || n->deadline > now || n->seq > limit_seq)
            break;
        struct timer *t = (struct timer *)n;
        rt__theap_remove(&ts->heap, n);
        if (fire(rt, t)) {
            if (t->interval && t->node.index == SIZE_MAX) {
                t->node.deadline = rt__now_ms() + t->interval;
                t->node.seq = ++ts->seq;
                if (rt__theap_push(&ts->heap, &t->node))
                    forget(rt, rt->ctx, t);
            } else if (!t->interval) {
                forget(rt, rt->ctx, t);
            }
        }
        rt__microtask_drain(rt);
    }
}

void rt__immediates_run(rt_runtime *rt)
{
    struct rt__timers *ts = rt->timers;
    struct timer *last = ts->imm_tail;     /* those added now wait for the next turn */
    while (ts->imm_head && !rt->stop) {
        struct timer *t = ts->imm_head;
        ts->imm_head = t->next;
        if (!ts->imm_head)
            ts->imm_tail = NULL;
        t->next = NULL;
        if (fire(rt, t))
            forget(rt, rt->ctx, t);
        rt__microtask_drain(rt);
        if (t == last)
            break;
    }
}

int64_t rt__timers_next_timeout(rt_runtime *rt)
{
    struct rt__timers *ts = rt->timers;
    if (ts->imm_head)
        return 0;
    rt__timer_node *n = rt__theap_peek(&ts->heap);
    if (!n)
        return -1;
    uint64_t now = rt__now_ms();
    return n->deadline <= now ? 0 : (int64_t)(n->deadline - now);
}

int rt__timers_alive(rt_runtime *rt)
{
    return rt->timers && rt->timers->count > 0;
}

int rt__timers_init(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    rt->timers = rt__calloc(1, sizeof *rt->timers);
    if (!rt->timers)
        return RT_ENOMEM;
    duk_push_heap_stash(ctx);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, STASH_KEY);
    duk_pop(ctx);
    static const duk_function_list_entry fns[] = {
        {"setTimeout", js_set_timeout, DUK_VARARGS},
        {"setInterval", js_set_interval, DUK_VARARGS},
        {"setImmediate", js_set_immediate, DUK_VARARGS},
        {"clearTimeout", js_clear, 1},
        {"clearInterval", js_clear, 1},
        {"clearImmediate", js_clear, 1},
        {NULL, NULL, 0}};
    duk_push_global_object(ctx);
    duk_put_function_list(ctx, -1, fns);
    duk_pop(ctx);
    return 0;
}

void rt__timers_free(rt_runtime *rt)
{
    struct rt__timers *ts = rt->timers;
    if (!ts)
        return;
    rt__timer_node *n;
    while ((n = rt__theap_pop(&ts->heap)) != NULL)
        rt__free(n);
    while (ts->imm_head) {
        struct timer *t = ts->imm_head;
        ts->imm_head = t->next;
        rt__free(t);
    }
    rt__theap_free(&ts->heap);
    rt__free(ts);
    rt->timers = NULL;
}
