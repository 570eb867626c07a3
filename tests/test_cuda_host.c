/*
 * test_cuda_host.c - the GPU's element code, compiled for the host.
 *
 * The headers the CUDA kernels compute with (src/cuda/vec_cuda.h under
 * f32_math.h, gelu_f64_cuda.h) are plain C without nvcc, so every build, CI
 * included (no GPU, often no CUDA toolkit), checks that
 *   - vec_cuda.h's vocabulary gives the CPU library's float32 bits for every
 *     activation, forward and backward (random and special inputs);
 * (the 16-bit conversions need no check here: the GPU includes the CPU's own,
 * src/kernels/convert16.h);
 *   - gelu_f64_cuda.h's float64 GELU, fed an erfcx accurate to long double,
 *     stays within 2 ulp of the CPU's (itself within 0.501 ulp of exact;
 *     measured: 1.000, the rounding of erfcx to double and the final
 *     rounding): on the GPU, CUDA's erfcx error comes on top.
 * What it cannot check: the GPU's arithmetic and the kernels' indexing;
 * tests/test_cuda.c does, on a GPU. The bits agree on the GPU only because
 * its double arithmetic is IEEE too (vec_cuda.h says why).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "golu.h"
#include "harness.h"

/* erfc(z) e^(z^2) for z in [0, 43], to about 2^-60 where long double is the
 * x87 type or binary128: z^2 split exactly, erfcl and expl in long double.
 * The GPU uses CUDA's erfcx here. */
static double erfcx(double z)
{
    double sh = z * z, sl = fma(z, z, -sh);
    return (double)(expl(sh) * expl(sl) * erfcl(z));
}

#include "../src/cuda/gelu_f64_cuda.h"
#include "../src/cuda/vec_cuda.h" /* before f32_math.h */
#include "f32_math.h"

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s) { return (double)(mix(s) >> 11) * 0x1p-53; }

static uint32_t bits32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float from32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---------------------------------------------------------- float32 ---- */

typedef vd (*elem_fn)(vd, const kconsts *);

/* The element functions the GPU runs for act (as ops_cuda.h picks them). */
static void pick(const golu_act *act, elem_fn *f, elem_fn *d)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        *f = golu_is_default(act) ? golu1_fwd_v : golu_fwd_v;
        *d = golu_is_default(act) ? golu1_slope_v : golu_slope_v;
        break;
    case GOLU_ACT_RELU: *f = relu_fwd_v, *d = relu_slope_v; break;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: *f = leaky_fwd_v, *d = leaky_slope_v; break;
    case GOLU_ACT_ELU: *f = elu_fwd_v, *d = elu_slope_v; break;
    case GOLU_ACT_GELU: *f = gelu_fwd_v, *d = gelu_slope_v; break;
    case GOLU_ACT_GELU_TANH: *f = gelu_tanh_fwd_v, *d = gelu_tanh_slope_v; break;
    case GOLU_ACT_SILU: *f = silu_fwd_v, *d = silu_slope_v; break;
    default: *f = mish_fwd_v, *d = mish_slope_v; break;
    }
}

/* 1 when two floats have the same bits or are both NaN. */
static int same32(float a, float b) { return bits32(a) == bits32(b) || (a != a && b != b); }

/* n float32 inputs: specials, then random bits, normal-ish and uniform. */
static void f32_inputs(float *x, float *dy, size_t n, uint64_t seed)
{
    static const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f,
                               FLT_MIN, -FLT_MIN, 0x1p-149f, -0x1p-149f, FLT_MAX,
                               -FLT_MAX, -0.56714329f, -4.486811f, -4.6588135f,
                               16.676971f, 19.556343f, -5.5f, 40.0f, -88.7f};
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        if (i < sizeof sp / sizeof sp[0])
            x[i] = sp[i];
        else if (i % 3 == 0)
            x[i] = from32((uint32_t)mix(&s));
        else if (i % 3 == 1)
            x[i] = (float)(12.0 * unit(&s) - 6.0);
        else
            x[i] = (float)(100.0 * unit(&s) - 50.0);
        dy[i] = i % 101 == 5 ? INFINITY : (float)(4.0 * unit(&s) - 2.0);
    }
}

/* Every activation (defaults and GoLU's general path): the vocabulary of
 * vec_cuda.h against the CPU library's portable path (which it mirrors),
 * bit for bit. */
