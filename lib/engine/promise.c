/*
 * promise.c - Promise for Duktape 2.7 (which has none), natively in C: the constructor,
 * resolving functions, thenable adoption through PromiseResolveThenableJob, reaction jobs
 * on the microtask queue (lib/engine/microtask.c), then/catch, Promise.resolve/reject, and
 * rejection tracking (HostPromiseRejectionTracker) for the unhandled-rejection report.
 * finally and the combinators (all, allSettled, race, any, AggregateError) are written on
 * top of these in lib/engine/js/05-promise.js, as the spec defines them in terms of then().
 *
 * State lives in hidden-symbol properties of the promise object (invisible to scripts):
 * state (0 pending, 1 fulfilled, 2 rejected), value, the pending reactions (an array of
 * [capPromise, capResolve, capReject, onFulfilled, onRejected]) and the handled flag.
 *
 * Limits (Duktape has no new.target): `new Sub(executor)` for a function Sub whose
 * prototype chain leads to Promise.prototype works when Sub is called with `new` and
 * delegates with Reflect.construct(Promise, args, Sub); statics use `this` as the
 * constructor (NewPromiseCapability(C)), so Promise.resolve.call(Sub, x) builds a Sub.
 * Species (Symbol.species) is not consulted: then() uses this.constructor when it is a
 * constructor other than Promise, else %Promise%.
 */
#include <string.h>

#include "engine.h"

#define K_STATE DUK_HIDDEN_SYMBOL("pstate")
#define K_VALUE DUK_HIDDEN_SYMBOL("pvalue")
#define K_REACT DUK_HIDDEN_SYMBOL("preact")
#define K_DONE DUK_HIDDEN_SYMBOL("pdone")       /* on a resolve function: the pair is used */
#define K_HANDLED DUK_HIDDEN_SYMBOL("phandled")
#define K_TARGET DUK_HIDDEN_SYMBOL("ptarget")
#define K_ONCE DUK_HIDDEN_SYMBOL("ponce")

enum { PENDING = 0, FULFILLED = 1, REJECTED = 2 };

static void push_stash(duk_context *ctx, const char *key)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, key);
    duk_remove(ctx, -2);
}

int rt__is_promise(duk_context *ctx, duk_idx_t idx)
{
    return duk_is_object(ctx, idx) && duk_has_prop_string(ctx, idx, K_STATE);
}

static int get_state(duk_context *ctx, duk_idx_t idx)
{
    duk_get_prop_string(ctx, idx, K_STATE);
    int s = duk_get_int(ctx, -1);
    duk_pop(ctx);
    return s;
}

static void init_slots(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    duk_push_int(ctx, PENDING);
    duk_put_prop_string(ctx, idx, K_STATE);
    /* K_REACT (the reactions list) is made by the first then() on a pending promise */
    duk_push_false(ctx);
    duk_put_prop_string(ctx, idx, K_HANDLED);
}

void rt__promise_new(duk_context *ctx)
{
    duk_push_object(ctx);
    push_stash(ctx, "PromiseProto");
    duk_set_prototype(ctx, -2);
    init_slots(ctx, -1);
}

static duk_ret_t reaction_job(duk_context *ctx);

/* Queue a reaction job: [ ... ] -> [ ... ], reaction at ridx, argument at aidx. */
static void queue_reaction(duk_context *ctx, duk_idx_t ridx, duk_idx_t aidx, int type)
{
    ridx = duk_normalize_index(ctx, ridx);
    aidx = duk_normalize_index(ctx, aidx);
    duk_push_c_function(ctx, reaction_job, 3);
    duk_dup(ctx, ridx);
    duk_dup(ctx, aidx);
    duk_push_int(ctx, type);
    rt__microtask_push(ctx, 3);
}

