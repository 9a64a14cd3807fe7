/*
 * 20-url.js - URL and URLSearchParams after the WHATWG URL standard, for the special
 * schemes fetch meets (http, https; ws, wss, ftp and file parse too) and opaque-path URLs
 * (mailto:, data:) well enough to be rejected cleanly by fetch. Host parsing covers
 * lower-casing, forbidden code points, IPv4 in all its numeric forms (127.1, 0x7f.1,
 * 2130706433) and IPv6 with compression; paths are normalised (., .., backslashes in
 * special schemes) and every component is percent-encoded with its own set.
 * Not covered (docs/fetch.md): IDNA/punycode for non-ASCII host names (rejected).
 */
var hide = native.hide;
var SPECIAL = {'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21, 'file:': null};

function pctEncode(s, set) {
    var out = '';
    for (var i = 0; i < s.length; i++) {
        var c = s.charCodeAt(i);
        var ch = s.charAt(i);
        if (c < 0x21 || c > 0x7e || set.indexOf(ch) >= 0) {
            var d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
            if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
                ch = s.substr(i, 2);       /* a surrogate pair: one code point */
                i++;
            }
            /* a lone surrogate is U+FFFD (UTF-8 has no encoding for it) */
            var lone = ch.length === 1 && c >= 0xd800 && c <= 0xdfff;
            var bytes = unescape(encodeURIComponent(lone ? '\ufffd' : ch));
            for (var b = 0; b < bytes.length; b++) {
                var h = bytes.charCodeAt(b).toString(16).toUpperCase();
                out += '%' + (h.length < 2 ? '0' : '') + h;
            }
        } else {
            out += ch;
        }
    }
    return out;
}
var FRAGMENT_SET = ' "<>`';
var QUERY_SET = ' "#<>';
var SPECIAL_QUERY_SET = ' "#<>\'';
var PATH_SET = ' "#<>?`{}';
var USERINFO_SET = ' "#<>?`{}/:;=@[\\]^|';

function parseIPv4Number(s) {
    if (s === '') return NaN;
    var radix = 10;
    if (/^0[xX]/.test(s)) { s = s.slice(2); radix = 16; }
    else if (s.length > 1 && s.charAt(0) === '0') { s = s.slice(1); radix = 8; }
    if (s === '') return 0;
    var re = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    if (!re.test(s)) return NaN;
    return parseInt(s, radix);
}

function parseIPv4(host) {
    var parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    var nums = [];
    for (var i = 0; i < parts.length; i++) {
        var n = parseIPv4Number(parts[i]);
        if (isNaN(n)) return null;
        nums.push(n);
    }
    for (i = 0; i < nums.length - 1; i++)
        if (nums[i] > 255) throw new TypeError('Invalid URL');
    if (nums[nums.length - 1] >= Math.pow(256, 5 - nums.length)) throw new TypeError('Invalid URL');
    var ipv4 = nums[nums.length - 1];
    for (i = 0; i < nums.length - 1; i++) ipv4 += nums[i] * Math.pow(256, 3 - i);
    var out = [];
    for (i = 0; i < 4; i++) { out.unshift(String(ipv4 % 256)); ipv4 = Math.floor(ipv4 / 256); }
    return out.join('.');
}

function endsInNumber(host) {
    var parts = host.split('.');
    if (parts[parts.length - 1] === '') {
        if (parts.length === 1) return false;
        parts.pop();
    }
    var last = parts[parts.length - 1];
    return /^[0-9]+$/.test(last) || /^0[xX][0-9a-fA-F]*$/.test(last);
}

