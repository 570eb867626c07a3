/*
 * test_f32.c - float32 accuracy of every activation, forward and backward,
 * on every SIMD path this CPU has, against the long double oracle.
 *
 * The sample: every 4099th bit pattern of the whole float range (NaNs and
 * infinities included), plus about 20k inputs around each special point
 * (zero, the saturation thresholds of docs/MATH.md, the extrema of GoLU and
 * of its peers, where exp over- and underflows, the subnormal boundary).
 * Errors are in ulps of the exact result (backward: of max(|f'|, s), see
 * golu_ref_bwd_scale_ld). Bounds: GoLU 1 ulp both ways, with any dy and any
 * alpha/beta/gamma (the contract); the peers PEER_BOUND, a little above the
 * largest error measured on every float32 input (docs/ACCURACY.md), so that
 * a change that loses accuracy fails here. The worst error per kernel
 * and path is printed so the bounds can be tightened.
 *
 * Also: special values as docs/MATH.md and golu.h state them, NaN in dy,
 * dy scaling, GoLU with other alpha/beta/gamma, bit identity of float32
 * GoLU across paths, and of the loops' two step paths (test_step_paths).
 */
#include "../../src/ref/reference.h"
#include "util.h"

#define GOLU_BOUND 1.0 /* golu.h: float32 GoLU within 1 ulp */
/* the peers measure 0.500368 ulp at most on all 2^32 inputs (every path the
 * same bits): 0.501 leaves room for the random dy's product only */
#define PEER_BOUND       0.501
#define GOLU_PARAM_BOUND 1.0 /* golu.h's 1 ulp holds for any alpha/beta/gamma */

static double bound_of(int kind)
{
    return kind == GOLU_ACT_GOLU ? GOLU_BOUND : PEER_BOUND;
}

/* -------------------------------------------------------------- sample -- */

static float *sample;
static size_t n_sample, cap_sample;

static void push(float x)
{
    if (n_sample == cap_sample) {
        cap_sample = cap_sample ? 2 * cap_sample : 1 << 20;
        sample = realloc(sample, cap_sample * sizeof *sample);
        if (!sample) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    sample[n_sample++] = x;
}

/* Special points: docs/MATH.md thresholds, extrema, exp limits. */
static const float special_points[] = {
    0.0f, /* zero and the subnormals around it */
    0x1p-126f,
    -0x1p-126f,          /* the subnormal/normal boundary */
    16.676971435546875f, /* GoLU(x) rounds to x above */
    19.556343f,          /* GoLU'(x) rounds to 1 above */
    -4.486811f,          /* |GoLU(x)| subnormal below */
    -4.6588135f,         /* GoLU(x) rounds to -0 below */
    -4.4f,               /* the trap: u = exp(-x) about 81 */
    -0.567143290409784f, /* x* argmin GoLU, zero of GoLU' */
    -1.06009031989321f,  /* most negative GoLU' */
    2.23864583460628f,   /* largest GoLU' */
    -0.75179f,
    -1.27846f,
    -1.19243f, /* GELU, SiLU, Mish minima */
    -88.7228f,
    88.7228f, /* exp overflow: the naive backward's NaN */
    -87.3365f,
    -103.972f, /* exp underflow to subnormal, to zero */
    -9.0f,
    -10.0f,
    -13.0f,
    -14.0f,
    9.0f,
    15.0f,
    20.0f, /* erfc/tanh/softplus */
    1.0f,
    -1.0f,
};

static void build_sample(void)
{
    for (uint64_t b = 0; b < ((uint64_t)1 << 32); b += 4099)
        push(bits_f32((uint32_t)b));
    for (size_t p = 0; p < sizeof special_points / sizeof special_points[0]; p++) {
        float c = special_points[p];
        float lo = c, hi = c;
        push(c);
        for (int k = 0; k < 8192; k++) {
            lo = nextafterf(lo, -INFINITY);
            hi = nextafterf(hi, INFINITY);
            push(lo);
            push(hi);
        }
        double w = fmax(fabs((double)c), 1.0) * 0x1p-5;
        for (int k = -2048; k < 2048; k++)
            push((float)((double)c + w * k / 2048.0));
    }
    const uint32_t extra[] = {0x7F7FFFFFu, 0xFF7FFFFFu, 0x00800000u, 0x80800000u,
                              0x00000001u, 0x80000001u, 0x007FFFFFu, 0x807FFFFFu,
                              0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00000u,
                              0x7F800001u, 0xFFBFFFFFu, 0x7FC12345u, 0x80000000u};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        push(bits_f32(extra[i]));
}

/* ------------------------------------------------------------ accuracy --- */

static long double *ref_buf, *scale_buf;       /* the oracle for the inputs measured */
static float *got_buf, *ones_buf, *first_path; /* first_path: for bit identity */

static const char *dname(golu_dir d)
{
    return d == GOLU_DIR_FWD ? "fwd" : "bwd";
}

static int run(golu_ctx *ctx, const golu_act *act, golu_dir dir, const float *x,
               const float *dy, float *y, size_t n)
{
    golu_status st = dir == GOLU_DIR_FWD ? golu_forward(ctx, act, GOLU_F32, x, y, n)
                                         : golu_backward(ctx, act, GOLU_F32, x, dy, y, n);
    return CHECK(st == GOLU_OK, "%s %s: %s", act_list_name(act->kind), dname(dir),
                 golu_status_str(st));
}

/* Fills ref_buf/scale_buf with f(x) or f'(x) * dy (dy NULL: 1). */
static void oracle(const golu_act *act, golu_dir dir, const float *x, const float *dy,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        long double g = dy ? (long double)dy[i] : 1.0L;
        ref_buf[i] = golu_ref_ld(act, dir, x[i]) * (dir == GOLU_DIR_BWD ? g : 1.0L);
        scale_buf[i] =
            dir == GOLU_DIR_BWD ? golu_ref_bwd_scale_ld(act, x[i]) * fabsl(g) : 0.0L;
    }
}

