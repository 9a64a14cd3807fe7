/*
 * workers.h - the core's worker threads (lib/net/workers.c): CPU-bound steps the loop thread
 * hands off (the TLS handshake's public-key work, lib/net/conn.c). A few threads, made on
 * demand, leaving when idle, at a lower priority than the loop thread. Any thread may submit;
 * rt__workers_new/free belong to the owner (the client, on the loop thread).
 */
#ifndef RT_NET_WORKERS_H
#define RT_NET_WORKERS_H

typedef struct rt__work {
    void (*run)(struct rt__work *job);      /* on a worker; reports its own completion */
    struct rt__work *next;                  /* the pool's while queued */
} rt__work;

typedef struct rt__workers rt__workers;

/* At most max threads (0: the CPUs this process may run on), never more than a few. NULL when
   out of memory. No thread is made until the first job. */
rt__workers *rt__workers_new(int max);
int rt__workers_max(const rt__workers *w);
/* Queue job (kept alive by the caller until it has run). 0, or an errno value when no thread
   exists and none can be made (the caller runs the step itself). */
int rt__workers_submit(rt__workers *w, rt__work *job);
/* Runs what is queued, joins every thread, frees the pool. */
void rt__workers_free(rt__workers *w);
/* Tests: non-zero makes every new thread fail to start (as pthread_create with EAGAIN). */
extern int rt__workers_no_threads;

#endif /* RT_NET_WORKERS_H */
