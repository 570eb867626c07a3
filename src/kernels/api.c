/*
 * api.c - the public compute calls: check the arguments, resolve the context,
 * pick the kernel for the dtype and ISA, and split the work across threads.
 *
 * float32 runs the ISA's kernels directly; bfloat16 and float16 are widened
 * to float32 in blocks on the stack, run through the same float32 kernels in
 * their round-to-odd form, and rounded to 16 bits on the way out, which makes
 * one rounding of the double result; float64 runs the portable double kernels.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kconsts.h"

/* Elements per parallel block: small enough to balance two threads on a
 * GOLU_PARALLEL_MIN array, large enough that the per-block cost vanishes. */
#define BLOCK ((size_t)1 << 14)
/* Elements converted at a time for the 16-bit types (on the stack). */
#define CHUNK 512

/* ------------------------------------------------------------ validation */

static int bad_dtype(golu_dtype dtype)
{
    return golu_dtype_size(dtype) == 0;
}

/* The checks every elementwise call shares. Buffers may be NULL only when
 * n == 0; outputs may equal an input but not overlap it partially. */
static golu_status check_common(const golu_act *act, golu_dtype dtype, size_t n,
                                const void *in1, const void *in2, const void *out)
{
    if (!act)
        return GOLU_ERR_NULL;
    golu_status st = golu_act_check(act);
    if (st != GOLU_OK)
        return st;
    if (bad_dtype(dtype))
        return GOLU_ERR_DTYPE;
    if (n == 0)
        return GOLU_OK;
    if (!in1 || (in2 == NULL && out == NULL))
        return GOLU_ERR_NULL;
    size_t bytes = n * golu_dtype_size(dtype);
    if (bytes / golu_dtype_size(dtype) != n)
        return GOLU_ERR_SHAPE;
    if (out && (golu_partial_overlap(out, bytes, in1, bytes) ||
                (in2 && golu_partial_overlap(out, bytes, in2, bytes))))
        return GOLU_ERR_ALIAS;
    return GOLU_OK;
}

/* ---------------------------------------------------------- 16-bit types */

static void widen16(const golu_kernel_table *k, golu_dtype dtype, const uint16_t *src,
                    float *dst, size_t n)
{
    (dtype == GOLU_BF16 ? k->bf16_to_f32 : k->f16_to_f32)(src, dst, n);
}

static void narrow16(const golu_kernel_table *k, golu_dtype dtype, const float *src,
                     uint16_t *dst, size_t n)
{
    (dtype == GOLU_BF16 ? k->f32_to_bf16 : k->f32_to_f16)(src, dst, n);
}

/* ------------------------------------------------------ elementwise jobs */

typedef struct {
    const golu_act *act;
    golu_dtype dtype;
    const golu_kernel_table *k;
    const void *x, *dy;
    void *out;
    kconsts c;              /* float32 family: made once per call */
    double *slope_out;      /* golu_forward_slope's */
    const double *slope_in; /* golu_backward_slope's */
} job;

static void fwd_range(void *arg, size_t begin, size_t end)
{
    const job *j = arg;
    size_t n = end - begin;
    switch (j->dtype) {
    case GOLU_F32:
        j->k->f32_fwd[j->act->kind]((const float *)j->x + begin, (float *)j->out + begin,
                                    n, &j->c);
        break;
    case GOLU_F64:
        golu_f64_fwd[j->act->kind]((const double *)j->x + begin, (double *)j->out + begin,
                                   n, j->act);
        break;
    case GOLU_BF16:
    case GOLU_F16:
        for (size_t i = begin; i < end; i += CHUNK) {
            size_t m = end - i < CHUNK ? end - i : CHUNK;
            float buf[CHUNK];
            widen16(j->k, j->dtype, (const uint16_t *)j->x + i, buf, m);
            j->k->f32_fwd_odd[j->act->kind](buf, buf, m, &j->c);
            narrow16(j->k, j->dtype, buf, (uint16_t *)j->out + i, m);
        }
        break;
    }
}

