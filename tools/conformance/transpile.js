/*
 * transpile.js - Babel to ES5 for Duktape, the conformance runner's transpile step.
 *   node transpile.js NODE_MODULES_DIR < jobs.json
 * jobs.json: [{"in": path, "out": path}, ...]. Each file is compiled as a script (no module
 * wrapper, no "use strict" added, no polyfills: a missing built-in stays missing) with
 * preset-env forced to ES5; async functions and generators become regenerator state machines
 * over the engine's own Promise. Prints one JSON line per job: {"in", "ok", "error"}.
 * Called by tools/conformance/run.py; outputs are cached by it (newer than input: skipped).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const nm = path.resolve(process.argv[2] || 'node_modules');
const babel = require(path.join(nm, '@babel/core'));
const presetEnv = require(path.join(nm, '@babel/preset-env'));

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const job of jobs) {
    try {
        const src = fs.readFileSync(job.in, 'utf8');
        const out = babel.transformSync(src, {
            babelrc: false, configFile: false, sourceType: 'script', filename: job.in,
            compact: false, comments: false, retainLines: false,
            presets: [[presetEnv, { targets: { ie: '9' }, forceAllTransforms: true,
                                    modules: false }]],
        });
        fs.mkdirSync(path.dirname(job.out), { recursive: true });
        fs.writeFileSync(job.out, out.code);
        console.log(JSON.stringify({ in: job.in, ok: true }));
    } catch (e) {
        console.log(JSON.stringify({ in: job.in, ok: false, error: String(e.message).split('\n')[0] }));
    }
}
