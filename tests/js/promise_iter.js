// node: yes
// The combinators' iterator protocol (GetIterator, IteratorStepValue, IteratorClose): an
// iterator that throws in next(), in its result's value getter, in done, or from return();
// errors in the caller's own steps (Promise.resolve, then) close the iterator, errors from
// the iterator itself do not; a non-array iterable; results written without calling setters
// of Array.prototype; a combinator's element functions called more than once.
var log = [];
function iter(values, opts) {
    opts = opts || {};
    var it = {}, i = 0;
    it[Symbol.iterator] = function () { log.push('  GetIterator'); return it; };
    it.next = function () {
        if (opts.nextThrows && i === opts.nextThrows) throw new Error('next threw');
        if (i >= values.length) return { done: true, value: 'ignored' };
        var v = values[i++], r = { done: false };
        if (opts.valueThrows && i === opts.valueThrows)
            Object.defineProperty(r, 'value', { get: function () { throw new Error('value threw'); } });
        else
            r.value = v;
        return r;
    };
    it['return'] = function () {
        log.push('  return called');
        if (opts.returnThrows) throw new Error('return threw');
        return {};
    };
    return it;
}
function report(name) {
    return [function (v) { log.push(name + ': ' + (Array.isArray(v) ? '[' + v.map(show).join() + ']' : show(v))); },
            function (e) { log.push(name + ' rejected: ' + show(e)); }];
}
function show(v) {
    if (v instanceof TypeError) return v.name;  /* engines word their own messages */
    if (v instanceof Error) return v.name + ' ' + v.message + (v.errors ? ' [' + v.errors.join() + ']' : '');
    if (v && typeof v === 'object') return JSON.stringify(v);
    return String(v);
}
var names = ['all', 'allSettled', 'race', 'any'];
names.forEach(function (n) {
    log.push(n + ' custom iterable');
    var r = report(n);
    Promise[n](iter([1, Promise.resolve(2), Promise.reject(3)])).then(r[0], r[1]);
    log.push(n + ' next throws (no close)');
    r = report(n + '/next');
    Promise[n](iter([1, 2], { nextThrows: 1 })).then(r[0], r[1]);
    log.push(n + ' value getter throws (no close)');
    r = report(n + '/value');
    Promise[n](iter([1, 2], { valueThrows: 2 })).then(r[0], r[1]);
    log.push(n + ' resolve throws (close)');
    var C = function (ex) { return new Promise(ex); };
    C.resolve = function () { throw new Error('resolve threw'); };
    r = report(n + '/resolve');
    Promise[n].call(C, iter([1, 2])).then(r[0], r[1]);
    log.push(n + ' resolve throws, return throws too (first error wins)');
    r = report(n + '/resolve+return');
    Promise[n].call(C, iter([1], { returnThrows: true })).then(r[0], r[1]);
    log.push(n + ' then getter throws (close)');
    var bad = Promise.resolve(0);
    Object.defineProperty(bad, 'then', { get: function () { throw new Error('then getter threw'); } });
    r = report(n + '/then');
    Promise[n](iter([bad])).then(r[0], r[1]);
    log.push(n + ' C.resolve not callable (no iterator taken)');
    var D = function (ex) { return new Promise(ex); };
    D.resolve = 5;
    r = report(n + '/notcallable');
    Promise[n].call(D, iter([1])).then(r[0], r[1]);
    log.push(n + ' non-iterable');
    r = report(n + '/nonit');
    Promise[n](5).then(r[0], r[1]);
    log.push(n + ' string');
    r = report(n + '/string');
    Promise[n]('ab').then(r[0], r[1]);
    log.push(n + ' sparse array');
    r = report(n + '/sparse');
    Promise[n]([, Promise.resolve('x'), , ]).then(r[0], r[1]);
});

// results go in with CreateDataProperty: a setter on Array.prototype is never called
// (checked before printing: Duktape's own Array.prototype.map would call it)
Object.defineProperty(Array.prototype, 0, { set: function () { log.push('SETTER CALLED'); }, configurable: true });
var noSetters = Promise.all([Promise.all([Promise.resolve('a')]), Promise.allSettled([Promise.resolve('b')])]);
delete Array.prototype[0];
var rs = report('no setters');
noSetters.then(function (v) { rs[0]([v[0][0], v[1][0].value]); }, rs[1]);

// element functions handed to a non-native then: each works once; a late call is ignored
var resolveElement;
var thenable = Promise.resolve(1);
thenable.then = function (f, rej) { resolveElement = f; log.push('element fn: length ' + f.length + ' name "' + f.name + '"'); f('first'); f('again'); };
var r = report('element once');
Promise.all([thenable]).then(r[0], r[1]);
var settledThenable = Promise.resolve(1);
settledThenable.then = function (f, rej) { f('ok'); rej('late reject'); };
r = report('allSettled pair once');
Promise.allSettled([settledThenable]).then(r[0], r[1]);
var anyThenable = Promise.resolve(1);
anyThenable.then = function (f, rej) { rej('e1'); rej('e2'); };
r = report('any reject once');
Promise.any([anyThenable]).then(r[0], r[1]);

setTimeout(function () { console.log(log.join('\n')); }, 10);
