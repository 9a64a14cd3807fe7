// timeout: 180
// Content codings where this runtime goes beyond Node 20 or differs from it (so not run
// under node; fetch_codings.js has what both do): Accept-Encoding lists every built-in
// decoder (node: "gzip, deflate"); zstd bodies of 0 B to 4 MiB, streamed and stacked;
// "identity" in a list is skipped; a coding we do not know passes the body through; a
// corrupt br stream (built bit by bit: version-proof) and a corrupt zstd or gzip stream (their
// checksums catch any flip) reject the body read with TypeError, cause.code
// DECOMPRESSION_FAILED; so does a stream cut short inside complete HTTP framing (node
// delivers the short body without an error); a decompression bomb (1 GiB of zeros as a
// 1.6 KB br, as zstd, as both stacked) stops at limits.maxBodyBytes, which counts decoded bytes
// (BODY_TOO_LARGE, having delivered no more than the limit); a script's own
// Accept-Encoding turns decoding off; and br over HTTPS.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;

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

function url(enc, src, extra, base) {
    return (base || A) + '/coded?enc=' + encodeURIComponent(enc) + '&src=' + src + (extra || '');
}

// Reads a body through getReader(), checking it; returns "bytes ok ..." or the error the read
// rejected with, and how many decoded bytes came before it.
var read = rt.async(function (res, src) {
    var reader = res.body.getReader(), c = checker(src), chunks = 0;
    try {
        for (;;) {
            var r = rt.await(reader.read());
            if (r.done) break;
            chunks++;
            c.feed(r.value);
        }
    } catch (e) {
        return { error: e.name + ' ' + (e.cause && e.cause.code), n: c.n(), clean: c.verdict(-1).indexOf('MISMATCH') < 0 };
    }
    return { ok: c.verdict(+src.split(':')[1]), n: c.n(), chunks: chunks };
});

var good = rt.async(function (enc, src, extra, base) {
    var res = rt.await(fetch(url(enc, src, extra, base)));
    var r = rt.await(read(res, src));
    var cl = res.headers.get('content-length');
    console.log('[' + res.headers.get('content-encoding') + '] ' + src + (extra || '') + (base ? ' over https' : '') +
                ': ' + (r.ok || r.error) + (+src.split(':')[1] >= 1048576 && r.ok ? (r.chunks > 8 ? ', streamed in many chunks' : ', in ' + r.chunks + ' chunks') : '') +
                (cl === null ? ', chunked' : cl === res.headers.get('x-encoded-length') ? ', content-length is the encoded length' : ', content-length ' + cl));
});

var bad = rt.async(function (what, u, init) {
    var res = rt.await(fetch(u, init));
    var r = rt.await(read(res, 'pattern:0'));
    console.log(what + ': head ' + res.status + ', body read ' + (r.error ? 'rejects ' + r.error : 'RESOLVED with ' + r.n + ' bytes'));
    return r;
});

