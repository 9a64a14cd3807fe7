/*
 * host.c - host work in the loop: what an embedder adds to a runtime besides scripts.
 * - posts from any thread and finished worker jobs (the queue and the pool are
 *   lib/net/hostwork.c; the wakeup is the backend's, through rt__net_wakeup), run here on
 *   the loop thread, one macrotask each with a microtask drain after it;
 * - rt_ref / rt_unref, a counter that keeps rt_alive() true;
 * - promises the host settles later (rt_promise): the JS promise lives in the heap stash
 *   under the handle's key until it is settled; each pending handle keeps the loop alive;
 * - timers from C (rt_timer): a native trampoline function put on the runtime's own
 *   setTimeout / setInterval (captured at start-up, so a script replacing the globals
 *   changes nothing), ordered with the scripts' timers;
 * - rt_define: native functions and objects from a table (QuickJS's function lists).
 * Loop thread, except rt_post, rt_ref, rt_unref and rt_queue_work (any thread).
 */
#include <string.h>

#include "engine.h"
#include "client.h"
#include "hostwork.h"

struct rt_promise {
    rt_runtime *rt;
    struct rt_promise *prev, *next;        /* host->promises */
    uint32_t key;                          /* stash.hostpromises[key] */
};

struct rt_timer {
    rt_runtime *rt;
    struct rt_timer *prev, *next;          /* host->timers */
    double js_id;                          /* the setTimeout / setInterval id */
    uint64_t repeat;
    int interval_on;                       /* the JS timer is the setInterval now */
    int firing, stopped;                   /* stopped from its own callback: freed after */
    void (*cb)(rt_runtime *rt, void *data);
    void *data;
};

struct rt__host {
    rt__hostq *q;
    rt__hostitem *local, *local_tail;      /* taken, not yet run (the runtime stopped) */
    uint64_t nlocal;
    struct rt_promise *promises;
    uint64_t npromises;
    uint32_t next_key;
    struct rt_timer *timers;
    int closed;
};

#define PROMISES_KEY "hostpromises"
#define TIMERS_KEY "hosttimers"
#define TIMER_PTR DUK_HIDDEN_SYMBOL("rttimer")

static void wake(void *ud)
{
    rt_runtime *rt = ud;
    rt__net_wakeup(rt->net);
}

static duk_ret_t init_safe(duk_context *ctx, void *udata)
{
    (void)udata;
    duk_push_heap_stash(ctx);
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, PROMISES_KEY);
    /* the runtime's own timer functions, whatever scripts later do to the globals */
    duk_push_array(ctx);
    static const char *const names[] = {"setTimeout", "setInterval", "clearTimeout"};
    for (int i = 0; i < 3; i++) {
        duk_get_global_string(ctx, names[i]);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
    }
    duk_put_prop_string(ctx, -2, TIMERS_KEY);
    return 0;
}

