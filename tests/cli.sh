#!/bin/sh
# cli.sh BUILD_DIR - the rtjs command line: -e, --version, usage errors, exit codes,
# --unhandled-rejections modes, a missing file, RT_INSECURE/--insecure warning, the script
# from stdin, errors with file:line:column and a caret, require(), --timeout and Ctrl-C.
# Ends with "N passed, N failed".
B="$1"
RTJS="$(cd "$B" && pwd)/rtjs"
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
check "help"                0 "usage: rtjs"  ""                   -- "$RTJS" --help
check "no arguments, stdin" 0 ""             ""                   -- sh -c '"$1" </dev/null' - "$RTJS"
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


# the script from stdin: `rtjs -`, `rtjs < file` (as node), with arguments
printf 'console.log("from stdin", rt.argv.slice(1).join());\n' > "$tmp/in.js"
check "stdin: rtjs -"       0 "from stdin [stdin],x,y" "" -- sh -c '"$1" - x y < "$2"' - "$RTJS" "$tmp/in.js"
check "stdin: rtjs < file"  0 "from stdin [stdin]" "" -- sh -c '"$1" < "$2"' - "$RTJS" "$tmp/in.js"
check "stdin: pipe"         0 "42"           ""                   -- sh -c 'echo "console.log(6 * 7)" | "$1"' - "$RTJS"
check "stdin: error"        1 ""             "[stdin]:1"          -- sh -c 'echo "null.x" | "$1" -' - "$RTJS"

# errors: file:line:column, the source line and a caret under the column, as node
printf 'var ok = 1;\nvar s = "a" + ;\n' > "$tmp/syn.js"
check "syntax: file:line:col" 1 ""           "syn.js:2:15"        -- "$RTJS" "$tmp/syn.js"
check "syntax: source line" 1 ""             'var s = "a" + ;'    -- "$RTJS" "$tmp/syn.js"
"$RTJS" "$tmp/syn.js" 2>"$tmp/syn.err"
if grep -qx '              ^' "$tmp/syn.err"; then
    pass=$((pass + 1)); echo "ok     cli: syntax: caret under column 15"
else
    fail=$((fail + 1)); echo "FAIL   cli: syntax: caret under column 15"; sed 's/^/  err: /' "$tmp/syn.err"
fi
check "syntax: -e column"   1 ""             "[eval]:1:5"         -- "$RTJS" -e 'var = 1;'
printf 'function f() {\n  null.x;\n}\nf();\n' > "$tmp/rt.js"
check "runtime: file:line:col" 1 ""          "rt.js:2:8"          -- "$RTJS" "$tmp/rt.js"
check "runtime: source"     1 ""             "  null.x;"          -- "$RTJS" "$tmp/rt.js"
check "runtime: stack"      1 ""             "    at f ($tmp/rt.js:2:8)" -- "$RTJS" "$tmp/rt.js"
"$RTJS" "$tmp/rt.js" 2>"$tmp/rt.err"
if grep -qx '       ^' "$tmp/rt.err"; then
    pass=$((pass + 1)); echo "ok     cli: runtime: caret under column 8"
else
    fail=$((fail + 1)); echo "FAIL   cli: runtime: caret under column 8"; sed 's/^/  err: /' "$tmp/rt.err"
fi
"$RTJS" "$tmp/rt.js" 2>"$tmp/rt.err"
if grep -q 'duk_\|\.c:[0-9]\|preventsyield' "$tmp/rt.err"; then
    fail=$((fail + 1)); echo "FAIL   cli: no engine-internal frames"; sed 's/^/  err: /' "$tmp/rt.err"
else
    pass=$((pass + 1)); echo "ok     cli: no engine-internal frames"
fi

# require() on the file system, relative to the requiring file
mkdir -p "$tmp/app/lib"
printf 'exports.twice = function (x) { return 2 * x; };\n' > "$tmp/app/lib/math.js"
printf 'var m = require("./lib/math");\nconsole.log("required", m.twice(21));\n' > "$tmp/app/main.js"
check "require: relative"   0 "required 42"  ""                   -- "$RTJS" "$tmp/app/main.js"
check "require: from cwd"   0 "required 42"  ""                   -- sh -c 'cd "$1/app" && "$2" main.js' - "$tmp" "$RTJS"
check "require: missing"    1 ""             "Cannot find module './nope'" -- "$RTJS" -e 'require("./nope")'

# --timeout and Ctrl-C stop a script that never yields; output so far is not lost
check "timeout: for(;;)"    124 "before"     "timed out"          -- "$RTJS" --timeout 200 -e 'console.log("before"); for (;;) {}'
check "timeout: catch-all"  124 ""           "timed out"          -- "$RTJS" --timeout 200 -e 'for (;;) { try { for (;;) {} } catch (e) {} finally { } }'
check "timeout: idle timer" 124 ""           "timed out"          -- "$RTJS" --timeout 200 -e 'setTimeout(function () {}, 100000)'
check "timeout: in time"    0 "done"         ""                   -- "$RTJS" --timeout 5000 -e 'setTimeout(function () { console.log("done") }, 10)'
check "timeout: bad value"  2 ""             "invalid --timeout"  -- "$RTJS" --timeout x -e '1'
sigint() {    # sigint NAME CODE: run CODE with stdout on a file, Ctrl-C after 0.5 s
    name=$1
    "$RTJS" -e "$2" >"$tmp/sig.out" 2>"$tmp/sig.err" &
    pid=$!
    sleep 0.5
    kill -INT $pid
    wait $pid
    code=$?
    if [ "$code" = 130 ] && grep -q "before" "$tmp/sig.out"; then
        pass=$((pass + 1)); echo "ok     cli: $name"
    else
        fail=$((fail + 1)); echo "FAIL   cli: $name (exit $code, want 130, output kept)"
        sed 's/^/  out: /' "$tmp/sig.out" | head -3; sed 's/^/  err: /' "$tmp/sig.err" | head -3
    fi
}
sigint "Ctrl-C: busy loop"  'console.log("before"); for (;;) {}'
sigint "Ctrl-C: idle loop"  'console.log("before"); setInterval(function () {}, 1000)'
sigint "Ctrl-C: catch-all"  'console.log("before"); for (;;) { try { for (;;) {} } catch (e) {} }'

echo "$pass passed, $fail failed"
[ $fail = 0 ]
