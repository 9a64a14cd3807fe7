// lag.js N URL - a 1 ms setInterval runs while N fetches of a delayed endpoint are in
// flight; a tick's lateness is (time since the previous tick) - 1 ms, Date.now() resolution
// (1 ms) for every client. Prints one JSON line: ok, failed, ticks, p50/p99/max lateness (ms).
// Plain ES5: the same file runs under rtjs and node.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1] || 1000, url = argv[2];
var t0 = Date.now(), lates = [], prev = t0, ok = 0, failed = 0, done = 0, firstErr = null;
var timer = setInterval(function () {
    var now = Date.now();
    lates.push(Math.max(0, now - prev - 1));
    prev = now;
}, 1);
function pct(sorted, p) {
    if (!sorted.length) return -1;
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
for (var i = 0; i < N; i++) {
    fetch(url).then(function (r) { return r.text(); }).then(function () { ok++; }, function (e) {
        failed++;
        if (!firstErr) firstErr = String(e);
    }).then(function () {
        if (++done === N) {
            clearInterval(timer);
            var s = lates.slice().sort(function (a, b) { return a - b; });
            console.log(JSON.stringify({ n: N, ok: ok, failed: failed, ticks: s.length, wall_ms: Date.now() - t0,
                                         p50: pct(s, 0.5), p99: pct(s, 0.99), max: s.length ? s[s.length - 1] : -1,
                                         error: firstErr }));
        }
    });
}
