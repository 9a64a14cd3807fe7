/*
 * 41-writable.js - WritableStream, its default writer and controller, and
 * ReadableStream.prototype.pipeTo / pipeThrough, after the Streams standard's abstract
 * operations (the names in comments are the standard's). A stream's state lives in a record
 * (WState) held hidden on the stream (`_ws`); the writer and the controller point at it.
 * Writes reach the sink one at a time, in order: the controller's queue holds the chunks
 * (and the close sentinel) with their sizes, and backpressure is desiredSize <= 0.
 * The pipe reads through read requests (40-streams.js), never through promises resolved with
 * {value, done} objects, so a `then` planted on Object.prototype cannot inject chunks.
 * What 42-transform.js uses: native.wsInternal.
 */
var hide = native.hide;
/* WebIDL operations: enumerable, writable, configurable */
function method(o, name, fn) {
    Object.defineProperty(o, name, {value: fn, writable: true, enumerable: true, configurable: true});
}
var rsi = native.rsInternal;
var upon = rsi.upon;
var Prom = Promise, AC = AbortController;

function noop() {}
function resolved() { return Prom.resolve(); }
function rejected(e) { return Prom.reject(e); }
function handled(p) {
    upon(p, null, noop);
    return p;
}
/* a promise with its resolving functions; settle once */
function deferred() {
    var d = {settled: false, promise: null};
    d.promise = new Prom(function (resolve, reject) {
        d.resolve = function (v) {
            if (d.settled) return;
            d.settled = true;
            resolve(v);
        };
        d.reject = function (e) {
            if (d.settled) return;
            d.settled = true;
            reject(e);
        };
    });
    return d;
}
function rejectedDeferred(e) {
    var d = deferred();
    d.reject(e);
    handled(d.promise);
    return d;
}
function resolvedDeferred() {
    var d = deferred();
    d.resolve(undefined);
    return d;
}
/* a promise of what fn returns ("invoking a callback function": a throw rejects it) */
function promiseCall(fn, self, args) {
    if (!fn) return resolved();
    try {
        return Prom.resolve(fn.apply(self, args));
    } catch (e) {
        return rejected(e);
    }
}

var CLOSE = {};                            /* the close sentinel in the controller's queue */

/* ---- the stream's state ---- */

function WState() {
    this.state = 'writable';               /* 'erroring', 'errored', 'closed' */
    this.storedError = undefined;
    this.writer = null;
    this.controller = null;
    this.inFlightWrite = null;             /* deferreds */
    this.closeRequest = null;
    this.inFlightClose = null;
    this.pendingAbort = null;              /* {d, reason, wasAlreadyErroring} */
    this.writeRequests = [];
    this.backpressure = false;
}

function closeQueuedOrInFlight(S) {
    return S.closeRequest !== null || S.inFlightClose !== null;
}

/* WritableStreamAbort */
function wsAbort(S, reason) {
    if (S.state === 'closed' || S.state === 'errored') return resolved();
    S.controller.abortController.abort(reason);
    if (S.state === 'closed' || S.state === 'errored') return resolved();   /* a listener did it */
    if (S.pendingAbort) return S.pendingAbort.d.promise;
    var wasAlreadyErroring = false;
    if (S.state === 'erroring') {
        wasAlreadyErroring = true;
        reason = undefined;
    }
    var d = deferred();
    S.pendingAbort = {d: d, reason: reason, wasAlreadyErroring: wasAlreadyErroring};
    if (!wasAlreadyErroring) startErroring(S, reason);
    return d.promise;
}

/* WritableStreamClose */
function wsClose(S) {
    if (S.state === 'closed' || S.state === 'errored')
        return rejected(new TypeError('The stream is closed or errored'));
    var d = deferred();
    S.closeRequest = d;
    var w = S.writer;
    if (w && S.backpressure && S.state === 'writable') w._ready.resolve(undefined);
    controllerClose(S.controller);
    return d.promise;
}

