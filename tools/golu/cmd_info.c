/*
 * cmd_info.c - `golu info`: what this build and this machine offer.
 *
 * The library version, the CPU model (from /proc/cpuinfo where there is one),
 * the CPU count, the SIMD paths this build has and this CPU runs, the path
 * that GOLU_ISA_AUTO resolves to, and whether the GOLU_ISA environment
 * variable is set and usable; the GPUs and the CUDA runtime and driver
 * versions, when the build has the CUDA part (GOLU_HAVE_CUDA, set by the
 * Makefile when nvcc is found). No GPU is not an error: it says why.
 * Whether Open MPI is built in (GOLU_HAVE_MPI: mpirun golu train/compare).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dist_cli.h"
#include "golu.h"
#include "io/json_write.h"
#include "opts.h"
#ifdef GOLU_HAVE_CUDA
#include "golu_cuda.h"
#include "gpu.h"
#endif

#define INFO_MAX_GPUS 16

typedef struct info_opts {
    int json;
} info_opts;

static const cli_opt OPTS[] = {
    {.flag = "--json",
     .kind = CLI_OPT_BOOL,
     .offset = offsetof(info_opts, json),
     .help = "one JSON object instead of text"},
};
static const cli_opts_style STYLE = {"info", 1, CLI_POS_UNKNOWN, 12};

static void print_usage(void)
{
    printf("usage: golu info [--json]\n"
           "\n"
           "Prints the library version, the CPU model and count, the SIMD paths\n"
           "this CPU supports, the default path, the state of the GOLU_ISA\n"
           "environment variable, and the GPUs and CUDA versions (when built\n"
           "with CUDA).\n"
           "\n");
    cli_opts_usage(stdout, OPTS, sizeof OPTS / sizeof OPTS[0], &STYLE);
}

/* What `golu info` reports, gathered once for the text and the JSON. */
typedef struct info {
    char model[256];
    int ncpu;
    golu_isa isas[GOLU_ISA_COUNT];
    int n_isas;
    const char *env; /* GOLU_ISA, NULL when unset or empty */
    golu_status env_status;
    golu_isa def;
    char gpus[INFO_MAX_GPUS][128];
    int n_gpus;
    char gpu[320]; /* why there is no GPU */
    char cuda_runtime[32], cuda_driver[32];
} info;

static void info_gather(info *in)
{
    cli_cpu_model(in->model, sizeof in->model);
    in->ncpu = golu_cpu_count();
    in->n_isas = 0;
    for (int i = GOLU_ISA_SCALAR; i < GOLU_ISA_COUNT; i++)
        if (golu_isa_supported((golu_isa)i))
            in->isas[in->n_isas++] = (golu_isa)i;
    in->env = getenv("GOLU_ISA");
    if (in->env && !*in->env) /* the library ignores an empty value too */
        in->env = NULL;
    in->env_status = golu_isa_env_status();
    in->def = golu_isa_default();
    in->n_gpus = 0;
#ifdef GOLU_HAVE_CUDA
    char why[256] = "";
    int count = gpu_count(why, sizeof why);
    snprintf(in->gpu, sizeof in->gpu, "none found (%s)", why);
    for (int d = 0; d < count && in->n_gpus < INFO_MAX_GPUS; d++)
        if (golu_cuda_device_name(d, in->gpus[in->n_gpus], sizeof in->gpus[0]) == GOLU_OK)
            in->n_gpus++;
    gpu_versions(in->cuda_runtime, in->cuda_driver, sizeof in->cuda_runtime);
#else
    snprintf(in->gpu, sizeof in->gpu, "none (this build has no CUDA support)");
#endif
}

/* The report as one JSON object: a new reference, or NULL when out of
 * memory. */
static json_t *info_json(const info *in)
{
    json_t *o = json_object(), *isas = json_array(), *gpus = json_array();
    int bad = !o || !isas || !gpus;
    for (int i = 0; !bad && i < in->n_isas; i++)
        bad = json_array_append_new(isas, nn_json_text(golu_isa_name(in->isas[i])));
    for (int i = 0; !bad && i < in->n_gpus; i++)
        bad = json_array_append_new(gpus, nn_json_text(in->gpus[i]));
    bad = bad || json_object_set_new(o, "version", nn_json_text(GOLU_VERSION_STRING)) ||
          json_object_set_new(o, "cpu_model", nn_json_text(in->model)) ||
          json_object_set_new(o, "cpu_count", json_integer(in->ncpu)) ||
          json_object_set(o, "isas", isas) ||
          json_object_set_new(o, "default_isa", nn_json_text(golu_isa_name(in->def))) ||
          json_object_set_new(o, "golu_isa_env", nn_json_text(in->env)) ||
          json_object_set_new(o, "golu_isa_env_ok",
                              json_boolean(in->env_status == GOLU_OK));
    if (!bad && in->env_status != GOLU_OK)
        bad = json_object_set_new(o, "golu_isa_env_error",
                                  nn_json_text(golu_status_str(in->env_status)));
    bad = bad || json_object_set(o, "gpus", gpus);
    if (!bad && in->n_gpus == 0)
        bad = json_object_set_new(o, "gpu_note", nn_json_text(in->gpu));
#ifdef GOLU_HAVE_CUDA
    bad = bad || json_object_set_new(o, "cuda_runtime", nn_json_text(in->cuda_runtime)) ||
          json_object_set_new(o, "cuda_driver", nn_json_text(in->cuda_driver));
#endif
    int mpi;
    const char *mpi_words = dist_cli_describe(&mpi);
    bad = bad || json_object_set_new(o, "mpi", json_boolean(mpi)) ||
          json_object_set_new(o, "mpi_note", nn_json_text(mpi_words));
    json_decref(isas);
    json_decref(gpus);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void info_text(const info *in)
{
    printf("golu:        %s\n", GOLU_VERSION_STRING);
    printf("CPU:         %s\n", in->model);
    printf("CPUs:        %d\n", in->ncpu);
    printf("ISAs:       ");
    for (int i = 0; i < in->n_isas; i++)
        printf(" %s", golu_isa_name(in->isas[i]));
    printf("\n");
    printf("default ISA: %s\n", golu_isa_name(in->def));
    if (!in->env)
        printf("GOLU_ISA:    not set\n");
    else if (in->env_status == GOLU_OK)
        printf("GOLU_ISA:    %s (valid, in use)\n", in->env);
    else
        printf("GOLU_ISA:    %s (invalid: %s; calls on the default path fail)\n", in->env,
               golu_status_str(in->env_status));
    if (in->n_gpus == 0)
        printf("GPU:         %s\n", in->gpu);
    for (int i = 0; i < in->n_gpus; i++)
        printf("GPU %-2d       %s\n", i, in->gpus[i]);
#ifdef GOLU_HAVE_CUDA
    printf("CUDA:        runtime %s, driver %s\n", in->cuda_runtime, in->cuda_driver);
#endif
    int mpi;
    printf("MPI:         %s\n", dist_cli_describe(&mpi));
}

int golu_cmd_info(int argc, char **argv)
{
    cli_set_command("info");
    info_opts o = {0};
    int rc = cli_opts_parse(OPTS, sizeof OPTS / sizeof OPTS[0], &STYLE, argc, argv, &o,
                            NULL, 0, NULL);
    if (rc) {
        if (rc > 0)
            print_usage();
        return rc > 0 ? 0 : 2;
    }
    static info in; /* static: the GPU names are large for the stack */
    info_gather(&in);
    if (!o.json) {
        info_text(&in);
        return 0;
    }
    return cli_json_print(info_json(&in), 0);
}
