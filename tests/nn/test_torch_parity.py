"""test_torch_parity.py - the models of src/nn against their PyTorch twins.

    python3 tests/nn/test_torch_parity.py [BUILD_DIR] [-v]

For each model and activation, runs BUILD_DIR/tests/nn/parity_dump (one
forward, one backward, ten optimizer steps of a small model, everything
written to a safetensors file), loads the file into the twin of
tests/nn/torch_models.py, redoes the same computation in torch and compares:

  names    the C model's tensors are exactly the twin's parameters and
           buffers (BatchNorm's num_batches_tracked aside), same shapes;
           weight decay on exactly the tensors of dimension >= 2
  init     the initial values look like torch's defaults (Linear/Conv:
           within U(+-1/sqrt(fan_in)) and filling it; GPT: N(0, 0.02),
           c_proj N(0, 0.02/sqrt(2 layers)))
  logits, loss, grad <name>   the first training-mode forward and backward
  lr       the learning rates of the ten steps (the schedule)
  steps.loss                  the ten steps' losses
  final <name>                every parameter and buffer after them

Errors are relative per tensor: max|c - t| / max(max|t|, 1e-30), t torch's;
for the gradient of a scalar activation parameter (GoLU's alpha, beta,
gamma; PReLU's slope) the denominator is at least 1e-2 times the sum of the
magnitudes of the terms it adds up (see param_terms: in the ResNet, act1's
alpha has a zero gradient up to BatchNorm's eps, and both sides get ~1e-8
times that sum, mostly rounding).
Tolerances: 1e-4 for logits, loss, gradients and step losses; 1e-3 for the
final parameters. (The largest final error, ~2.5e-4, is GPT's c_attn.bias:
its key third has a zero gradient in exact arithmetic, softmax ignoring a
constant added to a row's scores, so AdamW moves it on rounding noise of
~1e-12, by ~1e-6 in all against ~4e-3 for the rest of the tensor.) One thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1);
the first case is run twice on both sides and must give the same bits.

Prints one line per failed check (every check, and the worst error of each
kind per model, with -v) and ends with
    torch_parity: P passed, F failed, S skipped
Exits 1 on any failure. Without torch (or numpy) it skips, exit 0.
"""

import math
import os
import subprocess
import sys
import tempfile

NAME = "torch_parity"
TOL = 1e-4
TOL_FINAL = 1e-3
TINY = 1e-30
# A scalar activation parameter's gradient is compared relative to at least
# this fraction of the sum of the magnitudes of its terms (param_terms).
TERMS_FLOOR = 1e-2
NSTEPS = 10

# (model, activation, learn-act)
CASES = (
    [("mlp", "golu", True), ("mlp", "golu", False)]
    + [("mlp", a, False) for a in ("relu", "leaky_relu", "prelu", "elu", "gelu", "gelu_tanh", "silu", "mish")]
    + [("resnet", "golu", False), ("resnet", "golu", True)]
    + [("resnet", a, False) for a in ("relu", "prelu", "elu", "gelu", "silu", "mish")]
    + [("gpt", "golu", True)]
    + [("gpt", a, False) for a in ("relu", "prelu", "elu", "gelu", "gelu_tanh", "silu", "mish")]
    + [("unet", "golu", False), ("unet", "golu", True)]
    + [("unet", a, False) for a in ("relu", "prelu", "gelu", "silu")]
    + [("ddpm", "golu", True), ("ddpm", "golu", False), ("ddpm", "mish", False)]
)


