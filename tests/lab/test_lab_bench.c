/*
 * test_lab_bench.c - the benchmark harness of src/lab/bench.h: its
 * generator against splitmix64's published outputs, bench_fill's values
 * against a computation here, its distributions' moments, its independence
 * of the thread count, the timing scheme's median against the batch times
 * it was given, the memcpy baseline and the helpers. No timing thresholds:
 * only that times are positive.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"
#include "rng.h"

/* ------------------------------------------------------------ the RNG --- */

/* splitmix64 from seed 0: the outputs Vigna's reference code prints. */
static void test_splitmix64(void)
{
    static const uint64_t want[4] = {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL,
                                     0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL};
    for (uint64_t k = 0; k < 4; k++)
        CHECK(nn_rng_splitmix64(0, k) == want[k], "splitmix64(0) output %llu = %016llx",
              (unsigned long long)k, (unsigned long long)nn_rng_splitmix64(0, k));
    /* Output k from state s is output 0 from state s + k * golden. */
    uint64_t s = 0x5eed0001ULL, golden = 0x9e3779b97f4a7c15ULL;
    CHECK(nn_rng_splitmix64(s, 41) == nn_rng_splitmix64(s + 41 * golden, 0),
          "splitmix64 is a counter");
    CHECK(nn_rng_mix64(0) == 0, "the finaliser maps 0 to 0");
    CHECK(nn_rng_unit(~0ULL) == 1.0 - 0x1p-53 && nn_rng_unit(0) == 0.0 &&
              nn_rng_unit(1ULL << 63) == 0.5,
          "unit: top 53 bits");
}

/* ------------------------------------------------------------ inputs --- */

/* splitmix64, written out here: state z, one step. */
static uint64_t sm_next(uint64_t *z)
{
    uint64_t r = (*z += 0x9e3779b97f4a7c15ULL);
    r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ULL;
    r = (r ^ (r >> 27)) * 0x94d049bb133111ebULL;
    return r ^ (r >> 31);
}

/* Element i of the fill, from the contract in bench.h. */
static double want_value(int dist, uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (dist == LAB_DIST_NORMAL ? 2 * i : i) * 0x9e3779b97f4a7c15ULL;
    double u1 = (double)((sm_next(&z) >> 11) + 1) / 9007199254740992.0;
    if (dist == LAB_DIST_U6)
        return -6.0 + 12.0 * u1;
    if (dist == LAB_DIST_U46)
        return -4.0 + 10.0 * u1;
    double u2 = (double)((sm_next(&z) >> 11) + 1) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void test_fill_values(void)
{
    enum { N = 5000 };
    double *v = malloc(N * sizeof *v);
    float *f = malloc(N * sizeof *f);
    uint16_t *h = malloc(N * sizeof *h);
    for (int d = 0; d < LAB_DIST_COUNT; d++) {
        uint64_t seed = LAB_SEED_X + (uint64_t)d;
        lab_bench_fill(GOLU_F64, v, N, d, seed);
        lab_bench_fill(GOLU_F32, f, N, d, seed);
        long bad = 0, bad_f = 0, bad_h = 0;
        for (uint64_t i = 0; i < N; i++) {
            double w = want_value(d, seed, i);
            bad += v[i] != w;
            bad_f += f[i] != (float)w;
        }
        CHECK(bad == 0 && bad_f == 0,
              "%s: %ld f64 and %ld f32 values differ from splitmix64", lab_dist_names[d],
              bad, bad_f);
        lab_bench_fill(GOLU_BF16, h, N, d, seed);
        for (int i = 0; i < N; i++)
            bad_h += h[i] != golu_f32_to_bf16((float)v[i]);
        lab_bench_fill(GOLU_F16, h, N, d, seed);
        for (int i = 0; i < N; i++)
            bad_h += h[i] != golu_f32_to_f16((float)v[i]);
        CHECK(bad_h == 0, "%s: %ld 16-bit values are not the rounded float",
              lab_dist_names[d], bad_h);
    }
    CHECK(strcmp(lab_dist_names[LAB_DIST_NORMAL], "normal") == 0 &&
              strcmp(lab_dist_names[LAB_DIST_U6], "u6") == 0 &&
              strcmp(lab_dist_names[LAB_DIST_U46], "u46") == 0,
          "distribution names");
    free(v);
    free(f);
    free(h);
}

/* Mean, variance (n), excess kurtosis, min, max in long double. */
static void moments(const double *v, size_t n, double *mean, double *var, double *kurt,
                    double *lo, double *hi)
{
    long double s = 0, m2 = 0, m4 = 0;
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        *lo = fmin(*lo, v[i]);
        *hi = fmax(*hi, v[i]);
    }
    long double m = s / n;
    for (size_t i = 0; i < n; i++) {
        long double c = v[i] - m;
        m2 += c * c, m4 += c * c * c * c;
    }
    m2 /= n, m4 /= n;
    *mean = (double)m, *var = (double)m2, *kurt = (double)(m4 / (m2 * m2) - 3);
}