/* Settle promise at pidx with the value on top (consumed). */
static void settle(duk_context *ctx, duk_idx_t pidx, int state)
{
    pidx = duk_normalize_index(ctx, pidx);
    if (get_state(ctx, pidx) != PENDING) {
        duk_pop(ctx);
        return;
    }
    duk_idx_t vidx = duk_get_top_index(ctx);
    duk_dup(ctx, vidx);
    duk_put_prop_string(ctx, pidx, K_VALUE);
    duk_push_int(ctx, state);
    duk_put_prop_string(ctx, pidx, K_STATE);
    duk_get_prop_string(ctx, pidx, K_REACT);      /* undefined: no reactions (length 0) */
    duk_del_prop_string(ctx, pidx, K_REACT);
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, -1, i);
        queue_reaction(ctx, -1, vidx, state);
        duk_pop(ctx);
    }
    duk_pop(ctx);
    if (state == REJECTED && n == 0) {
        duk_get_prop_string(ctx, pidx, K_HANDLED);
        int handled = duk_get_boolean(ctx, -1);
        duk_pop(ctx);
        if (!handled) {
            /* HostPromiseRejectionTracker(reject): remember until the drain ends */
            push_stash(ctx, "unhandled");
            duk_dup(ctx, pidx);
            duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
            duk_pop(ctx);
        }
    }
    duk_pop(ctx);                          /* the value */
}

void rt__promise_reject(duk_context *ctx, duk_idx_t pidx)
{
    settle(ctx, pidx, REJECTED);
}

static duk_ret_t thenable_job(duk_context *ctx);

static duk_ret_t get_then(duk_context *ctx, void *udata)
{
    (void)udata;
    duk_get_prop_string(ctx, -1, "then");  /* a safe call sees the whole stack: [ ... v ] */
    return 1;
}

/* The resolve function's steps: [ ... value ] -> [ ... ]. */
void rt__promise_resolve(duk_context *ctx, duk_idx_t pidx)
{
    pidx = duk_normalize_index(ctx, pidx);
    duk_idx_t vidx = duk_get_top_index(ctx);
    if (duk_strict_equals(ctx, pidx, vidx)) {
        duk_pop(ctx);
        duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "Chaining cycle detected for promise");
        settle(ctx, pidx, REJECTED);
        return;
    }
    if (!duk_is_object(ctx, vidx)) {       /* functions are objects in Duktape too */
        settle(ctx, pidx, FULFILLED);
        return;
    }
    /* then = value.then, read once; a throwing getter rejects */
    duk_dup(ctx, vidx);
    if (duk_safe_call(ctx, get_then, NULL, 1, 1) != DUK_EXEC_SUCCESS) {
        settle(ctx, pidx, REJECTED);       /* consumes the error */
        duk_pop(ctx);                      /* the value */
        return;
    }
    /* [ ... value then ] */
    if (!duk_is_callable(ctx, -1)) {
        duk_pop(ctx);
        settle(ctx, pidx, FULFILLED);
        return;
    }
    /* NewPromiseResolveThenableJob(promise, value, then) */
    duk_push_c_function(ctx, thenable_job, 3);
    duk_dup(ctx, pidx);
    duk_dup(ctx, vidx);
    duk_dup(ctx, -4);
    rt__microtask_push(ctx, 3);
    duk_pop_2(ctx);                        /* then, value */
}

/* ---- resolving functions: a pair sharing one "already resolved" record ---- */

/* The resolve / reject functions of one pair: the first call of either wins. */
static duk_ret_t resolving(duk_context *ctx, int reject)
{
    /* the pair's "already resolved" flag lives on the resolve function; reject reaches it
       through K_ONCE (one direction only: no cycle, so refcounting frees the pair) */
    duk_push_current_function(ctx);
    if (reject)
        duk_get_prop_string(ctx, -1, K_ONCE);
    else
        duk_dup_top(ctx);
    duk_get_prop_string(ctx, -1, K_DONE);
    int done = duk_get_boolean(ctx, -1);
    duk_pop(ctx);
    if (done)
        return 0;
    duk_push_true(ctx);
    duk_put_prop_string(ctx, -2, K_DONE);
    duk_get_prop_string(ctx, -2, K_TARGET);
    duk_dup(ctx, 0);
    if (reject)
        settle(ctx, -2, REJECTED);
    else
        rt__promise_resolve(ctx, -2);
    return 0;
}

static duk_ret_t resolve_fn(duk_context *ctx) { return resolving(ctx, 0); }
static duk_ret_t reject_fn(duk_context *ctx) { return resolving(ctx, 1); }