function addWriteRequest(S) {
    var d = deferred();
    S.writeRequests.push(d);
    return d.promise;
}

/* WritableStreamDealWithRejection */
function dealWithRejection(S, error) {
    if (S.state === 'writable') return startErroring(S, error);
    finishErroring(S);
}

/* WritableStreamStartErroring */
function startErroring(S, reason) {
    var c = S.controller;
    S.state = 'erroring';
    S.storedError = reason;
    if (S.writer) ensureReadyRejected(S.writer, reason);
    if (!S.inFlightWrite && !S.inFlightClose && c.started) finishErroring(S);
}

/* WritableStreamFinishErroring */
function finishErroring(S) {
    S.state = 'errored';
    resetQueue(S.controller);
    var err = S.storedError;
    var reqs = S.writeRequests;
    S.writeRequests = [];
    for (var i = 0; i < reqs.length; i++) reqs[i].reject(err);
    var abort = S.pendingAbort;
    if (!abort) return rejectCloseAndClosed(S);
    S.pendingAbort = null;
    if (abort.wasAlreadyErroring) {
        abort.d.reject(err);
        return rejectCloseAndClosed(S);
    }
    var c = S.controller;
    var p = promiseCall(c.abortAlgorithm, null, [abort.reason]);
    clearAlgorithms(c);
    upon(p, function () {
        abort.d.resolve(undefined);
        rejectCloseAndClosed(S);
    }, function (r) {
        abort.d.reject(r);
        rejectCloseAndClosed(S);
    });
}

/* WritableStreamFinishInFlightClose */
function finishInFlightClose(S) {
    S.inFlightClose.resolve(undefined);
    S.inFlightClose = null;
    if (S.state === 'erroring') {
        S.storedError = undefined;
        if (S.pendingAbort) {
            S.pendingAbort.d.resolve(undefined);
            S.pendingAbort = null;
        }
    }
    S.state = 'closed';
    if (S.writer) S.writer._closed.resolve(undefined);
}

function finishInFlightCloseWithError(S, error) {
    S.inFlightClose.reject(error);
    S.inFlightClose = null;
    if (S.pendingAbort) {
        S.pendingAbort.d.reject(error);
        S.pendingAbort = null;
    }
    dealWithRejection(S, error);
}

/* WritableStreamRejectCloseAndClosedPromiseIfNeeded */
function rejectCloseAndClosed(S) {
    if (S.closeRequest) {
        S.closeRequest.reject(S.storedError);
        S.closeRequest = null;
    }
    if (S.writer) {
        S.writer._closed.reject(S.storedError);
        handled(S.writer._closed.promise);
    }
}

/* WritableStreamUpdateBackpressure */
function updateBackpressure(S, bp) {
    var w = S.writer;
    if (w && bp !== S.backpressure) {
        if (bp) w._ready = deferred();
        else w._ready.resolve(undefined);
    }
    S.backpressure = bp;
}

/* ---- WritableStream ---- */

function WritableStream(sink, strategy) {
    if (!(this instanceof WritableStream)) throw new TypeError("Class constructor WritableStream cannot be invoked without 'new'");
    if (sink === undefined) sink = {};
    else if (sink === null || (typeof sink !== 'object' && typeof sink !== 'function'))
        throw new TypeError('WritableStream: underlyingSink must be an object');
    var strat = rsi.strategyOf(strategy, 1, 'WritableStream');
    /* UnderlyingSink's members in WebIDL's (lexicographic) order */
    var abortFn = rsi.member(sink, 'abort', 'WritableStream');
    var closeFn = rsi.member(sink, 'close', 'WritableStream');
    var startFn = rsi.member(sink, 'start', 'WritableStream');
    var type = sink.type;
    var writeFn = rsi.member(sink, 'write', 'WritableStream');
    if (type !== undefined) throw new RangeError('WritableStream: type "' + type + '" is not supported');
    var S = new WState();
    hide(this, '_ws', S);
    var ctl = Object.create(WritableStreamDefaultController.prototype);
    setUpController(S, ctl, function () {
        return startFn ? startFn.call(sink, ctl) : undefined;
    }, function (chunk) {
        return promiseCall(writeFn, sink, [chunk, ctl]);
    }, function () {
        return promiseCall(closeFn, sink, []);
    }, function (reason) {
        return promiseCall(abortFn, sink, [reason]);
    }, strat.hwm, strat.size);
}
var WP = WritableStream.prototype;

