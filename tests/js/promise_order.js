// node: yes
// Job ordering as ECMAScript specifies it: reactions in registration order, resolving
// with a promise takes two extra jobs (NewPromiseResolveThenableJob + then), thenables
// are adopted from a job, queueMicrotask interleaves with reactions in FIFO order.
var log = [];
function L(s) { return function () { log.push(s); }; }

var a = Promise.resolve();
a.then(L('a1')).then(L('a2')).then(L('a3')).then(L('a4'));
var b = new Promise(function (res) { res(Promise.resolve()); });   // resolve with a promise
b.then(L('b-adopted'));
queueMicrotask(L('qm1'));
var thenable = { then: function (f) { log.push('thenable.then called'); f('x'); } };
Promise.resolve(thenable).then(function (v) { log.push('thenable value ' + v); });
new Promise(function (res) { log.push('executor sync'); res(1); }).then(L('c1'));
queueMicrotask(L('qm2'));
log.push('sync end');

setTimeout(function () { console.log(log.join('\n')); }, 0);
