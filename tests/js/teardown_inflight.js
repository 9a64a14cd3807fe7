// Teardown with 1,000 fetches in flight: an uncaught error makes rtjs exit; rt_free
// cancels every request (sockets closed, worker threads joined, libuv handles closed)
// and returns promptly, with nothing leaked (the sanitizer runs in CI check that).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var keep = [];
// (a long connect timeout: under valgrind, queuing 1,000 fetches takes longer than the
// default 10 s, and the test is about teardown, not timeouts)
for (var i = 0; i < 1000; i++)
    keep.push(fetch(A + '/never', {timeout: {connect: 600000}}).then(null, function () {}));
setTimeout(function () {
    console.log('in flight: ' + rt.memoryUsage().requestsInFlight);
    throw new Error('teardown now');
}, 300);
