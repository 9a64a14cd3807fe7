/*
 * timer_heap.h - a binary min-heap of timers ordered by (deadline, sequence number), so
 * timers due at the same millisecond fire in creation order. Each node records its heap
 * index, so removal (clearTimeout) is O(log n) instead of leaving dead entries behind.
 * The heap owns only its array of pointers; nodes belong to the caller (lib/engine/timers.c).
 */
#ifndef RT_TIMER_HEAP_H
#define RT_TIMER_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt__timer_node {
    uint64_t deadline;                     /* ms on rt__now_ms()'s clock */
    uint64_t seq;                          /* creation order, breaks ties */
    size_t index;                          /* position in the heap; SIZE_MAX when out */
} rt__timer_node;

typedef struct rt__timer_heap {
    rt__timer_node **nodes;                /* owned array (rt__malloc) */
    size_t len;
    size_t cap;
} rt__timer_heap;

int rt__theap_push(rt__timer_heap *h, rt__timer_node *n);          /* 0 or RT_ENOMEM */
/* Room for n nodes, so that pushes up to n cannot fail. 0 or RT_ENOMEM. */
int rt__theap_reserve(rt__timer_heap *h, size_t n);
rt__timer_node *rt__theap_peek(const rt__timer_heap *h);            /* NULL if empty */
rt__timer_node *rt__theap_pop(rt__timer_heap *h);
void rt__theap_remove(rt__timer_heap *h, rt__timer_node *n);        /* no-op if not in */
void rt__theap_free(rt__timer_heap *h);

#endif
