/*
 * test_ulp_sweep.c - the ulp sweep of src/ref/ulp_sweep.h:
 *
 *   - the statistics' merge gives the one-worker statistics whatever the
 *     split among workers and the order of the merges (maximum, ties to the
 *     smaller index, counts, the examples: the smallest indices, in order);
 *   - float32 spaces of a range: counts worked out by hand, the ends, -0
 *     before +0, consecutive patterns;
 *   - errors of known values (0, 1 and 0.5 ulp cases), and the fast float32
 *     path against golu_ulp_err_f32 input by input;
 *   - the float64 samples: the special values first, the same bits as a
 *     splitmix64 written out here, inside a range;
 *   - the 16-bit inputs and their values;
 *   - whole sweeps: the same statistics on 1 and 3 threads, and the same
 *     maximum, index and counts as a direct loop over the inputs here.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ref/ulp_sweep.h"
#include "harness.h"

/* ------------------------------------------------------------ helpers --- */

/* Every field of two statistics equal (NaN equal to NaN). */
static int same_double(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int stats_same(const ulp_stats *a, const ulp_stats *b)
{
    int ok = a->checked == b->checked && same_double(a->max_err, b->max_err) &&
             a->max_index == b->max_index && same_double(a->max_x, b->max_x) &&
             same_double(a->max_got, b->max_got) &&
             (a->max_ref == b->max_ref || (isnan(a->max_ref) && isnan(b->max_ref))) &&
             a->over_half == b->over_half && a->over_one == b->over_one &&
             a->nan_mismatch == b->nan_mismatch && a->n_diff == b->n_diff &&
             a->n_examples == b->n_examples && a->status == b->status;
    for (int i = 0; ok && i < a->n_examples; i++)
        ok = a->examples[i].index == b->examples[i].index &&
             same_double(a->examples[i].x, b->examples[i].x) &&
             same_double(a->examples[i].got, b->examples[i].got) &&
             same_double(a->examples[i].got2, b->examples[i].got2);
    return ok;
}

static ulp_sweep_opts opts_of(golu_act_kind kind, golu_dir dir, golu_dtype dtype)
{
    ulp_sweep_opts o;
    memset(&o, 0, sizeof o);
    o.act = golu_act_default(kind);
    o.dir = dir;
    o.dtype = dtype;
    o.isa = GOLU_ISA_AUTO;
    o.threads = 1;
    o.samples = 1000;
    o.seed = 1;
    return o;
}

/* ------------------------------------------------------ stats merge --- */

enum { N_SYN = 3000 };

/* A synthetic input: its error, values, and whether the other path differs. */
typedef struct syn {
    double err, x, got, got2;
    long double ref;
    int diff;
} syn;

static syn syn_input(uint64_t i)
{
    uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    syn s;
    s.err = (double)(h % 7) * 0.25; /* 0 .. 1.5: ties everywhere, max 1.5 */
    s.x = (double)i * 0.5 - 700;
    s.got = h % 101 == 0 ? NAN : s.x * 2;
    s.ref = h % 103 == 0 ? NAN : (long double)s.got;
    s.diff = h % 13 == 0;
    s.got2 = s.got + 1;
    return s;
}

/* The worker that input i goes to, under one of the splits. */
static int worker_of(int split, uint64_t i, int workers)
{
    switch (split) {
    case 0: return (int)(i * (uint64_t)workers / N_SYN); /* contiguous */
    case 1: return (int)(i / 37 % (uint64_t)workers);    /* blocks, round robin */
    default: {                                           /* scattered */
        uint64_t h = (i ^ 0x5555) * 0xd1342543de82ef95ULL;
        return (int)((h >> 40) % (uint64_t)workers);
    }
    }
}

static void feed(ulp_stats *s, uint64_t i)
{
    syn in = syn_input(i);
    s->checked++;
    if (in.diff)
        ulp_stats_diff(s, i, in.x, in.got, in.got2);
    ulp_stats_add(s, in.err, i, in.x, in.got, in.ref);
}

static void test_stats_merge(void)
{
    ulp_stats one;
    ulp_stats_init(&one);
    CHECK(one.max_err == -1 && one.checked == 0 && one.status == GOLU_OK, "init");
    for (uint64_t i = 0; i < N_SYN; i++)
        feed(&one, i);
    /* By hand: the first input with the largest error, 1.5. */
    uint64_t first = 0;
    long over_half = 0, over_one = 0, nan_mm = 0, diffs = 0;
    for (uint64_t i = N_SYN; i-- > 0;) {
        syn in = syn_input(i);
        first = in.err == 1.5 ? i : first;
        over_half += in.err > 0.5, over_one += in.err > 1;
        nan_mm += isnan(in.got) != isnan(in.ref);
        diffs += in.diff;
    }
    CHECK(one.max_err == 1.5 && one.max_index == first,
          "max %g at %llu, want 1.5 at %llu", one.max_err,
          (unsigned long long)one.max_index, (unsigned long long)first);
    CHECK((long)one.over_half == over_half && (long)one.over_one == over_one &&
              (long)one.nan_mismatch == nan_mm && (long)one.n_diff == diffs &&
              nan_mm > 0 && diffs > ULP_EXAMPLES,
          "counts %llu %llu %llu %llu", (unsigned long long)one.over_half,
          (unsigned long long)one.over_one, (unsigned long long)one.nan_mismatch,
          (unsigned long long)one.n_diff);
    for (int k = 1; k < one.n_examples; k++)
        CHECK(one.examples[k - 1].index < one.examples[k].index, "examples in order");

    for (int split = 0; split < 3; split++)
        for (int workers = 2; workers <= 7; workers += 5) {
            ulp_stats w[7], fwd, rev, tree[7];
            for (int k = 0; k < workers; k++)
                ulp_stats_init(&w[k]);
            for (uint64_t i = 0; i < N_SYN; i++)
                feed(&w[worker_of(split, i, workers)], i);
            ulp_stats_init(&fwd);
            ulp_stats_init(&rev);
            for (int k = 0; k < workers; k++) {
                ulp_stats_merge(&fwd, &w[k]);
                ulp_stats_merge(&rev, &w[workers - 1 - k]);
            }
            memcpy(tree, w, sizeof w);
            for (int step = 1; step < workers; step *= 2) /* pairwise, a tree */
                for (int k = 0; k + step < workers; k += 2 * step)
                    ulp_stats_merge(&tree[k], &tree[k + step]);
            CHECK(stats_same(&fwd, &one) && stats_same(&rev, &one) &&
                      stats_same(&tree[0], &one),
                  "split %d on %d workers: merged statistics differ from one worker's",
                  split, workers);
        }

    /* The first failure is kept; a later one does not replace it. */
    ulp_stats a, b, c;
    ulp_stats_init(&a), ulp_stats_init(&b), ulp_stats_init(&c);
    b.status = GOLU_ERR_NO_MEMORY;
    c.status = GOLU_ERR_DTYPE;
    ulp_stats_merge(&a, &b);
    ulp_stats_merge(&a, &c);
    CHECK(a.status == GOLU_ERR_NO_MEMORY, "merge keeps the first failure");
}

/* Examples: the other path differs at chosen inputs, measured in pieces by
 * "workers"; the merged examples are the smallest indices, in order. */
static void test_examples(void)
{
    enum { N = 64 };
    ulp_sweep_opts o = opts_of(GOLU_ACT_RELU, GOLU_DIR_FWD, GOLU_F32);
    float x[N], y[N], y2[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)i - 20.5f;
        y[i] = x[i] > 0 ? x[i] : 0.0f;
        y2[i] = y[i];
    }
    static const int differ[] = {50, 3, 41, 17, 60, 9, 33, 24};
    for (int k = 0; k < 8; k++)
        y2[differ[k]] = y[differ[k]] + 1;
    y2[5] = NAN, y[5] = NAN; /* both NaN: no difference */
    ulp_stats parts[4], all;
    ulp_stats_init(&all);
    for (int p = 3; p >= 0; p--) { /* pieces of 16, the last first */
        ulp_stats_init(&parts[p]);
        ulp_measure_f32(&o, x + 16 * p, y + 16 * p, y2 + 16 * p, 16, (uint64_t)(16 * p),
                        &parts[p]);
        ulp_stats_merge(&all, &parts[p]);
    }
    static const uint64_t want[ULP_EXAMPLES] = {3, 9, 17, 24, 33};
    int ok = all.n_diff == 8 && all.n_examples == ULP_EXAMPLES && all.checked == N;
    for (int k = 0; ok && k < ULP_EXAMPLES; k++)
        ok = all.examples[k].index == want[k] && all.examples[k].x == x[want[k]] &&
             all.examples[k].got == y[want[k]] && all.examples[k].got2 == y[want[k]] + 1;
    CHECK(ok, "examples: %llu differences, %d kept, first index %llu",
          (unsigned long long)all.n_diff, all.n_examples,
          (unsigned long long)all.examples[0].index);
    CHECK(all.nan_mismatch == 1, "a NaN result where ReLU is finite: %llu",
          (unsigned long long)all.nan_mismatch);
}

