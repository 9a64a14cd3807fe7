// timeout: 90
// The test server stops an endless answer as soon as its client leaves, over HTTP and over
// HTTPS, and logs nothing (regression: over TLS its writer never suspended, so it never
// learnt that the socket was gone: it wrote the remaining 6 GB to a dead socket, logging
// "socket.send() raised exception." 100,000 times, with the whole server blocked for 6-8 s
// - load on the machine and a stalled server while the next tests ran). The client reads
// at most 1 MB (maxBodyBytes) and leaves; the server must then be done within 5 s, having
// written no more than what the connection can hold besides (the kernel's socket-buffer
// maxima, TEST_SOCKET_BUFFERS, plus 8 MB: about 700 blocks of 64 KiB here; usually under
// 100 are written, 100,000 when it runs on) and having logged nothing. Ten rounds each:
// the old server did not run on every time.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
var ROUNDS = 10, SLOW = rt.env.RT_SLOW_TOOL ? 10 : 1, MB = 1048576;
var MAX_BLOCKS = Math.ceil((1000000 + (Number(rt.env.TEST_SOCKET_BUFFERS) || 32 * MB) + 8 * MB) / 65536);
function stats() { return rt.await(rt.await(fetch(A + '/stats')).json()); }
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
var main = rt.async(function () {
    var bases = [['http', A], ['https', S]];
    for (var b = 0; b < bases.length; b++) {
        var s0 = stats(), rejected = 0, stopped = 0, blocks = 0;
        for (var i = 0; i < ROUNDS; i++) {
            try {
                var res = rt.await(fetch(bases[b][1] + '/bad/endless-chunked',
                                         { limits: { maxBodyBytes: 1000000 } }));
                rt.await(res.arrayBuffer());
            } catch (e) {
                if (e instanceof TypeError) rejected++;
            }
            var until = Date.now() + 5000 * SLOW, s;
            while ((s = stats()).endless_open > 0 && Date.now() < until)
                rt.await(sleep(10));
            if (s.endless_open === 0) stopped++;
            if (s.endless_blocks > blocks) blocks = s.endless_blocks;
        }
        var s1 = stats();
        console.log(bases[b][0] + ': the client left ' + rejected + ' of ' + ROUNDS + ' times');
        console.log(bases[b][0] + ': the server stopped within 5 s: ' + stopped + ' of ' + ROUNDS);
        console.log(bases[b][0] + ': no more written than the connection holds: ' +
                    (blocks <= MAX_BLOCKS) + (blocks <= MAX_BLOCKS ? '' : ' (' + blocks + ' blocks)'));
        console.log(bases[b][0] + ': server log records: ' + (s1.log_records - s0.log_records));
    }
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