int rt__host_init(rt_runtime *rt)
{
    struct rt__host *h = rt__calloc(1, sizeof *h);
    if (!h)
        return RT_ENOMEM;
    rt->host = h;
    int r = rt__hostq_new(rt->mem, rt->cfg.work_threads, wake, rt, &h->q);
    if (r < 0)
        return r;
    int ok = duk_safe_call(rt->ctx, init_safe, NULL, 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(rt->ctx);
    return ok ? 0 : RT_ENOMEM;
}

/* Call each item with RT_ECANCELED and free it. */
static void cancel_items(rt_runtime *rt, rt__hostitem *it)
{
    while (it) {
        rt__hostitem *next = it->next;
        rt_callback cb = it->cb;
        void *data = it->data;
        rt__free(it);
        if (cb)
            cb(rt, data, RT_ECANCELED);
        it = next;
    }
}

void rt__host_close(rt_runtime *rt)
{
    struct rt__host *h = rt->host;
    if (!h || h->closed)
        return;
    h->closed = 1;
    rt__hostitem *left = rt__hostq_close(h->q);    /* running work finishes, threads joined */
    cancel_items(rt, h->local);
    h->local = h->local_tail = NULL;
    h->nlocal = 0;
    cancel_items(rt, left);
}

void rt__host_free(rt_runtime *rt)
{
    struct rt__host *h = rt->host;
    if (!h)
        return;
    rt__host_close(rt);
    rt__hostq_free(h->q);
    while (h->promises) {
        struct rt_promise *p = h->promises;
        h->promises = p->next;
        rt__free(p);
    }
    while (h->timers) {
        struct rt_timer *t = h->timers;
        h->timers = t->next;
        rt__free(t);
    }
    rt__free(h);
    rt->host = NULL;
}

uint64_t rt__host_pending(rt_runtime *rt)
{
    struct rt__host *h = rt->host;
    if (!h)
        return 0;
    return h->npromises + h->nlocal + (h->q ? rt__hostq_pending(h->q) : 0);
}

int rt__host_alive(rt_runtime *rt)
{
    return rt__host_pending(rt) > 0;
}

int rt__host_ready(rt_runtime *rt)
{
    struct rt__host *h = rt->host;
    return h && !h->closed && (h->local || rt__hostq_ready(h->q));
}

void rt__host_dispatch(rt_runtime *rt)
{
    struct rt__host *h = rt->host;
    if (!h || h->closed)
        return;
    uint64_t n = 0;
    rt__hostitem *taken = rt__hostq_take(h->q);
    for (rt__hostitem *it = taken; it; it = it->next)
        n++;
    if (taken) {
        if (h->local_tail)
            h->local_tail->next = taken;
        else
            h->local = taken;
        while (taken->next)
            taken = taken->next;
        h->local_tail = taken;
        h->nlocal += n;
        rt__hostq_taken(h->q, n);
    }
    /* one macrotask each; what a stop leaves stays for after rt_resume() */
    while (h->local && !rt->stop) {
        rt__hostitem *it = h->local;
        h->local = it->next;
        if (!h->local)
            h->local_tail = NULL;
        h->nlocal--;
        rt_callback cb = it->cb;
        void *data = it->data;
        int status = it->status;
        rt__free(it);
        if (cb)
            cb(rt, data, status);
        rt__microtask_drain(rt);
    }
}

/* ---- posts, refs, work ---- */

int rt_post(rt_runtime *rt, rt_callback cb, void *data)
{
    if (!rt || !cb)
        return RT_EINVAL;
    if (!rt->host)
        return RT_ECANCELED;
    return rt__hostq_post(rt->host->q, cb, data);   /* RT_ECANCELED once rt_free() began */
}

void rt_ref(rt_runtime *rt)
{
    if (rt && rt->host)
        rt__hostq_ref(rt->host->q);
}

void rt_unref(rt_runtime *rt)
{
    if (rt && rt->host)
        rt__hostq_unref(rt->host->q);
}

int rt_queue_work(rt_runtime *rt, void (*work)(void *data), rt_callback done, void *data)
{
    if (!rt || !work)
        return RT_EINVAL;
    if (!rt->host)
        return RT_ECANCELED;
    return rt__hostq_work(rt->host->q, work, done, data);
}

/* ---- promises ---- */

struct pnew {
    struct rt_promise *p;
};

/* [ ] -> [ promise ] */
static duk_ret_t promise_new_safe(duk_context *ctx, void *udata)
{
    struct rt_promise *p = udata;
    rt__promise_new(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, PROMISES_KEY);
    duk_dup(ctx, -3);
    duk_put_prop_index(ctx, -2, p->key);
    duk_pop_2(ctx);
    return 1;
}

static int promise_new_impl(rt_runtime *rt, void *arg)
{
    struct pnew *a = arg;
    struct rt__host *h = rt->host;
    if (rt->destroying || !h || h->closed)
        return RT_ECANCELED;
    struct rt_promise *p = rt__calloc(1, sizeof *p);
    if (!p)
        return RT_ENOMEM;
    p->rt = rt;
    do
        p->key = ++h->next_key;
    while (p->key == 0 || p->key == 0xffffffffu);   /* array indexes stop below 2^32-1 */
    if (duk_safe_call(rt->ctx, promise_new_safe, p, 0, 1) != DUK_EXEC_SUCCESS) {
        duk_pop(rt->ctx);
        rt__free(p);
        return RT_ENOMEM;
    }
    p->next = h->promises;
    if (h->promises)
        h->promises->prev = p;
    h->promises = p;
    h->npromises++;
    a->p = p;
    return 0;
}

rt_promise *rt_promise_new(rt_runtime *rt)
{
    struct pnew a = {NULL};
    if (rt__api(rt, promise_new_impl, &a) < 0)
        return NULL;
    return a.p;
}

enum { SET_VALUE, SET_STRING, SET_NUMBER, SET_UNDEFINED, SET_JSON, SET_ERROR };

struct settle {
    struct rt_promise *p;
    int reject, kind;
    const char *s;
    size_t len;
    double num;
    int code;
};

/* [ value? ] -> [ ]: with kind SET_VALUE the value is the caller's; else made here */
static duk_ret_t settle_safe(duk_context *ctx, void *udata)
{
    struct settle *a = udata;
    switch (a->kind) {
    case SET_STRING:
        duk_push_lstring(ctx, a->s, a->len);
        break;
    case SET_NUMBER:
        duk_push_number(ctx, a->num);
        break;
    case SET_UNDEFINED:
        duk_push_undefined(ctx);
        break;
    case SET_JSON:
        duk_push_lstring(ctx, a->s, a->len);
        duk_json_decode(ctx, -1);          /* a SyntaxError rejects (settle_impl) */
        break;
    case SET_ERROR:
        duk_push_error_object(ctx, DUK_ERR_ERROR, "%s", a->s ? a->s : rt_strerror(a->code));
        if (a->code < 0) {
            duk_push_string(ctx, rt_err_name(a->code));
            duk_put_prop_string(ctx, -2, "code");
        }
        break;
    }
    /* [ value ] */
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, PROMISES_KEY);
    duk_get_prop_index(ctx, -1, a->p->key);
    /* [ value stash table promise ] */
    duk_dup(ctx, -4);
    if (a->reject)
        rt__promise_reject(ctx, -2);
    else
        rt__promise_resolve(ctx, -2);
    duk_pop(ctx);
    duk_del_prop_index(ctx, -1, a->p->key);
    return 0;
}

