// node: yes
// WebIDL's record<ByteString, ByteString> conversion of a Headers init that is a Proxy: the
// traps run in the standard's order (get @@iterator, ownKeys, then per key
// getOwnPropertyDescriptor and, for an enumerable key, get), though Duktape's Proxy has no
// getOwnPropertyDescriptor trap of its own; and the Reflect functions the handlers call,
// with Symbol keys and receivers (Duktape's refuse both).
var log = [];
var logging = {};
['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'defineProperty',
 'deleteProperty'].forEach(function (name) {
    logging[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        log.push(name + '(' + args.slice(1, 2).map(String).join() + ')');
        return Reflect[name].apply(Reflect, args);
    };
});
function run(label, record) {
    log = [];
    var h;
    try {
        h = new Headers(new Proxy(record, logging));
        var pairs = [];
        h.forEach(function (v, k) { pairs.push(k + '=' + v); });
        console.log(label + ':', log.join(' '), '->', pairs.join('&'));
    } catch (e) {
        console.log(label + ':', log.join(' '), '-> throws', e.name);
    }
}
run('one property', {a: 'b'});
run('a property on the prototype is not own', Object.create({c: 'd'}, {a: {value: 'b', enumerable: true}}));
run('two, in order', {a: 'b', c: 'd'});
run('non-enumerable is skipped after its descriptor', Object.create({}, {
    a: {value: 'b', enumerable: false}, c: {value: 'd', enumerable: true}}));
run('an invalid name throws after all the traps', {a: 'b', 'a b': 'c'});
run('an invalid value (not a ByteString) throws at its get', {a: '\u0100', c: 'd'});
var sym = {a: 'b'};
sym[Symbol('s')] = 'x';
run('an enumerable Symbol key throws', sym);
var hiddenSym = {a: 'b'};
Object.defineProperty(hiddenSym, Symbol('s'), {value: 'x', enumerable: false});
run('a non-enumerable Symbol key is skipped', hiddenSym);
log = [];
var hiding = new Headers(new Proxy({a: 'b', c: 'd'}, {
    getOwnPropertyDescriptor: function (t, k) {
        log.push('getOwnPropertyDescriptor(' + k + ')');
        return k === 'a' ? undefined : Reflect.getOwnPropertyDescriptor(t, k);
    },
    get: function (t, k, r) {
        log.push('get(' + String(k) + ')');
        return Reflect.get(t, k, r);
    }
}));
console.log('a descriptor the handler hides:', log.join(' '), '->', hiding.get('a'), hiding.get('c'));
var plainSym = {a: 'b'};
plainSym[Symbol('t')] = 'y';
try { new Headers(plainSym); console.log('plain record with a Symbol key: no throw'); }
catch (e) { console.log('plain record with a Symbol key throws', e.name); }

var o = {}, s = Symbol('k');
o[s] = 1;
console.log('Reflect.get with a Symbol', Reflect.get(o, s), Reflect.has(o, s), Reflect.set(o, s, 2), o[s]);
var withGetter = {get g() { return this.tag; }, tag: 'target'};
console.log('Reflect.get with a receiver', Reflect.get(withGetter, 'g', {tag: 'receiver'}),
            Reflect.get(withGetter, 'missing', {}));
var ro = Object.defineProperty({}, 'x', {value: 1, writable: false});
console.log('Reflect.set on a read-only property', Reflect.set(ro, 'x', 2), ro.x);
var recv = {};
console.log('Reflect.set with a receiver', Reflect.set({}, 'y', 3, recv), recv.y);
try { Reflect.get(1, 'a'); } catch (e) { console.log('Reflect.get(1)', e.name); }
var throwing = {set x(v) { throw new TypeError('from the setter'); }};
try { console.log('a setter that throws:', Reflect.set(throwing, 'x', 1)); }
catch (e) { console.log('a setter that throws: throws', e.message); }
console.log('Reflect.set on a frozen object', Reflect.set(Object.freeze({}), 'n', 1),
            'on a getter-only property', Reflect.set({get g() { return 1; }}, 'g', 2));

// A Proxy whose target is a Proxy (Duktape's own constructor refuses one): WPT's
// "Correct operation ordering with undefined descriptors" shape, and a callable one.
var order = [];
var lyingTarget = new Proxy({a: 'b', c: 'd'}, {getOwnPropertyDescriptor: function (t, k) {
    return k === 'a' ? undefined : Reflect.getOwnPropertyDescriptor(t, k);
}});
var outerHandler = {};
['get', 'ownKeys', 'getOwnPropertyDescriptor'].forEach(function (n) {
    outerHandler[n] = function (t) {
        order.push(n + (t === lyingTarget ? '(inner proxy)' : '(?)'));
        return Reflect[n].apply(Reflect, arguments);
    };
});
var nested = new Headers(new Proxy(lyingTarget, outerHandler));
console.log('proxy of a proxy:', order.join(' '), '->', nested.get('a'), nested.get('c'));
var twice = new Proxy(new Proxy(function (x) { return x * 2; }, {}), {
    apply: function (f, self, args) { return Reflect.apply(f, self, args) + 1; }
});
console.log('callable proxy of a proxy:', twice(5), typeof twice);
try { new Proxy(new Proxy({}, {}), 1); } catch (e) { console.log('a non-object handler:', e.name); }
try { Proxy({}, {}); } catch (e) { console.log('Proxy without new:', e.name); }
var dup = new Proxy({a: 'b', c: 'd'}, {ownKeys: function () { return ['a', 'c', 'a', 'c']; }});
try { new Headers(dup); console.log('duplicate keys from ownKeys: accepted'); }
catch (e) { console.log('duplicate keys from ownKeys:', e.name); }
var badKey = new Proxy({}, {ownKeys: function () { return [1]; }});
try { new Headers(badKey); console.log('a number from ownKeys: accepted'); }
catch (e) { console.log('a number from ownKeys:', e.name); }
