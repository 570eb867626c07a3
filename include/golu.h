/*
 * golu.h - the Gompertz Linear Unit and its peers, exact and fast.
 *
 * libgolu computes activation functions and their gradients over contiguous
 * arrays ("tensors" of any shape, viewed as n elements):
 *
 *     GoLU(x) = alpha * x * exp(-beta * exp(-gamma * x))     (defaults 1, 1, 1)
 *     ReLU, LeakyReLU, PReLU, ELU, GELU (erf and tanh forms), SiLU/Swish, Mish
 *
 * in float32, float64, bfloat16 and float16 storage, on the CPU with the best
 * SIMD path the machine has (detected once at run time).
 *
 * Contract in brief (docs/API.md has it whole):
 *   - Every function returns a golu_status; GOLU_OK is 0. The library never
 *     prints, never exits and never aborts on a caller's mistake.
 *   - The caller owns every buffer. The library keeps no pointer after a call
 *     returns and allocates nothing on the compute paths.
 *   - Any length (0 included), any element-aligned address (no SIMD alignment
 *     needed). Outputs may alias their inputs exactly (y == x, dx == dy,
 *     dx == x), never partially.
 *   - Results never depend on the thread count or on the SIMD path (for
 *     float32 GoLU the bits are identical on every path).
 *   - float32 GoLU is within 1 ulp of the exact value for every input; NaN in
 *     x or dy gives NaN; infinities and signed zeros follow the limits.
 *   - bfloat16 and float16 are computed in float32 and rounded once at the end.
 *
 * Thread safety: all functions are safe to call concurrently. A golu_ctx may be
 * shared by threads as long as none of them changes its settings meanwhile.
 */
#ifndef GOLU_H
#define GOLU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GOLU_VERSION_MAJOR  0
#define GOLU_VERSION_MINOR  1
#define GOLU_VERSION_PATCH  0
#define GOLU_VERSION_STRING "0.1.0"

#if defined(_WIN32)
#define GOLU_API
#elif defined(__GNUC__)
#define GOLU_API __attribute__((visibility("default")))
#else
#define GOLU_API
#endif

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

typedef enum golu_status {
    GOLU_OK = 0,                  /* success */
    GOLU_ERR_NULL = 1,            /* a required pointer is NULL */
    GOLU_ERR_DTYPE = 2,           /* unknown dtype value */
    GOLU_ERR_ACT = 3,             /* unknown activation kind */
    GOLU_ERR_PARAM = 4,           /* an activation parameter is out of range */
    GOLU_ERR_NAME = 5,            /* a name (activation, ISA, dtype) is not known */
    GOLU_ERR_ISA = 6,             /* the requested SIMD path is unknown */
    GOLU_ERR_ISA_UNSUPPORTED = 7, /* the requested SIMD path is not on this CPU
                                     or not in this build (GOLU_ISA included) */
    GOLU_ERR_THREADS = 8,         /* thread count is negative */
    GOLU_ERR_SHAPE = 9,           /* sizes are inconsistent (PReLU channels) */
    GOLU_ERR_ALIAS = 10,          /* an output partially overlaps an input */
    GOLU_ERR_NO_PARAMS = 11,      /* the activation has no learnable parameters */
    GOLU_ERR_NO_MEMORY = 12,      /* an allocation failed */
    GOLU_ERR_NO_DEVICE = 13,      /* no usable GPU (or no GPU support in this build) */
    GOLU_ERR_DEVICE = 14,     /* the GPU runtime reported an error (launch included) */
    GOLU_ERR_UNSUPPORTED = 15 /* this call does not take the dtype given */
} golu_status;

/* A constant English sentence for the status; never NULL, also for unknown
 * values. */
GOLU_API const char *golu_status_str(golu_status status);

/* ------------------------------------------------------------------------ */
/* Element types                                                             */
/* ------------------------------------------------------------------------ */

typedef enum golu_dtype {
    GOLU_F32 = 0,  /* IEEE binary32, float */
    GOLU_F64 = 1,  /* IEEE binary64, double */
    GOLU_BF16 = 2, /* bfloat16, stored as uint16_t (upper half of a float) */
    GOLU_F16 = 3   /* IEEE binary16, stored as uint16_t */
} golu_dtype;

