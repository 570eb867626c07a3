"""_act.py - activations as libgolu sees them: a name and its parameters,
checked by the library, held as a ready struct golu_act.

    spec("golu", alpha=2.0) -> Spec      (cached per name and parameters)
    names() -> ("golu", "relu", ...)     every kind, from the library

The names are the library's (golu_act_from_name: "golu", "relu",
"leaky_relu", "prelu", "elu", "gelu", "gelu_tanh", "silu" or "swish",
"mish"; any case). Parameters a kind does not use are ignored, as in C.
"""

import ctypes

from . import _lib


class Spec:
    """One activation with fixed parameters: `name` (canonical), `alpha`,
    `beta`, `gamma` (floats), `act` (the ctypes struct, passed by
    reference), `ngrads` (parameter gradients golu_param_grad gives)."""

    __slots__ = ("name", "alpha", "beta", "gamma", "act", "ref", "ngrads")

    def __repr__(self):
        return "Spec(%s, alpha=%r, beta=%r, gamma=%r)" % (self.name, self.alpha, self.beta, self.gamma)


_cache = {}


def spec(name, alpha=None, beta=None, gamma=None):
    """The Spec of activation `name` with the given parameters (None: the
    library's default, golu_act_default). Raises GoluValueError with the
    library's words for an unknown name (GOLU_ERR_NAME) or a parameter out of
    range (GOLU_ERR_PARAM: GoLU's must be finite and > 0, ELU's alpha finite
    and >= 0, the slopes finite)."""
    key = (name, alpha, beta, gamma)
    s = _cache.get(key)
    if s is not None:
        return s
    act = _lib.Act()
    st = _lib.act_from_name(str(name).encode(), ctypes.byref(act))
    if st:
        raise _lib.error(st, "activation %r" % (name,))
    if alpha is not None:
        act.alpha = float(alpha)
    if beta is not None:
        act.beta = float(beta)
    if gamma is not None:
        act.gamma = float(gamma)
    s = Spec()
    s.name = _lib.act_name(act.kind).decode()
    st = _lib.act_check(ctypes.byref(act))
    if st:
        raise _lib.error(
            st, "%s(alpha=%r, beta=%r, gamma=%r)" % (s.name, act.alpha, act.beta, act.gamma)
        )
    s.alpha, s.beta, s.gamma = act.alpha, act.beta, act.gamma
    s.act = act
    s.ref = ctypes.byref(act)
    s.ngrads = _ngrads(s)
    if len(_cache) < 4096:  # learnable parameters change every step: bound it
        _cache[key] = s
    return s


def _ngrads(s):
    """How many entries golu_param_grad fills for s (GOLU_ACT_LIST's grads
    column): asked of the library with n = 0, GOLU_ERR_NO_PARAMS meaning
    none; GoLU's three, the slope's one."""
    st = _lib.param_grad(None, s.ref, _lib.F32, None, None, 0, _lib.new_d3())
    if st == 11:  # GOLU_ERR_NO_PARAMS
        return 0
    _lib.check(st, "golu_param_grad(%s, n=0)" % s.name)
    return 3 if s.name == "golu" else 1


def names():
    """The canonical names of every activation the library has, in value
    order."""
    out = []
    k = 0
    while True:
        n = _lib.act_name(k).decode()
        if n == "?":
            return tuple(out)
        out.append(n)
        k += 1