/* How many of got_buf's results differ in bits from first_path's. */
static long same_bits(const golu_act *act, golu_dir d, golu_isa isa, const float *x,
                      size_t n, int must)
{
    long diff = 0;
    for (size_t i = 0; i < n; i++)
        if (f32_bits(got_buf[i]) != f32_bits(first_path[i]) && diff++ < 5 && must)
            CHECK(0, "%s %s x=%a: %s gives %08x, the first path %08x",
                  act_list_name(act->kind), dname(d), (double)x[i], golu_isa_name(isa),
                  f32_bits(got_buf[i]), f32_bits(first_path[i]));
    if (must)
        CHECK(diff == 0, "%s %s on %s: %ld results differ in bits from the first path",
              act_list_name(act->kind), dname(d), golu_isa_name(isa), diff);
    return diff;
}

/*
 * Runs act on every path against ref_buf/scale_buf: every error within
 * bound; prints each path's worst error and its input on the current line.
 * identity: 0 ignore, 1 print how many results differ in bits from the
 * first path, 2 also fail on any (golu.h: float32 GoLU's bits are the same
 * on every path; docs/API.md: the peers' too on the sample, not promised).
 */
static void measure(const golu_act *act, golu_dir dir, const float *x, const float *dy,
                    size_t n, double bound, int identity)
{
    golu_isa isa;
    long diff = 0;
    int first = 1;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        int ok = run(ctx, act, dir, x, dy ? dy : ones_buf, got_buf, n);
        golu_ctx_destroy(ctx);
        if (!ok)
            continue;
        worst w = {0, 0, 0};
        long bad = 0;
        for (size_t i = 0; i < n; i++) {
            double e = golu_ulp_err_f32(got_buf[i], ref_buf[i], scale_buf[i]);
            worst_add(&w, e, x[i]);
            if (!(e <= bound) && bad++ < 5)
                CHECK(0,
                      "%s(%g,%g,%g) %s %s x=%a (%.9g) dy=%g: got %a, want %La (%.3g ulp)",
                      act_list_name(act->kind), act->alpha, act->beta, act->gamma,
                      dname(dir), golu_isa_name(isa), (double)x[i], (double)x[i],
                      dy ? (double)dy[i] : 1.0, (double)got_buf[i], ref_buf[i], e);
        }
        CHECK(bad == 0,
              "%s(%g,%g,%g) %s %s: %ld of %zu inputs over %g ulp (max %.3g at %a)",
              act_list_name(act->kind), act->alpha, act->beta, act->gamma, dname(dir),
              golu_isa_name(isa), bad, n, bound, w.err, w.x);
        printf(" %s %.4f (%.9g)", golu_isa_name(isa), w.err, w.x);
        if (identity && first)
            memcpy(first_path, got_buf, n * sizeof(float));
        else if (identity)
            diff += same_bits(act, dir, isa, x, n, identity == 2);
        first = 0;
    }
    if (identity)
        printf(" [%ld differ in bits across paths]", diff);
    printf("\n");
}

