// node: yes
// FormData (XMLHttpRequest standard) and FormData bodies without a network: the entry
// list's operations and their order, USVString conversions, the Blob-to-File conversions,
// the overloads' argument checks, live iterators and forEach while the list changes; the
// multipart/form-data a Response makes of it (newlines normalized to CR LF, names and
// filenames escaped), formData() reading it back and reading form-urlencoded bodies,
// blob() with its type, and the errors for other and malformed bodies.
function err(f) {
    try { f(); return 'no error'; } catch (e) { return e.name; }
}
function show(fd) {
    var out = [];
    fd.forEach(function (v, k) {
        out.push(escape(k) + '=' + (typeof v === 'string' ? escape(v) : '<' + Object.prototype.toString.call(v) + ' ' + v.name + ' ' + v.type + ' ' + v.size + '>'));
    });
    return out.join(' ');
}
var steps = [];
function step(name, f) { steps.push([name, f]); }

step('constructor', function () {
    return [show(new FormData()) === '', show(new FormData(undefined)) === '',
            err(function () { new FormData(null); }), err(function () { new FormData({}); }),
            err(function () { FormData(); })].join(' ');
});
step('append, get, getAll, has, set, delete', function () {
    var fd = new FormData();
    fd.append('a', '1');
    fd.append('b', '2');
    fd.append('a', '3');
    fd.append('c', 4);
    var out = [fd.get('a'), JSON.stringify(fd.getAll('a')), fd.get('zz'), JSON.stringify(fd.getAll('zz')),
               fd.has('c'), fd.has('C'), typeof fd.get('c')];
    fd.set('a', 'x');                      // the first keeps its place, the others go
    out.push(show(fd));
    fd.set('new', 'n');
    fd.delete('b');
    fd.delete('nothing');
    out.push(show(fd));
    return out.join(' ');
});
step('names and values are USVStrings', function () {
    var fd = new FormData();
    fd.append('\ud800a', 'b\udc00');
    fd.append(null, undefined);
    fd.append({ toString: function () { return 'obj'; } }, 12.5);
    return show(fd) + ' ' + fd.has('\ufffda');
});
step('argument checks', function () {
    var fd = new FormData();
    return [err(function () { fd.append('a'); }), err(function () { fd.append(); }),
            err(function () { fd.append('a', 'b', 'c'); }), err(function () { fd.set('a', {}, 'c'); }),
            err(function () { fd.get(); }), err(function () { fd.forEach(); }),
            err(function () { fd.forEach(5); }),
            err(function () { FormData.prototype.append.call({}, 'a', 'b'); }),
            err(function () { FormData.prototype.get.call(new Headers(), 'a'); })].join(' ');
});
step('Blob and File entries', function () {
    var fd = new FormData();
    var blob = new Blob(['abc'], { type: 'Text/X' });
    var file = new File(['hello'], 'h.txt', { type: 'text/plain', lastModified: 99 });
    fd.append('blob', blob);
    fd.append('named', blob, 'given.bin');
    fd.append('file', file);
    fd.append('renamed', file, 'other.txt');
    fd.set('setblob', new Blob([]), '');
    var g = fd.get('blob'), r = fd.get('renamed');
    return show(fd) + ' | ' + [g instanceof File, g === blob, fd.get('file') === file, r === file,
                               r.lastModified, fd.get('named').lastModified > 0].join(' ');
});
step('iterators are live', function () {
    var fd = new FormData();
    fd.append('a', '1');
    fd.append('b', '2');
    fd.append('c', '3');
    var it = fd.entries(), out = [];
    out.push(it.next().value.join(':'));
    fd.delete('a');                        // the list shifts: the iterator's index stays
    out.push(it.next().value.join(':'));
    fd.append('d', '4');
    var r;
    while (!(r = it.next()).done) out.push(r.value.join(':'));
    out.push(JSON.stringify(it.next()));
    var keys = [], values = [];
    for (var k = fd.keys(), x; !(x = k.next()).done;) keys.push(x.value);
    for (var v = fd.values(), y; !(y = v.next()).done;) values.push(y.value);
    return out.join(' ') + ' | ' + keys.join(',') + ' ' + values.join(',') + ' | ' +
        (FormData.prototype[Symbol.iterator] === FormData.prototype.entries) + ' ' +
        Object.prototype.toString.call(it) + ' ' + (it[Symbol.iterator]() === it) + ' ' +
        err(function () { it.next.call({}); });
});
step('forEach sees changes', function () {
    var fd = new FormData(), seen = [], self = {};
    fd.append('a', '1');
    fd.append('b', '2');
    fd.forEach(function (v, k, o) {
        seen.push(k + v + (o === fd) + (this === self));
        if (k === 'a') {
            fd.append('c', '3');
            fd.delete('b');
        }
    }, self);
    return seen.join(' ');
});
step('as a body: multipart/form-data', function () {
    var fd = new FormData();
    fd.append('plain', 'line1\nline2\rline3\r\nend');
    fd.append('q"uo\nte\r', 'v');
    fd.append('blob', new Blob(['BLOB']));
    fd.append('file', new File(['<b>\r\n--x</b>'], 'a"b\nc\r.html', { type: 'text/html' }));
    fd.append('utf8 \u00e9', '\u20ac');
    var res = new Response(fd);
    var ct = res.headers.get('content-type');
    var boundary = ct.split('boundary=')[1];
    return res.text().then(function (t) {
        return ct.split('boundary=')[0] + ' ' + (boundary.length > 20 && t.indexOf(boundary) === 2) + '\n' +
            JSON.stringify(t.split(boundary).join('B'));
    });
});
step('formData() reads it back', function () {
    var fd = new FormData();
    fd.append('a', 'x\ny');
    fd.append('f', new File(['\u00e9t\u00e9'], 'f.txt', { type: 'text/plain' }));
    fd.append('b', new Blob([new Uint8Array([0, 255, 13, 10])]));
    fd.append('a', 'second');
    return new Response(fd).formData().then(function (back) {
        return Promise.all([back.get('f').text(), back.get('b').bytes()]).then(function (r) {
            return show(back) + ' | ' + r[0] + ' ' + Array.prototype.join.call(r[1], ',') + ' ' +
                (back.get('f') instanceof File);
        });
    });
});
step('formData() of form-urlencoded', function () {
    var a = new Response(new URLSearchParams('a=1&b=x+y&c=%C3%A9&a=2')).formData();
    var b = new Response('k=v&=e&n&%ZZ=1', { headers: { 'Content-Type': 'Application/X-WWW-Form-Urlencoded ; charset=x' } }).formData();
    var c = new Request('http://x/', { method: 'POST', body: 'q=1' , headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData();
    return Promise.all([a, b, c]).then(function (r) { return r.map(show).join(' | '); });
});
step('formData() failures', function () {
    function fails(body, type) {
        var init = type ? { headers: { 'content-type': type } } : {};
        return new Response(body, init).formData().then(function (f) { return 'parsed ' + show(f); }, function (e) { return e.name; });
    }
    var ok = '--B\r\nContent-Disposition: form-data; name="n"\r\n\r\nv\r\n--B--\r\n';
    return Promise.all([
        fails(ok, 'multipart/form-data; boundary=B'),
        fails(ok, 'multipart/form-data'),
        fails(ok, 'multipart/form-data; boundary=C'),
        fails(ok, 'text/plain'),
        fails('a=1', 'text/plain'),
        fails(ok.slice(0, -9), 'multipart/form-data; boundary=B'),
        fails(ok.replace('form-data; ', ''), 'multipart/form-data; boundary=B'),
        fails(ok.replace(/\r\n/g, '\n'), 'multipart/form-data; boundary=B'),
        fails(ok + 'epilogue', 'multipart/form-data; boundary=B'),
        fails('', 'multipart/form-data; boundary=B'),
        fails('--B--', 'multipart/form-data; boundary=B')
    ]).then(function (r) { return r.join(' '); });
});
step('a body is read once', function () {
    var r = new Response(new FormData());
    return r.formData().then(function () {
        return r.formData().then(function () { return 'twice'; }, function (e) { return e.name + ' ' + r.bodyUsed; });
    });
});
step('blob()', function () {
    return Promise.all([
        new Response('abc', { headers: { 'content-type': 'Text/HTML; Charset=UTF-8' } }).blob(),
        new Response('abc').blob(),
        new Response(new Uint8Array([1, 2])).blob(),
        new Response(new Blob(['xy'], { type: 'a/b' })).blob(),
        new Response(null).blob(),
        new Request('http://x/', { method: 'PUT', body: 'zz', headers: { 'content-type': 'x/y;q=1' } }).blob()
    ]).then(function (bs) {
        return Promise.all(bs.map(function (b) { return b.text(); })).then(function (ts) {
            return bs.map(function (b, i) { return JSON.stringify(b.type) + ':' + ts[i] + ':' + (b instanceof Blob); }).join(' ');
        });
    });
});
step('Blob and FormData bodies and Content-Type', function () {
    var fd = new FormData();
    var a = new Request('http://x/', { method: 'POST', body: fd });
    var b = new Request('http://x/', { method: 'POST', body: fd, headers: { 'Content-Type': 'mine/own' } });
    var c = new Request('http://x/', { method: 'POST', body: new Blob(['q'], { type: 'A/B' }) });
    var d = new Request('http://x/', { method: 'POST', body: new Blob(['q']) });
    var e = new Response(new Blob(['123'])).clone();
    return e.text().then(function (t) {
        return [a.headers.get('content-type').slice(0, 30), b.headers.get('content-type'),
                c.headers.get('content-type'), d.headers.get('content-type'), t].join(' ');
    });
});
step('empty string bodies', function () {
    var r = new Response(''), q = new Request('http://x/', { method: 'POST', body: '' });
    return Promise.all([r.text(), q.arrayBuffer(), new Response('').blob()]).then(function (v) {
        return JSON.stringify(v[0]) + ' ' + v[1].byteLength + ' ' + v[2].size + ' ' + JSON.stringify(v[2].type);
    });
});
step('shape', function () {
    return [Object.getOwnPropertyNames(FormData.prototype).join(','),
            FormData.prototype.append.length, FormData.prototype.set.length, FormData.prototype.forEach.length,
            Object.prototype.toString.call(new FormData()),
            Object.getOwnPropertyNames(Response.prototype).indexOf('formData') > 0,
            typeof Request.prototype.blob].join(' ');
});

function run(i) {
    if (i >= steps.length) return;
    var s = steps[i], r;
    try { r = Promise.resolve(s[1]()); } catch (e) { r = Promise.reject(e); }
    r.then(function (v) { console.log(s[0] + ': ' + v); },
           function (e) { console.log(s[0] + ': threw ' + e.name + ' ' + e.message); })
        .then(function () { run(i + 1); });
}
run(0);
