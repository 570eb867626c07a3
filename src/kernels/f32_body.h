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

/* A common branch: its path laid out straight (no taken jump). */
#if defined(__GNUC__)
#define GOLU_LIKELY(c) __builtin_expect(!!(c), 1)
#else
#define GOLU_LIKELY(c) (c)
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

/* Vectors a step where VD_STEP is not the best (measured on AVX-512, one
 * core, 64Ki): GELU carries nine coefficient tables beside its values (its
 * backward the density's too), and its forward's results wait for the
 * step's range test (DEFINE_FWD_SPLIT): 8 both ways (12 ran 7 % slower
 * forward, and slower backward too); an ISA may set its own (VD_STEP_GELU:
 * AVX2's 4). SiLU's chains are the shortest (one exponential and one
 * division): 16 (VD_STEP_WIDE) ran 2-3 % faster than 12. */
#ifdef VD_STEP_GELU
#define GELU_STEP VD_STEP_GELU
#else
#define GELU_STEP (VD_STEP < 8 ? VD_STEP : 8)
#endif
#ifdef VD_STEP_WIDE
#define SILU_STEP VD_STEP_WIDE
#else
#define SILU_STEP VD_STEP
#endif

/*
 * Loops over [0, n): steps of VD_STEP vectors, then one vector at a time, then
 * a tail through a small buffer so nothing past the end is read or written.
 * Each step loads before it stores, so y == x (and dx == dy or dx == x) is
 * safe.
 */
#define FWD_STEP(ns, elem, store)                                                        \
    do {                                                                                 \
        vd v[ns];                                                                        \
        GOLU_UNROLL for (int k = 0; k < ns; k++) v[k] =                                  \
            vd_load_f32(x + i + (size_t)k * VD_LANES);                                   \
        GOLU_UNROLL for (int k = 0; k < ns; k++) v[k] = elem(v[k], &c);                  \
        GOLU_UNROLL for (int k = 0; k < ns; k++)                                         \
            store(y + i + (size_t)k * VD_LANES, v[k]);                                   \
    } while (0)

/* The end of a forward loop from i: one vector at a time, then the tail. */
#define FWD_REST(elem, store)                                                            \
    do {                                                                                 \
        for (; i + VD_LANES <= n; i += VD_LANES)                                         \
            store(y + i, elem(vd_load_f32(x + i), &c));                                  \
        if (i < n) {                                                                     \
            float tx[VD_LANES] = {0}, ty[VD_LANES];                                      \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            store(ty, elem(vd_load_f32(tx), &c));                                        \
            memcpy(y + i, ty, (n - i) * sizeof *y);                                      \
        }                                                                                \
    } while (0)

/*
 * The same with a common case: a step whose floats all pass common(p, n, &c)
 * takes fast, which computes the same bits as full for those inputs with
 * less work; other steps and the rest take full. So every input's result is
 * a function of the input alone, whichever way its step went. fast runs
 * first and the test after it, before anything is stored (y == x stays
 * safe; a failed step is computed again by full): measured 3-7 % faster on
 * AVX-512 than testing first, although the results wait in registers (and
 * partly on the stack) for the test. The backward's loops test first: the
 * same order there was 15-20 % slower for GELU and Mish.
 */
#define DEFINE_FWD_SPLIT(name, ns, common, fast, full, store)                            \
    static void KERNEL(name)(const float *x, float *y, size_t n, const kconsts *cp)      \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        size_t i = 0;                                                                    \
        for (; i + (ns)*VD_LANES <= n; i += (ns)*VD_LANES) {                             \
            vd r[ns];                                                                    \
            GOLU_UNROLL for (int k = 0; k < ns; k++) r[k] =                              \
                fast(vd_load_f32(x + i + (size_t)k * VD_LANES), &c);                     \
            if (GOLU_LIKELY(common(x + i, (ns)*VD_LANES, &c))) {                         \
                GOLU_UNROLL for (int k = 0; k < ns; k++)                                 \
                    store(y + i + (size_t)k * VD_LANES, r[k]);                           \
            } else                                                                       \
                FWD_STEP(ns, full, store);                                               \
        }                                                                                \
        FWD_REST(full, store);                                                           \
    }

/* Every step the same (no common case): the plain loop. */
static inline int every_step(const float *p, size_t n, const kconsts *c)
{
    (void)p;
    (void)n;
    (void)c;
    return 1;
}

