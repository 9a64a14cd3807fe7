/*
 * 50-fetch.js - fetch(), Request and Response. fetch() validates synchronously-detectable
 * problems into a rejected promise (as Node), then runs one exchange per hop through
 * native.request and follows redirects here (policy is the core's, not the backend's).
 * Events from the C side arrive through the dispatcher registered below, one macrotask
 * each. A Response that is never read and becomes garbage releases its connection from
 * its finalizer (the Response's own fields hold no cycle, so refcounting frees it at once).
 */
var hide = native.hide;
var inflight = {};                         /* id -> { onHead, onError, body } */

function fetchFailed(code, message) {
    var e = new TypeError('fetch failed');
    var cause = new Error(message || native.errorMessage(code));
    cause.code = code;
    e.cause = cause;
    return e;
}

native.setDispatcher(function (id, type, a, b) {
    var rec = inflight[id];
    if (!rec) return;
    if (type === 'head') {
        rec.onHead(a, b);
    } else if (type === 'data') {
        if (rec.body) rec.body.push(a);
    } else if (type === 'end') {
        delete inflight[id];
        if (rec.body) rec.body.end(a);
        if (rec.done) rec.done();
    } else if (type === 'error') {
        delete inflight[id];
        if (rec.body) rec.body.fail(native.terminated(a, b));
        else rec.onError(fetchFailed(a, b));
        if (rec.done) rec.done();
    }
});

/* ---- Request ---- */

var FORBIDDEN_METHODS = {CONNECT: 1, TRACE: 1, TRACK: 1};
var NORMALIZE = {DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1, PATCH: 0};
var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normMethod(m) {
    m = String(m);
    if (!TOKEN.test(m)) throw new TypeError("'" + m + "' is not a valid HTTP method.");
    var up = m.toUpperCase();
    if (FORBIDDEN_METHODS[up]) throw new TypeError("'" + m + "' HTTP method is unsupported.");
    return NORMALIZE.hasOwnProperty(up) && NORMALIZE[up] ? up : m;
}

function Request(input, init) {
    if (!(this instanceof Request)) throw new TypeError("Class constructor Request cannot be invoked without 'new'");
    if (arguments.length === 0) throw new TypeError('Request: 1 argument required, but only 0 present.');
    init = init || {};
    var src = input instanceof Request ? input : null;
    var url, parsed = null;
    if (src) {
        url = src.url;
    } else {
        try {
            parsed = new URL(String(input));
        } catch (e) {
            throw new TypeError('Failed to parse URL from ' + String(input));
        }
        url = parsed.href;
        if (parsed.username || parsed.password)
            throw new TypeError('Request cannot be constructed from a URL that includes credentials: ' + url);
    }
    hide(this, '_url', url);
    hide(this, '_parsed', parsed);         /* fetch() starts from it instead of parsing again */
    hide(this, '_method', init.method !== undefined ? normMethod(init.method) : src ? src.method : 'GET');
    var headers = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
    hide(this, '_headers', headers);
    var signal = init.signal !== undefined ? init.signal : src ? src._signal : null;
    if (signal !== null && signal !== undefined && !(signal instanceof AbortSignal))
        throw new TypeError('Failed to construct \'Request\': member signal is not of type AbortSignal.');
    /* no signal given: nobody can abort it, and its own is made only if a script asks */
    hide(this, '_signal', signal || null);
    hide(this, '_ownSignal', !signal);
    var redirect = init.redirect !== undefined ? String(init.redirect) : src ? src.redirect : 'follow';
    if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error')
        throw new TypeError("Failed to construct 'Request': '" + redirect + "' is not a valid value for redirect");
    hide(this, '_redirect', redirect);
    hide(this, '_timeout', init.timeout !== undefined ? init.timeout : src ? src._timeout : undefined);
    hide(this, '_limits', init.limits !== undefined ? init.limits : src ? src._limits : undefined);
    var body = null, stream = null;
    if (init.body !== undefined && init.body !== null) {
        if (this._method === 'GET' || this._method === 'HEAD')
            throw new TypeError('Request with GET/HEAD method cannot have body.');
        var ex = native.extractBody(init.body);
        body = ex.bytes;
        stream = ex.stream || null;
        /* as in Node: a stream body (length unknown, sent chunked) needs duplex: 'half' */
        if (stream && init.duplex !== 'half')
            throw new TypeError('RequestInit: duplex option is required when sending a body.');
        if (ex.type && !headers.has('content-type')) headers.set('content-type', ex.type);
    } else if (src && (src._bytes || src._streamBody)) {
        if (src.bodyUsed) throw new TypeError('Cannot construct a Request with a Request object that has already been used.');
        body = src._bytes;
        stream = src._streamBody;
    }
    hide(this, '_bytes', body);
    hide(this, '_streamBody', stream);
    hide(this, '_state', stream ? stream._owner._state : new native.StaticBody(body));
    hide(this, '_hasBody', body !== null || stream !== null);
}
native.bodyMixin(Request.prototype);
Object.defineProperty(Request.prototype, 'signal', {get: function () {
    if (!this._signal) this._signal = new AbortController().signal;
    return this._signal;
}, enumerable: true, configurable: true});
['url', 'method', 'headers', 'redirect'].forEach(function (k) {
    Object.defineProperty(Request.prototype, k, {get: function () { return this['_' + k]; },
                                                 enumerable: true, configurable: true});
});
hide(Request.prototype, 'clone', function clone() {
    if (this.bodyUsed) throw new TypeError('Request.clone: Body has already been consumed.');
    if (this._streamBody) throw new TypeError('Request.clone: a stream body cannot be cloned by this runtime (docs/fetch.md)');
    return new Request(this);
});
hide(global, 'Request', Request);

