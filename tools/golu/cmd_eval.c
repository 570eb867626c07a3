/*
 * cmd_eval.c - `golu eval`: a checkpoint's loss and accuracy (images) or
 * perplexity and bits per byte (gpt) on its data's held-out split: the
 * evaluation of the model's task (nn_train_eval), in words or JSON.
 */
#include <stdio.h>
#include <string.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "train.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: golu eval --checkpoint FILE [--data PATH] [--threads N] [--json]\n\n"
            "Evaluates a checkpoint written by golu train: images on the test split,\n"
            "text on the whole validation part (consecutive windows). The model, the\n"
            "activation and the data path come from the checkpoint; --data overrides\n"
            "the path.\n");
}

int golu_cmd_eval(int argc, char **argv)
{
    const char *ckpt = NULL, *data = NULL;
    long threads = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (cli_is_flag(a, "--checkpoint")) {
            if (!(ckpt = cli_flag_value(argc, argv, &i, "--checkpoint")))
                return 2;
        } else if (cli_is_flag(a, "--data")) {
            if (!(data = cli_flag_value(argc, argv, &i, "--data")))
                return 2;
        } else if (cli_is_flag(a, "--threads")) {
            const char *v = cli_flag_value(argc, argv, &i, "--threads");
            if (!v || cli_parse_long("--threads", v, 0, 1024, &threads))
                return 2;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else {
            cli_error("unknown option '%s' (see golu eval --help)", a);
            return 2;
        }
    }
    if (!ckpt) {
        cli_error(
            "--checkpoint: required (a checkpoint.safetensors written by golu train)");
        return 2;
    }
    nn_train_config o;
    nn_train_config_defaults(&o, nn_model_at(0));
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, ckpt, &err)) {
        cli_error("--checkpoint: %s", err.msg);
        return 2;
    }
    int bad = nn_checkpoint_check(f, ckpt, &err);
    if (bad)
        cli_error("--checkpoint: %s", err.msg);
    else if ((bad = nn_train_config_from_meta(&o, f, ckpt, &err)))
        cli_error("%s", err.msg);
    nn_st_close(f);
    if (bad)
        return 2;
    if (data)
        snprintf(o.data, sizeof o.data, "%s", data);
    o.threads = (int)threads;
    blas_setup(o.threads);
    nn_train_result r;
    int rc = nn_train_eval(&o, ckpt, &r, &err);
    if (rc) {
        cli_error("%s", err.msg);
        return rc;
    }
    const nn_task_desc *task = nn_task_of(&o);
    if (json) {
        printf("{\"checkpoint\": ");
        cli_json_string(ckpt);
        for (int k = 0; k < task->neval; k++)
            printf(", \"%s\": %.8g", task->eval_keys[k], r.eval[k]);
        printf("}\n");
    } else {
        char words[256];
        nn_train_eval_text(&o, &r, words, sizeof words);
        printf("%s: %s %s: %s\n", ckpt, o.model.desc->name, o.act_name, words);
    }
    return 0;
}
