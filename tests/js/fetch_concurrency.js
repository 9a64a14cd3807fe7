// The point of the project: a 10 ms timer fires while a 500 ms fetch is in flight, and
// two 400 ms fetches to two different hosts (127.0.0.1 and localhost, two ports) run
// together, not one after the other: the server sees both in flight at once (the peak of
// their group of /delay requests - a count, so a loaded machine cannot fail it; a
// wall-clock bound could; the group leaves out /delay requests other tests aborted, which
// the server still holds).
var a = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, b = 'http://localhost:' + rt.env.TEST_HTTP_PORT2;
var t0 = Date.now(), timerAt = -1;
setTimeout(function () { timerAt = Date.now() - t0; }, 10);
function json(url) { return fetch(url).then(function (r) { return r.json(); }); }
fetch(a + '/delay?ms=500').then(function (r) { return r.text(); }).then(function (t) {
    var took = Date.now() - t0;
    console.log('timer fired during the fetch: ' + (timerAt >= 0 && timerAt < took - 200));
    console.log(t);
}).then(function () {
    var t1 = Date.now();
    return Promise.all([fetch(a + '/delay?ms=400&group=concurrency'),
                        fetch(b + '/delay?ms=400&group=concurrency')]).then(function (rs) {
        return Promise.all(rs.map(function (r) { return r.text(); }));
    }).then(function (texts) {
        var ms = Date.now() - t1;
        console.log(texts.join(' | '));
        return json(a + '/stats').then(function (s) {
            var peak = s.groups.concurrency.peak, ok = peak === 2 && ms >= 390;
            console.log('in parallel: ' + ok + (ok ? '' : ' (' + peak + ' at once, ' + ms + ' ms)'));
        });
    });
});
