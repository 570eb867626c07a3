/*
 * test_dtypes.c - accuracy in bfloat16, float16 and float64.
 *
 *   bfloat16: all 65536 inputs, every activation, forward and backward
 *     (dy = 1), every SIMD path. GoLU: the correctly rounded exact value
 *     (ties to even; from golu_ref_ld). Peers: within 1 bf16 ulp.
 *   float16: all 65536 inputs likewise. GoLU: within 0.5 ulp plus a hair
 *     for the double rounding (float32 first, then float16) near ties.
 *     Peers: within 1 ulp.
 *   float64: ~10^4 inputs per activation against MPFR. GoLU 1 ulp; peers
 *     PEER_BOUND (provisional).
 *   16-bit backward with random dy: within 1 ulp of dy * f'(x).
 * The worst error per kernel, path and dtype is printed.
 */
#include "../../src/ref/reference.h"
#include "util.h"

#define PEER_BOUND_16  1.0             /* bf16, f16 peers: 1 ulp */
#define F16_GOLU_BOUND (0.5 + 0x1p-12) /* 0.5 ulp + double rounding */
#define F64_GOLU_BOUND 1.0
#define F64_PEER_BOUND 4.0 /* provisional: the lead states the peers' bounds */

enum { N16 = 65536 };

static uint16_t in16[N16], ones16[2][N16], out16[N16], dyr16[2][N16];
static long double ref[N16], scale[N16];

static const char *dname(int d)
{
    return d ? "bwd" : "fwd";
}

static golu_status run(golu_ctx *ctx, const golu_act *a, golu_dtype dt, int bwd,
                       const void *x, const void *dy, void *y, size_t n)
{
    return bwd ? golu_backward(ctx, a, dt, x, dy, y, n)
               : golu_forward(ctx, a, dt, x, y, n);
}

static double err16(golu_dtype dt, uint16_t got, long double r, long double s)
{
    return dt == GOLU_BF16 ? golu_ulp_err_bf16(got, r, s) : golu_ulp_err_f16(got, r, s);
}

static int isnan16(golu_dtype dt, uint16_t h)
{
    return dt == GOLU_BF16 ? bf16_isnan(h) : f16_isnan(h);
}

/* The correctly rounded bits of r in dt. */
static uint16_t cr16(golu_dtype dt, long double r)
{
    return dt == GOLU_BF16 ? bf16_encode(round_bf16(r)) : f16_encode(round_f16(r));
}

/* ------------------------------------------------ all 16-bit inputs ----- */

