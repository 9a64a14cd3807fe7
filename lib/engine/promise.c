/*
 * promise.c - Promise for Duktape 2.7 (which has none), natively in C, as ECMAScript
 * defines it: the constructor and resolving functions, thenable adoption
 * (PromiseResolveThenableJob), reactions and their jobs on the microtask queue
 * (lib/engine/microtask.c), then/catch/finally, Promise.resolve/reject/try/withResolvers,
 * the combinators all/allSettled/race/any with AggregateError, Symbol.species, and
 * rejection tracking (HostPromiseRejectionTracker) for the unhandled-rejection report.
 * Used by scripts, by fetch (rt__promise_*), and by the loop (rt__promise_report_unhandled).
 *
 * Layout. A promise is an ordinary object with four slots (lib/engine/duk_ext.h: hidden-symbol
 * properties at fixed positions, O(1) to reach, invisible to scripts): flags (state, handled,
 * locked in to a thenable, "reactions are a list"), value (while pending: its reactions -
 * none, one, or an Array of them; once settled: the result, the reactions dropped), and
 * onFulfilled/onRejected when the promise was made by then(): a derived promise carries its
 * own handlers, so a reaction is usually just the derived promise itself. A promise never
 * references its resolving functions; they reference it, and forget it once used.
 * Other reactions are small Arrays ("records"): a capability from a subclass constructor,
 * an element of a combinator, a race. A job is a record in the microtask ring: (kind,
 * reaction, argument), no function object per job.
 *
 * What scripts can observe is kept: the fast paths apply only where the specification's
 * steps would run no user code and create nothing a script can reach - %Promise% as the
 * constructor, the original then, a promise with no own properties and an untouched
 * Promise.prototype.constructor / Promise[Symbol.species]. Elsewhere the spec's steps run
 * as written (real resolving functions, element functions, Get/Call order). Adopting one
 * of our own promises takes the spec's two jobs (the thenable job, then the reaction)
 * without creating functions or a throw-away derived promise.
 *
 * Subclassing (Duktape has no new.target): `new Sub(executor)` for a function Sub whose
 * prototype chain leads to Promise.prototype works when Sub delegates with
 * Reflect.construct(Promise, args, Sub); statics use `this` as the constructor
 * (NewPromiseCapability(C)), and then() follows Symbol.species, so with
 * Object.setPrototypeOf(Sub, Promise) p.then() builds a Sub, as with an ES2015 class.
 */
#include <string.h>

#include "engine.h"

/* hidden-symbol keys; promise slots are the first four, function slots follow length/name */
enum { K_FLAGS, K_VALUE, K_ONF, K_ONR, K_TARGET, K_INDEX, NKEYS };
static const char *const key_names[NKEYS] = {
    DUK_HIDDEN_SYMBOL("pflags"), DUK_HIDDEN_SYMBOL("pvalue"), DUK_HIDDEN_SYMBOL("ponf"),
    DUK_HIDDEN_SYMBOL("ponr"), DUK_HIDDEN_SYMBOL("ftarget"), DUK_HIDDEN_SYMBOL("findex"),
};
#define PSLOTS 4                           /* slots of a promise: K_FLAGS .. K_ONR */
#define FSLOT 2                            /* first slot of a function (after length, name) */

/* flags */
#define ST_MASK 3                          /* RT_PROMISE_PENDING / FULFILLED / REJECTED */
#define F_HANDLED 4                        /* [[PromiseIsHandled]] */
#define F_LOCKED 8                         /* resolved to a thenable, not yet settled */
#define F_LIST 16                          /* the value slot holds an Array of reactions */

/* job kinds (the aux of an RT_JOB_PROMISE record) */
enum { JOB_REACT_F = 1, JOB_REACT_R = 2, JOB_THENABLE = 3,
       JOB_ELEM_F = 4, JOB_ELEM_R = 5 };  /* ELEM: [ state value index ], no record */
/* record kinds (element 0 of a reaction record) */
enum { RK_CAP = 1, RK_ELEM, RK_RACE };
/* combinator kinds, and the combinator state tuple's fields */
enum { C_ALL = 1, C_SETTLED, C_ANY, C_RACE };
enum { ST_PROMISE, ST_RESOLVE, ST_REJECT, ST_LIST, ST_REMAINING, ST_KIND, ST_N };
/* magic of element functions */
enum { M_ALL_F = 1, M_SETTLED_F, M_SETTLED_R, M_ANY_R };

struct rt__promises {
    void *key[NKEYS];                      /* interned hidden symbols */
    void *ctor, *proto, *then, *resolve;   /* %Promise% and the originals fast paths test */
    void *species_getter;
    void *str_then, *str_constructor, *str_next, *sym_species, *sym_iterator;
    void *agg_proto;                       /* %AggregateError.prototype% */
    int hint[3];                           /* entry indices for plain_promise's checks */
    int arr_known;                         /* 1: the three below were read (00-iter.js) */
    void *arr_values, *arr_iter_proto, *arr_iter_next;
};
/* every heapptr above is kept alive by the stash Array "pkeep" */

static struct rt__promises *ps_of(duk_context *ctx)
{
    return rt__rt_of(ctx)->promises;
}

static void keep(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "pkeep");
    duk_dup(ctx, idx);
    rt__dx_array_append(ctx, -2);
    duk_pop_2(ctx);
}

/* ---- slots ---- */

static int is_promise(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    return rt__dx_has_slot(ctx, idx, K_FLAGS, ps->key[K_FLAGS]);
}

int rt__is_promise(duk_context *ctx, duk_idx_t idx)
{
    return is_promise(ctx, ps_of(ctx), idx);
}

static int flags_of(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    return (int)rt__dx_slot_num(ctx, idx, K_FLAGS, ps->key[K_FLAGS]);
}

static void set_flags(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, int f)
{
    rt__dx_slot_set_num(ctx, idx, K_FLAGS, ps->key[K_FLAGS], f);
}

static void slot_get(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, int k)
{
    rt__dx_slot_get(ctx, idx, k < PSLOTS ? k : FSLOT + (k - K_TARGET), ps->key[k]);
}

static void slot_put(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, int k)
{
    rt__dx_slot_put(ctx, idx, k < PSLOTS ? k : FSLOT + (k - K_TARGET), ps->key[k]);
}

/* [ ... v ] -> [ ... old ]: slot k := v / [ ... ] -> [ ... old ]: slot k := undefined */
static void slot_swap(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, int k)
{
    rt__dx_slot_swap(ctx, idx, k < PSLOTS ? k : FSLOT + (k - K_TARGET), ps->key[k]);
}

static void slot_take(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, int k)
{
    rt__dx_slot_take(ctx, idx, k < PSLOTS ? k : FSLOT + (k - K_TARGET), ps->key[k]);
}

/* [ ... ] -> [ ... promise ] */
static void new_promise(duk_context *ctx, struct rt__promises *ps)
{
    rt__dx_push_slotted(ctx, ps->proto, ps->key, PSLOTS);    /* flags undefined = pending */
}

void rt__promise_new(duk_context *ctx)
{
    new_promise(ctx, ps_of(ctx));
}

/* A promise whose lookups of then / constructor / [Symbol.species] would find the
   originals and run no code: no own properties, %Promise.prototype% as its prototype,
   whose constructor and then are untouched, and %Promise%[Symbol.species] untouched. */
static int plain_shape(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    return rt__dx_own_count_is(ctx, idx, PSLOTS) && rt__dx_proto(ctx, idx) == ps->proto &&
           is_promise(ctx, ps, idx);
}

static int originals(duk_context *ctx, struct rt__promises *ps)
{
    return rt__dx_own_data_is(ctx, ps->proto, ps->str_constructor, ps->ctor, &ps->hint[0]) &&
           rt__dx_own_data_is(ctx, ps->proto, ps->str_then, ps->then, &ps->hint[1]) &&
           rt__dx_own_getter_is(ctx, ps->ctor, ps->sym_species, ps->species_getter, &ps->hint[2]);
}

static int plain_promise(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    return plain_shape(ctx, ps, idx) && originals(ctx, ps);
}

/* ---- rejection tracking ---- */

static void track_rejection(duk_context *ctx, duk_idx_t pidx)
{
    pidx = duk_normalize_index(ctx, pidx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "unhandled");
    duk_dup(ctx, pidx);
    rt__dx_array_append(ctx, -2);
    duk_pop_2(ctx);
}

