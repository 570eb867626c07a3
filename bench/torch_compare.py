#!/usr/bin/python3
"""torch_compare.py - libgolu against PyTorch, same sizes, threads and inputs.

Runs `golu bench --json` for GoLU, GELU (erf and tanh), SiLU and Mish, then
times PyTorch's versions in the same run on the same sizes, thread counts
(torch.set_num_threads) and input distributions, and prints torch ns/element,
golu ns/element and torch_time / golu_time (above 1: golu is faster).

PyTorch gets its best settings on the machine that runs this, decided by
measurement in the same run (bench/torch_env.py): the same thread count
(torch.set_num_threads), the best ATEN_CPU_CAPABILITY, OPENBLAS_NUM_THREADS
and glibc's malloc tunables each measured both ways in child processes on a
probe (GELU and SiLU forward and backward, GoLU composed, at 64Ki and 1Mi on
the run's thread counts) and the faster kept; then this script starts again
under the kept settings, measures, and prints what torch was given (golu's
side runs without them; OPENBLAS_CORETYPE is the environment's on both).
Preallocated outputs (out=) where the API has them.

Use Debian's interpreter: /usr/bin/python3 bench/torch_compare.py [--quick].
PyTorch is never a requirement of libgolu: without it this prints why and
exits 0.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch_env
from golu_json import fmt_n, run_golu_json

GOLU_ACTS = "golu,relu,gelu,gelu_tanh,silu,mish"

# (torch op, golu activation) pairs compared in the table.
PAIRS = [
    ("relu", "relu"),
    ("gelu", "gelu"),
    ("gelu_tanh", "gelu_tanh"),
    ("silu", "silu"),
    ("mish", "mish"),
    ("golu_naive", "golu"),
    ("gelu", "golu"),
]

SEEDS = {"normal": 1, "u6": 2, "u46": 3}


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Compare libgolu with PyTorch on the same sizes, threads and inputs.")
    p.add_argument("--golu", default=None,
                   help="path of the golu tool (default: build/golu next to this script)")
    p.add_argument("--sizes", default=None,
                   help="elements per array, suffixes Ki Mi (default 4Ki,64Ki,1Mi,16Mi; "
                        "--quick: 64Ki,1Mi)")
    p.add_argument("--threads", default="1,all", help="thread counts, numbers or 'all'")
    p.add_argument("--dist", default="normal", help="normal,u6,u46 (as golu bench)")
    p.add_argument("--dir", default="fwd,bwd", help="fwd,bwd")
    p.add_argument("--isa", default=None, help="passed to golu bench --isa")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds per measurement after warm-up (default 0.2; --quick: 0.05)")
    p.add_argument("--quick", action="store_true", help="fewer sizes, shorter timings")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--no-avx512", action="store_true",
                   help="leave ATEN_CPU_CAPABILITY alone (torch's default kernels)")
    p.add_argument("--probe-rounds", type=int, default=None,
                   help="rounds of the torch settings probe (default 3; --quick: 1)")
    p.add_argument("--rounds", type=int, default=1,
                   help="measure golu and torch this many times, alternated, and report "
                        "each row's medians and the range of its ratio (default 1)")
    p.add_argument("--torch-probe", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--torch-given", default=None, help=argparse.SUPPRESS)
    p.add_argument("--omp-wait-policy", choices=("default", "passive", "active"),
                   default="default",
                   help="OMP_WAIT_POLICY for torch's threads (default: leave the "
                        "environment alone; passive helps on a busy machine)")
    a = p.parse_args(argv)
    if a.sizes is None:
        a.sizes = "64Ki,1Mi" if a.quick else "4Ki,64Ki,1Mi,16Mi"
    if a.min_time is None:
        a.min_time = 0.05 if a.quick else 0.2
    if a.probe_rounds is None:
        a.probe_rounds = 1 if a.quick else 3
    if a.probe_rounds < 1:
        p.error("--probe-rounds must be >= 1")
    if a.rounds < 1:
        p.error("--rounds must be >= 1")
    if not a.min_time > 0:
        p.error("--min-time must be > 0")
    if a.golu is None:
        a.golu = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "golu")
    return a


def thread_counts(args):
    """The --threads list as numbers ('all' = every CPU)."""
    out = []
    for t in args.threads.split(","):
        out.append(os.cpu_count() or 1 if t.strip() == "all" else int(t))
    return out


def base_env(args):
    """The environment every candidate starts from: OMP_WAIT_POLICY when
    asked for (read when torch's OpenMP runtime loads)."""
    env = dict(os.environ)
    if args.omp_wait_policy != "default":
        env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    return env


def torch_probe(args):
    """In a child under one candidate's settings: seconds for the probe's
    work (the sum of the median times per call), one JSON line."""
    import torch
    ops = torch_ops(torch)
    total = 0.0
    for threads in thread_counts(args):
        torch.set_num_threads(threads)
        for n in (1 << 16, 1 << 20):
            x, dy = make_input(torch, n, "normal")
            for op, d in (("gelu", "fwd"), ("gelu", "bwd"), ("silu", "fwd"), ("silu", "bwd"),
                          ("golu_naive", "fwd")):
                total += measure(ops[op][d][1](x, dy), 0.03)
    print(json.dumps({"seconds": total}))


def choose_settings(args):
    """Measures the candidates (torch_env.choose) and starts this script
    again under the faster, with what it was given to print."""
    env0 = base_env(args)
    me = [sys.executable, os.path.abspath(__file__)]

    def probe(settings):
        if args.no_avx512:
            settings = dict(settings, ATEN_CPU_CAPABILITY=None)
        r = subprocess.run(me + sys.argv[1:] + ["--torch-probe"], capture_output=True, text=True,
                           env=torch_env.env_with(settings, env0))
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            sys.exit("torch_compare: the settings probe failed")
        return json.loads(r.stdout.strip().splitlines()[-1])["seconds"]

    lines = []
    threads = max(thread_counts(args))
    best, _ = torch_env.choose(probe, threads, args.probe_rounds, lines.append)
    if args.no_avx512:
        best = dict(best, ATEN_CPU_CAPABILITY=None)
    given = {"settings": best, "threads": thread_counts(args),
             "probe": "torch settings, probe seconds (median of %d rounds):\n%s"
                      % (args.probe_rounds, "\n".join(lines))}
    env = torch_env.env_with(best, env0)
    os.execve(sys.executable, me + sys.argv[1:] + ["--torch-given", json.dumps(given)], env)


def warn_if_busy():
    """Other processes on the CPUs make every timing here noisy, and torch's
    spinning OpenMP threads suffer most (tens of ms per call on 2 threads)."""
    try:
        load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    except OSError:
        return None
    if load > cpus - 0.5:
        sys.stderr.write("torch_compare: warning: load average %.1f on %d CPUs; other "
                         "processes are running and timings will be noisy (on a busy "
                         "machine try --omp-wait-policy passive)\n" % (load, cpus))
    return load


def run_golu(args):
    """golu bench on the same sizes, threads and inputs, without torch's
    settings (OPENBLAS_CORETYPE as it is)."""
    cmd = [args.golu, "bench", "--json", "--act", GOLU_ACTS, "--dir", args.dir,
           "--dtype", "f32", "--sizes", args.sizes, "--threads", args.threads,
           "--dist", args.dist, "--min-time", repr(args.min_time)]
    if args.isa:
        cmd += ["--isa", args.isa]
    return run_golu_json("torch_compare", cmd, "build it with `make`", torch_env.env_without())


def measure(fn, min_time):
    """Median seconds per call: the same scheme as golu bench (warm-up, then
    batches of about min_time/20 s until min_time has passed, at least 3)."""
    fn()
    calls, t0 = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - t0
        if calls >= 2 and elapsed >= min_time / 10:
            break
    per_call, target = elapsed / calls, min_time / 20
    reps = 1 if per_call >= target else int(target / per_call)
    times, start = [], time.perf_counter()
    while len(times) < 1000 and (len(times) < 3 or time.perf_counter() - start < min_time):
        b0 = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - b0) / reps)
    return statistics.median(times)