/* ------------------------------------------------------------ spaces --- */

static float input_at(const ulp_f32_space *sp, uint64_t i)
{
    float x;
    ulp_f32_inputs(sp, i, 1, &x);
    return x;
}

static void test_f32_space(void)
{
    ulp_f32_space sp = ulp_f32_space_all();
    uint32_t b;
    float f = input_at(&sp, 0x3f800000u);
    CHECK(sp.all && sp.count == (uint64_t)1 << 32 && f == 1.0f, "all: index = bits");
    f = input_at(&sp, 0xffffffffu);
    memcpy(&b, &f, 4);
    CHECK(b == 0xffffffffu, "all: the last pattern");

    CHECK(ulp_f32_space_of_range(1, 2, &sp) && sp.count == (1u << 23) + 1 &&
              input_at(&sp, 0) == 1.0f && input_at(&sp, 1) == nextafterf(1, 2) &&
              input_at(&sp, sp.count - 1) == 2.0f,
          "[1, 2]: 2^23 + 1 patterns from 1 to 2 (count %llu)",
          (unsigned long long)sp.count);

    /* [0, 0] holds -0 then +0. */
    CHECK(ulp_f32_space_of_range(0, 0, &sp) && sp.count == 2, "[0, 0]: two zeros");
    float z0 = input_at(&sp, 0), z1 = input_at(&sp, 1);
    CHECK(z0 == 0 && signbit(z0) && z1 == 0 && !signbit(z1), "[0, 0]: -0 then +0");

    /* [-1, 1]: 0x3f800000 + 1 patterns each side of zero, two zeros shared. */
    CHECK(ulp_f32_space_of_range(-1, 1, &sp) && sp.count == 2 * (0x3f800000ull + 1) &&
              input_at(&sp, 0) == -1.0f && input_at(&sp, sp.count - 1) == 1.0f,
          "[-1, 1]: count %llu", (unsigned long long)sp.count);

    /* Everything with a value, infinities included: 2 (2^31 - 2^23) + 2. */
    CHECK(ulp_f32_space_of_range(-INFINITY, INFINITY, &sp) &&
              sp.count == 2 * (uint64_t)0x7f800001u && input_at(&sp, 0) == -INFINITY &&
              input_at(&sp, sp.count - 1) == INFINITY,
          "[-inf, inf]: count %llu", (unsigned long long)sp.count);

    /* A range between two floats holds none; bounds round inwards. */
    CHECK(!ulp_f32_space_of_range(1 + 0x1p-30, 1 + 0x1p-25, &sp),
          "no float in the range");
    CHECK(ulp_f32_space_of_range(0.1, 0.3, &sp), "[0.1, 0.3]");
    float lo = input_at(&sp, 0), hi = input_at(&sp, sp.count - 1);
    CHECK(lo >= 0.1 && nextafterf(lo, 0) < 0.1 && hi <= 0.3 && nextafterf(hi, 1) > 0.3,
          "[0.1, 0.3]: from %a to %a, the floats inside", lo, hi);

    /* Consecutive indices are consecutive floats across zero. */
    CHECK(ulp_f32_space_of_range(-1e-44, 1e-44, &sp), "a subnormal range");
    float prev = input_at(&sp, 0);
    int ok = prev == -0x7p-149f;
    for (uint64_t i = 1; i < sp.count; i++) {
        float cur = input_at(&sp, i);
        ok &= cur == nextafterf(prev, 1) || (prev == 0 && cur == 0);
        prev = cur;
    }
    CHECK(ok && sp.count == 16 && prev == 0x7p-149f,
          "[-1e-44, 1e-44]: 7 + 2 + 7 patterns");
}