static void test_f32_elements(void)
{
    size_t n = (size_t)1 << 18;
    float *x = malloc(n * 4), *dy = malloc(n * 4), *ref = malloc(n * 4);
    golu_ctx *ctx = NULL;
    if (!CHECK(x && dy && ref, "malloc") ||
        !CHECK(golu_ctx_create(&ctx) == GOLU_OK &&
                   golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR) == GOLU_OK,
               "a context on the scalar path"))
        goto out;
    f32_inputs(x, dy, n, 7);
    for (int k = 0; k <= GOLU_ACT_COUNT; k++) {
        golu_act act = golu_act_default(k < GOLU_ACT_COUNT ? (golu_act_kind)k : GOLU_ACT_GOLU);
        if (k == GOLU_ACT_COUNT) { /* GoLU's general path */
            act.alpha = 1.5;
            act.beta = 0.7;
            act.gamma = 2.0;
        }
        elem_fn f, d;
        pick(&act, &f, &d);
        kconsts c = kconsts_make(&act);
        size_t bad_f = 0, bad_b = 0;
        golu_forward(ctx, &act, GOLU_F32, x, ref, n);
        for (size_t i = 0; i < n; i++)
            bad_f += !same32((float)f(x[i], &c), ref[i]);
        golu_backward(ctx, &act, GOLU_F32, x, dy, ref, n);
        for (size_t i = 0; i < n; i++)
            bad_b += !same32((float)vd_mul(dy[i], d(x[i], &c)), ref[i]);
        CHECK(bad_f == 0 && bad_b == 0,
              "%s (alpha %g): vec_cuda.h differs from the CPU on %zu forward, %zu backward of %zu",
              golu_act_name(act.kind), act.alpha, bad_f, bad_b, n);
    }
out:
    golu_ctx_destroy(ctx);
    free(x), free(dy), free(ref);
}

/* ------------------------------------------------------- conversions ---- */


/* ---------------------------------------------------- float64 GELU ---- */

static double ulp64(double v)
{
    v = fabs(v);
    return v < DBL_MIN ? 0x1p-1074 : ldexp(1.0, ilogb(v) - 52);
}

/* x dense in [-41, 41], around the zero of GELU' and in the far tails, tiny
 * and subnormal magnitudes, specials. */
static void gelu_inputs(double *x, double *dy, size_t n)
{
    static const double sp[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 40.0, -40.0,
                                -38.6, -37.5, 60.0, -60.0, -0.75179, 0x1p-1074,
                                -0x1p-1074, 1e-310, -1e-300, 16.0, 11.0};
    uint64_t s = 11;
    for (size_t i = 0; i < n; i++) {
        double u = unit(&s);
        if (i < sizeof sp / sizeof sp[0])
            x[i] = sp[i];
        else if (i % 4 == 0)
            x[i] = 82.0 * u - 41.0;
        else if (i % 4 == 1)
            x[i] = 0.1 * u - 0.8;
        else if (i % 4 == 2)
            x[i] = -(20.0 * u + 25.0);
        else
            x[i] = (u < 0.5 ? -1.0 : 1.0) * exp(-700.0 * unit(&s));
        dy[i] = 4.0 * unit(&s) - 2.0;
    }
}

/* gelu_f64_cuda.h against the CPU's float64 GELU: forward in ulps of the
 * result, backward in ulps of |dy| max(|f'|, Phi). */
static void test_gelu_f64(void)
{
    size_t n = 400000;
    double *x = malloc(n * 8), *dy = malloc(n * 8), *ref = malloc(n * 8);
    golu_act act = golu_act_default(GOLU_ACT_GELU);
    double worst_f = 0.0, worst_b = 0.0, at_f = 0.0, at_b = 0.0;
    if (!CHECK(x && dy && ref, "malloc"))
        goto out;
    gelu_inputs(x, dy, n);
    golu_forward(NULL, &act, GOLU_F64, x, ref, n);
    for (size_t i = 0; i < n; i++) {
        double g = gelu_f_cuda(x[i], &act);
        double e = g == ref[i] || (g != g && ref[i] != ref[i]) ? 0.0 : fabs(g - ref[i]) / ulp64(ref[i]);
        if (!(e <= worst_f))
            worst_f = e, at_f = x[i];
    }
    golu_backward(NULL, &act, GOLU_F64, x, dy, ref, n);
    for (size_t i = 0; i < n; i++) {
        double g = f64_slope_apply(gelu_d_cuda(x[i], &act), dy[i]);
        double phi = 0.5 * erfc(-x[i] * 0x1.6a09e667f3bcdp-1);
        double scale = fmax(fabs(ref[i]), fabs(dy[i]) * phi);
        double e = g == ref[i] || (g != g && ref[i] != ref[i]) ? 0.0 : fabs(g - ref[i]) / ulp64(scale);
        if (!(e <= worst_b))
            worst_b = e, at_b = x[i];
    }
    printf("test_cuda_host: float64 GELU with a long double erfcx: %.3f ulp from the CPU "
           "forward (x = %.17g), %.3f backward (x = %.17g)\n", worst_f, at_f, worst_b, at_b);
    CHECK(worst_f <= 2.0 && worst_b <= 2.0,
          "float64 GELU (GPU method): %.3f ulp forward at %.17g, %.3f backward at %.17g",
          worst_f, at_f, worst_b, at_b);
out:
    free(x), free(dy), free(ref);
}

int main(void)
{
    TEST_BEGIN("test_cuda_host");
    test_f32_elements();
    test_gelu_f64();
    return TEST_END();
}
