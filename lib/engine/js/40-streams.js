/*
 * 40-streams.js - ReadableStream (default streams, the count strategy), its default reader and
 * controller. Two kinds of source:
 *   - a script's underlying source (new ReadableStream({start, pull, cancel})): SourceBody,
 *     state kept here;
 *   - the body of a Request or Response held in C (lib/engine/body.c): NativeBody, made only
 *     when a script reads `body`; it reads through native.bodyRead and keeps locked and
 *     disturbed in the C body state (native.bodyFlags), so text() and the stream agree.
 * And what the C side calls: native.bodyStream(owner), readAll(stream), streamUnusable,
 * streamDisturbed, streamTee, streamTake, ReadableStream.
 */
var hide = native.hide;
var LOCKED = native.BF_LOCKED, DISTURBED = native.BF_DISTURBED;

/* ---- the C body of a Request or Response ---- */

function NativeBody(owner) {
    this.owner = owner;
}
var NP = NativeBody.prototype;
NP.isLocked = function () { return (native.bodyFlags(this.owner) & LOCKED) !== 0; };
NP.isDisturbed = function () { return (native.bodyFlags(this.owner) & DISTURBED) !== 0; };
NP.lock = function (on) { native.bodyFlags(this.owner, on ? LOCKED : 0, on ? 0 : LOCKED); };
NP.disturb = function () { native.bodyFlags(this.owner, DISTURBED, 0); };
/* req: a read request {chunk(value), close(), error(e)} (the Streams standard's). A network
   body's reads settle a promise made in C (body.c) with the result object. */
NP.readReq = function (req) {
    native.bodyRead(this.owner).then(function (r) {
        if (r.done) req.close();
        else req.chunk(r.value);
    }, function (e) { req.error(e); });
};
NP.cancel = function (reason) {
    native.bodyCancel(this.owner, reason);
    return Promise.resolve();
};

/* ---- a script's underlying source ---- */

function SourceBody(source, hwm) {
    this.source = source;
    this.hwm = hwm;
    this.queue = [];
    this.started = false;
    this.pulling = false;
    this.pullAgain = false;
    this.closeRequested = false;
    this.done = false;
    this.error = null;
    this.errored = false;
    this.pending = null;                   /* a waiting read request: {chunk, close, error} */
    this.locked = false;
    this.disturbed = false;
    this.controller = null;
}
var SP = SourceBody.prototype;
SP.isLocked = function () { return this.locked; };
SP.isDisturbed = function () { return this.disturbed; };
SP.lock = function (on) { this.locked = on; };
SP.disturb = function () { this.disturbed = true; };
SP.pullIfNeeded = function () {
    var self = this;
    if (!this.started || this.done || this.errored || this.closeRequested || !this.source.pull) return;
    if (!this.pending && this.queue.length >= this.hwm) return;
    if (this.pulling) {
        this.pullAgain = true;
        return;
    }
    this.pulling = true;
    var p;
    try {
        p = Promise.resolve(this.source.pull.call(this.source, this.controller));
    } catch (e) {
        p = Promise.reject(e);
    }
    p.then(function () {
        self.pulling = false;
        if (self.pullAgain) {
            self.pullAgain = false;
            self.pullIfNeeded();
        }
    }, function (e) { self.fail(e); });
};
SP.push = function (chunk) {
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.chunk(chunk);
    } else {
        this.queue.push(chunk);
    }
    this.pullIfNeeded();
};
SP.end = function () {
    this.closeRequested = true;
    if (this.queue.length) return;         /* done once the reader drains the queue */
    this.done = true;
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.close();
    }
};
SP.fail = function (e) {
    if (this.done || this.errored) return;
    this.errored = true;
    this.error = e;
    this.queue = [];
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.error(e);
    }
};
SP.readReq = function (req) {
    this.disturbed = true;
    if (this.queue.length) {
        var chunk = this.queue.shift();
        if (this.closeRequested && !this.queue.length) this.done = true;
        this.pullIfNeeded();
        req.chunk(chunk);
        return;
    }
    if (this.errored) return req.error(this.error);
    if (this.done) return req.close();
    if (this.pending) return req.error(new TypeError('read() already pending'));
    this.pending = req;
    this.pullIfNeeded();
};
SP.cancel = function (reason) {
    this.disturbed = true;
    if (this.done || this.errored) return Promise.resolve();
    this.done = true;
    this.queue = [];
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.close();
    }
    var src = this.source;
    if (!src.cancel) return Promise.resolve();
    try {
        return Promise.resolve(src.cancel.call(src, reason)).then(function () {});
    } catch (e) {
        return Promise.reject(e);
    }
};

/* ---- ReadableStream ---- */

