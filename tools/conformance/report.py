"""report.py - turns run.py's results (OUT/wpt.json, OUT/test262.json, OUT/aplus.json) into the
tables and the failure lists of the conformance report: per row, passes per engine; then every
test that rtjs (libuv) fails and node passes, with its message, grouped by cause. Causes come
from the rules in CAUSES (first match wins); a test that node also fails on the ES5 output rtjs
runs is put down to the transpilation, not to the runtime. Promises/A+: per file, passes per
engine, then every test an rtjs build fails, with node's status."""
import json
import os
import re

RT = 'rtjs:libuv'
ENGINE_ORDER = ['rtjs:libuv', 'rtjs:threadpool', 'node', 'node-es5', 'node-base']

# (label, file regex, name regex, message regex): all given parts must match.
CAUSES = [
    ('Blob, File and FormData are not implemented yet (another helper is building them), nor '
     'the body methods blob() and formData()',
     None, None, r"identifier '(Blob|File|FormData)' undefined|(Blob|FormData|File) is not|"
     r"property '(blob|formData)' of"),
    ('rtjs bug: a Request or Response with an empty body ("", empty ArrayBuffer, '
     'URLSearchParams) throws TypeError "wrong buffer type"', None, None, r'wrong buffer type'),
    ('no document base URL: relative URLs such as new Request("") cannot resolve',
     None, None, r'(Failed to parse URL|Invalid URL|invalid URL|cannot parse URL)'),
    ('Duktape: Proxy has no getOwnPropertyDescriptor trap and Reflect.get rejects Symbol keys, '
     'so the WebIDL record conversion order cannot be observed', r'headers-record', None, None),
    ('Duktape: ES2017+ built-ins missing (Object.entries, Object.fromEntries)', None, None,
     r"property '(entries|fromEntries|values)' of \[object Function\]"),
    ('Duktape: a transpiled class cannot extend a built-in (Reflect.construct ignores newTarget)',
     None, r'serializer errors', None),
    ('Duktape: JSON.stringify is not well-formed (ES2019): lone surrogates are not escaped',
     r'response-static-json', None, r'lengths differ'),
    ('WritableStream and TransformStream are not implemented', None, None,
     r"identifier '(WritableStream|TransformStream)' undefined"),
    ('fetch() of a data: URL fails', r'json\.any\.js', None, r'fetch failed'),
    ('rtjs bug: Object.prototype.then reaches the stream layer (uncaught error in '
     '40-streams.js, the process exits)', r'broken-then', None, None),
]


