// Network bodies piped (rtjs only: the local test server's port comes from rt.env):
// a 300 000-byte download piped through a counting TransformStream into a slow sink (the
// bytes arrive whole and in order, with backpressure); a chunked body piped through a
// decoder; a body cut short by the server rejects the pipe and aborts the sink with the
// error; a pipe aborted by a signal cancels the download.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var log = console.log;
function later(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

var steps = [
    function patterned() {
        var n = 300000, seen = 0, bad = -1, chunks = 0, writes = 0;
        var count = new TransformStream({
            transform: function (c, ctl) { chunks++; ctl.enqueue(c); }
        });
        var sink = new WritableStream({
            write: function (c) {
                writes++;
                for (var i = 0; i < c.length; i++, seen++)
                    if (bad < 0 && c[i] !== ((seen * 31 + 7) & 255)) bad = seen;
                if (writes % 8 === 0) return later(1);
            }
        });
        return fetch(A + '/bytes?n=' + n).then(function (r) {
            var p = r.body.pipeThrough(count).pipeTo(sink);
            log('bodyUsed at once', r.bodyUsed);
            return p;
        }).then(function () {
            log('piped', seen, 'bytes, first wrong byte', bad, ', chunks through the transform === writes:', chunks === writes);
        });
    },
    function chunkedDecoded() {
        var td = new TextDecoder(), text = '';
        var dec = new TransformStream({transform: function (c, ctl) { ctl.enqueue(td.decode(c, {stream: true})); }});
        return fetch(A + '/chunked?parts=alpha,beta,gamma&delay=5').then(function (r) {
            return r.body.pipeThrough(dec).pipeTo(new WritableStream({write: function (s) { text += s; }}));
        }).then(function () { log('chunked:', text); });
    },
    function cutShort() {
        var aborted = null, got = 0;
        return fetch(A + '/close-mid-body?n=100000&cut=1000').then(function (r) {
            return r.body.pipeTo(new WritableStream({
                write: function (c) { got += c.length; },
                abort: function (e) { aborted = e; }
            }));
        }).then(function () { log('cut short: fulfilled?'); }, function (e) {
            log('cut short: rejected', e.name, '| sink aborted with the same error', aborted === e, '| got', got);
        });
    },
    function signalCancels() {
        var ac = new AbortController(), got = 0;
        return fetch(A + '/bytes?n=5000000').then(function (r) {
            var p = r.body.pipeTo(new WritableStream({
                write: function (c) {
                    got += c.length;
                    if (got >= 100000) ac.abort(new Error('enough'));
                    return later(1);
                }
            }), {signal: ac.signal});
            return p.then(function () { log('signal: fulfilled?'); }, function (e) {
                log('signal: rejected', e.message, '| read only part:', got < 5000000,
                    '| body locked', r.body.locked);
            });
        });
    }
];
var chain = Promise.resolve();
steps.forEach(function (s) {
    chain = chain.then(function () { log('-- ' + s.name); return s(); });
});
chain.then(function () { log('done'); }, function (e) { log('FAILED', e); });
