// node: yes
// JSON.stringify around DUK_USE_JSON_STRINGIFY_FASTPATH: a fast walk of plain objects,
// arrays and primitives that must give up, invisibly, on everything else (toJSON, getters,
// boxed values, holes with inherited values, replacers, indent, cycles).
function line(label, v) { console.log(label + ' ' + v); }
line('plain', JSON.stringify({ a: 1, b: 'x"y\n\\', c: [1, 2.5, -3], d: true, e: null, f: {} }));
line('control chars', JSON.stringify('\u0000\u001f\t\u00e9'));
line('undefined in object', JSON.stringify({ a: undefined, b: function () {}, c: 1 }));
line('undefined in array', JSON.stringify([undefined, function () {}, 1]));
line('top-level undefined', JSON.stringify(undefined));
line('numbers', JSON.stringify([NaN, Infinity, -Infinity, -0, 1e21, 0.1, 140737488355328]));
line('toJSON own', JSON.stringify({ a: { toJSON: function (k) { return 'key:' + k; } } }));
function T() {}
T.prototype.toJSON = function () { return 7; };
line('toJSON inherited', JSON.stringify([new T(), { t: new T() }]));
line('Date', JSON.stringify({ d: new Date(0) }));
line('getter', JSON.stringify({ get g() { return 'got'; }, h: 1 }));
line('boxed', JSON.stringify([new Number(3), new String('s'), new Boolean(false)]));
var sparse = [1];
sparse[3] = 4;
line('holes', JSON.stringify(sparse));
Array.prototype[1] = 'inherited';
line('hole with inherited value', JSON.stringify(sparse));
delete Array.prototype[1];
var withProps = [1, 2];
withProps.x = 3;
line('array extra props', JSON.stringify(withProps));
line('non-enumerable', JSON.stringify(Object.defineProperty({ a: 1 }, 'b', { value: 2 })));
line('inherited enumerable', JSON.stringify(Object.create({ p: 1 })));
line('index keys', JSON.stringify({ 0: 'a', 1: 'b' }));
line('indent', JSON.stringify({ a: [1, { b: 2 }], c: [] }, null, 2));
line('indent string', JSON.stringify([1, [2]], null, '--'));
line('replacer function', JSON.stringify({ a: 1, b: 2 }, function (k, v) {
    return k === 'a' ? undefined : v;
}));
line('replacer list', JSON.stringify({ a: 1, b: 2, c: 3 }, ['c', 'a']));
line('nested', JSON.stringify([[[[[[1, { a: [[]] }]]]]]]));
var cyc = {};
cyc.self = cyc;
try {
    JSON.stringify(cyc);
    line('cycle', 'no error');
} catch (e) {
    line('cycle', e instanceof TypeError);
}
var arr = [];
for (var i = 0; i < 1000; i++) arr.push(i % 7 ? i : { i: i, s: 'v' + i });
var text = JSON.stringify(arr);
line('large', text.length + ' ' + text.slice(0, 40));
line('round trip', JSON.stringify(JSON.parse(text)) === text);
