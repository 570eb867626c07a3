"""_lib.py - finds and loads libgolu through ctypes, declares its functions,
and turns its status codes into exceptions.

Where the library comes from, first found wins:
  1. the environment variable GOLU_LIBRARY (a path or a soname); when it is
     set, nothing else is tried;
  2. the copy that the install put in this package (_build_info.LIBRARY);
  3. the library the install was built from (_build_info.BUILT_FROM);
  4. a source checkout: <repository>/build/libgolu.so beside python/golu;
  5. the system: ctypes.util.find_library("golu"), then "libgolu.so.0"
     (LD_LIBRARY_PATH and the linker's cache).
Nothing found: ImportError naming every place tried and why it failed.

Only the standard library is used here: `import golu` needs neither numpy
nor torch.
"""

import ctypes
import ctypes.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------- statuses ---

# golu_status values (the ABI of include/golu.h) and their C names.
STATUS_NAMES = (
    "GOLU_OK",
    "GOLU_ERR_NULL",
    "GOLU_ERR_DTYPE",
    "GOLU_ERR_ACT",
    "GOLU_ERR_PARAM",
    "GOLU_ERR_NAME",
    "GOLU_ERR_ISA",
    "GOLU_ERR_ISA_UNSUPPORTED",
    "GOLU_ERR_THREADS",
    "GOLU_ERR_SHAPE",
    "GOLU_ERR_ALIAS",
    "GOLU_ERR_NO_PARAMS",
    "GOLU_ERR_NO_MEMORY",
    "GOLU_ERR_NO_DEVICE",
    "GOLU_ERR_DEVICE",
    "GOLU_ERR_UNSUPPORTED",
)
# The statuses that mean the caller passed something wrong: GoluValueError.
_VALUE_STATUSES = frozenset((1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 15))


class GoluError(RuntimeError):
    """An error status from libgolu. `status` is the code (an int),
    `status_name` its C name ("GOLU_ERR_PARAM"), `words` the library's own
    sentence for it (golu_status_str); the message starts with what was being
    done and ends with those words."""

    def __init__(self, status, what, detail=None):
        self.status = int(status)
        self.status_name = STATUS_NAMES[status] if 0 <= status < len(STATUS_NAMES) else "?"
        self.words = status_str(status)
        msg = "golu: %s: %s" % (what, self.words)
        if detail:
            msg += " (%s)" % detail
        super().__init__(msg)


class GoluValueError(GoluError, ValueError):
    """A GoluError caused by an argument (a parameter out of range, an unknown
    name, inconsistent shapes, ...): also a ValueError."""


def error(status, what, detail=None):
    """The exception for a status: GoluValueError for argument errors,
    GoluError otherwise."""
    cls = GoluValueError if int(status) in _VALUE_STATUSES else GoluError
    return cls(status, what, detail)


def check(status, what):
    """Raises error(status, what) unless status is GOLU_OK (0)."""
    if status:
        raise error(status, what)


# ------------------------------------------------------------- loading ---


def _build_info():
    try:
        from . import _build_info as info  # written by scripts/python-install.sh
    except ImportError:
        return None
    return info


def _candidates():
    """(label, path or soname) in the order they are tried."""
    env = os.environ.get("GOLU_LIBRARY")
    if env:
        return [("GOLU_LIBRARY", env)]
    out = []
    info = _build_info()
    if info is not None:
        out.append(("installed copy", os.path.join(_HERE, info.LIBRARY)))
        out.append(("built from", info.BUILT_FROM))
    out.append((
        "source checkout", os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libgolu.so"))
    ))
    found = ctypes.util.find_library("golu")
    out.append(("find_library('golu')", found))
    out.append(("soname", "libgolu.so.0"))
    return out


def _load(candidates, what, hint):
    """The first candidate that loads, and its path; ImportError listing
    every attempt otherwise."""
    tried = []
    for label, path in candidates:
        if not path:
            tried.append("%s: not found" % label)
            continue
        if os.sep in path and not os.path.exists(path):
            tried.append("%s %s: no such file" % (label, path))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s %s: %s" % (label, path, e))
    raise ImportError("golu: cannot load %s; tried: %s. %s" % (what, "; ".join(tried), hint))


lib, LIBRARY_PATH = _load(
    _candidates(),
    "libgolu",
    "Build and install it with `make python-install` (or `sh scripts/python-install.sh`) "
    "from the golu repository, or set GOLU_LIBRARY to the path of a libgolu.so.",
)

