/*
 * 40-streams.js - ReadableStream (default streams, queuing strategies with a size), its
 * default and BYOB readers and controller. Two kinds of source:
 *   - a script's underlying source (new ReadableStream({start, pull, cancel})): SourceBody,
 *     state kept here;
 *   - the body of a Request or Response held in C (lib/engine/body.c): NativeBody, made only
 *     when a script reads `body`; it reads through native.bodyRead and keeps locked and
 *     disturbed in the C body state (native.bodyFlags), so text() and the stream agree.
 * Both take the standard's read requests ({chunk, close, error}: readReq), queue them, and
 * tell the reader that holds them (st.reader: its closed promise's hooks) when they close or
 * error. What the C side calls: native.bodyStream(owner), readAll(stream), streamUnusable,
 * streamDisturbed, streamTee, streamTake, ReadableStream. What 41-writable.js (pipeTo) and
 * 42-transform.js use: native.rsInternal.
 */
var hide = native.hide;
var LOCKED = native.BF_LOCKED, DISTURBED = native.BF_DISTURBED;
var Prom = Promise, pthen = Promise.prototype.then;

function noop() {}
/* p.then(f, r) with the original then: a script that replaces Promise.prototype.then does
   not see the streams' own reactions */
function upon(p, f, r) { return pthen.call(p, f, r); }
function rejected(e) {
    var p = Prom.reject(e);
    return p;
}
function released() { return new TypeError('the reader was released'); }

/* A queuing strategy (QueuingStrategy): {hwm, size}; size null is the count strategy. */
function strategyOf(strategy, defaultHwm, what) {
    if (strategy === undefined || strategy === null) return {hwm: defaultHwm, size: null};
    if (typeof strategy !== 'object' && typeof strategy !== 'function')
        throw new TypeError(what + ': the strategy must be an object');
    var h = strategy.highWaterMark;
    var hwm = h === undefined ? defaultHwm : Number(h);
    var size = strategy.size;
    if (size !== undefined && typeof size !== 'function')
        throw new TypeError(what + ': strategy.size must be a function');
    if (isNaN(hwm) || hwm < 0) throw new RangeError(what + ': invalid highWaterMark');
    return {hwm: hwm, size: size === undefined ? null : size};
}
/* a member of an underlying source / sink / transformer dictionary: a function or absent */
function member(dict, name, what) {
    var f = dict[name];
    if (f === undefined || f === null) return null;
    if (typeof f !== 'function') throw new TypeError(what + ': ' + name + ' must be a function');
    return f;
}
/* a chunk's size by the strategy (throws what size throws, RangeError for a bad size) */
function chunkSize(sizeFn, chunk) {
    if (!sizeFn) return 1;
    var n = sizeFn.call(undefined, chunk);
    n = Number(n);
    if (!(n >= 0) || n === Infinity) throw new RangeError('The return value of a queuing strategy\'s size function must be a finite, non-NaN, non-negative number');
    return n;
}

/* The reader-side steps shared by both sources: close or error every queued read request
   and the holding reader's closed promise. */
function settleClose(st) {
    var reqs = st.reqs;
    st.reqs = [];
    if (st.reader) st.reader.resolve(undefined);
    for (var i = 0; i < reqs.length; i++) reqs[i].close();
}
function settleError(st, e) {
    var reqs = st.reqs;
    st.reqs = [];
    if (st.reader) st.reader.reject(e);
    for (var i = 0; i < reqs.length; i++) reqs[i].error(e);
}

/* ---- the C body of a Request or Response ---- */

