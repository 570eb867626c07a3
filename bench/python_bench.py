#!/usr/bin/python3
"""python_bench.py - golu.torch inside PyTorch: the speed of the module
against the composed formula and torch's own GELU and SiLU, and the
paper's MLP trained on Fashion-MNIST with either GoLU.

    /usr/bin/python3 bench/python_bench.py [--quick] [--sizes 4Ki,64Ki,1Mi,16Mi]
        [--threads 1,2] [--rounds 7] [--epochs 2] [--seeds 1,2] [--no-mlp]

Part 1, kernels: forward + backward inside autograd (y = f(x);
y.backward(g)), float32, x ~ N(0, 1), for golu.torch.GoLU(), the composed
formula x * exp(-exp(-x)), torch.nn.GELU() and torch.nn.SiLU(); per size
and thread count (torch.set_num_threads; libgolu follows it), the median of
`rounds` rounds, the candidates alternated within each round; ratios
composed/golu and gelu/golu (above 1: golu faster). Then the fixed costs:
an empty autograd.Function's forward + backward (torch's own floor), golu
at n = 1, and one ctypes call of golu_forward with n = 0.

Part 2, the paper's MLP (Linear(784, 512) -> LayerNorm -> act ->
Linear(10)), SGD lr 0.01 momentum 0.9, batch 128, on Debian's
dataset-fashion-mnist (/usr/share/datasets/fashion-mnist; pixels / 255,
normalised by the training split's mean and std, as the golu tool does),
`epochs` epochs per seed with golu.torch.GoLU and with the composed formula
(same initial weights and batch order per seed, the order of the two
alternated between seeds): test accuracy per seed and the wall-time ratio.

torch gets its best settings on this kind of machine:
ATEN_CPU_CAPABILITY=avx512 where the CPU has it, OPENBLAS_NUM_THREADS=1,
glibc malloc tunables that keep freed memory (set before torch loads, by
running this script again). Prints tables in Markdown.
"""

import argparse
import gzip
import os
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_env  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def reexec():
    """golu.torch runs inside torch's process, so both sides get the same
    settings here: the best capability, one OpenBLAS thread and the malloc
    tunables (torch_env.py; bench/torch_compare.py decides them by probe)."""
    env = dict(os.environ)
    if "ATEN_CPU_CAPABILITY" not in env and torch_env.capabilities()[0] == "avx512":
        env["ATEN_CPU_CAPABILITY"] = "avx512"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("GLIBC_TUNABLES", torch_env.TUNABLES)
    if env != dict(os.environ):
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


def parse_size(s):
    s = s.strip()
    for suf, m in (("Ki", 1024), ("Mi", 1024 * 1024)):
        if s.endswith(suf):
            return int(s[: -len(suf)]) * m
    return int(s)


def fmt_n(n):
    return "%dMi" % (n >> 20) if n >= 1 << 20 and n % (1 << 20) == 0 else "%dKi" % (n >> 10) if n % 1024 == 0 else str(n)


def composed(x):
    import torch

    return x * torch.exp(-torch.exp(-x))


def time_fb(f, x, g, reps):
    t0 = time.perf_counter()
    for _ in range(reps):
        y = f(x)
        y.backward(g)
        x.grad = None
    return (time.perf_counter() - t0) / reps


class on_workers:
    """golu.torch with its splits on libgolu's own workers (one thread below
    CPU.SPLIT_MIN), as without libgolu_omp: the runner is switched off for
    the duration of the timed calls."""

    def __init__(self, f):
        from golu import _torch_ops

        self.f, self.ops = f, _torch_ops

    def timed(self, x, g, reps):
        saved = self.ops.runner()
        self.ops._runner = (None, "python_bench: libgolu's workers")
        try:
            return time_fb(self.f, x, g, reps)
        finally:
            self.ops._runner = saved


class keeping_x:
    """golu.torch keeping x for the backward (set_keep_slope(False)), as it
    does above its KEEP_SLOPE_MAX, instead of f'(x)."""

    def __init__(self, f, gt):
        self.f, self.gt = f, gt

    def timed(self, x, g, reps):
        self.gt.set_keep_slope(False)
        try:
            return time_fb(self.f, x, g, reps)
        finally:
            self.gt.set_keep_slope(True)


def timed(f, x, g, reps):
    return f.timed(x, g, reps) if isinstance(f, (on_workers, keeping_x)) else time_fb(f, x, g, reps)


