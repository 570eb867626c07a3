"""pyharness.py - what the tests of python/golu share: a tally that prints
one line per failure and the closing "NAME: P passed, F failed, S skipped"
line tests/run_all.sh adds up, and setup() that points the package at the
build directory's libgolu.

    t = Tally("golu_torch")
    t.check(ok, "what was checked: the values if not")
    t.skip("why")
    sys.exit(t.summary())

setup(build) puts the repository's python/ first on sys.path and sets
GOLU_LIBRARY (and GOLU_CUDA_LIBRARY when built) to the build's libraries,
so the tests test this build and never an installed copy. A library built
with sanitizers cannot be loaded into Python (the sanitizer runtime must
come first); setup() then returns a reason to skip.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Tally:
    def __init__(self, name):
        self.name = name
        self.verbose = "-v" in sys.argv[1:]
        self.passed = self.failed = self.skipped = 0

    def check(self, ok, line):
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok " + line)
        else:
            self.failed += 1
            print("FAIL " + line)
        sys.stdout.flush()
        return bool(ok)

    def skip(self, why):
        self.skipped += 1
        print("SKIP %s: %s" % (self.name, why))
        sys.stdout.flush()

    def raises(self, exc, fn, line, words=None):
        """fn() raises exc (whose message contains `words`, when given)."""
        try:
            fn()
        except exc as e:
            ok = words is None or words in str(e)
            return self.check(ok, "%s%s" % (line, "" if ok else ": message %r lacks %r" % (str(e), words)))
        except Exception as e:  # the wrong kind
            return self.check(False, "%s: raised %s: %s, not %s" % (line, type(e).__name__, e, exc.__name__))
        return self.check(False, "%s: raised nothing" % line)

    def summary(self):
        print("%s: %d passed, %d failed, %d skipped" % (self.name, self.passed, self.failed, self.skipped))
        return 1 if self.failed else 0


def build_dir():
    args = [a for a in sys.argv[1:] if a != "-v"]
    b = args[0] if args else "build"
    return b if os.path.isabs(b) else os.path.join(os.getcwd(), b)


def sanitized(path):
    """Whether a shared library needs a sanitizer runtime (its dynamic
    section names libasan, libubsan or libtsan)."""
    with open(path, "rb") as f:
        blob = f.read()
    return any(s in blob for s in (b"libasan.so", b"libubsan.so", b"libtsan.so"))


def setup(build):
    """None when the package can be tested against build's libgolu.so, else
    the reason it cannot (to be reported as a skip)."""
    lib = os.path.join(build, "libgolu.so")
    if not os.path.exists(lib):
        return "%s is not built (make lib)" % lib
    if sanitized(lib):
        return "%s is built with sanitizers and cannot be loaded into Python" % lib
    os.environ["GOLU_LIBRARY"] = lib
    cuda = os.path.join(build, "libgolu_cuda.so")
    if os.path.exists(cuda):
        os.environ["GOLU_CUDA_LIBRARY"] = cuda
    else:
        os.environ.pop("GOLU_CUDA_LIBRARY", None)
    sys.path.insert(0, os.path.join(REPO, "python"))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    return None


def begin(name, *modules):
    """A test file's start: its Tally, the modules it needs imported (by
    name, in order) and the package set up against the build's libgolu.so.
    Returns (tally, modules); modules is None when the file must skip (the
    reason already recorded): the caller returns tally.summary()."""
    import importlib

    t = Tally(name)
    try:
        mods = [importlib.import_module(m) for m in modules]
    except Exception as e:
        t.skip("cannot import %s (%s: %s)" % ("/".join(modules), type(e).__name__, e))
        return t, None
    why = setup(build_dir())
    if why:
        t.skip(why)
        return t, None
    return t, mods
