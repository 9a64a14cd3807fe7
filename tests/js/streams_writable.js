// node: yes
// WritableStream, its default writer and controller (the Streams standard): the sink's
// start/write/close/abort and their order, writes one at a time, desiredSize and ready
// (backpressure), size strategies (and the Count/ByteLength classes), a sink error rejects the write and errors the stream,
// abort (the reason, the controller's signal, pending writes), close while writes are
// pending, locks, and the constructor's argument checks.
var log = console.log;
function name(e) { return e && e.name ? e.name : String(e); }
// errors the test makes print with their message; the runtime's own print their name only
// (messages differ between implementations)
function E(Ctor, msg) {
    var e = new Ctor(msg);
    e.mine = true;
    return e;
}
function later(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function settle(label, p) {
    return p.then(function (v) { log(label + ': fulfilled ' + v); },
                  function (e) { log(label + ': rejected ' + name(e) + (e && e.mine ? ' ' + e.message : '')); });
}

var tests = [
    function order() {
        var busy = 0, most = 0, seen = [];
        var ws = new WritableStream({
            start: function (c) { seen.push('start'); },
            write: function (chunk) {
                busy++;
                most = Math.max(most, busy);
                seen.push('write ' + chunk);
                return later(5).then(function () { busy--; });
            },
            close: function () { seen.push('close'); }
        }, {highWaterMark: 2});
        var w = ws.getWriter();
        log('locked', ws.locked, 'desiredSize', w.desiredSize);
        var ps = ['a', 'b', 'c'].map(function (x) { return w.write(x); });
        log('after 3 writes desiredSize', w.desiredSize);
        var c = w.close();
        log('closing desiredSize', w.desiredSize);
        return Promise.all(ps.concat([c, w.closed])).then(function () {
            log(seen.join(', '), '| at most', most, 'write at once | desiredSize', w.desiredSize);
        });
    },
    function readyAndBackpressure() {
        var release = [];
        var ws = new WritableStream({
            write: function () { return new Promise(function (r) { release.push(r); }); }
        }, {highWaterMark: 1});
        var w = ws.getWriter(), readyFired = false;
        return w.ready.then(function () {
            log('ready at first, desiredSize', w.desiredSize);
            w.write('x');
            log('one write queued: desiredSize', w.desiredSize);
            w.ready.then(function () { readyFired = true; });
            return later(5);
        }).then(function () {
            log('ready while the write is out:', readyFired);
            release.shift()();
            return w.ready;
        }).then(function () {
            log('ready after the write, desiredSize', w.desiredSize);
        });
    },
    function sizeStrategy() {
        var ws = new WritableStream({}, {highWaterMark: 10, size: function (chunk) { return chunk.length; }});
        var w = ws.getWriter();
        w.write('abcd');
        log('size: desiredSize after a 4-long chunk', w.desiredSize);
        var bad = new WritableStream({}, {size: function () { return NaN; }}).getWriter();
        var thrower = new WritableStream({}, {size: function () { throw E(Error, 'size said no'); }}).getWriter();
        return Promise.all([
            settle('size NaN write', bad.write('x')),
            settle('size NaN closed', bad.closed),
            settle('size throws write', thrower.write('x'))
        ]);
    },
    function strategyClasses() {
        var c = new CountQueuingStrategy({highWaterMark: 3}), b = new ByteLengthQueuingStrategy({highWaterMark: 16});
        log('count:', c.highWaterMark, c.size('anything'), 'one size function for all:',
            c.size === new CountQueuingStrategy({highWaterMark: 1}).size);
        log('byte length:', b.highWaterMark, b.size(new Uint8Array(5)), b.size.name,
            Object.keys(ByteLengthQueuingStrategy.prototype).join());
        try {
            new CountQueuingStrategy({});
        } catch (e) {
            log('without highWaterMark:', name(e));
        }
        var w = new WritableStream({}, b).getWriter();
        w.write(new Uint8Array(10));
        log('a writable stream of bytes: desiredSize after 10 bytes', w.desiredSize);
        return w.close();
    },
    function writeError() {
        var aborted = false;
        var ws = new WritableStream({
            write: function (chunk) { if (chunk === 2) throw E(Error, 'sink fails on 2'); },
            abort: function () { aborted = true; }
        });
        var w = ws.getWriter();
        return Promise.all([
            settle('write 1', w.write(1)),
            settle('write 2', w.write(2)),
            settle('write 3 (queued behind 2)', w.write(3))
        ]).then(function () {
            log('after the error: desiredSize', w.desiredSize, 'sink.abort called', aborted);
            return Promise.all([settle('write 4', w.write(4)), settle('closed', w.closed),
                                settle('ready', w.ready), settle('close', w.close())]);
        });
    },
    function asyncWriteRejects() {
        var ws = new WritableStream({write: function () { return Promise.reject(E(TypeError, 'late')); }});
        var w = ws.getWriter();
        return Promise.all([settle('async write', w.write('a')), settle('closed', w.closed)]);
    },
    function abortDuringWrite() {
        var seen = [], finish;
        var ctl;
        var ws = new WritableStream({
            start: function (c) { ctl = c; },
            write: function (chunk) {
                seen.push('write ' + chunk);
                return new Promise(function (r) { finish = r; });
            },
            abort: function (reason) { seen.push('abort ' + reason); }
        });
        var w = ws.getWriter();
        var p1 = w.write('one'), p2 = w.write('two');
        return later(5).then(function () {
            var a = w.abort('enough');
            log('signal aborted', ctl.signal.aborted, 'reason', ctl.signal.reason, 'desiredSize', w.desiredSize);
            var all = Promise.all([settle('in-flight write', p1), settle('queued write', p2),
                                   settle('abort()', a), settle('closed', w.closed)]);
            later(5).then(function () { seen.push('write settles'); finish(); });
            return all;
        }).then(function () { log(seen.join(', ')); });
    },
    function abortWithoutReason() {
        var ctl, got = 'unset';
        var ws = new WritableStream({start: function (c) { ctl = c; }, abort: function (r) { got = r; }});
        return ws.abort().then(function () {
            log('abort(): sink got', got, 'signal.reason', name(ctl.signal.reason));
        });
    },
    function abortTwiceAndAfterClose() {
        var ws = new WritableStream({abort: function () { return later(5); }});
        var a = ws.abort('r1'), b = ws.abort('r2');
        log('second abort returns the same promise:', a === b);
        var closedWs = new WritableStream();
        return closedWs.close().then(function () {
            return Promise.all([settle('abort of a closed stream', closedWs.abort('x')), a, b]);
        });
    },
    function closeWhileWritesPending() {
        var seen = [];
        var ws = new WritableStream({
            write: function (c) { seen.push('write ' + c); return later(3); },
            close: function () { seen.push('close'); return later(3); }
        });
        var w = ws.getWriter();
        w.write(1);
        w.write(2);
        var c = w.close();
        return Promise.all([
            settle('write after close()', w.write(3)),
            settle('second close()', w.close()),
            settle('close()', c)
        ]).then(function () { log(seen.join(', ')); });
    },
    function closeRejects() {
        var ws = new WritableStream({close: function () { throw E(RangeError, 'sink cannot close'); }});
        var w = ws.getWriter();
        return Promise.all([settle('close', w.close()), settle('closed', w.closed)]);
    },
    function abortDuringClose() {
        var ws = new WritableStream({
            close: function () { return later(5); },
            abort: function () { log('sink.abort must not run here'); }
        });
        var w = ws.getWriter();
        var c = w.close();
        return later(1).then(function () {
            return Promise.all([settle('abort while closing', w.abort('late')), settle('close', c),
                                settle('closed', w.closed)]);
        });
    },
    function controllerError() {
        var ws = new WritableStream({start: function (c) { c.error(E(Error, 'from start')); }});
        var w = ws.getWriter();
        return Promise.all([settle('write', w.write('x')), settle('ready', w.ready),
                            settle('closed', w.closed)]).then(function () {
            log('desiredSize after error', w.desiredSize);
        });
    },
    function startRejects() {
        var writes = 0;
        var ws = new WritableStream({
            start: function () { return Promise.reject(E(Error, 'start failed')); },
            write: function () { writes++; }
        });
        var w = ws.getWriter();
        return Promise.all([settle('write', w.write('x')), settle('closed', w.closed)]).then(function () {
            log('writes reaching the sink', writes);
        });
    },
    function startDelaysWrites() {
        var seen = [];
        var ws = new WritableStream({
            start: function () { seen.push('start'); return later(10).then(function () { seen.push('started'); }); },
            write: function (c) { seen.push('write ' + c); }
        });
        var w = ws.getWriter();
        return w.write('a').then(function () { log(seen.join(', ')); });
    },
    function locks() {
        var ws = new WritableStream();
        var w = ws.getWriter();
        try {
            ws.getWriter();
        } catch (e) {
            log('second getWriter:', name(e));
        }
        var steps = [settle('abort a locked stream', ws.abort()), settle('close a locked stream', ws.close())];
        var closed = w.closed;
        w.releaseLock();
        log('released: locked', ws.locked, 'same closed promise', closed === w.closed);
        try {
            log(w.desiredSize);
        } catch (e) {
            log('desiredSize after release:', name(e));
        }
        steps.push(settle('closed after release', closed), settle('write after release', w.write(1)),
                   settle('close after release', w.close()));
        var w2 = new WritableStreamDefaultWriter(ws);
        log('a new writer: locked', ws.locked);
        w2.releaseLock();
        w2.releaseLock();
        steps.push(settle('unlocked close', ws.close()));
        return Promise.all(steps);
    },
    function constructor() {
        function attempt(label, f) {
            try {
                f();
                log(label + ': ok');
            } catch (e) {
                log(label + ':', name(e));
            }
        }
        attempt('no arguments', function () { new WritableStream(); });
        attempt('null sink', function () { new WritableStream(null); });
        attempt('type', function () { new WritableStream({type: 'bytes'}); });
        attempt('write not a function', function () { new WritableStream({write: 5}); });
        attempt('highWaterMark -1', function () { new WritableStream({}, {highWaterMark: -1}); });
        attempt('size not a function', function () { new WritableStream({}, {size: 1}); });
        attempt('start throws', function () { new WritableStream({start: function () { throw E(SyntaxError, 'no'); }}); });
        attempt('without new', function () { WritableStream(); });
        attempt('controller constructor', function () { new WritableStreamDefaultController(); });
        attempt('writer of a non-stream', function () { new WritableStreamDefaultWriter({}); });
        log(Object.prototype.toString.call(new WritableStream()), typeof WritableStream.prototype.getWriter,
            Object.keys(WritableStream.prototype).join());
        var ws = new WritableStream({}, {highWaterMark: 0});
        log('highWaterMark 0: desiredSize', ws.getWriter().desiredSize);
        return Promise.resolve();
    }
];

var chain = Promise.resolve();
tests.forEach(function (t) {
    chain = chain.then(function () {
        log('-- ' + t.name);
        return t();
    });
});
chain.then(function () { log('done'); }, function (e) { log('FAILED', e); });
