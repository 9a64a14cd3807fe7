// transfer.js download URL          - one GET read through response.body (constant memory)
// transfer.js upload URL BYTES COUNT - COUNT POSTs, one after another, of a BYTES body, after
//                                     one untimed POST of the same body
// Prints one JSON line: bytes moved, seconds (timed inside the client), ok. Plain ES5: the
// same file runs under rtjs and node; peak RSS is measured from outside by bench/bench.py.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var mode = argv[1], url = argv[2];
var t0 = Date.now(), got = 0;
function report(ok, err) {
    console.log(JSON.stringify({ bytes: got, seconds: (Date.now() - t0) / 1000, ok: ok, error: err || null }));
}
function fail(e) { report(false, String(e)); }
// One small untimed request first (loads what the client loads lazily, e.g. node's undici).
var warm = url.replace(/^(https?:\/\/[^\/]+).*$/, '$1') + '/13b';
function warmUp() { return fetch(warm).then(function (r) { return r.text(); }); }
if (mode === 'download') {
    warmUp().then(function () {
        t0 = Date.now();
        return fetch(url);
    }).then(function (res) {
        if (res.status !== 200) throw new Error('status ' + res.status);
        var reader = res.body.getReader();
        function pump() {
            return reader.read().then(function (c) {
                if (c.done) return;
                got += c.value.length;
                return pump();
            });
        }
        return pump();
    }).then(function () { report(true); }, fail);
} else {
    var size = +argv[3], count = +argv[4] || 1, left = count;
    var body = new Uint8Array(size);
    for (var i = 0; i < size; i += 4096) body[i] = i & 255;
    var next = function () {
        if (left-- === 0) { report(true); return; }
        return fetch(url, { method: 'POST', body: body }).then(function (res) {
            if (res.status !== 200) throw new Error('status ' + res.status);
            return res.text();
        }).then(function () { got += size; return next(); });
    };
    // The warm-up includes one upload of the same body: the first copy of a 10 MiB body
    // lands on fresh pages (2,560 page faults, half the time of that upload), which a
    // long-lived process pays once, not per request.
    var post = function () {
        return fetch(url, { method: 'POST', body: body }).then(function (res) { return res.text(); });
    };
    warmUp().then(post).then(function () { t0 = Date.now(); return next(); }).then(null, fail);
}
