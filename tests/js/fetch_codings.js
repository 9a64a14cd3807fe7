// node: yes
// timeout: 180
// Content codings end to end: gzip, deflate and br bodies (tests/server/testserver.py /coded;
// br made by the reference encoder, tests/c/mkcoded.c) from 0 bytes to 4 MiB, framed by
// Content-Length and by chunked encoding, every decoded byte checked against the payload;
// multi-MB bodies streamed through getReader(); stacked codings, decoded in the reverse order
// of the list (RFC 9110 8.4: the list is in the order the codings were applied); coding
// names case-insensitive; an empty body under a coding is an empty body;
// Content-Length and the body's length are those of the encoded bytes (RFC 9110 8.6), the
// decoded size differs. Node 20 (undici) decodes these three the same way. zstd, errors,
// truncation, bombs and Accept-Encoding: fetch_codings_rt.js.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;

// The payloads of tests/c/mkcoded.c, checked byte by byte as they arrive.
function checker(src) {
    var kind = src.split(':')[0], pos = 0, x = 2463534242 | 0, bad = -1;
    return {
        feed: function (u) {
            for (var i = 0; i < u.length; i++, pos++) {
                var want;
                if (kind === 'pattern') want = (pos * 31 + 7) & 255;
                else if (kind === 'zeros') want = 0;
                else { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; want = 97 + (x & 15); }
                if (u[i] !== want && bad < 0) bad = pos;
            }
        },
        n: function () { return pos; },
        verdict: function (size) {
            if (bad >= 0) return 'MISMATCH at byte ' + bad;
            return pos === size ? 'bytes ok' : 'LENGTH ' + pos + ' of ' + size;
        }
    };
}

function url(enc, src, extra) {
    return A + '/coded?enc=' + encodeURIComponent(enc) + '&src=' + src + (extra || '');
}

function framing(res) {
    var cl = res.headers.get('content-length'), xl = res.headers.get('x-encoded-length');
    if (cl === null) return 'chunked (' + res.headers.get('transfer-encoding') + ')';
    return 'content-length ' + (cl === xl ? 'is the encoded length' : cl + ' but encoded ' + xl);
}

// One body read whole with arrayBuffer().
function whole(enc, src, extra) {
    var size = +src.split(':')[1];
    return fetch(url(enc, src, extra)).then(function (res) {
        return res.arrayBuffer().then(function (b) {
            var c = checker(src);
            c.feed(new Uint8Array(b));
            var xl = +res.headers.get('x-encoded-length');
            console.log('[' + res.headers.get('content-encoding') + '] ' + src + (extra || '') + ': ' +
                        res.status + ', ' + c.verdict(size) + ', ' + framing(res) +
                        (size > 1000 ? ', encoded smaller: ' + (xl < size) : ''));
        });
    });
}

// One body streamed through getReader(): every chunk checked as it comes.
function streamed(enc, src, extra) {
    var size = +src.split(':')[1];
    return fetch(url(enc, src, extra)).then(function (res) {
        var reader = res.body.getReader(), c = checker(src), chunks = 0, biggest = 0;
        function pump() {
            return reader.read().then(function (r) {
                if (r.done) return;
                if (!(r.value instanceof Uint8Array)) throw new Error('chunk is not a Uint8Array');
                chunks++;
                if (r.value.length > biggest) biggest = r.value.length;
                c.feed(r.value);
                return pump();
            });
        }
        return pump().then(function () {
            console.log('streamed [' + res.headers.get('content-encoding') + '] ' + src + (extra || '') + ': ' +
                        c.verdict(size) + ', many chunks: ' + (chunks > 8) + ', no chunk holds the body: ' +
                        (biggest < size) + ', ' + framing(res));
        });
    });
}

var steps = [
    // sizes, each coding, both framings
    function () { return whole('gzip', 'pattern:0'); },
    function () { return whole('deflate', 'pattern:0'); },
    function () { return whole('br', 'pattern:0'); },
    function () { return whole('br', 'pattern:0', '&chunked=1'); },
    function () { return whole('br', 'pattern:1'); },
    function () { return whole('gzip', 'text:1000'); },
    function () { return whole('deflate', 'text:1000', '&chunked=1'); },
    function () { return whole('br', 'text:1000'); },
    function () { return whole('br', 'text:65537', '&chunked=1'); },
    function () { return whole('br', 'pattern:1048576'); },
    function () { return whole('gzip', 'text:1048576', '&chunked=1'); },
    function () { return whole('deflate', 'text:1048576'); },
    function () { return whole('br', 'text:200000', '&q=11'); },
    // multi-MB streamed
    function () { return streamed('br', 'text:4194304'); },
    function () { return streamed('br', 'text:2097152', '&chunked=1'); },
    function () { return streamed('gzip', 'text:2000000'); },
    function () { return streamed('br', 'zeros:4194304'); },
    // stacked: applied left to right, decoded right to left
    function () { return whole('gzip, br', 'text:300000'); },
    function () { return whole('br, gzip', 'text:300000', '&chunked=1'); },
    function () { return whole('deflate, gzip, br', 'text:300000'); },
    function () { return whole('br, br', 'text:100000'); },
    function () { return streamed('gzip, br', 'text:2000000'); },
    // names: case-insensitive
    function () { return whole('gzip, br', 'text:5000', '&ce=' + encodeURIComponent('X-GZIP, BR')); },
    // a body with no byte at all under a coding (servers send these): empty, not an error
    function () { return whole('br', 'pattern:0', '&cut=0'); },
    function () { return whole('gzip', 'pattern:0', '&cut=0&chunked=1'); },
    // the connection carries on (keep-alive after coded bodies)
    function () { return fetch(A + '/hello').then(function (r) { return r.text(); }).then(function (t) { console.log('after: ' + t); }); }
];
steps.reduce(function (p, step) { return p.then(step); }, Promise.resolve())
    .then(null, function (e) { console.log('FAILED ' + e + (e && e.cause ? ' cause ' + (e.cause.code || e.cause) : '')); });
