// harness.js - the timing loop shared by the Promise probes (bench/promise/*.js). The driver
// (bench/bench.py, workloads "promise" and "instructions") runs harness.js followed by one
// probe file as one script, the same text under node and rtjs; for the "polyfill" client
// a JavaScript Promise library and a line that makes it the global Promise come first.
// By hand:  cat bench/promise/harness.js bench/promise/then-chain.js > /tmp/p.js
//           node /tmp/p.js time 1;  build/libuv/rtjs /tmp/p.js time 1
//
//   SCRIPT time SECONDS      warm up (calibrating a batch size n so that one batch takes
//                            >= 50 ms, for at least SECONDS / 2 and 0.1 s), then run batches
//                            until the timed batches add up to >= SECONDS of wall time
//   SCRIPT count N [WARM]    WARM iterations (default 1,000), then N: for instruction
//                            counts (two runs with different N, the difference per iteration)
//
// A probe calls probe(name, what, perIter, run): run(n, done) does n iterations and calls
// done() (synchronous probes call it before they return); perIter is the number of
// operations one iteration stands for (Promise.all of 1,000: 1,000 elements). Between
// batches the harness yields to the event loop (setTimeout 0), so every batch starts with
// an empty microtask queue; only the time inside batches counts.
// Prints one JSON line: probe, ops, seconds, us_per_op, and whether Promise is the engine's
// own (a function whose source reads [native code]) or a script's.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var MODE = argv[1] || 'time';
var ring = new Array(1024);      // keeps what a probe allocates alive for a while
var sink = 0;                    // what a probe computes goes here, so it is not optimised away
for (var ri = 0; ri < ring.length; ri++) ring[ri] = null;

function probe(name, what, perIter, run) {
    var impl = /\[native code\]/.test(Function.prototype.toString.call(Promise)) ? 'native' : 'script';
    function report(ops, ms, batch) {
        console.log(JSON.stringify({ probe: name, what: what, ops: ops, seconds: ms / 1000,
                                     us_per_op: ops ? ms * 1000 / ops : 0, batch: batch,
                                     promise: impl, sink: typeof sink === 'number' ? sink % 1000 : 0 }));
    }
    if (MODE === 'count') {
        var N = +argv[2], WARM = argv[3] === undefined ? 1000 : +argv[3];
        run(WARM, function () {
            setTimeout(function () {
                var t = Date.now();
                run(N, function () { report(N * perIter, Date.now() - t, N); });
            }, 0);
        });
        return;
    }
    var SECONDS = +(argv[2] || 1);
    var warmMs = Math.max(100, SECONDS * 500), targetMs = SECONDS * 1000;
    var n = 1, tw = Date.now(), total = 0, iters = 0;
    function warm() {
        var t = Date.now();
        run(n, function () {
            var el = Date.now() - t;
            if (el < 50) n *= 2;
            else if (Date.now() - tw >= warmMs) { setTimeout(timed, 0); return; }
            setTimeout(warm, 0);
        });
    }
    function timed() {
        var t = Date.now();
        run(n, function () {
            total += Date.now() - t;
            iters += n;
            if (total < targetMs) setTimeout(timed, 0);
            else report(iters * perIter, total, n);
        });
    }
    warm();
}
