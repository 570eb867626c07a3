/*
 * stats.h - the statistics every measurement reports: mean and sample
 * standard deviation (two passes, or Welford's running form), the median,
 * and the moments of a sample.
 *
 * Conventions, the same everywhere golu prints a spread: "std" is the sample
 * standard deviation (n - 1 in the denominator) unless a name says
 * "population". Sums run in index order, so a result is a function of the
 * values and their order only.
 */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>

/* Mean and sample std of v[0..n): mean NaN when n = 0, std NaN when n < 2.
 * Two passes (the mean first, then the squared deviations from it). */
void lab_mean_std(const double *v, size_t n, double *mean, double *std);

/* Welford's running mean and sum of squared deviations: one pass, values
 * added one at a time, nothing stored. */
typedef struct lab_welford {
    size_t n;
    double mean, m2;
} lab_welford;

void lab_welford_init(lab_welford *w);
void lab_welford_add(lab_welford *w, double x);
/* The sample std (n - 1); NaN when fewer than two values were added. */
double lab_welford_std(const lab_welford *w);

/* The median of v[0..n), which it sorts in place; NaN when n = 0. An even
 * count gives the mean of the two middle values. NaNs sort last. */
double lab_median(double *v, size_t n);

/* Moments of a sample: min, max, mean, population std (n in the
 * denominator) and excess kurtosis m4 / m2^2 - 3 (NaN for a constant
 * sample), in two passes. NaN everywhere when n = 0. */
typedef struct lab_moments {
    double min, max, mean, std_population, excess_kurtosis;
} lab_moments;

void lab_moments_of(const double *v, size_t n, lab_moments *m);

#endif
