/*
 * ulp_opts.c - the flags of `golu ulp` (ulp.h): one cli_opt table for
 * parsing and --help, and the rules between flags, all checked before any
 * work (and before looking for a GPU).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "golu.h"
#include "opts.h"
#include "ulp.h"

#define ULP_MAX_THREADS 1024

/* The options and what the checks after parsing need to know. */
typedef struct ulp_args {
    ulp_opts o;
    long seed;
    int have_act, have_samples, have_seed, have_isa, have_device, identical_cpu;
    double param[3]; /* --alpha, --beta, --gamma */
    int have_param[3];
} ulp_args;

static int parse_dir(void *a, const char *flag, const char *s)
{
    golu_dir *out = &((ulp_args *)a)->o.sweep.dir;
    if (strcmp(s, "fwd") == 0 || strcmp(s, "forward") == 0)
        *out = GOLU_DIR_FWD;
    else if (strcmp(s, "bwd") == 0 || strcmp(s, "backward") == 0)
        *out = GOLU_DIR_BWD;
    else {
        cli_error("%s: unknown direction '%s' (known: fwd, bwd)", flag, s);
        return -1;
    }
    return 0;
}

/* "cpu" (the CPU's default path, for --gpu) or an ISA. */
static int parse_identical(void *args, const char *flag, const char *s)
{
    ulp_args *a = args;
    a->identical_cpu = strcmp(s, "cpu") == 0;
    if (a->identical_cpu)
        a->o.sweep.isa2 = GOLU_ISA_AUTO;
    else if (cli_parse_isa(flag, s, &a->o.sweep.isa2))
        return -1;
    a->o.sweep.identical = 1;
    return 0;
}

