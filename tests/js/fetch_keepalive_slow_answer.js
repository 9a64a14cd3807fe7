// timeout: 60
// A pooled connection's next request whose answer takes longer than a thread-pool worker
// holds an idle connection (5 s). The thread pool sends such a request from the loop thread
// and leaves the worker in the poll(2) it holds the connection with; when that poll times
// out the worker must go on waiting for the answer, not park the connection with a request
// on it (the fetch would then wait for its headers timeout). Every backend answers both.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
fetch(A + '/hello')
    .then(function (r) { return r.text(); })
    .then(function (t) {
        console.log('first: ' + t);
        var t1 = Date.now();
        return fetch(A + '/delay?ms=6000').then(function (r) {
            return r.text().then(function (b) {
                console.log('slow answer on the pooled connection: ' + r.status + ' ' + (b.length > 0) +
                            ', after 6 s: ' + (Date.now() - t1 >= 6000) +
                            ', not at the headers timeout: ' + (Date.now() - t1 < 20000));
            });
        });
    })
    .then(null, function (e) {
        console.log('failed: ' + e.name + ' ' + (e.cause && e.cause.code));
    });
