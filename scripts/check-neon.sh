#!/bin/sh
# Checks the AArch64 NEON path without an Arm machine: cross-compiles the
# library, runs tests/kernels/isa_dump.c under qemu-user on the NEON and scalar paths,
# and compares the results bit for bit with this machine's paths (every
# activation, forward and backward, 65536 inputs spread over all float32).
# Installs gcc-aarch64-linux-gnu and qemu-user when missing (Debian, root).
set -eu
cd "$(dirname "$0")/.."
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$p" >/dev/null; }
done
make -s all
make -s ARCH=aarch64 CC=aarch64-linux-gnu-gcc BUILD=build-arm WERROR=1 CUDA=0 lib
out=$(mktemp -d)
aarch64-linux-gnu-gcc -O2 -Iinclude -static -o "$out/dump-arm" tests/kernels/isa_dump.c build-arm/libgolu.a -lm -lpthread
cc -O2 -Iinclude -o "$out/dump-x86" tests/kernels/isa_dump.c build/libgolu.a -lm -lpthread
qemu-aarch64 "$out/dump-arm" "$out/neon" 4
qemu-aarch64 "$out/dump-arm" "$out/arm-scalar" 1
"$out/dump-x86" "$out/x86-scalar" 1
fail=0
for f in neon arm-scalar; do
    if cmp -s "$out/$f" "$out/x86-scalar"; then echo "$f == x86 scalar: identical"
    else echo "FAIL $f differs from x86 scalar"; fail=1; fi
done
rm -rf "$out"
exit $fail
