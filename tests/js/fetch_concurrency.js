// The point of the project: a 10 ms timer fires while a 500 ms fetch is in flight, and
// two 400 ms fetches to two different hosts (127.0.0.1 and localhost, two ports) complete
// together, not one after the other.
var a = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, b = 'http://localhost:' + rt.env.TEST_HTTP_PORT2;
var t0 = Date.now(), timerAt = -1;
setTimeout(function () { timerAt = Date.now() - t0; }, 10);
fetch(a + '/delay?ms=500').then(function (r) { return r.text(); }).then(function (t) {
    var took = Date.now() - t0;
    console.log('timer fired during the fetch: ' + (timerAt >= 0 && timerAt < took - 200));
    console.log(t);
    var t1 = Date.now();
    return Promise.all([fetch(a + '/delay?ms=400'), fetch(b + '/delay?ms=400')]).then(function (rs) {
        return Promise.all(rs.map(function (r) { return r.text(); }));
    }).then(function (texts) {
        var ms = Date.now() - t1;
        console.log(texts.join(' | '));
        console.log('in parallel: ' + (ms >= 390 && ms < 750) + (ms < 750 ? '' : ' (' + ms + ' ms)'));
    });
});
