/*
 * interrupt.c - stopping a runaway script: rt_interrupt() (any thread, signal handlers
 * included) and a per-runtime deadline. Duktape is built with its interrupt counter and
 * exec-timeout check (tools/duk_config_overrides.h): every 256K bytecode instructions the
 * executor calls rt__duk_exec_timeout_check(); while it answers 1, Duktape throws a
 * RangeError at every instruction, so try/catch/finally cannot resume the script, until the
 * error has left the engine. Our C code that caught it (a safe call: eval, a timer, a
 * microtask, an I/O event) sees the interrupt still pending, reports nothing
 * (rt__report_uncaught) and stops the runtime; the outermost loop or eval call then consumes
 * the request and returns RT_EINTERRUPTED (rt__interrupt_take).
 */
#include "engine.h"
#include "client.h"

int rt__interrupt_pending(rt_runtime *rt)
{
    if (__atomic_load_n(&rt->interrupt_req, __ATOMIC_RELAXED))
        return 1;
    uint64_t d = __atomic_load_n(&rt->deadline, __ATOMIC_RELAXED);
    return d && rt__now_ms() >= d;
}

/* Duktape's exec-timeout hook (DUK_USE_EXEC_TIMEOUT_CHECK); udata is the heap's: the
   runtime (NULL while Duktape has no heap user data yet). */
duk_bool_t rt__duk_exec_timeout_check(void *udata)
{
    rt_runtime *rt = udata;
    if (!rt || !rt__interrupt_pending(rt))
        return 0;
    rt->interrupted = 1;
    return 1;
}

int rt__interrupt_take(rt_runtime *rt)
{
    if (!rt->interrupted && !rt__interrupt_pending(rt))
        return 0;
    if (rt->api_depth > 1)
        return RT_EINTERRUPTED;            /* nested: JS is still on the stack; the outermost
                                              call consumes the request */
    int deadline = !__atomic_load_n(&rt->interrupt_req, __ATOMIC_RELAXED);
    __atomic_store_n(&rt->interrupt_req, 0, __ATOMIC_RELAXED);
    rt->interrupted = 0;
    rt->stop = 1;
    rt->stop_code = RT_EINTERRUPTED;
    rt__errors_interrupted(rt, deadline);
    return rt__fail(rt, RT_EINTERRUPTED, "%s",
                    deadline ? "execution interrupted: the deadline passed"
                             : "execution interrupted (rt_interrupt)");
}

int64_t rt__deadline_timeout(rt_runtime *rt)
{
    uint64_t d = __atomic_load_n(&rt->deadline, __ATOMIC_RELAXED);
    if (!d)
        return -1;
    uint64_t now = rt__now_ms();
    return d <= now ? 0 : (int64_t)(d - now);
}

void rt_interrupt(rt_runtime *rt)
{
    if (!rt)
        return;
    /* async-signal-safe: an atomic store, and the backend's wakeup (uv_async_send, an
       eventfd write) so that a loop asleep in wait() notices at once */
    __atomic_store_n(&rt->interrupt_req, 1, __ATOMIC_SEQ_CST);
    if (rt->net && !rt->destroying)
        rt__net_wakeup(rt->net);
}

void rt_set_deadline(rt_runtime *rt, uint64_t ms)
{
    if (!rt)
        return;
    __atomic_store_n(&rt->deadline, ms ? rt__now_ms() + ms : 0, __ATOMIC_RELAXED);
    if (rt->host_loop && !rt->destroying)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
}
