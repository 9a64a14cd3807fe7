/* test-timer-heap.c - the timer min-heap: order by deadline then creation, removal. */
#include <stdint.h>
#include "test.h"
#include "timer_heap.h"

TEST(theap_orders_by_deadline_then_seq)
{
    rt__timer_heap h = {0};
    rt__timer_node n[8];
    uint64_t dl[8] = {50, 10, 10, 30, 0, 50, 10, 20};
    for (int i = 0; i < 8; i++) {
        n[i].deadline = dl[i];
        n[i].seq = (uint64_t)i;
        ASSERT_EQ(rt__theap_push(&h, &n[i]), 0);
    }
    int expect[8] = {4, 1, 2, 6, 7, 3, 0, 5};
    for (int i = 0; i < 8; i++) {
        rt__timer_node *t = rt__theap_pop(&h);
        ASSERT(t == &n[expect[i]]);
    }
    ASSERT(rt__theap_pop(&h) == NULL);
    rt__theap_free(&h);
}

TEST(theap_remove_any_position)
{
    rt__timer_heap h = {0};
    enum { N = 1000 };
    static rt__timer_node n[N];
    for (int i = 0; i < N; i++) {
        n[i].deadline = (uint64_t)((i * 7919) % 997);
        n[i].seq = (uint64_t)i;
        ASSERT_EQ(rt__theap_push(&h, &n[i]), 0);
    }
    for (int i = 0; i < N; i += 3)
        rt__theap_remove(&h, &n[i]);
    rt__theap_remove(&h, &n[0]);             /* twice: no-op */
    ASSERT_EQ(h.len, N - (N + 2) / 3);
    uint64_t last_dl = 0, last_seq = 0;
    int count = 0;
    rt__timer_node *t;
    while ((t = rt__theap_pop(&h)) != NULL) {
        ASSERT((t - n) % 3 != 0);
        ASSERT(t->deadline > last_dl || (t->deadline == last_dl && t->seq >= last_seq));
        last_dl = t->deadline;
        last_seq = t->seq;
        count++;
    }
    ASSERT_EQ(count, N - (N + 2) / 3);
    rt__theap_free(&h);
}
