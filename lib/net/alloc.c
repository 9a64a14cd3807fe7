/*
 * alloc.c - the runtime's allocator. Every block is charged to an owner (struct rt__mem):
 * one per runtime, plus a process-wide one for blocks made outside any runtime. An owner
 * counts what it holds, may refuse to go beyond a limit, and may take its memory from the
 * host's allocator (rt_config.allocator). Tests read process-wide counters (the sum over
 * every owner) and can make the n-th allocation fail.
 *
 * Two kinds of blocks:
 * - rt__malloc & co (the network side, the engine's C structures): a 16-byte header before
 *   the block records its owner and size, so a block may be freed on any thread, after its
 *   runtime is gone, and is always uncharged from the owner it was charged to. The owner is
 *   the calling thread's current one (rt__mem_enter: the runtime's entry points and its
 *   worker threads set it) or an explicit one (rt__malloc_in: chunk pools, the host queue).
 * - the Duktape heap (rt__mem_heap_*, loop thread only): no header with the C library's
 *   malloc (malloc_usable_size gives the size), a 16-byte one with a host allocator.
 *
 * An owner lives until its runtime released it and its last block is freed (refs: live
 * blocks + 1), because a few blocks outlive their runtime (the thread-pool backend's
 * shared state, freed by its last worker). Thread-safe: counters are atomics; the Duktape
 * counters are written by the loop thread only and read relaxed by others.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct rt__mem {
    struct rt__mem *next, *prev;           /* registry, under reg_mu */
    uint64_t refs;                         /* atomic: live rt__malloc blocks + 1 (the runtime) */
    uint64_t net_bytes, net_total;         /* atomic: rt__malloc blocks (with headers) */
    uint64_t heap_bytes, heap_allocs, heap_total;   /* Duktape: loop thread writes (relaxed) */
    uint64_t peak;                         /* highest net_bytes + heap_bytes seen (approximate
                                              under concurrency: a racy max) */
    uint64_t denied;                       /* atomic: allocations refused by the limit */
    uint64_t limit;                        /* 0: none */
    int released;                          /* atomic: the runtime let go (refs has no +1) */
    int custom;                            /* a host allocator */
    rt_allocator a;
};

typedef struct hdr {
    rt__mem *mem;
    size_t size;                           /* bytes asked for */
} hdr;
/* 16 bytes keep the caller's block aligned as malloc's (max_align_t) */
_Static_assert(sizeof(hdr) == 16, "allocation header must keep 16-byte alignment");
#define HDR sizeof(hdr)

static rt__mem global_mem = {.refs = 1};  /* blocks made outside any runtime; never freed */
static rt__mem *registry;                  /* owners other than global_mem */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread rt__mem *current;          /* this thread's owner (NULL: global_mem) */
static uint64_t fail_countdown;            /* 0: never fail */

static int should_fail(void)
{
    if (__atomic_load_n(&fail_countdown, __ATOMIC_RELAXED) == 0)
        return 0;
    return __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* ---- owners ---- */

rt__mem *rt__mem_new(const rt_allocator *a, uint64_t limit)
{
    rt__mem *m = calloc(1, sizeof *m);     /* not charged: it outlives what it counts */
    if (!m)
        return NULL;
    m->refs = 1;
    m->limit = limit;
    if (a && a->malloc && a->realloc && a->free) {
        m->custom = 1;
        m->a = *a;
    }
    pthread_mutex_lock(&reg_mu);
    m->next = registry;
    if (registry)
        registry->prev = m;
    registry = m;
    pthread_mutex_unlock(&reg_mu);
    return m;
}

static void mem_unref(rt__mem *m)
{
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0 || m == &global_mem)
        return;
    pthread_mutex_lock(&reg_mu);
    if (m->prev)
        m->prev->next = m->next;
    else
        registry = m->next;
    if (m->next)
        m->next->prev = m->prev;
    pthread_mutex_unlock(&reg_mu);
    free(m);
}

void rt__mem_release(rt__mem *m)
{
    if (!m)
        return;
    if (current == m)
        current = NULL;
    __atomic_store_n(&m->released, 1, __ATOMIC_RELAXED);
    mem_unref(m);
}

rt__mem *rt__mem_enter(rt__mem *m)
{
    rt__mem *prev = current;
    current = m;
    return prev;
}

rt__mem *rt__mem_current(void)
{
    return current;
}

void rt__mem_set_limit(rt__mem *m, uint64_t limit)
{
    STORE(m->limit, limit);
}

