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
#define GOLU_CAT(a, b)  GOLU_CAT2(a, b)
#define KERNEL(name)    GOLU_CAT(name##_, VD_ISA_SUFFIX)

/* A rare branch: the common path laid out straight (no taken jump). */
#if defined(__GNUC__)
#define GOLU_UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define GOLU_UNLIKELY(c) (c)
#endif

/* ------------------------------------------------------------------ loops */

/*
 * Each math function is one long dependent chain (two exponentials for GoLU:
 * some 80 cycles), far longer than the work per vector, so the loops run
 * VD_STEP independent vectors per step (vec_*.h) and the ISA files are built
 * with instruction scheduling (Makefile) to interleave their chains: the
 * out-of-order window alone does not overlap enough of them.
 */
#define GOLU_UNROLL _Pragma("GCC unroll 16")
#ifndef VD_STEP_BWD
#define VD_STEP_BWD VD_STEP
#endif

/*
 * Loops over [0, n): steps of VD_STEP vectors, then one vector at a time, then
 * a tail through a small buffer so nothing past the end is read or written.
 * Each step loads before it stores, so y == x (and dx == dy or dx == x) is
 * safe.
 */
#define DEFINE_FWD(name, elem, store)                                                    \
    static void KERNEL(name)(const float *x, float *y, size_t n, const kconsts *cp)      \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        size_t i = 0;                                                                    \
        for (; i + VD_STEP * VD_LANES <= n; i += VD_STEP * VD_LANES) {                   \
            vd v[VD_STEP];                                                               \
            GOLU_UNROLL for (int k = 0; k < VD_STEP; k++) v[k] =                         \
                vd_load_f32(x + i + (size_t)k * VD_LANES);                               \
            GOLU_UNROLL for (int k = 0; k < VD_STEP; k++) v[k] = elem(v[k], &c);         \
            GOLU_UNROLL for (int k = 0; k < VD_STEP; k++)                                \
                store(y + i + (size_t)k * VD_LANES, v[k]);                               \
        }                                                                                \
        for (; i + VD_LANES <= n; i += VD_LANES)                                         \
            store(y + i, elem(vd_load_f32(x + i), &c));                                  \
        if (i < n) {                                                                     \
            float tx[VD_LANES] = {0}, ty[VD_LANES];                                      \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            store(ty, elem(vd_load_f32(tx), &c));                                        \
            memcpy(y + i, ty, (n - i) * sizeof *y);                                      \
        }                                                                                \
    }

/* A step of VD_STEP_BWD vectors of dx = dy * slope(x); dy is loaded late,
 * beside its product, to keep registers for the chains (dx == dy is still
 * safe: each dy is read before the dx at its place is written). */
#define BWD_STEP(slope, store)                                                           \
    do {                                                                                 \
        vd v[VD_STEP_BWD];                                                               \
        GOLU_UNROLL for (int k = 0; k < VD_STEP_BWD; k++) v[k] =                         \
            slope(vd_load_f32(x + i + (size_t)k * VD_LANES), &c);                        \
        GOLU_UNROLL for (int k = 0; k < VD_STEP_BWD; k++)                                \
            store(dx + i + (size_t)k * VD_LANES,                                         \
                  vd_mul(vd_load_f32(dy + i + (size_t)k * VD_LANES), v[k]));             \
    } while (0)

/* The end of a backward loop from i: one vector at a time, then the tail
 * through a small buffer (nothing past n is read or written). */
#define BWD_REST(slope, store)                                                           \
    do {                                                                                 \
        for (; i + VD_LANES <= n; i += VD_LANES) {                                       \
            vd a = vd_load_f32(x + i), da = vd_load_f32(dy + i);                         \
            store(dx + i, vd_mul(da, slope(a, &c)));                                     \
        }                                                                                \
        if (i < n) {                                                                     \
            float tx[VD_LANES] = {0}, tdy[VD_LANES] = {0}, tdx[VD_LANES];                \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            memcpy(tdy, dy + i, (n - i) * sizeof *dy);                                   \
            store(tdx, vd_mul(vd_load_f32(tdy), slope(vd_load_f32(tx), &c)));            \
            memcpy(dx + i, tdx, (n - i) * sizeof *dx);                                   \
        }                                                                                \
    } while (0)

/* dx = dy * slope(x), the product taken in double and rounded once. */
#define DEFINE_BWD(name, slope, store)                                                   \
    static void KERNEL(name)(const float *x, const float *dy, float *dx, size_t n,       \
                             const kconsts *cp)                                          \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        size_t i = 0;                                                                    \
        for (; i + VD_STEP_BWD * VD_LANES <= n; i += VD_STEP_BWD * VD_LANES)             \
            BWD_STEP(slope, store);                                                      \
        BWD_REST(slope, store);                                                          \
    }

/*
 * The same for an activation with a derivative window (f32_math.h): each
 * step tests its floats against the window (kconsts' win_fmid, win_fhalf:
 * a little wider than the window) and takes the closed form alone (slope0)
 * when none is inside, else the closed form with the window blended in
 * (slope); the rest go through slope.
 */
#define DEFINE_BWD_WIN(name, slope0, slope, store)                                       \
    static void KERNEL(name)(const float *x, const float *dy, float *dx, size_t n,       \
                             const kconsts *cp)                                          \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        size_t i = 0;                                                                    \
        for (; i + VD_STEP_BWD * VD_LANES <= n; i += VD_STEP_BWD * VD_LANES) {           \
            if (GOLU_UNLIKELY(vd_any_near_f32(x + i, VD_STEP_BWD * VD_LANES, c.win_fmid, \
                                              c.win_fhalf)))                             \
                BWD_STEP(slope, store);                                                  \
            else                                                                         \
                BWD_STEP(slope0, store);                                                 \
        }                                                                                \
        BWD_REST(slope, store);                                                          \
    }

