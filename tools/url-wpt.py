#!/usr/bin/env python3
"""url-wpt.py - measure URL conformance against the Web Platform Tests' data files, the same
way for rtjs and node: each file is embedded in a generated ES5 script (rtjs reads no files)
that runs the checks of WPT's own harness files and prints "N passed, N failed" per group.

  tools/url-wpt.py DATA_DIR [--rtjs build/libuv/rtjs] [--node node] [--verbose]

DATA_DIR holds any of urltestdata.json, setters_tests.json, toascii.json, IdnaTestV2.json
(url/resources/ in the wpt repository). The data is not part of this repository.
Groups (as WPT counts them): urltestdata: one test per entry (url-constructor.any.js) and
one per entry with an origin (url-origin.any.js); setters_tests: one per case;
toascii: three per entry (new URL, host setter, hostname setter); IdnaTestV2: one per
entry with a non-empty input.
"""
import json
import os
import subprocess
import sys
import tempfile

CHECKS = r"""
var results = {};
var failures = [];
function rec(group, ok, what) {
    var r = results[group] || (results[group] = [0, 0]);
    r[ok ? 0 : 1]++;
    if (!ok && failures.length < 400) failures.push(group + ': ' + what);
}
function mk(input, base) {
    return base === undefined || base === null ? new URL(input) : new URL(input, base);
}
var KEYS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port',
            'pathname', 'search', 'hash'];
function urltestdata(data) {
    data.forEach(function (t) {
        if (typeof t === 'string') return;
        var label = JSON.stringify(t.input) + ' against ' + JSON.stringify(t.base);
        var u = null, err = null;
        try { u = mk(t.input, t.base); } catch (e) { err = e; }
        if (t.failure) {
            rec('urltestdata: parse', err instanceof TypeError, label + ' should fail' +
                (u ? ', got ' + u.href : ''));
            return;
        }
        if (!u) {
            rec('urltestdata: parse', false, label + ' threw ' + err);
            if ('origin' in t) rec('urltestdata: origin', false, label + ' threw');
            return;
        }
        var bad = [];
        KEYS.forEach(function (k) { if (u[k] !== t[k]) bad.push(k + '=' + JSON.stringify(u[k]) + ' want ' + JSON.stringify(t[k])); });
        if ('searchParams' in t && u.searchParams.toString() !== t.searchParams)
            bad.push('searchParams=' + JSON.stringify(u.searchParams.toString()));
        rec('urltestdata: parse', bad.length === 0, label + ': ' + bad.join(', '));
        if ('origin' in t)
            rec('urltestdata: origin', u.origin === t.origin, label + ': origin ' + u.origin + ' want ' + t.origin);
    });
}
function setters(data) {
    Object.keys(data).forEach(function (attr) {
        if (attr === 'comment') return;
        data[attr].forEach(function (t) {
            var label = JSON.stringify(t.href) + '.' + attr + ' = ' + JSON.stringify(t.new_value);
            var bad = [];
            try {
                var u = new URL(t.href);
                u[attr] = t.new_value;
                Object.keys(t.expected).forEach(function (k) {
                    if (u[k] !== t.expected[k]) bad.push(k + '=' + JSON.stringify(u[k]) + ' want ' + JSON.stringify(t.expected[k]));
                });
            } catch (e) { bad.push('threw ' + e); }
            rec('setters_tests', bad.length === 0, label + ': ' + bad.join(', '));
        });
    });
}
function toascii(data) {
    data.forEach(function (t) {
        if (typeof t === 'string') return;
        var u = null;
        try { u = new URL('https://' + t.input + '/x'); } catch (e) { u = null; }
        var ok = t.output === null ? u === null :
            u !== null && u.host === t.output && u.hostname === t.output && u.pathname === '/x' &&
            u.href === 'https://' + t.output + '/x';
        rec('toascii', ok, JSON.stringify(t.input) + ' (URL) got ' + (u ? u.host : 'failure'));
        ['host', 'hostname'].forEach(function (k) {
            var v = new URL('https://x/x');
            try { v[k] = t.input; } catch (e) { /* counted below */ }
            var want = t.output === null ? 'x' : t.output;
            rec('toascii', v[k] === want, JSON.stringify(t.input) + ' (' + k + ') got ' + v[k]);
        });
    });
}
function idna(data) {
    data.forEach(function (t) {
        if (typeof t === 'string' || t.input === '') return;
        var u = null;
        try { u = new URL('https://' + t.input + '/x'); } catch (e) { u = null; }
        var ok = t.output === null ? u === null :
            u !== null && u.host === t.output && u.hostname === t.output && u.pathname === '/x' &&
            u.href === 'https://' + t.output + '/x';
        rec('IdnaTestV2', ok, JSON.stringify(t.input) + ' got ' + (u ? u.host : 'failure') + ' want ' + t.output);
    });
}
RUN();
Object.keys(results).forEach(function (g) {
    console.log(g + ': ' + results[g][0] + ' passed, ' + results[g][1] + ' failed');
});
if (VERBOSE) failures.forEach(function (f) { console.log('  FAIL ' + f); });
"""

FILES = [('urltestdata.json', 'urltestdata'), ('setters_tests.json', 'setters'),
         ('toascii.json', 'toascii'), ('IdnaTestV2.json', 'idna')]


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    data_dir = args[0]
    rtjs = 'build/libuv/rtjs'
    node = 'node'
    verbose = '--verbose' in args
    if '--rtjs' in args:
        rtjs = args[args.index('--rtjs') + 1]
    if '--node' in args:
        node = args[args.index('--node') + 1]
    calls = []
    for fname, fn in FILES:
        p = os.path.join(data_dir, fname)
        if os.path.exists(p):
            with open(p, encoding='utf-8') as f:
                calls.append('%s(%s);' % (fn, json.dumps(json.load(f))))
    if not calls:
        print('no data files in ' + data_dir)
        return 2
    src = 'var VERBOSE = %s;\nfunction RUN() {\n%s\n}\n%s' % (
        'true' if verbose else 'false', '\n'.join(calls), CHECKS)
    with tempfile.NamedTemporaryFile('w', suffix='.js', delete=False, encoding='utf-8') as f:
        f.write(src)
        path = f.name
    try:
        for name, cmd in (('rtjs', [rtjs, path]), ('node', [node, path])):
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
            print('== ' + name)
            print(r.stdout.decode('utf-8', 'replace').rstrip())
    finally:
        os.unlink(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
