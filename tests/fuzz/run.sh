#!/bin/sh
# run.sh SECONDS - build each libFuzzer target with clang (ASan+UBSan) and run it for
# SECONDS against its committed seed corpus (tests/fuzz/corpus/<target>/); new inputs go
# to build/fuzz/corpus/<target>/, crashes to build/fuzz/ (each must become a unit test).
# Every target runs even when an earlier one failed; the exit status is 1 if any failed.
# A finding is fixed in lib/, kept as a seed here and as a regression test in tests/.
set -e
failed=
secs=${1:-60}
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
# the TLS targets link an empty built-in anchor table
printf '#include <stddef.h>\nconst size_t rt__builtin_ca_count = 0, rt__builtin_ca_len = 0;\nconst unsigned char rt__builtin_ca_der[1];\n' > build/fuzz/no_anchors.c
TLS_SRC="lib/net/tls.c lib/net/tls_sessions.c lib/net/trust.c lib/net/dataurl.c lib/net/mime.c lib/net/http1.c lib/net/clock.c lib/net/alloc.c lib/net/buf.c lib/net/errors.c build/fuzz/no_anchors.c"
A=/usr/lib/$(cc -print-multiarch)
URL_SRC="lib/net/url.c lib/net/url_host.c lib/net/alloc.c lib/net/buf.c lib/net/errors.c"
CODINGS_SRC="lib/net/codings.c lib/net/alloc.c lib/net/errors.c"
MULTIPART_SRC="lib/net/multipart.c lib/net/mime.c lib/net/http1.c lib/net/alloc.c lib/net/buf.c lib/net/clock.c lib/net/errors.c"
# the codings target links the encoders too (the round-trip mode makes its own streams)
CODINGS_LIBS="$A/libbrotlienc.a $A/libbrotlidec.a $A/libbrotlicommon.a $A/libzstd.a $A/libz.a -lm -lpthread"
for target in http1 request url x509_ip pem codings multipart; do
    san=fuzzer,address,undefined
    case $target in
        http1|request) src=lib/net/http1.c; libs="" ;;
        url) src=$URL_SRC; libs="$A/libidn2.a $A/libunistring.a" ;;
        codings) src=$CODINGS_SRC; libs=$CODINGS_LIBS ;;
        multipart) src=$MULTIPART_SRC; libs="" ;;
        *) src=$TLS_SRC; libs=$A/libbearssl.a ;;
    esac
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=$san -D_GNU_SOURCE -Iinclude -Ilib/net -Ilib/engine \
        "tests/fuzz/fuzz_$target.c" $src $libs -o "build/fuzz/fuzz_$target"
    mkdir -p "build/fuzz/corpus/$target"
    "build/fuzz/fuzz_$target" -max_total_time="$secs" -artifact_prefix=build/fuzz/ \
        "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target" || failed="$failed $target"
done
if [ -n "$failed" ]; then
    echo "fuzz targets that failed:$failed (inputs in build/fuzz/)" >&2
    exit 1
fi
