// node: yes
// Request bodies of unknown length: a script-made ReadableStream (pull- and start-driven)
// goes out with Transfer-Encoding: chunked and arrives whole; Node's rule that a stream
// body needs duplex: 'half'; an empty stream; a stream that errors rejects the fetch with
// the stream's error as cause; a downloaded response.body piped into an upload; and the
// ReadableStream constructor itself (queue, close, desiredSize, cancel, Response(stream)).
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
function pattern(n, size) {
    var i = 0;
    return new ReadableStream({
        pull: function (c) {
            if (i >= n) { c.close(); return; }
            var u = new Uint8Array(size);
            for (var k = 0; k < size; k++) u[k] = (k * 7 + i) & 255;
            i++;
            c.enqueue(u);
        }
    });
}
function echo(body) {
    return fetch(A + '/echo', { method: 'POST', body: body, duplex: 'half' }).then(function (r) { return r.json(); });
}
function step(name, p) {
    return p.then(function (v) { console.log(name + ': ' + v); },
                  function (e) { console.log(name + ': ' + e.name + ' ' + e.message + (e.cause ? ' (' + e.cause.message + ')' : '')); });
}
var steps = [
    function () {
        return step('pulled 64 x 1000 bytes', echo(pattern(64, 1000)).then(function (j) {
            return j.length + ' chunked=' + j.chunked + ' te=' + j.headers['transfer-encoding'] + ' cl=' + j.headers['content-length'];
        }));
    },
    function () {
        try {
            new Request(A, { method: 'POST', body: pattern(1, 1) });
            return step('without duplex', Promise.resolve('accepted'));
        } catch (e) {
            return step('without duplex', Promise.resolve(e.name + ': ' + e.message));
        }
    },
    function () {
        return step('empty stream', echo(new ReadableStream({ start: function (c) { c.close(); } })).then(function (j) {
            return j.length + ' chunked=' + j.chunked + ' cl=' + j.headers['content-length'];
        }));
    },
    function () {
        return step('erroring stream', echo(new ReadableStream({ pull: function (c) { c.error(new Error('source broke')); } })));
    },
    function () {
        return step('download piped into an upload', fetch(A + '/bytes?n=300000').then(function (r) {
            return echo(r.body);
        }).then(function (j) { return j.length + ' chunked=' + j.chunked; }));
    },
    function () {
        var log = [];
        var ctl;
        var s = new ReadableStream({
            start: function (c) { ctl = c; log.push('start ' + c.desiredSize); c.enqueue('x'); log.push('after enqueue ' + c.desiredSize); },
            cancel: function (reason) { log.push('cancel ' + reason); }
        }, { highWaterMark: 2 });
        var r = s.getReader();
        return step('constructor', r.read().then(function (a) {
            log.push('read ' + a.value + ' ' + a.done);
            ctl.enqueue('y');
            ctl.close();
            return r.read();
        }).then(function (b) {
            log.push('read ' + b.value + ' ' + b.done);
            return r.read();
        }).then(function (c) {
            log.push('read ' + c.value + ' ' + c.done + ' locked=' + s.locked);
            var t = new ReadableStream({ cancel: function (why) { log.push('cancelled: ' + why); } });
            return t.cancel('enough');
        }).then(function () {
            return new Response(pattern(3, 5)).arrayBuffer();
        }).then(function (ab) {
            log.push('Response(stream) ' + ab.byteLength);
            return log.join(', ');
        }));
    }
];
var i = 0;
(function next() { if (i < steps.length) steps[i++]().then(next); })();
