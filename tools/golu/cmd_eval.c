/*
 * cmd_eval.c - `golu eval`: a checkpoint's loss and accuracy (images) or
 * perplexity and bits per byte (gpt) on its data's held-out split.
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
    train_opts o;
    train_opts_defaults(&o, NN_MODEL_MLP);
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, ckpt, &err)) {
        cli_error("--checkpoint: %s", err.msg);
        return 2;
    }
    int bad = nn_checkpoint_check(f, ckpt, &err);
    if (bad)
        cli_error("--checkpoint: %s", err.msg);
    else
        bad = train_opts_from_meta(&o, f, ckpt);
    nn_st_close(f);
    if (bad)
        return 2;
    if (data)
        snprintf(o.data, sizeof o.data, "%s", data);
    o.threads = (int)threads;
    blas_setup(o.threads);
    train_result r;
    int rc = train_eval(&o, ckpt, &r);
    if (rc)
        return rc;
    int gpt = o.model.kind == NN_MODEL_GPT;
    if (json) {
        printf("{\"checkpoint\": ");
        cli_json_string(ckpt);
        if (gpt)
            printf(", \"val_loss\": %.8g, \"val_ppl\": %.8g, \"val_bpb\": %.8g}\n",
                   r.val_loss, r.val_ppl, r.val_bpb);
        else
            printf(", \"test_loss\": %.8g, \"test_acc\": %.8g}\n", r.val_loss, r.val_acc);
    } else if (gpt) {
        printf("%s: %s %s: val loss %.4f, perplexity %.3f, %.4f bits/byte\n", ckpt,
               nn_model_kind_name(o.model.kind), o.act_name, r.val_loss, r.val_ppl,
               r.val_bpb);
    } else {
        printf("%s: %s %s: test loss %.4f, test acc %.4f\n", ckpt,
               nn_model_kind_name(o.model.kind), o.act_name, r.val_loss, r.val_acc);
    }
    return 0;
}
