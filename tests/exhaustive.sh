#!/bin/sh
# tests/exhaustive.sh BUILD_DIR - the accuracy sweeps behind `make check-exhaustive`.
#
#   1. float32 GoLU forward and backward, every one of the 2^32 inputs, on each
#      SIMD path this CPU runs (the others are skipped with a message), within
#      1 ulp, and bit-identical to the scalar path. Every backward step here
#      also holds the strict measure (ulps of f' itself, --max-strict-ulp)
#      to 1 ulp.
#   2. bfloat16 and float16 GoLU, all 65536 inputs: the double result is
#      rounded to float32 with round-to-odd, then to 16 bits, which is one
#      rounding of the double; bf16 is then correctly rounded (0.5 ulp), and
#      f16 within 0.50001 ulp: one input (x = -0.002058) lies 2e-6 ulp from a
#      tie, closer than the double result's own error (2^-28.8) can resolve.
#   3. float64 GoLU, 10^7 random inputs against MPFR, within 1 ulp.
#   4. Every peer's float32 sweep, forward and backward, on the default path,
#      against the bound it is documented to meet (PEER_MAX below).
#   5. golu_forward_slope and golu_backward_slope against golu_forward and
#      golu_backward, every float32 input, every activation: the same bits
#      (BUILD/tests/kernels/slope_sweep).
#
# Each step prints its verdict, its largest error and its time; the last line
# is "N passed, M failed" and the exit status is 1 if anything failed. On
# two cores the whole run takes about half an hour.
build=${1:-build}
golu="$build/golu"
pass=0
fail=0

if [ ! -x "$golu" ]; then
    echo "exhaustive.sh: $golu not found (run make first)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# Largest float32 error each peer's kernels are held to (ulp), forward and
# backward; backward errors are in ulps of max(|f'|, the cancelling terms).
# Measured over all 2^32 inputs on AVX-512 (fwd / bwd):
#   relu 0 / 0; leaky_relu 0.5 + 7e-12 / 0.24 (a double rounding of
#   alpha*x at subnormal near-ties); prelu 0.5 / 0; elu 0.500286 / 0.500014;
#   gelu 0.500394 / 0.500396; gelu_tanh 0.500012 / 0.500011;
#   silu 0.500013 / 0.500013; mish 0.500012 / 0.500013.
peer_max() {
    case "$1" in
    relu) echo 0 ;;
    leaky_relu | prelu) echo 0.5001 ;;
    *) echo 0.501 ;;
    esac
}

# The strict bound of a backward step (ulps of f' itself): 1 ulp.
strict() {
    [ "$1" = bwd ] && echo "--max-strict-ulp 1"
}

# step NAME -- golu ulp arguments...
step() {
    name=$1
    shift
    t0=$(date +%s)
    out=$("$golu" ulp "$@" 2>&1)
    rc=$?
    t1=$(date +%s)
    maxerr=$(printf '%s\n' "$out" | sed -n 's/^max error *//p')
    smax=$(printf '%s\n' "$out" | sed -n 's/^strict max *//p')
    at=$(printf '%s\n' "$out" | sed -n 's/^  at x *//p')
    if [ "$rc" -eq 0 ]; then
        pass=$((pass + 1))
        printf 'PASS %-44s max %s at x = %s%s  (%ss)\n' "$name" "$maxerr" "$at" \
            "${smax:+; strict max $smax}" $((t1 - t0))
    else
        fail=$((fail + 1))
        printf 'FAIL %-44s exit %s  (%ss)\n' "$name" "$rc" $((t1 - t0))
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

t_start=$(date +%s)
isas=$("$golu" info | sed -n 's/^ISAs: *//p')
echo "golu check-exhaustive: $("$golu" --version), ISAs: $isas, $(nproc 2>/dev/null || echo '?') CPUs"

# 1. float32 GoLU on every path
for isa in scalar avx2 avx512 neon; do
    case " $isas " in
    *" $isa "*) ;;
    *)
        echo "SKIP golu f32 on $isa: not supported by this CPU or build"
        continue
        ;;
    esac
    same=""
    [ "$isa" != scalar ] && same="--identical-to scalar"
    for dir in fwd bwd; do
        # shellcheck disable=SC2086 # $same is one flag and its value, or nothing
        step "golu $dir f32 $isa${same:+ (= scalar)}" --act golu --dir $dir \
            --isa $isa --max-ulp 1 $(strict $dir) $same
    done
done

# 2. 16-bit formats, all inputs
for dir in fwd bwd; do
    step "golu $dir bf16" --act golu --dir $dir --dtype bf16 --max-ulp 0.5 $(strict $dir)
    step "golu $dir f16" --act golu --dir $dir --dtype f16 --max-ulp 0.50001 $(strict $dir)
done

# 3. float64 against MPFR
for dir in fwd bwd; do
    step "golu $dir f64 (10^7 samples)" --act golu --dir $dir --dtype f64 \
        --samples 10000000 --max-ulp 1 $(strict $dir)
done

# 4. the peers, float32, default path
for act in relu leaky_relu prelu elu gelu gelu_tanh silu mish; do
    for dir in fwd bwd; do
        step "$act $dir f32" --act $act --dir $dir --max-ulp "$(peer_max $act)" \
            $(strict $dir)
    done
done

# 5. the slope calls give the ordinary calls' bits
if "$build/tests/kernels/slope_sweep"; then
    pass=$((pass + 1))
else
    echo "FAIL slope_sweep"
    fail=$((fail + 1))
fi

t_end=$(date +%s)
echo "total time $((t_end - t_start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
