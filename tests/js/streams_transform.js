// node: yes
// TransformStream (the Streams standard): the identity transform, transform/flush/start
// with the controller's enqueue, desiredSize, error and terminate; an exception in transform
// or flush errors both sides; backpressure (a write waits until the readable side is read);
// readable.cancel() and writable.abort() reach transformer.cancel and error the other side;
// strategies of both sides; the constructor's checks.
var log = console.log;
function name(e) { return e && e.name ? e.name : String(e); }
function E(Ctor, msg) {                    // errors the test makes print their message
    var e = new Ctor(msg);
    e.mine = true;
    return e;
}
function later(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
function settle(label, p) {
    return p.then(function (v) { log(label + ': fulfilled ' + v); },
                  function (e) { log(label + ': rejected ' + name(e) + (e && e.mine ? ' ' + e.message : '')); });
}
/* read a readable side to its end: the chunks joined, or the error */
function drain(rs) {
    var r = rs.getReader(), out = [];
    function next() {
        return r.read().then(function (x) {
            if (x.done) return out.join('|');
            out.push(x.value);
            return next();
        });
    }
    return next();
}
function writeAll(ws, chunks, close) {
    var w = ws.getWriter();
    var ps = chunks.map(function (c) { return w.write(c); });
    if (close) ps.push(w.close());
    return Promise.all(ps);
}

var tests = [
    function identity() {
        var ts = new TransformStream();
        log('readable', ts.readable instanceof ReadableStream, 'writable', ts.writable instanceof WritableStream,
            'same sides each time', ts.readable === ts.readable);
        writeAll(ts.writable, ['a', 'b', 'c'], true);
        return drain(ts.readable).then(function (s) { log('identity:', s); });
    },
    function transformAndFlush() {
        var ts = new TransformStream({
            start: function (c) { c.enqueue('<'); },
            transform: function (chunk, c) {
                c.enqueue(chunk.toUpperCase());
                c.enqueue(chunk.length);
            },
            flush: function (c) { c.enqueue('>'); }
        });
        writeAll(ts.writable, ['ab', 'cde'], true);
        return drain(ts.readable).then(function (s) { log('transform and flush:', s); });
    },
    function asyncTransform() {
        var ts = new TransformStream({
            transform: function (chunk, c) {
                return later(3).then(function () { c.enqueue(chunk * 2); });
            }
        });
        writeAll(ts.writable, [1, 2, 3], true);
        return drain(ts.readable).then(function (s) { log('async transform:', s); });
    },
    function transformThrows() {
        var ts = new TransformStream({
            transform: function (chunk) { if (chunk === 'bad') throw E(TypeError, 'no bad chunks'); }
        });
        var w = ts.writable.getWriter();
        return Promise.all([
            settle('write good', w.write('good')),
            settle('write bad', w.write('bad')),
            settle('writer.closed', w.closed),
            settle('read', ts.readable.getReader().read())
        ]);
    },
    function flushThrows() {
        var ts = new TransformStream({flush: function () { return Promise.reject(E(Error, 'flush failed')); }});
        var w = ts.writable.getWriter();
        return Promise.all([settle('close', w.close()), settle('read', ts.readable.getReader().read())]);
    },
    function controllerError() {
        var ts = new TransformStream({
            transform: function (chunk, c) { c.error(E(RangeError, 'controller.error')); }
        });
        var w = ts.writable.getWriter();
        var r = ts.readable.getReader();
        return Promise.all([settle('write', w.write('x')), settle('read', r.read()),
                            settle('reader.closed', r.closed), settle('writer.closed', w.closed)]);
    },
    function terminate() {
        var ts = new TransformStream({
            transform: function (chunk, c) {
                c.enqueue(chunk);
                if (chunk === 'last') c.terminate();
            }
        });
        var w = ts.writable.getWriter();
        var p = drain(ts.readable);
        return Promise.all([
            settle('write first', w.write('first')),
            settle('write last', w.write('last')),
            settle('write after terminate', w.write('more')),
            p.then(function (s) { log('readable after terminate:', s); })
        ]);
    },
    function backpressure() {
        var seen = [];
        var ts = new TransformStream({
            transform: function (chunk, c) {
                seen.push('transform ' + chunk);
                c.enqueue(chunk);
            }
        });
        var w = ts.writable.getWriter();
        log('writer.desiredSize', w.desiredSize, 'readable side full at 0');
        w.write('a');
        log('after a write: writer.desiredSize', w.desiredSize);
        var r = ts.readable.getReader();
        return later(10).then(function () {
            log('transform before a read:', seen.length);
            return r.read();
        }).then(function (x) {
            log('read', x.value, x.done, '|', seen.join(', '));
        });
    },
    function desiredSize() {
        var ctl;
        var ts = new TransformStream({start: function (c) { ctl = c; }}, undefined, {highWaterMark: 3});
        log('controller.desiredSize', ctl.desiredSize);
        ctl.enqueue('x');
        log('after enqueue', ctl.desiredSize);
        ctl.terminate();
        log('after terminate', ctl.desiredSize);
        try {
            ctl.enqueue('y');
        } catch (e) {
            log('enqueue after terminate:', name(e));
        }
        return drain(ts.readable).then(function (s) { log('drained', s); });
    },
    function sizeStrategies() {
        var ts = new TransformStream({}, {highWaterMark: 8, size: function (c) { return c.length; }},
                                     {highWaterMark: 100, size: function (c) { return c.length; }});
        var w = ts.writable.getWriter();
        log('writable desiredSize', w.desiredSize);
        return later(1).then(function () {
            w.write('abc');
            return later(5);
        }).then(function () {
            log('after abc passed through: writable desiredSize', w.desiredSize);
            w.releaseLock();
            return ts.readable.getReader().read();
        }).then(function (x) { log('read', x.value); });
    },
    function readableCancel() {
        var seen = [];
        var ts = new TransformStream({
            cancel: function (reason) { seen.push('transformer.cancel ' + reason); },
            flush: function () { seen.push('flush'); }
        });
        var w = ts.writable.getWriter();
        return settle('readable.cancel', ts.readable.cancel('reader gone')).then(function () {
            return Promise.all([settle('write', w.write('x')), settle('writer.closed', w.closed)]);
        }).then(function () { log(seen.join(', ')); });
    },
    function writableAbort() {
        var seen = [];
        var ts = new TransformStream({cancel: function (reason) { seen.push('transformer.cancel ' + reason); }});
        var r = ts.readable.getReader();
        return settle('writable.abort', ts.writable.abort('writer gone')).then(function () {
            return Promise.all([settle('read', r.read()), settle('reader.closed', r.closed)]);
        }).then(function () { log(seen.join(', ')); });
    },
    function cancelRejects() {
        var ts = new TransformStream({cancel: function () { throw E(Error, 'cancel failed'); }});
        var w = ts.writable.getWriter();
        var closed = w.closed;
        return settle('readable.cancel', ts.readable.cancel('why')).then(function () {
            return settle('writer.closed', closed);
        });
    },
    function startRejects() {
        var ts = new TransformStream({start: function () { return Promise.reject(E(Error, 'start failed')); }});
        var w = ts.writable.getWriter();
        return Promise.all([settle('write', w.write(1)), settle('read', ts.readable.getReader().read())]);
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
        attempt('null transformer', function () { new TransformStream(null); });
        attempt('readableType', function () { new TransformStream({readableType: 'bytes'}); });
        attempt('writableType', function () { new TransformStream({writableType: 'bytes'}); });
        attempt('transform not a function', function () { new TransformStream({transform: 1}); });
        attempt('readable highWaterMark NaN', function () { new TransformStream({}, {}, {highWaterMark: NaN}); });
        attempt('start throws', function () { new TransformStream({start: function () { throw E(URIError, 'x'); }}); });
        attempt('controller constructor', function () { new TransformStreamDefaultController(); });
        attempt('without new', function () { TransformStream(); });
        log(Object.prototype.toString.call(new TransformStream()), Object.keys(TransformStream.prototype).join());
        // the streams' own records must not run setters a script put on Object.prototype
        ['highWaterMark', 'size'].forEach(function (k) {
            Object.defineProperty(Object.prototype, k, {
                set: function () { throw E(Error, k + ' setter called'); }, configurable: true});
        });
        attempt('with setters on Object.prototype', function () {
            new TransformStream({}, {highWaterMark: 2, size: function () { return 1; }},
                                {highWaterMark: 2, size: function () { return 1; }});
        });
        delete Object.prototype.highWaterMark;
        delete Object.prototype.size;
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
