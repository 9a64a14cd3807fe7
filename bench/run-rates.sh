#!/bin/sh
# run-rates.sh - keep-alive vs a new connection per request (requests/s, client CPU per
# request) and a 1 GB streamed download (MB/s, peak RSS), for rtjs on both backends and
# node, against the project's test server on 127.0.0.1. Prints Markdown tables.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
. tests/server/start.sh
start_server "$tmp"
port=$(port_of http)
base="http://127.0.0.1:$port"
clients="libuv threadpool node"
cmd_of() {
    case $1 in
        node) command -v node >/dev/null && echo "node" || echo "" ;;
        threadpool) echo "build/threadpool/rtjs --threads 64" ;;
        *) echo "build/$1/rtjs" ;;
    esac
}
N=${REQS:-5000}
echo "| client | connections | concurrency | requests/s | client CPU µs/request |"
echo "|---|---|---|---|---|"
for mode in keepalive close; do
    for c in $clients; do
        cmd=$(cmd_of $c)
        [ -n "$cmd" ] || { echo "| $c | skipped: not installed | | | |"; continue; }
        arg=""; [ $mode = close ] && arg=close
        out=$($cmd bench/reqrate.js $N 64 "$base/hello" $arg | tail -1)
        echo "$out" | python3 -c "import json,sys; r=json.load(sys.stdin); print('| %s | %s | 64 | %d%s | %d |' % ('$c', 'keep-alive' if '$mode'=='keepalive' else 'new per request', r['rps'], '' if r['failed']==0 else ' (%d failed)' % r['failed'], r['cpu_us_per_req']))"
    done
done
echo
echo "| client | 1 GB streamed through response.body | MB/s | peak RSS (MB) |"
echo "|---|---|---|---|"
for c in $clients; do
    cmd=$(cmd_of $c)
    [ -n "$cmd" ] || continue
    out=$($cmd bench/stream.js 1000000000 "$base" | tail -1)
    echo "$out" | python3 -c "import json,sys; r=json.load(sys.stdin); print('| %s | %s | %.0f | %.1f |' % ('$c', 'complete' if r['ok'] else 'INCOMPLETE', r['mb_per_s'], r['max_rss']/1048576))"
done
