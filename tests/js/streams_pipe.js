// node: yes
// ReadableStream.prototype.pipeTo and pipeThrough (the Streams standard's ReadableStreamPipeTo):
// both streams locked for the pipe and the source disturbed at once (a Response's bodyUsed);
// close, errors and cancellation propagated forward and backward, and the prevent* options
// that stop each; an AbortSignal (before and during the pipe); backpressure (the source is
// not read far ahead of a slow sink); the argument checks; a Response body piped and piped
// through a TransformStream.
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
                  function (e) { log(label + ': rejected ' + (e && e.mine ? name(e) + ' ' + e.message : name(e))); });
}
/* a source of the given chunks that logs its cancel; err: error after the chunks */
function source(chunks, seen, err) {
    var i = 0;
    return new ReadableStream({
        pull: function (c) {
            if (i < chunks.length) return c.enqueue(chunks[i++]);
            if (err) c.error(err);
            else c.close();
        },
        cancel: function (r) { seen.push('source.cancel ' + (r && r.mine ? r.message : name(r))); }
    });
}
/* a sink that records: writes, close, abort */
function sink(seen, opts) {
    opts = opts || {};
    return new WritableStream({
        write: function (c) {
            seen.push('write ' + c);
            if (opts.failOn === c) throw E(Error, 'sink refuses ' + c);
            if (opts.delay) return later(opts.delay);
        },
        close: function () { seen.push('sink.close'); },
        abort: function (r) { seen.push('sink.abort ' + (r && r.mine ? r.message : name(r))); }
    }, {highWaterMark: opts.hwm === undefined ? 1 : opts.hwm});
}

