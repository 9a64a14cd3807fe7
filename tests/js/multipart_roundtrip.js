// node: yes
// multipart/form-data over the wire, both ways, against the test server: a FormData sent
// with fetch() is parsed by the server (a streaming reader of its own and Python's email
// parser) and reported back; the server's canned multipart bodies (escaped names, a BOM,
// invalid UTF-8, Content-Types, an empty form, a quoted boundary, malformed ones) go through
// formData(); a FormData makes the round trip through /mirror; Blob bodies and blob(); a
// Request holding a FormData. (What differs from Node - a BOM kept, a FormData resent on
// 307/308 - is in fetch_formdata.js.) Lengths are printed less the boundaries, which differ.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
function show(fd) {
    var out = [];
    fd.forEach(function (v, k) {
        out.push(escape(k) + '=' + (typeof v === 'string' ? escape(v) : '<' + escape(v.name) + ' ' + v.type + ' ' + v.size + '>'));
    });
    return out.join(' ');
}
function post(path, body) {
    return fetch(A + path, { method: 'POST', body: body }).then(function (r) { return r.json(); });
}
function report(j, boundary) {
    var parts = j.parts.map(function (p) {
        return [p.disposition, p.name, p.filename, p.type, p.size, p.text === null ? p.sha256.slice(0, 12) : JSON.stringify(p.text)].join('|');
    });
    var mail = (j.email || []).map(function (p) {
        return [p.name, p.filename, p.type, p.text === null ? p.sha256.slice(0, 12) : JSON.stringify(p.text)].join('|');
    });
    return 'error=' + j.error + ' boundary=' + (j.boundary === boundary) + '\n    ' + parts.join('\n    ') +
        '\n    email: ' + mail.join(' ; ');
}
var steps = [];
function step(name, f) { steps.push([name, f]); }