def load(out, name):
    p = os.path.join(out, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def classify(file, name, msg, rules=CAUSES):
    for label, fr, nr, mr in rules:
        if fr and not re.search(fr, file or ''):
            continue
        if nr and not re.search(nr, name or ''):
            continue
        if mr and not re.search(mr, msg or ''):
            continue
        return label
    return 'other (see message)'


# ---- WPT ----------------------------------------------------------------------------------

def wpt_tests(entry):
    """[(name, {engine: (status, message, net)})] in node's order, then any others."""
    res = entry['results']
    order, by = [], {}
    for eng in ['node'] + [e for e in res if e != 'node']:
        for t in res.get(eng, {}).get('tests', []):
            if t['name'] not in by:
                by[t['name']] = {}
                order.append(t['name'])
            by[t['name']][eng] = (t['status'], t.get('message'), t.get('net'))
    return [(n, by[n]) for n in order]


def wpt_rows(data):
    rows = {}
    for rel, e in sorted(data['files'].items()):
        r = rows.setdefault(e['row'], {'files': 0, 'skipped': [], 'tests': 0, 'net': 0,
                                       'pass': {}, 'netpass': {}, 'harness': []})
        if e.get('skipped'):
            r['skipped'].append((rel, e['skipped']))
            continue
        r['files'] += 1
        engines = list(e['results'])
        for eng in engines:
            h = e['results'][eng]['harness']
            if h.get('harness') != 'OK':
                r['harness'].append((rel, eng, h.get('harness'), h.get('message')))
        for name, st in wpt_tests(e):
            net = any(v[2] for v in st.values())
            key = 'net' if net else 'tests'
            r[key] += 1
            for eng in engines:
                if st.get(eng, (None,))[0] == 'PASS':
                    d = r['netpass' if net else 'pass']
                    d[eng] = d.get(eng, 0) + 1
    return rows


def wpt_failures(data):
    out = []
    for rel, e in sorted(data['files'].items()):
        if e.get('skipped'):
            continue
        res = e['results']
        h = res.get(RT, {}).get('harness', {})
        for name, st in wpt_tests(e):
            if any(v[2] for v in st.values()):
                continue
            if st.get('node', (None,))[0] != 'PASS' or st.get(RT, (None,))[0] == 'PASS':
                continue
            if RT in st:
                status, msg = st[RT][0], st[RT][1]
            else:
                status, msg = 'MISSING', 'not run: %s %s' % (h.get('harness'), h.get('message'))
            es5 = st.get('node-es5', ('MISSING',))[0]
            tp = st.get('rtjs:threadpool', ('MISSING',))[0]
            if es5 != 'PASS':
                cause = 'transpilation: node fails the same ES5 output too'
            else:
                cause = classify(rel, name, msg)
            out.append({'file': rel, 'name': name, 'status': status, 'message': msg,
                        'cause': cause, 'threadpool': tp})
    return out


# ---- test262 ------------------------------------------------------------------------------

def t262_status(entry, eng):
    r = entry['results'].get(eng)
    if not r:
        return None, None
    fails = [(m, v['why']) for m, v in r.items() if not v['pass']]
    if not fails:
        return True, None
    return False, '; '.join('%s: %s' % (m, w) for m, w in fails)


def t262_rows(data):
    rows = {'all': {}, 'as-is': {}, 'transpiled': {}}
    skipped = {}
    for rel, e in data['files'].items():
        if e.get('skipped'):
            skipped[e['skipped']] = skipped.get(e['skipped'], 0) + 1
            continue
        for key in ('all', 'transpiled' if e['transpiled'] else 'as-is'):
            r = rows[key]
            r['total'] = r.get('total', 0) + 1
            for eng in e['results']:
                ok, _ = t262_status(e, eng)
                if ok:
                    r[eng] = r.get(eng, 0) + 1
    return rows, skipped


def t262_failures(data):
    out = []
    for rel, e in sorted(data['files'].items()):
        if e.get('skipped'):
            continue
        okn, _ = t262_status(e, 'node')
        okr, why = t262_status(e, RT)
        if not okn or okr:
            continue
        okc, _ = t262_status(e, 'node-es5')
        if not okc:
            cause = 'transpilation: node fails the same ES5 output too'
        else:
            cause = classify(rel, rel, why, T262_CAUSES)
        out.append({'file': rel, 'why': why, 'cause': cause, 'transpiled': e['transpiled'],
                    'features': e['features'], 'threadpool': t262_status(e, 'rtjs:threadpool')[0]})
    return out


T262_CAUSES = [
    ('Promise.try / Promise.withResolvers missing', r'/(try|withResolvers)/', None, None),
]


# ---- Promises/A+ ----------------------------------------------------------------------------

def aplus_rows(data):
    """[(file, tests, {engine: passed})]: a test counts once per name (the union over engines,
    so a test one engine never reached counts as not passed there)."""
    rows = []
    for f, e in sorted(data['files'].items()):
        names, passed = set(), {}
        for eng, r in e['results'].items():
            names.update(t['name'] for t in r['tests'])
            passed[eng] = sum(1 for t in r['tests'] if t['pass'])
        rows.append((f, len(names), passed))
    return rows


def aplus_failures(data):
    """Every test an rtjs engine fails or never reports, with node's status."""
    out = []
    for f, e in sorted(data['files'].items()):
        res = e['results']
        names = []
        for eng in ['node'] + sorted(res):
            for t in res.get(eng, {}).get('tests', []):
                if t['name'] not in names:
                    names.append(t['name'])
        for eng in sorted(res):
            if not eng.startswith('rtjs'):
                continue
            by = {t['name']: t for t in res[eng]['tests']}
            h = res[eng]['harness']
            for n in names:
                t = by.get(n)
                if t and t['pass']:
                    continue
                nt = {t2['name']: t2 for t2 in res.get('node', {}).get('tests', [])}.get(n)
                out.append({'file': f, 'engine': eng, 'name': n,
                            'message': t['message'] if t else 'not run: %s %s' % (
                                h.get('harness'), h.get('message') or ''),
                            'node': 'PASS' if nt and nt['pass'] else 'FAIL'})
            if h.get('harness') != 'OK':
                out.append({'file': f, 'engine': eng, 'name': '(harness)',
                            'message': '%s %s' % (h.get('harness'), h.get('message') or ''),
                            'node': '-'})
    return out


# ---- rendering ----------------------------------------------------------------------------

def pct(n, d):
    return '%d (%.0f %%)' % (n, 100.0 * n / d) if d else '0'


def render(out):
    lines = []
    w = load(out, 'wpt.json')
    t = load(out, 'test262.json')
    a = load(out, 'aplus.json')
    ver = (w or t or a or {}).get('versions', {})
    lines.append('Engines: ' + ', '.join('%s %s' % (k, v) for k, v in sorted(ver.items())
                                         if k in ENGINE_ORDER))
    lines.append('')
    if w:
        rows = wpt_rows(w)
        engs = [e for e in ENGINE_ORDER if any(e in f['results'] for f in w['files'].values())]
        lines.append('### WPT fetch/api (tests that need no server)')
        lines.append('')
        lines.append('| row | files | tests | ' + ' | '.join(engs) +
                     ' | need a server (passed by ' + ' / '.join(engs) + ') |')
        lines.append('|---' * (len(engs) + 4) + '|')
        tot = {'files': 0, 'tests': 0, 'net': 0, 'pass': {}, 'netpass': {}}
        for row in ['headers', 'request', 'response', 'body', 'abort']:
            r = rows.get(row)
            if not r:
                continue
            lines.append('| %s | %d | %d | %s | %d (%s) |' % (
                row, r['files'], r['tests'],
                ' | '.join(pct(r['pass'].get(e, 0), r['tests']) for e in engs), r['net'],
                ' / '.join(str(r['netpass'].get(e, 0)) for e in engs)))
            for k in ('files', 'tests', 'net'):
                tot[k] += r[k]
            for k in ('pass', 'netpass'):
                for e, n in r[k].items():
                    tot[k][e] = tot[k].get(e, 0) + n
        lines.append('| **all** | %d | %d | %s | %d (%s) |' % (
            tot['files'], tot['tests'],
            ' | '.join(pct(tot['pass'].get(e, 0), tot['tests']) for e in engs), tot['net'],
            ' / '.join(str(tot['netpass'].get(e, 0)) for e in engs)))
        lines.append('')
        sk = [(rel, why) for r in rows.values() for rel, why in r['skipped']]
        if sk:
            lines.append('Not run: ' + '; '.join('%s (%s)' % s for s in sk))
            lines.append('')
        he = [h for r in rows.values() for h in r['harness']]
        if he:
            lines.append('Harness status other than OK:')
            lines.append('')
            for rel, eng, st, msg in he:
                lines.append('- %s, %s: %s %s' % (rel, eng, st, (msg or '')[:200]))
            lines.append('')
        fails = wpt_failures(w)
        lines.append('### WPT: rtjs (libuv) fails, node passes: %d tests' % len(fails))
        lines.append('')
        by = {}
        for f in fails:
            by.setdefault(f['cause'], []).append(f)
        for cause, items in sorted(by.items(), key=lambda kv: -len(kv[1])):
            lines.append('#### %s (%d)' % (cause, len(items)))
            lines.append('')
            for f in items:
                tp = '' if f['threadpool'] == f['status'] else ' [threadpool: %s]' % \
                    f['threadpool']
                lines.append('- %s: "%s": %s %s%s' % (f['file'], f['name'], f['status'],
                                                    (f['message'] or '')[:240], tp))
            lines.append('')
    if t:
        rows, skipped = t262_rows(t)
        engs = [e for e in ENGINE_ORDER if e in rows['all']]
        lines.append('### test262 built-ins/Promise')
        lines.append('')
        lines.append('| files | count | ' + ' | '.join(engs) + ' |')
        lines.append('|---' * (len(engs) + 2) + '|')
        for key, label in (('as-is', 'Duktape parses as they are'),
                           ('transpiled', 'transpiled to ES5 for rtjs'), ('all', '**all run**')):
            r = rows[key]
            if r.get('total'):
                lines.append('| %s | %d | %s |' % (label, r['total'], ' | '.join(
                    pct(r.get(e, 0), r['total']) for e in engs)))
        lines.append('')
        if skipped:
            lines.append('Not run: ' + '; '.join('%d %s' % (n, k) for k, n in skipped.items()))
            lines.append('')
        fails = t262_failures(t)
        lines.append('### test262: rtjs (libuv) fails, node passes: %d files' % len(fails))
        lines.append('')
        by = {}
        for f in fails:
            by.setdefault(f['cause'], []).append(f)
        for cause, items in sorted(by.items(), key=lambda kv: -len(kv[1])):
            lines.append('#### %s (%d)' % (cause, len(items)))
            lines.append('')
            for f in items:
                lines.append('- %s%s: %s' % (f['file'], ' (transpiled)' if f['transpiled']
                                             else '', (f['why'] or '')[:240]))
            lines.append('')
    if a:
        rows = aplus_rows(a)
        engs = [e for e in ENGINE_ORDER if any(e in r[2] for r in rows)]
        lines.append('### Promises/A+ (promises-aplus-tests %s)' %
                     a['versions'].get('promises-aplus-tests', '?'))
        lines.append('')
        lines.append('| file | tests | ' + ' | '.join(engs) + ' |')
        lines.append('|---' * (len(engs) + 2) + '|')
        tot, tp = 0, {}
        for f, n, passed in rows:
            lines.append('| %s | %d | %s |' % (f, n, ' | '.join(
                str(passed.get(e, 0)) for e in engs)))
            tot += n
            for e in engs:
                tp[e] = tp.get(e, 0) + passed.get(e, 0)
        lines.append('| **all** | %d | %s |' % (tot, ' | '.join(pct(tp[e], tot) for e in engs)))
        lines.append('')
        lines.append('node runs the package itself (its mocha, assert and sinon); the others run '
                     'tools/conformance/mocha-shim.js (node-es5: node on exactly what rtjs runs).')
        lines.append('')
        fails = aplus_failures(a)
        lines.append('### Promises/A+: tests rtjs fails: %d' % len(fails))
        lines.append('')
        for x in fails:
            lines.append('- %s, %s: "%s": %s [node: %s]' % (x['engine'], x['file'], x['name'],
                                                          (x['message'] or '')[:240], x['node']))
        if fails:
            lines.append('')
    return '\n'.join(lines) + '\n'


def summary(out):
    s = []
    w = load(out, 'wpt.json')
    if w:
        rows = wpt_rows(w)
        tests = sum(r['tests'] for r in rows.values())
        for e in ENGINE_ORDER:
            n = sum(r['pass'].get(e, 0) for r in rows.values())
            if n:
                s.append('wpt %-16s %d/%d' % (e, n, tests))
    t = load(out, 'test262.json')
    if t:
        rows, _ = t262_rows(t)
        for e in ENGINE_ORDER:
            if e in rows['all']:
                s.append('test262 %-12s %d/%d' % (e, rows['all'][e], rows['all']['total']))
    a = load(out, 'aplus.json')
    if a:
        rows = aplus_rows(a)
        tot = sum(r[1] for r in rows)
        for e in ENGINE_ORDER:
            if any(e in r[2] for r in rows):
                s.append('aplus %-14s %d/%d' % (e, sum(r[2].get(e, 0) for r in rows), tot))
    return '\n'.join(s)
