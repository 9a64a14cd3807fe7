#!/bin/sh
# run-js.sh BUILD_DIR [NAME...] - run tests/js/NAME.js through BUILD_DIR/rtjs and compare:
#   NAME.expected  exact stdout            NAME.exit    expected exit status (default 0)
#   NAME.stderr    lines stderr must contain (fixed strings)
# A test whose first line is "// node: yes" also runs under node (when installed) against
# the same expected file, so an expected file cannot lock in a wrong answer. A line
# "// timeout: N" sets its time limit (default 60 s); "// args: ..." passes rtjs options;
# "// env: NAME=VALUE ..." sets variables for rtjs (values expanded by the shell, so they may
# name the ports below: $TEST_PROXY_PORT; no spaces inside a value). The local test server runs for the
# whole suite (rt.env.TEST_HTTP_PORT, TEST_HTTP_PORT2; HTTPS listeners with certificates
# made at test time by tests/certs/make-certs.sh: TEST_HTTPS_PORT and friends), and so does
# the test proxy (tests/server/proxy.py: TEST_PROXY_PORT, TEST_PROXY_AUTH_PORT, which wants
# user / p@ss:word); anything the servers log fails the suite. Ends with "N passed, N failed".
# RTJS_WRAPPER runs rtjs under a tool (valgrind: make check-valgrind) and TIMEOUT_SCALE
# multiplies every time limit for it; rt.env.RT_SLOW_TOOL tells tests that a tool is on.
B="$1"
shift
RTJS="${RTJS:-$B/rtjs}"          # make check-poll runs the suite on another build of the CLI
DIR=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
"$DIR/certs/make-certs.sh" "$tmp/certs"
ROOT="$DIR/.."
. "$DIR/server/start.sh"
SERVER_LOG="$tmp/server.log"
start_server "$tmp" --certs "$tmp/certs"
TEST_HTTP_PORT=$(port_of http)
TEST_HTTP_PORT2=$(port_of http2)
TEST_HTTPS_PORT=$(port_of https)
TEST_HTTPS_EXPIRED_PORT=$(port_of https_expired)
TEST_HTTPS_WRONGHOST_PORT=$(port_of https_wronghost)
TEST_HTTPS_SELFSIGNED_PORT=$(port_of https_selfsigned)
TEST_HTTPS_HANGUP_PORT=$(port_of https_hangup)
python3 "$DIR/server/proxy.py" --port-file "$tmp/proxy-ports" 2>>"$SERVER_LOG" &
PROXY_PID=$!
trap 'kill $PROXY_PID $SERVER_PID 2>/dev/null; wait $PROXY_PID $SERVER_PID 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
i=0
while [ ! -s "$tmp/proxy-ports" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$tmp/proxy-ports" ] || { echo "the test proxy did not start" >&2; exit 1; }
TEST_PROXY_PORT=$(tr ' ' '\n' < "$tmp/proxy-ports" | sed -n 's/^proxy=//p')
TEST_PROXY_AUTH_PORT=$(tr ' ' '\n' < "$tmp/proxy-ports" | sed -n 's/^proxy_auth=//p')
# the test CA is trusted through RT_CA_FILE (a named source: it must exist and decode)
RT_CA_FILE="$tmp/certs/ca.pem"
# the most a TCP connection can hold in the kernel's buffers (receive + send, bytes): how far
# a server can get ahead of a reader that has stopped (fetch_backpressure)
TEST_SOCKET_BUFFERS=$(cat /proc/sys/net/ipv4/tcp_rmem /proc/sys/net/ipv4/tcp_wmem 2>/dev/null |
    awk 'NF == 3 { t += $3 } END { print t + 0 }')
export TEST_HTTP_PORT TEST_HTTP_PORT2 TEST_HTTPS_PORT TEST_HTTPS_EXPIRED_PORT \
    TEST_HTTPS_WRONGHOST_PORT TEST_HTTPS_SELFSIGNED_PORT TEST_HTTPS_HANGUP_PORT RT_CA_FILE \
    TEST_SOCKET_BUFFERS TEST_PROXY_PORT TEST_PROXY_AUTH_PORT
NODE=$(command -v node || true)

pass=0
fail=0
run_one() {    # run_one LABEL EXPECTED_BASE CMD...
    label=$1 base=$2
    shift 2
    limit=$(sed -n 's|^// timeout: \([0-9]*\).*|\1|p' "$base.js" | head -1)
    args="" envs=""
    [ "$label" = rtjs ] && args=$(sed -n 's|^// args: \(.*\)|\1|p' "$base.js" | head -1)
    [ "$label" = rtjs ] && envs=$(sed -n 's|^// env: \(.*\)|\1|p' "$base.js" | head -1)
    # shellcheck disable=SC2086
    limit=$(( ${limit:-60} * ${TIMEOUT_SCALE:-1} ))
    (
        [ -z "$envs" ] || eval "export $envs"
        # shellcheck disable=SC2086
        timeout "$limit" "$@" $args "$base.js" >"$tmp/out" 2>"$tmp/err"
    )
    code=$?
    want=0
    [ -f "$base.exit" ] && want=$(cat "$base.exit")
    ok=1
    cmp -s "$tmp/out" "$base.expected" || ok=0
    [ "$code" = "$want" ] || ok=0
    if [ -f "$base.stderr" ] && [ "$label" = rtjs ]; then
        while IFS= read -r line; do
            [ -z "$line" ] || grep -qF -- "$line" "$tmp/err" || ok=0
        done < "$base.stderr"
    fi
    name=$(basename "$base")
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        echo "ok     $name ($label)"
    else
        fail=$((fail + 1))
        echo "FAIL   $name ($label): exit $code (want $want)"
        diff "$base.expected" "$tmp/out" | head -20 | sed 's/^/    /'
        head -c 2000 "$tmp/err" | sed 's/^/    stderr: /'
    fi
}

for f in "$DIR"/js/*.js; do
    name=$(basename "$f" .js)
    case "$name" in node-prelude) continue ;; esac
    if [ $# -gt 0 ]; then
        want=0
        for a in "$@"; do [ "$a" = "$name" ] && want=1; done
        [ $want = 1 ] || continue
    fi
    base="$DIR/js/$name"
    # shellcheck disable=SC2086
    run_one rtjs "$base" $RTJS_WRAPPER "$RTJS"
    if [ -n "$NODE" ] && head -1 "$f" | grep -q '^// node: yes'; then
        run_one node "$base" "$NODE" -r "$DIR/js/node-prelude.js"
    fi
done
# the test server logs nothing in a good run: anything it logged (asyncio errors, writes to
# closed connections) is a failure of the suite, shown here (the server rate-limits it)
if [ -s "$SERVER_LOG" ]; then
    fail=$((fail + 1))
    echo "FAIL   the test server logged $(wc -l < "$SERVER_LOG") lines:"
    head -40 "$SERVER_LOG" | sed 's/^/    server: /'
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
