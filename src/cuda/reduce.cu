/*
 * reduce.cu - the calls that sum over elements (golu_cuda_param_grad,
 * golu_cuda_prelu_backward's dslope) and PReLU with per-channel slopes.
 *
 * Deterministic sums: the elements are cut into fixed chunks of CHUNK =
 * 4096 (the cut depends on n and the shape only, never on the GPU); a block
 * sums one chunk in double, each thread its 16 elements in index order, then
 * the 256 thread sums by a fixed tree in shared memory, into one partial in
 * the caller's workspace; a second kernel adds the partials by the same kind
 * of fixed tree. Same inputs, same bits: on every run and every GPU.
 */
#include "cuda_internal.h"
#include "f64_golu.h"
#include "store_cuda.h"

#define THREADS    GOLU_CUDA_THREADS
#define MIN_BLOCKS GOLU_CUDA_MIN_BLOCKS
#define PER_THREAD 16
#define CHUNK      ((size_t)THREADS * PER_THREAD)

static __host__ __device__ size_t chunks_of(size_t count)
{
    return (count + CHUNK - 1) / CHUNK;
}

/* The sums of the K values of every thread of the block, by a fixed tree;
 * the result in sh[k][0]. Every thread of the block must call it. */
template <int K> static __device__ void block_sum(double (&s)[K], double (*sh)[THREADS])
{
    const unsigned t = threadIdx.x;
    for (int k = 0; k < K; k++)
        sh[k][t] = s[k];
    __syncthreads();
    for (unsigned w = THREADS / 2; w > 0; w >>= 1) {
        if (t < w)
            for (int k = 0; k < K; k++)
                sh[k][t] += sh[k][t + w];
        __syncthreads();
    }
}

/* out[k] = the sum of the count rows of K partials, by a fixed tree; one
 * block. */
template <int K>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    sum_rows_kernel(const double *partial, size_t count, double *out)
{
    __shared__ double sh[K][THREADS];
    double s[K] = {};
    for (size_t r = threadIdx.x; r < count; r += THREADS)
        for (int k = 0; k < K; k++)
            s[k] += partial[r * K + k];
    block_sum<K>(s, sh);
    if (threadIdx.x < K)
        out[threadIdx.x] = sh[threadIdx.x][0];
}

/* ------------------------------------------------------- param gradients */

/* dy * d/dparam summed per chunk into partial[chunk * 3 + k]: GoLU's three
 * terms (golu_param_add, the CPU's code), or for LeakyReLU and PReLU
 * dy * x where x <= 0 in partial[.. + 0]. */
template <class S, bool GOLU>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    param_grad_kernel(const typename S::T *x, const typename S::T *dy, size_t n,
                      golu_act act, double la, double lb, double *partial)
{
    __shared__ double sh[3][THREADS];
    const size_t chunks = chunks_of(n);
    for (size_t b = blockIdx.x; b < chunks; b += gridDim.x) {
        double s[3] = {0.0, 0.0, 0.0};
        for (int k = 0; k < PER_THREAD; k++) {
            size_t i = b * CHUNK + (size_t)k * THREADS + threadIdx.x;
            if (i >= n)
                break;
            double xi = S::load(x[i]), d = S::load(dy[i]);
            if (GOLU)
                golu_param_add(xi, d, &act, la, lb, s);
            else if (!(xi > 0.0))
                s[0] += d * xi;
        }
        block_sum<3>(s, sh);
        if (threadIdx.x < 3)
            partial[b * 3 + threadIdx.x] = sh[threadIdx.x][0];
        __syncthreads(); /* sh is reused by the next chunk */
    }
}

template <class S>
static void launch_param_grad(const golu_act *act, const void *x, const void *dy,
                              size_t n, double *partial, unsigned blocks,
                              cudaStream_t stream)
{
    typedef typename S::T T;
    if (act->kind == GOLU_ACT_GOLU)
        param_grad_kernel<S, true>
            <<<blocks, THREADS, 0, stream>>>((const T *)x, (const T *)dy, n, *act,
                                             log(act->alpha), log(act->beta), partial);
    else
        param_grad_kernel<S, false><<<blocks, THREADS, 0, stream>>>(
            (const T *)x, (const T *)dy, n, *act, 0.0, 0.0, partial);
}

