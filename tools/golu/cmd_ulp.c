/*
 * cmd_ulp.c - `golu ulp`: how far the shipped kernels are from the exact
 * function, in ulps.
 *
 *   f32 (default)  every float32 bit pattern (or every one whose value lies
 *                  in --range), through golu_forward / golu_backward (dy = 1)
 *                  in blocks of 64Ki, against the long double oracle.
 *                  Worker threads share the bit-pattern space block by block;
 *                  each has its own golu_ctx forced to the ISA, threads = 1.
 *   bf16, f16      all 65536 inputs (or those in --range), against the same
 *                  oracle, errors in ulps of the 16-bit format.
 *   f64            --samples random doubles (log-uniform over the whole
 *                  range, dense in the hard region [-6.62, -1], uniform in
 *                  [-40, 40], and the special values) against MPFR. Sample i
 *                  depends only on the seed and i, so the thread count never
 *                  changes the inputs.
 *
 * --gpu takes the results from golu_cuda_forward / golu_cuda_backward on a
 * GPU instead (cmd_ulp_gpu.c, built with GOLU_HAVE_CUDA) and measures them
 * with the same code (src/ref/ulp_sweep.h: the oracle calls, the statistics) and
 * prints the same report; `--identical-to cpu` (or an ISA) compares its bits
 * with the CPU library's.
 *
 * Exit status: 0, or 1 when --max-ulp is exceeded or --identical-to finds a
 * difference (or a kernel call fails), 2 on bad usage.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "golu.h"
#include "ulp.h"

#define ULP_MAX_THREADS 1024

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

static void print_usage(void)
{
    printf(
        "usage: golu ulp --act NAME [options]\n"
        "\n"
        "Measures the error of the shipped kernels in ulps against a higher-\n"
        "precision reference (long double for f32/bf16/f16, MPFR for f64).\n"
        "float32 checks every bit pattern; bf16 and f16 all 65536 inputs;\n"
        "f64 random samples.\n"
        "\n"
        "  --act NAME        %s\n"
        "  --dir fwd|bwd     f(x), or f'(x) as golu_backward with dy = 1 (default fwd)\n"
        "  --dtype T         f32, bf16, f16, f64 (default f32)\n"
        "  --isa ISA         auto, scalar, avx2, avx512, neon (default auto);\n"
        "                    float64 kernels are the same portable code on every ISA\n"
        "  --threads N       worker threads (default: all CPUs)\n"
        "  --range LO:HI     only inputs whose value lies in [LO, HI] (inf allowed\n"
        "                    except for f64, which samples uniformly in the range)\n"
        "  --samples N       f64 only: number of samples (default 1000000)\n"
        "  --seed S          f64 only: the sampling seed (default 1)\n"
        "  --max-ulp U       exit 1 if the largest error exceeds U ulp\n"
        "  --identical-to I  also run ISA I on the same inputs; exit 1 if any\n"
        "                    output differs in bits (any NaN equals any NaN)\n"
        "  --gpu             the GPU's results (golu_cuda_forward/backward), measured\n"
        "                    on --threads CPUs against the same reference; with\n"
        "                    --identical-to cpu (the CPU's default path) or an ISA,\n"
        "                    also compared with the CPU library's bits\n"
        "  --device N        the GPU to use, with --gpu (default 0)\n"
        "  --alpha A --beta B --gamma G   activation parameters (GoLU: alpha, beta,\n"
        "                    gamma > 0; LeakyReLU/PReLU: alpha; ELU: alpha >= 0)\n"
        "  --json            one JSON object instead of text (max_ulp is null\n"
        "                    when infinite)\n"
        "\n"
        "Backward errors are in ulps of max(|f'(x)|, s(x)), s the size of the\n"
        "terms that cancel in f' (GoLU: alpha*G(x)), as src/ref/reference.h says.\n",
        cli_acts_help(20, 20));
}

static int parse_dir(const char *flag, const char *s, golu_dir *out)
{
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

static int parse_range(const char *flag, const char *s, double *lo, double *hi)
{
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
    if (cli_parse_double(flag, buf, lo) || cli_parse_double(flag, colon + 1, hi))
        return -1;
    if (isnan(*lo) || isnan(*hi) || *lo > *hi) {
        cli_error("%s: '%s' is not a range (LO must not exceed HI)", flag, s);
        return -1;
    }
    return 0;
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

/* Returns 0 to run, 1 after --help, 2 on bad usage (message printed). */
static int parse_args(int argc, char **argv, ulp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sweep.dir = GOLU_DIR_FWD;
    o->sweep.dtype = GOLU_F32;
    o->sweep.isa = GOLU_ISA_AUTO;
    o->sweep.threads = golu_cpu_count();
    o->sweep.samples = 1000000;
    o->sweep.seed = 1;
    int have_act = 0, have_samples = 0, have_seed = 0;
    int have_isa = 0, have_device = 0, identical_cpu = 0;
    int have_param[3] = {0, 0, 0};
    const char *param_flag[3] = {"--alpha", "--beta", "--gamma"};
    double param[3] = {0, 0, 0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long l;
        size_t sz;
        int p = -1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage();
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (cli_is_flag(a, "--act")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--act")) ||
                cli_parse_act("--act", v, &o->sweep.act))
                return 2;
            have_act = 1;
        } else if (cli_is_flag(a, "--dir")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dir")) ||
                parse_dir("--dir", v, &o->sweep.dir))
                return 2;
        } else if (cli_is_flag(a, "--dtype")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dtype")) ||
                cli_parse_dtype("--dtype", v, &o->sweep.dtype))
                return 2;
        } else if (cli_is_flag(a, "--isa")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--isa")) ||
                cli_parse_isa("--isa", v, &o->sweep.isa))
                return 2;
            have_isa = 1;
        } else if (cli_is_flag(a, "--identical-to")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--identical-to")))
                return 2;
            identical_cpu = strcmp(v, "cpu") == 0;
            if (identical_cpu)
                o->sweep.isa2 = GOLU_ISA_AUTO;
            else if (cli_parse_isa("--identical-to", v, &o->sweep.isa2))
                return 2;
            o->sweep.identical = 1;
        } else if (strcmp(a, "--gpu") == 0) {
            o->gpu = 1;
        } else if (cli_is_flag(a, "--device")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--device")) ||
                cli_parse_long("--device", v, 0, 1023, &l))
                return 2;
            o->device = (int)l;
            have_device = 1;
        } else if (cli_is_flag(a, "--threads")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--threads")) ||
                cli_parse_long("--threads", v, 1, ULP_MAX_THREADS, &l))
                return 2;
            o->sweep.threads = (int)l;
        } else if (cli_is_flag(a, "--range")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--range")) ||
                parse_range("--range", v, &o->sweep.lo, &o->sweep.hi))
                return 2;
            o->sweep.have_range = 1;
        } else if (cli_is_flag(a, "--samples")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--samples")) ||
                cli_parse_size("--samples", v, &sz))
                return 2;
            if (sz == 0) {
                cli_error("--samples: must be at least 1");
                return 2;
            }
            o->sweep.samples = sz;
            have_samples = 1;
        } else if (cli_is_flag(a, "--seed")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--seed")) ||
                cli_parse_long("--seed", v, 0, 0x7fffffffffffffffL, &l))
                return 2;
            o->sweep.seed = (uint64_t)l;
            have_seed = 1;
        } else if (cli_is_flag(a, "--max-ulp")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--max-ulp")) ||
                cli_parse_double("--max-ulp", v, &o->max_ulp))
                return 2;
            if (!(o->max_ulp >= 0)) {
                cli_error("--max-ulp: %s must be a number >= 0", v);
                return 2;
            }
            o->have_max = 1;
        } else if (cli_is_flag(a, "--alpha")) {
            p = 0;
        } else if (cli_is_flag(a, "--beta")) {
            p = 1;
        } else if (cli_is_flag(a, "--gamma")) {
            p = 2;
        } else if (a[0] == '-') {
            cli_error("%s: unknown option (see golu ulp --help)", a);
            return 2;
        } else {
            cli_error("'%s': unexpected argument (see golu ulp --help)", a);
            return 2;
        }
        if (p >= 0) {
            if (!(v = cli_flag_value(argc, argv, &i, param_flag[p])) ||
                cli_parse_double(param_flag[p], v, &param[p]))
                return 2;
            have_param[p] = 1;
        }
    }

    if (!have_act) {
        cli_error("--act: required (see golu ulp --help)");
        return 2;
    }
    for (int p = 0; p < 3; p++) {
        if (!have_param[p])
            continue;
        if (check_param(&o->sweep.act, param_flag[p], p, param[p]))
            return 2;
        double *dst = p == 0   ? &o->sweep.act.alpha
                      : p == 1 ? &o->sweep.act.beta
                               : &o->sweep.act.gamma;
        *dst = param[p];
    }
    if (golu_act_check(&o->sweep.act) != GOLU_OK) {
        cli_error("--act: %s", golu_status_str(golu_act_check(&o->sweep.act)));
        return 2;
    }
    if (o->sweep.dtype != GOLU_F64 && (have_samples || have_seed)) {
        cli_error("%s: only for --dtype f64 (the other dtypes check every input)",
                  have_samples ? "--samples" : "--seed");
        return 2;
    }
    if (o->sweep.dtype == GOLU_F64 && o->sweep.have_range &&
        !(isfinite(o->sweep.lo) && isfinite(o->sweep.hi))) {
        cli_error("--range: f64 samples need finite bounds");
        return 2;
    }
    if (o->gpu && have_isa) {
        cli_error("--isa: does not apply with --gpu (the GPU has one path; "
                  "--identical-to ISA compares it with a CPU path)");
        return 2;
    }
    if (!o->gpu && have_device) {
        cli_error("--device: only with --gpu");
        return 2;
    }
    if (!o->gpu && identical_cpu) {
        cli_error("--identical-to: 'cpu' is for --gpu (on the CPU, name an ISA)");
        return 2;
    }
    if (((!o->gpu && o->sweep.isa == GOLU_ISA_AUTO) ||
         (o->sweep.identical && o->sweep.isa2 == GOLU_ISA_AUTO)) &&
        golu_isa_env_status() != GOLU_OK) {
        cli_error("GOLU_ISA='%s': %s", getenv("GOLU_ISA") ? getenv("GOLU_ISA") : "",
                  golu_status_str(golu_isa_env_status()));
        return 2;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Report                                                                    */
/* ------------------------------------------------------------------------ */

/* Significant digits that identify a value of the dtype. */
static int dtype_digits(golu_dtype d)
{
    return d == GOLU_F64 ? 17 : d == GOLU_F32 ? 9 : 5;
}

static void print_params(const golu_act *act, int json)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        printf(json ? ", \"alpha\": %.17g, \"beta\": %.17g, \"gamma\": %.17g"
                    : " (alpha %.17g, beta %.17g, gamma %.17g)",
               act->alpha, act->beta, act->gamma);
        break;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU:
        printf(json ? ", \"alpha\": %.17g" : " (alpha %.17g)", act->alpha);
        break;
    default: break;
    }
}