def torch_ops(torch):
    """name -> dir -> (how it is called, make(x, dy) -> a callable to time)."""
    nn = torch._C._nn
    aten = torch.ops.aten

    def fwd_out(f):
        def make(x, dy):
            y = torch.empty_like(x)
            return lambda: f(x, y)
        return make

    def golu_naive_fwd(x, dy):
        t, y = torch.empty_like(x), torch.empty_like(x)

        def run():
            torch.neg(x, out=t)
            torch.exp(t, out=t)
            t.neg_()
            t.exp_()
            torch.mul(x, t, out=y)
        return run

    def golu_naive_bwd(x, dy):
        xr = x.detach().clone().requires_grad_(True)
        y = xr * torch.exp(-torch.exp(-xr))
        return lambda: torch.autograd.grad(y, xr, dy, retain_graph=True)

    def bwd_out(op, **kw):
        def make(x, dy):
            dx = torch.empty_like(x)
            return lambda: op(dy, x, grad_input=dx, **kw)
        return make

    def bwd_alloc(op, **kw):
        def make(x, dy):
            return lambda: op(dy, x, **kw)
        return make

    def backward(name, **kw):
        packet = getattr(aten, name)
        if "grad_input" in packet.overloads():
            return ("aten.%s.grad_input (out=)" % name, bwd_out(packet.grad_input, **kw))
        return ("aten.%s (allocates; no out= variant)" % name, bwd_alloc(packet.default, **kw))

    return {
        # torch's relu is clamp_min(x, 0) (its CPU kernel, here with out=);
        # its backward is threshold_backward(dy, x, 0).
        "relu": {
            "fwd": ("clamp_min(x, 0, out=)", fwd_out(lambda x, y: torch.clamp_min(x, 0.0, out=y))),
            "bwd": backward("threshold_backward", threshold=0.0),
        },
        "gelu": {
            "fwd": ("_nn.gelu(out=)", fwd_out(lambda x, y: nn.gelu(x, approximate="none", out=y))),
            "bwd": backward("gelu_backward", approximate="none"),
        },
        "gelu_tanh": {
            "fwd": ("_nn.gelu(approximate='tanh', out=)",
                    fwd_out(lambda x, y: nn.gelu(x, approximate="tanh", out=y))),
            "bwd": backward("gelu_backward", approximate="tanh"),
        },
        "silu": {
            "fwd": ("_nn.silu(out=)", fwd_out(lambda x, y: nn.silu(x, out=y))),
            "bwd": backward("silu_backward"),
        },
        "mish": {
            "fwd": ("_nn.mish(out=)", fwd_out(lambda x, y: nn.mish(x, out=y))),
            "bwd": backward("mish_backward"),
        },
        "golu_naive": {
            "fwd": ("x*exp(-exp(-x)) as neg/exp/neg/exp/mul with out=", golu_naive_fwd),
            "bwd": ("autograd.grad of x*exp(-exp(-x)) (backward only, graph kept)",
                    golu_naive_bwd),
        },
    }


