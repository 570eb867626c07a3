/*
 * gpu.h - the CUDA runtime as the golu tool uses it: finding and opening a
 * GPU, describing it, and CUDA errors as messages. gpu.c is compiled only
 * with GOLU_HAVE_CUDA; this header needs no CUDA header (error codes are
 * cudaError_t values passed as int).
 */
#ifndef GOLU_TOOL_GPU_H
#define GOLU_TOOL_GPU_H

#include <stddef.h>

typedef struct gpu_device {
    int index;
    char name[256];
    int sms;
    long long l2_bytes, memory_bytes;
    int cc_major, cc_minor;
} gpu_device;

/*
 * The number of GPUs this process can use. 0 when there are none, and then
 * `why` (if not NULL) says so in words: "0 devices" or CUDA's reason (no
 * driver, driver too old, ...).
 */
int gpu_count(char *why, size_t why_len);

/*
 * Makes GPU `index` the calling thread's current device and describes it.
 * Returns 0, or the exit status after printing why not: 1 when there is no
 * GPU ("--gpu: no GPU is present (...)") or CUDA fails, 2 when there is no
 * GPU `index` (a bad --device).
 */
int gpu_open(int index, gpu_device *out);

/* The CUDA runtime's and the driver's versions as "13.0"; the driver's is
 * "none" without a driver. */
void gpu_versions(char *runtime, char *driver, size_t len);

/* 0 if err (a cudaError_t) is cudaSuccess; else prints
 * "golu <cmd>: <what>: <CUDA's message>" and returns 1. */
int gpu_check(int err, const char *what);

#endif
