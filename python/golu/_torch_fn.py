"""_torch_fn.py - the autograd Functions over libgolu, and the three entry
points golu.torch's modules and functions call:

    act(x, spec, inplace)                       fixed parameters
    act_learn(x, spec_name, params, inplace)    GoLU with tensor parameters
    prelu(x, weight)                            per-channel slopes

Inputs that are not contiguous are made contiguous (a copy) first; the
output is contiguous. Gradients are computed from the input x, never from
the output, so an in-place call that will need a gradient keeps a copy of x
(ReLU and LeakyReLU with a positive slope excepted: the output's sign tells
their branch). A CPU forward that is not in place keeps f'(x) instead of x
where that is faster (keeps_slope: golu_forward_slope, the backward then
golu_backward_slope, the same bits). In-place calls always go through the Function, which marks x
dirty: torch's version checks and its refusal of in-place changes to a leaf
that requires grad apply as for torch's own in-place activations.
"""

import torch

from . import _act
from ._torch_ops import CPU, CUDA, backend, dtype_of  # noqa: F401


def _from_output(spec):
    """Whether f'(x) can be had from y = f(x) by calling the backward on y:
    ReLU, and LeakyReLU/PReLU with a positive slope (y <= 0 exactly when
    x <= 0; the slope is constant on each side)."""
    return spec.name == "relu" or (spec.name in ("leaky_relu", "prelu") and spec.alpha > 0)


def _once(grads):
    """The backward's results when it runs under create_graph=True: each
    made to require grad through a node that raises if differentiated again
    (what torch's once_differentiable does), so that a second derivative is
    an error, never a silent zero."""
    err = torch._C._functions.DelayedError(
        b"golu: second derivatives of libgolu's activations are not implemented", len(grads)
    )
    fake = [g.detach().requires_grad_(True) if g is not None else None for g in grads]
    out = err(*fake)
    return out if isinstance(out, tuple) else (out,)


def _grad_like(dy, x):
    """dy as the backward needs it: contiguous, in x's dtype."""
    if dy.dtype != x.dtype:
        dy = dy.to(x.dtype)
    return dy.contiguous()


def _forward_into(spec, x, inplace, keep_input, output_serves=False):
    """y = f(x), in x itself when inplace; returns (y, saved), saved the
    tensor the backward reads as its x (None when keep_input is false). With
    output_serves (only dx wanted, no parameter gradient), an in-place
    ReLU-family call saves its output instead of a copy of x."""
    be = backend(x)
    if not inplace:
        xc = x.contiguous()
        y = torch.empty_like(xc)
        be.fwd(spec, xc, y)
        return y, xc if keep_input else None
    if x.is_contiguous():
        saved = None
        if keep_input:
            saved = None if output_serves and _from_output(spec) else x.clone()
        be.fwd(spec, x, x)
        if keep_input and saved is None:
            saved = x  # the output itself (ReLU family)
        return x, saved
    xc = x.contiguous()  # a copy already: it can serve the backward
    y = torch.empty_like(xc)
    be.fwd(spec, xc, y)
    x.copy_(y)
    return x, xc if keep_input else None


# The forward keeps f'(x) (float64, 8 bytes an element) instead of x for
# the backward when x is a CPU tensor of a dtype libgolu keeps slopes for,
# has at most KEEP_SLOPE_MAX elements, and the call runs on one thread
# (torch.get_num_threads() == 1, or under SPLIT_ANY elements, which libgolu
# never splits): the backward is then a product, the transcendental work done
# once. Larger tensors keep x: the slope's traffic through memory would cost
# more than the second evaluation saves. On two threads the gain measured
# nothing or a loss in autograd (docs/PYTHON.md). set_keep_slope() changes it.
KEEP_SLOPE_MAX = 1 << 19
SPLIT_ANY = 1 << 16
_keep_slope = True


def set_keep_slope(on):
    """Whether golu.torch's CPU forwards may keep f'(x) for the backward
    (the default) or always keep x."""
    global _keep_slope
    _keep_slope = bool(on)


def keeps_slope(x):
    """Whether ActFn keeps f'(x) for x (see KEEP_SLOPE_MAX)."""
    n = x.numel()
    return (_keep_slope and x.dtype in CPU.KEEPS_SLOPE and n <= KEEP_SLOPE_MAX
            and (n < SPLIT_ANY or torch.get_num_threads() == 1))


class ActFn(torch.autograd.Function):
    """An activation with fixed parameters: forward(x, spec, inplace)."""

    @staticmethod
    def forward(ctx, x, spec, inplace):
        ctx.slope = False
        if inplace or not x.is_cpu:
            y, saved = _forward_into(spec, x, inplace, ctx.needs_input_grad[0], True)
            if inplace:
                ctx.mark_dirty(x)
        elif ctx.needs_input_grad[0] and keeps_slope(x):
            xc = x.contiguous()
            y = torch.empty_like(xc)
            saved = torch.empty(xc.shape, dtype=torch.float64)
            CPU.fwd_slope(spec, xc, y, saved)
            ctx.slope = True
            ctx.dtype_y = y.dtype
        else:  # the common case, kept short: a contiguous copy if needed, one call
            saved = x.contiguous()
            y = torch.empty_like(saved)
            CPU.fwd(spec, saved, y)
        if saved is not None:
            ctx.save_for_backward(saved)
        ctx.spec = spec
        return y

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        if ctx.slope:  # x is f'(x): dx = dy * f'(x) in y's dtype
            if dy.dtype != ctx.dtype_y or not dy.is_contiguous():
                dy = dy.to(ctx.dtype_y).contiguous()
            dx = torch.empty_like(dy)
            CPU.bwd_slope(x, dy, dx)
        else:
            if dy.dtype != x.dtype or not dy.is_contiguous():
                dy = _grad_like(dy, x)
            dx = torch.empty_like(x)
            if x.is_cpu:
                CPU.bwd(ctx.spec, x, dy, dx)
            else:
                CUDA.bwd(ctx.spec, x, dy, dx)
        if torch.is_grad_enabled():  # create_graph=True
            (dx,) = _once((dx,))
        return dx, None, None