static void test_all16(golu_dtype dt)
{
    for (uint32_t i = 0; i < N16; i++)
        in16[i] = (uint16_t)i;
    printf("%s, all 65536 inputs, max error in ulps (input):\n", golu_dtype_name(dt));
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of(k);
        for (int d = 0; d < 2; d++) {
            for (uint32_t i = 0; i < N16; i++) {
                long double x = elem_get(dt, in16, i);
                ref[i] = golu_ref_ld(&a, (golu_dir)d, x);
                scale[i] = d ? golu_ref_bwd_scale_ld(&a, x) : 0;
            }
            printf("  %-10s %s:", act_list_name(k), dname(d));
            golu_isa isa;
            for (int ii = 0; isa_at(ii, &isa); ii++) {
                golu_ctx *ctx = ctx_for_isa(isa, 0);
                if (!ctx)
                    continue;
                golu_status st =
                    run(ctx, &a, dt, d, in16, ones16[dt == GOLU_F16], out16, N16);
                golu_ctx_destroy(ctx);
                if (!CHECK(st == GOLU_OK, "%s: %s", act_list_name(k),
                           golu_status_str(st)))
                    continue;
                worst w = {0, 0, 0};
                long bad = 0, not_cr = 0;
                for (uint32_t i = 0; i < N16; i++) {
                    long double x = elem_get(dt, in16, i);
                    double e = err16(dt, out16[i], ref[i], scale[i]);
                    worst_add(&w, e, (double)x);
                    int ok;
                    if (k == GOLU_ACT_GOLU && dt == GOLU_BF16) {
                        /* correctly rounded; zeros of either sign in bwd,
                         * where the oracle's own sign of a vanished f' is
                         * not a promise */
                        uint16_t want = cr16(dt, ref[i]);
                        ok = out16[i] == want ||
                             (isnan16(dt, want) && isnan16(dt, out16[i])) ||
                             (d == 1 && (want & 0x7FFF) == 0 && (out16[i] & 0x7FFF) == 0);
                        if (!ok)
                            not_cr++;
                    } else if (k == GOLU_ACT_GOLU) {
                        ok = e <= F16_GOLU_BOUND;
                        uint16_t want = cr16(dt, ref[i]);
                        if (out16[i] != want &&
                            !(isnan16(dt, want) && isnan16(dt, out16[i])) &&
                            !((want & 0x7FFF) == 0 && (out16[i] & 0x7FFF) == 0))
                            not_cr++;
                    } else {
                        ok = e <= PEER_BOUND_16;
                    }
                    if (!ok && bad++ < 5)
                        CHECK(0,
                              "%s %s %s %s x=%Lg (%04x): got %04x (%Lg), want %La "
                              "(correctly rounded %04x), %.3g ulp",
                              act_list_name(k), dname(d), golu_dtype_name(dt),
                              golu_isa_name(isa), x, i, out16[i], elem_get(dt, out16, i),
                              ref[i], cr16(dt, ref[i]), e);
                }
                CHECK(bad == 0, "%s %s %s %s: %ld inputs out of bounds", act_list_name(k),
                      dname(d), golu_dtype_name(dt), golu_isa_name(isa), bad);
                printf(" %s %.4f (%.6g)", golu_isa_name(isa), w.err, w.x);
                if (k == GOLU_ACT_GOLU)
                    printf(" [%ld not correctly rounded]", not_cr);
            }
            printf("\n");
        }
    }
}

/* dx = dy * f'(x) with random 16-bit dy, within 1 ulp of the exact product. */
static void test_random_dy16(golu_dtype dt)
{
    uint16_t *dy = dyr16[dt == GOLU_F16];
    rng r = {dt == GOLU_BF16 ? 0xB16u : 0xF16u};
    for (uint32_t i = 0; i < N16; i++) {
        in16[i] = (uint16_t)i;
        double m = rng_range(&r, 0.25, 4.0);
        elem_set(dt, dy, i, (rng_next(&r) & 1) ? -m : m);
    }
    printf("%s backward with random dy, max error in ulps:\n", golu_dtype_name(dt));
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of(k);
        for (uint32_t i = 0; i < N16; i++) {
            long double x = elem_get(dt, in16, i), g = elem_get(dt, dy, i);
            ref[i] = golu_ref_ld(&a, GOLU_DIR_BWD, x) * g;
            scale[i] = golu_ref_bwd_scale_ld(&a, x) * fabsl(g);
        }
        printf("  %-10s:", act_list_name(k));
        golu_isa isa;
        for (int ii = 0; isa_at(ii, &isa); ii++) {
            golu_ctx *ctx = ctx_for_isa(isa, 0);
            if (!ctx)
                continue;
            golu_status st = run(ctx, &a, dt, 1, in16, dy, out16, N16);
            golu_ctx_destroy(ctx);
            if (!CHECK(st == GOLU_OK, "%s: %s", act_list_name(k), golu_status_str(st)))
                continue;
            worst w = {0, 0, 0};
            long bad = 0;
            for (uint32_t i = 0; i < N16; i++) {
                double e = err16(dt, out16[i], ref[i], scale[i]);
                worst_add(&w, e, (double)elem_get(dt, in16, i));
                if (!(e <= 1.0) && bad++ < 5)
                    CHECK(0, "%s bwd %s %s x=%Lg dy=%Lg: got %Lg, want %Lg (%.3g ulp)",
                          act_list_name(k), golu_dtype_name(dt), golu_isa_name(isa),
                          elem_get(dt, in16, i), elem_get(dt, dy, i),
                          elem_get(dt, out16, i), ref[i], e);
            }
            CHECK(bad == 0, "%s bwd dy %s %s: %ld over 1 ulp", act_list_name(k),
                  golu_dtype_name(dt), golu_isa_name(isa), bad);
            printf(" %s %.4f", golu_isa_name(isa), w.err);
        }
        printf("\n");
    }
}