function NativeBody(owner) {
    this.owner = owner;
    this.reqs = [];                        /* read requests waiting, oldest first */
    this.reading = false;                  /* a native.bodyRead is out */
    this.stash = null;                     /* a chunk read for a request since released */
    this.state = 'readable';               /* as far as reads have seen */
    this.storedError = undefined;
    this.reader = null;
    /* the reactions to native.bodyRead, made once per body, not once per chunk (a closure
       costs Duktape a function and its prototype object) */
    var self = this;
    this.onChunk = function (r) { self.gotChunk(r); };
    this.onFail = function (e) { self.gotError(e); };
}
var NP = NativeBody.prototype;
NP.isLocked = function () { return (native.bodyFlags(this.owner) & LOCKED) !== 0; };
NP.isDisturbed = function () { return (native.bodyFlags(this.owner) & DISTURBED) !== 0; };
NP.lock = function (on) { native.bodyFlags(this.owner, on ? LOCKED : 0, on ? 0 : LOCKED); };
NP.disturb = function () { native.bodyFlags(this.owner, DISTURBED, 0); };
/* req: a read request {chunk(value), close(), error(e)} (the Streams standard's). One
   native.bodyRead at a time; its promise is settled in C with a result object that has no
   prototype, so a `then` planted on Object.prototype is never looked up. */
NP.readReq = function (req) {
    this.disturb();
    if (this.state === 'closed') return req.close();
    if (this.state === 'errored') return req.error(this.storedError);
    this.reqs.push(req);
    this.pump();
};
NP.pump = function () {
    if (this.reading || !this.reqs.length || this.state !== 'readable') return;
    if (this.stash) {
        var c = this.stash;
        this.stash = null;
        return this.reqs.shift().chunk(c);
    }
    this.reading = true;
    upon(native.bodyRead(this.owner), this.onChunk, this.onFail);
};
NP.gotChunk = function (r) {
    this.reading = false;
    if (this.state !== 'readable') return;     /* cancelled meanwhile */
    if (r.done) {
        this.state = 'closed';
        return settleClose(this);
    }
    if (this.reqs.length) this.reqs.shift().chunk(r.value);
    else this.stash = r.value;
    this.pump();
};
NP.gotError = function (e) {
    this.reading = false;
    if (this.state !== 'readable') return;
    this.state = 'errored';
    this.storedError = e;
    settleError(this, e);
};
NP.cancel = function (reason) {
    this.disturb();
    if (this.state === 'closed') return Prom.resolve();
    if (this.state === 'errored') return rejected(this.storedError);
    this.state = 'closed';
    this.stash = null;
    settleClose(this);
    native.bodyCancel(this.owner, reason);
    return Prom.resolve();
};
NP.release = function () {
    this.lock(false);
    this.reader = null;
    settleError({reqs: this.reqs, reader: null}, released());
    this.reqs = [];
};

/* ---- a script's underlying source ---- */

