#!/bin/sh
# workload.sh BUILD_DIR [N] - instructions per keep-alive request (GET /hello, 11-byte body, 16 in flight):
# BUILD_DIR/rtjs runs reqcount.js for N and 2N requests against tests/server/testserver.py
# under callgrind; prints (Ir(2N) - Ir(N)) / N, and the instructions of mark-and-sweep in the 2N run.
# Run from the repository root.
set -e
b=${1:?usage: workload.sh BUILD_DIR [N]}
n=${2:-2000}
here=$(dirname "$0")
out=$b/workload
rm -rf "$out" && mkdir -p "$out"
ROOT=. . tests/server/start.sh
start_server "$(mktemp -d)"
url=http://127.0.0.1:$(port_of http)/hello
for k in $n $((2 * n)); do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$k" "$b/rtjs" "$here/reqcount.js" \
        "$k" 16 "$url" > "$out/stdout.$k" 2> "$out/stderr.$k"
    grep -q "\"done\":$k,\"failed\":0" "$out/stdout.$k" || { cat "$out/stdout.$k" "$out/stderr.$k"; exit 1; }
done
ir1=$(sed -n 's/^summary: //p' "$out/cg.$n")
ir2=$(sed -n 's/^summary: //p' "$out/cg.$((2 * n))")
ms=$(callgrind_annotate --inclusive=yes "$out/cg.$((2 * n))" 2>/dev/null | \
     awk '/duk_heap_mark_and_sweep/{gsub(",","",$1); print $1; exit}')
echo "Ir/request $(( (ir2 - ir1) / n ))  (N=$n: $ir1, 2N: $ir2; mark-and-sweep in 2N: ${ms:-0})"
