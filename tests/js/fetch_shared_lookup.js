// Fetches of one host name that overlap share one name lookup, and connects start from a
// queue that each loop turn works off for a bounded time (backends/libuv/uvb.c; the thread
// pool resolves per worker). What a script sees must not change: every fetch that shares
// a lookup gets its answer or its own error, one that is aborted while the lookup runs
// rejects alone, a lookup all of whose fetches left is cancelled and the next fetch of that
// name starts a new one, and an unknown name fails each of its fetches.
var url = 'http://localhost:' + rt.env.TEST_HTTP_PORT + '/hello';
function settle(p) {
    return p.then(function (r) { return r.text(); }).then(function (t) { return 'ok ' + t; },
        function (e) { return e.name + ' ' + (e.cause && e.cause.code || ''); });
}
function count(list) {
    var n = {};
    list.forEach(function (s) { n[s] = (n[s] || 0) + 1; });
    return Object.keys(n).sort().map(function (k) { return k + ' x' + n[k]; }).join(', ');
}
var ps = [], i;
for (i = 0; i < 60; i++) {
    if (i % 3 === 1) {                     // aborted while the shared lookup runs
        var ac = new AbortController();
        ps.push(settle(fetch(url, { signal: ac.signal })));
        ac.abort();
    } else {
        ps.push(settle(fetch(url)));
    }
}
Promise.all(ps).then(function (r) {
    console.log('overlapping: ' + count(r));
    // every fetch of the lookup leaves: it is cancelled, and the next one resolves anew
    var acs = [], qs = [];
    for (i = 0; i < 5; i++) {
        acs.push(new AbortController());
        qs.push(settle(fetch(url, { signal: acs[i].signal })));
    }
    acs.forEach(function (a) { a.abort(); });
    return Promise.all(qs);
}).then(function (r) {
    console.log('all left: ' + count(r));
    return settle(fetch(url));
}).then(function (r) {
    console.log('after: ' + r);
    // every fetch leaves and, in the same turn, a new one of that name starts: it must not
    // join the cancelled lookup
    var acs = [], qs = [];
    for (i = 0; i < 3; i++) {
        acs.push(new AbortController());
        qs.push(settle(fetch(url, { signal: acs[i].signal })));
    }
    acs.forEach(function (a) { a.abort(); });
    qs.push(settle(fetch(url)));
    return Promise.all(qs);
}).then(function (r) {
    console.log('left, then a new one at once: ' + count(r));
    var bad = [];
    for (i = 0; i < 3; i++)
        bad.push(settle(fetch('http://nonexistent.invalid/')));
    return Promise.all(bad);
}).then(function (r) {
    console.log('unknown name: ' + count(r));
});