# ----------------------------------------------------------- prototypes ---


class Act(ctypes.Structure):
    """struct golu_act: the kind and its three parameters."""

    _fields_ = [
        ("kind", ctypes.c_int),
        ("alpha", ctypes.c_double),
        ("beta", ctypes.c_double),
        ("gamma", ctypes.c_double),
    ]


_vp = ctypes.c_void_p
_sz = ctypes.c_size_t
_int = ctypes.c_int
_actp = ctypes.POINTER(Act)
_d3 = ctypes.c_double * 3


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


status_str_c = _proto("golu_status_str", ctypes.c_char_p, _int)
act_from_name = _proto("golu_act_from_name", _int, ctypes.c_char_p, _actp)
act_name = _proto("golu_act_name", ctypes.c_char_p, _int)
act_check = _proto("golu_act_check", _int, _actp)
dtype_name = _proto("golu_dtype_name", ctypes.c_char_p, _int)
isa_name = _proto("golu_isa_name", ctypes.c_char_p, _int)
isa_default = _proto("golu_isa_default", _int)
isa_env_status = _proto("golu_isa_env_status", _int)
cpu_count = _proto("golu_cpu_count", _int)
ctx_create = _proto("golu_ctx_create", _int, ctypes.POINTER(_vp))
ctx_destroy = _proto("golu_ctx_destroy", None, _vp)
ctx_set_threads = _proto("golu_ctx_set_threads", _int, _vp, _int)
ctx_threads = _proto("golu_ctx_threads", _int, _vp)
ctx_set_runner = _proto("golu_ctx_set_runner", _int, _vp, _vp, _vp)
forward = _proto("golu_forward", _int, _vp, _actp, _int, _vp, _vp, _sz)
backward = _proto("golu_backward", _int, _vp, _actp, _int, _vp, _vp, _vp, _sz)
forward_slope = _proto("golu_forward_slope", _int, _vp, _actp, _int, _vp, _vp, _vp, _sz)
backward_slope = _proto("golu_backward_slope", _int, _vp, _int, _vp, _vp, _vp, _sz)
param_grad = _proto("golu_param_grad", _int, _vp, _actp, _int, _vp, _vp, _sz, _d3)
prelu_forward = _proto("golu_prelu_forward", _int, _vp, _int, _vp, _vp, _sz, _vp, _sz, _sz)
prelu_backward = _proto(
    "golu_prelu_backward", _int, _vp, _int, _vp, _vp, _vp, _sz, _vp, _sz, _sz, _vp
)

# golu_dtype values
F32, F64, BF16, F16 = 0, 1, 2, 3


def status_str(status):
    """golu_status_str's sentence for a status code."""
    return status_str_c(int(status)).decode()


def new_d3():
    """A fresh double[3] for golu_param_grad."""
    return _d3()


# ------------------------------------------------------------ contexts ---

_ctxs = {}


def ctx_for_threads(threads, runner=None):
    """A context of this module's own with golu_ctx_set_threads(threads)
    (0: all CPUs) and, when runner (a golu_runner_fn's address) is given,
    golu_ctx_set_runner(runner); made once per (threads, runner) and kept for
    the process."""
    key = (threads, runner)
    c = _ctxs.get(key)
    if c is None:
        p = _vp()
        check(ctx_create(ctypes.byref(p)), "golu_ctx_create")
        st = ctx_set_threads(p, threads)
        what = "golu_ctx_set_threads(%d)" % threads
        if not st and runner is not None:
            st = ctx_set_runner(p, runner, None)
            what = "golu_ctx_set_runner"
        if st:
            ctx_destroy(p)
            raise error(st, what)
        c = _ctxs.setdefault(key, p.value)
    return c


# ------------------------------------------------------- OpenMP runner ---
# libgolu_omp's golu_omp_runner runs a context's splits on the OpenMP team of
# the process (include/golu_omp.h). It is worth having only when the process
# already runs that OpenMP runtime (torch's parallel backend on Linux), and
# then only if loading libgolu_omp adds no second runtime: its libgomp.so.1
# must resolve to the one already mapped (a torch wheel that vendors its own,
# renamed libgomp does not share it).

_OMP_RUNTIME = ("libgomp", "libiomp", "libomp")


