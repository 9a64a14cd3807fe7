#!/bin/sh
# localize.sh ARCHIVE "OBJECTS" "STATIC LIBS" - build the installable archive: one relocatable
# object (ld -r) made of our objects and the members of the static libraries they use, in
# which every defined global symbol outside the API - the rt_ and RT_ names the public
# headers (include/*.h) declare, the backend vtables (rt_backend_*), and Duktape's duk_ -
# is made local (objcopy --keep-global-symbols): our rt__ internals, internal names with
# the public prefix (rt_http1_*, rt_tls_*), the bundled libraries. A program that links the archive
# and also its own libuv, zlib, BearSSL... then gets each copy where it asked for it:
# ours are no longer visible to the linker. Undefined references (libc, and libuv when it
# is the host's: UV_EXTERNAL) stay as they are.
set -e
out="$1"; objs="$2"; libs="$3"
LD="${LD:-ld}"; OBJCOPY="${OBJCOPY:-objcopy}"; NM="${NM:-nm}"; AR="${AR:-ar}"
dir="$out.d"
rm -rf "$dir" "$out"
mkdir -p "$dir"
# shellcheck disable=SC2086
"$LD" -r -o "$dir/all.o" $objs --start-group $libs --end-group
inc="$(cd "$(dirname "$0")/.." && pwd)/include"
"$NM" -g --defined-only "$dir/all.o" | awk 'NF == 3 { print $3 }' | sort -u |
    while read -r s; do
        case "$s" in
        duk_*|rt_backend_*) echo "$s" ;;
        rt__*) ;;
        rt_*|RT_*) grep -qw "$s" "$inc"/*.h && echo "$s" ;;
        esac
    done > "$dir/keep"
"$OBJCOPY" --keep-global-symbols="$dir/keep" "$dir/all.o" "$dir/libruntime.o"
"$AR" rcs "$out" "$dir/libruntime.o"
rm -rf "$dir"
