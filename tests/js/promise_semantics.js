// node: yes
// Promise semantics: combinators, AggregateError, finally, self-resolution, thenables
// that throw or call back twice, Promise.resolve identity, property attributes.
// Asynchronous results are printed sorted at the end, so timer jitter on a loaded (or
// sanitized) build cannot reorder the output.
var results = [];
var say = function (s) { results.push(s); };
function show(label) {
    return function (v) { say(label + ': ' + (v instanceof Error ? v.name + ' ' + v.message : JSON.stringify(v))); };
}
var tasks = [];
function later(v, ms, fail) {
    return new Promise(function (res, rej) { setTimeout(function () { (fail ? rej : res)(v); }, ms); });
}
tasks.push(Promise.all([1, later(2, 20), Promise.resolve(3)]).then(show('all')));
tasks.push(Promise.all([later(1, 30), later(new Error('e2'), 10, true)]).then(show('all?'), show('all rejects')));
tasks.push(Promise.all([]).then(show('all empty')));
tasks.push(Promise.all('ab').then(show('all string iterable')));
tasks.push(Promise.all(5).then(show('all?'), function (e) { say('all non-iterable: ' + e.name); }));
tasks.push(Promise.allSettled([1, Promise.reject(new Error('no'))]).then(function (r) {
    say('allSettled: ' + r[0].status + ' ' + r[0].value + ' ' + r[1].status + ' ' + r[1].reason.message);
}));
tasks.push(Promise.race([later('slow', 40), later('fast', 5)]).then(show('race')));
tasks.push(Promise.any([Promise.reject(1), later('any ok', 5)]).then(show('any')));
tasks.push(Promise.any([Promise.reject(new Error('a')), Promise.reject(new Error('b'))]).then(null, function (e) {
    say('any rejects: ' + e.name + ' ' + (e instanceof AggregateError) + ' ' + (e instanceof Error) +
                ' ' + e.errors.length + ' ' + e.message);
}));
tasks.push(Promise.any([]).then(null, function (e) { say('any empty: ' + e.name + ' ' + e.errors.length); }));
tasks.push(Promise.resolve(7).finally(function () { return 99; }).then(show('finally passes value')));
tasks.push(Promise.reject(new Error('r')).finally(function () {}).then(null, show('finally passes reason')));
tasks.push(Promise.resolve(1).finally(function () { throw new Error('from finally'); }).then(null, show('finally throws')));
tasks.push(Promise.resolve(1).finally(function () { return later(0, 10); }).then(show('finally waits')));
var self = new Promise(function (res) { setTimeout(function () { res(self); }, 0); });
tasks.push(self.then(null, function (e) { say('self-resolution: ' + e.name); }));
tasks.push(new Promise(function (res) { res({ then: function () { throw new Error('then threw'); } }); }).then(null, show('thenable throws')));
tasks.push(new Promise(function (res) {
    res({ then: function (f, r) { f('first'); f('second'); r(new Error('ignored')); } });
}).then(show('thenable calls twice')));
tasks.push(new Promise(function () { throw new Error('executor threw'); }).then(null, show('executor throws')));
var p = Promise.resolve(1);
console.log('resolve identity: ' + (Promise.resolve(p) === p));
console.log('lengths: ' + Promise.length + ' ' + Promise.prototype.then.length + ' ' + Promise.all.length + ' ' + Promise.prototype.catch.length);
console.log('names: ' + Promise.prototype.then.name + ' ' + Promise.all.name + ' ' + Promise.resolve.name + ' ' + Promise.prototype.finally.name);
console.log('enumerable: ' + Object.keys(Promise).length + ' ' + Object.keys(Promise.prototype).length);
console.log('toString: ' + Object.prototype.toString.call(p));
try { Promise(function () {}); } catch (e) { console.log('call without new: ' + e.name); }
try { new Promise(5); } catch (e) { console.log('non-callable executor: ' + e.name); }
Promise.all(tasks).then(function () { console.log(results.sort().join('\n')); console.log('done'); });
