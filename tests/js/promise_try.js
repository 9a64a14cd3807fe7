// Promise.try and Promise.withResolvers (ECMAScript 2024/2025; Node 20 has neither, so this
// runs under rtjs only): try calls the callback synchronously with the extra arguments and
// settles with its result or exception (adopting a returned promise); both use `this` as
// the constructor; withResolvers returns {promise, resolve, reject} as data properties, and
// its functions are the promise's real resolving functions (first call wins).
var log = [];
log.push('try sync: ' + (function () {
    var called = false;
    Promise.try(function () { called = true; });
    return called;
})());
Promise.try(function (a, b, c) { return a + b + c; }, 1, 2, 3).then(function (v) { log.push('try args: ' + v); });
Promise.try(function () { throw new Error('boom'); }).then(null, function (e) { log.push('try throws: ' + e.message); });
Promise.try(function () { return Promise.resolve('inner'); }).then(function (v) { log.push('try adopts: ' + v); });
Promise.try().then(null, function (e) { log.push('try non-callable: ' + e.name); });
log.push('try length/name: ' + Promise.try.length + ' ' + Promise.try.name);
try { Promise.try.call(5, function () {}); } catch (e) { log.push('try on non-object: ' + e.name); }
function Sub(ex) { return Reflect.construct(Promise, [ex], Sub); }
Sub.prototype = Object.create(Promise.prototype);
log.push('try subclass: ' + (Promise.try.call(Sub, function () { return 1; }) instanceof Sub));

var wr = Promise.withResolvers();
var d = Object.getOwnPropertyDescriptor(wr, 'promise');
log.push('withResolvers keys: ' + Object.keys(wr).join() + ' ' + d.writable + d.enumerable + d.configurable +
         ' proto ' + (Object.getPrototypeOf(wr) === Object.prototype));
log.push('withResolvers functions: ' + wr.resolve.length + ' "' + wr.resolve.name + '" ' + wr.reject.length);
wr.resolve('first');
wr.reject(new Error('ignored'));
wr.promise.then(function (v) { log.push('withResolvers value: ' + v); });
var wr2 = Promise.withResolvers();
wr2.reject('no');
wr2.promise.catch(function (e) { log.push('withResolvers reject: ' + e); });
log.push('withResolvers subclass: ' + (Promise.withResolvers.call(Sub).promise instanceof Sub));
try { Promise.withResolvers.call(function () {}); } catch (e) { log.push('withResolvers bad executor: ' + e.name); }
log.push('length/name: ' + Promise.withResolvers.length + ' ' + Promise.withResolvers.name);
setTimeout(function () { console.log(log.join('\n')); }, 0);
