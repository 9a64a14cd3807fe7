/*
 * 40-body.js - bodies: a BodyState per Request/Response (bytes known up front, or fed by
 * the network through native events), the ReadableStream-like `body` with
 * getReader().read() and backpressure (native.pause above a 64 KiB high-water mark,
 * native.resume when the reader drains), and the read methods text/json/arrayBuffer/bytes,
 * which ask the C side to collect a network body whole (native.collect: one copy, no
 * concatenation in JS). A second read rejects with TypeError, as the standard says.
 */
var hide = native.hide;
var HWM = 65536;
var encoder = new TextEncoder();

function terminated(code, message) {
    var e = new TypeError('terminated');
    var cause = new Error(message || code);
    cause.code = code;
    e.cause = cause;
    return e;
}
native.terminated = terminated;

/* A body whose bytes are all known (or null). */
function StaticBody(bytes) {
    this.id = 0;
    this.queue = bytes && bytes.length ? [bytes] : [];
    this.queued = bytes ? bytes.length : 0;
    this.done = true;
    this.error = null;
    this.pending = null;                   /* a waiting reader.read() */
    this.collector = null;                 /* a waiting whole-body read */
    this.disturbed = false;
    this.locked = false;
    this.paused = false;
}

/* A body fed by native events for request id. */
function NetBody(id) {
    StaticBody.call(this, null);
    this.id = id;
    this.done = false;
}
NetBody.prototype = StaticBody.prototype;

var BP = StaticBody.prototype;

BP.push = function (chunk) {
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.resolve({value: chunk, done: false});
        return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.id && !this.paused && this.queued > HWM && !this.collector) {
        this.paused = true;
        native.pause(this.id);
    }
};

BP.end = function (whole) {
    this.done = true;
    if (this.collector) {
        var c = this.collector;
        this.collector = null;
        c.resolve(whole ? new Uint8Array(whole) : concat(this.queue, this.queued));
        this.queue = [];
        this.queued = 0;
    }
    if (this.pending) {
        var p = this.pending;
        this.pending = null;
        p.resolve({value: undefined, done: true});
    }
};

BP.fail = function (err) {
    if (this.done && !this.collector && !this.pending) return;
    this.done = true;
    this.error = err;
    this.queue = [];
    this.queued = 0;
    if (this.collector) { var c = this.collector; this.collector = null; c.reject(err); }
    if (this.pending) { var p = this.pending; this.pending = null; p.reject(err); }
};

