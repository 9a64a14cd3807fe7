// node: yes
// console formatting as Node prints the common cases.
console.log('top-level string', 42, -0, true, null, undefined);
console.log({ a: 1, 'b-c': 'two', nested: { deep: { deeper: { deepest: 1 } } }, arr: [1, 'x', [2, [3, [4]]]] });
console.log([]);
console.log({});
console.log([1, , 3]);
console.log(['it\'s', "say \"hi\"", 'line\nbreak']);
console.log(function named() {}, function () {});
console.log('%s is %d years and %i days, %f, %j %%', 'Bob', 42.5, 7.9, 1.5, { j: 1 });
var cyc = { name: 'cyc' };
cyc.self = cyc;
console.log(cyc);
console.log(new Uint8Array([1, 2, 3]));
console.log([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
console.log({ aaaaaaaaaaaa: 'aaaaaaaaaaaaaaaa', bbbbbbbbbbbb: 'bbbbbbbbbbbbbbbbbb', cccccccccc: 'cccccccccccccccccc' });
function Foo() { this.x = 1; }
console.log(new Foo());
console.log(Object.create(null));
console.log([undefined, null, NaN, Infinity]);
console.log(new Date(0));
console.log(/ab+c/gi);
console.log({ get g() { return 1; }, set s(v) {} });