/* A value as a JSON string "hex (decimal)"-free: hex float text. */
static void json_hex(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%a", v);
    cli_json_string(buf);
}

/* A long double in hex as a double would print: 0x1.<up to 16 digits>p<e>
 * (glibc's %La writes x87 values as 0xf.f9...p-11). */
static void ld_hex(long double v, char *buf, size_t size)
{
    if (!isfinite(v) || v == 0) {
        snprintf(buf, size, "%La", v);
        return;
    }
    int e;
    long double m = frexpl(fabsl(v), &e); /* [0.5, 1) */
    /* 2m - 1 has at most 63 fraction bits: the product is an exact integer */
    unsigned long long frac = (unsigned long long)((2 * m - 1) * 0x1p64L);
    int digits = 16;
    while (digits > 0 && (frac & 0xf) == 0) {
        frac >>= 4;
        digits--;
    }
    if (digits)
        snprintf(buf, size, "%s0x1.%0*llxp%+d", v < 0 ? "-" : "", digits, frac, e - 1);
    else
        snprintf(buf, size, "%s0x1p%+d", v < 0 ? "-" : "", e - 1);
}

static void json_hex_ld(long double v)
{
    char buf[80];
    ld_hex(v, buf, sizeof buf);
    cli_json_string(buf);
}

