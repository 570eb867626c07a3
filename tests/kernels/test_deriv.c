/*
 * test_deriv.c - the backward where the derivative vanishes, in the strict
 * measure: dx = dy * f'(x) within 1 ulp of the exact product (ulps of dx
 * itself, no scale), through the public API, for GoLU (default and other
 * parameters), GELU (both forms), SiLU and Mish:
 *
 *   float32, every SIMD path this CPU runs: every float within 4096 floats
 *   of the zero x* of f' (both sides; dy = 1 and random dy), plus 20000
 *   random inputs in [x* - 4, x* + 4] and 20000 of random bits;
 *   bfloat16 and float16: every input in [-8, 4];
 *   float64 (against 256-bit MPFR): every double within 1500 doubles of x*,
 *   x* (1 + s 2^-e) for e = 20..52, and 3000 random inputs in [x* - 1,
 *   x* + 1], dy = 1 and random.
 *
 * x* comes from docs/MATH.md's table (15 digits) and, for other GoLU
 * parameters, from a Newton iteration in long double on t e^-t = -1/beta
 * written here: independent of the library's constants. The windows
 * themselves are checked against MPFR in tests/ref/test_deriv_coeffs.c.
 * Float64 GoLU with other parameters: within 1 ulp from 2^-40 |x*| off x*
 * on (the library's x* is a double-double there, good to about 2^-100
 * relative); the doubles nearer x* are reported, not asserted.
 */
#include <math.h>
#include <stdlib.h>

#include "../../src/ref/reference.h"
#include "util.h"

enum { NEAR32 = 4096, SPREAD = 20000, NEAR64 = 1500, RAND64 = 3000 };

typedef struct dcase {
    golu_act act;
    double root;
    const char *label;
} dcase;

/* x* = -W(1/beta)/gamma: v e^v = 1/beta by Newton in long double. */
static double golu_root(double beta, double gamma)
{
    long double z = 1.0L / beta, v = z < 2.7L ? log1pl(z) : logl(z) - logl(logl(z));
    for (int i = 0; i < 200; i++) {
        long double e = expl(v), dv = (v * e - z) / (e * (v + 1));
        v -= dv;
        if (fabsl(dv) <= 0x1p-62L * v)
            break;
    }
    return (double)(-v / gamma);
}

static dcase case_golu(double a, double b, double g, const char *label)
{
    dcase c = {act_of(GOLU_ACT_GOLU), golu_root(b, g), label};
    c.act.alpha = a;
    c.act.beta = b;
    c.act.gamma = g;
    return c;
}

/* Random dy in +-[0.5, 2), or 1. */
static double rand_dy(rng *r, int ones)
{
    if (ones)
        return 1.0;
    double d = rng_range(r, 0.5, 2.0);
    return rng_next(r) & 1 ? -d : d;
}

/* ------------------------------------------------------------- float32 -- */

static void check_f32(const dcase *c, golu_isa isa, int ones)
{
    golu_ctx *ctx = ctx_for_isa(isa, 1);
    if (!ctx)
        return;
    size_t n = 2 * NEAR32 + 1 + 2 * SPREAD;
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy),
          *dx = malloc(n * sizeof *dx);
    rng r = {0x5eedu + (uint64_t)c->act.kind * 7 + (uint64_t)ones};
    int32_t k0 =
        (int32_t)f32_bits((float)c->root); /* negative floats: bits grow with |x| */
    size_t i = 0;
    for (int32_t k = -NEAR32; k <= NEAR32; k++)
        x[i++] = bits_f32((uint32_t)(k0 + k));
    for (int k = 0; k < SPREAD; k++)
        x[i++] = (float)rng_range(&r, c->root - 4, c->root + 4);
    while (i < n) {
        float v = bits_f32((uint32_t)rng_next(&r));
        if (isfinite(v))
            x[i++] = v;
    }
    for (i = 0; i < n; i++)
        dy[i] = (float)rand_dy(&r, ones);
    CHECK(golu_backward(ctx, &c->act, GOLU_F32, x, dy, dx, n) == GOLU_OK, "backward");
    worst w = {0};
    long over = 0;
    for (i = 0; i < n; i++) {
        long double ref = golu_ref_ld(&c->act, GOLU_DIR_BWD, x[i]) * (long double)dy[i];
        double err = golu_ulp_err_f32(dx[i], ref, 0);
        worst_add(&w, err, x[i]);
        over += err > 1.0;
    }
    CHECK(w.err <= 1.0 && over == 0,
          "%s f32 %s (dy %s): strict %.4f ulp at x = %.9g, %ld over 1 ulp", c->label,
          golu_isa_name(isa), ones ? "1" : "random", w.err, w.x, over);
    printf("  %-20s f32 %-6s dy %-6s strict max %.4f ulp (x = %.9g)\n", c->label,
           golu_isa_name(isa), ones ? "1" : "random", w.err, w.x);
    free(x);
    free(dy);
    free(dx);
    golu_ctx_destroy(ctx);
}

/* --------------------------------------------------------- 16-bit types -- */

