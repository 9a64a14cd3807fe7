#!/bin/sh
# run.sh SECONDS - build each libFuzzer target with clang (ASan+UBSan) and run it for
# SECONDS against its committed seed corpus (tests/fuzz/corpus/<target>/); new inputs go
# to build/fuzz/corpus/<target>/, crashes to build/fuzz/ (each must become a unit test).
set -e
secs=${1:-60}
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
for target in http1; do
    clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
        "tests/fuzz/fuzz_$target.c" lib/http1.c -o "build/fuzz/fuzz_$target"
    mkdir -p "build/fuzz/corpus/$target"
    "build/fuzz/fuzz_$target" -max_total_time="$secs" -artifact_prefix=build/fuzz/ \
        "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target"
done
