// reqrate.js WARM_MS WARM_N MS N CONCURRENCY URL [close] - GETs with CONCURRENCY in flight,
// every body read, in two phases inside one process:
//   warm-up (untimed): until WARM_N requests were started or WARM_MS ms passed, whichever
//     comes first (0 0: one request only, the old "cold" protocol);
//   timed: until N requests were started or MS ms passed, whichever comes first.
// Each phase waits for its requests in flight before it ends. With "close" every request
// asks for a new connection (Connection: close).
// Markers for the driver go to stderr: "@bench start" before the timed phase and
// "@bench end" after it, each followed by 50 ms of idle time, so that bench/measure.c reads
// the process's CPU time (/proc/PID/stat) between the two exactly as for any other client.
// Prints one JSON line: requests done and failed in the timed phase, its seconds.
// Plain ES5: the same file runs under rtjs and node.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var WARM_MS = +argv[1], WARM_N = +argv[2], MS = +argv[3], N = +argv[4], C = +argv[5];
var url = argv[6], close = argv[7] === 'close';
var init = close ? { headers: { Connection: 'close' } } : undefined;
var PAUSE_MS = 50;
var done = 0, failed = 0, firstErr = null;

// Runs one phase: keeps C requests in flight until n were started or ms passed, then
// calls then() once the last one has finished.
function phase(ms, n, then) {
    var started = 0, active = 0, t0 = Date.now();
    function one() {
        started++;
        active++;
        fetch(url, init).then(function (r) {
            if (r.status !== 200) throw new Error('status ' + r.status);
            return r.text();
        }).then(function () { done++; }, function (e) {
            failed++;
            if (!firstErr) firstErr = String(e) + (e && e.cause ? ' ' + e.cause : '');
        }).then(function () {
            active--;
            if (started < n && Date.now() - t0 < ms) one();
            else if (active === 0) then();
        });
    }
    for (var i = 0; i < C && i < n; i++) one();
}

function timed() {
    done = 0;
    failed = 0;
    firstErr = null;
    var t0 = Date.now();
    phase(MS, N, function () {
        var seconds = (Date.now() - t0) / 1000;
        console.error('@bench end');
        setTimeout(function () {
            console.log(JSON.stringify({ done: done, failed: failed, seconds: seconds, concurrency: C,
                                         close: close, error: firstErr }));
        }, PAUSE_MS);
    });
}

function afterWarmUp() {
    if (failed) {                 // a client that cannot fetch at all: report, do not time
        console.log(JSON.stringify({ done: 0, failed: failed, seconds: 0, concurrency: C, close: close,
                                     error: 'warm-up: ' + firstErr }));
        return;
    }
    console.error('@bench start');
    setTimeout(timed, PAUSE_MS);
}

// WARM_N 0: one request, untimed (loads what the client loads lazily, node's undici).
if (WARM_N > 0) phase(WARM_MS, WARM_N, afterWarmUp);
else phase(1e9, 1, afterWarmUp);
