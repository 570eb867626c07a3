/*
 * test_layout.c - lengths, alignments, bounds and in-place calls.
 *
 * For every activation, dtype, direction and SIMD path, and every length
 * 0..70 plus 1000, 4099 and 65540 (and on the default path 262147; these last
 * two above the 64Ki threading threshold, so that blocks run on several
 * threads):
 *   - the array result equals an element-by-element evaluation of the same
 *     kernel (the call with n = 1 per element), bit for bit (NaNs: any NaN);
 *   - nothing outside [0, n) is written: the buffers sit between guard bands
 *     filled with a sentinel, at element offsets 0..15 from a 64-byte
 *     boundary (x, y, dy each at its own offset);
 *   - nothing outside [0, n) is read: the buffers also sit flush against a
 *     PROT_NONE page, at their end and at their start (a stray read faults;
 *     the handler below names the case);
 *   - inputs are left unchanged; in place (y == x; dx == dy; dx == x) gives
 *     the out-of-place result.
 * The same for golu_param_grad (sums against the sum of n = 1 calls) and for
 * per-channel PReLU.
 *
 * Offsets are whole elements: a float at an odd byte address is undefined
 * behaviour in C before the library ever sees it (and UBSan's alignment
 * check would stop the sanitizer build there), so "any alignment" is taken
 * to mean any element-aligned address.
 */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

enum {
    POOL = 4099,   /* distinct inputs; longer arrays repeat them */
    MAXN = 262147, /* the longest array: 256Ki + 3, above the threading threshold */
    PRELU_N =
        65541,   /* the longest per-channel PReLU array (65537 + 3 rounded to 3 | n) */
    GUARD = 256, /* bytes of sentinel either side */
    MAXOFF = 16, /* element offsets 0..15 */
    SENT = 0xA5
};

static const size_t big_lengths[] = {1000, 4099, 65540};
/* On the default path only (time): long enough to run on several threads. */
static const size_t threaded_length = MAXN;

/* ------------------------------------------------- naming a crash ------- */

static char crash_case[256] = "setup";

static void on_fault(int sig)
{
    static const char msg[] = "test_layout: fault (out-of-bounds access?) in case: ";
    ssize_t r = write(2, msg, sizeof msg - 1);
    r = write(2, crash_case, strnlen(crash_case, sizeof crash_case));
    r = write(2, "\n", 1);
    (void)r;
    _exit(128 + sig);
}

/* ------------------------------------------------------------ buffers ---- */

/* Heap arena: GUARD bytes, up to MAXOFF elements, MAXN elements, GUARD. */
typedef struct arena {
    unsigned char *mem;
} arena;

static void arena_init(arena *a)
{
    size_t bytes = GUARD + MAXOFF * 8 + MAXN * 8 + GUARD;
    a->mem = aligned_alloc(64, (bytes + 63) / 64 * 64); /* C11: a multiple */
    if (!a->mem) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

/* Places len elements of src (or garbage) at element offset off, between
 * sentinel bands; returns the start. */
static unsigned char *place(arena *a, size_t off, size_t sz, const void *src, size_t len)
{
    unsigned char *p = a->mem + GUARD + off * sz;
    memset(p - GUARD, SENT, GUARD);
    if (src)
        memcpy(p, src, len * sz);
    else
        memset(p, 0x5A, len * sz);
    memset(p + len * sz, SENT, GUARD);
    return p;
}

static int guards_ok(const unsigned char *p, size_t bytes)
{
    for (size_t i = 1; i <= GUARD; i++)
        if (p[-(ptrdiff_t)i] != SENT)
            return 0;
    for (size_t i = 0; i < GUARD; i++)
        if (p[bytes + i] != SENT)
            return 0;
    return 1;
}

/* mmap'd region between two PROT_NONE pages. */
typedef struct fenced {
    unsigned char *lo, *hi; /* first and one-past-last usable byte */
} fenced;

static void fenced_init(fenced *f, size_t bytes)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (bytes + pg - 1) / pg * pg;
    unsigned char *m = mmap(NULL, body + 2 * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m, pg, PROT_NONE) != 0 ||
        mprotect(m + pg + body, pg, PROT_NONE) != 0) {
        fprintf(stderr, "mmap failed\n");
        exit(1);
    }
    f->lo = m + pg;
    f->hi = m + pg + body;
}