/* Where the results came from and what they were compared with. */
typedef struct report_info {
    golu_isa isa;    /* the CPU path that computed them (CPU sweeps) */
    const char *gpu; /* --gpu: the GPU's name; else NULL */
    golu_isa isa2;   /* --identical-to: the path compared with, resolved */
    double secs;
    int pass;
} report_info;

static void report_json(const ulp_opts *o, const report_info *r, const ulp_stats *s)
{
    int dg = dtype_digits(o->sweep.dtype);
    printf("{\"act\": ");
    cli_json_string(golu_act_name(o->sweep.act.kind));
    print_params(&o->sweep.act, 1);
    printf(", \"dir\": \"%s\", \"dtype\": \"%s\", ",
           o->sweep.dir == GOLU_DIR_FWD ? "fwd" : "bwd", golu_dtype_name(o->sweep.dtype));
    if (r->gpu) {
        printf("\"isa\": null, \"gpu\": ");
        cli_json_string(r->gpu);
        printf(", \"device\": %d", o->device);
    } else {
        printf("\"isa\": \"%s\"", golu_isa_name(r->isa));
    }
    printf(", \"threads\": %d", o->sweep.dtype == GOLU_F32 || o->sweep.dtype == GOLU_F64
                                    ? o->sweep.threads
                                    : 1);
    if (o->sweep.have_range)
        printf(", \"range\": [%.17g, %.17g]", o->sweep.lo, o->sweep.hi);
    if (o->sweep.dtype == GOLU_F64)
        printf(", \"seed\": %llu", (unsigned long long)o->sweep.seed);
    printf(", \"checked\": %llu", (unsigned long long)s->checked);
    if (s->max_err < 0 || isinf(s->max_err))
        printf(", \"max_ulp\": null");
    else
        printf(", \"max_ulp\": %.17g", s->max_err);
    if (s->max_err >= 0) {
        printf(", \"max_at\": {\"x\": ");
        json_hex(s->max_x);
        printf(", \"x_dec\": ");
        if (isfinite(s->max_x))
            printf("%.*g", dg, s->max_x);
        else
            printf("null");
        printf(", \"got\": ");
        json_hex(s->max_got);
        printf(", \"ref\": ");
        json_hex_ld(s->max_ref);
        printf("}");
    }
    printf(", \"over_half_ulp\": %llu, \"over_1_ulp\": %llu, \"nan_mismatch\": %llu",
           (unsigned long long)s->over_half, (unsigned long long)s->over_one,
           (unsigned long long)s->nan_mismatch);
    if (o->sweep.identical) {
        if (r->gpu)
            printf(", \"identical_to\": \"cpu\", \"identical_to_isa\": \"%s\"",
                   golu_isa_name(r->isa2));
        else
            printf(", \"identical_to\": \"%s\"", golu_isa_name(o->sweep.isa2));
        printf(", \"bit_differences\": %llu, \"differences\": [",
               (unsigned long long)s->n_diff);
        for (int i = 0; i < s->n_examples; i++) {
            printf(i ? ", {\"x\": " : "{\"x\": ");
            json_hex(s->examples[i].x);
            printf(", \"got\": ");
            json_hex(s->examples[i].got);
            printf(", \"other\": ");
            json_hex(s->examples[i].got2);
            printf("}");
        }
        printf("]");
    }
    if (o->have_max)
        printf(", \"max_ulp_limit\": %.6g", o->max_ulp);
    printf(", \"seconds\": %.2f, \"pass\": %s}\n", r->secs, r->pass ? "true" : "false");
}

