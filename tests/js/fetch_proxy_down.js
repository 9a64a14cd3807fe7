// A proxy that cannot be reached fails the request with PROXY_CONNECT_FAILED (a refused
// connection, a name that does not resolve); requests that NO_PROXY sends direct still work.
// args: --use-env-proxy
// env: http_proxy=127.0.0.1:1 https_proxy=http://nonexistent.invalid:3128 no_proxy=localhost
var env = rt.env;
function show(label) {
    return function (e) {
        console.log(label + ': ' + e.name + ' ' + e.message + ' ' + (e.cause && e.cause.code));
        console.log('  ' + e.cause.message.split(':').slice(0, 3).join(':'));
    };
}
fetch('http://127.0.0.1:' + env.TEST_HTTP_PORT + '/hello').then(null, show('refused'))
.then(function () {
    return fetch('https://127.0.0.1:' + env.TEST_HTTPS_PORT + '/hello').then(null, show('unknown proxy host'));
}).then(function () {
    return fetch('http://localhost:' + env.TEST_HTTP_PORT + '/hello');
}).then(function (r) { return r.text(); }).then(function (t) {
    console.log('direct: ' + t);
});