/* Bytes per element, or 0 for an unknown dtype. */
GOLU_API size_t golu_dtype_size(golu_dtype dtype);
/* "f32", "f64", "bf16", "f16"; "?" for an unknown value. */
GOLU_API const char *golu_dtype_name(golu_dtype dtype);
/* Accepts the names above and "float32", "float64", "bfloat16", "float16". */
GOLU_API golu_status golu_dtype_from_name(const char *name, golu_dtype *out);

/* ------------------------------------------------------------------------ */
/* Activations                                                               */
/* ------------------------------------------------------------------------ */

/*
 * GOLU_ACT_LIST(X): every activation, one X(...) per kind, in value order. It
 * is the one place a kind is declared: the enum below, the names and aliases
 * (golu_act_name, golu_act_from_name), the defaults (golu_act_default), the
 * parameter rules (golu_act_check), which kinds have golu_param_grad, the
 * library's kernel tables and the golu tool's help texts and plot colours
 * are all expanded from it. X receives, in this order:
 *   E      the enum suffix: GOLU_ACT_<E>
 *   name   the canonical lower-case name (golu_act_name)
 *   value  the enum value: part of the ABI, never changed or reused
 *   alias  another name golu_act_from_name accepts, shown in help texts
 *          ("" for none)
 *   quiet  another spelling it accepts, not shown ("" for none)
 *   alpha, beta, gamma   the default parameters (0 where unused)
 *   grads  how many entries golu_param_grad fills (0: GOLU_ERR_NO_PARAMS)
 *   rule   the parameters golu_act_check accepts: none (all ignored),
 *          positive (alpha, beta, gamma finite and > 0), finite (alpha
 *          finite), nonnegative (alpha finite and >= 0)
 *   kern   the library's kernel family (internal; PReLU runs LeakyReLU's)
 *   color  its colour in the golu tool's plots ("#rrggbb")
 *   desc   its definition, one line
 * A new kind goes at the end with the next value; docs/HACKING.md has the
 * steps.
 */
#define GOLU_ACT_LIST(X)                                                                 \
    X(GOLU, "golu", 0, "", "", 1.0, 1.0, 1.0, 3, positive, golu, "#d62728",              \
      "alpha*x*exp(-beta*exp(-gamma*x))")                                                \
    X(RELU, "relu", 1, "", "", 0.0, 0.0, 0.0, 0, none, relu, "#7f7f7f", "max(x, 0)")     \
    X(LEAKY_RELU, "leaky_relu", 2, "", "leakyrelu", 0.01, 0.0, 0.0, 1, finite, leaky,    \
      "#bcbd22", "x > 0 ? x : alpha*x")                                                  \
    X(PRELU, "prelu", 3, "", "", 0.25, 0.0, 0.0, 1, finite, leaky, "#8c564b",            \
      "as LeakyReLU, alpha learnable; per-channel slopes: golu_prelu_forward()")         \
    X(ELU, "elu", 4, "", "", 1.0, 0.0, 0.0, 0, nonnegative, elu, "#17becf",              \
      "x > 0 ? x : alpha*(exp(x)-1)")                                                    \
    X(GELU, "gelu", 5, "", "", 0.0, 0.0, 0.0, 0, none, gelu, "#1f77b4",                  \
      "x * Phi(x), Phi the normal CDF (erf form)")                                       \
    X(GELU_TANH, "gelu_tanh", 6, "", "", 0.0, 0.0, 0.0, 0, none, gelu_tanh, "#aec7e8",   \
      "0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3)))")                                         \
    X(SILU, "silu", 7, "swish", "", 0.0, 0.0, 0.0, 0, none, silu, "#2ca02c",             \
      "x * sigmoid(x), also called Swish")                                               \
    X(MISH, "mish", 8, "", "", 0.0, 0.0, 0.0, 0, none, mish, "#9467bd",                  \
      "x * tanh(softplus(x))")

#define GOLU_ACT_ENUM_(E, name, value, ...) GOLU_ACT_##E = value,
typedef enum golu_act_kind {
    GOLU_ACT_LIST(GOLU_ACT_ENUM_) /* GOLU_ACT_<E> = value, in list order */
    GOLU_ACT_COUNT                /* the number of kinds; not a kind */
} golu_act_kind;
#undef GOLU_ACT_ENUM_

