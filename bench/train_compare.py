#!/usr/bin/python3
"""Training throughput and peak memory: golu's C framework against PyTorch on
the same machine, same threads, same models, in one run.

    /usr/bin/python3 bench/train_compare.py [--build build] [--threads 2]
                                             [--steps 30] [--act golu] [--json]

Configurations (docs/TRAINING.md):
  mlp     784-512-512-10, LayerNorm, batch 128, SGD momentum  (steps/s)
  resnet  ResNet-20 on 3x32x32, batch 128, SGD momentum       (images/s)
  gpt     4 layers, 4 heads, width 128, context 128, batch 16, AdamW, clip (tokens/s)
Each side runs in its own process (peak RSS is then the model's own). Torch
gets its best settings: the same thread count, ATEN_CPU_CAPABILITY=avx512,
OpenBLAS with OPENBLAS_CORETYPE set; its GoLU is the usual float32
x*exp(-exp(-x)) (the twin in tests/nn/torch_models.py computes in float64 for
the parity test, which would be unfair here).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    "mlp": dict(batch=128, unit="images"),
    "resnet": dict(batch=128, unit="images"),
    "gpt": dict(batch=16, context=128, unit="tokens"),
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
        "torch": torch.__version__,
    }))


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--act", default="golu,relu",
                    help="comma-separated; relu shows the frameworks apart from GoLU's cost")
    ap.add_argument("--models", default="mlp,resnet,gpt")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_worker:
        torch_worker(a.torch_worker, a.act, a.steps, a.threads)
        return 0
    env = dict(os.environ)
    env.setdefault("ATEN_CPU_CAPABILITY", "avx512")
    env.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
    bench = os.path.join(a.build, "bench", "train_bench")
    if not os.access(bench, os.X_OK):
        print("train_compare.py: %s is missing (make train-bench)" % bench, file=sys.stderr)
        return 2
    rows = []
    for model in a.models.split(","):
        if model not in CONFIGS:
            print("train_compare.py: --models: unknown model '%s'" % model, file=sys.stderr)
            return 2
        for act in a.act.split(","):
            ours = run_json([bench, "--model", model, "--act", act, "--steps", str(a.steps),
                             "--threads", str(a.threads)], env)
            theirs = run_json([sys.executable, os.path.abspath(__file__), "--torch-worker", model,
                               "--act", act, "--steps", str(a.steps), "--threads",
                               str(a.threads)], env)
            unit = CONFIGS[model]["unit"] + "_per_s"
            rows.append(dict(model=model, act=act, unit=unit, golu=ours, torch=theirs,
                             speed_ratio=ours[unit] / theirs[unit],
                             memory_ratio=ours["peak_rss_mb"] / theirs["peak_rss_mb"]))
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    print("threads %d, %d timed steps each (after 3 warm-up steps), one run" % (a.threads, a.steps))
    print("| model | act | golu | torch %s | speed golu/torch | peak RSS golu | peak RSS torch | memory golu/torch |" % rows[0]["torch"]["torch"])
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        u = r["unit"]
        print("| %s | %s | %.1f %s | %.1f | %.2fx | %.0f MiB | %.0f MiB | %.2f |" % (
            r["model"], r["act"], r["golu"][u], u.replace("_per_s", "/s"), r["torch"][u], r["speed_ratio"],
            r["golu"]["peak_rss_mb"], r["torch"]["peak_rss_mb"], r["memory_ratio"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
