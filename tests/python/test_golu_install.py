"""test_golu_install.py - scripts/python-install.sh as a user runs it: into a
new virtual environment, into an active one, into a user site; then
`import golu` from another directory finds the library it was installed
with; then --uninstall.

    /usr/bin/python3 tests/python/test_golu_install.py [BUILD_DIR] [-v]

Uses BUILD_DIR's libgolu.so (--no-build: nothing is compiled here) and
temporary directories only (PYTHONUSERBASE for the user site).
Ends with "golu_install: P passed, F failed, S skipped".
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import pyharness  # noqa: E402

NAME = "golu_install"


def sh(args, env=None, cwd=None):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    return r.returncode, r.stdout


def clean_env(**kw):
    env = {k: v for k, v in os.environ.items() if k not in ("GOLU_LIBRARY", "GOLU_CUDA_LIBRARY", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(kw)
    return env


def main():
    t = pyharness.Tally(NAME)
    build = pyharness.build_dir()
    why = pyharness.setup(build)
    if why:
        t.skip(why)
        return t.summary()
    script = os.path.join(pyharness.REPO, "scripts", "python-install.sh")
    tmp = tempfile.mkdtemp(prefix="golu_pyinst_")
    try:
        venv = os.path.join(tmp, "venv")
        rc, out = sh(["sh", script, "--no-build", "--build", build, "--venv", venv, "--python", "/usr/bin/python3"], clean_env())
        t.check(rc == 0 and "import golu works" in out, "install into a new venv (--system-site-packages): %s" % out.strip()[-300:])
        code = ("import golu, golu.torch, golu.numpy, torch\n"
                "print(golu.LIBRARY_PATH)\n"
                "print(float(golu.torch.GoLU()(torch.tensor([1.0]))))\n"
                "print(golu.torch.threading()['detail'])\n")
        rc, out = sh([os.path.join(venv, "bin", "python"), "-c", code], clean_env(), cwd="/")
        lines = out.split("\n") + ["", "", ""]
        t.check(rc == 0 and lines[0].startswith(venv) and lines[1].startswith("0.6922"),
                "the venv's python, from /: golu.torch with Debian's torch, the installed library copy: %s" % out.strip()[-300:])
        if os.path.exists(os.path.join(build, "libgolu_omp.so")):
            t.check(rc == 0 and ("golu_omp_runner of " + venv) in lines[2],
                    "the installed libgolu_omp copy runs golu.torch's splits on torch's OpenMP threads: %s" % lines[2])
        else:
            t.skip("libgolu_omp: not in %s (the compiler has no OpenMP)" % build)
        # an active venv ($VIRTUAL_ENV, its python first on PATH) is where a plain run installs
        sh([os.path.join(venv, "bin", "python"), os.path.join(pyharness.REPO, "scripts", "python_install.py"), "--uninstall"], clean_env())
        env = clean_env(VIRTUAL_ENV=venv, PATH=os.path.join(venv, "bin") + os.pathsep + os.environ.get("PATH", ""))
        rc, out = sh(["sh", script, "--no-build", "--build", build], env)
        t.check(rc == 0 and ("installed into %s" % venv) in out, "a plain run in an active venv installs there: %s" % out.strip()[-200:])
        rc, out = sh(["sh", script, "--uninstall", "--venv", venv], clean_env())
        rc2, out2 = sh([os.path.join(venv, "bin", "python"), "-c", "import golu"], clean_env(), cwd="/")
        t.check(rc == 0 and rc2 != 0 and "No module named 'golu'" in out2, "--uninstall removes it: %s" % out.strip())
        # the user site, for the python3 on the PATH (without torch here)
        ub = os.path.join(tmp, "userbase")
        rc, out = sh(["sh", script, "--no-build", "--build", build, "--python", "python3"], clean_env(PYTHONUSERBASE=ub))
        t.check(rc == 0 and ("installed into %s" % ub) in out and "user site" in out, "install into the user site: %s" % out.strip()[-300:])
        rc, out = sh(["python3", "-c", "import golu; print(golu.LIBRARY_PATH)"], clean_env(PYTHONUSERBASE=ub), cwd="/")
        t.check(rc == 0 and out.startswith(ub), "import golu from the user site, from /: %s" % out.strip())
        rc, out = sh(["sh", script, "--bogus"], clean_env())
        t.check(rc == 2 and "unknown option" in out, "an unknown option: exit 2, named: %s" % out.strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
