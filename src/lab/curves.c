/*
 * curves.c - the activation curves and their files (curves.h).
 */
#include "curves.h"

#include "gnuplot_script.h"
#include "io/outfile.h"

int lab_curves_compute(lab_curves *c, const golu_act *acts, int n, nn_err *err)
{
    double ones[LAB_CURVES_POINTS]; /* the upstream gradient */
    if (n < 0 || n > LAB_CURVES_MAX_ACTS)
        return nn_fail(err, "%d activations, at most %d", n, LAB_CURVES_MAX_ACTS);
    c->n = n;
    for (int i = 0; i < LAB_CURVES_POINTS; i++)
        c->x[i] = LAB_CURVES_X_MIN + i / 100.0, ones[i] = 1.0;
    for (int a = 0; a < n; a++) {
        c->act[a] = acts[a];
        if (golu_forward(NULL, &acts[a], GOLU_F64, c->x, c->f[a], LAB_CURVES_POINTS) ||
            golu_backward(NULL, &acts[a], GOLU_F64, c->x, ones, c->d[a],
                          LAB_CURVES_POINTS))
            return nn_fail(err, "%s: the library refused the activation",
                           golu_act_name(acts[a].kind));
    }
    return 0;
}

double lab_curves_gate(const lab_curves *c, int a, int i)
{
    return c->x[i] != 0 ? c->f[a][i] / c->x[i] : c->d[a][i];
}

/* curves.dat: x, then f, f' and the gate of each activation (n columns each). */
static int write_data(const lab_curves *c, const char *dir, nn_err *err)
{
    nn_outfile out;
    if (lab_gnuplot_file_open(&out, dir, "curves.dat", err))
        return -1;
    fputs("# x, f(x) of each activation, f'(x) of each, f(x)/x of each:", out.f);
    for (int a = 0; a < c->n; a++)
        fprintf(out.f, " %s", golu_act_name(c->act[a].kind));
    fputc('\n', out.f);
    for (int i = 0; i < LAB_CURVES_POINTS; i++) {
        fprintf(out.f, "%.4f", c->x[i]);
        for (int a = 0; a < c->n; a++)
            fprintf(out.f, " %.12g", c->f[a][i]);
        for (int a = 0; a < c->n; a++)
            fprintf(out.f, " %.12g", c->d[a][i]);
        for (int a = 0; a < c->n; a++)
            fprintf(out.f, " %.12g", lab_curves_gate(c, a, i));
        fputc('\n', out.f);
    }
    return nn_outfile_commit(&out, err);
}

/* `set` lines and the plot of one quantity (columns first+1 .. first+n). */
static void panel(FILE *f, int n, const char *png, const char *title, const char *ylabel,
                  int first)
{
    fprintf(f, "\nset output d.'%s'\nset title '%s'\nset ylabel \"%s\"\n", png, title,
            ylabel);
    fprintf(f,
            "plot for [j=1:%d] d.'curves.dat' using 1:(column(%d+j)) with lines "
            "lw (word(names, j) eq 'golu' ? 3.5 : 1.8) lc rgb word(colors, j) "
            "title word(names, j)\n",
            n, first);
}

static int write_script(const lab_curves *c, const char *dir, const char *terminal,
                        nn_err *err)
{
    nn_outfile out;
    int n = c->n;
    if (lab_gnuplot_script_open(&out, dir, "curves.gp", terminal, err))
        return -1;
    FILE *f = out.f;
    fputs("names = '", f);
    for (int a = 0; a < n; a++)
        fprintf(f, "%s%s", a ? " " : "", golu_act_name(c->act[a].kind));
    fputs("'\ncolors = '", f);
    for (int a = 0; a < n; a++)
        fprintf(f, "%s%s", a ? " " : "", lab_gnuplot_act_color(c->act[a].kind));
    fputs("'\nset xrange [-4:4]\nset xlabel 'x'\nset grid\nset key left top\n"
          "set xzeroaxis\n",
          f);
    panel(f, n, "activations.png", "Activations", "f(x)", 1);
    panel(f, n, "derivatives.png", "Derivatives", "f'(x)", 1 + n);
    fputs("set yrange [-0.1:1.2]\n", f);
    panel(f, n, "gates.png",
          "Gates f(x)/x: GoLU exp(-exp(-x)), GELU Phi(x), SiLU sigmoid(x)", "f(x) / x",
          1 + 2 * n);
    return nn_outfile_commit(&out, err);
}

int lab_curves_write(const lab_curves *c, const char *dir, const char *terminal,
                     nn_err *err)
{
    return write_data(c, dir, err) || write_script(c, dir, terminal, err) ? -1 : 0;
}
