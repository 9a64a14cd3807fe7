/*
 * 42-transform.js - TransformStream and its default controller, after the Streams
 * standard: a writable side (41-writable.js, made with algorithms instead of a sink) whose
 * writes run the transformer's transform(chunk, controller), and a readable side (a
 * ReadableStream of 40-streams.js whose source is ours) that receives what the controller
 * enqueues. Backpressure: while the readable side is full, writes wait (backpressureChange)
 * until a read pulls. No transformer: the identity transform.
 */
var hide = native.hide;
/* WebIDL operations: enumerable, writable, configurable */
function method(o, name, fn) {
    Object.defineProperty(o, name, {value: fn, writable: true, enumerable: true, configurable: true});
}
var rsi = native.rsInternal, wsi = native.wsInternal;
var upon = rsi.upon, deferred = wsi.deferred, promiseCall = wsi.promiseCall;
var Prom = Promise;

function noop() {}
function resolved() { return Prom.resolve(); }
function rejected(e) { return Prom.reject(e); }

/* The record the algorithms share: the stream's and its controller's internal slots. */
function TState() {
    this.readable = null;
    this.writable = null;
    this.rst = null;                       /* the readable side's SourceBody */
    this.backpressure = undefined;
    this.backpressureChange = null;        /* a deferred */
    this.transformAlgorithm = null;
    this.flushAlgorithm = null;
    this.cancelAlgorithm = null;
    this.finish = null;                    /* finishPromise's deferred */
    this.controller = null;
}

function TransformStream(transformer, writableStrategy, readableStrategy) {
    if (!(this instanceof TransformStream)) throw new TypeError("Class constructor TransformStream cannot be invoked without 'new'");
    if (transformer === undefined) transformer = null;
    else if (transformer === null || (typeof transformer !== 'object' && typeof transformer !== 'function'))
        throw new TypeError('TransformStream: transformer must be an object');
    var ws = rsi.strategyOf(writableStrategy, 1, 'TransformStream');
    var rs = rsi.strategyOf(readableStrategy, 0, 'TransformStream');
    var t = transformer || {};
    /* Transformer's members in WebIDL's (lexicographic) order */
    var cancelFn = rsi.member(t, 'cancel', 'TransformStream');
    var flushFn = rsi.member(t, 'flush', 'TransformStream');
    var readableType = t.readableType;
    var startFn = rsi.member(t, 'start', 'TransformStream');
    var transformFn = rsi.member(t, 'transform', 'TransformStream');
    var writableType = t.writableType;
    if (readableType !== undefined) throw new RangeError('TransformStream: readableType is not supported');
    if (writableType !== undefined) throw new RangeError('TransformStream: writableType is not supported');

    var T = new TState();
    hide(this, '_ts', T);
    var start = deferred();
    initialize(T, start.promise, ws.hwm, ws.size, rs.hwm, rs.size);

    var ctl = Object.create(TransformStreamDefaultController.prototype);
    hide(ctl, '_ts', T);
    T.controller = ctl;
    T.transformAlgorithm = transformFn ? function (chunk) {
        return promiseCall(transformFn, transformer, [chunk, ctl]);
    } : function (chunk) {
        try {
            enqueue(T, chunk);
        } catch (e) {
            return rejected(e);
        }
        return resolved();
    };
    T.flushAlgorithm = function () { return promiseCall(flushFn, transformer, [ctl]); };
    T.cancelAlgorithm = function (reason) { return promiseCall(cancelFn, transformer, [reason]); };
    if (startFn) start.resolve(startFn.call(transformer, ctl));   /* throws: so does the constructor */
    else start.resolve(undefined);
}

/* InitializeTransformStream */
function initialize(T, startPromise, whwm, wsize, rhwm, rsize) {
    function startAlg() { return startPromise; }
    T.writable = wsi.create(startAlg, function (chunk) {
        return sinkWrite(T, chunk);
    }, function () {
        return sinkClose(T);
    }, function (reason) {
        return sinkAbort(T, reason);
    }, whwm, wsize);
    T.readable = new native.ReadableStream({
        start: startAlg,
        pull: function () { return sourcePull(T); },
        cancel: function (reason) { return sourceCancel(T, reason); }
    }, {highWaterMark: rhwm, size: rsize === null ? undefined : rsize});
    T.rst = rsi.stateOf(T.readable);
    setBackpressure(T, true);
}