static void test_accuracy(void)
{
    printf("float32 max error in ulps (input), %zu inputs:\n", n_sample);
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act act = act_of(k);
        for (int d = 0; d < 2; d++) {
            oracle(&act, (golu_dir)d, sample, NULL, n_sample);
            printf("  %-10s %s:", act_list_name(k), dname((golu_dir)d));
            measure(&act, (golu_dir)d, sample, NULL, n_sample, bound_of(k),
                    k == GOLU_ACT_GOLU ? 2 : 1);
        }
    }
}

/* dx = dy * f'(x) against dy times the oracle, on every 7th sample input;
 * golu.h's 1 ulp for GoLU is of the exact product. */
static void test_random_dy(void)
{
    size_t n = 0;
    float *x = malloc(n_sample * sizeof(float)), *dy = malloc(n_sample * sizeof(float));
    rng r = {0xD1CE};
    for (size_t i = 0; i < n_sample; i += 7) {
        x[n] = sample[i];
        double m = rng_range(&r, 0.5, 2.0) * ldexp(1.0, (int)(rng_next(&r) % 21) - 10);
        dy[n] = (float)((rng_next(&r) & 1) ? -m : m);
        n++;
    }
    printf("float32 backward with random dy, max error in ulps (input):\n");
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act act = act_of(k);
        oracle(&act, GOLU_DIR_BWD, x, dy, n);
        printf("  %-10s:", act_list_name(k));
        measure(&act, GOLU_DIR_BWD, x, dy, n, bound_of(k), k == GOLU_ACT_GOLU ? 2 : 1);
    }
    free(x);
    free(dy);
}

/* ------------------------------------------------ GoLU, other params ---- */

static void test_golu_params(void)
{
    static const double params[][3] = {{1.3, 0.7, 1.9},  {2.0, 1.0, 1.0},
                                       {1.0, 2.5, 0.5},  {0.5, 0.1, 10.0},
                                       {1.0, 1.0, 0.05}, {3.0, 20.0, 1.0}};
    size_t n = 0;
    float *x = malloc(n_sample * sizeof(float));
    for (size_t i = 0; i < n_sample; i += 5)
        x[n++] = sample[i];
    printf("float32 GoLU(alpha, beta, gamma), max error in ulps (input):\n");
    for (size_t p = 0; p < sizeof params / sizeof params[0]; p++) {
        golu_act act = {GOLU_ACT_GOLU, params[p][0], params[p][1], params[p][2]};
        for (int d = 0; d < 2; d++) {
            oracle(&act, (golu_dir)d, x, NULL, n);
            printf("  (%g, %g, %g) %s:", act.alpha, act.beta, act.gamma,
                   dname((golu_dir)d));
            measure(&act, (golu_dir)d, x, NULL, n, GOLU_PARAM_BOUND, 2);
        }
    }
    free(x);
}

/* ----------------------------------------------------- special values ---- */

static const uint32_t nan_bits[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u,
                                    0x7FBFFFFFu, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x7FC12345u};
enum { N_NAN = sizeof nan_bits / sizeof nan_bits[0] };

/* Each value is repeated at every position of a 37-element array so that
 * vector bodies and tails both see it. */
enum { REP = 37 };

static void eval_rep(golu_ctx *ctx, const golu_act *act, golu_dir dir, float x, float dy,
                     float out[REP])
{
    float xs[REP], dys[REP];
    for (int i = 0; i < REP; i++) {
        xs[i] = i % 3 == 1 ? x : (float)(i - 18) * 0.25f; /* x at 1, 4, 7, ... */
        dys[i] = i % 3 == 1 ? dy : 1.0f;
    }
    xs[REP - 1] = x; /* and in the last position */
    dys[REP - 1] = dy;
    run(ctx, act, dir, xs, dys, out, REP);
}

/* The positions of out[] that hold f(x) (the others hold f of filler). */
#define FOR_COPIES(out, j)                                                               \
    for (int j = 1; j < REP;                                                             \
         j = (j + 3 < REP - 1) ? j + 3 : (j == REP - 1 ? REP : REP - 1))

