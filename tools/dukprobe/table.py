#!/usr/bin/env python3
"""table.py DIR - per-operation cost from probe.c's output in DIR (see run.sh): callgrind dumps
cg.out.* (one per run, named "probe/n") and native runs wall.*. Cost per op = (run(2n) - run(n))
/ n; JS probes minus the empty loop's. Prints "name Ir/op ns/op" and writes DIR/table.txt."""
import glob, os, re, sys

d = sys.argv[1]
ir = {}
for f in glob.glob(os.path.join(d, 'cg.out.*')):
    name = total = None
    with open(f) as fh:
        for line in fh:
            m = re.match(r'desc: Trigger: Client Request: (\S+)/(\d+)', line)
            if m:
                name = (m.group(1), int(m.group(2)))
            elif line.startswith('summary:'):
                total = int(line.split()[1])
                break
    if name:
        ir[name] = total
wall = {}
for f in glob.glob(os.path.join(d, 'wall.*')):
    for line in open(f):
        p, n, ns = line.split()
        k = (p, int(n))
        wall[k] = min(wall.get(k, 1e30), float(ns))

def per_op(tab):
    res, order = {}, []
    for (p, n) in sorted(tab, key=lambda k: k[1]):
        if p not in order:
            order.append(p)
    for p in order:
        ns = sorted(n for (q, n) in tab if q == p)
        if len(ns) < 3:
            continue
        n1, n2 = ns[-2], ns[-1]
        res[p] = (tab[(p, n2)] - tab[(p, n1)]) / (n2 - n1)
    return res

def per_op_big(tab):
    res = {}
    for (p, n) in tab:
        big = max(m for (q, m) in tab if q == p)
        if n == big:
            res[p] = tab[(p, n)] / n
    return res

# Wall time: the largest run per op (fixed costs are small there), best of the native runs;
# differences of minima would be noisier than the figure itself.
iro, wo = per_op(ir), per_op_big(wall)
names = [l.split()[0] for l in open(sorted(glob.glob(os.path.join(d, 'wall.*')))[0])]
seen = []
for p in names:
    if p not in seen:
        seen.append(p)
lines = []
for p in seen:
    js = not p.startswith('c_') and p != 'loop'
    a = iro.get(p, float('nan')) - (iro['loop'] if js else 0)
    w = wo.get(p, float('nan')) - (wo['loop'] if js else 0)
    lines.append('%-22s %8.0f %8.1f' % (p, a, w))
txt = '%-22s %8s %8s\n' % ('probe', 'Ir/op', 'ns/op') + '\n'.join(lines) + '\n'
open(os.path.join(d, 'table.txt'), 'w').write(txt)
sys.stdout.write(txt)
