// node: yes
// Promises and resolving functions are made with property tables sized exactly for what
// they hold (lib/engine/duk_ext.c: dx_table): properties that scripts add, delete, freeze or
// enumerate afterwards must behave as on any object, and the promise must still settle.
var log = [];
var res, rej;
var p = new Promise(function (a, b) {
    res = a; rej = b;
    a.x = 1; b.y = 2;
    for (var i = 0; i < 20; i++) a['k' + i] = i;
    delete a.name;
    log.push('resolve keys ' + Object.getOwnPropertyNames(a).length + ' name ' + JSON.stringify(a.name) +
             ' length ' + a.length + ' x ' + a.x + ' k19 ' + a.k19);
    log.push('reject keys ' + Object.getOwnPropertyNames(b).join() + ' y ' + b.y);
    Object.freeze(b);
    log.push('reject frozen ' + Object.isFrozen(b) + ' extensible ' + Object.isExtensible(b));
});
for (var j = 0; j < 12; j++) p['own' + j] = j;
Object.defineProperty(p, 'then', { value: Promise.prototype.then, enumerable: false, configurable: true });
log.push('promise keys ' + Object.keys(p).length + ' ' + Object.getOwnPropertyNames(p).length +
         ' symbols ' + Object.getOwnPropertySymbols(p).length);
delete p.own0;
Object.seal(p);
log.push('sealed ' + Object.isSealed(p));
res('value');
rej('ignored');
p.then(function (v) { log.push('fulfilled ' + v); });
// a promise frozen before it settles still settles (its state is not a property)
var q = new Promise(function (a) { Object.freeze(q2 = a); setTimeout(function () { a(7); }, 0); });
var q2;
Object.freeze(q);
q.then(function (v) { log.push('frozen promise fulfilled ' + v + ' frozen ' + Object.isFrozen(q)); });
// many promises at once, each with an extra property, resolved in reverse order
var fns = [], got = [];
for (var k = 0; k < 50; k++) {
    (function (k) {
        var r = new Promise(function (a) { fns.push(a); });
        r['tag' + (k % 3)] = k;
        r.then(function (v) { got.push(v === k && r['tag' + (k % 3)] === k); });
    })(k);
}
for (var m = fns.length - 1; m >= 0; m--) fns[m](m);
setTimeout(function () {
    log.push('50 promises ' + got.length + ' all ok ' + got.every(function (x) { return x; }));
    log.forEach(function (l) { console.log(l); });
}, 10);
