/*
 * variance_normal.c - Var f(Z) for Z ~ N(0,1) by quadrature (variance.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "variance.h"

#define GL_N     16   /* Gauss-Legendre nodes per panel */
#define Q_HALF   14.0 /* integrate over [-14, 14]: the tails are < 1e-40 */
#define Q_PANELS 112  /* panels of width 0.25; 0 is a panel edge (the kinks) */

static const long double PI_L = 3.141592653589793238462643383279502884L;

/* P_n(z) and P_n'(z) by the three-term recurrence. */
static void legendre(int n, long double z, long double *p, long double *dp)
{
    long double p0 = 1, p1 = z;
    for (int k = 2; k <= n; k++) {
        long double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1, p1 = p2;
    }
    *p = p1;
    *dp = n * (z * p1 - p0) / (z * z - 1);
}

/* Nodes and weights on [-1, 1]: Newton from Tricomi's initial guesses. */
static void gauss_legendre(int n, long double *x, long double *w)
{
    for (int i = 0; i < n; i++) {
        long double z = cosl(PI_L * (i + 0.75L) / (n + 0.5L)), p, dp;
        for (int it = 0; it < 100; it++) {
            legendre(n, z, &p, &dp);
            long double dz = p / dp;
            z -= dz;
            if (fabsl(dz) <= 1e-18L * fabsl(z) + 1e-30L)
                break;
        }
        legendre(n, z, &p, &dp);
        x[i] = z;
        w[i] = 2 / ((1 - z * z) * dp * dp);
    }
}

golu_status lab_variance_normal(const golu_act *act, double *out)
{
    enum { N = GL_N * Q_PANELS };
    double *z = malloc(2 * N * sizeof *z), *fz = z ? z + N : NULL;
    long double *wq = malloc(N * sizeof *wq);
    long double gx[GL_N], gw[GL_N];
    const long double h = 2 * Q_HALF / Q_PANELS;
    golu_status st = z && wq ? GOLU_OK : GOLU_ERR_NO_MEMORY;
    if (st == GOLU_OK) {
        gauss_legendre(GL_N, gx, gw);
        for (int p = 0; p < Q_PANELS; p++)
            for (int k = 0; k < GL_N; k++) {
                long double c = -Q_HALF + h * (p + 0.5L);
                long double zz = (long double)(double)(c + h / 2 * gx[k]);
                z[p * GL_N + k] = (double)zz; /* the density at the node f sees */
                wq[p * GL_N + k] = h / 2 * gw[k] * expl(-zz * zz / 2) / sqrtl(2 * PI_L);
            }
        if (!act)
            memcpy(fz, z, N * sizeof *z);
        else
            st = golu_forward(NULL, act, GOLU_F64, z, fz, N);
    }
    if (st == GOLU_OK) {
        long double e1 = 0, e2 = 0;
        for (int i = 0; i < N; i++) {
            e1 += wq[i] * fz[i];
            e2 += wq[i] * fz[i] * fz[i];
        }
        *out = (double)(e2 - e1 * e1);
    }
    free(z);
    free(wq);
    return st;
}
