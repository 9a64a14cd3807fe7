// reqcount.js N CONCURRENCY URL - bench/reqrate.js with a request count instead of a duration,
// so that a run under callgrind does a known amount of work: N GETs (after one untimed
// warm-up request), CONCURRENCY in flight, every body read, the same promise chain per
// request as reqrate.js. Instructions per request = (Ir(2N) - Ir(N)) / N (see docs/engine.md).
var argv = rt.argv.slice(1);
var N = +argv[1], C = +argv[2], url = argv[3];
var started = 0, done = 0, failed = 0, active = 0, firstErr = null;
function one() {
    active++;
    started++;
    fetch(url).then(function (r) {
        if (r.status !== 200) throw new Error('status ' + r.status);
        return r.text();
    }).then(function () { done++; }, function (e) {
        failed++;
        if (!firstErr) firstErr = String(e) + (e && e.cause ? ' ' + e.cause : '');
    }).then(function () {
        active--;
        if (started < N) one();
        else if (active === 0)
            console.log(JSON.stringify({ done: done, failed: failed, error: firstErr }));
    });
}
fetch(url).then(function (r) { return r.text(); }).then(function () {
    for (var i = 0; i < C && i < N; i++) one();
});
