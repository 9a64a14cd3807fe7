// timeout: 180
// Streaming with backpressure: a 200 MB download read through response.body chunk by
// chunk; halfway the reader stops for 700 ms and the server reports how far ahead of the
// reader it got (bounded by socket buffers and the 64 KiB high-water mark, not by the
// body size). Every byte is counted and spot-checked against the pattern.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, B = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT2;
var N = 200000000;
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
    console.log('whole: ' + (got === N) + ', pattern: ' + (bad === 0));
    console.log('server ahead of the paused reader by < 32 MB: ' + (ahead >= 0 && ahead < 32 * 1048576) +
                (ahead < 32 * 1048576 ? '' : ' (' + ahead + ')'));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
