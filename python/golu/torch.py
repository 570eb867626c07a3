"""golu.torch - libgolu's activations as torch.nn modules and functions.

    from golu.torch import GoLU
    act = GoLU()                                 # alpha = beta = gamma = 1
    act = GoLU(learnable=True)                   # alpha, beta, gamma parameters
    y = golu.torch.golu(x, alpha=1.0, beta=1.0, gamma=1.0)

Modules, drop-in for torch.nn's (same constructor arguments, extra_repr,
state_dict): GoLU, ReLU, LeakyReLU, PReLU, ELU, GELU, SiLU, Mish; functions:
golu, relu, leaky_relu, prelu, elu, gelu, silu, mish; module(name) makes one
from a libgolu name ("gelu_tanh", "swish", ...).

Every call runs in libgolu (forward, backward and parameter gradients), on
float32, float64, bfloat16 and float16 tensors of any shape. Semantics
(docs/PYTHON.md has them whole):
  - inputs that are not contiguous are copied to a contiguous tensor first;
    outputs are contiguous;
  - CPU calls use torch.get_num_threads() threads (libgolu runs arrays under
    64Ki elements on the calling thread), on torch's own OpenMP threads
    where libgolu_omp can share torch's runtime, else on libgolu's workers
    from 1Mi elements on (threading() says which);
  - CUDA tensors run in libgolu_cuda on their device and on torch's current
    stream; without that library or a GPU it can use: GoluError, never a
    copy to the CPU;
  - inplace=True writes the result into x as torch's in-place activations
    do (same autograd rules); gradients need the input, so under autograd
    an in-place call keeps a copy of x (not for ReLU and LeakyReLU with a
    positive slope);
  - a CPU forward under autograd keeps f'(x) (float64) instead of x for
    float32, bfloat16 and float16 tensors of up to 512Ki elements on one
    torch thread (below 64Ki on more): its backward is then one product,
    with golu_backward's bits (set_keep_slope(False) keeps x always);
  - second derivatives are not provided (the backward is once
    differentiable); TorchScript cannot compile these modules (ctypes).
"""

import torch
from torch import nn

from . import _act, _torch_fn
from ._lib import GoluError, GoluValueError  # noqa: F401  (re-exported)

# ------------------------------------------------------------ functions ---


def golu(x, alpha=1.0, beta=1.0, gamma=1.0, inplace=False):
    """GoLU(x) = alpha * x * exp(-beta * exp(-gamma * x)). alpha, beta,
    gamma are numbers, or one-element tensors (then they get gradients);
    each must be finite and > 0 (GoluValueError otherwise)."""
    ps = (alpha, beta, gamma)
    if any(isinstance(p, torch.Tensor) for p in ps):
        ts = [p if isinstance(p, torch.Tensor) else torch.tensor([float(p)], dtype=torch.float64) for p in ps]
        return _torch_fn.act_learn(x, "golu", ts, inplace)
    return _torch_fn.act(x, _act.spec("golu", alpha, beta, gamma), inplace)


def relu(x, inplace=False):
    """max(x, 0); gradient 0 at 0."""
    return _torch_fn.act(x, _act.spec("relu"), inplace)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x > 0 ? x : negative_slope * x; gradient negative_slope at 0."""
    return _torch_fn.act(x, _act.spec("leaky_relu", negative_slope), inplace)


def prelu(x, weight):
    """PReLU with the slopes `weight`: one for all, or one per channel of
    dim 1 (torch.nn.functional.prelu's rule)."""
    return _torch_fn.prelu(x, weight)


def elu(x, alpha=1.0, inplace=False):
    """x > 0 ? x : alpha * (exp(x) - 1); alpha finite and >= 0."""
    return _torch_fn.act(x, _act.spec("elu", alpha), inplace)


def gelu(x, approximate="none"):
    """x * Phi(x) (approximate='none', the erf form) or its tanh form
    (approximate='tanh')."""
    return _torch_fn.act(x, _act.spec(_gelu_name(approximate)), False)


def silu(x, inplace=False):
    """x * sigmoid(x) (Swish)."""
    return _torch_fn.act(x, _act.spec("silu"), inplace)


def mish(x, inplace=False):
    """x * tanh(softplus(x))."""
    return _torch_fn.act(x, _act.spec("mish"), inplace)


def _gelu_name(approximate):
    if approximate == "none":
        return "gelu"
    if approximate == "tanh":
        return "gelu_tanh"
    raise ValueError("golu: gelu: approximate must be 'none' or 'tanh', not %r" % (approximate,))


# -------------------------------------------------------------- modules ---


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class GoLU(nn.Module):
    """GoLU(x) = alpha * x * exp(-beta * exp(-gamma * x)), from libgolu.

    learnable=True makes alpha, beta, gamma parameters of shape (1,) (in
    `dtype`, default torch's default dtype), in the state_dict as "alpha",
    "beta", "gamma"; otherwise they are plain numbers and the state_dict is
    empty, as for torch's activations. Each must stay finite and > 0.
    """

    def __init__(self, alpha=1.0, beta=1.0, gamma=1.0, learnable=False, inplace=False,
                 device=None, dtype=None):
        super().__init__()
        _act.spec("golu", alpha, beta, gamma)  # GoluValueError now, not at the first call
        self.learnable = bool(learnable)
        self.inplace = bool(inplace)
        if self.learnable:
            kw = {"device": device, "dtype": dtype}
            self.alpha = nn.Parameter(torch.tensor([float(alpha)], **kw))
            self.beta = nn.Parameter(torch.tensor([float(beta)], **kw))
            self.gamma = nn.Parameter(torch.tensor([float(gamma)], **kw))
        else:
            self.alpha, self.beta, self.gamma = float(alpha), float(beta), float(gamma)

    def forward(self, x):
        if self.learnable:
            return _torch_fn.act_learn(x, "golu", (self.alpha, self.beta, self.gamma), self.inplace)
        return _torch_fn.act(x, _act.spec("golu", self.alpha, self.beta, self.gamma), self.inplace)

    def extra_repr(self):
        if self.learnable:
            s = "alpha=%s, beta=%s, gamma=%s, learnable=True" % tuple(
                float(p.detach().reshape(()).item()) for p in (self.alpha, self.beta, self.gamma)
            )
        else:
            s = "alpha=%s, beta=%s, gamma=%s" % (self.alpha, self.beta, self.gamma)
        return s + (", inplace=True" if self.inplace else "")


class ReLU(nn.Module):
    """max(x, 0), as torch.nn.ReLU."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return relu(x, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(nn.Module):
    """x > 0 ? x : negative_slope * x, as torch.nn.LeakyReLU."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        _act.spec("leaky_relu", negative_slope)
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x):
        return leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return "negative_slope={}{}".format(self.negative_slope, ", inplace=True" if self.inplace else "")


