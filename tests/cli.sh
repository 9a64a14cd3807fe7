#!/bin/sh
# cli.sh BUILD_DIR - the rtjs command line: -e, --version, usage errors, exit codes,
# --unhandled-rejections modes, a missing file, RT_INSECURE/--insecure warning.
# Ends with "N passed, N failed".
B="$1"
RTJS="$B/rtjs"
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME EXPECTED_EXIT STDOUT_SUBSTRING STDERR_SUBSTRING -- CMD...
check() {
    name=$1 want=$2 out=$3 err=$4
    shift 5
    "$@" >"$tmp/out" 2>"$tmp/err"
    code=$?
    ok=1
    [ "$code" = "$want" ] || ok=0
    [ -z "$out" ] || grep -qF -- "$out" "$tmp/out" || ok=0
    [ -z "$err" ] || grep -qF -- "$err" "$tmp/err" || ok=0
    if [ $ok = 1 ]; then
        pass=$((pass + 1)); echo "ok     cli: $name"
    else
        fail=$((fail + 1)); echo "FAIL   cli: $name (exit $code, want $want)"
        sed 's/^/  out: /' "$tmp/out" | head -5; sed 's/^/  err: /' "$tmp/err" | head -5
    fi
}

check "eval"                0 "2"            ""                   -- "$RTJS" -e 'console.log(1 + 1)'
check "eval argv"           0 "a,b"          ""                   -- "$RTJS" -e 'console.log(rt.argv.slice(2).join())' a b
check "version"             0 "backend: "    ""                   -- "$RTJS" --version
check "version trust store" 0 "trust store:" ""                   -- "$RTJS" --version
check "no arguments"        2 ""             "usage: rtjs"        -- "$RTJS"
check "unknown option"      2 ""             "unknown option"     -- "$RTJS" --frobnicate x.js
check "missing file"        1 ""             "cannot open"        -- "$RTJS" "$tmp/nope.js"
check "syntax error"        1 ""             "SyntaxError"        -- "$RTJS" -e 'var = 1;'
check "top-level throw"     1 ""             "Uncaught Error: top" -- "$RTJS" -e 'throw new Error("top")'
check "throw non-error"     1 ""             "Uncaught"           -- "$RTJS" -e 'throw "plain string"'
check "global this"         0 "true true"    ""                   -- "$RTJS" -e 'var g = 1; function f() {} console.log(this.g === 1, typeof this.f === "function")'
check "unhandled: throw"    1 ""             "nope"               -- "$RTJS" -e 'Promise.reject(new Error("nope")); setTimeout(function () { console.log("after"); }, 20)'
check "unhandled: warn"     0 "after"        "nope"               -- "$RTJS" --unhandled-rejections=warn -e 'Promise.reject(new Error("nope")); setTimeout(function () { console.log("after"); }, 20)'
check "unhandled: none"     0 "after"        ""                   -- "$RTJS" --unhandled-rejections=none -e 'Promise.reject(new Error("nope")); setTimeout(function () { console.log("after"); }, 20)'
check "bad mode"            2 ""             "invalid"            -- "$RTJS" --unhandled-rejections=maybe -e '1'
check "insecure warns"      0 ""             "verification is disabled" -- "$RTJS" --insecure -e '1'
check "RT_INSECURE warns"   0 ""             "verification is disabled" -- env RT_INSECURE=1 "$RTJS" -e '1'
printf '#!/usr/bin/env rtjs\nconsole.log("shebang ok");\n' > "$tmp/s.js"
check "shebang line"        0 "shebang ok"   ""                   -- "$RTJS" "$tmp/s.js"
printf 'console.log("line1");\n\nnull.x;\n' > "$tmp/where.js"
check "file:line on stderr" 1 "line1"        "where.js:3"         -- "$RTJS" "$tmp/where.js"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
