#!/bin/sh
# run-demo.sh BUILD_DIR - start the local test server, run examples/demo.js against it.
set -e
B="$1"
tmp=$(mktemp -d)
python3 tests/server/testserver.py --port-file "$tmp/ports" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
port=$(tr ' ' '\n' < "$tmp/ports" | sed -n 's/^http=//p')
"$B/rtjs" examples/demo.js "http://127.0.0.1:$port"
