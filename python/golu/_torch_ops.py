"""_torch_ops.py - libgolu's calls on torch tensors, CPU or CUDA.

    backend(x) -> CPU or CUDA          the calls for x's device
    dtype_of(x) -> golu_dtype          float32, float64, bfloat16, float16

Both backends take contiguous tensors of one dtype (the callers in
_torch_fn.py make them so) and offer:
    fwd(spec, x, y)                    y = f(x)                (y may be x)
    bwd(spec, x, dy, dx)               dx = dy * f'(x)         (dx may be dy or x)
CPU alone, for float32, bfloat16 and float16 (CPU.KEEPS_SLOPE):
    fwd_slope(spec, x, y, slope)       y = f(x), slope = f'(x) (float64 tensor)
    bwd_slope(slope, dy, dx)           dx = dy * slope, rounded once: bwd's bits
    pgrad(spec, x, dy) -> float64 tensor (3,) on x's device: sum dy * df/dparam
    prelu_fwd(x, y, slope, channels, inner)
    prelu_bwd(x, dy, dx, slope, channels, inner, dslope)   dx, dslope may be None
Statuses other than GOLU_OK raise GoluError carrying the library's words.

CPU calls run on a context of this module's own whose thread count is
torch.get_num_threads() at the time of the call, their splits on torch's own
OpenMP threads where libgolu_omp can share them (runner()), else on
libgolu's workers and only from CPU.SPLIT_MIN elements on (see CPU._ctx). CUDA calls run on the
tensor's device and on torch.cuda.current_stream() there, through
libgolu_cuda; when that library or a GPU it can use is missing they raise
GoluError (GOLU_ERR_NO_DEVICE) saying which: nothing is ever copied to the
CPU behind the caller's back.
"""

import torch

from . import _lib

_DTYPES = {
    torch.float32: _lib.F32,
    torch.float64: _lib.F64,
    torch.bfloat16: _lib.BF16,
    torch.float16: _lib.F16,
}


def dtype_of(x):
    """The golu_dtype of a tensor; TypeError for the dtypes libgolu lacks."""
    d = _DTYPES.get(x.dtype)
    if d is None:
        raise TypeError(
            "golu: tensors of dtype %s are not supported (float32, float64, bfloat16, "
            "float16)" % x.dtype
        )
    return d


_runner = None  # (address or None, sentence), decided on first use


def runner():
    """(golu_omp_runner's address, how) when CPU calls run their splits on
    torch's own OpenMP threads, else (None, why not): torch's parallel
    backend must be OpenMP and libgolu_omp must share its runtime
    (_lib.omp_runner)."""
    global _runner
    if _runner is None:
        info = torch.__config__.parallel_info()
        if "parallel backend: OpenMP" not in info:
            _runner = (None, "torch's parallel backend is not OpenMP")
        else:
            _runner = _lib.omp_runner()
    return _runner


class CPU:
    """libgolu on host memory."""

    @staticmethod
    def _ctx(n):
        """The context for n elements: torch.get_num_threads() threads.
        With torch's OpenMP threads as the runner (runner()), libgolu
        splits from its own threshold (64Ki elements) on. Without it, one
        thread below SPLIT_MIN: torch's OpenMP threads spin between
        operations and hold the cores libgolu's workers would wake on
        (measured on 2 cores: forward + backward of 64Ki floats took 90 us on
        one thread and 140 us on two; at 1Mi two threads win, docs/PYTHON.md)."""
        r = _runner[0] if _runner is not None else runner()[0]
        if r is None and n < CPU.SPLIT_MIN:
            return _lib.ctx_for_threads(1)
        return _lib.ctx_for_threads(torch.get_num_threads(), r)

    SPLIT_MIN = 1 << 20

    @staticmethod
    def fwd(spec, x, y):
        st = _lib.forward(CPU._ctx(x.numel()), spec.ref, dtype_of(x), x.data_ptr(), y.data_ptr(), x.numel())
        if st:
            raise _lib.error(st, "golu_forward(%s)" % spec.name)

    @staticmethod
    def bwd(spec, x, dy, dx):
        st = _lib.backward(
            CPU._ctx(x.numel()),
            spec.ref,
            dtype_of(x),
            x.data_ptr(),
            dy.data_ptr(),
            dx.data_ptr(),
            x.numel(),
        )
        if st:
            raise _lib.error(st, "golu_backward(%s)" % spec.name)

    KEEPS_SLOPE = (torch.float32, torch.bfloat16, torch.float16)

    @staticmethod
    def fwd_slope(spec, x, y, slope):
        st = _lib.forward_slope(
            CPU._ctx(x.numel()), spec.ref, dtype_of(x), x.data_ptr(), y.data_ptr(),
            slope.data_ptr(), x.numel(),
        )
        if st:
            raise _lib.error(st, "golu_forward_slope(%s)" % spec.name)

    @staticmethod
    def bwd_slope(slope, dy, dx):
        st = _lib.backward_slope(
            CPU._ctx(dy.numel()), dtype_of(dy), slope.data_ptr(), dy.data_ptr(), dx.data_ptr(),
            dy.numel(),
        )
        if st:
            raise _lib.error(st, "golu_backward_slope")

    @staticmethod
    def pgrad(spec, x, dy):
        out = _lib.new_d3()
        st = _lib.param_grad(
            CPU._ctx(x.numel()), spec.ref, dtype_of(x), x.data_ptr(), dy.data_ptr(), x.numel(), out
        )
        if st:
            raise _lib.error(st, "golu_param_grad(%s)" % spec.name)
        return torch.tensor(list(out), dtype=torch.float64)

    @staticmethod
    def prelu_fwd(x, y, slope, channels, inner):
        st = _lib.prelu_forward(
            CPU._ctx(x.numel()), dtype_of(x), x.data_ptr(), y.data_ptr(), x.numel(), slope.data_ptr(),
            channels, inner,
        )
        if st:
            raise _lib.error(st, "golu_prelu_forward")

    @staticmethod
    def prelu_bwd(x, dy, dx, slope, channels, inner, dslope):
        st = _lib.prelu_backward(
            CPU._ctx(x.numel()), dtype_of(x), x.data_ptr(), dy.data_ptr(),
            dx.data_ptr() if dx is not None else None, x.numel(), slope.data_ptr(), channels,
            inner, dslope.data_ptr() if dslope is not None else None,
        )
        if st:
            raise _lib.error(st, "golu_prelu_backward")