/* ---- settling ---- */

/* [ ... reaction argument ] -> [ ... ]: queue its job. */
static void queue_reaction(duk_context *ctx, int state)
{
    rt__microtask_enqueue(ctx, RT_JOB_PROMISE, (uint32_t)(state == RT_PROMISE_FULFILLED ?
                                                          JOB_REACT_F : JOB_REACT_R), 2);
}

/* Fulfil or reject the pending promise at pidx with the value on top (consumed); no-op if
   it is settled. Its reactions become jobs and are dropped from the promise. */
static void settle(duk_context *ctx, struct rt__promises *ps, duk_idx_t pidx, int state)
{
    pidx = duk_normalize_index(ctx, pidx);
    int f = flags_of(ctx, ps, pidx);
    if (f & ST_MASK) {
        duk_pop(ctx);
        return;
    }
    duk_idx_t v = duk_get_top_index(ctx);
    duk_dup(ctx, v);
    slot_swap(ctx, ps, pidx, K_VALUE);     /* [ ... v reactions ] */
    set_flags(ctx, ps, pidx, state | (f & F_HANDLED));
    if (f & F_LIST) {
        duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
        for (duk_uarridx_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, -1, i);
            duk_dup(ctx, v);
            queue_reaction(ctx, state);
        }
    } else if (!duk_is_undefined(ctx, -1)) {
        duk_dup(ctx, -1);
        duk_dup(ctx, v);
        queue_reaction(ctx, state);
    }
    if (state == RT_PROMISE_REJECTED && !(f & F_HANDLED))
        track_rejection(ctx, pidx);        /* HostPromiseRejectionTracker(p, "reject") */
    duk_pop_2(ctx);
}

static duk_ret_t get_then(duk_context *ctx, void *udata)
{
    struct rt__promises *ps = udata;
    duk_push_heapptr(ctx, ps->str_then);
    duk_get_prop(ctx, -2);                 /* [ ... x then ] (a safe call sees the stack) */
    return 1;
}

/* The resolve function's steps for the promise at pidx: [ ... x ] -> [ ... ]. */
static void resolve_steps(duk_context *ctx, struct rt__promises *ps, duk_idx_t pidx)
{
    pidx = duk_normalize_index(ctx, pidx);
    duk_idx_t x = duk_get_top_index(ctx);
    if (duk_strict_equals(ctx, pidx, x)) {
        duk_pop(ctx);
        duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "Chaining cycle detected for promise");
        settle(ctx, ps, pidx, RT_PROMISE_REJECTED);
        return;
    }
    if (!duk_is_object(ctx, x) && !duk_is_lightfunc(ctx, x)) {
        settle(ctx, ps, pidx, RT_PROMISE_FULFILLED);
        return;
    }
    /* then = x.then, read once; a throwing getter rejects */
    if (plain_promise(ctx, ps, x)) {
        duk_push_heapptr(ctx, ps->then);
    } else {
        duk_dup(ctx, x);
        if (duk_safe_call(ctx, get_then, ps, 1, 1) != DUK_EXEC_SUCCESS) {
            settle(ctx, ps, pidx, RT_PROMISE_REJECTED);      /* consumes the error */
            duk_pop(ctx);                                    /* x */
            return;
        }
    }
    /* [ ... x then ] */
    if (!duk_is_callable(ctx, -1)) {
        duk_pop(ctx);
        settle(ctx, ps, pidx, RT_PROMISE_FULFILLED);
        return;
    }
    /* NewPromiseResolveThenableJob(promise, x, then) */
    set_flags(ctx, ps, pidx, flags_of(ctx, ps, pidx) | F_LOCKED);
    duk_dup(ctx, pidx);
    duk_insert(ctx, -3);                   /* [ ... promise x then ] */
    rt__microtask_enqueue(ctx, RT_JOB_PROMISE, JOB_THENABLE, 3);
}

void rt__promise_resolve(duk_context *ctx, duk_idx_t pidx)
{
    struct rt__promises *ps = ps_of(ctx);
    pidx = duk_normalize_index(ctx, pidx);
    if (!is_promise(ctx, ps, pidx) || (flags_of(ctx, ps, pidx) & (ST_MASK | F_LOCKED))) {
        duk_pop(ctx);
        return;
    }
    resolve_steps(ctx, ps, pidx);
}

void rt__promise_reject(duk_context *ctx, duk_idx_t pidx)
{
    struct rt__promises *ps = ps_of(ctx);
    pidx = duk_normalize_index(ctx, pidx);
    if (!is_promise(ctx, ps, pidx) || (flags_of(ctx, ps, pidx) & (ST_MASK | F_LOCKED))) {
        duk_pop(ctx);
        return;
    }
    settle(ctx, ps, pidx, RT_PROMISE_REJECTED);
}

int rt__promise_state(duk_context *ctx, duk_idx_t idx)
{
    struct rt__promises *ps = ps_of(ctx);
    return is_promise(ctx, ps, idx) ? flags_of(ctx, ps, idx) & ST_MASK : RT_PROMISE_PENDING;
}

void rt__promise_push_result(duk_context *ctx, duk_idx_t idx)
{
    struct rt__promises *ps = ps_of(ctx);
    if (rt__promise_state(ctx, idx) == RT_PROMISE_PENDING)
        duk_push_undefined(ctx);
    else
        slot_get(ctx, ps, idx, K_VALUE);
}

void rt__promise_mark_handled(duk_context *ctx, duk_idx_t idx)
{
    struct rt__promises *ps = ps_of(ctx);
    if (is_promise(ctx, ps, idx))
        set_flags(ctx, ps, idx, flags_of(ctx, ps, idx) | F_HANDLED);
}

/* PerformPromiseThen(promise at pidx, reaction on top): [ ... reaction ] -> [ ... ]. */
static void add_reaction(duk_context *ctx, struct rt__promises *ps, duk_idx_t pidx)
{
    pidx = duk_normalize_index(ctx, pidx);
    int f = flags_of(ctx, ps, pidx);
    int state = f & ST_MASK;
    if (state == RT_PROMISE_PENDING) {
        slot_get(ctx, ps, pidx, K_VALUE);  /* [ ... r list ] */
        if (f & F_LIST) {
            duk_swap_top(ctx, -2);
            rt__dx_array_append(ctx, -2);
            duk_pop(ctx);
        } else if (duk_is_undefined(ctx, -1)) {
            duk_pop(ctx);
            slot_put(ctx, ps, pidx, K_VALUE);
        } else {
            duk_swap_top(ctx, -2);
            rt__dx_push_tuple(ctx, 2);     /* [ first, r ] */
            slot_put(ctx, ps, pidx, K_VALUE);
            f |= F_LIST;
        }
    } else {
        slot_get(ctx, ps, pidx, K_VALUE);
        queue_reaction(ctx, state);
    }
    /* HostPromiseRejectionTracker(p, "handle"): the report reads the flag */
    set_flags(ctx, ps, pidx, f | F_HANDLED);
}

/* ---- resolving functions ---- */

/* resolve (magic 0) and reject (magic 1) of a pair: the first call of either wins. The
   resolve function's target slot holds the promise until then (reject reaches it through
   its own target, the resolve function): clearing it is the pair's [[AlreadyResolved]]. */
static duk_ret_t resolving_fn(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    int reject = duk_get_current_magic(ctx);
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);        /* 1 */
    if (reject)
        slot_get(ctx, ps, 1, K_TARGET);
    else
        duk_dup(ctx, 1);
    /* 2: the resolve function */
    slot_take(ctx, ps, 2, K_TARGET);       /* 3: the promise; [[AlreadyResolved]] */
    if (duk_is_undefined(ctx, 3))
        return 0;
    duk_dup(ctx, 0);
    if (reject)
        settle(ctx, ps, 3, RT_PROMISE_REJECTED);
    else
        resolve_steps(ctx, ps, 3);
    return 0;
}

/* [ ... ] -> [ ... resolve reject ] for the promise at pidx; `used`: made already resolved
   (for a capability that the runtime already settled or locked in). */