function wsOf(s) {
    var S = s && s._ws;
    if (!(S instanceof WState)) throw new TypeError('Illegal invocation: not a WritableStream');
    return S;
}
function isWritable(s) {
    return !!(s && s._ws instanceof WState);
}

Object.defineProperty(WP, 'locked', {get: function locked() { return wsOf(this).writer !== null; },
                                     enumerable: true, configurable: true});
method(WP, 'abort', function abort(reason) {
    if (!isWritable(this)) return rejected(new TypeError('Illegal invocation: not a WritableStream'));
    var S = this._ws;
    if (S.writer) return rejected(new TypeError('Cannot abort a locked WritableStream'));
    return wsAbort(S, reason);
});
method(WP, 'close', function close() {
    if (!isWritable(this)) return rejected(new TypeError('Illegal invocation: not a WritableStream'));
    var S = this._ws;
    if (S.writer) return rejected(new TypeError('Cannot close a locked WritableStream'));
    if (closeQueuedOrInFlight(S)) return rejected(new TypeError('Cannot close a stream that is already closing'));
    return wsClose(S);
});
method(WP, 'getWriter', function getWriter() {
    return new WritableStreamDefaultWriter(this);
});
if (Symbol.toStringTag)
    Object.defineProperty(WP, Symbol.toStringTag, {value: 'WritableStream', configurable: true});

/* ---- WritableStreamDefaultWriter ---- */

function WritableStreamDefaultWriter(stream) {
    if (!(this instanceof WritableStreamDefaultWriter)) throw new TypeError("Class constructor WritableStreamDefaultWriter cannot be invoked without 'new'");
    setUpWriter(this, wsOf(stream));
}
/* SetUpWritableStreamDefaultWriter */
function setUpWriter(w, S) {
    if (S.writer) throw new TypeError('WritableStream is locked');
    hide(w, '_ws', S);
    S.writer = w;
    var state = S.state;
    if (state === 'writable') {
        hide(w, '_ready', !closeQueuedOrInFlight(S) && S.backpressure ? deferred() : resolvedDeferred());
        hide(w, '_closed', deferred());
    } else if (state === 'erroring') {
        hide(w, '_ready', rejectedDeferred(S.storedError));
        hide(w, '_closed', deferred());
    } else if (state === 'closed') {
        hide(w, '_ready', resolvedDeferred());
        hide(w, '_closed', resolvedDeferred());
    } else {
        hide(w, '_ready', rejectedDeferred(S.storedError));
        hide(w, '_closed', rejectedDeferred(S.storedError));
    }
}
function ensureReadyRejected(w, error) {
    if (w._ready.settled) w._ready = deferred();
    w._ready.reject(error);
    handled(w._ready.promise);
}
function ensureClosedRejected(w, error) {
    if (w._closed.settled) w._closed = deferred();
    w._closed.reject(error);
    handled(w._closed.promise);
}
/* WritableStreamDefaultWriterGetDesiredSize */
function writerDesiredSize(S) {
    if (S.state === 'errored' || S.state === 'erroring') return null;
    if (S.state === 'closed') return 0;
    return S.controller.hwm - S.controller.total;
}
/* WritableStreamDefaultWriterRelease */
function writerRelease(w) {
    var S = w._ws;
    var err = new TypeError('Writer was released and can no longer be used to monitor the stream\'s closedness');
    ensureReadyRejected(w, err);
    ensureClosedRejected(w, err);
    S.writer = null;
    w._ws = null;
}
/* WritableStreamDefaultWriterWrite */
function writerWrite(w, chunk) {
    var S = w._ws;
    var c = S.controller;
    var size = getChunkSize(c, chunk);
    if (S !== w._ws) return rejected(new TypeError('The writer was released'));
    var state = S.state;
    if (state === 'errored') return rejected(S.storedError);
    if (closeQueuedOrInFlight(S) || state === 'closed')
        return rejected(new TypeError('The stream is closing or closed and cannot be written to'));
    if (state === 'erroring') return rejected(S.storedError);
    var p = addWriteRequest(S);
    controllerWrite(c, chunk, size);
    return p;
}
/* WritableStreamDefaultWriterCloseWithErrorPropagation */
function writerCloseWithErrorPropagation(w) {
    var S = w._ws;
    if (closeQueuedOrInFlight(S) || S.state === 'closed') return resolved();
    if (S.state === 'errored') return rejected(S.storedError);
    return wsClose(S);
}