static void release(struct rt_promise *p)
{
    struct rt__host *h = p->rt->host;
    if (p->prev)
        p->prev->next = p->next;
    else
        h->promises = p->next;
    if (p->next)
        p->next->prev = p->prev;
    h->npromises--;
    rt__free(p);
}

static int settle_impl(rt_runtime *rt, void *arg)
{
    struct settle *a = arg;
    duk_context *ctx = rt->ctx;
    int nargs = a->kind == SET_VALUE ? 1 : 0;
    if (rt->destroying || rt->host->closed) {
        if (nargs)
            duk_pop(ctx);
        return RT_ECANCELED;
    }
    int rc = 0;
    if (duk_safe_call(ctx, settle_safe, a, nargs, 1) != DUK_EXEC_SUCCESS) {
        /* making the value failed (bad JSON, out of memory): reject with that error */
        struct settle b = *a;
        b.kind = SET_VALUE;
        b.reject = 1;
        if (duk_safe_call(ctx, settle_safe, &b, 1, 1) != DUK_EXEC_SUCCESS)
            rc = RT_ENOMEM;
        else
            rc = a->kind == SET_JSON ? 0 : RT_ENOMEM;
    }
    duk_pop(ctx);
    release(a->p);
    if (rt->api_depth == 1)                /* not inside JS: run what settling queued */
        rt__microtask_drain(rt);
    return rc;
}

static int settle(rt_promise *p, struct settle *a)
{
    if (!p)
        return RT_EINVAL;
    a->p = p;
    rt_runtime *rt = p->rt;
    if (rt->dead)
        return RT_EFATAL;                  /* the handle goes with rt_free */
    return rt__api(rt, settle_impl, a);
}

