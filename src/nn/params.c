/*
 * params.c - the tensor table of params.h.
 */
#include "params.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

enum { ALIGN_FLOATS = 16 }; /* 64 bytes */

int nn_params_add(nn_params *p, const char *name, int ndim, const int *shape,
                  unsigned flags, nn_err *err)
{
    if (strlen(name) >= NN_PARAM_NAME_MAX)
        return nn_fail(err, "parameter name too long: %s", name);
    if (ndim < 0 || ndim > NN_PARAM_MAX_DIMS)
        return nn_fail(err, "%s: %d dimensions (at most %d)", name, ndim,
                       NN_PARAM_MAX_DIMS);
    if (nn_params_find(p, name) >= 0)
        return nn_fail(err, "%s: registered twice", name);
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] <= 0)
            return nn_fail(err, "%s: dimension %d is %d", name, d, shape[d]);
        numel *= (size_t)shape[d];
    }
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 32;
        nn_param *l = realloc(p->list, (size_t)cap * sizeof *l);
        if (!l)
            return nn_fail(err, "out of memory registering %s", name);
        p->list = l;
        p->cap = cap;
    }
    nn_param *t = &p->list[p->count];
    memset(t, 0, sizeof *t);
    strcpy(t->name, name);
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++)
        t->shape[d] = shape[d];
    t->numel = numel;
    t->flags = flags;
    t->offset = p->total;
    p->total += (numel + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
    return p->count++;
}

float *nn_alloc_floats(size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    float *f = aligned_alloc(64, bytes);
    if (f)
        memset(f, 0, bytes);
    return f;
}

int nn_params_alloc(nn_params *p, nn_err *err)
{
    p->data = nn_alloc_floats(p->total);
    p->grad = nn_alloc_floats(p->total);
    if (!p->data || !p->grad)
        return nn_fail(err, "out of memory for %zu parameters", p->total);
    return 0;
}

void nn_params_free(nn_params *p)
{
    free(p->list);
    free(p->data);
    free(p->grad);
    memset(p, 0, sizeof *p);
}

int nn_params_find(const nn_params *p, const char *name)
{
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->list[i].name, name) == 0)
            return i;
    return -1;
}

void nn_params_zero_grad(nn_params *p)
{
    memset(p->grad, 0, p->total * sizeof(float));
}

size_t nn_params_trainable(const nn_params *p)
{
    size_t n = 0;
    for (int i = 0; i < p->count; i++)
        if (!(p->list[i].flags & NN_PARAM_BUFFER))
            n += p->list[i].numel;
    return n;
}

void nn_init_uniform(nn_params *p, int i, double bound, unsigned long long seed)
{
    float *v = nn_param_data(p, i);
    uint64_t stream = nn_rng_stream(p->list[i].name, 0, 0);
    for (size_t k = 0; k < p->list[i].numel; k++)
        v[k] = (float)(bound * (2.0 * nn_rng_uniform(seed, stream, k) - 1.0));
}

void nn_init_normal(nn_params *p, int i, double std, unsigned long long seed)
{
    float *v = nn_param_data(p, i);
    uint64_t stream = nn_rng_stream(p->list[i].name, 1, 0);
    for (size_t k = 0; k < p->list[i].numel; k++)
        v[k] = (float)(std * nn_rng_normal(seed, stream, k));
}

void nn_init_const(nn_params *p, int i, float v)
{
    float *d = nn_param_data(p, i);
    for (size_t k = 0; k < p->list[i].numel; k++)
        d[k] = v;
}