/* ------------------------------------------------------------- inputs ---- */

/* x and dy of every dtype, POOL values repeated; the *fin arrays hold the
 * same with NaNs and infinities replaced by finite values (for sums). */
static unsigned char xbig[4][MAXN * 8], dybig[4][MAXN * 8];
static unsigned char xfin[4][MAXN * 8], dyfin[4][MAXN * 8];

static void make_inputs(void)
{
    rng r = {0x1A7001};
    double xp[POOL], dyp[POOL];
    for (int i = 0; i < POOL; i++) {
        uint64_t c = rng_next(&r) % 100;
        double v;
        if (c < 80)
            v = rng_range(&r, -12.0, 22.0);
        else if (c < 88)
            v = rng_range(&r, -1.0, 1.0) * ldexp(1.0, -(int)(rng_next(&r) % 40));
        else if (c < 96)
            v = rng_range(&r, -120.0, 120.0);
        else {
            static const double sp[] = {NAN,    -NAN,  INFINITY, -INFINITY, 0.0,
                                        -0.0,   1e30,  -1e30,    1e-41,     -1e-41,
                                        1e-310, 16.68, -4.6};
            v = sp[rng_next(&r) % (sizeof sp / sizeof sp[0])];
        }
        xp[i] = v;
        uint64_t e = rng_next(&r) % 200;
        dyp[i] = e == 0   ? NAN
                 : e == 1 ? 0.0
                 : e == 2 ? INFINITY
                          : rng_range(&r, -2.0, 2.0);
    }
    for (int dt = 0; dt < 4; dt++)
        for (size_t i = 0; i < MAXN; i++) {
            double xv = xp[i % POOL], dv = dyp[i % POOL];
            elem_set((golu_dtype)dt, xbig[dt], i, xv);
            elem_set((golu_dtype)dt, dybig[dt], i, dv);
            elem_set((golu_dtype)dt, xfin[dt], i,
                     isfinite(xv) && fabs(xv) < 1000 ? xv : -3.5);
            elem_set((golu_dtype)dt, dyfin[dt], i, isfinite(dv) ? dv : 0.75);
        }
}

/* --------------------------------------------------------- the checks ---- */

static arena ax, ay, ady;
static fenced fx, fy, fdy;
static unsigned char refbig[MAXN * 8];

static golu_status call(golu_ctx *ctx, const golu_act *a, golu_dtype dt, int bwd,
                        const void *x, const void *dy, void *out, size_t n)
{
    return bwd ? golu_backward(ctx, a, dt, x, dy, out, n)
               : golu_forward(ctx, a, dt, x, out, n);
}

/* Counts the elements of got that differ from refbig; reports the first. */
static long compare(golu_dtype dt, const void *got, size_t len, const char *what)
{
    long bad = 0;
    size_t first = 0;
    for (size_t i = 0; i < len; i++)
        if (!elem_same(dt, got, refbig, i) && bad++ == 0)
            first = i;
    CHECK(bad == 0,
          "%s: %ld of %zu elements differ from n = 1 calls; first at %zu: %Lg "
          "vs %Lg",
          what, bad, len, first, bad ? elem_get(dt, got, first) : 0.0L,
          bad ? elem_get(dt, refbig, first) : 0.0L);
    return bad;
}