void rt__mem_get(rt__mem *m, rt__mem_stats *out)
{
    out->net_bytes = LOAD(m->net_bytes);
    out->net_allocs = LOAD(m->refs) - (LOAD(m->released) ? 0 : 1);
    out->net_total = LOAD(m->net_total);
    out->heap_bytes = LOAD(m->heap_bytes);
    out->heap_allocs = LOAD(m->heap_allocs);
    out->heap_total = LOAD(m->heap_total);
    out->peak = LOAD(m->peak);
    out->denied = LOAD(m->denied);
    out->limit = LOAD(m->limit);
}

uint64_t rt__mem_heap_bytes(rt__mem *m)
{
    return LOAD(m->heap_bytes);
}

/* Charge n bytes against m's limit; 0, or -1 when the limit refuses them (nothing charged).
   kind: 1 for rt__malloc bytes (atomic), 0 for the heap's (loop thread), 2 for the heap's
   past the limit (no catcher: see rt__mem_heap_alloc). */
static int charge(rt__mem *m, size_t n, int kind)
{
    int net = kind == 1;
    uint64_t total, lim = kind == 2 ? 0 : LOAD(m->limit);
    if (net) {
        uint64_t nb = __atomic_add_fetch(&m->net_bytes, n, __ATOMIC_RELAXED);
        total = nb + LOAD(m->heap_bytes);
        if (lim && total > lim && n > 0) {
            __atomic_sub_fetch(&m->net_bytes, n, __ATOMIC_RELAXED);
            __atomic_add_fetch(&m->denied, 1, __ATOMIC_RELAXED);
            return -1;
        }
    } else {
        uint64_t hb = LOAD(m->heap_bytes) + n;
        total = hb + LOAD(m->net_bytes);
        if (lim && total > lim && n > 0) {
            __atomic_add_fetch(&m->denied, 1, __ATOMIC_RELAXED);
            return -1;
        }
        STORE(m->heap_bytes, hb);
    }
    if (total > LOAD(m->peak))
        STORE(m->peak, total);
    return 0;
}

static void *raw_malloc(rt__mem *m, size_t n)
{
    return m->custom ? m->a.malloc(m->a.userdata, n) : malloc(n);
}

static void *raw_realloc(rt__mem *m, void *p, size_t n)
{
    return m->custom ? m->a.realloc(m->a.userdata, p, n) : realloc(p, n);
}

static void raw_free(rt__mem *m, void *p)
{
    if (m->custom)
        m->a.free(m->a.userdata, p);
    else
        free(p);
}

/* ---- rt__malloc blocks ---- */

void *rt__malloc_in(rt__mem *m, size_t n)
{
    if (!m)
        m = &global_mem;
    if (n > SIZE_MAX - HDR || should_fail())
        return NULL;
    if (charge(m, n + HDR, 1) < 0)
        return NULL;
    hdr *h = raw_malloc(m, n + HDR);
    if (!h) {
        __atomic_sub_fetch(&m->net_bytes, n + HDR, __ATOMIC_RELAXED);
        return NULL;
    }
    h->mem = m;
    h->size = n;
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&m->net_total, 1, __ATOMIC_RELAXED);
    return h + 1;
}

void *rt__malloc(size_t n)
{
    return rt__malloc_in(current, n);
}

