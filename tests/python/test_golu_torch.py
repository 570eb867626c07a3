"""test_golu_torch.py - golu.torch against libgolu's C results, torch.nn and
torch's autograd rules.

    /usr/bin/python3 tests/python/test_golu_torch.py [BUILD_DIR] [-v]

  gradcheck    torch.autograd.gradcheck in float64 for every activation (GoLU
               with default and general parameters, the peers, PReLU with one
               and with per-channel slopes), and GoLU's learnable alpha, beta,
               gamma
  bits         forward and backward of every activation in float32, float64,
               bfloat16 and float16, parameter gradients and per-channel PReLU:
               bit for bit libgolu's results, called straight through ctypes
               (clib.py) on the same inputs
  layout       any shape (0 elements, 0-d), non-contiguous inputs (the result
               of a contiguous copy), contiguous outputs
  inplace      in-place results and gradients equal out-of-place ones; torch's
               rules: a leaf that requires grad refused, version counters
               bumped (a later backward that needed the old value fails)
  modules      repr, state_dict and load_state_dict as torch.nn's, values as
               torch.nn's in float64, .to(dtype)
  threads      the thread count follows torch.get_num_threads(); splits run
               on torch's OpenMP threads through libgolu_omp (no thread of
               libgolu's started) unless GOLU_OMP=0; 1 and 2 threads give the
               same bits with either
  errors       parameters out of range, dtypes, shapes, devices: GoluError or
               the usual Python errors, with the library's words
  cuda         without a GPU: the error names what is missing; with one, the
               GPU gives the CPU's bits (skipped without a GPU, saying so)
Ends with "golu_torch: P passed, F failed, S skipped"; exits 1 on failure.
"""

import os
import sys

sys.dont_write_bytecode = True
import pyharness  # noqa: E402

NAME = "golu_torch"

# (name, kwargs of golu.torch.module, kwargs of torch.nn's module, libgolu params)
PEERS = [
    ("relu", {}, "ReLU", {}),
    ("leaky_relu", {"negative_slope": 0.2}, "LeakyReLU", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}, "ELU", {"alpha": 0.5}),
    ("gelu", {}, "GELU", {}),
    ("gelu_tanh", {}, "GELU", {}),
    ("silu", {}, "SiLU", {}),
    ("mish", {}, "Mish", {}),
]


def away_from_kinks(torch, n, dtype=None, seed=0):
    """Inputs at least 0.05 from 0 (the kinks of the ReLU family and ELU),
    where finite differences work."""
    g = torch.Generator().manual_seed(seed)
    r = torch.randn(n, generator=g, dtype=torch.float64) * 2
    return (r.sign() * (r.abs() + 0.05)).to(dtype or torch.float64)


def test_gradcheck(t, torch, gt):
    from torch.autograd import gradcheck

    for shift in (0.0, -3.0):
        x = (away_from_kinks(torch, 40, seed=1) + shift).reshape(4, 10).requires_grad_(True)
        for name, kw, _, _ in PEERS + [("golu", {}, None, {})]:
            m = gt.module(name, **kw).double() if name != "gelu_tanh" else gt.GELU("tanh")
            t.check(gradcheck(m, (x,)), "gradcheck %s x+%g" % (name, shift))
        m = gt.GoLU(1.7, 0.6, 1.3)
        t.check(gradcheck(m, (x,)), "gradcheck golu(1.7, 0.6, 1.3)")
    x = away_from_kinks(torch, 24, seed=2).requires_grad_(True)
    for a, b, g in ((1.0, 1.0, 1.0), (0.8, 2.0, 0.5)):
        ps = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in (a, b, g)]
        ok = gradcheck(lambda x, a, b, g: gt.golu(x, a, b, g), (x, *ps))
        t.check(ok, "gradcheck golu learnable x, alpha, beta, gamma at (%g, %g, %g)" % (a, b, g))
    m = gt.GoLU(learnable=True, dtype=torch.float64)
    ok = gradcheck(lambda x, a, b, g: gt.golu(x, a, b, g), (x, m.alpha, m.beta, m.gamma))
    t.check(ok, "gradcheck GoLU(learnable=True) parameters")
    xc = away_from_kinks(torch, 2 * 3 * 5, seed=3).reshape(2, 3, 5).requires_grad_(True)
    w = torch.tensor([0.25, -0.5, 1.5], dtype=torch.float64, requires_grad=True)
    t.check(gradcheck(gt.prelu, (xc, w)), "gradcheck prelu per-channel x, weight")
    w1 = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    t.check(gradcheck(gt.prelu, (xc, w1)), "gradcheck prelu one slope x, weight")


