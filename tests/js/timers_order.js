// node: yes
// Timer ordering: by deadline then creation, nesting, clearing inside callbacks,
// intervals, immediates, extra arguments, and microtasks between macrotasks.
var log = [];
// Under valgrind (rt.env.RT_SLOW_TOOL) the script itself can outlast a 50 ms timer, which
// would change the order legitimately: stretch every delay there.
var S = rt.env.RT_SLOW_TOOL ? 20 : 1;
function say(s) { log.push(s); }

setTimeout(function () { say('t100'); }, 100 * S);
setTimeout(function (a, b) { say('t50 args ' + a + ' ' + b); }, 50 * S, 'x', 42);
setTimeout(function () { say('t50 second'); }, 50 * S);
var cleared = setTimeout(function () { say('never'); }, 5 * S);
clearTimeout(cleared);
clearTimeout(undefined);
clearTimeout(123456);

setTimeout(function () {
    say('t150 outer');
    setTimeout(function () { say('t150 inner 0'); }, 0);
    Promise.resolve().then(function () { say('t150 micro'); });
    queueMicrotask(function () { say('t150 queueMicrotask'); });
}, 150 * S);

var n = 0;
var iv = setInterval(function (tag) {
    n++;
    say('interval ' + tag + ' ' + n);
    if (n === 3) clearInterval(iv);
}, 200 * S, 'iv');

// clearing a later timer from inside an earlier one
var victim = setTimeout(function () { say('victim (must not run)'); }, 1500 * S);
setTimeout(function () { clearTimeout(victim); say('t275 cleared victim'); }, 275 * S);

setImmediate(function (x) {
    say('immediate ' + x);
    setImmediate(function () { say('immediate nested'); });
}, 'arg');
Promise.resolve().then(function () { say('micro first'); });
say('sync');

setTimeout(function () {
    console.log(log.join('\n'));
}, 1500 * S);
