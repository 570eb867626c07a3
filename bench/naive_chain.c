/*
 * naive_chain.c - how accurate the usual float32 GoLU is: x * expf(-expf(-x))
 * and its backward G * (1 + x * expf(-x)), with the C library's expf, against
 * the same long double oracle and ulp measure as `golu ulp` (the backward in
 * ulps of max(|f'|, G)). `make naive-chain` builds and runs it (every 13th
 * float32 input for the errors, all of them for the NaN count; about a
 * minute). docs/ACCURACY.md quotes its output.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "golu.h"
#include "reference.h"

int main(void)
{
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    double max_fwd = 0, max_bwd = 0;
    float at_fwd = 0, at_bwd = 0, last_nan = -INFINITY;
    uint64_t nans = 0, finite = 0;
    for (uint64_t b = 0; b < (UINT64_C(1) << 32); b++) {
        uint32_t u = (uint32_t)b;
        float x;
        memcpy(&x, &u, sizeof x);
        if (!isfinite(x))
            continue;
        finite++;
        float t = expf(-x), g = expf(-t);
        float dx = g * (1.0f + x * t);
        if (isnan(dx)) {
            nans++;
            if (x > last_nan)
                last_nan = x;
            continue;
        }
        if (b % 13)
            continue;
        double ef = golu_ulp_err_f32(x * g, golu_ref_ld(&act, GOLU_DIR_FWD, x), 0);
        double eb = golu_ulp_err_f32(dx, golu_ref_ld(&act, GOLU_DIR_BWD, x),
                                     golu_ref_bwd_scale_ld(&act, x));
        if (ef > max_fwd)
            max_fwd = ef, at_fwd = x;
        if (eb > max_bwd)
            max_bwd = eb, at_bwd = x;
    }
    printf("naive float32 GoLU, every 13th input:\n");
    printf("  forward  x*expf(-expf(-x)):   max %.1f ulp at x = %a (%g)\n", max_fwd,
           at_fwd, at_fwd);
    printf(
        "  backward G*(1 + x*expf(-x)):  max %.1f ulp of max(|f'|, G) at x = %a (%g)\n",
        max_bwd, at_bwd, at_bwd);
    printf("  backward NaN for %llu of %llu finite inputs (largest such x = %a = %g)\n",
           (unsigned long long)nans, (unsigned long long)finite, last_nan, last_nan);
    return 0;
}
