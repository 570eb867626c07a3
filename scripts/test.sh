#!/bin/sh
# The test command (README, .ci/run): installs what is missing, builds with
# warnings as errors under gcc (and clang where installed), runs the suite,
# then runs it again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Formatting is checked first (clang-format). The last line is the total "N passed, M failed, K skipped"; exit 1 on any
# failure.
set -u
cd "$(dirname "$0")/.."
# --bench: Debian's PyTorch, the reference of tests/nn/test_torch_parity.py.
sh scripts/setup-debian.sh --bench || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
status=0

step() { printf '\n== %s\n' "$*"; }

step "formatting (clang-format, .clang-format)"
if make -s format-check; then
    echo "format: 1 passed, 0 failed, 0 skipped"; fmt="1 passed, 0 failed, 0 skipped"
else
    echo "FAIL formatting: run 'make format' and commit"; fmt="0 passed, 1 failed, 0 skipped"; status=1
fi

step "build (gcc, -Werror)"
make -s -j"$jobs" WERROR=1 all tests || exit 1

if command -v clang >/dev/null 2>&1; then
    step "build (clang, -Werror)"
    make -s -j"$jobs" CC=clang WERROR=1 BUILD=build-clang all tests || exit 1
fi

step "tests"
out=$(make -s WERROR=1 test 2>&1); rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || status=1
main=$(printf '%s\n' "$out" | tail -n 1)

# A user's view: install, then build examples/example.c through pkg-config,
# linked shared and static, and run it.
step "install + pkg-config"
inst=$(mktemp -d); ipass=0; ifail=0
if make -s install PREFIX="$inst" >/dev/null; then
    export PKG_CONFIG_PATH="$inst/lib/pkgconfig"
    for mode in shared static; do
        flags=$(pkg-config --cflags --libs golu); [ $mode = static ] && flags=$(pkg-config --static --cflags --libs golu)
        [ $mode = static ] && flags="$flags -static"
        # shellcheck disable=SC2086
        if cc -std=c11 -Wall -Werror examples/example.c -o "$inst/example-$mode" $flags &&
            LD_LIBRARY_PATH="$inst/lib" "$inst/example-$mode" >/dev/null; then
            echo "example ($mode): ok"; ipass=$((ipass + 1))
        else
            echo "FAIL example ($mode)"; ifail=$((ifail + 1)); status=1
        fi
    done
else
    echo "FAIL make install PREFIX=$inst"; ifail=1; status=1
fi
rm -rf "$inst"
main="$main
$ipass passed, $ifail failed, 0 skipped
$fmt"

step "tests under AddressSanitizer + UndefinedBehaviorSanitizer"
san=$(make -s -j"$jobs" WERROR=1 SAN=address,undefined BUILD=build-san test 2>&1); rc=$?
printf '%s\n' "$san"
[ $rc -eq 0 ] || status=1
sanline=$(printf '%s\n' "$san" | tail -n 1)

# Threads under ThreadSanitizer (the pool, host runners, concurrent API abuse),
# then each libFuzzer harness for 15 s (clang only; the suite above
# replays their corpora and past crashes in every build).
step "concurrent API abuse under ThreadSanitizer"
tsan=$(make -s tsan 2>&1); rc=$?
printf '%s\n' "$tsan"
[ $rc -eq 0 ] || status=1
tsanline=$(printf '%s\n' "$tsan" | tail -n 1 | sed -E 's/^[^:]*: //')
[ $rc -eq 0 ] || tsanline="0 passed, 1 failed, 0 skipped"
sanline="$sanline
$tsanline"
if command -v clang >/dev/null 2>&1; then
    step "fuzzing (libFuzzer, ASan+UBSan, 15 s per reader)"
    if make -s -j"$jobs" fuzz SECONDS=15; then sanline="$sanline
1 passed, 0 failed, 0 skipped"; else status=1; sanline="$sanline
0 passed, 1 failed, 0 skipped"; fi
fi

p=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/^([0-9]+) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
f=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/.* ([0-9]+) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
k=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p' | awk '{s+=$1} END {print s+0}')
[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo
echo "$p passed, $f failed, $k skipped"
exit $status
