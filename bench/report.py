"""report.py - turns bench/bench.py's runs into bench/results/<date>.{md,csv,json}, SVG
plots (bench/svg.py) and, with --docs, docs/benchmarks.md (tables, plots in docs/img/,
Known gaps measured against the targets)."""
import csv
import json
import os
import shutil
import statistics

import svg

CLIENT_ORDER = ["rtjs-threadpool", "rtjs-libuv", "node", "curl", "wrk", "polyfill"]

# workload -> (title, param label, [(key, label, fmt, better: 'hi'|'lo'|None, ratio column?)])
TABLES = {
    "keepalive": ("Keep-alive GET of 13 B (warm)", "concurrency",
                  [("rps", "req/s", "%.0f", "hi", True), ("cpu_us", "client CPU µs/req", "%.0f", "lo", True),
                   ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "keepalive-cold": ("Keep-alive GET of 13 B, cold (timed from process start: the old protocol)", "concurrency",
                       [("rps", "req/s", "%.0f", "hi", True),
                        ("cpu_us", "client CPU µs/req (whole process)", "%.0f", "lo", True),
                        ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "download": ("Download (one GET read as a stream)", "size",
                 [("mbps", "MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
    "upload": ("Upload (POSTs one after another; curl: PUT -T file)", "uploads",
               [("mbps", "MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
    "upload-file": ("Upload of a File as multipart/form-data (FormData)", "uploads",
                    [("mbps", "MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True),
                     ("growth_mb", "RSS added by the uploads MB", "%.1f", "lo", False)]),
    "download-br": ("Download of a br-encoded body (decoded by the client)", "size",
                    [("mbps", "decoded MB/s", "%.0f", "hi", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
    "inflight": ("Requests in flight at once to a 1 s delayed endpoint", "in flight",
                 [("wall_s", "wall s", "%.2f", "lo", False), ("rss_mb", "peak RSS MB", "%.1f", "lo", True),
                  ("threads", "OS threads", "%.0f", None, False)]),
    "close": ("New connection per request (Connection: close, warm)", "concurrency",
              [("rps", "connections/s", "%.0f", "hi", True), ("cpu_us", "client CPU µs/conn", "%.0f", "lo", True),
               ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "lag": ("Event-loop lag: 1 ms setInterval lateness while fetches are in flight", "in flight",
            [("p50", "p50 ms", "%.0f", "lo", False), ("p99", "p99 ms", "%.0f", "lo", True),
             ("max", "max ms", "%.0f", "lo", False), ("ticks", "ticks", "%.0f", None, False),
             ("rss_mb", "peak RSS MB", "%.1f", "lo", False)]),
    "startup": ("Start-up (cold by definition)", "what",
                [("wall_ms", "wall ms", "%.1f", "lo", True), ("rss_mb", "peak RSS MB", "%.1f", "lo", True)]),
}
ORDER = ["keepalive", "keepalive-cold", "close", "rss-growth", "download", "upload", "upload-file", "download-br",
         "inflight", "lag", "startup",
         "promise", "instructions"]
NOTES = {
    "keepalive": "Each JS client runs bench/reqrate.js: an untimed warm-up in the same process "
                 "({warm_n} requests or {warm_s} s, whichever comes first), then the timed phase "
                 "({timed_n} requests or {timed_s} s, whichever comes first), every body read. req/s is the "
                 "timed phase's; **client CPU µs/req is the timed phase's only**: the client prints a "
                 "marker line to stderr as the phase starts and ends, and bench/measure.c reads "
                 "utime+stime of the whole process (every thread) from /proc/PID/stat at each, the same "
                 "way for rtjs and node. curl (`--parallel --parallel-max C`, as many URLs as its previous "
                 "run did in {timed_s} s) and wrk (`-t1 -cC -d{timed_s_int}s`, the ceiling) are native code "
                 "with nothing to warm: their CPU is their whole run's. Peak RSS: the whole run. rtjs "
                 "threadpool runs with `--threads {tp}`.",
    "keepalive-cold": "**Cold** rows, kept for comparison with earlier reports and not to be read as "
                      "steady state: bench/reqrate.js for {cold_ms} ms from process start after one untimed "
                      "request, CPU µs/req of the whole process (start-up, JIT warm-up included) over the "
                      "requests made; curl and wrk run as long.",
    "download": "bench/transfer.js reads `response.body` chunk by chunk (constant memory) after one "
                "untimed request; MB/s timed inside the client (curl: `%{{time_total}}`); wrk `-c1 -d2s` "
                "repeats the download (ceiling). rtjs threadpool runs with `--threads {tp}`.",
    "upload": "Sequential POSTs of an in-memory body (JS: a Uint8Array) after one untimed request and "
              "one untimed POST of the same body (its copy's first pages fault in once per process, "
              "not per upload); "
              "curl `-T file` (PUT, streamed from disk); wrk posts the body from a Lua script. The sink "
              "is nginx's echo module `echo_read_request_body`.",
    "upload-file": "bench/upload-file.js builds a File of {file_mib} MiB once (`new File(parts, 'f.bin')` from "
                   "one 1 MiB Uint8Array repeated, so the File's buffer is the only one of its size), makes "
                   "one untimed request, then POSTs a FormData holding a text field and the File {file_count} "
                   "times, one after another, to nginx's upload sink (`echo_read_request_body`). MB/s: File "
                   "bytes over the time inside the client. Peak RSS: ru_maxrss of the whole process, File "
                   "included (target for rtjs: at most the File's size + 32 MB); RSS added by the uploads: "
                   "VmHWM at the client's end marker minus VmRSS at its start marker (the File already "
                   "built), read by bench/measure.c alike for rtjs and node. curl `-F file=@f.bin` (the "
                   "same bytes, streamed from disk) is the rate ceiling; wrk sends no multipart.",
    "download-br": "One GET of a file served br-encoded: {br_name} letters a-p from tests/c/mkcoded.c's "
                   "deterministic source (`text:N`), encoded at bench time by mkcoded (the reference "
                   "libbrotlienc, quality 5, 4 MiB window) to {br_encoded} on the wire, which nginx "
                   "sends from disk with `Content-Encoding: br` (a location that adds the header; nginx "
                   "has no br module). JS clients read `response.body` chunk by chunk (bench/transfer.js; "
                   "rtjs and node both decode br); curl decodes with `--compressed`. MB/s: decoded bytes "
                   "over the time inside the client (curl: `%{{time_total}}`). wrk does not decode. rtjs "
                   "threadpool runs with `--threads {tp}`.",
    "inflight": "bench/inflight.js starts N fetches at once and reads every body. OS threads: the "
                "most seen in /proc/PID/status (sampled every 20 ms). rtjs threadpool runs with "
                "`--threads {tpi}`: a blocking worker holds a request for the whole second, so "
                "10,000 requests take ~40 s. Runs: {r10k}.",
    "close": "bench/reqrate.js with `Connection: close` on every request (a new connection each "
             "time), warm as in the keep-alive table (CPU of the timed phase only for the JS clients). "
             "**HTTPS**: every request is a TLS handshake, and the server keeps sessions, so "
             "clients with a session cache (rtjs, curl) resume them (abbreviated handshakes); "
             "**HTTPS-FULL**: the same against a listener without session cache or tickets, so "
             "every handshake is a full one - the two together show what resumption saves. curl "
             "and wrk send the same header.",
    "lag": "bench/lag.js: a 1 ms setInterval records (time since previous tick - 1 ms) with "
           "Date.now() (1 ms resolution, for every client) while {lag} fetches of the 1 s "
           "endpoint are in flight. rtjs threadpool runs with `--threads {tpi}`.",
    "startup": "Wall time of the whole process measured by the driver, `-e 0` and `-e` with one "
               "fetch of 13 B (a new process each run, after one unrecorded round); curl does a single GET.",
}
TARGET_PEAK_MB, TARGET_GROWTH = 40.0, 1.10
TARGET_CPU_US = 50                          # issue 13: client CPU per keep-alive request
TARGET_INFLIGHT_MB = 100.0                  # issue 13: 10,000 in flight over HTTP, libuv
TARGET_FILE_OVER_MB = 32.0                  # upload-file: peak RSS at most the File's size + this
SIZE_BYTES = {"10m": 10 << 20, "100m": 100 << 20}


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
    if client == "polyfill":
        return "polyfill (%s on rtjs-libuv)" % meta["versions"].get("polyfill", "?").split(" (")[0]
    if client != "rtjs-threadpool":
        return client
    c = meta["config"]
    if wl in ("inflight", "lag"):
        return "rtjs-threadpool (%d threads)" % c["tp_threads_inflight"]
    if wl == "startup":
        return "rtjs-threadpool (default: up to 256 threads, made on demand)"
    return "rtjs-threadpool (%d threads)" % c["tp_threads"]


def params_of(groups, wl, proto):
    ps = []
    for (w, p, param, _c) in groups:
        if w == wl and p == proto and param not in ps:
            ps.append(param)
    return sorted(ps, key=lambda x: (0, float(x)) if x.replace(".", "").isdigit() else (1, x))


def cell_text(g, key, f):
    """median (min–max) of a group's values, "failed" or "–"."""
    vals = (g or {}).get("vals", {}).get(key) or []
    if not vals:
        return "failed" if g and g["ok"] == 0 else "–"
    m = statistics.median(vals)
    return fmt_num(f, m) + ("" if len(vals) == 1 else " (%s–%s)" % (fmt_num(f, min(vals)), fmt_num(f, max(vals))))


def ok_text(g):
    okc = "%d/%d" % (g["ok"], g["runs"])
    if g["ok"] < g["runs"] and g["notes"]:
        okc += " (" + g["notes"][0].replace("|", "/").replace("\n", " ")[:120] + ")"
    return okc


def table(groups, skipped, meta, wl, proto):
    title, plabel, metrics = TABLES[wl]
    params = params_of(groups, wl, proto)
    if not params:
        return []
    head = ["client", plabel]
    for key, lab, _f, better, ratio in metrics:
        head.append(lab + " median (min–max)")
        if ratio:
            head.append("× best (best client)")
    head.append("ok runs")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for param in params:
        for client in CLIENT_ORDER:
            g = groups.get((wl, proto, param, client))
            if not g:
                continue
            cells = [label(client, wl, meta), param]
            for key, lab, f, better, ratio in metrics:
                cells.append(cell_text(g, key, f))
                if ratio:
                    meds = [(med(groups, wl, proto, param, c, key), c) for c in CLIENT_ORDER]
                    meds = [x for x in meds if x[0] is not None]
                    mine = med(groups, wl, proto, param, client, key)
                    if mine is None or not meds:
                        cells.append("–")
                    else:
                        best = max(meds) if better == "hi" else min(meds)
                        if not best[0]:
                            cells.append("–")
                        elif best[1] == client:
                            cells.append("1.00")
                        else:
                            cells.append("%.2f (%s)" % (mine / best[0], best[1]))
            cells.append(ok_text(g))
            out.append("| " + " | ".join(cells) + " |")
    for (w, c), why in sorted(skipped.items()):
        if w == wl or (wl in ("download", "upload") and w == "transfer"):
            out.append("| %s | all | %s |%s" % (c, why, " |" * (len(head) - 3)))
    return out


def rss_growth_table(groups, skipped, meta):
    c = meta["config"]
    n = str(c["rss_n"])
    show = c["rss_show"]
    head = ["client"] + ["RSS MB at %s" % kfmt(k) for k in show] + \
        ["peak RSS MB (VmHWM)", "RSS(%s) / RSS(%s)" % (kfmt(c["rss_n"]), kfmt(c["rss_ref"])), "req/s", "ok runs"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for client in CLIENT_ORDER:
        g = groups.get(("rss-growth", "http", n, client))
        if not g:
            continue
        cells = [label(client, "rss-growth", meta)] + [cell_text(g, "rss_at_%d" % k, "%.1f") for k in show]
        cells += [cell_text(g, "rss_mb", "%.1f"), cell_text(g, "ratio", "%.3f"), cell_text(g, "rps", "%.0f"), ok_text(g)]
        out.append("| " + " | ".join(cells) + " |")
    for (w, cl), why in sorted(skipped.items()):
        if w == "rss-growth":
            out.append("| %s | %s |%s" % (cl, why, " |" * (len(head) - 2)))
    return out


def kfmt(n):
    n = int(n)
    return "%dk" % (n // 1000) if n >= 1000 and n % 1000 == 0 else str(n)


def promise_table(groups, meta):
    probes = params_of(groups, "promise", "-")
    if not probes:
        return []
    order = ["then-chain", "new-promise", "all-1000", "fetch-user", "object", "call", "closure"]
    probes.sort(key=lambda p: order.index(p) if p in order else 99)
    whats = meta.get("extra", {}).get("probe_what", {})
    head = ["probe", "rtjs µs/op", "node µs/op", "polyfill µs/op", "rtjs / node", "rtjs / polyfill", "ok runs"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in probes:
        gs = {c: groups.get(("promise", "-", p, c)) for c in ("rtjs-libuv", "node", "polyfill")}
        mine = med(groups, "promise", "-", p, "rtjs-libuv", "us_per_op")
        nd = med(groups, "promise", "-", p, "node", "us_per_op")
        pf = med(groups, "promise", "-", p, "polyfill", "us_per_op")
        f = "%.3g"
        cells = ["`%s` %s" % (p, whats.get(p, "")),
                 cell_text(gs["rtjs-libuv"], "us_per_op", f), cell_text(gs["node"], "us_per_op", f),
                 cell_text(gs["polyfill"], "us_per_op", f) if gs["polyfill"] else "– (no Promise in this row)",
                 "%.3g×" % (mine / nd) if mine and nd else "–",
                 "%.3g×" % (mine / pf) if mine and pf else "–",
                 ", ".join("%s %s" % (c.split("-")[0], ok_text(g)) for c, g in gs.items() if g)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def instructions_section(groups, meta):
    top = meta.get("extra", {}).get("instructions_top", {})
    if not any(k[0] == "instructions" for k in groups):
        return []
    c = meta["config"]
    n1, n2 = c["cg_n"]
    out = ["Instructions executed by the client (valgrind `--tool=callgrind`, Ir), which unlike time do "
           "not depend on the load of the machine (the kernel's share of a request is not in them). "
           "Each figure is the difference between two runs that differ only in the number of "
           "iterations, divided by that difference: start-up, warm-up and teardown cancel out. "
           "Requests: rtjs (libuv) runs bench/reqrate.js against nginx with 16 connections, %d untimed "
           "requests, then %d (first run) or %d (second run). Probes: the harness's count mode "
           "(`SCRIPT count N WARM`), N and 2N iterations after the same warm-up. Top functions: "
           "callgrind_annotate's self cost per function, the same difference per request or op; the "
           "polyfill's are in the raw JSON. One run each: the counts are deterministic to a fraction of "
           "a percent." % (c["cg_warm"], n1, n2), "",
           "| what | instructions per request | Ir of the two runs | ok |", "|---|---|---|---|"]
    for proto in ("http", "https"):
        for (w, p, param, client), g in sorted(groups.items()):
            if w == "instructions" and p == proto:
                irs = "–"
                if g["vals"].get("ir_n1"):
                    irs = "%s / %s" % (fmt_big(g["vals"]["ir_n1"][0]), fmt_big(g["vals"]["ir_n2"][0]))
                out.append("| %s %s (%s) | %s | %s | %s |" % (proto.upper(), param, client,
                                                             cell_text(g, "ir_per_op", "%.0f"), irs, ok_text(g)))
    probes = params_of(groups, "instructions", "-")
    order = ["then-chain", "new-promise", "all-1000", "fetch-user", "object", "call", "closure"]
    probes.sort(key=lambda p: order.index(p) if p in order else 99)
    if probes:
        out += ["", "| probe | rtjs Ir/op | polyfill Ir/op | rtjs / polyfill | ok runs |", "|---|---|---|---|---|"]
        for p in probes:
            a = med(groups, "instructions", "-", p, "rtjs-libuv", "ir_per_op")
            b = med(groups, "instructions", "-", p, "polyfill", "ir_per_op")
            ga, gb = groups.get(("instructions", "-", p, "rtjs-libuv")), groups.get(("instructions", "-", p, "polyfill"))
            out.append("| `%s`%s | %s | %s | %s | %s |" % (
                p, " (per element)" if p == "all-1000" else "", cell_text(ga, "ir_per_op", "%.0f"),
                cell_text(gb, "ir_per_op", "%.0f") if gb else "– (no Promise in this row)",
                "%.2f×" % (a / b) if a and b else "–",
                ", ".join("%s %s" % (n, ok_text(g)) for n, g in (("rtjs", ga), ("polyfill", gb)) if g)))
    comps = meta.get("extra", {}).get("instructions_components", {})
    if comps:
        names = ["Duktape", "runtime C", "libc", "other"]
        out += ["", "**By component** (self cost: Duktape = the engine, duk_*.c; runtime C = lib/ and "
                "backends/; libc = malloc, string functions, setjmp; other = libuv, BearSSL, zlib), Ir per "
                "request or op (share):", "",
                "| what | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for key in sorted(comps, key=lambda k: (0 if k.startswith("keepalive/") else 1,
                                                order.index(k.split("/")[0]) if k.split("/")[0] in order else 0, k)):
            kind, who = key.split("/", 1)
            what = ("keep-alive request, %s" % who.upper()) if kind == "keepalive" else "`%s` (%s)" % (
                kind, "rtjs" if who == "rtjs-libuv" else who)
            vals = dict((n, (v, sh)) for n, v, sh in comps[key])
            out.append("| %s | %s |" % (what, " | ".join("%.0f (%.0f %%)" % vals[n] if n in vals else "–" for n in names)))
    for key in sorted(top, key=lambda k: (0 if k.startswith("keepalive/") else 1,
                                          order.index(k.split("/")[0]) if k.split("/")[0] in order else 0, k)):
        kind, who = key.split("/", 1)
        if kind == "keepalive":
            title = "Top functions per keep-alive request over %s (rtjs-libuv)" % who.upper()
            limit = 15
        elif who == "rtjs-libuv":
            title = "Top functions per op, probe `%s` (rtjs-libuv)" % kind
            limit = 6
        else:
            continue
        out += ["", "**%s**" % title, "", "| function (file) | Ir per %s | share |" % (
            "request" if kind == "keepalive" else "op"), "|---|---|---|"]
        for fn, per, share in top[key][:limit]:
            out.append("| `%s` | %.0f | %.1f %% |" % (fn.replace("|", "/"), per, share))
    return out


def fmt_big(v):
    return "{:,}".format(int(v))


def targets(groups, meta):
    """Known gaps: (target, measured with its baselines, met?, gap) rows."""
    rows = []

    def m(*a):
        return med(groups, *a)

    lu, nd = m("keepalive", "http", "64", "rtjs-libuv", "rps"), m("keepalive", "http", "64", "node", "rps")
    if lu and nd:
        rows.append(("libuv keep-alive GET at 64 connections ≥ 5× node (HTTP, warm)",
                     "%.0f vs node %.0f req/s = %.2f×" % (lu, nd, lu / nd), lu / nd >= 5,
                     "" if lu / nd >= 5 else "%.1f× short" % (5 / (lu / nd))))
    cpu = m("keepalive", "http", "64", "rtjs-libuv", "cpu_us")
    if cpu is not None:
        base = ", ".join("%s %.0f" % (c, v) for c, v in
                         ((c, m("keepalive", "http", "64", c, "cpu_us")) for c in ("node", "curl", "wrk")) if v is not None)
        rows.append(("libuv client CPU ≤ %d µs/request (keep-alive, 64, HTTP, timed phase)" % TARGET_CPU_US,
                     "%.0f µs (%s)" % (cpu, base), cpu <= TARGET_CPU_US,
                     "" if cpu <= TARGET_CPU_US else "%.1f× over" % (cpu / TARGET_CPU_US)))
    cu = m("keepalive", "http", "64", "curl", "rps")
    if lu and cu:
        rows.append(("stretch: libuv keep-alive at 64 ≥ curl's req/s (HTTP)",
                     "%.0f vs curl %.0f req/s = %.2f×" % (lu, cu, lu / cu), lu >= cu,
                     "" if lu >= cu else "%.0f%% short" % (100 * (1 - lu / cu))))
    l1, c1 = m("keepalive", "http", "1", "rtjs-libuv", "rps"), m("keepalive", "http", "1", "curl", "rps")
    if l1 and c1:
        rows.append(("libuv keep-alive at 1 connection ≥ 0.8× curl's req/s (HTTP)",
                     "%.0f vs curl %.0f req/s = %.2f×" % (l1, c1, l1 / c1), l1 / c1 >= 0.8,
                     "" if l1 / c1 >= 0.8 else "%.0f points short" % (100 * (0.8 - l1 / c1))))
    c = meta["config"]
    n, ref = str(c["rss_n"]), c["rss_ref"]
    for client in ("rtjs-libuv", "rtjs-threadpool"):
        pk = m("rss-growth", "http", n, client, "rss_mb")
        nd_pk = m("rss-growth", "http", n, "node", "rss_mb")
        if pk is not None:
            rows.append(("%s: peak RSS ≤ %.0f MB over %s keep-alive GETs (no explicit GC)"
                         % (client, TARGET_PEAK_MB, "{:,}".format(int(n))),
                         "%.1f MB (node %s)" % (pk, "%.1f MB" % nd_pk if nd_pk else "n/a"), pk <= TARGET_PEAK_MB,
                         "" if pk <= TARGET_PEAK_MB else "%.1f MB over" % (pk - TARGET_PEAK_MB)))
        a, b = m("rss-growth", "http", n, client, "rss_at_%d" % ref), m("rss-growth", "http", n, client, "rss_at_" + n)
        if a and b:
            rows.append(("%s: RSS(%s) / RSS(%s) ≤ %.2f" % (client, kfmt(n), kfmt(ref), TARGET_GROWTH),
                         "%.1f / %.1f MB = %.3f" % (b, a, b / a), b / a <= TARGET_GROWTH,
                         "" if b / a <= TARGET_GROWTH else "+%.1f MB" % (b - a * TARGET_GROWTH)))
    for proto in ("http", "https"):
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
        if a and proto == "http":
            rows.append(("10,000 in flight peak RSS ≤ %.0f MB (libuv, HTTP)" % TARGET_INFLIGHT_MB,
                         "%.0f MB (node %s)%s" % (a, "%.0f MB" % b if b else "n/a", failed_run),
                         a <= TARGET_INFLIGHT_MB,
                         "" if a <= TARGET_INFLIGHT_MB else "%.0f MB over" % (a - TARGET_INFLIGHT_MB)))
        wa, wb = m("inflight", proto, "10000", "rtjs-libuv", "wall_s"), m("inflight", proto, "10000", "node", "wall_s")
        if wa and wb and proto == "https":
            rows.append(("10,000 HTTPS in flight no slower than node (libuv, wall)",
                         "%.1f s vs node %.1f s" % (wa, wb), wa <= wb, "" if wa <= wb else "%.1f s slower" % (wa - wb)))
    for wl, bounds in (("download", (("http", 0.7), ("https", 0.9))), ("upload", (("http", 0.7),))):
        for proto, bound in bounds:
            ps = params_of(groups, wl, proto)
            if not ps:
                continue
            a, b = m(wl, proto, ps[0], "rtjs-libuv", "mbps"), m(wl, proto, ps[0], "curl", "mbps")
            if a and b:
                rows.append(("%s ≥ %d%% of curl's MB/s (libuv, %s)" % (wl, bound * 100, proto.upper()),
                             "%.0f vs curl %.0f MB/s = %.0f%%" % (a, b, 100 * a / b), a / b >= bound,
                             "" if a / b >= bound else "%.0f points short" % (100 * (bound - a / b))))
    for proto in ("http", "https"):
        for param in params_of(groups, "upload-file", proto):
            for client in ("rtjs-libuv", "rtjs-threadpool"):
                pk, fmb = m("upload-file", proto, param, client, "rss_mb"), m("upload-file", proto, param, client, "file_mb")
                if pk is None or not fmb:
                    continue
                nd = m("upload-file", proto, param, "node", "rss_mb")
                bound = fmb + TARGET_FILE_OVER_MB
                rows.append(("%s: multipart upload of a %.0f MiB File, peak RSS ≤ File + %.0f MB (%s)"
                             % (client, fmb, TARGET_FILE_OVER_MB, proto.upper()),
                             "%.1f MB (node %s)" % (pk, "%.1f MB" % nd if nd else "n/a"), pk <= bound,
                             "" if pk <= bound else "%.1f MB over" % (pk - bound)))
    w, r = m("startup", "-", "start", "rtjs-libuv", "wall_ms"), m("startup", "-", "start", "rtjs-libuv", "rss_mb")
    if w is not None:
        nw = m("startup", "-", "start", "node", "wall_ms")
        rows.append(("start-up `rtjs -e 0` ≤ 5 ms", "%.1f ms (node %s)" % (w, "%.1f ms" % nw if nw else "n/a"), w <= 5,
                     "" if w <= 5 else "%.1f ms over" % (w - 5)))
    if r is not None:
        rows.append(("start-up peak RSS ≤ 5 MB", "%.1f MB" % r, r <= 5, "" if r <= 5 else "%.1f MB over" % (r - 5)))
    for proto in ("http", "https"):
        p = m("lag", proto, str(c["lag_n"]), "rtjs-libuv", "p99")
        if p is not None:
            np_ = m("lag", proto, str(c["lag_n"]), "node", "p99")
            rows.append(("event-loop lag p99 ≤ 2 ms with %d fetches starting at once (libuv, %s)"
                         % (c["lag_n"], proto.upper()),
                         "%.0f ms (node %s)" % (p, "%.0f ms" % np_ if np_ is not None else "n/a"), p <= 2,
                         "" if p <= 2 else "%.0f× the bound" % (p / 2.0)))
        mx = m("lag", proto, str(c["lag_n"]), "rtjs-libuv", "max")
        if mx is not None and proto == "https":
            nm = m("lag", proto, str(c["lag_n"]), "node", "max")
            rows.append(("event-loop lag max ≤ 50 ms with %d HTTPS fetches starting at once (libuv)" % c["lag_n"],
                         "%.0f ms (node %s)" % (mx, "%.0f ms" % nm if nm is not None else "n/a"), mx <= 50,
                         "" if mx <= 50 else "%.0f ms over" % (mx - 50)))
    tp = c["tp_threads"]
    for conc in c["conc"]:
        if conc > tp:
            continue
        a, b = m("keepalive", "http", str(conc), "rtjs-threadpool", "rps"), m("keepalive", "http", str(conc), "rtjs-libuv", "rps")
        if a and b:
            # where the client CPU is the limit (the most connections), the ceiling of a worker
            # woken once per request: libuv's CPU per request plus one wake-up (bench/wake.c)
            wake, cpu = m("wake", "-", "1", "bench/wake.c", "us"), m("keepalive", "http", str(conc), "rtjs-libuv", "cpu_us")
            top = conc == max(x for x in c["conc"] if x <= tp)
            ceiling = ("; CPU-bound, one wake-up per request (%.1f µs) on libuv's %.1f µs allows ≤ %.2f×"
                       % (wake, cpu, cpu / (cpu + wake))) if wake and cpu and top else ""
            rows.append(("threadpool within 15%% of libuv up to pool size (keep-alive, %d conns ≤ %d threads, HTTP)" % (conc, tp),
                         "%.0f vs libuv %.0f req/s = %.2f×%s" % (a, b, a / b, ceiling), a / b >= 0.85,
                         "" if a / b >= 0.85 else "%.0f%% slower" % (100 * (1 - a / b))))
    # issue 19: the Promise probes, µs per operation, and against the JavaScript polyfill
    for probe, bound in (("then-chain", 1.5), ("new-promise", 2.0), ("all-1000", 2.0), ("fetch-user", 12.0)):
        us = m("promise", "-", probe, "rtjs-libuv", "us_per_op")
        if us is None:
            continue
        nd, pf = m("promise", "-", probe, "node", "us_per_op"), m("promise", "-", probe, "polyfill", "us_per_op")
        rows.append(("Promise %s ≤ %.1f µs per op" % (probe, bound),
                     "%.2f µs (node %s, polyfill %s)" % (us, "%.3f" % nd if nd else "n/a", "%.2f" % pf if pf else "n/a"),
                     us <= bound, "" if us <= bound else "%.2f µs over" % (us - bound)))
        if pf:
            rows.append(("Promise %s ≥ 5× the polyfill on the same engine" % probe, "%.1f×" % (pf / us), pf / us >= 5,
                         "" if pf / us >= 5 else "%.1f× short" % (5 / (pf / us))))
    return rows


def plots(groups, meta, outdir, stem):
    """The SVG plots, as {name: path}."""
    files = {}
    for proto in ("http", "https"):
        series = []
        for c in CLIENT_ORDER:
            pts = [(float(p), med(groups, "keepalive", proto, p, c, "rps")) for p in params_of(groups, "keepalive", proto)]
            if any(y is not None for _, y in pts):
                series.append((label(c, "keepalive", meta), pts))
        f = os.path.join(outdir, "%s-keepalive-%s.svg" % (stem, proto))
        svg.line_chart(f, "Keep-alive GET 13 B over %s (warm): req/s vs concurrency" % proto.upper(),
                       "connections (log scale)", "requests/s (median)", series, logx=True)
        files["keepalive-" + proto] = f
    series = []
    for proto in ("http", "https"):
        for c in CLIENT_ORDER:
            pts = [(float(p), med(groups, "inflight", proto, p, c, "rss_mb")) for p in params_of(groups, "inflight", proto)]
            if any(y is not None for _, y in pts):
                series.append(("%s %s" % (c, proto.upper()), pts))
    f = os.path.join(outdir, "%s-inflight-rss.svg" % stem)
    svg.line_chart(f, "Peak RSS vs requests in flight (1 s endpoint)", "requests in flight", "peak RSS MB (median)", series)
    files["inflight"] = f
    groups_l, bars = [], []
    n = str(meta["config"]["lag_n"])
    clients = [c for c in CLIENT_ORDER if groups.get(("lag", "http", n, c)) or groups.get(("lag", "https", n, c))]
    for proto in ("http", "https"):
        for key in ("p50", "p99"):
            bars.append(("%s %s" % (key, proto.upper()), [med(groups, "lag", proto, n, c, key) for c in clients]))
    f = os.path.join(outdir, "%s-lag.svg" % stem)
    svg.bar_chart(f, "Event-loop lag with %s fetches in flight (1 ms interval)" % n, "lateness ms (median of runs)",
                  clients, bars)
    files["lag"] = f
    rn = str(meta["config"]["rss_n"])
    series = []
    for c in CLIENT_ORDER:
        g = groups.get(("rss-growth", "http", rn, c))
        if not g:
            continue
        ks = sorted(int(k[len("rss_at_"):]) for k in g["vals"] if k.startswith("rss_at_"))
        pts = [(k / 1000.0, statistics.median(g["vals"]["rss_at_%d" % k])) for k in ks]
        if pts:
            series.append((label(c, "rss-growth", meta), pts))
    f = os.path.join(outdir, "%s-rss-growth.svg" % stem)
    svg.line_chart(f, "RSS during %s keep-alive GETs (one process, no explicit GC)" % "{:,}".format(int(rn)),
                   "requests done (thousands)", "VmRSS MB (median)", series)
    files["rss-growth"] = f
    return files


def protocol(meta):
    c = meta["config"]
    return ["## Protocol", "",
            "- **Warm, steady state.** Every JavaScript client (rtjs on both backends, node) runs an "
            "untimed warm-up in the process it is measured in (%s requests or %s s, whichever comes "
            "first), then a timed phase (%s requests or %s s, whichever comes first). req/s and CPU "
            "per request are the timed phase's. CPU is read from outside, the same way for every JS "
            "client: the script prints a marker to stderr as the phase starts and ends and idles "
            "50 ms, and bench/measure.c reads utime+stime of the whole process from /proc/PID/stat "
            "at each. curl and wrk (native, nothing to warm) are measured over their whole run. The "
            "old 1 s-from-start figures stay only in rows labelled **cold**; start-up is cold by "
            "definition." % ("{:,}".format(c["warm_n"]), s1(c["warm_ms"]), "{:,}".format(c["timed_n"]),
                             s1(c["timed_ms"])),
            "- **Medians with min–max** over %d runs per cell (fewer where said), clients "
            "interleaved run by run (run k starts with the k-th client)." % c["runs"],
            "- **Memory over a long run, no explicit GC.** rss-growth: %s keep-alive GETs at %d "
            "connections in one process per client, no `rt.gc()`; VmRSS from /proc/PID/status at "
            "the client's checkpoint markers, and the peak (VmHWM)." % ("{:,}".format(c["rss_n"]), c["rss_conc"]),
            "- **Promise probes** (bench/promise/): the same ES5 files under rtjs, node, and a "
            "Promise written in JavaScript (%s) on our own Duktape; each warms up, then times "
            ">= %s s of batches." % (meta["versions"].get("polyfill", "?").split(" (")[0], s1(c["probe_s"] * 1000)),
            "- **Instruction counts** (callgrind) explain where the time goes: per request and per "
            "Promise op, start-up cancelled by the difference of two runs (section \"Per-request "
            "budget\").",
            "- **The floor under a thread pool.** bench/wake.c times one thread wake-up on the "
            "client CPU (two threads taking turns through eventfds, each waiting in poll(2), as a "
            "worker waits for its answer); the thread-pool row of Known gaps sets it beside the "
            "libuv build's CPU per request.",
            "- Ratios are computed within this run only; each ratio is printed next to the two "
            "figures it comes from."]


def s1(ms):
    return ("%g" % (ms / 1000.0))


def body(groups, skipped, meta, img_prefix, imgs):
    c = meta["config"]
    fmtargs = dict(tp=c["tp_threads"], warm_n="{:,}".format(c["warm_n"]), warm_s=s1(c["warm_ms"]),
                   timed_n="{:,}".format(c["timed_n"]), timed_s=s1(c["timed_ms"]),
                   timed_s_int=max(1, int(round(c["timed_ms"] / 1000.0))), cold_ms=c["cold_ms"],
                   tpi=c["tp_threads_inflight"], r10k=", ".join(["%s in flight over %s: %d" % (k.split("/")[0], k.split("/")[1].upper(), v)
                               for k, v in sorted(meta["inflight_runs"].items()) if int(k.split("/")[0]) in c["inflight"]]
                              + ["other cells: %d" % c["runs"]]),
                   runs=c["runs"], lag=c["lag_n"], file_mib=c.get("file_mib", "?"),
                   file_count=c.get("file_count", "?"),
                   br_name="{:,}".format(SIZE_BYTES.get(c.get("br_download"), 0)) + " (%s)" % c.get("br_download"),
                   br_encoded=("{:,} bytes".format(meta.get("extra", {})["br_encoded_bytes"])
                               if meta.get("extra", {}).get("br_encoded_bytes") else "about half that"))
    out = []

    def img(alt, key):
        return "![%s](%s%s)" % (alt, img_prefix, imgs[key])
    for wl in ORDER:
        if wl == "rss-growth":
            t = rss_growth_table(groups, skipped, meta)
            if len(t) > 2:
                out += ["", "## Memory over a long run: RSS growth", "",
                        "bench/rss-growth.js: %s keep-alive GETs of 13 B at %d connections in ONE process per "
                        "client, every body read, no explicit garbage collection (no `rt.gc()`). The client "
                        "prints a marker after %s requests and every %s; bench/measure.c reads VmRSS from "
                        "/proc/PID/status at each (the table shows some; all are in the raw data and the "
                        "plot). Peak: VmHWM at exit. Targets (rtjs): peak ≤ %.0f MB, RSS(%s)/RSS(%s) ≤ %.2f. "
                        "Runs: %d per client. rtjs threadpool runs with `--threads %d`."
                        % ("{:,}".format(c["rss_n"]), c["rss_conc"], "{:,}".format(c["rss_first"]),
                           "{:,}".format(c["rss_every"]), TARGET_PEAK_MB, kfmt(c["rss_n"]), kfmt(c["rss_ref"]),
                           TARGET_GROWTH, c["rss_runs"], c["tp_threads"]), ""] + t + ["", img("RSS growth", "rss-growth"), ""]
            continue
        if wl == "promise":
            t = promise_table(groups, meta)
            if t:
                out += ["", "## Promise probes", "",
                        "bench/promise/harness.js followed by one probe file, the same text under each "
                        "client: **rtjs** (the libuv build: native Promise), **node**, and **polyfill**: %s "
                        "(bench only, never linked into the library), prepended to the script with "
                        "a line that makes it the global Promise and flushes its queue from one "
                        "`queueMicrotask` job - a Promise in JavaScript on our own Duktape. Each run warms up "
                        "(calibrating a batch that takes ≥ 50 ms) and times batches until they add up to "
                        "≥ %s s; µs per op = wall time in batches / ops. The last three rows are for scale "
                        "(no Promise). node optimises (inlines, may elide allocations) what Duktape "
                        "interprets: that is what a user of each gets. Ratios: rtjs's median over the "
                        "other's; above 1 rtjs is slower."
                        % (meta["versions"].get("polyfill", "?").split(" (")[0] + " from npm",
                           s1(c["probe_s"] * 1000)), ""] + t + [""]
            continue
        if wl == "instructions":
            t = instructions_section(groups, meta)
            if t:
                out += ["", "## Per-request budget (instruction counts)", ""] + t + [""]
            continue
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
            out += [img("req/s vs concurrency, HTTP", "keepalive-http") + " " +
                    img("req/s vs concurrency, HTTPS", "keepalive-https"), ""]
        if wl == "inflight":
            out += [img("peak RSS vs requests in flight", "inflight"), ""]
        if wl == "lag":
            out += [img("event-loop lag", "lag"), ""]
    return out


def header(meta):
    v = meta["versions"]
    return ["- Date: %s%s" % (meta["date"], " (bench-quick: reduced set, not for comparison)" if meta["quick"] else ""),
            "- Machine: %s cores, %s, %s RAM, Linux %s" % (meta["nproc"], meta["cpu"], meta["memory"], meta["kernel"]),
            "- Versions: %s; %s; node %s; %s; %s; nginx %s; polyfill %s; %s" % (
                v["rtjs-libuv"], v["rtjs-threadpool"], v["node"], v["curl"], v["wrk"], v["nginx"],
                v.get("polyfill", "?"), v.get("valgrind", "?")),
            "- Server: nginx, one worker, keep-alive (keepalive_requests 100000000), HTTP and HTTPS "
            "(TLS 1.2/1.3, EC P-256 certificate from tests/certs/make-certs.sh) on 127.0.0.1, "
            "generated from bench/nginx.conf.in; static files in a temp dir; upload sink and 1 s delay "
            "from the echo module; `*.br` files sent with `Content-Encoding: br`.",
            "- Load average (1/5/15 min) at start %s, at end %s: other jobs share this machine"
            % (" ".join(meta["load"].get("start", "?")), " ".join(meta["load"].get("end", "?"))),
            "- Pinning: %s" % ("server on CPU 0, each client on CPU 1 (taskset)" if meta["taskset"]
                               else "none (taskset missing or one CPU)"),
            "- Measured from outside for every client alike (bench/measure.c: fork, exec, wait4; "
            "/proc/PID/stat and /proc/PID/status at the client's markers; /proc for threads): peak "
            "RSS (ru_maxrss), client CPU (utime + stime), OS threads. \"× best\" is the client's "
            "median over the best median of the same cell, the best client named beside it (1.00 = "
            "best; above 1 for costs, below 1 for rates)."]


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
    paths += list(svgs.values())
    names = {k: os.path.basename(v) for k, v in svgs.items()}
    gaps = targets(groups, meta)
    gap_table = ["| target | measured (baselines beside) | met | gap |", "|---|---|---|---|"]
    for t, mval, ok, gap in gaps:
        gap_table.append("| %s | %s | %s | %s |" % (t, mval, "yes" if ok else "**no**", gap or "–"))
    md = ["# Benchmark report %s" % stem, ""] + header(meta) + [""] + protocol(meta) + body(groups, skipped, meta, "", names)
    md += ["", "## Targets", "", "Targets are ratios, not tests; \"no\" rows are the Known gaps "
           "(docs/benchmarks.md).", ""] + gap_table + [""]
    p = os.path.join(outdir, stem + ".md")
    open(p, "w").write("\n".join(md))
    paths.insert(0, p)
    if docs:
        img = os.path.join(root, "docs", "img")
        os.makedirs(img, exist_ok=True)
        dnames = {}
        for k, s in svgs.items():
            n = "bench-" + os.path.basename(s)[len(stem) + 1:]
            shutil.copy(s, os.path.join(img, n))
            dnames[k] = n
        notes = os.path.join(root, "bench", "known-gaps.md")
        d = ["# Benchmarks", "",
             "Generated by `make bench` (bench/bench.py) from the run in bench/results/%s.md "
             "(raw figures: %s.csv, %s.json next to it). `make bench-quick` runs a reduced set in "
             "a few minutes (CI smoke test; it asserts no figure)." % (stem, stem, stem), "",
             "How to run: `make deps-bench` installs nginx, its echo module, wrk, curl and valgrind "
             "(Debian packages); node and npm come with the machine's node; `make bench` builds both "
             "backends and runs everything (about an hour on 2 cores); `bench/bench.py --only "
             "keepalive,promise --runs 3` runs a subset (workloads: keepalive, cold, close, transfer, "
             "upload-file, download-br, inflight, lag, startup, rss-growth, promise, instructions); `--http-port`/`--https-port` "
             "(or BENCH_HTTP_PORT/BENCH_HTTPS_PORT) fix the ports, ephemeral otherwise. Progress "
             "goes to stderr; Ctrl-C stops nginx.", ""] + header(meta) + [""] + protocol(meta)
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
