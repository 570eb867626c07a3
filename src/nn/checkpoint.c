/*
 * checkpoint.c - saving and restoring training state (checkpoint.h).
 */
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tensor names for the optimizer's state live here while a save runs. */
typedef struct name_pool {
    char (*names)[NN_PARAM_NAME_MAX + 16];
    int count;
} name_pool;

static void describe(nn_st_tensor *t, const nn_param *pa, const char *name,
                     const float *data)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = NN_ST_F32;
    t->ndim = pa->ndim;
    for (int d = 0; d < pa->ndim; d++)
        t->shape[d] = pa->shape[d];
    t->data = data;
}

int nn_checkpoint_save(const char *path, const nn_model *m, const nn_optim *o,
                       const nn_st_tensor *extra, int nextra, const nn_st_meta *meta,
                       int nmeta, nn_err *err)
{
    const nn_params *p = &m->params;
    int nstate = o ? (o->v ? 2 : 1) : 0;
    int cap = p->count * (1 + nstate) + nextra;
    nn_st_tensor *t = calloc((size_t)cap + 1, sizeof *t);
    name_pool pool = {calloc((size_t)p->count * (size_t)nstate + 1, sizeof *pool.names),
                      0};
    nn_st_meta *md = calloc((size_t)nmeta + 2, sizeof *md);
    if (!t || !pool.names || !md) {
        free(t);
        free(pool.names);
        free(md);
        return nn_fail(err, "%s: out of memory", path);
    }
    int n = 0;
    for (int i = 0; i < p->count; i++)
        describe(&t[n++], &p->list[i], p->list[i].name, p->data + p->list[i].offset);
    for (int s = 0; s < nstate; s++) {
        const float *block = s == 0 ? o->m : o->v;
        for (int i = 0; i < p->count; i++) {
            const nn_param *pa = &p->list[i];
            if (pa->flags & NN_PARAM_BUFFER)
                continue;
            char *name = pool.names[pool.count++];
            snprintf(name, NN_PARAM_NAME_MAX + 16, "optim.%c.%s", s == 0 ? 'm' : 'v',
                     pa->name);
            describe(&t[n++], pa, name, block + pa->offset);
        }
    }
    for (int i = 0; i < nextra; i++)
        t[n++] = extra[i];
    char stepbuf[32];
    snprintf(stepbuf, sizeof stepbuf, "%ld", o ? o->step : 0L);
    md[0] = (nn_st_meta){"format", NN_CHECKPOINT_FORMAT};
    md[1] = (nn_st_meta){"optim.step", stepbuf};
    for (int i = 0; i < nmeta; i++)
        md[2 + i] = meta[i];
    int rc = nn_st_write(path, t, n, md, nmeta + 2, err);
    free(t);
    free(pool.names);
    free(md);
    return rc;
}

int nn_checkpoint_check(const nn_st_file *f, const char *path, nn_err *err)
{
    const char *fmt = nn_st_meta_get(f, "format");
    if (!fmt)
        return nn_fail(err, "%s: not a golu checkpoint (no \"format\" in its metadata)",
                       path);
    if (strcmp(fmt, NN_CHECKPOINT_FORMAT) != 0)
        return nn_fail(err, "%s: checkpoint format \"%s\", this golu reads \"%s\"", path,
                       fmt, NN_CHECKPOINT_FORMAT);
    return 0;
}

/* The tensor `name` with pa's shape and dtype F32, or an error. */
static const nn_st_tensor *find_like(const nn_st_file *f, const char *path,
                                     const char *name, const nn_param *pa, nn_err *err)
{
    const nn_st_tensor *t = nn_st_find(f, name);
    if (!t) {
        nn_fail(err, "%s: tensor %s is missing", path, name);
        return NULL;
    }
    int same = t->dtype == NN_ST_F32 && t->ndim == pa->ndim;
    for (int d = 0; same && d < pa->ndim; d++)
        same = t->shape[d] == pa->shape[d];
    if (!same) {
        char want[64] = "", got[64] = "";
        for (int d = 0; d < pa->ndim; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d",
                     d ? "x" : "", pa->shape[d]);
        for (int d = 0; d < t->ndim && d < NN_ST_MAX_DIMS; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "x" : "",
                     (long long)t->shape[d]);
        nn_fail(err, "%s: tensor %s is %s [%s], the model needs F32 [%s]", path, name,
                nn_st_dtype_name(t->dtype), got, want);
        return NULL;
    }
    return t;
}

int nn_checkpoint_load_model(const nn_st_file *f, const char *path, nn_model *m,
                             nn_err *err)
{
    nn_params *p = &m->params;
    for (int i = 0; i < p->count; i++) {
        const nn_param *pa = &p->list[i];
        const nn_st_tensor *t = find_like(f, path, pa->name, pa, err);
        if (!t)
            return -1;
        memcpy(p->data + pa->offset, t->data, pa->numel * sizeof(float));
    }
    return 0;
}

int nn_checkpoint_load_optim(const nn_st_file *f, const char *path, const nn_params *p,
                             nn_optim *o, nn_err *err)
{
    const char *step = nn_st_meta_get(f, "optim.step");
    char *end = NULL;
    errno = 0;
    long s = step ? strtol(step, &end, 10) : -1;
    if (!step || errno || *end || s < 0)
        return nn_fail(err, "%s: metadata optim.step is missing or not a count", path);
    o->step = s;
    int nstate = o->v ? 2 : 1;
    char name[NN_PARAM_NAME_MAX + 16];
    for (int k = 0; k < nstate; k++) {
        float *block = k == 0 ? o->m : o->v;
        for (int i = 0; i < p->count; i++) {
            const nn_param *pa = &p->list[i];
            if (pa->flags & NN_PARAM_BUFFER)
                continue;
            snprintf(name, sizeof name, "optim.%c.%s", k == 0 ? 'm' : 'v', pa->name);
            const nn_st_tensor *t = find_like(f, path, name, pa, err);
            if (!t)
                return -1;
            memcpy(block + pa->offset, t->data, pa->numel * sizeof(float));
        }
    }
    return 0;
}