#define ORACLE 0xFFFFFFFFu /* within 1 ulp of the oracle */
#define SELF   0xFFFFFFFEu /* x itself */

/* GoLU's limits and signed zeros exactly as docs/MATH.md states them. */
static void special_golu(golu_ctx *ctx, const char *in)
{
    static const struct {
        float x;
        uint32_t fwd, bwd; /* ORACLE: within 1 ulp of it; SELF: x itself */
    } cases[] = {
        {0.0f, 0x00000000u, ORACLE},
        {-0.0f, 0x80000000u, ORACLE},
        {INFINITY, 0x7F800000u, 0x3F800000u},
        {-INFINITY, 0x80000000u, 0x80000000u},
        {-4.6589f, 0x80000000u, ORACLE}, /* below -4.6588135: -0 */
        {-5.0f, 0x80000000u, ORACLE},
        {-100.0f, 0x80000000u, ORACLE},
        {-FLT_MAX, 0x80000000u, ORACLE},
        /* docs/MATH.md: above 16.676971435546875 GoLU(x) rounds to x, above
         * 19.556343 GoLU'(x) rounds to 1. Near the thresholds a 1-ulp result
         * may still be the neighbour (16.677f gives x - ulp at 0.50001 ulp);
         * well past them it is the select. */
        {FLT_MAX, SELF, 0x3F800000u},
        {1e30f, SELF, 0x3F800000u},
        {33.35394287109375f, SELF, 0x3F800000u},
        {20.0f, ORACLE, ORACLE},
        {16.677f, ORACLE, ORACLE},
    };
    golu_act g = act_of(GOLU_ACT_GOLU);
    float out[REP];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float x = cases[i].x;
        for (int d = 0; d < 2; d++) {
            uint32_t want = d ? cases[i].bwd : cases[i].fwd;
            if (want == SELF)
                want = f32_bits(x);
            eval_rep(ctx, &g, (golu_dir)d, x, 1.0f, out);
            long double ref = golu_ref_ld(&g, (golu_dir)d, x);
            long double sc = d ? golu_ref_bwd_scale_ld(&g, x) : 0;
            FOR_COPIES(out, j)
            {
                if (want != ORACLE)
                    CHECK(f32_bits(out[j]) == want,
                          "GoLU %s %s(%a) = %a (%08x), want %08x", in, dname((golu_dir)d),
                          (double)x, (double)out[j], f32_bits(out[j]), want);
                else
                    CHECK(golu_ulp_err_f32(out[j], ref, sc) <= 1.0,
                          "GoLU %s %s(%a) = %a, want %La", in, dname((golu_dir)d),
                          (double)x, (double)out[j], ref);
            }
        }
    }
    /* Infinite dy where f'(x) is finite and nonzero gives an infinity. */
    eval_rep(ctx, &g, GOLU_DIR_BWD, 1.0f, INFINITY, out);
    CHECK(out[1] == INFINITY, "GoLU %s bwd(1, dy inf) = %a", in, (double)out[1]);
    eval_rep(ctx, &g, GOLU_DIR_BWD, -1.0f, INFINITY, out);
    CHECK(out[1] == -INFINITY, "GoLU %s bwd(-1, dy inf) = %a", in, (double)out[1]);
    /* docs/API.md: dy = +-inf times a zero slope gives NaN (GoLU'(-inf) = -0). */
    eval_rep(ctx, &g, GOLU_DIR_BWD, -INFINITY, INFINITY, out);
    CHECK(isnan(out[1]), "GoLU %s bwd(-inf, dy inf) = %a, want NaN", in, (double)out[1]);

    /* The limits with other parameters: GoLU(+inf) = +inf, GoLU(-inf) = -0,
     * GoLU'(+inf) = alpha, GoLU'(-inf) = -0; GoLU'(0) = alpha exp(-beta). */
    const golu_act gp = {GOLU_ACT_GOLU, 1.3, 0.7, 1.9};
    const struct {
        float x;
        int d;
        uint32_t want;
    } lim[] = {{INFINITY, 0, 0x7F800000u},
               {-INFINITY, 0, 0x80000000u},
               {INFINITY, 1, f32_bits((float)1.3)},
               {-INFINITY, 1, 0x80000000u},
               {0.0f, 1, f32_bits((float)(1.3 * exp(-0.7)))},
               {-0.0f, 0, 0x80000000u}};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        eval_rep(ctx, &gp, (golu_dir)lim[i].d, lim[i].x, 1.0f, out);
        FOR_COPIES(out, j)
        CHECK(f32_bits(out[j]) == lim[i].want,
              "GoLU(1.3,0.7,1.9) %s %s(%a) = %a, want %a", in, dname((golu_dir)lim[i].d),
              (double)lim[i].x, (double)out[j], (double)bits_f32(lim[i].want));
    }
}