size_t golu_cuda_param_grad_workspace(size_t n)
{
    return n == 0 ? 0 : GOLU_CUDA_WS_SLACK + chunks_of(n) * 3 * sizeof(double);
}

/* golu_param_grad's checks in api.c's order (x and dy are both inputs: no
 * alias between them), element alignment, then the workspace. */
static golu_status param_grad_check(const golu_act *act, golu_dtype dtype, const void *x,
                                    const void *dy, size_t n, const double *out,
                                    const void *ws, size_t ws_bytes)
{
    if (!act)
        return GOLU_ERR_NULL;
    golu_status st = golu_act_check(act);
    if (st != GOLU_OK)
        return st;
    size_t es = golu_dtype_size(dtype), bytes = n * es;
    if (es == 0)
        return GOLU_ERR_DTYPE;
    if (n > 0 && (!x || !dy))
        return GOLU_ERR_NULL;
    if (n > 0 &&
        (bytes / es != n || !golu_cuda_aligned(x, es) || !golu_cuda_aligned(dy, es)))
        return GOLU_ERR_SHAPE;
    if (!out)
        return GOLU_ERR_NULL;
    if (!golu_cuda_aligned(out, sizeof(double)))
        return GOLU_ERR_SHAPE;
    if (golu_act_grads(act->kind) == 0)
        return GOLU_ERR_NO_PARAMS;
    if (n == 0)
        return GOLU_OK;
    if (golu_cuda_overlap(out, 3 * sizeof(double), x, bytes) ||
        golu_cuda_overlap(out, 3 * sizeof(double), dy, bytes))
        return GOLU_ERR_ALIAS;
    if (!ws)
        return GOLU_ERR_NULL;
    if (ws_bytes < golu_cuda_param_grad_workspace(n))
        return GOLU_ERR_SHAPE;
    if (golu_cuda_overlap(ws, ws_bytes, x, bytes) ||
        golu_cuda_overlap(ws, ws_bytes, dy, bytes) ||
        golu_cuda_overlap(ws, ws_bytes, out, 3 * sizeof(double)))
        return GOLU_ERR_ALIAS;
    return GOLU_OK;
}

golu_status golu_cuda_param_grad(const golu_act *act, golu_dtype dtype, const void *x,
                                 const void *dy, size_t n, double *out, void *workspace,
                                 size_t workspace_bytes, void *stream)
{
    golu_status st =
        param_grad_check(act, dtype, x, dy, n, out, workspace, workspace_bytes);
    if (st != GOLU_OK)
        return st;
    int sms;
    if ((st = golu_cuda_sms(&sms)) != GOLU_OK)
        return st;
    cudaStream_t s = (cudaStream_t)stream;
    if (n == 0)
        return golu_cuda_status(cudaMemsetAsync(out, 0, 3 * sizeof(double), s));
    double *partial = golu_cuda_ws_align(workspace);
    size_t chunks = chunks_of(n);
    unsigned blocks = golu_cuda_blocks(chunks * THREADS, sms);
    switch (dtype) {
    case GOLU_F32: launch_param_grad<st_f32>(act, x, dy, n, partial, blocks, s); break;
    case GOLU_F64: launch_param_grad<st_f64>(act, x, dy, n, partial, blocks, s); break;
    case GOLU_BF16: launch_param_grad<st_bf16>(act, x, dy, n, partial, blocks, s); break;
    case GOLU_F16: launch_param_grad<st_f16>(act, x, dy, n, partial, blocks, s); break;
    }
    if ((st = golu_cuda_launched()) != GOLU_OK)
        return st;
    sum_rows_kernel<3><<<1, THREADS, 0, s>>>(partial, chunks, out);
    return golu_cuda_launched();
}

/* ------------------------------------------------------------------ PReLU */

/* A (outer, channels, inner) tensor of n elements, as the kernels see it. */
struct prelu_shape {
    size_t n, channels, inner;
    size_t per_channel;        /* outer * inner */
    size_t chunks_per_channel; /* chunks_of(per_channel) */
    bool narrow;               /* n < 2^32: 32-bit index arithmetic */
};

/* q / d, by 32-bit division when the tensor allows it (64-bit division is
 * slow on GPUs). */
static __device__ __forceinline__ size_t div_index(size_t q, size_t d, bool narrow)
{
    return narrow ? (size_t)((uint32_t)q / (uint32_t)d) : q / d;
}

