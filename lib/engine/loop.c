/*
 * loop.c - the event loop. One turn, as Node orders its phases: due timers (each a
 * macrotask followed by a microtask drain), then the poll phase - the backend's wait()
 * sleeps until the next timer deadline, an I/O event, a post from a host thread or the
 * interrupt deadline (never a busy loop, never a fixed polling interval) - then the I/O
 * events that arrived and the host's posts and finished work, one macrotask each, then
 * the immediates queued before the turn. In host-loop mode (rt_config.uv_loop) the host's
 * libuv loop drives the same steps through the backend's handles instead (runtime.c
 * host_turn), and these functions are not used.
 *
 * Stopping: stop_on_uncaught and interrupts stop the runtime (rt->stop, with the code in
 * rt->stop_code); the loop functions then return that code until rt_resume().
 */
#include "engine.h"
#include "client.h"

/* With only host work pending (nothing else has a deadline), the wait is bounded anyway:
   a backend whose wait needs a live handle (libuv) would otherwise return at once. */
#define HOST_WAIT_MS 3600000

/* Milliseconds until the next timer, immediate, connection deadline or interrupt deadline
   (0: now), -1 if none; bounded while host work keeps the loop alive. */
int64_t rt__next_timeout(rt_runtime *rt)
{
    int64_t t = rt__timers_next_timeout(rt);
    int64_t n = rt__net_next_timeout(rt->net);
    if (n >= 0 && (t < 0 || n < t))
        t = n;
    int64_t d = rt__deadline_timeout(rt);
    if (d >= 0 && (t < 0 || d < t))
        t = d;
    if (rt__host_ready(rt))
        t = 0;
    else if (t < 0 && rt__host_alive(rt))
        t = HOST_WAIT_MS;
    return t;
}

int rt_alive(rt_runtime *rt)
{
    if (!rt || rt->stop)
        return 0;
    return rt__timers_alive(rt) || rt__net_alive(rt->net) || rt->microtasks_pending ||
           rt__host_alive(rt);
}

int rt_stopped(rt_runtime *rt)
{
    return rt ? rt->stop : 1;
}

void rt_resume(rt_runtime *rt)
{
    if (!rt || rt->dead || rt->destroying)
        return;
    __atomic_store_n(&rt->interrupt_req, 0, __ATOMIC_RELAXED);
    if (rt__deadline_timeout(rt) == 0)
        __atomic_store_n(&rt->deadline, 0, __ATOMIC_RELAXED);
    rt->interrupted = 0;
    rt->stop = 0;
    rt->stop_code = 0;
    if (rt->host_loop)
        rt__backend_host_arm(rt->backend, rt->bstate, rt__next_timeout(rt));
}

/* The code a stopped runtime answers with. */
static int stopped_code(rt_runtime *rt)
{
    return rt->stop_code ? rt->stop_code : RT_EJS;
}

int rt__run_once_impl(rt_runtime *rt, int timeout_ms)
{
    int r;
    if ((r = rt__interrupt_take(rt)) < 0)
        return r;
    if (rt->stop)
        return stopped_code(rt);
    int uncaught0 = rt->uncaught;
    rt__microtask_drain(rt);
    rt__timers_run(rt);
    if (rt->stop)
        goto done;
    int64_t t = rt__next_timeout(rt);
    if (rt->microtasks_pending || rt__net_ready(rt->net))
        t = 0;                             /* work is ready: poll, do not sleep */
    int io = rt__net_alive(rt->net) || rt__host_alive(rt);
    if (timeout_ms >= 0 && (t < 0 || t > timeout_ms))
        t = timeout_ms;
    if (t != 0 || io) {
        if (t < 0 && !io)
            goto done;                     /* nothing could ever wake us */
        r = rt__backend_wait(rt->backend, rt->bstate, t > 0x7fffffff ? 0x7fffffff : (int)t);
        if (r < 0)
            return rt__fail(rt, r, "backend wait failed: %s", rt_strerror(r));
    }
    if ((r = rt__interrupt_take(rt)) < 0)
        return r;
    rt__net_dispatch(rt->net);             /* deadlines, then the events: one macrotask each */
    rt__host_dispatch(rt);                 /* the host's posts and finished work */
    rt__immediates_run(rt);
    rt__timers_run(rt);
done:
    if ((r = rt__interrupt_take(rt)) < 0)
        return r;
    if (rt->uncaught > uncaught0 || (rt->stop && rt->stop_code == RT_EJS))
        return RT_EJS;                     /* reported; rt_alive() says whether work remains */
    return rt_alive(rt);
}

static int run_once_api(rt_runtime *rt, void *arg)
{
    if (rt->host_loop)
        return rt__fail(rt, RT_EINVAL, "rt_run_once: the host's libuv loop drives this runtime");
    return rt__run_once_impl(rt, *(int *)arg);
}

int rt_run_once(rt_runtime *rt, int timeout_ms)
{
    return rt__api(rt, run_once_api, &timeout_ms);
}

static int run_api(rt_runtime *rt, void *arg)
{
    (void)arg;
    if (rt->host_loop)
        return rt__fail(rt, RT_EINVAL, "rt_run: the host's libuv loop drives this runtime");
    int rc = 0;
    for (;;) {
        int r = rt__run_once_impl(rt, -1);
        if (r == RT_EJS && !rt->stop) {
            rc = RT_EJS;                   /* reported; the loop goes on */
            continue;
        }
        if (r <= 0)
            return r < 0 ? r : rc;
    }
}

int rt_run(rt_runtime *rt)
{
    return rt__api(rt, run_api, NULL);
}
