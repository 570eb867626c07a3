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

/* A kernel family's operation, and f32_run_<family>(act, c, run) = run(op). */
#define F32_FAMILY(family, fwd_fn, slope_fn)                                             \
    F32_OP(f32_##family##_op, fwd_fn, slope_fn)                                          \
    template <class Run>                                                                 \
    static golu_status f32_run_##family(const golu_act *, const kconsts &c, Run run)     \
    {                                                                                    \
        return run(f32_##family##_op{c});                                                \
    }

F32_OP(f32_golu1_op, golu1_fwd_v, golu1_slope_v)
F32_OP(f32_golu_op, golu_fwd_v, golu_slope_v)
F32_FAMILY(relu, relu_fwd_v, relu_slope_v)
F32_FAMILY(leaky, leaky_fwd_v, leaky_slope_v)
F32_FAMILY(elu, elu_fwd_v, elu_slope_v)
F32_FAMILY(gelu, gelu_fwd_v, gelu_slope_v)
F32_FAMILY(gelu_tanh, gelu_tanh_fwd_v, gelu_tanh_slope_v)
F32_FAMILY(silu, silu_fwd_v, silu_slope_v)
F32_FAMILY(mish, mish_fwd_v, mish_slope_v)

/* GoLU: the default parameters take the specialised kernels, as on the CPU. */
template <class Run>
static golu_status f32_run_golu(const golu_act *act, const kconsts &c, Run run)
{
    return golu_is_default(act) ? run(f32_golu1_op{c}) : run(f32_golu_op{c});
}

/* run(op) with the float32-family operation of act (already validated): one
 * case per GOLU_ACT_LIST row, its kernel family's runner. */
template <class Run> static golu_status with_f32_op(const golu_act *act, Run run)
{
    const kconsts c = kconsts_make(act, 1); /* the window: for the backward */
    switch (act->kind) {
#define F32_CASE_(E, name, value, alias, quiet, a, b, g, grads, rule, kern, ...)         \
    case GOLU_ACT_##E: return f32_run_##kern(act, c, run);
        GOLU_ACT_LIST(F32_CASE_)
#undef F32_CASE_
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

/* A kernel family's operation, and f64_run_<family>(act, run) = run(op). */
#define F64_FAMILY(family, f, d)                                                         \
    F64_OP(f64_##family##_op, f, d)                                                      \
    template <class Run>                                                                 \
    static golu_status f64_run_##family(const golu_act *act, Run run)                    \
    {                                                                                    \
        return run(f64_##family##_op{*act});                                             \
    }

F64_FAMILY(relu, relu_f, relu_d)
F64_FAMILY(leaky, leaky_f, leaky_d)
F64_FAMILY(elu, elu_f, elu_d)
F64_FAMILY(gelu, gelu_f_cuda, gelu_d_cuda)
F64_FAMILY(gelu_tanh, gelu_tanh_f, gelu_tanh_d)
F64_FAMILY(silu, silu_f, silu_d)
F64_FAMILY(mish, mish_f, mish_d)

/* GoLU: the default parameters take the specialised kernels, as on the CPU. */
template <class Run> static golu_status f64_run_golu(const golu_act *act, Run run)
{
    const golu_prm p = golu_prm_make(act);
    return p.deflt ? run(f64_golu1_op{}) : run(f64_golu_op{p});
}

/* run(op) with the float64 operation of act (already validated): one case
 * per GOLU_ACT_LIST row, its kernel family's runner. */
template <class Run> static golu_status with_f64_op(const golu_act *act, Run run)
{
    switch (act->kind) {
#define F64_CASE_(E, name, value, alias, quiet, a, b, g, grads, rule, kern, ...)         \
    case GOLU_ACT_##E: return f64_run_##kern(act, run);
        GOLU_ACT_LIST(F64_CASE_)
#undef F64_CASE_
    default: return GOLU_ERR_ACT;
    }
}

#endif
