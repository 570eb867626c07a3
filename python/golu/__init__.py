"""golu - the Gompertz Linear Unit and its peers from libgolu, for Python.

    import golu                 # the library, its names, errors, settings
    import golu.torch           # torch.nn modules and functions (needs torch)
    import golu.numpy           # functions on numpy arrays (needs numpy only)

GoLU(x) = alpha * x * exp(-beta * exp(-gamma * x)), float32 within 1 ulp of
the exact value, gradients finite everywhere; with it ReLU, LeakyReLU, PReLU,
ELU, GELU (erf and tanh forms), SiLU and Mish. Everything runs in libgolu
(C, through ctypes); docs/PYTHON.md has the whole story.

This module needs only the standard library.
"""

from . import _lib
from ._act import names as _names
from ._lib import GoluError, GoluValueError

__version__ = "0.1.0"  # GOLU_VERSION_STRING of include/golu.h

LIBRARY_PATH = _lib.LIBRARY_PATH
"""The libgolu that was loaded (a path, or a soname the system resolved)."""

ACTIVATIONS = _names()
"""Every activation's canonical name, in the library's order."""


def status_str(status):
    """golu_status_str: the library's sentence for a status code."""
    return _lib.status_str(status)


def info():
    """A dict describing the loaded library: its path, the SIMD path calls
    take (GOLU_ISA resolved), the CPUs it may use, the activations."""
    return {
        "library": LIBRARY_PATH,
        "version": __version__,
        "isa": _lib.isa_name(_lib.isa_default()).decode(),
        "isa_env_status": _lib.status_str(_lib.isa_env_status()),
        "cpus": _lib.cpu_count(),
        "activations": ACTIVATIONS,
    }


__all__ = ["GoluError", "GoluValueError", "LIBRARY_PATH", "ACTIVATIONS", "status_str", "info"]