static void check_half(const dcase *c, golu_dtype dt, golu_isa isa)
{
    golu_ctx *ctx = ctx_for_isa(isa, 1);
    if (!ctx)
        return;
    static uint16_t hx[65536], hones[65536], hdx[65536];
    size_t n = 0;
    uint16_t one = dt == GOLU_BF16 ? golu_f32_to_bf16(1.0f) : golu_f32_to_f16(1.0f);
    for (uint32_t h = 0; h < 65536; h++) {
        float v = dt == GOLU_BF16 ? golu_bf16_to_f32((uint16_t)h)
                                  : golu_f16_to_f32((uint16_t)h);
        if (v >= -8.0f && v <= 4.0f) {
            hx[n] = (uint16_t)h;
            hones[n++] = one;
        }
    }
    CHECK(golu_backward(ctx, &c->act, dt, hx, hones, hdx, n) == GOLU_OK, "backward");
    worst w = {0};
    for (size_t i = 0; i < n; i++) {
        float xv = dt == GOLU_BF16 ? golu_bf16_to_f32(hx[i]) : golu_f16_to_f32(hx[i]);
        long double ref = golu_ref_ld(&c->act, GOLU_DIR_BWD, xv);
        double err = dt == GOLU_BF16 ? golu_ulp_err_bf16(hdx[i], ref, 0)
                                     : golu_ulp_err_f16(hdx[i], ref, 0);
        worst_add(&w, err, xv);
    }
    CHECK(w.err <= 1.0, "%s %s %s: strict %.4f ulp at x = %.6g", c->label,
          golu_dtype_name(dt), golu_isa_name(isa), w.err, w.x);
    printf("  %-20s %-4s %-6s strict max %.4f ulp (x = %.6g)\n", c->label,
           golu_dtype_name(dt), golu_isa_name(isa), w.err, w.x);
    golu_ctx_destroy(ctx);
}

/* ------------------------------------------------------------- float64 -- */

static void check_f64(const dcase *c, int general)
{
    size_t n = 2 * NEAR64 + 1 + 2 * 33 + RAND64;
    double *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy),
           *dx = malloc(n * sizeof *dx);
    rng r = {0xf64u + (uint64_t)c->act.kind};
    size_t i = 0;
    int64_t k0 = (int64_t)f64_bits(c->root);
    for (int64_t k = -NEAR64; k <= NEAR64; k++)
        x[i++] = bits_f64((uint64_t)(k0 + k));
    for (int e = 20; e <= 52; e++) {
        x[i++] = c->root * (1 + ldexp(1.0, -e));
        x[i++] = c->root * (1 - ldexp(1.0, -e));
    }
    while (i < n)
        x[i++] = rng_range(&r, c->root - 1, c->root + 1);
    for (i = 0; i < n; i++)
        dy[i] = rand_dy(&r, i < 2 * NEAR64 + 1 || (i & 1));
    CHECK(golu_backward(NULL, &c->act, GOLU_F64, x, dy, dx, n) == GOLU_OK, "backward");
    worst w = {0}, near = {0};
    for (i = 0; i < n; i++) {
        long double ref = golu_ref_mpfr(&c->act, GOLU_DIR_BWD, x[i]) * (long double)dy[i];
        double err = golu_ulp_err_f64(dx[i], ref, 0);
        if (general && fabs(x[i] - c->root) < 0x1p-40 * fabs(c->root))
            worst_add(&near, err, x[i]);
        else
            worst_add(&w, err, x[i]);
    }
    CHECK(w.err <= 1.0, "%s f64: strict %.4f ulp at x = %.17g", c->label, w.err, w.x);
    printf("  %-20s f64        strict max %.4f ulp (x = %.17g)", c->label, w.err, w.x);
    if (general)
        printf("; within 2^-40 |x*|: %.4g ulp (x = %.17g), not asserted", near.err,
               near.x);
    printf("\n");
    free(x);
    free(dy);
    free(dx);
}

int main(void)
{
    TEST_BEGIN("test_deriv");
    skip_missing_isas();
    dcase fixed[] = {
        {act_of(GOLU_ACT_GOLU), -0.567143290409784, "golu"},
        {act_of(GOLU_ACT_GELU), -0.751791524693564, "gelu"},
        {act_of(GOLU_ACT_GELU_TANH), -0.752461422071016, "gelu_tanh"},
        {act_of(GOLU_ACT_SILU), -1.27846454276107, "silu"},
        {act_of(GOLU_ACT_MISH), -1.1924312145155, "mish"},
    };
    dcase general[] = {
        case_golu(1, 1, 1.5, "golu(1,1,1.5)"),
        case_golu(2, 0.5, 1, "golu(2,0.5,1)"),
        case_golu(0.7, 3, 0.25, "golu(0.7,3,0.25)"),
        case_golu(1, 1e-10, 2, "golu(1,1e-10,2)"),
        case_golu(1.3, 100, 1, "golu(1.3,100,1)"),
    };
    size_t nf = sizeof fixed / sizeof fixed[0], ng = sizeof general / sizeof general[0];
    printf("strict backward errors (ulps of dx itself) around the zero of f':\n");
    for (size_t a = 0; a < nf + ng; a++) {
        const dcase *c = a < nf ? &fixed[a] : &general[a - nf];
        golu_isa isa;
        for (int k = 0; isa_at(k, &isa); k++) {
            check_f32(c, isa, 1);
            check_f32(c, isa, 0);
            check_half(c, GOLU_BF16, isa);
            check_half(c, GOLU_F16, isa);
        }
        check_f64(c, a >= nf);
    }
    return TEST_END();
}
