#!/usr/bin/env python3
"""golden.py - every result, bit for bit: fixed-seed runs of the golu tool,
hashed and compared with the hashes recorded before a change.

    golden.py BUILD                  the tiny cases (the test suite runs these)
    golden.py BUILD --real           short runs on the real data (make check-golden)
    golden.py BUILD [--real] --record   write the expected hashes anew
    golden.py BUILD [--real] --only=NAME[,NAME]   those cases alone (no --record)

What is hashed, per case: every tensor of every checkpoint (with the wall-clock
seconds zeroed in run.state and run.metrics) and its metadata; every .csv
(without its "seconds" column), every .json (without the keys "seconds",
"date" and "machine") and every .dat file the command wrote. The temporary
directory's name is replaced by "<tmp>" everywhere. Markdown reports and
PNGs are presentation, not results: they are not hashed.

The tiny data is generated here, independently of the C code, so that the
hashes depend on the tool alone. OpenBLAS's kernels round differently on
different CPUs: the expected hashes are recorded per OpenBLAS core name
(OPENBLAS_CORETYPE, when set, picks it), and a core with no recording is
skipped, saying so. The last line is "golden: N passed, M failed, K skipped".
"""
import ctypes
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------ tiny data ---


def lcg(seed):
    state = seed & 0xFFFFFFFFFFFFFFFF
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        yield state >> 33