var WWP = WritableStreamDefaultWriter.prototype;
function released() { return new TypeError('The writer was released'); }
Object.defineProperty(WWP, 'closed', {get: function () {
    if (!this._closed) return rejected(new TypeError('Illegal invocation'));
    return this._closed.promise;
}, enumerable: true, configurable: true});
Object.defineProperty(WWP, 'ready', {get: function () {
    if (!this._ready) return rejected(new TypeError('Illegal invocation'));
    return this._ready.promise;
}, enumerable: true, configurable: true});
Object.defineProperty(WWP, 'desiredSize', {get: function () {
    if (!this._ws) throw released();
    return writerDesiredSize(this._ws);
}, enumerable: true, configurable: true});
method(WWP, 'abort', function abort(reason) {
    if (!this._ws) return rejected(released());
    return wsAbort(this._ws, reason);
});
method(WWP, 'close', function close() {
    var S = this._ws;
    if (!S) return rejected(released());
    if (closeQueuedOrInFlight(S)) return rejected(new TypeError('Cannot close a stream that is already closing'));
    return wsClose(S);
});
method(WWP, 'releaseLock', function releaseLock() {
    if (this._ws) writerRelease(this);
});
method(WWP, 'write', function write(chunk) {
    if (!this._ws) return rejected(released());
    return writerWrite(this, chunk);
});
if (Symbol.toStringTag)
    Object.defineProperty(WWP, Symbol.toStringTag, {value: 'WritableStreamDefaultWriter', configurable: true});

/* ---- WritableStreamDefaultController ---- */

function WritableStreamDefaultController() {
    throw new TypeError('Illegal constructor');
}
var WCP = WritableStreamDefaultController.prototype;
Object.defineProperty(WCP, 'signal', {get: function () {
    if (!this._wc) throw new TypeError('Illegal invocation');
    return this._wc.abortController.signal;
}, enumerable: true, configurable: true});
method(WCP, 'error', function error(e) {
    if (!this._wc) throw new TypeError('Illegal invocation');
    var c = this._wc;
    if (c.stream.state !== 'writable') return;
    controllerError(c, e);
});
if (Symbol.toStringTag)
    Object.defineProperty(WCP, Symbol.toStringTag, {value: 'WritableStreamDefaultController', configurable: true});

/* SetUpWritableStreamDefaultController: the record c is what the algorithms work on; the
   script sees ctl (its _wc is c). */