def sample(np, n, seed):
    """n float64 values: N(0, 3), the hard regions, specials."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, n)
    x[: n // 8] = rng.uniform(-90, 30, n // 8)
    x[n // 8 : n // 4] = -0.5671432904097838 + rng.normal(0, 1e-3, n // 8)
    x[n // 4 : n // 4 + 12] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, -84.29, -84.3,
                               -200.0, 88.7, 3e38]
    return x


def bits_equal(np, a, b):
    """Same bits, or both NaN (a NaN's payload is never promised)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    ua = a.view(np.uint16 if a.itemsize == 2 else np.uint32 if a.itemsize == 4 else np.uint64)
    ub = b.view(ua.dtype)
    if a.dtype == np.uint16:  # bfloat16 bits
        nan_a = (ua & 0x7F80) == 0x7F80
        nan_a &= (ua & 0x7F) != 0
        nan_b = ((ub & 0x7F80) == 0x7F80) & ((ub & 0x7F) != 0)
    else:
        nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool(np.all((ua == ub) | (nan_a & nan_b)))


def to_np(torch, np, x):
    """A tensor's values as numpy (bfloat16 as its uint16 bits)."""
    x = x.detach().contiguous()
    if x.dtype == torch.bfloat16:
        return x.view(torch.int16).numpy().view(np.uint16)
    return x.numpy()


def test_bits(t, torch, np, gt, c):
    x64 = sample(np, 20000, 7)
    dy64 = np.random.default_rng(8).normal(0, 1, x64.size)
    dy64[:5] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    for dt in (torch.float32, torch.float64, torch.bfloat16, torch.float16):
        x = torch.from_numpy(x64).to(dt)
        dy = torch.from_numpy(dy64).to(dt)
        xn, dyn = to_np(torch, np, x), to_np(torch, np, dy)
        cdt = "bf16" if dt == torch.bfloat16 else None
        for name, kw, _, params in PEERS + [("golu", {}, None, {}), ("golu", {}, None, {"alpha": 1.375, "beta": 0.75, "gamma": 2.0})]:
            if name == "golu":
                m = gt.GoLU(**{k: v for k, v in params.items()})
            else:
                m = gt.module(name, **kw)
            xr = x.clone().requires_grad_(True)
            y = m(xr)
            y.backward(dy)
            what = "%s%s %s" % (name, "(%s)" % params if name == "golu" and params else "", str(dt)[6:])
            t.check(bits_equal(np, to_np(torch, np, y), c.forward(name, xn, dtype=cdt, **params)),
                    "bits forward %s" % what)
            t.check(bits_equal(np, to_np(torch, np, xr.grad), c.backward(name, xn, dyn, dtype=cdt, **params)),
                    "bits backward %s" % what)
        # learnable GoLU: parameter gradients from golu_param_grad (double sums), in the params' dtype
        # parameters exact in float32, so that C gets the same values
        m = gt.GoLU(1.25, 0.875, 1.125, learnable=True, dtype=torch.float64 if dt == torch.float64 else torch.float32)
        xr = x.clone().requires_grad_(True)
        m(xr).backward(dy)
        want = c.param_grad("golu", xn, dyn, 1.25, 0.875, 1.125, dtype=cdt)
        got = [float(p.grad) for p in (m.alpha, m.beta, m.gamma)]
        pdt = np.float64 if dt == torch.float64 else np.float32
        t.check([pdt(v) for v in got] == [pdt(v) for v in want] or (np.isnan(got).any() and np.isnan(want).any()),
                "bits GoLU learnable param grads %s: %s, C %s" % (str(dt)[6:], got, want))
        t.check(bits_equal(np, to_np(torch, np, xr.grad), c.backward("golu", xn, dyn, 1.25, 0.875, 1.125, dtype=cdt)),
                "bits GoLU learnable dx %s" % str(dt)[6:])
    # per-channel PReLU, float32, finite inputs (a NaN makes its channel's dslope NaN)
    xs = torch.from_numpy(np.random.default_rng(9).normal(0, 1, (4, 3, 5, 6))).float().requires_grad_(True)
    dys = torch.from_numpy(np.random.default_rng(10).normal(0, 1, (4, 3, 5, 6))).float()
    m = gt.PReLU(3, init=0.1)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([0.1, -0.3, 2.0]))
    m(xs).backward(dys)
    y = m(xs)
    w = m.weight.detach().numpy()
    t.check(bits_equal(np, y.detach().numpy(), c.prelu_forward(xs.detach().numpy(), w, 3, 30)), "bits prelu forward per-channel")
    dx, ds = c.prelu_backward(xs.detach().numpy(), dys.numpy(), w, 3, 30)
    t.check(bits_equal(np, xs.grad.numpy(), dx), "bits prelu backward dx per-channel")
    t.check(bits_equal(np, m.weight.grad.numpy(), ds), "bits prelu backward dslope per-channel")


