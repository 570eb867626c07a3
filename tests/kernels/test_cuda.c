/*
 * test_cuda.c - the GPU part (golu_cuda.h) against the CPU library.
 *
 * Without a GPU (or a driver) it prints one SKIP line and counts as
 * skipped, never as passed. With one it checks, on the current device:
 *   - every activation (and parameter variants) x dtype x direction on
 *     random and special inputs: float32, bfloat16 and float16 results are
 *     bit for bit the CPU library's (NaN payloads aside), float64 too except
 *     GELU, within 10 ulp (gelu_f64_cuda.h derives 9);
 *   - all 65,536 bfloat16 and float16 inputs of every activation;
 *   - every activation at every length 0..70 and every start offset within
 *     16 bytes, the output and dy aligned like x or not, with guard bytes
 *     around the output (nothing outside [0, n) is written), and in place
 *     (y == x, dx == dy, dx == x);
 *   - parameter gradients and per-channel PReLU against the CPU (sums in
 *     another order: 1e-12 of the sum of magnitudes), run twice for
 *     identical bits;
 *   - the status codes (NULL, bad activation or dtype, aliasing, workspace,
 *     shapes).
 * GOLU_CUDA_EXHAUSTIVE=1 adds the sweeps of all 2^32 float32 inputs of GoLU
 * forward and backward (dy = 1), GPU bits against CPU bits block by block.
 */
#include <cuda_runtime_api.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golu_cuda.h"
#include "util.h"

/* CUDA under AddressSanitizer needs the shadow gap unprotected (the driver
 * maps memory there), and the runtime's allocations live until exit. */
#if defined(__SANITIZE_ADDRESS__)
#define GOLU_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOLU_TEST_ASAN 1
#endif
#endif
#ifdef GOLU_TEST_ASAN
const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
    return "protect_shadow_gap=0:detect_leaks=0";
}
#endif

#define N_RANDOM      20000 /* random inputs per (activation, dtype) */
#define MAX_LEN       70    /* lengths 0..MAX_LEN in the layout test */
#define F64_GELU_ULPS 10    /* float64 GELU on the GPU: CUDA's erfcx */

static cudaStream_t stream; /* most calls run on it; some on the default */

/* The CPU reference runs the portable path, whose vocabulary the GPU compiles
 * (the SIMD paths give the same bits for GoLU by contract, and for the peers
 * as measured; the reference should not depend on that). */
static golu_ctx *ref_ctx;

/* ------------------------------------------------------- device buffers */

/* Three device buffers of CAP bytes each, allocated once. */
#define CAP ((size_t)1 << 20)
static void *dbuf[3];

static int dev_ok(cudaError_t e, const char *what)
{
    return CHECK(e == cudaSuccess, "%s: %s", what, cudaGetErrorString(e));
}

