/*
 * checkpoints.c - checkpoints_compare (checkpoints.h).
 */
#include "checkpoints.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "safetensors.h"

/* The column of task's rows named "seconds", or -1. */
static int seconds_col(const nn_task_desc *task)
{
    for (int c = 0; c < task->ncols; c++)
        if (strcmp(task->columns[c], "seconds") == 0)
            return c;
    return -1;
}

/* ta and tb have the same type and shape. */
static int same_shape(const nn_st_tensor *ta, const nn_st_tensor *tb)
{
    int same = ta->dtype == tb->dtype && ta->ndim == tb->ndim;
    for (int d = 0; same && d < ta->ndim; d++)
        same = ta->shape[d] == tb->shape[d];
    return same;
}

/* The values of run.metrics that differ, but the seconds column's. */
static int metrics_differ(const nn_st_tensor *ta, const nn_st_tensor *tb, size_t count,
                          int skip)
{
    const double *ma = ta->data, *mb = tb->data;
    size_t width = ta->ndim == 2 && ta->shape[1] > 0 ? (size_t)ta->shape[1] : 1;
    int differ = 0;
    for (size_t k = 0; k < count; k++)
        if ((int)(k % width) != skip && memcmp(&ma[k], &mb[k], sizeof *ma) != 0)
            differ++;
    return differ;
}

int checkpoints_compare(const char *what, const char *a, const char *b,
                        const nn_task_desc *task)
{
    nn_st_file *fa = NULL, *fb = NULL;
    nn_err err;
    if (!CHECK(nn_st_open(&fa, a, &err) == 0, "%s: %s", what, err.msg) ||
        !CHECK(nn_st_open(&fb, b, &err) == 0, "%s: %s", what, err.msg)) {
        nn_st_close(fa);
        return 1;
    }
    CHECK(nn_st_count(fa) == nn_st_count(fb), "%s: %d vs %d tensors", what,
          nn_st_count(fa), nn_st_count(fb));
    int differ = 0, skip = seconds_col(task);
    for (int i = 0; i < nn_st_count(fa); i++) {
        const nn_st_tensor *ta = nn_st_get(fa, i), *tb = nn_st_find(fb, ta->name);
        if (!CHECK(tb != NULL, "%s: %s is missing from %s", what, ta->name, b) ||
            !CHECK(same_shape(ta, tb), "%s: %s has another type or shape", what,
                   ta->name)) {
            differ++;
            continue;
        }
        size_t count = 1;
        for (int d = 0; d < ta->ndim; d++)
            count *= (size_t)ta->shape[d];
        size_t bytes = count * nn_st_dtype_size(ta->dtype);
        if (strcmp(ta->name, "run.metrics") == 0) {
            differ += metrics_differ(ta, tb, count, skip);
            continue;
        }
        if (strcmp(ta->name, "run.state") == 0 && bytes >= sizeof(double))
            bytes -= sizeof(double); /* the last value is the time spent */
        if (memcmp(ta->data, tb->data, bytes) != 0) {
            differ++;
            CHECK(0, "%s: tensor %s differs", what, ta->name);
        }
    }
    CHECK(differ == 0, "%s: %d values differ", what, differ);
    nn_st_close(fa);
    nn_st_close(fb);
    return differ;
}

/* The tensors of f into t[0..n) with element index of `tensor` replaced by
 * x in a copy (*copy, freed by the caller). 0, or -1 when that is not an
 * F64 tensor of more than index elements. */
static int copy_tensors(const nn_st_file *f, nn_st_tensor *t, const char *tensor,
                        long index, double x, double **copy)
{
    int n = nn_st_count(f);
    *copy = NULL;
    for (int i = 0; i < n; i++) {
        t[i] = *nn_st_get(f, i);
        if (!tensor || strcmp(t[i].name, tensor) != 0)
            continue;
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++)
            count *= (size_t)t[i].shape[d];
        if (t[i].dtype != NN_ST_F64 || index < 0 || (size_t)index >= count ||
            !(*copy = malloc(count * sizeof **copy)))
            return -1;
        memcpy(*copy, t[i].data, count * sizeof **copy);
        (*copy)[index] = x;
        t[i].data = *copy;
    }
    return tensor && !*copy ? -1 : 0;
}

int checkpoints_edit(const char *src, const char *dst, const char *key, const char *value,
                     const char *tensor, long index, double x)
{
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (!CHECK(nn_st_open(&f, src, &err) == 0, "checkpoints_edit: %s", err.msg))
        return -1;
    int nt = nn_st_count(f), nm = nn_st_meta_count(f), found = 0;
    nn_st_tensor *t = calloc((size_t)nt + 1, sizeof *t);
    nn_st_meta *m = calloc((size_t)nm + 1, sizeof *m);
    double *copy = NULL;
    int rc = -1;
    if (!CHECK(t && m, "checkpoints_edit: out of memory"))
        goto done;
    if (!CHECK(copy_tensors(f, t, tensor, index, x, &copy) == 0,
               "checkpoints_edit: %s has no F64 tensor %s of more than %ld values", src,
               tensor, index))
        goto done;
    for (int i = 0; i < nm; i++) {
        m[i] = *nn_st_meta_at(f, i);
        if (key && strcmp(m[i].key, key) == 0)
            m[i].value = value, found = 1;
    }
    if (key && !found)
        m[nm++] = (nn_st_meta){key, value};
    rc = CHECK(nn_st_write(dst, t, nt, m, nm, &err) == 0, "checkpoints_edit: %s", err.msg)
             ? 0
             : -1;
done:
    free(copy);
    free(t);
    free(m);
    nn_st_close(f);
    return rc;
}