static void push_resolving_functions(duk_context *ctx, struct rt__promises *ps, duk_idx_t pidx,
                                     int used)
{
    pidx = duk_normalize_index(ctx, pidx);
    if (used)
        duk_push_undefined(ctx);
    else
        duk_dup(ctx, pidx);
    rt__dx_push_resolving_pair(ctx, resolving_fn, ps->key[K_TARGET]);
}

/* ---- species, capabilities ---- */

/* SpeciesConstructor(object at idx, %Promise%): [ ... ] -> [ ... C ]. May throw. */
static void species_constructor(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    if (plain_promise(ctx, ps, idx)) {
        duk_push_heapptr(ctx, ps->ctor);
        return;
    }
    idx = duk_normalize_index(ctx, idx);
    duk_push_heapptr(ctx, ps->str_constructor);
    duk_get_prop(ctx, idx);
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        duk_push_heapptr(ctx, ps->ctor);
        return;
    }
    if (!duk_is_object(ctx, -1) && !duk_is_lightfunc(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "object.constructor is not an object");
    duk_push_heapptr(ctx, ps->sym_species);
    duk_get_prop(ctx, -2);
    duk_remove(ctx, -2);
    if (duk_is_null_or_undefined(ctx, -1)) {
        duk_pop(ctx);
        duk_push_heapptr(ctx, ps->ctor);
        return;
    }
    if (!duk_is_constructable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "object.constructor[Symbol.species] is not a constructor");
}

/* GetCapabilitiesExecutor: target slot = the holder [resolve, reject] */
static duk_ret_t capability_executor(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 2);
    duk_push_current_function(ctx);
    slot_get(ctx, ps, 2, K_TARGET);        /* 3: holder */
    void *h = duk_get_heapptr(ctx, 3);
    rt__dx_array_get(ctx, h, 0);
    rt__dx_array_get(ctx, h, 1);
    if (!duk_is_undefined(ctx, -2))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise executor has already been invoked with a resolve function");
    if (!duk_is_undefined(ctx, -1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise executor has already been invoked with a reject function");
    duk_dup(ctx, 0);
    rt__dx_array_put(ctx, h, 0);
    duk_dup(ctx, 1);
    rt__dx_array_put(ctx, h, 1);
    return 0;
}

/* NewPromiseCapability(C at cidx): [ ... ] -> [ ... promise resolve reject ]. For %Promise%
   resolve and reject are undefined: the promise is settled directly (no functions made).
   May throw. */
static void new_capability(duk_context *ctx, struct rt__promises *ps, duk_idx_t cidx)
{
    cidx = duk_normalize_index(ctx, cidx);
    if (duk_get_heapptr(ctx, cidx) == ps->ctor) {
        new_promise(ctx, ps);
        duk_push_undefined(ctx);
        duk_push_undefined(ctx);
        return;
    }
    if (!duk_is_constructable(ctx, cidx))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise capability: not a constructor");
    duk_push_undefined(ctx);
    duk_push_undefined(ctx);
    rt__dx_push_tuple(ctx, 2);             /* holder */
    duk_dup(ctx, cidx);
    duk_dup(ctx, -2);
    rt__dx_push_function(ctx, capability_executor, 2, 0, 2, "", 0, &ps->key[K_TARGET], 1);
    duk_new(ctx, 1);
    /* [ ... holder promise ] */
    void *h = duk_get_heapptr(ctx, -2);
    rt__dx_array_get(ctx, h, 0);
    rt__dx_array_get(ctx, h, 1);
    if (!duk_is_callable(ctx, -2))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise resolve function is not callable");
    if (!duk_is_callable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise reject function is not callable");
    duk_remove(ctx, -4);
}

/* Resolve (fulfil = 1) or reject a capability [ promise resolve reject ] at cap with the value
   on top (consumed). May throw (a capability function from a subclass may). */
static void capability_settle(duk_context *ctx, struct rt__promises *ps, duk_idx_t cap, int fulfil)
{
    cap = duk_normalize_index(ctx, cap);
    if (duk_is_undefined(ctx, cap + 1)) {
        if (flags_of(ctx, ps, cap) & (ST_MASK | F_LOCKED))
            duk_pop(ctx);                  /* [[AlreadyResolved]] */
        else if (fulfil)
            resolve_steps(ctx, ps, cap);
        else
            settle(ctx, ps, cap, RT_PROMISE_REJECTED);
        return;
    }
    duk_dup(ctx, fulfil ? cap + 1 : cap + 2);
    duk_push_undefined(ctx);
    duk_dup(ctx, -3);
    duk_call_method(ctx, 1);
    duk_pop_2(ctx);
}

/* For a capability of %Promise% that must be handed to code: make its resolving functions
   (resolve / reject at cap+1, cap+2 are undefined before). */
static void capability_functions(duk_context *ctx, struct rt__promises *ps, duk_idx_t cap)
{
    cap = duk_normalize_index(ctx, cap);
    if (!duk_is_undefined(ctx, cap + 1))
        return;
    push_resolving_functions(ctx, ps, cap, flags_of(ctx, ps, cap) & (ST_MASK | F_LOCKED));
    duk_replace(ctx, cap + 2);
    duk_replace(ctx, cap + 1);
}

/* ---- jobs ---- */

/* PromiseReactionJob for a derived promise (or an adopting one: no handlers), [ D arg ]. */
static void react_derived(duk_context *ctx, struct rt__promises *ps, duk_idx_t d, int type)
{
    slot_take(ctx, ps, d, K_ONF);          /* a job that ran holds nothing */
    slot_take(ctx, ps, d, K_ONR);
    if (type == JOB_REACT_F)
        duk_pop(ctx);
    else
        duk_remove(ctx, -2);
    duk_idx_t h = duk_get_top_index(ctx);
    if (duk_is_undefined(ctx, h)) {
        duk_dup(ctx, d + 1);
        if (type == JOB_REACT_F)
            resolve_steps(ctx, ps, d);
        else
            settle(ctx, ps, d, RT_PROMISE_REJECTED);
        return;
    }
    duk_push_undefined(ctx);
    duk_dup(ctx, d + 1);
    if (duk_pcall_method(ctx, 1) == DUK_EXEC_SUCCESS) {
        if (flags_of(ctx, ps, d) & ST_MASK)
            duk_pop(ctx);
        else
            resolve_steps(ctx, ps, d);
    } else {
        settle(ctx, ps, d, RT_PROMISE_REJECTED);
    }
}

static void element_settled(duk_context *ctx, struct rt__promises *ps, duk_idx_t st,
                            uint32_t index, int magic);
static void push_state_capability(duk_context *ctx, duk_idx_t st);

void rt__promise_job(duk_context *ctx, uint32_t aux)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_idx_t a = duk_get_top(ctx) - 3;    /* [ ... a b c ] */
    if (aux == JOB_THENABLE) {
        /* PromiseResolveThenableJob(promise a, thenable b, then c) */
        if (duk_get_heapptr(ctx, a + 2) == ps->then && is_promise(ctx, ps, a + 1)) {
            /* then() on our own promise with fresh resolving functions: when the species is
               %Promise%, the derived promise is unreachable and never rejects, and the
               functions are never seen: react with the adopting promise itself */
            if (plain_promise(ctx, ps, a + 1)) {
                duk_dup(ctx, a);
                add_reaction(ctx, ps, a + 1);
                return;
            }
        }
        push_resolving_functions(ctx, ps, a, 0);          /* a+3 a+4 */
        duk_dup(ctx, a + 2);
        duk_dup(ctx, a + 1);
        duk_dup(ctx, a + 3);
        duk_dup(ctx, a + 4);
        if (duk_pcall_method(ctx, 2) != DUK_EXEC_SUCCESS) {
            duk_dup(ctx, a + 4);
            duk_swap_top(ctx, -2);
            duk_push_undefined(ctx);
            duk_swap_top(ctx, -2);
            duk_call_method(ctx, 1);
        }
        return;
    }
    if (aux == JOB_ELEM_F || aux == JOB_ELEM_R) {
        /* [ state value index ]: as an RK_ELEM / RK_RACE record's job */
        duk_idx_t st = a;
        int type = aux == JOB_ELEM_F ? JOB_REACT_F : JOB_REACT_R;
        rt__dx_array_get(ctx, duk_get_heapptr(ctx, st), ST_KIND);
        int ck = duk_get_int(ctx, -1);
        duk_pop(ctx);
        if (ck == C_RACE) {
            push_state_capability(ctx, st);
            duk_dup(ctx, a + 1);
            capability_settle(ctx, ps, -4, type == JOB_REACT_F);
            return;
        }
        uint32_t index = (uint32_t)duk_get_number(ctx, a + 2);
        int magic = ck == C_ALL ? (type == JOB_REACT_F ? M_ALL_F : 0)
                  : ck == C_SETTLED ? (type == JOB_REACT_F ? M_SETTLED_F : M_SETTLED_R)
                  : (type == JOB_REACT_F ? 0 : M_ANY_R);
        duk_dup(ctx, a + 1);
        element_settled(ctx, ps, st, index, magic);
        return;
    }
    int type = (int)aux;
    if (is_promise(ctx, ps, a)) {
        react_derived(ctx, ps, a, type);
        return;
    }
    /* a record */
    void *r = duk_get_heapptr(ctx, a);
    rt__dx_array_get(ctx, r, 0);
    int kind = duk_get_int(ctx, -1);
    duk_pop(ctx);
    if (kind == RK_CAP) {
        /* [ kind promise resolve reject onF onR ] */
        rt__dx_array_get(ctx, r, type == JOB_REACT_F ? 4 : 5);
        int ok;
        if (!duk_is_callable(ctx, -1)) {
            duk_pop(ctx);
            duk_dup(ctx, a + 1);
            ok = type == JOB_REACT_F;
        } else {
            duk_push_undefined(ctx);
            duk_dup(ctx, a + 1);
            ok = duk_pcall_method(ctx, 1) == DUK_EXEC_SUCCESS;
        }
        rt__dx_array_get(ctx, r, ok ? 2 : 3);
        duk_push_undefined(ctx);
        duk_dup(ctx, -3);
        duk_call_method(ctx, 1);
        return;
    }
    /* [ kind state index? ] */
    rt__dx_array_get(ctx, r, 1);           /* the combinator state */
    duk_idx_t st = duk_get_top_index(ctx);
    if (kind == RK_RACE) {
        push_state_capability(ctx, st);
        duk_dup(ctx, a + 1);
        capability_settle(ctx, ps, -4, type == JOB_REACT_F);
        return;
    }
    rt__dx_array_get(ctx, r, 2);
    uint32_t index = (uint32_t)duk_get_number(ctx, -1);
    duk_pop(ctx);
    rt__dx_array_get(ctx, duk_get_heapptr(ctx, st), ST_KIND);
    int ck = duk_get_int(ctx, -1);
    duk_pop(ctx);
    int magic = ck == C_ALL ? (type == JOB_REACT_F ? M_ALL_F : 0)
              : ck == C_SETTLED ? (type == JOB_REACT_F ? M_SETTLED_F : M_SETTLED_R)
              : (type == JOB_REACT_F ? 0 : M_ANY_R);
    duk_dup(ctx, a + 1);
    element_settled(ctx, ps, st, index, magic);
}

/* ---- constructor and prototype methods ---- */

static duk_ret_t js_promise(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise constructor cannot be invoked without 'new'");
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise resolver %s is not a function",
                         duk_is_undefined(ctx, 0) ? "undefined" : duk_safe_to_string(ctx, 0));
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* 1: a fresh object, [[Prototype]] from new.target */
    rt__dx_add_slots(ctx, 1, ps->key, PSLOTS);
    int visible = rt__dx_visible_args(ctx, 0);
    if (visible < 2) {
        /* an executor that declares fewer than two parameters and has no `arguments` cannot
           see the functions it is not given: `new Promise(function (resolve) {...})` makes
           the resolve function only. A throw rejects unless resolve was used. */
        duk_dup(ctx, 1);
        rt__dx_push_resolve_fn(ctx, resolving_fn, ps->key[K_TARGET]);  /* 2 */
        duk_dup(ctx, 0);
        duk_push_undefined(ctx);
        if (visible)
            duk_dup(ctx, 2);
        if (duk_pcall_method(ctx, visible) != DUK_EXEC_SUCCESS) {
            slot_take(ctx, ps, 2, K_TARGET);   /* [ ... err promise|undefined ] */
            if (!duk_is_undefined(ctx, -1)) {
                duk_swap_top(ctx, -2);
                settle(ctx, ps, -2, RT_PROMISE_REJECTED);
            }
        }
        return 0;
    }
    push_resolving_functions(ctx, ps, 1, 0);  /* 2 3 */
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

/* then(onFulfilled, onRejected) */
static duk_ret_t js_then(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 2);
    duk_push_this(ctx);                    /* 2 */
    if (!is_promise(ctx, ps, 2))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Method Promise.prototype.then called on incompatible receiver");
    species_constructor(ctx, ps, 2);       /* 3: C */
    if (duk_get_heapptr(ctx, 3) == ps->ctor) {
        new_promise(ctx, ps);              /* 4: the derived promise carries the handlers */
        if (duk_is_callable(ctx, 0)) {
            duk_dup(ctx, 0);
            slot_put(ctx, ps, 4, K_ONF);
        }
        if (duk_is_callable(ctx, 1)) {
            duk_dup(ctx, 1);
            slot_put(ctx, ps, 4, K_ONR);
        }
        duk_dup(ctx, 4);
        add_reaction(ctx, ps, 2);
        return 1;
    }
    new_capability(ctx, ps, 3);            /* 4 5 6 */
    duk_push_int(ctx, RK_CAP);
    duk_dup(ctx, 4);
    duk_dup(ctx, 5);
    duk_dup(ctx, 6);
    if (duk_is_callable(ctx, 0))
        duk_dup(ctx, 0);
    else
        duk_push_undefined(ctx);
    if (duk_is_callable(ctx, 1))
        duk_dup(ctx, 1);
    else
        duk_push_undefined(ctx);
    rt__dx_push_tuple(ctx, 6);
    add_reaction(ctx, ps, 2);
    duk_dup(ctx, 4);
    return 1;
}

