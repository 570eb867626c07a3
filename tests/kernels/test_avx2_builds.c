/*
 * test_avx2_builds.c - the AVX2 path's two builds give the same bits
 * (vec_avx2.h: the exponentials' 16-entry table looked up with permutes,
 * or with one gather; cpu.c picks one per CPU, so the other would
 * otherwise go untested on any one machine). Every float32 kernel of the
 * two tables - forward, backward, their round-to-odd forms, the forward
 * with its slope and the product with a kept slope - on every activation
 * (GoLU with its default and with general parameters) over a strided
 * sample of all float32 bit patterns (specials, subnormals and both range
 * ends included) and a block of normal values, compared bit for bit (NaN
 * with NaN). Skipped where the CPU or the build lacks AVX2.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kconsts.h"
#include "util.h"

#if defined(GOLU_HAVE_AVX2)

/* Every STRIDE-th float32 bit pattern, then NORMALS values of N(0, 3^2). */
#define STRIDE  4099u
#define NORMALS 65536

typedef struct inputs {
    float *x, *dy;
    size_t n;
} inputs;

static int make_inputs(inputs *in)
{
    size_t n = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += STRIDE)
        n++;
    in->n = n + NORMALS;
    in->x = malloc(in->n * sizeof *in->x);
    in->dy = malloc(in->n * sizeof *in->dy);
    if (!in->x || !in->dy)
        return 0;
    size_t k = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += STRIDE, k++) {
        uint32_t u = (uint32_t)b;
        memcpy(&in->x[k], &u, sizeof u);
    }
    rng r = {2026};
    for (; k < in->n; k++) /* Box-Muller */
        in->x[k] = (float)(3.0 * sqrt(-2.0 * log(1.0 - rng_unit(&r))) *
                           cos(6.283185307179586 * rng_unit(&r)));
    for (k = 0; k < in->n; k++)
        in->dy[k] = 1.0f - 0.25f * (float)(k % 3);
    return 1;
}

/* The index of the first element whose bits differ (NaN equals NaN), or n. */
static size_t first_diff_f32(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0 && !(isnan(a[i]) && isnan(b[i])))
            return i;
    return n;
}

static size_t first_diff_f64(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0 && !(isnan(a[i]) && isnan(b[i])))
            return i;
    return n;
}

/* Two outputs of one kernel, one per build. */
typedef struct outs {
    float *y[2];
    double *sl[2];
} outs;

static void check_f32(const char *act, const char *kernel, const inputs *in,
                      const outs *o)
{
    size_t i = first_diff_f32(o->y[0], o->y[1], in->n);
    CHECK(i == in->n, "%s %s: the builds differ at x = %a: %a (permutes) vs %a (gather)",
          act, kernel, i < in->n ? in->x[i] : 0.0, i < in->n ? o->y[0][i] : 0.0,
          i < in->n ? o->y[1][i] : 0.0);
}

static void check_act(const golu_act *act, const char *name, const inputs *in,
                      const golu_kernel_table *const t[2], outs *o)
{
    const golu_act_kind k = act->kind;
    const kconsts c0 = kconsts_make(act, 0), c1 = kconsts_make(act, 1);
    for (int b = 0; b < 2; b++)
        t[b]->f32_fwd[k](in->x, o->y[b], in->n, &c0);
    check_f32(name, "f32_fwd", in, o);
    for (int b = 0; b < 2; b++)
        t[b]->f32_fwd_odd[k](in->x, o->y[b], in->n, &c0);
    check_f32(name, "f32_fwd_odd", in, o);
    for (int b = 0; b < 2; b++)
        t[b]->f32_bwd[k](in->x, in->dy, o->y[b], in->n, &c1);
    check_f32(name, "f32_bwd", in, o);
    for (int b = 0; b < 2; b++)
        t[b]->f32_bwd_odd[k](in->x, in->dy, o->y[b], in->n, &c1);
    check_f32(name, "f32_bwd_odd", in, o);
    for (int b = 0; b < 2; b++)
        t[b]->f32_fwd_slope[k](in->x, o->y[b], o->sl[b], in->n, &c1);
    check_f32(name, "f32_fwd_slope (y)", in, o);
    size_t i = first_diff_f64(o->sl[0], o->sl[1], in->n);
    CHECK(i == in->n, "%s f32_fwd_slope: the slopes differ at x = %a", name,
          i < in->n ? in->x[i] : 0.0);
    for (int b = 0; b < 2; b++)
        t[b]->f32_fwd_slope_odd[k](in->x, o->y[b], o->sl[b], in->n, &c1);
    check_f32(name, "f32_fwd_slope_odd (y)", in, o);
    for (int b = 0; b < 2; b++)
        t[b]->slope_mul(o->sl[0], in->dy, o->y[b], in->n);
    check_f32(name, "slope_mul", in, o);
}

static void test_builds(void)
{
    if (!golu_isa_supported(GOLU_ISA_AVX2)) {
        SKIP("AVX2 is not supported by this CPU/build: its two builds not compared");
        return;
    }
    const golu_kernel_table *const t[2] = {&golu_kernels_avx2, &golu_kernels_avx2_gather};
    CHECK(t[0]->isa == GOLU_ISA_AVX2 && t[1]->isa == GOLU_ISA_AVX2,
          "both AVX2 builds say they are AVX2");
    CHECK(golu_kernels_for(GOLU_ISA_AVX2) == t[0] ||
              golu_kernels_for(GOLU_ISA_AVX2) == t[1],
          "golu_kernels_for(AVX2) is one of the two builds");
    inputs in;
    outs o;
    int ok = make_inputs(&in);
    for (int b = 0; b < 2; b++) {
        o.y[b] = malloc(in.n * sizeof *o.y[b]);
        o.sl[b] = malloc(in.n * sizeof *o.sl[b]);
        ok = ok && o.y[b] && o.sl[b];
    }
    if (CHECK(ok, "out of memory for %zu inputs", in.n)) {
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act act = golu_act_default((golu_act_kind)k);
            check_act(&act, golu_act_name(act.kind), &in, t, &o);
        }
        golu_act general = golu_act_default(GOLU_ACT_GOLU);
        general.alpha = 1.25, general.beta = 0.75, general.gamma = 1.5;
        check_act(&general, "golu(1.25, 0.75, 1.5)", &in, t, &o);
    }
    for (int b = 0; b < 2; b++) {
        free(o.y[b]);
        free(o.sl[b]);
    }
    free(in.x);
    free(in.dy);
}

#else

static void test_builds(void)
{
    SKIP("this build has no AVX2 path: its two builds not compared");
}

#endif

int main(void)
{
    TEST_BEGIN("test_avx2_builds");
    test_builds();
    return TEST_END();
}
