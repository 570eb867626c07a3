/*
 * test_lab_plot_curves.c - the activation curves of `golu plot`
 * (src/lab/curves.h):
 *
 *   - the grid: 801 points, -4 to 4 by 0.01, 0 exactly at the middle;
 *   - GoLU's f and f' at the grid points docs/MATH.md's table lists, against
 *     that table (40-digit values rounded to 15);
 *   - ReLU, GELU and SiLU against their closed forms computed here (erfc,
 *     exp), the gates against exp(-exp(-x)), Phi(x), sigmoid(x), and at
 *     x = 0 the gate's limit f'(0): 1/e, 1/2, 1/2, and Mish's 0.6;
 *   - curves.dat: its header, its line count, the x = 0 line; curves.gp:
 *     its prologue, names, colours, the three PNGs and the columns they
 *     plot; one distinct "#rrggbb" colour per activation, GoLU red;
 *   - too many activations, and a directory that does not exist: -1 with a
 *     message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curves.h"
#include "gnuplot_script.h"
#include "files.h"
#include "harness.h"

static lab_curves C;
static char dir[] = "/tmp/golu-test-curves-XXXXXX";

/* |got - want| <= tol * max(1, |want|). */
#define CHECK_REL(got, want, tol, ...)                                                   \
    CHECK(fabs((got) - (want)) <= (tol)*fmax(1.0, fabs(want)), __VA_ARGS__)

/* The grid index of x (x on the grid). */
static int at(double x)
{
    return (int)lround((x + 4) * 100);
}

static void test_grid(void)
{
    CHECK(C.x[0] == -4.0 && C.x[400] == 0.0 && C.x[800] == 4.0,
          "grid ends and middle: %.17g %.17g %.17g", C.x[0], C.x[400], C.x[800]);
    int ok = 1;
    for (int i = 0; i < LAB_CURVES_POINTS; i++)
        ok &= fabs(C.x[i] - (-4 + 0.01 * i)) < 1e-14;
    CHECK(ok, "grid step 0.01");
}

/* docs/MATH.md section 2: GoLU(x) and GoLU'(x). Index 1 is GoLU below. */
static void test_golu_table(void)
{
    static const double T[][3] = {
        {-4, -7.76935041982561e-24, -4.22249822276754e-22},
        {-3, -5.67653608451488e-9, -1.12124096426492e-7},
        {-2, -0.00123595797866219, -0.00851458385092474},
        {-1, -0.0659880358453125, -0.113386042888705},
        {-0.5, -0.0961478227739825, 0.0337746850089938},
        {0.5, 0.272619605946303, 0.710591361337814},
        {1, 0.692200627555346, 0.946847007598929},
        {2, 1.74684603698623, 1.1098329216794},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        int i = at(T[k][0]);
        double f = C.f[1][i], d = C.d[1][i];
        CHECK(fabs(f - T[k][1]) <= 1e-13 * fabs(T[k][1]), "GoLU(%g) = %.17g, want %.15g",
              T[k][0], f, T[k][1]);
        CHECK(fabs(d - T[k][2]) <= 1e-13 * fabs(T[k][2]), "GoLU'(%g) = %.17g, want %.15g",
              T[k][0], d, T[k][2]);
    }
    CHECK(C.f[1][400] == 0.0, "GoLU(0) = %.17g", C.f[1][400]);
    CHECK_REL(C.d[1][400], 0.367879441171442, 1e-14, "GoLU'(0) = %.17g", C.d[1][400]);
}