static int to_dev(void *d, const void *h, size_t bytes)
{
    return dev_ok(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
}

static int from_dev(void *h, const void *d, size_t bytes)
{
    return dev_ok(cudaMemcpy(h, d, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
}

static int sync_stream(void)
{
    return dev_ok(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

/* ------------------------------------------------------------- inputs */

/* Values that sit on a saturation point, a limit or a special case of some
 * activation, in double (rounded to the dtype when stored). */
static const double specials[] = {
    0.0,       -0.0,
    INFINITY,  -INFINITY,
    NAN,       -NAN,
    1.0,       -1.0,
    0.5,       -0.5,
    FLT_MIN,   -FLT_MIN,
    0x1p-149,  -0x1p-149,
    FLT_MAX,   -FLT_MAX,
    DBL_MIN,   -DBL_MIN,
    0x1p-1074, -0x1p-1074,
    1e300,     -1e300,
    0x1p-24,   65504.0,
    -65520.0,  -0.567143290409784,
    -0.75179,  -4.486811,
    -4.4,      -4.6588135,
    -4.66,     16.676971435546875,
    19.556343, -5.5,
    -6.8,      -7.4,
    40.0,      -40.0,
    -38.5,     88.7,
    -88.7,     100.0,
    -100.0,    700.0,
    -700.0,    -760.0,
    -1600.0,   1e-300,
};
#define N_SPECIALS (sizeof specials / sizeof specials[0])

/* Stores v in element i of a dtype buffer, rounded to nearest even. */
static void put(golu_dtype dt, void *buf, size_t i, double v)
{
    switch (dt) {
    case GOLU_F32: ((float *)buf)[i] = (float)v; break;
    case GOLU_F64: ((double *)buf)[i] = v; break;
    case GOLU_BF16: ((uint16_t *)buf)[i] = golu_f32_to_bf16((float)v); break;
    case GOLU_F16: ((uint16_t *)buf)[i] = golu_f32_to_f16((float)v); break;
    }
}

/* Stores random bits in element i (any value the dtype has). */
static void put_bits(golu_dtype dt, void *buf, size_t i, uint64_t u)
{
    switch (dt) {
    case GOLU_F32: ((uint32_t *)buf)[i] = (uint32_t)u; break;
    case GOLU_F64: ((uint64_t *)buf)[i] = u; break;
    case GOLU_BF16:
    case GOLU_F16: ((uint16_t *)buf)[i] = (uint16_t)u; break;
    }
}

/* n inputs: the specials, then a mixture of normal(0, 3), uniform [-6, 6],
 * [-50, 50], log-uniform magnitudes and random bit patterns. */
static void fill_x(golu_dtype dt, void *buf, size_t n, rng *r)
{
    for (size_t i = 0; i < n; i++) {
        if (i < N_SPECIALS) {
            put(dt, buf, i, specials[i]);
            continue;
        }
        double u = rng_unit(r), v;
        switch (i % 5) {
        case 0:
            v = 3.0 * sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * rng_unit(r));
            break;
        case 1: v = rng_range(r, -6.0, 6.0); break;
        case 2: v = rng_range(r, -50.0, 50.0); break;
        case 3: v = (u < 0.5 ? -1.0 : 1.0) * exp(rng_range(r, -120.0, 120.0)); break;
        default: put_bits(dt, buf, i, rng_next(r)); continue;
        }
        put(dt, buf, i, v);
    }
}

/* n upstream gradients: mostly uniform [-2, 2], with zeros, infinities,
 * NaN, huge and tiny values mixed in. */
static void fill_dy(golu_dtype dt, void *buf, size_t n, rng *r)
{
    static const double odd[] = {0.0,  -0.0,   INFINITY, -INFINITY, NAN,
                                 1e30, -1e-30, 0x1p-149, 1e300,     0x1p-1074};
    for (size_t i = 0; i < n; i++) {
        if (i % 97 == 13)
            put(dt, buf, i, odd[(i / 97) % (sizeof odd / sizeof odd[0])]);
        else
            put(dt, buf, i, rng_range(r, -2.0, 2.0));
    }
}

/* ------------------------------------------------------------- runs */

/* Where the GPU call writes its output. */
typedef enum { OUT_SEPARATE, OUT_ON_X, OUT_ON_DY } out_place;

/* Forward (dy == NULL) or backward on the CPU (the reference). */
static golu_status cpu_run(const golu_act *act, golu_dtype dt, const void *x,
                           const void *dy, void *out, size_t n)
{
    return dy ? golu_backward(ref_ctx, act, dt, x, dy, out, n)
              : golu_forward(ref_ctx, act, dt, x, out, n);
}

/* The same on the GPU: inputs copied to dbuf (x at byte offset xo, dy at
 * dyo, the output at oo unless it is written in place), the output copied
 * back into out. */
static int gpu_run(const golu_act *act, golu_dtype dt, const void *x, const void *dy,
                   void *out, size_t n, out_place place, size_t xo, size_t dyo, size_t oo,
                   void *s)
{
    size_t bytes = n * golu_dtype_size(dt);
    char *dx = (char *)dbuf[0] + xo, *ddy = (char *)dbuf[1] + dyo;
    char *dout = place == OUT_ON_X ? dx : place == OUT_ON_DY ? ddy : (char *)dbuf[2] + oo;
    if (!to_dev(dx, x, bytes) || (dy && !to_dev(ddy, dy, bytes)))
        return 0;
    golu_status st = dy ? golu_cuda_backward(act, dt, dx, ddy, dout, n, s)
                        : golu_cuda_forward(act, dt, dx, dout, n, s);
    if (!CHECK(st == GOLU_OK, "%s %s %s n=%zu: %s", golu_act_name(act->kind),
               golu_dtype_name(dt), dy ? "bwd" : "fwd", n, golu_status_str(st)))
        return 0;
    return dev_ok(cudaDeviceSynchronize(), "after a call") && from_dev(out, dout, bytes);
}

/* ------------------------------------------------------------ compare */

/* The spacing of doubles at |v| (subnormal spacing below DBL_MIN). */
static double ulp64(double v)
{
    v = fabs(v);
    return v < DBL_MIN ? 0x1p-1074 : ldexp(1.0, ilogb(v) - 52);
}

/* Element i of GPU output g agrees with the CPU's c: the same bits (or both
 * NaN), or for float64 GELU within F64_GELU_ULPS ulps of the scale (the
 * result forward; |dy| max(|f'|, Phi) backward). */
static int agrees(const golu_act *act, golu_dtype dt, const void *x, const void *dy,
                  const void *c, const void *g, size_t i)
{
    if (elem_same(dt, c, g, i))
        return 1;
    if (dt != GOLU_F64 || act->kind != GOLU_ACT_GELU)
        return 0;
    double cv = ((const double *)c)[i], gv = ((const double *)g)[i];
    if (!isfinite(cv) || !isfinite(gv))
        return 0;
    double xv = ((const double *)x)[i], scale = fabs(cv);
    if (dy) {
        double cdf = 0.5 * erfc(-xv * 0.7071067811865476);
        double sd = fabs(((const double *)dy)[i]) * cdf;
        scale = scale > sd ? scale : sd;
    }
    return fabs(cv - gv) <= F64_GELU_ULPS * ulp64(scale);
}

/* Counts the elements that disagree; reports the first. */
static size_t compare(const golu_act *act, golu_dtype dt, const void *x, const void *dy,
                      const void *c, const void *g, size_t n, const char *what)
{
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (!agrees(act, dt, x, dy, c, g, i) && bad++ == 0)
            first = i;
    }
    CHECK(bad == 0,
          "%s %s %s %s: %zu of %zu differ from the CPU; first at %zu: x=%.17Lg "
          "dy=%.17Lg cpu=%.17Lg gpu=%.17Lg",
          golu_act_name(act->kind), golu_dtype_name(dt), dy ? "bwd" : "fwd", what, bad, n,
          first, elem_get(dt, x, first), dy ? elem_get(dt, dy, first) : 0.0L,
          elem_get(dt, c, first), elem_get(dt, g, first));
    return bad;
}

/* ------------------------------------------------------- activations */

/* Every kind with its defaults, and other parameters where they change the
 * kernel (GoLU's general path) or the arithmetic. */
static int variants(golu_act *out)
{
    int k = 0;
    for (int kind = 0; kind < GOLU_ACT_COUNT; kind++)
        out[k++] = golu_act_default((golu_act_kind)kind);
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    g.alpha = 1.5;
    g.beta = 0.7;
    g.gamma = 2.0;
    out[k++] = g;
    g.alpha = 0.5;
    g.beta = 3.0;
    g.gamma = 0.25;
    out[k++] = g;
    golu_act l = golu_act_default(GOLU_ACT_LEAKY_RELU);
    l.alpha = -0.3;
    out[k++] = l;
    golu_act e = golu_act_default(GOLU_ACT_ELU);
    e.alpha = 0.5;
    out[k++] = e;
    return k;
}

/* One activation, dtype and direction on n inputs, out of place and in
 * place (both in-place forms for the backward). */
static void check_one(const golu_act *act, golu_dtype dt, int bwd, const void *x,
                      const void *dy, size_t n, void *ref, void *got)
{
    const void *d = bwd ? dy : NULL;
    if (!CHECK(cpu_run(act, dt, x, d, ref, n) == GOLU_OK, "CPU reference"))
        return;
    if (gpu_run(act, dt, x, d, got, n, OUT_SEPARATE, 0, 0, 0, stream))
        compare(act, dt, x, d, ref, got, n, "");
    if (gpu_run(act, dt, x, d, got, n, OUT_ON_X, 0, 0, 0, NULL))
        compare(act, dt, x, d, ref, got, n, bwd ? "(dx == x)" : "(y == x)");
    if (bwd && gpu_run(act, dt, x, d, got, n, OUT_ON_DY, 0, 0, 0, stream))
        compare(act, dt, x, d, ref, got, n, "(dx == dy)");
}

static void test_activations(void)
{
    golu_act acts[GOLU_ACT_COUNT + 8];
    int na = variants(acts);
    size_t n = N_RANDOM;
    void *x = malloc(n * 8), *dy = malloc(n * 8), *ref = malloc(n * 8),
         *got = malloc(n * 8);
    if (!CHECK(x && dy && ref && got, "malloc"))
        goto out;
    for (int dt = 0; dt < 4; dt++) {
        rng r = {1000u + (uint64_t)dt};
        fill_x((golu_dtype)dt, x, n, &r);
        fill_dy((golu_dtype)dt, dy, n, &r);
        for (int a = 0; a < na; a++)
            for (int bwd = 0; bwd < 2; bwd++)
                check_one(&acts[a], (golu_dtype)dt, bwd, x, dy, n, ref, got);
    }
out:
    free(x), free(dy), free(ref), free(got);
}

/* Every bfloat16 and float16 input, forward and backward (dy random). */
static void test_all_16bit(void)
{
    golu_act acts[GOLU_ACT_COUNT + 8];
    int na = variants(acts);
    size_t n = 65536;
    uint16_t *x = malloc(n * 2), *dy = malloc(n * 2), *ref = malloc(n * 2),
             *got = malloc(n * 2);
    if (!CHECK(x && dy && ref && got, "malloc"))
        goto out;
    for (int dt = GOLU_BF16; dt <= GOLU_F16; dt++) {
        rng r = {77u + (uint64_t)dt};
        for (size_t i = 0; i < n; i++)
            x[i] = (uint16_t)i;
        fill_dy((golu_dtype)dt, dy, n, &r);
        for (int a = 0; a < na; a++) {
            for (int bwd = 0; bwd < 2; bwd++) {
                const void *d = bwd ? dy : NULL;
                if (cpu_run(&acts[a], (golu_dtype)dt, x, d, ref, n) == GOLU_OK &&
                    gpu_run(&acts[a], (golu_dtype)dt, x, d, got, n, OUT_SEPARATE, 0, 0, 0,
                            stream))
                    compare(&acts[a], (golu_dtype)dt, x, d, ref, got, n, "(all inputs)");
            }
        }
    }
out:
    free(x), free(dy), free(ref), free(got);
}

/* ------------------------------------------------------------- layout */

#define GUARD 0xA5

/* Bytes [0, from) and [to, end) of the device output buffer still hold the
 * guard pattern. */
static int guards_intact(size_t from, size_t to, size_t end)
{
    unsigned char h[(MAX_LEN + 16) * 8];
    if (!from_dev(h, dbuf[2], end))
        return 0;
    for (size_t i = 0; i < end; i++)
        if ((i < from || i >= to) && h[i] != GUARD)
            return 0;
    return 1;
}

/*
 * Lengths 0..MAX_LEN at every element offset within 16 bytes; the output
 * and dy aligned like x (the vectorised body), or one of them one element
 * further (no common alignment: element by element); guards around the
 * output.
 */
static void check_layouts(const golu_act *act, golu_dtype dt, int bwd)
{
    size_t es = golu_dtype_size(dt), lanes = 16 / es, end = (MAX_LEN + 16) * es;
    unsigned char x[MAX_LEN * 8], dy[MAX_LEN * 8], ref[MAX_LEN * 8], got[MAX_LEN * 8];
    const void *d = bwd ? dy : NULL;
    rng r = {4242u + (uint64_t)dt};
    fill_x(dt, x, MAX_LEN, &r);
    fill_dy(dt, dy, MAX_LEN, &r);
    size_t bad = 0;
    for (size_t n = 0; n <= MAX_LEN; n++) {
        if (cpu_run(act, dt, x, d, ref, n) != GOLU_OK)
            return;
        for (size_t off = 0; off < lanes; off++) {
            for (int shift = 0; shift < (bwd ? 3 : 2); shift++) {
                size_t xo = off * es, other = ((off + 1) % lanes) * es;
                size_t oo = shift == 1 ? other : xo, dyo = shift == 2 ? other : xo;
                if (!dev_ok(cudaMemset(dbuf[2], GUARD, end), "cudaMemset") ||
                    !gpu_run(act, dt, x, d, got, n, OUT_SEPARATE, xo, dyo, oo, stream))
                    return;
                int ok = guards_intact(oo, oo + n * es, end);
                for (size_t i = 0; ok && i < n; i++)
                    ok = agrees(act, dt, x, d, ref, got, i);
                if (!ok && bad++ == 0)
                    CHECK(0,
                          "%s %s %s: n=%zu, x at +%zu bytes, dy at +%zu, output at +%zu: "
                          "wrong values or bytes outside the output written",
                          golu_act_name(act->kind), golu_dtype_name(dt),
                          bwd ? "bwd" : "fwd", n, xo, dyo, oo);
            }
        }
    }
    CHECK(bad == 0, "%s %s %s: %zu layouts wrong", golu_act_name(act->kind),
          golu_dtype_name(dt), bwd ? "bwd" : "fwd", bad);
}

static void test_layouts(void)
{
    for (int kind = 0; kind < GOLU_ACT_COUNT; kind++) {
        golu_act act = golu_act_default((golu_act_kind)kind);
        for (int dt = 0; dt < 4; dt++)
            for (int bwd = 0; bwd < 2; bwd++)
                check_layouts(&act, (golu_dtype)dt, bwd);
    }
}

/* -------------------------------------------------------- param grads */

/* The sum of |dy * term| for each parameter: the scale of rounding
 * differences between two orders of summation. Inputs in [-6, 10]. */
static void term_scales(const golu_act *act, golu_dtype dt, const void *x, const void *dy,
                        size_t n, double sc[3])
{
    sc[0] = sc[1] = sc[2] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double xv = (double)elem_get(dt, x, i), d = fabs((double)elem_get(dt, dy, i));
        if (act->kind != GOLU_ACT_GOLU) {
            sc[0] += xv > 0.0 ? 0.0 : d * fabs(xv);
            continue;
        }
        double e = exp(-act->gamma * xv), w = act->beta * e, g = exp(-w);
        sc[0] += d * fabs(xv * g);
        sc[1] += d * fabs(act->alpha * xv * e * g);
        sc[2] += d * fabs(act->alpha * xv * xv * w * g);
    }
}

/* One activation, dtype and length: the GPU sum against the CPU's, and two
 * GPU runs bit for bit. */
static void check_param_grad(const golu_act *act, golu_dtype dt, size_t n, void *x,
                             void *dy, void *ws, size_t ws_bytes)
{
    size_t bytes = n * golu_dtype_size(dt);
    double cpu[3], gpu[2][3], sc[3];
    rng r = {99u + n};
    for (size_t i = 0; i < n; i++) {
        put(dt, x, i, rng_range(&r, -6.0, 10.0));
        put(dt, dy, i, rng_range(&r, -2.0, 2.0));
    }
    if (!CHECK(golu_param_grad(NULL, act, dt, x, dy, n, cpu) == GOLU_OK,
               "CPU param_grad") ||
        !to_dev(dbuf[0], x, bytes) || !to_dev(dbuf[1], dy, bytes))
        return;
    double *dout = (double *)dbuf[2];
    for (int run = 0; run < 2; run++) {
        golu_status st = golu_cuda_param_grad(act, dt, dbuf[0], dbuf[1], n, dout, ws,
                                              ws_bytes, stream);
        if (!CHECK(st == GOLU_OK, "golu_cuda_param_grad: %s", golu_status_str(st)) ||
            !sync_stream() || !from_dev(gpu[run], dout, sizeof gpu[run]))
            return;
    }
    term_scales(act, dt, x, dy, n, sc);
    for (int k = 0; k < 3; k++)
        CHECK(fabs(gpu[0][k] - cpu[k]) <= 1e-12 * sc[k] + 1e-300,
              "%s %s n=%zu param %d: gpu %.17g cpu %.17g (scale %.3g)",
              golu_act_name(act->kind), golu_dtype_name(dt), n, k, gpu[0][k], cpu[k],
              sc[k]);
    CHECK(memcmp(gpu[0], gpu[1], sizeof gpu[0]) == 0,
          "%s %s n=%zu: two runs of golu_cuda_param_grad differ",
          golu_act_name(act->kind), golu_dtype_name(dt), n);
}

static void test_param_grad(void)
{
    static const size_t lens[] = {0, 1, 255, 4096, 4097, 100000};
    golu_act acts[4] = {golu_act_default(GOLU_ACT_GOLU), golu_act_default(GOLU_ACT_GOLU),
                        golu_act_default(GOLU_ACT_LEAKY_RELU),
                        golu_act_default(GOLU_ACT_PRELU)};
    acts[1].alpha = 1.5;
    acts[1].beta = 0.7;
    acts[1].gamma = 2.0;
    size_t nmax = 100000, ws_bytes = golu_cuda_param_grad_workspace(nmax);
    void *x = malloc(nmax * 8), *dy = malloc(nmax * 8), *ws = NULL;
    if (!CHECK(x && dy, "malloc") || !dev_ok(cudaMalloc(&ws, ws_bytes), "cudaMalloc"))
        goto out;
    for (int a = 0; a < 4; a++)
        for (int dt = 0; dt < 4; dt++)
            for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
                check_param_grad(&acts[a], (golu_dtype)dt, lens[l], x, dy, ws, ws_bytes);
out:
    cudaFree(ws);
    free(x), free(dy);
}

/* -------------------------------------------------------------- PReLU */

/* The relative precision of a dtype (half an ulp at 1). */
static double dtype_eps(golu_dtype dt)
{
    switch (dt) {
    case GOLU_F32: return 0x1p-24;
    case GOLU_F64: return 0x1p-53;
    case GOLU_BF16: return 0x1p-8;
    case GOLU_F16: return 0x1p-11;
    }
    return 1.0;
}

/* dslope from the GPU against the CPU's: the same bits (or both NaN), or
 * sums that differ by rounding (1e-12 of the sum of |dy x|) then rounded to
 * the dtype (one rounding step apart at most). */
static void check_dslope(golu_dtype dt, const void *x, const void *dy, size_t outer,
                         size_t ch, size_t inner, const void *cpu, const void *gpu)
{
    size_t bad = 0;
    for (size_t c = 0; c < ch; c++) {
        double sc = 0.0;
        for (size_t o = 0; o < outer; o++)
            for (size_t i = (o * ch + c) * inner; i < (o * ch + c + 1) * inner; i++) {
                double v = (double)elem_get(dt, x, i);
                sc += v > 0.0 ? 0.0 : fabs(v * (double)elem_get(dt, dy, i));
            }
        double cv = (double)elem_get(dt, cpu, c), gv = (double)elem_get(dt, gpu, c);
        if (!elem_same(dt, cpu, gpu, c) &&
            !(fabs(cv - gv) <= 1e-12 * sc + 2.0 * dtype_eps(dt) * fabs(cv)))
            bad++;
    }
    CHECK(bad == 0, "prelu %s (%zu, %zu, %zu): %zu dslope values differ from the CPU",
          golu_dtype_name(dt), outer, ch, inner, bad);
}

/* A PReLU case: the shape, host inputs and CPU results, device slopes. */
typedef struct prelu_case {
    golu_dtype dt;
    size_t outer, ch, inner, n, bytes;
    char *x, *dy, *slope, *ref, *got, *ds_ref, *ds_got; /* host */
    void *d_slope, *d_dslope, *ws;                      /* device */
    size_t ws_bytes;
} prelu_case;

/* Inputs in [-5, 5] with zeros and a NaN (sums stay finite elsewhere). */
static void prelu_inputs(prelu_case *p)
{
    rng r = {5u + p->n + p->ch};
    for (size_t i = 0; i < p->n; i++) {
        put(p->dt, p->x, i,
            i % 53 == 7 ? (i % 2 ? 0.0 : -0.0) : rng_range(&r, -5.0, 5.0));
        put(p->dt, p->dy, i, rng_range(&r, -2.0, 2.0));
    }
    if (p->n > 100)
        put(p->dt, p->x, 100, NAN);
    for (size_t c = 0; c < p->ch; c++)
        put(p->dt, p->slope, c, rng_range(&r, -0.5, 0.5));
}

static void prelu_fwd_case(const prelu_case *p)
{
    golu_act pa = golu_act_default(GOLU_ACT_PRELU);
    if (!CHECK(golu_prelu_forward(NULL, p->dt, p->x, p->ref, p->n, p->slope, p->ch,
                                  p->inner) == GOLU_OK,
               "CPU prelu forward"))
        return;
    golu_status st = golu_cuda_prelu_forward(p->dt, dbuf[0], dbuf[2], p->n, p->d_slope,
                                             p->ch, p->inner, stream);
    if (CHECK(st == GOLU_OK, "golu_cuda_prelu_forward: %s", golu_status_str(st)) &&
        sync_stream() && from_dev(p->got, dbuf[2], p->bytes))
        compare(&pa, p->dt, p->x, NULL, p->ref, p->got, p->n, "(per channel)");
}

/* With dslope, dx in place over dy, twice (the two dslopes bit for bit);
 * then dx alone, no workspace. */
static void prelu_bwd_case(prelu_case *p)
{
    golu_act pa = golu_act_default(GOLU_ACT_PRELU);
    size_t sb = p->ch * golu_dtype_size(p->dt);
    if (!CHECK(golu_prelu_backward(NULL, p->dt, p->x, p->dy, p->ref, p->n, p->slope,
                                   p->ch, p->inner, p->ds_ref) == GOLU_OK,
               "CPU prelu backward"))
        return;
    for (int run = 0; run < 2; run++) {
        if (!to_dev(dbuf[1], p->dy, p->bytes))
            return;
        golu_status st = golu_cuda_prelu_backward(
            p->dt, dbuf[0], dbuf[1], dbuf[1], p->n, p->d_slope, p->ch, p->inner,
            p->d_dslope, p->ws, p->ws_bytes, stream);
        if (!CHECK(st == GOLU_OK, "golu_cuda_prelu_backward: %s", golu_status_str(st)) ||
            !sync_stream() || !from_dev(p->got, dbuf[1], p->bytes))
            return;
        char first[64 * 8];
        if (run == 0) {
            if (!from_dev(p->ds_got, p->d_dslope, sb))
                return;
            compare(&pa, p->dt, p->x, p->dy, p->ref, p->got, p->n,
                    "(per channel, dx == dy)");
            check_dslope(p->dt, p->x, p->dy, p->outer, p->ch, p->inner, p->ds_ref,
                         p->ds_got);
        } else if (from_dev(first, p->d_dslope, sb)) {
            CHECK(memcmp(first, p->ds_got, sb) == 0, "prelu %s: two runs' dslope differ",
                  golu_dtype_name(p->dt));
        }
    }
    if (!to_dev(dbuf[1], p->dy, p->bytes))
        return;
    golu_status st =
        golu_cuda_prelu_backward(p->dt, dbuf[0], dbuf[1], dbuf[2], p->n, p->d_slope,
                                 p->ch, p->inner, NULL, NULL, 0, stream);
    if (CHECK(st == GOLU_OK, "golu_cuda_prelu_backward, no dslope: %s",
              golu_status_str(st)) &&
        sync_stream() && from_dev(p->got, dbuf[2], p->bytes))
        compare(&pa, p->dt, p->x, p->dy, p->ref, p->got, p->n,
                "(per channel, no dslope)");
}

static void check_prelu(prelu_case *p)
{
    size_t es = golu_dtype_size(p->dt), sb = p->ch * es;
    p->n = p->outer * p->ch * p->inner;
    p->bytes = p->n * es;
    char *h = malloc(4 * p->bytes + 3 * sb);
    if (!CHECK(h != NULL, "malloc"))
        return;
    p->x = h;
    p->dy = h + p->bytes;
    p->ref = h + 2 * p->bytes;
    p->got = h + 3 * p->bytes;
    p->slope = h + 4 * p->bytes;
    p->ds_ref = p->slope + sb;
    p->ds_got = p->ds_ref + sb;
    prelu_inputs(p);
    if (to_dev(dbuf[0], p->x, p->bytes) && to_dev(p->d_slope, p->slope, sb)) {
        prelu_fwd_case(p);
        prelu_bwd_case(p);
    }
    free(h);
}

static void test_prelu(void)
{
    static const size_t shapes[][3] = {
        {2, 3, 5}, {4, 16, 1}, {1, 1, 50000}, {3, 7, 4099}, {8, 64, 33}, {300, 2, 1},
    };
    prelu_case p = {0};
    p.ws_bytes = golu_cuda_prelu_backward_workspace(50000, 1, 50000) + 4096;
    if (dev_ok(cudaMalloc(&p.ws, p.ws_bytes), "cudaMalloc") &&
        dev_ok(cudaMalloc(&p.d_slope, 64 * 8), "cudaMalloc") &&
        dev_ok(cudaMalloc(&p.d_dslope, 64 * 8), "cudaMalloc")) {
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            for (int dt = 0; dt < 4; dt++) {
                p.dt = (golu_dtype)dt;
                p.outer = shapes[s][0];
                p.ch = shapes[s][1];
                p.inner = shapes[s][2];
                check_prelu(&p);
            }
        }
    }
    cudaFree(p.ws), cudaFree(p.d_slope), cudaFree(p.d_dslope);
}

/* -------------------------------------------------------- status codes */

static void test_status(void)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU), bad = g,
             relu = golu_act_default(GOLU_ACT_RELU);
    char *x = dbuf[0], *y = dbuf[2];
    double *out = (double *)dbuf[2];
    bad.alpha = -1.0;
    CHECK_ST(golu_cuda_forward(NULL, GOLU_F32, x, y, 4, stream), GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_forward(&bad, GOLU_F32, x, y, 4, stream), GOLU_ERR_PARAM);
    bad = g;
    bad.kind = GOLU_ACT_COUNT;
    CHECK_ST(golu_cuda_forward(&bad, GOLU_F32, x, y, 4, stream), GOLU_ERR_ACT);
    CHECK_ST(golu_cuda_forward(&g, (golu_dtype)9, x, y, 4, stream), GOLU_ERR_DTYPE);
    CHECK_ST(golu_cuda_forward(&g, GOLU_F32, NULL, y, 4, stream), GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_forward(&g, GOLU_F32, x, NULL, 4, stream), GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_forward(&g, GOLU_F32, NULL, NULL, 0, stream), GOLU_OK);
    CHECK_ST(golu_cuda_backward(&g, GOLU_F32, NULL, NULL, NULL, 0, stream), GOLU_OK);
    CHECK_ST(golu_cuda_backward(&g, GOLU_F32, x, NULL, y, 4, stream), GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_forward(&g, GOLU_F32, x, x + 4, 4, stream), GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_backward(&g, GOLU_F32, x, y, y + 4, 4, stream), GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_backward(&g, GOLU_F32, x, y, x + 8, 4, stream), GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_forward(&g, GOLU_F32, x + 1, y, 4, stream), GOLU_ERR_SHAPE);
    CHECK_ST(golu_cuda_forward(&g, GOLU_BF16, x + 2, y + 6, 4, stream), GOLU_OK);

    size_t ws_bytes = golu_cuda_param_grad_workspace(1000);
    char *ws = (char *)dbuf[1];
    CHECK(ws_bytes > 0 && golu_cuda_param_grad_workspace(0) == 0, "workspace sizes");
    CHECK_ST(golu_cuda_param_grad(&relu, GOLU_F32, x, x, 1000, out, ws, ws_bytes, stream),
             GOLU_ERR_NO_PARAMS);
    CHECK_ST(golu_cuda_param_grad(&g, GOLU_F32, x, x, 1000, NULL, ws, ws_bytes, stream),
             GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_param_grad(&g, GOLU_F32, x, x, 1000, out, NULL, 0, stream),
             GOLU_ERR_NULL);
    CHECK_ST(
        golu_cuda_param_grad(&g, GOLU_F32, x, x, 1000, out, ws, ws_bytes - 1, stream),
        GOLU_ERR_SHAPE);
    CHECK_ST(
        golu_cuda_param_grad(&g, GOLU_F32, x, x, 1000, out, x + 100, ws_bytes, stream),
        GOLU_ERR_ALIAS);
    CHECK_ST(
        golu_cuda_param_grad(&g, GOLU_F32, x, x, 1000, out, ws + 3, ws_bytes, stream),
        GOLU_OK);
    CHECK_ST(golu_cuda_param_grad(&g, GOLU_F32, NULL, NULL, 0, out, NULL, 0, stream),
             GOLU_OK);
    double zero[3] = {1, 1, 1};
    if (sync_stream() && from_dev(zero, out, sizeof zero))
        CHECK(zero[0] == 0.0 && zero[1] == 0.0 && zero[2] == 0.0,
              "param_grad with n == 0 gives 0");

    CHECK_ST(golu_cuda_prelu_forward(GOLU_F32, x, y, 12, x, 0, 1, stream),
             GOLU_ERR_SHAPE);
    CHECK_ST(golu_cuda_prelu_forward(GOLU_F32, x, y, 12, x, 5, 1, stream),
             GOLU_ERR_SHAPE);
    CHECK_ST(golu_cuda_prelu_forward(GOLU_F32, x, y, 12, NULL, 3, 2, stream),
             GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_prelu_forward(GOLU_F32, x, y, 12, y + 8, 3, 2, stream),
             GOLU_ERR_ALIAS);
    CHECK_ST(
        golu_cuda_prelu_backward(GOLU_F32, x, y, y, 12, x, 3, 2, out, NULL, 0, stream),
        GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_prelu_backward(GOLU_F32, x, NULL, y, 12, x, 3, 2, NULL, NULL, 0,
                                      stream),
             GOLU_ERR_NULL);
    /* Issue 15: sizes whose bytes overflow, dslope and out overlapping an
     * input or dx (byte offsets; slope at x + 256, 12 bytes). */
    size_t pws = golu_cuda_prelu_backward_workspace(12, 3, 2);
    char *sl = x + 256;
    CHECK_ST(golu_cuda_prelu_forward(GOLU_F32, x, y, SIZE_MAX, sl, 1, 1, stream),
             GOLU_ERR_SHAPE);
    CHECK_ST(golu_cuda_prelu_backward(GOLU_F32, x, y, NULL, 0, sl, SIZE_MAX, 1, y, ws,
                                      pws, stream),
             GOLU_ERR_SHAPE);
    CHECK_ST(golu_cuda_prelu_backward(GOLU_F32, x, y, NULL, SIZE_MAX / 4 + 1, sl, 1, 1, y,
                                      ws, pws, stream),
             GOLU_ERR_SHAPE);
    char *const dslopes[] = {x + 4, y + 8, sl + 4, sl};
    for (size_t i = 0; i < sizeof dslopes / sizeof dslopes[0]; i++)
        CHECK_ST(golu_cuda_prelu_backward(GOLU_F32, x, y, NULL, 12, sl, 3, 2, dslopes[i],
                                          ws, pws, stream),
                 GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_prelu_backward(GOLU_F32, x, y, x + 512, 12, sl, 3, 2, x + 520, ws,
                                      pws, stream),
             GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_param_grad(&g, GOLU_F32, x, x + 4000, 1000, (double *)(x + 8), ws,
                                  ws_bytes, stream),
             GOLU_ERR_ALIAS);
    CHECK_ST(golu_cuda_param_grad(&g, GOLU_F32, x, x + 4000, 1000, (double *)(x + 7992),
                                  ws, ws_bytes, stream),
             GOLU_ERR_ALIAS);

    char name[8];
    CHECK_ST(golu_cuda_device_name(0, NULL, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_cuda_device_name(-1, name, sizeof name), GOLU_ERR_NO_DEVICE);
    CHECK_ST(golu_cuda_device_name(golu_cuda_device_count(), name, sizeof name),
             GOLU_ERR_NO_DEVICE);
    CHECK(golu_cuda_device_name(0, name, sizeof name) == GOLU_OK &&
              strlen(name) < sizeof name,
          "device name truncated and terminated");
    dev_ok(cudaDeviceSynchronize(), "after the status checks");
}