/* The channel of element i. */
static __device__ __forceinline__ size_t channel_of(size_t i, const prelu_shape &sh)
{
    size_t row = div_index(i, sh.inner, sh.narrow);
    return row - div_index(row, sh.channels, sh.narrow) * sh.channels;
}

/* api.c's slope for the backward: 1 for x > 0, NaN for NaN, else slope[c]. */
static __device__ __forceinline__ double prelu_slope(double v, double s)
{
    return v > 0.0 ? 1.0 : (v != v ? v : s);
}

/* y = x > 0 ? x : slope[c] * x, rounded once (the product of two values of
 * the dtype is exact in double), as api.c. */
template <class S>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    prelu_fwd_kernel(const typename S::T *x, typename S::T *y, const typename S::T *slope,
                     prelu_shape sh)
{
    const size_t stride = (size_t)gridDim.x * THREADS;
    for (size_t i = (size_t)blockIdx.x * THREADS + threadIdx.x; i < sh.n; i += stride) {
        double v = S::load(x[i]), s = S::load(slope[channel_of(i, sh)]);
        y[i] = S::store(v > 0.0 ? v : s * v);
    }
}

/* dx = dy * slope, element by element (no dslope wanted). */
template <class S>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    prelu_bwd_kernel(const typename S::T *x, const typename S::T *dy, typename S::T *dx,
                     const typename S::T *slope, prelu_shape sh)
{
    const size_t stride = (size_t)gridDim.x * THREADS;
    for (size_t i = (size_t)blockIdx.x * THREADS + threadIdx.x; i < sh.n; i += stride) {
        double v = S::load(x[i]), g = S::load(dy[i]);
        dx[i] = S::store(g * prelu_slope(v, S::load(slope[channel_of(i, sh)])));
    }
}

/*
 * dx as above (when dx is not NULL) and, for each chunk of a channel's
 * elements taken in (outer, inner) order, the sum of dy * x where x <= 0
 * into partial[channel * chunks_per_channel + chunk].
 */
template <class S>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    prelu_bwd_sum_kernel(const typename S::T *x, const typename S::T *dy,
                         typename S::T *dx, const typename S::T *slope, prelu_shape sh,
                         double *partial)
{
    __shared__ double tree[1][THREADS];
    const size_t nblocks = sh.channels * sh.chunks_per_channel;
    for (size_t b = blockIdx.x; b < nblocks; b += gridDim.x) {
        size_t ch = b / sh.chunks_per_channel, j = b % sh.chunks_per_channel;
        double s = S::load(slope[ch]);
        double sum[1] = {0.0};
        for (int k = 0; k < PER_THREAD; k++) {
            size_t q = j * CHUNK + (size_t)k * THREADS + threadIdx.x;
            if (q >= sh.per_channel)
                break;
            size_t o = div_index(q, sh.inner, sh.narrow);
            size_t i = (o * sh.channels + ch) * sh.inner + (q - o * sh.inner);
            double v = S::load(x[i]), g = S::load(dy[i]);
            if (!(v > 0.0))
                sum[0] += g * v;
            if (dx)
                dx[i] = S::store(g * prelu_slope(v, s));
        }
        block_sum<1>(sum, tree);
        if (threadIdx.x == 0)
            partial[b] = tree[0][0];
        __syncthreads(); /* tree is reused by the next chunk */
    }
}

/* dslope[c] = the sum of the channel's partials (fixed tree), stored in the
 * dtype as api.c does. */
template <class S>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    prelu_dslope_kernel(const double *partial, prelu_shape sh, typename S::T *dslope)
{
    __shared__ double tree[1][THREADS];
    for (size_t ch = blockIdx.x; ch < sh.channels; ch += gridDim.x) {
        double s[1] = {0.0};
        for (size_t r = threadIdx.x; r < sh.chunks_per_channel; r += THREADS)
            s[0] += partial[ch * sh.chunks_per_channel + r];
        block_sum<1>(s, tree);
        if (threadIdx.x == 0)
            dslope[ch] = S::store(tree[0][0]);
        __syncthreads();
    }
}

/* The buffers of a PReLU call (dy, dx, dslope, partial NULL when unused). */
struct prelu_bufs {
    const void *x, *dy, *slope;
    void *out, *dslope;
    double *partial;
};

