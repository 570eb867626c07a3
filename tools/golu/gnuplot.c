/*
 * gnuplot.c - running gnuplot (gnuplot.h).
 */
#include "gnuplot.h"

#include <errno.h>
#include <limits.h>
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

/* 1 when the file at path is a whole PNG: the signature first and the IEND
 * chunk (length 0, "IEND", its CRC) last; 0 otherwise. */
static int png_whole(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char iend[12] = {0,   0,   0,    0,    'I',  'E',
                                           'N', 'D', 0xae, 0x42, 0x60, 0x82};
    unsigned char head[8], tail[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = fread(head, 1, 8, f) == 8 && memcmp(head, sig, 8) == 0 &&
             fseek(f, -12, SEEK_END) == 0 && fread(tail, 1, 12, f) == 12 &&
             memcmp(tail, iend, 12) == 0;
    fclose(f);
    return ok;
}

/*
 * Checks every PNG the script told gnuplot to write (its lines
 * `set output d.'NAME'` or `set output d."NAME"`, NAME relative to the
 * script's directory): gnuplot ignores its own write errors (a full disk
 * leaves a short PNG and exit status 0). Every PNG missing or cut short
 * is removed; returns -1 with err naming the first, 0 when all are whole.
 */
static int pngs_check(const char *script, char *err, size_t errsize)
{
    FILE *f = fopen(script, "r");
    if (!f) {
        snprintf(err, errsize, "cannot read %s: %s", script, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(script, '/');
    int dirlen = slash ? (int)(slash - script) : 1;
    const char *dir = slash ? script : ".";
    char line[1024];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        static const char key[] = "set output d.";
        if (strncmp(line, key, sizeof key - 1) != 0)
            continue;
        char q = line[sizeof key - 1];
        const char *name = line + sizeof key;
        const char *end = q == '\'' || q == '"' ? strchr(name, q) : NULL;
        if (!end)
            continue;
        char path[PATH_MAX + 1100];
        snprintf(path, sizeof path, "%.*s/%.*s", dirlen, dir, (int)(end - name), name);
        if (png_whole(path))
            continue;
        remove(path);
        if (rc == 0)
            snprintf(
                err, errsize,
                "gnuplot %s did not write %s whole (no PNG end chunk: a write failed, "
                "the disk full?); the broken file was removed",
                script, path);
        rc = -1;
    }
    fclose(f);
    return rc;
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
    return pngs_check(script, err, errsize);
}
