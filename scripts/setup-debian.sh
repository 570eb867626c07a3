#!/bin/sh
# Installs the Debian packages golu needs, only those that are missing.
#   scripts/setup-debian.sh            build and test: gcc, make, MPFR, OpenBLAS, zlib, jansson,
#                                      Open MPI (mpirun; golu builds without it too),
#                                      gnuplot (the plots of golu compare), clang-format
#   scripts/setup-debian.sh --bench    also Debian's PyTorch, for the comparisons (and
#                                      mpmath and venv, for tests/python; libdnnl-dev for
#                                      make onednn-bench only: libgolu never links oneDNN)
#   scripts/setup-debian.sh --data     also the real data: Fashion-MNIST and the King
#                                      James Bible, whose text it prepares once in
#                                      ~/.local/share/golu/kjv.txt (or $GOLU_KJV)
# Options combine (--bench --data).
# Runs as root (or through sudo when it is available).
set -eu

want="gcc make libc6-dev libmpfr-dev libgmp-dev pkg-config libopenblas-dev zlib1g-dev gnuplot-nox libjansson-dev clang-format libopenmpi-dev openmpi-bin"
data=0
for opt in "$@"; do
    case "$opt" in
    --bench) want="$want python3 python3-torch python3-numpy python3-mpmath python3-venv libdnnl-dev" ;;
    --data) want="$want dataset-fashion-mnist bible-kjv bible-kjv-text"; data=1 ;;
    *) echo "setup-debian.sh: unknown option '$opt' (use --bench, --data or nothing)" >&2; exit 2 ;;
    esac
done

# The King James Bible as one plain text file, prepared once.
prepare_text() {
    kjv=${GOLU_KJV:-${HOME:-/root}/.local/share/golu/kjv.txt}
    [ -s "$kjv" ] && return 0
    mkdir -p "$(dirname "$kjv")"
    bible -f "Ge1:1-Re22:21" > "$kjv.tmp.$$" && mv "$kjv.tmp.$$" "$kjv" || {
        rm -f "$kjv.tmp.$$"; echo "setup-debian.sh: could not prepare $kjv with bible(1)" >&2; exit 1; }
    echo "setup-debian.sh: prepared $kjv ($(wc -c < "$kjv") bytes)"
}

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    [ "$data" -eq 1 ] && prepare_text
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "setup-debian.sh: need root to install:$missing" >&2; exit 1; }
    SUDO=sudo
else
    SUDO=
fi
echo "setup-debian.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || echo "setup-debian.sh: apt-get update failed; trying the cached lists" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
[ "$data" -eq 1 ] && prepare_text
exit 0