int rt_promise_resolve(rt_promise *p)
{
    struct settle a = {NULL, 0, SET_VALUE, NULL, 0, 0, 0};
    return settle(p, &a);
}

int rt_promise_reject(rt_promise *p)
{
    struct settle a = {NULL, 1, SET_VALUE, NULL, 0, 0, 0};
    return settle(p, &a);
}

int rt_promise_resolve_string(rt_promise *p, const char *s, size_t len)
{
    struct settle a = {NULL, 0, SET_STRING, s ? s : "", s ? len : 0, 0, 0};
    return settle(p, &a);
}

int rt_promise_resolve_number(rt_promise *p, double v)
{
    struct settle a = {NULL, 0, SET_NUMBER, NULL, 0, v, 0};
    return settle(p, &a);
}

int rt_promise_resolve_undefined(rt_promise *p)
{
    struct settle a = {NULL, 0, SET_UNDEFINED, NULL, 0, 0, 0};
    return settle(p, &a);
}

int rt_promise_resolve_json(rt_promise *p, const char *json, size_t len)
{
    struct settle a = {NULL, 0, SET_JSON, json ? json : "", json ? len : 0, 0, 0};
    return settle(p, &a);
}

int rt_promise_reject_error(rt_promise *p, int code, const char *message)
{
    struct settle a = {NULL, 1, SET_ERROR, message, 0, 0, code};
    return settle(p, &a);
}

/* ---- timers ---- */

static void timer_unlink(struct rt_timer *t)
{
    struct rt__host *h = t->rt->host;
    if (t->prev)
        t->prev->next = t->next;
    else
        h->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    rt__free(t);
}

/* [ ... ] -> [ ... ]: fns[which](args...) with the current function (the trampoline) or
   the id as argument: which 0 setTimeout(fn, ms), 1 setInterval(fn, ms), 2 clearTimeout(id) */
static double timer_call(duk_context *ctx, int which, double arg)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, TIMERS_KEY);
    duk_get_prop_index(ctx, -1, (duk_uarridx_t)which);
    if (which == 2) {
        duk_push_number(ctx, arg);
        duk_call(ctx, 1);
    } else {
        duk_dup(ctx, -4);                  /* the trampoline, below stash */
        duk_push_number(ctx, arg);
        duk_call(ctx, 2);
    }
    double id = duk_get_number_default(ctx, -1, 0);
    duk_pop_3(ctx);
    return id;
}

static duk_ret_t timer_trampoline(duk_context *ctx)
{
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, TIMER_PTR);
    struct rt_timer *t = duk_get_pointer(ctx, -1);
    duk_pop(ctx);
    if (!t)
        return 0;
    /* [ fn ] */
    if (t->repeat && !t->interval_on) {    /* after the first timeout: every repeat ms */
        t->js_id = timer_call(ctx, 1, (double)t->repeat);
        t->interval_on = 1;
    }
    t->firing = 1;
    t->cb(t->rt, t->data);
    t->firing = 0;
    if (t->stopped || !t->repeat) {
        duk_push_pointer(ctx, NULL);
        duk_put_prop_string(ctx, -2, TIMER_PTR);
        timer_unlink(t);
    }
    return 0;
}

struct tstart {
    struct rt_timer *t;
    uint64_t timeout;
};

static duk_ret_t timer_start_safe(duk_context *ctx, void *udata)
{
    struct tstart *a = udata;
    duk_push_c_function(ctx, timer_trampoline, 0);
    duk_push_pointer(ctx, a->t);
    duk_put_prop_string(ctx, -2, TIMER_PTR);
    a->t->js_id = timer_call(ctx, 0, (double)a->timeout);
    return 0;
}

