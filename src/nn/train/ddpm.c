/*
 * ddpm.c - the DDPM schedule, noising and sampler (ddpm.h).
 */
#include "ddpm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "rng.h"

int nn_ddpm_init(nn_ddpm *d, long T, nn_err *err)
{
    memset(d, 0, sizeof *d);
    if (T < 2)
        return nn_fail(err, "timesteps: %ld (a schedule needs at least 2)", T);
    d->T = T;
    d->beta = malloc((size_t)T * sizeof *d->beta);
    d->abar = malloc((size_t)T * sizeof *d->abar);
    if (!d->beta || !d->abar) {
        nn_ddpm_free(d);
        return nn_fail(err, "out of memory for the schedule");
    }
    double a = 1;
    for (long t = 0; t < T; t++) {
        d->beta[t] = NN_DDPM_BETA_MIN +
                     (NN_DDPM_BETA_MAX - NN_DDPM_BETA_MIN) * t / (double)(T - 1);
        a *= 1 - d->beta[t];
        d->abar[t] = a;
    }
    return 0;
}

void nn_ddpm_free(nn_ddpm *d)
{
    free(d->beta);
    free(d->abar);
    memset(d, 0, sizeof *d);
}

void nn_ddpm_noise(const nn_ddpm *d, float *xt, const float *x0, const float *eps, long t,
                   size_t n)
{
    const double a = sqrt(d->abar[t]), s = sqrt(1 - d->abar[t]);
    for (size_t i = 0; i < n; i++)
        xt[i] = (float)(a * x0[i] + s * eps[i]);
}

/* The i-th of `steps` timesteps, from 0 (i = 0) to T-1 (i = steps-1). */
static long timestep(const nn_ddpm *d, long steps, long i)
{
    return steps == 1 ? d->T - 1 : (long)((double)i * (d->T - 1) / (steps - 1) + 0.5);
}

int nn_ddpm_sample(nn_model *m, const nn_ddpm *d, long steps, uint64_t seed, float *out,
                   nn_err *err)
{
    const nn_config *c = &m->cfg;
    const int n = c->batch;
    const size_t e = (size_t)c->in_c * c->in_h * c->in_w;
    if (steps < 1 || steps > d->T)
        return nn_fail(err, "steps: %ld (1 to T = %ld)", steps, d->T);
    float *x = nn_alloc_floats((size_t)n * (e + 1)),
          *zero = nn_alloc_floats((size_t)n * e);
    if (!x || !zero) {
        free(x), free(zero);
        return nn_fail(err, "out of memory for %d samples", n);
    }
    for (size_t i = 0; i < (size_t)n * e; i++)
        out[i] = (float)nn_rng_normal(seed, nn_rng_stream("sample", 0, 0), i);
    int rc = 0;
    for (long k = steps - 1; k >= 0 && rc == 0; k--) {
        long t = timestep(d, steps, k);
        double abar = d->abar[t], prev = k ? d->abar[timestep(d, steps, k - 1)] : 1;
        double beta = 1 - abar / prev;
        for (int j = 0; j < n; j++) {
            memcpy(x + j * (e + 1), out + j * e, e * sizeof *x);
            x[j * (e + 1) + e] = (float)t;
        }
        double loss;
        if (m->ops->forward(m, x, zero, n, 0, 0, &loss) != GOLU_OK) {
            rc = nn_fail(err, "the model's forward failed at step %ld", t);
            break;
        }
        const float *eps = m->ops->logits(m);
        const double ce = beta / sqrt(1 - abar), cx = 1 / sqrt(1 - beta), sd = sqrt(beta);
        const uint64_t st = nn_rng_stream("sample", (uint64_t)k + 1, 0);
        for (size_t i = 0; i < (size_t)n * e; i++) {
            double v = cx * (out[i] - ce * eps[i]);
            if (k > 0)
                v += sd * nn_rng_normal(seed, st, i);
            out[i] = (float)v;
        }
    }
    free(x);
    free(zero);
    return rc;
}
