#!/bin/sh
# The test command (README, .ci/run): installs what is missing, builds with
# warnings as errors under gcc (and clang where installed), runs the suite,
# then runs it again under AddressSanitizer + UndefinedBehaviorSanitizer.
# The last line is the total "N passed, M failed, K skipped"; exit 1 on any
# failure.
set -u
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
status=0

step() { printf '\n== %s\n' "$*"; }

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

step "tests under AddressSanitizer + UndefinedBehaviorSanitizer"
san=$(make -s -j"$jobs" WERROR=1 SAN=address,undefined BUILD=build-san test 2>&1); rc=$?
printf '%s\n' "$san"
[ $rc -eq 0 ] || status=1
sanline=$(printf '%s\n' "$san" | tail -n 1)

p=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/^([0-9]+) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
f=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/.* ([0-9]+) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
k=$(printf '%s\n%s\n' "$main" "$sanline" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p' | awk '{s+=$1} END {print s+0}')
[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo
echo "$p passed, $f failed, $k skipped"
exit $status