def kernels(args, torch, gt):
    cands = [("golu", gt.GoLU()), ("composed", composed), ("gelu", torch.nn.GELU()), ("silu", torch.nn.SiLU()),
             ("keep_x", keeping_x(gt.GoLU(), gt))]
    workers = gt.threading()["runner"] == "openmp"
    if workers:
        cands.append(("workers", on_workers(gt.GoLU())))
    print("\n### forward + backward in autograd, float32, N(0,1), seconds per call (median of %d alternated rounds)\n" % args.rounds)
    if workers:
        print("golu.torch runs its splits on torch's OpenMP threads; 'golu.torch on workers' is the same")
        print("module with them on libgolu's own workers instead (one thread below 1Mi).")
    print("golu.torch keeps f'(x) for the backward up to 512Ki elements; 'keeping x' is the same module")
    print("keeping x instead (set_keep_slope(False)), its backward evaluating f' again.\n")
    wk = " golu.torch on workers |" if workers else ""
    wr = " workers / golu |" if workers else ""
    print("| n | threads | golu.torch | composed | torch GELU | torch SiLU | golu.torch keeping x |%s"
          " composed / golu | GELU / golu | SiLU / golu | keeping x / golu |%s" % (wk, wr))
    print("|---" * (11 + 2 * workers) + "|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for n in args.sizes:
            x = torch.randn(n, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
            g = torch.ones(n)
            reps = max(2, min(2000, int(2e6 / n)))
            for _, f in cands:
                timed(f, x, g, 2)
            res = {k: [] for k, _ in cands}
            for r in range(args.rounds):
                order = cands if r % 2 == 0 else cands[::-1]
                for k, f in order:
                    res[k].append(timed(f, x, g, reps))
            med = {k: statistics.median(v) for k, v in res.items()}
            cells = ["%s" % fmt_time(med[k]) for k, _ in cands]
            ratios = [med[k] / med["golu"] for k in ("composed", "gelu", "silu", "keep_x", "workers") if k in med]
            print("| %s | %d | %s | %s |" % (fmt_n(n), threads, " | ".join(cells), " | ".join("%.2f" % q for q in ratios)))
            sys.stdout.flush()
    torch.set_num_threads(1)
    overheads(args, torch, gt)


def fmt_time(s):
    return "%.1f us" % (s * 1e6) if s < 1e-2 else "%.2f ms" % (s * 1e3)


def overheads(args, torch, gt):
    from golu import _act, _lib

    class Empty(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.empty_like(x)

        @staticmethod
        def backward(ctx, dy):
            (x,) = ctx.saved_tensors
            return torch.empty_like(x)

    x = torch.randn(1, requires_grad=True)
    g = torch.ones(1)
    spec = _act.spec("golu")
    cands = [("empty autograd.Function, fwd+bwd (torch's floor)", Empty.apply), ("golu.torch.GoLU at n = 1, fwd+bwd", gt.GoLU()),
             ("torch.nn.SiLU at n = 1, fwd+bwd (C++ autograd)", torch.nn.SiLU())]
    res = {k: [] for k, _ in cands}
    res["one ctypes call, golu_forward(n = 0)"] = []
    for _ in range(args.rounds):
        for k, f in cands:
            res[k].append(time_fb(f, x, g, 2000))
        t0 = time.perf_counter()
        for _ in range(20000):
            _lib.forward(None, spec.ref, 0, None, None, 0)
        res["one ctypes call, golu_forward(n = 0)"].append((time.perf_counter() - t0) / 20000)
    print("\n### fixed costs per call, 1 thread (median of %d rounds)\n" % args.rounds)
    print("| what | time |")
    print("|---|---|")
    for k, v in res.items():
        print("| %s | %.2f us |" % (k, statistics.median(v) * 1e6))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        blob = f.read()
    magic, n = struct.unpack(">II", blob[:8])
    if magic == 0x803:
        r, c = struct.unpack(">II", blob[8:16])
        return blob[16:], (n, r * c)
    return blob[8:], (n,)


def mlp(args, torch, gt):
    import numpy as np

    try:
        xb, xs = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
        yb, _ = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"))
        tb, ts = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
        lb, _ = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))
    except OSError as e:
        print("\nMLP: no Fashion-MNIST (%s); install Debian's dataset-fashion-mnist" % e)
        return
    xtr = np.frombuffer(xb, np.uint8).reshape(xs).astype(np.float32) / 255.0
    xte = np.frombuffer(tb, np.uint8).reshape(ts).astype(np.float32) / 255.0
    mean, std = float(xtr.mean()), float(xtr.std())
    xtr, xte = torch.from_numpy((xtr - mean) / std), torch.from_numpy((xte - mean) / std)
    ytr = torch.from_numpy(np.frombuffer(yb, np.uint8).astype(np.int64))
    yte = torch.from_numpy(np.frombuffer(lb, np.uint8).astype(np.int64))
    torch.set_num_threads(args.mlp_threads)

    class Composed(torch.nn.Module):
        def forward(self, x):
            return composed(x)

    def run(act, seed):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.LayerNorm(512), act, torch.nn.Linear(512, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        gen = torch.Generator().manual_seed(seed)
        t0 = time.perf_counter()
        for _ in range(args.epochs):
            perm = torch.randperm(xtr.shape[0], generator=gen)
            for i in range(0, xtr.shape[0] - 127, 128):
                idx = perm[i : i + 128]
                opt.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
        secs = time.perf_counter() - t0
        with torch.no_grad():
            acc = float((model(xte).argmax(1) == yte).float().mean())
        return acc, secs

    print("\n### the paper's MLP on Fashion-MNIST, %d epoch(s), batch 128, SGD 0.01 m 0.9, %d thread(s)\n" % (args.epochs, args.mlp_threads))
    print("| seed | golu.torch.GoLU accuracy | composed accuracy | golu.torch time | composed time | composed / golu time |")
    print("|---|---|---|---|---|---|")
    ratios = []
    for k, seed in enumerate(args.seeds):
        order = [("golu", gt.GoLU), ("composed", Composed)]
        if k % 2:
            order = order[::-1]
        out = {name: run(cls(), seed) for name, cls in order}
        ratios.append(out["composed"][1] / out["golu"][1])
        print("| %d | %.4f | %.4f | %.1f s | %.1f s | %.2f |" % (seed, out["golu"][0], out["composed"][0], out["golu"][1],
                                                               out["composed"][1], ratios[-1]))
        sys.stdout.flush()
    print("\nwall-time ratio composed / golu, median over seeds: %.2f" % statistics.median(ratios))


def main():
    p = argparse.ArgumentParser(description="golu.torch against the composed formula and torch's GELU/SiLU.")
    p.add_argument("--sizes", default=None, help="elements, suffixes Ki Mi (default 4Ki,64Ki,1Mi,16Mi; --quick 4Ki,64Ki,1Mi)")
    p.add_argument("--threads", default="1,2", help="thread counts for part 1")
    p.add_argument("--rounds", type=int, default=None, help="alternated rounds (default 7; --quick 5)")
    p.add_argument("--epochs", type=int, default=None, help="MLP epochs per run (default 2; --quick 1)")
    p.add_argument("--seeds", default="1,2", help="MLP seeds")
    p.add_argument("--mlp-threads", type=int, default=2, help="torch threads for the MLP")
    p.add_argument("--no-mlp", action="store_true", help="part 1 only")
    p.add_argument("--quick", action="store_true", help="fewer sizes, rounds and epochs")
    a = p.parse_args()
    a.sizes = [parse_size(s) for s in (a.sizes or ("4Ki,64Ki,1Mi" if a.quick else "4Ki,64Ki,1Mi,16Mi")).split(",")]
    a.threads = [int(s) for s in a.threads.split(",")]
    a.seeds = [int(s) for s in a.seeds.split(",")]
    a.rounds = a.rounds or (5 if a.quick else 7)
    a.epochs = a.epochs or (1 if a.quick else 2)
    reexec()
    try:
        import torch
    except ImportError as e:
        print("python_bench: no torch (%s); run it with Debian's /usr/bin/python3" % e)
        return 0
    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    import golu
    import golu.torch as gt

    print("# python_bench: %s, torch %s, libgolu %s (%s, ISA %s)" % (os.uname().nodename, torch.__version__, golu.__version__,
                                                                     golu.LIBRARY_PATH, golu.info()["isa"]))
    print("# ATEN_CPU_CAPABILITY=%s OPENBLAS_NUM_THREADS=%s GLIBC_TUNABLES=%s OPENBLAS_CORETYPE=%s; load average %.2f"
          % (os.environ.get("ATEN_CPU_CAPABILITY"), os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("GLIBC_TUNABLES"),
             os.environ.get("OPENBLAS_CORETYPE"), os.getloadavg()[0]))
    th = gt.threading()
    print("# golu.torch threads: runner %s (%s)" % (th["runner"], th["detail"]))
    kernels(a, torch, gt)
    if not a.no_mlp:
        mlp(a, torch, gt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
