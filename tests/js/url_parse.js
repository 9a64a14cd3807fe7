// node: yes
// WHATWG URL parsing for http(s): hosts, ports, paths, percent-encoding, relative
// resolution, IPv4/IPv6 forms, and URLSearchParams.
var cases = [
    ['http://EXAMPLE.com:80/a/./b/../c?x=1#frag'],
    ['https://example.com:443'],
    ['http://example.com:8080/p a t h?q u=e r y#f r'],
    ['http://127.1/'], ['http://0x7f.0.0.1:81/'], ['http://2130706433/'],
    ['http://[::1]:8080/x'], ['http://[2001:db8:0:0:0:0:0:1]/'], ['http://[::ffff:192.168.0.1]/'],
    ['http:\\\\example.com\\a\\b'], ['http://user:pa ss@example.com/'],
    ['../up?z', 'http://h.example/a/b/c'], ['/abs', 'http://h.example/a/b'], ['?q', 'http://h.example/a/b?old#f'],
    ['#frag', 'http://h.example/a'], ['//other.example/x', 'https://h.example/'],
    ['http://example.com/%7Efoo/%zz'], ['HTTP://Ex.Com/ü?ü#ü']
];
cases.forEach(function (c) {
    var u = new URL(c[0], c[1]);
    console.log(u.href + ' | ' + u.host + ' | ' + u.hostname + ' | ' + u.port + ' | ' + u.pathname + ' | ' + u.search + ' | ' + u.hash + ' | ' + u.origin);
});
['http://', 'http://exa mple.com/', 'http://[::1/', 'http://1.2.3.256/', 'not a url', 'http://example.com:99999/'].forEach(function (s) {
    try { new URL(s); console.log('parsed?! ' + s); } catch (e) { console.log('invalid: ' + JSON.stringify(s) + ' ' + e.name); }
});
var u = new URL('http://h.example/p?a=1&b=2&a=3');
console.log(u.searchParams.getAll('a').join(',') + ' ' + u.searchParams.get('b') + ' ' + u.searchParams.has('c'));
u.searchParams.append('c', 'x y&z');
u.searchParams.delete('b');
console.log(u.href);
var sp = new URLSearchParams({ z: '1', a: 'é' });
sp.sort();
console.log(sp.toString() + ' ' + sp.size);
var pairs = [];
new URLSearchParams('q=a+b&r=%26').forEach(function (v, k) { pairs.push(k + '=' + v); });
console.log(pairs.join(';'));
u.pathname = '/new path';
u.hash = 'h';
u.port = '8080';
console.log(u.href + ' ' + JSON.stringify(u));
// Regressions found by tests/fuzz/fuzz_url.c: non-special schemes lost the host's first
// two characters, a non-special path-absolute URL took an unrelated base's host, an empty
// non-special path serialized as "/", and code units U+E000-U+FFFF (and a high surrogate
// before a non-surrogate) were mis-encoded.
[['foo://example.com/x'], ['foo://h/p'], ['foo://h'], ['yyyhttps://user:pa%19@sp%E@spp'],
 ['hptp:/1/', 'http://a.b/c/d?e#f'], ['hptp:/1/'], ['web+demo:/.//not-a-host/'],
 ['http://a/\uff01'], ['http://a/\ud800x'], ['http://a/\ud83d\ude00'], ['http://a/\udc00']].forEach(function (c) {
    var u = new URL(c[0], c[1]);
    console.log(u.href + ' | ' + u.host + ' | ' + u.pathname + ' | round trip ' + (new URL(u.href).href === u.href));
});
