/*
 * cmd_train.c - `golu train`: trains one model with one activation.
 *
 *   golu train --model NAME [--task TASK] [--act NAME] [options] --out DIR
 *   golu train --resume --out DIR [--threads N] [--quiet]
 *   mpirun -np N golu train ...     data-parallel over N processes (dist_cli.h)
 *
 * The recipe's defaults come from the model (the framework's registry,
 * nn_train_config_defaults); every flag is checked, and an unknown one is an
 * error, never ignored. The framework trains (train/trainer.h); this file
 * turns flags into its configuration and its results into words.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "dist_cli.h"
#include "train.h"

/* "Defaults: mlp: ... resnet: ..." from the registry, wrapped at 78
 * columns. */
static void usage_defaults(FILE *out)
{
    int col = 0;
    for (int i = -1; i < nn_model_count(); i++) {
        const nn_model_desc *m = nn_model_at(i);
        char words[512];
        snprintf(words, sizeof words, "%s%s%s", m ? m->name : "Defaults", ": ",
                 m ? m->help : "");
        char *save = NULL;
        for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            int len = (int)strlen(w);
            if (col && col + 1 + len > 78)
                fputc('\n', out), col = 0;
            col += fprintf(out, "%s%s", col ? " " : "", w);
        }
    }
    fputs("\n\n", out);
}

static void usage(FILE *out)
{
    char bar[128], comma[128];
    nn_model_names(bar, sizeof bar, "|", "|");
    nn_model_names(comma, sizeof comma, ", ", " or ");
    fprintf(out,
            "usage: golu train --model %s [--task TASK] [--act NAME] [options]\n"
            "                  --out DIR\n"
            "       golu train --resume --out DIR [--threads N] [--quiet]\n"
            "       mpirun -np N golu train ...\n\n"
            "Trains a model on real data with one activation; writes the checkpoint,\n"
            "metrics.csv, metrics.json and summary.json into DIR. Ctrl-C, SIGTERM or\n"
            "SIGHUP stops after the current step and keeps a checkpoint (exit 3);\n"
            "--resume continues it to the same final weights as an uninterrupted run.\n"
            "One command at a time writes in DIR: another is refused (exit 2), naming\n"
            "the pid that holds DIR/.golu.lock.\n\n"
            "Under Open MPI, `mpirun -np N golu train ...` trains data-parallel: each\n"
            "process takes 1/N of every batch (--batch divisible by N x --accum), their\n"
            "gradients averaged by one all-reduce; rank 0 writes DIR. --accum K splits\n"
            "each process's part into K micro-batches (-np 2 and --accum 2 give the\n"
            "same bits). --resume continues on any number of processes M that divides\n"
            "the run's shares (N x K; the same bits) or else its --batch (then in M\n"
            "shares: correct, not the same bits; it says so). See docs/DISTRIBUTED.md;\n"
            "golu info says whether MPI is built in. As root, Open MPI needs\n"
            "--allow-run-as-root or OMPI_ALLOW_RUN_AS_ROOT=1\n"
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.\n\n",
            bar);
    usage_defaults(out);
    fprintf(out,
            "options:\n"
            "  --model NAME        %s\n"
            "  --task TASK         what the model learns: unet segment (default) or\n"
            "                      diffusion; mlp and resnet images; gpt text\n"
            "  --resume            continue the run in --out from its checkpoint\n",
            comma);
    train_opts_usage(out);
}

/* Only these may accompany --resume: the rest is the checkpoint's. */
static int allowed_with_resume(const char *a)
{
    return cli_is_flag(a, "--out") || cli_is_flag(a, "--threads") ||
           cli_is_flag(a, "--quiet") || cli_is_flag(a, "--stop-after") ||
           cli_is_flag(a, "--resume");
}

/* --model (and --task, its key into *task: NULL when not given) and
 * --resume; 0, or -1 after a message. */
