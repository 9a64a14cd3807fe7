// inflight.js N URL - N fetches in flight at once against a delayed endpoint; prints one
// JSON line: wall time, successes, peak RSS, OS threads. Plain ES5: the same file runs
// under rtjs and under node (bench/run-inflight.sh passes the same arguments).
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1] || 1000, url = argv[2];
function threads() {
    if (isNode) return +require('fs').readFileSync('/proc/self/status', 'utf8').match(/Threads:\s+(\d+)/)[1];
    return -1;                             // read from /proc by the runner for rtjs
}
function maxRss() {
    return isNode ? process.resourceUsage().maxRSS * 1024 : rt.memoryUsage().maxRss;
}
var t0 = Date.now(), ok = 0, failed = 0, done = 0, peakThreads = threads();
for (var i = 0; i < N; i++) {
    fetch(url).then(function (r) { return r.text(); }).then(function () { ok++; }, function (e) {
        failed++;
        if (failed < 3) console.error(String(e) + ' ' + (e.cause && e.cause.code));
    }).then(function () {
        if (++done === N) {
            console.log(JSON.stringify({ n: N, ok: ok, failed: failed, wall_ms: Date.now() - t0,
                                         max_rss: maxRss(), threads: Math.max(peakThreads, threads()) }));
        }
    });
}
setTimeout(function () { peakThreads = Math.max(peakThreads, threads()); }, 500);