step('a FormData upload, as the server parses it', function () {
    var fd = new FormData();
    fd.append('text', 'line1\nline2\r\n\u00e9\u20ac');
    fd.append('na"me\nx', 'v');
    fd.append('blob', new Blob([new Uint8Array([0, 1, 2, 255])]));
    fd.append('file', new File(['<p>hi</p>'], 'page "1".html', { type: 'text/html' }));
    fd.append('empty', new Blob([]), 'empty.txt');
    fd.append('text', 'again');
    var big = new Uint8Array(100000);
    for (var i = 0; i < big.length; i++) big[i] = i & 255;
    fd.append('big', new File([big], 'big.bin'));
    return fetch(A + '/multipart', { method: 'POST', body: fd }).then(function (r) { return r.json(); }).then(function (j) {
        var ct = j.content_type, b = ct.split('boundary=')[1];
        return ct.split('boundary=')[0] + ' length ' + (j.length - 8 * b.length) + ' ' + report(j, b);
    });
});
step('Content-Length is the encoding\'s length', function () {
    var fd = new FormData();
    fd.append('a', 'b');
    return fetch(A + '/echo', { method: 'POST', body: fd }).then(function (r) { return r.json(); }).then(function (j) {
        var b = j.headers['content-type'].split('boundary=')[1];
        var want = ('--' + b + '\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--' + b + '--\r\n').length;
        return (j.headers['content-length'] - 2 * b.length) + ' ' + (j.length === want) + ' chunked=' + j.chunked;
    });
});
step('an empty FormData', function () {
    return post('/multipart', new FormData()).then(function (j) {
        return 'length ' + (j.length - j.boundary.length) + ' parts ' + j.parts.length + ' error=' + j.error;
    });
});
['basic', 'empty', 'quoted-boundary', 'urlencoded'].forEach(function (c) {
    step('formData() of ' + c, function () {
        return fetch(A + '/multipart-reply?case=' + c).then(function (r) { return r.formData(); }).then(function (fd) {
            var files = [];
            fd.forEach(function (v) { if (typeof v !== 'string') files.push(v.text()); });
            return Promise.all(files).then(function (t) { return show(fd) + (t.length ? ' | files: ' + t.map(escape).join(' ') : ''); });
        });
    });
});
step('formData() refuses', function () {
    var cases = ['no-boundary', 'wrong-boundary', 'no-close', 'no-name', 'lf-only', 'bad-header', 'epilogue', 'text', 'none'];
    return Promise.all(cases.map(function (c) {
        return fetch(A + '/multipart-reply?case=' + c).then(function (r) { return r.formData(); })
            .then(function (fd) { return c + ':parsed ' + show(fd); }, function (e) { return c + ':' + e.name; });
    })).then(function (r) { return r.join(' '); });
});
step('round trip through /mirror', function () {
    var fd = new FormData();
    fd.append('k', 'v\r\nw');
    fd.append('f', new File([new Uint8Array([13, 10, 45, 45, 13])], 'x\ny.bin', { type: 'application/x-thing' }));
    fd.append('\u00e9', new Blob(['\u00e9'], { type: 'text/plain' }));
    return fetch(A + '/mirror', { method: 'POST', body: fd }).then(function (r) { return r.formData(); }).then(function (back) {
        return back.get('f').bytes().then(function (b) { return show(back) + ' | ' + Array.prototype.join.call(b, ','); });
    });
});
step('Blob bodies', function () {
    var data = new Uint8Array(50000);
    for (var i = 0; i < data.length; i++) data[i] = i * 13 & 255;
    var whole = new Blob(['<', data, '>'], { type: 'Application/X-Test' });
    return Promise.all([
        fetch(A + '/echo', { method: 'POST', body: whole.slice(1, -1) }).then(function (r) { return r.json(); }),
        fetch(A + '/echo', { method: 'POST', body: whole }).then(function (r) { return r.json(); }),
        fetch(A + '/echo', { method: 'POST', body: new Blob([]) }).then(function (r) { return r.json(); }),
        fetch(A + '/echo', { method: 'POST', body: new Blob(['small'], { type: 't/s' }) }).then(function (r) { return r.json(); }),
        fetch(A + '/echo', { method: 'POST', body: '' }).then(function (r) { return r.json(); })
    ]).then(function (js) {
        return js.map(function (j) {
            return j.length + ' ' + j.headers['content-length'] + ' ' + j.headers['content-type'] + ' ' + j.sha256.slice(0, 12);
        }).join(' | ');
    });
});
step('blob() of a download', function () {
    return fetch(A + '/bytes?n=100000').then(function (r) { return r.blob(); }).then(function (b) {
        return b.bytes().then(function (u) {
            var ok = true;
            for (var i = 0; i < u.length; i += 997) if (u[i] !== ((i * 31 + 7) & 255)) ok = false;
            return b.size + ' ' + b.type + ' ' + ok + ' ' + (b.slice(99999).size);
        });
    });
});
step('a Request holding a FormData', function () {
    var fd = new FormData();
    fd.append('r', 'from a Request');
    var req = new Request(A + '/multipart', { method: 'POST', body: fd });
    return fetch(req).then(function (r) { return r.json(); }).then(function (j) {
        return j.parts.map(function (p) { return p.name + '=' + p.text; }).join(',') + ' used=' + req.bodyUsed;
    });
});
step('formData() of a large multipart download', function () {
    return fetch(A + '/multipart-reply?case=big&n=3000000').then(function (r) { return r.formData(); }).then(function (fd) {
        var f = fd.get('big');
        return f.slice(2999000).bytes().then(function (u) {
            var ok = u.length === 1000;
            for (var i = 0; i < u.length; i++) if (u[i] !== (((2999000 + i) * 31 + 7) & 255)) ok = false;
            return f.name + ' ' + f.size + ' ' + f.type + ' ' + ok;
        });
    });
});

function run(i) {
    if (i >= steps.length) return;
    var s = steps[i], r;
    try { r = Promise.resolve(s[1]()); } catch (e) { r = Promise.reject(e); }
    r.then(function (v) { console.log(s[0] + ': ' + v); },
           function (e) { console.log(s[0] + ': threw ' + e.name + ' ' + e.message + (e.cause ? ' ' + e.cause.message : '')); })
        .then(function () { run(i + 1); });
}
run(0);
