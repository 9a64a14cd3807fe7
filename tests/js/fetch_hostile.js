// timeout: 150
// Hostile servers (over HTTP and over HTTPS): each malformed or abusive response rejects with TypeError and the
// documented cause.code within its timeout, while other requests in the same runtime
// carry on (a slow request runs alongside them all).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var cases = [
    ['/close-mid-body?n=5000&cut=100', 'body'],
    ['/bad/invalid-chunk', 'body'],
    ['/bad/huge-header', 'head'],
    ['/bad/many-headers', 'head'],
    ['/bad/garbage', 'head'],
    ['/close-before-headers', 'head'],
    ['/bad/negative-length', 'head'],
    ['/bad/two-lengths', 'head'],
    ['/bad/cl-and-te', 'head'],
    ['/bad/http09', 'head'],
    ['/slow-headers', 'head', { timeout: { headers: 500 } }],
    ['/bad/endless-chunked', 'body', { limits: { maxBodyBytes: 5000000 } }],
    ['/redirect-loop', 'head']
];
var alongside = fetch(A + '/delay?ms=1500').then(function (r) { return r.text(); });
var S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
var run = rt.async(function () {
    // every case over HTTP, then over HTTPS (the same hostile answers inside TLS)
    for (var i = 0; i < 2 * cases.length; i++) {
        var c = cases[i % cases.length], base = i < cases.length ? A : S, t0 = Date.now();
        var where = 'none', code = '-';
        if (i === cases.length) console.log('over https:');
        try {
            var res = rt.await(fetch(base + c[0], c[2]));
            where = 'body';
            rt.await(res.arrayBuffer());
            where = 'none';
        } catch (e) {
            code = e.name + ' ' + (e.cause && e.cause.code);
            if (where !== 'body') where = 'head';
        }
        console.log(c[0] + ' -> ' + where + ': ' + code + (Date.now() - t0 < 20000 ? '' : ' (too slow)'));
    }
    console.log('alongside: ' + rt.await(alongside));
    console.log('still working: ' + rt.await(rt.await(fetch(A + '/hello')).text()));
});
run().then(null, function (e) { console.log('FAILED ' + e); });
