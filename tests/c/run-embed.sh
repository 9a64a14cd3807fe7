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

# docs/embedding.md: each ```c block that opens with /* example: NAME */ is compiled and run,
# and its output compared with the "$ ./NAME" block that follows
rm -f "$bin"/doc-*
awk -v dir="$bin" '
    state == 0 && /^```/ { lang = substr($0, 4); state = 1; first = 1; out = ""; next }
    state == 1 && /^```$/ { state = 0; if (out) close(out); out = ""; next }
    state == 1 {
        if (first) {
            first = 0
            if (lang == "c" && $0 ~ /^\/\* example: [a-z0-9_]+ \*\/$/) {
                name = $0; sub(/^\/\* example: /, "", name); sub(/ \*\/$/, "", name)
                out = dir "/doc-" name ".c"
            } else if (lang == "" && $0 ~ /^\$ \.\/[a-z0-9_]+$/) {
                out = dir "/doc-" substr($0, 5) ".expected"
                printf "" > out
                next
            }
        }
        if (out) print > out
    }' docs/embedding.md
ndoc=0
for src in "$bin"/doc-*.c; do
    name=$(basename "$src" .c)
    ndoc=$((ndoc + 1))
    if [ ! -f "$bin/$name.expected" ]; then
        echo "FAIL   docs/embedding.md: example ${name#doc-} has no \$ ./${name#doc-} block"; fail=1; continue
    fi
    build "$name" "$PKG" "$src"
    if "$bin/$name" > "$bin/$name.out" 2>"$bin/$name.err" && cmp -s "$bin/$name.out" "$bin/$name.expected"; then
        echo "ok     docs/embedding.md: ${name#doc-}"
    else
        echo "FAIL   docs/embedding.md: ${name#doc-}"; diff "$bin/$name.expected" "$bin/$name.out" | head; head -5 "$bin/$name.err"
        fail=1
    fi
done
[ "$ndoc" -ge 9 ] || { echo "FAIL   docs/embedding.md: only $ndoc examples found"; fail=1; }

if [ -n "$UVEXT" ]; then
    build hostloop_test "$UVEXT" "$dir/hostloop_test.c"
    "$bin/hostloop_test" || fail=1
fi
exit $fail
