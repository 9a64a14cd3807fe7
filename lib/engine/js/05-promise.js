/*
 * 05-promise.js - the parts of Promise the spec defines on top of then(): finally and the
 * combinators all, allSettled, race, any (with AggregateError). The state machine itself
 * is native (lib/promise.c). Statics use `this` as the constructor, get C.resolve once and
 * take any iterable (native.iterate closes the iterator on an abrupt completion).
 */
var hide = native.hide, iterate = native.iterate;

function AggregateError(errors, message) {
    if (!(this instanceof AggregateError))
        return new AggregateError(errors, message);
    var e = new Error(message === undefined ? '' : String(message));
    if (message !== undefined)
        hide(this, 'message', String(message));
    hide(this, 'stack', e.stack);
    var list = [];
    iterate(errors, function (x) { list.push(x); });
    hide(this, 'errors', list);
}
AggregateError.prototype = Object.create(Error.prototype);
hide(AggregateError.prototype, 'constructor', AggregateError);
hide(AggregateError.prototype, 'name', 'AggregateError');
hide(AggregateError.prototype, 'message', '');
hide(global, 'AggregateError', AggregateError);

function capability(C) {
    var cap = {};
    cap.promise = new C(function (resolve, reject) {
        if (cap.resolve !== undefined || cap.reject !== undefined)
            throw new TypeError('Promise executor has already been invoked');
        cap.resolve = resolve;
        cap.reject = reject;
    });
    if (typeof cap.resolve !== 'function' || typeof cap.reject !== 'function')
        throw new TypeError('Promise resolve or reject function is not callable');
    return cap;
}

function resolver(C) {
    var r = C.resolve;
    if (typeof r !== 'function')
        throw new TypeError('Promise resolve is not a function');
    return r;
}

/* Shared shape of all/allSettled/any: run body, reject the capability on a throw. */
function combinator(C, iterable, body) {
    if (C === null || (typeof C !== 'object' && typeof C !== 'function'))
        throw new TypeError('Promise combinator called on non-object');
    var cap = capability(C);
    try {
        body(cap, resolver(C));
    } catch (e) {
        cap.reject(e);
    }
    return cap.promise;
}

function all(iterable) {
    var C = this;
    return combinator(C, iterable, function (cap, promiseResolve) {
        var values = [], remaining = 1, index = 0;
        iterate(iterable, function (x) {
            var i = index++, called = false;
            values.push(undefined);
            remaining++;
            promiseResolve.call(C, x).then(function (v) {
                if (called) return;
                called = true;
                values[i] = v;
                if (--remaining === 0) cap.resolve(values);
            }, cap.reject);
        });
        if (--remaining === 0) cap.resolve(values);
    });
}

function allSettled(iterable) {
    var C = this;
    return combinator(C, iterable, function (cap, promiseResolve) {
        var values = [], remaining = 1, index = 0;
        iterate(iterable, function (x) {
            var i = index++, called = false;
            values.push(undefined);
            remaining++;
            promiseResolve.call(C, x).then(function (v) {
                if (called) return;
                called = true;
                values[i] = {status: 'fulfilled', value: v};
                if (--remaining === 0) cap.resolve(values);
            }, function (r) {
                if (called) return;
                called = true;
                values[i] = {status: 'rejected', reason: r};
                if (--remaining === 0) cap.resolve(values);
            });
        });
        if (--remaining === 0) cap.resolve(values);
    });
}

function race(iterable) {
    var C = this;
    return combinator(C, iterable, function (cap, promiseResolve) {
        iterate(iterable, function (x) {
            promiseResolve.call(C, x).then(cap.resolve, cap.reject);
        });
    });
}

function any(iterable) {
    var C = this;
    return combinator(C, iterable, function (cap, promiseResolve) {
        var errors = [], remaining = 1, index = 0;
        function fail() {
            cap.reject(new AggregateError(errors, 'All promises were rejected'));
        }
        iterate(iterable, function (x) {
            var i = index++, called = false;
            errors.push(undefined);
            remaining++;
            promiseResolve.call(C, x).then(cap.resolve, function (r) {
                if (called) return;
                called = true;
                errors[i] = r;
                if (--remaining === 0) fail();
            });
        });
        if (--remaining === 0) fail();
    });
}

/* Promise.prototype.finally(onFinally) */
function promiseFinally(onFinally) {
    var promise = this;
    if (promise === null || (typeof promise !== 'object' && typeof promise !== 'function'))
        throw new TypeError('Promise.prototype.finally called on non-object');
    var C = promise.constructor;
    if (C === undefined) C = Promise;
    if (typeof onFinally !== 'function')
        return promise.then(onFinally, onFinally);
    return promise.then(function (value) {
        return resolver(C).call(C, onFinally()).then(function () { return value; });
    }, function (reason) {
        return resolver(C).call(C, onFinally()).then(function () { throw reason; });
    });
}

hide(Promise, 'all', all);
hide(Promise, 'allSettled', allSettled);
hide(Promise, 'race', race);
hide(Promise, 'any', any);
Object.defineProperty(promiseFinally, 'name', {value: 'finally', configurable: true});
hide(Promise.prototype, 'finally', promiseFinally);
if (Symbol.toStringTag)
    Object.defineProperty(Promise.prototype, Symbol.toStringTag,
                          {value: 'Promise', writable: false, enumerable: false, configurable: true});
