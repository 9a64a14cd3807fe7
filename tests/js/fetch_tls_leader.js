// Many new HTTPS connections to one origin with no session to resume: the first one leads
// a full handshake, the others wait for it (TCP connected meanwhile) and then resume its
// session, so only one connection pays for the public-key work. When the leader fails, the
// ones waiting for it go on and fail (or succeed) on their own; they never hang. A server
// that fails every handshake fails every request with its own code.
var H = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_PORT;
var main = rt.async(function () {
    var ps = [], i;
    // /tls?ms=300 keeps each connection busy, so the 30 need 30 connections at once
    for (i = 0; i < 30; i++)
        ps.push(fetch(H + '/tls?ms=300').then(function (r) { return r.json(); }));
    var rs = rt.await(Promise.all(ps)), full = 0, ports = {};
    for (i = 0; i < rs.length; i++) {
        if (!rs[i].session_reused) full++;
        ports[rs[i].peer_port] = 1;
    }
    console.log('30 connections: ' + Object.keys(ports).length);
    console.log('full handshakes among them: ' + full);

    // a server that hangs up mid-handshake: the leader fails, the others do not wait for
    // ever; each one fails with the handshake's code
    var hang = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_HANGUP_PORT + '/';
    ps = [];
    for (i = 0; i < 10; i++)
        ps.push(fetch(hang).then(function () { return 'ok'; }, function (e) { return e.cause.code; }));
    console.log('leader hung up on: ' + rt.await(Promise.all(ps)).join(' '));

    // a certificate that does not verify: all fail, each with the certificate's code
    var exp = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_EXPIRED_PORT + '/hello';
    ps = [];
    for (i = 0; i < 10; i++)
        ps.push(fetch(exp).then(function () { return 'ok'; }, function (e) { return e.cause.code; }));
    console.log('expired certificate: ' + rt.await(Promise.all(ps)).join(' '));

    // an aborted leader: its waiters go on without it
    var ac = new AbortController();
    var lead = fetch(H.replace('127.0.0.1', 'localhost') + '/tls?ms=200', { signal: ac.signal })
        .then(function () { return 'ok'; }, function (e) { return e.name; });
    ps = [];
    for (i = 0; i < 5; i++)
        ps.push(fetch(H.replace('127.0.0.1', 'localhost') + '/tls').then(function (r) { return r.json(); })
            .then(function (j) { return 'ok'; }, function (e) { return e.cause.code; }));
    ac.abort();
    console.log('aborted leader: ' + rt.await(lead) + ', the others: ' + rt.await(Promise.all(ps)).join(' '));
});
main().then(null, function (e) { console.log('FAIL ' + e + ' ' + (e.cause && e.cause.code)); });