function setUpController(S, ctl, startAlg, writeAlg, closeAlg, abortAlg, hwm, sizeFn) {
    var c = {
        stream: S, pub: ctl, queue: [], sizes: [], total: 0, started: false,
        hwm: hwm, sizeFn: sizeFn, hasSize: !!sizeFn,
        writeAlgorithm: writeAlg, closeAlgorithm: closeAlg, abortAlgorithm: abortAlg,
        abortController: new AC()
    };
    hide(ctl, '_wc', c);
    S.controller = c;
    updateBackpressure(S, c.hwm - c.total <= 0);
    var r = startAlg();                    /* throws: so does the constructor */
    upon(Prom.resolve(r), function () {
        c.started = true;
        advanceQueueIfNeeded(c);
    }, function (e) {
        c.started = true;
        dealWithRejection(S, e);
    });
    return c;
}
function resetQueue(c) {
    c.queue = [];
    c.sizes = [];
    c.total = 0;
}
function dequeue(c) {
    var v = c.queue.shift();
    c.total -= c.sizes.shift();
    if (c.total < 0 || !c.queue.length) c.total = 0;
    return v;
}
function clearAlgorithms(c) {
    c.writeAlgorithm = c.closeAlgorithm = c.abortAlgorithm = null;
    c.sizeFn = null;
}
function controllerClose(c) {
    c.queue.push(CLOSE);
    c.sizes.push(0);
    advanceQueueIfNeeded(c);
}
/* WritableStreamDefaultControllerGetChunkSize */
function getChunkSize(c, chunk) {
    if (!c.hasSize) return 1;
    if (!c.sizeFn) return 1;               /* cleared: the stream is no longer writable */
    try {
        return c.sizeFn.call(undefined, chunk);
    } catch (e) {
        errorIfNeeded(c, e);
        return 1;
    }
}
/* WritableStreamDefaultControllerWrite */
function controllerWrite(c, chunk, size) {
    var n = Number(size);
    if (!(n >= 0) || n === Infinity) {
        errorIfNeeded(c, new RangeError('The return value of a queuing strategy\'s size function must be a finite, non-NaN, non-negative number'));
        return;
    }
    c.queue.push(chunk);
    c.sizes.push(n);
    c.total += n;
    var S = c.stream;
    if (!closeQueuedOrInFlight(S) && S.state === 'writable') updateBackpressure(S, c.hwm - c.total <= 0);
    advanceQueueIfNeeded(c);
}
/* WritableStreamDefaultControllerAdvanceQueueIfNeeded */
function advanceQueueIfNeeded(c) {
    var S = c.stream;
    if (!c.started || S.inFlightWrite) return;
    if (S.state === 'erroring') return finishErroring(S);
    if (S.state !== 'writable' || !c.queue.length) return;
    if (c.queue[0] === CLOSE) processClose(c);
    else processWrite(c, c.queue[0]);
}
function errorIfNeeded(c, e) {
    if (c.stream.state === 'writable') controllerError(c, e);
}
function controllerError(c, e) {
    clearAlgorithms(c);
    startErroring(c.stream, e);
}
function processClose(c) {
    var S = c.stream;
    S.inFlightClose = S.closeRequest;
    S.closeRequest = null;
    dequeue(c);
    var p = c.closeAlgorithm ? c.closeAlgorithm() : resolved();
    clearAlgorithms(c);
    upon(p, function () { finishInFlightClose(S); },
         function (r) { finishInFlightCloseWithError(S, r); });
}
function processWrite(c, chunk) {
    var S = c.stream;
    S.inFlightWrite = S.writeRequests.shift();
    var p = c.writeAlgorithm ? c.writeAlgorithm(chunk) : resolved();
    upon(p, function () {
        S.inFlightWrite.resolve(undefined);
        S.inFlightWrite = null;
        dequeue(c);
        if (!closeQueuedOrInFlight(S) && S.state === 'writable') updateBackpressure(S, c.hwm - c.total <= 0);
        advanceQueueIfNeeded(c);
    }, function (r) {
        if (S.state === 'writable') clearAlgorithms(c);
        S.inFlightWrite.reject(r);
        S.inFlightWrite = null;
        dealWithRejection(S, r);
    });
}