/* ReLU (0), GELU (2), SiLU (3) on the whole grid; every gate. */
static void test_closed_forms(void)
{
    int bad = 0;
    for (int i = 0; i < LAB_CURVES_POINTS; i++) {
        double x = C.x[i], phi = 0.5 * erfc(-x / sqrt(2.0));
        double pdf = exp(-0.5 * x * x) / sqrt(2 * M_PI), sig = 1 / (1 + exp(-x));
        bad += C.f[0][i] != (x > 0 ? x : 0) || C.d[0][i] != (x > 0 ? 1 : 0);
        bad += !CHECK_REL(C.f[2][i], x * phi, 1e-13, "GELU(%g) = %.17g", x, C.f[2][i]);
        bad += !CHECK_REL(C.d[2][i], phi + x * pdf, 1e-13, "GELU'(%g)", x);
        bad += !CHECK_REL(C.f[3][i], x * sig, 1e-13, "SiLU(%g) = %.17g", x, C.f[3][i]);
        bad += !CHECK_REL(C.d[3][i], sig * (1 + x * (1 - sig)), 1e-13, "SiLU'(%g)", x);
        if (x != 0) {
            bad += !CHECK_REL(lab_curves_gate(&C, 1, i), exp(-exp(-x)), 1e-13,
                              "GoLU gate(%g)", x);
            bad += !CHECK_REL(lab_curves_gate(&C, 2, i), phi, 1e-13, "GELU gate(%g)", x);
            bad += !CHECK_REL(lab_curves_gate(&C, 3, i), sig, 1e-13, "SiLU gate(%g)", x);
        }
        if (bad > 5)
            break;
    }
    CHECK(bad == 0, "ReLU, GELU, SiLU and the gates on the grid");
    /* At 0 the gate is its limit f'(0) (docs/MATH.md: slopes at 0). */
    CHECK_REL(lab_curves_gate(&C, 1, 400), 0.367879441171442, 1e-14, "GoLU gate(0)");
    CHECK(lab_curves_gate(&C, 0, 400) == 0, "ReLU gate(0): f'(0) = 0");
    CHECK_REL(lab_curves_gate(&C, 2, 400), 0.5, 1e-15, "GELU gate(0)");
    CHECK_REL(lab_curves_gate(&C, 3, 400), 0.5, 1e-15, "SiLU gate(0)");
    CHECK_REL(lab_curves_gate(&C, 4, 400), 0.6, 1e-14, "Mish gate(0)");
}

