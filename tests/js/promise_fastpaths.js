// node: yes
// Every fast path of the native Promise against what ECMAScript makes observable: the
// order of jobs and of calls when a promise adopts another, a subclass (species), a
// thenable, a poisoned then (throwing getter, resolve called twice), a script-patched
// Promise.prototype.then (it must be called, with real functions), a redefined
// constructor / Symbol.species, and combinators over promises of every kind.
var log = [];
function L(s) { return function (v) { log.push(s + (v === undefined ? '' : '=' + v)); }; }
function section(name, fn) { log.push('# ' + name); fn(); }

// 1. adoption of our own promise: two extra jobs, as the spec's thenable job + then
section('adopt', function () {
    var inner = Promise.resolve('in');
    new Promise(function (res) { res(inner); }).then(L('adopted'));
    Promise.resolve().then(L('t1')).then(L('t2')).then(L('t3')).then(L('t4'));
    Promise.reject('no').then(null, L('plain-reject'));
    // a rejected inner promise: the outer rejects two jobs later, and the inner is handled
    new Promise(function (res) { res(Promise.reject('inner-err')); }).catch(L('adopted-reject'));
    // resolved from a derived promise's handler with a promise
    Promise.resolve(1).then(function () { return Promise.resolve('from-handler'); }).then(L('chain'));
});

// 2. a subclass that inherits Symbol.species: then() builds a Sub through its executor
function Sub(ex) {
    log.push('Sub ctor');
    return Reflect.construct(Promise, [ex], Sub);
}
Sub.prototype = Object.create(Promise.prototype);
Sub.prototype.constructor = Sub;
Object.setPrototypeOf(Sub, Promise);
section('subclass', function () {
    var s = new Sub(function (res) { res('s'); });
    var t = s.then(L('sub-then'));
    log.push('derived is Sub: ' + (t instanceof Sub) + ' ' + (Object.getPrototypeOf(t) === Sub.prototype));
    log.push('Sub.resolve is Sub: ' + (Sub.resolve(1) instanceof Sub));
    log.push('resolve identity: ' + (Sub.resolve(s) === s) + ' ' + (Promise.resolve(s) === s));
    Sub.all([1, Promise.resolve(2)]).then(function (v) { log.push('Sub.all ' + v.join()); });
});

// 3. a constructor without species, a species that is null, a constructor that is not an
//    object, a species that is not a constructor
section('species', function () {
    var p = Promise.resolve('np');
    p.constructor = undefined;
    log.push('undefined constructor -> Promise: ' + (p.then(L('np-then')) instanceof Promise));
    var q = Promise.resolve('nul');
    q.constructor = { };
    q.constructor[Symbol.species] = null;
    log.push('null species -> Promise: ' + (Object.getPrototypeOf(q.then()) === Promise.prototype));
    var r = Promise.resolve();
    r.constructor = 5;
    try { r.then(); } catch (e) { log.push('non-object constructor: ' + e.name); }
    var s = Promise.resolve();
    s.constructor = { };
    s.constructor[Symbol.species] = function () { return 1; };
    s.constructor[Symbol.species] = Math.max;
    try { s.then(); } catch (e) { log.push('non-constructor species: ' + e.name); }
    var calls = 0, t = Promise.resolve('getter');
    Object.defineProperty(t, 'constructor', { get: function () { calls++; return Promise; } });
    t.then(L('observed'));
    Promise.resolve(t);
    log.push('constructor getter calls: ' + calls);
});

// 4. thenables: adopted from a job; a throwing then getter rejects at once; a then that
//    calls resolve twice and then throws keeps the first value
section('thenable', function () {
    var th = { then: function (f) { log.push('then called'); f('thenable'); } };
    Promise.resolve(th).then(L('thenable-value'));
    log.push('after resolve(thenable)');
    var poisoned = {};
    Object.defineProperty(poisoned, 'then', { get: function () { log.push('getter'); throw 'poison'; } });
    Promise.resolve(poisoned).then(null, L('poisoned'));
    log.push('after resolve(poisoned)');
    new Promise(function (res) {
        res({ then: function (f, r) { f('first'); f('second'); r('third'); throw 'ignored'; } });
    }).then(L('twice'), L('twice-rejected'));
    new Promise(function (res, rej) { res('once'); rej('no'); res('again'); }).then(L('executor-once'));
});

// 5. Promise.prototype.then patched by the script: every internal use that the spec routes
//    through Invoke(p, "then") must call it, with real functions
section('patched then', function () {
    var orig = Promise.prototype.then, seen = [];
    Promise.prototype.then = function (f, r) {
        seen.push(typeof f + '/' + typeof r + (typeof f === 'function' ? ':' + f.length : ''));
        return orig.call(this, f, r);
    };
    var inner = Promise.resolve('x');
    new Promise(function (res) { res(inner); });          // thenable job calls it
    Promise.all([inner]);                                   // Invoke(nextPromise, "then")
    Promise.race([inner]);
    Promise.allSettled([inner]);
    Promise.any([inner]);
    inner.finally(function () {});                          // Invoke(promise, "then")
    inner.catch(function () {});
    queueMicrotask(function () {
        Promise.prototype.then = orig;
        log.push('patched then calls: ' + seen.join(' '));
    });
});

// 6. combinators over mixed values
section('combinators', function () {
    var th = { then: function (f) { f('th'); } };
    var later = new Promise(function (res) { setTimeout(function () { res('later'); }, 1); });
    Promise.all([1, Promise.resolve(2), th, later]).then(function (v) { log.push('all ' + v.join()); });
    Promise.allSettled([1, Promise.reject('r'), th]).then(function (v) {
        log.push('allSettled ' + v.map(function (x) { return x.status + ':' + (x.value || x.reason); }).join());
    });
    Promise.race([later, th, 3]).then(L('race'));
    Promise.race([Promise.reject('first'), Promise.resolve('second')]).then(null, L('race-reject'));
    Promise.any([Promise.reject('a'), th, 7]).then(L('any'));
    Promise.any([Promise.reject('a'), Promise.reject('b')]).then(null, function (e) {
        log.push('any-reject ' + e.constructor.name + ' ' + e.errors.join());
    });
    var same = Promise.resolve('same');
    Promise.all([same, same, same]).then(function (v) { log.push('all same ' + v.join()); });
    Promise.all([]).then(function (v) { log.push('all empty ' + Array.isArray(v) + v.length); });
    Promise.race([]).then(L('race-empty-never'));
});

setTimeout(function () { console.log(log.join('\n')); }, 20);
