/*
 * golu_cuda.h - libgolu on NVIDIA GPUs: the activations of golu.h, forward
 * and backward, on device memory, on the caller's CUDA stream.
 *
 * Link with -lgolu_cuda -lgolu (pkg-config golu_cuda). This header needs no
 * CUDA header: a stream is a cudaStream_t passed as void * (NULL is the
 * default stream).
 *
 * Contract (docs/CUDA.md has it whole; the rest is golu.h's, docs/API.md):
 *   - Pointers are device pointers (cudaMalloc, cudaMallocAsync, managed),
 *     on the current device of the calling thread, aligned to their element
 *     size; no other alignment is needed. Any n: for n == 0 nothing is read
 *     and the inputs may be NULL (the reductions still store their zero
 *     sums). Outputs may alias their inputs exactly (y == x, dx == dy,
 *     dx == x), never partially (GOLU_ERR_ALIAS).
 *   - Asynchronous: a call checks its arguments on the host, queues its
 *     kernels on `stream` and returns; results are ready once the stream has
 *     reached them (cudaStreamSynchronize, events). A status other than
 *     GOLU_OK means nothing was queued, except GOLU_ERR_DEVICE, which may also
 *     come from an earlier failure on the device (CUDA reports errors late).
 *   - GOLU_ERR_NO_DEVICE: no usable GPU or driver. GOLU_ERR_DEVICE: a CUDA
 *     call or a kernel launch failed. Pointers not aligned to their element
 *     size: GOLU_ERR_SHAPE (a GPU cannot load them). The library never
 *     prints, never exits, allocates no device memory (reductions use a
 *     workspace the caller provides) and keeps no pointer after a call.
 *   - Bits: float32, bfloat16 and float16 results are those of the CPU
 *     library (golu_forward and friends) for every input, NaN payloads
 *     aside; float64 too, except GELU (erf form), within 9 ulp of the exact
 *     value on the GPU (0.501 on the CPU). Parameter gradients are sums in
 *     double in a fixed order: identical from run to run and on every GPU,
 *     equal to the CPU's up to the order of summation.
 *   - Thread safety: every function may be called from any host thread.
 */
#ifndef GOLU_CUDA_H
#define GOLU_CUDA_H

#include <stddef.h>

#include "golu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The number of CUDA devices this process can use; 0 without a GPU or a
 * driver (never an error). */
GOLU_API int golu_cuda_device_count(void);

/* The device's name (e.g. "NVIDIA H100 80GB HBM3") into buf, truncated to
 * len - 1 characters and NUL-terminated. GOLU_ERR_NULL for a NULL buf or
 * len 0, GOLU_ERR_NO_DEVICE for a device that does not exist. */
GOLU_API golu_status golu_cuda_device_name(int device, char *buf, size_t len);

/* y[i] = f(x[i]) for i < n, as golu_forward. y may equal x. */
GOLU_API golu_status golu_cuda_forward(const golu_act *act, golu_dtype dtype,
                                       const void *x, void *y, size_t n, void *stream);

/* dx[i] = dy[i] * f'(x[i]) for i < n, as golu_backward. dx may equal dy or
 * x. */
GOLU_API golu_status golu_cuda_backward(const golu_act *act, golu_dtype dtype,
                                        const void *x, const void *dy, void *dx, size_t n,
                                        void *stream);

/* Bytes of device workspace golu_cuda_param_grad needs for n elements (0 for
 * n == 0); a few bytes per 4096 elements. */
GOLU_API size_t golu_cuda_param_grad_workspace(size_t n);

/*
 * out[k] = sum_i dy[i] * df(x[i])/dparam_k, as golu_param_grad: GoLU gives
 * (d/dalpha, d/dbeta, d/dgamma), LeakyReLU and PReLU give d/dalpha in
 * out[0] (the others 0), other activations GOLU_ERR_NO_PARAMS. out is a
 * DEVICE pointer to 3 doubles, written when the stream gets there; out
 * overlapping x or dy is GOLU_ERR_ALIAS.
 * workspace: device memory of at least golu_cuda_param_grad_workspace(n)
 * bytes (any alignment; GOLU_ERR_SHAPE when too small), not overlapping x,
 * dy or out; free to reuse once the stream has passed this call. The sum:
 * fixed blocks of 4096 elements, each summed by a fixed tree, then the block
 * sums by a fixed tree, all in double: the same bits on every run and GPU.
 */
GOLU_API golu_status golu_cuda_param_grad(const golu_act *act, golu_dtype dtype,
                                          const void *x, const void *dy, size_t n,
                                          double *out, void *workspace,
                                          size_t workspace_bytes, void *stream);

/*
 * PReLU with one slope per channel, as golu_prelu_forward: x viewed as
 * (outer, channels, inner), slope holds `channels` values of dtype (device
 * memory). y may equal x; y overlapping slope is GOLU_ERR_ALIAS.
 */
GOLU_API golu_status golu_cuda_prelu_forward(golu_dtype dtype, const void *x, void *y,
                                             size_t n, const void *slope, size_t channels,
                                             size_t inner, void *stream);

/* Bytes of device workspace golu_cuda_prelu_backward needs to compute
 * dslope (0 for n == 0 or an inconsistent shape). */
GOLU_API size_t golu_cuda_prelu_backward_workspace(size_t n, size_t channels,
                                                   size_t inner);

/*
 * As golu_prelu_backward: dx = dy * (x > 0 ? 1 : slope[c]), dslope[c] = the
 * sum over the channel of dy * x where x <= 0, accumulated in double and
 * stored in dtype. dx or dslope may be NULL to skip it. With dslope, the
 * workspace must hold golu_cuda_prelu_backward_workspace(n, channels, inner)
 * bytes (it may be NULL otherwise) and overlap no other buffer; each
 * channel is summed in fixed blocks and a fixed tree: the same bits on every
 * run. dx may equal dy or x; dx overlapping slope, or dslope overlapping
 * x, dy, dx or slope, is GOLU_ERR_ALIAS.
 */
GOLU_API golu_status golu_cuda_prelu_backward(golu_dtype dtype, const void *x,
                                              const void *dy, void *dx, size_t n,
                                              const void *slope, size_t channels,
                                              size_t inner, void *dslope, void *workspace,
                                              size_t workspace_bytes, void *stream);

#ifdef __cplusplus
}
#endif

#endif /* GOLU_CUDA_H */
