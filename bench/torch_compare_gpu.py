#!/usr/bin/python3
"""torch_compare_gpu.py - libgolu's CUDA kernels against PyTorch on the same GPU.

Runs `build/golu bench --gpu --json` (libgolu's GoLU, GELU, SiLU, forward and
backward, and the device-to-device copy of the same bytes), then times
PyTorch's gelu, silu and the naive GoLU x*exp(-exp(-x)) on the same device,
sizes and dtypes, with golu bench's scheme: CUDA events around batches of
about min-time/20 s after a warm-up, the median batch's time per call,
buffers rotated call to call over sets covering 4x the L2 cache. Prints
torch's time, golu's, torch_time / golu_time (above 1: golu is faster), and
golu's time against the copy (vs_memcpy, 1.00 = copy speed).

    /usr/bin/python3 bench/torch_compare_gpu.py [--sizes 1Mi,16Mi,256Mi]
        [--dtype f32,bf16] [--dir fwd,bwd] [--min-time 0.2] [--device 0]
        [--golu build/golu] [--json]

PyTorch is never a requirement of libgolu: without torch, or without a CUDA
device, this prints why and exits 0.
"""
import argparse
import json
import os
import statistics
import sys
import time

from golu_json import fmt_n, run_golu_json

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
    p.add_argument("--golu", default=os.path.join(here, "..", "build", "golu"),
                   help="path of the golu tool, built with CUDA (default: build/golu)")
    p.add_argument("--sizes", default="1Mi,16Mi,256Mi", help="elements, suffixes Ki Mi Gi")
    p.add_argument("--dtype", default="f32,bf16", help="f32,bf16")
    p.add_argument("--dir", default="fwd,bwd", help="fwd,bwd")
    p.add_argument("--min-time", type=float, default=0.2,
                   help="seconds of timed batches per row, after warm-up (as golu bench)")
    p.add_argument("--device", type=int, default=0, help="CUDA device ordinal")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = p.parse_args(argv)
    for d in a.dtype.split(","):
        if d not in TORCH_DTYPES:
            p.error("--dtype: f32 or bf16 (%s)" % d)
    if not 0 < a.min_time <= 60:
        p.error("--min-time: in (0, 60] seconds")
    return a



def run_golu_bench(args):
    cmd = [args.golu, "bench", "--gpu", "--json", "--act", GOLU_ACTS, "--dtype", args.dtype,
           "--dir", args.dir, "--sizes", args.sizes, "--dist", "normal",
           "--min-time", repr(args.min_time), "--device", str(args.device)]
    return run_golu_json("torch_compare_gpu", cmd,
                         "build it with `make` where nvcc is installed")


class Timer:
    """Median seconds per call of run(k) (k picks the buffer set), golu
    bench's scheme (lab_bench_measure): one untimed call, warm-up of at least 2
    calls and min_time/10 s, then batches of about min_time/20 s until
    min_time has passed (at least 3), each timed by CUDA events."""

    def __init__(self, torch, min_time):
        self.min_time = min_time
        self.e0 = torch.cuda.Event(enable_timing=True)
        self.e1 = torch.cuda.Event(enable_timing=True)

    def median_s(self, run):
        k = [0]  # the next buffer set: rotation goes on across batches

        def batch(calls):
            self.e0.record()
            for _ in range(calls):
                run(k[0])
                k[0] += 1
            self.e1.record()
            self.e1.synchronize()
            return self.e0.elapsed_time(self.e1) * 1e-3

        batch(1)
        calls, elapsed = 0, 0.0
        while calls < 2 or elapsed < self.min_time / 10:
            elapsed += batch(1)
            calls += 1
        per_call, target = elapsed / calls, self.min_time / 20
        reps = 1 if per_call >= target else int(target / per_call)
        times, start = [], time.perf_counter()
        while len(times) < 1000 and (len(times) < 3 or
                                     time.perf_counter() - start < self.min_time):
            times.append(batch(reps) / reps)
        return statistics.median(times)


def buffer_sets(torch, n, dtype, device):
    """Sets of (x, dy) from N(0, 1), as many as cover 4x the L2 (at least 2),
    as golu bench --gpu."""
    props = torch.cuda.get_device_properties(device)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    set_bytes = 3 * n * torch.empty((), dtype=dtype).element_size()
    count = max(2, min(1024, -(-4 * l2 // set_bytes)))
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
    """torch seconds per call by (op, dir, dtype, n), and how each op is called."""
    ops, timer = torch_ops(torch), Timer(torch, args.min_time)
    out, how = {}, {}
    for dt, n in sorted({(r["dtype"], r["n"]) for r in golu_rows}, key=lambda c: (c[1], c[0])):
        sets = buffer_sets(torch, n, getattr(torch, TORCH_DTYPES[dt]), args.device)
        for d in args.dir.split(","):
            for op, by_dir in ops.items():
                how[(op, d)], make = by_dir[d]
                out[(op, d, dt, n)] = timer.median_s(make(sets))
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
    golu = run_golu_bench(args)
    golu_rows = [r for r in golu["rows"] if r["dist"] == "normal"]
    golu_s = {(r["act"], r["dir"], r["dtype"], r["n"]): r for r in golu_rows}
    torch_s, how = time_torch(torch, args, golu_rows)

    rows = []
    for (op, d, dt, n), t in sorted(torch_s.items(), key=lambda i: (i[0][1], i[0][2], i[0][3])):
        for top, gact in PAIRS:
            if top != op or (gact, d, dt, n) not in golu_s:
                continue
            g = golu_s[(gact, d, dt, n)]
            rows.append({"dir": d, "dtype": dt, "n": n, "torch_op": top,
                         "torch_call": how[(top, d)], "torch_seconds": t, "golu_act": gact,
                         "golu_seconds": g["seconds"], "golu_vs_memcpy": g["vs_memcpy"],
                         "memcpy_gb_per_s": g["memcpy_gb_per_s"],
                         "torch_over_golu": t / g["seconds"]})
    info = {"version": torch.__version__, "cuda": torch.version.cuda,
            "device": torch.cuda.get_device_name(args.device), "min_time_s": args.min_time,
            "stat": "median of batches timed by CUDA events (golu bench's scheme)",
            "calls": {"%s %s" % k: v for k, v in how.items()}}
    if args.json:
        json.dump({"machine": golu["machine"], "torch": info, "rows": rows}, sys.stdout,
                  indent=1)
        print()
        return 0

    m = golu["machine"]
    print("device: %s (%d SMs, cc %s, CUDA runtime %s, driver %s); torch %s, CUDA %s"
          % (m["gpu"], m["sms"], m["cc"], m["cuda_runtime"], m["cuda_driver"],
             info["version"], info["cuda"]))
    print("torch/golu = torch time / golu time (above 1: golu faster); golu vs_memcpy = "
          "golu time / copy time for the same bytes (1.00 = copy speed)")
    for (op, d), call in sorted(how.items()):
        print("  torch %-10s %s: %s" % (op, d, call))
    print()
    print("%-3s %-4s %6s  %-10s %10s  %-5s %10s %9s  %10s"
          % ("dir", "type", "n", "torch", "torch us", "golu", "golu us", "vs_memcpy",
             "torch/golu"))
    for r in rows:
        print("%-3s %-4s %6s  %-10s %10.2f  %-5s %10.2f %9.3f  %10.2f"
              % (r["dir"], r["dtype"], fmt_n(r["n"]), r["torch_op"], r["torch_seconds"] * 1e6,
                 r["golu_act"], r["golu_seconds"] * 1e6, r["golu_vs_memcpy"],
                 r["torch_over_golu"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
