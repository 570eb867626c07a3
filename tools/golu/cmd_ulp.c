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
 * The flags are ulp_opts.c's, the report ulp_report.c's.
 *
 * Exit status: 0, or 1 when --max-ulp is exceeded or --identical-to finds a
 * difference (or a kernel call fails), 2 on bad usage.
 */
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "golu.h"
#include "ulp.h"

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
    int rc = ulp_options_parse(argc, argv, &o);
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

    ulp_report r = {resolve_isa(o.sweep.isa), o.gpu ? gpu_name : NULL,
                    o.sweep.identical ? resolve_isa(o.sweep.isa2) : o.sweep.isa2, secs,
                    1};
    if (o.have_max && !(s.max_err <= o.max_ulp))
        r.pass = 0;
    if (o.have_max_strict && !(s.strict.max_err <= o.max_strict))
        r.pass = 0;
    if (o.sweep.identical && s.n_diff)
        r.pass = 0;
    if (o.json) {
        if (cli_json_print(ulp_report_json(&o, &r, &s), 0))
            return 1;
    } else {
        ulp_report_text(&o, &r, &s);
    }
    return r.pass ? 0 : 1;
}