/* catch(onRejected) = Invoke(this, "then", undefined, onRejected) */
static duk_ret_t js_catch(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 1);
    duk_push_this(ctx);
    duk_push_heapptr(ctx, ps->str_then);
    duk_push_undefined(ctx);
    duk_dup(ctx, 0);
    duk_call_prop(ctx, 1, 2);
    return 1;
}

/* PromiseResolve(C at cidx, x at xidx): [ ... ] -> [ ... promise ]. May throw. */
static void promise_resolve(duk_context *ctx, struct rt__promises *ps, duk_idx_t cidx, duk_idx_t xidx)
{
    cidx = duk_normalize_index(ctx, cidx);
    xidx = duk_normalize_index(ctx, xidx);
    if (is_promise(ctx, ps, xidx)) {
        if (duk_get_heapptr(ctx, cidx) == ps->ctor && plain_promise(ctx, ps, xidx)) {
            duk_dup(ctx, xidx);
            return;
        }
        duk_push_heapptr(ctx, ps->str_constructor);
        duk_get_prop(ctx, xidx);
        int same = duk_strict_equals(ctx, -1, cidx);
        duk_pop(ctx);
        if (same) {
            duk_dup(ctx, xidx);
            return;
        }
    }
    new_capability(ctx, ps, cidx);
    duk_dup(ctx, xidx);
    capability_settle(ctx, ps, -4, 1);
    duk_pop_2(ctx);
}

