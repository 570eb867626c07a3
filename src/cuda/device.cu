/*
 * device.cu - the GPU part's host plumbing: which devices there are, the
 * cached SM counts, CUDA errors as golu_status, launch sizes, and the
 * argument checks of the elementwise calls.
 */
#include <atomic>
#include <string.h>

#include "cuda_internal.h"

/* SM counts by device ordinal, 0 = not asked yet. Devices past the table
 * are asked on every call (correct, a little slower). */
#define SM_CACHE_DEVICES 64
static std::atomic<int> sm_cache[SM_CACHE_DEVICES];

golu_status golu_cuda_status(cudaError_t err)
{
    switch (err) {
    case cudaSuccess: return GOLU_OK;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorStubLibrary: return GOLU_ERR_NO_DEVICE;
    default: return GOLU_ERR_DEVICE;
    }
}

golu_status golu_cuda_sms(int *sms)
{
    int dev;
    cudaError_t err = cudaGetDevice(&dev);
    if (err != cudaSuccess)
        return golu_cuda_status(err);
    int cached = dev >= 0 && dev < SM_CACHE_DEVICES
                     ? sm_cache[dev].load(std::memory_order_relaxed)
                     : 0;
    if (cached > 0) {
        *sms = cached;
        return GOLU_OK;
    }
    int n = 0;
    err = cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev);
    if (err != cudaSuccess)
        return golu_cuda_status(err);
    if (n < 1)
        return GOLU_ERR_DEVICE;
    /* Two threads may both ask: they store the same value. */
    if (dev >= 0 && dev < SM_CACHE_DEVICES)
        sm_cache[dev].store(n, std::memory_order_relaxed);
    *sms = n;
    return GOLU_OK;
}

golu_status golu_cuda_launched(void)
{
    return golu_cuda_status(cudaGetLastError());
}

unsigned golu_cuda_blocks(size_t items, int sms)
{
    size_t want = (items + GOLU_CUDA_THREADS - 1) / GOLU_CUDA_THREADS;
    size_t full = (size_t)sms * 8;
    size_t b = want < full ? want : full;
    return b > 0 ? (unsigned)b : 1u;
}

golu_status golu_cuda_check_ew(const golu_act *act, golu_dtype dtype, size_t n,
                               const void *out, const void *in1, const void *in2,
                               int two_inputs)
{
    if (!act)
        return GOLU_ERR_NULL;
    golu_status st = golu_act_check(act);
    if (st != GOLU_OK)
        return st;
    size_t es = golu_dtype_size(dtype);
    if (es == 0)
        return GOLU_ERR_DTYPE;
    if (n == 0)
        return GOLU_OK;
    if (!out || !in1 || (two_inputs && !in2))
        return GOLU_ERR_NULL;
    size_t bytes = n * es;
    if (bytes / es != n)
        return GOLU_ERR_SHAPE;
    if (!golu_cuda_aligned(out, es) || !golu_cuda_aligned(in1, es) ||
        !golu_cuda_aligned(in2, es))
        return GOLU_ERR_SHAPE;
    if (golu_partial_overlap(out, bytes, in1, bytes) ||
        (in2 && golu_partial_overlap(out, bytes, in2, bytes)))
        return GOLU_ERR_ALIAS;
    return GOLU_OK;
}

/* ------------------------------------------------------------ public API */

int golu_cuda_device_count(void)
{
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        /* no GPU or no driver: clear the error so that it does not show up
         * in a later cudaGetLastError() of the caller */
        if (golu_cuda_status(err) == GOLU_ERR_NO_DEVICE)
            cudaGetLastError();
        return 0;
    }
    return n;
}

golu_status golu_cuda_device_name(int device, char *buf, size_t len)
{
    if (!buf || len == 0)
        return GOLU_ERR_NULL;
    if (device < 0 || device >= golu_cuda_device_count())
        return GOLU_ERR_NO_DEVICE;
    cudaDeviceProp prop;
    cudaError_t err = cudaGetDeviceProperties(&prop, device);
    if (err != cudaSuccess)
        return golu_cuda_status(err);
    size_t m = strnlen(prop.name, sizeof prop.name);
    if (m > len - 1)
        m = len - 1;
    memcpy(buf, prop.name, m);
    buf[m] = '\0';
    return GOLU_OK;
}
