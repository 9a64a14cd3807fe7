#!/bin/sh
# test-repeat.sh N BUSY - `make test` N times in a row, stopping at the first failure, then
# "K of N passed". BUSY=1 keeps one CPU hog (a busy shell loop) per core running for the
# whole time, so timing-sensitive tests meet a machine with no idle core; the hogs (and a
# run in progress) are stopped on exit, on failure and on interruption (INT, TERM, HUP:
# each run has its own session, and the script waits for it with `wait`, which a signal
# interrupts). Each run's output is kept in build/test-repeat/run-I.log; a failing run's
# FAIL lines are shown. Called by
# `make test-repeat N=... BUSY=...` (MAKE names the make to run).
N=${1:-10}
BUSY=${2:-0}
MAKE=${MAKE:-make}
LOGS=build/test-repeat
mkdir -p "$LOGS"
rm -f "$LOGS"/run-*.log

hogs=""
run=""
stop_all() {
    # the run's whole session: `timeout` puts each test in a process group of its own
    [ -n "$run" ] && { pkill -TERM -s "$run" 2>/dev/null || kill -TERM -- "-$run" 2>/dev/null; }
    for p in $hogs; do kill "$p" 2>/dev/null; done
    for p in $hogs $run; do wait "$p" 2>/dev/null; done
    hogs=""
    run=""
}
trap 'stop_all' EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM HUP
SETSID=$(command -v setsid || true)

cores=$(nproc 2>/dev/null || echo 1)
if [ "$BUSY" = 1 ]; then
    i=0
    while [ $i -lt "$cores" ]; do
        sh -c 'while :; do :; done' &
        hogs="$hogs $!"
        i=$((i + 1))
    done
    echo "test-repeat: $cores CPU hogs running (pids$hogs)"
fi
echo "test-repeat: $N runs of make test on $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

passed=0
i=1
while [ $i -le "$N" ]; do
    log="$LOGS/run-$i.log"
    t0=$(date +%s)
    $SETSID $MAKE --no-print-directory test >"$log" 2>&1 &
    run=$!
    wait "$run"
    rc=$?
    run=""
    if [ $rc = 0 ]; then
        passed=$((passed + 1))
        echo "run $i of $N: passed ($(( $(date +%s) - t0 )) s, load average $(cut -d' ' -f1 /proc/loadavg 2>/dev/null))"
    else
        echo "run $i of $N: FAILED ($(( $(date +%s) - t0 )) s) - $log:"
        grep -A12 -E '^FAIL|FAILED|failed \(|Error [0-9]' "$log" | head -60 | sed 's/^/    /'
        break
    fi
    i=$((i + 1))
done
stop_all
echo "$passed of $N passed"
[ "$passed" = "$N" ]
