// HTTPS connections are pooled with their TLS session up (a second request rides the same
// connection), and a new connection to the same origin resumes the last session
// (abbreviated handshake) instead of a full one. Regression: the thread-pool backend
// closed every other idle connection to an origin whenever it took one from the pool.
var H = 'https://localhost:' + rt.env.TEST_HTTPS_PORT;
function info(init, base, query) {
    return fetch((base || H) + '/tls' + (query || ''), init).then(function (r) { return r.json(); });
}
function rounds(base) {
    var ports = {}, i, round1 = [], round2 = [];
    // slow answers keep every connection (or every worker) busy at once in round one
    for (i = 0; i < 10; i++) round1.push(info(undefined, base, '?ms=200'));
    var r1 = rt.await(Promise.all(round1)), k = 0;
    for (i = 0; i < r1.length; i++) if (!ports[r1[i].peer_port]) { ports[r1[i].peer_port] = true; k++; }
    // as many at once as round one left connections (ten on libuv; one per busy worker on
    // the thread pool): every one of them finds an idle connection of its origin
    for (i = 0; i < k; i++) round2.push(info(undefined, base));
    var r2 = rt.await(Promise.all(round2)), reused = 0;
    for (i = 0; i < r2.length; i++) if (ports[r2[i].peer_port]) reused++;
    return reused === k && k > 1;
}
var main = rt.async(function () {
    var a = rt.await(info());
    var b = rt.await(info());
    console.log('first request: new session ' + !a.session_reused);
    console.log('second request on the same connection: ' + (a.peer_port === b.peer_port));
    // Connection: close makes each of these a new TCP connection and a new handshake
    var c = rt.await(info({ headers: { Connection: 'close' } }));
    var d = rt.await(info({ headers: { Connection: 'close' } }));
    console.log('new connections: ' + (c.peer_port !== b.peer_port && d.peer_port !== c.peer_port));
    console.log('new connection resumed the session: ' + (c.session_reused && d.session_reused));
    // ten in parallel, then ten more: the second round reuses the first round's connections
    console.log('second round on pooled connections: ' + rounds(H));
    console.log('the same over http: ' + rounds('http://127.0.0.1:' + rt.env.TEST_HTTP_PORT));
});
main().then(null, function (e) { console.log('FAIL ' + e + ' ' + (e.cause && e.cause.code)); });
