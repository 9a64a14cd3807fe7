#!/usr/bin/env python3
"""bench.py - the comparative benchmark suite (make bench, make bench-quick).

Starts nginx (bench/nginx.conf.in, one worker, HTTP and HTTPS on 127.0.0.1) on a temp dir
with generated static files and a certificate from tests/certs/make-certs.sh, then runs the
same workloads with every client - rtjs (threadpool), rtjs (libuv), node (the same plain-JS
files), curl and wrk - interleaved run by run, and writes bench/results/<date>.{md,csv,json}
plus SVG plots. Client CPU time, peak RSS and OS threads are measured from outside, the same
way for every client (bench/measure.c: wait4 rusage, /proc/PID/stat and /proc/PID/status at
the markers a client prints). With --docs it also rewrites docs/benchmarks.md (tables, plots
copied to docs/img/, Known gaps).

The protocol (docs/benchmarks.md "Protocol"): JS clients warm up inside the process they are
measured in, then a timed phase whose CPU is read from /proc at its start and end markers;
curl and wrk (native code, nothing to warm) are measured over their whole run; one
long-lived process per client for RSS growth; Promise micro-probes (bench/promise/) against
node and a JavaScript polyfill on our own Duktape; instruction counts under callgrind.

  bench/bench.py [--quick] [--docs] [--runs N] [--http-port P] [--https-port P] [--only W,...]
  workloads: keepalive, cold, close, transfer, upload-file, download-br, inflight, lag, startup,
             rss-growth, promise, instructions
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svg  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
T_START = time.time()
ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"
CLIENTS = ["rtjs-threadpool", "rtjs-libuv", "node", "curl", "wrk"]
JS_CLIENTS = CLIENTS[:3]
WORKLOADS = ["keepalive", "cold", "close", "transfer", "upload-file", "download-br", "inflight", "lag", "startup",
             "rss-growth", "promise", "instructions"]
# The Promise probes (bench/promise/NAME.js, run after bench/promise/harness.js); the scale
# rows use no Promise, so the polyfill (the same engine as rtjs) does not run them.
PROBES = ["then-chain", "new-promise", "all-1000", "fetch-user", "object", "call", "closure"]
SCALE_PROBES = ["object", "call", "closure"]
# A Promise written in JavaScript, run on our own Duktape: npm package and version, installed
# at bench time into build/bench-npm (never committed, never linked into the library).
POLYFILL = ("es6-promise", "4.2.8", "dist/es6-promise.js")
POLYFILL_DIR = os.path.join(ROOT, "build", "bench-npm")
# Makes the polyfill the global Promise; its job queue is flushed from one native microtask
# (queueMicrotask), as node's build of it uses process.nextTick - not from timers.
POLYFILL_LINE = "Promise = ES6Promise; ES6Promise._setScheduler(function (flush) { queueMicrotask(flush); });"


def log(msg):
    el = int(time.time() - T_START)
    sys.stderr.write("[bench %3dm%02ds] %s\n" % (el // 60, el % 60, msg))
    sys.stderr.flush()


def fmt_dur(s):
    s = int(max(0, s))
    return "%dm%02ds" % (s // 60, s % 60)


# ---- configuration ------------------------------------------------------------------------
def config(quick, runs):
    if quick:
        c = dict(runs=runs or 1, warmup=False, conc=[1, 64], close_conc=16,
                 warm_ms=300, warm_n=300, timed_ms=500, timed_n=2000, cold_ms=300, cold_conc=[64],
                 download="10m", upload_bytes=1 << 20, upload_count=2, inflight=[300],
                 file_mib=10, file_count=2, br_download="10m",
                 lag_n=300, start_runs=3, tp_threads=64, tp_threads_inflight=256,
                 rss_n=5000, rss_conc=16, rss_first=500, rss_every=1000, rss_ref=1000, rss_runs=1,
                 probe_s=0.2, cg_warm=100, cg_n=[200, 400], cg_protos=["http"], cg_probe_scale=0.1)
    else:
        c = dict(runs=runs or 5, warmup=True, conc=[1, 16, 64, 256], close_conc=16,
                 warm_ms=2000, warm_n=2000, timed_ms=5000, timed_n=20000, cold_ms=1000, cold_conc=[64],
                 download="100m", upload_bytes=10 << 20, upload_count=10, inflight=[1000, 10000],
                 file_mib=100, file_count=3, br_download="100m",
                 lag_n=1000, start_runs=10, tp_threads=64, tp_threads_inflight=256,
                 rss_n=120000, rss_conc=16, rss_first=2000, rss_every=10000, rss_ref=20000,
                 rss_runs=min(runs or 5, 3),
                 probe_s=1.0, cg_warm=500, cg_n=[2000, 4000], cg_protos=["http", "https"], cg_probe_scale=1.0)
    # 10,000 requests of 1 s with 256 blocking workers take ~40 s a run on the thread-pool
    # backend, and over HTTPS 10,000 handshakes take minutes for node on a loaded 2-core
    # machine: those cells get fewer runs (said in the report).
    c["inflight_runs"] = {"10000/http": min(c["runs"], 2), "10000/https": 1}
    # RSS checkpoints shown in the report (every marker is kept in the raw data)
    c["rss_show"] = sorted({c["rss_first"], c["rss_ref"], c["rss_n"]} |
                           ({10000, 40000, 80000} if not quick else {2000, 3000, 4000}))
    return c


# callgrind: (N1, N2) iterations of each probe at scale 1.0, chosen so that a run under
# callgrind takes seconds; the warm-up is N1 / 4 iterations in both runs.
CG_PROBE_N = {"then-chain": 20000, "new-promise": 20000, "all-1000": 20, "fetch-user": 5000,
              "object": 100000, "call": 100000, "closure": 50000}


SIZES = {"13b": 13, "1k": 1024, "64k": 65536, "1m": 1 << 20, "10m": 10 << 20, "100m": 100 << 20}


# ---- the server -----------------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Nginx:
    def __init__(self, tmp, http_port, https_port, pin):
        self.tmp, self.pin = tmp, pin
        self.http_port = http_port or free_port()
        self.https_port = https_port or free_port()
        self.https_full_port = free_port()         # HTTPS without session resumption
        self.proc = None
        self.certs = os.path.join(tmp, "certs")

    def start(self, sizes, br_sizes=()):
        www = os.path.join(self.tmp, "www")
        os.makedirs(www)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.tmp, d))
        with open(os.path.join(www, "13b"), "wb") as f:
            f.write(b"Hello, world\n")
        block = os.urandom(1 << 20)
        for name in sizes:
            n = SIZES[name]
            with open(os.path.join(www, name), "wb") as f:
                while n > 0:
                    f.write(block[:min(n, len(block))])
                    n -= len(block)
        for name in br_sizes:
            # NAME.br: br (quality 5, 4 MiB window) of N letters a-p from mkcoded's xorshift
            # source (text:N), which compresses to about half: nginx sends it as it is
            with open(os.path.join(www, name + ".br"), "wb") as f:
                subprocess.check_call([mkcoded(), "br", "text:%d" % SIZES[name]], stdout=f)
        subprocess.check_call(["sh", os.path.join(ROOT, "tests/certs/make-certs.sh"), self.certs])
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        conf = open(os.path.join(BENCH, "nginx.conf.in")).read()
        rep = {"@LOAD_ECHO@": "load_module %s;" % ECHO_MODULE if os.path.exists(ECHO_MODULE) else "",
               "@USER@": "user root;" if os.geteuid() == 0 else "",
               "@TMP@": self.tmp, "@CERTS@": self.certs,
               "@HTTP_PORT@": str(self.http_port), "@HTTPS_PORT@": str(self.https_port),
               "@HTTPS_FULL_PORT@": str(self.https_full_port),
               "worker_rlimit_nofile 65536": "worker_rlimit_nofile %d" % nofile,
               "worker_connections 30000": "worker_connections %d" % (nofile - 100)}
        for k, v in rep.items():
            conf = conf.replace(k, v)
        path = os.path.join(self.tmp, "nginx.conf")
        open(path, "w").write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(self.pin + [nginx, "-c", path, "-p", self.tmp + "/"],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.tmp, "nginx.out"), "w"))
        for _ in range(200):
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + open(os.path.join(self.tmp, "nginx.out")).read()
                                   + open(os.path.join(self.tmp, "nginx-error.log")).read())
            try:
                socket.create_connection(("127.0.0.1", self.http_port), 0.2).close()
                socket.create_connection(("127.0.0.1", self.https_port), 0.2).close()
                if os.path.exists(os.path.join(self.tmp, "nginx.pid")):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        """Stops nginx by the pid in its pid file (the master; its worker follows)."""
        pid = None
        try:
            pid = int(open(os.path.join(self.tmp, "nginx.pid")).read().strip())
        except (OSError, ValueError):
            pid = self.proc.pid if self.proc and self.proc.poll() is None else None
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if self.proc:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self, proto, path):
        port = {"http": self.http_port, "https": self.https_port, "https-full": self.https_full_port}[proto]
        return "%s://127.0.0.1:%d/%s" % ("http" if proto == "http" else "https", port, path)

    def version(self):
        try:
            out = subprocess.run(["nginx", "-v"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            return (out.stderr or out.stdout).strip().replace("nginx version: ", "")
        except OSError:
            return "?"


def mkcoded():
    """build/<backend>/mkcoded (tests/c/mkcoded.c; make bench builds it), or None."""
    for b in ("libuv", "threadpool"):
        p = os.path.join(ROOT, "build", b, "mkcoded")
        if os.access(p, os.X_OK):
            return p
    return None


# ---- running one client, measured from outside ----------------------------------------------
class Run:
    def __init__(self, rc, wall, cpu, maxrss_kb, threads, out, err, marks=None):
        self.rc, self.wall, self.cpu, self.maxrss_mb, self.threads = rc, wall, cpu, maxrss_kb / 1024.0, threads
        self.out, self.err = out, err
        # [{name, wall, cpu (user+system s), rss_kb, hwm_kb}] read at each "@bench NAME" line
        self.marks = marks or []

    def json(self):
        for line in reversed(self.out.strip().splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
        return None

    def mark(self, name):
        for m in self.marks:
            if m["name"] == name:
                return m
        return None

    def phase_cpu(self, start="start", end="end"):
        """CPU seconds (user+system, every thread) between two markers, or None."""
        a, b = self.mark(start), self.mark(end)
        if not a or not b or a["cpu"] < 0 or b["cpu"] < 0:
            return None
        return b["cpu"] - a["cpu"]


CURRENT = {"proc": None}


MEASURE = {"bin": None, "cpu": -1}


def build_tool(tmp, name, libs=()):
    """Compiles bench/NAME.c into tmp; returns the binary's path."""
    out = os.path.join(tmp, name)
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler for bench/%s.c" % name)
    subprocess.check_call([cc, "-O2", "-Wall", "-Wextra", "-o", out, os.path.join(BENCH, name + ".c")] + list(libs))
    return out


