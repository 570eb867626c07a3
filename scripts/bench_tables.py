#!/usr/bin/python3
"""Turns `golu bench --json` output into the Markdown tables of docs/BENCHMARKS.md.

Usage: scripts/bench_tables.py BENCH.json [BENCH.json ...] > tables.md
Each table: ns per element (median of batches) and, in brackets, the ratio to
memcpy of the same bytes on the same threads measured in the same run
(activation time / memcpy time: 1.00 is memcpy speed).
"""
import json
import sys


def size_name(n):
    for shift, suffix in ((20, "Mi"), (10, "Ki")):
        if n % (1 << shift) == 0:
            return f"{n >> shift}{suffix}"
    return str(n)


def main(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            d = json.load(f)
        rows += d["rows"]
        machine = d["machine"]
    print(f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, golu {machine['golu_version']}, "
          f"ISA {machine['isa']}; {machine['stat']}, {machine['min_time_s']} s per measurement.\n")
    groups = {}
    for r in rows:
        groups.setdefault((r["dtype"], r["dist"]), []).append(r)
    for (dtype, dist), rs in groups.items():
        sizes = sorted({r["n"] for r in rs})
        threads = sorted({r["threads"] for r in rs})
        cols = [(n, t) for n in sizes for t in threads]
        print(f"### {dtype}, inputs {dist}\n")
        print("| activation | dir | " + " | ".join(f"{size_name(n)} ×{t}" for n, t in cols) + " |")
        print("|---|---|" + "---|" * len(cols))
        keys = []
        for r in rs:
            k = (r["act"], r["dir"])
            if k not in keys:
                keys.append(k)
        for act, direction in keys:
            cells = []
            for n, t in cols:
                m = [r for r in rs if (r["act"], r["dir"], r["n"], r["threads"]) == (act, direction, n, t)]
                cells.append(f"{m[0]['ns_per_elem']:.3f} ({m[0]['vs_memcpy']:.2f})" if m else "")
            print(f"| {act} | {direction} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