def _int_view(torch, a):
    return a.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()])


def _keep_slope_sizes(t, torch, gt, threads, sizes):
    """On `threads` torch threads: which tensor each forward keeps, and the
    bits of the two paths against each other."""
    from golu import _torch_fn

    torch.set_num_threads(threads)
    for dt in (torch.float32, torch.bfloat16, torch.float16, torch.float64):
        for n in sizes:
            x = (torch.randn(n, generator=torch.Generator().manual_seed(n)) * 4).to(dt)
            dy = torch.randn(n, generator=torch.Generator().manual_seed(3)).to(dt)
            kept = n <= _torch_fn.KEEP_SLOPE_MAX and (threads == 1 or n < _torch_fn.SPLIT_ANY)
            for name in ("golu", "gelu", "silu", "mish", "gelu_tanh", "elu", "leaky_relu"):
                m = gt.module(name)
                res = []
                for keep in (True, False):
                    gt.set_keep_slope(keep)
                    xr = x.clone().requires_grad_(True)
                    y = m(xr)
                    (saved,) = y.grad_fn.saved_tensors
                    want = torch.float64 if keep and kept and dt != torch.float64 else dt
                    t.check(saved.dtype == want and saved.numel() == n,
                            "keep_slope %s %s n=%d threads=%d keep=%s: saved %s, want %s"
                            % (name, str(dt)[6:], n, threads, keep, saved.dtype, want))
                    y.backward(dy)
                    res.append((y.detach(), xr.grad))
                gt.set_keep_slope(True)
                same = all(torch.equal(_int_view(torch, a), _int_view(torch, b))
                           for a, b in zip(res[0], res[1]))
                t.check(same, "keep_slope %s %s n=%d threads=%d: the bits of the two paths differ"
                        % (name, str(dt)[6:], n, threads))