/* Exact results the contract names, in 16-bit storage. */
static void test_special16(golu_dtype dt)
{
    golu_act g = act_of(GOLU_ACT_GOLU);
    int bf = dt == GOLU_BF16;
    const uint16_t pinf = bf ? 0x7F80 : 0x7C00, ninf = (uint16_t)(pinf | 0x8000),
                   one = bf ? 0x3F80 : 0x3C00;
    const uint16_t nan1 = bf ? 0x7FC1 : 0x7E01, nan2 = bf ? 0xFF81 : 0xFC01;
    const uint16_t m10 = cr16(dt, -10.0L), p100 = cr16(dt, 100.0L);
    /* x: +0, -0, +inf, -inf, NaN, sNaN, -10, 100 */
    uint16_t x[8] = {0x0000, 0x8000, pinf, ninf, nan1, nan2, m10, p100};
    uint16_t dy[8], y[8];
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        CHECK_ST(golu_forward(ctx, &g, dt, x, y, 8), GOLU_OK);
        CHECK(y[0] == 0x0000 && y[1] == 0x8000 && y[2] == pinf && y[3] == 0x8000 &&
                  isnan16(dt, y[4]) && isnan16(dt, y[5]) && y[6] == 0x8000,
              "GoLU %s %s specials: %04x %04x %04x %04x %04x %04x %04x %04x",
              golu_dtype_name(dt), golu_isa_name(isa), y[0], y[1], y[2], y[3], y[4], y[5],
              y[6], y[7]);
        CHECK(y[7] == p100, "GoLU %s(100) = %04x, want %04x", golu_dtype_name(dt), y[7],
              p100);
        for (int i = 0; i < 8; i++)
            dy[i] = one;
        CHECK_ST(golu_backward(ctx, &g, dt, x, dy, y, 8), GOLU_OK);
        CHECK(y[2] == one && y[3] == 0x8000 && isnan16(dt, y[4]) && isnan16(dt, y[5]) &&
                  y[7] == one,
              "GoLU' %s %s specials: %04x %04x %04x %04x %04x", golu_dtype_name(dt),
              golu_isa_name(isa), y[2], y[3], y[4], y[5], y[7]);
        /* NaN in dy gives NaN for every activation and every x. */
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act a = act_of(k);
            for (int i = 0; i < 8; i++)
                dy[i] = i & 1 ? nan1 : nan2;
            CHECK_ST(golu_backward(ctx, &a, dt, x, dy, y, 8), GOLU_OK);
            for (int i = 0; i < 8; i++)
                CHECK(isnan16(dt, y[i]), "%s %s %s bwd(x %04x, dy NaN) = %04x",
                      act_list_name(k), golu_dtype_name(dt), golu_isa_name(isa), x[i],
                      y[i]);
        }
        golu_ctx_destroy(ctx);
    }
}

/* ------------------------------------------------------------ float64 --- */

enum { N64 = 10000 };
static double in64[N64], out64[N64], ones64[N64];
static long double ref64[N64], scale64[N64];

