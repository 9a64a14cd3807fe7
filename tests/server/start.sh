# start.sh - sourced by the test, demo and bench scripts (from the repository root, or
# with ROOT set to it): start_server DIR [testserver options] starts
# tests/server/testserver.py on 127.0.0.1 (ephemeral ports), waits until it listens and
# stops it (and removes DIR) on exit; port_of NAME prints a port (http, http2, https...).
# SERVER_LOG, when set, is the file the server's stderr goes to (run-js.sh checks it stays
# empty).
start_server() {
    _dir=$1
    shift
    python3 "${ROOT:-.}/tests/server/testserver.py" --port-file "$_dir/ports" "$@" \
        2>>"${SERVER_LOG:-/dev/stderr}" &
    SERVER_PID=$!
    trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null; rm -rf "$_dir"' EXIT INT TERM
    _i=0
    while [ ! -s "$_dir/ports" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
    [ -s "$_dir/ports" ] || { echo "the test server did not start" >&2; exit 1; }
}
port_of() { tr ' ' '\n' < "$_dir/ports" | sed -n "s/^$1=//p"; }