def test_keep_slope(t, torch, gt):
    """CPU forwards under autograd keep f'(x) (float64) for float32,
    bfloat16 and float16 up to KEEP_SLOPE_MAX elements on one thread (below
    SPLIT_ANY on more), x otherwise; either way the bits are golu_backward's
    (test_bits compares them with C at 20000 elements, where the slope is
    kept; here the two paths against each other on both sides of each
    threshold)."""
    from golu import _torch_fn

    try:
        _keep_slope_sizes(t, torch, gt, 1, (_torch_fn.KEEP_SLOPE_MAX, _torch_fn.KEEP_SLOPE_MAX + 1))
        _keep_slope_sizes(t, torch, gt, 2, (_torch_fn.SPLIT_ANY - 1, _torch_fn.SPLIT_ANY))
        torch.set_num_threads(1)
        # a non-contiguous input and a non-contiguous gradient take the slope path too
        x = torch.randn(64, 33).t().requires_grad_(True)
        dy = torch.randn(64, 66).t()[:33]
        y = gt.GoLU()(x)
        t.check(y.grad_fn.saved_tensors[0].dtype == torch.float64, "keep_slope: non-contiguous x keeps f'")
        y.backward(dy)
        gt.set_keep_slope(False)
        x2 = x.detach().clone().requires_grad_(True)
        gt.GoLU()(x2).backward(dy)
        t.check(torch.equal(x.grad, x2.grad), "keep_slope: non-contiguous x and dy")
        # inference (no grad) makes no graph
        with torch.no_grad():
            y = gt.GoLU()(torch.randn(100))
        t.check(y.grad_fn is None, "keep_slope: no graph under no_grad")
    finally:
        gt.set_keep_slope(True)
        torch.set_num_threads(1)


def test_layout(t, torch, gt):
    for shape in ((0,), (), (1,), (3, 0, 2)):
        x = torch.randn(shape, requires_grad=True)
        y = gt.golu(x)
        y.sum().backward()
        t.check(y.shape == x.shape and x.grad.shape == x.shape, "shape %s kept, forward and backward" % (shape,))
    base = torch.randn(6, 8, 5, dtype=torch.float64)
    views = {"transposed": base.transpose(0, 2), "strided": base[:, ::2, 1:], "expanded": torch.randn(5, 1, dtype=torch.float64).expand(5, 7)}
    for what, v in views.items():
        for name in ("golu", "gelu", "elu"):
            m = gt.module(name)
            xa = v.detach().requires_grad_(True)
            xb = v.contiguous().detach().requires_grad_(True)
            ya, yb = m(xa), m(xb)
            g = torch.randn(ya.shape, dtype=torch.float64)
            ya.backward(g)
            yb.backward(g)
            ok = torch.equal(ya, yb) and torch.equal(xa.grad, xb.grad) and ya.is_contiguous()
            t.check(ok, "non-contiguous (%s) %s: the contiguous copy's results, contiguous output" % (what, name))
    x = torch.randn(2, 3, 4, 5).permute(0, 2, 3, 1).detach().requires_grad_(True)  # channels last
    w = torch.tensor([0.1, 0.2, 0.3, 0.4])
    tw = torch.nn.PReLU(4)
    with torch.no_grad():
        tw.weight.copy_(w)
    gm = gt.PReLU(4)
    with torch.no_grad():
        gm.weight.copy_(w)
    t.check(torch.equal(gm(x), tw(x)), "prelu per-channel on a permuted input: torch.nn.PReLU's values")


