// Node 20 fails these (undici reads with promises of result objects); the standard and
// later Node releases pass them.
// The Streams standard's read requests: reading a body to its end inside the runtime
// (text(), arrayBuffer(), tee(), pipeTo(), pipeThrough()) never resolves a promise with a {value, done} object, so a
// `then` a script plants on Object.prototype cannot inject chunks (WPT
// response-stream-with-broken-then). Regression: an injected result ended the process.
var log = console.log;
function enc(s) { return new TextEncoder().encode(s); }
function source() {
    return new ReadableStream({start: function (c) { c.enqueue(enc('hello')); c.close(); }});
}
var injections = [
    ['{done: false, value: bye}', function () { return {done: false, value: enc('bye')}; }],
    ['value: undefined', function () { return {done: false, value: undefined}; }],
    ['undefined', function () { return undefined; }],
    ['8.2', function () { return 8.2; }]
];
var chain = Promise.resolve();
injections.forEach(function (inj) {
    chain = chain.then(function () {
        var resp = new Response(source());
        Object.prototype.then = function (onFulfilled) {
            delete Object.prototype.then;
            onFulfilled(inj[1]());
        };
        var p = resp.text();
        return p.then(function (t) {
            delete Object.prototype.then;
            log('inject ' + inj[0] + ':', t);
        }, function (e) {
            delete Object.prototype.then;
            log('inject ' + inj[0] + ': rejected', e);
        });
    });
});
chain.then(function () {
    var resp = new Response(enc('hello'));
    Object.prototype.then = function (f) { delete Object.prototype.then; f({done: false, value: enc('bye')}); };
    return resp.text().then(function (t) { delete Object.prototype.then; log('bytes body:', t); });
}).then(function () {
    var parts = source().tee();
    return new Response(parts[0]).text().then(function (a) {
        return new Response(parts[1]).text().then(function (b) { log('tee:', a, b); });
    });
}).then(function () {
    // pipeTo of a bytes body (and of a script's stream): the chunks written are the body's
    var bodies = [['bytes body', function () { return new Response(new Uint8Array([1, 2, 3])).body; }],
                  ['script stream', function () {
                      return new ReadableStream({start: function (c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); }});
                  }]];
    var c2 = Promise.resolve();
    bodies.forEach(function (b) {
        c2 = c2.then(function () {
            var written = [];
            var ws = new WritableStream({write: function (chunk) { written.push.apply(written, Array.prototype.slice.call(chunk)); }});
            var rs = b[1]();
            Object.prototype.then = function (f) { delete Object.prototype.then; f({done: false, value: new Uint8Array([4, 5, 6])}); };
            return rs.pipeTo(ws).then(function () {
                delete Object.prototype.then;
                log('pipeTo of a ' + b[0] + ':', written.join(','));
            });
        });
    });
    return c2;
}).then(function () {
    var written = [];
    var rs = new Response(new Uint8Array([7, 8])).body.pipeThrough(new TransformStream());
    Object.prototype.then = function (f) { delete Object.prototype.then; f({done: false, value: new Uint8Array([9])}); };
    return rs.pipeTo(new WritableStream({write: function (chunk) { written.push(Array.prototype.slice.call(chunk).join(',')); }})).then(function () {
        delete Object.prototype.then;
        log('pipeThrough a TransformStream:', written.join('|'));
    });
});