template <class S>
static golu_status launch_prelu_fwd(const prelu_bufs &b, const prelu_shape &sh,
                                    cudaStream_t stream, int sms)
{
    typedef typename S::T T;
    prelu_fwd_kernel<S><<<golu_cuda_blocks(sh.n, sms), THREADS, 0, stream>>>(
        (const T *)b.x, (T *)b.out, (const T *)b.slope, sh);
    return golu_cuda_launched();
}

template <class S>
static golu_status launch_prelu_bwd(const prelu_bufs &b, const prelu_shape &sh,
                                    cudaStream_t stream, int sms)
{
    typedef typename S::T T;
    if (!b.dslope) {
        prelu_bwd_kernel<S><<<golu_cuda_blocks(sh.n, sms), THREADS, 0, stream>>>(
            (const T *)b.x, (const T *)b.dy, (T *)b.out, (const T *)b.slope, sh);
        return golu_cuda_launched();
    }
    size_t nblocks = sh.channels * sh.chunks_per_channel;
    prelu_bwd_sum_kernel<S>
        <<<golu_cuda_blocks(nblocks * THREADS, sms), THREADS, 0, stream>>>(
            (const T *)b.x, (const T *)b.dy, (T *)b.out, (const T *)b.slope, sh,
            b.partial);
    golu_status st = golu_cuda_launched();
    if (st != GOLU_OK)
        return st;
    prelu_dslope_kernel<S>
        <<<golu_cuda_blocks(sh.channels * THREADS, sms), THREADS, 0, stream>>>(
            b.partial, sh, (T *)b.dslope);
    return golu_cuda_launched();
}

/* launch<storage>(...) for the dtype. */
#define PRELU_DISPATCH(launch, dtype, ...)                                               \
    switch (dtype) {                                                                     \
    case GOLU_F32: return launch<st_f32>(__VA_ARGS__);                                   \
    case GOLU_F64: return launch<st_f64>(__VA_ARGS__);                                   \
    case GOLU_BF16: return launch<st_bf16>(__VA_ARGS__);                                 \
    case GOLU_F16: return launch<st_f16>(__VA_ARGS__);                                   \
    }                                                                                    \
    return GOLU_ERR_DTYPE

/* api.c's prelu_check, plus the size in bytes and element alignment. */
static golu_status prelu_check(golu_dtype dtype, const void *x, size_t n,
                               const void *slope, size_t channels, size_t inner)
{
    size_t es = golu_dtype_size(dtype);
    if (es == 0)
        return GOLU_ERR_DTYPE;
    if (channels == 0 || inner == 0 || n % channels != 0 || (n / channels) % inner != 0)
        return GOLU_ERR_SHAPE;
    if (n > 0 && (!slope || !x))
        return GOLU_ERR_NULL;
    if (n > SIZE_MAX / es || channels > SIZE_MAX / es || !golu_cuda_aligned(x, es) ||
        !golu_cuda_aligned(slope, es))
        return GOLU_ERR_SHAPE;
    return GOLU_OK;
}

static prelu_shape prelu_shape_make(size_t n, size_t channels, size_t inner)
{
    prelu_shape sh;
    sh.n = n;
    sh.channels = channels;
    sh.inner = inner;
    sh.per_channel = n / channels;
    sh.chunks_per_channel = chunks_of(sh.per_channel);
    sh.narrow = n <= UINT32_MAX;
    return sh;
}

golu_status golu_cuda_prelu_forward(golu_dtype dtype, const void *x, void *y, size_t n,
                                    const void *slope, size_t channels, size_t inner,
                                    void *stream)
{
    golu_status st = prelu_check(dtype, x, n, slope, channels, inner);
    if (st != GOLU_OK || n == 0)
        return st;
    if (!y)
        return GOLU_ERR_NULL;
    size_t es = golu_dtype_size(dtype), bytes = n * es;
    if (!golu_cuda_aligned(y, es))
        return GOLU_ERR_SHAPE;
    if (golu_partial_overlap(y, bytes, x, bytes) ||
        golu_cuda_overlap(y, bytes, slope, channels * es))
        return GOLU_ERR_ALIAS;
    int sms;
    if ((st = golu_cuda_sms(&sms)) != GOLU_OK)
        return st;
    prelu_bufs b = {x, NULL, slope, y, NULL, NULL};
    prelu_shape sh = prelu_shape_make(n, channels, inner);
    PRELU_DISPATCH(launch_prelu_fwd, dtype, b, sh, (cudaStream_t)stream, sms);
}

