/*
 * train_data.c - loading a run's data (train_data.h).
 *
 * Images: a directory with Fashion-MNIST/MNIST IDX files
 * ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]) or CIFAR-10 binary
 * batches (data_batch_1..5.bin, test_batch.bin). Text: one file of bytes.
 */
#include "train_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int exists(const char *dir, const char *name)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static int load_cifar(train_data *d, const char *dir, nn_err *err)
{
    char paths[6][PATH_MAX + 32];
    const char *train[5];
    for (int i = 0; i < 5; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/data_batch_%d.bin", dir, i + 1);
        train[i] = paths[i];
    }
    snprintf(paths[5], sizeof paths[5], "%s/test_batch.bin", dir);
    const char *test[1] = {paths[5]};
    if (nn_cifar10_load(&d->train, train, 5, err))
        return -1;
    return nn_cifar10_load(&d->test, test, 1, err);
}

/* Keeps the first `limit` images (0: all). */
static void limit_images(nn_images *im, long limit)
{
    if (limit > 0 && limit < im->n)
        im->n = (int)limit;
}

static int load_images(train_data *d, const train_opts *o, nn_config *cfg)
{
    nn_err err = {""};
    struct stat st;
    if (stat(o->data, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("--data: %s is not a directory of images (Fashion-MNIST IDX files or "
                  "CIFAR-10 batches)%s",
                  o->data,
                  strcmp(o->data, "/usr/share/datasets/fashion-mnist") == 0
                      ? "; install Debian's dataset-fashion-mnist "
                        "(scripts/setup-debian.sh --data)"
                      : "");
        return -1;
    }
    int rc;
    if (exists(o->data, "data_batch_1.bin"))
        rc = load_cifar(d, o->data, &err);
    else
        rc = nn_idx_load_dir(&d->train, o->data, "train", &err) ||
             nn_idx_load_dir(&d->test, o->data, "test", &err);
    if (rc) {
        cli_error("--data: %s", err.msg);
        return -1;
    }
    limit_images(&d->train, o->limit_train);
    limit_images(&d->test, o->limit_test);
    nn_images_stats(&d->train, d->mean, d->std);
    cfg->in_c = d->train.c, cfg->in_h = d->train.h, cfg->in_w = d->train.w;
    cfg->classes = d->train.classes;
    return 0;
}

int train_data_load(train_data *d, const train_opts *o, nn_config *cfg)
{
    memset(d, 0, sizeof *d);
    if (o->model.kind != NN_MODEL_GPT) {
        d->images = 1;
        return load_images(d, o, cfg);
    }
    nn_err err = {""};
    if (nn_text_load(&d->text, o->data, o->val_fraction, (size_t)o->model.context + 1,
                     &err)) {
        cli_error(
            "--data: %s%s", err.msg,
            getenv("GOLU_KJV") || strstr(o->data, "kjv.txt") == NULL
                ? ""
                : " (scripts/setup-debian.sh --data prepares the King James Bible text)");
        return -1;
    }
    return 0;
}

void train_data_free(train_data *d)
{
    nn_images_free(&d->train);
    nn_images_free(&d->test);
    nn_text_free(&d->text);
}