#define DEFINE_FWD(name, elem, store)                                                    \
    DEFINE_FWD_SPLIT(name, VD_STEP, every_step, elem, elem, store)

/*
 * A step of ns vectors of dx = dy * slope(x); dy is loaded late, beside its
 * product, to keep registers for the chains (dx == dy is still safe: each
 * dy is read before the dx at its place is written). dy is prefetched
 * BWD_PREFETCH floats ahead, a line per 16 floats: loaded that late, it
 * came from memory unprefetched (GoLU's backward at 16Mi 0.71-0.86 ns an
 * element against 0.47-0.50 with it, at 1Mi 0.50-0.52 against 0.43; in
 * cache no change). A prefetch never faults, past the end included.
 */
#define BWD_PREFETCH 1024

/* The address n floats past p, by integer arithmetic: a pointer past the
 * end of its array would be undefined even unused. */
static inline void prefetch_ahead(const float *p, size_t n)
{
    __builtin_prefetch((const void *)((uintptr_t)p + n * sizeof *p), 0, 3);
}
#define BWD_STEP(ns, slope, store)                                                       \
    do {                                                                                 \
        vd v[ns];                                                                        \
        GOLU_UNROLL for (int k = 0; k < (ns)*VD_LANES; k += 16)                          \
            prefetch_ahead(dy + i + k, BWD_PREFETCH);                                    \
        GOLU_UNROLL for (int k = 0; k < ns; k++) v[k] =                                  \
            slope(vd_load_f32(x + i + (size_t)k * VD_LANES), &c);                        \
        GOLU_UNROLL for (int k = 0; k < ns; k++)                                         \
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

/*
 * The loop of a kernel with two common cases: steps of ns vectors whose
 * floats pass both take fast, the first alone mid, neither full (each run by
 * STEP(ns, fn, store)); the rest of the array takes full (REST(full, store)).
 */
#define SPLIT2_LOOP(ns, common1, common2, STEP, REST, fast, mid, full, store)            \
    do {                                                                                 \
        size_t i = 0;                                                                    \
        for (; i + (ns)*VD_LANES <= n; i += (ns)*VD_LANES) {                             \
            if (GOLU_LIKELY(common1(x + i, (ns)*VD_LANES, &c))) {                        \
                if (GOLU_LIKELY(common2(x + i, (ns)*VD_LANES, &c)))                      \
                    STEP(ns, fast, store);                                               \
                else                                                                     \
                    STEP(ns, mid, store);                                                \
            } else {                                                                     \
                STEP(ns, full, store);                                                   \
            }                                                                            \
        }                                                                                \
        REST(full, store);                                                               \
    } while (0)

/* The backward, as DEFINE_FWD_SPLIT with two common cases: both pass
 * (fast), the first alone (mid), neither (full). */
#define DEFINE_BWD_SPLIT2(name, ns, common1, common2, fast, mid, full, store)            \
    static void KERNEL(name)(const float *x, const float *dy, float *dx, size_t n,       \
                             const kconsts *cp)                                          \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        SPLIT2_LOOP(ns, common1, common2, BWD_STEP, BWD_REST, fast, mid, full, store);   \
    }

/* One common case; and none, dx = dy * slope(x), the product taken in double
 * and rounded once (every_step and the equal branches fold away). */
#define DEFINE_BWD_SPLIT(name, ns, common, fast, full, store)                            \
    DEFINE_BWD_SPLIT2(name, ns, common, every_step, fast, fast, full, store)
#define DEFINE_BWD(name, slope, store)                                                   \
    DEFINE_BWD_SPLIT2(name, VD_STEP, every_step, every_step, slope, slope, slope, store)

/*
 * The forward that keeps the slope (golu_forward_slope): y = f(x) and
 * sl = f'(x) as doubles, the double slope before any rounding, so that
 * dx = dy * sl rounded once later (SLOPE_MUL below) gives golu_backward's
 * bits. The pair functions of f32_math.h (<name>_fwd_slope_v) compute the
 * two from their common work once (GoLU's gate, GELU's tail, the
 * exponential of SiLU, GELU tanh and Mish).
 */
