/*
 * 07-console.js - console.log/info/debug (stdout), warn/error/trace (stderr), assert, dir,
 * time/timeEnd, count, and native.inspect: values formatted as Node's util.inspect does
 * for the common cases - strings bare at top level and quoted inside objects, objects and
 * arrays to depth 2, long ones broken over lines, errors with their stack, cycles marked
 * <ref *1> / [Circular *1], typed arrays, ArrayBuffers, functions, symbols, dates, regexps.
 * lib/console.c writes the text (one write per call) and uses native.inspect to report
 * uncaught errors.
 */
var write = native.write;                  /* write(fd, text, level): one line (console.c) */
var hide = native.hide;
var toStr = Object.prototype.toString;
var IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
var BREAK = 80;

function quote(s) {
    var q = "'";
    if (s.indexOf("'") >= 0) {
        if (s.indexOf('"') < 0) q = '"';
        else if (s.indexOf('`') < 0) q = '`';
    }
    var out = q;
    for (var i = 0; i < s.length; i++) {
        var c = s.charAt(i), code = s.charCodeAt(i);
        if (c === q || c === '\\') out += '\\' + c;
        else if (c === '\n') out += '\\n';
        else if (c === '\t') out += '\\t';
        else if (c === '\r') out += '\\r';
        else if (c === '\b') out += '\\b';
        else if (c === '\f') out += '\\f';
        else if (c === '\v') out += '\\v';
        else if (code < 0x20 || code === 0x7f) out += '\\x' + (code < 16 ? '0' : '') + code.toString(16).toUpperCase();
        else out += c;
    }
    return out + q;
}

function fmtNumber(n) {
    return n === 0 && 1 / n < 0 ? '-0' : String(n);
}

function fnName(f) {
    var n = f.name;
    return n ? '[Function: ' + n + ']' : '[Function (anonymous)]';
}

function isError(v) {
    return v instanceof Error || toStr.call(v) === '[object Error]';
}

function isTyped(v) {
    var t = toStr.call(v);
    return /^\[object (Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64)Array\]$/.test(t);
}

function ctorName(v) {
    var p = Object.getPrototypeOf(v);
    if (p === null) return null;
    var c = p.constructor;
    return typeof c === 'function' && c.name ? c.name : '';
}

function key(k) {
    if (typeof k === 'symbol') return '[' + String(k) + ']';
    return IDENT.test(k) ? k : quote(k);
}

function errorText(e) {
    var stack = e.stack;
    if (typeof stack === 'string' && stack.length) return stack;
    return String(e);
}

/* Join entries Node's way: on one line if short enough, else one per line. */
function reduce(entries, open, close, indent, prefix, isArray) {
    var total = prefix.length + open.length + close.length;
    var multiline = false;
    for (var i = 0; i < entries.length; i++) {
        total += entries[i].length + 2;
        if (entries[i].indexOf('\n') >= 0) multiline = true;
    }
    if (!multiline && total + indent.length <= BREAK && (!isArray || entries.length <= 6 || total <= 72))
        return prefix + open + (entries.length ? ' ' + entries.join(', ') + ' ' : '') + close;
    if (isArray && !multiline && entries.length > 6) {
        var grouped = group(entries, indent);
        if (grouped) return prefix + open + '\n' + grouped + '\n' + indent + close;
    }
    var inner = indent + '  ';
    return prefix + open + '\n' + inner + entries.join(',\n' + inner) + '\n' + indent + close;
}

/* Node's groupArrayElements for arrays of short entries: columns, numbers right-aligned. */
function group(entries, indent) {
    var maxLen = 0, totalLen = 0, i;
    for (i = 0; i < entries.length; i++) {
        var len = entries[i].length;
        totalLen += len + 2;
        if (len > maxLen) maxLen = len;
    }
    var actualMax = maxLen + 2;
    if (actualMax * 3 + indent.length >= BREAK || (totalLen / actualMax <= 5 && maxLen > 6))
        return null;
    var approxCharHeights = 2.5, averageBias = Math.sqrt(actualMax - totalLen / entries.length);
    var biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    var columns = Math.min(Math.round(Math.sqrt(approxCharHeights * biasedMax * entries.length) / biasedMax),
                           Math.floor((BREAK - indent.length) / actualMax), 4 * approxCharHeights, 15);
    if (columns <= 1) return null;
    var widths = [];
    for (i = 0; i < columns; i++) {
        var w = 0;
        for (var j = i; j < entries.length; j += columns)
            if (entries[j].length > w) w = entries[j].length;
        widths.push(w + 2);
    }
    var numeric = true;
    for (i = 0; i < entries.length; i++)
        if (!/^-?[0-9.e+]+$|^NaN$|^-?Infinity$/.test(entries[i])) numeric = false;
    var lines = [], inner = indent + '  ';
    for (i = 0; i < entries.length; i += columns) {
        var max = Math.min(i + columns, entries.length), line = '';
        for (var k = i; k < max - 1; k++) {
            var cell = entries[k] + ', ';
            line += numeric ? pad(cell, widths[k - i], true) : pad(cell, widths[k - i], false);
        }
        var last = entries[max - 1];
        line += numeric ? pad(last, widths[max - 1 - i] - 2, true) : last;
        lines.push(inner + line);
    }
    return lines.join(',\n').replace(/, *,\n/g, ',\n');
}

