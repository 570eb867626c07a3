#!/bin/sh
# The main job (README): installs what is missing (gnuplot, PyTorch for the
# comparisons, the real data), builds, prints the machine, then
#   1. a short compare on Fashion-MNIST: the paper's MLP trained with ReLU,
#      LeakyReLU, ELU, GELU, Swish, Mish and GoLU, two seeds each (about a
#      minute on 2 cores); prints the table and where the report and plots
#      are (runs/compare-quick; run again, it reuses the finished runs);
#   2. the kernels: GoLU and its peers, forward and backward, against memcpy
#      measured in the same run, and against PyTorch on the same machine;
#      oneDNN's eltwise primitives beside libgolu, speed and accuracy (make
#      onednn-bench, a shorter run: 64Ki and 1Mi, 64Ki inputs for the ulps);
#   3. the training throughput and memory of the four models against
#      PyTorch (bench/train_compare.py --quick: shorter than the honest
#      baseline of docs/TRAINING.md, and it says so).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh --bench --data
make -s -j"$(nproc 2>/dev/null || echo 2)" all train-bench
build/golu info
echo
build/golu compare --preset quick --out runs/compare-quick
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
echo "oneDNN beside libgolu, a shorter run (64Ki and 1Mi; accuracy on 64Ki sampled inputs):"
make -s onednn-bench ONEDNN_ARGS="--sizes 64Ki,1Mi --min-time 0.1 --samples 64Ki"
echo
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "Training against PyTorch, a shorter run than docs/TRAINING.md's (--quick):"
    /usr/bin/python3 bench/train_compare.py --build build --quick
fi