/* ---- Response ---- */

var NULL_BODY = {101: 1, 103: 1, 204: 1, 205: 1, 304: 1};
var REDIRECT = {301: 1, 302: 1, 303: 1, 307: 1, 308: 1};

function responseFinalizer(res) {
    var st = res._state;
    /* a body being read (text(), a reader) lives on without its Response: leave it */
    if (st && st.id && !st.done && !st.disturbed) {
        st.done = true;
        delete inflight[st.id];
        native.cancel(st.id);              /* release the connection */
    }
}

function Response(body, init) {
    if (!(this instanceof Response)) throw new TypeError("Class constructor Response cannot be invoked without 'new'");
    init = init || {};
    var status = init.status === undefined ? 200 : Number(init.status);
    if (!(status >= 200 && status <= 599) || Math.floor(status) !== status)
        throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
    var statusText = init.statusText === undefined ? '' : String(init.statusText);
    if (/[^\t\u0020-\u007e\u0080-\u00ff]/.test(statusText)) throw new TypeError('Invalid statusText');
    var headers = new Headers(init.headers);
    var bytes = null;
    if (body !== null && body !== undefined) {
        if (NULL_BODY[status]) throw new TypeError('Response constructor: Invalid response status code ' + status);
        var ex = native.extractBody(body);
        bytes = ex.bytes;
        if (ex.type && !headers.has('content-type')) headers.set('content-type', ex.type);
        if (ex.stream) {
            init_(this, status, statusText, headers, ex.stream._owner._state, true, '', false, 'default');
            return;
        }
    }
    init_(this, status, statusText, headers, new native.StaticBody(bytes), bytes !== null, '', false, 'default');
}

function init_(r, status, statusText, headers, state, hasBody, url, redirected, type) {
    hide(r, '_status', status);
    hide(r, '_statusText', statusText);
    hide(r, '_headers', headers);
    hide(r, '_state', state);
    hide(r, '_hasBody', hasBody);
    hide(r, '_url', url);
    hide(r, '_redirected', redirected);
    hide(r, '_type', type);
}

native.bodyMixin(Response.prototype);
['status', 'statusText', 'headers', 'url', 'redirected', 'type'].forEach(function (k) {
    Object.defineProperty(Response.prototype, k, {get: function () { return this['_' + k]; },
                                                  enumerable: true, configurable: true});
});
Object.defineProperty(Response.prototype, 'ok', {get: function () { return this._status >= 200 && this._status < 300; },
                                                 enumerable: true, configurable: true});
