// Run by tests/fdlimit/run.sh under `ulimit -n 256`. Descriptor exhaustion is pressure, not
// failure: 600 fetches at once (plain, by name, over TLS) all succeed - the ones that find no
// descriptor for their socket wait for one (EMFILE) - and a request that cannot get one
// within its connect timeout fails with EMFILE, not ESYS.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var byName = 'http://localhost:' + rt.env.TEST_HTTP_PORT;
var tls = 'https://127.0.0.1:' + rt.env.TEST_HTTPS_PORT;

function run(url) {
    return fetch(url).then(function (r) { return r.text(); }).then(function (t) {
        return t === 'delayed 300' ? 'ok' : 'bad body ' + t;
    }, function (e) { return (e.cause && e.cause.code) || String(e); });
}

function tally(outcomes) {
    var n = {};
    outcomes.forEach(function (o) { n[o] = (n[o] || 0) + 1; });
    return JSON.stringify(n);
}

var main = rt.async(function () {
    var ps = [];
    for (var i = 0; i < 600; i++)
        ps.push(run((i % 6 === 4 ? byName : i % 6 === 5 ? tls : base) + '/delay?ms=300'));
    console.log('600 at once: ' + tally(rt.await(Promise.all(ps))));

    // 300 long requests hold every descriptor there is; one more, with a 300 ms connect
    // timeout, cannot get one in time. They run in waves (the thread-pool backend spends two
    // descriptors per request: the socket and its worker's eventfd, so about 120 at once):
    // 1.2 s each keeps three waves well inside their own 10 s connect timeout on a busy
    // machine (2.5 s made it ~8 s and failed one run in three under load).
    var hogs = [];
    for (var j = 0; j < 300; j++)
        hogs.push(fetch(base + '/delay?ms=1200').then(function (r) { return r.text(); }));
    rt.await(new Promise(function (res) { setTimeout(res, 100); }));
    var t0 = Date.now();
    var late = rt.await(fetch(base + '/delay?ms=1', { timeout: { connect: 300 } }).then(function () {
        return 'succeeded';
    }, function (e) {
        return e.cause.code + ' after ' + (Date.now() - t0 >= 250 ? 'its connect timeout' : 'too short a wait') +
            (/no descriptor came free/.test(e.cause.message) ? ', named' : ', message: ' + e.cause.message);
    }));
    console.log('no descriptor within the connect timeout: ' + late);
    var texts = rt.await(Promise.all(hogs));
    console.log('the 300 long ones: ' + texts.length + ' ' + (texts[299] === 'delayed 1200'));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
