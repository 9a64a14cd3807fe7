#!/bin/sh
# run-inflight.sh [N...] - N fetches in flight at once against the project's test server
# (/delay?ms=1000, which counts its peak of concurrent requests), for rtjs on both
# backends and for node when installed. Prints a Markdown table; rtjs's OS thread count
# is sampled from /proc while the requests are in flight.
set -e
cd "$(dirname "$0")/.."
counts=${*:-"1000 10000"}
tmp=$(mktemp -d)
. tests/server/start.sh
start_server "$tmp"
port=$(port_of http)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
url="http://127.0.0.1:$port/delay?ms=1000"
echo "| client | in flight | all succeeded | server peak concurrent | wall (s) | peak RSS (MB) | OS threads |"
echo "|---|---|---|---|---|---|---|"
for n in $counts; do
    for client in libuv threadpool node; do
        case $client in
            node) command -v node >/dev/null || { echo "| node | $n | skipped: node not installed | | | | |"; continue; }
                  cmd="node bench/inflight.js $n $url" ;;
            # A blocking worker holds one request for the whole second: with the default
            # 4 workers 10,000 requests would take 2,500 s, so give it 256 (and say so).
            threadpool) cmd="build/threadpool/rtjs --threads 256 bench/inflight.js $n $url" ;;
            *) cmd="build/$client/rtjs bench/inflight.js $n $url" ;;
        esac
        curl -s "http://127.0.0.1:$port/stats/reset" >/dev/null
        $cmd > "$tmp/out" 2>"$tmp/err" &
        pid=$!
        threads=0
        while kill -0 $pid 2>/dev/null; do
            t=$(awk '/^Threads:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
            [ "${t:-0}" -gt "$threads" ] && threads=$t
            sleep 0.2
        done
        wait $pid || true
        peak=$(curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peak_inflight"])')
        python3 - "$client" "$n" "$peak" "$threads" "$tmp/out" <<'PY'
import json, sys
client, n, peak, threads, path = sys.argv[1:]
try:
    r = json.loads(open(path).read().strip().splitlines()[-1])
    label = client if client == "node" else "rtjs (%s)" % (client + ", 256 threads" if client == "threadpool" else client)
    print("| %s | %s | %s | %s | %.2f | %.1f | %s |" % (label, n, "yes" if r["failed"] == 0 and r["ok"] == int(n) else "no (%d failed)" % r["failed"],
          peak, r["wall_ms"] / 1000.0, r["max_rss"] / 1048576.0, threads))
except Exception as e:
    print("| %s | %s | run failed: %s | | | | |" % (client, n, e))
PY
    done
done
