#!/bin/sh
# check-symbols.sh LIB OBJ... - a static library shares the embedder's namespace: list
# the global symbols our own objects define and fail on any outside rt_, rt__ (and the
# bundled libraries' duk_, br_, uv_ prefixes).
set -e
lib="$1"; shift
bad=$(nm -g --defined-only "$@" 2>/dev/null | awk 'NF==3 {print $3}' | \
      grep -vE '^(rt_|rt__|duk_|br_|uv_)' | sort -u || true)
total=$(nm -g --defined-only "$@" 2>/dev/null | awk 'NF==3' | wc -l)
echo "check-symbols: $total global symbols in our objects of $lib"
if [ -n "$bad" ]; then
    echo "check-symbols: outside the rt_/rt__ namespace:"
    echo "$bad" | sed 's/^/  /'
    exit 1
fi
echo "check-symbols: ok"