/* The peers' exact cases from docs/API.md. */
static void special_peers(golu_ctx *ctx, const char *in)
{
    float out[REP];
    golu_act relu = act_of(GOLU_ACT_RELU);
    eval_rep(ctx, &relu, GOLU_DIR_FWD, -0.0f, 1.0f, out);
    FOR_COPIES(out, j)
    CHECK(f32_bits(out[j]) == 0, "ReLU %s (-0) = %a, want +0", in, (double)out[j]);
    /* dy = +-inf times a zero slope: NaN, as IEEE arithmetic says */
    const float xs[] = {-1.0f, -0.0f, 0.0f, -INFINITY};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        eval_rep(ctx, &relu, GOLU_DIR_BWD, xs[i], -INFINITY, out);
        FOR_COPIES(out, j)
        CHECK(isnan(out[j]), "ReLU %s bwd(x %a, dy -inf) = %a, want NaN", in,
              (double)xs[i], (double)out[j]);
    }
    golu_act elu0 = {GOLU_ACT_ELU, 0.0, 0, 0};
    eval_rep(ctx, &elu0, GOLU_DIR_BWD, -2.0f, INFINITY, out);
    CHECK(isnan(out[1]), "ELU(0) %s bwd(-2, dy inf) = %a, want NaN", in, (double)out[1]);
}

/* f or f' at x (dy = 1) against the oracle, in every position. */
static void special_vs_oracle(golu_ctx *ctx, const char *in, const golu_act *a, float x)
{
    float out[REP];
    for (int d = 0; d < 2; d++) {
        long double ref = golu_ref_ld(a, (golu_dir)d, x);
        long double sc = d ? golu_ref_bwd_scale_ld(a, x) : 0;
        eval_rep(ctx, a, (golu_dir)d, x, 1.0f, out);
        FOR_COPIES(out, j)
        {
            int ok = isinf(ref) ? f32_bits(out[j]) == f32_bits((float)ref)
                                : golu_ulp_err_f32(out[j], ref, sc) <= bound_of(a->kind);
            CHECK(ok, "%s %s %s(%a) = %a, want %La", act_list_name(a->kind), in,
                  dname((golu_dir)d), (double)x, (double)out[j], ref);
        }
    }
}

static const float finite_xs[] = {-INFINITY, -100.0f, -5.0f, -1.0f, -0.5f,  -0.0f,   0.0f,
                                  1e-40f,    0.5f,    1.0f,  5.0f,  100.0f, INFINITY};
enum { N_XS = sizeof finite_xs / sizeof finite_xs[0] };

/* NaN inputs give NaN, every payload, and so does NaN in dy, whatever x is
 * (also where f'(x) is 0). */
static void special_nan(golu_ctx *ctx, const char *in, const golu_act *a)
{
    const char *an = act_list_name(a->kind);
    float out[REP];
    for (int q = 0; q < N_NAN; q++) {
        float nan = bits_f32(nan_bits[q]);
        eval_rep(ctx, a, GOLU_DIR_FWD, nan, 1.0f, out);
        FOR_COPIES(out, j)
        CHECK(isnan(out[j]), "%s %s fwd(NaN %08x) = %a", an, in, nan_bits[q],
              (double)out[j]);
        eval_rep(ctx, a, GOLU_DIR_BWD, nan, 1.0f, out);
        FOR_COPIES(out, j)
        CHECK(isnan(out[j]), "%s %s bwd(NaN %08x, dy 1) = %a", an, in, nan_bits[q],
              (double)out[j]);
        eval_rep(ctx, a, GOLU_DIR_BWD, nan, 0.0f, out);
        FOR_COPIES(out, j)
        CHECK(isnan(out[j]), "%s %s bwd(NaN %08x, dy 0) = %a", an, in, nan_bits[q],
              (double)out[j]);
        for (int t = 0; t < N_XS; t++) {
            eval_rep(ctx, a, GOLU_DIR_BWD, finite_xs[t], nan, out);
            FOR_COPIES(out, j)
            CHECK(isnan(out[j]), "%s %s bwd(x %a, dy NaN %08x) = %a", an, in,
                  (double)finite_xs[t], nan_bits[q], (double)out[j]);
        }
    }
}

