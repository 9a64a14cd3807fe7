// timeout: 180
// A 100 MiB File uploaded as FormData is streamed from the File's own bytes: the request's
// pieces point into the File's buffer, so the upload adds no copy of it. The File is made
// from 1 MiB parts (one 100 MiB buffer, nothing else that size), then the peak RSS
// (rt.memoryUsage().maxRss) is read before and after the upload: it must grow by well under
// the File's size (32 MiB allowed; a copy would add 100 MiB). The server hashes what it
// parsed (its streaming multipart reader), and the digest is the pattern's. The same again
// over HTTPS (the TLS records are made from the pieces as they go). Under valgrind
// (rt.env.RT_SLOW_TOOL) memory figures are the tool's, so the bound is not checked.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var H = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
var MiB = 1048576, SIZE = 100 * MiB, LIMIT = 32 * MiB;
var SHA = 'b1f80f24a16e6753fab5ef142b975520a0659a4a344545be1bf1a141080c9287';
var slow = !!rt.env.RT_SLOW_TOOL;

var file = (function () {
    var chunk = new Uint8Array(MiB), parts = [];
    for (var i = 0; i < MiB; i++) chunk[i] = (i * 31 + 7) & 255;   // period 256: 1 MiB repeats it
    for (var k = 0; k < SIZE / MiB; k++) parts.push(chunk);
    return new File(parts, 'big.bin', { type: 'application/octet-stream' });
})();

function upload(base) {
    var fd = new FormData();
    fd.append('note', 'a 100 MiB file follows');
    fd.append('file', file);
    var before = rt.memoryUsage().maxRss;
    return fetch(base + '/multipart', { method: 'POST', body: fd }).then(function (r) { return r.json(); }).then(function (j) {
        var growth = rt.memoryUsage().maxRss - before;
        var p = j.parts[1];
        console.log((base === A ? 'http' : 'https') + ': parts ' + j.parts.length + ' error=' + j.error + ', ' +
                    p.filename + ' ' + (p.size === SIZE) + ' sha256 ' + (p.sha256 === SHA) +
                    ', peak RSS growth under 32 MiB: ' + (slow || growth < LIMIT));
        if (!slow && growth >= LIMIT) console.log('  growth was ' + (growth / MiB).toFixed(1) + ' MiB');
    });
}

console.log('file: ' + file.size + ' bytes');
upload(A).then(function () { return upload(H); }).then(null, function (e) {
    console.log('failed: ' + e + ' ' + (e.cause && e.cause.message));
});