class Tally:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = self.failed = self.skipped = 0
        self.worst = {}  # (model, kind) -> (rel, where)

    def check(self, ok, line):
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok " + line)
        else:
            self.failed += 1
            print("FAIL " + line)
        sys.stdout.flush()
        return ok

    def rel(self, case, kind, what, c, t, tol, floor=TINY):
        """c (ours) against t (torch's), relative to max(max|t|, floor): one
        check, the error recorded."""
        import numpy as np

        c = np.asarray(c, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        if c.shape != t.shape:
            return self.check(False, "%s %s %s: shape %s, torch %s" % (case, kind, what, c.shape, t.shape))
        if c.size == 0:
            err = 0.0
        else:
            with np.errstate(invalid="ignore"):
                err = float(np.max(np.abs(c - t))) / max(float(np.max(np.abs(t))), floor)
        if not math.isfinite(err):
            err = math.inf
        key = (case.split("/")[0], kind)
        if err > self.worst.get(key, (-1.0, ""))[0]:
            self.worst[key] = (err, ("%s %s" % (case, what)).strip())
        return self.check(
            err <= tol,
            "%s %s%s rel %.2g%s" % (case, kind, " " + what if what else "", err, "" if err <= tol else " (tolerance %g)" % tol),
        )


# ------------------------------------------------------------ the torch side ---


def schedule_lr(meta, k):
    """The learning rate of step k: constant for SGD; for AdamW linear warmup
    from lr/warmup to lr, then cosine decay to min_lr at `steps`."""
    lr = float(meta["lr"])
    if meta["optim"] != "adamw":
        return lr
    parts = dict(p.split("=") for p in meta["schedule"].split(",")[1:])
    warmup, min_lr, total = int(parts["warmup"]), float(parts["min_lr"]), int(meta["steps"])
    if k < warmup:
        return lr * (k + 1) / warmup
    t = (k - warmup) / (total - warmup)
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * t))


def param_terms(mod, prefix, x, dy):
    """{"<prefix>.<param>": sum_i |dy_i * df(x_i)/dparam|} for an activation
    module with scalar parameters (GoLU's alpha, beta, gamma; PReLU's
    weight), in float64: the size of the terms the gradient sums, which
    bounds what rounding can do to it. A scalar gradient can be far smaller
    than its terms: in the ResNet, act1's alpha feeds conv2 (no bias) and
    bn2, which undoes any scale, so d loss/d alpha is zero up to BatchNorm's
    eps and what both sides compute for it is mostly rounding."""
    import torch

    x, dy = x.double(), dy.double()
    names = [n for n, _ in mod.named_parameters(recurse=False)]
    ps = [p.detach().double().expand_as(x).clone().requires_grad_(True) for _, p in mod.named_parameters(recurse=False)]
    with torch.enable_grad():
        if isinstance(mod, torch.nn.PReLU):
            y = torch.where(x > 0, x, ps[0] * x)
        else:
            a, b, g = ps
            y = a * x * torch.exp(-b * torch.exp(-g * x))
        grads = torch.autograd.grad(y, ps, grad_outputs=dy)
    return {"%s.%s" % (prefix, n): float(gr.abs().sum()) for n, gr in zip(names, grads)}


