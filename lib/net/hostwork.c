/*
 * hostwork.c - the host's way into a runtime's loop from other threads, without Duktape:
 * a queue of callbacks to run on the loop thread (rt_post) and a small pool of worker
 * threads for blocking host work (rt_queue_work), whose finished items join the same
 * queue. Any thread may post; the loop thread takes the whole ready list at once
 * (rt__hostq_take) and runs it outside the lock (lib/engine/host.c), after the wake
 * function (the backend's wakeup, through rt__net_wakeup) got it out of its wait.
 *
 * The pool belongs to the runtime (rt_config.work_threads, 4 by default): threads start
 * when work is queued and none is idle, and stay until rt__hostq_close(), which lets
 * running work finish, joins them, and hands back everything not yet run for cancellation.
 * Items are charged to the runtime's memory owner (rt__malloc_in), whatever the thread.
 *
 * Lock: q->mu guards both lists, the counters and `closing`; no callback runs under it.
 * A thread outside the runtime wakes the loop under q->mu (a post, the last rt_unref):
 * woken after unlocking, the loop could run the post (or see no refs left), end, and let
 * rt_free() destroy the backend under a thread still inside its wakeup (TSan saw the
 * eventfd closed beneath a poster's write). rt__hostq_close() takes q->mu before anything
 * is torn down, so such a call has either finished its wakeup or sees `closing`. A wakeup
 * never blocks (runtime_backend.h); our own workers wake outside the lock, as close joins
 * them first.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "hostwork.h"

struct rt__hostq {
    pthread_mutex_t mu;
    pthread_cond_t cv;                     /* workers: work queued, or closing */
    rt__hostitem *ready, *ready_tail;      /* for the loop thread, in order */
    rt__hostitem *work, *work_tail;        /* for the workers, in order */
    int closing;
    int nthreads, idle, max_threads;
    pthread_t *threads;                    /* max_threads slots, nthreads used */
    uint64_t pending;                      /* atomic: items made and not yet taken */
    uint64_t refs;                         /* atomic: rt_ref - rt_unref (an unref, which may
                                              end the loop, also holds mu) */
    int has_ready;                         /* atomic mirror of ready != NULL (lock-free peek) */
    rt__mem *mem;
    void (*wake)(void *ud);
    void *wake_ud;
};

int rt__hostq_new(rt__mem *mem, int max_threads, void (*wake)(void *ud), void *wake_ud,
                  rt__hostq **out)
{
    *out = NULL;
    rt__hostq *q = rt__malloc_in(mem, sizeof *q);
    if (!q)
        return RT_ENOMEM;
    memset(q, 0, sizeof *q);
    q->threads = rt__malloc_in(mem, sizeof(pthread_t) * (size_t)(max_threads > 0 ? max_threads : 1));
    if (!q->threads) {
        rt__free(q);
        return RT_ENOMEM;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->max_threads = max_threads > 0 ? max_threads : 1;
    q->mem = mem;
    q->wake = wake;
    q->wake_ud = wake_ud;
    *out = q;
    return 0;
}

/* Append it to the ready list (q->mu held). */
static void ready_locked(rt__hostq *q, rt__hostitem *it)
{
    it->next = NULL;
    if (q->ready_tail)
        q->ready_tail->next = it;
    else
        q->ready = it;
    q->ready_tail = it;
    __atomic_store_n(&q->has_ready, 1, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
    rt__hostq *q = arg;
    rt__mem_enter(q->mem);                 /* what the work allocates through us is the
                                              runtime's */
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->work && !q->closing) {
            q->idle++;
            pthread_cond_wait(&q->cv, &q->mu);
            q->idle--;
        }
        if (!q->work)
            break;                         /* closing, nothing left to run */
        rt__hostitem *it = q->work;
        q->work = it->next;
        if (!q->work)
            q->work_tail = NULL;
        pthread_mutex_unlock(&q->mu);
        it->work(it->data);
        pthread_mutex_lock(&q->mu);
        ready_locked(q, it);
        if (!q->closing) {
            pthread_mutex_unlock(&q->mu);
            q->wake(q->wake_ud);           /* outside the lock */
            pthread_mutex_lock(&q->mu);
        }
    }
    pthread_mutex_unlock(&q->mu);
    rt__mem_enter(NULL);
    return NULL;
}

static rt__hostitem *item_new(rt__hostq *q, void (*work)(void *), rt_callback cb, void *data)
{
    rt__hostitem *it = rt__malloc_in(q->mem, sizeof *it);
    if (!it)
        return NULL;
    it->next = NULL;
    it->work = work;
    it->cb = cb;
    it->data = data;
    it->status = 0;
    return it;
}

