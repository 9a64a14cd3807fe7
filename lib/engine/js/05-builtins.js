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
var proxyParts = native.proxyParts;        /* [target, handler] of a Proxy, else null */

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

/* Reflect.get / set / has with Symbol keys and a receiver: Duktape's refuse Symbol keys
   ("cannot string coerce") and a receiver other than the target. A receiver is honoured the
   way [[Get]]/[[Set]] do for ordinary objects: the property is looked up along the target's
   prototype chain and an accessor runs with the receiver as `this`. */
function needObject(o, who) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function'))
        throw new TypeError('Reflect.' + who + ' called on non-object');
}
function lookup(o, key) {
    for (; o !== null; o = Object.getPrototypeOf(o)) {
        var d = Object.getOwnPropertyDescriptor(o, key);
        if (d) return d;
    }
    return undefined;
}
hide(Reflect, 'get', function get(target, key) {
    needObject(target, 'get');
    if (arguments.length < 3 || arguments[2] === target)
        return target[key];
    var d = lookup(target, key);
    if (!d) return undefined;
    if ('value' in d) return d.value;
    return d.get ? d.get.call(arguments[2]) : undefined;
});
hide(Reflect, 'has', function has(target, key) {
    needObject(target, 'has');
    return key in target;
});
function strictSet(o, key, value) {
    'use strict';
    o[key] = value;
}
hide(Reflect, 'set', function set(target, key, value) {
    needObject(target, 'set');
    var receiver = arguments.length < 4 ? target : arguments[3];
    if (receiver !== target) {
        var d = lookup(target, key);
        if (d && !('value' in d)) {
            if (!d.set) return false;
            d.set.call(receiver, value);
            return true;
        }
        if (d && !d.writable) return false;
        if (receiver === null || (typeof receiver !== 'object' && typeof receiver !== 'function'))
            return false;
        var own = Object.getOwnPropertyDescriptor(receiver, key);
        if (own && (!('value' in own) || !own.writable)) return false;
        try {
            if (own) strictSet(receiver, key, value);
            else Object.defineProperty(receiver, key, {value: value, writable: true,
                                                       enumerable: true, configurable: true});
        } catch (e) {
            return false;
        }
        return true;
    }
    /* OrdinarySet's refusals answered false; a setter's own throw goes on */
    var t = lookup(target, key);
    if (t && ('value' in t ? !t.writable : !t.set)) return false;
    if (!t && !proxyParts(target) && !Object.isExtensible(target)) return false;
    strictSet(target, key, value);
    return true;
});

/* WebIDL's record<ByteString, ByteString> of a Proxy (lib/engine/headers.c): Duktape's Proxy
   has no getOwnPropertyDescriptor trap, so the steps call the handler's traps themselves,
   in the standard's order: ownKeys, then per key getOwnPropertyDescriptor and, for an
   enumerable one, the key and value converted (a Symbol key or a code unit above 0xFF
   throws there) after get. Returns [[name, value], ...]. */
