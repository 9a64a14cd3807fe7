#!/bin/sh
# run.sh BUILD_DIR - descriptor exhaustion (make check-fdlimit, part of make check): runs
# tests/fdlimit/fd_limit.js through BUILD_DIR/rtjs under `ulimit -n 256` against the local
# test server (which raises its own limit) and compares its output with fd_limit.expected.
# Ends with "N passed, N failed" like the other suites.
B="$1"
RTJS="${RTJS:-$B/rtjs}"
DIR=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
"$DIR/../certs/make-certs.sh" "$tmp/certs"
ROOT="$DIR/../.."
. "$DIR/../server/start.sh"
start_server "$tmp" --certs "$tmp/certs"
TEST_HTTP_PORT=$(port_of http)
TEST_HTTPS_PORT=$(port_of https)
RT_CA_FILE="$tmp/certs/ca.pem"
export TEST_HTTP_PORT TEST_HTTPS_PORT RT_CA_FILE
limit=$(( 60 * ${TIMEOUT_SCALE:-1} ))
(ulimit -n 256 && exec timeout "$limit" $RTJS_WRAPPER "$RTJS" "$DIR/fd_limit.js") >"$tmp/out" 2>"$tmp/err"
code=$?
if [ "$code" = 0 ] && cmp -s "$tmp/out" "$DIR/fd_limit.expected"; then
    echo "ok     fd_limit (rtjs, ulimit -n 256)"
    echo "1 passed, 0 failed"
    exit 0
fi
echo "FAIL   fd_limit (rtjs, ulimit -n 256): exit $code"
diff "$DIR/fd_limit.expected" "$tmp/out" | head -20 | sed 's/^/    /'
head -c 2000 "$tmp/err" | sed 's/^/    stderr: /'
echo "0 passed, 1 failed"
exit 1