#define FWDS_STEP(ns, pair, store)                                                       \
    do {                                                                                 \
        vd v[ns];                                                                        \
        GOLU_UNROLL for (int k = 0; k < ns; k++) v[k] =                                  \
            vd_load_f32(x + i + (size_t)k * VD_LANES);                                   \
        GOLU_UNROLL for (int k = 0; k < ns; k++)                                         \
        {                                                                                \
            vd s1; /* stored at once: a local the compiler keeps in a register */        \
            v[k] = pair(v[k], &c, &s1);                                                  \
            vd_store_f64(sl + i + (size_t)k * VD_LANES, s1);                             \
        }                                                                                \
        GOLU_UNROLL for (int k = 0; k < ns; k++)                                         \
            store(y + i + (size_t)k * VD_LANES, v[k]);                                   \
    } while (0)

#define FWDS_REST(pair, store)                                                           \
    do {                                                                                 \
        for (; i + VD_LANES <= n; i += VD_LANES) {                                       \
            vd s1, a = pair(vd_load_f32(x + i), &c, &s1);                                \
            vd_store_f64(sl + i, s1);                                                    \
            store(y + i, a);                                                             \
        }                                                                                \
        if (i < n) {                                                                     \
            float tx[VD_LANES] = {0}, ty[VD_LANES];                                      \
            double ts[VD_LANES];                                                         \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            vd s1, a = pair(vd_load_f32(tx), &c, &s1);                                   \
            vd_store_f64(ts, s1);                                                        \
            store(ty, a);                                                                \
            memcpy(y + i, ty, (n - i) * sizeof *y);                                      \
            memcpy(sl + i, ts, (n - i) * sizeof *sl);                                    \
        }                                                                                \
    } while (0)

/* As DEFINE_BWD_SPLIT2: both common cases (fast), the first alone (mid),
 * neither (full); each a pair function (f32_math.h, <name>_fwd_slope_v). */
#define DEFINE_FWDS_SPLIT2(name, ns, common1, common2, fast, mid, full, store)           \
    static void KERNEL(name)(const float *x, float *y, double *sl, size_t n,             \
                             const kconsts *cp)                                          \
    {                                                                                    \
        const kconsts c = *cp;                                                           \
        SPLIT2_LOOP(ns, common1, common2, FWDS_STEP, FWDS_REST, fast, mid, full, store); \
    }

/* Vectors per step of the forward with its slope: both results of each
 * vector stay live to the stores. */
#define FWDS_STEP_N (VD_STEP < 8 ? VD_STEP : 8)

/*
 * The backward from a kept slope: dx = dy * sl, the product in double
 * rounded once, as the backward kernels round theirs. dx may equal dy.
 */
#define SLOPE_MUL_UNROLL 4
#define DEFINE_SLOPE_MUL(name, store)                                                    \
    static void KERNEL(name)(const double *sl, const float *dy, float *dx, size_t n)     \
    {                                                                                    \
        size_t i = 0;                                                                    \
        for (; i + SLOPE_MUL_UNROLL * VD_LANES <= n; i += SLOPE_MUL_UNROLL * VD_LANES)   \
            GOLU_UNROLL for (int k = 0; k < SLOPE_MUL_UNROLL; k++)                       \
                store(dx + i + (size_t)k * VD_LANES,                                     \
                      vd_mul(vd_load_f32(dy + i + (size_t)k * VD_LANES),                 \
                             vd_load_f64(sl + i + (size_t)k * VD_LANES)));               \
        for (; i + VD_LANES <= n; i += VD_LANES)                                         \
            store(dx + i, vd_mul(vd_load_f32(dy + i), vd_load_f64(sl + i)));             \
        if (i < n) {                                                                     \
            float tdy[VD_LANES] = {0}, tdx[VD_LANES];                                    \
            double ts[VD_LANES] = {0};                                                   \
            memcpy(tdy, dy + i, (n - i) * sizeof *dy);                                   \
            memcpy(ts, sl + i, (n - i) * sizeof *sl);                                    \
            store(tdx, vd_mul(vd_load_f32(tdy), vd_load_f64(ts)));                       \
            memcpy(dx + i, tdx, (n - i) * sizeof *dx);                                   \
        }                                                                                \
    }

DEFINE_SLOPE_MUL(slope_mul, vd_store_f32)
DEFINE_SLOPE_MUL(slope_mul_odd, vd_store_f32_odd)

