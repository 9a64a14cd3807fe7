/*
 * testharness-shim.js - a small testharness.js-compatible harness, in ES5, so the Web Platform
 * Tests' fetch/api files run the same way under rtjs (Duktape) and under node. Written for this
 * project from the testharness.js API documentation (test, async_test, promise_test, setup,
 * done, add_completion_callback, step_timeout, the assert_* and promise_rejects_* functions);
 * it is not a copy of testharness.js.
 *
 * The driver that tools/conformance/run.py generates defines, before this file:
 *   __WPT          { file, title, timeoutMs, href }  which test file runs and its document URL
 *   __wpt_eval     function (src, name): runs one script as a global script
 * and, after it, calls __wpt_run([{ name, src }, ...]) with the META scripts and the test file.
 *
 * Output: one line per finished test, `@@WPT {"name":..,"status":..,"message":..,"net":..}`,
 * then `@@WPT {"harness":"OK"|"ERROR"|"TIMEOUT","message":..}`. status is PASS, FAIL, TIMEOUT or
 * NOTRUN. `net` is true when the test called fetch() with a URL that needs a server (a relative
 * URL, or http(s) with a host): such tests are counted apart, since no WPT server runs here.
 */
(function (global) {
    'use strict';

    var PASS = 'PASS', FAIL = 'FAIL', TIMEOUT = 'TIMEOUT', NOTRUN = 'NOTRUN';
    var tests = [];
    var completionCallbacks = [];
    var resultCallbacks = [];
    var current = null;           /* test whose step runs now */
    var promiseCurrent = null;    /* promise_test in progress (they run one at a time) */
    var promiseQueue = Promise.resolve();
    var doneCalled = false;
    var finished = false;
    var harnessStatus = 'OK', harnessMessage = null;
    var fileNet = false;
    /* Non-ASCII goes out as \u escapes (UTF-16 units): Duktape keeps a non-BMP character as one
       code point, node as a surrogate pair, and test names must compare equal across engines. */
    function hex4(n) { return ('000' + n.toString(16)).slice(-4); }
    var emitLine = function (obj) {
        console.log('@@WPT ' + JSON.stringify(obj).replace(/[^\u0000-\u007e]/g, function (c) {
            var n = c.charCodeAt(0);
            if (n > 0xffff) {
                n -= 0x10000;
                return '\\u' + hex4(0xd800 + (n >> 10)) + '\\u' + hex4(0xdc00 + (n & 0x3ff));
            }
            return '\\u' + hex4(n);
        }));
    };

    /* ---- the environment a dedicated worker would give the test file ---- */
    if (typeof global.self === 'undefined')
        global.self = global;
    (function () {
        var href = __WPT.href;
        var m = /^(https?:)\/\/([^\/:]+)(?::(\d+))?(\/[^?#]*)(\?[^#]*)?(#.*)?$/.exec(href);
        var loc = {
            href: href, protocol: m[1], hostname: m[2], port: m[3] || '',
            host: m[2] + (m[3] ? ':' + m[3] : ''), pathname: m[4], search: m[5] || '',
            hash: m[6] || ''
        };
        loc.origin = loc.protocol + '//' + loc.host;
        loc.toString = function () { return href; };
        global.location = loc;
    })();
    global.GLOBAL = {
        isWindow: function () { return false; },
        isWorker: function () { return true; },
        isShadowRealm: function () { return false; }
    };

    /* ---- fetch() calls that need a server mark their test ---- */
    function needsServer(input) {
        var url;
        try {
            if (input !== null && typeof input === 'object' && typeof input.url === 'string')
                url = input.url;
            else
                url = String(input);
        } catch (e) {
            return false;
        }
        url = url.replace(/^[\u0000-\u0020]+/, '');
        if (/^(data|blob|about):/i.test(url))
            return false;
        if (!/^[a-zA-Z][a-zA-Z0-9+.\-]*:/.test(url))
            return true;                                 /* relative: resolved against the server */
        return /^https?:\/\/[^\/:?#]+(:\d+)?([\/?#]|$)/i.test(url);
    }
    if (typeof global.fetch === 'function') {
        var realFetch = global.fetch;
        global.fetch = function fetch(input) {
            if (needsServer(input)) {
                var t = current || promiseCurrent;
                if (t) t.net = true; else fileNet = true;
            }
            return realFetch.apply(this, arguments);
        };
    }

    /* ---- formatting, as testharness.js shows values in messages ---- */
    function formatValue(v, seen) {
        if (typeof v === 'string') {
            return '"' + v.replace(/[\u0000-\u001f"\\\u007f-\u009f]/g, function (c) {
                switch (c) {
                case '"': return '\\"';
                case '\\': return '\\\\';
                case '\n': return '\\n';
                case '\r': return '\\r';
                case '\t': return '\\t';
                }
                var h = c.charCodeAt(0).toString(16);
                return '\\x' + (h.length < 2 ? '0' + h : h);
            }) + '"';
        }
        if (typeof v === 'number')
            return (v === 0 && 1 / v < 0) ? '-0' : String(v);
        if (typeof v === 'symbol')
            return v.toString();
        if (v === null)
            return 'null';
        if (typeof v === 'undefined')
            return 'undefined';
        if (typeof v === 'object' || typeof v === 'function') {
            seen = seen || [];
            if (seen.indexOf(v) >= 0)
                return '[...]';
            if (Array.isArray(v)) {
                seen.push(v);
                var parts = [];
                for (var i = 0; i < v.length; i++)
                    parts.push(formatValue(v[i], seen));
                return '[' + parts.join(', ') + ']';
            }
            try {
                if (v instanceof Error || (v && typeof v.name === 'string' &&
                                           typeof v.message === 'string'))
                    return 'object "' + v.name + ': ' + v.message + '"';
                return (typeof v) + ' "' + String(v) + '"';
            } catch (e) {
                return '[' + typeof v + ']';
            }
        }
        return String(v);
    }

    function AssertionError(message) {
        this.message = message;
    }
    AssertionError.prototype.name = 'AssertionError';
    AssertionError.prototype.toString = function () { return this.message; };

    function assert(cond, fname, description, fmt) {
        if (cond)
            return;
        var msg = fname + ': ' + (description ? description + ' ' : '') + fmt;
        throw new AssertionError(msg);
    }

    function sameValue(a, b) {
        if (a !== a && b !== b)
            return true;                                 /* NaN */
        if (a === 0 && b === 0)
            return 1 / a === 1 / b;                      /* +0 and -0 differ */
        return a === b;
    }

    /* ---- the asserts ---- */
    function assert_true(actual, description) {
        assert(actual === true, 'assert_true', description,
               'expected true got ' + formatValue(actual));
    }
    function assert_false(actual, description) {
        assert(actual === false, 'assert_false', description,
               'expected false got ' + formatValue(actual));
    }
    function assert_equals(actual, expected, description) {
        if (typeof actual !== typeof expected) {
            assert(false, 'assert_equals', description, 'expected (' + typeof expected + ') ' +
                   formatValue(expected) + ' but got (' + typeof actual + ') ' +
                   formatValue(actual));
        }
        assert(sameValue(actual, expected), 'assert_equals', description,
               'expected ' + formatValue(expected) + ' but got ' + formatValue(actual));
    }
    function assert_not_equals(actual, expected, description) {
        assert(!sameValue(actual, expected), 'assert_not_equals', description,
               'got disallowed value ' + formatValue(actual));
    }
    function assert_in_array(actual, expected, description) {
        assert(expected.indexOf(actual) !== -1, 'assert_in_array', description,
               'value ' + formatValue(actual) + ' not in array ' + formatValue(expected));
    }
    function assert_array_equals(actual, expected, description) {
        assert(typeof actual === 'object' && actual !== null && 'length' in actual,
               'assert_array_equals', description, 'value is ' + formatValue(actual) +
               ', expected array');
        assert(actual.length === expected.length, 'assert_array_equals', description,
               'lengths differ, expected array ' + formatValue(expected) + ' length ' +
               expected.length + ', got ' + formatValue(actual) + ' length ' + actual.length);
        for (var i = 0; i < actual.length; i++) {
            assert(actual.hasOwnProperty(i) === expected.hasOwnProperty(i),
                   'assert_array_equals', description, 'expected property ' + i +
                   ' to be ' + expected.hasOwnProperty(i) + ' but was ' +
                   actual.hasOwnProperty(i));
            assert(sameValue(expected[i], actual[i]), 'assert_array_equals', description,
                   'expected property ' + i + ' to be ' + formatValue(expected[i]) +
                   ' but got ' + formatValue(actual[i]) + ' (expected array ' +
                   formatValue(expected) + ' got ' + formatValue(actual) + ')');
        }
    }
    function assert_array_approx_equals(actual, expected, epsilon, description) {
        assert(actual.length === expected.length, 'assert_array_approx_equals', description,
               'lengths differ');
        for (var i = 0; i < actual.length; i++)
            assert(Math.abs(actual[i] - expected[i]) <= epsilon, 'assert_array_approx_equals',
                   description, 'property ' + i + ' differs');
    }
    function assert_approx_equals(actual, expected, epsilon, description) {
        assert(typeof actual === 'number', 'assert_approx_equals', description,
               'expected a number but got a ' + typeof actual);
        assert(Math.abs(actual - expected) <= epsilon, 'assert_approx_equals', description,
               'expected ' + formatValue(expected) + ' +/- ' + epsilon + ' but got ' +
               formatValue(actual));
    }
    function assert_less_than(actual, expected, description) {
        assert(typeof actual === 'number' && actual < expected, 'assert_less_than',
               description, 'expected a number less than ' + expected + ' but got ' +
               formatValue(actual));
    }
    function assert_greater_than(actual, expected, description) {
        assert(typeof actual === 'number' && actual > expected, 'assert_greater_than',
               description, 'expected a number greater than ' + expected + ' but got ' +
               formatValue(actual));
    }
    function assert_less_than_equal(actual, expected, description) {
        assert(typeof actual === 'number' && actual <= expected, 'assert_less_than_equal',
               description, 'expected a number <= ' + expected + ' but got ' +
               formatValue(actual));
    }
    function assert_greater_than_equal(actual, expected, description) {
        assert(typeof actual === 'number' && actual >= expected, 'assert_greater_than_equal',
               description, 'expected a number >= ' + expected + ' but got ' +
               formatValue(actual));
    }
    function assert_regexp_match(actual, expected, description) {
        assert(expected.test(actual), 'assert_regexp_match', description,
               'expected ' + formatValue(expected) + ' but got ' + formatValue(actual));
    }
    function assert_class_string(object, class_string, description) {
        var actual = Object.prototype.toString.call(object);
        var expected = '[object ' + class_string + ']';
        assert(actual === expected, 'assert_class_string', description,
               'expected ' + formatValue(expected) + ' but got ' + formatValue(actual));
    }
    function assert_own_property(object, name, description) {
        assert(Object.prototype.hasOwnProperty.call(object, name), 'assert_own_property',
               description, 'expected property ' + formatValue(name) + ' missing');
    }
    function assert_not_own_property(object, name, description) {
        assert(!Object.prototype.hasOwnProperty.call(object, name), 'assert_not_own_property',
               description, 'unexpected property ' + formatValue(name) + ' is found on object');
    }
    function assert_inherits(object, name, description) {
        assert(typeof object === 'object' || typeof object === 'function', 'assert_inherits',
               description, 'provided value is not an object');
        assert(!Object.prototype.hasOwnProperty.call(object, name) && (name in object),
               'assert_inherits', description, 'property ' + formatValue(name) +
               ' not inherited');
    }
    function assert_idl_attribute(object, name, description) {
        assert_inherits(object, name, description);
    }
    function assert_readonly(object, name, description) {
        var initial = object[name];
        try {
            object[name] = initial + 'a';
            assert(sameValue(object[name], initial), 'assert_readonly', description,
                   'changing property ' + formatValue(name) + ' succeeded');
        } finally {
            object[name] = initial;
        }
    }
    function assert_object_equals(actual, expected, description) {
        assert(typeof actual === 'object' && actual !== null, 'assert_object_equals',
               description, 'value is ' + formatValue(actual) + ', expected object');
        var k;
        for (k in actual)
            assert(expected.hasOwnProperty(k), 'assert_object_equals', description,
                   'unexpected property ' + formatValue(k));
        for (k in expected) {
            assert(actual.hasOwnProperty(k), 'assert_object_equals', description,
                   'expected property ' + formatValue(k) + ' missing');
            if (typeof expected[k] === 'object' && expected[k] !== null)
                assert_object_equals(actual[k], expected[k], description);
            else
                assert(sameValue(actual[k], expected[k]), 'assert_object_equals',
                       description, 'property ' + formatValue(k) + ' expected ' +
                       formatValue(expected[k]) + ' got ' + formatValue(actual[k]));
        }
    }
    function assert_unreached(description) {
        assert(false, 'assert_unreached', description, 'Reached unreachable code');
    }
    function assert_implements(condition, description) {
        assert(!!condition, 'assert_implements', description, '');
    }
    function assert_implements_optional(condition, description) {
        if (!condition) {
            var e = new AssertionError('assert_implements_optional: ' + (description || ''));
            e.optional = true;
            throw e;
        }
    }

    function checkThrownJs(constructor, e, fname, description) {
        assert(typeof e === 'object' || typeof e === 'function', fname, description,
               formatValue(e) + ' thrown, not an object');
        assert(e !== null, fname, description, 'null thrown, not an object');
        assert(e.constructor === constructor && e.name === constructor.name, fname,
               description, 'threw ' + formatValue(e) + ' (' + e.name + ') expected instance of ' +
               (constructor && constructor.name) + ' (' + (constructor && constructor.name) + ')');
    }
    function assert_throws_js(constructor, func, description) {
        try {
            func.call(this);
        } catch (e) {
            if (e instanceof AssertionError)
                throw e;
            checkThrownJs(constructor, e, 'assert_throws_js', description);
            return;
        }
        assert(false, 'assert_throws_js', description, formatValue(func) + ' did not throw');
    }
    var DOM_CODES = {
        IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
        InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
        NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
        InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
        TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
        URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
        InvalidNodeTypeError: 24, DataCloneError: 25
    };
    function checkThrownDom(type, constructor, e, fname, description) {
        var name = type;
        if (typeof type === 'number') {
            for (var k in DOM_CODES)
                if (DOM_CODES[k] === type)
                    name = k;
        }
        assert(typeof e === 'object' && e !== null, fname, description,
               formatValue(e) + ' thrown, not an object');
        assert(e.name === name, fname, description, 'threw ' + formatValue(e) +
               ' that is not a DOMException ' + name + ': property "name" is equal to ' +
               formatValue(e.name) + ', expected ' + formatValue(name));
        if (name in DOM_CODES)
            assert(e.code === DOM_CODES[name], fname, description, 'threw ' + formatValue(e) +
                   ': property "code" is equal to ' + formatValue(e.code) + ', expected ' +
                   DOM_CODES[name]);
        assert(e.constructor === constructor, fname, description, 'threw an exception from ' +
               'the wrong global (constructor is not DOMException)');
    }
    function assert_throws_dom(type, funcOrConstructor, descriptionOrFunc, maybeDescription) {
        var constructor = global.DOMException, func = funcOrConstructor,
            description = descriptionOrFunc;
        if (typeof descriptionOrFunc === 'function') {
            constructor = funcOrConstructor;
            func = descriptionOrFunc;
            description = maybeDescription;
        }
        try {
            func.call(this);
        } catch (e) {
            if (e instanceof AssertionError)
                throw e;
            checkThrownDom(type, constructor, e, 'assert_throws_dom', description);
            return;
        }
        assert(false, 'assert_throws_dom', description, formatValue(func) + ' did not throw');
    }
    function assert_throws_exactly(exception, func, description) {
        try {
            func.call(this);
        } catch (e) {
            if (e instanceof AssertionError)
                throw e;
            assert(sameValue(e, exception), 'assert_throws_exactly', description,
                   formatValue(e) + ' is not the expected exception ' + formatValue(exception));
            return;
        }
        assert(false, 'assert_throws_exactly', description, formatValue(func) +
               ' did not throw');
    }

    function promise_rejects_js(test, constructor, promise, description) {
        return promise.then(function () {
            assert(false, 'promise_rejects_js', description, 'Should have rejected: ' +
                   (description || ''));
        }, function (e) {
            checkThrownJs(constructor, e, 'promise_rejects_js', description);
        });
    }
    function promise_rejects_dom(test, type, promiseOrConstructor, descriptionOrPromise,
                                 maybeDescription) {
        var constructor = global.DOMException, promise = promiseOrConstructor,
            description = descriptionOrPromise;
        if (maybeDescription !== undefined || (descriptionOrPromise &&
                                               typeof descriptionOrPromise.then === 'function')) {
            constructor = promiseOrConstructor;
            promise = descriptionOrPromise;
            description = maybeDescription;
        }
        return promise.then(function () {
            assert(false, 'promise_rejects_dom', description, 'Should have rejected: ' +
                   (description || ''));
        }, function (e) {
            checkThrownDom(type, constructor, e, 'promise_rejects_dom', description);
        });
    }
    function promise_rejects_exactly(test, exception, promise, description) {
        return promise.then(function () {
            assert(false, 'promise_rejects_exactly', description, 'Should have rejected: ' +
                   (description || ''));
        }, function (e) {
            assert(sameValue(e, exception), 'promise_rejects_exactly', description,
                   formatValue(e) + ' is not the expected exception ' + formatValue(exception));
        });
    }

    /* ---- tests ---- */
    function messageOf(e) {
        if (e instanceof AssertionError)
            return e.message;
        if (e !== null && typeof e === 'object') {
            try {
                return (e.name ? e.name + ': ' : '') + e.message;
            } catch (x) {
                return String(e);
            }
        }
        return String(e);
    }

    function Test(name) {
        this.name = name;
        this.status = null;
        this.message = null;
        this.phase = 'started';
        this.cleanups = [];
        this.net = false;
        tests.push(this);
    }
    Test.prototype.PASS = 0;
    Test.prototype.FAIL = 1;
    Test.prototype.TIMEOUT = 2;
    Test.prototype.NOTRUN = 3;
    Test.prototype.fail = function (e, prefix) {
        if (this.phase === 'complete' || this.status !== null)
            return;
        if (e && e.optional) {
            this.status = NOTRUN;
            this.message = messageOf(e);
            return;
        }
        this.status = FAIL;
        this.message = (prefix || '') + (prefix ? formatValue(e) : messageOf(e));
    };
    Test.prototype.step = function (fn, thisObj) {
        if (this.phase === 'complete')
            return undefined;
        var args = Array.prototype.slice.call(arguments, 2);
        var prev = current;
        current = this;
        try {
            return fn.apply(thisObj === undefined ? this : thisObj, args);
        } catch (e) {
            this.fail(e);
            this.done();
            return undefined;
        } finally {
            current = prev;
        }
    };
    Test.prototype.step_func = function (fn, thisObj) {
        var t = this;
        return function () {
            return t.step.apply(t, [fn, thisObj === undefined ? this : thisObj].concat(
                Array.prototype.slice.call(arguments)));
        };
    };
    Test.prototype.step_func_done = function (fn, thisObj) {
        var t = this;
        return function () {
            if (fn)
                t.step.apply(t, [fn, thisObj === undefined ? this : thisObj].concat(
                    Array.prototype.slice.call(arguments)));
            t.done();
        };
    };
    Test.prototype.unreached_func = function (description) {
        return this.step_func(function () { assert_unreached(description); });
    };
    Test.prototype.step_timeout = function (fn, ms) {
        var t = this, args = Array.prototype.slice.call(arguments, 2);
        return setTimeout(function () { t.step.apply(t, [fn, t].concat(args)); }, ms);
    };
    Test.prototype.step_wait_func = function (cond, fn, description, timeout, interval) {
        var t = this, start = Date.now();
        timeout = timeout === undefined ? 3000 : timeout;
        interval = interval === undefined ? 100 : interval;
        function poll() {
            if (t.phase === 'complete')
                return;
            var ok;
            try { ok = cond(); } catch (e) { t.fail(e); t.done(); return; }
            if (ok) { t.step(fn); return; }
            if (Date.now() - start > timeout) {
                t.fail(new AssertionError(description || 'timed out waiting'));
                t.done();
                return;
            }
            setTimeout(poll, interval);
        }
        poll();
    };
    Test.prototype.step_wait_func_done = function (cond, fn, description, timeout, interval) {
        var t = this;
        t.step_wait_func(cond, function () { if (fn) fn(); t.done(); }, description, timeout,
                         interval);
    };
    Test.prototype.step_wait = function (cond, description, timeout, interval) {
        var t = this;
        return new Promise(function (resolve, reject) {
            var start = Date.now();
            timeout = timeout === undefined ? 3000 : timeout;
            interval = interval === undefined ? 100 : interval;
            (function poll() {
                if (cond()) { resolve(); return; }
                if (Date.now() - start > timeout) {
                    reject(new AssertionError(description || 'timed out waiting'));
                    return;
                }
                setTimeout(poll, interval);
            })();
        });
    };
    Test.prototype.add_cleanup = function (fn) {
        this.cleanups.push(fn);
    };
    Test.prototype.force_timeout = function () {
        this.status = TIMEOUT;
        this.message = 'Test timed out';
        this.done();
    };
    Test.prototype.timeout = Test.prototype.force_timeout;
    Test.prototype.done = function () {
        if (this.phase === 'complete')
            return;
        if (this.status === null)
            this.status = PASS;
        var cleanups = this.cleanups;
        this.cleanups = [];
        for (var i = 0; i < cleanups.length; i++) {
            try {
                cleanups[i].call(this);
            } catch (e) {
                harnessStatus = 'ERROR';
                harnessMessage = 'Test named "' + this.name + '" threw an error in cleanup: ' +
                    messageOf(e);
            }
        }
        this.phase = 'complete';
        emitLine({ name: this.name, status: this.status, message: this.message, net: this.net });
        for (i = 0; i < resultCallbacks.length; i++) {
            try { resultCallbacks[i](this); } catch (e) { /* reported by the harness status */ }
        }
        maybeFinish();
    };

    function defaultName() {
        return __WPT.title || __WPT.file;
    }

    function test(fn, name) {
        var t = new Test(name === undefined ? defaultName() : name);
        t.step(fn, t);
        if (t.phase !== 'complete')
            t.done();
        return t;
    }

    function async_test(fn, name) {
        if (typeof fn !== 'function') {
            name = fn;
            fn = null;
        }
        var t = new Test(name === undefined ? defaultName() : name);
        if (fn)
            t.step(fn, t, t);
        return t;
    }

    function promise_test(fn, name) {
        var t = new Test(name === undefined ? defaultName() : name);
        t.phase = 'queued';
        promiseQueue = promiseQueue.then(function () {
            if (t.phase === 'complete')
                return undefined;
            t.phase = 'started';
            promiseCurrent = t;
            var p;
            current = t;
            try {
                p = fn.call(t, t);
            } catch (e) {
                current = null;
                t.fail(e);
                t.done();
                promiseCurrent = null;
                return undefined;
            }
            current = null;
            if (!p || typeof p.then !== 'function') {
                t.fail(new AssertionError('promise_test: test body must return a \'thenable\' ' +
                                          'object (received ' + formatValue(p) + ')'));
                t.done();
                promiseCurrent = null;
                return undefined;
            }
            return new Promise(function (resolve) {
                p.then(function () {
                    t.done();
                    promiseCurrent = null;
                    resolve();
                }, function (e) {
                    if (e instanceof AssertionError)
                        t.fail(e);
                    else
                        t.fail(e, 'promise_test: Unhandled rejection with value: ');
                    t.done();
                    promiseCurrent = null;
                    resolve();
                });
            });
        });
        return t;
    }

    function setup(fnOrProps, maybeProps) {
        if (typeof fnOrProps === 'function') {
            try {
                fnOrProps();
            } catch (e) {
                harnessStatus = 'ERROR';
                harnessMessage = 'setup threw: ' + messageOf(e);
            }
        }
    }

    function promise_setup(fn) {
        promiseQueue = promiseQueue.then(function () { return fn(); }).then(null, function (e) {
            harnessStatus = 'ERROR';
            harnessMessage = 'promise_setup rejected: ' + messageOf(e);
        });
    }

    function done() {
        doneCalled = true;
        maybeFinish();
    }

    function maybeFinish() {
        if (finished || !doneCalled)
            return;
        for (var i = 0; i < tests.length; i++)
            if (tests[i].phase !== 'complete')
                return;
        /* Let queued promise tests register (a promise_test may add tests before it ends). */
        promiseQueue.then(function () {
            for (var j = 0; j < tests.length; j++)
                if (tests[j].phase !== 'complete')
                    return;
            finish();
        });
    }

    var timer = null;
    function finish() {
        if (finished)
            return;
        finished = true;
        if (timer !== null)
            clearTimeout(timer);
        for (var i = 0; i < completionCallbacks.length; i++) {
            try {
                completionCallbacks[i](tests, { status: harnessStatus, message: harnessMessage });
            } catch (e) { /* a completion callback cannot change the results any more */ }
        }
        emitLine({ harness: harnessStatus, message: harnessMessage, fileNet: fileNet,
                   count: tests.length });
    }

    function onTimeout() {
        if (finished)
            return;
        for (var i = 0; i < tests.length; i++) {
            var t = tests[i];
            if (t.phase === 'complete')
                continue;
            if (t.phase === 'queued') {
                t.status = NOTRUN;
                t.message = 'not run: the harness timed out before it started';
            } else {
                t.status = TIMEOUT;
                t.message = 'Test timed out';
            }
            t.done();
        }
        if (harnessStatus === 'OK')
            harnessStatus = 'TIMEOUT';
        finish();
    }

    /* Runs the META scripts and the test file as global scripts, in order. */
    function run(scripts) {
        timer = setTimeout(onTimeout, __WPT.timeoutMs);
        for (var i = 0; i < scripts.length; i++) {
            try {
                __wpt_eval(scripts[i].src, scripts[i].name);
            } catch (e) {
                harnessStatus = 'ERROR';
                harnessMessage = scripts[i].name + ': ' + messageOf(e);
                break;
            }
        }
        done();
    }

    var api = {
        test: test, async_test: async_test, promise_test: promise_test, setup: setup,
        promise_setup: promise_setup, done: done,
        add_completion_callback: function (fn) { completionCallbacks.push(fn); },
        add_result_callback: function (fn) { resultCallbacks.push(fn); },
        add_start_callback: function () {},
        step_timeout: function (fn, ms) {
            var args = Array.prototype.slice.call(arguments, 2);
            return setTimeout(function () { fn.apply(null, args); }, ms);
        },
        format_value: formatValue, AssertionError: AssertionError,
        assert_true: assert_true, assert_false: assert_false, assert_equals: assert_equals,
        assert_not_equals: assert_not_equals, assert_in_array: assert_in_array,
        assert_array_equals: assert_array_equals,
        assert_array_approx_equals: assert_array_approx_equals,
        assert_approx_equals: assert_approx_equals, assert_less_than: assert_less_than,
        assert_greater_than: assert_greater_than,
        assert_less_than_equal: assert_less_than_equal,
        assert_greater_than_equal: assert_greater_than_equal,
        assert_regexp_match: assert_regexp_match, assert_class_string: assert_class_string,
        assert_own_property: assert_own_property,
        assert_not_own_property: assert_not_own_property, assert_inherits: assert_inherits,
        assert_idl_attribute: assert_idl_attribute, assert_readonly: assert_readonly,
        assert_object_equals: assert_object_equals, assert_unreached: assert_unreached,
        assert_implements: assert_implements,
        assert_implements_optional: assert_implements_optional,
        assert_throws_js: assert_throws_js, assert_throws_dom: assert_throws_dom,
        assert_throws_exactly: assert_throws_exactly, promise_rejects_js: promise_rejects_js,
        promise_rejects_dom: promise_rejects_dom,
        promise_rejects_exactly: promise_rejects_exactly,
        __wpt_run: run
    };
    for (var k in api)
        global[k] = api[k];
})(typeof globalThis !== 'undefined' ? globalThis : this);