/* ------------------------------------------------------ known errors --- */

/* The error recorded for one input, in fresh statistics. */
static double one_err_f32(const ulp_sweep_opts *o, float x, float got)
{
    ulp_stats s;
    ulp_stats_init(&s);
    ulp_measure_f32(o, &x, &got, NULL, 1, 0, &s);
    return s.max_err;
}

static void test_known_errors(void)
{
    ulp_sweep_opts o = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_F32);
    /* GoLU(0) = 0: 0 is exact, the smallest subnormal 1 ulp off. */
    CHECK(one_err_f32(&o, 0, 0) == 0, "GoLU(0) = 0: 0 ulp");
    CHECK(one_err_f32(&o, 0, 0x1p-149f) == 1.0, "GoLU(0) = 2^-149: 1 ulp");
    /* GoLU(1) = exp(-1/e) = 0.69220062755534635...: the nearest float is
     * within 0.5 ulp, its neighbours between 0.5 and 1.5. */
    float r = (float)0.6922006275553463538654219971827L;
    double e0 = one_err_f32(&o, 1, r), e1 = one_err_f32(&o, 1, nextafterf(r, 1)),
           e2 = one_err_f32(&o, 1, nextafterf(r, 0));
    CHECK(e0 <= 0.5 && e1 > 0.5 && e1 < 1.5 && e2 > 0.5 && e2 < 1.5 &&
              fabs(e1 + e2 - 2) < 1e-6,
          "GoLU(1): %g, %g, %g ulp", e0, e1, e2);

    /* The fast path against golu_ulp_err_f32, over every binade. */
    golu_dir dirs[2] = {GOLU_DIR_FWD, GOLU_DIR_BWD};
    long bad = 0, n = 0;
    for (int d = 0; d < 2; d++) {
        o.dir = dirs[d];
        for (int k = -149; k < 128; k++)
            for (int j = 0; j < 3; j++) {
                float x = ldexpf(1.0f + (float)j / 3, k) * (k % 2 ? -1 : 1);
                long double ref = golu_ref_ld(&o.act, o.dir, x);
                float nearest = (float)ref;
                float cands[3] = {nearest, nextafterf(nearest, INFINITY),
                                  nextafterf(nearest, -INFINITY)};
                long double scale =
                    o.dir == GOLU_DIR_BWD ? golu_ref_bwd_scale_ld(&o.act, x) : 0;
                for (int c = 0; c < 3; c++) {
                    double want = golu_ulp_err_f32(cands[c], ref, scale);
                    double got = one_err_f32(&o, x, cands[c]);
                    bad += !(got == want);
                    n++;
                    if (got != want && bad < 5)
                        CHECK(0, "%s x=%a got %a: %.17g ulp, want %.17g",
                              o.dir ? "bwd" : "fwd", x, cands[c], got, want);
                }
            }
    }
    CHECK(bad == 0, "%ld of %ld errors differ from golu_ulp_err_f32", bad, n);

    /* float64 against MPFR: the rounded oracle, then its neighbours. */
    ulp_sweep_opts o64 = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_F64);
    double x = 1, g[3];
    g[0] = (double)golu_ref_mpfr(&o64.act, GOLU_DIR_FWD, 1);
    g[1] = nextafter(g[0], 2), g[2] = nextafter(g[0], 0);
    ulp_stats s[3];
    for (int k = 0; k < 3; k++) {
        ulp_stats_init(&s[k]);
        ulp_measure_f64(&o64, &x, &g[k], NULL, 1, 0, &s[k]);
    }
    CHECK(s[0].max_err <= 0.5 && s[1].max_err > 0.5 && s[2].max_err > 0.5 &&
              fabs(s[1].max_err + s[2].max_err - 2) < 1e-6 && s[1].max_x == 1 &&
              s[1].max_got == g[1],
          "f64 GoLU(1): %g, %g, %g ulp", s[0].max_err, s[1].max_err, s[2].max_err);

    /* bfloat16: 1.0 -> GoLU(1) rounds to 0x3f31 (0.69140625). */
    ulp_sweep_opts oh = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_BF16);
    uint16_t hx = 0x3f80, hy = 0x3f31, hy2 = 0x3f32;
    ulp_stats sh;
    ulp_stats_init(&sh);
    ulp_measure_half(&oh, &hx, &hy, &hy2, 1, &sh);
    CHECK(sh.max_err <= 0.5 && sh.n_diff == 1 && sh.examples[0].got2 == 0.6953125,
          "bf16 GoLU(1): %g ulp, %llu differences", sh.max_err,
          (unsigned long long)sh.n_diff);
}

