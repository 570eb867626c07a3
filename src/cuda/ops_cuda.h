/*
 * ops_cuda.h - the element operations the CUDA kernels apply: for each
 * activation, fwd(x) = f(x) and bwd(x, dy) = dy * f'(x) in double, before the
 * storage type rounds them (store_cuda.h).
 *
 *   float32 family (float32, bfloat16, float16 storage): the functions of
 *   f32_math.h over vec_scalar.h, the CPU's code itself, so the GPU gives the
 *   CPU's bits: bwd is dy * slope(x) rounded once, as f32_body.h does.
 *   float64: the functions of f64_golu.h and f64_peers.h, the CPU's code
 *   itself (same bits), but GELU (erf form): gelu_f64_cuda.h.
 *
 * with_f32_op() and with_f64_op() pick the operation for an activation and
 * call run(op): the one switch over kinds that every launcher shares.
 */
#ifndef GOLU_OPS_CUDA_H
#define GOLU_OPS_CUDA_H

#include "vec_scalar.h" /* before f32_math.h: defines VFN and the vd type */

#include "f32_math.h"
#include "f64_golu.h"
#include "f64_peers.h"
#include "gelu_f64_cuda.h"
#include "store_cuda.h"

struct f32_family {
};
struct f64_family {
};

/* ------------------------------------------------------- float32 family */

#define F32_OP(name, fwd_fn, slope_fn)                                                   \
    struct name {                                                                        \
        typedef f32_family family;                                                       \
        kconsts c;                                                                       \
        __device__ double fwd(double x) const { return fwd_fn(x, &c); }                  \
        __device__ double bwd(double x, double dy) const                                 \
        {                                                                                \
            return dy * slope_fn(x, &c);                                                 \
        }                                                                                \
    };

F32_OP(f32_golu1_op, golu1_fwd_v, golu1_slope_v)
F32_OP(f32_golu_op, golu_fwd_v, golu_slope_v)
F32_OP(f32_relu_op, relu_fwd_v, relu_slope_v)
F32_OP(f32_leaky_op, leaky_fwd_v, leaky_slope_v)
F32_OP(f32_elu_op, elu_fwd_v, elu_slope_v)
F32_OP(f32_gelu_op, gelu_fwd_v, gelu_slope_v)
F32_OP(f32_gelu_tanh_op, gelu_tanh_fwd_v, gelu_tanh_slope_v)
F32_OP(f32_silu_op, silu_fwd_v, silu_slope_v)
F32_OP(f32_mish_op, mish_fwd_v, mish_slope_v)

/* run(op) with the float32-family operation of act (already validated). */
template <class Run> static golu_status with_f32_op(const golu_act *act, Run run)
{
    const kconsts c = kconsts_make(act);
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        /* the default parameters take the specialised kernels, as on the CPU */
        return golu_is_default(act) ? run(f32_golu1_op{c}) : run(f32_golu_op{c});
    case GOLU_ACT_RELU: return run(f32_relu_op{c});
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return run(f32_leaky_op{c});
    case GOLU_ACT_ELU: return run(f32_elu_op{c});
    case GOLU_ACT_GELU: return run(f32_gelu_op{c});
    case GOLU_ACT_GELU_TANH: return run(f32_gelu_tanh_op{c});
    case GOLU_ACT_SILU: return run(f32_silu_op{c});
    case GOLU_ACT_MISH: return run(f32_mish_op{c});
    default: return GOLU_ERR_ACT;
    }
}

/* ---------------------------------------------------------------- float64 */

struct f64_golu1_op {
    typedef f64_family family;
    __device__ double fwd(double x) const { return golu_fwd_default(x); }
    __device__ double bwd(double x, double dy) const { return golu_bwd_default(x, dy); }
};

struct f64_golu_op {
    typedef f64_family family;
    golu_prm p;
    __device__ double fwd(double x) const { return golu_fwd_general(x, &p); }
    __device__ double bwd(double x, double dy) const
    {
        return golu_bwd_general(x, dy, &p);
    }
};

#define F64_OP(name, f, d)                                                               \
    struct name {                                                                        \
        typedef f64_family family;                                                       \
        golu_act act;                                                                    \
        __device__ double fwd(double x) const { return f(x, &act); }                     \
        __device__ double bwd(double x, double dy) const                                 \
        {                                                                                \
            return f64_slope_apply(d(x, &act), dy);                                      \
        }                                                                                \
    };

F64_OP(f64_relu_op, relu_f, relu_d)
F64_OP(f64_leaky_op, leaky_f, leaky_d)
F64_OP(f64_elu_op, elu_f, elu_d)
F64_OP(f64_gelu_op, gelu_f_cuda, gelu_d_cuda)
F64_OP(f64_gelu_tanh_op, gelu_tanh_f, gelu_tanh_d)
F64_OP(f64_silu_op, silu_f, silu_d)
F64_OP(f64_mish_op, mish_f, mish_d)

/* run(op) with the float64 operation of act (already validated). */
template <class Run> static golu_status with_f64_op(const golu_act *act, Run run)
{
    const golu_act a = *act;
    switch (act->kind) {
    case GOLU_ACT_GOLU: {
        const golu_prm p = golu_prm_make(act);
        return p.deflt ? run(f64_golu1_op{}) : run(f64_golu_op{p});
    }
    case GOLU_ACT_RELU: return run(f64_relu_op{a});
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return run(f64_leaky_op{a});
    case GOLU_ACT_ELU: return run(f64_elu_op{a});
    case GOLU_ACT_GELU: return run(f64_gelu_op{a});
    case GOLU_ACT_GELU_TANH: return run(f64_gelu_tanh_op{a});
    case GOLU_ACT_SILU: return run(f64_silu_op{a});
    case GOLU_ACT_MISH: return run(f64_mish_op{a});
    default: return GOLU_ERR_ACT;
    }
}

#endif