function SourceBody(source, pullFn, cancelFn, strategy) {
    this.source = source;
    this.pullFn = pullFn;
    this.cancelFn = cancelFn;
    this.hwm = strategy.hwm;
    this.sizeFn = strategy.size;         /* not `size`: a setter on Object.prototype must not run */
    this.queue = [];                       /* chunks, with their sizes in sizes */
    this.sizes = [];
    this.total = 0;
    this.started = false;
    this.pulling = false;
    this.pullAgain = false;
    this.closeRequested = false;
    this.state = 'readable';               /* 'closed' once closed and drained, 'errored' */
    this.storedError = undefined;
    this.reqs = [];                        /* read requests waiting: {chunk, close, error} */
    this.reader = null;                    /* the hooks of the holding reader's closed promise */
    this.locked = false;
    this.disturbed = false;
    this.controller = null;
}
var SP = SourceBody.prototype;
SP.isLocked = function () { return this.locked; };
SP.isDisturbed = function () { return this.disturbed; };
SP.lock = function (on) { this.locked = on; };
SP.disturb = function () { this.disturbed = true; };
SP.canCloseOrEnqueue = function () { return !this.closeRequested && this.state === 'readable'; };
SP.desiredSize = function () {
    if (this.state === 'errored') return null;
    if (this.state === 'closed') return 0;
    return this.hwm - this.total;
};
SP.shouldCallPull = function () {
    if (!this.canCloseOrEnqueue() || !this.started) return false;
    if (this.locked && this.reqs.length) return true;
    return this.desiredSize() > 0;
};
SP.clearAlgorithms = function () {
    this.pullFn = this.cancelFn = this.sizeFn = null;
};
SP.pullIfNeeded = function () {
    var self = this;
    if (!this.shouldCallPull()) return;
    if (this.pulling) {
        this.pullAgain = true;
        return;
    }
    if (!this.pullFn) return;
    this.pulling = true;
    var p;
    try {
        p = Prom.resolve(this.pullFn.call(this.source, this.controller));
    } catch (e) {
        p = rejected(e);
    }
    upon(p, function () {
        self.pulling = false;
        if (self.pullAgain) {
            self.pullAgain = false;
            self.pullIfNeeded();
        }
    }, function (e) { self.fail(e); });
};
/* ReadableStreamDefaultControllerEnqueue (the caller checked canCloseOrEnqueue) */
SP.push = function (chunk) {
    if (this.locked && this.reqs.length) {
        this.reqs.shift().chunk(chunk);
    } else {
        var n;
        try {
            n = chunkSize(this.sizeFn, chunk);
        } catch (e) {
            this.fail(e);
            throw e;
        }
        this.queue.push(chunk);
        this.sizes.push(n);
        this.total += n;
    }
    this.pullIfNeeded();
};
SP.dequeue = function () {
    var c = this.queue.shift();
    this.total -= this.sizes.shift();
    if (this.total < 0 || !this.queue.length) this.total = 0;    /* rounding */
    return c;
};
SP.finish = function () {                  /* ReadableStreamClose */
    this.state = 'closed';
    settleClose(this);
};
SP.end = function () {                     /* ReadableStreamDefaultControllerClose */
    if (!this.canCloseOrEnqueue()) return;
    this.closeRequested = true;
    if (this.queue.length) return;         /* closed once a reader drains the queue */
    this.clearAlgorithms();
    this.finish();
};
SP.fail = function (e) {                   /* ReadableStreamDefaultControllerError */
    if (this.state !== 'readable') return;
    this.queue = [];
    this.sizes = [];
    this.total = 0;
    this.clearAlgorithms();
    this.state = 'errored';
    this.storedError = e;
    settleError(this, e);
};
SP.readReq = function (req) {
    this.disturbed = true;
    if (this.state === 'closed') return req.close();
    if (this.state === 'errored') return req.error(this.storedError);
    if (this.queue.length) {
        var chunk = this.dequeue();
        if (this.closeRequested && !this.queue.length) {
            this.clearAlgorithms();
            this.finish();
        } else {
            this.pullIfNeeded();
        }
        return req.chunk(chunk);
    }
    this.reqs.push(req);
    this.pullIfNeeded();
};
SP.cancel = function (reason) {            /* ReadableStreamCancel */
    this.disturbed = true;
    if (this.state === 'closed') return Prom.resolve();
    if (this.state === 'errored') return rejected(this.storedError);
    this.finish();
    this.queue = [];
    this.sizes = [];
    this.total = 0;
    var fn = this.cancelFn, src = this.source;
    this.clearAlgorithms();
    if (!fn) return Prom.resolve();
    var p;
    try {
        p = Prom.resolve(fn.call(src, reason));
    } catch (e) {
        return rejected(e);
    }
    return upon(p, noop);
};
SP.release = function () {
    this.locked = false;
    this.reader = null;
    settleError({reqs: this.reqs, reader: null}, released());
    this.reqs = [];
};

/* ---- ReadableStream ---- */