static duk_ret_t js_resolve(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* 1: C */
    if (!duk_is_object(ctx, 1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "PromiseResolve called on non-object");
    promise_resolve(ctx, ps_of(ctx), 1, 0);
    return 1;
}

static duk_ret_t js_reject(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 1);
    duk_push_this(ctx);
    if (!duk_is_object(ctx, 1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "PromiseReject called on non-object");
    new_capability(ctx, ps, 1);            /* 2 3 4 */
    duk_dup(ctx, 0);
    capability_settle(ctx, ps, 2, 0);
    duk_dup(ctx, 2);
    return 1;
}

/* Promise.try(callback, ...args) */
static duk_ret_t js_try(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_idx_t nargs = duk_get_top(ctx);
    if (nargs == 0) {
        duk_push_undefined(ctx);
        nargs = 1;
    }
    duk_push_this(ctx);                    /* nargs: C */
    duk_idx_t c = nargs;
    if (!duk_is_object(ctx, c))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise.try called on non-object");
    new_capability(ctx, ps, c);            /* c+1 .. c+3 */
    duk_dup(ctx, 0);
    duk_push_undefined(ctx);
    for (duk_idx_t i = 1; i < nargs; i++)
        duk_dup(ctx, i);
    int ok = duk_pcall_method(ctx, nargs - 1) == DUK_EXEC_SUCCESS;
    capability_settle(ctx, ps, c + 1, ok);
    duk_dup(ctx, c + 1);
    return 1;
}

/* Promise.withResolvers() */
static duk_ret_t js_with_resolvers(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 0);
    duk_push_this(ctx);
    if (!duk_is_object(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise.withResolvers called on non-object");
    new_capability(ctx, ps, 0);            /* 1 2 3 */
    capability_functions(ctx, ps, 1);
    duk_push_object(ctx);
    static const char *const names[3] = {"promise", "resolve", "reject"};
    for (int i = 0; i < 3; i++) {
        duk_push_string(ctx, names[i]);
        duk_dup(ctx, 1 + i);
        duk_def_prop(ctx, 4, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WEC);
    }
    return 1;
}

/* ---- finally ---- */

/* valueThunk (magic 0) returns the value, thrower (magic 1) throws it: target slot */
static duk_ret_t finally_thunk(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_push_current_function(ctx);
    slot_get(ctx, ps, -1, K_TARGET);
    if (duk_get_current_magic(ctx))
        return duk_throw(ctx);
    return 1;
}

/* thenFinally (magic 0) / catchFinally (magic 1): target = onFinally, index = C */
static duk_ret_t finally_reaction(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);        /* 1 */
    slot_get(ctx, ps, 1, K_TARGET);        /* 2: onFinally */
    slot_get(ctx, ps, 1, K_INDEX);         /* 3: C */
    duk_dup(ctx, 2);
    duk_push_undefined(ctx);
    duk_call_method(ctx, 0);               /* 4: result */
    promise_resolve(ctx, ps, 3, 4);        /* 5: p */
    duk_push_heapptr(ctx, ps->str_then);
    duk_dup(ctx, 0);
    rt__dx_push_function(ctx, finally_thunk, 0, duk_get_current_magic(ctx), 0, "", 0,
                         &ps->key[K_TARGET], 1);
    duk_call_prop(ctx, 5, 1);
    return 1;
}

static duk_ret_t js_finally(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* 1 */
    if (!duk_is_object(ctx, 1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise.prototype.finally called on non-object");
    species_constructor(ctx, ps, 1);       /* 2: C */
    duk_push_heapptr(ctx, ps->str_then);   /* 3 */
    if (!duk_is_callable(ctx, 0)) {
        duk_dup(ctx, 0);
        duk_dup(ctx, 0);
    } else {
        for (int m = 0; m < 2; m++) {
            duk_dup(ctx, 0);
            duk_dup(ctx, 2);
            rt__dx_push_function(ctx, finally_reaction, 1, m, 1, "", 0, &ps->key[K_TARGET], 2);
        }
    }
    duk_call_prop(ctx, 1, 2);
    return 1;
}

/* ---- AggregateError ---- */

/* IterableToList(iterable at idx): [ ... ] -> [ ... list ] (declared below) */
static void iterable_to_list(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx);

/* [ ... proto message-or-undefined cause-or-nothing errors-list ] -> [ ... error ]: the steps
   of AggregateError once its inputs are known; "nothing" is the internal K_FLAGS key (no
   script can make it), meaning no cause property. */
static void make_aggregate(duk_context *ctx, duk_idx_t proto)
{
    proto = duk_normalize_index(ctx, proto);
    duk_push_error_object(ctx, DUK_ERR_ERROR, "");          /* stack / line info */
    duk_del_prop_string(ctx, -1, "message");
    duk_dup(ctx, proto);
    duk_set_prototype(ctx, -2);
    duk_idx_t e = duk_get_top_index(ctx);
    if (!duk_is_undefined(ctx, proto + 1)) {
        duk_push_string(ctx, "message");
        duk_dup(ctx, proto + 1);
        duk_def_prop(ctx, e, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                                 DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    }
    if (duk_get_heapptr(ctx, proto + 2) != ps_of(ctx)->key[K_FLAGS]) {
        duk_push_string(ctx, "cause");
        duk_dup(ctx, proto + 2);
        duk_def_prop(ctx, e, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                                 DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    }
    duk_push_string(ctx, "errors");
    duk_dup(ctx, proto + 3);
    duk_def_prop(ctx, e, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                             DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_replace(ctx, proto);
    duk_pop_3(ctx);
}

/* AggregateError(errors, message, options) */
static duk_ret_t js_aggregate_error(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 3);
    if (duk_is_constructor_call(ctx)) {
        duk_push_this(ctx);
        duk_get_prototype(ctx, -1);
        duk_remove(ctx, -2);
    } else {
        duk_push_heapptr(ctx, ps->agg_proto);
    }
    /* 3: proto. Message first (ToString may throw), then the cause, then the errors */
    if (!duk_is_undefined(ctx, 1)) {
        duk_dup(ctx, 1);
        duk_to_string(ctx, -1);
    } else {
        duk_push_undefined(ctx);
    }
    /* InstallErrorCause(O, options) */
    if (duk_is_object(ctx, 2) && duk_has_prop_string(ctx, 2, "cause"))
        duk_get_prop_string(ctx, 2, "cause");
    else
        duk_push_heapptr(ctx, ps->key[K_FLAGS]);
    iterable_to_list(ctx, ps, 0);
    make_aggregate(ctx, 3);
    return 1;
}

/* ---- iteration (GetIterator, IteratorStepValue, IteratorClose) ---- */

/* The array iterator of lib/engine/js/00-iter.js, as it was before any script ran. */
static void array_iter_originals(duk_context *ctx, struct rt__promises *ps)
{
    if (ps->arr_known)
        return;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    static const char *const names[3] = {"arrayValues", "arrayIteratorPrototype",
                                         "arrayIteratorNext"};
    void **dst[3] = {&ps->arr_values, &ps->arr_iter_proto, &ps->arr_iter_next};
    for (int i = 0; i < 3; i++) {
        duk_get_prop_string(ctx, -1, names[i]);
        *dst[i] = duk_is_object(ctx, -1) ? duk_get_heapptr(ctx, -1) : NULL;
        if (*dst[i])
            keep(ctx, -1);
        duk_pop(ctx);
    }
    duk_pop_2(ctx);
    ps->arr_known = 1;
}

/* An iterator record on the stack: [ iterator next ] (iterator = the Array itself and next
   undefined for the array fast path), plus the C side below. */
typedef struct iter {
    duk_idx_t base;                        /* iterator at base, next at base + 1 */
    int fast;                              /* walking an Array by index */
    int done;                              /* [[Done]] */
    int ran;                               /* the last step may have run script code */
    uint32_t i;
} iter;

/* GetIterator(value at idx, sync): [ ... ] -> [ ... iterator next ]. May throw. */
static void get_iterator(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx, iter *it)
{
    idx = duk_normalize_index(ctx, idx);
    it->done = 1;                          /* nothing to close until it exists */
    it->i = 0;
    it->fast = 0;
    it->base = duk_get_top(ctx);
    if (duk_is_null_or_undefined(ctx, idx))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s is not iterable",
                        duk_is_null(ctx, idx) ? "null" : "undefined");
    duk_push_heapptr(ctx, ps->sym_iterator);
    duk_get_prop(ctx, idx);                /* method */
    if (!duk_is_callable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s is not iterable", duk_is_string(ctx, idx) ?
                        "string" : "object");
    array_iter_originals(ctx, ps);
    if (ps->arr_values && duk_get_heapptr(ctx, -1) == ps->arr_values && rt__dx_is_array(ctx, idx)) {
        /* %Array.prototype.values% on an Array: its iterator reads .length and [i] on each
           step; with next and return of the iterator prototype untouched, the same reads
           without the iterator object (no script can reach it) */
        duk_push_heapptr(ctx, ps->arr_iter_proto);
        int fast = rt__dx_get_own_data(ctx, ps->arr_iter_proto, ps->str_next) &&
                   duk_get_heapptr(ctx, -1) == ps->arr_iter_next;
        if (fast)
            duk_pop(ctx);
        fast = fast && !duk_has_prop_string(ctx, -1, "return");
        duk_pop(ctx);
        if (fast) {
            duk_pop(ctx);                  /* the method */
            duk_dup(ctx, idx);
            duk_push_undefined(ctx);
            it->fast = 1;
            it->done = 0;
            return;
        }
    }
    duk_dup(ctx, idx);
    duk_call_method(ctx, 0);               /* iterator */
    if (!duk_is_object(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Result of the Symbol.iterator method is not an object");
    duk_get_prop_string(ctx, -1, "next");
    it->done = 0;
}

/* IteratorStepValue: [ ... ] -> [ ... value ] and 1, or 0 when done (nothing pushed). An
   error (from next, done or value) sets [[Done]] and propagates. */
static int iter_step(duk_context *ctx, iter *it)
{
    it->done = 1;                          /* until the step completes normally */
    it->ran = 1;
    if (it->fast) {
        if (rt__dx_array_read(ctx, it->base, it->i)) {
            it->ran = 0;                   /* an element of the array part: no getter */
        } else {
            duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, it->base);
            if (it->i >= n)
                return 0;
            duk_get_prop_index(ctx, it->base, it->i);   /* a hole: Array.prototype's */
        }
        it->i++;
        it->done = 0;
        return 1;
    }
    duk_dup(ctx, it->base + 1);
    duk_dup(ctx, it->base);
    duk_call_method(ctx, 0);
    if (!duk_is_object(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Iterator result %s is not an object",
                        duk_safe_to_string(ctx, -1));
    duk_get_prop_string(ctx, -1, "done");
    int done = duk_to_boolean(ctx, -1);
    duk_pop(ctx);
    if (done) {
        duk_pop(ctx);
        return 0;
    }
    duk_get_prop_string(ctx, -1, "value");
    duk_remove(ctx, -2);
    it->done = 0;
    return 1;
}

static duk_ret_t iter_return(duk_context *ctx, void *udata)
{
    iter *it = udata;
    duk_get_prop_string(ctx, it->base, "return");
    if (!duk_is_null_or_undefined(ctx, -1)) {
        duk_dup(ctx, it->base);
        duk_call_method(ctx, 0);
    }
    return 0;
}

/* IteratorClose(iterator, throw completion): call return, ignore what it does. */
static void iter_close_on_throw(duk_context *ctx, iter *it)
{
    if (it->done || it->fast)              /* fast: the prototype has no return */
        return;
    duk_safe_call(ctx, iter_return, it, 0, 1);
    duk_pop(ctx);
}

struct list_ctx {
    struct rt__promises *ps;
    duk_idx_t src;
    iter it;
};

static duk_ret_t list_body(duk_context *ctx, void *udata)
{
    struct list_ctx *lc = udata;
    duk_push_array(ctx);
    duk_idx_t list = duk_get_top_index(ctx);
    get_iterator(ctx, lc->ps, lc->src, &lc->it);
    while (iter_step(ctx, &lc->it))
        rt__dx_array_append(ctx, list);
    duk_set_top(ctx, list + 1);
    return 1;
}

static void iterable_to_list(duk_context *ctx, struct rt__promises *ps, duk_idx_t idx)
{
    struct list_ctx lc = {ps, duk_normalize_index(ctx, idx), {0, 0, 0, 0, 0}};
    if (duk_safe_call(ctx, list_body, &lc, 0, 1) != DUK_EXEC_SUCCESS)
        (void)duk_throw(ctx);              /* no close: only the iterator itself can throw */
}

/* ---- combinators ---- */

/* element functions: target = state (or, for allSettled's reject, the fulfil function,
   which holds the pair's [[AlreadyCalled]]), index = the element's index */
static duk_ret_t element_fn(duk_context *ctx)
{
    struct rt__promises *ps = ps_of(ctx);
    int magic = duk_get_current_magic(ctx);
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);        /* 1 */
    if (magic == M_SETTLED_R)
        slot_get(ctx, ps, 1, K_TARGET);
    else
        duk_dup(ctx, 1);
    /* 2: the function holding [[AlreadyCalled]] */
    slot_take(ctx, ps, 2, K_TARGET);       /* 3: state */
    if (duk_is_undefined(ctx, 3))
        return 0;
    slot_get(ctx, ps, 2, K_INDEX);
    uint32_t index = (uint32_t)duk_get_number(ctx, -1);
    duk_pop(ctx);
    duk_dup(ctx, 0);
    element_settled(ctx, ps, 3, index, magic);
    return 0;
}

/* [ ... ] -> [ ... promise resolve reject ] from a combinator state. */
static void push_state_capability(duk_context *ctx, duk_idx_t st)
{
    void *s = duk_get_heapptr(ctx, st);
    for (int i = 0; i < 3; i++)
        rt__dx_array_get(ctx, s, (duk_uint32_t)(ST_PROMISE + i));
}

/* One element settled, value on top (consumed): Promise.all's resolve element, allSettled's
   two, any's reject element (magic), or 0 for "reject / resolve the capability". */
static void element_settled(duk_context *ctx, struct rt__promises *ps, duk_idx_t st,
                            uint32_t index, int magic)
{
    st = duk_normalize_index(ctx, st);
    duk_idx_t v = duk_get_top_index(ctx);
    void *s = duk_get_heapptr(ctx, st);
    rt__dx_array_get(ctx, s, ST_KIND);
    int ck = duk_get_int(ctx, -1);
    duk_pop(ctx);
    if (magic == 0) {                      /* all's reject, any's resolve */
        push_state_capability(ctx, st);
        duk_dup(ctx, v);
        capability_settle(ctx, ps, -4, ck == C_ANY);
        duk_set_top(ctx, v);
        return;
    }
    if (magic == M_SETTLED_F || magic == M_SETTLED_R) {
        duk_push_object(ctx);
        duk_push_string(ctx, "status");
        duk_push_string(ctx, magic == M_SETTLED_F ? "fulfilled" : "rejected");
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WEC);
        duk_push_string(ctx, magic == M_SETTLED_F ? "value" : "reason");
        duk_dup(ctx, v);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WEC);
        duk_replace(ctx, v);
    }
    rt__dx_array_get(ctx, s, ST_LIST);
    duk_dup(ctx, v);
    rt__dx_array_define(ctx, -2, index);
    if (rt__dx_array_add_num(ctx, s, ST_REMAINING, -1) == 0) {
        /* [ ... v list ] */
        push_state_capability(ctx, st);
        if (ck == C_ANY) {
            duk_push_heapptr(ctx, ps->agg_proto);
            duk_push_string(ctx, "All promises were rejected");
            duk_push_heapptr(ctx, ps->key[K_FLAGS]);
            duk_dup(ctx, v + 1);
            make_aggregate(ctx, -4);
            capability_settle(ctx, ps, -4, 0);
        } else {
            duk_dup(ctx, v + 1);
            capability_settle(ctx, ps, -4, 1);
        }
    }
    duk_set_top(ctx, v);
}

/* Push the resolve (ST_RESOLVE) or reject (ST_REJECT) function of a combinator's
   capability, making the pair first for a %Promise% capability (code will see it). */
static void push_cap_fn(duk_context *ctx, struct rt__promises *ps, duk_idx_t st, int which)
{
    st = duk_normalize_index(ctx, st);
    void *s = duk_get_heapptr(ctx, st);
    rt__dx_array_get(ctx, s, ST_RESOLVE);
    int have = !duk_is_undefined(ctx, -1);
    duk_pop(ctx);
    if (!have) {
        push_state_capability(ctx, st);
        capability_functions(ctx, ps, -3);
        rt__dx_array_put(ctx, s, ST_REJECT);
        rt__dx_array_put(ctx, s, ST_RESOLVE);
        duk_pop(ctx);
    }
    rt__dx_array_get(ctx, s, (duk_uint32_t)which);
}

struct comb_ctx {
    struct rt__promises *ps;
    int kind;
    iter it;
};

/* The loop of PerformPromiseAll / AllSettled / Any / Race. Stack (absolute):
   0 iterable, 1 C, 2..4 capability, 5 state, 6 promiseResolve, 7 8 the iterator record. */
static duk_ret_t combinator_loop(duk_context *ctx, void *udata)
{
    struct comb_ctx *cc = udata;
    struct rt__promises *ps = cc->ps;
    int kind = cc->kind;
    int native = duk_get_heapptr(ctx, 1) == ps->ctor && duk_get_heapptr(ctx, 6) == ps->resolve;
    void *s = duk_get_heapptr(ctx, 5);
    void *list = NULL;
    if (kind != C_RACE) {
        rt__dx_array_get(ctx, s, ST_LIST);
        list = duk_get_heapptr(ctx, -1);   /* the state holds it */
        duk_pop(ctx);
    }
    uint32_t index = 0;
    duk_idx_t top = duk_get_top(ctx);
    int known = 0;                         /* originals() held and no code ran since */
    while (iter_step(ctx, &cc->it)) {
        duk_idx_t x = top;                 /* the value */
        if (cc->it.ran)
            known = 0;
        if (kind != C_RACE)
            rt__dx_list_push_undefined(ctx, list);
        /* nextPromise = Call(promiseResolve, C, x): x itself for a plain promise */
        duk_idx_t np;
        int plain;
        if (native && plain_shape(ctx, ps, x) && (known || (known = originals(ctx, ps)))) {
            np = x;
            plain = 1;
        } else {
            known = 0;                     /* from here on code may run */
            if (native) {
                promise_resolve(ctx, ps, 1, x);
            } else {
                duk_dup(ctx, 6);
                duk_dup(ctx, 1);
                duk_dup(ctx, x);
                duk_call_method(ctx, 1);
            }
            np = x + 1;
            plain = -1;
        }
        if (kind != C_RACE)
            rt__dx_array_add_num(ctx, s, ST_REMAINING, 1);
        /* Invoke(nextPromise, "then", ...) */
        if (plain < 0)
            plain = plain_promise(ctx, ps, np);
        int np_flags = plain ? flags_of(ctx, ps, np) : 0;
        if (plain && (np_flags & ST_MASK)) {
            /* as below, and already settled: the reaction job straight away, no record */
            set_flags(ctx, ps, np, np_flags | F_HANDLED);
            duk_dup(ctx, 5);
            slot_get(ctx, ps, np, K_VALUE);
            duk_push_number(ctx, index);
            rt__microtask_enqueue(ctx, RT_JOB_PROMISE, (np_flags & ST_MASK) == RT_PROMISE_FULFILLED ?
                                  JOB_ELEM_F : JOB_ELEM_R, 3);
        } else if (plain) {
            /* our then on our promise, species %Promise%: the derived promise would be
               unreachable and never reject, the element functions never seen - a record */
            if (kind == C_RACE) {
                duk_push_int(ctx, RK_RACE);
                duk_dup(ctx, 5);
                rt__dx_push_tuple(ctx, 2);
            } else {
                duk_push_int(ctx, RK_ELEM);
                duk_dup(ctx, 5);
                duk_push_number(ctx, index);
                rt__dx_push_tuple(ctx, 3);
            }
            add_reaction(ctx, ps, np);
        } else {
            known = 0;
            duk_push_heapptr(ctx, ps->str_then);
            duk_get_prop(ctx, np);         /* then */
            duk_dup(ctx, np);
            switch (kind) {
            case C_RACE:
                push_cap_fn(ctx, ps, 5, ST_RESOLVE);
                push_cap_fn(ctx, ps, 5, ST_REJECT);
                break;
            case C_ALL:
                duk_dup(ctx, 5);
                duk_push_number(ctx, index);
                rt__dx_push_function(ctx, element_fn, 1, M_ALL_F, 1, "", 0, &ps->key[K_TARGET], 2);
                push_cap_fn(ctx, ps, 5, ST_REJECT);
                break;
            case C_ANY:
                push_cap_fn(ctx, ps, 5, ST_RESOLVE);
                duk_dup(ctx, 5);
                duk_push_number(ctx, index);
                rt__dx_push_function(ctx, element_fn, 1, M_ANY_R, 1, "", 0, &ps->key[K_TARGET], 2);
                break;
            default:                       /* allSettled: one [[AlreadyCalled]] for both */
                duk_dup(ctx, 5);
                duk_push_number(ctx, index);
                rt__dx_push_function(ctx, element_fn, 1, M_SETTLED_F, 1, "", 0, &ps->key[K_TARGET], 2);
                duk_dup(ctx, -1);
                duk_push_number(ctx, index);
                rt__dx_push_function(ctx, element_fn, 1, M_SETTLED_R, 1, "", 0, &ps->key[K_TARGET], 2);
                break;
            }
            duk_call_method(ctx, 2);
        }
        duk_set_top(ctx, top);
        index++;
    }
    if (kind == C_RACE)
        return 0;
    if (rt__dx_array_add_num(ctx, s, ST_REMAINING, -1) == 0) {
        rt__dx_array_get(ctx, s, ST_LIST);             /* [ ... list ] */
        push_state_capability(ctx, 5);
        if (kind == C_ANY) {
            duk_push_heapptr(ctx, ps->agg_proto);
            duk_push_string(ctx, "All promises were rejected");
            duk_push_heapptr(ctx, ps->key[K_FLAGS]);
            duk_dup(ctx, -7);
            make_aggregate(ctx, -4);
            capability_settle(ctx, ps, -4, 0);
        } else {
            duk_dup(ctx, -4);
            capability_settle(ctx, ps, -4, 1);
        }
    }
    return 0;
}

/* GetPromiseResolve, GetIterator (no close if they fail), then the loop (closing the
   iterator if anything but the iterator itself fails). */
static duk_ret_t combinator_body(duk_context *ctx, void *udata)
{
    struct comb_ctx *cc = udata;
    duk_push_string(ctx, "resolve");
    duk_get_prop(ctx, 1);                  /* 6 */
    if (!duk_is_callable(ctx, 6))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Promise resolve is not a function");
    get_iterator(ctx, cc->ps, 0, &cc->it); /* 7 8 */
    if (duk_safe_call(ctx, combinator_loop, cc, 0, 1) != DUK_EXEC_SUCCESS) {
        iter_close_on_throw(ctx, &cc->it);
        return duk_throw(ctx);
    }
    return 0;
}

static duk_ret_t combinator(duk_context *ctx, int kind)
{
    struct rt__promises *ps = ps_of(ctx);
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* 1: C */
    new_capability(ctx, ps, 1);            /* 2 3 4 (throws: not a constructor) */
    duk_dup(ctx, 2);
    duk_dup(ctx, 3);
    duk_dup(ctx, 4);
    if (kind == C_RACE)
        duk_push_undefined(ctx);
    else
        duk_push_array(ctx);
    duk_push_int(ctx, 1);
    duk_push_int(ctx, kind);
    rt__dx_push_tuple(ctx, ST_N);          /* 5: state */
    struct comb_ctx cc = {ps, kind, {0, 0, 1, 0, 0}};
    if (duk_safe_call(ctx, combinator_body, &cc, 0, 1) != DUK_EXEC_SUCCESS) {
        /* IfAbruptRejectPromise, through the state's capability (it may have functions) */
        duk_idx_t e = duk_get_top_index(ctx);
        push_state_capability(ctx, 5);
        duk_dup(ctx, e);
        capability_settle(ctx, ps, -4, 0);
    }
    duk_dup(ctx, 2);
    return 1;
}

static duk_ret_t js_all(duk_context *ctx) { return combinator(ctx, C_ALL); }
static duk_ret_t js_all_settled(duk_context *ctx) { return combinator(ctx, C_SETTLED); }
static duk_ret_t js_any(duk_context *ctx) { return combinator(ctx, C_ANY); }
static duk_ret_t js_race(duk_context *ctx) { return combinator(ctx, C_RACE); }

static duk_ret_t js_species(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

/* Reflect.construct(target, argumentsList[, newTarget]): Duktape 2.7's throws "unsupported"
   when newTarget is given and differs from target, which is how an ES5 function subclasses
   Promise (the header comment); replaced at start-up with the standard steps. */
static duk_ret_t js_reflect_construct(duk_context *ctx)
{
    if (duk_get_top(ctx) < 3) {
        duk_set_top(ctx, 2);
        duk_dup(ctx, 0);
    }
    duk_set_top(ctx, 3);
    if (!duk_is_constructable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Reflect.construct: target is not a constructor");
    if (!duk_is_constructable(ctx, 2))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Reflect.construct: newTarget is not a constructor");
    if (!duk_is_object(ctx, 1))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Reflect.construct: argumentsList is not an object");
    duk_dup(ctx, 0);
    duk_dup(ctx, 2);
    duk_get_prop_string(ctx, 1, "length");   /* CreateListFromArrayLike */
    double len = duk_to_number(ctx, -1);
    duk_pop(ctx);
    duk_idx_t n = len > 0 ? (len > 1e6 ? (duk_idx_t)1e6 : (duk_idx_t)len) : 0;
    duk_require_stack(ctx, n);
    for (duk_idx_t i = 0; i < n; i++)
        duk_get_prop_index(ctx, 1, (duk_uarridx_t)i);
    rt__dx_new_target(ctx, n);
    return 1;
}

/* ---- rejection tracking: the report ---- */

int rt__promise_pending_checks(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "unhandled");
    int n = (int)duk_get_length(ctx, -1);
    duk_pop_2(ctx);
    return n > 0;
}

void rt__promise_report_unhandled(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    struct rt__promises *ps = rt->promises;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "unhandled");
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, -1);
    if (n == 0) {
        duk_pop_2(ctx);
        return;
    }
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -3, "unhandled");
    duk_remove(ctx, -2);
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, -1, i);
        int f = flags_of(ctx, ps, -1);
        if (!(f & F_HANDLED)) {
            set_flags(ctx, ps, -1, f | F_HANDLED);          /* reported once */
            slot_get(ctx, ps, -1, K_VALUE);
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

#define DEFPROP_METHOD (DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | \
                        DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE)

/* A built-in method: not a constructor, own length and name. Returns its heapptr. */
static void *define_method(duk_context *ctx, duk_idx_t obj, const char *name, duk_c_function fn,
                           duk_idx_t nargs, int length)
{
    obj = duk_normalize_index(ctx, obj);
    duk_push_string(ctx, name);
    rt__dx_push_function(ctx, fn, nargs, 0, length, name, 0, NULL, 0);
    void *p = duk_get_heapptr(ctx, -1);
    duk_def_prop(ctx, obj, DEFPROP_METHOD);
    return p;
}

/* Symbol[name] as a well-known symbol, unless the engine has it: [ ... ] -> [ ... sym ] */
static void well_known_symbol(duk_context *ctx, const char *name, const char *wk)
{
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, name);
    if (!duk_is_symbol(ctx, -1)) {
        duk_pop(ctx);
        duk_push_string(ctx, name);
        duk_push_string(ctx, wk);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WEC);
        duk_get_prop_string(ctx, -1, name);
    }
    duk_remove(ctx, -2);
}

