#!/bin/sh
# run-demo.sh BUILD_DIR - start the local test server, run examples/demo.js against it.
set -e
B="$1"
. tests/server/start.sh
start_server "$(mktemp -d)"
port=$(port_of http)
"$B/rtjs" examples/demo.js "http://127.0.0.1:$port"
