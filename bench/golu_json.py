"""What bench/torch_compare.py and bench/torch_compare_gpu.py share: running
`golu bench --json` and naming sizes the way golu does."""
import json
import subprocess
import sys


def fmt_n(n):
    """4096 -> '4Ki', 16777216 -> '16Mi' (as golu bench prints sizes)."""
    for suffix, shift in (("Gi", 30), ("Mi", 20), ("Ki", 10)):
        if n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, suffix)
    return str(n)


def run_golu_json(prog, cmd, build_hint, env=None):
    """Runs a golu command that prints JSON and returns the parsed object; on
    failure prints golu's message and exits (2 for golu's bad usage, else 1).
    env: its environment (default: this process's)."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env)
    except OSError as e:
        sys.exit("%s: cannot run %s: %s (%s, or pass --golu)" % (prog, cmd[0], e, build_hint))
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.stderr.write("%s: `%s` exited %d\n" % (prog, " ".join(cmd), r.returncode))
        sys.exit(2 if r.returncode == 2 else 1)
    return json.loads(r.stdout)