/* [ ... ] -> [ ... resolve reject ] for the promise at pidx. */
static void push_resolving_functions(duk_context *ctx, duk_idx_t pidx)
{
    pidx = duk_normalize_index(ctx, pidx);
    duk_push_c_function(ctx, resolve_fn, 1);
    duk_dup(ctx, pidx);
    duk_put_prop_string(ctx, -2, K_TARGET);
    duk_push_c_function(ctx, reject_fn, 1);
    duk_dup(ctx, pidx);
    duk_put_prop_string(ctx, -2, K_TARGET);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, K_ONCE);
}

/* PromiseResolveThenableJob(promise, thenable, then) */
static duk_ret_t thenable_job(duk_context *ctx)
{
    push_resolving_functions(ctx, 0);
    /* [ promise thenable then resolve reject ] */
    duk_dup(ctx, 2);
    duk_dup(ctx, 1);
    duk_dup(ctx, 3);
    duk_dup(ctx, 4);
    if (duk_pcall_method(ctx, 2) != DUK_EXEC_SUCCESS) {
        /* [ ... err ] -> reject(err) (ignored if already resolved) */
        duk_dup(ctx, 4);
        duk_swap_top(ctx, -2);
        duk_push_undefined(ctx);
        duk_swap_top(ctx, -2);
        duk_call_method(ctx, 1);
    }
    return 0;
}

/* PromiseReactionJob(reaction, argument, type) */
static duk_ret_t reaction_job(duk_context *ctx)
{
    int type = duk_get_int(ctx, 2);
    duk_get_prop_index(ctx, 0, type == FULFILLED ? 3 : 4);      /* handler: idx 3 */
    int ok;
    if (!duk_is_callable(ctx, 3)) {
        duk_dup(ctx, 1);
        ok = type == FULFILLED;
    } else {
        duk_dup(ctx, 3);
        duk_push_undefined(ctx);
        duk_dup(ctx, 1);
        ok = duk_pcall_method(ctx, 1) == DUK_EXEC_SUCCESS;
    }
    /* [ reaction arg type handler result ] */
    duk_get_prop_index(ctx, 0, 1);         /* capResolve */
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        duk_get_prop_index(ctx, 0, 0);     /* our own promise (or undefined) */
        if (duk_is_undefined(ctx, -1))
            return 0;
        duk_dup(ctx, -2);
        if (ok)
            rt__promise_resolve(ctx, -2);
        else
            settle(ctx, -2, REJECTED);
        return 0;
    }
    if (!ok) {
        duk_pop(ctx);
        duk_get_prop_index(ctx, 0, 2);     /* capReject */
    }
    duk_push_undefined(ctx);
    duk_dup(ctx, -3);
    duk_call_method(ctx, 1);
    return 0;
}

/* ---- NewPromiseCapability(C) ---- */

