#!/bin/sh
# Installs the Debian packages golu needs, only those that are missing.
#   scripts/setup-debian.sh            build and test: gcc, make, MPFR
#   scripts/setup-debian.sh --bench    also Debian's PyTorch, for the comparison
# Runs as root (or through sudo when it is available).
set -eu

want="gcc make libc6-dev libmpfr-dev libgmp-dev pkg-config"
case "${1:-}" in
--bench) want="$want python3 python3-torch" ;;
"") ;;
*) echo "setup-debian.sh: unknown option '$1' (use --bench or nothing)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

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
