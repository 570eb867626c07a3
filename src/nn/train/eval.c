/*
 * eval.c - a checkpoint evaluated on its data's held-out split
 * (trainer.h), and the task's words for results and rows.
 */
#include <math.h>
#include <string.h>

#include "checkpoint.h"
#include "memory.h"
#include "trainer.h"

int nn_train_eval(const nn_train_config *c, const char *checkpoint, nn_train_result *res,
                  nn_err *err)
{
    memset(res, 0, sizeof *res);
    res->train_loss = NAN;
    for (int k = 0; k < NN_TASK_EVAL_MAX; k++)
        res->eval[k] = NAN;
    const nn_task_desc *d = nn_task_of(c);
    if (!d) {
        nn_fail(err, "--model: required");
        return NN_TRAIN_BAD_INPUT;
    }
    nn_config cfg = c->model;
    nn_task *task = NULL;
    nn_model *model = NULL;
    nn_st_file *f = NULL;
    nn_err e = {""};
    int rc = NN_TRAIN_BAD_INPUT;
    int opened = d->open(&task, c, &cfg, err);
    if (opened) {
        rc = opened == -2 ? NN_TRAIN_FAILED : NN_TRAIN_BAD_INPUT;
        goto out;
    }
    if (nn_memory_check_config(&cfg, NULL, err)) /* before allocating */
        goto out;
    if (nn_model_create(&model, &cfg, c->seed, c->threads, &e)) {
        nn_fail(err, "model: %s", e.msg);
        goto out;
    }
    if (nn_st_open(&f, checkpoint, &e) || nn_checkpoint_check(f, checkpoint, &e) ||
        nn_checkpoint_load_model(f, checkpoint, model, &e)) {
        nn_fail(err, "--checkpoint: %s", e.msg);
        goto out;
    }
    rc = NN_TRAIN_FAILED;
    if (d->evaluate_all(task, model, res->eval))
        nn_fail(err, "internal error in an evaluation (a bug: please report it)");
    else
        rc = NN_TRAIN_DONE;
out:
    nn_st_close(f);
    nn_model_destroy(model);
    if (task)
        d->close(task);
    return rc;
}

void nn_train_result_text(const nn_train_config *c, const nn_train_result *r, char *buf,
                          size_t size)
{
    nn_task_of(c)->result_text(r->eval, buf, size);
}

void nn_train_eval_text(const nn_train_config *c, const nn_train_result *r, char *buf,
                        size_t size)
{
    nn_task_of(c)->eval_text(r->eval, buf, size);
}

void nn_train_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    t->desc->row_text(t, row, buf, size);
}