def act(x, spec, inplace=False):
    """f(x) with autograd; without grad and not in place, one plain call."""
    if not inplace and not (x.requires_grad and torch.is_grad_enabled()):
        xc = x.contiguous()
        y = torch.empty_like(xc)
        backend(xc).fwd(spec, xc, y)
        return y
    y = ActFn.apply(x, spec, inplace)
    return x if inplace else y  # apply may wrap x anew when no graph is made


def _scalar(p, what):
    if p.numel() != 1:
        raise ValueError("golu: %s must hold one value, not shape %s" % (what, tuple(p.shape)))
    return float(p.detach().reshape(()).item())


class LearnFn(torch.autograd.Function):
    """An activation whose scalar parameters are tensors (GoLU's alpha, beta,
    gamma): forward(x, name, inplace, *params); their gradients from
    golu_param_grad (sums in double), cast to each parameter's dtype and
    shape."""

    @staticmethod
    def forward(ctx, x, name, inplace, *params):
        vals = [_scalar(p, "%s parameter %d" % (name, k)) for k, p in enumerate(params)]
        spec = _act.spec(name, *vals)
        keep = any(ctx.needs_input_grad[3:]) or ctx.needs_input_grad[0]
        y, saved = _forward_into(spec, x, inplace, keep)
        if inplace:
            ctx.mark_dirty(x)
        if saved is not None:
            ctx.save_for_backward(saved)
        ctx.spec = spec
        ctx.pshapes = [(p.dtype, p.device, p.shape) for p in params]
        return y

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        dy = _grad_like(dy, x)
        be = backend(x)
        dx = None
        if ctx.needs_input_grad[0]:
            dx = torch.empty_like(x)
            be.bwd(ctx.spec, x, dy, dx)
        grads = [None] * len(ctx.pshapes)
        if any(ctx.needs_input_grad[3:]):
            g = be.pgrad(ctx.spec, x, dy)
            for k, (dt, dev, shape) in enumerate(ctx.pshapes):
                if ctx.needs_input_grad[3 + k]:
                    grads[k] = g[k : k + 1].to(device=dev, dtype=dt).reshape(shape)
        if torch.is_grad_enabled():
            dx, *grads = _once([dx] + grads)
        return (dx, None, None) + tuple(grads)


def act_learn(x, name, params, inplace=False):
    """f(x) for activation `name` whose parameters are the tensors `params`
    (alpha, beta, gamma for GoLU), with autograd for x and them."""
    y = LearnFn.apply(x, name, inplace, *params)
    return x if inplace else y


def _prelu_shape(x, weight):
    """(channels, inner) of x for these slopes, as torch.nn.PReLU reads
    them: one slope for all, or one per channel of dim 1."""
    c = weight.numel()
    if c == 1:
        return 1, x.numel()
    if x.dim() < 2 or x.shape[1] != c:
        raise ValueError(
            "golu: prelu: %d slopes need the input's dim 1 to have %d channels; input shape %s"
            % (c, c, tuple(x.shape))
        )
    inner = 1
    for s in x.shape[2:]:
        inner *= s
    return c, inner


class PReLUFn(torch.autograd.Function):
    """PReLU with one slope per channel (or one for all): forward(x, weight)."""

    @staticmethod
    def forward(ctx, x, weight):
        channels, inner = _prelu_shape(x, weight)
        xc = x.contiguous()
        slope = weight.detach().to(device=x.device, dtype=x.dtype).contiguous()
        y = torch.empty_like(xc)
        backend(xc).prelu_fwd(xc, y, slope, channels, inner)
        ctx.save_for_backward(xc, slope)
        ctx.shape = (channels, inner, weight.dtype, weight.shape)
        return y

    @staticmethod
    def backward(ctx, dy):
        x, slope = ctx.saved_tensors
        channels, inner, wdtype, wshape = ctx.shape
        dy = _grad_like(dy, x)
        dx = torch.empty_like(x) if ctx.needs_input_grad[0] else None
        dslope = torch.empty_like(slope) if ctx.needs_input_grad[1] else None
        if dx is not None or dslope is not None:
            backend(x).prelu_bwd(x, dy, dx, slope, channels, inner, dslope)
        if dslope is not None:
            dslope = dslope.to(wdtype).reshape(wshape)
        if torch.is_grad_enabled():
            dx, dslope = _once([dx, dslope])
        return dx, dslope


def prelu(x, weight):
    """PReLU(x) with slopes `weight` ((1,) or (channels,)), with autograd."""
    dtype_of(x)
    return PReLUFn.apply(x, weight)
