// node: yes
// new Promise(executor) gives an executor that declares fewer than two parameters and has no
// `arguments` object only the functions it can see (lib/engine/promise.c). Nothing a script
// can observe may change: a throw rejects unless resolve was used first, `arguments` and a
// direct eval still see both functions, and a bound or native executor gets both.
function show(label, p) {
    return p.then(function (v) { console.log(label + ': fulfilled ' + v); },
                  function (e) { console.log(label + ': rejected ' + (e && e.message || e)); });
}
var steps = [
    function () { return show('one parameter', new Promise(function (res) { res(1); })); },
    function () { return show('resolve then throw', new Promise(function (res) { res(2); throw new Error('late'); })); },
    function () { return show('throw before resolve', new Promise(function (res) { throw new Error('early'); })); },
    function () { return show('no parameters, throw', new Promise(function () { throw new Error('none'); })); },
    function () {
        var p = new Promise(function () {});
        var settled = false;
        p.then(function () { settled = true; }, function () { settled = true; });
        return new Promise(function (res) { setTimeout(res, 10); }).then(function () {
            console.log('no parameters, no throw: pending ' + !settled);
        });
    },
    function () { return show('arguments[1]', new Promise(function (res) { arguments[1](new Error('via arguments')); })); },
    function () { return show('arguments.length', new Promise(function (res) { res(arguments.length); })); },
    function () { return show('direct eval', new Promise(function (res) { eval('arguments[1]')(new Error('via eval')); })); },
    function () {
        var seen;
        return show('resolve seen', new Promise(function (res) { seen = res; res(typeof res + ' ' + res.length + ' "' + res.name + '"'); }));
    },
    function () {
        var fn = function (a, b) { b(new Error('bound ' + this.tag)); };
        return show('bound executor', new Promise(fn.bind({ tag: 'this' })));
    },
    function () { return show('two parameters, reject', new Promise(function (res, rej) { rej(new Error('two')); })); },
    function () {
        return show('resolve with a thenable, then throw', new Promise(function (res) {
            res({ then: function (f) { f('adopted'); } });
            throw new Error('ignored');
        }));
    },
    function () {
        return show('a parameter named arguments', new Promise(function (arguments) { arguments('shadowed'); }));
    }
];
var chain = Promise.resolve();
steps.forEach(function (s) { chain = chain.then(s); });
