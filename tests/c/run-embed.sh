#!/bin/sh
# run-embed.sh BUILD_DIR PREFIX PKG [UVEXT_PKG] - the C embedding checks, built as an embedder
# builds them: against the library installed in PREFIX (make install), with
# `pkg-config --cflags --libs PKG`. The README example, the embedding tests (tests/c/*_test.c),
# a host linking the system's libuv, zlib and BearSSL beside the runtime, the host-loop test
# (UVEXT_PKG: the archive without libuv, for hosts with their own), and the installed
# archive's exported symbols (tools/check-symbols.sh).
set -e
B="$1"; PREFIX="$2"; PKG="$3"; UVEXT="$4"
CC="${CC:-cc}"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
dir=$(cd "$(dirname "$0")" && pwd)
bin="$B/embed"
mkdir -p "$bin"
fail=0

# build NAME PKG SOURCE [EXTRA LIBS]: cc SOURCE $(pkg-config --cflags --libs PKG)
build() {
    name=$1 pkg=$2 src=$3
    shift 3
    # shellcheck disable=SC2046,SC2086
    $CC -std=gnu11 $WARN -Wno-unused-parameter -o "$bin/$name" "$src" \
        $(pkg-config --cflags "$pkg") -I"$dir" $(pkg-config --libs "$pkg") "$@" -lpthread
}

tools/check-symbols.sh "$PREFIX/lib/lib$PKG.a"
[ -z "$UVEXT" ] || tools/check-symbols.sh "$PREFIX/lib/lib$UVEXT.a"
[ "$(pkg-config --variable=backend "$PKG")" != "" ] || { echo "FAIL $PKG.pc names no backend"; exit 1; }

build embed-example "$PKG" examples/embed.c
out=$("$bin/embed-example")
echo "$out" | grep -q "promise resolved with 42" && echo "$out" | grep -q "timer fired" || {
    echo "FAIL embed-example: $out"; exit 1; }
echo "ok     embed-example"

for t in embed host_async interrupt memory modules errors; do
    build "${t}_test" "$PKG" "$dir/${t}_test.c"
    "$bin/${t}_test" || fail=1
done
build clash_test "$PKG" "$dir/clash_test.c" -luv -lz -lbearssl -ldl
"$bin/clash_test" || fail=1
if [ -n "$UVEXT" ]; then
    build hostloop_test "$UVEXT" "$dir/hostloop_test.c"
    "$bin/hostloop_test" || fail=1
fi
exit $fail
