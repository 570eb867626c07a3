/*
 * act.c - the activation layer: any libgolu activation over a flat array,
 * with the gradients of its learnable parameters (GoLU's alpha, beta, gamma;
 * the PReLU/LeakyReLU slope).
 */
#include "real.h"
#include "layers.h"

/* The kinds golu_param_grad answers for (the others: GOLU_ERR_NO_PARAMS). */
static int has_params(golu_act_kind kind)
{
    return kind == GOLU_ACT_GOLU || kind == GOLU_ACT_PRELU || kind == GOLU_ACT_LEAKY_RELU;
}

#ifndef NN_F64
int nn_act_slope_from_output(const golu_act *act)
{
    return act->kind == GOLU_ACT_RELU ||
           (act->kind == GOLU_ACT_LEAKY_RELU && act->alpha > 0);
}
#endif

/* y, x (n); y may equal x. */
golu_status NN(nn_act_forward)(const golu_ctx *ctx, const golu_act *act, real *y,
                               const real *x, size_t n)
{
    return golu_forward(ctx, act, NN_DTYPE, x, y, n);
}

/* dx, dy, x (n); dparam (3) accumulates; dx may equal dy. */
golu_status NN(nn_act_backward)(const golu_ctx *ctx, const golu_act *act, real *dx,
                                const real *dy, const real *x, size_t n, double dparam[3])
{
    /* Parameter gradients first: with dx == dy the backward overwrites dy. */
    if (dparam && act && has_params(act->kind)) {
        double g[3];
        golu_status st = golu_param_grad(ctx, act, NN_DTYPE, x, dy, n, g);
        if (st != GOLU_OK)
            return st;
        for (int k = 0; k < 3; k++)
            dparam[k] += g[k];
    }
    if (!dx)
        return GOLU_OK;
    return golu_backward(ctx, act, NN_DTYPE, x, dy, dx, n);
}
