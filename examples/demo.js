// demo.js - timers keep firing while several fetches are in flight.
// Run with `make demo` (it starts a local server and passes its address as argv[2]).
var base = rt.argv[2] || 'http://127.0.0.1:8080';
var start = Date.now();
function t() { return ('     ' + (Date.now() - start)).slice(-5) + ' ms  '; }

console.log(t() + 'rtjs ' + rt.version + ' on the ' + rt.backend + ' backend');
var ticks = 0;
var timer = setInterval(function () {
    ticks++;
    console.log(t() + 'tick ' + ticks + ' (the loop is free while fetches wait)');
}, 100);

var delays = [300, 500, 700];
var main = rt.async(function () {
    // three slow requests at once: fetch() returns a promise immediately
    var pending = delays.map(function (ms) {
        console.log(t() + 'fetch /delay?ms=' + ms + ' started');
        return fetch(base + '/delay?ms=' + ms).then(function (res) {
            console.log(t() + 'fetch /delay?ms=' + ms + ' -> ' + res.status);
            return res.text();
        });
    });
    var bodies = rt.await(Promise.all(pending));
    console.log(t() + 'all ' + bodies.length + ' done together, not one after the other');

    // sequential code with rt.await: a JSON round trip
    var res = rt.await(fetch(base + '/echo', { method: 'POST', body: 'hello from rtjs' }));
    var echo = rt.await(res.json());
    console.log(t() + 'POST /echo -> ' + echo.method + ' ' + echo.length + ' bytes');
    try {
        rt.await(fetch('http://127.0.0.1:1/'));
    } catch (e) {
        console.log(t() + 'a refused connection rejects: ' + e.message + ' (' + e.cause.code + ')');
    }
});
main().then(function () {
    clearInterval(timer);
    console.log(t() + 'finished after ' + ticks + ' ticks');
}, function (e) {
    clearInterval(timer);
    console.log('demo failed: ' + e);
});
