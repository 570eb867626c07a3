/*
 * cmd_train.c - `golu train`: trains one model with one activation.
 *
 *   golu train --model mlp|resnet|gpt [--act NAME] [options] --out DIR
 *   golu train --resume --out DIR [--threads N] [--quiet]
 *
 * The recipe's defaults come from the model (train_opts_defaults); every
 * flag is checked, and an unknown one is an error, never ignored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "train.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: golu train --model mlp|resnet|gpt [--act NAME] [options] --out DIR\n"
        "       golu train --resume --out DIR [--threads N] [--quiet]\n\n"
        "Trains a model on real data with one activation; writes the checkpoint,\n"
        "metrics.csv, metrics.json and summary.json into DIR. Ctrl-C stops after the\n"
        "current step and keeps a checkpoint; --resume continues it to the same\n"
        "final weights as an uninterrupted run.\n\n"
        "Defaults: mlp: Fashion-MNIST, 1 block of 512, SGD momentum 0.9, lr 0.01,\n"
        "batch 128, 8 epochs. resnet: ResNet-20, lr 0.1, weight decay 1e-4, x0.1 at\n"
        "50%% and 75%%, 10 epochs. gpt: the King James Bible by bytes, 4 layers, 4 "
        "heads,\n"
        "width 128, context 128, batch 16, AdamW lr 1e-3 -> 1e-4 (cosine, warmup 100),\n"
        "beta2 0.99, weight decay 0.1, clip 1, dropout 0.1, 2000 steps.\n\n"
        "options:\n"
        "  --model NAME        mlp, resnet or gpt\n"
        "  --resume            continue the run in --out from its checkpoint\n");
    train_opts_usage(out);
}

/* Only these may accompany --resume: the rest is the checkpoint's. */
static int allowed_with_resume(const char *a)
{
    return cli_is_flag(a, "--out") || cli_is_flag(a, "--threads") ||
           cli_is_flag(a, "--quiet") || cli_is_flag(a, "--stop-after") ||
           cli_is_flag(a, "--resume");
}

static int find_model(int argc, char **argv, int *kind, int *resume)
{
    *kind = -1;
    *resume = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            *resume = 1;
        if (cli_is_flag(argv[i], "--model")) {
            const char *v = cli_flag_value(argc, argv, &i, "--model");
            if (!v)
                return -1;
            if ((*kind = nn_model_kind_from_name(v)) < 0) {
                cli_error("--model: unknown model '%s' (known: mlp, resnet, gpt)", v);
                return -1;
            }
        }
    }
    return 0;
}

static int parse(int argc, char **argv, train_opts *o, int resume)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (resume && !allowed_with_resume(a)) {
            cli_error(
                "%s: --resume takes the configuration from the checkpoint; only --out, "
                "--threads, --quiet and --stop-after may be given with it",
                a);
            return -1;
        }
        if (strcmp(a, "--resume") == 0)
            continue;
        if (cli_is_flag(a, "--model")) {
            i += a[7] == '=' ? 0 : 1;
            continue;
        }
        int r = train_opts_parse_flag(o, argc, argv, &i);
        if (r < 0)
            return -1;
        if (r == 0) {
            cli_error("unknown option '%s' (see golu train --help)", a);
            return -1;
        }
    }
    return 0;
}

/* With --resume: the options saved in DIR's checkpoint. */
static int load_saved(train_opts *o)
{
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, o->out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err)) {
        cli_error("--resume: %s", err.msg);
        return -1;
    }
    int rc = train_opts_from_meta(o, f, path);
    nn_st_close(f);
    return rc;
}

static void print_summary(const train_opts *o, const train_result *r)
{
    printf("golu train: %s %s seed %llu: ", nn_model_kind_name(o->model.kind),
           o->act_name, (unsigned long long)o->seed);
    if (o->model.kind == NN_MODEL_GPT)
        printf("val loss %.4f, perplexity %.3f, %.4f bits/byte", r->val_loss, r->val_ppl,
               r->val_bpb);
    else
        printf("test acc %.4f, test loss %.4f", r->val_acc, r->val_loss);
    printf(" after %ld steps in %.1f s; results in %s\n", r->steps, r->seconds, o->out);
}

int golu_cmd_train(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    int kind, resume;
    if (find_model(argc, argv, &kind, &resume))
        return 2;
    if (kind < 0 && !resume) {
        cli_error("--model: required (mlp, resnet or gpt; see golu train --help)");
        return 2;
    }
    if (kind >= 0 && resume) {
        cli_error("--model: --resume takes the model from the checkpoint");
        return 2;
    }
    train_opts o;
    train_opts_defaults(&o, kind < 0 ? NN_MODEL_MLP : (nn_model_kind)kind);
    if (parse(argc, argv, &o, resume))
        return 2;
    if (resume && !o.out[0]) {
        cli_error("--out: required with --resume (the directory of the run)");
        return 2;
    }
    if ((resume && load_saved(&o)) || train_opts_check(&o))
        return 2;
    blas_setup(o.threads);
    train_result res;
    int rc = train_run(&o, resume, &res);
    if (rc == 0)
        print_summary(&o, &res);
    return rc;
}