static void bwd_range(void *arg, size_t begin, size_t end)
{
    const job *j = arg;
    size_t n = end - begin;
    switch (j->dtype) {
    case GOLU_F32:
        j->k->f32_bwd[j->act->kind]((const float *)j->x + begin,
                                    (const float *)j->dy + begin, (float *)j->out + begin,
                                    n, &j->c);
        break;
    case GOLU_F64:
        golu_f64_bwd[j->act->kind]((const double *)j->x + begin,
                                   (const double *)j->dy + begin,
                                   (double *)j->out + begin, n, j->act);
        break;
    case GOLU_BF16:
    case GOLU_F16:
        for (size_t i = begin; i < end; i += CHUNK) {
            size_t m = end - i < CHUNK ? end - i : CHUNK;
            float bx[CHUNK], bdy[CHUNK];
            widen16(j->k, j->dtype, (const uint16_t *)j->x + i, bx, m);
            widen16(j->k, j->dtype, (const uint16_t *)j->dy + i, bdy, m);
            j->k->f32_bwd_odd[j->act->kind](bx, bdy, bdy, m, &j->c);
            narrow16(j->k, j->dtype, bdy, (uint16_t *)j->out + i, m);
        }
        break;
    }
}

/* Resolves the context, sets *k to its ISA's kernels and runs body over
 * [0, n) in BLOCKs on the threads n is worth. */
static golu_status run_split(const golu_ctx *ctx, const golu_kernel_table **k, size_t n,
                             golu_range_fn body, void *arg)
{
    golu_isa isa;
    golu_status st = golu_ctx_resolve(ctx, &isa);
    if (st != GOLU_OK)
        return st;
    *k = golu_kernels_for(isa);
    if (!*k)
        return GOLU_ERR_ISA_UNSUPPORTED;
    golu_parallel_for(ctx, n, BLOCK, golu_ctx_threads_for(ctx, n), body, arg);
    return GOLU_OK;
}

static golu_status run_elementwise(const golu_ctx *ctx, job *j, size_t n,
                                   golu_range_fn body)
{
    return run_split(ctx, &j->k, n, body, j);
}

golu_status golu_forward(const golu_ctx *ctx, const golu_act *act, golu_dtype dtype,
                         const void *x, void *y, size_t n)
{
    golu_status st = check_common(act, dtype, n, x, NULL, y);
    if (st != GOLU_OK || n == 0)
        return st;
    if (!y)
        return GOLU_ERR_NULL;
    job j = {.act = act, .dtype = dtype, .x = x, .out = y, .c = kconsts_make(act, 0)};
    return run_elementwise(ctx, &j, n, fwd_range);
}

golu_status golu_backward(const golu_ctx *ctx, const golu_act *act, golu_dtype dtype,
                          const void *x, const void *dy, void *dx, size_t n)
{
    golu_status st = check_common(act, dtype, n, x, dy, dx);
    if (st != GOLU_OK || n == 0)
        return st;
    if (!dy || !dx)
        return GOLU_ERR_NULL;
    job j = {.act = act,
             .dtype = dtype,
             .x = x,
             .dy = dy,
             .out = dx,
             .c = kconsts_make(act, dtype != GOLU_F64)};
    return run_elementwise(ctx, &j, n, bwd_range);
}

/* ----------------------------------------------- the forward with its slope */

static void fwd_slope_range(void *arg, size_t begin, size_t end)
{
    const job *j = arg;
    if (j->dtype == GOLU_F32) {
        j->k->f32_fwd_slope[j->act->kind]((const float *)j->x + begin,
                                          (float *)j->out + begin, j->slope_out + begin,
                                          end - begin, &j->c);
        return;
    }
    for (size_t i = begin; i < end; i += CHUNK) { /* bfloat16, float16 */
        size_t m = end - i < CHUNK ? end - i : CHUNK;
        float buf[CHUNK];
        widen16(j->k, j->dtype, (const uint16_t *)j->x + i, buf, m);
        j->k->f32_fwd_slope_odd[j->act->kind](buf, buf, j->slope_out + i, m, &j->c);
        narrow16(j->k, j->dtype, buf, (uint16_t *)j->out + i, m);
    }
}

static void bwd_slope_range(void *arg, size_t begin, size_t end)
{
    const job *j = arg;
    if (j->dtype == GOLU_F32) {
        j->k->slope_mul(j->slope_in + begin, (const float *)j->dy + begin,
                        (float *)j->out + begin, end - begin);
        return;
    }
    for (size_t i = begin; i < end; i += CHUNK) {
        size_t m = end - i < CHUNK ? end - i : CHUNK;
        float buf[CHUNK];
        widen16(j->k, j->dtype, (const uint16_t *)j->dy + i, buf, m);
        j->k->slope_mul_odd(j->slope_in + i, buf, buf, m);
        narrow16(j->k, j->dtype, buf, (uint16_t *)j->out + i, m);
    }
}

