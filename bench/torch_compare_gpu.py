#!/usr/bin/python3
"""torch_compare_gpu.py - libgolu's CUDA kernels against PyTorch on the same GPU.

Runs `build/gpu_bench --json` (libgolu's GoLU, GELU, SiLU, forward and
backward, and the device-to-device copy of the same bytes), then times
PyTorch's gelu, silu and the naive GoLU x*exp(-exp(-x)) on the same device,
sizes and dtypes, with the same scheme: CUDA events around batches of calls
of about 2 ms, the median of --reps batches, buffers rotated call to call over
sets covering 4x the L2 cache. Prints torch's time, golu's, and
torch_time / golu_time (above 1: golu is faster), and golu's time against the
copy (vs_copy, 1.00 = copy speed).

    /usr/bin/python3 bench/torch_compare_gpu.py [--sizes 1Mi,16Mi,256Mi]
        [--dtype f32,bf16] [--reps 21] [--device 0] [--gpu-bench build/gpu_bench] [--json]

PyTorch is never a requirement of libgolu: without torch, or without a CUDA
device, this prints why and exits 0.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

GOLU_ACTS = "golu,gelu,silu"

# (torch op, golu activation) pairs compared in the table.
PAIRS = [
    ("gelu", "gelu"),
    ("silu", "silu"),
    ("golu_naive", "golu"),
    ("gelu", "golu"),
]

TORCH_DTYPES = {"f32": "float32", "bf16": "bfloat16"}


def parse_args(argv):
    p = argparse.ArgumentParser(description="Compare libgolu's CUDA kernels with PyTorch.")
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--gpu-bench", default=os.path.join(here, "..", "build", "gpu_bench"),
                   help="path of gpu_bench (default: build/gpu_bench)")
    p.add_argument("--sizes", default="1Mi,16Mi,256Mi", help="elements, suffixes Ki Mi Gi")
    p.add_argument("--dtype", default="f32,bf16", help="f32,bf16")
    p.add_argument("--dir", default="fwd,bwd", help="fwd,bwd")
    p.add_argument("--reps", type=int, default=21, help="timed batches per row (median)")
    p.add_argument("--device", type=int, default=0, help="CUDA device ordinal")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = p.parse_args(argv)
    for d in a.dtype.split(","):
        if d not in TORCH_DTYPES:
            p.error("--dtype: f32 or bf16 (%s)" % d)
    if a.reps < 3:
        p.error("--reps: at least 3")
    return a


def fmt_n(n):
    for suffix, shift in (("Gi", 30), ("Mi", 20), ("Ki", 10)):
        if n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, suffix)
    return str(n)


def run_gpu_bench(args):
    cmd = [args.gpu_bench, "--json", "--act", GOLU_ACTS, "--dtype", args.dtype,
           "--dir", args.dir, "--sizes", args.sizes, "--reps", str(args.reps),
           "--device", str(args.device)]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        sys.exit("torch_compare_gpu: cannot run %s: %s (build it with `make` where nvcc "
                 "is installed, or pass --gpu-bench)" % (args.gpu_bench, e))
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit("torch_compare_gpu: `%s` exited %d" % (" ".join(cmd), r.returncode))
    return json.loads(r.stdout)


class Timer:
    """Median milliseconds per call of run(k) (k picks the buffer set), by
    CUDA events around batches of about 2 ms: gpu_bench's scheme."""

    def __init__(self, torch, reps):
        self.torch, self.reps = torch, reps
        self.e0 = torch.cuda.Event(enable_timing=True)
        self.e1 = torch.cuda.Event(enable_timing=True)

    def batch(self, run, calls):
        self.e0.record()
        for k in range(calls):
            run(k)
        self.e1.record()
        self.e1.synchronize()
        return self.e0.elapsed_time(self.e1)

    def median_ms(self, run):
        self.batch(run, 3)  # warm-up
        one = self.batch(run, 3) / 3
        calls = max(1, min(1000, int(2.0 / one) if one > 0 else 1000))
        return statistics.median(self.batch(run, calls) / calls for _ in range(self.reps))


