/*
 * main.c - the `golu` command: git-style subcommands.
 *
 *   golu <command> [options]      run a command (commands.h)
 *   golu help <command>           that command's help, as `golu <command> --help`
 *   golu --help | --version
 *
 * Unknown commands and options are errors that name them (exit 2): a typo
 * never runs something else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "golu.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    /* Spends its time in OpenBLAS's matrix products (training): OpenBLAS's
     * kernel choice is fixed up before the command starts
     * (blas_fix_coretype may re-execute). variance's one small convolution
     * does not need it. */
    int needs_blas;
} command;

static const command COMMANDS[] = {
    {"info", golu_cmd_info, "the library version, CPU, SIMD paths and threads", 0},
    {"ulp", golu_cmd_ulp, "accuracy sweeps against a higher-precision reference", 0},
    {"bench", golu_cmd_bench, "throughput of the kernels", 0},
    {"train", golu_cmd_train, "train a model (mlp, resnet, gpt) with one activation", 1},
    {"eval", golu_cmd_eval, "evaluate a training checkpoint", 1},
    {"compare", golu_cmd_compare, "one recipe per activation and seed: tables, plots", 1},
    {"variance", golu_cmd_variance, "latent variance after Conv2d + BatchNorm", 0},
    {"plot", golu_cmd_plot, "plots of the activations, gates and trained weights", 0},
};
enum { N_COMMANDS = sizeof COMMANDS / sizeof COMMANDS[0] };

static void usage(FILE *out)
{
    fprintf(out, "usage: golu <command> [options]\n"
                 "       golu help <command>\n"
                 "       golu --help | --version\n"
                 "\n"
                 "GoLU, the Gompertz Linear Unit, and its peers: kernels, accuracy,\n"
                 "speed, and training to compare them.\n"
                 "\n"
                 "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-9s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\n`golu <command> --help` describes a command's options.\n");
}

static const command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("unknown command '%s' (see golu --help)", name);
    return 2;
}

/* A command whose standard output could not be written (redirected to a
 * full disk, say) has failed: its status, or 1 where it was 0. */
static int output_check(int rc)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    cli_error("cannot write the standard output: %s", strerror(errno ? errno : EIO));
    return rc ? rc : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(arg, "--version") == 0) {
        printf("golu %s\n", GOLU_VERSION_STRING);
        return 0;
    }
    if (strcmp(arg, "help") == 0) {
        if (argc == 2) {
            usage(stdout);
            return 0;
        }
        if (argc > 3) {
            cli_error("help: takes one command name");
            return 2;
        }
        const command *c = find_command(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        char *sub_argv[] = {(char *)c->name, (char *)"--help", NULL};
        cli_set_command(c->name);
        return c->run(2, sub_argv);
    }
    if (arg[0] == '-') {
        cli_error("unknown option '%s' (see golu --help)", arg);
        return 2;
    }
    const command *c = find_command(arg);
    if (!c)
        return unknown_command(arg);
    if (c->needs_blas)
        blas_fix_coretype(argc, argv); /* may re-execute this program */
    cli_set_command(c->name);
    return output_check(c->run(argc - 1, argv + 1));
}
