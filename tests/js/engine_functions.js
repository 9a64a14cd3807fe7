// node: yes
// Function objects and property tables as our engine configuration builds them (closure
// creation copies a template's properties; tables grow by larger steps than Duktape's
// default): named function expressions, name, length, prototype, captured variables, and
// objects grown, shrunk and regrown property by property keep their order and values.
function line(label, v) { console.log(label + ' ' + v); }
var fact = function named(n) { return n ? n * named(n - 1) : 1; };
line('named recursion', fact(5));
line('name', fact.name);
function decl(a, b, c) { return a; }
line('declared name', decl.name);
line('length', decl.length + ' ' + (function () {}).length);
line('prototype.constructor', decl.prototype.constructor === decl);
line('prototype keys', Object.getOwnPropertyNames(decl.prototype).join());
line('own keys', Object.keys(decl).length);
var fs = [];
for (var i = 0; i < 3; i++) fs.push((function (j) { return function () { return j * 10; }; })(i));
line('captured', fs.map(function (h) { return h(); }).join());
var counter = (function () { var c = 0; return { inc: function () { return ++c; } }; })();
counter.inc();
line('closure state', counter.inc());
line('distinct closures', fs[0] !== fs[1] && fs[0].prototype !== fs[1].prototype);
var o = {};
for (i = 0; i < 40; i++) o['k' + i] = i;
for (i = 0; i < 40; i += 3) delete o['k' + i];
o.k0 = 'again';
line('keys', Object.keys(o).join());
var sum = 0;
for (var k in o) sum += typeof o[k] === 'number' ? o[k] : 0;
line('sum', sum);
var small = {};
small.a = 1; small.b = 2; small.c = 3; small.d = 4; small.e = 5; small.f = 6;
delete small.b;
small.g = 7;
line('small', JSON.stringify(small));
function Point(x, y) { this.x = x; this.y = y; this.z = x + y; this.w = 0; this.v = 1; this.u = 2; }
var p = new Point(1, 2);
line('constructed', JSON.stringify(p) + ' ' + (p instanceof Point));
line('strict caller', (function () {
    'use strict';
    var h = function () {};
    try { return String(h.caller); } catch (e) { return e instanceof TypeError; }
})());
