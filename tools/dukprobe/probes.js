// probes.js - the JavaScript half of the engine probes (tools/dukprobe/probe.c runs them).
// Each probe is a function (n) doing one operation n times in a loop; probe.c calls it with
// n and 2n and reports the difference per iteration, minus the empty loop ('loop'), so the
// figure is the cost of the operation alone. ES5, non-strict, like most of the scripts we run.
// The natives nativeNop (duk_push_c_function) and nativeObj.status (a duk_def_prop getter on
// a prototype) are registered by probe.c.
var PROBES = [];
function probe(name, fn) { PROBES.push([name, fn]); }
var sink;

probe('loop', function (n) {
    for (var i = 0; i < n; i++) { }
});
probe('arith_int', function (n) {
    var x = 0;
    for (var i = 0; i < n; i++) { x = x + i * 3 - 1; }
    sink = x;
});
probe('arith_double', function (n) {
    var x = 0.5;
    for (var i = 0; i < n; i++) { x = x * 1.000001 + 0.25; }
    sink = x;
});
function ident(a) { return a; }
probe('js_call', function (n) {
    for (var i = 0; i < n; i++) { ident(i); }
});
probe('closure', function (n) {
    var f;
    for (var i = 0; i < n; i++) { f = function (r) { return r + i; }; }
    sink = f;
});
probe('closure_named', function (n) {
    var f;
    for (var i = 0; i < n; i++) { f = function named(r) { return r + i; }; }
    sink = f;
});
probe('closure_strict', function (n) {
    'use strict';
    var f;
    for (var i = 0; i < n; i++) { f = function (r) { return r + i; }; }
    sink = f;
});
probe('native_call', function (n) {
    for (var i = 0; i < n; i++) { nativeNop(i); }
});
probe('native_getter', function (n) {
    var o = nativeObj, x;
    for (var i = 0; i < n; i++) { x = o.status; }
    sink = x;
});
probe('object_literal', function (n) {
    var o;
    for (var i = 0; i < n; i++) { o = { a: i, b: 2, c: 'x' }; }
    sink = o;
});
probe('prop_get_own', function (n) {
    var o = { a: 1, b: 2, c: 3, d: 4 }, x;
    for (var i = 0; i < n; i++) { x = o.c; }
    sink = x;
});
function Klass() { this.a = 1; }
Klass.prototype.m = function () { return 1; };
Klass.prototype.k = 5;
probe('prop_get_inherited', function (n) {
    var o = new Klass(), x;
    for (var i = 0; i < n; i++) { x = o.k; }
    sink = x;
});
probe('method_call', function (n) {
    var o = new Klass();
    for (var i = 0; i < n; i++) { o.m(); }
});
probe('prop_put_own', function (n) {
    var o = { a: 1, b: 2, c: 3, d: 4 };
    for (var i = 0; i < n; i++) { o.c = i; }
    sink = o;
});
probe('prop_get_12', function (n) {  // past the hash-part threshold (8 by default)
    var o = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, j: 9, k: 10, l: 11, m: 12 }, x;
    for (var i = 0; i < n; i++) { x = o.l; }
    sink = x;
});
probe('new_object', function (n) {
    var o;
    for (var i = 0; i < n; i++) { o = new Klass(); }
    sink = o;
});
probe('str_concat', function (n) {
    var s, h = 'content-type', v = 'text/plain';
    for (var i = 0; i < n; i++) { s = h + ': ' + v; }
    sink = s;
});
probe('num_to_str', function (n) {
    var s;
    for (var i = 0; i < n; i++) { s = 'k' + i; }
    sink = s;
});
probe('json_parse', function (n) {
    var t = '{"a":1,"b":"xy","c":[1,2,3],"d":true}', o;
    for (var i = 0; i < n; i++) { o = JSON.parse(t); }
    sink = o;
});
probe('json_stringify', function (n) {
    var o = { a: 1, b: 'xy', c: [1, 2, 3], d: true }, s;
    for (var i = 0; i < n; i++) { s = JSON.stringify(o); }
    sink = s;
});
probe('uint8array', function (n) {
    var u;
    for (var i = 0; i < n; i++) { u = new Uint8Array(16); }
    sink = u;
});
probe('try_catch', function (n) {
    var x = 0;
    for (var i = 0; i < n; i++) { try { x++; } catch (e) { x--; } }
    sink = x;
});
probe('throw_catch', function (n) {
    var x = 0, err = new Error('x');
    for (var i = 0; i < n; i++) { try { throw err; } catch (e) { x++; } }
    sink = x;
});
probe('array_push', function (n) {
    var a = [];
    for (var i = 0; i < n; i++) { a.push(i); if (a.length === 64) a = []; }
    sink = a;
});
probe('array_index', function (n) {
    var a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], x = 0;
    for (var i = 0; i < n; i++) { x = a[i & 15]; }
    sink = x;
});
// Async: n promise steps (then() plus one reaction job); probe.c runs the loop to drain them.
function step(v) { return v; }
probe('async_promise_step', function (n) {
    var p = Promise.resolve(0);
    for (var i = 0; i < n; i++) { p = p.then(step); }
});