/* ----------------------------------------------------------- inputs --- */

static uint64_t sm(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void test_f64_samples(void)
{
    ulp_sweep_opts o = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_F64);
    double s0 = ulp_f64_sample(&o, 0), s1 = ulp_f64_sample(&o, 1);
    CHECK(s0 == 0 && !signbit(s0) && s1 == 0 && signbit(s1) &&
              ulp_f64_sample(&o, 2) == INFINITY && isnan(ulp_f64_sample(&o, 4)) &&
              ulp_f64_sample(&o, 9) == 0x1p-1074 && ulp_f64_sample(&o, 15) == 0.5,
          "the special values come first");
    long hard = 0, bad = 0;
    for (uint64_t i = 16; i < 10016; i++) {
        double v = ulp_f64_sample(&o, i);
        hard += v >= -6.62 && v <= -1;
    }
    /* 30 % in the hard region, plus 2 % from the uniform part on [-40, 40] */
    CHECK(hard > 2900 && hard < 3600, "%ld of 10000 in [-6.62, -1]", hard);

    o.have_range = 1, o.lo = -3, o.hi = 5, o.seed = 77;
    bad = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t r = sm(sm(77) ^ (i * 0xd1342543de82ef95ULL));
        double want = -3 + 8 * ((double)(r >> 11) * 0x1p-53);
        double v = ulp_f64_sample(&o, i);
        bad += v != want || v < -3 || v > 5;
    }
    CHECK(bad == 0, "range samples: %ld differ from splitmix64 or leave [-3, 5]", bad);
    o.seed = 78;
    CHECK(
        ulp_f64_sample(&o, 3) !=
            -3 + 8 * ((double)(sm(sm(77) ^ (3 * 0xd1342543de82ef95ULL)) >> 11) * 0x1p-53),
        "another seed, other samples");
}

