#!/bin/sh
# The main job (README): installs what is missing (PyTorch too, for the
# comparison), builds, prints the machine, then the benchmark: GoLU and its
# peers, forward and backward, against memcpy measured in the same run, and
# against PyTorch on the same machine and thread counts.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh --bench
make -s -j"$(nproc 2>/dev/null || echo 2)" all
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
