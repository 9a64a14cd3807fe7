// timeout: 180
// Streaming with backpressure: a large download read through response.body chunk by
// chunk; halfway the reader stops for 700 ms and the server reports how far ahead of the
// reader it got: bounded by what the connection can hold (the kernel's socket buffers -
// receive autotuning alone may grow to tcp_rmem's maximum, 32 MB here - plus a few MB of
// the runtime's own), not by the body size. The body is at least four times that bound, so
// a reader that does not hold the server back leaves it twice the bound ahead or more.
// Every byte is counted and spot-checked against the pattern.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, B = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT2;
var MB = 1048576;
var BOUND = (Number(rt.env.TEST_SOCKET_BUFFERS) || 32 * MB) + 8 * MB;
var N = Math.max(200 * MB, 4 * BOUND);
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
var main = rt.async(function () {
    var res = rt.await(fetch(A + '/stream-progress?n=' + N));
    var reader = res.body.getReader(), got = 0, bad = 0, paused = false, ahead = -1;
    for (;;) {
        var c = rt.await(reader.read());
        if (c.done) break;
        var v = c.value;
        if (v[0] !== (((got * 31) + 7) & 255)) bad++;
        got += v.length;
        if (!paused && got >= N / 2) {
            paused = true;
            rt.await(sleep(700));
            var s = rt.await(rt.await(fetch(B + '/stats')).json());
            ahead = s.stream_written - got;
        }
    }
    var ok = ahead >= 0 && ahead < BOUND;
    console.log('whole: ' + (got === N) + ', pattern: ' + (bad === 0));
    console.log('server ahead of the paused reader by less than the socket buffers: ' + ok +
                (ok ? '' : ' (' + ahead + ' bytes, bound ' + BOUND + ')'));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
