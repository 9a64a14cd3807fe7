// upload-file.js URL MIB COUNT - a multipart/form-data upload of a File, COUNT times, one
// after another: the File (MIB MiB, named f.bin) is built once, before anything is timed, as
// `new File(parts, 'f.bin')` from one 1 MiB Uint8Array repeated, so the File's own buffer
// is the only one of its size in the process; each POST sends a FormData holding one text
// field and the File. Markers for the driver go to stderr: "@bench start" once the File
// exists and one untimed request has been made, "@bench end" after the last upload, each
// followed by 50 ms of idle time, so that bench/measure.c reads VmRSS at the start and the
// peak (VmHWM) at the end, alike for every client: what the uploads add to the File.
// Prints one JSON line: bytes of File sent, seconds (timed inside the client), ok.
// Plain ES5: the same file runs under rtjs and node (node 20 has File and FormData).
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var url = argv[1], MIB = +argv[2], COUNT = +argv[3] || 1, PAUSE_MS = 50;
var MiB = 1048576, size = MIB * MiB, got = 0, t0 = 0;

function report(ok, err) {
    console.log(JSON.stringify({ bytes: got, seconds: t0 ? (Date.now() - t0) / 1000 : 0, file_bytes: size,
                                 count: COUNT, ok: ok, error: err || null }));
}

var file = (function () {
    var part = new Uint8Array(MiB), parts = [];
    for (var i = 0; i < MiB; i++) part[i] = (i * 31 + 7) & 255;
    for (var k = 0; k < MIB; k++) parts.push(part);
    return new File(parts, 'f.bin', { type: 'application/octet-stream' });
})();

function upload() {
    var fd = new FormData();
    fd.append('note', 'upload-file.js');
    fd.append('file', file);
    return fetch(url, { method: 'POST', body: fd }).then(function (res) {
        if (res.status !== 200) throw new Error('status ' + res.status);
        return res.text();
    });
}

var left = COUNT;
function next() {
    if (left-- === 0) return null;
    return upload().then(function () { got += size; return next(); });
}

var warm = url.replace(/^(https?:\/\/[^\/]+).*$/, '$1') + '/13b';
fetch(warm).then(function (r) { return r.text(); }).then(function () {
    if (file.size !== size) throw new Error('File is ' + file.size + ' bytes');
    console.error('@bench start');
    return new Promise(function (resolve) { setTimeout(resolve, PAUSE_MS); });
}).then(function () {
    t0 = Date.now();
    return next();
}).then(function () {
    var seconds = (Date.now() - t0) / 1000;
    console.error('@bench end');
    setTimeout(function () {
        console.log(JSON.stringify({ bytes: got, seconds: seconds, file_bytes: size, count: COUNT, ok: true, error: null }));
    }, PAUSE_MS);
}).then(null, function (e) { report(false, String(e) + (e && e.cause ? ' ' + (e.cause.code || e.cause) : '')); });
