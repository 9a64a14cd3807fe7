// fetch() settles when the head arrives, before the body: the server sends the head,
// waits 500 ms, then sends the body.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var t0 = Date.now();
fetch(base + '/headers-then-body?ms=500').then(function (res) {
    var head = Date.now() - t0;
    console.log('settled before the body: ' + (head < 400) + (head < 400 ? '' : ' (' + head + ' ms)'));
    return res.text().then(function (t) {
        var body = Date.now() - t0;
        console.log(t);
        console.log('body came later: ' + (body >= 450));
    });
});
