// A connection holds no read buffer between reads (lib/net/conn.c): 200 requests waiting
// for their responses, then 200 idle pooled keep-alive connections, cost a few KiB each,
// not the 64 KiB chunk each one used to keep from its first read on (10,000 requests in
// flight peaked at 110 MB for that). Counted by the runtime's allocator, not by RSS: the
// bound (16 KiB a connection) is four times what they take and a quarter of the old cost.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, N = 200;
function live() { return rt.memoryUsage().liveBytes; }
var before = live(), waiting = -1, ps = [];
for (var i = 0; i < N; i++)
    ps.push(fetch(base + '/delay?ms=300').then(function (r) { return r.text(); }));
setTimeout(function () { waiting = live() - before; }, 150);   // all sent, none answered
Promise.all(ps).then(function (texts) {
    console.log('answers: ' + texts.length + ' ' + texts[0]);
    var idle = live() - before;
    console.log('while waiting, under 16 KiB a request: ' + (waiting >= 0 && waiting < N * 16384) +
                (waiting < N * 16384 ? '' : ' (' + waiting + ' bytes)'));
    console.log('idle in the pool, under 16 KiB a connection: ' + (idle < N * 16384) +
                (idle < N * 16384 ? '' : ' (' + idle + ' bytes)'));
});
