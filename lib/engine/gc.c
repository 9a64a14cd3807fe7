/*
 * gc.c - when the core runs Duktape's mark-and-sweep collector itself.
 *
 * Reference counting frees what the core makes (a completed fetch leaves no cycle: the test
 * fake_completed_fetch_leaves_no_cycles), but scripts make cycles all the time: in Duktape
 * every function is in one with its `prototype` object, so each closure a `.then(function
 * (r) { ... })` creates is garbage only mark-and-sweep finds. Duktape's own trigger counts
 * allocations against the number of objects alive at the last collection (10 times that
 * number, as we build it: tools/duk-ms-trigger.sed). It counts objects, not bytes, and
 * lets such garbage pile up to several times the live set's bytes in a long-lived process
 * (the RSS then follows the number of requests made, not the work in flight). So, between
 * macrotasks, the core collects when the bytes the engine holds (its memory owner's heap
 * bytes, lib/net/alloc.c) have grown by GC_GROWTH since the last collection, and not below
 * GC_FLOOR: RSS follows the live set, and a collection's cost (proportional to the live
 * set) is paid once per that much allocation - amortised, a constant per byte allocated.
 */
#include "engine.h"

#define GC_GROWTH 2                        /* collect when live bytes doubled ... */
#define GC_FLOOR (4u << 20)                /* ... and are at least 4 MiB */

void rt__gc_policy(rt_runtime *rt)
{
    uint64_t limit = rt->gc_next ? rt->gc_next : GC_FLOOR;
    if (!rt->ctx || rt->destroying || rt__mem_heap_bytes(rt->mem) < limit)
        return;
    duk_gc(rt->ctx, 0);
    uint64_t next = rt__mem_heap_bytes(rt->mem) * GC_GROWTH;
    rt->gc_next = next > GC_FLOOR ? next : GC_FLOOR;
    rt->gc_runs++;
}
