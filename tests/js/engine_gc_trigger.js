// Duktape's voluntary mark-and-sweep runs after 10x (not Duktape's 50x) the objects alive at
// the last collection were allocated (tools/duk-ms-trigger.sed): closures are cyclic
// garbage (function <-> prototype) that only mark-and-sweep frees, and within one long
// synchronous run, where the core's own policy (lib/engine/gc.c, between macrotasks) cannot
// act, that trigger alone bounds them. 200,000 closures made in one loop: the engine's heap
// peaks about 2 MiB above where it started with the trigger at 10x, 10.4 MiB at 50x; the
// bound is 6 MiB. Counted by the runtime's allocator, not by RSS.
var base = rt.memoryUsage().heapBytes, peak = 0, keep = [];
for (var i = 0; i < 200000; i++) {
    keep[i & 255] = function () { return i; };
    if ((i & 1023) === 0) {
        var grown = rt.memoryUsage().heapBytes - base;
        if (grown > peak) peak = grown;
    }
}
console.log('no collection by the core inside the loop: ' + (rt.memoryUsage().gcRuns === 0));
console.log('heap peak under 6 MiB above the start: ' + (peak < 6 * 1048576) +
            (peak < 6 * 1048576 ? '' : ' (' + (peak / 1048576).toFixed(1) + ' MiB)'));