/* The checks of the slope calls before check_common's: the dtype (float64
 * is refused whatever else is wrong), and the slopes' size in bytes. */
static golu_status check_slope_size(golu_dtype dtype, size_t n)
{
    if (dtype == GOLU_F64)
        return GOLU_ERR_UNSUPPORTED;
    if (n > SIZE_MAX / sizeof(double))
        return GOLU_ERR_SHAPE;
    return GOLU_OK;
}

/* And after: slope (n doubles) touching neither out nor, when slope is an
 * output (golu_forward_slope), in. */
static golu_status check_slope_alias(size_t n, const double *slope, const void *in,
                                     size_t bytes, const void *out, int slope_out)
{
    if (!slope)
        return GOLU_ERR_NULL;
    size_t sbytes = n * sizeof *slope;
    if (golu_overlap(slope, sbytes, out, bytes) ||
        (slope_out && golu_overlap(slope, sbytes, in, bytes)))
        return GOLU_ERR_ALIAS;
    return GOLU_OK;
}

golu_status golu_forward_slope(const golu_ctx *ctx, const golu_act *act, golu_dtype dtype,
                               const void *x, void *y, double *slope, size_t n)
{
    golu_status st = check_slope_size(dtype, n);
    if (st == GOLU_OK)
        st = check_common(act, dtype, n, x, NULL, y);
    if (st != GOLU_OK || n == 0)
        return st;
    if (!y)
        return GOLU_ERR_NULL;
    st = check_slope_alias(n, slope, x, n * golu_dtype_size(dtype), y, 1);
    if (st != GOLU_OK)
        return st;
    /* The window's constants too: the slope is the backward's. */
    job j = {.act = act,
             .dtype = dtype,
             .x = x,
             .out = y,
             .c = kconsts_make(act, 1),
             .slope_out = slope};
    return run_split(ctx, &j.k, n, fwd_slope_range, &j);
}

golu_status golu_backward_slope(const golu_ctx *ctx, golu_dtype dtype,
                                const double *slope, const void *dy, void *dx, size_t n)
{
    golu_status st = check_slope_size(dtype, n);
    if (st != GOLU_OK)
        return st;
    if (bad_dtype(dtype))
        return GOLU_ERR_DTYPE;
    size_t es = golu_dtype_size(dtype), bytes = n * es;
    if (n == 0)
        return GOLU_OK;
    if (!dy || !dx)
        return GOLU_ERR_NULL;
    if (bytes / es != n)
        return GOLU_ERR_SHAPE;
    if (golu_partial_overlap(dx, bytes, dy, bytes))
        return GOLU_ERR_ALIAS;
    if ((st = check_slope_alias(n, slope, dy, bytes, dx, 0)) != GOLU_OK)
        return st;
    job j = {.dtype = dtype, .dy = dy, .out = dx, .slope_in = slope};
    /* Split as golu_forward_slope split (not later, though a product is
     * cheaper than an activation): each thread then reads back the slopes
     * it wrote, from its own core's caches. Splitting the product from 256Ki
     * instead made forward + backward at 64Ki, two threads, 2x slower here. */
    return run_split(ctx, &j.k, n, bwd_slope_range, &j);
}

/* ------------------------------------------------------------ loads/stores */

/* Element i of a tensor of dtype, exactly, as a double. */
static double load_elem(golu_dtype dtype, const void *p, size_t i)
{
    switch (dtype) {
    case GOLU_F32: return ((const float *)p)[i];
    case GOLU_F64: return ((const double *)p)[i];
    case GOLU_BF16: return golu_bf16_to_f32(((const uint16_t *)p)[i]);
    case GOLU_F16: return golu_f16_to_f32(((const uint16_t *)p)[i]);
    }
    return 0.0;
}

/* Stores v rounded once to dtype (for the 16-bit types through float: exact
 * when v is a product of two values of that type, which is when we use it). */
static void store_elem(golu_dtype dtype, void *p, size_t i, double v)
{
    switch (dtype) {
    case GOLU_F32: ((float *)p)[i] = (float)v; break;
    case GOLU_F64: ((double *)p)[i] = v; break;
    case GOLU_BF16: ((uint16_t *)p)[i] = golu_f32_to_bf16((float)v); break;
    case GOLU_F16: ((uint16_t *)p)[i] = golu_f32_to_f16((float)v); break;
    }
}