static void test_half_inputs(void)
{
    static uint16_t x[65536], ones[65536];
    ulp_sweep_opts o = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_BF16);
    size_t n = ulp_half_inputs(&o, x, ones);
    CHECK(n == 65536 && x[0] == 0 && x[65535] == 65535 && ones[7] == 0x3f80,
          "bf16: all inputs");
    o.have_range = 1, o.lo = 1, o.hi = 2;
    n = ulp_half_inputs(&o, x, ones);
    CHECK(n == 129 && x[0] == 0x3f80 && x[128] == 0x4000, "bf16 [1, 2]: %zu inputs", n);
    o.dtype = GOLU_F16;
    n = ulp_half_inputs(&o, x, ones);
    CHECK(n == 1025 && x[0] == 0x3c00 && x[1024] == 0x4000 && ones[0] == 0x3c00,
          "f16 [1, 2]: %zu inputs", n);
    o.have_range = 0;
    CHECK(ulp_half_inputs(&o, x, ones) == 65536, "f16: all inputs");

    CHECK(ulp_half_value(GOLU_F16, 0x3c00) == 1.0f &&
              ulp_half_value(GOLU_F16, 1) == 0x1p-24f &&
              ulp_half_value(GOLU_F16, 0x7c00) == INFINITY &&
              isnan(ulp_half_value(GOLU_F16, 0x7e00)) &&
              ulp_half_value(GOLU_F16, 0xfbff) == -65504.0f &&
              ulp_half_value(GOLU_BF16, 0x3f80) == 1.0f &&
              ulp_half_value(GOLU_BF16, 0xc2f7) == -123.5f &&
              ulp_half_value(GOLU_BF16, 0x0001) == 0x1p-133f,
          "16-bit values");
}

