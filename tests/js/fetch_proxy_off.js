// The proxy variables are set but rtjs was not asked to use them (no --use-env-proxy): as
// Node's fetch, every request goes direct, and the proxy sees nothing.
// env: http_proxy=http://127.0.0.1:$TEST_PROXY_PORT https_proxy=http://127.0.0.1:$TEST_PROXY_PORT no_proxy= HTTPS_PROXY=http://127.0.0.1:1
var env = rt.env;
var before;
function stats() {
    return fetch('http://127.0.0.1:' + env.TEST_PROXY_PORT + '/stats')
        .then(function (r) { return r.json(); })
        .then(function (s) { return s.proxy.requests + s.proxy.connects; });
}
stats().then(function (n) {
    before = n;
    return fetch('http://127.0.0.1:' + env.TEST_HTTP_PORT + '/hello');
}).then(function (r) { return r.text(); }).then(function (t) {
    console.log('http: ' + t);
    return fetch('https://localhost:' + env.TEST_HTTPS_PORT + '/hello');
}).then(function (r) { return r.text(); }).then(function (t) {
    console.log('https: ' + t);
    return stats();
}).then(function (n) {
    console.log('through the proxy: ' + (n - before));
});