/* An error for people: 6 digits, except that a value just above a round
 * number says so ("0.5 + 1.1e-16"), so that it never reads as the bound it
 * exceeds. */
static void format_ulp(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", v);
    double shown = strtod(buf, NULL);
    if (v > shown && v - shown < 1e-9 * shown)
        snprintf(buf, size, "%.6g + %.2g", shown, v - shown);
}

static void report_text(const ulp_opts *o, const report_info *r, const ulp_stats *s)
{
    int dg = dtype_digits(o->sweep.dtype);
    int threads =
        o->sweep.dtype == GOLU_F32 || o->sweep.dtype == GOLU_F64 ? o->sweep.threads : 1;
    printf("activation    %s", golu_act_name(o->sweep.act.kind));
    print_params(&o->sweep.act, 0);
    printf("\ndirection     %s\n", o->sweep.dir == GOLU_DIR_FWD ? "fwd" : "bwd (dy = 1)");
    printf("dtype         %s\n", golu_dtype_name(o->sweep.dtype));
    if (r->gpu)
        printf("GPU           %d: %s (golu_cuda; the reference on %d CPU thread%s)\n",
               o->device, r->gpu, threads, threads == 1 ? "" : "s");
    else if (o->sweep.dtype == GOLU_F64)
        printf("ISA           portable float64 code (threads %d)\n", o->sweep.threads);
    else
        printf("ISA           %s%s\n", golu_isa_name(r->isa),
               o->sweep.dtype == GOLU_F32 ? "" : " (16-bit: widened to float32)");
    printf("inputs        %llu", (unsigned long long)s->checked);
    if (o->sweep.have_range)
        printf(" (values in [%g, %g])", o->sweep.lo, o->sweep.hi);
    else if (o->sweep.dtype == GOLU_F64)
        printf(" (random, seed %llu)", (unsigned long long)o->sweep.seed);
    else
        printf(" (every bit pattern)");
    printf("\n");
    if (s->max_err < 0) {
        printf("max error     - (no inputs)\n");
    } else {
        char err[64];
        format_ulp(s->max_err, err, sizeof err);
        printf("max error     %s ulp\n", err);
        printf("  at x        %a (%.*g)\n", s->max_x, dg, s->max_x);
        printf("  got         %a (%.*g)\n", s->max_got, dg, s->max_got);
        char ref[80];
        ld_hex(s->max_ref, ref, sizeof ref);
        printf("  ref         %s (%.*Lg)\n", ref, dg + 3, s->max_ref);
    }
    printf("> 0.5 ulp     %llu\n", (unsigned long long)s->over_half);
    printf("> 1 ulp       %llu\n", (unsigned long long)s->over_one);
    printf("NaN mismatch  %llu\n", (unsigned long long)s->nan_mismatch);
    char other[64];
    if (r->gpu)
        snprintf(other, sizeof other, "the CPU's %s path", golu_isa_name(r->isa2));
    else
        snprintf(other, sizeof other, "%s", golu_isa_name(o->sweep.isa2));
    if (o->sweep.identical) {
        printf("identical to  %s: %llu input%s in bits\n", other,
               (unsigned long long)s->n_diff, s->n_diff == 1 ? " differs" : "s differ");
        for (int i = 0; i < s->n_examples; i++)
            printf("  x %a: %a vs %a\n", s->examples[i].x, s->examples[i].got,
                   s->examples[i].got2);
    }
    printf("time          %.2f s\n", r->secs);
    if (o->have_max || o->sweep.identical) {
        printf("result        %s", r->pass ? "PASS" : "FAIL");
        if (o->have_max && !(s->max_err <= o->max_ulp))
            printf(": max error above --max-ulp %g", o->max_ulp);
        if (o->sweep.identical && s->n_diff)
            printf("%s outputs differ from %s",
                   o->have_max && !(s->max_err <= o->max_ulp) ? ";" : ":", other);
        printf("\n");
    }
}

