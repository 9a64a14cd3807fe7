#!/bin/sh
# run-soak.sh [N] - the soak: bench/soak.js N (default 200,000 fetches, ~64 in flight, mixed
# sizes, some failing on purpose) through one rtjs process per backend, against the
# project's test server. soak.js prints a CHECKPOINT line (its own RSS from
# /proc/self/statm, allocation counters) at 0 %, every 10 % and after the keep-alive pool
# went idle, pausing 300 ms each time; this driver counts /proc/<pid>/fd during each pause.
# Prints a Markdown table; exits 1 if RSS grew by 5 % or more between warm-up (the 50 %
# checkpoint: RSS climbs by a few MB while caches - parsed URLs, header names, TLS
# sessions - Duktape's tables and malloc's arenas settle, which took 40,000 to 100,000
# fetches in the runs so far; from there it is flat; the whole series is printed) and the end, if more fds are open at the end than after warm-up (both counted
# with the keep-alive pool idle: a descriptor the runtime opens once, on first use, is not
# a leak; one more per N fetches is), or if any fetch had an outcome other than the one its
# kind must have. SOAK_BACKENDS picks the backends (default: both).
# The thread-pool backend runs with --threads 64 (a worker blocks on one request; with
# the default 4, the fetches that wait on purpose would serialize the whole run).
set -e
cd "$(dirname "$0")/.."
n=${1:-200000}
tmp=$(mktemp -d)
[ -n "$SOAK_KEEP" ] && echo "work directory: $tmp" >&2
. tests/server/start.sh
start_server "$tmp"
port=$(port_of http)
# a port nothing listens on (bound, then closed): the "connection refused" fetches
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ulimit -n 4096 2>/dev/null || true
status=0
echo "| backend | fetches | ok | failed as expected | unexpected | RSS at warm-up (MB) | RSS at end (MB) | growth | live allocs warm-up / end | fds at start / after warm-up / at end | wall (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for b in ${SOAK_BACKENDS:-libuv threadpool}; do
    opts=""
    [ $b = threadpool ] && opts="--threads 64"
    # shellcheck disable=SC2086
    # stdbuf: console.log to a file is block-buffered, the driver reads the lines live
    SOAK_CLOSED_PORT=$closed stdbuf -oL "build/$b/rtjs" $opts bench/soak.js "$n" "http://127.0.0.1:$port" \
        >"$tmp/out.$b" 2>"$tmp/err.$b" &
    pid=$!
    seen=0
    : >"$tmp/fds.$b"
    while kill -0 $pid 2>/dev/null; do
        c=$(grep -c '^CHECKPOINT' "$tmp/out.$b" || true)
        if [ "$c" -gt "$seen" ]; then
            # soak.js is pausing (300 ms, nothing in flight): count its descriptors now
            fds=$(ls /proc/$pid/fd 2>/dev/null | wc -l)
            vm=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
            echo "$c $fds $vm" >>"$tmp/fds.$b"
            ls -l /proc/$pid/fd 2>/dev/null | sed 's/.* [0-9]* -> //;s/\[[0-9]*\]//' | sort >"$tmp/fdlist.$b.$c"
            seen=$c
        fi
        sleep 0.05
    done
    rc=0
    wait $pid || rc=$?
    python3 - "$b" "$n" "$rc" "$tmp/out.$b" "$tmp/fds.$b" "$tmp/err.$b" <<'PY' || status=1
import json, sys
b, n, rc, out, fds, err = sys.argv[1:]
cps = [json.loads(l.split(" ", 1)[1]) for l in open(out) if l.startswith("CHECKPOINT ")]
res = [json.loads(l.split(" ", 1)[1]) for l in open(out) if l.startswith("RESULT ")]
samples = {}
for l in open(fds):
    c, f, vm = l.split()
    samples[int(c)] = (int(f), int(vm))
ok = True
try:
    r = res[-1]
    half = int(n) // 2                     # the 50 % checkpoint (not the idle one)
    warm = [c for c in cps if c["done"] >= half and not c.get("idle")][0]
    end = [c for c in cps if c["done"] == int(n) and not c.get("idle")][0]
    growth = (end["rss"] - warm["rss"]) * 100.0 / warm["rss"]
    idle = [i + 1 for i, c in enumerate(cps) if c.get("idle")]   # 1-based, as the samples
    fd_start = samples[1][0]               # the first CHECKPOINT: no fetch started yet
    fd_before = samples[idle[0]][0]        # after warm-up, pool idle
    fd_after = samples[idle[-1]][0]        # at the end, pool idle
    ok = rc == "0" and r["unexpected"] == 0 and r["fetches"] == int(n) and growth < 5.0 \
        and fd_after <= fd_before and len(idle) == 2
    print("| %s | %d | %d | %d | %d | %.1f | %.1f | %+.2f %% | %d / %d | %d / %d / %d | %.0f |%s" % (
        b, r["fetches"], r["ok"], r["expectedFail"], r["unexpected"], warm["rss"] / 1048576.0,
        end["rss"] / 1048576.0, growth, warm["liveAllocs"], end["liveAllocs"], fd_start,
        fd_before, fd_after, r["wall_ms"] / 1000.0, "" if ok else " **FAIL**"))
    if fd_after > fd_before:
        import subprocess
        d = "%s/fdlist.%s." % (fds.rsplit("/", 1)[0], b)
        print("\nfds open at the end and not after warm-up (%s):\n```\n%s```\n" % (b, subprocess.run(
            ["diff", d + str(idle[0]), d + str(idle[-1])], capture_output=True, text=True).stdout))
    if r["unexpected"]:
        print("\nunexpected outcomes (%s): %s\n" % (b, "; ".join(r["examples"])))
    # the curve, for the record (stderr: not part of the table)
    for c in cps:
        sys.stderr.write("%s %7d fetches rss %.1f MB liveAllocs %d heapAllocs %d%s\n" % (
            b, c["done"], c["rss"] / 1048576.0, c["liveAllocs"], c["heapAllocs"],
            " (idle)" if c.get("idle") else ""))
except Exception as e:
    ok = False
    print("| %s | run failed (exit %s): %s | | | | | | | | | |" % (b, rc, e))
    sys.stderr.write(open(err).read()[-2000:])
sys.exit(0 if ok else 1)
PY
done
exit $status
