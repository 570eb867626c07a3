#!/usr/bin/env python3
"""python_install.py - copies the golu package and the libgolu it was built
with into a Python environment (scripts/python-install.sh runs it; see
there and the README for where and why).

    python3 scripts/python_install.py --lib build/libgolu.so [--cuda-lib build/libgolu_cuda.so]
        [--omp-lib build/libgolu_omp.so]
    python3 scripts/python_install.py --uninstall

The target is the running interpreter's environment: its site-packages when
it runs inside a virtual environment, else its user site (PYTHONUSERBASE
honoured). What is written:
  <site>/golu/                 python/golu/*.py, and _build_info.py naming
                               the library copies and where they came from
  <site>/golu/_libs/           libgolu.so.0 (and libgolu_cuda.so.0)
  <site>/golu-<v>.dist-info/   METADATA, INSTALLER, RECORD (pip sees it)
The new package is assembled beside the old one and renamed into place.
Prints the directory it installed into; errors go to stderr, exit 1.
"""

import argparse
import base64
import hashlib
import os
import re
import shutil
import site
import sys
import sysconfig
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_dir():
    """(site-packages directory, "venv" or "user")."""
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        return sysconfig.get_paths()["purelib"], "venv"
    if not site.ENABLE_USER_SITE:
        sys.exit("python_install: %s runs with the user site disabled (-s or PYTHONNOUSERSITE) and "
                 "outside a virtual environment: use --venv DIR" % sys.executable)
    return site.getusersitepackages(), "user"


def version():
    with open(os.path.join(REPO, "include", "golu.h")) as f:
        m = re.search(r'#define GOLU_VERSION_STRING "([^"]+)"', f.read())
    return m.group(1)


def record_line(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        data = f.read()
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (rel, h, len(data))


def remove(site_dir):
    """Removes golu/ and golu-*.dist-info/ from site_dir; the names removed."""
    gone = []
    for name in sorted(os.listdir(site_dir)) if os.path.isdir(site_dir) else []:
        if name == "golu" or re.fullmatch(r"golu-[^-]+\.dist-info", name):
            shutil.rmtree(os.path.join(site_dir, name))
            gone.append(name)
    return gone


def install(lib, cuda_lib, omp_lib=None):
    site_dir, kind = target_dir()
    os.makedirs(site_dir, exist_ok=True)
    v = version()
    stage = tempfile.mkdtemp(prefix=".golu-install-", dir=site_dir)
    try:
        pkg = os.path.join(stage, "golu")
        os.makedirs(os.path.join(pkg, "_libs"))
        src = os.path.join(REPO, "python", "golu")
        for name in sorted(os.listdir(src)):
            if name.endswith(".py") and name != "_build_info.py":
                shutil.copy2(os.path.join(src, name), pkg)
        shutil.copy2(lib, os.path.join(pkg, "_libs", "libgolu.so.0"))
        cuda_rel = None
        if cuda_lib:
            shutil.copy2(cuda_lib, os.path.join(pkg, "_libs", "libgolu_cuda.so.0"))
            cuda_rel = "_libs/libgolu_cuda.so.0"
        omp_rel = None
        if omp_lib:
            shutil.copy2(omp_lib, os.path.join(pkg, "_libs", "libgolu_omp.so.0"))
            omp_rel = "_libs/libgolu_omp.so.0"
        with open(os.path.join(pkg, "_build_info.py"), "w") as f:
            f.write('"""Written by scripts/python_install.py: the libraries this package loads."""\n')
            f.write("VERSION = %r\n" % v)
            f.write("LIBRARY = %r  # relative to this package\n" % "_libs/libgolu.so.0")
            f.write("CUDA_LIBRARY = %r\n" % cuda_rel)
            f.write("OMP_LIBRARY = %r\n" % omp_rel)
            f.write("BUILT_FROM = %r\n" % os.path.abspath(lib))
            f.write("CUDA_BUILT_FROM = %r\n" % (os.path.abspath(cuda_lib) if cuda_lib else None))
        info = os.path.join(stage, "golu-%s.dist-info" % v)
        os.makedirs(info)
        with open(os.path.join(info, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: golu\nVersion: %s\n"
                    "Summary: The Gompertz Linear Unit and its peers from libgolu (ctypes; torch and numpy optional)\n" % v)
        with open(os.path.join(info, "INSTALLER"), "w") as f:
            f.write("golu-python-install\n")
        rels = []
        for root, _, files in os.walk(stage):
            for name in files:
                rels.append(os.path.relpath(os.path.join(root, name), stage))
        rec = os.path.join("golu-%s.dist-info" % v, "RECORD")
        with open(os.path.join(stage, rec), "w") as f:
            for rel in sorted(rels):
                f.write(record_line(stage, rel) + "\n")
            f.write("%s,,\n" % rec)
        remove(site_dir)
        for name in os.listdir(stage):
            os.rename(os.path.join(stage, name), os.path.join(site_dir, name))
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print("python_install: golu %s installed into %s (%s site of %s)" % (v, site_dir, kind, sys.executable))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lib", help="the libgolu.so to install with the package")
    p.add_argument("--cuda-lib", help="the libgolu_cuda.so to install with it (optional)")
    p.add_argument("--omp-lib", help="the libgolu_omp.so to install with it (optional)")
    p.add_argument("--uninstall", action="store_true", help="remove golu from the environment")
    a = p.parse_args()
    if a.uninstall:
        site_dir, kind = target_dir()
        gone = remove(site_dir)
        print("python_install: removed %s from %s" % (", ".join(gone) or "nothing", site_dir))
        return 0
    if not a.lib:
        p.error("--lib is required")
    for what, path in (("--lib", a.lib), ("--cuda-lib", a.cuda_lib), ("--omp-lib", a.omp_lib)):
        if path and not os.path.isfile(path):
            sys.exit("python_install: %s %s: no such file (build it first: make lib)" % (what, path))
    install(a.lib, a.cuda_lib, a.omp_lib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