static void make_f64_inputs(void)
{
    rng r = {0xF64};
    static const double points[] = {-0.567143290409784,
                                    -1.06009031989321,
                                    2.23864583460628,
                                    -6.56,
                                    -6.61,
                                    36.7,
                                    37.5,
                                    -708.4,
                                    709.78,
                                    -745.1,
                                    -0.75179,
                                    -1.27846,
                                    -1.19243,
                                    -5.0,
                                    0.0,
                                    1.0};
    static const double specials[] = {0.0,       -0.0,     INFINITY, -INFINITY, NAN,
                                      DBL_MAX,   -DBL_MAX, DBL_MIN,  -DBL_MIN,  4.9e-324,
                                      -4.9e-324, 1e-310,   -1e-310};
    size_t n = 0;
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        in64[n++] = specials[i];
    while (n < N64) {
        uint64_t c = rng_next(&r) % 10;
        double v;
        if (c < 4)
            v = rng_range(&r, -10.0, 40.0);
        else if (c < 6)
            v = rng_range(&r, -1.0, 1.0);
        else if (c < 7)
            v = ldexp(rng_range(&r, 1.0, 2.0), (int)(rng_next(&r) % 2098) - 1074) *
                ((rng_next(&r) & 1) ? -1 : 1);
        else {
            double p = points[rng_next(&r) % (sizeof points / sizeof points[0])];
            v = p + fmax(fabs(p), 1.0) * rng_range(&r, -1.0, 1.0) *
                        ldexp(1.0, -(int)(rng_next(&r) % 50));
        }
        in64[n++] = v;
    }
    for (size_t i = 0; i < N64; i++)
        ones64[i] = 1.0;
}

static void test_f64(void)
{
    make_f64_inputs();
    printf("f64, %d inputs, max error in ulps (input):\n", N64);
    /* every activation with its defaults, then GoLU(1.3, 0.7, 1.9) */
    for (int k = 0; k <= GOLU_ACT_COUNT; k++) {
        golu_act a =
            k < GOLU_ACT_COUNT ? act_of(k) : (golu_act){GOLU_ACT_GOLU, 1.3, 0.7, 1.9};
        double bound = a.kind == GOLU_ACT_GOLU ? F64_GOLU_BOUND : F64_PEER_BOUND;
        for (int d = 0; d < 2; d++) {
            for (size_t i = 0; i < N64; i++) {
                ref64[i] = golu_ref_mpfr(&a, (golu_dir)d, in64[i]);
                scale64[i] = d ? golu_ref_bwd_scale_mpfr(&a, in64[i]) : 0;
            }
            if (k < GOLU_ACT_COUNT)
                printf("  %-10s %s:", act_list_name(a.kind), dname(d));
            else
                printf("  golu(%g,%g,%g) %s:", a.alpha, a.beta, a.gamma, dname(d));
            golu_isa isa;
            for (int ii = 0; isa_at(ii, &isa); ii++) {
                golu_ctx *ctx = ctx_for_isa(isa, 0);
                if (!ctx)
                    continue;
                golu_status st = run(ctx, &a, GOLU_F64, d, in64, ones64, out64, N64);
                golu_ctx_destroy(ctx);
                if (!CHECK(st == GOLU_OK, "%s: %s", act_list_name(a.kind),
                           golu_status_str(st)))
                    continue;
                worst w = {0, 0, 0};
                long bad = 0;
                for (size_t i = 0; i < N64; i++) {
                    double e = golu_ulp_err_f64(out64[i], ref64[i], scale64[i]);
                    worst_add(&w, e, in64[i]);
                    if (!(e <= bound) && bad++ < 5)
                        CHECK(0, "%s %s f64 %s x=%a: got %a, want %La (%.3g ulp)",
                              act_list_name(a.kind), dname(d), golu_isa_name(isa),
                              in64[i], out64[i], ref64[i], e);
                }
                CHECK(bad == 0, "%s %s f64 %s: %ld over %g ulp", act_list_name(a.kind),
                      dname(d), golu_isa_name(isa), bad, bound);
                printf(" %s %.4f (%.17g)", golu_isa_name(isa), w.err, w.x);
            }
            printf("\n");
        }
    }
}

