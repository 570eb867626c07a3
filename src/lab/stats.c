/*
 * stats.c - mean, std, median, moments (stats.h).
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

void lab_mean_std(const double *v, size_t n, double *mean, double *std)
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    *mean = n ? sum / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *std = n >= 2 ? sqrt(ss / (double)(n - 1)) : NAN;
}

void lab_welford_init(lab_welford *w)
{
    w->n = 0;
    w->mean = w->m2 = 0;
}

void lab_welford_add(lab_welford *w, double x)
{
    double d = x - w->mean;
    w->n++;
    w->mean += d / (double)w->n;
    w->m2 += d * (x - w->mean);
}

double lab_welford_std(const lab_welford *w)
{
    return w->n >= 2 ? sqrt(w->m2 / (double)(w->n - 1)) : NAN;
}

/* Ascending, NaNs last (qsort needs a total order). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

double lab_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void lab_moments_of(const double *v, size_t n, lab_moments *m)
{
    m->min = m->max = m->mean = m->std_population = m->excess_kurtosis = NAN;
    if (n == 0)
        return;
    double s = 0, m2 = 0, m4 = 0;
    m->min = INFINITY, m->max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        m->min = fmin(m->min, v[i]);
        m->max = fmax(m->max, v[i]);
    }
    m->mean = s / (double)n;
    for (size_t i = 0; i < n; i++) {
        double c = v[i] - m->mean, c2 = c * c;
        m2 += c2, m4 += c2 * c2;
    }
    m2 /= (double)n, m4 /= (double)n;
    m->std_population = sqrt(m2);
    m->excess_kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3.0 : NAN;
}