void *rt__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = rt__malloc_in(current, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *rt__realloc(void *p, size_t n)
{
    if (!p)
        return rt__malloc(n);
    if (n > SIZE_MAX - HDR || should_fail())
        return NULL;
    hdr *h = (hdr *)p - 1;
    rt__mem *m = h->mem;
    size_t old = h->size;
    if (n > old && charge(m, n - old, 1) < 0)
        return NULL;
    hdr *q = raw_realloc(m, h, n + HDR);
    if (!q) {
        if (n > old)
            __atomic_sub_fetch(&m->net_bytes, n - old, __ATOMIC_RELAXED);
        return NULL;
    }
    if (n < old)
        __atomic_sub_fetch(&m->net_bytes, old - n, __ATOMIC_RELAXED);
    q->size = n;
    __atomic_add_fetch(&m->net_total, 1, __ATOMIC_RELAXED);
    return q + 1;
}

void rt__free(void *p)
{
    if (!p)
        return;
    hdr *h = (hdr *)p - 1;
    rt__mem *m = h->mem;
    __atomic_sub_fetch(&m->net_bytes, h->size + HDR, __ATOMIC_RELAXED);
    raw_free(m, h);
    mem_unref(m);
}

size_t rt__alloc_size(const void *p)
{
    return p ? ((const hdr *)p - 1)->size : 0;
}

char *rt__strndup(const char *s, size_t n)
{
    char *d = rt__malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *rt__strdup(const char *s)
{
    return s ? rt__strndup(s, strlen(s)) : NULL;
}

/* ---- the Duktape heap's blocks (loop thread) ---- */

/* heap_bytes := hb, and the peak */
static void heap_set(rt__mem *m, uint64_t hb)
{
    STORE(m->heap_bytes, hb);
    uint64_t total = hb + LOAD(m->net_bytes);
    if (total > LOAD(m->peak))
        STORE(m->peak, total);
}

static size_t heap_size_of(rt__mem *m, void *p)
{
    return m->custom ? ((hdr *)p - 1)->size + HDR : malloc_usable_size(p);
}

void *rt__mem_heap_alloc(rt__mem *m, size_t n, int enforce)
{
    if (!n)
        n = 1;
    if (!m->custom && !enforce) {          /* the common case: malloc, no limit to check */
        void *p = malloc(n);
        if (!p)
            return NULL;
        heap_set(m, LOAD(m->heap_bytes) + malloc_usable_size(p));
        STORE(m->heap_allocs, LOAD(m->heap_allocs) + 1);
        STORE(m->heap_total, LOAD(m->heap_total) + 1);
        return p;
    }
    if (m->custom) {
        if (n > SIZE_MAX - HDR || charge(m, n + HDR, !enforce ? 2 : 0) < 0)
            return NULL;
        hdr *h = m->a.malloc(m->a.userdata, n + HDR);
        if (!h) {
            STORE(m->heap_bytes, LOAD(m->heap_bytes) - (n + HDR));
            return NULL;
        }
        h->mem = m;
        h->size = n;
        STORE(m->heap_allocs, LOAD(m->heap_allocs) + 1);
        STORE(m->heap_total, LOAD(m->heap_total) + 1);
        return h + 1;
    }
    /* the C library's malloc under a limit: checked with the size asked for, charged with
       what it really gives (usable size) */
    if (charge(m, n, 0) < 0)
        return NULL;
    void *p = malloc(n);
    uint64_t hb = LOAD(m->heap_bytes) - n;
    if (!p) {
        STORE(m->heap_bytes, hb);
        return NULL;
    }
    heap_set(m, hb + malloc_usable_size(p));
    STORE(m->heap_allocs, LOAD(m->heap_allocs) + 1);
    STORE(m->heap_total, LOAD(m->heap_total) + 1);
    return p;
}

void *rt__mem_heap_realloc(rt__mem *m, void *p, size_t n, int enforce)
{
    if (!p)
        return rt__mem_heap_alloc(m, n, enforce);
    if (!n)
        n = 1;
    size_t old = heap_size_of(m, p);
    if (m->custom) {
        if (n > SIZE_MAX - HDR)
            return NULL;
        if (n + HDR > old && charge(m, n + HDR - old, !enforce ? 2 : 0) < 0)
            return NULL;
        hdr *q = m->a.realloc(m->a.userdata, (hdr *)p - 1, n + HDR);
        if (!q) {
            if (n + HDR > old)
                STORE(m->heap_bytes, LOAD(m->heap_bytes) - (n + HDR - old));
            return NULL;
        }
        if (n + HDR < old)
            STORE(m->heap_bytes, LOAD(m->heap_bytes) - (old - (n + HDR)));
        q->size = n;
        STORE(m->heap_total, LOAD(m->heap_total) + 1);
        return q + 1;
    }
    int checked = enforce && n > old;
    if (checked && charge(m, n - old, 0) < 0)
        return NULL;
    void *q = realloc(p, n);
    uint64_t hb = LOAD(m->heap_bytes) - (checked ? n - old : 0);
    if (!q) {
        STORE(m->heap_bytes, hb);
        return NULL;
    }
    heap_set(m, hb - old + malloc_usable_size(q));
    STORE(m->heap_total, LOAD(m->heap_total) + 1);
    return q;
}

void rt__mem_heap_free(rt__mem *m, void *p)
{
    if (!p)
        return;
    STORE(m->heap_bytes, LOAD(m->heap_bytes) - heap_size_of(m, p));
    STORE(m->heap_allocs, LOAD(m->heap_allocs) - 1);
    if (m->custom)
        m->a.free(m->a.userdata, (hdr *)p - 1);
    else
        free(p);
}

/* ---- process-wide counters (tests) ---- */

void rt__alloc_counters(uint64_t *lb, uint64_t *la, uint64_t *ta)
{
    uint64_t b = LOAD(global_mem.net_bytes), a = LOAD(global_mem.refs) - 1,
             t = LOAD(global_mem.net_total);
    pthread_mutex_lock(&reg_mu);
    for (rt__mem *m = registry; m; m = m->next) {
        b += LOAD(m->net_bytes);
        a += LOAD(m->refs) - (LOAD(m->released) ? 0 : 1);   /* the runtime's reference is
                                                               not a block */
        t += LOAD(m->net_total);
    }
    pthread_mutex_unlock(&reg_mu);
    if (lb)
        *lb = b;
    if (la)
        *la = a;
    if (ta)
        *ta = t;
}

void rt__alloc_fail_after(uint64_t n)
{
    __atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}
