// new-promise.js - (b) new Promise(function (res) { res(i); }): the executor closure, the
// construction, the resolving functions and the call to res. Per construction (compare
// with closure.js, the bare closure).
probe('new-promise', 'new Promise(function (res) { res(i); }), per construction', 1, function (n, done) {
    for (var i = 0; i < n; i++)
        ring[i & 1023] = new Promise(function (res) { res(i); });
    done();
});
