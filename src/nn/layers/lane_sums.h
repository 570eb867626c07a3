/*
 * lane_sums.h - the normalization layers' and the attention's softmax's
 * sums in double over n values of `real` (include real.h first), in one fixed order:
 * LANES interleaved partial sums (lane l takes the values i = l mod LANES, in order),
 * added lane 0 to LANES-1, then the values past the last whole group. The order is the
 * same on every ISA and thread count, and the vectorizer turns the lanes into two or four
 * vector accumulators instead of one latency-bound chain (hot.h).
 */
#ifndef NN_LANE_SUMS_H
#define NN_LANE_SUMS_H

#include <stddef.h>
#include <string.h>

#include "hot.h"

#define LANE_SUMS 16

/* Each includer uses some of these. */
#define LANE_FN NN_HOT __attribute__((unused)) static

/* The sum of p[0..n). */
LANE_FN double lane_sum(const real *p, size_t n)
{
    double acc[LANE_SUMS] = {0}, s = 0;
    size_t i = 0;
    for (; i + LANE_SUMS <= n; i += LANE_SUMS)
        for (int l = 0; l < LANE_SUMS; l++)
            acc[l] += p[i + l];
    for (int l = 0; l < LANE_SUMS; l++)
        s += acc[l];
    for (; i < n; i++)
        s += p[i];
    return s;
}

/* The sum of (p - mu)^2 over p[0..n). */
LANE_FN double lane_sq_dev(const real *p, size_t n, double mu)
{
    double acc[LANE_SUMS] = {0}, s = 0;
    size_t i = 0;
    for (; i + LANE_SUMS <= n; i += LANE_SUMS)
        for (int l = 0; l < LANE_SUMS; l++)
            acc[l] += ((double)p[i + l] - mu) * ((double)p[i + l] - mu);
    for (int l = 0; l < LANE_SUMS; l++)
        s += acc[l];
    for (; i < n; i++)
        s += ((double)p[i] - mu) * ((double)p[i] - mu);
    return s;
}

/* The sum of a[i] * b[i] over [0..n), each product in double. */
LANE_FN double lane_dot(const real *a, const real *b, size_t n)
{
    double acc[LANE_SUMS] = {0}, s = 0;
    size_t i = 0;
    for (; i + LANE_SUMS <= n; i += LANE_SUMS)
        for (int l = 0; l < LANE_SUMS; l++)
            acc[l] += (double)a[i + l] * b[i + l];
    for (int l = 0; l < LANE_SUMS; l++)
        s += acc[l];
    for (; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* A quarter of LANE_SUMS values, and their partial sums in double, as
 * vectors of GCC's and clang's vector extension: the same operations lane
 * by lane as a loop over the lanes, which GCC's -O3 compiled as scalar code
 * where a loop carried two sums (LayerNorm's and GroupNorm's backward: 32
 * scalar sums, some on the stack, about 1 ns a value). Quarters keep the
 * sums' vectors at NN_VEC_BYTES (hot.h); wider ones were kept on the stack. */
#define LANE_QUARTER (NN_VEC_BYTES / (int)sizeof(double))
typedef real lane_quarter __attribute__((vector_size(LANE_QUARTER * sizeof(real))));
typedef double lane_quarter_sums __attribute__((vector_size(NN_VEC_BYTES)));

/* *d = the LANE_QUARTER values at p in double. By pointer: a vector returned
 * by value from a baseline function would change the ABI. */
NN_HOT_VECTORIZE __attribute__((unused)) static inline void
lane_widen(lane_quarter_sums *d, const real *p)
{
    lane_quarter v;
    memcpy(&v, p, sizeof v);
    *d = __builtin_convertvector(v, lane_quarter_sums);
}

#endif
