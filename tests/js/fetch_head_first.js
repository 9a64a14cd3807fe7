// fetch() settles when the head arrives, before the body: the server sends the head,
// waits 500 ms, then sends the body. Settled early means at least half of that wait lies
// between the head and the body (a fetch that waited for the body would settle with it);
// an absolute bound on the head's time would fail on a slow or loaded machine instead.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var t0 = Date.now();
fetch(base + '/headers-then-body?ms=500').then(function (res) {
    var head = Date.now() - t0;
    return res.text().then(function (t) {
        var body = Date.now() - t0, early = body - head >= 250;
        console.log('settled before the body: ' + early + (early ? '' : ' (head at ' + head + ' ms, body at ' + body + ' ms)'));
        console.log(t);
        console.log('body came later: ' + (body >= 450));
    });
});
