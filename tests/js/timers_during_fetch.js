// Timers keep their pace while fetches are pending: a 1 ms interval keeps ticking across
// four 250 ms fetches in a row (regression: on the libuv backend the loop's wait timer was
// armed against libuv's cached time, fired before polling, and the poll then slept until
// the next I/O - the interval stopped until the response came). The pace is not checked
// under valgrind (rt.env.RT_SLOW_TOOL).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var ticks = 0, worst = 0, last = Date.now();
function gap() {
    var now = Date.now();
    if (now - last > worst) worst = now - last;
    last = now;
}
var iv = setInterval(function () { gap(); ticks++; }, 1);
var round = 0;
function next() {
    return fetch(A + '/delay?ms=250').then(function (r) { return r.text(); }).then(function (t) {
        gap();                             /* a stall shows as the gap up to now */
        if (++round < 4) return next();
        clearInterval(iv);
        var ok = (ticks >= 200 && worst < 100) || !!rt.env.RT_SLOW_TOOL;
        console.log(t);
        console.log('interval kept its pace: ' + ok + (ok ? '' : ' (' + ticks + ' ticks, worst gap ' + worst + ' ms)'));
    });
}
next();