static int timer_start_impl(rt_runtime *rt, void *arg)
{
    struct tstart *a = arg;
    struct rt__host *h = rt->host;
    if (rt->destroying || h->closed)
        return RT_ECANCELED;
    if (duk_safe_call(rt->ctx, timer_start_safe, a, 0, 1) != DUK_EXEC_SUCCESS) {
        duk_pop(rt->ctx);
        return RT_ENOMEM;
    }
    duk_pop(rt->ctx);
    a->t->next = h->timers;
    if (h->timers)
        h->timers->prev = a->t;
    h->timers = a->t;
    return 0;
}

rt_timer *rt_timer_start(rt_runtime *rt, uint64_t timeout_ms, uint64_t repeat_ms,
                         void (*cb)(rt_runtime *rt, void *data), void *data)
{
    if (!rt || !cb || rt->dead)
        return NULL;
    rt__mem_enter(rt->mem);
    struct rt_timer *t = rt__calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->rt = rt;
    t->repeat = repeat_ms;
    t->cb = cb;
    t->data = data;
    /* setTimeout clamps below 1 and beyond 2^31-1 ms as Node does */
    struct tstart a = {t, timeout_ms};
    if (rt__api(rt, timer_start_impl, &a) < 0) {
        rt__free(t);
        return NULL;
    }
    return t;
}

static duk_ret_t timer_stop_safe(duk_context *ctx, void *udata)
{
    timer_call(ctx, 2, ((struct rt_timer *)udata)->js_id);
    return 0;
}

static int timer_stop_impl(rt_runtime *rt, void *arg)
{
    struct rt_timer *t = arg;
    if (!rt->destroying) {
        duk_safe_call(rt->ctx, timer_stop_safe, t, 0, 1);
        duk_pop(rt->ctx);
    }
    if (t->firing)
        t->stopped = 1;                    /* the trampoline frees it when cb returns */
    else
        timer_unlink(t);                   /* its JS timer is gone: the trampoline, with
                                              its pointer, is garbage */
    return 0;
}

void rt_timer_stop(rt_timer *t)
{
    if (!t || t->rt->dead)
        return;
    rt__api(t->rt, timer_stop_impl, t);
}

/* ---- rt_define ---- */

struct defargs {
    const rt_def *defs;
    const char *path;
    int idx;
};

static duk_uint_t prop_flags(unsigned fl)
{
    return (fl & RT_DEF_ENUMERABLE ? DUK_DEFPROP_SET_ENUMERABLE : DUK_DEFPROP_CLEAR_ENUMERABLE) |
           (fl & RT_DEF_CONFIGURABLE ? DUK_DEFPROP_SET_CONFIGURABLE
                                     : DUK_DEFPROP_CLEAR_CONFIGURABLE);
}

/* Define defs on the object at obj (absolute index); throws on a bad table. */
static void define_list(duk_context *ctx, duk_idx_t obj, const rt_def *d)
{
    for (; d && d->type != RT_DEF_END; d++) {
        if (!d->name)
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "rt_define: an entry without a name");
        duk_push_string(ctx, d->name);
        duk_uint_t fl = prop_flags(d->flags);
        switch (d->type) {
        case RT_DEF_FUNC: {
            if (!d->fn)
                (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "rt_define: %s has no function",
                                d->name);
            int len = d->nargs < 0 ? 0 : d->nargs;
            rt__dx_push_function(ctx, (duk_c_function)d->fn,
                                 d->nargs < 0 ? DUK_VARARGS : d->nargs, d->magic, len,
                                 d->name, 0, NULL, 0);
            duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | fl |
                                       (d->flags & RT_DEF_WRITABLE ? DUK_DEFPROP_SET_WRITABLE
                                                                   : DUK_DEFPROP_CLEAR_WRITABLE));
            break;
        }
        case RT_DEF_GETSET: {
            duk_uint_t have = 0;
            if (d->fn) {
                rt__dx_push_function(ctx, (duk_c_function)d->fn, 0, d->magic, 0, d->name, 0,
                                     NULL, 0);
                have |= DUK_DEFPROP_HAVE_GETTER;
            }
            if (d->setter) {
                rt__dx_push_function(ctx, (duk_c_function)d->setter, 1, d->magic, 1, d->name,
                                     0, NULL, 0);
                have |= DUK_DEFPROP_HAVE_SETTER;
            }
            duk_def_prop(ctx, obj, have | fl);
            break;
        }
        case RT_DEF_STRING:
        case RT_DEF_NUMBER:
        case RT_DEF_BOOL:
        case RT_DEF_OBJECT:
            if (d->type == RT_DEF_STRING)
                duk_push_string(ctx, d->str ? d->str : "");
            else if (d->type == RT_DEF_NUMBER)
                duk_push_number(ctx, d->num);
            else if (d->type == RT_DEF_BOOL)
                duk_push_boolean(ctx, d->num != 0);
            else {
                duk_push_object(ctx);
                define_list(ctx, duk_get_top_index(ctx), d->list);
            }
            duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | fl |
                                       (d->flags & RT_DEF_WRITABLE ? DUK_DEFPROP_SET_WRITABLE
                                                                   : DUK_DEFPROP_CLEAR_WRITABLE));
            break;
        default:
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "rt_define: %s has an unknown type %d",
                            d->name, d->type);
        }
    }
}

