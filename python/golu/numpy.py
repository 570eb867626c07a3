"""golu.numpy - libgolu's activations on numpy arrays (no torch needed).

    import numpy as np, golu.numpy as gn
    y = gn.forward(x)                         # GoLU, alpha = beta = gamma = 1
    y = gn.forward(x, "gelu_tanh", out=y)     # into a preallocated array
    dx = gn.backward(x, dy, "golu", alpha=2.0)
    y, s = gn.forward_slope(x)                # for training: y and f'(x) (float64)
    dx = gn.backward_slope(s, dy)             # dx = dy * s: backward's bits
    da, db, dg = gn.param_grad(x, dy, "golu") # sums of dy * df/dparam, float64
    y = gn.prelu_forward(x, slopes)           # one slope per channel of axis 1
    dx, dslope = gn.prelu_backward(x, dy, slopes)

Activations by libgolu's names (golu.ACTIVATIONS; "swish" and other aliases
too), parameters alpha, beta, gamma as in C (unused ones ignored; None: the
default). dtypes float32, float64, float16, and bfloat16 where numpy has one
(an array whose dtype is named "bfloat16", e.g. from ml_dtypes). Inputs of
another dtype raise TypeError; inputs that are not C-contiguous are copied.
`out` must be a C-contiguous, writable array of the input's shape and dtype;
it may be x itself (in place; for backward it may also be dy). Calls use
all CPUs unless `threads` says otherwise (libgolu runs arrays under 64Ki
elements on the calling thread). Library errors raise GoluError (a
RuntimeError) or GoluValueError (also a ValueError), carrying the
library's words.
"""

import numpy as np

from . import _act, _lib

_DTYPES = {np.dtype(np.float32): _lib.F32, np.dtype(np.float64): _lib.F64, np.dtype(np.float16): _lib.F16}


def _dtype(a):
    d = _DTYPES.get(a.dtype)
    if d is None:
        if a.dtype.name == "bfloat16" and a.dtype.itemsize == 2:
            return _lib.BF16
        raise TypeError(
            "golu: arrays of dtype %s are not supported (float32, float64, float16, bfloat16)"
            % a.dtype
        )
    return d


def _input(a, dtype=None):
    """a as a C-contiguous ndarray (a copy only when needed)."""
    a = np.asarray(a, dtype=dtype, order="C")  # keeps 0-d arrays 0-d
    _dtype(a)
    return a


def _out(out, like, what):
    """A new array like `like`, or `out` checked to fit."""
    if out is None:
        return np.empty_like(like, order="C")
    if not isinstance(out, np.ndarray):
        raise TypeError("golu: %s: out must be a numpy array, not %s" % (what, type(out).__name__))
    if out.shape != like.shape or out.dtype != like.dtype:
        raise ValueError(
            "golu: %s: out has shape %s and dtype %s; it must have the input's, %s and %s"
            % (what, out.shape, out.dtype, like.shape, like.dtype)
        )
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("golu: %s: out must be C-contiguous and writable" % what)
    return out


def _ptr(a):
    return a.__array_interface__["data"][0]


def _ctx(threads):
    return _lib.ctx_for_threads(0 if threads is None else int(threads))


def forward(x, act="golu", *, alpha=None, beta=None, gamma=None, out=None, threads=None):
    """y = f(x) elementwise; f the activation `act` with the given parameters.
    Returns out (or a new array)."""
    s = _act.spec(act, alpha, beta, gamma)
    x = _input(x)
    y = _out(out, x, "forward")
    st = _lib.forward(_ctx(threads), s.ref, _dtype(x), _ptr(x), _ptr(y), x.size)
    if st:
        raise _lib.error(st, "golu_forward(%s)" % s.name)
    return y


def _pair(x, dy, what):
    x = _input(x)
    dy = _input(dy, x.dtype) if np.asarray(dy).dtype != x.dtype else _input(dy)
    if dy.shape != x.shape:
        raise ValueError("golu: %s: dy has shape %s, x %s" % (what, dy.shape, x.shape))
    return x, dy


def backward(x, dy, act="golu", *, alpha=None, beta=None, gamma=None, out=None, threads=None):
    """dx = dy * f'(x) elementwise, computed from x. dy is converted to x's
    dtype if it differs. Returns out (or a new array)."""
    s = _act.spec(act, alpha, beta, gamma)
    x, dy = _pair(x, dy, "backward")
    dx = _out(out, x, "backward")
    st = _lib.backward(_ctx(threads), s.ref, _dtype(x), _ptr(x), _ptr(dy), _ptr(dx), x.size)
    if st:
        raise _lib.error(st, "golu_backward(%s)" % s.name)
    return dx