/*
 * An activation: its kind and its scalar parameters. A plain value the caller
 * owns; make one with golu_act_default() or golu_act_from_name() and change
 * the parameters as needed. Parameters a kind does not use are ignored.
 *   GoLU:      alpha, beta, gamma, each finite and > 0.
 *   LeakyReLU, PReLU: alpha is the negative slope, any finite value.
 *   ELU:       alpha, finite and >= 0.
 */
typedef struct golu_act {
    golu_act_kind kind;
    double alpha;
    double beta;
    double gamma;
} golu_act;

/* The activation with its default parameters, its row's alpha, beta, gamma
 * in GOLU_ACT_LIST (GoLU 1,1,1; LeakyReLU 0.01; PReLU 0.25; ELU 1). An
 * unknown kind gives kind GOLU_ACT_COUNT, which every compute call refuses
 * with GOLU_ERR_ACT. */
GOLU_API golu_act golu_act_default(golu_act_kind kind);

/* Looks a name up, case-insensitively: a GOLU_ACT_LIST row's name, alias or
 * quiet spelling ("golu", "leaky_relu" or "leakyrelu", "silu" or "swish",
 * ...), giving its defaults. Unknown names give GOLU_ERR_NAME and leave *out
 * untouched: there is no fallback. */
GOLU_API golu_status golu_act_from_name(const char *name, golu_act *out);

/* The canonical lower-case name of a kind (its row's name); "?" for an
 * unknown value. */
GOLU_API const char *golu_act_name(golu_act_kind kind);

/* GOLU_OK when the activation's kind and parameters are valid (its row's
 * rule; GOLU_ERR_ACT for an unknown kind, GOLU_ERR_PARAM for a parameter out
 * of range). */
GOLU_API golu_status golu_act_check(const golu_act *act);

/* ------------------------------------------------------------------------ */
/* Execution context: thread count and SIMD path                             */
/* ------------------------------------------------------------------------ */

typedef enum golu_isa {
    GOLU_ISA_AUTO = 0,   /* the best path (or the one GOLU_ISA names) */
    GOLU_ISA_SCALAR = 1, /* portable C */
    GOLU_ISA_AVX2 = 2,   /* x86-64 AVX2 + FMA */
    GOLU_ISA_AVX512 = 3, /* x86-64 AVX-512 F/DQ/BW/VL */
    GOLU_ISA_NEON = 4,   /* AArch64 Advanced SIMD */
    GOLU_ISA_COUNT = 5
} golu_isa;

/* "auto", "scalar", "avx2", "avx512", "neon"; "?" for an unknown value. */
GOLU_API const char *golu_isa_name(golu_isa isa);
/* Case-insensitive; an unknown name gives GOLU_ERR_NAME. */
GOLU_API golu_status golu_isa_from_name(const char *name, golu_isa *out);
/* 1 when this build has the path and this CPU can run it; AUTO gives 1. */
GOLU_API int golu_isa_supported(golu_isa isa);
/* The path that GOLU_ISA_AUTO resolves to: the environment variable GOLU_ISA
 * (case-insensitive; empty means unset) when it is set, else the best
 * supported path. Read once per process. */
GOLU_API golu_isa golu_isa_default(void);
/* GOLU_OK, or the error that the environment variable GOLU_ISA causes
 * (GOLU_ERR_ISA for an unknown name, GOLU_ERR_ISA_UNSUPPORTED for a path this
 * CPU lacks). While it is an error, calls that run on GOLU_ISA_AUTO return it:
 * a forced path never silently becomes another. */
GOLU_API golu_status golu_isa_env_status(void);

/* Number of CPUs this process may run on (at least 1). */
GOLU_API int golu_cpu_count(void);