static void test_files(void)
{
    nn_err err = {""};
    CHECK(lab_curves_write(&C, dir, "set terminal png", &err) == 0, "write: %s", err.msg);
    char *dat = files_read_in(dir, "curves.dat"), *gp = files_read_in(dir, "curves.gp");
    if (!CHECK(dat && gp, "curves.dat and curves.gp written")) {
        free(dat);
        free(gp);
        return;
    }
    const char *head = "# x, f(x) of each activation, f'(x) of each, f(x)/x of each: "
                       "relu golu gelu silu mish\n-4.0000 0 ";
    CHECK(strncmp(dat, head, strlen(head)) == 0, "curves.dat starts:\n%.200s", dat);
    int lines = 0;
    for (const char *p = dat; *p; p++)
        lines += *p == '\n';
    CHECK(lines == 802, "curves.dat: %d lines, want 802", lines);
    /* x = 0: f 0 0 0 0 0, f' 0 1/e 0.5 0.5 0.6, gates = f'. */
    char *zero = strstr(dat, "\n0.0000 ");
    double v[15];
    int k = 0;
    for (char *p = zero ? zero + 8 : NULL, *end; p && k < 15; p = end, k++) {
        v[k] = strtod(p, &end);
        if (end == p)
            break;
    }
    CHECK(k == 15 && v[0] == 0 && v[4] == 0 && fabs(v[6] - 0.367879441172) < 1e-12 &&
              v[7] == 0.5 && v[9] == 0.6 && v[11] == v[6] && v[14] == v[9],
          "curves.dat's x = 0 line: %d values", k);
    static const char *want[] = {
        "# Redraw with: gnuplot DIR/curves.gp (from any directory).\nset terminal png\n",
        "\nnames = 'relu golu gelu silu mish'\n",
        "\nset output d.'activations.png'\n",
        "plot for [j=1:5] d.'curves.dat' using 1:(column(1+j)) with lines",
        "\nset output d.'derivatives.png'\n",
        "plot for [j=1:5] d.'curves.dat' using 1:(column(6+j))",
        "\nset output d.'gates.png'\n",
        "plot for [j=1:5] d.'curves.dat' using 1:(column(11+j))",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(strstr(gp, want[i]) != NULL, "curves.gp lacks:\n%s", want[i]);
    char colors[128];
    snprintf(colors, sizeof colors, "\ncolors = '%s %s ",
             lab_gnuplot_act_color(GOLU_ACT_RELU), lab_gnuplot_act_color(GOLU_ACT_GOLU));
    CHECK(strstr(gp, colors) != NULL, "curves.gp: %s", colors);
    /* The whole prologue (gnuplot_script.h): d is the script's directory. */
    const char *prologue = "# Redraw with: gnuplot DIR/curves.gp (from any directory).\n"
                           "set terminal png\nset termoption noenhanced\n"
                           "d = ARG0; i = strlen(d)\n"
                           "while (i > 0 && d[i:i] ne \"/\") { i = i - 1 }\n"
                           "d = (i > 0) ? d[1:i] : \"\"\nnames = '";
    CHECK(strncmp(gp, prologue, strlen(prologue)) == 0, "curves.gp starts:\n%.300s", gp);
    free(dat);
    free(gp);
}

/* One colour per activation, "#rrggbb", all different; GoLU red. */
static void test_colors(void)
{
    for (int a = 0; a < GOLU_ACT_COUNT; a++) {
        const char *c = lab_gnuplot_act_color((golu_act_kind)a);
        CHECK(strlen(c) == 7 && c[0] == '#' && strspn(c + 1, "0123456789abcdef") == 6,
              "%s: colour %s", golu_act_name((golu_act_kind)a), c);
        for (int b = 0; b < a; b++)
            CHECK(strcmp(c, lab_gnuplot_act_color((golu_act_kind)b)) != 0,
                  "%s and %s share %s", golu_act_name((golu_act_kind)a),
                  golu_act_name((golu_act_kind)b), c);
    }
    CHECK(strcmp(lab_gnuplot_act_color(GOLU_ACT_GOLU), "#d62728") == 0, "GoLU is red");
    CHECK(strcmp(lab_gnuplot_act_color(GOLU_ACT_COUNT), "#000000") == 0,
          "out of range: black");
}

static void test_errors(void)
{
    golu_act many[LAB_CURVES_MAX_ACTS + 1];
    nn_err err = {""};
    static lab_curves c;
    for (int a = 0; a <= LAB_CURVES_MAX_ACTS; a++)
        many[a] = golu_act_default(GOLU_ACT_RELU);
    CHECK(lab_curves_compute(&c, many, LAB_CURVES_MAX_ACTS + 1, &err) == -1 &&
              strstr(err.msg, "at most 16"),
          "17 activations: %s", err.msg);
    err.msg[0] = '\0';
    CHECK(lab_curves_write(&C, "/nonexistent-golu-dir", "set terminal png", &err) == -1 &&
              strstr(err.msg, "/nonexistent-golu-dir/curves.dat"),
          "no directory: %s", err.msg);
}

int main(void)
{
    TEST_BEGIN("lab_plot_curves");
    const golu_act acts[] = {
        golu_act_default(GOLU_ACT_RELU), golu_act_default(GOLU_ACT_GOLU),
        golu_act_default(GOLU_ACT_GELU), golu_act_default(GOLU_ACT_SILU),
        golu_act_default(GOLU_ACT_MISH),
    };
    nn_err err = {""};
    CHECK(lab_curves_compute(&C, acts, 5, &err) == 0 && C.n == 5, "compute: %s", err.msg);
    test_grid();
    test_golu_table();
    test_closed_forms();
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return TEST_END();
    }
    test_files();
    test_colors();
    test_errors();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "%s", cmd);
    return TEST_END();
}