def run_torch(tensors, meta):
    """Everything parity_dump computed, computed by the twin."""
    import torch
    import torch.nn.functional as F

    import torch_models as tm

    torch.manual_seed(0)
    model = tm.make_model(meta)
    params = dict(model.named_parameters())
    buffers = {n: b for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")}
    with torch.no_grad():
        for n, p in list(params.items()) + list(buffers.items()):
            p.copy_(torch.from_numpy(tensors[n]))
    model.train()
    gpt = meta["model"] == "gpt"

    def x_of(a):
        return torch.from_numpy(a).long() if gpt else torch.from_numpy(a)

    def loss_of(logits, y):
        if meta["model"] == "ddpm":  # the noise, MSE
            return F.mse_loss(logits, torch.from_numpy(y))
        y = torch.from_numpy(y).long()
        if meta["model"] == "unet":  # a class per pixel, some ignored
            return F.cross_entropy(logits, y.reshape(logits.shape[0], *logits.shape[2:]), ignore_index=-100)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    out = {}
    saved = {}  # activation module name -> [x, dy]

    def keep(name):
        def fwd(mod, inp, outp):
            saved[name] = [inp[0].detach(), None]
            outp.register_hook(lambda g: saved[name].__setitem__(1, g.detach()))

        return fwd

    hooks = [
        mod.register_forward_hook(keep(n))
        for n, mod in model.named_modules()
        if isinstance(mod, (tm.GoLU, torch.nn.PReLU)) and list(mod.parameters(recurse=False))
    ]
    logits = model(x_of(tensors["input.x"]))
    loss = loss_of(logits, tensors["input.y"])
    loss.backward()
    for h in hooks:
        h.remove()
    out["terms"] = {}
    for n, (x, dy) in saved.items():
        out["terms"].update(param_terms(model.get_submodule(n), n, x, dy))
    out["logits"] = logits.detach().numpy().copy()
    out["loss"] = float(loss.item())
    out["grad"] = {n: p.grad.detach().numpy().copy() for n, p in params.items()}

    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    wd = float(meta["weight_decay"])
    groups = [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]
    if meta["optim"] == "sgd":
        opt = torch.optim.SGD(
            groups, lr=float(meta["lr"]), momentum=float(meta["momentum"]), nesterov=meta["nesterov"] == "1"
        )
        clip = 0.0
    else:
        b1, b2 = (float(v) for v in meta["betas"].split(","))
        opt = torch.optim.AdamW(groups, lr=float(meta["lr"]), betas=(b1, b2), eps=float(meta["eps"]))
        clip = float(meta["clip"])
    losses, lrs = [], []
    for k in range(NSTEPS):
        opt.zero_grad(set_to_none=True)
        logits = model(x_of(tensors["steps.x.%d" % k]))
        loss = loss_of(logits, tensors["steps.y.%d" % k])
        loss.backward()
        losses.append(float(loss.item()))
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        lr = schedule_lr(meta, k)
        lrs.append(lr)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
    out["steps.loss"] = losses
    out["steps.lr"] = lrs
    out["final"] = {n: p.detach().numpy().copy() for n, p in list(params.items()) + list(buffers.items())}
    out["decay"] = sorted(n for n, p in params.items() if p.dim() >= 2)
    out["buffers"] = sorted(buffers)
    out["names"] = {n: tuple(p.shape) for n, p in list(params.items()) + list(buffers.items())}
    return out


# ----------------------------------------------------------------- checks ---

PREFIXES = ("input.", "out.", "grad.", "steps.", "final.")


def check_init(tally, case, tensors, meta):
    """The initial values follow torch's default initialisations."""
    import numpy as np

    bad = []
    for n, a in tensors.items():
        if n.startswith(PREFIXES) or a.ndim < 2:
            continue
        a = a.astype(np.float64)
        if meta["model"] == "gpt":
            if a.size < 256:
                continue
            std = 0.02 / math.sqrt(2 * int(meta["layers"])) if n.endswith("c_proj.weight") else 0.02
            s = float(np.sqrt(np.mean(a * a)))
            if abs(np.mean(a)) > 4 * std / math.sqrt(a.size) or not 0.8 * std < s < 1.2 * std:
                bad.append("%s: mean %.3g rms %.3g, want N(0, %.3g)" % (n, np.mean(a), s, std))
        else:
            bound = 1.0 / math.sqrt(a[0].size)  # fan_in: in, or cin*k*k
            m = float(np.max(np.abs(a)))
            if m > bound or (a.size >= 64 and m < 0.8 * bound):
                bad.append("%s: max|w| %.4g, want U(+-%.4g)" % (n, m, bound))
    tally.check(not bad, "%s init%s" % (case, (": " + "; ".join(bad)) if bad else ""))


def compare(tally, case, tensors, meta, t):
    import numpy as np

    names = {n: a.shape for n, a in tensors.items() if not n.startswith(PREFIXES)}
    want = t["names"]
    diff = sorted(set(names) ^ set(want)) + sorted(
        n for n in set(names) & set(want) if tuple(names[n]) != tuple(want[n])
    )
    if not tally.check(not diff, "%s names%s" % (case, (": differ: " + ", ".join(diff)) if diff else "")):
        return
    decay = sorted(n for n in meta.get("params.decay", "").split(",") if n)
    buffers = sorted(n for n in meta.get("params.buffer", "").split(",") if n)
    tally.check(
        decay == t["decay"] and buffers == t["buffers"],
        "%s decay/buffers%s" % (case, "" if decay == t["decay"] and buffers == t["buffers"] else ": C decays %s (buffers %s), torch %s (%s)" % (decay, buffers, t["decay"], t["buffers"])),
    )
    check_init(tally, case, tensors, meta)

    tally.rel(case, "logits", "", tensors["out.logits"], t["logits"], TOL)
    tally.rel(case, "loss", "", tensors["out.loss"], t["loss"], TOL)
    for n, g in t["grad"].items():
        key = "grad." + n
        if key not in tensors:
            tally.check(False, "%s grad %s: missing" % (case, n))
            continue
        tally.rel(case, "grad", n, tensors[key], g, TOL, TERMS_FLOOR * t["terms"].get(n, 0.0) or TINY)
    tally.rel(case, "lr", "", tensors["steps.lr"], t["steps.lr"], 1e-12)
    c_loss, t_loss = tensors["steps.loss"], np.asarray(t["steps.loss"])
    if c_loss.shape != t_loss.shape:
        tally.check(False, "%s steps.loss: shape %s, torch %s" % (case, c_loss.shape, t_loss.shape))
    else:
        # each step's loss relative to itself
        err = float(np.max(np.abs(c_loss - t_loss) / np.maximum(np.abs(t_loss), TINY)))
        k = int(np.argmax(np.abs(c_loss - t_loss) / np.maximum(np.abs(t_loss), TINY)))
        key = (case.split("/")[0], "steps.loss")
        if err > tally.worst.get(key, (-1.0, ""))[0]:
            tally.worst[key] = (err, "%s step %d" % (case, k))
        tally.check(
            err <= TOL,
            "%s steps.loss rel %.2g (step %d: %.9g, torch %.9g)%s"
            % (case, err, k, c_loss[k], t_loss[k], "" if err <= TOL else " (tolerance %g)" % TOL),
        )
    for n, v in t["final"].items():
        key = "final." + n
        if key not in tensors:
            tally.check(False, "%s final %s: missing" % (case, n))
            continue
        tally.rel(case, "final", n, tensors[key], v, TOL_FINAL)


def same_results(a, b):
    """Bitwise equality of two run_torch results."""
    import numpy as np

    for k in ("logits", "loss", "steps.loss"):
        if not np.array_equal(np.asarray(a[k]), np.asarray(b[k])):
            return False
    for k in ("grad", "final"):
        if a[k].keys() != b[k].keys() or not all(np.array_equal(a[k][n], b[k][n]) for n in a[k]):
            return False
    return True


# ------------------------------------------------------------------- main ---


def summary(t):
    print("%s: %d passed, %d failed, %d skipped" % (NAME, t.passed, t.failed, t.skipped))
    return 1 if t.failed else 0


def main(argv):
    verbose = "-v" in argv[1:]
    args = [a for a in argv[1:] if a != "-v"]
    build = args[0] if args else "build"
    tally = Tally(verbose)
    try:
        import numpy  # noqa: F401
        import torch
    except Exception as e:  # ImportError, or a broken install
        print("SKIP %s: cannot import torch/numpy (%s: %s)" % (NAME, type(e).__name__, e))
        tally.skipped += 1
        return summary(tally)
    torch.set_num_threads(1)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import torch_models as tm

    exe = os.path.join(build, "tests", "nn", "parity_dump")
    if not tally.check(os.access(exe, os.X_OK), "%s is built%s" % (exe, "" if os.access(exe, os.X_OK) else ": missing (make %s)" % exe)):
        return summary(tally)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")

    with tempfile.TemporaryDirectory(prefix="golu_parity_") as tmp:

        def dump(model, act, learn, path):
            cmd = [exe, "--model", model, "--act", act, "--out", path] + (["--learn-act"] if learn else [])
            r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            return r.returncode, r.stdout.strip()

        for i, (model, act, learn) in enumerate(CASES):
            case = "%s/%s%s" % (model, act, "+learn" if learn else "")
            path = os.path.join(tmp, "%s_%s%s.safetensors" % (model, act, "_learn" if learn else ""))
            rc, msg = dump(model, act, learn, path)
            if not tally.check(rc == 0, "%s parity_dump%s" % (case, "" if rc == 0 else ": exit %d: %s" % (rc, msg))):
                continue
            try:
                tensors, meta = tm.st_read(path)
                t = run_torch(tensors, meta)
                compare(tally, case, tensors, meta, t)
                if i == 0:
                    # The same case again, on both sides: the same bits.
                    again = path + ".again"
                    rc, msg = dump(model, act, learn, again)
                    with open(path, "rb") as f1, open(again, "rb") as f2:
                        same = rc == 0 and f1.read() == f2.read()
                    tally.check(same, "%s determinism parity_dump%s" % (case, "" if same else ": two runs differ"))
                    same = same_results(t, run_torch(tensors, meta))
                    tally.check(same, "%s determinism torch%s" % (case, "" if same else ": two runs differ"))
            except Exception as e:  # a broken file or a twin that does not fit it
                tally.check(False, "%s: %s: %s" % (case, type(e).__name__, e))

    if verbose:
        for (model, kind), (err, where) in sorted(tally.worst.items()):
            print("worst %-6s %-10s rel %.2g  (%s)" % (model, kind, err, where))
    return summary(tally)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