class _OnDevice:
    """The current device set to the tensor's for the call (the CUDA
    library runs on the calling thread's current device)."""

    __slots__ = ("dev", "prev")

    def __init__(self, dev):
        self.dev = dev

    def __enter__(self):
        self.prev = torch.cuda.current_device()
        if self.prev != self.dev:
            torch.cuda.set_device(self.dev)

    def __exit__(self, *exc):
        if self.prev != self.dev:
            torch.cuda.set_device(self.prev)
        return False


def _cuda(x, what):
    """libgolu_cuda, checked usable for x: GoluError(GOLU_ERR_NO_DEVICE)
    naming what is missing otherwise."""
    try:
        c = _lib.cuda_lib()
    except ImportError as e:
        raise _lib.GoluError(13, "%s on %s" % (what, x.device), str(e)) from None
    if c.golu_cuda_device_count() <= x.device.index:
        raise _lib.GoluError(
            13,
            "%s on %s" % (what, x.device),
            "libgolu_cuda sees %d GPU(s) (golu_cuda_device_count) while torch has the "
            "tensor on %s: a driver or CUDA runtime mismatch?" % (c.golu_cuda_device_count(), x.device),
        )
    return c


def _stream(x):
    return torch.cuda.current_stream(x.device).cuda_stream


class CUDA:
    """libgolu_cuda on device memory, on torch's current stream of the
    tensor's device. Asynchronous, as torch's own kernels are."""

    @staticmethod
    def fwd(spec, x, y):
        c = _cuda(x, "golu_cuda_forward")
        with _OnDevice(x.device.index):
            st = c.golu_cuda_forward(
                spec.ref, dtype_of(x), x.data_ptr(), y.data_ptr(), x.numel(), _stream(x)
            )
        if st:
            raise _lib.error(st, "golu_cuda_forward(%s) on %s" % (spec.name, x.device))

    @staticmethod
    def bwd(spec, x, dy, dx):
        c = _cuda(x, "golu_cuda_backward")
        with _OnDevice(x.device.index):
            st = c.golu_cuda_backward(
                spec.ref, dtype_of(x), x.data_ptr(), dy.data_ptr(), dx.data_ptr(), x.numel(),
                _stream(x),
            )
        if st:
            raise _lib.error(st, "golu_cuda_backward(%s) on %s" % (spec.name, x.device))

    @staticmethod
    def pgrad(spec, x, dy):
        c = _cuda(x, "golu_cuda_param_grad")
        n = x.numel()
        wsb = c.golu_cuda_param_grad_workspace(n)
        ws = torch.empty(max(wsb, 1), dtype=torch.uint8, device=x.device)
        out = torch.empty(3, dtype=torch.float64, device=x.device)
        with _OnDevice(x.device.index):
            st = c.golu_cuda_param_grad(
                spec.ref, dtype_of(x), x.data_ptr(), dy.data_ptr(), n, out.data_ptr(),
                ws.data_ptr(), wsb, _stream(x),
            )
        if st:
            raise _lib.error(st, "golu_cuda_param_grad(%s) on %s" % (spec.name, x.device))
        return out

    @staticmethod
    def prelu_fwd(x, y, slope, channels, inner):
        c = _cuda(x, "golu_cuda_prelu_forward")
        with _OnDevice(x.device.index):
            st = c.golu_cuda_prelu_forward(
                dtype_of(x), x.data_ptr(), y.data_ptr(), x.numel(), slope.data_ptr(), channels,
                inner, _stream(x),
            )
        if st:
            raise _lib.error(st, "golu_cuda_prelu_forward on %s" % x.device)

    @staticmethod
    def prelu_bwd(x, dy, dx, slope, channels, inner, dslope):
        c = _cuda(x, "golu_cuda_prelu_backward")
        n = x.numel()
        wsb = c.golu_cuda_prelu_backward_workspace(n, channels, inner) if dslope is not None else 0
        ws = torch.empty(max(wsb, 1), dtype=torch.uint8, device=x.device)
        with _OnDevice(x.device.index):
            st = c.golu_cuda_prelu_backward(
                dtype_of(x), x.data_ptr(), dy.data_ptr(),
                dx.data_ptr() if dx is not None else None, n, slope.data_ptr(), channels, inner,
                dslope.data_ptr() if dslope is not None else None, ws.data_ptr(), wsb,
                _stream(x),
            )
        if st:
            raise _lib.error(st, "golu_cuda_prelu_backward on %s" % x.device)


def backend(x):
    """CPU or CUDA for x's device; TypeError for any other device."""
    t = x.device.type
    if t == "cpu":
        return CPU
    if t == "cuda":
        return CUDA
    raise TypeError(
        "golu: tensors on device '%s' are not supported (libgolu runs on the CPU, and on "
        "NVIDIA GPUs through libgolu_cuda)" % x.device
    )
