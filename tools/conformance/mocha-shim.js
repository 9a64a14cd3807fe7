/*
 * mocha-shim.js - the part of mocha, node's assert and sinon that the Promises/A+ compliance
 * suite (npm promises-aplus-tests 2.1.2, lib/tests/*.js) uses, in ES5, so its files run
 * unchanged under rtjs (Duktape). Written for this project from the three libraries' API
 * documentation; it copies none of them.
 *
 * What it gives the test files:
 *   describe, it/specify, beforeEach, afterEach   mocha's BDD interface: tests run one at
 *       a time in declaration order, each between its suites' hooks (synchronous hooks only:
 *       the suite has no other kind); a test whose fn takes an argument gets `done` and passes
 *       when done() is called with no error, fails on done(error), on a second done() ("done()
 *       called multiple times") or when it is not done within the timeout (mocha's "timeout
 *       of Nms exceeded"; the suite's own runner sets 200 ms); a test without one passes when
 *       it returns without throwing (or when the thenable it returns fulfills). An exception
 *       thrown by a timer callback fails the test running then, as mocha's uncaughtException
 *       handler does (rtjs would otherwise end the process).
 *   require(id)   "assert" (ok, strictEqual, notStrictEqual, equal, deepEqual: node's
 *       semantics, strictEqual by Object.is), "sinon" (spy, stub().returns/.throws,
 *       sinon.assert.calledWith/notCalled/callOrder, sinon.match.same) and the suite's own
 *       modules, from the table the driver passes in.
 *   global.adapter  { resolved, rejected, deferred } over the engine's global Promise;
 *       `global` is defined as the global object where the engine has none (rtjs has only
 *       globalThis).
 *
 * The driver that tools/conformance/run.py generates defines, before this file,
 *   __APLUS   { file, timeoutMs, modules: { path: source }, main: path }
 * and, after it, calls __aplus_run(). Output: one line per finished test,
 * `@@APLUS {"name":..,"pass":..,"message":..}` (name: mocha's fullTitle), then
 * `@@APLUS {"harness":"OK"|"ERROR","message":..}`.
 */
