// args: --insecure
// The explicit, per-runtime opt-out for test setups: a self-signed server is accepted
// (rtjs prints a warning on stderr). The library itself never reads RT_INSECURE.
var r = fetch('https://localhost:' + rt.env.TEST_HTTPS_SELFSIGNED_PORT + '/hello').then(function (r) {
    return r.text();
}).then(function (t) { console.log('self-signed with --insecure: ' + t); });
