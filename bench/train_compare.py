#!/usr/bin/python3
"""Training throughput and peak memory: golu's C framework against PyTorch on
the same machine, same threads, same models, in one run.

    /usr/bin/python3 bench/train_compare.py [--build build] [--threads 2]
        [--steps N] [--pairs 3] [--act golu,relu] [--models mlp,resnet,gpt,unet]
        [--quick] [--json]

Configurations (docs/TRAINING.md):
  mlp     784-512-512-10, LayerNorm, batch 128, SGD momentum  (images/s)
  resnet  ResNet-20 on 3x32x32, batch 128, SGD momentum       (images/s)
  gpt     4 layers, 4 heads, width 128, context 128, batch 16, AdamW, clip (tokens/s)
  unet    3 levels of 16/32/64 on 1x64x64, 11 classes a pixel, batch 32, AdamW
          (the segment recipe's U-Net; images/s)
Timed steps per run (after 3 warm-up steps): mlp 300, resnet 30, gpt 50, unet 30
(--steps sets all four). Each side runs in its own process (peak RSS is then
the model's own); golu and torch are alternated in --pairs pairs (the first
of a pair alternates too) and the table gives the median and the range of
each side's throughput and of the per-pair ratio.

Torch gets its best settings on this machine, decided per model by
measurement in the same run (bench/torch_env.py: ATEN_CPU_CAPABILITY,
OPENBLAS_NUM_THREADS, glibc malloc tunables; torch.set_num_threads = golu's
threads; OPENBLAS_CORETYPE the environment's, on both sides), and the output
says what it was given. Its GoLU is the usual float32 x*exp(-exp(-x)) (the
twin in tests/nn/torch_models.py computes in float64 for the parity test,
which would be unfair here).

--quick (scripts/main.sh): mlp 60, resnet 5, gpt 10, unet 5 steps, 1 pair, one probe
round; it says so in its output: its numbers are indicative only.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_env  # noqa: E402

STEPS = {"mlp": 300, "resnet": 30, "gpt": 50, "unet": 30}
QUICK_STEPS = {"mlp": 60, "resnet": 5, "gpt": 10, "unet": 5}
PROBE_STEPS = {"mlp": 60, "resnet": 4, "gpt": 10, "unet": 4}

CONFIGS = {
    "mlp": dict(batch=128, unit="images"),
    "resnet": dict(batch=128, unit="images"),
    "gpt": dict(batch=16, context=128, unit="tokens"),
    "unet": dict(batch=32, unit="images"),
}


def torch_worker(model, act, steps, threads):
    """Runs in a child process: times `steps` training steps, prints JSON."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "nn"))
    import torch_models as tm

    torch.set_num_threads(threads)
    torch.manual_seed(1)

    class NaiveGoLU(nn.Module):
        def forward(self, x):
            return x * torch.exp(-torch.exp(-x))

    def act_factory():
        return NaiveGoLU() if act == "golu" else tm.make_act(act)

    if model == "mlp":
        m = tm.MLP(784, 512, 2, 10, act_factory)
        x = torch.randn(128, 1, 28, 28)
        y = torch.randint(0, 10, (128,))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    elif model == "resnet":
        m = tm.ResNet(3, 16, 20, 10, act_factory)
        x = torch.randn(128, 3, 32, 32)
        y = torch.randint(0, 10, (128,))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    elif model == "unet":
        m = tm.UNet(1, 64, 16, 3, 11, False, act_factory)
        x = torch.randn(32, 1, 64, 64)
        y = torch.randint(0, 11, (32, 64, 64))
        opt = torch.optim.AdamW(m.parameters(), lr=2e-3, betas=(0.9, 0.999), weight_decay=0)
    else:
        m = tm.GPT(256, 128, 128, 4, 4, act_factory)
        x = torch.randint(0, 256, (16, 128))
        y = torch.randint(0, 256, (16, 128))
        opt = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    m.train()
    times = []
    for s in range(3 + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = m(x)
        if model == "unet":  # (b, classes, h, w) against (b, h, w)
            loss = F.cross_entropy(logits, y)
        else:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if model == "gpt":
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
    timed = times[3:]
    wall = sum(timed)
    per = CONFIGS[model]["batch"] * CONFIGS[model].get("context", 1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "impl": "torch", "model": model, "act": act, "threads": threads, "steps": steps,
        "steps_per_s": steps / wall, CONFIGS[model]["unit"] + "_per_s": per * steps / wall,
        "median_step_ms": 1e3 * sorted(timed)[len(timed) // 2], "peak_rss_mb": rss,
        "torch": torch.__version__, "cpu_capability": torch_env.reported_capability(torch),
    }))


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_cmd(model, act, steps, threads):
    return [sys.executable, os.path.abspath(__file__), "--torch-worker", model, "--act", act,
            "--steps", str(steps), "--threads", str(threads)]


def spread(vals):
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "all": vals}