/*
 * The common cases. Off a derivative window (f32_math.h): no float of the
 * step in kconsts' win_key/win_span range (a little wider than the
 * window), so the closed form alone (slope0) gives the bits of the closed
 * form with the window blended in (slope). GELU's central range: every
 * |x| < GELU_XFAST, where its central pieces give the bits of the full form.
 */
static inline int off_window(const float *p, size_t n, const kconsts *c)
{
    return !vd_any_key_in_f32(p, n, c->win_key, c->win_span);
}

static inline int gelu_central(const float *p, size_t n, const kconsts *c)
{
    (void)c;
    /* |x| < 4 (GELU_XFAST): x in [-b, b], b the largest float below 4 */
    return vd_all_in_f32(p, n, -0x1.fffffep+1f, 0x1.fffffep+1f);
}

/* Each activation's kernels: rounded to nearest (float32 results) and rounded
 * to odd (for the 16-bit types, which round once more: see convert16.h). */
#define DEFINE_ACT(name, fwd, slope)                                                     \
    DEFINE_FWD(name##_fwd, fwd, vd_store_f32)                                            \
    DEFINE_BWD(name##_bwd, slope, vd_store_f32)                                          \
    DEFINE_FWD(name##_fwd_odd, fwd, vd_store_f32_odd)                                    \
    DEFINE_BWD(name##_bwd_odd, slope, vd_store_f32_odd)                                  \
    DEFINE_FWDS_SPLIT2(name##_fwds, FWDS_STEP_N, every_step, every_step,                 \
                       name##_fwd_slope_v, name##_fwd_slope_v, name##_fwd_slope_v,       \
                       vd_store_f32)                                                     \
    DEFINE_FWDS_SPLIT2(name##_fwds_odd, FWDS_STEP_N, every_step, every_step,             \
                       name##_fwd_slope_v, name##_fwd_slope_v, name##_fwd_slope_v,       \
                       vd_store_f32_odd)

/*
 * An activation whose results are exact in float (ReLU: x, +0 or NaN
 * forward, dy, +-0 or NaN backward) needs no double: its forward and
 * backward run in float lanes (vf, vec_*.h), twice the elements a vector
 * and no conversions, at the speed of their loads and stores (AVX-512, one
 * core, 4Ki-64Ki floats: the forward 0.10-0.12 -> 0.03-0.06 ns an element,
 * the backward 0.14-0.17 -> 0.04-0.08). The bits are those of the double
 * path, and rounding to odd is rounding to nearest on exact values: the
 * _odd kernels are the same loops. The forward with its slope keeps the
 * double pair (its slopes are doubles).
 */
#define VF_STEP 4

#define DEFINE_FWD_FLOAT_LANES(name, elem)                                               \
    static void KERNEL(name)(const float *x, float *y, size_t n, const kconsts *c)       \
    {                                                                                    \
        (void)c;                                                                         \
        size_t i = 0;                                                                    \
        for (; i + VF_STEP * VF_LANES <= n; i += VF_STEP * VF_LANES) {                   \
            vf v[VF_STEP];                                                               \
            GOLU_UNROLL for (int k = 0; k < VF_STEP; k++) v[k] =                         \
                vf_load(x + i + (size_t)k * VF_LANES);                                   \
            GOLU_UNROLL for (int k = 0; k < VF_STEP; k++)                                \
                vf_store(y + i + (size_t)k * VF_LANES, elem(v[k]));                      \
        }                                                                                \
        for (; i + VF_LANES <= n; i += VF_LANES)                                         \
            vf_store(y + i, elem(vf_load(x + i)));                                       \
        if (i < n) {                                                                     \
            float tx[VF_LANES] = {0}, ty[VF_LANES];                                      \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            vf_store(ty, elem(vf_load(tx)));                                             \
            memcpy(y + i, ty, (n - i) * sizeof *y);                                      \
        }                                                                                \
    }

/* dx = grad(x, dy); dx may equal dy or x (each step loads before it stores). */
#define DEFINE_BWD_FLOAT_LANES(name, grad)                                               \
    static void KERNEL(name)(const float *x, const float *dy, float *dx, size_t n,       \
                             const kconsts *c)                                           \
    {                                                                                    \
        (void)c;                                                                         \
        size_t i = 0;                                                                    \
        for (; i + VF_STEP * VF_LANES <= n; i += VF_STEP * VF_LANES) {                   \
            vf v[VF_STEP];                                                               \
            GOLU_UNROLL for (int k = 0; k < VF_STEP; k++) v[k] =                         \
                grad(vf_load(x + i + (size_t)k * VF_LANES),                              \
                     vf_load(dy + i + (size_t)k * VF_LANES));                            \
            GOLU_UNROLL for (int k = 0; k < VF_STEP; k++)                                \
                vf_store(dx + i + (size_t)k * VF_LANES, v[k]);                           \
        }                                                                                \
        for (; i + VF_LANES <= n; i += VF_LANES)                                         \
            vf_store(dx + i, grad(vf_load(x + i), vf_load(dy + i)));                     \
        if (i < n) {                                                                     \
            float tx[VF_LANES] = {0}, tdy[VF_LANES] = {0}, tdx[VF_LANES];                \
            memcpy(tx, x + i, (n - i) * sizeof *x);                                      \
            memcpy(tdy, dy + i, (n - i) * sizeof *dy);                                   \
            vf_store(tdx, grad(vf_load(tx), vf_load(tdy)));                              \
            memcpy(dx + i, tdx, (n - i) * sizeof *dx);                                   \
        }                                                                                \
    }

#define DEFINE_ACT_FLOAT_LANES(name, fwd, grad, pair)                                    \
    DEFINE_FWD_FLOAT_LANES(name##_fwd, fwd)                                              \
    DEFINE_BWD_FLOAT_LANES(name##_bwd, grad)                                             \
    DEFINE_FWD_FLOAT_LANES(name##_fwd_odd, fwd)                                          \
    DEFINE_BWD_FLOAT_LANES(name##_bwd_odd, grad)                                         \
    DEFINE_FWDS_SPLIT2(name##_fwds, FWDS_STEP_N, every_step, every_step, pair, pair,     \
                       pair, vd_store_f32)                                               \
    DEFINE_FWDS_SPLIT2(name##_fwds_odd, FWDS_STEP_N, every_step, every_step, pair, pair, \
                       pair, vd_store_f32_odd)

/* The forward with its slope off and on a window. */
#define DEFINE_FWDS_WIN(name, v, store)                                                  \
    DEFINE_FWDS_SPLIT2(name, FWDS_STEP_N, every_step, off_window, v##_fwd_slope0_v,      \
                       v##_fwd_slope_v, v##_fwd_slope_v, store)

/* ... with a derivative window: v's slope0 and slope (f32_math.h). */
#define DEFINE_ACT_WIN(name, fwd, v)                                                     \
    DEFINE_FWD(name##_fwd, fwd, vd_store_f32)                                            \
    DEFINE_BWD_SPLIT(name##_bwd, VD_STEP, off_window, v##_slope0_v, v##_slope_v,         \
                     vd_store_f32)                                                       \
    DEFINE_FWD(name##_fwd_odd, fwd, vd_store_f32_odd)                                    \
    DEFINE_BWD_SPLIT(name##_bwd_odd, VD_STEP, off_window, v##_slope0_v, v##_slope_v,     \
                     vd_store_f32_odd)                                                   \
    DEFINE_FWDS_WIN(name##_fwds, v, vd_store_f32)                                        \
    DEFINE_FWDS_WIN(name##_fwds_odd, v, vd_store_f32_odd)

/* ... and the IN_RANGE build (f32_math.h) for steps whose floats all lie in
 * [v##_INR_LO, v##_INR_HI] (NAME the upper-case v): the same bits there. */
#define DEFINE_ACT_WIN_INR(name, v, NAME, ns)                                            \
    static inline int v##_in_range(const float *p, size_t n, const kconsts *c)           \
    {                                                                                    \
        (void)c;                                                                         \
        return vd_all_in_f32(p, n, (float)NAME##_INR_LO, (float)NAME##_INR_HI);          \
    }                                                                                    \
    DEFINE_ACT_WIN_INR_STORE(name, v, ns, vd_store_f32, )                                \
    DEFINE_ACT_WIN_INR_STORE(name, v, ns, vd_store_f32_odd, _odd)

#define DEFINE_ACT_WIN_INR_STORE(name, v, ns, store, suffix)                             \
    DEFINE_FWD_SPLIT(name##_fwd##suffix, ns, v##_in_range, v##_inr_fwd_v, v##_fwd_v,     \
                     store)                                                              \
    DEFINE_BWD_SPLIT2(name##_bwd##suffix, ns, v##_in_range, off_window,                  \
                      v##_inr_slope0_v, v##_inr_slope_v, v##_slope_v, store)             \
    DEFINE_FWDS_SPLIT2(name##_fwds##suffix, FWDS_STEP_N, v##_in_range, off_window,       \
                       v##_inr_fwd_slope0_v, v##_inr_fwd_slope_v, v##_fwd_slope_v,       \
                       store)

/* GELU: the central range and the window both. */
#define DEFINE_ACT_GELU(store, suffix)                                                   \
    DEFINE_FWD_SPLIT(gelu_fwd##suffix, GELU_STEP, gelu_central, gelu_fwd_central_v,      \
                     gelu_fwd_v, store)                                                  \
    DEFINE_BWD_SPLIT2(gelu_bwd##suffix, GELU_STEP, gelu_central, off_window,             \
                      gelu_central_slope0_v, gelu_central_slope_v, gelu_slope_v, store)  \
    DEFINE_FWDS_SPLIT2(gelu_fwds##suffix, GELU_STEP, gelu_central, off_window,           \
                       gelu_central_fwd_slope0_v, gelu_central_fwd_slope_v,              \
                       gelu_fwd_slope_v, store)

DEFINE_ACT_WIN_INR(golu1, golu1, GOLU1, VD_STEP)
DEFINE_ACT_WIN(golu_general, golu_fwd_v, golu)
DEFINE_ACT_FLOAT_LANES(relu, vf_relu, vf_relu_grad, relu_fwd_slope_v)
DEFINE_ACT(leaky, leaky_fwd_v, leaky_slope_v)
DEFINE_ACT(elu, elu_fwd_v, elu_slope_v)
DEFINE_ACT_GELU(vd_store_f32, )
DEFINE_ACT_GELU(vd_store_f32_odd, _odd)
DEFINE_ACT_WIN_INR(gelu_tanh, gelu_tanh, GELU_TANH, VD_STEP)
DEFINE_ACT_WIN_INR(silu, silu, SILU, SILU_STEP)
DEFINE_ACT_WIN_INR(mish, mish, MISH, VD_STEP)

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
    }                                                                                    \
    static void KERNEL(golu_fwds##suffix)(const float *x, float *y, double *sl,          \
                                          size_t n, const kconsts *c)                    \
    {                                                                                    \
        if (c->golu_default)                                                             \
            KERNEL(golu1_fwds##suffix)(x, y, sl, n, c);                                  \
        else                                                                             \
            KERNEL(golu_general_fwds##suffix)(x, y, sl, n, c);                           \
    }

DEFINE_GOLU_DISPATCH()
DEFINE_GOLU_DISPATCH(_odd)

/* The tables indexed by kind, one entry per GOLU_ACT_LIST row (internal.h):
 * the row's kernel family, e.g. [GOLU_ACT_PRELU] = leaky_fwd_avx2. */
#define ACT_FWD_(...)      GOLU_ACT_KERNEL_ENTRY(KERNEL, fwd, __VA_ARGS__)
#define ACT_BWD_(...)      GOLU_ACT_KERNEL_ENTRY(KERNEL, bwd, __VA_ARGS__)
#define ACT_FWD_ODD_(...)  GOLU_ACT_KERNEL_ENTRY(KERNEL, fwd_odd, __VA_ARGS__)
#define ACT_BWD_ODD_(...)  GOLU_ACT_KERNEL_ENTRY(KERNEL, bwd_odd, __VA_ARGS__)
#define ACT_FWDS_(...)     GOLU_ACT_KERNEL_ENTRY(KERNEL, fwds, __VA_ARGS__)
#define ACT_FWDS_ODD_(...) GOLU_ACT_KERNEL_ENTRY(KERNEL, fwds_odd, __VA_ARGS__)

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
    {GOLU_ACT_LIST(ACT_FWDS_)},
    {GOLU_ACT_LIST(ACT_FWDS_ODD_)},
    KERNEL(slope_mul),
    KERNEL(slope_mul_odd),
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
_Static_assert(ACT_TABLE_SIZE_(f32_fwd_slope) == GOLU_ACT_COUNT,
               "f32_fwd_slope: one per kind");
_Static_assert(ACT_TABLE_SIZE_(f32_fwd_slope_odd) == GOLU_ACT_COUNT,
               "f32_fwd_slope_odd: one per kind");
