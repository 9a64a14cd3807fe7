// Timers keep their pace while fetches are pending: a 1 ms interval keeps ticking across
// four 250 ms fetches in a row. Regressions (libuv backend): the loop's wait timer armed
// against libuv's stale cached time, or armed before uv_run re-reads its clock (due by then
// when a millisecond boundary or a preemption falls in between): either way uv_run runs it
// before polling, the poll then sleeps until the next I/O and the interval stops until the
// response comes - a gap of up to 250 ms.
// A stall is a gap between ticks that the process being off-CPU does not explain: the time
// the loop thread spent waiting on a run queue during the gap (rt.cpuUsage().runDelay) is
// taken off. Bound from measurement (docs/reliability.md): with four CPU hogs and another
// `make test` on the 2 cores, the worst gap was 53 ms, and the worst not spent waiting for
// a CPU 42 ms (a wake-up come late in the VM); the regressions leave 100-250 ms.
// The pace is not checked under valgrind (rt.env.RT_SLOW_TOOL).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var BOUND = 100;
var ticks = 0, worst = { stall: 0 };
var last = Date.now(), lastDelay = rt.cpuUsage().runDelay;
function gap(where) {
    var now = Date.now(), delay = rt.cpuUsage().runDelay;
    var offcpu = delay >= 0 && lastDelay >= 0 ? (delay - lastDelay) / 1000 : 0;
    var stall = now - last - offcpu;
    if (stall > worst.stall)
        worst = { stall: stall, gap: now - last, offcpu: Math.round(offcpu), where: where };
    last = now;
    lastDelay = delay;
}
var iv = setInterval(function () { gap('tick'); ticks++; }, 1);
var round = 0;
function next() {
    return fetch(A + '/delay?ms=250').then(function (r) { return r.text(); }).then(function (t) {
        gap('response ' + round);          /* a stall shows as the gap up to now */
        if (++round < 4) return next();
        clearInterval(iv);
        var ok = worst.stall < BOUND || !!rt.env.RT_SLOW_TOOL;
        console.log(t);
        console.log('interval kept its pace: ' + ok + (ok ? '' : ' (' + ticks + ' ticks, worst gap ' +
                    worst.gap + ' ms before ' + worst.where + ', of which ' + worst.offcpu +
                    ' ms waiting for a CPU)'));
    });
}
next();