function ReadableStream(source, strategy) {
    if (!(this instanceof ReadableStream)) throw new TypeError("Class constructor ReadableStream cannot be invoked without 'new'");
    source = source === undefined || source === null ? {} : source;
    if (typeof source !== 'object' && typeof source !== 'function')
        throw new TypeError('ReadableStream: underlyingSource must be an object');
    var strat = strategyOf(strategy, 1, 'ReadableStream');
    /* UnderlyingSource's members, read in WebIDL's (lexicographic) order */
    var cancelFn = member(source, 'cancel', 'ReadableStream');
    var pullFn = member(source, 'pull', 'ReadableStream');
    var start = member(source, 'start', 'ReadableStream');
    if (source.type !== undefined) throw new RangeError('ReadableStream: type "' + source.type + '" is not supported');
    var st = new SourceBody(source, pullFn, cancelFn, strat);
    hide(this, '_st', st);
    var ctl = Object.create(ReadableStreamDefaultController.prototype);
    hide(ctl, '_st', st);
    st.controller = ctl;
    var started = start ? start.call(source, ctl) : undefined;  /* throws: so does the constructor */
    upon(Prom.resolve(started), function () {
        st.started = true;
        st.pullIfNeeded();
    }, function (e) { st.fail(e); });
}
var RP = ReadableStream.prototype;
Object.defineProperty(RP, 'locked', {get: function locked() { return stateOf(this).isLocked(); },
                                     enumerable: true, configurable: true});
hide(RP, 'getReader', function getReader(options) {
    var mode = options === undefined || options === null ? undefined : options.mode;
    if (mode === undefined) return new ReadableStreamDefaultReader(this);
    if (String(mode) !== 'byob') throw new TypeError('ReadableStream.getReader: mode "' + mode + '" is not a valid ReadableStreamReaderMode');
    return new ReadableStreamBYOBReader(this);
});
hide(RP, 'cancel', function cancel(reason) {
    var st;
    try {
        st = stateOf(this);
    } catch (e) {
        return rejected(e);
    }
    if (st.isLocked()) return rejected(new TypeError('ReadableStream is locked'));
    return st.cancel(reason);
});
hide(RP, 'tee', function tee() {
    return teeStream(this);
});
if (Symbol.toStringTag)
    Object.defineProperty(RP, Symbol.toStringTag, {value: 'ReadableStream', configurable: true});

function stateOf(s) {
    var st = s && s._st;
    if (!st || !(st instanceof SourceBody || st instanceof NativeBody))
        throw new TypeError('Illegal invocation: not a ReadableStream');
    return st;
}

function ReadableStreamDefaultController() {
    throw new TypeError('Illegal constructor');
}
var CP = ReadableStreamDefaultController.prototype;
hide(CP, 'enqueue', function enqueue(chunk) {
    var st = this._st;
    if (!st.canCloseOrEnqueue()) throw new TypeError('ReadableStream: enqueue after close');
    st.push(chunk);
});
hide(CP, 'close', function close() {
    var st = this._st;
    if (!st.canCloseOrEnqueue()) throw new TypeError('ReadableStream: already closed');
    st.end();
});
hide(CP, 'error', function error(e) {
    this._st.fail(e);
});
Object.defineProperty(CP, 'desiredSize', {get: function () {
    return this._st.desiredSize();
}, configurable: true});

function ReadableStreamDefaultReader(stream) {
    if (!(this instanceof ReadableStreamDefaultReader)) throw new TypeError("Class constructor ReadableStreamDefaultReader cannot be invoked without 'new'");
    initReader(this, stateOf(stream));
}
/* The closed promise, settled through its hooks by the source (st.reader). */
function closedHooks(reader) {
    var hooks = {settled: false};
    hide(reader, '_closed', new Prom(function (resolve, reject) {
        hooks.resolve = function (v) {
            if (hooks.settled) return;
            hooks.settled = true;
            resolve(v);
        };
        hooks.reject = function (e) {
            if (hooks.settled) return;
            hooks.settled = true;
            reject(e);
        };
    }));
    upon(reader._closed, null, noop);      /* marked handled, as the standard does */
    hide(reader, '_hooks', hooks);
    return hooks;
}
function initReader(reader, st) {
    if (st.isLocked()) throw new TypeError('ReadableStream is locked');
    st.lock(true);
    hide(reader, '_st', st);
    var hooks = closedHooks(reader);
    if (st.state === 'closed') hooks.resolve(undefined);
    else if (st.state === 'errored') hooks.reject(st.storedError);
    else st.reader = hooks;
}
/* ReadableStreamDefaultReaderRelease: the stream is unlocked, its waiting read requests
   reject with a TypeError and so does the reader's closed promise. */
