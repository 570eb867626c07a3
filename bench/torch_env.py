"""torch_env.py - PyTorch's best settings on the machine that runs the
comparison, decided by measurement in the same run (bench/torch_compare.py,
bench/train_compare.py, bench/python_bench.py share it).

What torch is given, and how each is decided:
  threads               torch.set_num_threads(T), T = golu's thread count
                        (set by the caller in torch's process).
  ATEN_CPU_CAPABILITY   the best the CPU has (avx512 > avx2 > default); the
                        next one down is measured too and the faster kept.
  OPENBLAS_NUM_THREADS  with T > 1: 1 (torch's OpenMP threads alone; without
                        it OpenBLAS's threads and torch's fight over the
                        cores) and T are both measured, the faster kept.
                        With T = 1: 1, as golu has.
  GLIBC_TUNABLES        glibc malloc tunables that keep freed memory
                        (mmap_threshold 64 MiB, trim_threshold 1 GiB) with and
                        without: the faster kept (an already set value is
                        kept as the "with" variant).
  OPENBLAS_CORETYPE     never changed: the environment's value (or its
                        absence) goes to both sides alike.
These are read when a process starts, so every candidate runs in a child
process with its environment (probe), alternated over rounds; the median
decides. Candidates vary one setting at a time from the expected best
(best capability, one OpenBLAS thread, the tunables), not every combination.
"""
import os
import statistics

TUNABLES = "glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=1073741824"

# The environment variables this module decides (OPENBLAS_CORETYPE is not one).
KEYS = ("ATEN_CPU_CAPABILITY", "OPENBLAS_NUM_THREADS", "GLIBC_TUNABLES")


def cpu_flags():
    """The CPU's flags from /proc/cpuinfo (an empty set where unreadable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def capabilities():
    """ATEN_CPU_CAPABILITY values this CPU can run, best first."""
    flags = cpu_flags()
    caps = []
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        caps.append("avx512")
    if {"avx2", "fma"} <= flags:
        caps.append("avx2")
    caps.append("default")
    return caps


def candidates(threads):
    """The settings to measure for T = threads: dicts of KEYS -> value or
    None (unset), the expected best first."""
    caps = capabilities()
    tun = os.environ.get("GLIBC_TUNABLES") or TUNABLES
    base = {"ATEN_CPU_CAPABILITY": caps[0], "OPENBLAS_NUM_THREADS": "1", "GLIBC_TUNABLES": tun}
    out = [base]
    if threads > 1:
        out.append(dict(base, OPENBLAS_NUM_THREADS=str(threads)))
    out.append(dict(base, GLIBC_TUNABLES=None))
    if len(caps) > 1:
        out.append(dict(base, ATEN_CPU_CAPABILITY=caps[1]))
    return out


def env_with(settings, base=None):
    """A copy of base (default os.environ) with the settings applied (None
    removes the variable). OPENBLAS_CORETYPE stays as it is."""
    env = dict(os.environ if base is None else base)
    for k, v in settings.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def env_without(base=None):
    """base (default os.environ) without the variables this module decides:
    what golu's side runs with (OPENBLAS_CORETYPE kept)."""
    env = dict(os.environ if base is None else base)
    for k in KEYS:
        env.pop(k, None)
    return env


def short(settings):
    """One line naming the settings (for tables)."""
    parts = []
    for k in KEYS:
        v = settings.get(k)
        if k == "GLIBC_TUNABLES":
            parts.append("malloc tunables " + ("on" if v else "off"))
        else:
            parts.append("%s=%s" % (k, v if v is not None else "unset"))
    return ", ".join(parts)


def describe(settings, threads, reported=None, coretype=None):
    """What torch was given, in words, for the output. coretype: the
    OPENBLAS_CORETYPE both sides ran with, when the caller set it (else the
    environment's)."""
    core = coretype or os.environ.get("OPENBLAS_CORETYPE")
    s = "torch.set_num_threads(%d), %s" % (threads, short(settings))
    if settings.get("GLIBC_TUNABLES"):
        s += " (GLIBC_TUNABLES=%s)" % settings["GLIBC_TUNABLES"]
    if reported:
        s += "; torch reports CPU capability %s" % reported
    s += "; OPENBLAS_CORETYPE=%s on both sides" % (core if core else "unset (OpenBLAS's own choice)")
    return s


def reported_capability(torch):
    """The CPU capability torch 1.13 says it uses (torch.__config__.show();
    torch.backends.cpu.get_cpu_capability() where a later torch has it)."""
    cpu = getattr(torch.backends, "cpu", None)
    if cpu is not None and hasattr(cpu, "get_cpu_capability"):
        return cpu.get_cpu_capability()
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def choose(probe, threads, rounds=3, log=None):
    """Measures every candidate of `threads` with probe(settings) -> seconds
    (a child process's time for a fixed piece of work; lower is better),
    rounds times, the order reversed every other round; returns (best
    settings, [(settings, median, min, max)] in candidate order). log, when
    given, gets one line per candidate."""
    cands = candidates(threads)
    times = [[] for _ in cands]
    for r in range(rounds):
        order = list(range(len(cands)))
        if r % 2:
            order.reverse()
        for i in order:
            times[i].append(probe(cands[i]))
    table = [(c, statistics.median(t), min(t), max(t)) for c, t in zip(cands, times)]
    best = min(table, key=lambda row: row[1])[0]
    if log:
        for c, med, lo, hi in table:
            log("  %-90s %9.4f s (%.4f-%.4f)%s" % (short(c), med, lo, hi,
                                                  "  <- kept" if c is best else ""))
    return best, table
