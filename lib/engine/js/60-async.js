/*
 * 60-async.js - rt.async(fn) and rt.await(value): sequential asynchronous code in ES5 on
 * Duktape coroutines (Duktape.Thread), no transpiler. rt.async(fn) returns a function
 * that runs fn on a fresh coroutine and returns a Promise of its result; inside it,
 * rt.await(x) yields to the driver, which resumes the coroutine from a microtask with the
 * settled value (or throws the rejection reason into it, stack intact), as `await` does.
 * A finished coroutine is dropped (its thread becomes garbage at once).
 *
 * They hang off the `rt` global, which is non-writable and non-configurable, and are
 * themselves read-only: a script's own `var async` / `var await` cannot clobber them.
 * See docs/async.md.
 */
var Thread = Duktape.Thread;
var running = null;                        /* the coroutine record being resumed */

/* Finalizers run on the heap thread, which can call nothing while a coroutine it resumed
   runs: Duktape 2.7 then skips them silently (an unread Response dropped inside rt.async
   would keep its connection). So they wait until the resume returns; scripts' own
   Duktape.Thread.resume gets the same wrapper. It calls the original directly from
   ECMAScript code, as resume requires. */
var rawResume = Thread.resume;
function resume(thread, value, isError) {
    native.finalizersHold();
    try {
        return rawResume(thread, value, isError);
    } finally {
        native.finalizersRelease();
    }
}
Object.defineProperty(Thread, 'resume', {value: resume, writable: true, enumerable: false,
                                         configurable: true});

function Coroutine(resolve, reject) {
    this.thread = null;
    this.resolve = resolve;
    this.reject = reject;
    this.awaiting = false;                 /* the last resume ended in rt.await */
    this.injected = false;                 /* the next resume throws a reason into it */
}

function settle(co, value, isError) {
    step(co, value, isError);
}

function step(co, value, isError) {
    var outer = running, result;
    running = co;
    co.awaiting = false;
    co.injected = isError;
    try {
        result = resume(co.thread, value, isError);
    } catch (e) {
        running = outer;
        co.thread = null;
        co.reject(e);
        return;
    }
    running = outer;
    if (!co.awaiting) {
        co.thread = null;                  /* finished: release the coroutine */
        co.resolve(result);
        return;
    }
    /* Resume from a microtask, like await: adopt thenables through Promise.resolve. */
    Promise.resolve(result).then(function (v) {
        settle(co, v, false);
    }, function (e) {
        settle(co, e, true);
    });
}

function async(fn) {
    if (typeof fn !== 'function')
        throw new TypeError('rt.async: argument must be a function');
    var wrapper = function () {
        var self = this, args = arguments;
        return new Promise(function (resolve, reject) {
            var co = new Coroutine(resolve, reject);
            co.thread = new Thread(function () {
                return fn.apply(self, args);
            });
            step(co, undefined, false);
        });
    };
    return wrapper;
}

function await_(value) {
    var co = running;
    if (!co || co.thread === null || Thread.current() !== co.thread)
        throw new TypeError('rt.await() must be called inside a function made by rt.async() ' +
                            '(not from a callback it passed to other code)');
    co.awaiting = true;
    try {
        return Thread.yield(value);
    } catch (e) {
        if (co.injected) {
            co.injected = false;
            throw e;                       /* the awaited promise rejected */
        }
        co.awaiting = false;
        throw new TypeError('rt.await() cannot wait across a native call (e.g. inside an ' +
                            'Array.prototype.forEach/map callback, a getter or a ' +
                            'constructor): Duktape coroutines cannot yield through C frames; ' +
                            'use a plain for loop instead (see docs/async.md)');
    }
}

function define(obj, name, value) {
    Object.defineProperty(obj, name, {value: value, writable: false, enumerable: true,
                                      configurable: false});
}

define(global.rt, 'async', async);
define(global.rt, 'await', await_);
