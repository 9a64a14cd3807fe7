// node: yes
// The functions ECMAScript creates around promises, as a script can inspect them: the
// resolve/reject functions and GetCapabilitiesExecutor (own length, then name "", both
// {writable: false, enumerable: false, configurable: true}; %Function.prototype%; not
// constructors), the element functions of the combinators and finally's handlers, the
// property order and attributes of Promise and Promise.prototype, Symbol.species and
// Symbol.toStringTag, and AggregateError (errors, message, cause).
function desc(o, k) {
    var d = Object.getOwnPropertyDescriptor(o, k);
    if (!d) return 'absent';
    return (d.get ? 'getter' : JSON.stringify(d.value)) + ' ' + (d.writable ? 'w' : '-') +
           (d.enumerable ? 'e' : '-') + (d.configurable ? 'c' : '-');
}
function isConstructor(f) {
    try { Reflect.construct(function () {}, [], f); return true; } catch (e) { return false; }
}
function fnInfo(label, f) {
    var keys = Object.getOwnPropertyNames(f).filter(function (k) { return k === 'length' || k === 'name'; });
    var newFails;
    try { new f(); newFails = 'no'; } catch (e) { newFails = e.name; }
    console.log(label + ': keys ' + keys.join() + ', length ' + desc(f, 'length') + ', name ' +
                desc(f, 'name') + ', proto ' + (Object.getPrototypeOf(f) === Function.prototype) +
                ', extensible ' + Object.isExtensible(f) + ', isConstructor ' + isConstructor(f) +
                ', new throws ' + newFails);
}
var res, rej;
new Promise(function (a, b) { res = a; rej = b; });
fnInfo('resolve', res);
fnInfo('reject', rej);
var executor, capRes, capRej;
function NotPromise(ex) { executor = ex; ex(function () {}, function () {}); }
Promise.resolve.call(NotPromise, 1);
fnInfo('executor', executor);
// the executor of a capability: a second call with functions is a TypeError
function Twice(ex) { ex(undefined, undefined); ex(function () {}, undefined); try { ex(function () {}, function () {}); } catch (e) { console.log('executor called again: ' + e.name); } }
try { Promise.resolve.call(Twice, 1); } catch (e) { console.log('capability check: ' + e.name); }
// the functions a thenable receives from the thenable job
var thenable = { then: function (a, b) { fnInfo('thenable resolve', a); fnInfo('thenable reject', b); a(1); } };
Promise.resolve(thenable);
// combinator element functions and finally's functions, seen through a custom then
var p = Promise.resolve(1);
p.then = function (a, b) {
    fnInfo('element onFulfilled', a);
    fnInfo('element onRejected', b);
    return Promise.prototype.then.call(this, a, b);
};
Promise.all([p]);
Promise.allSettled([p]);
Promise.any([p]);
var q = Promise.resolve(2);
q.then = function (a, b) {
    fnInfo('thenFinally', a);
    fnInfo('catchFinally', b);
    return Promise.prototype.then.call(this, a, b);
};
var inner = Promise.resolve();                 /* PromiseResolve(C, inner) is inner itself */
inner.then = function (thunk) { fnInfo('valueThunk', thunk); console.log('thunk returns ' + thunk()); };
q.finally(function () { return inner; });

console.log('Promise: ' + Object.getOwnPropertyNames(Promise).filter(function (k) { return k !== 'try' && k !== 'withResolvers'; }).join());
console.log('Promise.prototype: ' + Object.getOwnPropertyNames(Promise.prototype).join());
['length', 'name', 'prototype', 'all', 'allSettled', 'any', 'race', 'reject', 'resolve'].forEach(function (k) {
    console.log('Promise.' + k + ' ' + desc(Promise, k) + (typeof Promise[k] === 'function' ? ' length ' + Promise[k].length + ' name ' + Promise[k].name + ' isConstructor ' + isConstructor(Promise[k]) : ''));
});
['constructor', 'then', 'catch', 'finally'].forEach(function (k) {
    console.log('Promise.prototype.' + k + ' ' + desc(Promise.prototype, k).replace(/^.* /, '') + ' length ' + Promise.prototype[k].length + ' name ' + Promise.prototype[k].name);
});
var sp = Object.getOwnPropertyDescriptor(Promise, Symbol.species);
console.log('species: ' + typeof sp.get + ' ' + sp.set + ' ' + sp.enumerable + ' ' + sp.configurable + ' ' + sp.get.name + ' ' + sp.get.length + ' returns this ' + (sp.get.call(5) === 5));
console.log('toStringTag: ' + desc(Promise.prototype, Symbol.toStringTag) + ' ' + Object.prototype.toString.call(Promise.resolve()));
console.log('Promise(): ' + (function () { try { Promise(function () {}); } catch (e) { return e.name; } })());

// AggregateError
console.log('AggregateError: length ' + AggregateError.length + ', name ' + AggregateError.name + ', [[Prototype]] Error ' +
            (Object.getPrototypeOf(AggregateError) === Error) + ', prototype ' + desc(AggregateError, 'prototype').replace(/^.* /, ''));
var ap = AggregateError.prototype;
console.log('AggregateError.prototype: ' + Object.getOwnPropertyNames(ap).join() + ', name ' + desc(ap, 'name') +
            ', message ' + desc(ap, 'message') + ', [[Prototype]] ' + (Object.getPrototypeOf(ap) === Error.prototype));
var errorsSeen = { };
errorsSeen[Symbol.iterator] = function () { var i = 0; return { next: function () { i++; return { done: i > 2, value: 'e' + i }; } }; };
var e = new AggregateError(errorsSeen, 'msg', { cause: 'why' });
var own = Object.getOwnPropertyNames(e).filter(function (k) { return k === 'message' || k === 'cause' || k === 'errors'; });
console.log('instance: ' + own.join() + ', errors ' + desc(e, 'errors') + ', message ' + desc(e, 'message') +
            ', cause ' + desc(e, 'cause') + ', instanceof ' + (e instanceof AggregateError) + (e instanceof Error) +
            ', ' + Object.prototype.toString.call(e) + ', ' + String(e));
var e2 = AggregateError([]);
console.log('called: ' + (e2 instanceof AggregateError) + ', own message ' + e2.hasOwnProperty('message') + ', cause ' + e2.hasOwnProperty('cause') + ', ' + String(e2));
var e3 = new AggregateError([], undefined, {});
console.log('options without cause: ' + e3.hasOwnProperty('cause'));
try { new AggregateError(); } catch (err) { console.log('no iterable: ' + err.name); }
var order = [];
try {
    var poisonedIterable = {};
    Object.defineProperty(poisonedIterable, Symbol.iterator, { get: function () { order.push('iterate'); return undefined; } });
    new AggregateError(poisonedIterable,
                       { toString: function () { order.push('message'); return 'm'; } },
                       { get cause() { order.push('cause'); return 1; } });
} catch (err) { order.push(err.name); }
console.log('evaluation order: ' + order.join());
