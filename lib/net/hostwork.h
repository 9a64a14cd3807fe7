/*
 * hostwork.h - the host's queue into a runtime's loop and its worker pool (lib/net/hostwork.c),
 * rt__ names, no Duktape. Used by lib/engine/host.c (rt_post, rt_queue_work).
 */
#ifndef RT_NET_HOSTWORK_H
#define RT_NET_HOSTWORK_H

#include "net.h"

/* A post or a piece of work; owned by the queue until taken, then by the taker (free it
   with rt__free). */
typedef struct rt__hostitem {
    struct rt__hostitem *next;
    void (*work)(void *data);              /* NULL: a post */
    rt_callback cb;                        /* on the loop thread */
    void *data;                            /* the host's */
    int status;                            /* 0, or RT_ECANCELED */
} rt__hostitem;

typedef struct rt__hostq rt__hostq;

/* wake(ud) gets the loop thread out of its wait (any thread). Threads start on demand, at
   most max_threads. 0 or RT_ENOMEM. */
int rt__hostq_new(rt__mem *mem, int max_threads, void (*wake)(void *ud), void *wake_ud,
                  rt__hostq **out);
/* Any thread: queue cb(data) for the loop / work(data) for a worker then cb. 0, RT_ENOMEM,
   RT_ECANCELED once closing. */
int rt__hostq_post(rt__hostq *q, rt_callback cb, void *data);
int rt__hostq_work(rt__hostq *q, void (*work)(void *data), rt_callback cb, void *data);
/* Any thread: the host's references (rt_ref / rt_unref); the last unref wakes the loop. */
void rt__hostq_ref(rt__hostq *q);
void rt__hostq_unref(rt__hostq *q);
/* Loop thread: the ready list (posts and finished work, in order), emptied; the taker then
   reports how many it has dealt with (rt__hostq_taken) so rt__hostq_pending falls. */
rt__hostitem *rt__hostq_take(rt__hostq *q);
void rt__hostq_taken(rt__hostq *q, uint64_t n);
int rt__hostq_ready(rt__hostq *q);         /* something to take (a racy peek) */
uint64_t rt__hostq_pending(rt__hostq *q);  /* made and not yet taken, plus refs */
/* Stop: no more posts or work; work not started is cancelled, running work finishes,
   threads are joined. Returns what is left to call (status RT_ECANCELED for unstarted
   work), in order. */
rt__hostitem *rt__hostq_close(rt__hostq *q);
void rt__hostq_free(rt__hostq *q);

#endif /* RT_NET_HOSTWORK_H */