/* ------------------------------------------------------------ sweeps --- */

/* The statistics of a direct loop over the inputs x (n of them). */
static void direct_f32(const ulp_sweep_opts *o, const float *x, size_t n, ulp_stats *s)
{
    float *y = malloc(n * sizeof *y), *ones = malloc(n * sizeof *ones);
    for (size_t i = 0; i < n; i++)
        ones[i] = 1;
    golu_status st = o->dir == GOLU_DIR_FWD
                         ? golu_forward(NULL, &o->act, GOLU_F32, x, y, n)
                         : golu_backward(NULL, &o->act, GOLU_F32, x, ones, y, n);
    CHECK(st == GOLU_OK, "direct f32 kernel call");
    ulp_stats_init(s);
    s->checked = n;
    for (size_t i = 0; i < n; i++) {
        long double ref = golu_ref_ld(&o->act, o->dir, x[i]);
        long double scale =
            o->dir == GOLU_DIR_BWD ? golu_ref_bwd_scale_ld(&o->act, x[i]) : 0;
        double e = golu_ulp_err_f32(y[i], ref, scale);
        s->over_half += e > 0.5, s->over_one += e > 1;
        if (e > s->max_err) {
            s->max_err = e;
            s->max_index = i;
        }
    }
    free(y);
    free(ones);
}

static void test_sweep_f32(void)
{
    static const golu_act_kind kinds[2] = {GOLU_ACT_GOLU, GOLU_ACT_GELU};
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < 2; d++) {
            ulp_sweep_opts o =
                opts_of(kinds[k], d ? GOLU_DIR_BWD : GOLU_DIR_FWD, GOLU_F32);
            ulp_f32_space sp;
            CHECK(ulp_f32_space_of_range(-3, -2.98, &sp), "a range");
            ulp_stats s1, s3, want;
            ulp_sweep_run(&o, &sp, &s1);
            o.threads = 3;
            ulp_sweep_run(&o, &sp, &s3);
            CHECK(s1.status == GOLU_OK && stats_same(&s1, &s3),
                  "%s %s f32: 1 and 3 threads differ", golu_act_name(kinds[k]),
                  d ? "bwd" : "fwd");
            float *x = malloc(sp.count * sizeof *x);
            ulp_f32_inputs(&sp, 0, sp.count, x);
            direct_f32(&o, x, sp.count, &want);
            CHECK(s1.checked == want.checked && s1.max_err == want.max_err &&
                      s1.max_index == want.max_index && s1.over_half == want.over_half &&
                      s1.over_one == want.over_one && s1.max_x == x[want.max_index],
                  "%s %s f32: max %.17g at %llu (%llu over 0.5), direct %.17g at %llu "
                  "(%llu)",
                  golu_act_name(kinds[k]), d ? "bwd" : "fwd", s1.max_err,
                  (unsigned long long)s1.max_index, (unsigned long long)s1.over_half,
                  want.max_err, (unsigned long long)want.max_index,
                  (unsigned long long)want.over_half);
            free(x);
        }
    /* --identical-to the scalar path: the same bits, no difference. */
    ulp_sweep_opts o = opts_of(GOLU_ACT_GOLU, GOLU_DIR_FWD, GOLU_F32);
    o.identical = 1, o.isa2 = GOLU_ISA_SCALAR, o.threads = 2;
    ulp_f32_space sp;
    ulp_f32_space_of_range(0.5, 0.5001, &sp);
    ulp_stats s;
    ulp_sweep_run(&o, &sp, &s);
    CHECK(s.status == GOLU_OK && s.n_diff == 0 && s.checked == sp.count,
          "identical to scalar: %llu differences", (unsigned long long)s.n_diff);
}

