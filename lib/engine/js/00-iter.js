/*
 * 00-iter.js - the iteration protocol Duktape 2.7 lacks: the well-known Symbol.iterator,
 * %ArrayIteratorPrototype% (Array.prototype[Symbol.iterator], entries, keys, values; also
 * typed arrays and arguments through Array.prototype.values), the string iterator (by
 * code point), and native.iterate(iterable, fn) - GetIterator / IteratorStep /
 * IteratorClose - which the Promise combinators, Headers and URLSearchParams use.
 */
var hide = native.hide;                    /* lib/runtime.c: duk_def_prop, non-enumerable */

var iteratorSym = typeof Symbol.iterator === 'symbol' ? Symbol.iterator : Symbol('Symbol.iterator');
if (Symbol.iterator !== iteratorSym)
    Object.defineProperty(Symbol, 'iterator', {value: iteratorSym, writable: false,
                                               enumerable: false, configurable: false});

function ArrayIterator(obj, kind) {
    this._o = obj;
    this._i = 0;
    this._k = kind;
}
var ArrayIteratorPrototype = ArrayIterator.prototype;
hide(ArrayIteratorPrototype, 'next', function next() {
    var o = this._o;
    if (o === undefined)
        return {value: undefined, done: true};
    var i = this._i;
    if (i >= o.length) {
        this._o = undefined;
        return {value: undefined, done: true};
    }
    this._i = i + 1;
    if (this._k === 0)
        return {value: o[i], done: false};
    if (this._k === 1)
        return {value: i, done: false};
    return {value: [i, o[i]], done: false};
});
hide(ArrayIteratorPrototype, iteratorSym, function () { return this; });
delete ArrayIteratorPrototype.constructor;

function values() { return new ArrayIterator(Object(this), 0); }
function keys() { return new ArrayIterator(Object(this), 1); }
function entries() { return new ArrayIterator(Object(this), 2); }
hide(Array.prototype, 'values', values);
hide(Array.prototype, 'keys', keys);
hide(Array.prototype, 'entries', entries);
hide(Array.prototype, iteratorSym, values);

/* typed arrays share the array iterator */
['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
 'Uint32Array', 'Float32Array', 'Float64Array'].forEach(function (name) {
    var C = global[name];
    if (C && C.prototype && !C.prototype[iteratorSym]) {
        hide(C.prototype, 'values', values);
        hide(C.prototype, 'keys', keys);
        hide(C.prototype, 'entries', entries);
        hide(C.prototype, iteratorSym, values);
    }
});

function StringIterator(s) {
    this._s = s;
    this._i = 0;
}
hide(StringIterator.prototype, 'next', function next() {
    var s = this._s;
    if (s === undefined || this._i >= s.length) {
        this._s = undefined;
        return {value: undefined, done: true};
    }
    var i = this._i, c = s.charCodeAt(i), len = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff)
            len = 2;
    }
    this._i = i + len;
    return {value: s.substr(i, len), done: false};
});
hide(StringIterator.prototype, iteratorSym, function () { return this; });
hide(String.prototype, iteratorSym, function () {
    if (this === undefined || this === null)
        throw new TypeError('String.prototype[Symbol.iterator] called on null or undefined');
    return new StringIterator(String(this));
});

/* GetIterator + the loop + IteratorClose on an abrupt completion. fn returning true stops. */
function iterate(iterable, fn) {
    if (iterable === null || iterable === undefined)
        throw new TypeError(String(iterable) + ' is not iterable');
    var method = iterable[iteratorSym];
    if (typeof method !== 'function')
        throw new TypeError((typeof iterable === 'object' ? 'object' : String(iterable)) +
                            ' is not iterable (cannot read property Symbol(Symbol.iterator))');
    var it = method.call(iterable);
    if (it === null || (typeof it !== 'object' && typeof it !== 'function'))
        throw new TypeError('Result of the Symbol.iterator method is not an object');
    var next = it.next;
    for (;;) {
        var step = next.call(it);
        if (step === null || (typeof step !== 'object' && typeof step !== 'function'))
            throw new TypeError('Iterator result ' + step + ' is not an object');
        if (step.done)
            return;
        var stop;
        try {
            stop = fn(step.value);
        } catch (e) {
            closeIterator(it);
            throw e;
        }
        if (stop) {
            closeIterator(it);
            return;
        }
    }
}

function closeIterator(it) {
    try {
        var ret = it['return'];
        if (typeof ret === 'function')
            ret.call(it);
    } catch (e) {
        /* the original completion wins */
    }
}

/* Array.from(iterable) when Duktape's Array.from does not know the protocol */
var nativeFrom = Array.from;
hide(Array, 'from', function from(items, mapFn, thisArg) {
    if (items !== null && items !== undefined && typeof items !== 'string' &&
        typeof items[iteratorSym] === 'function' && !Array.isArray(items)) {
        var out = [], i = 0;
        iterate(items, function (v) {
            out.push(mapFn ? mapFn.call(thisArg, v, i) : v);
            i++;
        });
        return out;
    }
    return nativeFrom ? nativeFrom.apply(Array, arguments) : Array.prototype.slice.call(items);
});

native.iterate = iterate;
/* the originals, for the Promise combinators' array fast path (lib/engine/promise.c) */
native.arrayValues = values;
native.arrayIteratorPrototype = ArrayIteratorPrototype;
native.arrayIteratorNext = ArrayIteratorPrototype.next;
