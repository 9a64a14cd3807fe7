#!/bin/sh
# variant.sh NAME [CFLAGS_DUK] < LINES - build the library under build/dukvar/NAME with the
# override lines on stdin appended to $BASE (default: tools/duk_config_overrides.h) and
# Duktape compiled with CFLAGS_DUK (default: the Makefile's), then run the probes (run.sh).
# Run from the repository root.
set -e
name=${1:?usage: variant.sh NAME [CFLAGS_DUK] < override-lines}
cflags=${2:-}
dir=build/dukvar/$name
mkdir -p "$dir"
{ cat "${BASE:-tools/duk_config_overrides.h}"; echo; cat; } > "$dir/overrides.h.new"
cmp -s "$dir/overrides.h.new" "$dir/overrides.h" || mv "$dir/overrides.h.new" "$dir/overrides.h"
rm -f "$dir/overrides.h.new"
echo "$cflags" > "$dir/cflags.new"
cmp -s "$dir/cflags.new" "$dir/cflags" || { mv "$dir/cflags.new" "$dir/cflags"; rm -f "$dir/obj/duktape.o"; }
rm -f "$dir/cflags.new"
make -s -j2 B="$dir" DUK_OVERRIDES="$dir/overrides.h" ${cflags:+"CFLAGS_DUK=$cflags"} "$dir/libruntime.a" \
    "$dir/rtjs" >/dev/null
"$(dirname "$0")/run.sh" "$dir" ${N:-20000}