function releaseReader(reader) {
    var st = reader._st;
    if (!st) return;
    if (reader._hooks.settled) closedHooks(reader);
    reader._hooks.reject(released());
    reader._st = null;
    st.release();
}
var DP = ReadableStreamDefaultReader.prototype;
/* A default reader's read request holds its promise and settles it from C: no executor
   closure per read (its scope would keep the promise, and the chunk in it, alive until the
   collector runs: a closure is a reference cycle with its prototype object). */
var promiseNew = native.promiseNew, promiseSettle = native.promiseSettle;
function ReadRequest() { this.p = promiseNew(); }
ReadRequest.prototype.chunk = function (value) { promiseSettle(this.p, true, {value: value, done: false}); };
ReadRequest.prototype.close = function () { promiseSettle(this.p, true, {value: undefined, done: true}); };
ReadRequest.prototype.error = function (e) { promiseSettle(this.p, false, e); };
hide(DP, 'read', function read() {
    var st = this._st;
    if (!st) return rejected(new TypeError('reader released'));
    var req = new ReadRequest();
    st.readReq(req);
    return req.p;
});
hide(DP, 'releaseLock', function releaseLock() {
    releaseReader(this);
});
hide(DP, 'cancel', function cancel(reason) {
    if (!this._st) return rejected(new TypeError('reader released'));
    return this._st.cancel(reason);
});
Object.defineProperty(DP, 'closed', {get: function () { return this._closed; }, configurable: true});
/* A BYOB reader: only for byte streams, which here are the bodies the runtime makes (Request,
   Response, Blob). read(view) fills the caller's view from the body's chunks, keeping what
   does not fit for the next read. Difference from the standard: the view's buffer is filled
   in place and handed back, not transferred (Duktape cannot detach an ArrayBuffer). */
function ReadableStreamBYOBReader(stream) {
    if (!(this instanceof ReadableStreamBYOBReader)) throw new TypeError("Class constructor ReadableStreamBYOBReader cannot be invoked without 'new'");
    var st = stateOf(stream);
    if (!(st instanceof NativeBody)) throw new TypeError('ReadableStreamBYOBReader: the stream is not a byte stream');
    initReader(this, st);
    hide(this, '_rest', null);             /* the part of a chunk the last view had no room for */
}
var BP = ReadableStreamBYOBReader.prototype;
function fillView(reader, view, bytes) {
    var size = view.BYTES_PER_ELEMENT || 1;
    var room = view.byteLength;
    var n = Math.min(room, bytes.length);
    n -= n % size;
    new Uint8Array(view.buffer, view.byteOffset, n).set(bytes.subarray(0, n));
    reader._rest = n < bytes.length ? bytes.subarray(n) : null;
    return new view.constructor(view.buffer, view.byteOffset, n / size);
}
hide(BP, 'read', function read(view) {
    var self = this, st = this._st;
    if (!ArrayBuffer.isView(view)) return Promise.reject(new TypeError('ReadableStreamBYOBReader.read: view must be an ArrayBufferView'));
    if (view.byteLength === 0) return Promise.reject(new TypeError('ReadableStreamBYOBReader.read: view must have a non-zero byteLength'));
    if (!st) return Promise.reject(new TypeError('reader released'));
    var size = view.BYTES_PER_ELEMENT || 1;
    if (this._rest && this._rest.length >= size)
        return Promise.resolve({value: fillView(this, view, this._rest), done: false});
    return new Promise(function (resolve, reject) {
        var req = {
            chunk: function (c) {
                var rest = self._rest;
                if (rest) {                /* a partial element left over: join it */
                    var j = new Uint8Array(rest.length + c.length);
                    j.set(rest, 0);
                    j.set(c, rest.length);
                    c = j;
                    self._rest = null;
                }
                if (c.length < size) {
                    self._rest = c;
                    return st.readReq(req);
                }
                resolve({value: fillView(self, view, c), done: false});
            },
            close: function () {
                resolve({value: new view.constructor(view.buffer, view.byteOffset, 0), done: true});
            },
            error: reject
        };
        st.readReq(req);
    });
});
hide(BP, 'releaseLock', DP.releaseLock);
hide(BP, 'cancel', DP.cancel);
Object.defineProperty(BP, 'closed', {get: function () { return this._closed; }, configurable: true});
if (Symbol.toStringTag)
    Object.defineProperty(BP, Symbol.toStringTag, {value: 'ReadableStreamBYOBReader', configurable: true});

