/*
 * gnuplot.c - running gnuplot (gnuplot.h).
 */
#include "gnuplot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int probed, have, cairo;

static void probe(void)
{
    if (probed)
        return;
    probed = 1;
    FILE *p = popen("gnuplot -e 'set terminal' 2>&1", "r");
    if (!p)
        return;
    char line[256];
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "pngcairo"))
            cairo = 1;
        if (strstr(line, " png ") || strstr(line, "pngcairo"))
            have = 1;
    }
    have &= pclose(p) == 0;
}

int gnuplot_available(void)
{
    probe();
    return have;
}

const char *gnuplot_terminal(void)
{
    probe();
    return cairo ? "set terminal pngcairo size 900,600 font ',10'"
                 : "set terminal png size 900,600";
}

int gnuplot_run(const char *script, char *err, size_t errsize)
{
    if (!gnuplot_available()) {
        snprintf(err, errsize,
                 "gnuplot with PNG output is not installed "
                 "(Debian package gnuplot-nox; scripts/setup-debian.sh installs it)");
        return -1;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>&1", script);
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(err, errsize, "cannot run gnuplot");
        return -1;
    }
    char out[1024] = "";
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    int rc = pclose(p);
    if (rc != 0 || strstr(out, "error")) {
        char *nl = strrchr(out, '\n');
        if (nl && nl[1] == '\0')
            *nl = '\0';
        snprintf(err, errsize, "gnuplot %s failed: %s", script,
                 out[0] ? out : "(no message)");
        return -1;
    }
    return 0;
}