static int find_model(int argc, char **argv, const nn_model_desc **model,
                      const char **task, int *resume)
{
    *model = NULL;
    *task = NULL;
    *resume = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            *resume = 1;
        if (cli_is_flag(argv[i], "--task") &&
            !(*task = cli_flag_value(argc, argv, &i, "--task")))
            return -1;
        if (cli_is_flag(argv[i], "--model")) {
            const char *v = cli_flag_value(argc, argv, &i, "--model");
            if (!v)
                return -1;
            if (!(*model = nn_model_find(v))) {
                char known[128];
                cli_error("--model: unknown model '%s' (known: %s)", v,
                          nn_model_names(known, sizeof known, ", ", ", "));
                return -1;
            }
        }
    }
    return 0;
}

static int parse(int argc, char **argv, nn_train_config *o, int resume)
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
        if (cli_is_flag(a, "--model") || cli_is_flag(a, "--task")) {
            i += strchr(a, '=') ? 0 : 1; /* read by find_model */
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
static int load_saved(nn_train_config *o)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, o->out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err)) {
        cli_error("--resume: %s", err.msg);
        return -1;
    }
    int rc = nn_train_config_from_meta(o, f, path, &err);
    nn_st_close(f);
    if (rc)
        cli_error("%s", err.msg);
    return rc;
}

static void print_summary(const nn_train_config *o, const nn_train_result *r)
{
    char result[256];
    nn_train_result_text(o, r, result, sizeof result);
    printf("golu train: %s %s seed %llu: %s after %ld steps in %.1f s; results in %s\n",
           o->model.desc->name, o->act_name, (unsigned long long)o->seed, result,
           r->steps, r->seconds, o->out);
}

/* --threads 0 (all CPUs) under mpirun: the CPUs shared among the processes
 * on this machine. */
static void share_threads(nn_train_config *o)
{
    int local = dist_cli_local_size();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->threads == 0 && local > 1)
        o->threads = cpus / local > 1 ? (int)(cpus / local) : 1;
}

/* The flags into *o (and, resuming, the checkpoint's configuration); 0, or
 * 2 after a message. */
static int configure(int argc, char **argv, nn_train_config *o, int *resume_out)
{
    const nn_model_desc *model;
    const char *task_key;
    int resume;
    if (find_model(argc, argv, &model, &task_key, &resume))
        return 2;
    if (!model && !resume) {
        char known[128];
        cli_error("--model: required (%s; see golu train --help)",
                  nn_model_names(known, sizeof known, ", ", " or "));
        return 2;
    }
    if (model && resume) {
        cli_error("--model: --resume takes the model from the checkpoint");
        return 2;
    }
    if (task_key && resume) {
        cli_error("--task: --resume takes the task from the checkpoint");
        return 2;
    }
    const nn_task_desc *task = NULL;
    if (task_key && model && !(task = nn_model_task_find(model, task_key))) {
        char known[128];
        cli_error("--task: the %s model does not learn '%s' (its tasks: %s)", model->name,
                  task_key,
                  nn_model_task_names(model, known, sizeof known, ", ", " or "));
        return 2;
    }
    nn_train_config_defaults_task(o, model ? model : nn_model_at(0), task);
    if (parse(argc, argv, o, resume))
        return 2;
    if (resume && !o->out[0]) {
        cli_error("--out: required with --resume (the directory of the run)");
        return 2;
    }
    nn_err err = {""};
    if (resume && load_saved(o))
        return 2;
    if (nn_train_config_check(o, &err)) {
        cli_error("%s", err.msg);
        return 2;
    }
    *resume_out = resume;
    return 0;
}

static int train_main(int argc, char **argv, const nn_comm *comm)
{
    nn_train_config o;
    int resume = 0;
    int bad = configure(argc, argv, &o, &resume);
    /* A process that refused stops the others before they train. */
    if (nn_comm_failures(comm, bad) != 0)
        return 2;
    share_threads(&o);
    blas_setup(o.threads);
    train_cli_set_comm(comm);
    nn_train_result res;
    int rc = train_cli_run(&o, resume, NULL, &res);
    if (rc == 0 && nn_comm_rank(comm) == 0)
        print_summary(&o, &res);
    return rc;
}

int golu_cmd_train(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    const nn_comm *comm;
    if (dist_cli_open(&comm))
        return 2;
    return dist_cli_close(train_main(argc, argv, comm), 0);
}
