/*
 * 05-builtins.js - the few later-ECMAScript built-ins that Fetch-shaped code leans on and
 * Duktape 2.7 lacks, written from ECMA-262: Object.entries / values / fromEntries / hasOwn /
 * getOwnPropertyDescriptors, and Reflect.construct's newTarget (used by transpiled
 * `class X extends Error`). Defined only where the engine has none; non-enumerable like the
 * engine's own. (JSON.stringify is made well-formed in C: text.c.) The script dialect stays
 * ES5.1: these are library functions, not syntax.
 */
var hide = native.hide;
var iterate = native.iterate;

function toObject(o) {
    if (o === null || o === undefined)
        throw new TypeError('Cannot convert undefined or null to object');
    return Object(o);
}

function ownEnumerable(o, kind) {
    o = toObject(o);
    var keys = Object.keys(o), out = [];
    for (var i = 0; i < keys.length; i++) {
        var k = keys[i];
        /* a getter met earlier may have deleted or hidden a later key (EnumerableOwnProperties) */
        var d = Object.getOwnPropertyDescriptor(o, k);
        if (!d || !d.enumerable)
            continue;
        out.push(kind === 0 ? o[k] : [k, o[k]]);
    }
    return out;
}

if (!Object.entries)
    hide(Object, 'entries', function entries(o) { return ownEnumerable(o, 1); });
if (!Object.values)
    hide(Object, 'values', function values(o) { return ownEnumerable(o, 0); });
if (!Object.hasOwn)
    hide(Object, 'hasOwn', function hasOwn(o, key) {
        return Object.prototype.hasOwnProperty.call(toObject(o), key);
    });
if (!Object.getOwnPropertyDescriptors)
    hide(Object, 'getOwnPropertyDescriptors', function getOwnPropertyDescriptors(o) {
        o = toObject(o);
        var keys = Reflect.ownKeys(o), out = {};
        for (var i = 0; i < keys.length; i++) {
            var d = Object.getOwnPropertyDescriptor(o, keys[i]);
            if (d !== undefined)
                out[keys[i]] = d;
        }
        return out;
    });
if (!Object.fromEntries)
    hide(Object, 'fromEntries', function fromEntries(iterable) {
        if (iterable === null || iterable === undefined)
            throw new TypeError(iterable + ' is not iterable');
        var out = {};
        iterate(iterable, function (entry) {
            if (entry === null || (typeof entry !== 'object' && typeof entry !== 'function'))
                throw new TypeError('Iterator value ' + entry + ' is not an entry object');
            /* CreateDataPropertyOrThrow: defined, never through a setter on the prototype */
            Object.defineProperty(out, entry[0], {value: entry[1], writable: true,
                                                  enumerable: true, configurable: true});
        });
        return out;
    });

/* Reflect.construct(target, args, newTarget): Duktape ignores newTarget. The object is made
   by target, then given newTarget.prototype - what a subclass constructor observes for the
   built-ins (Error, Promise, ...) that Babel's class transform constructs this way. A target
   that reads new.target itself still sees target. */
var nativeConstruct = Reflect.construct;
hide(Reflect, 'construct', function construct(target, args) {
    var newTarget = arguments[2];
    /* the engine's own checks (a constructor target, and newTarget) come first */
    var o = nativeConstruct.apply(Reflect, arguments);
    if (arguments.length >= 3 && newTarget !== target) {
        var proto = newTarget.prototype;
        if (proto !== null && (typeof proto === 'object' || typeof proto === 'function') &&
            Object.getPrototypeOf(o) !== proto)
            Object.setPrototypeOf(o, proto);
    }
    return o;
});