static duk_ret_t capability_executor(duk_context *ctx)
{
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, K_ONCE);
    duk_get_prop_string(ctx, -1, "resolve");
    duk_get_prop_string(ctx, -2, "reject");
    if (!duk_is_undefined(ctx, -2) || !duk_is_undefined(ctx, -1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise executor has already been invoked");
    duk_pop_2(ctx);
    duk_dup(ctx, 0);
    duk_put_prop_string(ctx, -2, "resolve");
    duk_dup(ctx, 1);
    duk_put_prop_string(ctx, -2, "reject");
    return 0;
}

/* [ ... ] -> [ ... promise resolve reject ]; C at cidx. resolve/reject are undefined for
   our own %Promise% (then settle it directly: cheaper, same semantics). */
static void push_capability(duk_context *ctx, duk_idx_t cidx)
{
    cidx = duk_normalize_index(ctx, cidx);
    push_stash(ctx, "Promise");
    int ours = duk_strict_equals(ctx, -1, cidx);
    duk_pop(ctx);
    if (ours) {
        rt__promise_new(ctx);
        duk_push_undefined(ctx);
        duk_push_undefined(ctx);
        return;
    }
    if (!duk_is_constructable(ctx, cidx))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise capability: not a constructor");
    duk_push_object(ctx);                  /* holder */
    duk_dup(ctx, cidx);
    duk_push_c_function(ctx, capability_executor, 2);
    duk_dup(ctx, -3);
    duk_put_prop_string(ctx, -2, K_ONCE);
    duk_new(ctx, 1);
    /* [ ... holder promise ] */
    duk_get_prop_string(ctx, -2, "resolve");
    duk_get_prop_string(ctx, -3, "reject");
    if (!duk_is_callable(ctx, -2) || !duk_is_callable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise resolve or reject function is not callable");
    duk_remove(ctx, -4);
}

/* Resolve / reject a capability [ promise resolve reject ] at cap with value on top. */
static void capability_settle(duk_context *ctx, duk_idx_t cap, int fulfil)
{
    cap = duk_normalize_index(ctx, cap);
    if (duk_is_undefined(ctx, cap + 1)) {
        if (fulfil)
            rt__promise_resolve(ctx, cap);
        else
            settle(ctx, cap, REJECTED);
        return;
    }
    duk_dup(ctx, fulfil ? cap + 1 : cap + 2);
    duk_push_undefined(ctx);
    duk_dup(ctx, -3);
    duk_call_method(ctx, 1);
    duk_pop_2(ctx);
}

/* ---- Promise constructor and methods ---- */

static duk_ret_t js_promise(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise constructor cannot be invoked without 'new'");
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise resolver %s is not a function",
                         duk_is_undefined(ctx, 0) ? "undefined" : duk_safe_to_string(ctx, 0));
    duk_push_this(ctx);
    init_slots(ctx, -1);
    push_resolving_functions(ctx, -1);
    /* [ executor this resolve reject ] */
    duk_dup(ctx, 0);
    duk_push_undefined(ctx);
    duk_dup(ctx, 2);
    duk_dup(ctx, 3);
    if (duk_pcall_method(ctx, 2) != DUK_EXEC_SUCCESS) {
        duk_dup(ctx, 3);
        duk_swap_top(ctx, -2);
        duk_push_undefined(ctx);
        duk_swap_top(ctx, -2);
        duk_call_method(ctx, 1);
    }
    return 0;
}

/* PerformPromiseThen(promise at pidx, onF, onR, capability at cap) */
static void perform_then(duk_context *ctx, duk_idx_t pidx, duk_idx_t onf, duk_idx_t onr,
                         duk_idx_t cap)
{
    duk_push_array(ctx);
    for (int i = 0; i < 3; i++) {
        duk_dup(ctx, cap + i);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
    }
    duk_dup(ctx, onf);
    duk_put_prop_index(ctx, -2, 3);
    duk_dup(ctx, onr);
    duk_put_prop_index(ctx, -2, 4);
    int state = get_state(ctx, pidx);
    if (state == PENDING) {
        if (!duk_get_prop_string(ctx, pidx, K_REACT)) {
            duk_pop(ctx);
            duk_push_array(ctx);
            duk_dup(ctx, -1);
            duk_put_prop_string(ctx, pidx, K_REACT);
        }
        duk_dup(ctx, -2);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
        duk_pop(ctx);
    } else {
        duk_get_prop_string(ctx, pidx, K_VALUE);
        queue_reaction(ctx, -2, -1, state);
        duk_pop(ctx);
    }
    duk_pop(ctx);
    duk_push_true(ctx);
    duk_put_prop_string(ctx, pidx, K_HANDLED);
}

static duk_ret_t js_then(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    duk_push_this(ctx);                    /* 2 */
    if (!rt__is_promise(ctx, 2))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Method Promise.prototype.then called on incompatible receiver");
    duk_get_prop_string(ctx, 2, "constructor");     /* 3: C */
    push_stash(ctx, "Promise");
    if (duk_is_undefined(ctx, 3) || !duk_is_constructable(ctx, 3))
        duk_replace(ctx, 3);
    else
        duk_pop(ctx);
    push_capability(ctx, 3);               /* 4 5 6 */
    perform_then(ctx, 2, 0, 1, 4);
    duk_dup(ctx, 4);
    return 1;
}

static duk_ret_t js_catch(duk_context *ctx)
{
    duk_push_this(ctx);
    duk_push_string(ctx, "then");
    duk_push_undefined(ctx);
    duk_dup(ctx, 0);
    duk_call_prop(ctx, -4, 2);
    return 1;
}

/* Promise.resolve(x) with C = this */
static duk_ret_t js_resolve(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* 1: C */
    if (!duk_is_object(ctx, 1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "PromiseResolve called on non-object");
    if (rt__is_promise(ctx, 0)) {
        duk_get_prop_string(ctx, 0, "constructor");
        if (duk_strict_equals(ctx, -1, 1)) {
            duk_dup(ctx, 0);
            return 1;
        }
        duk_pop(ctx);
    }
    push_capability(ctx, 1);               /* 2 3 4 */
    duk_dup(ctx, 0);
    capability_settle(ctx, 2, 1);
    duk_dup(ctx, 2);
    return 1;
}

static duk_ret_t js_reject(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    duk_push_this(ctx);
    push_capability(ctx, 1);               /* 2 3 4 */
    duk_dup(ctx, 0);
    capability_settle(ctx, 2, 0);
    duk_dup(ctx, 2);
    return 1;
}

/* ---- rejection tracking ---- */

int rt__promise_pending_checks(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    push_stash(ctx, "unhandled");
    int n = (int)duk_get_length(ctx, -1);
    duk_pop(ctx);
    return n > 0;
}

void rt__promise_report_unhandled(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    push_stash(ctx, "unhandled");
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
    if (n == 0) {
        duk_pop(ctx);
        return;
    }
    duk_push_heap_stash(ctx);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "unhandled");
    duk_pop(ctx);
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, -1, i);
        duk_get_prop_string(ctx, -1, K_HANDLED);
        int handled = duk_get_boolean(ctx, -1);
        duk_pop(ctx);
        if (!handled) {
            duk_push_true(ctx);
            duk_put_prop_string(ctx, -2, K_HANDLED);     /* reported once */
            duk_get_prop_string(ctx, -1, K_VALUE);
            if (rt->cfg.unhandled_rejections == RT_UNHANDLED_THROW) {
                rt__report_uncaught(rt, ctx, -1, "Uncaught (in promise)");
            } else if (rt->cfg.unhandled_rejections == RT_UNHANDLED_WARN) {
                rt__buf b = {0};
                rt__buf_puts(&b, "Warning: unhandled promise rejection: ");
                rt__inspect(ctx, -1, &b);
                rt__report(rt, b.data);
                rt__buf_free(&b);
            }
            duk_pop(ctx);
        }
        duk_pop(ctx);
    }
    duk_pop(ctx);
}

