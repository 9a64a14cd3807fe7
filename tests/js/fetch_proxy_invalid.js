// Proxy URLs we cannot use (a bad port; a socks5:// proxy): rtjs warns at start-up, the
// requests that would use them fail with INVALID_PROXY, the ones NO_PROXY sends direct work.
// args: --use-env-proxy
// env: http_proxy=http://127.0.0.1:99999 https_proxy=socks5://127.0.0.1:1080 no_proxy=127.0.0.1:$TEST_HTTP_PORT2
var env = rt.env;
function show(label) {
    return function (e) { console.log(label + ': ' + e.name + ' ' + e.message + ' ' + e.cause.code + ' (' + e.cause.message + ')'); };
}
fetch('http://127.0.0.1:' + env.TEST_HTTP_PORT + '/hello').then(null, show('http'))
.then(function () {
    return fetch('https://localhost:' + env.TEST_HTTPS_PORT + '/hello').then(null, show('https'));
}).then(function () {
    return fetch('http://127.0.0.1:' + env.TEST_HTTP_PORT2 + '/hello');
}).then(function (r) { return r.text(); }).then(function (t) {
    console.log('direct: ' + t);
});