hide(Response.prototype, 'clone', function clone() {
    var st = this._state;
    if (st.disturbed || st.locked) throw new TypeError('Response.clone: Body has already been consumed.');
    var copy = Object.create(Response.prototype);
    if (!st.id || st.done) {
        var bytes = st.queue.length ? st.queue : [];
        var a = new native.StaticBody(null), b = new native.StaticBody(null);
        bytes.forEach(function (c) { a.queue.push(c); b.queue.push(c); });
        a.queued = b.queued = st.queued;
        a.error = b.error = st.error;
        init_(copy, this._status, this._statusText, this._headers, b, this._hasBody, this._url, this._redirected, this._type);
        this._state = a;
        return copy;
    }
    /* tee a network body: both sides see every chunk */
    var left = new native.NetBody(st.id), right = new native.NetBody(st.id);
    st.queue.forEach(function (c) { left.queue.push(c); right.queue.push(c); });
    left.queued = right.queued = st.queued;
    var rec = inflight[st.id];
    if (rec) rec.body = tee(left, right);
    this._state = left;
    init_(copy, this._status, this._statusText, this._headers, right, this._hasBody, this._url, this._redirected, this._type);
    Duktape.fin(copy, responseFinalizer);
    return copy;
});

function tee(a, b) {
    return {
        push: function (c) { a.push(c); b.push(c); },
        end: function (whole) { a.end(whole); b.end(whole); },
        fail: function (e) { a.fail(e); b.fail(e); }
    };
}

hide(Response, 'error', function error() {
    var r = Object.create(Response.prototype);
    init_(r, 0, '', native.headersFromWire([]), new native.StaticBody(null), false, '', false, 'error');
    return r;
});
hide(Response, 'json', function json(data, init) {
    var text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    init = init || {};
    var headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, {status: init.status, statusText: init.statusText, headers: headers});
});
hide(Response, 'redirect', function redirect(url, status) {
    status = status === undefined ? 302 : Number(status);
    if (!REDIRECT[status]) throw new RangeError('Invalid status code ' + status);
    var href = new URL(String(url)).href;
    return new Response(null, {status: status, headers: {location: href}});
});
hide(global, 'Response', Response);

/* ---- fetch ---- */

function origin(u) {
    return u.protocol + '//' + u.host;
}

function numOpt(obj, key) {
    return obj && typeof obj[key] === 'number' ? obj[key] : undefined;
}

