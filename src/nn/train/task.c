/*
 * task.c - what every task shares (task.h): its lookup from a
 * configuration, a check of its data, its scale keys, its batch buffers.
 */
#include "task.h"

#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "registry.h"

const nn_task_desc *nn_task_of(const nn_train_config *c)
{
    return nn_model_task(&c->model);
}

int nn_task_check_data(const nn_train_config *c, nn_err *err)
{
    const nn_task_desc *d = nn_task_of(c);
    if (!d)
        return nn_fail(err, "--model: required");
    nn_config model = c->model;
    nn_task *t = NULL;
    if (d->open(&t, c, &model, err))
        return -1;
    d->close(t);
    return 0;
}

int nn_task_scales(const nn_task_desc *d, const char *key)
{
    for (int i = 0; d->scale_keys[i]; i++)
        if (strcmp(d->scale_keys[i], key) == 0)
            return i;
    return -1;
}

int nn_task_eval_mine(const nn_task *t, long i)
{
    return i % nn_comm_size(t->comm) == nn_comm_rank(t->comm);
}

int nn_task_eval_sum(const nn_task *t, double *v, size_t n)
{
    return nn_comm_sum_f64(t->comm, v, n);
}

/* n elements of spec's type: floats aligned (nn_alloc_floats), int32 zeroed. */
static void *alloc_spec(const nn_batch_spec *s, int batch)
{
    size_t n = (size_t)batch * s->per_example;
    if (s->dtype == NN_ST_F32)
        return nn_alloc_floats(n);
    return calloc(n ? n : 1, nn_st_dtype_size(s->dtype));
}

int nn_task_alloc_batch(nn_task *t, int batch, nn_err *err)
{
    t->x = alloc_spec(&t->x_spec, batch);
    t->target = alloc_spec(&t->target_spec, batch);
    if (!t->x || !t->target) {
        nn_fail(err, "out of memory for the batches");
        return -2;
    }
    return 0;
}

void nn_task_free_batch(nn_task *t)
{
    free(t->x);
    free(t->target);
    t->x = t->target = NULL;
}