function byteString(v) {
    if (typeof v === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
    var s = String(v);
    if (/[^\u0000-\u00ff]/.test(s)) throw new TypeError('Value is not a valid ByteString');
    return s;
}
/* A Proxy's [[OwnPropertyKeys]] checks its trap's result: an object listing Strings and
   Symbols, each once. */
function trapKeys(list) {
    if (list === null || (typeof list !== 'object' && typeof list !== 'function'))
        throw new TypeError('ownKeys trap result is not an object');
    var out = [], seen = {}, syms = [];
    for (var i = 0, n = list.length >>> 0; i < n; i++) {
        var k = list[i];
        if (typeof k === 'symbol') {
            if (syms.indexOf(k) >= 0) throw new TypeError('ownKeys trap result contains a duplicate');
            syms.push(k);
        } else if (typeof k === 'string') {
            if (Object.prototype.hasOwnProperty.call(seen, k))
                throw new TypeError('ownKeys trap result contains a duplicate');
            seen[k] = true;
        } else {
            throw new TypeError('ownKeys trap result contains ' + typeof k);
        }
        out.push(k);
    }
    return out;
}
native.proxyRecord = function (proxy, target, handler) {
    var trap = handler.ownKeys;
    var keys = typeof trap === 'function' ? trapKeys(trap.call(handler, target)) : Reflect.ownKeys(target);
    var out = [];
    for (var i = 0; i < keys.length; i++) {
        var key = keys[i];
        trap = handler.getOwnPropertyDescriptor;
        var d = typeof trap === 'function' ? trap.call(handler, target, key)
                                           : Object.getOwnPropertyDescriptor(target, key);
        if (d === undefined || !d.enumerable)
            continue;
        var name = byteString(key);
        trap = handler.get;
        var v = typeof trap === 'function' ? trap.call(handler, target, key, proxy)
                                           : Reflect.get(target, key, proxy);
        out.push([name, byteString(v)]);
    }
    return out;
};

/* getOwnPropertyDescriptor of a Proxy: Duktape's Proxy has no such trap (its own throws
   "invalid args"); call the handler's, or go on to the target, as [[GetOwnProperty]] does. */
function ownDescriptor(original) {
    return function getOwnPropertyDescriptor(o, key) {
        var parts = proxyParts(o);
        if (!parts) return original(o, key);
        var trap = parts[1].getOwnPropertyDescriptor;
        if (typeof trap !== 'function') return getOwnPropertyDescriptor(parts[0], key);
        var d = trap.call(parts[1], parts[0], key);
        if (d !== undefined && (d === null || typeof d !== 'object'))
            throw new TypeError('getOwnPropertyDescriptor trap returned neither an object nor undefined');
        return d;
    };
}
hide(Object, 'getOwnPropertyDescriptor', ownDescriptor(Object.getOwnPropertyDescriptor));
hide(Reflect, 'getOwnPropertyDescriptor', ownDescriptor(Reflect.getOwnPropertyDescriptor));

/* new Proxy(target, handler) where either is itself a Proxy: Duktape refuses both ("invalid
   args"). Such a proxy is made over the innermost non-Proxy target (so it is callable when
   the target is) with a handler that forwards every trap to the given handler, called with
   the given target - a Proxy - as the standard's [[ProxyTarget]]; a missing trap forwards
   to that target through Reflect. Other proxies are the engine's own. */
var NativeProxy = Proxy;
var TRAPS = ['get', 'set', 'has', 'deleteProperty', 'ownKeys', 'getOwnPropertyDescriptor',
             'defineProperty', 'apply', 'construct'];
function forwarding(target, handler) {
    var fwd = {};
    TRAPS.forEach(function (name) {
        fwd[name] = function () {
            var args = Array.prototype.slice.call(arguments);
            args[0] = target;
            var trap = handler[name];
            if (trap !== undefined && trap !== null) {
                if (typeof trap !== 'function') throw new TypeError('proxy trap ' + name + ' is not a function');
                return trap.apply(handler, args);
            }
            return Reflect[name].apply(Reflect, args);
        };
    });
    return fwd;
}
function ProxyCtor(target, handler) {
    if (!(this instanceof ProxyCtor)) throw new TypeError("Constructor Proxy requires 'new'");
    var inner = target, parts;
    var outerHandler = proxyParts(handler) !== null;
    while ((parts = proxyParts(inner)) !== null) inner = parts[0];
    if (inner === target && !outerHandler)
        return new NativeProxy(target, handler);
    if (handler === null || (typeof handler !== 'object' && typeof handler !== 'function'))
        throw new TypeError('Cannot create proxy with a non-object as target or handler');
    return new NativeProxy(inner, forwarding(target, handler));
}
Object.defineProperty(ProxyCtor, 'name', {value: 'Proxy', configurable: true});
hide(global, 'Proxy', ProxyCtor);
