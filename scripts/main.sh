#!/bin/sh
# The main job (README): installs what is missing (PyTorch for the
# comparisons, the real data), builds, prints the machine, then
#   1. the kernels: GoLU and its peers, forward and backward, against memcpy
#      measured in the same run, and against PyTorch on the same machine;
#   2. training: the paper's MLP on Fashion-MNIST with GoLU (2 epochs), and
#      the training throughput and memory of the three models against
#      PyTorch (bench/train_compare.py).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh --bench --data
make -s -j"$(nproc 2>/dev/null || echo 2)" all train-bench
build/golu info
echo
build/golu bench --act golu,gelu,gelu_tanh,silu,mish,relu --dir fwd,bwd --dtype f32 \
    --sizes 64Ki,1Mi,16Mi --threads 1,all --dist normal
echo
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 bench/torch_compare.py --golu build/golu
else
    echo "PyTorch is not installed: the comparison is skipped."
fi
echo
out=$(mktemp -d)
build/golu train --model mlp --act golu --epochs 2 --out "$out/mlp-golu"
echo
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 bench/train_compare.py --build build --steps 20
fi
rm -rf "$out"
