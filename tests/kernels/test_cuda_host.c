/*
 * test_cuda_host.c - the GPU's element code, compiled for the host.
 *
 * The float32 and 16-bit kernels need no check here: the GPU compiles the
 * CPU's own code (f32_math.h over vec_scalar.h, convert16.h). The one piece
 * of GPU-only arithmetic is plain C without nvcc, so every build, CI included
 * (no GPU, often no CUDA toolkit), checks that
 *   - gelu_f64_cuda.h's float64 GELU, fed an erfcx accurate to long double,
 *     stays within 2 ulp of the CPU's (itself within 0.501 ulp of exact;
 *     measured: 1.000, the rounding of erfcx to double and the final
 *     rounding): on the GPU, CUDA's erfcx error comes on top.
 * What it cannot check: the GPU's arithmetic and the kernels' indexing;
 * tests/kernels/test_cuda.c does, on a GPU. The bits agree on the GPU only because
 * its double arithmetic is IEEE too (vec_scalar.h says why).
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

#include "../../src/cuda/gelu_f64_cuda.h"

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(mix(s) >> 11) * 0x1p-53;
}

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
    static const double sp[] = {
        0.0,  -0.0,  INFINITY, -INFINITY, NAN,        40.0,   -40.0,   -38.6, -37.5,
        60.0, -60.0, -0.75179, 0x1p-1074, -0x1p-1074, 1e-310, -1e-300, 16.0,  11.0};
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
        double e = g == ref[i] || (g != g && ref[i] != ref[i])
                       ? 0.0
                       : fabs(g - ref[i]) / ulp64(ref[i]);
        if (!(e <= worst_f))
            worst_f = e, at_f = x[i];
    }
    golu_backward(NULL, &act, GOLU_F64, x, dy, ref, n);
    for (size_t i = 0; i < n; i++) {
        double g = f64_slope_apply(gelu_d_cuda(x[i], &act), dy[i]);
        double phi = 0.5 * erfc(-x[i] * 0x1.6a09e667f3bcdp-1);
        double scale = fmax(fabs(ref[i]), fabs(dy[i]) * phi);
        double e = g == ref[i] || (g != g && ref[i] != ref[i])
                       ? 0.0
                       : fabs(g - ref[i]) / ulp64(scale);
        if (!(e <= worst_b))
            worst_b = e, at_b = x[i];
    }
    printf("test_cuda_host: float64 GELU with a long double erfcx: %.3f ulp from the CPU "
           "forward (x = %.17g), %.3f backward (x = %.17g)\n",
           worst_f, at_f, worst_b, at_b);
    CHECK(worst_f <= 2.0 && worst_b <= 2.0,
          "float64 GELU (GPU method): %.3f ulp forward at %.17g, %.3f backward at %.17g",
          worst_f, at_f, worst_b, at_b);
out:
    free(x), free(dy), free(ref);
}

int main(void)
{
    TEST_BEGIN("test_cuda_host");
    test_gelu_f64();
    return TEST_END();
}
