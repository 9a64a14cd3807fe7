// A proxy that refuses: without credentials (or with wrong ones) it answers 407. A CONNECT
// refused is the request's failure (PROXY_CONNECT_FAILED, the proxy's status in the
// message); a plain request's 407 is an ordinary response, as curl gives it.
// args: --use-env-proxy
// env: http_proxy=http://127.0.0.1:$TEST_PROXY_AUTH_PORT https_proxy=http://user:wrong@127.0.0.1:$TEST_PROXY_AUTH_PORT no_proxy=127.0.0.1:$TEST_PROXY_AUTH_PORT
var env = rt.env;
function hide(s) {
    return s.split(env.TEST_PROXY_AUTH_PORT).join('PROXY').split(env.TEST_HTTPS_PORT).join('HTTPS');
}
fetch('https://localhost:' + env.TEST_HTTPS_PORT + '/hello').then(function (r) {
    console.log('unexpected: ' + r.status);
}, function (e) {
    console.log('https: ' + e.name + ' ' + e.message + ' ' + e.cause.code);
    console.log(hide(e.cause.message));
}).then(function () {
    return fetch('http://127.0.0.1:' + env.TEST_HTTP_PORT + '/hello');
}).then(function (r) {
    console.log('http: ' + r.status + ' ' + r.statusText + ' ' + r.headers.get('proxy-authenticate'));
    return r.text();
}).then(function (t) {
    console.log(t);
    return fetch('http://127.0.0.1:' + env.TEST_PROXY_AUTH_PORT + '/stats');
}).then(function (r) { return r.json(); }).then(function (s) {
    console.log('last: ' + s.proxy_auth.last.method + ' ' + (s.proxy_auth.last.proxy_authorization !== null));
}).then(null, function (e) { console.log('unexpected: ' + e.message); });
