// A proxy that wants credentials (tests/server/proxy.py's proxy_auth: user / p@ss:word): the
// proxy URL's user:password, %-decoded, become "Proxy-Authorization: Basic ..." on the
// absolute-form request and on the CONNECT, and never reach an origin (inside the tunnel, or
// on a NO_PROXY request).
// args: --use-env-proxy
// env: http_proxy=http://user:p%40ss%3Aword@127.0.0.1:$TEST_PROXY_AUTH_PORT/ https_proxy=http://user:p%40ss%3Aword@127.0.0.1:$TEST_PROXY_AUTH_PORT no_proxy=127.0.0.1:$TEST_PROXY_AUTH_PORT,localhost:$TEST_HTTP_PORT
var env = rt.env;
var origin = 'http://127.0.0.1:' + env.TEST_HTTP_PORT;
var secure = 'https://localhost:' + env.TEST_HTTPS_PORT;
var expected = 'Basic dXNlcjpwQHNzOndvcmQ=';   // base64("user:p@ss:word")
var before;

function stats() {
    return fetch('http://127.0.0.1:' + env.TEST_PROXY_AUTH_PORT + '/stats')
        .then(function (r) { return r.json(); })
        .then(function (s) { return s.proxy_auth; });
}
function delta(label) {
    return stats().then(function (s) {
        console.log(label + ': requests +' + (s.requests - before.requests) + ', connects +' +
                    (s.connects - before.connects) + ', refused +' + (s.refused - before.refused) +
                    ', with credentials +' + (s.with_auth - before.with_auth));
        before = s;
        return s;
    });
}
function json(url) {
    return fetch(url).then(function (r) { return r.json(); });
}

stats().then(function (s) {
    before = s;
    return json(origin + '/echo');
}).then(function (j) {
    console.log('plain: ' + j.path + ', credentials at the origin ' + ('proxy-authorization' in j.headers));
    return delta('plain');
}).then(function (s) {
    console.log('sent to the proxy: ' + (s.last.proxy_authorization === expected));
    return json(secure + '/echo');
}).then(function (j) {
    console.log('https: ' + j.path + ', credentials at the origin ' + ('proxy-authorization' in j.headers));
    return delta('https');
}).then(function (s) {
    console.log('on the CONNECT: ' + (s.last.method === 'CONNECT' && s.last.proxy_authorization === expected));
    // localhost:port is in no_proxy: direct, and no credentials go with it
    return json('http://localhost:' + env.TEST_HTTP_PORT + '/echo');
}).then(function (j) {
    console.log('direct: ' + j.path + ', credentials at the origin ' + ('proxy-authorization' in j.headers));
    return delta('direct');
}).then(null, function (e) { console.log('unexpected: ' + e.message + ' ' + (e.cause && e.cause.message)); });