var tests = [
    function basic() {
        var seen = [];
        var rs = source(['a', 'b', 'c'], seen), ws = sink(seen);
        var p = rs.pipeTo(ws);
        log('during the pipe: source locked', rs.locked, 'dest locked', ws.locked);
        return settle('pipeTo', p).then(function () {
            log(seen.join(', '), '| after: source locked', rs.locked, 'dest locked', ws.locked);
        });
    },
    function preventClose() {
        var seen = [];
        var ws = sink(seen);
        return settle('pipeTo', source(['x'], seen).pipeTo(ws, {preventClose: true})).then(function () {
            var w = ws.getWriter();
            return w.write('more after the pipe').then(function () { return w.close(); });
        }).then(function () { log(seen.join(', ')); });
    },
    function sourceErrors() {
        var seen = [];
        return settle('pipeTo', source(['a'], seen, E(TypeError, 'source broke')).pipeTo(sink(seen))).then(function () {
            log(seen.join(', '));
        });
    },
    function sourceErrorsPreventAbort() {
        var seen = [];
        var ws = sink(seen);
        var p = source(['a'], seen, E(TypeError, 'source broke')).pipeTo(ws, {preventAbort: true});
        return settle('pipeTo', p).then(function () {
            var w = ws.getWriter();
            log('dest still writable: desiredSize', w.desiredSize, '|', seen.join(', '));
        });
    },
    function sourceAlreadyErrored() {
        var seen = [];
        var rs = new ReadableStream({start: function (c) { c.error(E(Error, 'errored from the start')); }});
        return settle('pipeTo', rs.pipeTo(sink(seen))).then(function () { log(seen.join(', ')); });
    },
    function destErrors() {
        var seen = [];
        var rs = source(['a', 'b', 'c', 'd'], seen);
        return settle('pipeTo', rs.pipeTo(sink(seen, {failOn: 'b'}))).then(function () {
            log(seen.join(', '));
        });
    },
    function destErrorsPreventCancel() {
        var seen = [];
        var rs = source(['a', 'b', 'c', 'd'], seen);
        return settle('pipeTo', rs.pipeTo(sink(seen, {failOn: 'a'}), {preventCancel: true})).then(function () {
            log('source unlocked', !rs.locked);
            return rs.getReader().read();
        }).then(function (x) { log('the source can still be read:', x.value, '|', seen.join(', ')); });
    },
    function destClosed() {
        var seen = [];
        var ws = sink(seen);
        return ws.close().then(function () {
            return settle('pipeTo a closed stream', source(['a'], seen).pipeTo(ws));
        }).then(function () { log(seen.join(', ')); });
    },
    function destClosedPreventCancel() {
        var seen = [];
        var ws = sink(seen);
        return ws.close().then(function () {
            return settle('pipeTo a closed stream', source(['a'], seen).pipeTo(ws, {preventCancel: true}));
        }).then(function () { log('nothing cancelled:', seen.join(', ')); });
    },
    function signalDuringPipe() {
        var seen = [];
        var ac = new AbortController();
        var rs = source(['a', 'b', 'c', 'd', 'e', 'f'], seen);
        /* (the order of sink.abort and source.cancel is left open: sink.abort waits for a
           write in flight) */
        var p = rs.pipeTo(sink(seen, {delay: 5}), {signal: ac.signal});
        later(7).then(function () { ac.abort(E(Error, 'stop')); });
        return settle('pipeTo', p).then(function () {
            var writes = seen.filter(function (s) { return /^write/.test(s); }).length;
            log('wrote some, not all:', writes > 0 && writes < 6, '|',
                seen.filter(function (s) { return !/^write/.test(s); }).sort().join(', '));
        });
    },
    function signalAlreadyAborted() {
        var seen = [];
        var rs = source(['a'], seen);
        var p = rs.pipeTo(sink(seen), {signal: AbortSignal.abort()});
        return settle('pipeTo', p).then(function () { log(seen.join(', ')); });
    },
    function signalPreventBoth() {
        var seen = [];
        var ac = new AbortController();
        var rs = source(['a', 'b'], seen), ws = sink(seen);
        ac.abort('why');
        return settle('pipeTo', rs.pipeTo(ws, {signal: ac.signal, preventAbort: true, preventCancel: true})).then(function () {
            log('unlocked', !rs.locked, !ws.locked, '| nothing touched:', seen.length);
        });
    },
    function backpressure() {
        var pulled = 0, written = 0, most = 0;
        var rs = new ReadableStream({
            pull: function (c) {
                pulled++;
                most = Math.max(most, pulled - written);
                if (pulled > 20) c.close();
                else c.enqueue(pulled);
            }
        }, {highWaterMark: 1});
        var ws = new WritableStream({
            write: function () { return later(1).then(function () { written++; }); }
        }, {highWaterMark: 2});
        return settle('pipeTo', rs.pipeTo(ws)).then(function () {
            log('written', written, '| the source ran at most a few chunks ahead:', most <= 5);
        });
    },
    function argumentChecks() {
        var rs = new ReadableStream(), ws = new WritableStream();
        var steps = [
            settle('pipeTo({})', rs.pipeTo({})),
            settle('pipeTo(no dest)', rs.pipeTo()),
            settle('bad signal', rs.pipeTo(ws, {signal: 'nope'})),
            settle('an object made from AbortSignal.prototype',
                   new ReadableStream().pipeTo(new WritableStream(), {signal: Object.create(AbortSignal.prototype)})),
            settle('on a non-stream', ReadableStream.prototype.pipeTo.call({}, ws))
        ];
        var locked = new ReadableStream();
        locked.getReader();
        steps.push(settle('locked source', locked.pipeTo(ws)));
        var lockedDest = new WritableStream();
        lockedDest.getWriter();
        steps.push(settle('locked dest', new ReadableStream().pipeTo(lockedDest)));
        try {
            rs.pipeThrough({readable: rs});
        } catch (e) {
            log('pipeThrough without writable:', name(e));
        }
        try {
            locked.pipeThrough(new TransformStream());
        } catch (e) {
            log('pipeThrough of a locked stream:', name(e));
        }
        log('not locked by the failures:', rs.locked, ws.locked);
        return Promise.all(steps);
    },
    function pipeThrough() {
        var up = new TransformStream({transform: function (c, ctl) { ctl.enqueue(String(c).toUpperCase()); }});
        var out = source(['x', 'y'], []).pipeThrough(up);
        log('returns the readable side:', out === up.readable, 'writable locked', up.writable.locked);
        var r = out.getReader(), got = [];
        function next() {
            return r.read().then(function (x) {
                if (x.done) return;
                got.push(x.value);
                return next();
            });
        }
        return next().then(function () { log('through:', got.join(',')); });
    },
    function pipeChain() {
        function add(n) {
            return new TransformStream({transform: function (c, ctl) { ctl.enqueue(c + n); }});
        }
        var seen = [];
        return settle('chain', source([1, 2, 3], seen).pipeThrough(add(10)).pipeThrough(add(100))
            .pipeTo(sink(seen))).then(function () { log(seen.join(', ')); });
    },
    function responseBody() {
        var resp = new Response('hello, pipe');
        var bytes = [];
        var p = resp.body.pipeTo(new WritableStream({
            write: function (c) {
                bytes.push(Object.prototype.toString.call(c) + ' ' + c.length);
            }
        }));
        log('bodyUsed at once', resp.bodyUsed, 'body locked', resp.body.locked);
        return settle('pipe of a Response body', p).then(function () {
            log(bytes.join(', '), '| locked after', resp.body.locked);
            return settle('text() after the pipe', resp.text());
        });
    },
    function responseThroughDecoder() {
        var td = new TextDecoder();
        var dec = new TransformStream({
            transform: function (c, ctl) { ctl.enqueue(td.decode(c, {stream: true})); },
            flush: function (ctl) { var t = td.decode(); if (t) ctl.enqueue(t); }
        });
        var text = '';
        var resp = new Response(new Uint8Array([0xce, 0xbb, 0x20, 0x78]));
        var p = resp.body.pipeThrough(dec).pipeTo(new WritableStream({write: function (s) { text += s; }}));
        log('bodyUsed at once', resp.bodyUsed);
        return p.then(function () { log('decoded:', text, text.length); });
    },
    function responseOfStreamHwm0() {
        var r = new Response(new ReadableStream());
        r.body.pipeTo(new WritableStream({}, {highWaterMark: 0}));
        log('disturbed synchronously', r.bodyUsed);
        var r2 = new Response(new ReadableStream());
        r2.body.pipeThrough({writable: new WritableStream({}, {highWaterMark: 0}), readable: new ReadableStream()});
        log('pipeThrough disturbed synchronously', r2.bodyUsed);
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
