/*
 * ulp_report.c - what `golu ulp` prints (ulp.h): the report for people, and
 * the same numbers as one JSON object built as a jansson tree
 * (io/json_write.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/json_write.h"
#include "ulp.h"

/* Significant digits that identify a value of the dtype. */
static int dtype_digits(golu_dtype d)
{
    return d == GOLU_F64 ? 17 : d == GOLU_F32 ? 9 : 5;
}

/* The threads that measured: the f32 and f64 sweeps use --threads, the
 * 16-bit ones one thread. */
static int report_threads(const ulp_opts *o)
{
    return o->sweep.dtype == GOLU_F32 || o->sweep.dtype == GOLU_F64 ? o->sweep.threads
                                                                    : 1;
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

/* ---------------------------------------------------------------- JSON -- */

/* A double as a JSON string of its hex float text ("-0x1.0e503cp-4"). */
static json_t *json_hex(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%a", v);
    return nn_json_text(buf);
}

static json_t *json_hex_ld(long double v)
{
    char buf[80];
    ld_hex(v, buf, sizeof buf);
    return nn_json_text(buf);
}

/* Sets o[key] = v (taking v's reference); 0, or -1 when v is NULL (out of
 * memory) or the set fails. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v);
}

/* The activation's parameters, as the text report shows them. */
static int put_params(json_t *o, const golu_act *act)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        return put(o, "alpha", nn_json_real(act->alpha)) ||
               put(o, "beta", nn_json_real(act->beta)) ||
               put(o, "gamma", nn_json_real(act->gamma));
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU: return put(o, "alpha", nn_json_real(act->alpha));
    default: return 0;
    }
}

/* What was swept, and on what. */
static int put_setup(json_t *o, const ulp_opts *u, const ulp_report *r)
{
    const ulp_sweep_opts *w = &u->sweep;
    int bad = put(o, "act", nn_json_text(golu_act_name(w->act.kind))) ||
              put_params(o, &w->act) ||
              put(o, "dir", nn_json_text(w->dir == GOLU_DIR_FWD ? "fwd" : "bwd")) ||
              put(o, "dtype", nn_json_text(golu_dtype_name(w->dtype)));
    if (r->gpu)
        bad = bad || put(o, "isa", json_null()) || put(o, "gpu", nn_json_text(r->gpu)) ||
              put(o, "device", json_integer(u->device));
    else
        bad = bad || put(o, "isa", nn_json_text(golu_isa_name(r->isa)));
    bad = bad || put(o, "threads", json_integer(report_threads(u)));
    if (!bad && w->have_range) {
        json_t *range = json_array();
        bad = put(o, "range", range) ||
              json_array_append_new(range, nn_json_real(w->lo)) ||
              json_array_append_new(range, nn_json_real(w->hi));
    }
    if (!bad && w->dtype == GOLU_F64)
        bad = put(o, "seed", json_integer((json_int_t)w->seed));
    if (!bad && w->near_zero)
        bad = put(o, "near_zero", nn_json_real(w->zero));
    return bad;
}

/* The largest error and where it was reached. */
static int put_max(json_t *o, const ulp_opts *u, const ulp_stats *s)
{
    int bad =
        put(o, "max_ulp",
            s->max_err < 0 || isinf(s->max_err) ? json_null() : nn_json_real(s->max_err));
    if (bad || s->max_err < 0)
        return bad;
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%%.%dg", dtype_digits(u->sweep.dtype));
    json_t *at = json_object();
    return put(o, "max_at", at) || put(at, "x", json_hex(s->max_x)) ||
           put(at, "x_dec",
               isfinite(s->max_x) ? nn_json_real_fmt(fmt, s->max_x) : json_null()) ||
           put(at, "got", json_hex(s->max_got)) ||
           put(at, "ref", json_hex_ld(s->max_ref));
}

/* The strict measure of a backward sweep (ulps of f' itself): strict_max_ulp,
 * strict_max_at, strict_over_half_ulp, strict_over_1_ulp. */
static int put_strict(json_t *o, const ulp_opts *u, const ulp_stats *s)
{
    const ulp_strict *t = &s->strict;
    int bad =
        put(o, "strict_max_ulp",
            t->max_err < 0 || isinf(t->max_err) ? json_null() : nn_json_real(t->max_err));
    if (!bad && t->max_err >= 0) {
        char fmt[16];
        snprintf(fmt, sizeof fmt, "%%.%dg", dtype_digits(u->sweep.dtype));
        json_t *at = json_object();
        bad = put(o, "strict_max_at", at) || put(at, "x", json_hex(t->max_x)) ||
              put(at, "x_dec",
                  isfinite(t->max_x) ? nn_json_real_fmt(fmt, t->max_x) : json_null()) ||
              put(at, "got", json_hex(t->max_got)) ||
              put(at, "ref", json_hex_ld(t->max_ref));
    }
    return bad ||
           put(o, "strict_over_half_ulp", json_integer((json_int_t)t->over_half)) ||
           put(o, "strict_over_1_ulp", json_integer((json_int_t)t->over_one));
}