static duk_ret_t init(duk_context *ctx, void *udata)
{
    rt_runtime *rt = udata;
    duk_push_heap_stash(ctx);
    duk_push_fixed_buffer(ctx, sizeof(struct rt__promises));  /* zeroed */
    struct rt__promises *ps = duk_get_buffer(ctx, -1, NULL);
    duk_put_prop_string(ctx, -2, "promises");
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "pkeep");
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "unhandled");
    duk_pop(ctx);
    rt->promises = ps;
    ps->hint[0] = ps->hint[1] = ps->hint[2] = -1;
    for (int i = 0; i < NKEYS; i++) {
        duk_push_string(ctx, key_names[i]);
        ps->key[i] = duk_get_heapptr(ctx, -1);
        keep(ctx, -1);
        duk_pop(ctx);
    }
    duk_push_string(ctx, "then");
    ps->str_then = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_pop(ctx);
    duk_push_string(ctx, "constructor");
    ps->str_constructor = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_pop(ctx);
    duk_push_string(ctx, "next");
    ps->str_next = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_pop(ctx);
    well_known_symbol(ctx, "species", DUK_WELLKNOWN_SYMBOL("Symbol.species"));
    ps->sym_species = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_pop(ctx);
    well_known_symbol(ctx, "iterator", DUK_WELLKNOWN_SYMBOL("Symbol.iterator"));
    ps->sym_iterator = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_pop(ctx);

    /* Promise: length, name, prototype, statics, [Symbol.species] (V8's order, so that
       property listings match Node's; the specification leaves it open) */
    rt__dx_push_function(ctx, js_promise, 1, 0, 1, "Promise", 1, NULL, 0);   /* 0 */
    ps->ctor = duk_get_heapptr(ctx, 0);
    keep(ctx, 0);
    duk_push_object(ctx);                  /* 1: Promise.prototype */
    ps->proto = duk_get_heapptr(ctx, 1);
    keep(ctx, 1);
    duk_push_string(ctx, "prototype");
    duk_dup(ctx, 1);
    duk_def_prop(ctx, 0, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WEC);
    define_method(ctx, 0, "all", js_all, 1, 1);
    define_method(ctx, 0, "allSettled", js_all_settled, 1, 1);
    define_method(ctx, 0, "any", js_any, 1, 1);
    define_method(ctx, 0, "race", js_race, 1, 1);
    ps->resolve = define_method(ctx, 0, "resolve", js_resolve, 1, 1);
    define_method(ctx, 0, "reject", js_reject, 1, 1);
    define_method(ctx, 0, "withResolvers", js_with_resolvers, 0, 0);
    define_method(ctx, 0, "try", js_try, DUK_VARARGS, 1);
    duk_push_heapptr(ctx, ps->sym_species);
    rt__dx_push_function(ctx, js_species, 0, 0, 0, "get [Symbol.species]", 0, NULL, 0);
    ps->species_getter = duk_get_heapptr(ctx, -1);
    duk_def_prop(ctx, 0, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_CLEAR_ENUMERABLE |
                             DUK_DEFPROP_SET_CONFIGURABLE);
    /* Promise.prototype: constructor, then, catch, finally, [Symbol.toStringTag] */
    duk_push_string(ctx, "constructor");
    duk_dup(ctx, 0);
    duk_def_prop(ctx, 1, DEFPROP_METHOD);
    ps->then = define_method(ctx, 1, "then", js_then, 2, 2);
    define_method(ctx, 1, "catch", js_catch, 1, 1);
    define_method(ctx, 1, "finally", js_finally, 1, 1);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "toStringTag");
    duk_remove(ctx, -2);
    if (duk_is_symbol(ctx, -1)) {
        duk_push_string(ctx, "Promise");
        duk_def_prop(ctx, 1, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                                 DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    } else {
        duk_pop(ctx);
    }
    duk_push_global_object(ctx);
    duk_push_string(ctx, "Promise");
    duk_dup(ctx, 0);
    duk_def_prop(ctx, -3, DEFPROP_METHOD);

    /* AggregateError: [[Prototype]] %Error%, prototype from %Error.prototype% */
    rt__dx_push_function(ctx, js_aggregate_error, 3, 0, 2, "AggregateError", 1, NULL, 0);
    duk_get_global_string(ctx, "Error");
    duk_set_prototype(ctx, -2);
    duk_push_object(ctx);
    ps->agg_proto = duk_get_heapptr(ctx, -1);
    keep(ctx, -1);
    duk_get_global_string(ctx, "Error");
    duk_get_prop_string(ctx, -1, "prototype");
    duk_remove(ctx, -2);
    duk_set_prototype(ctx, -2);
    duk_push_string(ctx, "constructor");
    duk_dup(ctx, -3);
    duk_def_prop(ctx, -3, DEFPROP_METHOD);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, "AggregateError");
    duk_def_prop(ctx, -3, DEFPROP_METHOD);
    duk_push_string(ctx, "message");
    duk_push_string(ctx, "");
    duk_def_prop(ctx, -3, DEFPROP_METHOD);
    duk_push_string(ctx, "prototype");
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WEC);
    duk_push_string(ctx, "AggregateError");
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, DEFPROP_METHOD);
    duk_pop(ctx);                          /* the global object */

    duk_get_global_string(ctx, "Reflect");
    if (duk_is_object(ctx, -1))
        define_method(ctx, -1, "construct", js_reflect_construct, DUK_VARARGS, 2);
    duk_pop(ctx);
    return 0;
}

int rt__promise_init(duk_context *ctx)
{
    int ok = duk_safe_call(ctx, init, rt__rt_of(ctx), 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(ctx);
    return ok ? 0 : RT_ENOMEM;
}
