#!/bin/sh
# run-faults.sh BUILD_DIR [SCENARIO...] - the allocation-failure sweep (make check-faults):
# BUILD_DIR/net-faults against the local test server (tests/c/net_faults.c says what each
# run checks). Under SANITIZE=address,undefined the children abort on any report and
# LeakSanitizer checks each one at exit.
B="$1"
shift
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
if [ $# -eq 0 ]; then
    "$B/net-faults" --offload || exit 1
fi
"$B/net-faults" "$@"
