#!/bin/sh
# keep-compare.sh SRC DEST - what a repository keeps of a `golu compare`:
# SRC's compare.json, its reports (results.md/csv/json, depths.* for a
# depth ablation), its plots (PNG) and, for every finished run (one with a
# summary.json), summary.json, metrics.json and metrics.csv; never a
# checkpoint. `golu compare --out DEST` (the same flags) then reports the
# kept runs again without training them and trains the rest (see
# src/lab/compare_store.h). A depth ablation's depth-<d> compares are kept
# the same way, each in DEST/depth-<d>.
set -eu
if [ $# -ne 2 ] || { [ ! -f "$1/compare.json" ] && [ ! -d "$1/depth-1" ]; }; then
    echo "usage: keep-compare.sh SRC DEST (SRC: a golu compare --out directory)" >&2
    exit 2
fi
src=$1 dest=$2

keep_one() { # keep_one SRC DEST: one compare directory
    mkdir -p "$2"
    for f in compare.json results.md results.csv results.json; do
        [ -f "$1/$f" ] && cp "$1/$f" "$2/$f"
    done
    if [ -d "$1/plots" ]; then
        mkdir -p "$2/plots"
        for f in "$1"/plots/*.png; do
            [ -f "$f" ] && cp "$f" "$2/plots/"
        done
    fi
    kept=0
    for run in "$1"/runs/*/; do
        [ -f "$run/summary.json" ] && [ -f "$run/metrics.json" ] || continue
        name=$(basename "$run")
        mkdir -p "$2/runs/$name"
        cp "$run/summary.json" "$run/metrics.json" "$2/runs/$name/"
        [ -f "$run/metrics.csv" ] && cp "$run/metrics.csv" "$2/runs/$name/"
        kept=$((kept + 1))
    done
    echo "$1: kept $kept finished runs in $2"
}

for f in depths.md depths.csv depths.json; do
    [ -f "$src/$f" ] && mkdir -p "$dest" && cp "$src/$f" "$dest/$f"
done
if [ -f "$src/compare.json" ]; then
    keep_one "$src" "$dest"
fi
for d in "$src"/depth-*/; do
    [ -f "$d/compare.json" ] && keep_one "$d" "$dest/$(basename "$d")"
done
exit 0
