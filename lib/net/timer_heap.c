/*
 * timer_heap.c - min-heap of rt__timer_node by (deadline, seq); see timer_heap.h.
 * Pure data structure: no clock, no Duktape; unit-tested in tests/unit/test-timer-heap.c.
 */
#include "timer_heap.h"
#include "net.h"

static int less(const rt__timer_node *a, const rt__timer_node *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(rt__timer_heap *h, size_t i, rt__timer_node *n)
{
    h->nodes[i] = n;
    n->index = i;
}

static void sift_up(rt__timer_heap *h, size_t i)
{
    rt__timer_node *n = h->nodes[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!less(n, h->nodes[parent]))
            break;
        place(h, i, h->nodes[parent]);
        i = parent;
    }
    place(h, i, n);
}

static void sift_down(rt__timer_heap *h, size_t i)
{
    rt__timer_node *n = h->nodes[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const rt__timer_node *best = n;
        if (l < h->len && less(h->nodes[l], best)) {
            m = l;
            best = h->nodes[l];
        }
        if (r < h->len && less(h->nodes[r], best))
            m = r;
        if (m == i)
            break;
        place(h, i, h->nodes[m]);
        i = m;
    }
    place(h, i, n);
}

int rt__theap_reserve(rt__timer_heap *h, size_t n)
{
    if (h->cap >= n)
        return 0;
    size_t cap = h->cap ? h->cap : 16;
    while (cap < n)
        cap *= 2;
    rt__timer_node **a = rt__realloc(h->nodes, cap * sizeof *a);
    if (!a)
        return RT_ENOMEM;
    h->nodes = a;
    h->cap = cap;
    return 0;
}

int rt__theap_push(rt__timer_heap *h, rt__timer_node *n)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        rt__timer_node **a = rt__realloc(h->nodes, cap * sizeof *a);
        if (!a)
            return RT_ENOMEM;
        h->nodes = a;
        h->cap = cap;
    }
    h->nodes[h->len] = n;
    n->index = h->len++;
    sift_up(h, n->index);
    return 0;
}

rt__timer_node *rt__theap_peek(const rt__timer_heap *h)
{
    return h->len ? h->nodes[0] : NULL;
}

void rt__theap_remove(rt__timer_heap *h, rt__timer_node *n)
{
    size_t i = n->index;
    if (i >= h->len || h->nodes[i] != n)
        return;
    n->index = SIZE_MAX;
    h->len--;
    if (i == h->len)
        return;
    place(h, i, h->nodes[h->len]);
    if (i > 0 && less(h->nodes[i], h->nodes[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

rt__timer_node *rt__theap_pop(rt__timer_heap *h)
{
    rt__timer_node *n = rt__theap_peek(h);
    if (n)
        rt__theap_remove(h, n);
    return n;
}

void rt__theap_free(rt__timer_heap *h)
{
    rt__free(h->nodes);
    h->nodes = NULL;
    h->len = h->cap = 0;
}
