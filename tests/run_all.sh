#!/bin/sh
# Runs every test program under $1/tests and adds up their summary lines.
# Prints "N passed, M failed, K skipped" as its last line; exits 1 on any
# failure (a crash or a missing summary line counts as a failure).
build=${1:-build}
pass=0; fail=0; skip=0; crashed=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $t: exited $rc without a summary line"
        crashed=$((crashed + 1)); continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped$/\1/')
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $t: exited $rc"; crashed=$((crashed + 1))
    fi
done
fail=$((fail + crashed))
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
