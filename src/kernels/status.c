/* status.c - the words for each status code. */
#include "internal.h"

const char *golu_status_str(golu_status status)
{
    switch (status) {
    case GOLU_OK: return "success";
    case GOLU_ERR_NULL: return "a required pointer is NULL";
    case GOLU_ERR_DTYPE: return "unknown dtype";
    case GOLU_ERR_ACT: return "unknown activation kind";
    case GOLU_ERR_PARAM: return "an activation parameter is out of range";
    case GOLU_ERR_NAME: return "unknown name";
    case GOLU_ERR_ISA: return "unknown SIMD path (ISA)";
    case GOLU_ERR_ISA_UNSUPPORTED:
        return "the SIMD path is not supported by this CPU or build";
    case GOLU_ERR_THREADS: return "thread count must be >= 0";
    case GOLU_ERR_SHAPE: return "sizes are inconsistent";
    case GOLU_ERR_ALIAS: return "an output partially overlaps an input";
    case GOLU_ERR_NO_PARAMS: return "the activation has no learnable parameters";
    case GOLU_ERR_NO_MEMORY: return "out of memory";
    case GOLU_ERR_NO_DEVICE: return "no usable GPU, or no GPU support in this build";
    case GOLU_ERR_DEVICE: return "the GPU runtime reported an error";
    case GOLU_ERR_UNSUPPORTED: return "this call does not take the dtype given";
    }
    return "unknown status code";
}
