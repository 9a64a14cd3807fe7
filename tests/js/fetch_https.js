// timeout: 120
// HTTPS with verification on by default (the test CA is trusted through RT_CA_FILE):
// GET by name and by IP (checked against the certificate's iPAddress entries), a 10 MB
// POST, a chunked response, bodies cut short with and without close_notify, 100 MB
// streamed and 20 MB whole; then an untrusted self-signed server, an
// expired certificate, a certificate for another host name and a server that hangs up
// mid-handshake, each with its cause.code, and the runtime goes on.
var H = 'https://localhost:' + rt.env.TEST_HTTPS_PORT, HIP = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_PORT;
function code(p) {
    return p.then(function (r) { return 'ok ' + r.status; }, function (e) { return e.message + ' ' + (e.cause && e.cause.code); });
}
var main = rt.async(function () {
    var r = rt.await(fetch(H + '/hello'));
    console.log('by name: ' + r.status + ' ' + rt.await(r.text()));
    r = rt.await(fetch(HIP + '/hello'));
    console.log('by IP: ' + r.status + ' ' + rt.await(r.text()));
    var body = new Uint8Array(10000000);
    for (var i = 0; i < body.length; i += 4096) body[i] = i & 255;
    r = rt.await(fetch(H + '/echo', { method: 'POST', body: body }));
    console.log('POST 10 MB: ' + (rt.await(r.json()).length === 10000000));
    r = rt.await(fetch(H + '/chunked?parts=se,cu,re'));
    console.log('chunked: ' + rt.await(r.text()));
    r = rt.await(fetch(H + '/close-mid-body?n=100000&cut=5000'));
    console.log('cut short after close_notify: ' + rt.await(code(r.text())));
    r = rt.await(fetch(H + '/close-mid-body?n=100000&cut=5000&abort=1'));
    console.log('cut short without close_notify: ' + rt.await(code(r.text())));
    r = rt.await(fetch(H + '/bytes?n=100000000'));
    var reader = r.body.getReader(), got = 0;
    for (;;) {
        var c = rt.await(reader.read());
        if (c.done) break;
        if (c.value[0] !== ((got * 31 + 7) & 255)) got = -1e12;
        got += c.value.length;
    }
    console.log('download 100 MB: ' + (got === 100000000));
    r = rt.await(fetch(H + '/bytes?n=20000000'));
    var u = new Uint8Array(rt.await(r.arrayBuffer())), bad = 0;
    for (var k = 0; k < u.length; k += 1009) if (u[k] !== ((k * 31 + 7) & 255)) bad++;
    console.log('download 20 MB: ' + (u.length === 20000000 && bad === 0));
    console.log('self-signed: ' + rt.await(code(fetch('https://localhost:' + rt.env.TEST_HTTPS_SELFSIGNED_PORT + '/hello'))));
    console.log('expired: ' + rt.await(code(fetch('https://localhost:' + rt.env.TEST_HTTPS_EXPIRED_PORT + '/hello'))));
    console.log('wrong host: ' + rt.await(code(fetch('https://localhost:' + rt.env.TEST_HTTPS_WRONGHOST_PORT + '/hello'))));
    console.log('IP not in cert: ' + rt.await(code(fetch('https://127.0.0.1:' + rt.env.TEST_HTTPS_WRONGHOST_PORT + '/hello'))));
    console.log('hangs up mid-handshake: ' + rt.await(code(fetch('https://127.0.0.1:' + rt.env.TEST_HTTPS_HANGUP_PORT + '/'))));
    console.log('plain http to a TLS port: ' + rt.await(code(fetch('http://127.0.0.1:' + rt.env.TEST_HTTPS_PORT + '/hello', { timeout: { headers: 2000 } }))).replace(/ E[A-Z]+$/, ' (fails)'));
    r = rt.await(fetch(H + '/hello'));
    console.log('still working: ' + rt.await(r.text()));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code) + ' ' + (e.cause && e.cause.message)); });
