#!/bin/sh
# The short runs of docs/DISTRIBUTED.md's tables (needs make allreduce-bench, Open MPI,
# Fashion-MNIST and the KJV text: scripts/setup-debian.sh --data). About two minutes on 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$(dirname "$0")/.."; B=$PWD/build/golu; W=$(mktemp -d)
FM=/usr/share/datasets/fashion-mnist; KJV=$HOME/.local/share/golu/kjv.txt
echo "== allreduce"; mpirun -np 2 --oversubscribe build/bench/allreduce_bench 50
MLP="--model mlp --act golu --data $FM --limit-train 6400 --limit-test 128 --epochs 1 --batch 128 --quiet"
RES="--model resnet --act golu --data $FM --limit-train 1024 --limit-test 128 --epochs 1 --batch 128 --quiet"
GPT="--model gpt --act golu --data $KJV --steps 12 --eval-every 12 --eval-batches 1 --warmup 2 --quiet"
for m in MLP RES GPT; do eval a=\$$m
  echo "== $m 1x2"; $B train $a --threads 2 --out $W/$m-1x2 | tail -1
  echo "== $m 2x1"; mpirun -np 2 --oversubscribe $B train $a --threads 1 --out $W/$m-2x1 | tail -1
done
echo "== 100 steps plain vs accum 2"
M100="--model mlp --act golu --data $FM --limit-train 12800 --limit-test 128 --epochs 1 --batch 128 --threads 2 --quiet"
$B train $M100 --out $W/m100 | tail -1; $B train $M100 --accum 2 --out $W/m100a | tail -1
G100="--model gpt --act golu --data $KJV --steps 100 --eval-every 100 --eval-batches 1 --warmup 10 --layers 2 --width 64 --context 64 --batch 8 --threads 2 --quiet"
$B train $G100 --out $W/g100 | tail -1; $B train $G100 --accum 2 --out $W/g100a | tail -1
for p in m100 g100; do /usr/bin/python3 - $W/$p/checkpoint.safetensors $W/${p}a/checkpoint.safetensors <<'PY'
import json,struct,sys
import numpy as np
def load(p):
    b=open(p,'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); d=b[8+n:]
    h.pop('__metadata__',None)
    return {k:np.frombuffer(d[v['data_offsets'][0]:v['data_offsets'][1]],dtype=np.float32) for k,v in h.items() if v['dtype']=='F32' and not k.startswith('optim.')}
a=load(sys.argv[1]); b=load(sys.argv[2])
absd=max(float(np.max(np.abs(a[k]-b[k]))) for k in a)
big=max(float(np.max(np.abs(a[k]))) for k in a)
rel=max(float(np.max(np.abs(a[k]-b[k])/np.maximum(np.abs(a[k]),1e-3))) for k in a)
print(sys.argv[1].split('/')[-2], "max |diff| %.3g (largest |w| %.3g), max relative (|w|>=1e-3 floor) %.3g" % (absd, big, rel))
PY
done
rm -rf "$W"
