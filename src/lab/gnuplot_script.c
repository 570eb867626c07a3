/*
 * gnuplot_script.c - the prologue, the files and the colours of plots
 * (gnuplot_script.h).
 */
#include "gnuplot_script.h"

#include <limits.h>

void lab_gnuplot_prologue_write(FILE *f, const char *terminal, const char *name)
{
    fprintf(f, "# Redraw with: gnuplot DIR/%s (from any directory).\n", name);
    fprintf(f, "%s\n", terminal);
    fputs("set termoption noenhanced\n", f); /* names like leaky_relu, as written */
    /* dirname(ARG0), in gnuplot itself (no shell): ARG0 is the script's path. */
    fputs("d = ARG0; i = strlen(d)\n"
          "while (i > 0 && d[i:i] ne \"/\") { i = i - 1 }\n"
          "d = (i > 0) ? d[1:i] : \"\"\n",
          f);
}

int lab_gnuplot_file_open(nn_outfile *o, const char *dir, const char *name, nn_err *err)
{
    char path[PATH_MAX + 32];
    o->f = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return nn_fail(err, "%s/%s: path too long", dir, name);
    return nn_outfile_open(o, path, err);
}

int lab_gnuplot_script_open(nn_outfile *o, const char *dir, const char *name,
                            const char *terminal, nn_err *err)
{
    if (lab_gnuplot_file_open(o, dir, name, err))
        return -1;
    lab_gnuplot_prologue_write(o->f, terminal, name);
    return 0;
}

const char *lab_gnuplot_act_color(golu_act_kind kind)
{
    static const char *const COLORS[] = {
#define LAB_COLOR_(E, name, value, alias, quiet, a, b, g, grads, rule, kern, color, ...) \
    [GOLU_ACT_##E] = color,
        GOLU_ACT_LIST(LAB_COLOR_)
#undef LAB_COLOR_
    };
    _Static_assert(sizeof COLORS / sizeof COLORS[0] == GOLU_ACT_COUNT,
                   "COLORS: one colour per activation");
    return (unsigned)kind < GOLU_ACT_COUNT ? COLORS[kind] : "#000000";
}
