#!/bin/sh
# run.sh BUILD_DIR [N] - build probe.c against BUILD_DIR/libruntime.a and print, per probe,
# instructions per operation (callgrind, deterministic) and nanoseconds per operation (best
# of 3 native runs, a check only: the machine is shared). Writes the raw figures to
# BUILD_DIR/probes/. Run from the repository root.
set -e
b=${1:?usage: run.sh BUILD_DIR [N]}
n=${2:-20000}
here=$(dirname "$0")
out=$b/probes
rm -rf "$out" && mkdir -p "$out"
cc -O2 -g -std=gnu11 -Wall -Wextra -Iinclude -I"$b/gen/duk" -o "$out/probe" "$here/probe.c" \
   "$b/libruntime.a" -lpthread -lm -ldl
for i in 1 2 3; do "$out/probe" "$here/probes.js" $((n * 5)) > "$out/wall.$i"; done
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$out/probe" "$here/probes.js" "$n" \
   > "$out/cg.stdout" 2> "$out/cg.stderr"
python3 "$here/table.py" "$out"
