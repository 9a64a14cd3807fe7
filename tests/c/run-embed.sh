#!/bin/sh
# run-embed.sh BUILD_DIR - the C embedding checks: the README example, the embedding
# test that drives the loop with rt_run_once(), and (libuv builds) the host-loop test.
set -e
B="$1"
out=$("$B/embed-example")
echo "$out" | grep -q "promise resolved with 42" && echo "$out" | grep -q "timer fired" || {
    echo "FAIL embed-example: $out"; exit 1; }
echo "ok     embed-example"
"$B/embed-test"
if [ -x "$B/hostloop-test" ]; then
    "$B/hostloop-test"
fi