/* dy scaling by powers of two and by -1 is exact (away from over- and
 * underflow): dx(dy) = dy * dx(1). */
static void special_dy_scaling(golu_ctx *ctx, const char *in, const golu_act *a)
{
    const float dys[] = {-1.0f, 2.0f, 0.5f, -1024.0f, 0x1p-10f};
    float one[REP], out[REP];
    for (int t = 0; t < N_XS; t++) {
        eval_rep(ctx, a, GOLU_DIR_BWD, finite_xs[t], 1.0f, one);
        if (isnan(one[1]) || (fabsf(one[1]) < 0x1p-100f && one[1] != 0) ||
            fabsf(one[1]) > 0x1p100f)
            continue;
        for (size_t m = 0; m < sizeof dys / sizeof dys[0]; m++) {
            eval_rep(ctx, a, GOLU_DIR_BWD, finite_xs[t], dys[m], out);
            float want = dys[m] * one[1];
            FOR_COPIES(out, j)
            CHECK(f32_bits(out[j]) == f32_bits(want) || (want == 0 && out[j] == 0),
                  "%s %s bwd(x %a, dy %a) = %a, want dy * %a = %a",
                  act_list_name(a->kind), in, (double)finite_xs[t], (double)dys[m],
                  (double)out[j], (double)one[1], (double)want);
        }
    }
}

static void test_special(void)
{
    /* subnormals (not flushed: no FTZ/DAZ), the extremes, zeros, infinities */
    const float sp[] = {0x1p-149f, 0x1p-140f, -0x1p-140f, 0x1.8p-130f, -0x1p-127f,
                        FLT_MIN,   -FLT_MIN,  0.0f,       -0.0f,       INFINITY,
                        -INFINITY, FLT_MAX,   -FLT_MAX};
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        const char *in = golu_isa_name(isa);
        special_golu(ctx, in);
        special_peers(ctx, in);
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act a = act_of(k);
            for (size_t t = 0; t < sizeof sp / sizeof sp[0]; t++)
                special_vs_oracle(ctx, in, &a, sp[t]);
            special_nan(ctx, in, &a);
            special_dy_scaling(ctx, in, &a);
        }
        golu_ctx_destroy(ctx);
    }
}

/* ------------------------------------------------------ step paths --- */

/*
 * The CPU loops take a lighter build of a formula (no clamps, GELU's
 * central pieces) for a step of floats that all lie in its range, the full
 * one otherwise (f32_body.h); both must give the same bits. Each input set
 * runs as it is (its steps mostly in range) and with every 8th float made
 * NaN (every step then takes the full path): the other results must agree
 * bit for bit, forward, backward (f32 and bfloat16, whose loops round to
 * odd) and the forward with its slope (its double slopes too: where the
 * light build's d^2 overflowed, beyond SiLU's -354, its slope would be -0
 * against the clamped build's tiny value). The sets reach each range's
 * ends: GoLU [-5.5, 40], GELU's central |x| < 4, GELU tanh |x| <= 16, SiLU
 * |x| <= 350, Mish [-700, 40].
 */
enum { PATH_N = 3000 };

static void path_inputs(int set, float *x, float *dy)
{
    static const float ends[] = {-5.5f,  40.0f, -4.0f,   4.0f,   -16.0f,  16.0f,
                                 -20.0f, 20.0f, -350.0f, 350.0f, -700.0f, 700.0f};
    const float half[] = {5.5f, 20.0f, 700.0f, 45.0f};
    for (int i = 0; i < PATH_N; i++) {
        double u = (double)i / (PATH_N - 1) * 2.0 - 1.0; /* -1 .. 1 */
        x[i] = (float)(u * half[set]);
        dy[i] = (float)(1.0 + 0.25 * (i % 7)) * (i % 2 ? -1.0f : 1.0f);
    }
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) /* the ends, just inside */
        x[1 + 37 * k] = ends[k], x[2 + 37 * k] = nextafterf(ends[k], 0.0f);
}

