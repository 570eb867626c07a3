/*
 * analysis.c - helpers shared by golu variance and golu plot (analysis.h).
 */
#include "analysis.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gnuplot.h"
#include "io/file_check.h"
#include "io/lock.h"

/* Appends kind, with its defaults and its canonical name. */
static void acts_add(analysis_acts *out, golu_act_kind kind)
{
    out->act[out->n] = golu_act_default(kind);
    out->name[out->n++] = golu_act_name(kind);
}

int analysis_parse_acts(const char *flag, const char *list, analysis_acts *out)
{
    char buf[1024], *items[ANALYSIS_MAX_ACTS];
    int n;
    if (strlen(list) >= sizeof buf) {
        cli_error("%s: the list is too long", flag);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", list);
    if (cli_split_list(flag, buf, items, ANALYSIS_MAX_ACTS, &n))
        return -1;
    out->n = 0;
    for (int i = 0; i < n; i++) {
        golu_act a;
        if (cli_parse_act(flag, items[i], &a))
            return -1;
        for (int j = 0; j < out->n; j++)
            if (out->act[j].kind == a.kind) {
                cli_error("%s: '%s' is given twice", flag, items[i]);
                return -1;
            }
        acts_add(out, a.kind);
    }
    return 0;
}

void analysis_all_acts(analysis_acts *out)
{
    out->n = 0;
    for (int k = 0; k < GOLU_ACT_COUNT; k++)
        if (k != GOLU_ACT_GOLU)
            acts_add(out, (golu_act_kind)k);
    acts_add(out, GOLU_ACT_GOLU); /* last: drawn over the others */
}

int analysis_check_out_acts(const char *out, const char *list, analysis_acts *acts)
{
    if (!*out) {
        cli_error("--out: empty directory name");
        return -1;
    }
    nn_err err = {""};
    if (nn_path_utf8("--out", out, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    return analysis_parse_acts("--acts", list, acts);
}

int analysis_make_dir(const char *flag, const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0777) == 0 || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    cli_error("%s: cannot create directory %s: %s", flag, dir, strerror(errno));
    return -1;
}

int analysis_dir_lock(const char *flag, const char *dir)
{
    static nn_lock held[4]; /* released when the process ends */
    static int nheld;
    nn_err err = {""};
    if (nheld == 4) {
        cli_error("%s: %s: too many directories locked (a bug: please report it)", flag,
                  dir);
        return -1;
    }
    if (nn_lock_take(&held[nheld], dir, flag, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    nheld++;
    return 0;
}

void analysis_path(char *buf, size_t size, const char *dir, const char *file)
{
    snprintf(buf, size, "%s/%s", dir, file);
}

int analysis_gp_run(const char *script)
{
    static int said_missing; /* once per command, not once per script */
    char err[1400];
    if (!gnuplot_available() && said_missing)
        return 1;
    said_missing = !gnuplot_available();
    if (gnuplot_run(script, err, sizeof err) == 0)
        return 0;
    cli_error("%s", err);
    return 1;
}
