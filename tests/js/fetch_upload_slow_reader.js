// timeout: 90
// A server that reads a 48 MiB upload slowly but steadily (512 KiB every 50 ms for 3.5 s,
// then the rest at once) answers a request whose headers timeout, 2.5 s, is shorter than
// the upload: the headers deadline measures the longest pause while the server reads, then
// the wait from the last byte (Node refreshes its headersTimeout on each body write). Over
// HTTP and HTTPS. Before, the deadline ran from the start until the last byte left, and a
// slow upload failed with HEADERS_TIMEOUT however steadily it moved. The pauses the client
// sees are ~0.5 s here (loopback's socket buffers hold megabytes, freed as the server reads).
// A server that stops reading still fails the request: tests/js/fetch_upload_unread.js.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
var big = new Uint8Array(48 * 1024 * 1024);
function upload(base) {
    var t0 = Date.now();
    return fetch(base + '/slowread?slow_ms=3500&chunk=524288', {
        method: 'POST', body: big, timeout: { headers: 2500 }
    }).then(function (r) { return r.text(); }).then(function (t) {
        return t + ', longer than the headers timeout: ' + (Date.now() - t0 > 2500);
    }, function (e) {
        return e.name + ' ' + (e.cause && e.cause.code) + ' after ' + (Date.now() - t0) + ' ms';
    });
}
upload(A).then(function (t) {
    console.log('http: ' + t);
    return upload(S);
}).then(function (t) {
    console.log('https: ' + t);
});