/*
 * A context holds execution settings and its own worker threads. Every
 * compute call takes one; NULL means the defaults (GOLU_ISA_AUTO, all CPUs)
 * and the process's workers. Create it, change settings, then use it from
 * any number of threads.
 *
 * Workers: a call that splits its array starts the context's workers the
 * first time (threads less one: the caller is one of them); they then wait
 * for the next call (a short spin, then asleep), so later calls pay a
 * wake-up, not a thread start. One call at a time uses a context's workers:
 * a call made while another thread's call is using them runs on its own
 * thread only (same results). The default context's workers live until the
 * process exits. After fork() the child starts workers of its own when it
 * needs them; its parent's contexts work in it.
 */
typedef struct golu_ctx golu_ctx;

GOLU_API golu_status golu_ctx_create(golu_ctx **out);
/* Stops and joins the context's workers and frees it; NULL is allowed. Not
 * while a call on it is in progress. */
GOLU_API void golu_ctx_destroy(golu_ctx *ctx);
/* threads: 0 = all CPUs (the default), 1 = the calling thread only, n = at
 * most n threads. Small arrays always run on one thread. */
GOLU_API golu_status golu_ctx_set_threads(golu_ctx *ctx, int threads);
GOLU_API int golu_ctx_threads(const golu_ctx *ctx);
/* The number of threads a call on n elements runs on with this context:
 * 1 for arrays under 64Ki elements (waking the workers would cost more than
 * it saves), else golu_ctx_threads(), where "all CPUs" is the calling
 * thread's count as read at most 0.1 s before (a system call saved on each
 * call). For benchmarks and schedulers. */
GOLU_API int golu_ctx_threads_for(const golu_ctx *ctx, size_t n);
/* Forces a SIMD path for the calls made with this context. Returns
 * GOLU_ERR_ISA_UNSUPPORTED (and changes nothing) if the CPU lacks it. */
GOLU_API golu_status golu_ctx_set_isa(golu_ctx *ctx, golu_isa isa);
/* The path this context's calls run on (AUTO resolved); GOLU_ISA_AUTO only
 * when GOLU_ISA is in error (see golu_isa_env_status). */
GOLU_API golu_isa golu_ctx_isa(const golu_ctx *ctx);

/*
 * Running a context's splits on the host's threads instead of its workers.
 * An engine with a thread pool of its own (an OpenMP runtime, a task
 * scheduler) hands it to libgolu here, so that two sets of threads never
 * compete for the same cores (libgolu's workers waking while the host's
 * threads still spin, for one).
 *
 * runner(runner_arg, parts, task, task_arg) must call task(task_arg, k)
 * exactly once for every k in [0, parts), on any threads, in any order, and
 * return when every call has returned. parts is between 2 and
 * golu_ctx_threads(ctx), and never above 256; a call is made only for arrays that split
 * (golu_ctx_threads_for). Results are the same bits whatever runs the parts.
 * A runner that calls libgolu from its tasks must not use this context.
 *
 * runner NULL: the context's own workers again (the default). Set it before
 * the context is used from several threads, like the other settings. The
 * default context (NULL) has none: GOLU_ERR_NULL. libgolu_omp ships an
 * OpenMP runner (golu_omp.h).
 */
typedef void (*golu_task_fn)(void *task_arg, size_t part);
typedef void (*golu_runner_fn)(void *runner_arg, size_t parts, golu_task_fn task,
                               void *task_arg);
GOLU_API golu_status golu_ctx_set_runner(golu_ctx *ctx, golu_runner_fn runner,
                                         void *runner_arg);

/* ------------------------------------------------------------------------ */
/* Compute                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * y[i] = f(x[i]) for i < n. x and y hold n elements of dtype. y may equal x.
 * For GOLU_ACT_PRELU the slope is act->alpha (one slope for all elements).
 */
GOLU_API golu_status golu_forward(const golu_ctx *ctx, const golu_act *act,
                                  golu_dtype dtype, const void *x, void *y, size_t n);

/*
 * dx[i] = dy[i] * f'(x[i]) for i < n, computed from x (never from y).
 * dx may equal dy or x. At kinks (ReLU, LeakyReLU, PReLU at 0; ELU at 0) the
 * derivative is taken from the right for ELU (1) and from the left for the
 * ReLU family (0 and alpha), as PyTorch does.
 */
GOLU_API golu_status golu_backward(const golu_ctx *ctx, const golu_act *act,
                                   golu_dtype dtype, const void *x, const void *dy,
                                   void *dx, size_t n);

