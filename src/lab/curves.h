/*
 * curves.h - the paper's figures of the activations (`golu plot`): f(x),
 * f'(x) and the gate f(x)/x on [-4, 4], step 0.01, computed by
 * golu_forward and golu_backward in double; written as curves.dat and the
 * gnuplot script curves.gp that draws activations.png, derivatives.png and
 * gates.png from it. Running gnuplot is the tool's.
 *
 *   static lab_curves c;   (large: about 200 KiB)
 *   lab_curves_compute(&c, acts, n, &err);
 *   lab_curves_write(&c, "out", terminal, &err);
 */
#ifndef LAB_CURVES_H
#define LAB_CURVES_H

#include "error.h"
#include "golu.h"

#define LAB_CURVES_X_MIN    -4.0
#define LAB_CURVES_POINTS   801 /* x = -4 + i / 100 */
#define LAB_CURVES_MAX_ACTS 16

typedef struct lab_curves {
    int n;                             /* activations */
    golu_act act[LAB_CURVES_MAX_ACTS]; /* named by golu_act_name */
    double x[LAB_CURVES_POINTS];
    double f[LAB_CURVES_MAX_ACTS][LAB_CURVES_POINTS]; /* f(x) */
    double d[LAB_CURVES_MAX_ACTS][LAB_CURVES_POINTS]; /* f'(x) */
} lab_curves;

/* The grid and, for acts[0..n), f and f' on it (golu_forward and
 * golu_backward with GOLU_F64, gradient 1). 0, or -1 with err: more than
 * LAB_CURVES_MAX_ACTS activations, or one the library refuses (by name). */
int lab_curves_compute(lab_curves *c, const golu_act *acts, int n, nn_err *err);

/* The gate f(x)/x of activation a at point i; at x = 0, its limit f'(0). */
double lab_curves_gate(const lab_curves *c, int a, int i);

/*
 * dir/curves.dat (a comment naming the activations, then per point x
 * "%.4f", each f, each f', each gate "%.12g") and dir/curves.gp (the three
 * panels, each activation in its colour, GoLU drawn thicker). terminal: the
 * gnuplot line that selects PNG output (gnuplot_script.h). 0, or -1 with
 * err.
 */
int lab_curves_write(const lab_curves *c, const char *dir, const char *terminal,
                     nn_err *err);

#endif