def write_idx(images_path, labels_path, n, seed):
    """n 8x8 images whose class shows as a bright row, on noise."""
    r = lcg(seed)
    labels = bytes(next(r) % 10 for _ in range(n))
    pix = bytearray()
    for k in range(n):
        img = [next(r) % 96 for _ in range(64)]
        row = labels[k] % 8
        for j in range(8):
            img[row * 8 + j] = 160 + next(r) % 96
        if labels[k] >= 8:  # classes 8, 9: a bright column too
            for i in range(8):
                img[i * 8 + labels[k] - 8] = 200
        pix += bytes(img)
    with open(images_path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 8, 8) + pix)
    with open(labels_path, "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)


def write_text(path, seed):
    words = ["the", "lord", "said", "unto", "moses", "and", "light", "was"]
    r = lcg(seed)
    out = []
    size = 0
    while size < 7000:
        w = words[next(r) % len(words)]
        out.append(w)
        size += len(w) + 1
    with open(path, "w") as f:
        f.write(" ".join(out) + "\n")


def make_tiny(d):
    img = os.path.join(d, "img")
    os.makedirs(img)
    write_idx(os.path.join(img, "train-images-idx3-ubyte"),
              os.path.join(img, "train-labels-idx1-ubyte"), 96, 11)
    write_idx(os.path.join(img, "t10k-images-idx3-ubyte"),
              os.path.join(img, "t10k-labels-idx1-ubyte"), 40, 12)
    write_text(os.path.join(d, "text.txt"), 13)


# --------------------------------------------------------------- cases ---

FM = "/usr/share/datasets/fashion-mnist"


def kjv_path():
    home = os.environ.get("HOME", "/root")
    return os.environ.get("GOLU_KJV", os.path.join(home, ".local/share/golu/kjv.txt"))


def tiny_cases(d):
    img, text = os.path.join(d, "img"), os.path.join(d, "text.txt")
    t1 = ["--threads", "1", "--quiet"]
    return [
        ("train-mlp", ["train", "--model", "mlp", "--act", "golu", "--learn-act",
                       "--data", img, "--epochs", "2", "--batch", "16", "--width", "16",
                       "--seed", "3"] + t1),
        ("train-mlp-adamw", ["train", "--model", "mlp", "--act", "prelu", "--data", img,
                             "--epochs", "2", "--batch", "12", "--width", "24",
                             "--depth", "2", "--optimizer", "adamw", "--lr", "0.003",
                             "--schedule", "cosine", "--warmup", "2", "--clip", "1",
                             "--seed", "4"] + t1),
        ("train-resnet", ["train", "--model", "resnet", "--act", "gelu", "--depth", "8",
                          "--width", "4", "--data", img, "--epochs", "2", "--batch", "16",
                          "--seed", "5"] + t1),
        ("train-gpt", ["train", "--model", "gpt", "--act", "silu", "--layers", "1",
                       "--heads", "2", "--width", "16", "--context", "16", "--batch", "4",
                       "--steps", "8", "--eval-every", "4", "--eval-batches", "2",
                       "--warmup", "2", "--dropout", "0.1", "--data", text,
                       "--seed", "6"] + t1),
        ("compare-quick", ["compare", "--preset", "quick", "--acts", "relu,golu",
                           "--seeds", "2", "--epochs", "1", "--batch", "16",
                           "--data", img, "--threads", "1"]),
        ("compare-gpt", ["compare", "--preset", "gpt", "--acts", "relu,golu",
                         "--seeds", "1", "--steps", "2", "--batch", "2", "--data", text,
                         "--threads", "1"]),
        ("variance", ["variance", "--data", img, "--images", "2", "--stats", "20"]),
        ("ulp-f64", ["ulp", "--act", "golu", "--dtype", "f64", "--samples", "3000",
                     "--threads", "1", "--json"]),
        ("ulp-f32-bwd", ["ulp", "--act", "golu", "--dir", "bwd", "--range", "-1:0",
                         "--threads", "2", "--json"]),
        ("ulp-bf16", ["ulp", "--act", "mish", "--dtype", "bf16", "--threads", "1",
                      "--json"]),
    ]


def real_cases(d):
    fm, kjv = FM, kjv_path()
    return [
        ("real-mlp", ["train", "--model", "mlp", "--act", "golu", "--data", fm,
                      "--epochs", "1", "--threads", "2", "--quiet"]),
        ("real-resnet", ["train", "--model", "resnet", "--act", "golu", "--data", fm,
                         "--limit-train", "2000", "--epochs", "1", "--threads", "2",
                         "--quiet"]),
        ("real-gpt", ["train", "--model", "gpt", "--act", "golu", "--data", kjv,
                      "--steps", "100", "--warmup", "10", "--eval-every", "50",
                      "--threads", "2", "--quiet"]),
        ("real-compare-quick", ["compare", "--preset", "quick", "--data", fm,
                                "--threads", "2"]),
        ("real-variance", ["variance", "--data", fm]),
        ("real-ulp-golu-f32", ["ulp", "--act", "golu", "--range", "-3:3", "--json"]),
    ]


# ------------------------------------------------------------- hashing ---

DROP_KEYS = {"seconds", "date", "machine", "isa"}


def drop_keys(v):
    if isinstance(v, dict):
        return {k: drop_keys(x) for k, x in v.items() if k not in DROP_KEYS}
    if isinstance(v, list):
        return [drop_keys(x) for x in v]
    return v


def seconds_column(dirname):
    """The index of "seconds" in the metrics.csv beside a checkpoint."""
    try:
        with open(os.path.join(dirname, "metrics.csv")) as f:
            cols = f.readline().strip().split(",")
        return cols.index("seconds")
    except (OSError, ValueError):
        return None


def hash_checkpoint(path, tmp):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    data = b[8 + n:]
    meta = header.pop("__metadata__", {})
    h.update(json.dumps(meta, sort_keys=True).replace(tmp, "<tmp>").encode())
    sec = seconds_column(os.path.dirname(path))
    for name in sorted(header):
        t = header[name]
        lo, hi = t["data_offsets"]
        raw = bytearray(data[lo:hi])
        if name == "run.state" and t["dtype"] == "F64":
            raw[32:40] = bytes(8)  # elapsed seconds
        if name == "run.metrics" and t["dtype"] == "F64" and sec is not None:
            cols = t["shape"][1]
            for row in range(t["shape"][0]):
                at = (row * cols + sec) * 8
                raw[at:at + 8] = bytes(8)
        h.update(("%s %s %s\n" % (name, t["dtype"], t["shape"])).encode())
        h.update(bytes(raw))
    return h.hexdigest()


def hash_csv(path, tmp):
    with open(path) as f:
        lines = f.read().replace(tmp, "<tmp>").splitlines()
    cols = lines[0].split(",") if lines else []
    drop = [i for i, c in enumerate(cols) if c in DROP_KEYS]
    out = []
    for line in lines:
        cells = line.split(",")
        out.append(",".join(c for i, c in enumerate(cells) if i not in drop))
    return hashlib.sha256("\n".join(out).encode()).hexdigest()


def hash_json_text(text, tmp):
    v = drop_keys(json.loads(text.replace(tmp, "<tmp>")))
    return hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()


def hash_dir(out, tmp):
    """name -> hash for every result file under out."""
    hashes = {}
    for path in sorted(glob.glob(os.path.join(out, "**", "*"), recursive=True)):
        rel = os.path.relpath(path, out)
        if path.endswith(".safetensors"):
            hashes[rel] = hash_checkpoint(path, tmp)
        elif path.endswith(".csv"):
            hashes[rel] = hash_csv(path, tmp)
        elif path.endswith(".json"):
            with open(path) as f:
                hashes[rel] = hash_json_text(f.read(), tmp)
        elif path.endswith(".dat"):
            with open(path) as f:
                hashes[rel] = hashlib.sha256(f.read().replace(tmp, "<tmp>").encode()).hexdigest()
    return hashes


def run_case(tool, name, args, tmp):
    out = os.path.join(tmp, "out-" + name)
    argv = [tool] + args
    if args[0] != "ulp":
        argv += ["--out", out]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        return None, "`%s` exited %d:\n%s" % (" ".join(argv), p.returncode, p.stdout[-2000:])
    if args[0] == "ulp":
        return {"stdout.json": hash_json_text(p.stdout, tmp)}, None
    return hash_dir(out, tmp), None


# ---------------------------------------------------------------- main ---


def openblas_core(build):
    """OpenBLAS's core name as the tool sees it (the same library, the same
    environment)."""
    for lib in glob.glob("/usr/lib/*/openblas-pthread/libopenblas.so*"):
        try:
            ob = ctypes.CDLL(lib)
            ob.openblas_get_corename.restype = ctypes.c_char_p
            return ob.openblas_get_corename().decode()
        except OSError:
            continue
    return "unknown"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    real = "--real" in sys.argv
    record = "--record" in sys.argv
    only = [a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")]
    only = only[-1] if only else None
    if only and record:
        print("golden.py: --only with --record would drop the other cases' hashes")
        return 2
    build = args[0] if args else "build"
    tool = os.path.abspath(os.path.join(build, "golu"))
    label = "golden_real" if real else "golden"
    expected_path = os.path.join(HERE, "real.json" if real else "tiny.json")
    core = openblas_core(build)
    try:
        with open(expected_path) as f:
            expected = json.load(f)
    except FileNotFoundError:
        expected = {}
    want = expected.get(core)
    if want is None and not record:
        print("SKIP %s: no hashes recorded for OpenBLAS core %s (recorded: %s)"
              % (label, core, ", ".join(sorted(expected)) or "none"))
        print("%s: 0 passed, 0 failed, 1 skipped" % label)
        return 0
    tmp = tempfile.mkdtemp(prefix="golu-golden-")
    passed = failed = skipped = 0
    got_all = {}
    try:
        if real:
            missing = [p for p in (FM, kjv_path()) if not os.path.exists(p)]
            if missing:
                print("SKIP %s: the real data is missing (%s); run "
                      "scripts/setup-debian.sh --data" % (label, ", ".join(missing)))
                print("%s: 0 passed, 0 failed, 1 skipped" % label)
                return 0
            cases = real_cases(tmp)
        else:
            make_tiny(tmp)
            cases = tiny_cases(tmp)
        if only:
            unknown = sorted(set(only) - {name for name, _ in cases})
            if unknown:
                print("golden.py: --only: no case named %s" % ", ".join(unknown))
                return 2
            cases = [c for c in cases if c[0] in only]
        for name, argv in cases:
            got, err = run_case(tool, name, argv, tmp)
            if err:
                print("FAIL %s: %s" % (name, err))
                failed += 1
                continue
            got_all[name] = got
            if record:
                passed += 1
                continue
            exp = want.get(name)
            if exp is None:
                print("FAIL %s: no recorded hashes for this case" % name)
                failed += 1
            elif exp != got:
                diff = sorted(k for k in set(exp) | set(got) if exp.get(k) != got.get(k))
                print("FAIL %s: differs from the recording in %s" % (name, ", ".join(diff)))
                failed += 1
            else:
                print("ok %s (%d files identical)" % (name, len(got)))
                passed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if record and failed == 0:
        expected[core] = got_all
        with open(expected_path + ".tmp", "w") as f:
            json.dump(expected, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(expected_path + ".tmp", expected_path)
        print("recorded %d cases for OpenBLAS core %s in %s" % (passed, core, expected_path))
    print("%s: %d passed, %d failed, %d skipped" % (label, passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