/*
 * The forward that keeps what the backward needs, for training: y[i] = f(x[i])
 * and slope[i] = f'(x[i]) (n doubles, f' before any rounding to dtype), in one
 * pass over x. golu_backward_slope(ctx, dtype, slope, dy, dx, n) then gives
 * dx[i] = dy[i] * slope[i] rounded once: the same bits as
 * golu_backward(ctx, act, dtype, x, dy, dx, n), without evaluating f' again.
 * The transcendental work of a training step is then done once instead of
 * twice, for 8 bytes kept per element instead of the input's 2 or 4.
 *
 * dtype: float32, bfloat16 or float16; float64 gives GOLU_ERR_UNSUPPORTED
 * (its backward rounds f' only inside the product: use golu_backward).
 * y may equal x, and slope overlap neither; in golu_backward_slope dx may
 * equal dy and must not overlap slope (GOLU_ERR_ALIAS otherwise). n whose
 * slope bytes do not fit a size_t: GOLU_ERR_SHAPE.
 */
GOLU_API golu_status golu_forward_slope(const golu_ctx *ctx, const golu_act *act,
                                        golu_dtype dtype, const void *x, void *y,
                                        double *slope, size_t n);
GOLU_API golu_status golu_backward_slope(const golu_ctx *ctx, golu_dtype dtype,
                                         const double *slope, const void *dy, void *dx,
                                         size_t n);

/*
 * Gradients of the loss with respect to the activation's scalar parameters,
 * summed over the n elements: out[k] = sum_i dy[i] * df(x[i])/dparam_k.
 *   GoLU:          out[0] = d/dalpha, out[1] = d/dbeta, out[2] = d/dgamma
 *   PReLU (scalar), LeakyReLU: out[0] = d/dalpha
 * out must hold 3 doubles (unused entries are set to 0) and overlap neither
 * x nor dy (GOLU_ERR_ALIAS). The sum is taken in
 * double over fixed blocks, so it is the same for every thread count.
 * Activations without parameters give GOLU_ERR_NO_PARAMS.
 */
GOLU_API golu_status golu_param_grad(const golu_ctx *ctx, const golu_act *act,
                                     golu_dtype dtype, const void *x, const void *dy,
                                     size_t n, double out[3]);

/*
 * PReLU with one slope per channel. x is viewed as (outer, channels, inner),
 * row-major, n = outer * channels * inner (NCHW: channels = C, inner = H*W;
 * (N, C): inner = 1). slope holds `channels` values of dtype.
 * channels = 1 gives one shared slope. y may equal x; y overlapping slope
 * is GOLU_ERR_ALIAS. n or channels whose size in bytes does not fit a
 * size_t: GOLU_ERR_SHAPE.
 */
GOLU_API golu_status golu_prelu_forward(const golu_ctx *ctx, golu_dtype dtype,
                                        const void *x, void *y, size_t n,
                                        const void *slope, size_t channels, size_t inner);

/*
 * dx = dy * (x > 0 ? 1 : slope[c]); dslope[c] = sum over the channel of
 * dy * x where x > 0 is false (x <= 0, or NaN: a NaN input makes its
 * channel's gradient NaN), accumulated in double, stored in dtype. dx or
 * dslope may be NULL to skip it. dx may equal dy or x; dx overlapping
 * slope, or dslope overlapping x, dy, dx or slope (even exactly), is
 * GOLU_ERR_ALIAS.
 */
GOLU_API golu_status golu_prelu_backward(const golu_ctx *ctx, golu_dtype dtype,
                                         const void *x, const void *dy, void *dx,
                                         size_t n, const void *slope, size_t channels,
                                         size_t inner, void *dslope);

/* ------------------------------------------------------------------------ */
/* 16-bit conversions (round to nearest even; NaN stays NaN)                 */
/* ------------------------------------------------------------------------ */

GOLU_API float golu_bf16_to_f32(unsigned short h);
GOLU_API unsigned short golu_f32_to_bf16(float f);
GOLU_API float golu_f16_to_f32(unsigned short h);
GOLU_API unsigned short golu_f32_to_f16(float f);

#ifdef __cplusplus
}
#endif

#endif /* GOLU_H */