/* -------------------------------------------------------- parameter grads */

typedef struct {
    const golu_act *act;
    golu_dtype dtype;
    const void *x, *dy;
    double (*partial)[3]; /* one row per BLOCK */
} pgrad_job;

static void pgrad_range(void *arg, size_t begin, size_t end)
{
    const pgrad_job *j = arg;
    double *acc = j->partial[begin / BLOCK];
    acc[0] = acc[1] = acc[2] = 0.0;
    for (size_t i = begin; i < end; i += CHUNK) {
        size_t m = end - i < CHUNK ? end - i : CHUNK;
        double bx[CHUNK], bdy[CHUNK];
        for (size_t k = 0; k < m; k++) {
            bx[k] = load_elem(j->dtype, j->x, i + k);
            bdy[k] = load_elem(j->dtype, j->dy, i + k);
        }
        if (j->act->kind == GOLU_ACT_GOLU) {
            golu_f64_golu_param_grad(bx, bdy, m, j->act, acc);
        } else { /* LeakyReLU, PReLU: d/dalpha = x where x <= 0 */
            for (size_t k = 0; k < m; k++)
                if (!(bx[k] > 0.0))
                    acc[0] += bdy[k] * bx[k];
        }
    }
}

golu_status golu_param_grad(const golu_ctx *ctx, const golu_act *act, golu_dtype dtype,
                            const void *x, const void *dy, size_t n, double out[3])
{
    golu_status st = check_common(act, dtype, n, x, dy, NULL);
    if (st != GOLU_OK)
        return st;
    if (!out)
        return GOLU_ERR_NULL;
    if (golu_act_grads(act->kind) == 0)
        return GOLU_ERR_NO_PARAMS;
    if (n > 0) {
        if (!dy)
            return GOLU_ERR_NULL;
        /* out is written before x and dy are read: it may touch neither. */
        size_t bytes = n * golu_dtype_size(dtype);
        if (golu_overlap(out, 3 * sizeof *out, x, bytes) ||
            golu_overlap(out, 3 * sizeof *out, dy, bytes))
            return GOLU_ERR_ALIAS;
    }
    out[0] = out[1] = out[2] = 0.0;
    if (n == 0)
        return GOLU_OK;
    golu_isa isa;
    if ((st = golu_ctx_resolve(ctx, &isa)) != GOLU_OK)
        return st;
    /* Per-block sums added in block order: the same for any thread count. */
    size_t blocks = (n + BLOCK - 1) / BLOCK;
    double(*partial)[3] = malloc(blocks * sizeof *partial);
    if (!partial)
        return GOLU_ERR_NO_MEMORY;
    pgrad_job j = {act, dtype, x, dy, partial};
    golu_parallel_for(ctx, n, BLOCK, golu_ctx_threads_for(ctx, n), pgrad_range, &j);
    for (size_t b = 0; b < blocks; b++)
        for (int k = 0; k < 3; k++)
            out[k] += partial[b][k];
    free(partial);
    return GOLU_OK;
}

/* ------------------------------------------------------------------ PReLU */

typedef struct {
    golu_dtype dtype;
    const void *x, *dy, *slope;
    void *out, *dslope;
    size_t n, channels, inner, outer;
} prelu_job;

/* The checks both PReLU calls share: dtype, shape, sizes in bytes that fit
 * a size_t (n and channels elements: *bytes and *sbytes), x and slope. */
static golu_status prelu_check(golu_dtype dtype, const void *x, size_t n,
                               const void *slope, size_t channels, size_t inner,
                               size_t *bytes, size_t *sbytes)
{
    if (bad_dtype(dtype))
        return GOLU_ERR_DTYPE;
    if (channels == 0 || inner == 0 || n % channels != 0 || (n / channels) % inner != 0)
        return GOLU_ERR_SHAPE;
    size_t es = golu_dtype_size(dtype);
    if (n > SIZE_MAX / es || channels > SIZE_MAX / es)
        return GOLU_ERR_SHAPE;
    *bytes = n * es;
    *sbytes = channels * es;
    if (n > 0 && (!slope || !x))
        return GOLU_ERR_NULL;
    return GOLU_OK;
}

/* Resolves the context and runs body over whole channels, each channel on
 * one thread (so its sums are taken in index order: deterministic). */
