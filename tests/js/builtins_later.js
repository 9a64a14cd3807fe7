// node: yes
// The later-ECMAScript built-ins lib/engine/js/05-builtins.js adds to Duktape, against
// ECMA-262's text (and node): Object.entries/values/fromEntries/hasOwn/
// getOwnPropertyDescriptors, well-formed JSON.stringify, Reflect.construct's newTarget; and
// console output in UTF-8 (a code point above U+FFFF is one 4-byte sequence).
var log = console.log;
var o = {b: 1, a: [2]};
Object.defineProperty(o, 'hidden', {value: 3, enumerable: false});
o[2] = 'two';
log('entries', JSON.stringify(Object.entries(o)));
log('values', JSON.stringify(Object.values(o)));
log('entries of a string', JSON.stringify(Object.entries('ab')));
var seen = [];
var g = {get a() { seen.push('a'); delete this.b; return 1; }, b: 2, c: 3};
log('a getter deleting a later key', JSON.stringify(Object.entries(g)), seen.join());
try { Object.entries(null); } catch (e) { log('entries(null)', e instanceof TypeError); }
log('fromEntries', JSON.stringify(Object.fromEntries([['x', 1], ['y', 2], ['x', 3]])));
log('fromEntries(Headers)', JSON.stringify(Object.fromEntries(new Headers({'X-A': '1', b: '2'}))));
log('fromEntries(URLSearchParams)', JSON.stringify(Object.fromEntries(new URLSearchParams('a=1&b=2'))));
var setterHit = false;
Object.defineProperty(Object.prototype, 'trap', {set: function () { setterHit = true; },
                                                 configurable: true});
var fe = Object.fromEntries([['trap', 1]]);
delete Object.prototype.trap;
log('fromEntries defines, never sets', setterHit, Object.getOwnPropertyDescriptor(fe, 'trap').value);
try { Object.fromEntries([1]); } catch (e) { log('fromEntries([1])', e instanceof TypeError); }
try { Object.fromEntries(); } catch (e) { log('fromEntries()', e instanceof TypeError); }
var closed = false;
var it = {};
it[Symbol.iterator] = function () {
    return {next: function () { return {value: 5, done: false}; },
            'return': function () { closed = true; return {}; }};
};
try { Object.fromEntries(it); } catch (e) { log('a bad entry closes the iterator', closed); }
log('hasOwn', Object.hasOwn({a: 1}, 'a'), Object.hasOwn({a: 1}, 'toString'), Object.hasOwn([1], 0));
try { Object.hasOwn(undefined, 'a'); } catch (e) { log('hasOwn(undefined)', e instanceof TypeError); }
var ds = Object.getOwnPropertyDescriptors({get a() { return 1; }, b: 2});
log('getOwnPropertyDescriptors', typeof ds.a.get, ds.b.value, ds.b.writable, ds.b.enumerable);
log('lengths', Object.entries.length, Object.fromEntries.length, Object.hasOwn.length,
    JSON.stringify.length, Reflect.construct.length);
log('enumerable', Object.keys(Object).indexOf('entries'), Object.keys(JSON).length);

log('lone surrogates', JSON.stringify('\udead'), JSON.stringify(['\udf06\ud834']),
    JSON.stringify({k: 'x\ud800'}), JSON.stringify('\ud800\ud800\udc00'));
log('a pair stays', JSON.stringify('a\ud834\udf06b') === '"a\ud834\udf06b"');
log('replacer and space still apply', JSON.stringify({a: '\udead', b: 1}, ['a'], 1));
log('undefined stays', JSON.stringify(undefined), JSON.stringify(function () {}));
log('console prints UTF-8:', '\ud83d\ude00', 'lone \udead');

function Sub() {}
Sub.prototype = Object.create(Error.prototype);
var e = Reflect.construct(Error, ['m'], Sub);
log('construct newTarget', e instanceof Sub, e instanceof Error, e.message,
    Object.prototype.toString.call(e));
var p = Reflect.construct(Promise, [function (r) { r(7); }], Sub);
log('newTarget on a promise', Object.getPrototypeOf(p) === Sub.prototype);
try { Reflect.construct(Error, [], 1); } catch (x) { log('newTarget not a constructor', x instanceof TypeError); }
log('without newTarget', Object.getPrototypeOf(Reflect.construct(Error, [])) === Error.prototype);
Response.json({s: '\udead', p: '\ud83d\ude00'}).arrayBuffer().then(function (b) {
    var u = new Uint8Array(b), hex = [];
    for (var i = 0; i < u.length; i++) hex.push(u[i].toString(16));
    log('Response.json is well-formed too:', hex.join(' '));
});