def openmp_runtimes():
    """The OpenMP runtimes mapped into this process (their paths, sorted)."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                path = parts[5].strip() if len(parts) == 6 else ""
                base = os.path.basename(path)
                if base.startswith(_OMP_RUNTIME) and ".so" in base:
                    found.add(path)
    except OSError:
        pass
    return sorted(found)


def _companion_candidates(env_var, info_attr, stem):
    """Where a library shipped beside libgolu (libgolu_cuda, libgolu_omp) is
    looked for, first found wins: $env_var alone when set; the copy installed
    with this package (_build_info.<info_attr>); beside the libgolu that was
    loaded; find_library; the soname."""
    env = os.environ.get(env_var)
    if env:
        return [(env_var, env)]
    out = []
    info = _build_info()
    if info is not None and getattr(info, info_attr, None):
        out.append(("installed copy", os.path.join(_HERE, getattr(info, info_attr))))
    d = os.path.dirname(os.path.abspath(LIBRARY_PATH)) if os.sep in LIBRARY_PATH else None
    if d:
        out.append(("beside libgolu", os.path.join(d, "lib%s.so" % stem)))
        out.append(("beside libgolu", os.path.join(d, "lib%s.so.0" % stem)))
    out.append(("find_library('%s')" % stem, ctypes.util.find_library(stem)))
    out.append(("soname", "lib%s.so.0" % stem))
    return out


_omp = None  # (address or None, sentence), decided once


def omp_runner():
    """(golu_omp_runner's address, how) when libgolu_omp shares the OpenMP
    runtime this process already runs, else (None, why not). Decided on the
    first call and kept. GOLU_OMP=0 in the environment turns it off."""
    global _omp
    if _omp is not None:
        return _omp
    if os.environ.get("GOLU_OMP", "") == "0":
        _omp = (None, "GOLU_OMP=0 in the environment")
        return _omp
    before = openmp_runtimes()
    if not any(os.path.basename(p).startswith("libgomp.so.1") for p in before):
        _omp = (None, "no libgomp.so.1 in this process (OpenMP runtimes: %s)"
                % (", ".join(before) or "none"))
        return _omp
    try:
        c, path = _load(_companion_candidates("GOLU_OMP_LIBRARY", "OMP_LIBRARY", "golu_omp"), "libgolu_omp", "")
    except ImportError as e:
        _omp = (None, str(e))
        return _omp
    after = openmp_runtimes()
    if after != before:
        _omp = (None, "libgolu_omp (%s) brought a second OpenMP runtime: %s"
                % (path, ", ".join(p for p in after if p not in before)))
        return _omp
    _omp = (ctypes.cast(c.golu_omp_runner, _vp).value,
            "golu_omp_runner of %s on %s" % (path, ", ".join(before)))
    return _omp


# ------------------------------------------------------------------ CUDA ---

_cuda = None
_cuda_error = None


def cuda_lib():
    """libgolu_cuda with its prototypes, loaded on first use (libgolu is
    loaded first, so its soname resolves to the same copy); ImportError
    naming what was tried when it is not there."""
    global _cuda, _cuda_error
    if _cuda is not None:
        return _cuda
    if _cuda_error is not None:
        raise ImportError(_cuda_error)
    try:
        c, _ = _load(
            _companion_candidates("GOLU_CUDA_LIBRARY", "CUDA_LIBRARY", "golu_cuda"),
            "libgolu_cuda (the GPU part of libgolu)",
            "It is built when nvcc is found (`make CUDA=1`) and installed with the "
            "package by `make python-install`; or set GOLU_CUDA_LIBRARY.",
        )
    except ImportError as e:
        _cuda_error = str(e)
        raise
    p = {}
    p["device_count"] = (_int, ())
    p["forward"] = (_int, (_actp, _int, _vp, _vp, _sz, _vp))
    p["backward"] = (_int, (_actp, _int, _vp, _vp, _vp, _sz, _vp))
    p["param_grad_workspace"] = (_sz, (_sz,))
    p["param_grad"] = (_int, (_actp, _int, _vp, _vp, _sz, _vp, _vp, _sz, _vp))
    p["prelu_forward"] = (_int, (_int, _vp, _vp, _sz, _vp, _sz, _sz, _vp))
    p["prelu_backward_workspace"] = (_sz, (_sz, _sz, _sz))
    p["prelu_backward"] = (_int, (_int, _vp, _vp, _vp, _sz, _vp, _sz, _sz, _vp, _vp, _sz, _vp))
    for name, (res, args) in p.items():
        f = getattr(c, "golu_cuda_" + name)
        f.restype = res
        f.argtypes = args
    _cuda = c
    return c
