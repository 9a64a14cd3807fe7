// node: yes
// Timer ordering: by deadline then creation, nesting, clearing inside callbacks,
// intervals, immediates, extra arguments, and microtasks between macrotasks.
var log = [];
// Timers created at the start keep their deadline order however late the process runs, but
// two orders depend on time: the nested immediate against the first timer, and a timer made
// inside a callback (t300 inner 0) against the interval's first tick - a process held off
// the CPU for longer than the gap between them changes the order legitimately (node too).
// Those gaps are 200 ms, four times the longest stall measured on a loaded machine
// (docs/reliability.md); under valgrind (rt.env.RT_SLOW_TOOL) every delay is stretched.
var S = rt.env.RT_SLOW_TOOL ? 10 : 1;
function say(s) { log.push(s); }

setTimeout(function () { say('t250'); }, 250 * S);
setTimeout(function (a, b) { say('t200 args ' + a + ' ' + b); }, 200 * S, 'x', 42);
setTimeout(function () { say('t200 second'); }, 200 * S);
var cleared = setTimeout(function () { say('never'); }, 5 * S);
clearTimeout(cleared);
clearTimeout(undefined);
clearTimeout(123456);

setTimeout(function () {
    say('t300 outer');
    setTimeout(function () { say('t300 inner 0'); }, 0);
    Promise.resolve().then(function () { say('t300 micro'); });
    queueMicrotask(function () { say('t300 queueMicrotask'); });
}, 300 * S);

var n = 0;
var iv = setInterval(function (tag) {
    n++;
    say('interval ' + tag + ' ' + n);
    if (n === 3) clearInterval(iv);
}, 500 * S, 'iv');

// clearing a later timer from inside an earlier one
var victim = setTimeout(function () { say('victim (must not run)'); }, 2200 * S);
setTimeout(function () { clearTimeout(victim); say('t750 cleared victim'); }, 750 * S);

setImmediate(function (x) {
    say('immediate ' + x);
    setImmediate(function () { say('immediate nested'); });
}, 'arg');
Promise.resolve().then(function () { say('micro first'); });
say('sync');

setTimeout(function () {
    console.log(log.join('\n'));
}, 2200 * S);
