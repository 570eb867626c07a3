/*
 * params.h - a model's tensors: one table of names and shapes, one block of
 * values, one block of gradients (the same layout), so the optimizer, the
 * gradient norm and the checkpoint each walk a single array.
 *
 * Buffers (BatchNorm's running statistics) live in the same table and block
 * with NN_PARAM_BUFFER set: they are saved and restored, never trained.
 * Names follow PyTorch's state_dict names for the same model, so a
 * checkpoint loads into the torch twin of the model by name.
 */
#ifndef NN_PARAMS_H
#define NN_PARAMS_H

#include <stddef.h>

#include "error.h"

enum {
    NN_PARAM_DECAY = 1u, /* weight decay applies (weights of Linear, Conv2d, Embedding) */
    NN_PARAM_BUFFER = 2u /* not trained (running statistics) */
};

#define NN_PARAM_NAME_MAX 96
#define NN_PARAM_MAX_DIMS 4

typedef struct nn_param {
    char name[NN_PARAM_NAME_MAX];
    int ndim;
    int shape[NN_PARAM_MAX_DIMS];
    size_t offset; /* in floats, into data and grad */
    size_t numel;
    unsigned flags;
} nn_param;

typedef struct nn_params {
    nn_param *list;
    int count, cap;
    size_t total; /* floats in data (and in grad) */
    float *data;  /* every value, 64-byte aligned, each tensor starting on a
                     multiple of 16 floats */
    float *grad;
} nn_params;

/*
 * Registers a tensor (before nn_params_alloc); returns its index, or -1 with
 * err set (name too long, a duplicate name, a bad shape, no memory).
 */
int nn_params_add(nn_params *p, const char *name, int ndim, const int *shape,
                  unsigned flags, nn_err *err);
/* 64-byte aligned, zeroed floats (n == 0 still gives a valid pointer); NULL
 * when out of memory. Freed with free(). */
float *nn_alloc_floats(size_t n);

/* Allocates data and grad, zeroed. */
int nn_params_alloc(nn_params *p, nn_err *err);
void nn_params_free(nn_params *p);

static inline float *nn_param_data(const nn_params *p, int i)
{
    return p->data + p->list[i].offset;
}
static inline float *nn_param_grad(const nn_params *p, int i)
{
    return p->grad + p->list[i].offset;
}
/* Index of the tensor with that name, or -1. */
int nn_params_find(const nn_params *p, const char *name);
/* Sets every gradient to 0. */
void nn_params_zero_grad(nn_params *p);
/* Trainable parameters' element count. */
size_t nn_params_trainable(const nn_params *p);

/* PyTorch's default initialisations, drawn from the counter RNG with a
 * stream per tensor name (so adding a tensor never changes another's
 * values): */
/* U(-bound, bound) */
void nn_init_uniform(nn_params *p, int i, double bound, unsigned long long seed);
/* N(0, std) */
void nn_init_normal(nn_params *p, int i, double std, unsigned long long seed);
/* every element = v */
void nn_init_const(nn_params *p, int i, float v);

#endif