/* ------------------------------------------------- exhaustive float32 */

/* GoLU forward and backward (dy = 1) for every float32 input: GPU bits
 * against CPU bits (the fastest path, all CPU threads: GoLU's bits are the
 * same on every path by contract), in blocks of 2^26 inputs. */
static void test_exhaustive(void)
{
    const size_t blk = (size_t)1 << 26, bytes = blk * 4;
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    uint32_t *x = malloc(bytes);
    float *ones = malloc(bytes), *cpu = malloc(bytes), *gpu = malloc(bytes);
    void *dx = NULL, *dd = NULL, *dout = NULL;
    if (!CHECK(x && ones && cpu && gpu, "malloc (768 MiB)") ||
        !dev_ok(cudaMalloc(&dx, bytes), "cudaMalloc") ||
        !dev_ok(cudaMalloc(&dd, bytes), "cudaMalloc") ||
        !dev_ok(cudaMalloc(&dout, bytes), "cudaMalloc"))
        goto out;
    for (size_t i = 0; i < blk; i++)
        ones[i] = 1.0f;
    if (!to_dev(dd, ones, bytes))
        goto out;
    for (int bwd = 0; bwd < 2; bwd++) {
        size_t bad = 0;
        uint32_t first = 0;
        for (uint64_t base = 0; base < ((uint64_t)1 << 32); base += blk) {
            for (size_t i = 0; i < blk; i++)
                x[i] = (uint32_t)(base + i);
            if (!to_dev(dx, x, bytes))
                goto out;
            golu_status st =
                bwd ? golu_cuda_backward(&g, GOLU_F32, dx, dd, dout, blk, stream)
                    : golu_cuda_forward(&g, GOLU_F32, dx, dout, blk, stream);
            golu_status sc = bwd ? golu_backward(NULL, &g, GOLU_F32, x, ones, cpu, blk)
                                 : golu_forward(NULL, &g, GOLU_F32, x, cpu, blk);
            if (!CHECK(st == GOLU_OK && sc == GOLU_OK, "exhaustive block") ||
                !sync_stream() || !from_dev(gpu, dout, bytes))
                goto out;
            for (size_t i = 0; i < blk; i++)
                if (!elem_same(GOLU_F32, cpu, gpu, i) && bad++ == 0)
                    first = (uint32_t)(base + i);
        }
        CHECK(bad == 0,
              "exhaustive GoLU %s: %zu of 2^32 inputs differ from the CPU, first 0x%08x",
              bwd ? "bwd" : "fwd", bad, first);
        printf("exhaustive GoLU %s: all 2^32 float32 inputs, %zu differ from the CPU\n",
               bwd ? "bwd" : "fwd", bad);
    }
out:
    cudaFree(dx), cudaFree(dd), cudaFree(dout);
    free(x), free(ones), free(cpu), free(gpu);
}