static void check_one_length(golu_ctx *ctx, const golu_act *a, golu_dtype dt, int bwd,
                             size_t len, const char *tag)
{
    size_t sz = golu_dtype_size(dt), bytes = len * sz;
    const unsigned char *xs = xbig[dt], *dys = dybig[dt];
    size_t ox = len % MAXOFF, oy = (len * 5 + 3) % MAXOFF, od = (len * 3 + 7) % MAXOFF;
    char what[200];
    golu_status st;

    /* Out of place, guarded, misaligned. */
    snprintf(what, sizeof what, "%s n=%zu out-of-place offsets %zu/%zu/%zu", tag, len, ox,
             oy, od);
    snprintf(crash_case, sizeof crash_case, "%s", what);
    unsigned char *x = place(&ax, ox, sz, xs, len);
    unsigned char *dy = place(&ady, od, sz, dys, len);
    unsigned char *y = place(&ay, oy, sz, NULL, len);
    st = call(ctx, a, dt, bwd, x, dy, y, len);
    if (CHECK(st == GOLU_OK, "%s: %s", what, golu_status_str(st)))
        compare(dt, y, len, what);
    CHECK(guards_ok(y, bytes), "%s: wrote outside the output", what);
    CHECK(guards_ok(x, bytes) && memcmp(x, xs, bytes) == 0, "%s: changed x", what);
    CHECK(guards_ok(dy, bytes) && memcmp(dy, dys, bytes) == 0, "%s: changed dy", what);

    /* In place: y == x, or dx == dy and dx == x. */
    for (int v = 0; v < (bwd ? 2 : 1); v++) {
        snprintf(what, sizeof what, "%s n=%zu in place (%s)", tag, len,
                 bwd ? (v ? "dx == x" : "dx == dy") : "y == x");
        snprintf(crash_case, sizeof crash_case, "%s", what);
        x = place(&ax, ox, sz, xs, len);
        dy = place(&ady, od, sz, dys, len);
        unsigned char *io = bwd && v == 0 ? dy : x;
        st = call(ctx, a, dt, bwd, x, dy, io, len);
        if (CHECK(st == GOLU_OK, "%s: %s", what, golu_status_str(st)))
            compare(dt, io, len, what);
        CHECK(guards_ok(x, bytes) && guards_ok(dy, bytes), "%s: wrote outside", what);
    }

    /* Flush against a fault page: at the end, then at the start. */
    if (len > 70 && len != 1000)
        return;
    for (int at_end = 1; at_end >= 0; at_end--) {
        snprintf(what, sizeof what, "%s n=%zu flush with a PROT_NONE page at the %s", tag,
                 len, at_end ? "end" : "start");
        snprintf(crash_case, sizeof crash_case, "%s", what);
        unsigned char *px = at_end ? fx.hi - bytes : fx.lo;
        unsigned char *pdy = at_end ? fdy.hi - bytes : fdy.lo;
        unsigned char *py = at_end ? fy.hi - bytes : fy.lo;
        memcpy(px, xs, bytes);
        memcpy(pdy, dys, bytes);
        st = call(ctx, a, dt, bwd, px, pdy, py, len);
        if (CHECK(st == GOLU_OK, "%s: %s", what, golu_status_str(st)))
            compare(dt, py, len, what);
    }
}

static void check_kernel(golu_ctx *ctx, golu_isa isa, golu_dtype dt, int k, int bwd)
{
    size_t sz = golu_dtype_size(dt);
    golu_act a = act_of(k);
    char tag[100];
    snprintf(tag, sizeof tag, "%s %s %s %s", act_list_name(k), bwd ? "bwd" : "fwd",
             golu_dtype_name(dt), golu_isa_name(isa));
    snprintf(crash_case, sizeof crash_case, "%s n = 1 calls", tag);
    /* The element-by-element evaluation of the pool, repeated. */
    for (size_t i = 0; i < POOL; i++) {
        golu_status st = call(ctx, &a, dt, bwd, xbig[dt] + i * sz, dybig[dt] + i * sz,
                              refbig + i * sz, 1);
        if (!CHECK(st == GOLU_OK, "%s n = 1: %s", tag, golu_status_str(st)))
            return;
    }
    for (size_t i = POOL; i < MAXN; i++)
        memcpy(refbig + i * sz, refbig + (i % POOL) * sz, sz);
    for (size_t len = 0; len <= 70; len++)
        check_one_length(ctx, &a, dt, bwd, len, tag);
    for (size_t j = 0; j < sizeof big_lengths / sizeof big_lengths[0]; j++)
        check_one_length(ctx, &a, dt, bwd, big_lengths[j], tag);
    if (isa == golu_isa_default())
        check_one_length(ctx, &a, dt, bwd, threaded_length, tag);
}

/* ------------------------------------------------------ param_grad ------ */