var main = rt.async(function () {
    // Accept-Encoding: what is built in, in this order
    var j = rt.await(rt.await(fetch(A + '/echo')).json());
    console.log('accept-encoding sent: ' + j.headers['accept-encoding']);

    // zstd: sizes, framings, levels, streaming, stacks
    rt.await(good('zstd', 'pattern:0'));
    rt.await(good('zstd', 'pattern:0', '&cut=0'));
    rt.await(good('zstd', 'pattern:1'));
    rt.await(good('zstd', 'text:1000', '&chunked=1'));
    rt.await(good('zstd', 'text:1048576', '&q=19'));
    rt.await(good('zstd', 'text:4194304'));
    rt.await(good('zstd', 'text:2097152', '&chunked=1'));
    rt.await(good('zstd, br', 'text:300000'));
    rt.await(good('br, zstd', 'text:300000'));
    rt.await(good('gzip, zstd, deflate', 'text:300000', '&chunked=1'));
    rt.await(good('zstd', 'text:5000', '&ce=ZSTD'));
    // "identity" is no coding (skipped in a list); an unknown coding passes the body as it came
    rt.await(good('identity, br', 'text:5000'));
    rt.await(good('identity', 'text:5000', '&ce=compress'));
    rt.await(good('br', 'text:1048576', '', S));

    // a script's own Accept-Encoding: nothing is decoded, the body is the encoded bytes
    var res = rt.await(fetch(url('br', 'text:100000'), { headers: { 'Accept-Encoding': 'br' } }));
    var b = rt.await(res.arrayBuffer());
    console.log('own accept-encoding: ' + (b.byteLength === +res.headers.get('content-length') ? 'encoded bytes delivered' : 'DECODED ' + b.byteLength));

    // corrupt streams
    rt.await(bad('br with a reserved bit set (RFC 7932 9.2)', A + '/br-reserved?n=1000'));
    rt.await(bad('br with a reserved bit set, over https', S + '/br-reserved?n=60000'));
    rt.await(bad('zstd with a byte flipped (checksum)', url('zstd', 'text:100000', '&corrupt=30000')));
    rt.await(bad('zstd with a byte flipped, chunked', url('zstd', 'text:1000000', '&corrupt=-5&chunked=1')));
    rt.await(bad('gzip with a byte flipped (CRC-32)', url('gzip', 'text:100000', '&corrupt=-6')));
    rt.await(bad('more codings than the decoder stacks (6)', url('identity', 'text:100', '&ce=' + encodeURIComponent('gzip, gzip, gzip, gzip, gzip, gzip'))).then(null, function (e) {
        console.log('more codings than the decoder stacks (6): fetch rejects ' + e.name + ' ' + (e.cause && e.cause.code));
    }));

    // truncated streams inside complete framing
    rt.await(bad('br cut short by 1 byte', url('br', 'text:100000', '&cut=-1')));
    rt.await(bad('br cut short, chunked', url('br', 'text:100000', '&cut=20000&chunked=1')));
    rt.await(bad('zstd cut short by 1 byte', url('zstd', 'text:100000', '&cut=-1')));
    rt.await(bad('gzip cut short by 1 byte', url('gzip', 'text:100000', '&cut=-1')));
    rt.await(bad('"gzip, br" cut short', url('gzip, br', 'text:100000', '&cut=-1')));
    rt.await(bad('deflate cut short', url('deflate', 'text:100000', '&cut=-1')));

    // decompression bombs: the limit counts decoded bytes
    var limit = 1048576;
    var bomb = rt.async(function (enc) {
        var t0 = Date.now();
        var u = url(enc, 'zeros:1073741824');
        var res = rt.await(fetch(u, { limits: { maxBodyBytes: limit } }));
        var r = rt.await(read(res, 'zeros:1073741824'));
        console.log(enc + ' bomb, 1 GiB of zeros in ' + (+res.headers.get('content-length') < 65536 ? 'under 64 KiB' : res.headers.get('content-length') + ' bytes') +
                    ', limit 1 MiB: ' + (r.error ? 'rejects ' + r.error : 'RESOLVED') + ', delivered at most the limit: ' + (r.n <= limit) +
                    ', all zeros: ' + r.clean + (Date.now() - t0 < 60000 ? '' : ' (too slow)'));
    });
    rt.await(bomb('br'));
    rt.await(bomb('zstd'));
    rt.await(bomb('zstd, br'));

    // the limit applies to the decoded size, not the encoded one: 2 MiB decoded from ~1 MiB
    res = rt.await(fetch(url('br', 'text:2097152'), { limits: { maxBodyBytes: 1500000 } }));
    var r = rt.await(read(res, 'text:2097152'));
    console.log('2 MiB decoded from ' + (+res.headers.get('content-length') < 1500000 ? 'less' : 'MORE') + ' than the 1.5 MB limit: ' + (r.error || 'RESOLVED'));
    res = rt.await(fetch(url('br', 'text:1000000'), { limits: { maxBodyBytes: 1000000 } }));
    r = rt.await(read(res, 'text:1000000'));
    console.log('decoded size exactly the limit: ' + (r.ok || r.error));

    console.log('still working: ' + rt.await(rt.await(fetch(A + '/hello')).text()));
});
main().then(null, function (e) { console.log('FAILED ' + e + (e && e.cause ? ' cause ' + (e.cause.code || e.cause) : '')); });