function setBackpressure(T, bp) {
    if (T.backpressureChange) T.backpressureChange.resolve(undefined);
    T.backpressureChange = deferred();
    T.backpressure = bp;
}
function clearAlgorithms(T) {
    T.transformAlgorithm = T.flushAlgorithm = T.cancelAlgorithm = null;
}
/* TransformStreamError */
function streamError(T, e) {
    T.rst.fail(e);
    errorWritableAndUnblockWrite(T, e);
}
function errorWritableAndUnblockWrite(T, e) {
    clearAlgorithms(T);
    wsi.errorIfNeeded(T.writable, e);
    unblockWrite(T);
}
function unblockWrite(T) {
    if (T.backpressure) setBackpressure(T, false);
}
/* TransformStreamDefaultControllerEnqueue */
function enqueue(T, chunk) {
    var rst = T.rst;
    if (!rst.canCloseOrEnqueue()) throw new TypeError('Readable side is not in a state that permits enqueue');
    try {
        rst.push(chunk);
    } catch (e) {
        errorWritableAndUnblockWrite(T, e);
        throw rst.storedError;
    }
    var bp = !rst.shouldCallPull();
    if (bp !== T.backpressure) setBackpressure(T, true);
}
/* TransformStreamDefaultControllerTerminate */
function terminate(T) {
    T.rst.end();
    errorWritableAndUnblockWrite(T, new TypeError('TransformStream terminated'));
}
/* TransformStreamDefaultControllerPerformTransform */
function performTransform(T, chunk) {
    var p = T.transformAlgorithm ? T.transformAlgorithm(chunk) : resolved();
    return upon(p, undefined, function (r) {
        streamError(T, r);
        throw r;
    });
}
/* TransformStreamDefaultSinkWriteAlgorithm */
function sinkWrite(T, chunk) {
    if (T.backpressure) {
        return upon(T.backpressureChange.promise, function () {
            if (wsi.state(T.writable) === 'erroring') throw wsi.storedError(T.writable);
            return performTransform(T, chunk);
        });
    }
    return performTransform(T, chunk);
}
/* TransformStreamDefaultSinkAbortAlgorithm */
function sinkAbort(T, reason) {
    if (T.finish) return T.finish.promise;
    var rst = T.rst, d = T.finish = deferred();
    var p = T.cancelAlgorithm ? T.cancelAlgorithm(reason) : resolved();
    clearAlgorithms(T);
    upon(p, function () {
        if (rst.state === 'errored') return d.reject(rst.storedError);
        rst.fail(reason);
        d.resolve(undefined);
    }, function (r) {
        rst.fail(r);
        d.reject(r);
    });
    return d.promise;
}
/* TransformStreamDefaultSinkCloseAlgorithm */
function sinkClose(T) {
    if (T.finish) return T.finish.promise;
    var rst = T.rst, d = T.finish = deferred();
    var p = T.flushAlgorithm ? T.flushAlgorithm() : resolved();
    clearAlgorithms(T);
    upon(p, function () {
        if (rst.state === 'errored') return d.reject(rst.storedError);
        rst.end();
        d.resolve(undefined);
    }, function (r) {
        rst.fail(r);
        d.reject(r);
    });
    return d.promise;
}
/* TransformStreamDefaultSourcePullAlgorithm */
function sourcePull(T) {
    setBackpressure(T, false);
    return T.backpressureChange.promise;
}
/* TransformStreamDefaultSourceCancelAlgorithm */
function sourceCancel(T, reason) {
    if (T.finish) return T.finish.promise;
    var w = T.writable, d = T.finish = deferred();
    var p = T.cancelAlgorithm ? T.cancelAlgorithm(reason) : resolved();
    clearAlgorithms(T);
    upon(p, function () {
        if (wsi.state(w) === 'errored') return d.reject(wsi.storedError(w));
        wsi.errorIfNeeded(w, reason);
        unblockWrite(T);
        d.resolve(undefined);
    }, function (r) {
        wsi.errorIfNeeded(w, r);
        unblockWrite(T);
        d.reject(r);
    });
    return d.promise;
}

function tsOf(x) {
    var T = x && x._ts;
    if (!(T instanceof TState)) throw new TypeError('Illegal invocation');
    return T;
}
var TP = TransformStream.prototype;
Object.defineProperty(TP, 'readable', {get: function () { return tsOf(this).readable; },
                                       enumerable: true, configurable: true});
Object.defineProperty(TP, 'writable', {get: function () { return tsOf(this).writable; },
                                       enumerable: true, configurable: true});
if (Symbol.toStringTag)
    Object.defineProperty(TP, Symbol.toStringTag, {value: 'TransformStream', configurable: true});

function TransformStreamDefaultController() {
    throw new TypeError('Illegal constructor');
}
var TCP = TransformStreamDefaultController.prototype;
Object.defineProperty(TCP, 'desiredSize', {get: function () {
    return tsOf(this).rst.desiredSize();
}, enumerable: true, configurable: true});
method(TCP, 'enqueue', function enqueue_(chunk) {
    enqueue(tsOf(this), chunk);
});
method(TCP, 'error', function error(reason) {
    streamError(tsOf(this), reason);
});
method(TCP, 'terminate', function terminate_() {
    terminate(tsOf(this));
});
if (Symbol.toStringTag)
    Object.defineProperty(TCP, Symbol.toStringTag, {value: 'TransformStreamDefaultController', configurable: true});

hide(global, 'TransformStream', TransformStream);
hide(global, 'TransformStreamDefaultController', TransformStreamDefaultController);