function pad(s, w, left) {
    while (s.length < w) s = left ? ' ' + s : s + ' ';
    return s;
}

function inspect(v, opts) {
    var depth = opts && typeof opts.depth === 'number' ? opts.depth : 2;
    var seen = [], circular = [];
    var out = fmt(v, 0, '', true);
    return out;

    function fmt(val, level, indent, top) {
        switch (typeof val) {
        case 'string': return top ? val : quote(val);
        case 'number': return fmtNumber(val);
        case 'boolean': return String(val);
        case 'undefined': return 'undefined';
        case 'symbol': return String(val);
        }
        if (val === null) return 'null';
        if (typeof val === 'function' && !hasOwnKeys(val)) return fnName(val);
        if (isError(val)) {
            var extra = ownKeys(val).filter(function (k) { return k !== 'stack' && k !== 'message'; });
            var text = errorText(val);
            if (!extra.length || level > depth) return text;
            return text + ' ' + objectBody(val, extra, level, indent, '');
        }
        if (seen.indexOf(val) >= 0) {
            var idx = circular.indexOf(val);
            if (idx < 0) { circular.push(val); idx = circular.length - 1; }
            return '[Circular *' + (idx + 1) + ']';
        }
        var t = toStr.call(val);
        if (t === '[object Date]') return isNaN(val.getTime()) ? 'Invalid Date' : val.toISOString();
        if (t === '[object RegExp]') return String(val);
        if (t === '[object ArrayBuffer]') {
            var bytes = new Uint8Array(val), hex = [];
            for (var b = 0; b < bytes.length && b < 50; b++)
                hex.push((bytes[b] < 16 ? '0' : '') + bytes[b].toString(16));
            if (bytes.length > 50) hex.push('... ' + (bytes.length - 50) + ' more bytes');
            return 'ArrayBuffer { [Uint8Contents]: <' + hex.join(' ') + '>, byteLength: ' + bytes.length + ' }';
        }
        var res;
        seen.push(val);
        if (Array.isArray(val)) {
            if (level > depth) res = '[Array]';
            else res = arrayBody(val, level, indent, '');
        } else if (isTyped(val)) {
            var name = t.slice(8, -1);
            if (level > depth) res = '[' + name + ']';
            else res = arrayBody(val, level, indent, name + '(' + val.length + ') ');
        } else if (typeof val === 'function') {
            res = level > depth ? '[Function]' : objectBody(val, ownKeys(val), level, indent, fnName(val) + ' ');
        } else {
            var cn = ctorName(val), pre;
            if (val instanceof Promise) pre = 'Promise ';
            else if (cn === null) pre = '[Object: null prototype] ';
            else pre = cn && cn !== 'Object' ? cn + ' ' : '';
            if (level > depth) res = cn && cn !== 'Object' ? '[' + cn + ']' : '[Object]';
            else res = objectBody(val, ownKeys(val), level, indent, pre);
        }
        seen.pop();
        var ci = circular.indexOf(val);
        if (ci >= 0) res = '<ref *' + (ci + 1) + '> ' + res;
        return res;
    }

    function arrayBody(arr, level, indent, prefix) {
        var entries = [], holes = 0, n = arr.length, shown = Math.min(n, 100);
        for (var i = 0; i < shown; i++) {
            if (!(i in arr)) { holes++; continue; }
            if (holes) { entries.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>'); holes = 0; }
            entries.push(fmt(arr[i], level + 1, indent + '  ', false));
        }
        if (holes) entries.push('<' + holes + ' empty item' + (holes > 1 ? 's' : '') + '>');
        if (n > shown) entries.push('... ' + (n - shown) + ' more item' + (n - shown > 1 ? 's' : ''));
        if (!isTyped(arr)) {
            var keys = ownKeys(arr).filter(function (k) { return !/^(0|[1-9][0-9]*)$/.test(k) && k !== 'length'; });
            for (var j = 0; j < keys.length; j++) entries.push(prop(arr, keys[j], level, indent));
        }
        return reduce(entries, '[', ']', indent, prefix, true);
    }

    function objectBody(obj, keys, level, indent, prefix) {
        var entries = [];
        for (var i = 0; i < keys.length; i++) entries.push(prop(obj, keys[i], level, indent));
        if (!entries.length) {
            if (prefix === 'Promise ') return 'Promise {}';
            return prefix + '{}';
        }
        return reduce(entries, '{', '}', indent, prefix, false);
    }

    function prop(obj, k, level, indent) {
        var d = Object.getOwnPropertyDescriptor(obj, k), v;
        if (d && (d.get || d.set))
            v = d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : '[Setter]';
        else
            v = fmt(obj[k], level + 1, indent + '  ', false);
        return key(k) + ': ' + v;
    }
}

function ownKeys(o) {
    var keys = Object.keys(o);
    if (Object.getOwnPropertySymbols) {
        var syms = Object.getOwnPropertySymbols(o);
        for (var i = 0; i < syms.length; i++) {
            var d = Object.getOwnPropertyDescriptor(o, syms[i]);
            if (d && d.enumerable) keys.push(syms[i]);
        }
    }
    return keys;
}

function hasOwnKeys(o) {
    return ownKeys(o).length > 0;
}

/* util.format: %s %d %i %f %j %o %O %c %% */
function format(args) {
    var first = args[0], i = 1, out;
    if (typeof first !== 'string') {
        i = 0;
        out = '';
    } else if (first.indexOf('%') < 0 || args.length === 1) {
        out = first;
    } else {
        out = '';
        for (var p = 0; p < first.length; p++) {
            var c = first.charAt(p);
            if (c !== '%' || p + 1 >= first.length) { out += c; continue; }
            var f = first.charAt(p + 1);
            if (f === '%') { out += '%'; p++; continue; }
            if ('sdifjoOc'.indexOf(f) < 0) { out += c; continue; }
            p++;
            if (f === 'c') { i++; continue; }
            if (i >= args.length) { out += '%' + f; continue; }
            var a = args[i++];
            if (f === 's') out += typeof a === 'string' ? a : typeof a === 'object' && a !== null ? inspect(a, {depth: 1}) : fmtNumber(a) === '-0' ? '-0' : String(a);
            else if (f === 'd' || f === 'i') out += typeof a === 'object' ? 'NaN' : fmtNumber(f === 'i' ? parseInt(a, 10) : Number(a));
            else if (f === 'f') out += fmtNumber(parseFloat(a));
            else if (f === 'j') { try { out += JSON.stringify(a); } catch (e) { out += '[Circular]'; } }
            else out += inspect(a, {depth: f === 'o' ? 4 : 2});
        }
    }
    for (; i < args.length; i++)
        out += (out.length || i > 0 ? ' ' : '') + (typeof args[i] === 'string' ? args[i] : inspect(args[i]));
    return out;
}

var counts = {}, timers = {};
var console_ = {
    log: function log() { write(1, format(arguments)); },
    info: function info() { write(1, format(arguments), 2); },
    debug: function debug() { write(1, format(arguments), 3); },
    warn: function warn() { write(2, format(arguments), 4); },
    error: function error() { write(2, format(arguments), 5); },
    trace: function trace() {
        var e = new Error(format(arguments));
        write(2, 'Trace: ' + (e.stack || e.message).replace(/^Error: /, ''), 6);
    },
    dir: function dir(v, opts) { write(1, inspect(v, opts)); },
    assert: function assert(cond) {
        if (cond) return;
        var rest = Array.prototype.slice.call(arguments, 1);
        write(2, 'Assertion failed' + (rest.length ? ': ' + format(rest) : ''), 5);
    },
    count: function count(label) {
        label = label === undefined ? 'default' : String(label);
        counts[label] = (counts[label] || 0) + 1;
        write(1, label + ': ' + counts[label]);
    },
    countReset: function countReset(label) { counts[label === undefined ? 'default' : String(label)] = 0; },
    time: function time(label) { timers[label === undefined ? 'default' : String(label)] = Date.now(); },
    timeEnd: function timeEnd(label) {
        label = label === undefined ? 'default' : String(label);
        if (timers[label] === undefined) return;
        write(1, label + ': ' + (Date.now() - timers[label]) + 'ms');
        delete timers[label];
    },
    timeLog: function timeLog(label) {
        label = label === undefined ? 'default' : String(label);
        if (timers[label] !== undefined) write(1, label + ': ' + (Date.now() - timers[label]) + 'ms');
    }
};
hide(global, 'console', console_);
native.inspect = inspect;
