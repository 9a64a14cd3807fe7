#!/bin/sh
# check-symbols.sh ARCHIVE - a static library shares the embedder's namespace: the archive
# may define no global symbol outside the API - the rt_ and RT_ names the public headers
# declare (never the rt__ internals, nor internal names with the public prefix), the
# backend vtables rt_backend_*, and Duktape's duk_. The bundled libraries (libuv, BearSSL,
# zlib, brotli, zstd, idn2, unistring) must be local (tools/localize.sh).
set -e
lib="$1"
syms=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
total=$(printf '%s\n' "$syms" | grep -c . || true)
bad=$(printf '%s\n' "$syms" | grep -vE '^(rt_|RT_|duk_)' | grep . || true)
bad2=$(printf '%s\n' "$syms" | grep -E '^rt__' || true)
echo "check-symbols: $total global symbols in $lib"
dir=$(cd "$(dirname "$0")/.." && pwd)
undeclared=""
for s in $(printf '%s\n' "$syms" | grep -E '^(rt_|RT_)' | grep -vE '^(rt__|rt_backend_)'); do
    grep -qw "$s" "$dir"/include/*.h || undeclared="$undeclared $s"
done
if [ -n "$undeclared" ]; then
    echo "check-symbols: FAIL: rt_ names no public header declares:$undeclared"
    exit 1
fi
if [ -n "$bad$bad2" ]; then
    echo "check-symbols: FAIL: global symbols outside rt_/RT_/duk_:"
    printf '%s\n%s\n' "$bad" "$bad2" | grep . | sed 's/^/  /' | head -50
    exit 1
fi
echo "check-symbols: ok"