/*
 * 2^20 draws: the standard error of the mean is sd / 1024, of the variance
 * about var * sqrt(2 + kurtosis) / 1024; the tolerances are 6 of those.
 */
static void test_fill_moments(void)
{
    enum { N = 1 << 20 };
    double *v = malloc(N * sizeof *v);
    double mean, var, kurt, lo, hi;
    lab_bench_fill(GOLU_F64, v, N, LAB_DIST_NORMAL, LAB_SEED_X);
    moments(v, N, &mean, &var, &kurt, &lo, &hi);
    CHECK(fabs(mean) < 6.0 / 1024, "normal: mean %g", mean);
    CHECK(fabs(var - 1) < 6 * sqrt(2.0) / 1024, "normal: variance %g", var);
    CHECK(fabs(kurt) < 6 * sqrt(24.0) / 1024, "normal: excess kurtosis %g", kurt);
    CHECK(lo > -7 && hi < 7 && lo < -4 && hi > 4, "normal: range [%g, %g]", lo, hi);

    /* Uniform on (a, b]: mean (a + b) / 2, variance (b - a)^2 / 12,
     * excess kurtosis -6/5. */
    static const struct {
        int dist;
        double a, b;
    } u[] = {{LAB_DIST_U6, -6, 6}, {LAB_DIST_U46, -4, 6}};
    for (int k = 0; k < 2; k++) {
        double w = u[k].b - u[k].a, sd = w / sqrt(12.0);
        lab_bench_fill(GOLU_F64, v, N, u[k].dist, LAB_SEED_X + (uint64_t)u[k].dist);
        moments(v, N, &mean, &var, &kurt, &lo, &hi);
        const char *name = lab_dist_names[u[k].dist];
        CHECK(fabs(mean - (u[k].a + u[k].b) / 2) < 6 * sd / 1024, "%s: mean %g", name,
              mean);
        CHECK(fabs(var - sd * sd) < 6 * sd * sd * sqrt(0.8) / 1024, "%s: variance %g",
              name, var);
        CHECK(fabs(kurt + 1.2) < 0.02, "%s: excess kurtosis %g", name, kurt);
        CHECK(lo > u[k].a && hi <= u[k].b && lo < u[k].a + 1e-3 && hi > u[k].b - 1e-3,
              "%s: range [%.17g, %.17g]", name, lo, hi);
    }
    free(v);
}

/* The same bytes whatever the number of parts (threads). */
static void test_fill_threads(void)
{
    enum { N = 100003 };
    static const golu_dtype dts[4] = {GOLU_F32, GOLU_F64, GOLU_BF16, GOLU_F16};
    static const int parts[] = {2, 3, 7, 64, 300};
    unsigned char *one = malloc(N * 8), *many = malloc(N * 8);
    for (int t = 0; t < 4; t++)
        for (int d = 0; d < LAB_DIST_COUNT; d++) {
            size_t bytes = N * golu_dtype_size(dts[t]);
            lab_bench_fill_parts(dts[t], one, N, d, 99, 1);
            for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
                memset(many, 0xa5, bytes);
                lab_bench_fill_parts(dts[t], many, N, d, 99, parts[p]);
                CHECK(memcmp(one, many, bytes) == 0, "%s %s: %d parts differ from 1",
                      golu_dtype_name(dts[t]), lab_dist_names[d], parts[p]);
            }
        }
    /* lab_bench_fill picks its parts: the same bytes as one part. */
    free(one);
    free(many);
    one = malloc((size_t)4 << 20);
    many = malloc((size_t)4 << 20);
    lab_bench_fill_parts(GOLU_F32, one, (size_t)1 << 20, LAB_DIST_U6, 5, 1);
    lab_bench_fill(GOLU_F32, many, (size_t)1 << 20, LAB_DIST_U6, 5);
    CHECK(memcmp(one, many, (size_t)4 << 20) == 0, "lab_bench_fill on 2^20 elements");
    free(one);
    free(many);
}

/* ------------------------------------------------------------ timing --- */

/* A fake thing timed: batch k of c calls "takes" c * per[k % 5] seconds. */
typedef struct fake {
    long batches, calls;
    double per_call[2048]; /* what each batch reported per call */
    int fail_at;           /* batch that fails (0: none) */
} fake;

