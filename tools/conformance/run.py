#!/usr/bin/env python3
"""run.py - measure conformance with public suites nobody here wrote, the same way for rtjs
(both backends) and node: the Web Platform Tests' fetch/api testharness files (headers, request,
response, body, abort), test262's built-ins/Promise and the Promises/A+ compliance suite (npm
promises-aplus-tests).

  tools/conformance/run.py [--data DIR] [--suite wpt|test262|aplus|all] [--rtjs PATH]...
                           [--node NODE] [--jobs N] [--timeout S] [--filter TEXT] [--out DIR]

DATA_DIR (default build/conformance) holds the upstream files listed in
tools/conformance/manifest.tsv (see tools/conformance/README.md: they are read from the public
repositories, never committed) and npm/node_modules with @babel/core and @babel/preset-env
(WPT, test262) and promises-aplus-tests (Promises/A+). A suite whose files are absent is not
run; with none of them, the run says so and exits 0.

Engines (one column each in the report):
  rtjs:<backend>  the files transpiled to ES5 (Babel) where Duktape cannot parse them
  node            the original files, as a browser would run them; Promises/A+: the package's
                  own runner (its mocha, assert and sinon)
  node-es5        control: node running exactly what rtjs runs (same ES5 output, same harness);
                  a test failing here too fails because of the transpilation or the harness,
                  not the runtime
  node-base       WPT only: node with a document base URL (undici's global origin), which rtjs
                  has no way to set; shows how many tests depend on one
Results: OUT/wpt.json, OUT/test262.json, OUT/aplus.json and OUT/report.md (default OUT:
DATA_DIR/results).
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WPT_DIRS = ['headers', 'request', 'response', 'body', 'abort']
WPT_BASE = 'http://web-platform.test:8000/'
SUBS = {'{{host}}': 'web-platform.test', '{{ports[http][0]}}': '8000',
        '{{ports[http][1]}}': '8001', '{{ports[https][0]}}': '8443',
        '{{ports[https][1]}}': '8444', '{{domains[www2]}}': 'www2.web-platform.test',
        '{{hosts[alt][]}}': 'not-web-platform.test'}


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', errors='backslashreplace') as f:
        f.write(text)


def run_proc(cmd, timeout):
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return r.returncode, r.stdout.decode('utf-8', 'replace'), \
            r.stderr.decode('utf-8', 'replace'), time.time() - t0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode('utf-8', 'replace')
        err = (e.stderr or b'').decode('utf-8', 'replace')
        return None, out, err, time.time() - t0


class Transpiler:
    """Runs tools/conformance/transpile.js in batches; outputs cached by modification time."""

    def __init__(self, data):
        self.nm = os.path.join(data, 'npm', 'node_modules')
        self.errors = {}

    def available(self):
        return os.path.isdir(os.path.join(self.nm, '@babel', 'preset-env'))

    def run(self, pairs, node):
        jobs = [{'in': i, 'out': o} for i, o in pairs
                if not os.path.exists(o) or os.path.getmtime(o) < os.path.getmtime(i)]
        for k in range(0, len(jobs), 200):
            chunk = jobs[k:k + 200]
            r = subprocess.run([node, os.path.join(HERE, 'transpile.js'), self.nm],
                               input=json.dumps(chunk).encode(), stdout=subprocess.PIPE)
            for line in r.stdout.decode().splitlines():
                res = json.loads(line)
                if not res['ok']:
                    self.errors[res['in']] = res['error']
        for i, o in pairs:
            if i in self.errors and os.path.exists(o):
                os.unlink(o)


def parse_check(rtjs, sources, timeout):
    """Which sources Duktape cannot compile: one rtjs run checks them all (new Function)."""
    names = list(sources)
    script = ('var S = %s, bad = [];\nfor (var k in S) { try { new Function(S[k]); } '
              'catch (e) { bad.push([k, String(e)]); } }\nconsole.log(JSON.stringify(bad));\n'
              % json.dumps({n: sources[n] for n in names}))
    path = os.path.join('/tmp', 'conformance-parse-%d.js' % os.getpid())
    write(path, script)
    code, out, err, _ = run_proc([rtjs, path], timeout)
    os.unlink(path)
    if code != 0:
        raise RuntimeError('parse check failed: ' + err[:500])
    return dict(json.loads(out.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------------
# WPT

def wpt_meta(src):
    meta = {'scripts': [], 'title': None, 'long': False, 'globals': None}
    for line in src.splitlines():
        m = re.match(r'^//\s*META:\s*(\w+)=(.*)$', line)
        if not m:
            if line.strip() and not line.startswith('//'):
                break
            continue
        k, v = m.group(1), m.group(2).strip()
        if k == 'script':
            meta['scripts'].append(v)
        elif k == 'title':
            meta['title'] = v
        elif k == 'timeout':
            meta['long'] = v == 'long'
        elif k == 'global':
            meta['globals'] = [g.strip() for g in v.split(',')]
    return meta


def wpt_files(data, filt):
    base = os.path.join(data, 'wpt')
    out = []
    for d in WPT_DIRS:
        top = os.path.join(base, 'fetch', 'api', d)
        if not os.path.isdir(top):
            continue
        for dirpath, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith('.any.js'):
                    rel = os.path.relpath(os.path.join(dirpath, f), base)
                    if not filt or filt in rel:
                        out.append((d, rel))
    return sorted(out)


def wpt_prepare(data, rel):
    """The test file and its META scripts: [(wpt path, prepared path)], meta."""
    base = os.path.join(data, 'wpt')
    src = read(os.path.join(base, rel))
    meta = wpt_meta(src)
    chain = []
    for s in meta['scripts']:
        p = s.lstrip('/') if s.startswith('/') else os.path.normpath(
            os.path.join(os.path.dirname(rel), s))
        chain.append(p)
    chain.append(rel)
    prepared = []
    for p in chain:
        text = read(os.path.join(base, p))
        if '.sub.' in p:
            for k, v in SUBS.items():
                text = text.replace(k, v)
        out = os.path.join(data, 'prep', 'wpt', p)
        if not os.path.exists(out) or read(out) != text:
            write(out, text)
        prepared.append((p, out))
    return prepared, meta


SHIM = os.path.join(HERE, 'testharness-shim.js')


def wpt_driver(rel, meta, scripts, engine, timeout_ms):
    href = WPT_BASE + rel.replace('.any.js', '.any.worker.html')
    head = 'var __WPT = %s;\n' % json.dumps({'file': rel, 'title': meta['title'],
                                              'timeoutMs': timeout_ms, 'href': href})
    if engine.startswith('rtjs'):
        head += 'function __wpt_eval(src, name) { return (0, eval)(src); }\n'
    else:
        head += ('function __wpt_eval(src, name) { return require("vm").runInThisContext(src, '
                 '{ filename: name }); }\n')
        if engine == 'node-base':
            head += 'globalThis[Symbol.for("undici.globalOrigin.1")] = new URL(__WPT.href);\n'
    return head + read(SHIM) + '\n__wpt_run(%s);\n' % json.dumps(
        [{'name': n, 'src': s} for n, s in scripts], ensure_ascii=True)


def parse_wpt_output(code, out, err):
    tests, harness, seen = [], None, {}
    for line in out.splitlines():
        if not line.startswith('@@WPT '):
            continue
        obj = json.loads(line[6:])
        if 'harness' in obj:
            harness = obj
            continue
        name = obj['name']
        if name in seen:
            seen[name] += 1
            name = '%s #%d' % (name, seen[name])
        else:
            seen[name] = 1
        obj['name'] = name
        tests.append(obj)
    if harness is None:
        tail = (err.strip().splitlines() or ['(no output)'])[-1][:300]
        harness = {'harness': 'CRASH' if code is not None else 'KILLED',
                   'message': 'exit %s: %s' % (code, tail)}
    return {'tests': tests, 'harness': harness}


def run_wpt(args, engines, tr):
    files = wpt_files(args.data, args.filter)
    if not files:
        return None
    jobs, pairs, plan = [], [], {}
    for row, rel in files:
        prepared, meta = wpt_prepare(args.data, rel)
        if meta['globals'] is not None and not any(
                g in ('worker', 'dedicatedworker', 'any') for g in meta['globals']):
            plan[rel] = {'row': row, 'skipped': 'window-only (META global=%s)'
                         % ','.join(meta['globals'])}
            continue
        es5 = [(p, os.path.join(args.data, 'es5', 'wpt', p)) for p, _ in prepared]
        pairs += [(q, e) for (_, q), (_, e) in zip(prepared, es5)]
        plan[rel] = {'row': row, 'meta': meta, 'prepared': prepared, 'es5': es5}
    tr.run(pairs, args.node)
    for rel, p in plan.items():
        if 'skipped' in p:
            continue
        tmo = (60000 if p['meta']['long'] else 20000)
        bad = [q for _, q in p['prepared'] if q in tr.errors]
        for eng, cmd in engines.items():
            if eng.startswith('rtjs') or eng == 'node-es5':
                if bad:
                    p.setdefault('results', {})[eng] = {
                        'tests': [], 'harness': {'harness': 'TRANSPILE',
                                                 'message': tr.errors[bad[0]]}}
                    continue
                scripts = [(n, read(e)) for n, e in p['es5']]
            else:
                scripts = [(n, read(q)) for n, q in p['prepared']]
            drv = os.path.join(args.data, 'gen', 'wpt', eng.replace(':', '-'), rel)
            write(drv, wpt_driver(rel, p['meta'], scripts, eng, tmo))
            jobs.append((rel, eng, cmd + [drv], tmo / 1000.0 + 15))

    def go(job):
        rel, eng, cmd, tmo = job
        code, out, err, dt = run_proc(cmd, tmo)
        return rel, eng, parse_wpt_output(code, out, err)

    with cf.ThreadPoolExecutor(args.jobs) as ex:
        for rel, eng, res in ex.map(go, jobs):
            plan[rel].setdefault('results', {})[eng] = res
    return {rel: {'row': p['row'], 'skipped': p.get('skipped'),
                  'results': p.get('results', {})} for rel, p in plan.items()}


# ---------------------------------------------------------------------------------------------
# test262

def t262_meta(src):
    m = re.search(r'/\*---(.*?)---\*/', src, re.S)
    meta = {'includes': [], 'flags': [], 'features': [], 'negative': None}
    if not m:
        return meta
    y = m.group(1)
    for key in ('includes', 'flags', 'features'):
        mm = re.search(r'^%s:\s*\[(.*?)\]' % key, y, re.M | re.S)
        if mm:
            meta[key] = [x.strip().strip('\'"') for x in mm.group(1).split(',') if x.strip()]
            continue
        mm = re.search(r'^%s:\s*\n((?:\s+-\s*.*\n?)+)' % key, y, re.M)
        if mm:
            meta[key] = [x.strip()[1:].strip().strip('\'"')
                         for x in mm.group(1).splitlines() if x.strip().startswith('-')]
    mm = re.search(r'^negative:\s*\n\s+phase:\s*(\w+)\s*\n\s+type:\s*(\w+)', y, re.M)
    if mm:
        meta['negative'] = {'phase': mm.group(1), 'type': mm.group(2)}
    return meta


# Features whose tests need what no plain script host has here: a second realm.
HOST_FEATURES = {'cross-realm': 'needs a second realm ($262.createRealm)'}

T262_PRELUDE = r'''
var print = (typeof print === 'function') ? print : function () {
    console.log(Array.prototype.join.call(arguments, ' '));
};
var $262 = {
    global: (function () { return this; })() || Function('return this')(),
    evalScript: function (s) { return (0, eval)(s); },
    gc: function () {}
};
'''

# After the harness: $DONE as INTERPRETING.md defines it (doneprintHandle.js's contract), and what
# newer tests expect of sta.js, for the older harness versions the data may hold.
T262_COMPAT = r'''
if (typeof $DONE === 'undefined') {
    var $DONE = function (error) {
        if (error) {
            print('Test262:AsyncTestFailure:' + (error && error.name ? error.name + ': ' +
                  error.message : String(error)));
        } else {
            print('Test262:AsyncTestComplete');
        }
    };
}
if (typeof Test262Error.thrower !== 'function')
    Test262Error.thrower = function (message) { throw new Test262Error(message); };
if (typeof $DONOTEVALUATE === 'undefined')
    var $DONOTEVALUATE = function () { throw 'Test262: This statement should not be evaluated.'; };
'''


def t262_files(data, filt):
    top = os.path.join(data, 'test262', 'test', 'built-ins', 'Promise')
    out = []
    for dirpath, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith('.js') and not f.endswith('_FIXTURE.js'):
                rel = os.path.relpath(os.path.join(dirpath, f), os.path.join(data, 'test262'))
                if not filt or filt in rel:
                    out.append(rel)
    return sorted(out)


def run_test262(args, engines, tr):
    files = t262_files(args.data, args.filter)
    if not files:
        return None
    base = os.path.join(args.data, 'test262')
    rtjs0 = next(c for e, c in engines.items() if e.startswith('rtjs'))[0]
    plan, sources = {}, {}
    names = {f.lower(): f for f in os.listdir(os.path.join(base, 'harness'))} \
        if os.path.isdir(os.path.join(base, 'harness')) else {}

    def hname(h):
        return names.get(h.lower(), h)
    harness_needed = set(['assert.js', 'sta.js'])
    for rel in files:
        src = read(os.path.join(base, rel))
        meta = t262_meta(src)
        harness_needed.update(hname(h) for h in meta['includes'])
        plan[rel] = {'meta': meta, 'src': src}
        sources[rel] = src
    hsrc = {}
    for h in sorted(harness_needed):
        p = os.path.join(base, 'harness', h)
        if os.path.exists(p):
            hsrc['harness/' + h] = read(p)
    bad = parse_check(rtjs0, dict(sources, **hsrc), 120)
    # Harness files and tests Duktape cannot parse are transpiled (the runner says which).
    pairs = [(os.path.join(base, k), os.path.join(args.data, 'es5', 'test262', k))
             for k in bad if k in sources or k in hsrc]
    tr.run(pairs, args.node)

    def es5(k):
        if k not in bad:
            return read(os.path.join(base, k))
        p = os.path.join(args.data, 'es5', 'test262', k)
        return read(p) if os.path.exists(p) else None

    jobs = []
    for rel, p in plan.items():
        meta = p['meta']
        flags = meta['flags']
        p['transpiled'] = rel in bad
        p['parse_error'] = bad.get(rel)
        if 'module' in flags:
            p['skipped'] = 'module test'
            continue
        hf = [f for f in meta['features'] if f in HOST_FEATURES]
        if hf:
            p['skipped'] = HOST_FEATURES[hf[0]]
            continue
        if 'raw' in flags:
            modes = ['raw']
        elif 'onlyStrict' in flags:
            modes = ['strict']
        elif 'noStrict' in flags:
            modes = ['sloppy']
        else:
            modes = ['sloppy', 'strict']
        if '$DONE' in p['src'] and 'async' not in flags:
            flags.append('async')          # older tests are async by using $DONE alone
        incs = ['assert.js', 'sta.js'] + [hname(h) for h in meta['includes']]
        p['modes'] = modes
        for eng, cmd in engines.items():
            use_es5 = eng.startswith('rtjs') or eng == 'node-es5'
            parts = []
            missing = None
            if 'raw' not in flags:
                parts.append(T262_PRELUDE)
                for h in incs:
                    k = 'harness/' + h
                    if k not in hsrc:
                        missing = 'harness file %s not in the data dir' % h
                        break
                    parts.append(es5(k) if use_es5 else hsrc[k])
            if 'raw' not in flags:
                parts.append(T262_COMPAT)
            body = es5(rel) if use_es5 else p['src']
            if missing or body is None or any(x is None for x in parts):
                p.setdefault('results', {})[eng] = {m: {'pass': False, 'why': missing or (
                    'not transpilable: ' + tr.errors.get(os.path.join(base, rel), '?'))}
                    for m in modes}
                continue
            for mode in modes:
                text = ('"use strict";\n' if mode == 'strict' else '') + '\n'.join(
                    parts + [body])
                path = os.path.join(args.data, 'gen', 'test262', eng.replace(':', '-'),
                                    rel[:-3] + '.' + mode + '.js')
                write(path, text)
                if eng.startswith('rtjs'):
                    c = cmd + ['--unhandled-rejections=none', path]
                else:
                    drv = path[:-3] + '.node.js'
                    write(drv, 'require("vm").runInThisContext(require("fs").readFileSync(%s, '
                          '"utf8"), { filename: %s });\n' % (json.dumps(path), json.dumps(path)))
                    c = [cmd[0], '--unhandled-rejections=none', drv]
                jobs.append((rel, eng, mode, c))

    def judge(p, code, out, err):
        meta = p['meta']
        neg = meta['negative']
        if code is None:
            return False, 'timed out'
        if neg:
            ok = code != 0 and neg['type'] in (err + out)
            return ok, None if ok else 'expected %s %s, exit %s' % (
                neg['phase'], neg['type'], code)
        if code != 0:
            lines = [ln for ln in err.strip().splitlines() if ln.strip()]
            first = next((ln for ln in lines if 'Error' in ln or 'error' in ln), None) or \
                (lines[0] if lines else 'exit %d' % code)
            return False, first.strip()[:300]
        if 'async' in meta['flags']:
            if 'Test262:AsyncTestFailure' in out:
                line = out.split('Test262:AsyncTestFailure:', 1)[1].splitlines()[0]
                return False, line.strip()[:300]
            if 'Test262:AsyncTestComplete' not in out:
                return False, 'async test did not complete'
        return True, None

    def go(job):
        rel, eng, mode, cmd = job
        code, out, err, _ = run_proc(cmd, args.timeout)
        ok, why = judge(plan[rel], code, out, err)
        return rel, eng, mode, ok, why

    with cf.ThreadPoolExecutor(args.jobs) as ex:
        for rel, eng, mode, ok, why in ex.map(go, jobs):
            plan[rel].setdefault('results', {}).setdefault(eng, {})[mode] = {'pass': ok,
                                                                            'why': why}
    return {rel: {'skipped': p.get('skipped'), 'transpiled': p['transpiled'],
                  'parse_error': p['parse_error'], 'features': p['meta']['features'],
                  'flags': p['meta']['flags'], 'modes': p.get('modes'),
                  'results': p.get('results', {})} for rel, p in plan.items()}


# ---------------------------------------------------------------------------------------------
# Promises/A+ (npm promises-aplus-tests)

APLUS_PKG = 'promises-aplus-tests'
MOCHA_SHIM = os.path.join(HERE, 'mocha-shim.js')
APLUS_TIMEOUT_MS = 200      # the package's own runner gives mocha this timeout


def aplus_dir(data):
    return os.path.join(data, 'npm', 'node_modules', APLUS_PKG)


def aplus_version(data):
    try:
        return json.loads(read(os.path.join(aplus_dir(data), 'package.json')))['version']
    except (OSError, ValueError, KeyError):
        return None


def parse_aplus_output(code, out, err, by_file=False):
    """{'tests': [{name, pass, message}], 'harness': {...}}, or per file when by_file (node's
    single run of the whole suite). A test reported twice (a failure after its pass) fails."""
    files, harness = {}, None
    for line in out.splitlines():
        if not line.startswith('@@APLUS '):
            continue
        obj = json.loads(line[8:])
        if 'harness' in obj:
            harness = obj
            continue
        f = files.setdefault(obj.get('file', '') if by_file else '', {'order': [], 'by': {}})
        prev = f['by'].get(obj['name'])
        if prev is None:
            f['order'].append(obj['name'])
            f['by'][obj['name']] = obj
        elif prev['pass'] and not obj['pass']:
            f['by'][obj['name']] = obj
    if harness is None:
        tail = (err.strip().splitlines() or ['(no output)'])[-1][:300]
        harness = {'harness': 'CRASH' if code is not None else 'KILLED',
                   'message': 'exit %s: %s' % (code, tail)}
    res = {k: {'tests': [{'name': n, 'pass': v['by'][n]['pass'],
                          'message': v['by'][n].get('message')} for n in v['order']],
               'harness': harness} for k, v in files.items()}
    if by_file:
        return res, harness
    return res.get('', {'tests': [], 'harness': harness})


def run_aplus(args, engines, tr):
    """Each lib/tests file in its own process: rtjs (and node-es5, the control that runs exactly
    rtjs's input) through mocha-shim.js; node through the package's programmatic API, once."""
    top = os.path.join(aplus_dir(args.data), 'lib')
    tests = sorted(f for f in os.listdir(os.path.join(top, 'tests')) if f.endswith('.js')
                   and (not args.filter or args.filter in f))
    if not tests:
        return None
    sources = {}     # the test files and their helpers (lib/tests/**), keyed by package path
    for dirpath, _, files in os.walk(os.path.join(top, 'tests')):
        for f in sorted(files):
            if f.endswith('.js'):
                rel = os.path.relpath(os.path.join(dirpath, f), aplus_dir(args.data))
                sources[rel] = read(os.path.join(dirpath, f))
    rtjs0 = next(c for e, c in engines.items() if e.startswith('rtjs'))[0]
    bad = parse_check(rtjs0, sources, 120)
    es5 = dict(sources)
    if bad and not tr.available():
        for k in bad:
            tr.errors[k] = 'Duktape cannot parse %s (%s) and no transpiler is installed' % (
                k, bad[k])
            es5[k] = None
    elif bad:
        pairs = [(os.path.join(aplus_dir(args.data), k),
                  os.path.join(args.data, 'es5', 'aplus', k)) for k in bad]
        tr.run(pairs, args.node)
        for k in bad:
            p = os.path.join(args.data, 'es5', 'aplus', k)
            es5[k] = read(p) if os.path.exists(p) else None
    shim = read(MOCHA_SHIM)
    plan = {f: {'transpiled': 'lib/tests/' + f in bad, 'results': {}} for f in tests}
    jobs = []
    for f in tests:
        main = 'lib/tests/' + f
        mods = {k: v for k, v in es5.items() if k.startswith('lib/tests/') and
                (k == main or '/helpers/' in k)}
        for eng, cmd in engines.items():
            if not (eng.startswith('rtjs') or eng == 'node-es5'):
                continue
            if any(v is None for v in mods.values()):
                plan[f]['results'][eng] = {'tests': [], 'harness': {
                    'harness': 'TRANSPILE', 'message': '; '.join(sorted(tr.errors.values()))}}
                continue
            drv = os.path.join(args.data, 'gen', 'aplus', eng.replace(':', '-'), f)
            write(drv, 'var __APLUS = %s;\n%s\n__aplus_run();\n' % (json.dumps(
                {'file': f, 'timeoutMs': APLUS_TIMEOUT_MS, 'modules': mods, 'main': main},
                ensure_ascii=True), shim))
            jobs.append((f, eng, cmd + ['--unhandled-rejections=none', drv]))

    def go(job):
        f, eng, cmd = job
        code, out, err, _ = run_proc(cmd, 120)
        return f, eng, parse_aplus_output(code, out, err)

    with cf.ThreadPoolExecutor(args.jobs) as ex:
        for f, eng, res in ex.map(go, jobs):
            plan[f]['results'][eng] = res
    if 'node' in engines:
        code, out, err, _ = run_proc([engines['node'][0], '--unhandled-rejections=none',
                                      os.path.join(HERE, 'aplus-node.js'),
                                      os.path.join(args.data, 'npm', 'node_modules')], 300)
        per, harness = parse_aplus_output(code, out, err, by_file=True)
        for f in tests:
            plan[f]['results']['node'] = per.get(f, {'tests': [], 'harness': harness})
        if per.get(''):
            plan['(outside a file)'] = {'transpiled': False, 'results': {'node': per['']}}
    return plan


# ---------------------------------------------------------------------------------------------

def versions(args, engines):
    v = {}
    for eng, cmd in engines.items():
        if eng.startswith('rtjs'):
            code, out, err, _ = run_proc(cmd + ['--version'], 10)
            v[eng] = (out or err).strip().splitlines()[0] if (out or err) else '?'
        elif eng == 'node':
            code, out, err, _ = run_proc(cmd + ['--version'], 10)
            v[eng] = out.strip()
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default=os.path.join(ROOT, 'build', 'conformance'))
    ap.add_argument('--suite', default='all', choices=['wpt', 'test262', 'aplus', 'all'])
    ap.add_argument('--rtjs', action='append')
    ap.add_argument('--node', default='node')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=float, default=20)
    ap.add_argument('--filter')
    ap.add_argument('--out')
    args = ap.parse_args()
    args.out = args.out or os.path.join(args.data, 'results')
    rtjs = args.rtjs or [os.path.join(ROOT, 'build', b, 'rtjs') for b in ('libuv', 'threadpool')]
    have_wpt = os.path.isdir(os.path.join(args.data, 'wpt', 'fetch', 'api'))
    have_262 = os.path.isdir(os.path.join(args.data, 'test262', 'test', 'built-ins', 'Promise'))
    have_aplus = os.path.isdir(os.path.join(aplus_dir(args.data), 'lib', 'tests'))
    tr = Transpiler(args.data)
    if not tr.available() and (have_wpt or have_262):
        print('conformance: WPT and test262 skipped: no transpiler in %s/npm/node_modules '
              '(@babel/core, @babel/preset-env; tools/conformance/README.md)' % args.data)
        have_wpt = have_262 = False
    if not (have_wpt or have_262 or have_aplus):
        print('conformance: skipped: no upstream data in %s (see tools/conformance/README.md: '
              'the WPT and test262 files listed in tools/conformance/manifest.tsv with '
              'npm/node_modules/@babel/{core,preset-env}, or npm/node_modules/%s)'
              % (args.data, APLUS_PKG))
        return 0
    for r in rtjs:
        if not os.access(r, os.X_OK):
            print('conformance: %s is not built (make; make BACKEND=threadpool)' % r)
            return 2
    engines = {}
    for r in rtjs:
        engines['rtjs:' + os.path.basename(os.path.dirname(r))] = [os.path.abspath(r)]
    engines['node'] = [args.node]
    engines['node-es5'] = [args.node]
    os.makedirs(args.out, exist_ok=True)
    ver = versions(args, engines)
    results = {'versions': ver}
    if args.suite in ('wpt', 'all') and have_wpt:
        wengines = dict(engines, **{'node-base': [args.node]})
        t0 = time.time()
        results['wpt'] = run_wpt(args, wengines, tr)
        print('wpt: %d files in %.0f s' % (len(results['wpt'] or {}), time.time() - t0))
        with open(os.path.join(args.out, 'wpt.json'), 'w') as f:
            json.dump({'versions': ver, 'files': results['wpt']}, f, indent=1)
    if args.suite in ('test262', 'all') and have_262:
        t0 = time.time()
        results['test262'] = run_test262(args, engines, tr)
        print('test262: %d files in %.0f s' % (len(results['test262'] or {}), time.time() - t0))
        with open(os.path.join(args.out, 'test262.json'), 'w') as f:
            json.dump({'versions': ver, 'files': results['test262']}, f, indent=1)
    if args.suite in ('aplus', 'all') and have_aplus:
        t0 = time.time()
        results['aplus'] = run_aplus(args, engines, tr)
        print('promises-aplus-tests: %d files in %.0f s' % (len(results['aplus'] or {}),
                                                           time.time() - t0))
        with open(os.path.join(args.out, 'aplus.json'), 'w') as f:
            json.dump({'versions': dict(ver, **{APLUS_PKG: aplus_version(args.data)}),
                       'files': results['aplus']}, f, indent=1)
    sys.path.insert(0, HERE)
    import report
    text = report.render(args.out)
    write(os.path.join(args.out, 'report.md'), text)
    print(report.summary(args.out))
    print('report: ' + os.path.join(args.out, 'report.md'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
