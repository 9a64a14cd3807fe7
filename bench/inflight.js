// inflight.js N URL - N fetches in flight at once against a delayed endpoint, every body
// read; prints one JSON line: ok, failed, wall_ms. Plain ES5: the same file runs under rtjs
// and node; peak RSS and OS threads are measured from outside by bench/bench.py.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1] || 1000, url = argv[2];
var t0 = Date.now(), ok = 0, failed = 0, done = 0, firstErr = null;
for (var i = 0; i < N; i++) {
    fetch(url).then(function (r) {
        if (r.status !== 200) throw new Error('status ' + r.status);
        return r.text();
    }).then(function () { ok++; }, function (e) {
        failed++;
        if (!firstErr) firstErr = String(e) + (e && e.cause ? ' ' + e.cause : '');
    }).then(function () {
        if (++done === N)
            console.log(JSON.stringify({ n: N, ok: ok, failed: failed, wall_ms: Date.now() - t0, error: firstErr }));
    });
}
