/*
 * loop.c - the event loop. One turn, as Node orders its phases: due timers (each a
 * macrotask followed by a microtask drain), then the poll phase - the backend's wait()
 * sleeps until the next timer deadline or an I/O event (never a busy loop, never a fixed
 * polling interval) - then the I/O events that arrived, one macrotask each, then the
 * immediates queued before the turn. In host-loop mode (rt_config.uv_loop) the host's
 * libuv loop drives the same steps through the backend's handles instead (runtime.c
 * host_turn), and these functions are not used.
 */
#include "engine.h"
#include "client.h"

/* Milliseconds until the next timer, immediate or connection deadline (0: now), -1 if none. */
int64_t rt__next_timeout(rt_runtime *rt)
{
    int64_t t = rt__timers_next_timeout(rt);
    int64_t n = rt__net_next_timeout(rt->net);
    return n >= 0 && (t < 0 || n < t) ? n : t;
}

int rt_alive(rt_runtime *rt)
{
    if (rt->stop)
        return 0;
    return rt__timers_alive(rt) || rt__net_alive(rt->net) || rt->microtasks_pending;
}

int rt_run_once(rt_runtime *rt, int timeout_ms)
{
    if (rt->host_loop)
        return rt__fail(rt, RT_EINVAL, "rt_run_once: the host's libuv loop drives this runtime");
    rt__microtask_drain(rt);
    rt__timers_run(rt);
    if (rt->stop)
        return 0;
    int64_t t = rt__next_timeout(rt);
    if (rt->microtasks_pending || rt__net_ready(rt->net))
        t = 0;                             /* work is ready: poll, do not sleep */
    int io = rt__net_alive(rt->net);
    if (timeout_ms >= 0 && (t < 0 || t > timeout_ms))
        t = timeout_ms;
    if (t != 0 || io) {
        if (t < 0 && !io)
            return rt_alive(rt);           /* nothing could ever wake us */
        int r = rt__backend_wait(rt->backend, rt->bstate, t > 0x7fffffff ? 0x7fffffff : (int)t);
        if (r < 0)
            return rt__fail(rt, r, "backend wait failed: %s", rt_strerror(r));
    }
    rt__net_dispatch(rt->net);             /* deadlines, then the events: one macrotask each */
    rt__immediates_run(rt);
    rt__timers_run(rt);
    return rt_alive(rt);
}

int rt_run(rt_runtime *rt)
{
    if (rt->host_loop)
        return rt__fail(rt, RT_EINVAL, "rt_run: the host's libuv loop drives this runtime");
    while (rt_alive(rt)) {
        int r = rt_run_once(rt, -1);
        if (r < 0)
            return r;
    }
    return rt->uncaught ? RT_EJS : 0;
}
