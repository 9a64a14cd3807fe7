// node: yes
// Headers (case-insensitive, combined values, sorted iteration, getSetCookie, invalid
// names and values refused) and Response/Request objects built locally.
var h = new Headers({ 'Content-Type': 'text/plain', 'X-B': '1' });
h.append('x-b', '2');
h.append('Set-Cookie', 'a=1');
h.append('set-cookie', 'b=2');
h.set('X-Trim', '  padded  ');
console.log(h.get('CONTENT-TYPE') + ' | ' + h.get('x-b') + ' | ' + h.has('x-none') + ' | ' + h.get('x-none') + ' | [' + h.get('x-trim') + ']');
var seen = [];
h.forEach(function (v, k) { seen.push(k + '=' + v); });
console.log(seen.join('; '));
console.log(JSON.stringify(h.getSetCookie()));
var it = h.keys(), k, keys = [];
while (!(k = it.next()).done) keys.push(k.value);
console.log(keys.join(','));
h.delete('X-B');
console.log(h.has('x-b'));
['bad name', 'x\r\ny', ''].forEach(function (n) {
    try { h.set(n, 'v'); console.log('accepted?! ' + n); } catch (e) { console.log('name refused: ' + e.name); }
});
['a\r\nInjected: 1', 'a\nb', 'a\u0000b'].forEach(function (v) {
    try { h.set('x', v); console.log('accepted?! ' + JSON.stringify(v)); } catch (e) { console.log('value refused: ' + e.name); }
});
console.log(new Headers([['a', '1'], ['b', '2']]).get('b') + ' ' + new Headers(new Headers({ c: '3' })).get('c'));

var r = new Response('body text', { status: 201, statusText: 'Made', headers: { 'X-R': 'y' } });
console.log(r.status + ' ' + r.statusText + ' ' + r.ok + ' ' + r.headers.get('x-r') + ' ' + r.headers.get('content-type') + ' ' + r.type + ' ' + r.bodyUsed);
var c = r.clone();
Promise.all([r.text(), c.arrayBuffer()]).then(function (v) {
    console.log(v[0] + ' ' + v[1].byteLength + ' ' + r.bodyUsed);
    return r.text().then(null, function (e) { console.log('second read: ' + e.name); });
}).then(function () {
    return Response.json({ a: [1, 2] }, { status: 202 }).json();
}).then(function (j) {
    console.log('Response.json ' + JSON.stringify(j));
    var red = Response.redirect('http://example.com/x', 301);
    console.log('redirect ' + red.status + ' ' + red.headers.get('location'));
    var err = Response.error();
    console.log('error ' + err.type + ' ' + err.status);
    try { new Response('x', { status: 99 }); } catch (e) { console.log('bad status: ' + e.name); }
    try { new Response('x', { status: 204 }); } catch (e) { console.log('body with 204: ' + e.name); }
    return new Response(new Uint8Array([104, 105])).text();
}).then(function (t) {
    console.log('from bytes ' + t);
    return new Response(new URLSearchParams('a=1&b=2')).text();
}).then(function (t) {
    console.log('from params ' + t);
    var req = new Request('http://example.com/a', { method: 'post', body: 'x', headers: { 'X-Q': '1' } });
    console.log(req.method + ' ' + req.url + ' ' + req.headers.get('x-q') + ' ' + req.headers.get('content-type') + ' ' + req.redirect);
    try { new Request('http://example.com/', { method: 'GET', body: 'x' }); } catch (e) { console.log('GET with body: ' + e.name); }
    try { new Request('http://example.com/', { method: 'CONNECT' }); } catch (e) { console.log('CONNECT: ' + e.name); }
    try { new Request('http://u:p@example.com/'); } catch (e) { console.log('credentials: ' + e.name); }
    console.log(new Request('http://example.com/', { method: 'patch' }).method + ' ' + new Request('http://example.com/', { method: 'delete' }).method);
    return req.clone().text();
}).then(function (t) { console.log('request clone body ' + t); });