/* LO:HI, numbers (inf allowed), LO <= HI. */
static int parse_range(void *args, const char *flag, const char *s)
{
    ulp_sweep_opts *w = &((ulp_args *)args)->o.sweep;
    const char *colon = strchr(s, ':');
    char buf[128];
    if (!colon || strchr(colon + 1, ':')) {
        cli_error("%s: '%s' is not LO:HI", flag, s);
        return -1;
    }
    size_t n = (size_t)(colon - s);
    if (n >= sizeof buf) {
        cli_error("%s: '%s' is too long", flag, s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (cli_parse_double(flag, buf, &w->lo) || cli_parse_double(flag, colon + 1, &w->hi))
        return -1;
    if (isnan(w->lo) || isnan(w->hi) || w->lo > w->hi) {
        cli_error("%s: '%s' is not a range (LO must not exceed HI)", flag, s);
        return -1;
    }
    w->have_range = 1;
    return 0;
}

static int parse_samples(void *a, const char *flag, const char *s)
{
    size_t sz;
    if (cli_parse_size(flag, s, &sz))
        return -1;
    if (sz == 0) {
        cli_error("%s: must be at least 1", flag);
        return -1;
    }
    ((ulp_args *)a)->o.sweep.samples = sz;
    return 0;
}

static int parse_max_ulp(void *args, const char *flag, const char *s)
{
    ulp_opts *o = &((ulp_args *)args)->o;
    if (cli_parse_double(flag, s, &o->max_ulp))
        return -1;
    if (!(o->max_ulp >= 0)) {
        cli_error("%s: %s must be a number >= 0", flag, s);
        return -1;
    }
    o->have_max = 1;
    return 0;
}

/* --max-strict-ulp: the bound on the strict measure of a backward sweep. */
static int parse_max_strict(void *args, const char *flag, const char *s)
{
    ulp_opts *o = &((ulp_args *)args)->o;
    if (cli_parse_double(flag, s, &o->max_strict))
        return -1;
    if (!(o->max_strict >= 0)) {
        cli_error("%s: %s must be a number >= 0", flag, s);
        return -1;
    }
    o->have_max_strict = 1;
    return 0;
}

/* The --act help: the activations, wrapped under the help column. */
static const char *act_help(int column)
{
    return cli_acts_help(column, column);
}

#define OFF(f)   offsetof(ulp_args, f)
#define GIVEN(f) CLI_OPT_GIVEN(ulp_args, f)
static const cli_opt OPTS[] = {
    {.flag = "--act",
     .kind = CLI_OPT_ACT,
     .offset = OFF(o.sweep.act),
     .given = GIVEN(have_act),
     .metavar = "NAME",
     .help_fn = act_help},
    {.flag = "--dir",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_dir,
     .metavar = "fwd|bwd",
     .help = "f(x), or f'(x) as golu_backward with dy = 1 (default fwd)"},
    {.flag = "--dtype",
     .kind = CLI_OPT_DTYPE,
     .offset = OFF(o.sweep.dtype),
     .metavar = "T",
     .help = "f32, bf16, f16, f64 (default f32)"},
    {.flag = "--isa",
     .kind = CLI_OPT_ISA,
     .offset = OFF(o.sweep.isa),
     .given = GIVEN(have_isa),
     .metavar = "ISA",
     .help = "auto, scalar, avx2, avx512, neon (default auto);\n"
             "float64 kernels are the same portable code on every ISA"},
    {.flag = "--threads",
     .kind = CLI_OPT_INT,
     .offset = OFF(o.sweep.threads),
     .min = 1,
     .max = ULP_MAX_THREADS,
     .metavar = "N",
     .help = "worker threads (default: all CPUs)"},
    {.flag = "--range",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_range,
     .metavar = "LO:HI",
     .help = "only inputs whose value lies in [LO, HI] (inf allowed\n"
             "except for f64, which samples uniformly in the range)"},
    {.flag = "--samples",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_samples,
     .given = GIVEN(have_samples),
     .metavar = "N",
     .help = "f64 only: number of samples (default 1000000)"},
    {.flag = "--seed",
     .kind = CLI_OPT_LONG,
     .offset = OFF(seed),
     .max = 0x1p63, /* the whole range of a long */
     .given = GIVEN(have_seed),
     .metavar = "S",
     .help = "f64 only: the sampling seed (default 1)"},
    {.flag = "--near-zero",
     .kind = CLI_OPT_BOOL,
     .offset = OFF(o.sweep.near_zero),
     .help = "f64 only: half the samples around the zero of f'\n"
             "(GoLU, GELU, GELU tanh, SiLU, Mish), down to the\n"
             "doubles next to it"},
    {.flag = "--max-ulp",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_max_ulp,
     .metavar = "U",
     .help = "exit 1 if the largest error exceeds U ulp (bwd:\n"
             "the relaxed measure, ulps of max(|f'|, scale))"},
    {.flag = "--max-strict-ulp",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_max_strict,
     .metavar = "U",
     .help = "exit 1 if the largest strict error (bwd: ulps of\n"
             "f' itself) exceeds U ulp"},
    {.flag = "--identical-to",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_identical,
     .metavar = "I",
     .help = "also run ISA I on the same inputs; exit 1 if any\n"
             "output differs in bits (any NaN equals any NaN)"},
    {.flag = "--gpu",
     .kind = CLI_OPT_BOOL,
     .offset = OFF(o.gpu),
     .help = "the GPU's results (golu_cuda_forward/backward), measured\n"
             "on --threads CPUs against the same reference; with\n"
             "--identical-to cpu (the CPU's default path) or an ISA,\n"
             "also compared with the CPU library's bits"},
    {.flag = "--device",
     .kind = CLI_OPT_INT,
     .offset = OFF(o.device),
     .max = 1023,
     .given = GIVEN(have_device),
     .metavar = "N",
     .help = "the GPU to use, with --gpu (default 0)"},
    {.kind = CLI_OPT_TEXT,
     .help =
         "  --alpha A --beta B --gamma G   activation parameters (GoLU: alpha, beta,\n"
         "gamma > 0; LeakyReLU/PReLU: alpha; ELU: alpha >= 0)"},
    {.flag = "--alpha",
     .kind = CLI_OPT_DOUBLE,
     .offset = OFF(param[0]),
     .given = GIVEN(have_param[0])},
    {.flag = "--beta",
     .kind = CLI_OPT_DOUBLE,
     .offset = OFF(param[1]),
     .given = GIVEN(have_param[1])},
    {.flag = "--gamma",
     .kind = CLI_OPT_DOUBLE,
     .offset = OFF(param[2]),
     .given = GIVEN(have_param[2])},
    {.flag = "--json",
     .kind = CLI_OPT_BOOL,
     .offset = OFF(o.json),
     .help = "one JSON object instead of text (max_ulp is null\nwhen infinite)"},
};
#undef OFF
#undef GIVEN
enum { N_OPTS = sizeof OPTS / sizeof OPTS[0] };
static const cli_opts_style STYLE = {"ulp", 1, CLI_POS_REFUSE, 20};

static void print_usage(void)
{
    printf("usage: golu ulp --act NAME [options]\n"
           "\n"
           "Measures the error of the shipped kernels in ulps against a higher-\n"
           "precision reference (long double for f32/bf16/f16, MPFR for f64).\n"
           "float32 checks every bit pattern; bf16 and f16 all 65536 inputs;\n"
           "f64 random samples.\n"
           "\n");
    cli_opts_usage(stdout, OPTS, N_OPTS, &STYLE);
    printf("\n"
           "Backward errors are in ulps of max(|f'(x)|, s(x)), s the size of the\n"
           "terms that cancel in f' (GoLU: alpha*G(x)), as src/ref/reference.h says.\n");
}

/* Checks a parameter flag against the activation's rules (golu.h). */
static int check_param(const golu_act *act, const char *flag, int which, double v)
{
    const char *name = golu_act_name(act->kind);
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        if (!isfinite(v) || !(v > 0)) {
            cli_error("%s: %g must be finite and > 0 for golu", flag, v);
            return -1;
        }
        return 0;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU:
        if (which != 0) {
            cli_error("%s: %s has no such parameter (only --alpha)", flag, name);
            return -1;
        }
        if (!isfinite(v) || (act->kind == GOLU_ACT_ELU && !(v >= 0))) {
            cli_error("%s: %g must be finite%s for %s", flag, v,
                      act->kind == GOLU_ACT_ELU ? " and >= 0" : "", name);
            return -1;
        }
        return 0;
    default: cli_error("%s: %s has no parameters", flag, name); return -1;
    }
}

/* --alpha, --beta, --gamma into the activation, after checking each. */
static int apply_params(ulp_args *a)
{
    static const char *const flags[3] = {"--alpha", "--beta", "--gamma"};
    golu_act *act = &a->o.sweep.act;
    for (int p = 0; p < 3; p++) {
        if (!a->have_param[p])
            continue;
        if (check_param(act, flags[p], p, a->param[p]))
            return -1;
        *(p == 0 ? &act->alpha : p == 1 ? &act->beta : &act->gamma) = a->param[p];
    }
    if (golu_act_check(act) != GOLU_OK) {
        cli_error("--act: %s", golu_status_str(golu_act_check(act)));
        return -1;
    }
    return 0;
}

/* The rules between flags: -1 after a message naming the flag. */
static int check_args(const ulp_args *a)
{
    const ulp_opts *o = &a->o;
    if (o->sweep.dtype != GOLU_F64 && (a->have_samples || a->have_seed)) {
        cli_error("%s: only for --dtype f64 (the other dtypes check every input)",
                  a->have_samples ? "--samples" : "--seed");
        return -1;
    }
    if (o->sweep.near_zero && (o->sweep.dtype != GOLU_F64 || o->sweep.have_range)) {
        cli_error("--near-zero: only for --dtype f64 without --range");
        return -1;
    }
    if (o->sweep.dtype == GOLU_F64 && o->sweep.have_range &&
        !(isfinite(o->sweep.lo) && isfinite(o->sweep.hi))) {
        cli_error("--range: f64 samples need finite bounds");
        return -1;
    }
    if (o->gpu && a->have_isa) {
        cli_error("--isa: does not apply with --gpu (the GPU has one path; "
                  "--identical-to ISA compares it with a CPU path)");
        return -1;
    }
    if (!o->gpu && a->have_device) {
        cli_error("--device: only with --gpu");
        return -1;
    }
    if (!o->gpu && a->identical_cpu) {
        cli_error("--identical-to: 'cpu' is for --gpu (on the CPU, name an ISA)");
        return -1;
    }
    if (((!o->gpu && o->sweep.isa == GOLU_ISA_AUTO) ||
         (o->sweep.identical && o->sweep.isa2 == GOLU_ISA_AUTO)) &&
        golu_isa_env_status() != GOLU_OK) {
        cli_error("GOLU_ISA='%s': %s", getenv("GOLU_ISA") ? getenv("GOLU_ISA") : "",
                  golu_status_str(golu_isa_env_status()));
        return -1;
    }
    return 0;
}

int ulp_options_parse(int argc, char **argv, ulp_opts *o)
{
    ulp_args a = {0};
    a.o.sweep.dir = GOLU_DIR_FWD;
    a.o.sweep.dtype = GOLU_F32;
    a.o.sweep.isa = GOLU_ISA_AUTO;
    a.o.sweep.threads = golu_cpu_count();
    a.o.sweep.samples = 1000000;
    a.seed = 1;
    int rc = cli_opts_parse(OPTS, N_OPTS, &STYLE, argc, argv, &a, NULL, 0, NULL);
    if (rc > 0) {
        print_usage();
        return 1;
    }
    if (rc < 0)
        return 2;
    a.o.sweep.seed = (uint64_t)a.seed;
    if (!a.have_act) {
        cli_error("--act: required (see golu ulp --help)");
        return 2;
    }
    if (apply_params(&a) || check_args(&a))
        return 2;
    if (a.o.sweep.near_zero && !golu_ref_deriv_zero(&a.o.sweep.act, &a.o.sweep.zero)) {
        cli_error("--near-zero: the derivative of %s has no zero",
                  golu_act_name(a.o.sweep.act.kind));
        return 2;
    }
    *o = a.o;
    return 0;
}
