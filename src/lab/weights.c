/*
 * weights.c - reading trained weights from a compare's checkpoints and
 * their moments (weights.h). The files are weights_files.c's.
 */
#include "weights.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "safetensors.h"

void lab_weights_free(lab_weights *w, int n)
{
    for (int a = 0; a < n; a++) {
        free(w[a].v);
        w[a].v = NULL, w[a].n = w[a].cap = 0;
    }
}

/* Appends v[0..n) as doubles (exactly); -1 when out of memory. */
static int push(lab_weights *w, const float *v, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        double *p = realloc(w->v, cap * sizeof *p);
        if (!p)
            return -1;
        w->v = p, w->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        w->v[w->n + i] = v[i];
    w->n += n;
    return 0;
}

/* The tensors this analysis takes: F32 "*.weight", ndim >= 2, not optim.*. */
static int is_weight(const nn_st_tensor *t)
{
    size_t len = strlen(t->name);
    return t->dtype == NN_ST_F32 && t->ndim >= 2 && len > 7 &&
           strcmp(t->name + len - 7, ".weight") == 0 &&
           strncmp(t->name, "optim.", 6) != 0;
}

lab_weights_status lab_weights_checkpoint_add(lab_weights *w, const char *path,
                                              nn_err *err)
{
    nn_st_file *f = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        nn_fail(err, "%s: no such file (the run has no checkpoint)", path);
        return LAB_WEIGHTS_EINPUT;
    }
    if (nn_st_open(&f, path, err))
        return LAB_WEIGHTS_EINPUT;
    int found = 0;
    lab_weights_status rc = LAB_WEIGHTS_OK;
    for (int i = 0; i < nn_st_count(f) && !rc; i++) {
        const nn_st_tensor *t = nn_st_get(f, i);
        if (!is_weight(t))
            continue;
        size_t count = 1;
        for (int k = 0; k < t->ndim; k++)
            count *= (size_t)t->shape[k];
        found++;
        if (push(w, t->data, count)) {
            nn_fail(err, "out of memory reading %s", path);
            rc = LAB_WEIGHTS_ENOMEM;
        }
    }
    nn_st_close(f);
    if (!rc && !found) {
        nn_fail(err, "%s: no F32 tensor named *.weight with 2 or more dimensions", path);
        rc = LAB_WEIGHTS_EINPUT;
    }
    w->tensors += found;
    return rc;
}

/* "golu-s12" -> the activation's index in acts and seed 12; -1 if the name
 * is not a run of one of them. */
static int parse_run_name(const char *name, const golu_act *acts, int n, long *seed)
{
    const char *dash = strrchr(name, '-');
    char act[64], *end;
    if (!dash || dash[1] != 's' || dash[2] < '0' || dash[2] > '9' ||
        (size_t)(dash - name) >= sizeof act)
        return -1;
    *seed = strtol(dash + 2, &end, 10);
    if (*end)
        return -1;
    memcpy(act, name, (size_t)(dash - name));
    act[dash - name] = '\0';
    golu_act a;
    if (golu_act_from_name(act, &a) != GOLU_OK)
        return -1;
    for (int i = 0; i < n; i++)
        if (acts[i].kind == a.kind)
            return i;
    return -1;
}

/* Reads every run of dir/runs into w (indexed like acts), in name order. */
static lab_weights_status read_runs(const char *dir, const golu_act *acts, int n,
                                    lab_weights *w, nn_err *err)
{
    char runs[PATH_MAX], path[PATH_MAX + 320];
    struct dirent **names;
    lab_weights_status rc = LAB_WEIGHTS_OK;
    snprintf(runs, sizeof runs, "%s/runs", dir);
    int count = scandir(runs, &names, NULL, alphasort);
    if (count < 0) {
        nn_fail(err, "%s: not a golu compare output (no runs/ directory)", dir);
        return LAB_WEIGHTS_EINPUT;
    }
    for (int i = 0; i < count; i++) {
        long seed;
        int a = parse_run_name(names[i]->d_name, acts, n, &seed);
        if (!rc && a >= 0) {
            snprintf(path, sizeof path, "%s/%s/checkpoint.safetensors", runs,
                     names[i]->d_name);
            rc = lab_weights_checkpoint_add(&w[a], path, err);
            size_t len = strlen(w[a].seeds);
            snprintf(w[a].seeds + len, sizeof w[a].seeds - len, "%s%ld", len ? ";" : "",
                     seed);
            w[a].runs++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

lab_weights_status lab_weights_load(const char *dir, const golu_act *acts, int n,
                                    int every_act, lab_weights *w, nn_err *err)
{
    struct stat st;
    int found = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        nn_fail(err, "%s is not a directory (a golu compare output)", dir);
        return LAB_WEIGHTS_EINPUT;
    }
    lab_weights_status rc = read_runs(dir, acts, n, w, err);
    if (rc)
        return rc;
    for (int a = 0; a < n; a++) {
        if (w[a].runs) {
            found++;
            lab_moments_of(w[a].v, w[a].n, &w[a].m);
        } else if (every_act) {
            const char *name = golu_act_name(acts[a].kind);
            nn_fail(err, "%s/runs has no run of %s (%s-s<seed>)", dir, name, name);
            return LAB_WEIGHTS_EINPUT;
        }
    }
    if (!found) {
        nn_fail(err, "%s/runs holds no <act>-s<seed> run directories", dir);
        return LAB_WEIGHTS_EINPUT;
    }
    return LAB_WEIGHTS_OK;
}
