/*
 * internal.h - what the parts of libgolu share and users never see.
 *
 * Layers, from the bottom:
 *   per-ISA kernels (isa_*.c)   float32 loops over [0, n), one thread, no checks
 *   float64 kernels (f64_*.c)   portable double / double-double code
 *   api.c                       argument checks, dtype conversion, threading
 * Kernels trust their arguments: api.c has validated them.
 */
#ifndef GOLU_INTERNAL_H
#define GOLU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"

#if defined(__GNUC__)
#define GOLU_HIDDEN __attribute__((visibility("hidden")))
#else
#define GOLU_HIDDEN
#endif

/* ------------------------------------------------------------------------ */
/* Activation kinds (act.c; the list is GOLU_ACT_LIST in golu.h)             */
/* ------------------------------------------------------------------------ */

/* How many entries of golu_param_grad's out[] a kind fills (the list's grads
 * column); 0 for the kinds without learnable parameters and unknown kinds.
 * Inline: the CUDA library checks the same without libgolu's hidden symbols. */
static inline int golu_act_grads(golu_act_kind kind)
{
    switch (kind) {
#define GOLU_ACT_GRADS_(E, name, value, alias, quiet, a, b, g, grads, ...)               \
    case GOLU_ACT_##E: return grads;
        GOLU_ACT_LIST(GOLU_ACT_GRADS_)
#undef GOLU_ACT_GRADS_
    default: return 0;
    }
}

/*
 * One entry of a table indexed by kind, from a GOLU_ACT_LIST row:
 * [GOLU_ACT_<E>] = M(<kern>_<dir>), kern the row's kernel family. A family
 * that lacks the kernel is a compile error, never a NULL entry. Wrap it in a
 * callback that names M and the direction:
 *   #define FWD_(...) GOLU_ACT_KERNEL_ENTRY(KERNEL, fwd, __VA_ARGS__)
 *   ... table = {GOLU_ACT_LIST(FWD_)};
 */
