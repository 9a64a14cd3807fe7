// Failure paths: each rejects with TypeError('fetch failed') and its cause.code, the body
// read rejects with TypeError('terminated') when the server closes mid-body, and the loop
// goes on to the next request.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
function show(label) {
    return function (e) { console.log(label + ': ' + e.name + ' ' + e.message + ' ' + (e.cause && e.cause.code)); };
}
fetch('http://127.0.0.1:1/').then(null, show('refused'))
.then(function () { return fetch('http://nonexistent.invalid/').then(null, show('unknown host')); })
.then(function () {
    return fetch(base + '/close-mid-body?n=100000&cut=1000').then(function (res) {
        console.log('head ' + res.status);
        return res.text().then(null, show('mid-body'));
    });
})
.then(function () {
    return fetch(base + '/never', { timeout: { headers: 300 } }).then(null, show('never answers'));
})
.then(function () {
    return fetch(base + '/close-before-headers').then(null, show('closed'));
})
.then(function () {
    return fetch(base + '/reset').then(null, show('reset'));
})
.then(function () {
    return fetch('ftp://127.0.0.1/').then(null, show('scheme'));
})
.then(function () {
    return fetch('not a url').then(null, function (e) { console.log('bad url: ' + e.name); });
})
.then(function () { return fetch(base + '/hello'); })
.then(function (r) { return r.text(); })
.then(function (t) { console.log('still working: ' + t); });
