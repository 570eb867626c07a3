/*
 * elementwise.cu - golu_cuda_forward and golu_cuda_backward: one kernel per
 * (storage type, activation, direction), instantiated from two templates.
 *
 * Memory: each thread moves 16 bytes per step (float4, 8 halves, double2)
 * over the 16-byte aligned body of the arrays; the few elements before the
 * first 16-byte boundary (the head) and after the last whole vector (the
 * tail) go one by one. When the buffers are not aligned alike (x at 4 mod 16,
 * y at 8 mod 16, say) no common body exists and every element goes one by
 * one (still coalesced). Grid-stride loops over enough blocks to fill the
 * GPU. Each thread reads an element before writing the same element, so
 * y == x, dx == dy and dx == x are safe; nothing outside [0, n) is touched.
 */
#include <type_traits>

#include "cuda_internal.h"
#include "ops_cuda.h"

#define THREADS    GOLU_CUDA_THREADS
#define MIN_BLOCKS GOLU_CUDA_MIN_BLOCKS

/* [0, n) as a scalar head [0, head), nvec vectors of V elements from head,
 * and a scalar tail from head + nvec * V. */
struct span {
    size_t n, head, nvec;
};

/* The split for buffers a, b and c (c may be NULL) of esize-byte elements,
 * lanes per 16 bytes. */
static span make_span(size_t n, size_t esize, size_t lanes, const void *a, const void *b,
                      const void *c)
{
    span sp = {n, n, 0}; /* all scalar */
    uintptr_t mis = (uintptr_t)a % 16;
    if ((uintptr_t)b % 16 != mis || (c && (uintptr_t)c % 16 != mis))
        return sp;
    size_t head = ((16 - mis) % 16) / esize; /* elements are esize-aligned */
    if (head >= n)
        return sp;
    sp.head = head;
    sp.nvec = (n - head) / lanes;
    return sp;
}

/* Work items of a span: vectors and scalars run in two grid-stride loops. */
static size_t span_items(const span &sp, size_t lanes)
{
    size_t scalars = sp.n - sp.nvec * lanes;
    return sp.nvec > scalars ? sp.nvec : scalars;
}

template <class T>
static __device__ __forceinline__ void load16(const T *p, T (&e)[16 / sizeof(T)])
{
    uint4 u = *reinterpret_cast<const uint4 *>(p);
    memcpy(e, &u, 16);
}

template <class T>
static __device__ __forceinline__ void store16(T *p, const T (&e)[16 / sizeof(T)])
{
    uint4 u;
    memcpy(&u, e, 16);
    *reinterpret_cast<uint4 *>(p) = u;
}

/* Index of the k-th scalar element: the head, then the tail. */
static __device__ __forceinline__ size_t scalar_index(const span &sp, size_t k,
                                                      size_t lanes)
{
    return k < sp.head ? k : sp.head + sp.nvec * lanes + (k - sp.head);
}

/* y[i] = store(op.fwd(load(x[i]))) */
template <class S, class Op>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    fwd_kernel(const typename S::T *x, typename S::T *y, span sp, Op op)
{
    typedef typename S::T T;
    const size_t stride = (size_t)gridDim.x * THREADS;
    const size_t tid = (size_t)blockIdx.x * THREADS + threadIdx.x;
    for (size_t v = tid; v < sp.nvec; v += stride) {
        size_t i = sp.head + v * S::V;
        T e[S::V];
        load16(x + i, e);
#pragma unroll
        for (int k = 0; k < S::V; k++)
            e[k] = S::store(op.fwd(S::load(e[k])));
        store16(y + i, e);
    }
    const size_t scalars = sp.n - sp.nvec * S::V;
    for (size_t k = tid; k < scalars; k += stride) {
        size_t i = scalar_index(sp, k, S::V);
        y[i] = S::store(op.fwd(S::load(x[i])));
    }
}