#define GOLU_ACT_KERNEL_ENTRY(M, dir, E, name, value, alias, quiet, a, b, g, grads,      \
                              rule, kern, ...)                                           \
    [GOLU_ACT_##E] = M(kern##_##dir),

/* ------------------------------------------------------------------------ */
/* float32 kernels, one table per ISA                                        */
/* ------------------------------------------------------------------------ */

/* The activation's constants, made once per call (kconsts.h). */
struct kconsts;
/* y[i] = f(x[i]); y may equal x. */
typedef void (*golu_f32_fwd_fn)(const float *x, float *y, size_t n,
                                const struct kconsts *c);
/* dx[i] = dy[i] * f'(x[i]); dx may equal x or dy. */
typedef void (*golu_f32_bwd_fn)(const float *x, const float *dy, float *dx, size_t n,
                                const struct kconsts *c);

/* y[i] = f(x[i]) and sl[i] = f'(x[i]) in double, unrounded (y may equal x;
 * sl overlaps neither); then dx[i] = dy[i] * sl[i] rounded once (dx may
 * equal dy): golu_backward's bits (golu_forward_slope). */
typedef void (*golu_f32_fwd_slope_fn)(const float *x, float *y, double *sl, size_t n,
                                      const struct kconsts *c);
typedef void (*golu_slope_mul_fn)(const double *sl, const float *dy, float *dx, size_t n);

/* 16-bit storage <-> float32, n elements, round to nearest even; the same
 * bits as golu_bf16_to_f32() and friends on every ISA. */
typedef void (*golu_widen_fn)(const uint16_t *src, float *dst, size_t n);
typedef void (*golu_narrow_fn)(const float *src, uint16_t *dst, size_t n);

typedef struct golu_kernel_table {
    golu_isa isa;
    golu_f32_fwd_fn f32_fwd[GOLU_ACT_COUNT];
    golu_f32_bwd_fn f32_bwd[GOLU_ACT_COUNT];
    /* The same, rounding the double results to float with round-to-odd: for
     * the 16-bit types, which round once more (convert16.h). */
    golu_f32_fwd_fn f32_fwd_odd[GOLU_ACT_COUNT];
    golu_f32_bwd_fn f32_bwd_odd[GOLU_ACT_COUNT];
    golu_widen_fn bf16_to_f32, f16_to_f32;
    golu_narrow_fn f32_to_bf16, f32_to_f16;
    /* The forward with its slope, and the backward from it; _odd as above. */
    golu_f32_fwd_slope_fn f32_fwd_slope[GOLU_ACT_COUNT];
    golu_f32_fwd_slope_fn f32_fwd_slope_odd[GOLU_ACT_COUNT];
    golu_slope_mul_fn slope_mul, slope_mul_odd;
} golu_kernel_table;

/* The portable conversions (dtype.c), also the tails of the SIMD ones. */
GOLU_HIDDEN void golu_bf16_to_f32_n(const uint16_t *src, float *dst, size_t n);
GOLU_HIDDEN void golu_f16_to_f32_n(const uint16_t *src, float *dst, size_t n);
GOLU_HIDDEN void golu_f32_to_bf16_n(const float *src, uint16_t *dst, size_t n);
GOLU_HIDDEN void golu_f32_to_f16_n(const float *src, uint16_t *dst, size_t n);

GOLU_HIDDEN extern const golu_kernel_table golu_kernels_scalar;
#if defined(GOLU_HAVE_AVX2)
/* Two builds of one path, the same bits (vec_avx2.h): permutes or a gather
 * for the exponentials' table; golu_kernels_for picks per CPU. */
GOLU_HIDDEN extern const golu_kernel_table golu_kernels_avx2;
GOLU_HIDDEN extern const golu_kernel_table golu_kernels_avx2_gather;
#endif
#if defined(GOLU_HAVE_AVX512)
GOLU_HIDDEN extern const golu_kernel_table golu_kernels_avx512;
#endif
#if defined(GOLU_HAVE_NEON)
GOLU_HIDDEN extern const golu_kernel_table golu_kernels_neon;
#endif

/* ------------------------------------------------------------------------ */
/* float64 kernels (portable, the same code on every ISA)                    */
/* ------------------------------------------------------------------------ */

typedef void (*golu_f64_fwd_fn)(const double *x, double *y, size_t n,
                                const golu_act *act);
typedef void (*golu_f64_bwd_fn)(const double *x, const double *dy, double *dx, size_t n,
                                const golu_act *act);

/* Indexed by golu_act_kind; f64_golu.c and f64_peers.c fill their entries. */
GOLU_HIDDEN extern const golu_f64_fwd_fn golu_f64_fwd[GOLU_ACT_COUNT];
GOLU_HIDDEN extern const golu_f64_bwd_fn golu_f64_bwd[GOLU_ACT_COUNT];

/* Scalar float64 GoLU forward/backward with general parameters (f64_golu.c). */
GOLU_HIDDEN double golu_f64_golu(double x, const golu_act *act);
GOLU_HIDDEN double golu_f64_golu_deriv(double x, const golu_act *act);

/*
 * Adds to acc[0..2] the sums over i < n of dy[i] * dGoLU(x[i])/d(alpha, beta,
 * gamma). The terms are computed in double; acc is only added to.
 */
GOLU_HIDDEN void golu_f64_golu_param_grad(const double *x, const double *dy, size_t n,
                                          const golu_act *act, double acc[3]);

/* ------------------------------------------------------------------------ */
/* CPU detection and threads                                                 */
/* ------------------------------------------------------------------------ */

/* The kernel table for a resolved ISA (never AUTO); NULL if not built. */
GOLU_HIDDEN const golu_kernel_table *golu_kernels_for(golu_isa isa);

struct golu_pool;

/* Settings behind the opaque golu_ctx. */
struct golu_ctx {
    int threads;            /* 0 = all CPUs */
    golu_isa isa;           /* AUTO = golu_isa_default() */
    struct golu_pool *pool; /* its threads (pool.h), started on first use */
    golu_runner_fn runner;  /* the host's threads instead (NULL: the pool's) */
    void *runner_arg;
};

/* The context's path resolved: *isa never AUTO on success. (The threads
 * are golu_ctx_threads_for's, asked only where an array may split.) */
GOLU_HIDDEN golu_status golu_ctx_resolve(const golu_ctx *ctx, golu_isa *isa);
/* The pool a context's calls run on: its own, or for NULL the process's. */
GOLU_HIDDEN struct golu_pool *golu_ctx_pool(const golu_ctx *ctx);

/*
 * Runs body(arg, begin, end) over [0, n) cut into blocks of `grain` elements
 * (the last may be shorter), on at most `threads` threads of `pool` (the
 * caller is one of them; a busy pool runs it all on the caller). Blocks are
 * the same whatever the thread count, so a body that writes per-block
 * results gives identical bits for every thread count.
 */
/* Arrays below GOLU_PARALLEL_MIN elements run on one thread
 * (golu_ctx_threads_for). A split costs a pool wake-up (about 2 us when the
 * worker sleeps, less when it still spins), so the threshold sits where
 * that is a few percent of GoLU's time on one thread (64Ki: about 40 us).
 * Below 2 blocks of api.c's BLOCK nothing can split anyway. */
#ifndef GOLU_PARALLEL_MIN /* -DGOLU_PARALLEL_MIN=n: to measure the crossover */
#define GOLU_PARALLEL_MIN ((size_t)1 << 16)
#endif
/* golu_cpu_count() read again at most every GOLU_CPU_COUNT_REFRESH_NS, per
 * thread as the affinity is: sched_getaffinity is a system call (about
 * 1 us in a VM, as long as a ReLU over 16Ki floats), too dear for every
 * call that may split. A change of the affinity is seen within that time. */
#define GOLU_CPU_COUNT_REFRESH_NS 100000000LL /* 0.1 s */
GOLU_HIDDEN int golu_cpu_count_recent(void);
typedef void (*golu_range_fn)(void *arg, size_t begin, size_t end);
/* body over [0, n) in blocks of grain, on up to threads threads: the
 * context's runner when it has one, else its pool (NULL: the process's). */
GOLU_HIDDEN void golu_parallel_for(const golu_ctx *ctx, size_t n, size_t grain,
                                   int threads, golu_range_fn body, void *arg);

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

/* 1 when [a, a+an) and [b, b+bn) share a byte (NULL or empty ranges share
 * none). Computed from differences: no address sum that could wrap. */
static inline int golu_overlap(const void *a, size_t an, const void *b, size_t bn)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    if (!a || !b || an == 0 || bn == 0)
        return 0;
    return pa >= pb ? pa - pb < bn : pb - pa < an;
}

/* 1 when [a, a+an) and [b, b+bn) overlap without being the same start. */
static inline int golu_partial_overlap(const void *a, size_t an, const void *b, size_t bn)
{
    return a != b && golu_overlap(a, an, b, bn);
}

#endif /* GOLU_INTERNAL_H */