/* NaN in x or dy gives NaN in float64 too, for every activation and x. */
static void test_nan64(void)
{
    const double xs[] = {-INFINITY, -1000.0, -5.0, -1.0, -0.0,
                         0.0,       1e-310,  1.0,  50.0, INFINITY};
    enum { NX = sizeof xs / sizeof xs[0] };
    double dy[NX], dx[NX], nx[NX], ones[NX];
    for (int i = 0; i < NX; i++) {
        dy[i] = i & 1 ? NAN : -NAN;
        nx[i] = NAN;
        ones[i] = 1.0;
    }
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of(k);
        CHECK_ST(golu_backward(NULL, &a, GOLU_F64, xs, dy, dx, NX), GOLU_OK);
        for (int i = 0; i < NX; i++)
            CHECK(isnan(dx[i]), "%s f64 bwd(x %g, dy NaN) = %g", act_list_name(k), xs[i],
                  dx[i]);
        CHECK_ST(golu_backward(NULL, &a, GOLU_F64, nx, ones, dx, NX), GOLU_OK);
        for (int i = 0; i < NX; i++)
            CHECK(isnan(dx[i]), "%s f64 bwd(x NaN) = %g", act_list_name(k), dx[i]);
        CHECK_ST(golu_forward(NULL, &a, GOLU_F64, nx, dx, NX), GOLU_OK);
        for (int i = 0; i < NX; i++)
            CHECK(isnan(dx[i]), "%s f64 fwd(NaN) = %g", act_list_name(k), dx[i]);
    }
}

/* The limits and signed zeros of GoLU in float64 (docs/MATH.md). */
static void test_golu_limits64(void)
{
    golu_act g = act_of(GOLU_ACT_GOLU);
    const double x[6] = {-INFINITY, INFINITY, -0.0, 0.0, -1000.0, 1e300};
    const uint64_t want_f[6] = {0x8000000000000000u, 0x7FF0000000000000u,
                                0x8000000000000000u, 0,
                                0x8000000000000000u, f64_bits(1e300)};
    const uint64_t want_b[6] = {0x8000000000000000u, f64_bits(1.0), 0, 0, 0,
                                f64_bits(1.0)};
    double y[6], ones[6] = {1, 1, 1, 1, 1, 1};
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        CHECK_ST(golu_forward(ctx, &g, GOLU_F64, x, y, 6), GOLU_OK);
        for (int i = 0; i < 6; i++)
            CHECK(f64_bits(y[i]) == want_f[i], "GoLU f64 %s (%g) = %a, want %a",
                  golu_isa_name(isa), x[i], y[i], bits_f64(want_f[i]));
        CHECK_ST(golu_backward(ctx, &g, GOLU_F64, x, ones, y, 6), GOLU_OK);
        for (int i = 0; i < 6; i++)
            if (want_b[i]) /* 0: a finite value, checked against MPFR above */
                CHECK(f64_bits(y[i]) == want_b[i], "GoLU' f64 %s (%g) = %a, want %a",
                      golu_isa_name(isa), x[i], y[i], bits_f64(want_b[i]));
        golu_ctx_destroy(ctx);
    }
}

int main(void)
{
    TEST_BEGIN("test_dtypes");
    skip_missing_isas();
    for (int i = 0; i < N16; i++) {
        ones16[0][i] = 0x3F80; /* bf16 1.0 */
        ones16[1][i] = 0x3C00; /* f16 1.0 */
    }
    test_special16(GOLU_BF16);
    test_special16(GOLU_F16);
    test_all16(GOLU_BF16);
    test_all16(GOLU_F16);
    test_random_dy16(GOLU_BF16);
    test_random_dy16(GOLU_F16);
    test_f64();
    test_nan64();
    test_golu_limits64();
    return TEST_END();
}
