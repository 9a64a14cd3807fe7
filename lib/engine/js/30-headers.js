/*
 * 30-headers.js - Headers: a case-insensitive multimap with the WHATWG methods; values
 * are trimmed; names must be tokens and values free of CR, LF and NUL (TypeError), so
 * nothing a script puts here can be injected onto the wire. Iteration is sorted by
 * lower-cased name, combining repeated values with ", " except Set-Cookie, as undici.
 */
var hide = native.hide;
var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/* Names already checked, lower-cased (the same few names come back on every request). */
var nameCache = {}, nameCacheSize = 0;
function normName(name) {
    name = String(name);
    var key = '#' + name, k = nameCache[key];
    if (k) return k;
    if (!TOKEN.test(name)) throw new TypeError('Headers: invalid header name: "' + name + '"');
    k = name.toLowerCase();
    if (nameCacheSize >= 512) {
        nameCache = {};
        nameCacheSize = 0;
    }
    nameCache[key] = k;
    nameCacheSize++;
    return k;
}

/* The common value - visible ASCII, inner spaces, nothing to trim - in one test. */
var PLAIN_VALUE = /^(?:[\x21-\x7e][\x20-\x7e]*)?[\x21-\x7e]$/;
function normValue(value) {
    value = String(value);
    if (PLAIN_VALUE.test(value)) return value;
    value = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    if (/[\r\n\u0000]/.test(value)) throw new TypeError('Headers: invalid header value: ' + JSON.stringify(value));
    if (/[^\u0000-\u00ff]/.test(value)) throw new TypeError('Headers: header value is not a ByteString');
    return value;
}

function Headers(init) {
    if (!(this instanceof Headers)) throw new TypeError("Class constructor Headers cannot be invoked without 'new'");
    hide(this, '_map', {});                /* lower-cased name -> [values] */
    hide(this, '_names', {});              /* lower-cased name -> name as first given */
    hide(this, '_guard', 'none');
    if (init === undefined || init === null) return;
    var self = this;
    if (init instanceof Headers) {
        /* already validated: copy the lists (the same entries and order as append would) */
        var map = this._map, names = this._names, src = init._map;
        for (var k in src) {
            if (!src.hasOwnProperty(k)) continue;
            map[k] = src[k].slice();
            names[k] = init._names[k];
        }
    } else if (typeof init === 'object' && typeof init[Symbol.iterator] === 'function') {
        native.iterate(init, function (pair) {
            var p = [];
            native.iterate(pair, function (x) { p.push(x); });
            if (p.length !== 2) throw new TypeError('Headers: a header pair must have exactly two items');
            self.append(p[0], p[1]);
        });
    } else if (typeof init === 'object') {
        Object.keys(init).forEach(function (k) { self.append(k, init[k]); });
    } else {
        throw new TypeError("Headers: the init argument must be an object, an iterable or a Headers");
    }
}
var HP = Headers.prototype;

function check(h) {
    if (h._guard === 'immutable') throw new TypeError('Headers are immutable');
}

hide(HP, 'append', function append(name, value) {
    check(this);
    var k = normName(name), v = normValue(value);
    if (!this._map[k]) { this._map[k] = []; this._names[k] = String(name); }
    this._map[k].push(v);
});
hide(HP, 'set', function set(name, value) {
    check(this);
    var k = normName(name), v = normValue(value);
    this._map[k] = [v];
    this._names[k] = String(name);
});
hide(HP, 'delete', function (name) {
    check(this);
    var k = normName(name);
    delete this._map[k];
    delete this._names[k];
});
hide(HP, 'get', function get(name) {
    var l = this._map[normName(name)];
    return l ? l.join(', ') : null;
});
hide(HP, 'has', function has(name) {
    return this._map.hasOwnProperty(normName(name));
});
hide(HP, 'getSetCookie', function getSetCookie() {
    return (this._map['set-cookie'] || []).slice();
});
hide(HP, '_pairs', function () {
    var keys = Object.keys(this._map).sort(), out = [];
    for (var i = 0; i < keys.length; i++) {
        var k = keys[i], l = this._map[k];
        if (k === 'set-cookie')
            for (var j = 0; j < l.length; j++) out.push([k, l[j]]);
        else
            out.push([k, l.join(', ')]);
    }
    return out;
});
/* Wire order: as inserted, original case - for the request serializer. */
hide(HP, '_flat', function () {
    var out = [], map = this._map, names = this._names;
    Object.keys(map).forEach(function (k) {
        for (var j = 0; j < map[k].length; j++) out.push(names[k], map[k][j]);
    });
    return out;
});
hide(HP, 'forEach', function forEach(fn, thisArg) {
    var pairs = this._pairs();
    for (var i = 0; i < pairs.length; i++) fn.call(thisArg, pairs[i][1], pairs[i][0], this);
});
hide(HP, 'entries', function entries() { return this._pairs().values(); });
hide(HP, 'keys', function keys() { return this._pairs().map(function (p) { return p[0]; }).values(); });
hide(HP, 'values', function values() { return this._pairs().map(function (p) { return p[1]; }).values(); });
hide(HP, Symbol.iterator, HP.entries);
if (Symbol.toStringTag)
    Object.defineProperty(HP, Symbol.toStringTag, {value: 'Headers', configurable: true});
hide(global, 'Headers', Headers);

/* Build a Headers from the flat [name, value, ...] the C side delivers (no re-validation
   of what the parser already accepted, but the same normalisation). */
native.headersFromWire = function (flat) {
    var h = new Headers();
    for (var i = 0; i < flat.length; i += 2) {
        var k = flat[i].toLowerCase();
        if (!h._map[k]) { h._map[k] = []; h._names[k] = flat[i]; }
        h._map[k].push(flat[i + 1]);
    }
    h._guard = 'immutable';
    return h;
};
native.normHeaderName = normName;