/* The sums over n elements against the sum of the n = 1 calls. */
static void check_param_grad(golu_ctx *ctx, golu_isa isa, golu_dtype dt, int k)
{
    size_t sz = golu_dtype_size(dt);
    golu_act a = act_of(k);
    static double terms[POOL][3];
    long bad = 0;
    snprintf(crash_case, sizeof crash_case, "param_grad %s %s %s", act_list_name(k),
             golu_dtype_name(dt), golu_isa_name(isa));
    for (size_t i = 0; i < POOL; i++) {
        golu_status st = golu_param_grad(ctx, &a, dt, xfin[dt] + i * sz,
                                         dyfin[dt] + i * sz, 1, terms[i]);
        if (!CHECK(st == GOLU_OK, "param_grad n = 1: %s", golu_status_str(st)))
            return;
    }
    size_t lens[71 + 4];
    size_t nl = 0;
    for (size_t len = 0; len <= 70; len++)
        lens[nl++] = len;
    for (size_t j = 0; j < 3; j++)
        lens[nl++] = big_lengths[j];
    if (isa == golu_isa_default())
        lens[nl++] = threaded_length;
    for (size_t l = 0; l < nl; l++) {
        size_t len = lens[l], ox = (len * 7 + 1) % MAXOFF, od = (len * 11) % MAXOFF;
        unsigned char *x = place(&ax, ox, sz, xfin[dt], len);
        unsigned char *dy = place(&ady, od, sz, dyfin[dt], len);
        double out[3] = {NAN, NAN, NAN};
        golu_status st = golu_param_grad(ctx, &a, dt, x, dy, len, out);
        if (!CHECK(st == GOLU_OK, "param_grad n=%zu: %s", len, golu_status_str(st)))
            continue;
        for (int p = 0; p < 3; p++) {
            long double sum = 0, mag = 0;
            for (size_t i = 0; i < len; i++) {
                double t = terms[i % POOL][p];
                sum += t;
                mag += fabsl((long double)t);
            }
            /* the library sums in double, in blocks: a rounding error of at
             * most about n * 2^-53 of the magnitudes, far below one term */
            int ok = isnan(sum)   ? isnan(out[p])
                     : isinf(sum) ? out[p] == sum
                                  : fabsl(out[p] - sum) <= 1e-11L * mag + 1e-300L;
            if (!ok && bad++ < 5)
                CHECK(0,
                      "param_grad %s %s %s n=%zu out[%d] = %.17g, sum of n = 1 calls "
                      "%.17Lg",
                      act_list_name(k), golu_dtype_name(dt), golu_isa_name(isa), len, p,
                      out[p], sum);
        }
        CHECK(guards_ok(x, len * sz) && guards_ok(dy, len * sz),
              "param_grad wrote outside");
    }
    CHECK(bad == 0, "param_grad %s %s %s: %ld sums differ", act_list_name(k),
          golu_dtype_name(dt), golu_isa_name(isa), bad);
}

/* ---------------------------------------------------- per-channel PReLU -- */

