// reqrate.js N CONCURRENCY URL [close] - N GETs with CONCURRENCY in flight, reading every
// body; with "close" each request asks for a new connection (Connection: close).
// Prints one JSON line: requests/s and CPU microseconds per request.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1], C = +argv[2], url = argv[3], close = argv[4] === 'close';
function cpu() { var u = isNode ? process.cpuUsage() : rt.cpuUsage(); return u.user + u.system; }
var init = close ? { headers: { Connection: 'close' } } : undefined;
var started = 0, done = 0, failed = 0, t0 = Date.now(), c0 = cpu();
function one() {
    if (started >= N) return;
    started++;
    fetch(url, init).then(function (r) { return r.text(); }).then(null, function () { failed++; }).then(function () {
        if (++done === N) {
            var s = (Date.now() - t0) / 1000;
            console.log(JSON.stringify({ n: N, concurrency: C, close: close, failed: failed,
                                         rps: Math.round(N / s), cpu_us_per_req: Math.round((cpu() - c0) / N) }));
        } else {
            one();
        }
    });
}
for (var i = 0; i < C; i++) one();