def build_measure(tmp):
    """Compiles bench/measure.c (the launcher that measures a client) into tmp."""
    MEASURE["bin"] = build_tool(tmp, "measure")


def measure(cmd, env, timeout, tmp, pin=True):
    """Runs cmd through bench/measure.c (pinned to the client CPU unless pin is False);
    returns Run with wall time, CPU (user+system, s), peak RSS, the most OS threads seen in
    /proc while it ran, and the readings at its markers. Stdout/stderr go through temp files."""
    fo = open(os.path.join(tmp, "client.out"), "w+")
    fe = open(os.path.join(tmp, "client.err"), "w+")
    res = os.path.join(tmp, "client.res")
    if os.path.exists(res):
        os.unlink(res)
    p = subprocess.Popen([MEASURE["bin"], res, str(MEASURE["cpu"] if pin else -1), str(int(timeout))] + cmd,
                         stdout=fo, stderr=fe, env=env, stdin=subprocess.DEVNULL)
    CURRENT["proc"] = p
    peak = [0]
    stop = threading.Event()

    def sample():
        pid = None
        while not stop.is_set():
            try:
                if pid is None:
                    txt = open(res).read().split("\n")[0]
                    pid = int(txt) if txt.strip() else None
                if pid:
                    for line in open("/proc/%d/status" % pid):
                        if line.startswith("Threads:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
                            break
            except (OSError, ValueError):
                pass
            stop.wait(0.02)

    ts = threading.Thread(target=sample, daemon=True)
    ts.start()
    p.wait()
    stop.set()
    ts.join()
    CURRENT["proc"] = None
    fo.seek(0)
    fe.seek(0)
    out, err = fo.read(), fe.read()
    fo.close()
    fe.close()
    marks = []
    try:
        lines = [l for l in open(res).read().split("\n") if l.strip()]
        for l in lines[1:-1]:
            f = l.split()
            if f[0] == "mark" and len(f) == 7:
                ut, st = float(f[3]), float(f[4])
                marks.append({"name": f[1], "wall": float(f[2]), "cpu": ut + st if ut >= 0 and st >= 0 else -1,
                              "rss_kb": int(f[5]), "hwm_kb": int(f[6])})
        rc, wall, maxrss, ut, st = lines[-1].split()
        rc, wall, maxrss, cpu = int(rc), float(wall), int(maxrss), float(ut) + float(st)
    except (OSError, ValueError, IndexError):
        return Run(-1, 0.0, 0.0, 0, peak[0], out, err + "\n(measure failed, exit %d)" % p.returncode, marks)
    if rc == 128 + signal.SIGKILL and wall >= timeout - 1:
        err += "\n(timed out after %ds)" % timeout
    return Run(rc, wall, cpu, maxrss, peak[0], out, err, marks)


def callgrind_totals(path):
    """Total instructions (Ir) of a callgrind output file, or None."""
    try:
        for line in open(path):
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


COMPONENTS = ["Duktape", "runtime C", "libc", "other"]


def component(path, obj):
    """Which part of the program a function belongs to, from its source path and object:
    Duktape (duk_*.c), our C (lib/, backends/, cli/), libc (and the dynamic loader), or other
    (libuv, BearSSL, zlib: linked in statically, no source path of ours)."""
    base = os.path.basename(path)
    if base.startswith("duk_") or base == "duktape.c":
        return "Duktape"
    if re.match(r"^(\./)?(lib|backends|cli)/", path):
        return "runtime C"
    if re.match(r"^(libc|ld-linux|libm)[.-]", os.path.basename(obj)):
        return "libc"
    return "other"


def callgrind_functions(path):
    """({function: self Ir}, {component: self Ir}) from callgrind_annotate's function table
    (every function: --threshold=100; no source annotation). The name is "function (file)",
    directories and the object file dropped."""
    r = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", "--inclusive=no", path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=300)
    fns, comps, state = {}, {}, 0       # state 0: before the table, 1: its header rule, 2: in it
    for line in r.stdout.splitlines():
        if state == 0:
            if "file:function" in line:
                state = 1
            continue
        if state == 1:
            state = 2                    # the dashed rule under the header
            continue
        if not line.strip() or line.startswith("--"):
            break
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.+?)(?:\s+\[([^\]]*)\])?\s*$", line)
        if not m:
            continue
        ir, where, obj = int(m.group(1).replace(",", "")), m.group(2), m.group(3) or ""
        fname, _, fn = where.partition(":")
        key = "%s (%s)" % (fn, os.path.basename(fname)) if fn else where
        fns[key] = fns.get(key, 0) + ir
        comp = component(fname, obj)
        comps[comp] = comps.get(comp, 0) + ir
    return fns, comps


