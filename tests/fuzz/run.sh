#!/bin/sh
# run.sh SECONDS - build each libFuzzer target with clang (ASan+UBSan) and run it for
# SECONDS against its committed seed corpus (tests/fuzz/corpus/<target>/); new inputs go
# to build/fuzz/corpus/<target>/, crashes to build/fuzz/ (each must become a unit test).
set -e
secs=${1:-60}
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
# the TLS targets link an empty built-in anchor table
printf '#include <stddef.h>\nconst size_t rt__builtin_ca_count = 0, rt__builtin_ca_len = 0;\nconst unsigned char rt__builtin_ca_der[1];\n' > build/fuzz/no_anchors.c
TLS_SRC="lib/tls.c lib/tls_sessions.c lib/trust.c lib/alloc.c lib/buf.c lib/errors.c build/fuzz/no_anchors.c"
for target in http1 x509_ip pem; do
    case $target in
        http1) src=lib/http1.c; libs="" ;;
        *) src=$TLS_SRC; libs=/usr/lib/$(cc -print-multiarch)/libbearssl.a ;;
    esac
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib \
        -I/usr/share/duktape "tests/fuzz/fuzz_$target.c" $src $libs -o "build/fuzz/fuzz_$target"
    mkdir -p "build/fuzz/corpus/$target"
    "build/fuzz/fuzz_$target" -max_total_time="$secs" -artifact_prefix=build/fuzz/ \
        "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target"
done