static int fake_batch(void *arg, long calls, double *seconds)
{
    static const double per[5] = {3e-5, 1e-5, 5e-5, 2e-5, 4e-5};
    fake *f = arg;
    if (f->fail_at && f->batches + 1 == f->fail_at)
        return 7;
    *seconds = (double)calls * per[f->batches % 5];
    if (f->batches < 2048)
        f->per_call[f->batches] = *seconds / (double)calls;
    f->batches++;
    f->calls += calls;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_measure(void)
{
    static fake f;
    memset(&f, 0, sizeof f);
    double sec = -1;
    int rc = lab_bench_measure(fake_batch, &f, 0.01, &sec);
    CHECK(rc == 0, "measure: rc %d", rc);
    /* 1 untimed call, warm-up until 1 ms of fake time (at least 2 calls),
     * then at least 3 batches. */
    long warm = 1;
    double t = 0;
    while (1) {
        static const double per[5] = {3e-5, 1e-5, 5e-5, 2e-5, 4e-5};
        t += per[warm % 5];
        warm++;
        if (warm - 1 >= 2 && t >= 0.001)
            break;
    }
    CHECK(f.batches >= warm + 3, "measure: %ld batches, want >= %ld", f.batches,
          warm + 3);
    long nb = f.batches <= 2048 ? f.batches - warm : 0;
    CHECK(nb > 0, "measure: %ld batches recorded", nb);
    if (nb > 0) {
        double *bt = malloc((size_t)nb * sizeof *bt);
        memcpy(bt, f.per_call + warm, (size_t)nb * sizeof *bt);
        qsort(bt, (size_t)nb, sizeof *bt, cmp_double);
        double med = nb % 2 ? bt[nb / 2] : 0.5 * (bt[nb / 2 - 1] + bt[nb / 2]);
        CHECK(sec == med, "measure: %.17g, want the median of the batches %.17g", sec,
              med);
        free(bt);
    }
    CHECK(sec > 0, "measure: %g s", sec);

    memset(&f, 0, sizeof f);
    f.fail_at = 6;
    CHECK(lab_bench_measure(fake_batch, &f, 0.01, &sec) == 7, "a failing batch's rc");
}

static int count_call(void *arg)
{
    long *n = arg;
    volatile double x = 1;
    for (int i = 0; i < 100; i++)
        x = x * 1.000001;
    (*n)++;
    return *n == -1; /* never */
}

static int fail_call(void *arg)
{
    long *n = arg;
    return ++*n == 3 ? 5 : 0;
}

static void test_measure_calls(void)
{
    long n = 0;
    double sec = -1;
    CHECK(lab_bench_measure_calls(count_call, &n, 0.002, &sec) == 0, "measure_calls rc");
    CHECK(n >= 6 && sec > 0, "measure_calls: %ld calls, %g s per call", n, sec);
    n = 0;
    CHECK(lab_bench_measure_calls(fail_call, &n, 0.002, &sec) == 5 && n == 3,
          "a failing call stops the measurement (%ld calls)", n);
    double t0 = lab_bench_now(), t1 = lab_bench_now();
    CHECK(t1 >= t0 && t0 > 0, "the clock runs forward");
}

/* ---------------------------------------------------------- baseline --- */

static void test_memcpy(void)
{
    static const size_t sizes[] = {1, 1000, 65536 + 13};
    for (size_t k = 0; k < 3; k++)
        for (int threads = 1; threads <= 5; threads += 2) {
            nn_err err = {""};
            double sec = -1;
            int rc = lab_bench_memcpy(sizes[k], threads, 0.001, &sec, &err);
            CHECK(rc == 0 && sec > 0, "memcpy %zu bytes on %d threads: rc %d, %g s (%s)",
                  sizes[k], threads, rc, sec, err.msg);
        }
}

static void test_helpers(void)
{
    for (size_t bytes = 0; bytes < 200; bytes += 37) {
        unsigned char *p = lab_bench_alloc(bytes);
        int zero = 1;
        for (size_t i = 0; p && i < bytes; i++)
            zero &= p[i] == 0;
        CHECK(p && ((uintptr_t)p & 63) == 0 && zero, "alloc %zu: aligned and zeroed",
              bytes);
        free(p);
    }
    double load = lab_bench_load_average();
    CHECK(load == -1 || load >= 0, "load average %g", load);
}

int main(void)
{
    TEST_BEGIN("lab_bench");
    test_splitmix64();
    test_fill_values();
    test_fill_moments();
    test_fill_threads();
    test_measure();
    test_measure_calls();
    test_memcpy();
    test_helpers();
    return TEST_END();
}