function parseIPv6(s) {
    var pieces = [0, 0, 0, 0, 0, 0, 0, 0], idx = 0, compress = -1, i = 0;
    if (s.charAt(0) === ':') {
        if (s.charAt(1) !== ':') throw new TypeError('Invalid URL');
        i = 2; idx = 1; compress = 1;
    }
    while (i < s.length) {
        if (idx === 8) throw new TypeError('Invalid URL');
        if (s.charAt(i) === ':') {
            if (compress >= 0) throw new TypeError('Invalid URL');
            i++; idx++; compress = idx;
            continue;
        }
        var value = 0, len = 0;
        while (len < 4 && i < s.length && /[0-9a-fA-F]/.test(s.charAt(i))) {
            value = value * 16 + parseInt(s.charAt(i), 16);
            i++; len++;
        }
        if (s.charAt(i) === '.') {
            if (len === 0 || idx > 6) throw new TypeError('Invalid URL');
            i -= len;
            var v4 = s.slice(i).split('.');
            if (v4.length !== 4) throw new TypeError('Invalid URL');
            for (var k = 0; k < 4; k++)
                if (!/^(0|[1-9][0-9]{0,2})$/.test(v4[k]) || +v4[k] > 255) throw new TypeError('Invalid URL');
            pieces[idx++] = +v4[0] * 256 + +v4[1];
            pieces[idx++] = +v4[2] * 256 + +v4[3];
            i = s.length;
            break;
        }
        if (s.charAt(i) === ':') {
            i++;
            if (i >= s.length) throw new TypeError('Invalid URL');
        } else if (i < s.length) {
            throw new TypeError('Invalid URL');
        }
        pieces[idx++] = value;
    }
    if (compress >= 0) {
        var swaps = idx - compress;
        idx = 7;
        while (idx !== 0 && swaps > 0) {
            var t = pieces[compress + swaps - 1];
            pieces[compress + swaps - 1] = pieces[idx];
            pieces[idx] = t;
            idx--; swaps--;
        }
    } else if (idx !== 8) {
        throw new TypeError('Invalid URL');
    }
    /* serialize: compress the longest run of zeros (length > 1) */
    var best = -1, bestLen = 1, cur = -1, curLen = 0;
    for (i = 0; i < 8; i++) {
        if (pieces[i] === 0) {
            if (cur < 0) { cur = i; curLen = 1; } else curLen++;
            if (curLen > bestLen) { best = cur; bestLen = curLen; }
        } else cur = -1;
    }
    var out = '';
    for (i = 0; i < 8; i++) {
        if (i === best) { out += i === 0 ? '::' : ':'; i += bestLen - 1; continue; }
        out += pieces[i].toString(16) + (i < 7 ? ':' : '');
    }
    return '[' + out + ']';
}