static void test_sweep_f64_half(void)
{
    ulp_sweep_opts o = opts_of(GOLU_ACT_GOLU, GOLU_DIR_BWD, GOLU_F64);
    o.samples = 9000; /* three blocks, the last one short */
    ulp_stats s1, s3, want;
    ulp_sweep_run(&o, NULL, &s1);
    o.threads = 3;
    ulp_sweep_run(&o, NULL, &s3);
    CHECK(s1.status == GOLU_OK && s1.checked == 9000 && stats_same(&s1, &s3),
          "f64: 1 and 3 threads differ");
    double *x = malloc(9000 * sizeof *x), *y = malloc(9000 * sizeof *y);
    double *ones = malloc(9000 * sizeof *ones);
    for (int i = 0; i < 9000; i++)
        x[i] = ulp_f64_sample(&o, (uint64_t)i), ones[i] = 1;
    CHECK(golu_backward(NULL, &o.act, GOLU_F64, x, ones, y, 9000) == GOLU_OK, "f64 call");
    ulp_stats_init(&want);
    for (int i = 0; i < 9000; i++) {
        double e = golu_ulp_err_f64(y[i], golu_ref_mpfr(&o.act, GOLU_DIR_BWD, x[i]),
                                    golu_ref_bwd_scale_mpfr(&o.act, x[i]));
        want.over_half += e > 0.5;
        if (e > want.max_err)
            want.max_err = e, want.max_index = (uint64_t)i;
    }
    CHECK(s1.max_err == want.max_err && s1.max_index == want.max_index &&
              s1.over_half == want.over_half,
          "f64: max %.17g at %llu, direct %.17g at %llu", s1.max_err,
          (unsigned long long)s1.max_index, want.max_err,
          (unsigned long long)want.max_index);
    free(x), free(y), free(ones);

    /* bfloat16: every input against a direct loop. */
    static uint16_t hx[65536], hy[65536], hones[65536];
    ulp_sweep_opts oh = opts_of(GOLU_ACT_SILU, GOLU_DIR_FWD, GOLU_BF16);
    ulp_stats sh;
    ulp_sweep_run(&oh, NULL, &sh);
    size_t n = ulp_half_inputs(&oh, hx, hones);
    CHECK(golu_forward(NULL, &oh.act, GOLU_BF16, hx, hy, n) == GOLU_OK, "bf16 call");
    ulp_stats_init(&want);
    for (size_t i = 0; i < n; i++) {
        double e = golu_ulp_err_bf16(
            hy[i], golu_ref_ld(&oh.act, GOLU_DIR_FWD, ulp_half_value(GOLU_BF16, hx[i])),
            0);
        want.over_half += e > 0.5;
        if (e > want.max_err)
            want.max_err = e, want.max_index = i;
    }
    CHECK(sh.status == GOLU_OK && sh.checked == 65536 && sh.max_err == want.max_err &&
              sh.max_index == want.max_index && sh.over_half == want.over_half,
          "bf16 silu: max %.17g at %llu, direct %.17g at %llu", sh.max_err,
          (unsigned long long)sh.max_index, want.max_err,
          (unsigned long long)want.max_index);
}

int main(void)
{
    TEST_BEGIN("ulp_sweep");
    test_stats_merge();
    test_examples();
    test_f32_space();
    test_known_errors();
    test_f64_samples();
    test_half_inputs();
    test_sweep_f32();
    test_sweep_f64_half();
    return TEST_END();
}