static void poison(float *v, const float *from)
{
    memcpy(v, from, PATH_N * sizeof *v);
    for (int i = 0; i < PATH_N; i += 8)
        v[i] = NAN;
}

static void to_bf16(uint16_t *h, const float *v)
{
    for (int i = 0; i < PATH_N; i++)
        h[i] = bf16_encode(round_bf16((long double)v[i]));
}

/* Bits of a (n elements of size sz) and b agree off the poisoned places. */
static long path_diffs(const void *a, const void *b, size_t sz)
{
    long d = 0;
    for (int i = 0; i < PATH_N; i++)
        if (i % 8 && memcmp((const char *)a + i * sz, (const char *)b + i * sz, sz))
            d++;
    return d;
}

static void step_paths_of(golu_ctx *ctx, const char *in, const golu_act *a, int set)
{
    static float x[PATH_N], dy[PATH_N], xp[PATH_N], y[2][PATH_N], g[2][PATH_N];
    static uint16_t hx[2][PATH_N], hdy[PATH_N], hy[2][PATH_N];
    static double sl[2][PATH_N];
    const char *name = act_list_name(a->kind);
    path_inputs(set, x, dy);
    poison(xp, x);
    to_bf16(hdy, dy);
    const float *xs[2] = {x, xp};
    int ok = 1;
    for (int p = 0; p < 2 && ok; p++) {
        to_bf16(hx[p], xs[p]);
        ok = golu_backward(ctx, a, GOLU_F32, xs[p], dy, g[p], PATH_N) == GOLU_OK &&
             golu_forward(ctx, a, GOLU_BF16, hx[p], hy[p], PATH_N) == GOLU_OK &&
             golu_forward_slope(ctx, a, GOLU_F32, xs[p], y[p], sl[p], PATH_N) == GOLU_OK;
    }
    if (!CHECK(ok, "%s on %s: a call failed", name, in))
        return;
    CHECK(path_diffs(y[0], y[1], sizeof(float)) == 0,
          "%s fwd_slope's y on %s, set %d: the step paths differ in bits", name, in, set);
    CHECK(path_diffs(sl[0], sl[1], sizeof(double)) == 0,
          "%s fwd_slope's slope on %s, set %d: the step paths differ", name, in, set);
    CHECK(path_diffs(g[0], g[1], sizeof(float)) == 0,
          "%s bwd on %s, set %d: the step paths differ in bits", name, in, set);
    CHECK(path_diffs(hy[0], hy[1], sizeof(uint16_t)) == 0,
          "%s bf16 fwd on %s, set %d: the step paths differ in bits", name, in, set);
    for (int p = 0; p < 2; p++)
        if (golu_forward(ctx, a, GOLU_F32, xs[p], y[p], PATH_N) != GOLU_OK ||
            golu_backward(ctx, a, GOLU_BF16, hx[p], hdy, hy[p], PATH_N) != GOLU_OK) {
            CHECK(0, "%s on %s: a call failed", name, in);
            return;
        }
    CHECK(path_diffs(y[0], y[1], sizeof(float)) == 0,
          "%s fwd on %s, set %d: the step paths differ in bits", name, in, set);
    CHECK(path_diffs(hy[0], hy[1], sizeof(uint16_t)) == 0,
          "%s bf16 bwd on %s, set %d: the step paths differ in bits", name, in, set);
}

static void test_step_paths(void)
{
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act a = act_of(k);
            for (int set = 0; set < 4; set++)
                step_paths_of(ctx, golu_isa_name(isa), &a, set);
        }
        golu_ctx_destroy(ctx);
    }
}

int main(void)
{
    TEST_BEGIN("test_f32");
    skip_missing_isas();
    build_sample();
    ref_buf = malloc(n_sample * sizeof *ref_buf);
    scale_buf = malloc(n_sample * sizeof *scale_buf);
    got_buf = malloc(n_sample * sizeof *got_buf);
    ones_buf = malloc(n_sample * sizeof *ones_buf);
    first_path = malloc(n_sample * sizeof *first_path);
    if (!ref_buf || !scale_buf || !got_buf || !ones_buf || !first_path) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n_sample; i++)
        ones_buf[i] = 1.0f;
    test_special();
    test_step_paths();
    test_accuracy();
    test_random_dy();
    test_golu_params();
    free(sample);
    free(ref_buf);
    free(scale_buf);
    free(got_buf);
    free(ones_buf);
    free(first_path);
    return TEST_END();
}