def buffer_sets(torch, n, dtype, device):
    """Sets of (x, dy) from N(0, 1), as many as cover 4x the L2 (at least 2)."""
    props = torch.cuda.get_device_properties(device)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    set_bytes = 3 * n * torch.empty((), dtype=dtype).element_size()
    count = max(2, min(64, -(-4 * l2 // set_bytes)))
    g = torch.Generator(device=device).manual_seed(1)
    return [(torch.randn(n, generator=g, device=device).to(dtype),
             torch.randn(n, generator=g, device=device).to(dtype)) for _ in range(count)]


def torch_ops(torch):
    """name -> dir -> (how it is called, make(sets) -> run(k))."""
    nn, aten = torch._C._nn, torch.ops.aten

    def fwd_out(f):
        def make(sets):
            ys = [torch.empty_like(x) for x, _ in sets]
            return lambda k: f(sets[k % len(sets)][0], ys[k % len(sets)])
        return make

    def bwd_out(name, **kw):
        packet = getattr(aten, name)
        if "grad_input" in packet.overloads():
            def make(sets):
                dxs = [torch.empty_like(x) for x, _ in sets]
                return lambda k: packet.grad_input(sets[k % len(sets)][1], sets[k % len(sets)][0],
                                                   grad_input=dxs[k % len(sets)], **kw)
            return ("aten.%s.grad_input (out=)" % name, make)

        def make_alloc(sets):
            return lambda k: packet.default(sets[k % len(sets)][1], sets[k % len(sets)][0], **kw)
        return ("aten.%s (allocates)" % name, make_alloc)

    def golu_naive_fwd(sets):
        ts = [(torch.empty_like(x), torch.empty_like(x)) for x, _ in sets]

        def run(k):
            x, (t, y) = sets[k % len(sets)][0], ts[k % len(sets)]
            torch.neg(x, out=t)
            torch.exp(t, out=t)
            t.neg_()
            t.exp_()
            torch.mul(x, t, out=y)
        return run

    def golu_naive_bwd(sets):
        graphs = []
        for x, dy in sets:
            xr = x.detach().clone().requires_grad_(True)
            graphs.append((xr, xr * torch.exp(-torch.exp(-xr)), dy))

        def run(k):
            xr, y, dy = graphs[k % len(graphs)]
            torch.autograd.grad(y, xr, dy, retain_graph=True)
        return run

    return {
        "gelu": {"fwd": ("_nn.gelu(out=)", fwd_out(lambda x, y: nn.gelu(x, approximate="none", out=y))),
                 "bwd": bwd_out("gelu_backward", approximate="none")},
        "silu": {"fwd": ("_nn.silu(out=)", fwd_out(lambda x, y: nn.silu(x, out=y))),
                 "bwd": bwd_out("silu_backward")},
        "golu_naive": {"fwd": ("x*exp(-exp(-x)) as neg/exp/neg/exp/mul with out=", golu_naive_fwd),
                       "bwd": ("autograd.grad of x*exp(-exp(-x)) (graph kept)", golu_naive_bwd)},
    }


def time_torch(torch, args, golu_rows):
    """torch ms per call by (op, dir, dtype, n), and how each op is called."""
    ops, timer = torch_ops(torch), Timer(torch, args.reps)
    out, how = {}, {}
    for dt, n in sorted({(r["dtype"], r["n"]) for r in golu_rows}, key=lambda c: (c[1], c[0])):
        sets = buffer_sets(torch, n, getattr(torch, TORCH_DTYPES[dt]), args.device)
        for d in args.dir.split(","):
            for op, by_dir in ops.items():
                how[(op, d)], make = by_dir[d]
                out[(op, d, dt, n)] = timer.median_ms(make(sets))
        del sets
        torch.cuda.empty_cache()
    return out, how


def main(argv):
    args = parse_args(argv)
    try:
        import torch
    except ImportError as e:
        print("torch_compare_gpu: skipped: PyTorch is not importable with %s (%s)"
              % (sys.executable, e))
        return 0
    if not torch.cuda.is_available():
        print("torch_compare_gpu: skipped: torch %s sees no CUDA device" % torch.__version__)
        return 0
    torch.cuda.set_device(args.device)
    golu = run_gpu_bench(args)
    golu_ms = {(r["act"], r["dir"], r["dtype"], r["n"]): r for r in golu["rows"]}
    torch_ms, how = time_torch(torch, args, golu["rows"])

    rows = []
    for (op, d, dt, n), t in sorted(torch_ms.items(), key=lambda i: (i[0][1], i[0][2], i[0][3])):
        for top, gact in PAIRS:
            if top != op or (gact, d, dt, n) not in golu_ms:
                continue
            g = golu_ms[(gact, d, dt, n)]
            rows.append({"dir": d, "dtype": dt, "n": n, "torch_op": top,
                         "torch_call": how[(top, d)], "torch_ms": t, "golu_act": gact,
                         "golu_ms": g["ms"], "golu_vs_copy": g["vs_copy"],
                         "copy_gbps": g["copy_gbps"], "torch_over_golu": t / g["ms"]})
    info = {"version": torch.__version__, "cuda": torch.version.cuda,
            "device": torch.cuda.get_device_name(args.device), "reps": args.reps,
            "stat": "median of ~2 ms batches timed by CUDA events",
            "calls": {"%s %s" % k: v for k, v in how.items()}}
    if args.json:
        json.dump({"device": golu["device"], "torch": info, "rows": rows}, sys.stdout, indent=1)
        print()
        return 0

    dev = golu["device"]
    print("device: %s (%d SMs, cc %s); torch %s, CUDA %s"
          % (dev["name"], dev["sms"], dev["cc"], info["version"], info["cuda"]))
    print("torch/golu = torch time / golu time (above 1: golu faster); golu vs_copy = "
          "copy time / golu time for the same bytes")
    for (op, d), call in sorted(how.items()):
        print("  torch %-10s %s: %s" % (op, d, call))
    print()
    print("%-3s %-4s %6s  %-10s %10s  %-5s %10s %8s  %10s"
          % ("dir", "type", "n", "torch", "torch us", "golu", "golu us", "vs_copy", "torch/golu"))
    for r in rows:
        print("%-3s %-4s %6s  %-10s %10.2f  %-5s %10.2f %8.3f  %10.2f"
              % (r["dir"], r["dtype"], fmt_n(r["n"]), r["torch_op"], r["torch_ms"] * 1e3,
                 r["golu_act"], r["golu_ms"] * 1e3, r["golu_vs_copy"], r["torch_over_golu"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
