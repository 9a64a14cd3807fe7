// Fetch through an HTTP proxy (tests/server/proxy.py, opted in with --use-env-proxy): plain
// http:// in absolute form with the origin's Host, https:// through a CONNECT tunnel whose
// TLS is verified against the origin's name, keep-alive to the proxy, NO_PROXY (a host:port
// entry) going direct, and a script's own Proxy-Authorization dropped on the way to a
// proxy (the proxy's credentials come from its URL only) but sent as asked when direct.
// args: --use-env-proxy
// env: http_proxy=http://127.0.0.1:$TEST_PROXY_PORT https_proxy=127.0.0.1:$TEST_PROXY_PORT no_proxy=127.0.0.1:$TEST_PROXY_PORT,127.0.0.1:$TEST_HTTP_PORT2
var env = rt.env;
var origin = 'http://127.0.0.1:' + env.TEST_HTTP_PORT;
var direct = 'http://127.0.0.1:' + env.TEST_HTTP_PORT2;
var secure = 'https://localhost:' + env.TEST_HTTPS_PORT;
var wronghost = 'https://localhost:' + env.TEST_HTTPS_WRONGHOST_PORT;
var before;

// the proxy's counters (the proxy itself is in no_proxy: this request goes straight to it)
function stats() {
    return fetch('http://127.0.0.1:' + env.TEST_PROXY_PORT + '/stats')
        .then(function (r) { return r.json(); })
        .then(function (s) { return s.proxy; });
}
function delta(label) {
    return stats().then(function (s) {
        console.log(label + ': connections +' + (s.connections - before.connections) +
                    ', requests +' + (s.requests - before.requests) +
                    ', connects +' + (s.connects - before.connects) +
                    ', upstream +' + (s.upstream - before.upstream));
        before = s;
        return s;
    });
}
function json(url, init) {
    return fetch(url, init).then(function (r) { return r.json(); });
}
function fails(label) {
    return function (e) { console.log(label + ': ' + e.name + ' ' + e.message + ' ' + (e.cause && e.cause.code)); };
}

stats().then(function (s) {
    before = s;
    return json(origin + '/echo?x=1');
}).then(function (j) {
    console.log('plain: ' + j.method + ' ' + j.path + '?' + j.query + ' host ok ' +
                (j.headers.host === '127.0.0.1:' + env.TEST_HTTP_PORT));
    return delta('plain');
}).then(function (s) {
    console.log('absolute-form: ' + (s.last.target === origin + '/echo?x=1') + ', Host ' +
                (s.last.host === '127.0.0.1:' + env.TEST_HTTP_PORT) + ', no credentials ' +
                (s.last.proxy_authorization === null));
    // a body through the proxy, then two more requests: one connection to the proxy
    return json(origin + '/echo', { method: 'POST', body: 'twelve bytes' });
}).then(function (j) {
    console.log('post: ' + j.method + ' ' + j.length + ' ' + j.body);
    return fetch(origin + '/hello').then(function (r) { return r.text(); });
}).then(function (t) {
    console.log('hello: ' + t);
    return fetch(origin + '/status?code=404').then(function (r) { return r.text().then(function () { return r.status; }); });
}).then(function (st) {
    console.log('status: ' + st);
    return delta('three more, kept alive');
}).then(function () {
    // a script's Proxy-Authorization is dropped through a plain proxy: nobody sees it
    return json(origin + '/echo', { headers: { 'Proxy-Authorization': 'Basic c2NyaXB0OnNlY3JldA==' } });
}).then(function (j) {
    console.log('script credentials at the origin: ' + ('proxy-authorization' in j.headers));
    return delta('script credentials');
}).then(function (s) {
    console.log('script credentials at the proxy: ' + s.last.proxy_authorization);
    return json(direct + '/echo', { headers: { 'Proxy-Authorization': 'Basic c2NyaXB0OnNlY3JldA==' } });
}).then(function (j) {
    console.log('direct (no_proxy host:port): ' + j.path + ', credentials ' + ('proxy-authorization' in j.headers));
    return delta('direct');
}).then(function () {
    // https: a CONNECT tunnel, TLS to the origin inside, verified with the test CA
    return json(secure + '/echo');
}).then(function (j) {
    console.log('https: ' + j.path + ' host ok ' + (j.headers.host === 'localhost:' + env.TEST_HTTPS_PORT) +
                ', credentials ' + ('proxy-authorization' in j.headers));
    return delta('https');
}).then(function (s) {
    console.log('CONNECT ' + (s.last.target === 'localhost:' + env.TEST_HTTPS_PORT) + ', Host ' +
                (s.last.host === 'localhost:' + env.TEST_HTTPS_PORT));
    // the tunnel is pooled: the next two requests come over the same TLS connection
    return json(secure + '/tls');
}).then(function (a) {
    return json(secure + '/tls').then(function (b) {
        console.log('same tunnel: ' + (a.peer_port === b.peer_port));
        return delta('https kept alive');
    });
}).then(function () {
    // the certificate is checked against the origin's name, not the proxy's
    return fetch(wronghost + '/hello').then(null, function (e) {
        console.log('wrong host through the tunnel: ' + e.name + ' ' + (e.cause && e.cause.code));
    });
}).then(function () {
    return delta('wrong host');
}).then(function () {
    // a redirect from http to https crosses from one proxy route to the other
    return json(origin + '/redirect?to=' + encodeURIComponent(secure + '/echo'));
}).then(function (j) {
    console.log('redirected: ' + j.path + ' over https');
    return delta('redirect');
}).then(null, fails('unexpected'));