def compare(a, bench, model, act, steps, golu_env, torch_envs, log):
    """Torch's settings for this model by probe, then the alternated pairs."""
    def probe(settings):
        r = run_json(torch_cmd(model, act, PROBE_STEPS[model], a.threads),
                     torch_env.env_with(settings, torch_envs))
        return 1.0 / r["steps_per_s"]

    log("%s/%s: torch settings, seconds per step over %d steps (median of %d rounds):"
        % (model, act, PROBE_STEPS[model], a.probe_rounds))
    best, table = torch_env.choose(probe, a.threads, a.probe_rounds, log)
    tenv = torch_env.env_with(best, torch_envs)
    unit = CONFIGS[model]["unit"] + "_per_s"
    ours, theirs = [], []
    for p in range(a.pairs):
        order = ("golu", "torch") if p % 2 == 0 else ("torch", "golu")
        for who in order:
            if who == "golu":
                ours.append(run_json([bench, "--model", model, "--act", act, "--steps",
                                      str(steps), "--threads", str(a.threads)], golu_env))
            else:
                theirs.append(run_json(torch_cmd(model, act, steps, a.threads), tenv))
    ratios = [o[unit] / t[unit] for o, t in zip(ours, theirs)]
    return dict(model=model, act=act, unit=unit, steps=steps, pairs=a.pairs,
                torch_given=torch_env.describe(best, a.threads, theirs[0]["cpu_capability"],
                                               torch_envs["OPENBLAS_CORETYPE"]),
                torch_settings=best,
                probe=[dict(settings=c, median_s=m, min_s=lo, max_s=hi) for c, m, lo, hi in table],
                golu=spread([o[unit] for o in ours]), torch=spread([t[unit] for t in theirs]),
                speed_ratio=spread(ratios),
                golu_rss_mb=max(o["peak_rss_mb"] for o in ours),
                torch_rss_mb=max(t["peak_rss_mb"] for t in theirs),
                torch_version=theirs[0]["torch"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=None,
                    help="timed steps of every model (default: mlp 300, resnet 30, gpt 50, "
                         "unet 30)")
    ap.add_argument("--pairs", type=int, default=None, help="golu/torch pairs (default 3)")
    ap.add_argument("--probe-rounds", type=int, default=None,
                    help="rounds of the settings probe (default 3)")
    ap.add_argument("--act", default="golu,relu",
                    help="comma-separated; relu shows the frameworks apart from GoLU's cost")
    ap.add_argument("--models", default="mlp,resnet,gpt,unet")
    ap.add_argument("--quick", action="store_true",
                    help="short runs (mlp 60, resnet 5, gpt 10, unet 5 steps, 1 pair): "
                         "indicative only")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_worker:
        torch_worker(a.torch_worker, a.act, a.steps, a.threads)
        return 0
    if a.pairs is None:
        a.pairs = 1 if a.quick else 3
    if a.probe_rounds is None:
        a.probe_rounds = 1 if a.quick else 3
    if a.pairs < 1 or a.probe_rounds < 1 or a.threads < 1 or (a.steps is not None and a.steps < 1):
        ap.error("--pairs, --probe-rounds, --threads and --steps must be >= 1")
    for model in a.models.split(","):
        if model not in CONFIGS:
            print("train_compare.py: --models: unknown model '%s'" % model, file=sys.stderr)
            return 2
    # OPENBLAS_CORETYPE: the environment's, on both sides; unset, the type the
    # golu tool would pick (tools/golu/blas_setup.c), on both sides too, and
    # so named in the output.
    base = dict(os.environ)
    if "OPENBLAS_CORETYPE" not in base:
        base["OPENBLAS_CORETYPE"] = "SkylakeX" if "avx512" in torch_env.capabilities() else "Haswell"
    golu_env = torch_env.env_without(base)
    bench = os.path.join(a.build, "bench", "train_bench")
    if not os.access(bench, os.X_OK):
        print("train_compare.py: %s is missing (make train-bench)" % bench, file=sys.stderr)
        return 2

    def log(line):
        print(line, file=sys.stderr if a.json else sys.stdout)
        sys.stdout.flush()

    if a.quick:
        log("train_compare.py --quick: short runs (mlp 60, resnet 5, gpt 10, unet 5 steps, 1 pair, 1 "
            "probe round): indicative only, not the honest baseline's numbers")
    rows = []
    for model in a.models.split(","):
        steps = a.steps or (QUICK_STEPS if a.quick else STEPS)[model]
        for act in a.act.split(","):
            rows.append(compare(a, bench, model, act, steps, golu_env, base, log))
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    print()
    print("threads %d; OPENBLAS_CORETYPE=%s on both sides; %d pair(s) golu/torch alternated; "
          "median (min-max); torch %s" % (a.threads, base["OPENBLAS_CORETYPE"], a.pairs,
                                          rows[0]["torch_version"]))
    for r in rows:
        print("%s/%s: torch given %s" % (r["model"], r["act"], r["torch_given"]))
    print()
    print("| model | act | steps | golu | torch | golu/torch | peak RSS golu | peak RSS torch | memory golu/torch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        u = r["unit"].replace("_per_s", "/s")
        g, t, q = r["golu"], r["torch"], r["speed_ratio"]
        print("| %s | %s | %d | %.0f (%.0f-%.0f) %s | %.0f (%.0f-%.0f) | %.2fx (%.2f-%.2f) | %.0f MiB | %.0f MiB | %.2f |" % (
            r["model"], r["act"], r["steps"], g["median"], g["min"], g["max"], u, t["median"], t["min"],
            t["max"], q["median"], q["min"], q["max"], r["golu_rss_mb"], r["torch_rss_mb"],
            r["golu_rss_mb"] / r["torch_rss_mb"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
