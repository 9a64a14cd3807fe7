/*
 * aplus-node.js - node's control run of the Promises/A+ compliance suite: the package's own
 * programmatic API, require('promises-aplus-tests')(adapter, mochaOpts, cb), which runs every
 * lib/tests/*.js file under its real mocha (2.5.3, the package's dependency) with its default
 * 200 ms timeout, node's assert and sinon 1.x. The adapter is the one mocha-shim.js gives
 * rtjs: { resolved, rejected, deferred } over the global Promise.
 *   node --unhandled-rejections=none aplus-node.js NODE_MODULES_DIR
 * (mocha 2 predates node's default of ending the process on an unhandled rejection, and the
 * suite leaves rejected promises unhandled on purpose.)
 * Output: one line per test result, `@@APLUS {"file":..,"name":..,"pass":..,"message":..}`
 * (name: mocha's fullTitle; a test can fail after it passed, e.g. done() called twice), then
 * `@@APLUS {"harness":"OK"|"ERROR","failures":..}`. Called by tools/conformance/run.py.
 */
'use strict';
const path = require('path');

const nm = path.resolve(process.argv[2] || 'node_modules');
const adapter = {
    resolved: (value) => Promise.resolve(value),
    rejected: (reason) => Promise.reject(reason),
    deferred: () => {
        const d = {};
        d.promise = new Promise((resolve, reject) => { d.resolve = resolve; d.reject = reject; });
        return d;
    },
};

function emit(obj) {
    console.log('@@APLUS ' + JSON.stringify(obj).replace(/[^\u0000-\u007e]/g,
        (c) => '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4)));
}

/* A mocha reporter (mocha accepts a constructor as `reporter`): pass and fail events. */
function Reporter(runner) {
    runner.on('pass', (t) => emit({ file: path.basename(t.file || ''), name: t.fullTitle(),
                                    pass: true }));
    runner.on('fail', (t, err) => emit({ file: path.basename(t.file || ''),
                                         name: t.fullTitle(), pass: false,
                                         message: String(err && err.message || err) }));
}

require(path.join(nm, 'promises-aplus-tests'))(adapter, { reporter: Reporter }, (err) => {
    emit({ harness: err && !err.failures ? 'ERROR' : 'OK',
           failures: err ? err.failures || String(err) : 0 });
});
