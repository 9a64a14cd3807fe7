// node: yes
// URLSearchParams after the URL standard: the application/x-www-form-urlencoded parser
// (bytes percent-decoded, then UTF-8 with U+FFFD for invalid sequences; '+' is a space),
// the serializer, USVString conversion (lone surrogates become U+FFFD), every constructor
// form, delete/has with a value, sort by UTF-16 code units (stable), live iterators and
// forEach, the link with URL in both directions, and the class checks.
function codes(s) {
    var out = [];
    for (var i = 0; i < s.length; i++) out.push(s.charCodeAt(i).toString(16));
    return out.join(' ');
}
var p = new URLSearchParams('a=%FF&b=%C3%A9&c=%E2%82&d=+x+&%zz=%&e=%41%2b');
p.forEach(function (v, k) { console.log(JSON.stringify(k) + ' = ' + JSON.stringify(v) + ' [' + codes(v) + ']'); });
console.log(p.toString());
console.log(new URLSearchParams('?a=1&&b=2&=3&c').toString(), new URLSearchParams('??a=1').toString());
console.log(new URLSearchParams([['\ud800', 'x\udc00y'], ['\ud83d\ude00', '']]).toString());
console.log(codes(new URLSearchParams({'\ud800': '1'}).keys().next().value));
console.log(new URLSearchParams({b: 'B', a: 'A', 1: 'one'}).toString());
console.log(new URLSearchParams(new URLSearchParams('x=1&x=2')).toString());
var iterable = {};                         /* any iterable of pairs, each itself iterable */
iterable[Symbol.iterator] = function () { return [['m', '1'], ['n', '2']][Symbol.iterator](); };
console.log(new URLSearchParams(iterable).toString());
[function () { return new URLSearchParams([['a']]); },
 function () { return new URLSearchParams([['a', 'b', 'c']]); },
 function () { return new URLSearchParams([1]); },
 function () { return URLSearchParams(''); },
 function () { return new URLSearchParams().append('a'); },
 function () { return new URLSearchParams().get(); },
 function () { return URLSearchParams.prototype.get.call({}, 'a'); },
 function () { return Object.getOwnPropertyDescriptor(URLSearchParams.prototype, 'size').get.call({}); },
 function () { return URLSearchParams.prototype.keys.call(new URL('http://h/')); }].forEach(function (f, i) {
    try { f(); console.log(i + ' no error?!'); } catch (e) { console.log(i + ' ' + e.name); }
});
var q = new URLSearchParams('a=1&b=2&a=3&a=1');
console.log(q.has('a', '3'), q.has('a', '4'), q.has('a'), q.has('a', undefined), q.getAll('a').join());
q.delete('a', '1');
console.log(q.toString(), q.size);
q.set('a', 'x');
q.append('c', 'é ü+&=');
console.log(q.toString(), q.get('c'), q.get('zz'));
var s = new URLSearchParams('z=1&\ufb03=2&a=3&\ud83d\ude00=4&z=0&a=4&\u00e9=5');
s.sort();
console.log(s.toString());
// live iterators: they see pairs added, removed and sorted after they were made
var it = new URLSearchParams('a=1&b=2&c=3');
var keys = it.keys(), entries = it.entries(), seen = [];
console.log(keys.next().value, Object.prototype.toString.call(keys), keys[Symbol.iterator]() === keys);
it.delete('a');
console.log(keys.next().value);
it.append('d', '4');
for (var r = entries.next(); !r.done; r = entries.next()) seen.push(r.value.join(':'));
console.log(seen.join(' '), keys.next().value, keys.next().value, keys.next().done);
it.append('e', '5');
console.log('after done, more: ' + JSON.stringify(keys.next()));
var walked = [];
it.forEach(function (v, k, self) {
    walked.push(k);
    if (k === 'b') self.append('f', '6');
});
console.log('forEach walked ' + walked.join(','));
console.log(URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries,
            Object.prototype.toString.call(it), Object.keys(URLSearchParams.prototype).join());
// the URL and its searchParams follow each other
var u = new URL('http://h/p?x=1&y=2#frag');
var sp = u.searchParams;
console.log(sp === u.searchParams, sp.get('x'), sp.size);
sp.append('z', 'a b');
console.log(u.href);
sp.delete('x');
sp.delete('y');
sp.delete('z');
console.log(u.href, JSON.stringify(u.search));
u.search = '?k=v&k=w';
console.log(sp.getAll('k').join(), sp.size);
u.href = 'http://other/?n=%F0%9F%98%80';
console.log(codes(sp.get('n')), sp.toString());
u.search = '';
console.log(sp.size, u.href);
sp.set('q', '1');
sp.sort();
console.log(u.href);
var opaque = new URL('data:text/plain,hi?x=1#f');
opaque.searchParams.delete('x');
console.log(opaque.href);
console.log(new URL('http://h/?a=b&c=d').searchParams.toString(), new URL('http://h/??a').searchParams.toString());