hide(global, 'WritableStream', WritableStream);
hide(global, 'WritableStreamDefaultWriter', WritableStreamDefaultWriter);
hide(global, 'WritableStreamDefaultController', WritableStreamDefaultController);

/* ---- pipeTo, pipeThrough ---- */

/* a real AbortSignal (10-dom.js's makeSignal), not merely an object whose prototype is one */
function isSignal(x) {
    return x instanceof native.AbortSignal && Object.prototype.hasOwnProperty.call(x, '_aborted');
}

/* StreamPipeOptions, members in WebIDL's order */
function pipeOptions(o) {
    if (o === undefined || o === null) return {};
    if (typeof o !== 'object' && typeof o !== 'function') throw new TypeError('pipeTo: options must be an object');
    var r = {preventAbort: !!o.preventAbort, preventCancel: !!o.preventCancel,
             preventClose: !!o.preventClose, signal: o.signal};
    if (r.signal !== undefined && !isSignal(r.signal))
        throw new TypeError('pipeTo: options.signal must be an AbortSignal');
    return r;
}

/* wait for every promise of a list: undefined when all fulfil, the first rejection else
   (not Promise.all: resolving with an array would look up its then) */
function waitAll(list) {
    var d = deferred(), left = list.length;
    if (!left) d.resolve(undefined);
    list.forEach(function (p) {
        upon(p, function () { if (--left === 0) d.resolve(undefined); }, d.reject);
    });
    return d.promise;
}

/* ReadableStreamPipeTo: the caller checked both streams and that neither is locked */
function pipe(source, dest, o) {
    var st = rsi.stateOf(source);
    var reader = rsi.acquireReader(source);
    var S = dest._ws;
    var writer = Object.create(WWP);
    setUpWriter(writer, S);
    st.disturb();                          /* at once: a Response's bodyUsed is true now */
    var shuttingDown = false;
    var currentWrite = resolved();
    var done = deferred();
    var signal = o.signal, onAbort = null;

    function waitForWrites() {
        var old = currentWrite;
        return upon(old, function () {
            return old !== currentWrite ? waitForWrites() : undefined;
        });
    }
    function finalize(isError, error) {
        writerRelease(writer);
        rsi.releaseReader(reader);
        if (onAbort) signal.removeEventListener('abort', onAbort);
        if (isError) done.reject(error);
        else done.resolve(undefined);
    }
    function shutdownWithAction(action, isError, error) {
        if (shuttingDown) return;
        shuttingDown = true;
        function rest() {
            upon(action(), function () { finalize(isError, error); },
                 function (e) { finalize(true, e); });
        }
        if (S.state === 'writable' && !closeQueuedOrInFlight(S)) upon(waitForWrites(), rest);
        else rest();
    }
    function shutdown(isError, error) {
        if (shuttingDown) return;
        shuttingDown = true;
        if (S.state === 'writable' && !closeQueuedOrInFlight(S))
            upon(waitForWrites(), function () { finalize(isError, error); });
        else finalize(isError, error);
    }

    if (signal) {
        onAbort = function () {
            var error = signal.reason;
            var actions = [];
            if (!o.preventAbort) actions.push(function () {
                return S.state === 'writable' ? wsAbort(S, error) : resolved();
            });
            if (!o.preventCancel) actions.push(function () {
                return st.state === 'readable' ? st.cancel(error) : resolved();
            });
            shutdownWithAction(function () {
                return waitAll(actions.map(function (a) { return a(); }));
            }, true, error);
        };
        if (signal.aborted) {
            onAbort();
            return done.promise;
        }
        signal.addEventListener('abort', onAbort);
    }

    /* errors forward */
    function sourceErrored(e) {
        if (!o.preventAbort) shutdownWithAction(function () { return wsAbort(S, e); }, true, e);
        else shutdown(true, e);
    }
    /* errors backward */
    function destErrored(e) {
        if (!o.preventCancel) shutdownWithAction(function () { return st.cancel(e); }, true, e);
        else shutdown(true, e);
    }
    /* closing forward */
    function sourceClosed() {
        if (!o.preventClose) shutdownWithAction(function () {
            return writerCloseWithErrorPropagation(writer);
        }, false);
        else shutdown(false);
    }
    if (st.state === 'errored') sourceErrored(st.storedError);
    else upon(reader._closed, null, sourceErrored);
    if (S.state === 'errored') destErrored(S.storedError);
    else upon(writer._closed.promise, null, destErrored);
    if (st.state === 'closed') sourceClosed();
    else upon(reader._closed, sourceClosed, noop);
    /* closing backward */
    if (closeQueuedOrInFlight(S) || S.state === 'closed') {
        var destClosed = new TypeError('the destination writable stream closed before all data could be piped to it');
        if (!o.preventCancel) shutdownWithAction(function () { return st.cancel(destClosed); }, true, destClosed);
        else shutdown(true, destClosed);
    }

    /* the loop: wait until the writer is ready (backpressure), read one chunk, write it */
    function step() {
        if (shuttingDown) return;
        upon(writer._ready.promise, function () {
            if (shuttingDown) return;
            st.readReq({
                chunk: function (c) {
                    currentWrite = upon(writerWrite(writer, c), undefined, noop);
                    upon(resolved(), step);
                },
                close: noop,               /* the closed promise's watchers act */
                error: noop
            });
        }, noop);
    }
    step();
    return done.promise;
}