int rt__hostq_post(rt__hostq *q, rt_callback cb, void *data)
{
    rt__hostitem *it = item_new(q, NULL, cb, data);
    if (!it)
        return RT_ENOMEM;
    pthread_mutex_lock(&q->mu);
    if (q->closing) {
        pthread_mutex_unlock(&q->mu);
        rt__free(it);
        return RT_ECANCELED;
    }
    ready_locked(q, it);
    __atomic_add_fetch(&q->pending, 1, __ATOMIC_RELAXED);
    q->wake(q->wake_ud);                   /* under the lock: see the top */
    pthread_mutex_unlock(&q->mu);
    return 0;
}

void rt__hostq_ref(rt__hostq *q)
{
    __atomic_add_fetch(&q->refs, 1, __ATOMIC_RELAXED);
}

void rt__hostq_unref(rt__hostq *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t v = __atomic_load_n(&q->refs, __ATOMIC_RELAXED);
    while (v > 0 && !__atomic_compare_exchange_n(&q->refs, &v, v - 1, 0, __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED))
        ;                                  /* rt_ref() adds without the lock */
    if (v == 1 && !q->closing)
        q->wake(q->wake_ud);               /* the loop re-checks whether it is done */
    pthread_mutex_unlock(&q->mu);
}

int rt__hostq_work(rt__hostq *q, void (*work)(void *data), rt_callback cb, void *data)
{
    rt__hostitem *it = item_new(q, work, cb, data);
    if (!it)
        return RT_ENOMEM;
    pthread_mutex_lock(&q->mu);
    if (q->closing) {
        pthread_mutex_unlock(&q->mu);
        rt__free(it);
        return RT_ECANCELED;
    }
    if (q->work_tail)
        q->work_tail->next = it;
    else
        q->work = it;
    q->work_tail = it;
    __atomic_add_fetch(&q->pending, 1, __ATOMIC_RELAXED);
    int r = 0;
    if (q->idle == 0 && q->nthreads < q->max_threads) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 512 * 1024);
        if (pthread_create(&q->threads[q->nthreads], &attr, worker_main, q) == 0)
            q->nthreads++;
        else if (q->nthreads == 0)
            r = RT_ENOMEM;                 /* no thread at all would ever run it */
        pthread_attr_destroy(&attr);
    }
    if (r < 0) {
        q->work = it->next;                /* it is the only item: nothing can run it */
        if (!q->work)
            q->work_tail = NULL;
        __atomic_sub_fetch(&q->pending, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&q->mu);
        rt__free(it);
        return r;
    }
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

rt__hostitem *rt__hostq_take(rt__hostq *q)
{
    pthread_mutex_lock(&q->mu);
    rt__hostitem *it = q->ready;
    q->ready = q->ready_tail = NULL;
    __atomic_store_n(&q->has_ready, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&q->mu);
    return it;
}

void rt__hostq_taken(rt__hostq *q, uint64_t n)
{
    __atomic_sub_fetch(&q->pending, n, __ATOMIC_RELAXED);
}

int rt__hostq_ready(rt__hostq *q)
{
    /* a racy peek is enough: a post made after it wakes the loop again */
    return __atomic_load_n(&q->has_ready, __ATOMIC_RELAXED);
}

uint64_t rt__hostq_pending(rt__hostq *q)
{
    return __atomic_load_n(&q->pending, __ATOMIC_RELAXED) +
           __atomic_load_n(&q->refs, __ATOMIC_RELAXED);
}

rt__hostitem *rt__hostq_close(rt__hostq *q)
{
    pthread_mutex_lock(&q->mu);
    q->closing = 1;
    /* work not started: cancelled (it joins the ready list, status RT_ECANCELED) */
    while (q->work) {
        rt__hostitem *it = q->work;
        q->work = it->next;
        it->status = RT_ECANCELED;
        ready_locked(q, it);
    }
    q->work_tail = NULL;
    pthread_cond_broadcast(&q->cv);
    int n = q->nthreads;
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < n; i++)            /* running work finishes first */
        pthread_join(q->threads[i], NULL);
    pthread_mutex_lock(&q->mu);
    q->nthreads = 0;
    pthread_mutex_unlock(&q->mu);
    return rt__hostq_take(q);
}

void rt__hostq_free(rt__hostq *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    rt__free(q->threads);
    rt__free(q);
}