class PReLU(nn.Module):
    """PReLU with learnable slopes, as torch.nn.PReLU: num_parameters = 1
    (one slope) or the number of channels (dim 1 of the input); the slopes
    are the parameter "weight", initialised to `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = nn.Parameter(torch.empty(num_parameters, device=device, dtype=dtype).fill_(init))

    def reset_parameters(self):
        nn.init.constant_(self.weight, self.init)

    def forward(self, x):
        return prelu(x, self.weight)

    def extra_repr(self):
        return "num_parameters={}".format(self.num_parameters)


class ELU(nn.Module):
    """x > 0 ? x : alpha * (exp(x) - 1), as torch.nn.ELU (alpha >= 0)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        _act.spec("elu", alpha)
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x):
        return elu(x, self.alpha, self.inplace)

    def extra_repr(self):
        return "alpha={}{}".format(self.alpha, ", inplace=True" if self.inplace else "")


class GELU(nn.Module):
    """x * Phi(x), as torch.nn.GELU: approximate='none' (erf) or 'tanh'."""

    def __init__(self, approximate="none"):
        super().__init__()
        _gelu_name(approximate)
        self.approximate = approximate

    def forward(self, x):
        return gelu(x, self.approximate)

    def extra_repr(self):
        return "approximate={}".format(repr(self.approximate))


class SiLU(nn.Module):
    """x * sigmoid(x), as torch.nn.SiLU."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return silu(x, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Mish(nn.Module):
    """x * tanh(softplus(x)), as torch.nn.Mish."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return mish(x, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


def module(name, **kwargs):
    """The module for a libgolu activation name (golu.ACTIVATIONS, aliases
    such as "swish" included): module("gelu_tanh") is GELU("tanh"),
    module("golu", learnable=True) a learnable GoLU. kwargs go to the
    module's constructor."""
    n = _act.spec(name).name
    if n == "gelu_tanh":
        return GELU("tanh", **kwargs)
    cls = {
        "golu": GoLU, "relu": ReLU, "leaky_relu": LeakyReLU, "prelu": PReLU, "elu": ELU,
        "gelu": GELU, "silu": SiLU, "mish": Mish,
    }.get(n)
    if cls is None:  # a kind newer than this module
        raise GoluValueError(5, "golu.torch.module(%r)" % name, "no torch module for it yet")
    return cls(**kwargs)


def threading():
    """How CPU calls use threads, as a dict: "threads" (torch.get_num_threads()
    now), "runner" ("openmp": splits run on torch's own OpenMP threads
    through libgolu_omp; "libgolu": on libgolu's workers), "detail" (which
    library and runtime, or why not OpenMP), "split_min" (the smallest
    array split across threads)."""
    from . import _torch_ops

    r, detail = _torch_ops.runner()
    return {
        "threads": torch.get_num_threads(),
        "runner": "openmp" if r is not None else "libgolu",
        "detail": detail,
        "split_min": 1 << 16 if r is not None else _torch_ops.CPU.SPLIT_MIN,
    }


def set_keep_slope(on):
    """Whether CPU forwards under autograd may keep f'(x) (8 bytes an
    element) for the backward instead of x (True, the default: for
    float32, bfloat16 and float16 tensors of up to 512Ki elements on one
    torch thread, below 64Ki on more, where it is faster), or always keep
    x (False: less memory)."""
    _torch_fn.set_keep_slope(on)


__all__ = [
    "GoLU", "ReLU", "LeakyReLU", "PReLU", "ELU", "GELU", "SiLU", "Mish", "module", "threading",
    "set_keep_slope",
    "golu", "relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "mish", "GoluError",
    "GoluValueError",
]
