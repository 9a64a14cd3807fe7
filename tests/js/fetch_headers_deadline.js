// timeout: 60
// The headers timeout runs from the request's last byte sent (Node's headersTimeout), not
// from its start. The server reads a 32 MiB upload slowly for 1 s (the last byte leaves
// the client after it), then at once, then answers 2.5 s later: 3.5 s after the start,
// under 3 s after the last byte. With { headers: 3000 } the request is answered. On the
// thread-pool backend the carrier says "sent" without waking the loop (lib/net/exchange.c),
// so the deadline armed at the start fires first, at 3 s, and must be moved, not obeyed.
// Then a server that reads it all and never answers: HEADERS_TIMEOUT, no sooner than 3 s
// after the start.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var big = new Uint8Array(32 * 1024 * 1024);
var t0 = Date.now();
fetch(A + '/slowread?slow_ms=1000&answer_ms=2500', { method: 'POST', body: big, timeout: { headers: 3000 } })
    .then(function (r) { return r.text(); })
    .then(function (t) {
        console.log('slow upload, late answer: ' + t + ', after 3 s: ' + (Date.now() - t0 >= 3000));
        var t1 = Date.now();
        return fetch(A + '/slowread?slow_ms=0&answer_ms=60000', { method: 'POST', body: 'x',
                                                                   timeout: { headers: 1000 } })
            .then(function (r) { console.log('answered? ' + r.status); }, function (e) {
                console.log('never answered: ' + e.name + ' ' + (e.cause && e.cause.code) +
                            ', not before 1 s: ' + (Date.now() - t1 >= 1000));
            });
    }, function (e) {
        console.log('failed: ' + e.name + ' ' + (e.cause && e.cause.code) + ' after ' + (Date.now() - t0) + ' ms');
    });