def test_inplace(t, torch, gt):
    for name, kw, _, _ in PEERS + [("golu", {}, None, {})]:
        if name in ("gelu", "gelu_tanh"):
            continue  # torch's GELU has no in-place form
        src = torch.randn(300, dtype=torch.float64)
        src[:3] = torch.tensor([0.0, -0.0, -1e-300])
        m_out = gt.module(name, **kw)
        m_in = gt.module(name, inplace=True, **kw)
        a = src.clone().requires_grad_(True)
        b = src.clone().requires_grad_(True)
        ya = m_out(a * 1.0)
        bb = b * 1.0
        yb = m_in(bb)
        g = torch.randn(300, dtype=torch.float64)
        ya.backward(g)
        yb.backward(g)
        ok = yb.data_ptr() == bb.data_ptr() and torch.equal(ya, yb) and torch.equal(a.grad, b.grad)
        t.check(ok, "inplace %s: result written into x, values and gradient of the out-of-place call" % name)
        leaf = torch.randn(5, requires_grad=True)
        t.raises(RuntimeError, lambda: m_in(leaf), "inplace %s on a leaf that requires grad" % name, "leaf")
    # a value saved for another backward, then changed in place: the backward refuses
    w = torch.randn(5, requires_grad=True)
    x = torch.randn(5)
    z = w * x  # saves x for w's gradient
    gt.golu(x, inplace=True)
    t.raises(RuntimeError, lambda: z.sum().backward(), "inplace golu on a tensor saved for a backward", "inplace")
    x = torch.randn(5)
    v0 = x._version
    with torch.no_grad():
        gt.silu(x, inplace=True)
    t.check(x._version > v0, "inplace under no_grad bumps the version counter (%d -> %d)" % (v0, x._version))
    nc = torch.randn(4, 6).t()
    want = gt.mish(nc)
    r = gt.mish(nc, inplace=True)
    t.check(r is nc and torch.equal(nc, want) and nc.stride() == (1, 6), "inplace on a non-contiguous tensor keeps its strides")
    # learnable GoLU in place: parameter gradients as out of place
    ma, mb = gt.GoLU(learnable=True), gt.GoLU(learnable=True, inplace=True)
    src = torch.randn(50)
    ma(src * 1.0).sum().backward()
    mb(src.clone().requires_grad_(True) * 1.0).sum().backward()
    t.check(all(torch.equal(p.grad, q.grad) for p, q in zip(ma.parameters(), mb.parameters())),
            "inplace learnable GoLU: the out-of-place parameter gradients")
    # second derivatives: refused when asked for
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    (gx,) = torch.autograd.grad(gt.golu(x).sum(), x, create_graph=True)
    t.check(gx.requires_grad, "create_graph=True: the gradient is part of a graph")
    t.raises(RuntimeError, lambda: gx.sum().backward(), "a second derivative through golu is refused", "second derivatives")
    w = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64, requires_grad=True)
    gw = torch.autograd.grad(gt.golu(x, w[0:1], w[1:2], w[2:3]).sum(), w, create_graph=True)[0]
    t.raises(RuntimeError, lambda: gw.sum().backward(), "a second derivative through learnable golu is refused", "second derivatives")