/* ---- the two queuing strategies the standard defines ---- */

function strategyInit(init, what) {
    if (init === undefined || init === null || (typeof init !== 'object' && typeof init !== 'function'))
        throw new TypeError('Failed to construct \'' + what + '\': the init argument must be an object');
    if (init.highWaterMark === undefined)
        throw new TypeError('Failed to construct \'' + what + '\': highWaterMark is required');
    return Number(init.highWaterMark);
}
/* the size functions: one each, the same for every instance (as the standard says) */
var countSize = function size() { return 1; };
var byteSize = function size(chunk) { return chunk.byteLength; };
function CountQueuingStrategy(init) {
    if (!(this instanceof CountQueuingStrategy)) throw new TypeError("Class constructor CountQueuingStrategy cannot be invoked without 'new'");
    hide(this, '_hwm', strategyInit(init, 'CountQueuingStrategy'));
}
function ByteLengthQueuingStrategy(init) {
    if (!(this instanceof ByteLengthQueuingStrategy)) throw new TypeError("Class constructor ByteLengthQueuingStrategy cannot be invoked without 'new'");
    hide(this, '_hwm', strategyInit(init, 'ByteLengthQueuingStrategy'));
}
[[CountQueuingStrategy, countSize, 'CountQueuingStrategy'],
 [ByteLengthQueuingStrategy, byteSize, 'ByteLengthQueuingStrategy']].forEach(function (k) {
    var proto = k[0].prototype, size = k[1];
    Object.defineProperty(proto, 'highWaterMark', {get: function () {
        if (!(this instanceof k[0]) || this._hwm === undefined) throw new TypeError('Illegal invocation');
        return this._hwm;
    }, enumerable: true, configurable: true});
    Object.defineProperty(proto, 'size', {get: function () {
        if (!(this instanceof k[0]) || this._hwm === undefined) throw new TypeError('Illegal invocation');
        return size;
    }, enumerable: true, configurable: true});
    if (Symbol.toStringTag)
        Object.defineProperty(proto, Symbol.toStringTag, {value: k[2], configurable: true});
    hide(global, k[2], k[0]);
});

hide(global, 'ReadableStream', ReadableStream);
hide(global, 'ReadableStreamBYOBReader', ReadableStreamBYOBReader);
hide(global, 'ReadableStreamDefaultReader', ReadableStreamDefaultReader);
hide(global, 'ReadableStreamDefaultController', ReadableStreamDefaultController);

/* ---- what the C side calls ---- */

function makeStream(st) {
    var s = Object.create(RP);
    hide(s, '_st', st);
    return s;
}