static golu_status prelu_run(const golu_ctx *ctx, prelu_job *j, golu_range_fn body)
{
    golu_isa isa;
    golu_status st = golu_ctx_resolve(ctx, &isa);
    if (st != GOLU_OK)
        return st;
    j->outer = j->n / j->channels / j->inner;
    golu_parallel_for(ctx, j->channels, 1, golu_ctx_threads_for(ctx, j->n), body, j);
    return GOLU_OK;
}

/* Channels [c0, c1) of y = x > 0 ? x : slope[c] * x. */
static void prelu_fwd_channels(void *arg, size_t c0, size_t c1)
{
    const prelu_job *j = arg;
    for (size_t c = c0; c < c1; c++) {
        double s = load_elem(j->dtype, j->slope, c);
        for (size_t o = 0; o < j->outer; o++) {
            size_t base = (o * j->channels + c) * j->inner;
            for (size_t i = base; i < base + j->inner; i++) {
                double v = load_elem(j->dtype, j->x, i);
                store_elem(j->dtype, j->out, i, v > 0.0 ? v : s * v);
            }
        }
    }
}

golu_status golu_prelu_forward(const golu_ctx *ctx, golu_dtype dtype, const void *x,
                               void *y, size_t n, const void *slope, size_t channels,
                               size_t inner)
{
    size_t bytes, sbytes;
    golu_status st = prelu_check(dtype, x, n, slope, channels, inner, &bytes, &sbytes);
    if (st != GOLU_OK)
        return st;
    if (n == 0)
        return GOLU_OK;
    if (!y)
        return GOLU_ERR_NULL;
    if (golu_partial_overlap(y, bytes, x, bytes) || golu_overlap(y, bytes, slope, sbytes))
        return GOLU_ERR_ALIAS;
    prelu_job j = {dtype, x, NULL, slope, y, NULL, n, channels, inner, 0};
    return prelu_run(ctx, &j, prelu_fwd_channels);
}

/* Channels [c0, c1): dx = dy * (x > 0 ? 1 : slope[c]); dslope[c] summed in
 * double in index order. */
static void prelu_bwd_channels(void *arg, size_t c0, size_t c1)
{
    const prelu_job *j = arg;
    for (size_t c = c0; c < c1; c++) {
        double s =
            j->n ? load_elem(j->dtype, j->slope, c) : 0.0; /* n == 0: may be NULL */
        double sum = 0.0;
        for (size_t o = 0; o < j->outer; o++) {
            size_t base = (o * j->channels + c) * j->inner;
            for (size_t i = base; i < base + j->inner; i++) {
                double v = load_elem(j->dtype, j->x, i);
                double g = load_elem(j->dtype, j->dy, i);
                if (!(v > 0.0))
                    sum += g * v;
                if (j->out) {
                    double d = v > 0.0 ? 1.0 : (v != v ? v : s);
                    store_elem(j->dtype, j->out, i, g * d);
                }
            }
        }
        if (j->dslope)
            store_elem(j->dtype, j->dslope, c, sum);
    }
}

golu_status golu_prelu_backward(const golu_ctx *ctx, golu_dtype dtype, const void *x,
                                const void *dy, void *dx, size_t n, const void *slope,
                                size_t channels, size_t inner, void *dslope)
{
    size_t bytes, sbytes;
    golu_status st = prelu_check(dtype, x, n, slope, channels, inner, &bytes, &sbytes);
    if (st != GOLU_OK)
        return st;
    if (n > 0 && !dy)
        return GOLU_ERR_NULL;
    /* dx may equal x or dy (each element is read before it is written);
     * dslope is written while every input is still being read: it may touch
     * no other buffer. */
    if (dx && (golu_partial_overlap(dx, bytes, x, bytes) ||
               golu_partial_overlap(dx, bytes, dy, bytes) ||
               golu_overlap(dx, bytes, slope, sbytes)))
        return GOLU_ERR_ALIAS;
    if (dslope && (golu_overlap(dslope, sbytes, x, bytes) ||
                   golu_overlap(dslope, sbytes, dy, bytes) ||
                   golu_overlap(dslope, sbytes, dx, bytes) ||
                   golu_overlap(dslope, sbytes, slope, sbytes)))
        return GOLU_ERR_ALIAS;
    prelu_job j = {dtype, x, dy, slope, dx, dslope, n, channels, inner, 0};
    return prelu_run(ctx, &j, prelu_bwd_channels);
}
