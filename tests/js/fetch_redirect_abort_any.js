// An https -> http redirect is followed (as Node does) and reports the final URL; an
// http -> https hop works too. AbortSignal.any(): aborts with the first source's reason,
// is already aborted when a source is, and cancels a fetch in flight; its timeout source
// gives a TimeoutError.
var S = 'https://localhost:' + rt.env.TEST_HTTPS_PORT, P = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
function show(p) {
    return p.then(function (v) { return 'ok ' + v; },
                  function (e) { return e.name + ' ' + e.message + (e.cause && e.cause.code ? ' ' + e.cause.code : ''); });
}
var main = rt.async(function () {
    var r = rt.await(fetch(S + '/redirect?to=' + encodeURIComponent(P + '/hello')));
    console.log('https -> http: ' + r.status + ' ' + rt.await(r.text()) + ' redirected=' + r.redirected +
                ' final=' + (r.url === P + '/hello'));
    r = rt.await(fetch(P + '/redirect?to=' + encodeURIComponent(S + '/hello') + '&code=307'));
    console.log('http -> https (307): ' + r.status + ' ' + rt.await(r.text()) + ' final=' + (r.url === S + '/hello'));

    var a = new AbortController(), b = new AbortController();
    var any = AbortSignal.any([a.signal, b.signal]);
    var seen = [];
    any.addEventListener('abort', function () { seen.push('event'); });
    b.abort('second said stop');
    a.abort('too late');
    console.log('any: aborted=' + any.aborted + ' reason=' + any.reason + ' events=' + seen.length);
    var pre = AbortSignal.any([new AbortController().signal, AbortSignal.abort('already')]);
    console.log('any of an aborted signal: ' + pre.aborted + ' ' + pre.reason);

    var c = new AbortController();
    var p = fetch(P + '/delay?ms=5000', { signal: AbortSignal.any([c.signal, new AbortController().signal]) });
    setTimeout(function () { c.abort(); }, 50);
    var t0 = Date.now();
    console.log('fetch with any(): ' + rt.await(show(p)) + ' fast=' + (Date.now() - t0 < 3000));
    t0 = Date.now();
    console.log('any() with a timeout: ' + rt.await(show(fetch(P + '/delay?ms=5000',
        { signal: AbortSignal.any([new AbortController().signal, AbortSignal.timeout(100)]) }))) +
        ' fast=' + (Date.now() - t0 < 3000));
});
main().then(null, function (e) { console.log('FAIL ' + e + ' ' + (e.cause && e.cause.code)); });