# ---- the suite ------------------------------------------------------------------------------
class Suite:
    def __init__(self, args):
        self.args = args
        self.cfg = config(args.quick, args.runs)
        self.tmp = tempfile.mkdtemp(prefix="rtjs-bench-")
        self.taskset = shutil.which("taskset") and (os.cpu_count() or 1) >= 2
        self.server_pin = ["taskset", "-c", "0"] if self.taskset else []
        self.client_pin = []     # bench/measure.c pins the client (sched_setaffinity)
        MEASURE["cpu"] = 1 if self.taskset else -1
        self.server = Nginx(self.tmp, args.http_port, args.https_port, self.server_pin)
        self.rows = []          # one per run
        self.skipped = {}       # (workload, client) -> reason
        self.avail = {}
        self.curl_rate = {}     # (workload, proto, param) -> last req/s, sizes curl's next run
        self.done_runs = 0
        self.planned = 0
        self.t_runs = 0.0
        self.polyfill_src = None
        self.extra = {}         # what is not a number per run: callgrind's top functions
        self.br_ready = False   # NAME.br made (mkcoded found) for download-br

    # -- clients --
    def check_clients(self, only):
        for b in ("threadpool", "libuv"):
            path = os.path.join(ROOT, "build", b, "rtjs")
            if not os.access(path, os.X_OK):
                self.avail["rtjs-" + b] = "skipped: build/%s/rtjs not built" % b
        for name in ("node", "curl", "wrk"):
            if not shutil.which(name):
                self.avail[name] = "skipped: %s not installed" % name
        if "curl" not in self.avail:
            v = subprocess.run(["curl", "--help", "all"], stdout=subprocess.PIPE, text=True).stdout
            if "--parallel-max" not in v:
                self.avail["curl"] = "skipped: this curl has no --parallel"
        if "promise" in only or "instructions" in only:
            why = self.ensure_polyfill()
            if why:
                self.avail["polyfill"] = "skipped: " + why
            elif "rtjs-libuv" in self.avail:
                self.avail["polyfill"] = "skipped: it runs on build/libuv/rtjs, not built"
        if "instructions" in only:
            for tool in ("valgrind", "callgrind_annotate"):
                if not shutil.which(tool):
                    self.skipped[("instructions", "rtjs-libuv")] = "skipped: %s not installed" % tool
                    self.skipped[("instructions", "polyfill")] = "skipped: %s not installed" % tool

    def ensure_polyfill(self):
        """Installs the JS Promise polyfill with npm into build/bench-npm (bench-only, not
        committed, not linked into anything) unless it is there; returns why not, or ''."""
        name, version, rel = POLYFILL
        src = os.path.join(POLYFILL_DIR, "node_modules", name, rel)
        pkg = os.path.join(POLYFILL_DIR, "node_modules", name, "package.json")
        try:
            if json.load(open(pkg)).get("version") == version and os.path.exists(src):
                self.polyfill_src = src
                return ""
        except (OSError, ValueError):
            pass
        if not shutil.which("npm"):
            return "npm not installed (the polyfill %s@%s comes from the npm registry)" % (name, version)
        os.makedirs(POLYFILL_DIR, exist_ok=True)
        log("installing %s@%s with npm into %s" % (name, version, os.path.relpath(POLYFILL_DIR, ROOT)))
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", POLYFILL_DIR,
                            "%s@%s" % (name, version)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300)
        if r.returncode != 0 or not os.path.exists(src):
            return "npm install %s@%s failed: %s" % (name, version, r.stdout.strip()[-200:])
        self.polyfill_src = src
        return ""

    def probe_script(self, probe, client):
        """The text one probe runs as: harness + probe, with the polyfill first for the
        polyfill client. Written to the temp dir; node and rtjs run the same text."""
        parts = []
        if client == "polyfill":
            parts += [open(self.polyfill_src).read(), POLYFILL_LINE]
        for f in ("harness.js", probe + ".js"):
            parts.append(open(os.path.join(BENCH, "promise", f)).read())
        path = os.path.join(self.tmp, "probe-%s-%s.js" % (client, probe))
        open(path, "w").write("\n".join(parts) + "\n")
        return path

    def env(self):
        e = dict(os.environ)
        ca = os.path.join(self.server.certs, "ca.pem")
        e["RT_CA_FILE"] = ca
        e["NODE_EXTRA_CA_CERTS"] = ca
        return e

    def rtjs(self, client, threads):
        b = client.split("-", 1)[1]
        cmd = [os.path.join(ROOT, "build", b, "rtjs")]
        if b == "threadpool" and threads:
            cmd += ["--threads", str(threads)]
        return cmd

    def js(self, client, script, args, threads=None):
        base = ["node"] if client == "node" else self.rtjs(client, threads)
        return self.client_pin + base + [os.path.join(BENCH, script)] + [str(a) for a in args]

    def curl(self, proto):
        c = self.client_pin + ["curl", "-s", "--no-progress-meter", "-o", "/dev/null"]
        if proto.startswith("https"):
            c += ["--cacert", os.path.join(self.server.certs, "ca.pem")]
        return c

    # -- bookkeeping --
    def record(self, workload, proto, param, client, run, metrics, ok, note=""):
        row = {"workload": workload, "protocol": proto, "param": param, "client": client, "run": run,
               "ok": bool(ok), "note": note}
        row.update(metrics)
        self.rows.append(row)

    def progress(self, workload, proto, param, client, k, n):
        self.done_runs += 1
        avg = self.t_runs / max(1, self.done_runs - 1) if self.done_runs > 1 else 0
        left = avg * max(0, self.planned - self.done_runs)
        log("%s %s %s | %s | run %s of %d | ~%s left" % (workload, proto, param, client,
                                                         k if k else "warm-up", n, fmt_dur(left) if avg else "?"))

    def cell(self, workload, proto, param, clients, runs, fn, warmup):
        """Runs fn(client, proto, param) for every client, interleaved: run k starts with
        client k mod len. A warm-up round (not recorded) first when asked."""
        active = []
        for c in clients:
            if c in self.avail:
                self.skipped[(workload, c)] = self.avail[c]
            elif (workload, c) not in self.skipped:
                active.append(c)
        rounds = ([0] if warmup else []) + list(range(1, runs + 1))
        for k in rounds:
            order = active[k % len(active):] + active[:k % len(active)] if active else []
            for c in order:
                self.progress(workload, proto, param, c, k, runs)
                t0 = time.time()
                try:
                    metrics, ok, note = fn(c, proto, param)
                except Exception as e:  # a broken client is a failed run, not a broken suite
                    metrics, ok, note = {}, False, "driver error: %s" % e
                self.t_runs += time.time() - t0
                if not ok:
                    log("  %s failed: %s" % (c, note[:300]))
                if k:
                    self.record(workload, proto, param, c, k, metrics, ok, note)

    # -- workloads --
    def w_keepalive(self, mode="keepalive"):
        """Request rates. mode "keepalive": keep-alive GETs of 13 B, JS clients warm (an
        untimed warm-up in the same process, then a timed phase whose CPU comes from the
        start/end markers); "close": the same with a new connection per request; "cold": the
        old protocol, kept as its own row - 1 s from process start, one untimed request, CPU
        of the whole process (start-up included). curl and wrk run as long as the timed
        phase and are measured whole (native code: nothing to warm)."""
        cfg = self.cfg
        close = mode == "close"
        cold = mode == "cold"
        dur = cfg["cold_ms"] if cold else cfg["timed_ms"]

        def fn(c, proto, conc):
            url = self.server.url(proto, "13b")
            if c in JS_CLIENTS:
                if cold:
                    args = [0, 0, cfg["cold_ms"], 10 ** 9, conc, url]
                else:
                    args = [cfg["warm_ms"], cfg["warm_n"], cfg["timed_ms"], cfg["timed_n"], conc, url]
                r = measure(self.js(c, "reqrate.js", args + (["close"] if close else []), cfg["tp_threads"]),
                            self.env(), 300, self.tmp)
                j = r.json()
                if not j:
                    return {}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
                n = j["done"]
                if cold:
                    cpu = r.cpu / max(1, n + 1)           # whole process, as before: start-up included
                else:
                    pc = r.phase_cpu()
                    if pc is None:
                        return {}, False, "no start/end markers on stderr: %s" % r.err.strip()[-200:]
                    cpu = pc / max(1, n)
                m = {"rps": n / j["seconds"] if j["seconds"] else 0, "cpu_us": cpu * 1e6,
                     "rss_mb": r.maxrss_mb, "requests": n, "failed": j["failed"], "seconds": j["seconds"]}
                return m, r.rc == 0 and j["failed"] == 0 and n > 0, j.get("error") or ""
            if c == "curl":
                rate = self.curl_rate.get((mode, proto, conc), 2000)
                n = int(max(100, min(200000, rate * dur / 1000.0)))
                cmd = self.curl(proto) + ["--parallel", "--parallel-immediate", "--parallel-max", str(conc),
                                          "-w", "%{http_code}\\n"]
                if close:
                    cmd += ["-H", "Connection: close"]
                r = measure(cmd + [url + "?[1-%d]" % n], self.env(), 300, self.tmp)
                good = r.out.split().count("200")
                rps = good / r.wall
                self.curl_rate[(mode, proto, conc)] = rps
                m = {"rps": rps, "cpu_us": r.cpu * 1e6 / max(1, good), "rss_mb": r.maxrss_mb,
                     "requests": good, "failed": n - good, "seconds": r.wall}
                return m, r.rc == 0 and good == n, r.err.strip()[-300:]
            if c == "wrk":
                secs = max(1, int(round(dur / 1000.0)))
                cmd = self.client_pin + ["wrk", "-t1", "-c%d" % conc, "-d%ds" % secs, "--timeout", "10s"]
                if close:
                    cmd += ["-H", "Connection: close"]
                r = measure(cmd + [url], self.env(), 300, self.tmp)
                mm = re.search(r"(\d+) requests in ([\d.]+)(m?s)", r.out)
                if not mm:
                    return {}, False, "wrk: " + (r.out + r.err).strip()[-300:]
                n = int(mm.group(1))
                secs = float(mm.group(2)) / (1000.0 if mm.group(3) == "ms" else 1.0)
                errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", r.out))
                non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", r.out)
                errs += int(non2xx.group(1)) if non2xx else 0
                m = {"rps": n / secs, "cpu_us": r.cpu * 1e6 / max(1, n), "rss_mb": r.maxrss_mb,
                     "requests": n, "failed": errs, "seconds": secs}
                return m, r.rc == 0 and n > 0, ("%d socket errors/non-2xx" % errs) if errs else ""
        # No warm-up round for these cells: the JS clients warm up inside, nginx is warm
        # after the first cell and curl/wrk have nothing to warm.
        if close:
            # https: the server keeps sessions (clients that resume them do abbreviated
            # handshakes); https-full: it keeps none, so every connection is a full handshake
            for proto in ("http", "https", "https-full"):
                self.cell("close", proto, cfg["close_conc"], CLIENTS, cfg["runs"], fn, False)
        elif cold:
            for conc in cfg["cold_conc"]:
                self.cell("keepalive-cold", "http", conc, CLIENTS, cfg["runs"], fn, False)
        else:
            for proto in ("http", "https"):
                for conc in cfg["conc"]:
                    self.cell("keepalive", proto, conc, CLIENTS, cfg["runs"], fn, False)
            self.wake_floor()

    def wake_floor(self):
        """The floor under the thread pool's keep-alive rate: what one thread wake-up costs on
        the client CPU (bench/wake.c, pinned like the clients). A worker is woken once per
        request; the libuv build wakes none."""
        try:
            wake = build_tool(self.tmp, "wake", ["-pthread"])
        except (subprocess.CalledProcessError, RuntimeError) as e:
            log("  bench/wake.c: %s" % e)
            return
        for k in range(1, self.cfg["runs"] + 1):
            r = measure([wake], self.env(), 60, self.tmp)
            j = r.json()
            ok = r.rc == 0 and bool(j)
            self.record("wake", "-", "1", "bench/wake.c", k, {"us": j["us_per_wake"]} if ok else {}, ok,
                        "" if ok else "exit %d: %s" % (r.rc, r.err.strip()[-200:]))

    def w_transfer(self):
        cfg = self.cfg
        size = SIZES[cfg["download"]]
        up, count = cfg["upload_bytes"], cfg["upload_count"]
        upfile = os.path.join(self.tmp, "upload.bin")
        if not os.path.exists(upfile):
            with open(upfile, "wb") as f:
                f.write(os.urandom(up))
        lua = os.path.join(self.tmp, "upload.lua")
        open(lua, "w").write('wrk.method = "POST"\nwrk.body = string.rep("x", %d)\n' % up)

        def fn(c, proto, what):
            dl = what == cfg["download"]           # the cell's param: "100m", or "3x10m"
            url = self.server.url(proto, cfg["download"] if dl else "upload")
            if c in JS_CLIENTS:
                args = ["download", url] if dl else ["upload", url, up, count]
                r = measure(self.js(c, "transfer.js", args, cfg["tp_threads"]), self.env(), 300, self.tmp)
                j = r.json()
                if not j:
                    return {}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
                want = size if dl else up * count
                ok = r.rc == 0 and j["ok"] and j["bytes"] == want
                return ({"mbps": j["bytes"] / 1e6 / j["seconds"] if j["seconds"] else 0, "rss_mb": r.maxrss_mb},
                        ok, j.get("error") or ("" if ok else "got %d of %d bytes" % (j["bytes"], want)))
            if c == "curl":
                if dl:
                    cmd = self.curl(proto) + ["-w", "%{size_download} %{time_total}\\n", url]
                else:
                    cmd = self.curl(proto) + ["-T", upfile, "-w", "%{size_upload} %{time_total}\\n",
                                              url + "?[1-%d]" % count]
                r = measure(cmd, self.env(), 300, self.tmp)
                pairs = [l.split() for l in r.out.strip().splitlines() if len(l.split()) == 2]
                nbytes = sum(float(a) for a, _ in pairs)
                secs = sum(float(b) for _, b in pairs)
                want = size if dl else up * count
                ok = r.rc == 0 and int(nbytes) == want
                return ({"mbps": nbytes / 1e6 / secs if secs else 0, "rss_mb": r.maxrss_mb}, ok,
                        "" if ok else "curl exit %d, %d bytes: %s" % (r.rc, nbytes, r.err.strip()[-200:]))
            if c == "wrk":
                cmd = self.client_pin + ["wrk", "-t1", "-c1", "-d2s", "--timeout", "30s"]
                if not dl:
                    cmd += ["-s", lua]
                r = measure(cmd + [url], self.env(), 60, self.tmp)
                mm = re.search(r"(\d+) requests in ([\d.]+)(m?s)", r.out)
                if not mm or int(mm.group(1)) == 0:
                    return {}, False, "wrk: " + (r.out + r.err).strip()[-300:]
                n = int(mm.group(1))
                secs = float(mm.group(2)) / (1000.0 if mm.group(3) == "ms" else 1.0)
                moved = n * (size if dl else up)
                return {"mbps": moved / 1e6 / secs, "rss_mb": r.maxrss_mb}, r.rc == 0, ""
        for proto in ("http", "https"):
            # no warm-up round: each run is long enough, and the JS clients warm up inside
            self.cell("download", proto, cfg["download"], CLIENTS, cfg["runs"], fn, False)
            self.cell("upload", proto, "%dx%s" % (count, "10m" if up == 10 << 20 else "1m"), CLIENTS,
                      cfg["runs"], lambda c, p, _: fn(c, p, "upload"), False)

    def w_upload_file(self):
        """A File of file_mib MiB in a FormData, POSTed file_count times one after another
        (bench/upload-file.js: the File is built once, before the timed phase). MB/s of File
        bytes, timed inside the client; peak RSS (ru_maxrss) of the whole process and what
        the uploads add (VmHWM at the end marker - VmRSS at the start marker, the File
        already built). curl -F streams the same number of bytes from a file on disk."""
        cfg = self.cfg
        mib, count = cfg["file_mib"], cfg["file_count"]
        self.skipped[("upload-file", "wrk")] = "skipped: wrk sends no multipart/form-data"
        path = os.path.join(self.tmp, "f.bin")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(bytes(((i * 31 + 7) & 255) for i in range(256)) * (mib * 4096))

        def fn(c, proto, _):
            url = self.server.url(proto, "upload")
            if c in JS_CLIENTS:
                r = measure(self.js(c, "upload-file.js", [url, mib, count], cfg["tp_threads"]), self.env(), 600, self.tmp)
                j = r.json()
                if not j:
                    return {"rss_mb": r.maxrss_mb}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
                a, b = r.mark("start"), r.mark("end")
                m = {"mbps": j["bytes"] / 1e6 / j["seconds"] if j["seconds"] else 0, "rss_mb": r.maxrss_mb,
                     "file_mb": j["file_bytes"] / 1048576.0}
                if a and b and a["rss_kb"] > 0 and b["hwm_kb"] > 0:
                    m["growth_mb"] = (b["hwm_kb"] - a["rss_kb"]) / 1024.0
                ok = r.rc == 0 and j["ok"] and j["bytes"] == mib * 1048576 * count and "growth_mb" in m
                return m, ok, j.get("error") or ("" if ok else "got %d bytes, markers %s" % (j["bytes"], bool(a and b)))
            cmd = self.curl(proto) + ["-F", "note=upload-file", "-F", "file=@%s;type=application/octet-stream" % path,
                                      "-w", "%{size_upload} %{time_total}\\n"]
            for _ in range(count):
                cmd += [url]
            r = measure(cmd, self.env(), 600, self.tmp)
            pairs = [l.split() for l in r.out.strip().splitlines() if len(l.split()) == 2]
            secs = sum(float(b) for _, b in pairs)
            ok = r.rc == 0 and len(pairs) == count and all(float(a) > mib * 1048576 for a, _ in pairs)
            return ({"mbps": mib * 1048576 * len(pairs) / 1e6 / secs if secs else 0, "rss_mb": r.maxrss_mb,
                     "file_mb": float(mib)}, ok, "" if ok else "curl exit %d: %s" % (r.rc, r.err.strip()[-200:]))
        for proto in ("http", "https"):
            self.cell("upload-file", proto, "%dx%dm" % (count, mib), CLIENTS, cfg["runs"], fn, False)

    def w_download_br(self):
        """One GET of NAME.br (br of br_download letters, about half that on the wire; nginx
        adds Content-Encoding: br), read as a stream and decoded by the client
        (bench/transfer.js; curl --compressed). MB/s of decoded bytes, timed inside the client
        (curl: decoded size / time_total); peak RSS of the whole process."""
        cfg = self.cfg
        name = cfg["br_download"]
        size = SIZES[name]
        self.skipped[("download-br", "wrk")] = "skipped: wrk does not decode content codings"
        if not self.br_ready:
            for c in CLIENTS:
                self.skipped[("download-br", c)] = "skipped: build/<backend>/mkcoded not built (make mkcoded)"
            return
        encoded = os.path.getsize(os.path.join(self.tmp, "www", name + ".br"))
        self.extra["br_encoded_bytes"] = encoded

        def fn(c, proto, _):
            url = self.server.url(proto, name + ".br")
            if c in JS_CLIENTS:
                r = measure(self.js(c, "transfer.js", ["download", url], cfg["tp_threads"]), self.env(), 300, self.tmp)
                j = r.json()
                if not j:
                    return {"rss_mb": r.maxrss_mb}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
                ok = r.rc == 0 and j["ok"] and j["bytes"] == size
                return ({"mbps": j["bytes"] / 1e6 / j["seconds"] if j["seconds"] else 0, "rss_mb": r.maxrss_mb},
                        ok, j.get("error") or ("" if ok else "got %d of %d decoded bytes" % (j["bytes"], size)))
            cmd = self.curl(proto) + ["--compressed", "-w", "%{size_download} %{time_total}\\n", url]
            r = measure(cmd, self.env(), 300, self.tmp)
            f = r.out.split()
            ok = r.rc == 0 and len(f) == 2 and int(float(f[0])) == encoded
            secs = float(f[1]) if len(f) == 2 else 0
            return ({"mbps": size / 1e6 / secs if secs else 0, "rss_mb": r.maxrss_mb}, ok,
                    "" if ok else "curl exit %d: %s %s" % (r.rc, r.out.strip()[-100:], r.err.strip()[-200:]))
        for proto in ("http", "https"):
            self.cell("download-br", proto, name + " br", CLIENTS, cfg["runs"], fn, False)

    def w_inflight(self):
        cfg = self.cfg
        self.skipped[("inflight", "curl")] = "skipped: curl --parallel caps at 300 transfers at once"
        self.skipped[("inflight", "wrk")] = "skipped: wrk has no one-shot N-requests-at-once mode"

        def fn(c, proto, n):
            r = measure(self.js(c, "inflight.js", [n, self.server.url(proto, "delay")], cfg["tp_threads_inflight"]),
                        self.env(), 600, self.tmp)
            j = r.json()
            if not j:
                return {"rss_mb": r.maxrss_mb, "threads": r.threads}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
            ok = r.rc == 0 and j["ok"] == n and j["failed"] == 0
            return ({"wall_s": j["wall_ms"] / 1000.0, "succeeded": j["ok"], "rss_mb": r.maxrss_mb, "threads": r.threads},
                    ok, j.get("error") or "")
        for proto in ("http", "https"):
            for n in cfg["inflight"]:
                self.cell("inflight", proto, n, JS_CLIENTS + ["curl", "wrk"],
                          cfg["inflight_runs"].get("%d/%s" % (n, proto), cfg["runs"]), fn, False)

    def w_lag(self):
        cfg = self.cfg
        for c in ("curl", "wrk"):
            self.skipped[("lag", c)] = "skipped: no JavaScript event loop"

        def fn(c, proto, n):
            r = measure(self.js(c, "lag.js", [n, self.server.url(proto, "delay")], cfg["tp_threads_inflight"]),
                        self.env(), 300, self.tmp)
            j = r.json()
            if not j:
                return {}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
            return ({"p50": j["p50"], "p99": j["p99"], "max": j["max"], "ticks": j["ticks"], "rss_mb": r.maxrss_mb},
                    r.rc == 0 and j["failed"] == 0, j.get("error") or "")
        for proto in ("http", "https"):
            self.cell("lag", proto, cfg["lag_n"], JS_CLIENTS, cfg["runs"], fn, False)

    def w_startup(self):
        cfg = self.cfg
        self.skipped[("startup", "wrk")] = "skipped: wrk is a load generator, not a one-shot client"

        def fn(c, proto, what):
            if what == "start":
                cmd = self.client_pin + (["node"] if c == "node" else self.rtjs(c, 0)) + ["-e", "0"]
            else:
                url = self.server.url(proto, "13b")
                code = ("fetch('%s').then(function (r) { return r.arrayBuffer(); }).then(function (b) {"
                        " if (b.byteLength !== 13) throw new Error('short body'); })" % url)
                if c == "curl":
                    cmd = self.curl(proto) + ["-f", url]
                else:
                    cmd = self.client_pin + (["node"] if c == "node" else self.rtjs(c, 0)) + ["-e", code]
            r = measure(cmd, self.env(), 60, self.tmp)
            return {"wall_ms": r.wall * 1000, "rss_mb": r.maxrss_mb}, r.rc == 0, r.err.strip()[-200:]
        runs = cfg["start_runs"]
        self.cell("startup", "-", "start", JS_CLIENTS, runs, fn, True)
        for proto in ("http", "https"):
            self.cell("startup", proto, "cold fetch", JS_CLIENTS + ["curl"], runs, fn, True)

    def w_rss_growth(self):
        """One long-lived process per JS client: rss_n keep-alive GETs of 13 B at rss_conc,
        no explicit GC; VmRSS read from /proc at the client's checkpoint markers, and the peak."""
        cfg = self.cfg
        for c in ("curl", "wrk"):
            self.skipped[("rss-growth", c)] = "skipped: not a JavaScript runtime (no heap to grow)"
        n, ref = cfg["rss_n"], cfg["rss_ref"]

        def fn(c, proto, _):
            url = self.server.url(proto, "13b")
            r = measure(self.js(c, "rss-growth.js", [n, cfg["rss_conc"], url, cfg["rss_first"], cfg["rss_every"]],
                                cfg["tp_threads"]), self.env(), 3600, self.tmp)
            j = r.json()
            # peak: the highest of ru_maxrss at exit and VmHWM/VmRSS at the markers (the
            # kernel's RSS counters are per-CPU sums, read approximately: they differ by ~0.1 MB)
            m = {"rss_mb": max([r.maxrss_mb] + [max(mk["hwm_kb"], mk["rss_kb"]) / 1024.0 for mk in r.marks])}
            for mk in r.marks:
                if mk["name"].startswith("n=") and mk["rss_kb"] > 0:
                    m["rss_at_%s" % mk["name"][2:]] = mk["rss_kb"] / 1024.0
            if not j:
                return m, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
            m["rps"] = j["done"] / j["seconds"] if j["seconds"] else 0
            a, b = m.get("rss_at_%d" % ref), m.get("rss_at_%d" % n)
            if a and b:
                m["ratio"] = b / a
            ok = r.rc == 0 and j["failed"] == 0 and j["done"] == n and "ratio" in m
            return m, ok, j.get("error") or ("" if ok else "checkpoints missing: %s" % sorted(m))
        self.cell("rss-growth", "http", n, JS_CLIENTS + ["curl", "wrk"], cfg["rss_runs"], fn, False)

    def w_promise(self):
        """The Promise probes (bench/promise/): rtjs (libuv build), node, and the polyfill
        on rtjs; each run is one process that warms up, then times >= probe_s seconds."""
        cfg = self.cfg

        def fn(c, proto, probe):
            script = self.probe_script(probe, c)
            base = ["node"] if c == "node" else self.rtjs("rtjs-libuv", 0)
            r = measure(base + [script, "time", str(cfg["probe_s"])], self.env(), 300, self.tmp)
            j = r.json()
            if not j:
                return {}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
            self.extra.setdefault("probe_what", {})[probe] = j.get("what", "")
            want = "script" if c == "polyfill" else "native"
            ok = r.rc == 0 and j["ops"] > 0 and j["promise"] == want
            return ({"us_per_op": j["us_per_op"], "ops": j["ops"], "rss_mb": r.maxrss_mb}, ok,
                    "" if ok else "Promise is %s, expected %s" % (j["promise"], want))
        for probe in PROBES:
            clients = ["rtjs-libuv", "node"] + ([] if probe in SCALE_PROBES else ["polyfill"])
            self.cell("promise", "-", probe, clients, cfg["runs"], fn, False)

    def w_instructions(self):
        """Instruction counts under callgrind (deterministic, unlike time on a shared
        machine): rtjs (libuv) runs reqrate.js with cg_warm untimed requests, then N1, and
        again with N2; the difference of the totals over N2 - N1 is the cost of one request
        with start-up, warm-up and teardown cancelled out, and so per function (self cost,
        callgrind_annotate). The same for each Promise probe (rtjs and the polyfill)."""
        cfg = self.cfg
        for c in ("rtjs-threadpool", "node", "curl", "wrk"):
            self.skipped[("instructions", c)] = "skipped: instruction counts are for the libuv build (node JITs, the rest are baselines)"

        def pair(cmds, label):
            totals, fns, comps = [], [], []
            for i, cmd in enumerate(cmds):
                out = os.path.join(self.tmp, "callgrind.%d.out" % i)
                r = measure(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                            self.env(), 3600, self.tmp)
                t = callgrind_totals(out)
                j = r.json()
                if r.rc != 0 or t is None or not j:
                    return None, None, "%s: exit %d: %s" % (label, r.rc, r.err.strip()[-300:])
                if j.get("failed"):
                    return None, None, "%s: %d requests failed: %s" % (label, j["failed"], j.get("error"))
                totals.append(t)
                f, c = callgrind_functions(out)
                fns.append(f)
                comps.append(c)
            per_fn = {k: fns[1].get(k, 0) - fns[0].get(k, 0) for k in set(fns[0]) | set(fns[1])}
            self.last_components = {k: comps[1].get(k, 0) - comps[0].get(k, 0) for k in COMPONENTS}
            return totals, per_fn, ""

        def store(key, per_fn, dn, total):
            ex = self.extra
            ex.setdefault("instructions_top", {})[key] = top(per_fn, dn, total)
            ex.setdefault("instructions_components", {})[key] = [
                [k, v / float(dn), 100.0 * v / total if total else 0] for k, v in self.last_components.items()]

        def top(per_fn, dn, total):
            rows = sorted(per_fn.items(), key=lambda kv: -kv[1])[:15]
            return [[k, v / float(dn), 100.0 * v / total if total else 0] for k, v in rows]

        n1, n2 = cfg["cg_n"]
        rtjs = self.rtjs("rtjs-libuv", 0)

        def fn_req(c, proto, param):
            url = self.server.url(proto, "13b")
            cmds = [rtjs + [os.path.join(BENCH, "reqrate.js"), 10 ** 9, cfg["cg_warm"], 10 ** 9, n, 16, url]
                    for n in (n1, n2)]
            cmds = [[str(x) for x in cmd] for cmd in cmds]
            totals, per_fn, err = pair(cmds, "%s %d/%d requests" % (proto, n1, n2))
            if not totals:
                return {}, False, err
            d = totals[1] - totals[0]
            store("keepalive/" + proto, per_fn, n2 - n1, d)
            log("  %s keep-alive, 16 connections: %.0f instructions per request (%d and %d requests: %d and %d)"
                % (proto.upper(), d / float(n2 - n1), n1, n2, totals[0], totals[1]))
            for name, per, share in self.extra["instructions_top"]["keepalive/" + proto][:8]:
                log("    %9.0f  %4.1f %%  %s" % (per, share, name))
            return {"ir_per_op": d / float(n2 - n1), "ir_n1": totals[0], "ir_n2": totals[1]}, d > 0, ""

        def fn_probe(c, proto, probe):
            k1 = max(1, int(CG_PROBE_N[probe] * cfg["cg_probe_scale"]))
            k2 = 2 * k1
            script = self.probe_script(probe, c)
            cmds = [[str(x) for x in rtjs + [script, "count", k, max(1, k1 // 4)]] for k in (k1, k2)]
            totals, per_fn, err = pair(cmds, "%s %d/%d" % (probe, k1, k2))
            if not totals:
                return {}, False, err
            per = 1000 if probe == "all-1000" else 1          # per element, as in the timed probe
            d = totals[1] - totals[0]
            store("%s/%s" % (probe, c), per_fn, (k2 - k1) * per, d)
            log("  %s on %s: %.0f instructions per op" % (probe, c, d / float((k2 - k1) * per)))
            return {"ir_per_op": d / float((k2 - k1) * per), "ir_n1": totals[0], "ir_n2": totals[1]}, d > 0, ""

        for proto in cfg["cg_protos"]:
            self.cell("instructions", proto, "keep-alive GET 13 B, 16 connections", ["rtjs-libuv"], 1, fn_req, False)
        for probe in PROBES:
            clients = ["rtjs-libuv"] + ([] if probe in SCALE_PROBES else ["polyfill"])
            self.cell("instructions", "-", probe, clients, 1, fn_probe, False)

    # -- plan / run --
    def plan(self, only):
        cfg = self.cfg
        n5, n3 = len(CLIENTS), len(JS_CLIENTS)
        np_ = len(PROBES) * 2 + (len(PROBES) - len(SCALE_PROBES))
        p = {"keepalive": 2 * len(cfg["conc"]) * n5 * cfg["runs"],
             "cold": len(cfg["cold_conc"]) * n5 * cfg["runs"],
             "transfer": 4 * n5 * cfg["runs"],
             "upload-file": 2 * (n5 - 1) * cfg["runs"],
             "download-br": 2 * (n5 - 1) * cfg["runs"],
             "inflight": n3 * sum(cfg["inflight_runs"].get("%d/%s" % (n, p), cfg["runs"])
                                  for n in cfg["inflight"] for p in ("http", "https")),
             "close": 3 * n5 * cfg["runs"],
             "lag": 2 * n3 * cfg["runs"],
             "startup": (n3 + 2 * 4) * (cfg["start_runs"] + 1),
             "rss-growth": n3 * cfg["rss_runs"],
             "promise": np_ * cfg["runs"],
             "instructions": len(cfg["cg_protos"]) + len(PROBES) + len(PROBES) - len(SCALE_PROBES)}
        return sum(v for k, v in p.items() if k in only)

    def run(self):
        only = self.args.only.split(",") if self.args.only else list(WORKLOADS)
        bad = [w for w in only if w not in WORKLOADS]
        if bad:
            raise SystemExit("unknown workload(s) %s; known: %s" % (", ".join(bad), ", ".join(WORKLOADS)))
        self.check_clients(only)
        build_measure(self.tmp)
        self.load = {"start": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else "?"}
        need = sorted({"13b", self.cfg["download"]})
        self.br_ready = "download-br" in only and mkcoded() is not None
        br_need = [self.cfg["br_download"]] if self.br_ready else []
        log("starting nginx (%s) on 127.0.0.1:%d (HTTP) and :%d (HTTPS), temp dir %s%s"
            % (self.server.version(), self.server.http_port, self.server.https_port, self.tmp,
               ", server pinned to CPU 0 and clients to CPU 1 (taskset)" if self.taskset else ""))
        self.server.start(need, br_need)
        for c, why in sorted(self.avail.items()):
            log("%s: %s" % (c, why))
        self.planned = self.plan(only)
        log("%d client runs planned" % self.planned)
        for w in only:
            {"keepalive": self.w_keepalive, "cold": lambda: self.w_keepalive("cold"),
             "close": lambda: self.w_keepalive("close"), "transfer": self.w_transfer,
             "upload-file": self.w_upload_file, "download-br": self.w_download_br,
             "inflight": self.w_inflight, "lag": self.w_lag, "startup": self.w_startup,
             "rss-growth": self.w_rss_growth, "promise": self.w_promise,
             "instructions": self.w_instructions}[w]()

    def cleanup(self):
        p = CURRENT.get("proc")
        if p and p.poll() is None:
            try:
                p.terminate()              # bench/measure.c passes SIGTERM on to the client
                p.wait(3)
            except (OSError, subprocess.TimeoutExpired):
                p.kill()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- machine and versions --
    def meta(self):
        def first_line(cmd):
            try:
                r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
                return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
            except (OSError, subprocess.TimeoutExpired):
                return "not installed"
        model = "?"
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = "?"
        try:
            mem = "%.0f GiB" % (int(open("/proc/meminfo").readline().split()[1]) / 1048576.0)
        except (OSError, ValueError, IndexError):
            pass
        wrkv = first_line(["wrk", "-v"])
        return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                "nproc": os.cpu_count(), "cpu": model, "memory": mem, "kernel": platform.release(),
                "quick": self.args.quick, "taskset": bool(self.taskset),
                "versions": {"rtjs-libuv": first_line([os.path.join(ROOT, "build/libuv/rtjs"), "--version"]),
                             "rtjs-threadpool": first_line([os.path.join(ROOT, "build/threadpool/rtjs"), "--version"]),
                             "node": first_line(["node", "--version"]),
                             "curl": first_line(["curl", "--version"]),
                             "wrk": wrkv.split(" Copyright")[0],
                             "nginx": self.server.version(),
                             "polyfill": "%s %s (npm, in %s)" % (POLYFILL[0], POLYFILL[1],
                                                                 os.path.relpath(POLYFILL_DIR, ROOT))
                             if self.polyfill_src else "not installed",
                             "valgrind": first_line(["valgrind", "--version"])},
                "extra": self.extra,
                "config": {k: v for k, v in self.cfg.items() if k != "inflight_runs"},
                "inflight_runs": self.cfg["inflight_runs"],
                "load": self.load}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the reduced set (make bench-quick)")
    ap.add_argument("--docs", action="store_true", help="also rewrite docs/benchmarks.md")
    ap.add_argument("--runs", type=int, default=0, help="runs per cell (default 5, quick 1)")
    ap.add_argument("--http-port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 0)))
    ap.add_argument("--https-port", type=int, default=int(os.environ.get("BENCH_HTTPS_PORT", 0)))
    ap.add_argument("--only", default="", help="comma list of workloads: " + ",".join(WORKLOADS))
    ap.add_argument("--out", default=os.path.join(BENCH, "results"))
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    suite = Suite(args)

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    # SIGINT too: a driver started in the background inherits SIGINT ignored, and Ctrl-C
    # (or kill -INT) must still stop nginx.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        suite.run()
        if os.path.exists("/proc/loadavg"):
            suite.load["end"] = open("/proc/loadavg").read().split()[:3]
        meta = suite.meta()
    except KeyboardInterrupt:
        log("interrupted: stopping nginx")
        suite.cleanup()
        sys.exit(130)
    finally:
        if suite.server.proc and suite.server.proc.poll() is None:
            suite.cleanup()
    import report
    # the raw runs first, so that a report that fails can be made again: bench/report.py RAW.json
    os.makedirs(args.out, exist_ok=True)
    raw = os.path.join(args.out, meta["date"][:10] + ("-quick" if args.quick else "") + ".json")
    json.dump({"meta": meta, "skipped": {"%s/%s" % k: v for k, v in suite.skipped.items()}, "runs": suite.rows},
              open(raw, "w"), indent=1)
    paths = report.write(suite.rows, suite.skipped, meta, args.out, args.quick, args.docs, ROOT)
    log("report: %s" % ", ".join(os.path.relpath(p, ROOT) for p in paths))
    failed = [r for r in suite.rows if not r["ok"]]
    if failed:
        log("%d of %d runs failed (see the report)" % (len(failed), len(suite.rows)))


if __name__ == "__main__":
    main()