def measure_torch(torch, ops, combos, min_time, torch_ns, how):
    """One round of torch's ops on every combination: ns per element appended
    to torch_ns[(op, dir, n, threads, dist)], the call's description in how."""
    inputs = {}
    for d, n, threads, dist in combos:
        if (n, dist) not in inputs:
            inputs.clear()  # keep one input set alive at a time
            inputs[(n, dist)] = make_input(torch, n, dist)
        x, dy = inputs[(n, dist)]
        torch.set_num_threads(threads)
        for op in ops:
            how[(op, d)], make = ops[op][d]
            ns = measure(make(x, dy), min_time) * 1e9 / n
            torch_ns.setdefault((op, d, n, threads, dist), []).append(ns)


def make_input(torch, n, dist):
    g = torch.Generator().manual_seed(SEEDS[dist])
    if dist == "normal":
        x = torch.randn(n, generator=g)
    elif dist == "u6":
        x = torch.empty(n).uniform_(-6.0, 6.0, generator=g)
    else:
        x = torch.empty(n).uniform_(-4.0, 6.0, generator=g)
    dy = torch.randn(n, generator=torch.Generator().manual_seed(100))
    return x, dy


def main(argv):
    args = parse_args(argv)
    if args.torch_probe:
        torch_probe(args)
        return 0
    if args.torch_given is None:
        r = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True)
        if r.returncode != 0:
            print("torch_compare: skipped: PyTorch is not importable with %s (%s); "
                  "on Debian: apt-get install python3-torch"
                  % (sys.executable, r.stderr.strip().splitlines()[-1:]))
            return 0
        warn_if_busy()
        choose_settings(args)  # does not return
    given = json.loads(args.torch_given)
    load_at_start = warn_if_busy()
    import torch

    ops = torch_ops(torch)
    golu_ns, torch_ns, how = {}, {}, {}  # key -> one value per round
    for _ in range(args.rounds):  # golu, then torch, in every round
        golu = run_golu(args)
        for r in golu["rows"]:
            golu_ns.setdefault((r["act"], r["dir"], r["n"], r["threads"], r["dist"]),
                               []).append(r["ns_per_elem"])
        combos = sorted({(r["dir"], r["n"], r["threads"], r["dist"]) for r in golu["rows"]},
                        key=lambda c: (c[0] != "fwd", c[3], c[1], c[2]))
        measure_torch(torch, ops, combos, args.min_time, torch_ns, how)

    rows = []
    for d, n, threads, dist in combos:
        for top, gact in PAIRS:
            t, g = torch_ns[(top, d, n, threads, dist)], golu_ns[(gact, d, n, threads, dist)]
            ratios = [a / b for a, b in zip(t, g)]
            rows.append({"dir": d, "n": n, "threads": threads, "dist": dist,
                         "torch_op": top, "torch_call": how[(top, d)],
                         "torch_ns_per_elem": statistics.median(t),
                         "golu_act": gact, "golu_ns_per_elem": statistics.median(g),
                         "torch_over_golu": statistics.median(ratios),
                         "torch_over_golu_min": min(ratios), "torch_over_golu_max": max(ratios),
                         "rounds": len(ratios)})

    capability = torch_env.reported_capability(torch)
    info = {"version": torch.__version__, "cpu_capability": capability,
            "ATEN_CPU_CAPABILITY": os.environ.get("ATEN_CPU_CAPABILITY", ""),
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", ""),
            "given": torch_env.describe(given["settings"], max(given["threads"]), capability),
            "settings": given["settings"], "probe": given["probe"],
            "loadavg_1min_at_start": load_at_start,
            "python": sys.executable, "min_time_s": args.min_time, "rounds": args.rounds,
            "stat": "median of batches" + ("" if args.rounds == 1 else
                                           "; medians of %d alternated rounds" % args.rounds),
            "calls": {"%s %s" % k: v for k, v in how.items()}}
    if args.json:
        json.dump({"machine": golu["machine"], "torch": info, "rows": rows}, sys.stdout, indent=1)
        print()
        return 0

    m = golu["machine"]
    print(given["probe"])
    print("torch given: %s (threads per row as listed)" % info["given"])
    print("machine: cpu \"%s\", %d CPUs, golu %s isa %s; torch %s, CPU capability %s "
          "(ATEN_CPU_CAPABILITY=%s, OMP_WAIT_POLICY=%s)"
          % (m["cpu"], m["cpus"], m["golu_version"], m["isa"], info["version"],
             info["cpu_capability"], info["ATEN_CPU_CAPABILITY"] or "unset",
             info["OMP_WAIT_POLICY"] or "unset"))
    print("float32; median of batches, %g s per measurement; torch/golu = torch time / golu "
          "time (above 1: golu faster)" % args.min_time)
    if args.rounds > 1:
        print("%d rounds, golu then torch in each: every column the median over the rounds, "
              "and the range of torch/golu" % args.rounds)
    print("torch calls:")
    for (op, d), call in sorted(how.items()):
        print("  %-10s %s  %s" % (op, d, call))
    print()
    print("%-3s %6s %4s %-6s  %-10s %11s  %-9s %10s  %10s%s"
          % ("dir", "n", "thr", "dist", "torch", "torch ns/el", "golu", "golu ns/el",
             "torch/golu", "  range" if args.rounds > 1 else ""))
    last = None
    for r in rows:
        key = (r["dir"], r["n"], r["threads"], r["dist"])
        if last is not None and key != last:
            print()
        last = key
        spread = ("  %.2f-%.2f" % (r["torch_over_golu_min"], r["torch_over_golu_max"])
                  if args.rounds > 1 else "")
        print("%-3s %6s %4d %-6s  %-10s %11.3f  %-9s %10.3f  %10.2f%s"
              % (r["dir"], fmt_n(r["n"]), r["threads"], r["dist"], r["torch_op"],
                 r["torch_ns_per_elem"], r["golu_act"], r["golu_ns_per_elem"],
                 r["torch_over_golu"], spread))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
