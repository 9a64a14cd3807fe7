// node: yes
// Promise.all / allSettled / any / race over an Array of our own promises skip
// Promise.resolve and Invoke(then) while no script code can have changed what they would
// find (lib/engine/promise.c: combinator_loop). Code that runs in the middle of the
// iteration - a getter for a hole of the Array, a then or constructor getter of one
// element, a subclass's resolve - must be seen by the elements after it.
var log = [];
var origThen = Promise.prototype.then;
function patchThen(tag) {
    Promise.prototype.then = function (f, r) {
        log.push('  ' + tag + ' then called');
        return origThen.call(this, f, r);
    };
}
function run(label, fn) {
    return function () {
        log.push(label);
        var r = fn();
        Promise.prototype.then = origThen;
        return r;
    };
}
var steps = [
    run('hole getter patches then', function () {
        var a = [Promise.resolve(1), , Promise.resolve(3), Promise.reject(4)];
        var proto = Object.create(Array.prototype);     // an Array whose own prototype has
        Object.setPrototypeOf(a, proto);                // a getter for its hole
        Object.defineProperty(proto, 1, { configurable: true, get: function () {
            log.push('  getter for hole');
            patchThen('patched');
            return Promise.resolve(2);
        } });
        var p = Promise.all(a);
        return p.then(function (v) { log.push('  all ' + v); },
                      function (e) { log.push('  all rejected ' + e); });
    }),
    run('then getter on one element', function () {
        var b = Promise.resolve('b');
        var calls = 0;
        Object.defineProperty(b, 'then', { configurable: true, get: function () {
            calls++;
            patchThen('after getter');
            return origThen;
        } });
        var p = Promise.allSettled([Promise.resolve('a'), b, Promise.resolve('c')]);
        log.push('  getter calls ' + calls);
        return p.then(function (v) { log.push('  allSettled ' + JSON.stringify(v)); });
    }),
    run('constructor changed by an element', function () {
        var c = Promise.resolve('c');
        Object.defineProperty(c, 'constructor', { configurable: true, get: function () {
            log.push('  constructor getter');
            Object.defineProperty(Promise.prototype, 'constructor',
                { value: Object, writable: true, configurable: true });
            return Promise;
        } });
        var p = Promise.race([c, Promise.resolve('d')]);
        Object.defineProperty(Promise.prototype, 'constructor',
            { value: Promise, writable: true, configurable: true, enumerable: false });
        return p.then(function (v) { log.push('  race ' + v); });
    }),
    run('any over rejected with a subclass element', function () {
        function Sub(ex) { return Reflect.construct(Promise, [ex], Sub); }
        Object.setPrototypeOf(Sub, Promise);
        Sub.prototype = Object.create(Promise.prototype);
        Sub.prototype.constructor = Sub;
        var s = Sub.resolve(0).then(function () { throw 's'; });
        return Promise.any([Promise.reject('x'), s, Promise.reject('y')]).then(null, function (e) {
            log.push('  any ' + e.constructor.name + ' ' + JSON.stringify(e.errors));
        });
    }),
    run('holes without getters and a pending element', function () {
        var res;
        var pend = new Promise(function (r) { res = r; });
        var p = Promise.all([Promise.resolve(1), , pend, 'plain']);
        res('late');
        return p.then(function (v) { log.push('  all ' + JSON.stringify(v) + ' length ' + v.length); });
    })
];
var chain = Promise.resolve();
steps.forEach(function (s) { chain = chain.then(s); });
chain.then(function () { log.forEach(function (l) { console.log(l); }); },
           function (e) { console.log('FAILED ' + e); });
