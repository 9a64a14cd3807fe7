// node: yes
// Number semantics that our engine configuration must not change (DUK_USE_FASTINT keeps
// integers as 64-bit integers inside numbers, 48-bit signed range): negative zero, the edges
// of that range and overflow into doubles, division and remainder, conversions, and array
// and object indexing with computed keys.
function show(label, v) {
    console.log(label + ' ' + ((v === 0 && 1 / v < 0) ? '-0' : String(v)));
}
var zero = 0, one = 1, mone = -1;
show('0*-1', zero * mone);
show('-3*0', -3 * zero);
show('-0+0', -0 + zero);
show('-0-0', -0 - zero);
show('-(0)', -zero);
show('0/-5', zero / -5);
show('-5%5', -5 % 5);
show('5%-5', 5 % -5);
show('-7%3', -7 % 3);
show('7%-3', 7 % -3);
show('7.5%2', 7.5 % 2);
show('7/2', 7 / 2);
show('-7/2', -7 / 2);
show('6/3+0.5', 6 / 3 + 0.5);
show('1/0', one / zero);
show('-1/0', mone / zero);
show('0/0', zero / zero);
show('round(-0.4)', Math.round(-0.4));
show('ceil(-0.5)', Math.ceil(-0.5));
show('floor(-0.5)', Math.floor(-0.5));
show('max(-0,0)', Math.max(-0, 0));
show('min(0,-0)', Math.min(0, -0));
show('abs(-0)', Math.abs(-0));
show('Number(-0)', Number('-0'));
show('JSON.parse(-0)', JSON.parse('-0'));
show('stringify(-0)', JSON.stringify(-0));
show('(-0).toString', (-0).toString());
var top = 140737488355327;                       // 2^47 - 1, the largest fastint
show('2^47-1', top);
show('2^47-1+1', top + 1);
show('-(2^47-1)-2', -top - 2);
show('2^47*2', (top + 1) * 2);
show('2^47*2^47', (top + 1) * (top + 1));
show('(2^47-1)*(2^47-1)', top * top);
show('2^53+1', 9007199254740992 + one);
show('2^53-1+2', 9007199254740991 + 2);
show('hex 2^47', (top + 1).toString(16));
var x = 1, y = 1, s = 0, m = 3, i;
for (i = 0; i < 60; i++) x = x * 2;
for (i = 0; i < 60; i++) y = y + y;
for (i = 0; i < 100000; i++) s += i;
for (i = 0; i < 40; i++) m = m * 3 % 1000000007;
show('2^60 by *', x);
show('2^60 by +', y);
show('sum', s);
show('powmod', m);
show('(2^31)|0', (2147483647 + one) | 0);
show('-1>>>0', -1 >>> 0);
show('1<<31', 1 << 31);
show('~~-3.7', ~~-3.7);
show('0.1+0.2', 0.1 + 0.2);
show('3*0.5', 3 * 0.5);
show('toFixed', (1234567.891).toFixed(2));
show('1e21', 1e21);
show('++ past 2^53', (function () { var v = 9007199254740991; v++; v++; return v; })());
show('-- to -0?', (function () { var v = 1; v--; return 1 / v; })());
var a = [10, 20, 30, 40];
show('a[1+1]', a[1 + one]);
show('a[-0]', a[-0]);
show('a[3/2]', a[3 / 2]);
show('a[6/2]', a[6 / 2]);
show('a[2^47]', a[top + 1]);
var o = {};
o[-zero] = 'z';
o[1.5] = 'h';
o[top + 1] = 'big';
show('keys', Object.keys(o).join());
a[4294967295] = 'not an index';
show('length', a.length);
a[4294967294] = 'last index';
show('length2', a.length);
show('switch -0', (function (v) { switch (v) { case 0: return 'zero'; default: return 'other'; } })(-0));
show('-0 === 0', -0 === zero);
