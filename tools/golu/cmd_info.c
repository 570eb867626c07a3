/*
 * cmd_info.c - `golu info`: what this build and this machine offer.
 *
 * The library version, the CPU model (from /proc/cpuinfo where there is one),
 * the CPU count, the SIMD paths this build has and this CPU runs, the path
 * that GOLU_ISA_AUTO resolves to, and whether the GOLU_ISA environment
 * variable is set and usable; the GPUs and the CUDA runtime and driver
 * versions, when the build has the CUDA part (GOLU_HAVE_CUDA, set by the
 * Makefile when nvcc is found). No GPU is not an error: it says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "golu.h"
#ifdef GOLU_HAVE_CUDA
#include "golu_cuda.h"
#include "gpu.h"
#endif

#define INFO_MAX_GPUS 16

static void print_usage(void)
{
    printf("usage: golu info [--json]\n"
           "\n"
           "Prints the library version, the CPU model and count, the SIMD paths\n"
           "this CPU supports, the default path, the state of the GOLU_ISA\n"
           "environment variable, and the GPUs and CUDA versions (when built\n"
           "with CUDA).\n"
           "\n"
           "  --json    one JSON object instead of text\n");
}

int golu_cmd_info(int argc, char **argv)
{
    cli_set_command("info");
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage();
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        cli_error("%s: unknown option (see golu info --help)", argv[i]);
        return 2;
    }

    char model[256];
    cli_cpu_model(model, sizeof model);
    int ncpu = golu_cpu_count();
    golu_isa isas[GOLU_ISA_COUNT];
    int n_isas = 0;
    for (int i = GOLU_ISA_SCALAR; i < GOLU_ISA_COUNT; i++)
        if (golu_isa_supported((golu_isa)i))
            isas[n_isas++] = (golu_isa)i;
    const char *env = getenv("GOLU_ISA");
    if (env && !*env) /* the library ignores an empty value too */
        env = NULL;
    golu_status env_status = golu_isa_env_status();
    golu_isa def = golu_isa_default();
    /* GPUs: names, or why there are none. */
    char gpus[INFO_MAX_GPUS][128];
    int n_gpus = 0;
    char gpu[320];
#ifdef GOLU_HAVE_CUDA
    char why[256] = "", cuda_runtime[32], cuda_driver[32];
    int count = gpu_count(why, sizeof why);
    snprintf(gpu, sizeof gpu, "none found (%s)", why);
    for (int d = 0; d < count && n_gpus < INFO_MAX_GPUS; d++)
        if (golu_cuda_device_name(d, gpus[n_gpus], sizeof gpus[0]) == GOLU_OK)
            n_gpus++;
    gpu_versions(cuda_runtime, cuda_driver, sizeof cuda_runtime);
#else
    snprintf(gpu, sizeof gpu, "none (this build has no CUDA support)");
#endif

    if (json) {
        printf("{\"version\": ");
        cli_json_string(GOLU_VERSION_STRING);
        printf(", \"cpu_model\": ");
        cli_json_string(model);
        printf(", \"cpu_count\": %d, \"isas\": [", ncpu);
        for (int i = 0; i < n_isas; i++) {
            printf(i ? ", " : "");
            cli_json_string(golu_isa_name(isas[i]));
        }
        printf("], \"default_isa\": ");
        cli_json_string(golu_isa_name(def));
        printf(", \"golu_isa_env\": ");
        if (env)
            cli_json_string(env);
        else
            printf("null");
        printf(", \"golu_isa_env_ok\": %s", env_status == GOLU_OK ? "true" : "false");
        if (env_status != GOLU_OK) {
            printf(", \"golu_isa_env_error\": ");
            cli_json_string(golu_status_str(env_status));
        }
        printf(", \"gpus\": [");
        for (int i = 0; i < n_gpus; i++) {
            printf(i ? ", " : "");
            cli_json_string(gpus[i]);
        }
        printf("]");
        if (n_gpus == 0) {
            printf(", \"gpu_note\": ");
            cli_json_string(gpu);
        }
#ifdef GOLU_HAVE_CUDA
        printf(", \"cuda_runtime\": ");
        cli_json_string(cuda_runtime);
        printf(", \"cuda_driver\": ");
        cli_json_string(cuda_driver);
#endif
        printf("}\n");
        return 0;
    }

    printf("golu:        %s\n", GOLU_VERSION_STRING);
    printf("CPU:         %s\n", model);
    printf("CPUs:        %d\n", ncpu);
    printf("ISAs:       ");
    for (int i = 0; i < n_isas; i++)
        printf(" %s", golu_isa_name(isas[i]));
    printf("\n");
    printf("default ISA: %s\n", golu_isa_name(def));
    if (!env)
        printf("GOLU_ISA:    not set\n");
    else if (env_status == GOLU_OK)
        printf("GOLU_ISA:    %s (valid, in use)\n", env);
    else
        printf("GOLU_ISA:    %s (invalid: %s; calls on the default path fail)\n", env,
               golu_status_str(env_status));
    if (n_gpus == 0)
        printf("GPU:         %s\n", gpu);
    for (int i = 0; i < n_gpus; i++)
        printf("GPU %-2d       %s\n", i, gpus[i]);
#ifdef GOLU_HAVE_CUDA
    printf("CUDA:        runtime %s, driver %s\n", cuda_runtime, cuda_driver);
#endif
    return 0;
}
