// timeout: 120
// FormData and Blob uploads where this runtime follows the standards and Node does not, and
// the upload paths that only rtjs has: formData() keeps a BOM ("UTF-8 decode without BOM";
// undici strips it); 307 and 308 resend a FormData body (its pieces are sent again; undici
// sends nothing), 303 drops it; a FormData of 400 files and a 3 MB File goes out in pieces
// over HTTP and HTTPS (through TLS records) and arrives whole; a Blob body of 3 MB over
// HTTPS; an upload aborted midway rejects with the signal's reason.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var H = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
var SHA_3M = 'd781aa722f790c57bfd4fc25860267cfeb4ed410f07230aa41809a4c6c6246f1';
function pattern(n) {
    var u = new Uint8Array(n);
    for (var i = 0; i < n; i++) u[i] = (i * 31 + 7) & 255;
    return u;
}
var big = pattern(3000000);

var steps = [];
function step(name, f) { steps.push([name, f]); }

step('formData() keeps a BOM', function () {
    return fetch(A + '/multipart-reply?case=bom').then(function (r) { return r.formData(); }).then(function (fd) {
        var out = [];
        fd.forEach(function (v, k) { out.push(escape(k) + '=' + (typeof v === 'string' ? escape(v) : '<' + escape(v.name) + ' ' + v.size + '>')); });
        return fd.get('f').text().then(function (t) { return out.join(' ') + ' | text() drops it: ' + t; });
    });
});
step('redirects', function () {
    function via(code) {
        var fd = new FormData();
        fd.append('kept', new File(['file after a ' + code], 'r.txt'));
        fd.append('big', new File([big], 'big.bin'));
        return fetch(A + '/redirect?code=' + code + '&to=/multipart', { method: 'POST', body: fd })
            .then(function (r) { return r.json(); })
            .then(function (j) {
                return code + ': ' + (j.parts ? j.parts.map(function (p) {
                    return p.name + '=' + (p.text !== null ? p.text : p.size + ' ' + (p.sha256 === SHA_3M));
                }).join(',') : j.error);
            });
    }
    return Promise.all([via(307), via(308), via(303)]).then(function (r) { return r.join(' | '); });
});
function manyPieces(base) {
    var fd = new FormData(), n = 400;
    for (var i = 0; i < n; i++) {
        fd.append('f' + i, new File(['file number ' + i + ' ' + new Array(200).join(String.fromCharCode(65 + i % 26))], 'n' + i + '.txt'));
        if (i % 100 === 0) fd.append('t' + i, 'text ' + i);
    }
    fd.append('big', new File([big], 'big.bin'));
    return fetch(base + '/multipart', { method: 'POST', body: fd }).then(function (r) { return r.json(); }).then(function (j) {
        var bad = 0, files = 0;
        j.parts.forEach(function (p) {
            var m = /^f(\d+)$/.exec(p.name);
            if (!m) return;
            files++;
            var k = +m[1];
            if (p.filename !== 'n' + k + '.txt' || p.text !== 'file number ' + k + ' ' + new Array(200).join(String.fromCharCode(65 + k % 26))) bad++;
        });
        var last = j.parts[j.parts.length - 1];
        return 'parts ' + j.parts.length + ' files ' + files + ' bad ' + bad + ' error=' + j.error +
            ' big ' + last.size + ' ' + (last.sha256 === SHA_3M) + ' t300=' + j.parts.filter(function (p) { return p.name === 't300'; })[0].text;
    });
}
step('400 files and 3 MB in pieces over HTTP', function () { return manyPieces(A); });
step('the same over HTTPS', function () { return manyPieces(H); });
step('a 3 MB Blob over HTTPS', function () {
    var b = new Blob(['xx', big, 'yy']).slice(2, -2, 'Application/X-Big');
    return fetch(H + '/echo', { method: 'POST', body: b }).then(function (r) { return r.json(); }).then(function (j) {
        return j.length + ' ' + j.headers['content-type'] + ' ' + (j.sha256 === SHA_3M);
    });
});
step('an upload aborted midway', function () {
    var fd = new FormData();
    fd.append('big', new File([big, big, big, big, big, big, big, big], 'b'));
    var ac = new AbortController();
    setTimeout(function () { ac.abort(); }, 200);
    return fetch(A + '/noread', { method: 'POST', body: fd, signal: ac.signal })
        .then(function () { return 'answered?'; }, function (e) { return e.name; });
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
