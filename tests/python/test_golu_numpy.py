"""test_golu_numpy.py - golu.numpy: values, out=, dtypes, errors, and
importing golu and golu.numpy without torch.

    /usr/bin/python3 tests/python/test_golu_numpy.py [BUILD_DIR] [-v]

  values     forward/backward of every activation, float32/float64/float16,
             bit for bit libgolu called straight through ctypes (clib.py);
             GoLU's float64 values against the formula in float64 (1e-14)
  out=       the result lands in out and out is returned; out = x (in place)
             and out = dy; a wrong shape, dtype, layout or a read-only out
             refused; a partial overlap refused by the library
             (GOLU_ERR_ALIAS, its words)
  grads      param_grad against central finite differences in float64 (GoLU
             alpha, beta, gamma; LeakyReLU's slope), PReLU per channel against
             numpy's own sums
  errors     status words from the library; TypeError for other dtypes
  no torch   `import golu, golu.numpy` in a fresh interpreter where torch
             cannot be imported works, and leaves torch unimported
Ends with "golu_numpy: P passed, F failed, S skipped".
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True
import pyharness  # noqa: E402

NAME = "golu_numpy"
ACTS = [("golu", {}), ("golu", {"alpha": 1.5, "beta": 0.5, "gamma": 2.0}), ("relu", {}),
        ("leaky_relu", {"alpha": 0.1}), ("prelu", {"alpha": -0.3}), ("elu", {"alpha": 0.7}),
        ("gelu", {}), ("gelu_tanh", {}), ("silu", {}), ("swish", {}), ("mish", {})]


def same(np, a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def test_values(t, np, gn, c):
    rng = np.random.default_rng(3)
    x64 = np.concatenate([rng.normal(0, 3, 5000), [0.0, -0.0, np.inf, -np.inf, np.nan, -90.0]])
    dy64 = rng.normal(0, 1, x64.size)
    for dt in (np.float32, np.float64, np.float16):
        x, dy = x64.astype(dt), dy64.astype(dt)
        for name, p in ACTS:
            what = "%s%s %s" % (name, p or "", np.dtype(dt).name)
            t.check(same(np, gn.forward(x, name, **p), c.forward(name, x, **p)), "forward %s: C's bits" % what)
            t.check(same(np, gn.backward(x, dy, name, **p), c.backward(name, x, dy, **p)), "backward %s: C's bits" % what)
    x = rng.uniform(-2, 6, 1000)  # where the float64 formula loses under 30 ulp (amplification 0.5 e^4)
    y = gn.golu(x, 1.5, 0.5, 2.0)
    ref = 1.5 * x * np.exp(-0.5 * np.exp(-2.0 * x))
    err = float(np.max(np.abs(y - ref) / np.maximum(np.abs(ref), 1e-300)))
    t.check(err < 1e-14, "golu float64 against the formula: rel %.2g" % err)
    x2 = rng.normal(0, 1, (3, 4, 5)).astype(np.float32)
    t.check(same(np, gn.forward(x2[:, ::2, :].transpose(2, 0, 1)), gn.forward(np.ascontiguousarray(x2[:, ::2, :].transpose(2, 0, 1)))),
            "a non-contiguous input: the results of its contiguous copy")
    t.check(gn.forward(np.zeros((0, 3), np.float32)).shape == (0, 3) and gn.forward(np.float32(1.0)).shape == (),
            "0 elements and 0-d arrays")
    t.check(gn.forward([0.5, -1.0]).dtype == np.float64, "a list is taken as float64")


def test_out(t, np, gn, c):
    rng = np.random.default_rng(4)
    x = rng.normal(0, 2, 1000).astype(np.float32)
    dy = rng.normal(0, 1, 1000).astype(np.float32)
    want_y, want_dx = c.forward("golu", x), c.backward("golu", x, dy)
    out = np.empty_like(x)
    r = gn.forward(x, out=out)
    t.check(r is out and same(np, out, want_y), "forward(out=): written into out, out returned")
    xi = x.copy()
    r = gn.forward(xi, out=xi)
    t.check(r is xi and same(np, xi, want_y), "forward(x, out=x): in place")
    out = np.empty_like(x)
    r = gn.backward(x, dy, out=out)
    t.check(r is out and same(np, out, want_dx), "backward(out=)")
    dyi = dy.copy()
    gn.backward(x, dyi, out=dyi)
    t.check(same(np, dyi, want_dx), "backward(out=dy): in place over dy")
    xi = x.copy()
    gn.backward(xi, dy, out=xi)
    t.check(same(np, xi, want_dx), "backward(out=x): in place over x")
    t.raises(ValueError, lambda: gn.forward(x, out=np.empty(999, np.float32)), "out of the wrong shape", "shape")
    t.raises(ValueError, lambda: gn.forward(x, out=np.empty(1000, np.float64)), "out of the wrong dtype", "dtype")
    t.raises(ValueError, lambda: gn.forward(x.reshape(20, 50), out=np.empty((50, 20), np.float32).T), "out not C-contiguous", "contiguous")
    ro = np.empty_like(x)
    ro.flags.writeable = False
    t.raises(ValueError, lambda: gn.forward(x, out=ro), "a read-only out", "writable")
    t.raises(TypeError, lambda: gn.forward(x, out=[0.0] * 1000), "out not an array", "numpy array")
    buf = np.zeros(1001, np.float32)
    buf[:1000] = x
    import golu

    t.raises(golu.GoluValueError, lambda: gn.forward(buf[:1000], out=buf[1:]), "out overlapping x partially: GOLU_ERR_ALIAS", c.status_str(10))


def test_grads(t, np, gn):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, 200)
    dy = rng.normal(0, 1, 200)
    a, b, g = 1.3, 0.8, 1.2
    got = gn.param_grad(x, dy, "golu", alpha=a, beta=b, gamma=g)

    def loss(a, b, g):
        return float(np.sum(dy * a * x * np.exp(-b * np.exp(-g * x))))

    h = 1e-6
    fd = [(loss(a + h, b, g) - loss(a - h, b, g)) / (2 * h), (loss(a, b + h, g) - loss(a, b - h, g)) / (2 * h),
          (loss(a, b, g + h) - loss(a, b, g - h)) / (2 * h)]
    err = max(abs(p - q) / max(abs(q), 1e-3) for p, q in zip(got, fd))
    t.check(got.shape == (3,) and err < 1e-7, "param_grad golu (alpha, beta, gamma) against finite differences: rel %.2g" % err)
    xs = x[np.abs(x) > 1e-3]
    d = dy[: xs.size]
    got = gn.param_grad(xs, d, "leaky_relu", alpha=0.1)
    fd = (np.sum(d * np.where(xs > 0, xs, (0.1 + h) * xs)) - np.sum(d * np.where(xs > 0, xs, (0.1 - h) * xs))) / (2 * h)
    t.check(got.shape == (1,) and abs(got[0] - fd) < 1e-7 * max(1, abs(fd)), "param_grad leaky_relu slope: %r vs %r" % (got[0], fd))
    import golu

    t.raises(golu.GoluValueError, lambda: gn.param_grad(x, dy, "gelu"), "param_grad(gelu): GOLU_ERR_NO_PARAMS", golu.status_str(11))
    x4 = rng.normal(0, 1, (2, 3, 4, 5))
    dy4 = rng.normal(0, 1, x4.shape)
    s = np.array([0.1, -0.2, 0.3])
    y = gn.prelu_forward(x4, s)
    want = np.where(x4 > 0, x4, s[None, :, None, None] * x4)
    t.check(np.array_equal(y, want), "prelu_forward per channel of axis 1")
    dx, ds = gn.prelu_backward(x4, dy4, s)
    want_ds = np.array([np.sum((dy4 * x4)[:, k][x4[:, k] <= 0]) for k in range(3)])
    t.check(np.array_equal(dx, np.where(x4 > 0, dy4, s[None, :, None, None] * dy4)) and np.allclose(ds, want_ds, rtol=1e-13, atol=0),
            "prelu_backward: dx, and dslope as numpy's sums (%s vs %s)" % (ds, want_ds))
    t.raises(ValueError, lambda: gn.prelu_forward(x4, [0.1, 0.2]), "2 slopes for 3 channels", "channels")


def test_slope(t, np, gn, c):
    """forward_slope/backward_slope: C's forward and backward bits, out= and
    slope= reuse, in place, and the refusals."""
    import golu

    rng = np.random.default_rng(11)
    x64 = np.concatenate([rng.normal(0, 3, 3000), [0.0, -0.0, np.inf, -np.inf, np.nan, -90.0, -0.5671433]])
    dy64 = rng.normal(0, 1, x64.size)
    for dt in (np.float32, np.float16):
        x, dy = x64.astype(dt), dy64.astype(dt)
        for name, p in ACTS:
            what = "%s%s %s" % (name, p or "", np.dtype(dt).name)
            y, sl = gn.forward_slope(x, name, **p)
            t.check(sl.dtype == np.float64 and sl.shape == x.shape, "forward_slope %s: float64 slopes" % what)
            t.check(same(np, y, c.forward(name, x, **p)), "forward_slope %s: forward's bits" % what)
            t.check(same(np, gn.backward_slope(sl, dy), c.backward(name, x, dy, **p)),
                    "backward_slope %s: backward's bits" % what)
    x, dy = x64[:3000].astype(np.float32).reshape(3, -1), dy64[:3000].astype(np.float32).reshape(3, -1)
    y, sl = np.empty_like(x), np.empty(x.shape, np.float64)
    y2, sl2 = gn.forward_slope(x, out=y, slope=sl)
    t.check(y2 is y and sl2 is sl and same(np, y, gn.forward(x)), "forward_slope out= and slope= are filled and returned")
    d = dy.copy()
    t.check(gn.backward_slope(sl, d, out=d) is d and same(np, d, gn.backward(x, dy)), "backward_slope in place (out=dy)")
    t.raises(golu.GoluValueError, lambda: gn.forward_slope(x64), "forward_slope float64: GOLU_ERR_UNSUPPORTED",
             golu.status_str(15))
    t.raises(ValueError, lambda: gn.backward_slope(sl.astype(np.float32), dy), "backward_slope float32 slopes", "float64")
    t.raises(ValueError, lambda: gn.backward_slope(sl[:2], dy), "backward_slope slopes of another shape", "shape")
    t.raises(ValueError, lambda: gn.forward_slope(x, slope=np.empty(x.shape, np.float32)), "forward_slope slope= float32",
             "dtype")


def test_errors(t, np, gn, c):
    import golu

    try:
        gn.forward(np.ones(3), "golu", alpha=-1.0)
        t.check(False, "alpha = -1 raises")
    except golu.GoluError as e:
        t.check(isinstance(e, ValueError) and e.status == 4 and e.words == c.status_str(4) and c.status_str(4) in str(e),
                "alpha = -1: GoluValueError with the library's words %r: %s" % (c.status_str(4), e))
    t.raises(golu.GoluValueError, lambda: gn.forward(np.ones(3), "sigmoid"), "an unknown activation", c.status_str(5))
    t.raises(TypeError, lambda: gn.forward(np.ones(3, np.int64)), "int64 input: TypeError", "int64")
    t.raises(ValueError, lambda: gn.backward(np.ones(3), np.ones(4)), "dy of another shape", "shape")
    t.check(golu.status_str(13) == c.status_str(13), "golu.status_str is the library's")
    t.check(golu.ACTIVATIONS[0] == "golu" and "mish" in golu.ACTIVATIONS, "golu.ACTIVATIONS from the library: %s" % (golu.ACTIVATIONS,))
    hdr = open(os.path.join(pyharness.REPO, "include", "golu.h")).read()
    t.check('#define GOLU_VERSION_STRING "%s"' % golu.__version__ in hdr, "golu.__version__ %s is the header's" % golu.__version__)


def test_no_torch(t):
    code = ("import sys; sys.modules['torch'] = None\n"  # makes `import torch` fail
            "import golu, golu.numpy as gn, numpy as np\n"
            "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n"
            "print(gn.forward(np.array([1.0]))[0])\n"
            "try:\n    import golu.torch\nexcept ImportError:\n    print('no torch')\n")
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/")
    lines = r.stdout.split()
    t.check(r.returncode == 0 and lines[-1] == "torch" and lines[0].startswith("0.69"),
            "import golu.numpy without torch, from /: %s" % r.stdout.strip().replace("\n", " | "))
    # the interpreter on the PATH may have neither torch nor numpy: `import golu` needs neither
    for py in ("python3",):
        code = "import golu; print(golu.ACTIVATIONS[0])"
        try:
            r = subprocess.run([py, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd="/", env=dict(os.environ, PYTHONPATH=os.path.join(pyharness.REPO, "python")))
        except OSError as e:
            t.skip("%s: %s" % (py, e))
            continue
        t.check(r.returncode == 0 and r.stdout.strip() == "golu", "`import golu` with %s: %s" % (py, r.stdout.strip()))
    r = subprocess.run([sys.executable, "-c", "import golu"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       cwd="/", env=dict(os.environ, GOLU_LIBRARY="/nonexistent/libgolu.so", PYTHONPATH=os.path.join(pyharness.REPO, "python")))
    t.check(r.returncode != 0 and "ImportError" in r.stdout and "/nonexistent/libgolu.so" in r.stdout and "python-install" in r.stdout,
            "GOLU_LIBRARY naming a missing file: ImportError naming it and the install command")


def main():
    t, mods = pyharness.begin(NAME, "numpy")
    if mods is None:
        return t.summary()
    np = mods[0]
    import clib
    import golu.numpy as gn

    os.environ["PYTHONPATH"] = os.path.join(pyharness.REPO, "python")
    c = clib.CLib(os.environ["GOLU_LIBRARY"])
    for fn, args in ((test_values, (t, np, gn, c)), (test_out, (t, np, gn, c)), (test_grads, (t, np, gn)),
                     (test_slope, (t, np, gn, c)), (test_errors, (t, np, gn, c)), (test_no_torch, (t,))):
        try:
            fn(*args)
        except Exception as e:
            import traceback

            traceback.print_exc()
            t.check(False, "%s raised %s: %s" % (fn.__name__, type(e).__name__, e))
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
