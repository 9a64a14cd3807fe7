#!/usr/bin/env python3
"""bench.py - the comparative benchmark suite (make bench, make bench-quick).

Starts nginx (bench/nginx.conf.in, one worker, HTTP and HTTPS on 127.0.0.1) on a temp dir
with generated static files and a certificate from tests/certs/make-certs.sh, then runs the
same workloads with every client - rtjs (threadpool), rtjs (libuv), node (the same plain-JS
files), curl and wrk - interleaved run by run, and writes bench/results/<date>.{md,csv,json}
plus SVG plots. Client CPU time, peak RSS and OS threads are measured from outside, the same
way for every client (os.wait4 rusage, /proc/PID/status). With --docs it also rewrites
docs/benchmarks.md (tables, plots copied to docs/img/, Known gaps).

  bench/bench.py [--quick] [--docs] [--runs N] [--http-port P] [--https-port P] [--only W,...]
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
        c = dict(runs=runs or 1, warmup=False, dur_ms=300, conc=[1, 64], close_conc=16,
                 download="10m", upload_bytes=1 << 20, upload_count=2, inflight=[300],
                 lag_n=300, start_runs=3, tp_threads=64, tp_threads_inflight=256)
    else:
        c = dict(runs=runs or 5, warmup=True, dur_ms=1000, conc=[1, 16, 64, 256], close_conc=16,
                 download="100m", upload_bytes=10 << 20, upload_count=3, inflight=[1000, 10000],
                 lag_n=1000, start_runs=10, tp_threads=64, tp_threads_inflight=256)
    # 10,000 requests of 1 s with 256 blocking workers take ~40 s a run on the thread-pool
    # backend, and over HTTPS 10,000 handshakes take minutes for node on a loaded 2-core
    # machine: those cells get fewer runs (said in the report).
    c["inflight_runs"] = {"10000/http": min(c["runs"], 2), "10000/https": 1}
    return c


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

    def start(self, sizes):
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


# ---- running one client, measured from outside ----------------------------------------------
class Run:
    def __init__(self, rc, wall, cpu, maxrss_kb, threads, out, err):
        self.rc, self.wall, self.cpu, self.maxrss_mb, self.threads = rc, wall, cpu, maxrss_kb / 1024.0, threads
        self.out, self.err = out, err

    def json(self):
        for line in reversed(self.out.strip().splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
        return None


CURRENT = {"proc": None}


MEASURE = {"bin": None, "cpu": -1}


def build_measure(tmp):
    """Compiles bench/measure.c (the launcher that measures a client) into tmp."""
    out = os.path.join(tmp, "measure")
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler for bench/measure.c")
    subprocess.check_call([cc, "-O2", "-o", out, os.path.join(BENCH, "measure.c")])
    MEASURE["bin"] = out


def measure(cmd, env, timeout, tmp):
    """Runs cmd through bench/measure.c (pinned to the client CPU); returns Run with wall
    time, CPU (user+system, s), peak RSS and the most OS threads seen in /proc while it ran.
    Stdout/stderr go through temp files."""
    fo = open(os.path.join(tmp, "client.out"), "w+")
    fe = open(os.path.join(tmp, "client.err"), "w+")
    res = os.path.join(tmp, "client.res")
    if os.path.exists(res):
        os.unlink(res)
    p = subprocess.Popen([MEASURE["bin"], res, str(MEASURE["cpu"]), str(int(timeout))] + cmd,
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
    try:
        lines = open(res).read().split("\n")
        rc, wall, maxrss, ut, st = lines[1].split()
        rc, wall, maxrss, cpu = int(rc), float(wall), int(maxrss), float(ut) + float(st)
    except (OSError, ValueError, IndexError):
        return Run(-1, 0.0, 0.0, 0, peak[0], out, err + "\n(measure failed, exit %d)" % p.returncode)
    if rc == 128 + signal.SIGKILL and wall >= timeout - 1:
        err += "\n(timed out after %ds)" % timeout
    return Run(rc, wall, cpu, maxrss, peak[0], out, err)


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

    # -- clients --
    def check_clients(self):
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
    def w_keepalive(self, close=False):
        wl = "close" if close else "keepalive"
        cfg = self.cfg
        dur = cfg["dur_ms"]

        def fn(c, proto, conc):
            url = self.server.url(proto, "13b")
            if c in JS_CLIENTS:
                r = measure(self.js(c, "reqrate.js", [dur, conc, url] + (["close"] if close else []),
                                    cfg["tp_threads"]), self.env(), 120, self.tmp)
                j = r.json()
                if not j:
                    return {}, False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
                n = j["done"]
                m = {"rps": n / j["seconds"] if j["seconds"] else 0, "cpu_us": r.cpu * 1e6 / max(1, n + 1),
                     "rss_mb": r.maxrss_mb, "requests": n, "failed": j["failed"]}
                return m, r.rc == 0 and j["failed"] == 0, j.get("error") or ""
            if c == "curl":
                rate = self.curl_rate.get((wl, proto, conc), 2000)
                n = int(max(100, min(100000, rate * dur / 1000.0)))
                cmd = self.curl(proto) + ["--parallel", "--parallel-immediate", "--parallel-max", str(conc),
                                          "-w", "%{http_code}\\n"]
                if close:
                    cmd += ["-H", "Connection: close"]
                r = measure(cmd + [url + "?[1-%d]" % n], self.env(), 120, self.tmp)
                good = r.out.split().count("200")
                rps = good / r.wall
                self.curl_rate[(wl, proto, conc)] = rps
                m = {"rps": rps, "cpu_us": r.cpu * 1e6 / max(1, good), "rss_mb": r.maxrss_mb,
                     "requests": good, "failed": n - good}
                return m, r.rc == 0 and good == n, r.err.strip()[-300:]
            if c == "wrk":
                cmd = self.client_pin + ["wrk", "-t1", "-c%d" % conc, "-d%ds" % max(1, round(dur / 1000.0)), "--timeout", "10s"]
                if close:
                    cmd += ["-H", "Connection: close"]
                r = measure(cmd + [url], self.env(), 120, self.tmp)
                mm = re.search(r"(\d+) requests in ([\d.]+)(m?s)", r.out)
                if not mm:
                    return {}, False, "wrk: " + (r.out + r.err).strip()[-300:]
                n = int(mm.group(1))
                secs = float(mm.group(2)) / (1000.0 if mm.group(3) == "ms" else 1.0)
                errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", r.out))
                non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", r.out)
                errs += int(non2xx.group(1)) if non2xx else 0
                m = {"rps": n / secs, "cpu_us": r.cpu * 1e6 / max(1, n), "rss_mb": r.maxrss_mb,
                     "requests": n, "failed": errs}
                return m, r.rc == 0 and n > 0, ("%d socket errors/non-2xx" % errs) if errs else ""
        if close:
            # https: the server keeps sessions (clients that resume them do abbreviated
            # handshakes); https-full: it keeps none, so every connection is a full handshake
            for proto in ("http", "https", "https-full"):
                self.cell(wl, proto, cfg["close_conc"], CLIENTS, cfg["runs"], fn, cfg["warmup"])
        else:
            for proto in ("http", "https"):
                for conc in cfg["conc"]:
                    self.cell(wl, proto, conc, CLIENTS, cfg["runs"], fn, cfg["warmup"])

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

    # -- plan / run --
    def plan(self, only):
        cfg = self.cfg
        n5, n3 = len(CLIENTS), len(JS_CLIENTS)
        w = 1 if cfg["warmup"] else 0
        p = {"keepalive": 2 * len(cfg["conc"]) * n5 * (cfg["runs"] + w),
             "transfer": 4 * n5 * cfg["runs"],
             "inflight": n3 * sum(cfg["inflight_runs"].get("%d/%s" % (n, p), cfg["runs"])
                                  for n in cfg["inflight"] for p in ("http", "https")),
             "close": 3 * n5 * (cfg["runs"] + w),
             "lag": 2 * n3 * cfg["runs"],
             "startup": (n3 + 2 * 4) * (cfg["start_runs"] + 1)}
        return sum(v for k, v in p.items() if k in only)

    def run(self):
        only = self.args.only.split(",") if self.args.only else ["keepalive", "transfer", "inflight", "close",
                                                                 "lag", "startup"]
        self.check_clients()
        build_measure(self.tmp)
        self.load = {"start": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else "?"}
        need = sorted({"13b", self.cfg["download"]})
        log("starting nginx (%s) on 127.0.0.1:%d (HTTP) and :%d (HTTPS), temp dir %s%s"
            % (self.server.version(), self.server.http_port, self.server.https_port, self.tmp,
               ", server pinned to CPU 0 and clients to CPU 1 (taskset)" if self.taskset else ""))
        self.server.start(need)
        for c, why in sorted(self.avail.items()):
            log("%s: %s" % (c, why))
        self.planned = self.plan(only)
        log("%d client runs planned" % self.planned)
        for w in only:
            {"keepalive": self.w_keepalive, "transfer": self.w_transfer, "inflight": self.w_inflight,
             "close": lambda: self.w_keepalive(close=True), "lag": self.w_lag, "startup": self.w_startup}[w]()

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
                             "nginx": self.server.version()},
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
    ap.add_argument("--only", default="", help="comma list: keepalive,transfer,inflight,close,lag,startup")
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
    paths = report.write(suite.rows, suite.skipped, meta, args.out, args.quick, args.docs, ROOT)
    log("report: %s" % ", ".join(os.path.relpath(p, ROOT) for p in paths))
    failed = [r for r in suite.rows if not r["ok"]]
    if failed:
        log("%d of %d runs failed (see the report)" % (len(failed), len(suite.rows)))


if __name__ == "__main__":
    main()
