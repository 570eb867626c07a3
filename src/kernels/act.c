/* act.c - activation kinds: names, defaults, parameter checks. */
#include <math.h>
#include <strings.h>

#include "internal.h"

static const char *const act_names[GOLU_ACT_COUNT] = {
    [GOLU_ACT_GOLU] = "golu",
    [GOLU_ACT_RELU] = "relu",
    [GOLU_ACT_LEAKY_RELU] = "leaky_relu",
    [GOLU_ACT_PRELU] = "prelu",
    [GOLU_ACT_ELU] = "elu",
    [GOLU_ACT_GELU] = "gelu",
    [GOLU_ACT_GELU_TANH] = "gelu_tanh",
    [GOLU_ACT_SILU] = "silu",
    [GOLU_ACT_MISH] = "mish",
};

const char *golu_act_name(golu_act_kind kind)
{
    if ((unsigned)kind >= GOLU_ACT_COUNT)
        return "?";
    return act_names[kind];
}

golu_act golu_act_default(golu_act_kind kind)
{
    golu_act act = {kind, 0.0, 0.0, 0.0};
    switch (kind) {
    case GOLU_ACT_GOLU: act.alpha = act.beta = act.gamma = 1.0; break;
    case GOLU_ACT_LEAKY_RELU: act.alpha = 0.01; break;
    case GOLU_ACT_PRELU: act.alpha = 0.25; break;
    case GOLU_ACT_ELU: act.alpha = 1.0; break;
    case GOLU_ACT_RELU:
    case GOLU_ACT_GELU:
    case GOLU_ACT_GELU_TANH:
    case GOLU_ACT_SILU:
    case GOLU_ACT_MISH: break;
    default: act.kind = GOLU_ACT_COUNT; break;
    }
    return act;
}

golu_status golu_act_from_name(const char *name, golu_act *out)
{
    static const struct {
        const char *alias;
        golu_act_kind kind;
    } aliases[] = {
        {"leakyrelu", GOLU_ACT_LEAKY_RELU},
        {"swish", GOLU_ACT_SILU},
    };
    if (!name || !out)
        return GOLU_ERR_NULL;
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        if (strcasecmp(name, act_names[k]) == 0) {
            *out = golu_act_default((golu_act_kind)k);
            return GOLU_OK;
        }
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strcasecmp(name, aliases[i].alias) == 0) {
            *out = golu_act_default(aliases[i].kind);
            return GOLU_OK;
        }
    }
    return GOLU_ERR_NAME;
}

static int positive_finite(double v)
{
    return isfinite(v) && v > 0.0;
}

golu_status golu_act_check(const golu_act *act)
{
    if (!act)
        return GOLU_ERR_NULL;
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        return positive_finite(act->alpha) && positive_finite(act->beta) &&
                       positive_finite(act->gamma)
                   ? GOLU_OK
                   : GOLU_ERR_PARAM;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return isfinite(act->alpha) ? GOLU_OK : GOLU_ERR_PARAM;
    case GOLU_ACT_ELU:
        return isfinite(act->alpha) && act->alpha >= 0.0 ? GOLU_OK : GOLU_ERR_PARAM;
    case GOLU_ACT_RELU:
    case GOLU_ACT_GELU:
    case GOLU_ACT_GELU_TANH:
    case GOLU_ACT_SILU:
    case GOLU_ACT_MISH: return GOLU_OK;
    default: return GOLU_ERR_ACT;
    }
}