function fetch(input, init) {
    var req;
    try {
        req = new Request(input, init);
    } catch (e) {
        return Promise.reject(e);
    }
    var signal = req._ownSignal ? null : req._signal;   /* null: nothing can abort it */
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    var headers = new Headers(req.headers);
    var decode = !headers.has('accept-encoding');
    if (!headers.has('accept')) headers.set('accept', '*/*');
    if (!headers.has('accept-language')) headers.set('accept-language', '*');
    if (!headers.has('sec-fetch-mode')) headers.set('sec-fetch-mode', 'cors');
    if (!headers.has('user-agent')) headers.set('user-agent', 'rtjs');
    if (decode) headers.set('accept-encoding', native.acceptEncoding);
    var timeout = req._timeout || {}, limits = req._limits || {};

    return new Promise(function (resolve, reject) {
        var url = req._parsed || new URL(req.url), method = req.method, body = req._bytes, chunked = false;
        var hops = 0, currentId = 0, settled = false, response = null;

        function onAbort() {
            var reason = signal.reason;
            if (currentId) {
                delete inflight[currentId];
                native.cancel(currentId);
            }
            if (!settled) {
                settled = true;
                reject(reason);
            } else if (response && !response._state.done) {
                response._state.fail(reason);
            }
        }
        if (signal) signal.addEventListener('abort', onAbort, {once: true});
        function cleanup() {
            if (signal) signal.removeEventListener('abort', onAbort);
        }

        function start() {
            if (url.protocol !== 'http:' && url.protocol !== 'https:') {
                settled = true;
                cleanup();
                reject(fetchFailed('UNSUPPORTED_SCHEME', 'URL scheme "' + url.protocol.slice(0, -1) +
                                   '" is not supported.'));
                return;
            }
            var tls = url.protocol === 'https:';
            var port = url.port ? Number(url.port) : (tls ? 443 : 80);
            var host = url.hostname.replace(/^\[|\]$/g, '');
            var spec = {
                method: method, tls: tls, host: host, port: port,
                target: (url.pathname || '/') + url.search,
                hostHeader: url.host,
                headers: headers._flat(),
                body: body === null ? undefined : body,
                chunked: chunked && body !== null,
                decode: decode,
                connectTimeout: numOpt(timeout, 'connect'),
                headersTimeout: numOpt(timeout, 'headers'),
                bodyTimeout: numOpt(timeout, 'body'),
                maxHeaderBytes: numOpt(limits, 'maxHeaderBytes'),
                maxHeaderCount: numOpt(limits, 'maxHeaderCount'),
                maxBodyBytes: numOpt(limits, 'maxBodyBytes'),
                /* a request that asks for Connection: close does not return it to the pool */
                reuse: !/(^|,)[ \t]*close[ \t]*(,|$)/i.test(headers.get('connection') || ''),
                retry: method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ||
                       method === 'PUT' || method === 'DELETE'
            };
            var id;
            try {
                id = native.request(spec);
            } catch (e) {
                settled = true;
                cleanup();
                reject(e);
                return;
            }
            currentId = id;
            inflight[id] = {onHead: onHead, onError: onError, body: null, done: done};
        }

        function done() {
            currentId = 0;
            response = null;
            cleanup();
        }

        function onError(err) {
            currentId = 0;
            if (settled) return;
            settled = true;
            cleanup();
            reject(err);
        }

        function onHead(status, info) {
            var id = currentId;
            var h = native.headersFromWire(info.headers);
            var location = h.get('location');
            if (REDIRECT[status] && location !== null && req.redirect !== 'manual') {
                delete inflight[id];
                native.cancel(id);
                currentId = 0;
                if (req.redirect === 'error') {
                    return onError(fetchFailed('UNEXPECTED_REDIRECT', 'unexpected redirect'));
                }
                if (++hops > 20) return onError(fetchFailed('TOO_MANY_REDIRECTS', 'redirect count exceeded'));
                var next;
                try {
                    next = new URL(location, url.href);
                } catch (e) {
                    return onError(fetchFailed('INVALID_URL', 'invalid redirect location: ' + location));
                }
                if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
                    method = 'GET';
                    body = null;
                    chunked = false;
                    ['content-type', 'content-length', 'content-encoding', 'content-language',
                     'content-location'].forEach(function (k) { headers.delete(k); });
                }
                if (origin(next) !== origin(url)) {
                    headers.delete('authorization');
                    headers.delete('cookie');
                    headers.delete('proxy-authorization');
                }
                url = next;
                return start();
            }
            var hasBody = !(NULL_BODY[status] || method === 'HEAD');
            var st = new native.NetBody(id);
            var res = Object.create(Response.prototype);
            init_(res, status, info.statusText, h, st, hasBody, url.href, hops > 0, 'basic');
            Duktape.fin(res, responseFinalizer);
            inflight[id].body = st;
            settled = true;
            if (req._ownSignal)
                cleanup();                 /* nothing can abort it: hold no reference to res */
            else
                response = res;
            var settle = resolve;
            /* inflight[id] keeps this scope alive until the body ends: drop the resolving
               functions so that the settled promise (and through it res) is not held */
            resolve = reject = null;
            settle(res);
        }

        if (!req._streamBody) return start();
        /* a stream body (length unknown): read to its end, then sent chunked */
        native.readAll(req._streamBody).then(function (all) {
            if (settled) return;
            body = all;
            chunked = all.length > 0;      /* as Node: an empty stream goes as Content-Length: 0 */
            start();
        }, function (e) {
            if (settled) return;
            var err = new TypeError('fetch failed');
            err.cause = e;
            onError(err);
        });
    });
}
hide(global, 'fetch', fetch);