/* dx[i] = store(op.bwd(load(x[i]), load(dy[i]))) */
template <class S, class Op>
__global__ void __launch_bounds__(THREADS, MIN_BLOCKS)
    bwd_kernel(const typename S::T *x, const typename S::T *dy, typename S::T *dx,
               span sp, Op op)
{
    typedef typename S::T T;
    const size_t stride = (size_t)gridDim.x * THREADS;
    const size_t tid = (size_t)blockIdx.x * THREADS + threadIdx.x;
    for (size_t v = tid; v < sp.nvec; v += stride) {
        size_t i = sp.head + v * S::V;
        T ex[S::V], ed[S::V];
        load16(x + i, ex);
        load16(dy + i, ed);
#pragma unroll
        for (int k = 0; k < S::V; k++)
            ed[k] = S::store(op.bwd(S::load(ex[k]), S::load(ed[k])));
        store16(dx + i, ed);
    }
    const size_t scalars = sp.n - sp.nvec * S::V;
    for (size_t k = tid; k < scalars; k += stride) {
        size_t i = scalar_index(sp, k, S::V);
        dx[i] = S::store(op.bwd(S::load(x[i]), S::load(dy[i])));
    }
}

/* ---------------------------------------------------------------- launch */

/* One call's buffers (dy NULL for the forward) and launch settings. */
struct ew_call {
    golu_dtype dtype;
    const void *x, *dy;
    void *out;
    size_t n;
    cudaStream_t stream;
    int sms;
};

template <class S, class Op> static golu_status launch(const ew_call &c, const Op &op)
{
    typedef typename S::T T;
    span sp = make_span(c.n, sizeof(T), S::V, c.x, c.out, c.dy);
    unsigned blocks = golu_cuda_blocks(span_items(sp, S::V), c.sms);
    if (c.dy)
        bwd_kernel<S, Op><<<blocks, THREADS, 0, c.stream>>>(
            (const T *)c.x, (const T *)c.dy, (T *)c.out, sp, op);
    else
        fwd_kernel<S, Op>
            <<<blocks, THREADS, 0, c.stream>>>((const T *)c.x, (T *)c.out, sp, op);
    return golu_cuda_launched();
}

template <class Op>
static golu_status launch_family(const ew_call &c, const Op &op, f32_family)
{
    switch (c.dtype) {
    case GOLU_F32: return launch<st_f32>(c, op);
    case GOLU_BF16: return launch<st_bf16>(c, op);
    case GOLU_F16: return launch<st_f16>(c, op);
    default: return GOLU_ERR_DTYPE;
    }
}

template <class Op>
static golu_status launch_family(const ew_call &c, const Op &op, f64_family)
{
    return launch<st_f64>(c, op);
}

/* Checks done: runs act on the call's buffers. */
static golu_status run(const golu_act *act, const ew_call &c)
{
    auto go = [&c](const auto &op) {
        typedef typename std::decay<decltype(op)>::type op_t;
        return launch_family(c, op, typename op_t::family());
    };
    return c.dtype == GOLU_F64 ? with_f64_op(act, go) : with_f32_op(act, go);
}

golu_status golu_cuda_forward(const golu_act *act, golu_dtype dtype, const void *x,
                              void *y, size_t n, void *stream)
{
    golu_status st = golu_cuda_check_ew(act, dtype, n, y, x, NULL, 0);
    if (st != GOLU_OK || n == 0)
        return st;
    ew_call c = {dtype, x, NULL, y, n, (cudaStream_t)stream, 0};
    if ((st = golu_cuda_sms(&c.sms)) != GOLU_OK)
        return st;
    return run(act, c);
}

golu_status golu_cuda_backward(const golu_act *act, golu_dtype dtype, const void *x,
                               const void *dy, void *dx, size_t n, void *stream)
{
    golu_status st = golu_cuda_check_ew(act, dtype, n, dx, x, dy, 1);
    if (st != GOLU_OK || n == 0)
        return st;
    ew_call c = {dtype, x, dy, dx, n, (cudaStream_t)stream, 0};
    if ((st = golu_cuda_sms(&c.sms)) != GOLU_OK)
        return st;
    return run(act, c);
}
