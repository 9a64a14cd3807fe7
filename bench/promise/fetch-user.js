// fetch-user.js - (d) what a script does with a fetch() result, without the I/O: 16 chains
// at a time of Promise.resolve(response).then(r => r.text().then(use)).then(null, onError)
// .then(next), where text() returns an already resolved promise of a 13-byte string. Per
// iteration (one whole chain).
var fakeResponse = { text: function () { return Promise.resolve('Hello, world\n'); } };
function onError(e) { throw e; }
probe('fetch-user', 'fetch() result chain with no I/O, 16 at a time, per iteration', 1, function (n, done) {
    var started = 0, finished = 0;
    function use(t) { sink += t.length; }
    function lane() {
        if (started >= n) return;
        started++;
        Promise.resolve(fakeResponse).then(function (r) {
            return r.text().then(use);
        }).then(null, onError).then(function () {
            if (++finished === n) done();
            else lane();
        });
    }
    for (var i = 0; i < 16 && i < n; i++) lane();
});