/* reader.read() */
BP.read = function () {
    var self = this;
    if (this.queue.length) {
        var chunk = this.queue.shift();
        this.queued -= chunk.length;
        if (this.paused && this.queued <= HWM / 2) {
            this.paused = false;
            native.resume(this.id);
        }
        return Promise.resolve({value: chunk, done: false});
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({value: undefined, done: true});
    if (this.pending) return Promise.reject(new TypeError('read() already pending'));
    if (this.paused) {
        this.paused = false;
        native.resume(this.id);
    }
    return new Promise(function (resolve, reject) {
        self.pending = {resolve: resolve, reject: reject};
    });
};

/* Stop reading: cancel the exchange. */
BP.cancel = function (reason) {
    if (this.id && !this.done) native.cancel(this.id);
    this.done = true;
    this.queue = [];
    this.queued = 0;
    if (this.pending) { var p = this.pending; this.pending = null; p.resolve({value: undefined, done: true}); }
};

/* The whole body as a Uint8Array. */
BP.all = function () {
    var self = this;
    if (this.error) return Promise.reject(this.error);
    if (this.done) {
        var all = concat(this.queue, this.queued);
        this.queue = [];
        this.queued = 0;
        return Promise.resolve(all);
    }
    return new Promise(function (resolve, reject) {
        self.collector = {resolve: resolve, reject: reject};
        native.collect(self.id, self.queue);
        self.queue = [];
        self.queued = 0;
        if (self.paused) {
            self.paused = false;
            native.resume(self.id);
        }
    });
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

/* ---- the stream object scripts see as `response.body` ---- */

/* A stream a script constructs: new ReadableStream({start, pull, cancel}, {highWaterMark}).
   Default (not byte) streams, chunk-counting strategy, as the standard describes. */
function ReadableStream(source, strategy) {
    if (!(this instanceof ReadableStream)) throw new TypeError("Class constructor ReadableStream cannot be invoked without 'new'");
    source = source === undefined || source === null ? {} : source;
    if (typeof source !== 'object' && typeof source !== 'function')
        throw new TypeError('ReadableStream: underlyingSource must be an object');
    if (source.type !== undefined) throw new RangeError('ReadableStream: type "' + source.type + '" is not supported');
    var hwm = strategy && strategy.highWaterMark !== undefined ? Number(strategy.highWaterMark) : 1;
    if (!(hwm >= 0)) throw new RangeError('ReadableStream: invalid highWaterMark');
    var st = new SourceBody(source, hwm);
    hide(this, '_owner', {_state: st});
    var ctl = Object.create(ReadableStreamDefaultController.prototype);
    hide(ctl, '_st', st);
    st.controller = ctl;
    var started = source.start ? source.start.call(source, ctl) : undefined;  /* throws: so does the constructor */
    Promise.resolve(started).then(function () {
        st.started = true;
        st.pullIfNeeded();
    }, function (e) { st.fail(e); });
}

function ReadableStreamDefaultController() {
    throw new TypeError('Illegal constructor');
}
var CP = ReadableStreamDefaultController.prototype;
hide(CP, 'enqueue', function enqueue(chunk) {
    var st = this._st;
    if (st.closeRequested || st.done) throw new TypeError('ReadableStream: enqueue after close');
    st.push(chunk);
});
hide(CP, 'close', function close() {
    var st = this._st;
    if (st.closeRequested || st.done) throw new TypeError('ReadableStream: already closed');
    st.end();
});
hide(CP, 'error', function error(e) {
    this._st.fail(e);
});
Object.defineProperty(CP, 'desiredSize', {get: function () {
    var st = this._st;
    if (st.error) return null;
    return st.done || st.closeRequested ? 0 : st.hwm - st.queue.length;
}, configurable: true});
hide(global, 'ReadableStreamDefaultController', ReadableStreamDefaultController);

/* The state behind a constructed stream: chunks the source enqueues, pulled on demand. */
function SourceBody(source, hwm) {
    StaticBody.call(this, null);
    this.done = false;
    this.source = source;
    this.hwm = hwm;
    this.started = false;
    this.pulling = false;
    this.pullAgain = false;
    this.closeRequested = false;
    this.controller = null;
}
var SP = SourceBody.prototype = Object.create(BP);
SP.pullIfNeeded = function () {
    var self = this;
    if (!this.started || this.done || this.closeRequested || !this.source.pull) return;
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
        p.resolve({value: chunk, done: false});
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
        p.resolve({value: undefined, done: true});
    }
};
SP.read = function () {
    var self = this;
    if (this.queue.length) {
        var chunk = this.queue.shift();
        if (this.closeRequested && !this.queue.length) this.done = true;
        this.pullIfNeeded();
        return Promise.resolve({value: chunk, done: false});
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({value: undefined, done: true});
    if (this.pending) return Promise.reject(new TypeError('read() already pending'));
    var r = new Promise(function (resolve, reject) {
        self.pending = {resolve: resolve, reject: reject};
    });
    this.pullIfNeeded();
    return r;
};
SP.cancel = function (reason) {
    if (this.done && !this.closeRequested) return;
    BP.cancel.call(this, reason);
    if (this.source.cancel) {
        try { this.source.cancel.call(this.source, reason); } catch (e) { void e; }
    }
};
/* The whole stream as one Uint8Array (text(), a request body): chunks must be bytes. */
SP.all = function () {
    var self = this, parts = [], total = 0;
    return new Promise(function (resolve, reject) {
        function step() {
            self.read().then(function (r) {
                if (r.done) return resolve(concat(parts, total));
                var c = r.value;
                if (!(c instanceof Uint8Array)) {
                    var e = new TypeError('Received non-Uint8Array chunk');
                    self.cancel(e);
                    return reject(e);
                }
                parts.push(c);
                total += c.length;
                step();
            }, reject);
        }
        step();
    });
};
native.readAll = function (stream) {
    var st = stream._owner._state;
    if (st.locked || st.disturbed) return Promise.reject(new TypeError('ReadableStream is locked or disturbed'));
    st.locked = st.disturbed = true;
    return st.all();
};
function makeStream(owner) {
    var s = Object.create(ReadableStream.prototype);
    hide(s, '_owner', owner);              /* keeps the Response (and its connection) alive */
    return s;
}
Object.defineProperty(ReadableStream.prototype, 'locked', {
    get: function () { return this._owner._state.locked; }, configurable: true});
hide(ReadableStream.prototype, 'getReader', function getReader() {
    var st = this._owner._state;
    if (st.locked) throw new TypeError('ReadableStream is locked');
    st.locked = true;
    st.disturbed = true;
    return new Reader(this._owner);
});
hide(ReadableStream.prototype, 'cancel', function cancel(reason) {
    var st = this._owner._state;
    if (st.locked) return Promise.reject(new TypeError('ReadableStream is locked'));
    st.disturbed = true;
    st.cancel(reason);
    return Promise.resolve();
});
hide(ReadableStream.prototype, Symbol.iterator, undefined);
hide(global, 'ReadableStream', ReadableStream);

function Reader(owner) {
    hide(this, '_owner', owner);
    var st = owner._state;
    hide(this, '_closed', new Promise(function (resolve, reject) {
        hide(owner, '_closedHooks', {resolve: resolve, reject: reject});
    }));
    this._closed.then(null, function () {});
    void st;
}
hide(Reader.prototype, 'read', function read() {
    var owner = this._owner;
    if (!owner) return Promise.reject(new TypeError('reader released'));
    var st = owner._state;
    return st.read().then(function (r) {
        if (r.done && owner._closedHooks) owner._closedHooks.resolve(undefined);
        return r;
    }, function (e) {
        if (owner._closedHooks) owner._closedHooks.reject(e);
        throw e;
    });
});
hide(Reader.prototype, 'releaseLock', function releaseLock() {
    if (this._owner) this._owner._state.locked = false;
    this._owner = null;
});
hide(Reader.prototype, 'cancel', function cancel(reason) {
    if (this._owner) this._owner._state.cancel(reason);
    return Promise.resolve();
});
Object.defineProperty(Reader.prototype, 'closed', {get: function () { return this._closed; }, configurable: true});

/* ---- the body mixin shared by Request and Response ---- */

function consume(obj) {
    var st = obj._state;
    if (st.disturbed || st.locked)
        return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    st.disturbed = true;
    return st.all();
}

var decoderOpts = {fatal: false};
function mixin(proto) {
    Object.defineProperty(proto, 'bodyUsed', {get: function () { return this._state.disturbed; },
                                              enumerable: true, configurable: true});
    Object.defineProperty(proto, 'body', {get: function () {
        if (!this._hasBody) return null;
        if (!this._stream) hide(this, '_stream', makeStream(this));
        return this._stream;
    }, enumerable: true, configurable: true});
    hide(proto, 'arrayBuffer', function arrayBuffer() {
        return consume(this).then(function (u8) {
            if (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength) return u8.buffer;
            return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
        });
    });
    hide(proto, 'bytes', function bytes() {
        return consume(this).then(function (u8) { return new Uint8Array(u8); });
    });
    hide(proto, 'text', function text() {
        return consume(this).then(function (u8) { return new TextDecoder('utf-8', decoderOpts).decode(u8); });
    });
    hide(proto, 'json', function json() {
        return this.text().then(function (t) { return JSON.parse(t); });
    });
    hide(proto, 'blob', function blob() {
        return Promise.reject(new TypeError('Blob is not supported by this runtime (docs/fetch.md)'));
    });
    hide(proto, 'formData', function formData() {
        return Promise.reject(new TypeError('FormData is not supported by this runtime (docs/fetch.md)'));
    });
}

/* Turn a BodyInit into { bytes, type } (bytes: Uint8Array or null). */
function extract(body) {
    if (body === null || body === undefined) return {bytes: null, type: null};
    if (typeof body === 'string') return {bytes: encoder.encode(body), type: 'text/plain;charset=UTF-8'};
    if (body instanceof URLSearchParams)
        return {bytes: encoder.encode(body.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8'};
    if (body instanceof ArrayBuffer) return {bytes: new Uint8Array(body.slice(0)), type: null};
    if (ArrayBuffer.isView(body))
        return {bytes: new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), type: null};
    if (body instanceof ReadableStream) {
        if (body.locked) throw new TypeError('Response body object should not be disturbed or locked');
        return {bytes: null, stream: body, type: null};
    }
    return {bytes: encoder.encode(String(body)), type: 'text/plain;charset=UTF-8'};
}

native.StaticBody = StaticBody;
native.NetBody = NetBody;
native.bodyMixin = mixin;
native.extractBody = extract;
