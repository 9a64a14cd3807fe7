// reqrate.js MS CONCURRENCY URL [close] - GETs with CONCURRENCY in flight for MS
// milliseconds (then the ones in flight finish), reading every body; with "close" every
// request asks for a new connection (Connection: close). Prints one JSON line: requests
// done, failed, seconds. Plain ES5: the same file runs under rtjs and node; CPU and peak
// RSS are measured from outside by bench/bench.py, the same way for every client.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var MS = +argv[1], C = +argv[2], url = argv[3], close = argv[4] === 'close';
var init = close ? { headers: { Connection: 'close' } } : undefined;
var done = 0, failed = 0, active = 0, t0, firstErr = null;
function finish() {
    console.log(JSON.stringify({ done: done, failed: failed, seconds: (Date.now() - t0) / 1000,
                                 concurrency: C, close: close, error: firstErr }));
}
function one() {
    active++;
    fetch(url, init).then(function (r) {
        if (r.status !== 200) throw new Error('status ' + r.status);
        return r.text();
    }).then(function () { done++; }, function (e) {
        failed++;
        if (!firstErr) firstErr = String(e) + (e && e.cause ? ' ' + e.cause : '');
    }).then(function () {
        active--;
        if (Date.now() - t0 < MS) one();
        else if (active === 0) finish();
    });
}
// One request first, untimed: loads what the client loads lazily (node's undici) and opens
// a connection; the clock starts after it.
fetch(url, init).then(function (r) { return r.text(); }).then(function () {
    t0 = Date.now();
    for (var i = 0; i < C; i++) one();
}, function (e) { failed++; firstErr = String(e); t0 = Date.now(); finish(); });
