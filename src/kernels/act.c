/*
 * act.c - activation kinds: names, aliases, defaults and parameter checks,
 * one table expanded from GOLU_ACT_LIST (golu.h).
 */
#include <math.h>
#include <strings.h>

#include "internal.h"

/* The list is in value order without gaps, so the k-th entry is kind k and
 * every table indexed by kind lines up with it. */
enum {
#define ACT_POS_(E, ...) ACT_POS_##E,
    GOLU_ACT_LIST(ACT_POS_)
#undef ACT_POS_
        ACT_POS_COUNT
};
#define ACT_IN_ORDER_(E, ...)                                                            \
    _Static_assert(GOLU_ACT_##E == (int)ACT_POS_##E,                                     \
                   "GOLU_ACT_LIST: GOLU_ACT_" #E                                         \
                   "'s value is not its place in the list");
GOLU_ACT_LIST(ACT_IN_ORDER_)
#undef ACT_IN_ORDER_
_Static_assert(GOLU_ACT_COUNT == (int)ACT_POS_COUNT, "GOLU_ACT_COUNT != list length");

/* The parameter rules a list entry names (golu.h: the rule column). */
static int positive_finite(double v)
{
    return isfinite(v) && v > 0.0;
}

/* rule none: every parameter is ignored. */
static golu_status act_check_none(const golu_act *act)
{
    (void)act;
    return GOLU_OK;
}

/* rule positive: alpha, beta and gamma each finite and > 0 (GoLU). */
static golu_status act_check_positive(const golu_act *act)
{
    return positive_finite(act->alpha) && positive_finite(act->beta) &&
                   positive_finite(act->gamma)
               ? GOLU_OK
               : GOLU_ERR_PARAM;
}

/* rule finite: alpha finite, any sign (LeakyReLU, PReLU slopes). */
static golu_status act_check_finite(const golu_act *act)
{
    return isfinite(act->alpha) ? GOLU_OK : GOLU_ERR_PARAM;
}

/* rule nonnegative: alpha finite and >= 0 (ELU). */
static golu_status act_check_nonnegative(const golu_act *act)
{
    return isfinite(act->alpha) && act->alpha >= 0.0 ? GOLU_OK : GOLU_ERR_PARAM;
}

/* One row per kind: its names, its defaults and its parameter rule. */
typedef struct act_row {
    const char *name, *alias, *quiet; /* alias and quiet: "" for none */
    double alpha, beta, gamma;
    golu_status (*check)(const golu_act *act);
} act_row;

static const act_row act_rows[] = {
#define ACT_ROW_(E, name, value, alias, quiet, alpha, beta, gamma, grads, rule, ...)     \
    [GOLU_ACT_##E] = {name, alias, quiet, alpha, beta, gamma, act_check_##rule},
    GOLU_ACT_LIST(ACT_ROW_)
#undef ACT_ROW_
};
_Static_assert(sizeof act_rows / sizeof act_rows[0] == GOLU_ACT_COUNT,
               "act_rows: one row per activation");

const char *golu_act_name(golu_act_kind kind)
{
    if ((unsigned)kind >= GOLU_ACT_COUNT)
        return "?";
    return act_rows[kind].name;
}

golu_act golu_act_default(golu_act_kind kind)
{
    golu_act act = {GOLU_ACT_COUNT, 0.0, 0.0, 0.0};
    if ((unsigned)kind < GOLU_ACT_COUNT) {
        const act_row *r = &act_rows[kind];
        act.kind = kind;
        act.alpha = r->alpha;
        act.beta = r->beta;
        act.gamma = r->gamma;
    }
    return act;
}

/* 1 when `name` is `known`, case-insensitively; an empty `known` (no alias)
 * never matches. */
static int name_is(const char *name, const char *known)
{
    return known[0] != '\0' && strcasecmp(name, known) == 0;
}

golu_status golu_act_from_name(const char *name, golu_act *out)
{
    if (!name || !out)
        return GOLU_ERR_NULL;
    /* Canonical names first, then the aliases: no alias can shadow a name. */
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        if (name_is(name, act_rows[k].name)) {
            *out = golu_act_default((golu_act_kind)k);
            return GOLU_OK;
        }
    }
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        if (name_is(name, act_rows[k].alias) || name_is(name, act_rows[k].quiet)) {
            *out = golu_act_default((golu_act_kind)k);
            return GOLU_OK;
        }
    }
    return GOLU_ERR_NAME;
}

golu_status golu_act_check(const golu_act *act)
{
    if (!act)
        return GOLU_ERR_NULL;
    if ((unsigned)act->kind >= GOLU_ACT_COUNT)
        return GOLU_ERR_ACT;
    return act_rows[act->kind].check(act);
}
