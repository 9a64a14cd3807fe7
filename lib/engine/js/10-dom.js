/*
 * 10-dom.js - the small part of the DOM that fetch needs: DOMException (name, message,
 * legacy code), Event and a minimal EventTarget, AbortController and AbortSignal
 * (abort(reason), aborted, reason, onabort, add/removeEventListener, throwIfAborted,
 * AbortSignal.abort/timeout/any). Listener errors are reported as uncaught and do not stop
 * the loop (queueMicrotask rethrow, as Node reports them).
 */
var hide = native.hide;

var CODES = {IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
             InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
             NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
             InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
             TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
             URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
             InvalidNodeTypeError: 24, DataCloneError: 25};

function DOMException(message, name) {
    if (!(this instanceof DOMException))
        throw new TypeError("Class constructor DOMException cannot be invoked without 'new'");
    var err = new Error(message === undefined ? '' : String(message));
    hide(this, 'message', message === undefined ? '' : String(message));
    hide(this, 'name', name === undefined ? 'Error' : String(name));
    hide(this, 'code', CODES[this.name] || 0);
    hide(this, 'stack', this.name + ': ' + this.message + String(err.stack).replace(/^[^\n]*/, ''));
}
DOMException.prototype = Object.create(Error.prototype);
hide(DOMException.prototype, 'constructor', DOMException);
hide(DOMException.prototype, 'toString', function toString() {
    return this.message ? this.name + ': ' + this.message : this.name;
});
for (var k in CODES)
    if (CODES.hasOwnProperty(k))
        DOMException[k.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase().replace(/_ERROR$/, '_ERR')] = CODES[k];
hide(global, 'DOMException', DOMException);

function Event(type, init) {
    if (arguments.length === 0)
        throw new TypeError('The "type" argument must be specified');
    this.type = String(type);
    this.bubbles = !!(init && init.bubbles);
    this.cancelable = !!(init && init.cancelable);
    this.defaultPrevented = false;
    this.target = null;
    this.currentTarget = null;
    this.timeStamp = Date.now();
}
hide(Event.prototype, 'preventDefault', function preventDefault() {
    if (this.cancelable) this.defaultPrevented = true;
});
hide(Event.prototype, 'stopImmediatePropagation', function stopImmediatePropagation() {
    this._stop = true;
});
hide(global, 'Event', Event);

function reportLater(e) {
    queueMicrotask(function () { throw e; });
}

function EventTarget() {
    hide(this, '_listeners', {});
}
hide(EventTarget.prototype, 'addEventListener', function addEventListener(type, fn, opts) {
    if (fn === null || fn === undefined) return;
    var list = this._listeners[type] || (this._listeners[type] = []);
    for (var i = 0; i < list.length; i++)
        if (list[i].fn === fn) return;
    list.push({fn: fn, once: !!(opts && typeof opts === 'object' && opts.once)});
});
hide(EventTarget.prototype, 'removeEventListener', function removeEventListener(type, fn) {
    var list = this._listeners[type];
    if (!list) return;
    for (var i = 0; i < list.length; i++)
        if (list[i].fn === fn) { list[i].removed = true; list.splice(i, 1); return; }
});
hide(EventTarget.prototype, 'dispatchEvent', function dispatchEvent(ev) {
    ev.target = ev.currentTarget = this;
    var handler = this['on' + ev.type];
    var list = (this._listeners[ev.type] || []).slice();
    if (typeof handler === 'function') {
        try { handler.call(this, ev); } catch (e) { reportLater(e); }
    }
    for (var i = 0; i < list.length && !ev._stop; i++) {
        var l = list[i];
        if (l.removed) continue;           /* removed during this dispatch: not called */
        if (l.once) this.removeEventListener(ev.type, l.fn);
        try {
            if (typeof l.fn === 'function') l.fn.call(this, ev);
            else if (l.fn && typeof l.fn.handleEvent === 'function') l.fn.handleEvent(ev);
        } catch (e) {
            reportLater(e);
        }
    }
    return !ev.defaultPrevented;
});
hide(global, 'EventTarget', EventTarget);

function AbortSignal() {
    throw new TypeError('Illegal constructor');
}
function makeSignal() {
    var s = Object.create(AbortSignal.prototype);
    EventTarget.call(s);
    hide(s, '_aborted', false);
    hide(s, '_reason', undefined);
    s.onabort = null;
    return s;
}
AbortSignal.prototype = Object.create(EventTarget.prototype);
hide(AbortSignal.prototype, 'constructor', AbortSignal);
Object.defineProperty(AbortSignal.prototype, 'aborted', {
    get: function () { return this._aborted; }, enumerable: true, configurable: true});
Object.defineProperty(AbortSignal.prototype, 'reason', {
    get: function () { return this._reason; }, enumerable: true, configurable: true});
hide(AbortSignal.prototype, 'throwIfAborted', function throwIfAborted() {
    if (this._aborted) throw this._reason;
});

function signalAbort(s, reason) {
    if (s._aborted) return;
    s._aborted = true;
    s._reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    s.dispatchEvent(new Event('abort'));
}
native.signalAbort = signalAbort;

hide(AbortSignal, 'abort', function abort(reason) {
    var s = makeSignal();
    signalAbort(s, reason);
    return s;
});
hide(AbortSignal, 'timeout', function timeout(ms) {
    ms = Number(ms);
    if (!(ms >= 0) || ms > 9007199254740991)
        throw new TypeError('The "delay" argument must be a non-negative number');
    var s = makeSignal();
    setTimeout(function () {
        signalAbort(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms);
    return s;
});
hide(AbortSignal, 'any', function any(signals) {
    var s = makeSignal(), list = [];
    native.iterate(signals, function (x) {
        if (!(x instanceof AbortSignal)) throw new TypeError('The "signals" argument must be an array of AbortSignal');
        list.push(x);
    });
    for (var i = 0; i < list.length; i++) {
        if (list[i].aborted) {
            signalAbort(s, list[i].reason);
            return s;
        }
    }
    list.forEach(function (x) {
        x.addEventListener('abort', function () { signalAbort(s, x.reason); }, {once: true});
    });
    return s;
});
hide(global, 'AbortSignal', AbortSignal);
native.AbortSignal = AbortSignal;
/* Request.signal: a signal of the request's own that follows the one it was given (the Fetch
   standard's "signal follows"), or one that never aborts. */
native.followSignal = function (src) {
    var s = makeSignal();
    if (!src) return s;
    if (src.aborted) {
        signalAbort(s, src.reason);
        return s;
    }
    src.addEventListener('abort', function () { signalAbort(s, src.reason); }, {once: true});
    return s;
};

function AbortController() {
    if (!(this instanceof AbortController))
        throw new TypeError("Class constructor AbortController cannot be invoked without 'new'");
    hide(this, '_signal', makeSignal());
}
Object.defineProperty(AbortController.prototype, 'signal', {
    get: function () { return this._signal; }, enumerable: true, configurable: true});
hide(AbortController.prototype, 'abort', function abort(reason) {
    signalAbort(this._signal, reason);
});
hide(global, 'AbortController', AbortController);