/* ---- set-up ---- */

static void define_method(duk_context *ctx, duk_idx_t obj, const char *name, duk_c_function fn,
                          duk_idx_t nargs, int length)
{
    obj = duk_normalize_index(ctx, obj);
    duk_push_string(ctx, name);
    duk_push_c_function(ctx, fn, nargs);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_string(ctx, "length");
    duk_push_int(ctx, length);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                               DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

int rt__promise_init(duk_context *ctx)
{
    duk_push_c_function(ctx, js_promise, 1);            /* Promise */
    duk_push_string(ctx, "name");
    duk_push_string(ctx, "Promise");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_object(ctx);                               /* Promise.prototype */
    duk_push_string(ctx, "constructor");
    duk_dup(ctx, -3);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    define_method(ctx, -1, "then", js_then, 2, 2);
    define_method(ctx, -1, "catch", js_catch, 1, 1);
    duk_push_string(ctx, "prototype");
    duk_dup(ctx, -2);
    duk_def_prop(ctx, -4, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_CLEAR_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE);
    define_method(ctx, -2, "resolve", js_resolve, 1, 1);
    define_method(ctx, -2, "reject", js_reject, 1, 1);
    /* [ Promise proto ] */
    duk_push_heap_stash(ctx);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, "PromiseProto");
    duk_dup(ctx, -3);
    duk_put_prop_string(ctx, -2, "Promise");
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "unhandled");
    duk_pop_2(ctx);
    duk_push_global_object(ctx);
    duk_push_string(ctx, "Promise");
    duk_dup(ctx, -3);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop_2(ctx);
    return 0;
}