/* Each activation's kernels: rounded to nearest (float32 results) and rounded
 * to odd (for the 16-bit types, which round once more: see convert16.h). */
#define DEFINE_ACT(name, fwd, slope)                                                     \
    DEFINE_FWD(name##_fwd, fwd, vd_store_f32)                                            \
    DEFINE_BWD(name##_bwd, slope, vd_store_f32)                                          \
    DEFINE_FWD(name##_fwd_odd, fwd, vd_store_f32_odd)                                    \
    DEFINE_BWD(name##_bwd_odd, slope, vd_store_f32_odd)

/* ... with a derivative window: v's slope0 and slope (f32_math.h). */
#define DEFINE_ACT_WIN(name, fwd, v)                                                     \
    DEFINE_FWD(name##_fwd, fwd, vd_store_f32)                                            \
    DEFINE_BWD_WIN(name##_bwd, v##_slope0_v, v##_slope_v, vd_store_f32)                  \
    DEFINE_FWD(name##_fwd_odd, fwd, vd_store_f32_odd)                                    \
    DEFINE_BWD_WIN(name##_bwd_odd, v##_slope0_v, v##_slope_v, vd_store_f32_odd)

DEFINE_ACT_WIN(golu1, golu1_fwd_v, golu1)
DEFINE_ACT_WIN(golu_general, golu_fwd_v, golu)
DEFINE_ACT(relu, relu_fwd_v, relu_slope_v)
DEFINE_ACT(leaky, leaky_fwd_v, leaky_slope_v)
DEFINE_ACT(elu, elu_fwd_v, elu_slope_v)
DEFINE_ACT_WIN(gelu, gelu_fwd_v, gelu)
DEFINE_ACT_WIN(gelu_tanh, gelu_tanh_fwd_v, gelu_tanh)
DEFINE_ACT_WIN(silu, silu_fwd_v, silu)
DEFINE_ACT_WIN(mish, mish_fwd_v, mish)

/* GoLU: the specialised kernels for the default parameters. */
#define DEFINE_GOLU_DISPATCH(suffix)                                                     \
    static void KERNEL(golu_fwd##suffix)(const float *x, float *y, size_t n,             \
                                         const kconsts *c)                               \
    {                                                                                    \
        if (c->golu_default)                                                             \
            KERNEL(golu1_fwd##suffix)(x, y, n, c);                                       \
        else                                                                             \
            KERNEL(golu_general_fwd##suffix)(x, y, n, c);                                \
    }                                                                                    \
    static void KERNEL(golu_bwd##suffix)(const float *x, const float *dy, float *dx,     \
                                         size_t n, const kconsts *c)                     \
    {                                                                                    \
        if (c->golu_default)                                                             \
            KERNEL(golu1_bwd##suffix)(x, dy, dx, n, c);                                  \
        else                                                                             \
            KERNEL(golu_general_bwd##suffix)(x, dy, dx, n, c);                           \
    }

DEFINE_GOLU_DISPATCH()
DEFINE_GOLU_DISPATCH(_odd)

/* The tables indexed by kind, one entry per GOLU_ACT_LIST row (internal.h):
 * the row's kernel family, e.g. [GOLU_ACT_PRELU] = leaky_fwd_avx2. */
#define ACT_FWD_(...)     GOLU_ACT_KERNEL_ENTRY(KERNEL, fwd, __VA_ARGS__)
#define ACT_BWD_(...)     GOLU_ACT_KERNEL_ENTRY(KERNEL, bwd, __VA_ARGS__)
#define ACT_FWD_ODD_(...) GOLU_ACT_KERNEL_ENTRY(KERNEL, fwd_odd, __VA_ARGS__)
#define ACT_BWD_ODD_(...) GOLU_ACT_KERNEL_ENTRY(KERNEL, bwd_odd, __VA_ARGS__)

const golu_kernel_table GOLU_CAT(golu_kernels_, VD_ISA_SUFFIX) = {
    VD_ISA_ENUM,
    {GOLU_ACT_LIST(ACT_FWD_)},
    {GOLU_ACT_LIST(ACT_BWD_)},
    {GOLU_ACT_LIST(ACT_FWD_ODD_)},
    {GOLU_ACT_LIST(ACT_BWD_ODD_)},
    CVT_BF16_TO_F32,
    CVT_F16_TO_F32,
    CVT_F32_TO_BF16,
    CVT_F32_TO_F16,
};
#define ACT_TABLE_SIZE_(field)                                                           \
    (sizeof GOLU_CAT(golu_kernels_, VD_ISA_SUFFIX).field /                               \
     sizeof GOLU_CAT(golu_kernels_, VD_ISA_SUFFIX).field[0])
_Static_assert(ACT_TABLE_SIZE_(f32_fwd) == GOLU_ACT_COUNT, "f32_fwd: one per kind");
_Static_assert(ACT_TABLE_SIZE_(f32_bwd) == GOLU_ACT_COUNT, "f32_bwd: one per kind");
_Static_assert(ACT_TABLE_SIZE_(f32_fwd_odd) == GOLU_ACT_COUNT,
               "f32_fwd_odd: one per kind");
_Static_assert(ACT_TABLE_SIZE_(f32_bwd_odd) == GOLU_ACT_COUNT,
               "f32_bwd_odd: one per kind");