def forward_slope(x, act="golu", *, alpha=None, beta=None, gamma=None, out=None, slope=None,
                  threads=None):
    """(y, slope): y = f(x) and slope = f'(x) as float64 (libgolu's
    golu_forward_slope), for a training loop that will call
    backward_slope(slope, dy): then dx has backward(x, dy)'s bits, and f is
    evaluated once. float32, float16, bfloat16 (float64 raises
    GoluValueError: GOLU_ERR_UNSUPPORTED). `slope`, if given, must be a
    C-contiguous writable float64 array of x's shape."""
    s = _act.spec(act, alpha, beta, gamma)
    x = _input(x)
    y = _out(out, x, "forward_slope")
    sl = _out(slope, np.empty(x.shape, dtype=np.float64), "forward_slope (slope)")
    st = _lib.forward_slope(_ctx(threads), s.ref, _dtype(x), _ptr(x), _ptr(y), _ptr(sl), x.size)
    if st:
        raise _lib.error(st, "golu_forward_slope(%s)" % s.name)
    return y, sl


def backward_slope(slope, dy, *, out=None, threads=None):
    """dx = dy * slope rounded once to dy's dtype (libgolu's
    golu_backward_slope): with the slope of forward_slope(x), the bits of
    backward(x, dy). out may be dy itself."""
    dy = _input(dy)
    slope = np.asarray(slope, order="C")
    if slope.dtype != np.float64 or slope.shape != dy.shape:
        raise ValueError(
            "golu: backward_slope: slope must be float64 of dy's shape %s, not %s %s"
            % (dy.shape, slope.dtype, slope.shape)
        )
    dx = _out(out, dy, "backward_slope")
    st = _lib.backward_slope(_ctx(threads), _dtype(dy), _ptr(slope), _ptr(dy), _ptr(dx), dy.size)
    if st:
        raise _lib.error(st, "golu_backward_slope")
    return dx


def param_grad(x, dy, act="golu", *, alpha=None, beta=None, gamma=None, threads=None):
    """The gradients of sum(dy * f(x)) with respect to the activation's
    parameters, summed in double in a fixed order: a float64 array of 3 for
    GoLU (alpha, beta, gamma), of 1 for LeakyReLU and PReLU (the slope).
    Activations without parameters raise GoluValueError
    (GOLU_ERR_NO_PARAMS)."""
    s = _act.spec(act, alpha, beta, gamma)
    x, dy = _pair(x, dy, "param_grad")
    o = _lib.new_d3()
    st = _lib.param_grad(_ctx(threads), s.ref, _dtype(x), _ptr(x), _ptr(dy), x.size, o)
    if st:
        raise _lib.error(st, "golu_param_grad(%s)" % s.name)
    return np.array(list(o)[: s.ngrads], dtype=np.float64)


def _prelu_layout(x, slope):
    c = slope.size
    if c == 1:
        return 1, x.size
    if x.ndim < 2 or x.shape[1] != c:
        raise ValueError(
            "golu: prelu: %d slopes need the input's axis 1 to have %d channels; input shape %s"
            % (c, c, x.shape)
        )
    return c, int(np.prod(x.shape[2:], dtype=np.int64))


def prelu_forward(x, slope, *, out=None, threads=None):
    """PReLU: x > 0 ? x : slope[c] * x, c the index along axis 1 (one slope:
    the same for all). slope is converted to x's dtype."""
    x = _input(x)
    slope = _input(np.ravel(slope), x.dtype)
    channels, inner = _prelu_layout(x, slope)
    y = _out(out, x, "prelu_forward")
    st = _lib.prelu_forward(
        _ctx(threads), _dtype(x), _ptr(x), _ptr(y), x.size, _ptr(slope), channels, inner
    )
    if st:
        raise _lib.error(st, "golu_prelu_forward")
    return y


def prelu_backward(x, dy, slope, *, out=None, threads=None):
    """(dx, dslope): dx = dy * (x > 0 ? 1 : slope[c]); dslope[c] the sum over
    channel c of dy * x where x <= 0, accumulated in double, in x's dtype."""
    x, dy = _pair(x, dy, "prelu_backward")
    slope = _input(np.ravel(slope), x.dtype)
    channels, inner = _prelu_layout(x, slope)
    dx = _out(out, x, "prelu_backward")
    dslope = np.empty_like(slope)
    st = _lib.prelu_backward(
        _ctx(threads), _dtype(x), _ptr(x), _ptr(dy), _ptr(dx), x.size, _ptr(slope), channels,
        inner, _ptr(dslope),
    )
    if st:
        raise _lib.error(st, "golu_prelu_backward")
    return dx, dslope


def golu(x, alpha=1.0, beta=1.0, gamma=1.0, *, out=None, threads=None):
    """GoLU(x) = alpha * x * exp(-beta * exp(-gamma * x)): forward(x, "golu", ...)."""
    return forward(x, "golu", alpha=alpha, beta=beta, gamma=gamma, out=out, threads=threads)


__all__ = ["forward", "backward", "param_grad", "prelu_forward", "prelu_backward", "golu"]