function parseHost(input, special) {
    if (input.charAt(0) === '[') {
        if (input.charAt(input.length - 1) !== ']') throw new TypeError('Invalid URL');
        return parseIPv6(input.slice(1, -1));
    }
    if (!special) {
        if (/[\u0000\t\n\r #\/:<>?@[\\\]^|]/.test(input)) throw new TypeError('Invalid URL');
        return pctEncode(input, '');
    }
    var host;
    try {
        host = decodeURIComponent(input);
    } catch (e) {
        host = input;
    }
    host = host.toLowerCase();
    if (host === '' || /[\u0000-\u0020#%\/:<>?@[\\\]^|\u007f]/.test(host)) throw new TypeError('Invalid URL');
    if (/[^\u0000-\u007f]/.test(host)) throw new TypeError('Invalid URL');
    if (endsInNumber(host)) {
        var v4 = parseIPv4(host);
        if (v4 === null) throw new TypeError('Invalid URL');
        return v4;
    }
    return host;
}

function normalizePath(segments, special) {
    var out = [];
    for (var i = 0; i < segments.length; i++) {
        var s = segments[i], low = s.toLowerCase();
        var last = i === segments.length - 1;
        if (low === '..' || low === '.%2e' || low === '%2e.' || low === '%2e%2e') {
            if (out.length) out.pop();
            if (last) out.push('');
        } else if (low === '.' || low === '%2e') {
            if (last) out.push('');
        } else {
            out.push(pctEncode(s, PATH_SET));
        }
    }
    return out;
}

/* Parse input against an optional base record; returns a record or throws TypeError. */
function parse(input, base) {
    input = String(input).replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
    var r = {scheme: '', username: '', password: '', host: null, port: null, path: [],
             opaque: null, query: null, fragment: null};
    var m = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(input), rest;
    if (m) {
        r.scheme = m[1].toLowerCase() + ':';
        rest = input.slice(m[0].length);
    } else {
        if (!base) throw new TypeError('Invalid URL');
        if (base.opaque !== null) {
            if (input.charAt(0) !== '#') throw new TypeError('Invalid URL');
            var copy = clone(base);
            copy.fragment = pctEncode(input.slice(1), FRAGMENT_SET);
            return copy;
        }
        r.scheme = base.scheme;
        rest = input;
        m = null;
    }
    var special = SPECIAL.hasOwnProperty(r.scheme);
    if (special) rest = rest.replace(/\\/g, '/');
    /* fragment and query come off the end first */
    var hashAt = rest.indexOf('#');
    if (hashAt >= 0) {
        r.fragment = pctEncode(rest.slice(hashAt + 1), FRAGMENT_SET);
        rest = rest.slice(0, hashAt);
    }
    var qAt = rest.indexOf('?');
    if (qAt >= 0) {
        r.query = pctEncode(rest.slice(qAt + 1), special ? SPECIAL_QUERY_SET : QUERY_SET);
        rest = rest.slice(0, qAt);
    }
    var sameBase = base && base.scheme === r.scheme;
    if (m && special && sameBase && rest.slice(0, 2) !== '//') {
        m = null;                          /* "http:foo" relative to an http base */
    }
    if (!special && rest.slice(0, 2) !== '//' && (m || !base) && rest.charAt(0) !== '/') {
        r.opaque = pctEncode(rest, '');    /* mailto:x, data:... */
        return r;
    }
    if (special ? (m && !sameBase) || rest.slice(0, 2) === '//' || (m && rest.charAt(0) !== '/' && !base)
                : rest.slice(0, 2) === '//') {
        if (special && rest.slice(0, 2) !== '//' && m) {
            rest = '//' + rest.replace(/^\/*/, '');
        }
        /* authority */
        /* special schemes ignore any number of slashes; others have exactly "//" */
        rest = special ? rest.replace(/^\/+/, '') : rest.slice(2);
        var slash = rest.indexOf('/');
        var auth = slash >= 0 ? rest.slice(0, slash) : rest;
        rest = slash >= 0 ? rest.slice(slash) : '';
        var at = auth.lastIndexOf('@');
        if (at >= 0) {
            var cred = auth.slice(0, at), colon = cred.indexOf(':');
            r.username = pctEncode(colon >= 0 ? cred.slice(0, colon) : cred, USERINFO_SET);
            r.password = colon >= 0 ? pctEncode(cred.slice(colon + 1), USERINFO_SET) : '';
            auth = auth.slice(at + 1);
        }
        var pm = /:([0-9]*)$/.exec(auth);
        if (pm && auth.charAt(0) === '[' && auth.lastIndexOf(']') > pm.index) pm = null;
        if (pm) {
            auth = auth.slice(0, pm.index);
            if (pm[1] !== '') {
                var port = parseInt(pm[1], 10);
                if (port > 65535) throw new TypeError('Invalid URL');
                r.port = SPECIAL[r.scheme] === port ? null : port;
            }
        } else if (/:/.test(auth) && auth.charAt(0) !== '[') {
            throw new TypeError('Invalid URL');
        }
        if (auth === '' && special && r.scheme !== 'file:') throw new TypeError('Invalid URL');
        r.host = r.scheme === 'file:' && auth === 'localhost' ? '' : parseHost(auth, special);
        r.path = normalizePath(rest === '' ? (special ? [''] : []) : rest.slice(1).split('/'), special);
        if (special && r.path.length === 0) r.path = [''];
        return r;
    }
    if (!special && m) {
        /* "foo:/p": a scheme of its own and a path without a host; never the base's */
        r.path = normalizePath(rest.slice(1).split('/'), false);
        return r;
    }
    /* relative to base */
    r.username = base.username;
    r.password = base.password;
    r.host = base.host;
    r.port = base.port;
    if (rest === '') {
        r.path = base.path.slice();
        if (qAt < 0) r.query = base.query;
    } else if (rest.charAt(0) === '/') {
        r.path = normalizePath(rest.slice(1).split('/'), special);
    } else {
        var segs = base.path.slice(0, Math.max(base.path.length - 1, 0)).concat(rest.split('/'));
        r.path = normalizePath(segs, special);
    }
    return r;
}

function clone(r) {
    return {scheme: r.scheme, username: r.username, password: r.password, host: r.host,
            port: r.port, path: r.path.slice(), opaque: r.opaque, query: r.query,
            fragment: r.fragment};
}

function serializeHost(r) {
    return r.host === null ? '' : r.host + (r.port === null ? '' : ':' + r.port);
}

function pathString(r, inHref) {
    if (r.opaque !== null) return r.opaque;
    /* in href, "/." keeps a host-less "//x" path from reading as an authority */
    var dot = inHref && r.host === null && r.path.length > 1 && r.path[0] === '' ? '/.' : '';
    return r.path.length ? dot + '/' + r.path.join('/') : '';
}

function href(r) {
    var s = r.scheme;
    if (r.host !== null) {
        s += '//';
        if (r.username !== '' || r.password !== '')
            s += r.username + (r.password !== '' ? ':' + r.password : '') + '@';
        s += serializeHost(r);
    }
    s += pathString(r, true);
    if (r.query !== null) s += '?' + r.query;
    if (r.fragment !== null) s += '#' + r.fragment;
    return s;
}

/* Parses of absolute URLs, remembered: a fetch() parses its URL three times (Request,
   its href, fetch itself) and scripts fetch the same URLs again and again. Records are
   cloned in and out, so nobody shares one. */
var parseCache = {}, parseCacheSize = 0;
function parseAbsolute(input) {
    var key = '#' + input;
    var hit = parseCache[key];
    if (hit) return clone(hit);
    var r = parse(input, null);
    if (parseCacheSize >= 256) {
        parseCache = {};
        parseCacheSize = 0;
    }
    parseCache[key] = clone(r);
    parseCacheSize++;
    return r;
}

function URL(url, base) {
    if (!(this instanceof URL)) throw new TypeError("Class constructor URL cannot be invoked without 'new'");
    var b = null;
    if (base !== undefined) b = parse(String(base instanceof URL ? base.href : base), null);
    var r;
    try {
        r = b ? parse(url instanceof URL ? url.href : url, b) : parseAbsolute(String(url instanceof URL ? url.href : url));
    } catch (e) {
        var err = new TypeError('Invalid URL');
        err.code = 'ERR_INVALID_URL';
        err.input = String(url);
        throw err;
    }
    hide(this, '_r', r);
    hide(this, '_sp', null);
}

function accessor(name, get, set) {
    Object.defineProperty(URL.prototype, name, {get: get, set: set, enumerable: true, configurable: true});
}
accessor('href', function () { return href(this._r); }, function (v) {
    var r = parse(String(v), null);
    this._r = r;
    if (this._sp) this._sp._reset(r.query || '');
});
accessor('origin', function () {
    var r = this._r;
    return SPECIAL.hasOwnProperty(r.scheme) && r.scheme !== 'file:' ? r.scheme + '//' + serializeHost(r) : 'null';
});
accessor('protocol', function () { return this._r.scheme; }, function (v) {
    var s = String(v).replace(/:.*$/, '').toLowerCase() + ':';
    if (/^[a-z][a-z0-9+.\-]*:$/.test(s) && SPECIAL.hasOwnProperty(s) === SPECIAL.hasOwnProperty(this._r.scheme)) {
        this._r.scheme = s;
        if (this._r.port === SPECIAL[s]) this._r.port = null;
    }
});
accessor('username', function () { return this._r.username; }, function (v) {
    if (this._r.host) this._r.username = pctEncode(String(v), USERINFO_SET);
});
accessor('password', function () { return this._r.password; }, function (v) {
    if (this._r.host) this._r.password = pctEncode(String(v), USERINFO_SET);
});
accessor('host', function () { return serializeHost(this._r); }, function (v) {
    try {
        var t = parse(this._r.scheme + '//' + String(v), null);
        this._r.host = t.host;
        if (/:[0-9]+$/.test(String(v))) this._r.port = t.port;
    } catch (e) { /* ignored, as the setter does */ }
});
accessor('hostname', function () { return this._r.host === null ? '' : this._r.host; }, function (v) {
    try { this._r.host = parse(this._r.scheme + '//' + String(v), null).host; } catch (e) { /* ignored */ }
});
accessor('port', function () { return this._r.port === null ? '' : String(this._r.port); }, function (v) {
    v = String(v);
    if (v === '') { this._r.port = null; return; }
    var m = /^[0-9]+/.exec(v);
    if (m && +m[0] <= 65535) this._r.port = SPECIAL[this._r.scheme] === +m[0] ? null : +m[0];
});
accessor('pathname', function () { return pathString(this._r); }, function (v) {
    if (this._r.opaque !== null) return;
    v = String(v);
    if (SPECIAL.hasOwnProperty(this._r.scheme)) v = v.replace(/\\/g, '/');
    this._r.path = normalizePath(v.replace(/^\//, '').split('/'), true);
});
accessor('search', function () {
    return this._r.query === null || this._r.query === '' ? '' : '?' + this._r.query;
}, function (v) {
    v = String(v).replace(/^\?/, '');
    this._r.query = v === '' ? null : pctEncode(v, SPECIAL.hasOwnProperty(this._r.scheme) ? SPECIAL_QUERY_SET : QUERY_SET);
    if (this._sp) this._sp._reset(v);
});
accessor('hash', function () {
    return this._r.fragment === null || this._r.fragment === '' ? '' : '#' + this._r.fragment;
}, function (v) {
    v = String(v).replace(/^#/, '');
    this._r.fragment = v === '' ? null : pctEncode(v, FRAGMENT_SET);
});
accessor('searchParams', function () {
    if (!this._sp) {
        var self = this;
        this._sp = new URLSearchParams(this._r.query || '');
        this._sp._url = function (q) { self._r.query = q === '' ? null : q; };
    }
    return this._sp;
});
hide(URL.prototype, 'toString', function toString() { return this.href; });
hide(URL.prototype, 'toJSON', function toJSON() { return this.href; });
hide(URL, 'canParse', function canParse(url, base) {
    try { new URL(url, base); return true; } catch (e) { return false; }
});
hide(global, 'URL', URL);
native.parseURL = parse;
native.hrefOf = href;

/* ---- URLSearchParams ---- */

function formDecode(s) {
    try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch (e) {
        return s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, function (m, h) {
            return String.fromCharCode(parseInt(h, 16));
        });
    }
}

function formEncode(s) {
    return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, function (c) {
        return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
}

function URLSearchParams(init) {
    if (!(this instanceof URLSearchParams))
        throw new TypeError("Class constructor URLSearchParams cannot be invoked without 'new'");
    hide(this, '_list', []);
    hide(this, '_url', null);
    if (init === undefined || init === null) return;
    if (typeof init === 'object' || typeof init === 'function') {
        var list = this._list;
        if (typeof init[Symbol.iterator] === 'function') {
            native.iterate(init, function (pair) {
                var p = [];
                native.iterate(pair, function (x) { p.push(x); });
                if (p.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
                list.push([String(p[0]), String(p[1])]);
            });
        } else {
            Object.keys(init).forEach(function (k) { list.push([k, String(init[k])]); });
        }
        return;
    }
    this._reset(String(init).replace(/^\?/, ''));
}
var USP = URLSearchParams.prototype;
hide(USP, '_reset', function (s) {
    var list = [];
    s.split('&').forEach(function (part) {
        if (part === '') return;
        var eq = part.indexOf('=');
        list.push(eq >= 0 ? [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]
                          : [formDecode(part), '']);
    });
    this._list = list;
});
hide(USP, '_update', function () { if (this._url) this._url(this.toString()); });
hide(USP, 'append', function append(n, v) {
    if (arguments.length < 2) throw new TypeError('The "name" and "value" arguments must be specified');
    this._list.push([String(n), String(v)]);
    this._update();
});
hide(USP, 'delete', function (n, v) {
    n = String(n);
    this._list = this._list.filter(function (p) { return !(p[0] === n && (v === undefined || p[1] === String(v))); });
    this._update();
});
hide(USP, 'get', function get(n) {
    n = String(n);
    for (var i = 0; i < this._list.length; i++) if (this._list[i][0] === n) return this._list[i][1];
    return null;
});
hide(USP, 'getAll', function getAll(n) {
    n = String(n);
    return this._list.filter(function (p) { return p[0] === n; }).map(function (p) { return p[1]; });
});
hide(USP, 'has', function has(n, v) {
    n = String(n);
    return this._list.some(function (p) { return p[0] === n && (v === undefined || p[1] === String(v)); });
});
hide(USP, 'set', function set(n, v) {
    n = String(n); v = String(v);
    var found = false;
    this._list = this._list.filter(function (p) {
        if (p[0] !== n) return true;
        if (found) return false;
        found = true;
        p[1] = v;
        return true;
    });
    if (!found) this._list.push([n, v]);
    this._update();
});
hide(USP, 'sort', function sort() {
    var indexed = this._list.map(function (p, i) { return [p, i]; });
    indexed.sort(function (a, b) {
        return a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1];
    });
    this._list = indexed.map(function (x) { return x[0]; });
    this._update();
});
hide(USP, 'forEach', function forEach(fn, thisArg) {
    for (var i = 0; i < this._list.length; i++) fn.call(thisArg, this._list[i][1], this._list[i][0], this);
});
hide(USP, 'toString', function toString() {
    return this._list.map(function (p) { return formEncode(p[0]) + '=' + formEncode(p[1]); }).join('&');
});
hide(USP, 'entries', function entries() { return this._list.map(function (p) { return [p[0], p[1]]; }).values(); });
hide(USP, 'keys', function keys() { return this._list.map(function (p) { return p[0]; }).values(); });
hide(USP, 'values', function values() { return this._list.map(function (p) { return p[1]; }).values(); });
hide(USP, Symbol.iterator, USP.entries);
Object.defineProperty(USP, 'size', {get: function () { return this._list.length; }, configurable: true});
hide(global, 'URLSearchParams', URLSearchParams);
