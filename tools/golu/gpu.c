/*
 * gpu.c - finding, opening and describing a GPU for the golu tool (built
 * only with GOLU_HAVE_CUDA; see gpu.h).
 */
#include "gpu.h"

#include <cuda_runtime_api.h>
#include <stdio.h>

#include "cli.h"

/* Under AddressSanitizer the CUDA driver needs the shadow gap unprotected
 * (it maps memory there), and the runtime's allocations live until exit:
 * as in tests/test_cuda.c. The CUDA builds of the tool only. */
#if defined(__SANITIZE_ADDRESS__)
#define GOLU_TOOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOLU_TOOL_ASAN 1
#endif
#endif
#ifdef GOLU_TOOL_ASAN
const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
    return "protect_shadow_gap=0:detect_leaks=0";
}
#endif

int gpu_count(char *why, size_t why_len)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        /* No driver, a driver older than the runtime, no device: CUDA
         * says which. The runtime remembers the error: clear it. */
        (void)cudaGetLastError();
        count = 0;
    }
    if (count == 0 && why && why_len) {
        int driver = 0;
        if (e == cudaSuccess)
            snprintf(why, why_len, "0 devices");
        else if (cudaDriverGetVersion(&driver) == cudaSuccess && driver == 0)
            snprintf(why, why_len, "no NVIDIA driver is installed");
        else
            snprintf(why, why_len, "%s", cudaGetErrorString(e));
    }
    return count;
}

int gpu_check(int err, const char *what)
{
    if (err == (int)cudaSuccess)
        return 0;
    cli_error("%s: %s", what, cudaGetErrorString((cudaError_t)err));
    return 1;
}

int gpu_open(int index, gpu_device *out)
{
    char why[256];
    int count = gpu_count(why, sizeof why);
    if (count == 0) {
        cli_error("--gpu: no GPU is present (%s)", why);
        return 1;
    }
    if (index >= count) {
        cli_error("--device: there is no GPU %d (this machine has %d: 0 to %d)", index,
                  count, count - 1);
        return 2;
    }
    struct cudaDeviceProp p;
    if (gpu_check(cudaSetDevice(index), "cudaSetDevice") ||
        gpu_check(cudaGetDeviceProperties(&p, index), "cudaGetDeviceProperties"))
        return 1;
    out->index = index;
    snprintf(out->name, sizeof out->name, "%s", p.name);
    out->sms = p.multiProcessorCount;
    out->l2_bytes = p.l2CacheSize;
    out->memory_bytes = (long long)p.totalGlobalMem;
    out->cc_major = p.major;
    out->cc_minor = p.minor;
    return 0;
}

/* 13000 -> "13.0", 12080 -> "12.8". */
static void version_text(int v, char *buf, size_t len)
{
    snprintf(buf, len, "%d.%d", v / 1000, v % 1000 / 10);
}

void gpu_versions(char *runtime, char *driver, size_t len)
{
    int r = 0, d = 0;
    if (cudaRuntimeGetVersion(&r) == cudaSuccess && r > 0)
        version_text(r, runtime, len);
    else
        snprintf(runtime, len, "unknown");
    /* 0 (and cudaSuccess) when no driver is installed */
    if (cudaDriverGetVersion(&d) == cudaSuccess && d > 0)
        version_text(d, driver, len);
    else
        snprintf(driver, len, "none");
}