size_t golu_cuda_prelu_backward_workspace(size_t n, size_t channels, size_t inner)
{
    if (n == 0 || channels == 0 || inner == 0 || n % channels != 0 ||
        (n / channels) % inner != 0)
        return 0;
    return GOLU_CUDA_WS_SLACK + channels * chunks_of(n / channels) * sizeof(double);
}

/* The backward's buffer checks past prelu_check(), for n > 0: dy, then
 * alignment, dx against its inputs and the slopes, then the workspace
 * (only needed for dslope) against every other buffer. */
static golu_status prelu_bwd_check(golu_dtype dtype, const void *x, const void *dy,
                                   const void *dx, size_t n, const void *slope,
                                   size_t channels, size_t inner, const void *dslope,
                                   const void *ws, size_t ws_bytes)
{
    size_t es = golu_dtype_size(dtype), bytes = n * es, sbytes = channels * es;
    if (!dy)
        return GOLU_ERR_NULL;
    if (!golu_cuda_aligned(dy, es) || !golu_cuda_aligned(dx, es) ||
        !golu_cuda_aligned(dslope, es))
        return GOLU_ERR_SHAPE;
    if (dx && (golu_partial_overlap(dx, bytes, x, bytes) ||
               golu_partial_overlap(dx, bytes, dy, bytes) ||
               golu_cuda_overlap(dx, bytes, slope, sbytes)))
        return GOLU_ERR_ALIAS;
    if (!dslope)
        return GOLU_OK;
    if (golu_cuda_overlap(dslope, sbytes, x, bytes) ||
        golu_cuda_overlap(dslope, sbytes, dy, bytes) ||
        golu_cuda_overlap(dslope, sbytes, dx, bytes) ||
        golu_cuda_overlap(dslope, sbytes, slope, sbytes))
        return GOLU_ERR_ALIAS;
    if (!ws)
        return GOLU_ERR_NULL;
    if (ws_bytes < golu_cuda_prelu_backward_workspace(n, channels, inner))
        return GOLU_ERR_SHAPE;
    if (golu_cuda_overlap(ws, ws_bytes, x, bytes) ||
        golu_cuda_overlap(ws, ws_bytes, dy, bytes) ||
        golu_cuda_overlap(ws, ws_bytes, dx, bytes) ||
        golu_cuda_overlap(ws, ws_bytes, slope, sbytes) ||
        golu_cuda_overlap(ws, ws_bytes, dslope, sbytes))
        return GOLU_ERR_ALIAS;
    return GOLU_OK;
}

golu_status golu_cuda_prelu_backward(golu_dtype dtype, const void *x, const void *dy,
                                     void *dx, size_t n, const void *slope,
                                     size_t channels, size_t inner, void *dslope,
                                     void *workspace, size_t workspace_bytes,
                                     void *stream)
{
    golu_status st = prelu_check(dtype, x, n, slope, channels, inner);
    if (st != GOLU_OK)
        return st;
    size_t es = golu_dtype_size(dtype);
    if (n == 0) {
        if (!dslope)
            return GOLU_OK;
        if (!golu_cuda_aligned(dslope, es))
            return GOLU_ERR_SHAPE;
    } else {
        st = prelu_bwd_check(dtype, x, dy, dx, n, slope, channels, inner, dslope,
                             workspace, workspace_bytes);
        if (st != GOLU_OK || (!dx && !dslope))
            return st;
    }
    int sms;
    if ((st = golu_cuda_sms(&sms)) != GOLU_OK)
        return st;
    cudaStream_t s = (cudaStream_t)stream;
    if (n == 0) /* as on the CPU: every dslope[c] is the empty sum, +0 */
        return golu_cuda_status(cudaMemsetAsync(dslope, 0, channels * es, s));
    prelu_bufs b = {x,  dy,     slope,
                    dx, dslope, dslope ? golu_cuda_ws_align(workspace) : NULL};
    prelu_shape sh = prelu_shape_make(n, channels, inner);
    PRELU_DISPATCH(launch_prelu_bwd, dtype, b, sh, s, sms);
}