/* ---------------------------------------------------------------- main */

int main(void)
{
    TEST_BEGIN("test_cuda");
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if ((e == cudaSuccess && count == 0) || e == cudaErrorNoDevice ||
        e == cudaErrorInsufficientDriver || e == cudaErrorStubLibrary) {
        /* no GPU, or no driver to reach one (as in CI) */
        SKIP("no GPU is present (%s): the CUDA kernels are not tested",
             e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return TEST_END();
    }
    if (!dev_ok(e, "cudaGetDeviceCount"))
        return TEST_END();
    char name[256];
    if (golu_cuda_device_name(0, name, sizeof name) == GOLU_OK)
        printf("test_cuda: device 0: %s (%d devices)\n", name, count);
    CHECK_INT(golu_cuda_device_count(), count);
    if (!CHECK(golu_ctx_create(&ref_ctx) == GOLU_OK &&
                   golu_ctx_set_isa(ref_ctx, GOLU_ISA_SCALAR) == GOLU_OK,
               "a context on the scalar path") ||
        !dev_ok(cudaStreamCreate(&stream), "cudaStreamCreate"))
        return TEST_END();
    for (int i = 0; i < 3; i++)
        if (!dev_ok(cudaMalloc(&dbuf[i], CAP), "cudaMalloc"))
            return TEST_END();
    test_status();
    test_activations();
    test_all_16bit();
    test_layouts();
    test_param_grad();
    test_prelu();
    const char *ex = getenv("GOLU_CUDA_EXHAUSTIVE");
    if (ex && strcmp(ex, "1") == 0)
        test_exhaustive();
    else
        SKIP("exhaustive float32 GoLU sweeps: set GOLU_CUDA_EXHAUSTIVE=1 to run them");
    for (int i = 0; i < 3; i++)
        cudaFree(dbuf[i]);
    cudaStreamDestroy(stream);
    golu_ctx_destroy(ref_ctx);
    return TEST_END();
}