static void check_prelu_channels(golu_ctx *ctx, golu_isa isa, golu_dtype dt)
{
    size_t sz = golu_dtype_size(dt);
    enum { C = 3 };
    unsigned char slope[C * 8], ds[C * 8 + 2 * GUARD];
    const double sv[C] = {0.25, -0.5, 3.0};
    for (int c = 0; c < C; c++)
        elem_set(dt, slope, (size_t)c, sv[c]);
    const size_t inners[] = {1, 5};
    for (size_t in = 0; in < 2; in++) {
        size_t inner = inners[in], blk = C * inner;
        /* n = 1 calls: one channel's slope on one element. */
        static unsigned char fref[PRELU_N * 8], bref[PRELU_N * 8];
        for (size_t i = 0; i < PRELU_N; i++) {
            size_t c = (i / inner) % C;
            golu_prelu_forward(ctx, dt, xfin[dt] + i * sz, fref + i * sz, 1,
                               slope + c * sz, 1, 1);
            golu_prelu_backward(ctx, dt, xfin[dt] + i * sz, dyfin[dt] + i * sz,
                                bref + i * sz, 1, slope + c * sz, 1, 1, NULL);
        }
        size_t lens[40], nl = 0;
        for (size_t len = 0; len <= 75; len += blk)
            lens[nl++] = len;
        lens[nl++] = (1000 + blk - 1) / blk * blk;
        lens[nl++] = 4099 / blk * blk;
        lens[nl++] = PRELU_N / blk * blk;
        for (size_t l = 0; l < nl; l++) {
            size_t len = lens[l];
            size_t bytes = len * sz, ox = (len / blk) % MAXOFF,
                   oy = (len * 3 + 5) % MAXOFF;
            char what[160];
            snprintf(what, sizeof what, "prelu per channel %s %s C=%d inner=%zu n=%zu",
                     golu_dtype_name(dt), golu_isa_name(isa), C, inner, len);
            snprintf(crash_case, sizeof crash_case, "%s", what);
            unsigned char *x = place(&ax, ox, sz, xfin[dt], len);
            unsigned char *y = place(&ay, oy, sz, NULL, len);
            golu_status st = golu_prelu_forward(ctx, dt, x, y, len, slope, C, inner);
            memcpy(refbig, fref, bytes);
            if (CHECK(st == GOLU_OK, "%s fwd: %s", what, golu_status_str(st)))
                compare(dt, y, len, what);
            CHECK(guards_ok(y, bytes) && guards_ok(x, bytes), "%s fwd: wrote outside",
                  what);
            /* backward, dx == dy in place, dslope between guard bands */
            unsigned char *dy = place(&ady, oy, sz, dyfin[dt], len);
            memset(ds, SENT, sizeof ds);
            st =
                golu_prelu_backward(ctx, dt, x, dy, dy, len, slope, C, inner, ds + GUARD);
            memcpy(refbig, bref, bytes);
            if (CHECK(st == GOLU_OK, "%s bwd: %s", what, golu_status_str(st)))
                compare(dt, dy, len, what);
            CHECK(guards_ok(dy, bytes) && guards_ok(ds + GUARD, C * sz),
                  "%s bwd: wrote outside", what);
            /* dslope[c] against a long double sum over the channel. */
            for (int c = 0; c < C; c++) {
                long double s = 0, mag = 0;
                for (size_t i = 0; i < len; i++) {
                    if ((i / inner) % C != (size_t)c)
                        continue;
                    long double xv = elem_get(dt, xfin[dt], i),
                                gv = elem_get(dt, dyfin[dt], i);
                    if (!(xv > 0)) {
                        s += gv * xv;
                        mag += fabsl(gv * xv);
                    }
                }
                long double got = elem_get(dt, ds + GUARD, (size_t)c);
                long double want = dt == GOLU_F64    ? s
                                   : dt == GOLU_F32  ? round_f32(s)
                                   : dt == GOLU_BF16 ? round_bf16(s)
                                                     : round_f16(s);
                /* one ulp of the dtype, or a relative 1e-12 of the terms */
                long double tol = fabsl(want) * (dt == GOLU_F64    ? 0x1p-52L
                                                 : dt == GOLU_F32  ? 0x1p-23L
                                                 : dt == GOLU_BF16 ? 0x1p-7L
                                                                   : 0x1p-10L) +
                                  1e-12L * mag;
                int ok = isnan(s)      ? isnan(got)
                         : isinf(want) ? got == want
                                       : fabsl(got - want) <= tol;
                CHECK(ok, "%s dslope[%d] = %Lg, want %Lg", what, c, got, want);
            }
        }
    }
}

int main(void)
{
    TEST_BEGIN("test_layout");
    skip_missing_isas();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    make_inputs();
    arena_init(&ax);
    arena_init(&ay);
    arena_init(&ady);
    fenced_init(&fx, 1000 * 8);
    fenced_init(&fy, 1000 * 8);
    fenced_init(&fdy, 1000 * 8);
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 0);
        if (!ctx)
            continue;
        for (int dt = 0; dt < 4; dt++) {
            for (int k = 0; k < GOLU_ACT_COUNT; k++)
                for (int bwd = 0; bwd < 2; bwd++)
                    check_kernel(ctx, isa, (golu_dtype)dt, k, bwd);
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_GOLU);
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_LEAKY_RELU);
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_PRELU);
            check_prelu_channels(ctx, isa, (golu_dtype)dt);
        }
        golu_ctx_destroy(ctx);
    }
    free(ax.mem);
    free(ay.mem);
    free(ady.mem);
    return TEST_END();
}
