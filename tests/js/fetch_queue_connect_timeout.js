// args: --threads 4
// The connect timeout is the connect's own: a request that waits for a thread-pool worker
// (4 of them, each held 1.5 s by a slow request) before its connection is even tried does not
// time out for that wait. Regression: 10,000 requests in flight on the thread pool (256
// workers) failed with "connect ... timed out after 10000 ms" after the first ten seconds.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var main = rt.async(function () {
    var ps = [];
    for (var i = 0; i < 12; i++)
        ps.push(fetch(A + '/delay?ms=1500', { timeout: { connect: 1000 } }).then(function (r) { return r.text(); },
            function (e) { return e.cause && e.cause.code; }));
    var out = rt.await(Promise.all(ps)), ok = 0;
    for (var j = 0; j < out.length; j++) if (out[j] === 'delayed 1500') ok++;
    console.log('12 slow requests with a 1 s connect timeout, all succeeded: ' + (ok === 12 || out.join(' ')));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
