// args: --max-connections-per-origin 5 --threads 8
// Connection limits: with at most 5 connections per origin, 20 slow requests to one
// origin queue (they never fail) and the server never sees more than 5 at once, while a
// request to another origin is not held up by them: it is answered before the second of
// the four rounds is over (held up behind the queue it would come after the third; counted
// in finished requests, not in milliseconds, so a loaded machine cannot fail it).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, B = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT2;
var main = rt.async(function () {
    var t0 = Date.now(), ps = [], finished = 0;
    for (var i = 0; i < 20; i++)
        ps.push(fetch(A + '/delay?ms=200&group=limits').then(function (r) { return r.text(); })
                .then(function (t) { finished++; return t; }));
    var other = fetch(B + '/hello').then(function (r) { return r.text(); }).then(function (t) { return [t, finished]; });
    var texts = rt.await(Promise.all(ps));
    var wall = Date.now() - t0;
    var o = rt.await(other);
    var s = rt.await(rt.await(fetch(A + '/stats')).json());
    console.log('all 20 succeeded: ' + (texts.length === 20 && texts[19] === 'delayed 200'));
    console.log('server peak concurrent: ' + s.groups.limits.peak);
    console.log('queued, so it took at least 4 rounds: ' + (wall >= 780));
    console.log('other origin not held up: ' + o[0] + ' ' + (o[1] < 10) + (o[1] < 10 ? '' : ' (' + o[1] + ' of 20 finished first)'));
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code)); });