/* [ ... ] -> [ ... ] */
static duk_ret_t define_safe(duk_context *ctx, void *udata)
{
    struct defargs *a = udata;
    if (a->path) {
        duk_push_global_object(ctx);
        const char *p = a->path;
        while (*p) {
            const char *dot = strchr(p, '.');
            size_t n = dot ? (size_t)(dot - p) : strlen(p);
            if (n == 0)
                return duk_error(ctx, DUK_ERR_TYPE_ERROR, "rt_define: bad path '%s'", a->path);
            duk_push_lstring(ctx, p, n);
            duk_dup(ctx, -1);
            duk_get_prop(ctx, -3);
            /* [ ... parent key value ] */
            if (duk_is_undefined(ctx, -1)) {
                duk_pop(ctx);
                duk_push_object(ctx);
                duk_dup(ctx, -1);
                duk_insert(ctx, -3);       /* [ ... parent obj key obj ] */
                duk_put_prop(ctx, -4);
                duk_remove(ctx, -2);       /* [ ... obj ] */
            } else if (!duk_is_object(ctx, -1) && !duk_is_function(ctx, -1)) {
                return duk_error(ctx, DUK_ERR_TYPE_ERROR, "rt_define: '%.*s' is not an object",
                                 (int)n, p);
            } else {
                duk_remove(ctx, -2);
                duk_remove(ctx, -2);
            }
            p += n;
            if (*p == '.')
                p++;
        }
        define_list(ctx, duk_get_top_index(ctx), a->defs);
        return 0;
    }
    define_list(ctx, duk_normalize_index(ctx, a->idx), a->defs);
    return 0;
}

static int define_impl(rt_runtime *rt, void *arg)
{
    struct defargs *a = arg;
    duk_context *ctx = rt->ctx;
    if (!a->path && !duk_is_object(ctx, a->idx))
        return rt__fail(rt, RT_EINVAL, "rt_define_on: no object at index %d", a->idx);
    if (!a->path)
        a->idx = duk_normalize_index(ctx, a->idx);
    if (duk_safe_call(ctx, define_safe, a, 0, 1) != DUK_EXEC_SUCCESS) {
        int oom = !duk_is_error(ctx, -1) || duk_get_error_code(ctx, -1) != DUK_ERR_TYPE_ERROR;
        rt__fail(rt, oom ? RT_ENOMEM : RT_EINVAL, "%s", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return oom ? RT_ENOMEM : RT_EINVAL;
    }
    duk_pop(ctx);
    return 0;
}

int rt_define(rt_runtime *rt, const char *path, const rt_def *defs)
{
    struct defargs a = {defs, path ? path : "", 0};
    return rt__api(rt, define_impl, &a);
}

int rt_define_on(rt_runtime *rt, int obj_idx, const rt_def *defs)
{
    struct defargs a = {defs, NULL, obj_idx};
    return rt__api(rt, define_impl, &a);
}
