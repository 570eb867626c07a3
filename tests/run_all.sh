#!/bin/sh
# Runs every test program under $1/tests/*/, then every tests/*/test_*.py (with
# Debian's /usr/bin/python3, where torch and numpy live, else python3 on the
# PATH; each gets the build directory as its argument), and adds up their
# summary lines. Prints "N passed, M failed, K skipped" as its last line;
# exits 1 on any failure (a crash or a missing summary line counts as a
# failure). Without any python3 the Python tests count as one skip.
build=${1:-build}
tests_dir=$(dirname "$0")
pass=0; fail=0; skip=0; crashed=0

# tally NAME RC OUTPUT: adds up OUTPUT's summary line.
tally() {
    line=$(printf '%s\n' "$3" | grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $1: exited $2 without a summary line"
        crashed=$((crashed + 1)); return
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped$/\1/')
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $1: exited $2"; crashed=$((crashed + 1))
    fi
}

for t in "$build"/tests/*/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    tally "$t" "$rc" "$out"
done

py=
for c in /usr/bin/python3 python3; do
    if command -v "$c" >/dev/null 2>&1; then py=$c; break; fi
done
for t in "$tests_dir"/*/test_*.py; do
    [ -f "$t" ] || continue
    if [ -z "$py" ]; then
        echo "SKIP the Python tests ($tests_dir/test_*.py): no python3"
        skip=$((skip + 1)); break
    fi
    out=$("$py" "$t" "$build" 2>&1); rc=$?
    printf '%s\n' "$out"
    tally "$t" "$rc" "$out"
done

fail=$((fail + crashed))
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
