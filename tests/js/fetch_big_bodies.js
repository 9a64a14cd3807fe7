// timeout: 240
// Bodies of any size, no fixed buffers: 100 KB, 10 MB and 100 MB POST bodies arrive whole
// (the server's SHA-256 of what it received is compared with the body's known digest),
// and a 100 MB download arrives whole (every byte checked against the pattern in JS,
// chunk by chunk as it streams).
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var DIGESTS = {
    100000: '731620161155f68e1209f22bc34a726bf5a583f40acf23ae55684b674fdbebf2',
    10000000: '778808fb0725dab6b474fa946ac59f0262c5d96d09e791a66ffd01880b725c5c',
    100000000: '3541dac970c1ff2652e40f14ebfd8c259f64f86f2cd6ab8c9d52be630140ae61'
};
var block = new Uint8Array(256);
for (var i = 0; i < 256; i++) block[i] = (i * 31 + 7) & 255;
function patternBody(n) {
    var b = new Uint8Array(n);
    for (var off = 0; off < n; off += 256) b.set(off + 256 <= n ? block : block.subarray(0, n - off), off);
    return b;
}

var upload = rt.async(function (n) {
    var body = patternBody(n);
    var res = rt.await(fetch(base + '/echo', { method: 'POST', body: body }));
    body[0] ^= 1;                          // changing our buffer now must not matter
    var j = rt.await(res.json());
    console.log('upload ' + n + ': length ' + (j.length === n) + ', sha256 ' + (j.sha256 === DIGESTS[n]));
});

var download = rt.async(function (n) {
    var res = rt.await(fetch(base + '/bytes?n=' + n));
    var reader = res.body.getReader(), got = 0, bad = 0;
    for (;;) {
        var c = rt.await(reader.read());
        if (c.done) break;
        var v = c.value, k = got & 255;
        for (var j = 0; j < v.length; j += 4099) if (v[j] !== block[(k + j) & 255]) bad++;
        if (v[v.length - 1] !== block[(k + v.length - 1) & 255]) bad++;
        got += v.length;
    }
    console.log('download ' + n + ': whole ' + (got === n) + ', pattern ' + (bad === 0));
});

var downloadWhole = rt.async(function (n) {
    var res = rt.await(fetch(base + '/bytes?n=' + n + '&chunked=1'));
    var u = new Uint8Array(rt.await(res.arrayBuffer())), bad = 0;
    for (var j = 0; j < u.length; j += 997) if (u[j] !== block[j & 255]) bad++;
    console.log('arrayBuffer ' + n + ' chunked: whole ' + (u.length === n) + ', pattern ' + (bad === 0));
});

rt.async(function () {
    rt.await(upload(100000));
    rt.await(upload(10000000));
    rt.await(upload(100000000));
    rt.await(download(100000000));
    rt.await(downloadWhole(20000000));
})().then(null, function (e) { console.log('failed: ' + e + ' ' + (e.cause && e.cause.code)); });
