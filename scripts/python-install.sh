#!/bin/sh
# python-install.sh - builds libgolu.so and installs the Python package
# golu (python/golu) with a copy of it, so that `import golu` works from any
# directory afterwards.
#
#   sh scripts/python-install.sh                   the active virtual environment
#                                                  ($VIRTUAL_ENV), else the user site
#                                                  of $PYTHON (default python3)
#   sh scripts/python-install.sh --venv DIR        DIR, created when missing with
#                                                  --system-site-packages (so Debian's
#                                                  python3-torch and numpy stay visible)
#   sh scripts/python-install.sh --uninstall [--venv DIR]
# Options: --python PY (the interpreter; also $PYTHON), --build DIR (the build
# directory, default build), --no-build (use what DIR holds). libgolu_cuda.so
# and libgolu_omp.so are installed too when the build has them.
#
# No pip: Debian 12 marks its Python as externally managed, and its pip then
# refuses user installs too (short of --break-system-packages, which this
# never uses). The package is plain Python with no dependencies, so it is
# copied, with a dist-info record, straight into the environment's
# site-packages (a venv) or the user site (~/.local/lib/pythonX.Y/site-packages,
# on sys.path of that interpreter; nothing of Debian's is touched or shadowed).
set -eu
cd "$(dirname "$0")/.."

py=${PYTHON:-}
venv=
build=build
make_it=1
action=install
while [ $# -gt 0 ]; do
    case "$1" in
    --venv) venv=${2:?--venv needs a directory}; shift ;;
    --python) py=${2:?--python needs an interpreter}; shift ;;
    --build) build=${2:?--build needs a directory}; shift ;;
    --no-build) make_it=0 ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "python-install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ -n "$venv" ]; then
    if [ ! -x "$venv/bin/python" ]; then
        base=${py:-python3}
        command -v "$base" >/dev/null 2>&1 || { echo "python-install.sh: $base not found" >&2; exit 1; }
        "$base" -m venv --system-site-packages --without-pip "$venv" ||
            { echo "python-install.sh: could not create the venv $venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
    fi
    py="$venv/bin/python"
elif [ -z "$py" ]; then
    if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
        py="$VIRTUAL_ENV/bin/python"
    else
        py=python3
    fi
fi
command -v "$py" >/dev/null 2>&1 || { echo "python-install.sh: no Python interpreter '$py'" >&2; exit 1; }

if [ "$action" = uninstall ]; then
    exec "$py" scripts/python_install.py --uninstall
fi
if [ "$make_it" -eq 1 ]; then
    make -s BUILD="$build" lib
fi
set -- --lib "$build/libgolu.so"
[ -f "$build/libgolu_cuda.so" ] && set -- "$@" --cuda-lib "$build/libgolu_cuda.so"
[ -f "$build/libgolu_omp.so" ] && set -- "$@" --omp-lib "$build/libgolu_omp.so"
"$py" scripts/python_install.py "$@"
# The proof: imported from another directory, with no help from the environment.
(cd / && env -u GOLU_LIBRARY -u PYTHONPATH "$py" -c "import golu; print('python-install.sh: import golu works:', golu.LIBRARY_PATH)")