def test_modules(t, torch, np, gt):
    import torch_models as tm

    nn = torch.nn
    pairs = [
        (gt.ReLU(), nn.ReLU()), (gt.ReLU(inplace=True), nn.ReLU(inplace=True)),
        (gt.LeakyReLU(), nn.LeakyReLU()), (gt.LeakyReLU(0.2, True), nn.LeakyReLU(0.2, True)),
        (gt.ELU(), nn.ELU()), (gt.ELU(0.5, inplace=True), nn.ELU(0.5, inplace=True)),
        (gt.GELU(), nn.GELU()), (gt.GELU("tanh"), nn.GELU("tanh")),
        (gt.SiLU(), nn.SiLU()), (gt.SiLU(True), nn.SiLU(True)),
        (gt.Mish(), nn.Mish()), (gt.PReLU(), nn.PReLU()), (gt.PReLU(3, 0.1), nn.PReLU(3, 0.1)),
    ]
    x = torch.randn(4, 3, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    for ours, theirs in pairs:
        t.check(repr(ours) == repr(theirs), "repr %r == torch's %r" % (ours, theirs))
        t.check(list(ours.state_dict()) == list(theirs.state_dict()), "state_dict keys of %r as torch's" % ours)
        ours, theirs = ours.double(), theirs.double()
        ours.load_state_dict(theirs.state_dict())
        a, b = ours(x.clone()), theirs(x.clone())
        # relative above 1, absolute below: torch's float64 ELU forms e^x - 1 and
        # cancels near 0 (1.4e-13 relative at a random draw), ours does not
        err = float(((a - b).abs() / b.abs().clamp_min(1.0)).max())
        t.check(err < 1e-13, "%r float64 values as torch's (rel %.2g)" % (ours, err))
    m = gt.GoLU(learnable=True)
    t.check(repr(m) == "GoLU(alpha=1.0, beta=1.0, gamma=1.0, learnable=True)", "repr %r" % m)
    t.check(repr(gt.GoLU(2.0, inplace=True)) == "GoLU(alpha=2.0, beta=1.0, gamma=1.0, inplace=True)", "repr GoLU inplace")
    sd = m.state_dict()
    t.check(list(sd) == ["alpha", "beta", "gamma"] and all(v.shape == (1,) and v.dtype == torch.float32 for v in sd.values()),
            "GoLU(learnable=True).state_dict: alpha, beta, gamma of shape (1,), float32")
    t.check(len(gt.GoLU().state_dict()) == 0 and len(list(gt.GoLU().parameters())) == 0, "GoLU(): no parameters")
    twin = tm.GoLU(1.5, 0.5, 2.0, learn=True)
    m.load_state_dict(twin.state_dict())
    t.check(float(m.alpha) == 1.5 and float(m.gamma) == 2.0, "GoLU loads the state_dict of tests/nn/torch_models.GoLU")
    t.check(m.double().alpha.dtype == torch.float64, ".double() converts the learnable parameters")
    t.check(isinstance(gt.module("swish"), gt.SiLU) and gt.module("gelu_tanh").approximate == "tanh",
            "module(): library names and aliases")
    seq = torch.nn.Sequential(torch.nn.Linear(3, 4), gt.GoLU(learnable=True), torch.nn.Linear(4, 2))
    names = [n for n, _ in seq.named_parameters()]
    t.check(names == ["0.weight", "0.bias", "1.alpha", "1.beta", "1.gamma", "2.weight", "2.bias"],
            "GoLU's parameters inside a Sequential: %s" % names)


def _task_count():
    import os

    return len(os.listdir("/proc/self/task"))


def test_threads(t, torch, gt):
    """Thread counts follow torch.get_num_threads(); splits run on torch's
    OpenMP threads when libgolu_omp shares its runtime, else on libgolu's
    workers from CPU.SPLIT_MIN on; the bits never depend on either."""
    import os
    import subprocess
    import sys

    from golu import _lib, _torch_ops
    from golu._torch_ops import CPU

    old = torch.get_num_threads()
    info = gt.threading()
    omp_so = os.path.join(os.path.dirname(os.path.abspath(_lib.LIBRARY_PATH)), "libgolu_omp.so")
    shared = any(os.path.basename(p).startswith("libgomp.so.1") for p in _lib.openmp_runtimes())
    if "parallel backend: OpenMP" in torch.__config__.parallel_info() and shared and os.path.exists(omp_so):
        t.check(info["runner"] == "openmp" and "libgolu_omp" in info["detail"],
                "torch on libgomp.so.1 with %s beside libgolu: splits on torch's OpenMP threads (%s)" % (omp_so, info))
    else:
        t.skip("the OpenMP runner: torch's backend, libgomp.so.1 or %s missing (%s)" % (omp_so, info["detail"]))
    saved = _torch_ops.runner()
    x = torch.randn(CPU.SPLIT_MIN + 600000).requires_grad_(True)  # split by the library
    small = torch.randn((1 << 16) + 999).requires_grad_(True)  # split only with the runner
    try:
        for runner in ((saved[0], "runner: " + info["runner"]), (None, "libgolu's workers")):
            _torch_ops._runner = (runner[0], "test")
            for n in (1, 2):
                torch.set_num_threads(n)
                got = _lib.ctx_threads(CPU._ctx(CPU.SPLIT_MIN))
                t.check(got == n, "%s: torch.set_num_threads(%d): libgolu's context has %d threads" % (runner[1], n, got))
                got = _lib.ctx_threads(CPU._ctx(CPU.SPLIT_MIN - 1))
                want = n if runner[0] is not None else 1
                t.check(got == want, "%s, %d threads: below CPU.SPLIT_MIN elements %d threads, got %d"
                        % (runner[1], n, want, got))
            for v in (x, small):
                outs = []
                for n in (1, 2):
                    torch.set_num_threads(n)
                    v.grad = None
                    y = gt.golu(v)
                    y.backward(torch.ones_like(y))
                    outs.append((y.detach().clone(), v.grad.clone()))
                t.check(torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1]),
                        "%s: 1 and 2 threads give the same bits (%d elements)" % (runner[1], v.numel()))
        if saved[0] is not None:
            # Torch's team of two exists after a torch op on 2 threads; golu
            # calls that split on the runner start no thread of libgolu's.
            _torch_ops._runner = saved
            torch.set_num_threads(2)
            torch.exp(x.detach())
            before = _task_count()
            for _ in range(3):
                x.grad = None
                gt.golu(x).sum().backward()
            t.check(_task_count() == before, "the OpenMP runner: no new thread (%d, then %d)" % (before, _task_count()))
    finally:
        _torch_ops._runner = saved
        torch.set_num_threads(old)
    code = "import golu.torch as gt; print(gt.threading()['runner'])"
    import golu

    pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(golu.__file__)))
    env = dict(os.environ, GOLU_OMP="0", GOLU_LIBRARY=_lib.LIBRARY_PATH,
               PYTHONPATH=os.pathsep.join([pkg_root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    t.check(r.returncode == 0 and r.stdout.strip() == "libgolu",
            "GOLU_OMP=0: libgolu's workers (%r %r)" % (r.stdout.strip(), r.stderr[-300:]))


def test_errors(t, torch, gt, c):
    import golu

    words = c.status_str(4)  # GOLU_ERR_PARAM in the library's words
    t.raises(golu.GoluValueError, lambda: gt.GoLU(alpha=0.0), "GoLU(alpha=0): GoluValueError", words)
    t.raises(ValueError, lambda: gt.GoLU(gamma=float("inf")), "GoLU(gamma=inf): a ValueError", words)
    t.raises(RuntimeError, lambda: gt.ELU(alpha=-1.0), "ELU(alpha=-1): a RuntimeError", words)
    try:
        gt.golu(torch.ones(3), beta=-2.0)
    except golu.GoluError as e:
        t.check(e.status == 4 and e.status_name == "GOLU_ERR_PARAM" and e.words == words and str(e).endswith(words),
                "GoluError carries status 4, GOLU_ERR_PARAM and the words %r: %r" % (words, str(e)))
    m = gt.GoLU(learnable=True)
    with torch.no_grad():
        m.alpha.fill_(-1.0)
    t.raises(golu.GoluValueError, lambda: m(torch.ones(3)), "a learnable alpha gone negative: GoluValueError at the call", words)
    t.raises(TypeError, lambda: gt.golu(torch.ones(3, dtype=torch.int32)), "int32 input: TypeError", "int32")
    t.raises(ValueError, lambda: gt.PReLU(3)(torch.ones(2, 4, 5)), "3 slopes for 4 channels: ValueError", "channels")
    t.raises(ValueError, lambda: gt.GELU("fast"), "GELU('fast'): ValueError", "approximate")
    t.raises(golu.GoluValueError, lambda: gt.module("sigmoid"), "module('sigmoid'): unknown name", c.status_str(5))
    t.raises(TypeError, lambda: gt.golu(torch.ones(3, device="meta")), "a meta tensor: TypeError naming the device", "meta")


def test_cuda(t, torch, np, gt):
    from golu import _lib, _torch_ops

    class Fake:  # stands for a CUDA tensor where there is none
        device = torch.device("cuda", 0)

    saved = os.environ.get("GOLU_CUDA_LIBRARY")
    os.environ["GOLU_CUDA_LIBRARY"] = "/nonexistent/libgolu_cuda.so"
    _lib._cuda, _lib._cuda_error = None, None
    try:
        _torch_ops._cuda(Fake(), "golu_cuda_forward")
        t.check(False, "a missing libgolu_cuda raises")
    except _lib.GoluError as e:
        t.check(e.status == 13 and "/nonexistent/libgolu_cuda.so" in str(e) and "no such file" in str(e),
                "a missing libgolu_cuda: GOLU_ERR_NO_DEVICE naming the path tried: %s" % e)
    finally:
        if saved is None:
            del os.environ["GOLU_CUDA_LIBRARY"]
        else:
            os.environ["GOLU_CUDA_LIBRARY"] = saved
        _lib._cuda, _lib._cuda_error = None, None
    have_lib = True
    try:
        _lib.cuda_lib()
    except ImportError as e:
        have_lib = False
        t.skip("libgolu_cuda is not built (%s): the GPU path is untested" % str(e)[:120])
    if have_lib and not torch.cuda.is_available():
        try:
            _torch_ops._cuda(Fake(), "golu_cuda_forward")
            t.check(_lib.cuda_lib().golu_cuda_device_count() > 0, "no GPU: an error")
        except _lib.GoluError as e:
            t.check(e.status == 13 and "sees 0 GPU" in str(e), "libgolu_cuda without a GPU: %s" % e)
    if not torch.cuda.is_available():
        t.skip("no GPU (torch.cuda.is_available() is false): the CUDA tests did not run")
        return
    if not have_lib:
        return
    dev = torch.device("cuda", 0)
    x = torch.from_numpy(sample(np, 100000, 11))
    dy = torch.randn(x.shape, dtype=torch.float64)
    for dt in (torch.float32, torch.float64, torch.bfloat16, torch.float16):
        for name in ("golu", "gelu_tanh", "silu", "mish", "elu", "leaky_relu"):
            m = gt.module(name)
            xc = x.to(dt).requires_grad_(True)
            xg = x.to(dt).to(dev).requires_grad_(True)
            yc, yg = m(xc), m(xg)
            yc.backward(dy.to(dt))
            yg.backward(dy.to(dt).to(dev))
            ok = bits_equal(np, to_np(torch, np, yc), to_np(torch, np, yg.cpu())) and bits_equal(
                np, to_np(torch, np, xc.grad), to_np(torch, np, xg.grad.cpu()))
            t.check(ok, "cuda %s %s: the CPU's bits, forward and backward" % (name, str(dt)[6:]))
    m, mg = gt.GoLU(learnable=True), gt.GoLU(learnable=True).to(dev)
    xf = x.float().clamp(-50, 50)
    m(xf).backward(dy.float())
    mg(xf.to(dev)).backward(dy.float().to(dev))
    rel = max(abs(float(p.grad) - float(q.grad)) / max(abs(float(p.grad)), 1e-30) for p, q in zip(m.parameters(), mg.parameters()))
    t.check(rel < 1e-5, "cuda learnable GoLU parameter gradients as the CPU's (rel %.2g)" % rel)
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        xs = x.float().to(dev)
        ys = gt.golu(xs)
    s.synchronize()
    t.check(torch.equal(ys.cpu(), gt.golu(x.float())), "cuda on a side stream (torch.cuda.current_stream)")


def main():
    t, mods = pyharness.begin(NAME, "numpy", "torch")
    if mods is None:
        return t.summary()
    np, torch = mods
    sys.path.insert(0, os.path.join(pyharness.REPO, "tests", "nn"))
    import clib
    import golu.torch as gt

    torch.set_num_threads(1)
    c = clib.CLib(os.environ["GOLU_LIBRARY"])
    for fn, args in (
        (test_gradcheck, (t, torch, gt)),
        (test_bits, (t, torch, np, gt, c)),
        (test_keep_slope, (t, torch, gt)),
        (test_layout, (t, torch, gt)),
        (test_inplace, (t, torch, gt)),
        (test_modules, (t, torch, np, gt)),
        (test_threads, (t, torch, gt)),
        (test_errors, (t, torch, gt, c)),
        (test_cuda, (t, torch, np, gt)),
    ):
        try:
            fn(*args)
        except Exception as e:  # a bug in the package or the test: report, go on
            import traceback

            traceback.print_exc()
            t.check(False, "%s raised %s: %s" % (fn.__name__, type(e).__name__, e))
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
