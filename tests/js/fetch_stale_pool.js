// A server that closes every connection after the response without saying so: pooled
// connections go stale under the client. Idempotent requests that got no response byte
// are retried once on a fresh connection (never on another pooled one), so all succeed.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var N = 400, C = 32, started = 0, done = 0, failed = {};
function one() {
    if (started >= N) return;
    started++;
    fetch(A + '/hello-close').then(function (r) { return r.text(); }).then(null, function (e) {
        var k = e.cause ? e.cause.code : e.message;
        failed[k] = (failed[k] || 0) + 1;
    }).then(function () {
        if (++done === N) console.log('all ' + N + ' succeeded: ' + (JSON.stringify(failed) === '{}') + ' ' + JSON.stringify(failed));
        else one();
    });
}
for (var i = 0; i < C; i++) one();
