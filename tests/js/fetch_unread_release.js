// A Response whose body is never read releases its connection as soon as it becomes
// garbage (reference counting: no cycle in the Response), and a body read to the end
// returns its connection to the pool at once. The server counts the connections of this
// test's group (?group=unread) that are still open: a count of all its connections would
// also move when one an earlier test left behind closes.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, B = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT2;
function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function open() {
    return fetch(B + '/stats').then(function (r) { return r.json(); })
        .then(function (s) { return s.groups.unread ? s.groups.unread.open : -1; });
}
var main = rt.async(function () {
    rt.await(fetch(A + '/bytes?n=50000000&group=unread').then(function (res) {
        return res.status;                 // the body is never read; res is dropped here
    }));
    // the server sees the close a moment later: wait for it, up to 3 s (30 s under valgrind)
    var until = Date.now() + (rt.env.RT_SLOW_TOOL ? 30000 : 3000), after;
    do {
        rt.await(sleep(100));
        after = rt.await(open());
    } while (after !== 0 && Date.now() < until);
    console.log('unread response released its connection: ' + (after === 0) + (after === 0 ? '' : ' (' + after + ' still open)'));
    var r1 = rt.await(fetch(A + '/hello'));
    rt.await(r1.text());
    var s0 = rt.await(rt.await(fetch(A + '/stats')).json());
    var r2 = rt.await(fetch(A + '/hello'));
    rt.await(r2.text());
    var s1 = rt.await(rt.await(fetch(A + '/stats')).json());
    console.log('read to the end, connection reused: ' + (s1.connections_total === s0.connections_total));
    console.log('in flight after all: ' + rt.memoryUsage().requestsInFlight);
});
main().then(null, function (e) { console.log('FAILED ' + e); });
