/*
 * cuda_internal.h - what the CUDA translation units share (host side): the
 * device query, error mapping, launch sizes and the argument checks that
 * mirror api.c's.
 */
#ifndef GOLU_CUDA_INTERNAL_H
#define GOLU_CUDA_INTERNAL_H

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#include "golu_cuda.h"
#include "internal.h"

/* Threads per block of every kernel. */
#define GOLU_CUDA_THREADS 256
/* Blocks per SM the kernels are compiled for (__launch_bounds__): 2 lets
 * ptxas use up to 128 registers, so the double-precision kernels do not
 * spill (with no minimum given, nvcc 13 held them to 64 and spilled). */
#define GOLU_CUDA_MIN_BLOCKS 2

/* Extra workspace bytes so that any caller pointer can be aligned up. */
#define GOLU_CUDA_WS_SLACK 16

/* The status for a CUDA error: GOLU_OK, GOLU_ERR_NO_DEVICE (no GPU, no or
 * too old a driver, busy devices), else GOLU_ERR_DEVICE. */
GOLU_HIDDEN golu_status golu_cuda_status(cudaError_t err);

/* The number of SMs of the calling thread's current device (queried once
 * per device and cached; thread-safe), or the error status. */
GOLU_HIDDEN golu_status golu_cuda_sms(int *sms);

/* Call right after a launch: GOLU_OK when it was queued, else the error
 * (cudaGetLastError(), which also reports an earlier failure). */
GOLU_HIDDEN golu_status golu_cuda_launched(void);

/* Blocks for `items` work items (one per thread): enough to fill the GPU
 * (8 blocks per SM), no more than the work needs, at least 1. The kernels
 * loop with a grid stride, so any grid covers all the work. */
GOLU_HIDDEN unsigned golu_cuda_blocks(size_t items, int sms);

/* 1 when p is aligned to `size` bytes (NULL counts as aligned). */
static inline int golu_cuda_aligned(const void *p, size_t size)
{
    return (uintptr_t)p % size == 0;
}

/* 1 when [a, a+an) and [b, b+bn) share a byte (any overlap; for buffers
 * that one kernel reads while another thread writes). */
static inline int golu_cuda_overlap(const void *a, size_t an, const void *b, size_t bn)
{
    return golu_overlap(a, an, b, bn);
}

/* The workspace pointer aligned up to 16 bytes. */
static inline double *golu_cuda_ws_align(void *ws)
{
    return (double *)(((uintptr_t)ws + 15) & ~(uintptr_t)15);
}

/*
 * The checks of the elementwise calls, in api.c's order: act (NULL, then its
 * kind and parameters), dtype; n == 0 passes; then the buffers: NULL, a size
 * in bytes that overflows or a pointer not aligned to the element
 * (GOLU_ERR_SHAPE), an output partially overlapping an input. in2 may be
 * NULL when the call has one input.
 */
GOLU_HIDDEN golu_status golu_cuda_check_ew(const golu_act *act, golu_dtype dtype,
                                           size_t n, const void *out, const void *in1,
                                           const void *in2, int two_inputs);

#endif
