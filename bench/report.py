"""report.py - turns bench/bench.py's runs into bench/results/<date>.{md,csv,json}, SVG
plots (bench/svg.py) and, with --docs, docs/benchmarks.md (tables, plots in docs/img/,
Known gaps measured against the targets)."""
import csv
import json
import os
import shutil
import statistics

import svg

CLIENT_ORDER = ["rtjs-threadpool", "rtjs-libuv", "node", "curl", "wrk"]

# workload -> (title, param label, [(key, label, fmt, better: 'hi'|'lo'|None, ratio column?)])
TABLES = {
    "keepalive": ("Keep-alive GET of 13 B", "concurrency",
                  [("rps", "req/s", "%.0f", "hi", True), ("cpu_us", "client CPU µs/req", "%.0f", "lo", True),
                   ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "download": ("Download (one GET read as a stream)", "size",
                 [("mbps", "MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
    "upload": ("Upload (POSTs one after another; curl: PUT -T file)", "uploads",
               [("mbps", "MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
    "inflight": ("Requests in flight at once to a 1 s delayed endpoint", "in flight",
                 [("wall_s", "wall s", "%.2f", "lo", False), ("rss_mb", "peak RSS MB", "%.1f", "lo", True),
                  ("threads", "OS threads", "%.0f", None, False)]),
    "close": ("New connection per request (Connection: close)", "concurrency",
              [("rps", "connections/s", "%.0f", "hi", True), ("cpu_us", "client CPU µs/conn", "%.0f", "lo", True),
               ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "lag": ("Event-loop lag: 1 ms setInterval lateness while fetches are in flight", "in flight",
            [("p50", "p50 ms", "%.0f", "lo", False), ("p99", "p99 ms", "%.0f", "lo", True),
             ("max", "max ms", "%.0f", "lo", False), ("ticks", "ticks", "%.0f", None, False),
             ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "startup": ("Start-up", "what",
                [("wall_ms", "wall ms", "%.1f", "lo", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
}
ORDER = ["keepalive", "download", "upload", "inflight", "close", "lag", "startup"]
NOTES = {
    "keepalive": "Each JS client runs bench/reqrate.js for {dur} ms after one untimed request "
                 "(every body read); curl runs `--parallel --parallel-max C` over as many URLs as it "
                 "did in its previous run's {dur} ms; wrk `-t1 -cC -d{durs}s` is the ceiling. "
                 "CPU µs/req is the client's whole-process user+system time (start-up included) "
                 "over the requests it made. rtjs threadpool runs with `--threads {tp}`.",
    "download": "bench/transfer.js reads `response.body` chunk by chunk (constant memory); MB/s timed "
                "inside the client (curl: `%{{time_total}}`); wrk `-c1 -d2s` repeats the download "
                "(ceiling). rtjs threadpool runs with `--threads {tp}`.",
    "upload": "Sequential POSTs of an in-memory body (JS: a Uint8Array); curl `-T file` (PUT, "
              "streamed from disk); wrk posts the body from a Lua script. The sink is nginx's echo "
              "module `echo_read_request_body`.",
    "inflight": "bench/inflight.js starts N fetches at once and reads every body. OS threads: the "
                "most seen in /proc/PID/status (sampled every 20 ms). rtjs threadpool runs with "
                "`--threads {tpi}`: a blocking worker holds a request for the whole second, so "
                "10,000 requests take ~40 s. Runs: {r10k}.",
    "close": "bench/reqrate.js with `Connection: close` on every request: a new connection each "
             "time. **HTTPS**: every request is a TLS handshake, and the server keeps sessions, so "
             "clients with a session cache (rtjs, curl) resume them (abbreviated handshakes); "
             "**HTTPS-FULL**: the same against a listener without session cache or tickets, so "
             "every handshake is a full one - the two together show what resumption saves. curl "
             "and wrk send the same header.",
    "lag": "bench/lag.js: a 1 ms setInterval records (time since previous tick - 1 ms) with "
           "Date.now() (1 ms resolution, for every client) while {lag} fetches of the 1 s "
           "endpoint are in flight. rtjs threadpool runs with `--threads {tpi}`.",
    "startup": "Wall time of the whole process measured by the driver, `-e 0` and `-e` with one "
               "fetch of 13 B (a new process each run); curl does a single GET.",
}


def fmt_num(f, v):
    return f % v


def summarize(rows):
    """(workload, proto, param, client) -> {key: [values over ok runs]}, plus run counts."""
    groups = {}
    for r in rows:
        g = groups.setdefault((r["workload"], r["protocol"], str(r["param"]), r["client"]),
                              {"runs": 0, "ok": 0, "vals": {}, "notes": []})
        g["runs"] += 1
        if r["ok"]:
            g["ok"] += 1
        elif r.get("note"):
            g["notes"].append(r["note"])
        for k, v in r.items():
            if k in ("workload", "protocol", "param", "client", "run", "ok", "note"):
                continue
            if isinstance(v, (int, float)) and (r["ok"] or k in ("rss_mb", "threads")):
                g["vals"].setdefault(k, []).append(v)
    return groups


def med(groups, wl, proto, param, client, key):
    g = groups.get((wl, proto, str(param), client))
    if not g or not g["vals"].get(key) or g["ok"] == 0:
        return None
    return statistics.median(g["vals"][key])


def label(client, wl, meta):
    if client != "rtjs-threadpool":
        return client
    c = meta["config"]
    if wl in ("inflight", "lag"):
        return "rtjs-threadpool (%d threads)" % c["tp_threads_inflight"]
    if wl == "startup":
        return "rtjs-threadpool (default 4 threads)"
    return "rtjs-threadpool (%d threads)" % c["tp_threads"]


def params_of(groups, wl, proto):
    ps = []
    for (w, p, param, _c) in groups:
        if w == wl and p == proto and param not in ps:
            ps.append(param)
    return sorted(ps, key=lambda x: (0, float(x)) if x.replace(".", "").isdigit() else (1, x))


def table(groups, skipped, meta, wl, proto):
    title, plabel, metrics = TABLES[wl]
    params = params_of(groups, wl, proto)
    if not params:
        return []
    head = ["client", plabel]
    for key, lab, _f, better, ratio in metrics:
        head.append(lab + " median (min–max)")
        if ratio:
            head.append("× best")
    head.append("ok runs")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for param in params:
        for client in CLIENT_ORDER:
            g = groups.get((wl, proto, param, client))
            if not g:
                continue
            cells = [label(client, wl, meta), param]
            for key, lab, f, better, ratio in metrics:
                vals = g["vals"].get(key) or []
                if not vals:
                    cells.append("failed" if g["ok"] == 0 else "–")
                else:
                    m = statistics.median(vals)
                    cells.append(fmt_num(f, m) + ("" if len(vals) == 1 else
                                                  " (%s–%s)" % (fmt_num(f, min(vals)), fmt_num(f, max(vals)))))
                if ratio:
                    meds = [med(groups, wl, proto, param, c, key) for c in CLIENT_ORDER]
                    meds = [x for x in meds if x is not None]
                    mine = med(groups, wl, proto, param, client, key)
                    if mine is None or not meds:
                        cells.append("–")
                    else:
                        best = max(meds) if better == "hi" else min(meds)
                        cells.append("%.2f" % (mine / best) if best else "–")
            okc = "%d/%d" % (g["ok"], g["runs"])
            if g["ok"] < g["runs"] and g["notes"]:
                okc += " (" + g["notes"][0].replace("|", "/").replace("\n", " ")[:120] + ")"
            cells.append(okc)
            out.append("| " + " | ".join(cells) + " |")
    for (w, c), why in sorted(skipped.items()):
        if w == wl or (wl in ("download", "upload") and w == "transfer"):
            out.append("| %s | all | %s |%s" % (c, why, " |" * (len(head) - 3)))
    return out


def targets(groups, meta):
    """Known gaps: (target, measured, met?) rows."""
    rows = []

    def m(*a):
        return med(groups, *a)

    def fmt(v, f="%.1f"):
        return "n/a" if v is None else f % v
    lu, nd = m("keepalive", "http", "64", "rtjs-libuv", "rps"), m("keepalive", "http", "64", "node", "rps")
    if lu and nd:
        rows.append(("libuv keep-alive GET at 64 connections ≥ 5× node (HTTP)", "%.2f× node" % (lu / nd), lu / nd >= 5,
                     "" if lu / nd >= 5 else "%.1f× short" % (5 / (lu / nd))))
    cpu = m("keepalive", "http", "64", "rtjs-libuv", "cpu_us")
    if cpu is not None:
        rows.append(("libuv client CPU ≤ 25 µs/request (keep-alive, 64, HTTP)", "%.0f µs" % cpu, cpu <= 25,
                     "" if cpu <= 25 else "%.0f× over" % (cpu / 25)))
    for proto, bound in (("http", 10.0), ("https", 3.0)):
        g = groups.get(("inflight", proto, "10000", "rtjs-libuv"))
        if g:
            allok = g["ok"] == g["runs"]
            rows.append(("10,000 in flight all succeed (libuv, %s)" % proto.upper(), "%d/%d runs" % (g["ok"], g["runs"]),
                         allok, "" if allok else "%d runs failed" % (g["runs"] - g["ok"])))
        a, b = m("inflight", proto, "10000", "rtjs-libuv", "rss_mb"), m("inflight", proto, "10000", "node", "rss_mb")
        failed_run = ""
        if a is None and g and g["vals"].get("rss_mb"):
            a = statistics.median(g["vals"]["rss_mb"])      # failed runs still have a peak RSS
            failed_run = " (rtjs: failed run)"
        if a and b:
            rows.append(("10,000 in flight peak RSS ≤ 1/%d of node's (%s)" % (bound, proto.upper()),
                         "%.0f MB vs %.0f MB = 1/%.1f%s" % (a, b, b / a, failed_run), b / a >= bound,
                         "" if b / a >= bound else "%.1f× too much (would need ≤ %.0f MB)" % (a / (b / bound), b / bound)))
    for wl in ("download", "upload"):
        for proto, bound in (("http", 0.8), ("https", 0.7)):
            ps = params_of(groups, wl, proto)
            if not ps:
                continue
            a, b = m(wl, proto, ps[0], "rtjs-libuv", "mbps"), m(wl, proto, ps[0], "curl", "mbps")
            if a and b:
                rows.append(("%s ≥ %d%% of curl's MB/s (libuv, %s)" % (wl, bound * 100, proto.upper()),
                             "%.0f vs %.0f MB/s = %.0f%%" % (a, b, 100 * a / b), a / b >= bound,
                             "" if a / b >= bound else "%.0f points short" % (100 * (bound - a / b))))
    w, r = m("startup", "-", "start", "rtjs-libuv", "wall_ms"), m("startup", "-", "start", "rtjs-libuv", "rss_mb")
    if w is not None:
        rows.append(("start-up `rtjs -e 0` ≤ 5 ms", "%.1f ms" % w, w <= 5, "" if w <= 5 else "%.1f ms over" % (w - 5)))
    if r is not None:
        rows.append(("start-up peak RSS ≤ 5 MB", "%.1f MB" % r, r <= 5, "" if r <= 5 else "%.1f MB over" % (r - 5)))
    p = m("lag", "http", str(meta["config"]["lag_n"]), "rtjs-libuv", "p99")
    if p is not None:
        rows.append(("event-loop lag p99 < 2 ms with %d in flight (libuv, HTTP)" % meta["config"]["lag_n"],
                     "%.0f ms" % p, p < 2, "" if p < 2 else "%.0f× the bound" % (p / 2.0)))
    tp = meta["config"]["tp_threads"]
    for conc in meta["config"]["conc"]:
        if conc > tp:
            continue
        a, b = m("keepalive", "http", str(conc), "rtjs-threadpool", "rps"), m("keepalive", "http", str(conc), "rtjs-libuv", "rps")
        if a and b:
            rows.append(("threadpool matches libuv up to pool size (keep-alive, %d conns ≤ %d threads, HTTP)" % (conc, tp),
                         "%.2f× libuv" % (a / b), a / b >= 0.9, "" if a / b >= 0.9 else "%.0f%% slower" % (100 * (1 - a / b))))
    return rows


def plots(groups, meta, outdir, stem):
    files = []
    for proto in ("http", "https"):
        series = []
        for c in CLIENT_ORDER:
            pts = [(float(p), med(groups, "keepalive", proto, p, c, "rps")) for p in params_of(groups, "keepalive", proto)]
            if any(y is not None for _, y in pts):
                series.append((label(c, "keepalive", meta), pts))
        f = os.path.join(outdir, "%s-keepalive-%s.svg" % (stem, proto))
        svg.line_chart(f, "Keep-alive GET 13 B over %s: req/s vs concurrency" % proto.upper(), "connections (log scale)",
                       "requests/s (median)", series, logx=True)
        files.append(f)
    series = []
    for proto in ("http", "https"):
        for c in CLIENT_ORDER:
            pts = [(float(p), med(groups, "inflight", proto, p, c, "rss_mb")) for p in params_of(groups, "inflight", proto)]
            if any(y is not None for _, y in pts):
                series.append(("%s %s" % (c, proto.upper()), pts))
    f = os.path.join(outdir, "%s-inflight-rss.svg" % stem)
    svg.line_chart(f, "Peak RSS vs requests in flight (1 s endpoint)", "requests in flight", "peak RSS MB (median)", series)
    files.append(f)
    groups_l, bars = [], []
    n = str(meta["config"]["lag_n"])
    clients = [c for c in CLIENT_ORDER if groups.get(("lag", "http", n, c)) or groups.get(("lag", "https", n, c))]
    for proto in ("http", "https"):
        for key in ("p50", "p99"):
            bars.append(("%s %s" % (key, proto.upper()), [med(groups, "lag", proto, n, c, key) for c in clients]))
    f = os.path.join(outdir, "%s-lag.svg" % stem)
    svg.bar_chart(f, "Event-loop lag with %s fetches in flight (1 ms interval)" % n, "lateness ms (median of runs)",
                  clients, bars)
    files.append(f)
    return files


def body(groups, skipped, meta, img_prefix, img_names):
    c = meta["config"]
    fmtargs = dict(dur=c["dur_ms"], durs=max(1, round(c["dur_ms"] / 1000.0)), tp=c["tp_threads"],
                   tpi=c["tp_threads_inflight"], r10k=", ".join(["%s in flight over %s: %d" % (k.split("/")[0], k.split("/")[1].upper(), v)
                               for k, v in sorted(meta["inflight_runs"].items()) if int(k.split("/")[0]) in c["inflight"]]
                              + ["other cells: %d" % c["runs"]]),
                   runs=c["runs"], lag=c["lag_n"])
    out = []
    for wl in ORDER:
        title = TABLES[wl][0]
        plist = [p for p in (["-", "http", "https"] if wl == "startup" else ["http", "https", "https-full"])
                 if params_of(groups, wl, p)]
        if not plist:
            continue
        out += ["", "## " + title, "", NOTES[wl].format(**fmtargs), ""]
        for i, proto in enumerate(plist):
            t = table(groups, skipped if i == len(plist) - 1 else {}, meta, wl, proto)
            if t:
                if proto != "-":
                    out += ["**%s**" % proto.upper(), ""]
                out += t + [""]
        if wl == "keepalive":
            out += ["![req/s vs concurrency, HTTP](%s%s) ![req/s vs concurrency, HTTPS](%s%s)"
                    % (img_prefix, img_names[0], img_prefix, img_names[1]), ""]
        if wl == "inflight":
            out += ["![peak RSS vs requests in flight](%s%s)" % (img_prefix, img_names[2]), ""]
        if wl == "lag":
            out += ["![event-loop lag](%s%s)" % (img_prefix, img_names[3]), ""]
    return out


def header(meta):
    v = meta["versions"]
    c = meta["config"]
    return ["- Date: %s%s" % (meta["date"], " (bench-quick: reduced set, not for comparison)" if meta["quick"] else ""),
            "- Machine: %s cores, %s, %s RAM, Linux %s" % (meta["nproc"], meta["cpu"], meta["memory"], meta["kernel"]),
            "- Versions: %s; %s; node %s; %s; %s; nginx %s" % (v["rtjs-libuv"], v["rtjs-threadpool"], v["node"], v["curl"],
                                                              v["wrk"], v["nginx"]),
            "- Server: nginx, one worker, keep-alive (keepalive_requests 100000000), HTTP and HTTPS "
            "(TLS 1.2/1.3, EC P-256 certificate from tests/certs/make-certs.sh) on 127.0.0.1, "
            "generated from bench/nginx.conf.in; static files in a temp dir; upload sink and 1 s delay "
            "from the echo module.",
            "- Load average (1/5/15 min) at start %s, at end %s: other jobs share this machine"
            % (" ".join(meta["load"].get("start", "?")), " ".join(meta["load"].get("end", "?"))),
            "- Pinning: %s" % ("server on CPU 0, each client on CPU 1 (taskset)" if meta["taskset"]
                               else "none (taskset missing or one CPU)"),
            "- Method: %s runs per cell (fewer for the 10,000-in-flight cells: see there)%s, clients interleaved run by run (run k starts with the k-th "
            "client); medians with min–max over the successful runs. \"× best\" is the client's median "
            "divided by the best median of the same cell (1.00 = best; above 1 for costs, below 1 for "
            "rates). Peak RSS (ru_maxrss), client CPU (ru_utime + ru_stime) and OS threads are measured "
            "from outside for every client alike (bench/measure.c: fork, exec, wait4; /proc for threads)." % (
                c["runs"], ", after one warm-up round (not recorded) for the rate and "
                           "start-up cells" if c["warmup"] else ", no warm-up")]


def write(rows, skipped, meta, outdir, quick, docs, root):
    os.makedirs(outdir, exist_ok=True)
    stem = meta["date"][:10] + ("-quick" if quick else "")
    groups = summarize(rows)
    paths = []
    # raw CSV and JSON
    keys = ["workload", "protocol", "param", "client", "run", "ok"]
    extra = sorted({k for r in rows for k in r} - set(keys) - {"note"}) + ["note"]
    p = os.path.join(outdir, stem + ".csv")
    with open(p, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys + extra)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    paths.append(p)
    p = os.path.join(outdir, stem + ".json")
    summary = [{"workload": k[0], "protocol": k[1], "param": k[2], "client": k[3], "runs": g["runs"], "ok_runs": g["ok"],
                "median": {m: statistics.median(v) for m, v in g["vals"].items()},
                "min": {m: min(v) for m, v in g["vals"].items()}, "max": {m: max(v) for m, v in g["vals"].items()}}
               for k, g in sorted(groups.items())]
    json.dump({"meta": meta, "skipped": {"%s/%s" % k: v for k, v in skipped.items()}, "summary": summary, "runs": rows},
              open(p, "w"), indent=1)
    paths.append(p)
    svgs = plots(groups, meta, outdir, stem)
    paths += svgs
    names = [os.path.basename(s) for s in svgs]
    gaps = targets(groups, meta)
    gap_table = ["| target | measured | met | gap |", "|---|---|---|---|"]
    for t, mval, ok, gap in gaps:
        gap_table.append("| %s | %s | %s | %s |" % (t, mval, "yes" if ok else "**no**", gap or "–"))
    md = ["# Benchmark report %s" % stem, ""] + header(meta) + body(groups, skipped, meta, "", names)
    md += ["", "## Targets", "", "Targets are ratios, not tests; \"no\" rows are the Known gaps "
           "(docs/benchmarks.md).", ""] + gap_table + [""]
    p = os.path.join(outdir, stem + ".md")
    open(p, "w").write("\n".join(md))
    paths.insert(0, p)
    if docs:
        img = os.path.join(root, "docs", "img")
        os.makedirs(img, exist_ok=True)
        dnames = []
        for s in svgs:
            n = "bench-" + os.path.basename(s)[len(stem) + 1:]
            shutil.copy(s, os.path.join(img, n))
            dnames.append(n)
        notes = os.path.join(root, "bench", "known-gaps.md")
        d = ["# Benchmarks", "",
             "Generated by `make bench` (bench/bench.py) from the run in bench/results/%s.md "
             "(raw figures: %s.csv, %s.json next to it). `make bench-quick` runs a reduced set in "
             "a few minutes (CI smoke test; it asserts no figure)." % (stem, stem, stem), "",
             "How to run: `make deps-bench` installs nginx, its echo module, wrk and curl (Debian "
             "packages); `make bench` builds both backends and runs everything (15–20 min on 2 cores); "
             "`bench/bench.py --only keepalive,lag --runs 3` runs a subset; `--http-port`/`--https-port` "
             "(or BENCH_HTTP_PORT/BENCH_HTTPS_PORT) fix the ports, ephemeral otherwise. Progress "
             "goes to stderr; Ctrl-C stops nginx.", ""] + header(meta)
        d += body(groups, skipped, meta, "img/", dnames)
        d += ["", "## Known gaps", "", "Measured against the targets in the same run (ratios, not tests):", ""]
        d += gap_table + [""]
        if os.path.exists(notes):
            d += [open(notes).read().rstrip(), ""]
        open(os.path.join(root, "docs", "benchmarks.md"), "w").write("\n".join(d))
        paths.append(os.path.join(root, "docs", "benchmarks.md"))
    return paths


if __name__ == "__main__":
    # report.py RAW.json [--docs]: rewrites the report (and docs) from a run's raw JSON.
    import sys
    raw = json.load(open(sys.argv[1]))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    skipped = {tuple(k.split("/", 1)): v for k, v in raw["skipped"].items()}
    for p in write(raw["runs"], skipped, raw["meta"], os.path.dirname(os.path.abspath(sys.argv[1])),
                   raw["meta"]["quick"], "--docs" in sys.argv[2:], root):
        print(p)