native.ReadableStream = ReadableStream;
native.bodyStream = function (owner) { return makeStream(new NativeBody(owner)); };
native.streamUnusable = function (s) { var st = stateOf(s); return st.isLocked() || st.isDisturbed(); };
native.streamDisturbed = function (s) { return stateOf(s).isDisturbed(); };
/* for pipeTo (41-writable.js) and TransformStream (42-transform.js) */
native.rsInternal = {
    stateOf: stateOf,
    isStream: function (x) {
        try {
            return !!stateOf(x) && x instanceof ReadableStream;
        } catch (e) {
            return false;
        }
    },
    /* a default reader the runtime holds (locks the stream); releaseReader lets it go */
    acquireReader: function (s) {
        var r = Object.create(DP);
        initReader(r, stateOf(s));
        return r;
    },
    releaseReader: releaseReader,
    strategyOf: strategyOf,
    member: member,
    chunkSize: chunkSize,
    upon: upon
};
native.streamTake = function (s) { var st = stateOf(s); st.lock(true); st.disturb(); };

/* The whole stream as one Uint8Array (text() of a stream body, an upload): chunks must be
   bytes. Locks and disturbs it. */
/* Read stream s to its end: done(bytes) or fail(error), called, never a promise resolved
   with the bytes (the Fetch standard's "fully read": success and error steps). */
native.readAll = function (s, resolve, reject) {
    var st = stateOf(s);
    if (st.isLocked() || st.isDisturbed()) return reject(new TypeError('ReadableStream is locked or disturbed'));
    st.lock(true);
    var parts = [], total = 0;
    (function () {
        /* read requests, not promises of result objects: a `then` a script planted on
           Object.prototype never sees a chunk (response-stream-with-broken-then) */
        var busy = false, again = false;
        var req = {
            chunk: function (c) {
                if (!(c instanceof Uint8Array)) {
                    var e = new TypeError('Received non-Uint8Array chunk');
                    st.cancel(e);
                    return reject(e);
                }
                parts.push(c);
                total += c.length;
                step();
            },
            close: function () { resolve(concat(parts, total)); },
            error: reject
        };
        function step() {
            if (busy) {                    /* a chunk delivered synchronously: loop, not recurse */
                again = true;
                return;
            }
            busy = true;
            do {
                again = false;
                st.readReq(req);
            } while (again);
            busy = false;
        }
        step();
    })();
};

function concat(list, total) {
    if (list.length === 1) return list[0];
    var out = new Uint8Array(total), off = 0;
    for (var i = 0; i < list.length; i++) {
        out.set(list[i], off);
        off += list[i].length;
    }
    return out;
}

/* Two streams that each see every chunk of s (which becomes locked). */
function teeStream(s) {
    var st = stateOf(s);
    if (st.isLocked()) throw new TypeError('ReadableStream is locked');
    st.lock(true);
    var branches = [], reading = false, cancelled = 0;
    var req = {
        chunk: function (value) {
            reading = false;
            for (var i = 0; i < 2; i++)
                if (!branches[i].cancelled) branches[i].ctl.enqueue(value);
        },
        close: function () {
            reading = false;
            for (var i = 0; i < 2; i++) if (!branches[i].cancelled) branches[i].ctl.close();
        },
        error: function (e) {
            reading = false;
            for (var i = 0; i < 2; i++) if (!branches[i].cancelled) branches[i].ctl.error(e);
        }
    };
    function pull() {
        if (reading) return;
        reading = true;
        st.readReq(req);
    }
    function branch() {
        var b = {ctl: null, cancelled: false};
        branches.push(b);
        return new ReadableStream({
            start: function (c) { b.ctl = c; },
            pull: function () { pull(); },
            cancel: function (reason) {
                b.cancelled = true;
                if (++cancelled === 2) return st.cancel(reason);
            }
        }, {highWaterMark: 0});
    }
    return [branch(), branch()];
}
native.streamTee = teeStream;
