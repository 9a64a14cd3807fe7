/*
 * alloc.c - the runtime's allocator: malloc with process-wide counters (live bytes, live
 * blocks, total allocations) that tests and rt_get_stats() read, and a fault injector so
 * tests can make the n-th allocation fail. Thread-safe (worker threads allocate too).
 * Sizes come from malloc_usable_size(), so no header is added to the blocks.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static uint64_t live_bytes, live_allocs, total_allocs;
static uint64_t fail_countdown;            /* 0: never fail */

static int should_fail(void)
{
    if (__atomic_load_n(&fail_countdown, __ATOMIC_RELAXED) == 0)
        return 0;
    return __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

static void count_in(void *p)
{
    __atomic_add_fetch(&live_bytes, malloc_usable_size(p), __ATOMIC_RELAXED);
    __atomic_add_fetch(&live_allocs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&total_allocs, 1, __ATOMIC_RELAXED);
}

static void count_out(void *p)
{
    __atomic_sub_fetch(&live_bytes, malloc_usable_size(p), __ATOMIC_RELAXED);
    __atomic_sub_fetch(&live_allocs, 1, __ATOMIC_RELAXED);
}

void *rt__malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        count_in(p);
    return p;
}

void *rt__calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p)
        count_in(p);
    return p;
}

void *rt__realloc(void *p, size_t n)
{
    if (!p)
        return rt__malloc(n);
    if (should_fail())
        return NULL;
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (!q)
        return NULL;
    __atomic_sub_fetch(&live_bytes, old, __ATOMIC_RELAXED);
    __atomic_add_fetch(&live_bytes, malloc_usable_size(q), __ATOMIC_RELAXED);
    __atomic_add_fetch(&total_allocs, 1, __ATOMIC_RELAXED);
    return q;
}

void rt__free(void *p)
{
    if (!p)
        return;
    count_out(p);
    free(p);
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

void rt__alloc_counters(uint64_t *lb, uint64_t *la, uint64_t *ta)
{
    if (lb)
        *lb = __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
    if (la)
        *la = __atomic_load_n(&live_allocs, __ATOMIC_RELAXED);
    if (ta)
        *ta = __atomic_load_n(&total_allocs, __ATOMIC_RELAXED);
}

void rt__alloc_fail_after(uint64_t n)
{
    __atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}