/* The path `isa` resolves to (GOLU_ISA_AUTO: the default path). */
static golu_isa resolve_isa(golu_isa isa)
{
    golu_ctx *ctx;
    if (ulp_ctx_make(isa, &ctx) == GOLU_OK) {
        isa = golu_ctx_isa(ctx);
        golu_ctx_destroy(ctx);
    }
    return isa;
}

int golu_cmd_ulp(int argc, char **argv)
{
    cli_set_command("ulp");
    ulp_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;

    /* Every usage error before any work (and before looking for a GPU). */
    ulp_f32_space space = ulp_f32_space_all();
    if (o.sweep.dtype == GOLU_F32 && o.sweep.have_range &&
        !ulp_f32_space_of_range(o.sweep.lo, o.sweep.hi, &space)) {
        cli_error("--range: no float32 value lies in [%g, %g]", o.sweep.lo, o.sweep.hi);
        return 2;
    }
    if ((o.sweep.dtype == GOLU_BF16 || o.sweep.dtype == GOLU_F16) && o.sweep.have_range) {
        static uint16_t hx[65536], hones[65536];
        if (ulp_half_inputs(&o.sweep, hx, hones) == 0) {
            cli_error("--range: no %s value lies in [%g, %g]",
                      golu_dtype_name(o.sweep.dtype), o.sweep.lo, o.sweep.hi);
            return 2;
        }
    }

    ulp_stats s;
    char gpu_name[256] = "";
    double t0 = cli_now();
    if (o.gpu) {
#ifdef GOLU_HAVE_CUDA
        rc = ulp_gpu_sweep(&o, &space, &s, gpu_name, sizeof gpu_name);
        if (rc)
            return rc;
#else
        cli_error("%s", CLI_NO_CUDA);
        return 1;
#endif
    } else {
        ulp_sweep_run(&o.sweep, &space, &s);
    }
    double secs = cli_now() - t0;
    if (s.status != GOLU_OK) {
        cli_error("a kernel call failed: %s", golu_status_str(s.status));
        return 1;
    }
    if (o.sweep.have_range && s.checked == 0) {
        cli_error("--range: no %s value lies in [%g, %g]", golu_dtype_name(o.sweep.dtype),
                  o.sweep.lo, o.sweep.hi);
        return 2;
    }

    report_info r = {resolve_isa(o.sweep.isa), o.gpu ? gpu_name : NULL,
                     o.sweep.identical ? resolve_isa(o.sweep.isa2) : o.sweep.isa2, secs,
                     1};
    if (o.have_max && !(s.max_err <= o.max_ulp))
        r.pass = 0;
    if (o.sweep.identical && s.n_diff)
        r.pass = 0;
    if (o.json)
        report_json(&o, &r, &s);
    else
        report_text(&o, &r, &s);
    return r.pass ? 0 : 1;
}
