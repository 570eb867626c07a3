/*
 * ddpm.h - the denoising diffusion of Ho et al. (2020): a linear beta
 * schedule from 1e-4 to 0.02 over T steps, the forward noising, and
 * ancestral sampling with a model that predicts the noise (the unet model
 * learning the diffusion task, models/unet.c).
 */
#ifndef NN_TRAIN_DDPM_H
#define NN_TRAIN_DDPM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

#define NN_DDPM_BETA_MIN 1e-4
#define NN_DDPM_BETA_MAX 0.02

typedef struct nn_ddpm {
    long T;
    double *beta; /* (T) beta_t = 1e-4 + (0.02 - 1e-4) t/(T-1), t = 0..T-1 */
    double *abar; /* (T) the products of 1 - beta up to t */
} nn_ddpm;

/* The schedule for T >= 2 steps. 0, or -1 with err. */
int nn_ddpm_init(nn_ddpm *d, long T, nn_err *err);
void nn_ddpm_free(nn_ddpm *d);

/* xt (n) = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, in double, rounded once;
 * 0 <= t < T. */
void nn_ddpm_noise(const nn_ddpm *d, float *xt, const float *x0, const float *eps, long t,
                   size_t n);

/*
 * Ancestral sampling of m->cfg.batch images with m (a ddpm model, whose
 * batch is the count): x starts as N(0, 1) from the counter RNG (seed),
 * then for `steps` timesteps spread evenly over [0, T) from the last down
 * (steps = T: every one, DDPM's sampler exactly; fewer: the schedule
 * respaced, beta'_i = 1 - abar_{t_i} / abar_{t_{i-1}}), x = (x - beta' /
 * sqrt(1 - abar) eps) / sqrt(1 - beta') + sqrt(beta') z, without z at the
 * last. out (batch, in_c, h, w), the samples in model units ([-1, 1] data).
 * 0, or -1 with err (a forward failed, out of memory).
 */
int nn_ddpm_sample(nn_model *m, const nn_ddpm *d, long steps, uint64_t seed, float *out,
                   nn_err *err);

#endif