function ReadableStream(source, strategy) {
    if (!(this instanceof ReadableStream)) throw new TypeError("Class constructor ReadableStream cannot be invoked without 'new'");
    source = source === undefined || source === null ? {} : source;
    if (typeof source !== 'object' && typeof source !== 'function')
        throw new TypeError('ReadableStream: underlyingSource must be an object');
    if (source.type !== undefined) throw new RangeError('ReadableStream: type "' + source.type + '" is not supported');
    var hwm = strategy && strategy.highWaterMark !== undefined ? Number(strategy.highWaterMark) : 1;
    if (!(hwm >= 0)) throw new RangeError('ReadableStream: invalid highWaterMark');
    var st = new SourceBody(source, hwm);
    hide(this, '_st', st);
    var ctl = Object.create(ReadableStreamDefaultController.prototype);
    hide(ctl, '_st', st);
    st.controller = ctl;
    var started = source.start ? source.start.call(source, ctl) : undefined;  /* throws: so does the constructor */
    Promise.resolve(started).then(function () {
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
    var st = stateOf(this);
    if (st.isLocked()) return Promise.reject(new TypeError('ReadableStream is locked'));
    return st.cancel(reason);
});
hide(RP, 'tee', function tee() {
    return teeStream(this);
});
if (Symbol.toStringTag)
    Object.defineProperty(RP, Symbol.toStringTag, {value: 'ReadableStream', configurable: true});

function stateOf(s) {
    var st = s && s._st;
    if (!st) throw new TypeError('Illegal invocation: not a ReadableStream');
    return st;
}

function ReadableStreamDefaultController() {
    throw new TypeError('Illegal constructor');
}
var CP = ReadableStreamDefaultController.prototype;
hide(CP, 'enqueue', function enqueue(chunk) {
    var st = this._st;
    if (st.closeRequested || st.done || st.errored) throw new TypeError('ReadableStream: enqueue after close');
    st.push(chunk);
});
hide(CP, 'close', function close() {
    var st = this._st;
    if (st.closeRequested || st.done || st.errored) throw new TypeError('ReadableStream: already closed');
    st.end();
});
hide(CP, 'error', function error(e) {
    this._st.fail(e);
});
Object.defineProperty(CP, 'desiredSize', {get: function () {
    var st = this._st;
    if (st.errored) return null;
    return st.done || st.closeRequested ? 0 : st.hwm - st.queue.length;
}, configurable: true});

function ReadableStreamDefaultReader(stream) {
    if (!(this instanceof ReadableStreamDefaultReader)) throw new TypeError("Class constructor ReadableStreamDefaultReader cannot be invoked without 'new'");
    initReader(this, stateOf(stream));
}
function initReader(reader, st) {
    if (st.isLocked()) throw new TypeError('ReadableStream is locked');
    st.lock(true);
    hide(reader, '_st', st);
    var hooks = {};
    hide(reader, '_closed', new Promise(function (resolve, reject) {
        hooks.resolve = resolve;
        hooks.reject = reject;
    }));
    hide(reader, '_hooks', hooks);
    reader._closed.then(null, function () {});
}
var DP = ReadableStreamDefaultReader.prototype;
hide(DP, 'read', function read() {
    var st = this._st, hooks = this._hooks;
    if (!st) return Promise.reject(new TypeError('reader released'));
    return new Promise(function (resolve, reject) {
        st.readReq({
            chunk: function (value) { resolve({value: value, done: false}); },
            close: function () {
                hooks.resolve(undefined);
                resolve({value: undefined, done: true});
            },
            error: function (e) {
                hooks.reject(e);
                reject(e);
            }
        });
    });
});
hide(DP, 'releaseLock', function releaseLock() {
    if (!this._st) return;
    this._st.lock(false);
    this._hooks.reject(new TypeError('reader released'));
    this._st = null;
});
hide(DP, 'cancel', function cancel(reason) {
    if (!this._st) return Promise.reject(new TypeError('reader released'));
    this._hooks.resolve(undefined);
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
    var self = this, st = this._st, hooks = this._hooks;
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
                hooks.resolve(undefined);
                resolve({value: new view.constructor(view.buffer, view.byteOffset, 0), done: true});
            },
            error: function (e) {
                hooks.reject(e);
                reject(e);
            }
        };
        st.readReq(req);
    });
});
hide(BP, 'releaseLock', DP.releaseLock);
hide(BP, 'cancel', DP.cancel);
Object.defineProperty(BP, 'closed', {get: function () { return this._closed; }, configurable: true});
if (Symbol.toStringTag)
    Object.defineProperty(BP, Symbol.toStringTag, {value: 'ReadableStreamBYOBReader', configurable: true});

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