var RP = native.ReadableStream.prototype;
method(RP, 'pipeTo', function pipeTo(destination, options) {
    if (!rsi.isStream(this)) return rejected(new TypeError('Illegal invocation: not a ReadableStream'));
    if (!isWritable(destination))
        return rejected(new TypeError('pipeTo: the destination must be a WritableStream'));
    var o;
    try {
        o = pipeOptions(options);
    } catch (e) {
        return rejected(e);
    }
    if (rsi.stateOf(this).isLocked()) return rejected(new TypeError('pipeTo: the ReadableStream is locked'));
    if (destination._ws.writer) return rejected(new TypeError('pipeTo: the WritableStream is locked'));
    return pipe(this, destination, o);
});
method(RP, 'pipeThrough', function pipeThrough(transform, options) {
    if (!rsi.isStream(this)) throw new TypeError('Illegal invocation: not a ReadableStream');
    if (transform === undefined || transform === null || (typeof transform !== 'object' && typeof transform !== 'function'))
        throw new TypeError('pipeThrough: the first argument must be a {readable, writable} pair');
    var readable = transform.readable;
    if (!rsi.isStream(readable)) throw new TypeError('pipeThrough: transform.readable must be a ReadableStream');
    var writable = transform.writable;
    if (!isWritable(writable)) throw new TypeError('pipeThrough: transform.writable must be a WritableStream');
    var o = pipeOptions(options);
    if (rsi.stateOf(this).isLocked()) throw new TypeError('pipeThrough: the ReadableStream is locked');
    if (writable._ws.writer) throw new TypeError('pipeThrough: the WritableStream is locked');
    handled(pipe(this, writable, o));
    return readable;
});

/* for TransformStream (42-transform.js) */
native.wsInternal = {
    /* CreateWritableStream with algorithms in place of a sink */
    create: function (startAlg, writeAlg, closeAlg, abortAlg, hwm, sizeFn) {
        var s = Object.create(WP);
        var S = new WState();
        hide(s, '_ws', S);
        setUpController(S, Object.create(WCP), startAlg, writeAlg, closeAlg, abortAlg, hwm, sizeFn);
        return s;
    },
    errorIfNeeded: function (s, e) { errorIfNeeded(s._ws.controller, e); },
    state: function (s) { return s._ws.state; },
    storedError: function (s) { return s._ws.storedError; },
    deferred: deferred,
    promiseCall: promiseCall
};
