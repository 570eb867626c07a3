/*
 * f32_body.h - the CPU loops over the float32 activations of f32_math.h and
 * the ISA's kernel table. Each isa_*.c includes its vec_*.h, defines
 * VD_ISA_ENUM and the CVT_* conversions, then includes this file.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "f32_math.h"

#define GOLU_CAT2(a, b) a##b
#define GOLU_CAT(a, b) GOLU_CAT2(a, b)
#define KERNEL(name) GOLU_CAT(name##_, VD_ISA_SUFFIX)

/* ------------------------------------------------------------------ loops */

/*
 * Loops over [0, n): two vectors per step, then one, then a tail through a
 * small buffer so nothing past the end is read or written. Each step loads
 * before it stores, so y == x (and dx == dy or dx == x) is safe.
 */
#define DEFINE_FWD(name, elem)                                                 \
    static void KERNEL(name)(const float *x, float *y, size_t n,               \
                             const golu_act *act)                              \
    {                                                                          \
        const kconsts c = kconsts_make(act);                                   \
        size_t i = 0;                                                          \
        for (; i + 2 * VD_LANES <= n; i += 2 * VD_LANES) {                     \
            vd a = vd_load_f32(x + i), b = vd_load_f32(x + i + VD_LANES);      \
            vd_store_f32(y + i, elem(a, &c));                                  \
            vd_store_f32(y + i + VD_LANES, elem(b, &c));                       \
        }                                                                      \
        for (; i + VD_LANES <= n; i += VD_LANES)                               \
            vd_store_f32(y + i, elem(vd_load_f32(x + i), &c));                 \
        if (i < n) {                                                           \
            float tx[VD_LANES] = {0}, ty[VD_LANES];                            \
            memcpy(tx, x + i, (n - i) * sizeof *x);                            \
            vd_store_f32(ty, elem(vd_load_f32(tx), &c));                       \
            memcpy(y + i, ty, (n - i) * sizeof *y);                            \
        }                                                                      \
    }

/* dx = dy * slope(x), the product taken in double and rounded once. */
#define DEFINE_BWD(name, slope)                                                \
    static void KERNEL(name)(const float *x, const float *dy, float *dx,       \
                             size_t n, const golu_act *act)                    \
    {                                                                          \
        const kconsts c = kconsts_make(act);                                   \
        size_t i = 0;                                                          \
        for (; i + 2 * VD_LANES <= n; i += 2 * VD_LANES) {                     \
            vd a = vd_load_f32(x + i), b = vd_load_f32(x + i + VD_LANES);      \
            vd da = vd_load_f32(dy + i), db = vd_load_f32(dy + i + VD_LANES);  \
            vd_store_f32(dx + i, vd_mul(da, slope(a, &c)));                    \
            vd_store_f32(dx + i + VD_LANES, vd_mul(db, slope(b, &c)));         \
        }                                                                      \
        for (; i + VD_LANES <= n; i += VD_LANES) {                             \
            vd a = vd_load_f32(x + i), da = vd_load_f32(dy + i);               \
            vd_store_f32(dx + i, vd_mul(da, slope(a, &c)));                    \
        }                                                                      \
        if (i < n) {                                                           \
            float tx[VD_LANES] = {0}, tdy[VD_LANES] = {0}, tdx[VD_LANES];      \
            memcpy(tx, x + i, (n - i) * sizeof *x);                            \
            memcpy(tdy, dy + i, (n - i) * sizeof *dy);                         \
            vd_store_f32(tdx, vd_mul(vd_load_f32(tdy),                         \
                                     slope(vd_load_f32(tx), &c)));             \
            memcpy(dx + i, tdx, (n - i) * sizeof *dx);                         \
        }                                                                      \
    }

DEFINE_FWD(golu1_fwd, golu1_fwd_v)
DEFINE_BWD(golu1_bwd, golu1_slope_v)
DEFINE_FWD(golu_general_fwd, golu_fwd_v)
DEFINE_BWD(golu_general_bwd, golu_slope_v)

static void KERNEL(golu_fwd)(const float *x, float *y, size_t n, const golu_act *act)
{
    if (golu_is_default(act))
        KERNEL(golu1_fwd)(x, y, n, act);
    else
        KERNEL(golu_general_fwd)(x, y, n, act);
}

static void KERNEL(golu_bwd)(const float *x, const float *dy, float *dx, size_t n,
                             const golu_act *act)
{
    if (golu_is_default(act))
        KERNEL(golu1_bwd)(x, dy, dx, n, act);
    else
        KERNEL(golu_general_bwd)(x, dy, dx, n, act);
}
DEFINE_FWD(relu_fwd, relu_fwd_v)
DEFINE_BWD(relu_bwd, relu_slope_v)
DEFINE_FWD(leaky_fwd, leaky_fwd_v)
DEFINE_BWD(leaky_bwd, leaky_slope_v)
DEFINE_FWD(elu_fwd, elu_fwd_v)
DEFINE_BWD(elu_bwd, elu_slope_v)
DEFINE_FWD(gelu_fwd, gelu_fwd_v)
DEFINE_BWD(gelu_bwd, gelu_slope_v)
DEFINE_FWD(gelu_tanh_fwd, gelu_tanh_fwd_v)
DEFINE_BWD(gelu_tanh_bwd, gelu_tanh_slope_v)
DEFINE_FWD(silu_fwd, silu_fwd_v)
DEFINE_BWD(silu_bwd, silu_slope_v)
DEFINE_FWD(mish_fwd, mish_fwd_v)
DEFINE_BWD(mish_bwd, mish_slope_v)

const golu_kernel_table GOLU_CAT(golu_kernels_, VD_ISA_SUFFIX) = {
    VD_ISA_ENUM,
    {
        [GOLU_ACT_GOLU] = KERNEL(golu_fwd),
        [GOLU_ACT_RELU] = KERNEL(relu_fwd),
        [GOLU_ACT_LEAKY_RELU] = KERNEL(leaky_fwd),
        [GOLU_ACT_PRELU] = KERNEL(leaky_fwd),
        [GOLU_ACT_ELU] = KERNEL(elu_fwd),
        [GOLU_ACT_GELU] = KERNEL(gelu_fwd),
        [GOLU_ACT_GELU_TANH] = KERNEL(gelu_tanh_fwd),
        [GOLU_ACT_SILU] = KERNEL(silu_fwd),
        [GOLU_ACT_MISH] = KERNEL(mish_fwd),
    },
    {
        [GOLU_ACT_GOLU] = KERNEL(golu_bwd),
        [GOLU_ACT_RELU] = KERNEL(relu_bwd),
        [GOLU_ACT_LEAKY_RELU] = KERNEL(leaky_bwd),
        [GOLU_ACT_PRELU] = KERNEL(leaky_bwd),
        [GOLU_ACT_ELU] = KERNEL(elu_bwd),
        [GOLU_ACT_GELU] = KERNEL(gelu_bwd),
        [GOLU_ACT_GELU_TANH] = KERNEL(gelu_tanh_bwd),
        [GOLU_ACT_SILU] = KERNEL(silu_bwd),
        [GOLU_ACT_MISH] = KERNEL(mish_bwd),
    },
    CVT_BF16_TO_F32,
    CVT_F16_TO_F32,
    CVT_F32_TO_BF16,
    CVT_F32_TO_F16,
};
