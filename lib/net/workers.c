/*
 * workers.c - the core's own worker threads (workers.h): a few threads for CPU-bound steps
 * that would stall the loop thread, today the public-key work of TLS handshakes on an
 * event-driven backend (lib/net/conn.c hands the engine step to a worker; the thread-pool
 * backend already runs it on its own workers). Duktape-free, like all of lib/net/.
 *
 * Threads are made on demand - a job is queued and no thread is idle - up to the maximum
 * (the CPUs this process may run on, at most WORKERS_MAX), and leave after IDLE_EXIT_MS
 * without work. They run at a lower scheduling priority than the loop thread (nice
 * +WORKER_NICE, per thread on Linux): on a busy CPU a burst of handshakes then waits for the
 * loop rather than the loop's timers waiting for the handshakes. Threads are joinable: one
 * that leaves marks its slot, and the next spawn or rt__workers_free joins it.
 *
 * Ownership: the pool owns its threads and its queue links; a job belongs to its submitter,
 * which keeps it alive until it has run (a job posts its own completion). Every queued job
 * runs, also at rt__workers_free, so a completion is never lost.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "workers.h"

#define WORKERS_MAX 4                      /* threads at most, whatever the CPU count */
#define IDLE_EXIT_MS 5000                  /* an idle thread leaves after this */
#define WORKER_NICE 10                     /* below the loop thread: CFS weight 110 vs 1024 */
#define YIELD_US 500                       /* a worker gives the CPU up this often */

enum { SLOT_FREE = 0, SLOT_RUNNING, SLOT_EXITED };

struct slot {
    struct rt__workers *w;
    pthread_t th;
    int state;                             /* SLOT_* (under w->mu) */
};

struct rt__workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;                     /* a job, or shutdown */
    rt__work *head, *tail;                  /* queued jobs */
    int threads;                           /* running threads */
    int idle;                              /* of them, waiting for a job */
    int queued;
    int max;
    int shutdown;
    struct slot slots[WORKERS_MAX];
};

static void *worker_main(void *arg)
{
    struct slot *slot = arg;
    rt__workers *w = slot->w;
    /* per thread on Linux (a thread id is a PRIO_PROCESS target); not allowed: run as is */
    int nice = getpriority(PRIO_PROCESS, 0);
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice + WORKER_NICE) != 0) {
        /* not allowed: the thread keeps the loop thread's priority */
    }
    uint64_t ran_since = rt__now_us();     /* since the CPU was last given up */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        rt__work *j = w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
            w->queued--;
            j->next = NULL;
            pthread_mutex_unlock(&w->mu);
            j->run(j);                     /* j may be gone after this: it posted itself */
            /* the loop thread may be waiting for this CPU: the scheduler lets the running
               thread finish its slice (~3 ms) before a waking one of higher priority gets
               the CPU, and nice alone left the loop 3.5 ms late behind a run of jobs. Jobs
               are short: giving the CPU up every YIELD_US of them bounds the loop's wait */
            uint64_t now = rt__now_us();
            if (now - ran_since >= YIELD_US) {
                sched_yield();
                ran_since = rt__now_us();
            }
            pthread_mutex_lock(&w->mu);
            continue;
        }
        if (w->shutdown)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += IDLE_EXIT_MS / 1000;
        w->idle++;
        int r = pthread_cond_timedwait(&w->cv, &w->mu, &until);
        w->idle--;
        ran_since = rt__now_us();
        if (r == ETIMEDOUT && !w->head && !w->shutdown)
            break;                         /* idle long enough */
    }
    w->threads--;
    slot->state = SLOT_EXITED;             /* joined by the next spawn or by free */
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

rt__workers *rt__workers_new(int max)
{
    rt__workers *w = rt__calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (max <= 0)
        max = cpus_available();
    w->max = max < 1 ? 1 : max > WORKERS_MAX ? WORKERS_MAX : max;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    for (int i = 0; i < WORKERS_MAX; i++)
        w->slots[i].w = w;
    return w;
}

int rt__workers_max(const rt__workers *w)
{
    return w->max;
}

int rt__workers_no_threads;

/* A new thread (w->mu held). 0 or an errno value. */
static int spawn_locked(rt__workers *w)
{
    if (__atomic_load_n(&rt__workers_no_threads, __ATOMIC_RELAXED))
        return EAGAIN;                     /* tests: as if no thread could be made */
    struct slot *free_slot = NULL;
    for (int i = 0; i < WORKERS_MAX && !free_slot; i++) {
        struct slot *s = &w->slots[i];
        if (s->state == SLOT_EXITED) {     /* it has left: joining it does not wait long */
            pthread_join(s->th, NULL);
            s->state = SLOT_FREE;
        }
        if (s->state == SLOT_FREE)
            free_slot = s;
    }
    if (!free_slot)
        return EAGAIN;
    int r = pthread_create(&free_slot->th, NULL, worker_main, free_slot);
    if (r != 0)
        return r;
    free_slot->state = SLOT_RUNNING;
    w->threads++;
    return 0;
}

int rt__workers_submit(rt__workers *w, rt__work *job)
{
    pthread_mutex_lock(&w->mu);
    if (w->shutdown) {
        pthread_mutex_unlock(&w->mu);
        return ECANCELED;
    }
    if (w->queued + 1 > w->idle && w->threads < w->max) {
        int e = spawn_locked(w);
        if (e && w->threads == 0) {        /* nothing would run it */
            pthread_mutex_unlock(&w->mu);
            return e;
        }
    }
    job->next = NULL;
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->queued++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void rt__workers_free(rt__workers *w)
{
    if (!w)
        return;
    int join[WORKERS_MAX];
    pthread_mutex_lock(&w->mu);
    w->shutdown = 1;                       /* threads finish the queue, then leave */
    pthread_cond_broadcast(&w->cv);
    for (int i = 0; i < WORKERS_MAX; i++)
        join[i] = w->slots[i].state != SLOT_FREE;
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < WORKERS_MAX; i++)
        if (join[i])
            pthread_join(w->slots[i].th, NULL);
    /* no thread was ever made: what was queued runs here (cannot happen today: a submit
       without a thread fails; kept so a job is never lost) */
    for (rt__work *j = w->head, *next; j; j = next) {
        next = j->next;
        j->run(j);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    rt__free(w);
}
