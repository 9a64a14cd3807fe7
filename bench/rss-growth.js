// rss-growth.js N CONCURRENCY URL FIRST EVERY - N keep-alive GETs (every body read) with
// CONCURRENCY in flight, in one process, with no explicit garbage collection: what a
// long-lived client's memory does. After FIRST requests and after every EVERY requests it
// prints a marker "@bench n=<requests done>" to stderr; bench/measure.c reads VmRSS and
// VmHWM from /proc/PID/status at each one (from outside, alike for every client). After the
// last marker the process idles 100 ms so that the last reading is of a live process.
// Prints one JSON line: requests done, failed, seconds. Plain ES5: runs under rtjs and node.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1], C = +argv[2], url = argv[3], FIRST = +argv[4], EVERY = +argv[5];
var started = 0, done = 0, failed = 0, active = 0, firstErr = null, t0 = Date.now();

function finish() {
    var seconds = (Date.now() - t0) / 1000;
    setTimeout(function () {
        console.log(JSON.stringify({ done: done, failed: failed, seconds: seconds, error: firstErr }));
    }, 100);
}

function one() {
    started++;
    active++;
    fetch(url).then(function (r) {
        if (r.status !== 200) throw new Error('status ' + r.status);
        return r.text();
    }).then(function () { done++; }, function (e) {
        failed++;
        if (!firstErr) firstErr = String(e) + (e && e.cause ? ' ' + e.cause : '');
    }).then(function () {
        active--;
        var n = done + failed;
        if (n === FIRST || n % EVERY === 0) console.error('@bench n=' + n);
        if (started < N) one();
        else if (active === 0) finish();
    });
}

for (var i = 0; i < C && i < N; i++) one();