(function (G) {
    'use strict';

    if (typeof G.global === 'undefined')
        G.global = G;

    /* ---- output: non-ASCII as \u escapes so names compare equal across engines ---- */
    function hex4(n) { return ('000' + n.toString(16)).slice(-4); }
    function emit(obj) {
        console.log('@@APLUS ' + JSON.stringify(obj).replace(/[^\u0000-\u007e]/g, function (c) {
            return '\\u' + hex4(c.charCodeAt(0));
        }));
    }
    function describeValue(v) {
        if (typeof v === 'string') return JSON.stringify(v);
        if (typeof v === 'function') return '[Function' + (v.name ? ': ' + v.name : '') + ']';
        if (v === null || typeof v !== 'object') return String(v);
        try { return JSON.stringify(v); } catch (e) { return Object.prototype.toString.call(v); }
    }
    function errorMessage(e) {
        if (e && typeof e === 'object' && typeof e.message === 'string')
            return (e.name ? e.name + ': ' : '') + e.message;
        return 'non-Error thrown: ' + describeValue(e);
    }

    /* ---- timers: what the test files and the harness see ---- */
    var realSetTimeout = G.setTimeout, realClearTimeout = G.clearTimeout;
    var current = null;   /* the test running now, or null */
    G.setTimeout = function (fn) {
        var args = Array.prototype.slice.call(arguments);
        if (typeof fn === 'function') {
            args[0] = function () {
                try {
                    return fn.apply(this, arguments);
                } catch (e) {
                    uncaught(e);
                }
            };
        }
        return realSetTimeout.apply(G, args);
    };
    var uncaughtOutside = [];
    function uncaught(e) {
        if (current)
            current.fail(e);
        else
            uncaughtOutside.push(errorMessage(e));
    }

    /* ---- assert (node's) ---- */
    function AssertionError(message) {
        this.message = message;
    }
    AssertionError.prototype = Object.create(Error.prototype);
    AssertionError.prototype.name = 'AssertionError';
    AssertionError.prototype.constructor = AssertionError;

    function same(a, b) {     /* Object.is */
        if (a === b) return a !== 0 || 1 / a === 1 / b;
        return a !== a && b !== b;
    }
    function deepEq(a, b, strict) {
        if (strict ? same(a, b) : a == b) return true;    // eslint-disable-line eqeqeq
        if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
        if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
        if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
        var ka = Object.keys(a), kb = Object.keys(b);
        if (ka.length !== kb.length) return false;
        for (var i = 0; i < ka.length; i++) {
            if (!Object.prototype.hasOwnProperty.call(b, ka[i]) ||
                !deepEq(a[ka[i]], b[ka[i]], strict))
                return false;
        }
        return true;
    }
    function check(ok, actual, expected, op, message) {
        if (!ok) {
            throw new AssertionError(message || ('Expected values to be ' + op + ': ' +
                                     describeValue(actual) + ' vs ' + describeValue(expected)));
        }
    }
    function assert(value, message) { check(!!value, value, true, '==', message); }
    assert.ok = assert;
    assert.AssertionError = AssertionError;
    assert.strictEqual = function (a, e, m) { check(same(a, e), a, e, 'strictly equal', m); };
    assert.notStrictEqual = function (a, e, m) {
        check(!same(a, e), a, e, 'not strictly equal', m);
    };
    assert.equal = function (a, e, m) {
        check(a == e || (a !== a && e !== e), a, e, 'loosely equal', m); // eslint-disable-line
    };
    assert.deepEqual = function (a, e, m) { check(deepEq(a, e, false), a, e, 'deep-equal', m); };

    /* ---- sinon (1.x): spies, stubs and the assertions the suite calls ---- */
    var callSeq = 0;
    function makeSpy(fn, name) {
        var behaviour = null;   /* stubs: { returns: v } or { throws: v } */
        var spy = function () {
            var args = Array.prototype.slice.call(arguments);
            spy.called = true;
            spy.callCount++;
            spy.args.push(args);
            spy.thisValues.push(this);
            spy.callIds.push(++callSeq);
            if (behaviour && 'throws' in behaviour) throw behaviour.throws;
            if (behaviour) return behaviour.returns;
            if (fn) return fn.apply(this, args);
        };
        spy.displayName = name || (fn && fn.name) || 'spy';
        spy.called = false;
        spy.callCount = 0;
        spy.args = [];
        spy.thisValues = [];
        spy.callIds = [];
        spy.returns = function (v) { behaviour = { returns: v }; return spy; };
        spy.throws = function (v) {
            /* sinon: a string names the Error to throw; anything else is thrown as it is */
            var err = v;
            if (typeof v === 'string') { err = new Error(); err.name = v; }
            behaviour = { throws: err === undefined ? new Error() : err };
            return spy;
        };
        spy.calledBefore = function (other) {
            return spy.called && other.called &&
                spy.callIds[0] < other.callIds[other.callIds.length - 1];
        };
        return spy;
    }
    function SameMatcher(v) { this.expected = v; }
    SameMatcher.prototype.test = function (x) { return x === this.expected; };
    SameMatcher.prototype.toString = function () {
        return 'same(' + describeValue(this.expected) + ')';
    };
    function argMatches(want, got) {
        return want instanceof SameMatcher ? want.test(got) : deepEq(want, got, true);
    }
    function AssertError(message) { this.message = message; }
    AssertError.prototype = Object.create(Error.prototype);
    AssertError.prototype.name = 'AssertError';
    var sinon = {
        spy: function (fn) { return makeSpy(fn); },
        stub: function () { return makeSpy(null, 'stub'); },
        match: { same: function (v) { return new SameMatcher(v); } },
        assert: {
            calledWith: function (spy) {
                var want = Array.prototype.slice.call(arguments, 1);
                var ok = spy.args.some(function (got) {
                    if (got.length < want.length) return false;
                    for (var i = 0; i < want.length; i++)
                        if (!argMatches(want[i], got[i])) return false;
                    return true;
                });
                if (!ok)
                    throw new AssertError('expected ' + spy.displayName + ' to be called with ' +
                                          'arguments ' + want.join(', ') + ' (calls: ' +
                                          spy.callCount + ')');
            },
            notCalled: function (spy) {
                if (spy.called)
                    throw new AssertError('expected ' + spy.displayName + ' to not have been ' +
                                          'called but was called ' + spy.callCount + ' times');
            },
            callOrder: function () {
                var spies = Array.prototype.slice.call(arguments);
                for (var i = 1; i < spies.length; i++) {
                    if (!spies[i].called || !spies[i - 1].calledBefore(spies[i]))
                        throw new AssertError('expected ' + spies.map(function (s) {
                            return s.displayName;
                        }).join(', ') + ' to be called in order');
                }
            }
        }
    };

    /* ---- modules: the suite's files as CommonJS, from the driver's table ---- */
    var builtins = { assert: assert, sinon: sinon };
    var cache = {};
    function resolve(from, id) {
        if (id.charAt(0) !== '.') return id;
        var parts = from.split('/');
        parts.pop();
        id.split('/').forEach(function (p) {
            if (p === '..') parts.pop();
            else if (p !== '.') parts.push(p);
        });
        var path = parts.join('/');
        return /\.js$/.test(path) ? path : path + '.js';
    }
    function load(path) {
        if (builtins.hasOwnProperty(path)) return builtins[path];
        if (cache.hasOwnProperty(path)) return cache[path].exports;
        if (!__APLUS.modules.hasOwnProperty(path))
            throw new Error("Cannot find module '" + path + "'");
        var module = { id: path, exports: {} };
        cache[path] = module;
        var fn = new Function('exports', 'require', 'module', '__filename', '__dirname',
                              __APLUS.modules[path]);
        fn.call(module.exports, module.exports, function (id) {
            return load(resolve(path, id));
        }, module, path, path.replace(/\/[^\/]*$/, ''));
        return module.exports;
    }

    /* ---- the adapter (promises-aplus-tests' README) over the global Promise ---- */
    G.adapter = {
        resolved: function (value) { return Promise.resolve(value); },
        rejected: function (reason) { return Promise.reject(reason); },
        deferred: function () {
            var d = {};
            d.promise = new Promise(function (resolve, reject) {
                d.resolve = resolve;
                d.reject = reject;
            });
            return d;
        }
    };

    /* ---- mocha's BDD interface: collect the tree, then run the tests in order ---- */
    function Suite(title, parent) {
        this.title = title;
        this.parent = parent;
        this.children = [];   /* suites and tests, in declaration order */
        this.beforeEach = []; /* hooks run before each test of this suite and its children */
        this.afterEach = [];  /* and after each */
    }
    Suite.prototype.fullTitle = function () {
        var p = this.parent ? this.parent.fullTitle() : '';
        return p ? p + ' ' + this.title : this.title;
    };
    var root = new Suite('', null), building = root;
    G.describe = function (title, fn) {
        var s = new Suite(title, building);
        building.children.push(s);
        var saved = building;
        building = s;
        try {
            fn.call({});
        } finally {
            building = saved;
        }
        return s;
    };
    /* Synchronous hooks only: the suite has no other kind (a hook taking `done` is refused
       rather than run wrongly). */
    function hook(kind) {
        return function (fn) {
            if (fn.length > 0)
                throw new Error('mocha-shim: asynchronous ' + kind + ' hooks are not supported');
            building[kind].push(fn);
        };
    }
    G.beforeEach = hook('beforeEach');
    G.afterEach = hook('afterEach');
    G.it = G.specify = function (title, fn) {
        var t = { title: title, fn: fn, parent: building };
        building.children.push(t);
        return t;
    };

    var queue = [], seen = {}, timeoutMs = __APLUS.timeoutMs || 200;
    function flatten(s) {
        s.children.forEach(function (c) {
            if (c instanceof Suite) flatten(c);
            else queue.push(c);
        });
    }

    /* One test: its beforeEach hooks, then fn; finishes once (pass or its first failure), then
       its afterEach hooks run. Later failures of a finished test (done() twice, a late throw
       while it is current, a failing afterEach hook) are reported as mocha would: a failure
       line for the same test, which replaces its pass. */
    function runTest(t, next) {
        var full = t.parent.fullTitle();
        var name = full ? full + ' ' + t.title : t.title;
        if (seen[name]) name = name + ' #' + (++seen[name]);
        else seen[name] = 1;
        var finished = false, doneCalls = 0, timer = null;
        var run = {
            fail: function (e) { finish(false, errorMessage(e)); }
        };
        function finish(pass, message) {
            if (finished) {
                if (!pass) emit({ name: name, pass: false, late: true, message: message });
                return;
            }
            finished = true;
            if (timer !== null) realClearTimeout(timer);
            emit(pass ? { name: name, pass: true } : { name: name, pass: false,
                                                          message: message });
            if (current === run) current = null;
            /* afterEach hooks, innermost suite first, as mocha runs them */
            for (var s = t.parent; s; s = s.parent) {
                for (var h = 0; h < s.afterEach.length; h++) {
                    try {
                        s.afterEach[h].call({});
                    } catch (e) {
                        emit({ name: name, pass: false, late: true,
                               message: '"after each" hook: ' + errorMessage(e) });
                    }
                }
            }
            realSetTimeout(next, 0);
        }
        current = run;
        /* beforeEach hooks, outermost suite first, as mocha runs them */
        var hooks = [];
        for (var s = t.parent; s; s = s.parent)
            hooks = s.beforeEach.concat(hooks);
        for (var h = 0; h < hooks.length; h++) {
            try {
                hooks[h].call({});
            } catch (e) {
                finish(false, '"before each" hook: ' + errorMessage(e));
                return;
            }
        }
        timer = realSetTimeout(function () {
            timer = null;
            finish(false, 'timeout of ' + timeoutMs + 'ms exceeded');
        }, timeoutMs);
        try {
            if (t.fn.length > 0) {
                t.fn.call({}, function done(err) {
                    doneCalls++;
                    if (doneCalls > 1) {
                        finish(false, 'done() called multiple times');
                    } else if (err) {
                        finish(false, err instanceof Error ? errorMessage(err) :
                               'done() invoked with non-Error: ' + describeValue(err));
                    } else {
                        finish(true);
                    }
                });
            } else {
                var r = t.fn.call({});
                if (r && typeof r.then === 'function') {
                    r.then(function () { finish(true); }, function (e) {
                        finish(false, errorMessage(e));
                    });
                } else {
                    finish(true);
                }
            }
        } catch (e) {
            finish(false, errorMessage(e));
        }
    }

    G.__aplus_run = function () {
        try {
            load(__APLUS.main);
        } catch (e) {
            emit({ harness: 'ERROR', message: 'loading ' + __APLUS.main + ': ' +
                   errorMessage(e) });
            return;
        }
        flatten(root);
        var i = 0;
        (function next() {
            if (i < queue.length) {
                runTest(queue[i++], next);
                return;
            }
            /* a little time for late failures of the last test, as mocha's end does not */
            realSetTimeout(function () {
                emit(uncaughtOutside.length ?
                     { harness: 'ERROR', message: 'uncaught outside a test: ' +
                       uncaughtOutside.join('; ') } :
                     { harness: 'OK', tests: queue.length });
            }, 0);
        })();
    };
})(typeof globalThis !== 'undefined' ? globalThis : this);