/* --identical-to: the path compared with and the inputs that differ. */
static int put_identical(json_t *o, const ulp_opts *u, const ulp_report *r,
                         const ulp_stats *s)
{
    int bad;
    if (r->gpu)
        bad = put(o, "identical_to", nn_json_text("cpu")) ||
              put(o, "identical_to_isa", nn_json_text(golu_isa_name(r->isa2)));
    else
        bad = put(o, "identical_to", nn_json_text(golu_isa_name(u->sweep.isa2)));
    json_t *diffs = json_array();
    bad = bad || put(o, "bit_differences", json_integer((json_int_t)s->n_diff)) ||
          put(o, "differences", diffs);
    for (int i = 0; !bad && i < s->n_examples; i++) {
        json_t *d = json_object();
        bad = json_array_append_new(diffs, d) ||
              put(d, "x", json_hex(s->examples[i].x)) ||
              put(d, "got", json_hex(s->examples[i].got)) ||
              put(d, "other", json_hex(s->examples[i].got2));
    }
    return bad;
}

json_t *ulp_report_json(const ulp_opts *u, const ulp_report *r, const ulp_stats *s)
{
    json_t *o = json_object();
    int bad = !o || put_setup(o, u, r) ||
              put(o, "checked", json_integer((json_int_t)s->checked)) ||
              put_max(o, u, s) ||
              put(o, "over_half_ulp", json_integer((json_int_t)s->over_half)) ||
              put(o, "over_1_ulp", json_integer((json_int_t)s->over_one)) ||
              put(o, "nan_mismatch", json_integer((json_int_t)s->nan_mismatch));
    if (!bad && u->sweep.dir == GOLU_DIR_BWD)
        bad = put_strict(o, u, s);
    if (!bad && u->sweep.identical)
        bad = put_identical(o, u, r, s);
    if (!bad && u->have_max)
        bad = put(o, "max_ulp_limit", nn_json_real_fmt("%.6g", u->max_ulp));
    if (!bad && u->have_max_strict)
        bad = put(o, "strict_max_ulp_limit", nn_json_real_fmt("%.6g", u->max_strict));
    bad = bad || put(o, "seconds", nn_json_real_fmt("%.2f", r->secs)) ||
          put(o, "pass", json_boolean(r->pass));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- text -- */

static void print_params(const golu_act *act)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        printf(" (alpha %.17g, beta %.17g, gamma %.17g)", act->alpha, act->beta,
               act->gamma);
        break;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU: printf(" (alpha %.17g)", act->alpha); break;
    default: break;
    }
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

/* The lines before the errors: what was swept, on what. */
static void text_setup(const ulp_opts *o, const ulp_report *r, const ulp_stats *s)
{
    int threads = report_threads(o);
    printf("activation    %s", golu_act_name(o->sweep.act.kind));
    print_params(&o->sweep.act);
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
        printf(" (random, seed %llu%s)", (unsigned long long)o->sweep.seed,
               o->sweep.near_zero ? "; half around the zero of f'" : "");
    else
        printf(" (every bit pattern)");
    printf("\n");
}

/* The largest error, where, and the counts. */
static void text_errors(const ulp_opts *o, const ulp_stats *s)
{
    int dg = dtype_digits(o->sweep.dtype);
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
}

/* The backward's strict measure: ulps of f' itself, no scale. */
static void text_strict(const ulp_opts *o, const ulp_stats *s)
{
    const ulp_strict *t = &s->strict;
    int dg = dtype_digits(o->sweep.dtype);
    printf("strict (ulps of f' itself; the lines above: of max(|f'|, scale))\n");
    if (t->max_err < 0) {
        printf("strict max    - (no inputs)\n");
    } else {
        char err[64];
        format_ulp(t->max_err, err, sizeof err);
        printf("strict max    %s ulp\n", err);
        printf("  at x        %a (%.*g)\n", t->max_x, dg, t->max_x);
        printf("  got         %a (%.*g)\n", t->max_got, dg, t->max_got);
        char ref[80];
        ld_hex(t->max_ref, ref, sizeof ref);
        printf("  ref         %s (%.*Lg)\n", ref, dg + 3, t->max_ref);
    }
    printf("strict > 0.5  %llu\n", (unsigned long long)t->over_half);
    printf("strict > 1    %llu\n", (unsigned long long)t->over_one);
}

void ulp_report_text(const ulp_opts *o, const ulp_report *r, const ulp_stats *s)
{
    text_setup(o, r, s);
    text_errors(o, s);
    if (o->sweep.dir == GOLU_DIR_BWD)
        text_strict(o, s);
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
    if (o->have_max || o->have_max_strict || o->sweep.identical) {
        printf("result        %s", r->pass ? "PASS" : "FAIL");
        const char *sep = ":";
        if (o->have_max && !(s->max_err <= o->max_ulp)) {
            printf("%s max error above --max-ulp %g", sep, o->max_ulp);
            sep = ";";
        }
        if (o->have_max_strict && !(s->strict.max_err <= o->max_strict)) {
            printf("%s strict max error above --max-strict-ulp %g", sep, o->max_strict);
            sep = ";";
        }
        if (o->sweep.identical && s->n_diff)
            printf("%s outputs differ from %s", sep, other);
        printf("\n");
    }
}
