#!/bin/sh
# check-layering.sh CC CPPFLAGS... - the network side (lib/net/) and every backend must not
# see Duktape: list each file's include closure with the preprocessor (-MM) and fail on
# duktape.h or duk_config.h anywhere in it.
set -e
cc="$1"; shift
bad=0
for f in lib/net/*.c backends/*/*.c tests/c/poll_backend.c tests/c/fake_backend.c; do
    if "$cc" "$@" -MM "$f" 2>/dev/null | tr ' \\' '\n\n' | grep -qE '(^|/)(duktape|duk_config)\.h$'; then
        echo "check-layering: $f includes Duktape (directly or through a header)"
        bad=1
    fi
done
[ $bad = 0 ] && echo "check-layering: lib/net/ and backends/ are Duktape-free"
exit $bad
