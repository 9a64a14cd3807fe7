// timeout: 90
// A server that never reads a large upload (and never answers): the upload stalls in the
// socket buffers and the request fails with HEADERS_TIMEOUT within its timeout, over HTTP
// and HTTPS, while another request in the same runtime carries on; and a server that
// answers before reading the upload.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
// in time: well before the 10 s connect timeout (not checked under valgrind)
var slow = !!rt.env.RT_SLOW_TOOL;
var big = new Uint8Array(64 * 1024 * 1024);
function attempt(base) {
    var t0 = Date.now();
    return fetch(base + '/noread', { method: 'POST', body: big, timeout: { headers: 1500 } }).then(function (r) {
        return 'answered ' + r.status;
    }, function (e) {
        return e.name + ' ' + e.message + ' ' + (e.cause && e.cause.code) + ' in time: ' + (Date.now() - t0 < 8000 || slow);
    });
}
var alongside = fetch(A + '/delay?ms=1000').then(function (r) { return r.text(); });
var main = rt.async(function () {
    console.log('http: ' + rt.await(attempt(A)));
    console.log('https: ' + rt.await(attempt(S)));
    console.log('alongside: ' + rt.await(alongside));
});
// A server that answers 413 at once, without reading the upload: the answer is read (as
// Node does, over HTTP and HTTPS) and the half-sent connection is never reused.
var early = rt.async(function () {
    var r = rt.await(fetch(A + '/noread?answer=1', { method: 'POST', body: big }));
    console.log('early answer over http: ' + r.status + ' ' + rt.await(r.text()));
    r = rt.await(fetch(S + '/noread?answer=1', { method: 'POST', body: big }));
    console.log('early answer over https: ' + r.status + ' ' + rt.await(r.text()));
    r = rt.await(fetch(A + '/hello'));
    console.log('next request: ' + r.status + ' ' + rt.await(r.text()));
});
main().then(early).then(null, function (e) { console.log('FAIL ' + e + ' ' + (e.cause && e.cause.code)); });
