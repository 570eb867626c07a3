/*
 * test_api.c - the public API's contract apart from accuracy: status words,
 * dtype and activation names, parameter checks, argument errors (NULL, bad
 * dtype/kind/parameters, partial aliasing, PReLU shapes, missing parameters),
 * contexts and SIMD paths, and the 16-bit conversions (exhaustively).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ------------------------------------------------------------ status ---- */

static void test_status(void)
{
    const char *s[GOLU_ERR_NO_MEMORY + 1];
    for (int i = 0; i <= GOLU_ERR_NO_MEMORY; i++) {
        s[i] = golu_status_str((golu_status)i);
        CHECK(s[i] && s[i][0], "golu_status_str(%d) is NULL or empty", i);
        if (!s[i])
            s[i] = "";
    }
    for (int i = 0; i <= GOLU_ERR_NO_MEMORY; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcmp(s[i], s[j]) != 0, "status %d and %d share the text \"%s\"", i, j,
                  s[i]);
    const int unknown[] = {GOLU_ERR_NO_MEMORY + 1, -1, 1000, INT32_MAX};
    for (size_t k = 0; k < sizeof unknown / sizeof unknown[0]; k++) {
        const char *u = golu_status_str((golu_status)unknown[k]);
        CHECK(u && u[0], "golu_status_str(%d) is NULL or empty", unknown[k]);
        /* An unknown code must not read as one of the known ones. */
        for (int i = 0; u && i <= GOLU_ERR_NO_MEMORY; i++)
            CHECK(strcmp(u, s[i]) != 0, "unknown status %d reads as status %d (\"%s\")",
                  unknown[k], i, u);
    }
}

/* ------------------------------------------------------------- dtype ---- */

static void test_dtype(void)
{
    static const struct {
        golu_dtype dt;
        size_t size;
        const char *name, *alias;
    } tab[] = {{GOLU_F32, 4, "f32", "float32"},
               {GOLU_F64, 8, "f64", "float64"},
               {GOLU_BF16, 2, "bf16", "bfloat16"},
               {GOLU_F16, 2, "f16", "float16"}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        CHECK_INT(golu_dtype_size(tab[i].dt), tab[i].size);
        const char *nm = golu_dtype_name(tab[i].dt);
        CHECK(nm && strcmp(nm, tab[i].name) == 0, "golu_dtype_name(%d) = %s, want %s",
              (int)tab[i].dt, nm ? nm : "NULL", tab[i].name);
        golu_dtype out = (golu_dtype)-1;
        CHECK(golu_dtype_from_name(tab[i].name, &out) == GOLU_OK && out == tab[i].dt,
              "golu_dtype_from_name(%s)", tab[i].name);
        out = (golu_dtype)-1;
        CHECK(golu_dtype_from_name(tab[i].alias, &out) == GOLU_OK && out == tab[i].dt,
              "golu_dtype_from_name(%s)", tab[i].alias);
    }
    const int bad[] = {4, -1, 100};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(golu_dtype_size((golu_dtype)bad[i]), 0);
        const char *nm = golu_dtype_name((golu_dtype)bad[i]);
        CHECK(nm && strcmp(nm, "?") == 0, "golu_dtype_name(%d) = %s, want ?", bad[i],
              nm ? nm : "NULL");
    }
    const char *unknown[] = {"", "f8", "f32x", "float", "bf", "int8", "double"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        golu_dtype out = GOLU_F16;
        golu_status st = golu_dtype_from_name(unknown[i], &out);
        CHECK(st == GOLU_ERR_NAME,
              "golu_dtype_from_name(\"%s\") = %s, want GOLU_ERR_NAME", unknown[i],
              golu_status_str(st));
    }
    golu_dtype out;
    CHECK_ST(golu_dtype_from_name(NULL, &out), GOLU_ERR_NULL);
    CHECK_ST(golu_dtype_from_name("f32", NULL), GOLU_ERR_NULL);
}

/* -------------------------------------------------------- activations --- */

static int same_act(const golu_act *a, const golu_act *b)
{
    return a->kind == b->kind && f64_bits(a->alpha) == f64_bits(b->alpha) &&
           f64_bits(a->beta) == f64_bits(b->beta) &&
           f64_bits(a->gamma) == f64_bits(b->gamma);
}

static void test_act_names(void)
{
    static const struct {
        const char *name;
        golu_act_kind kind;
    } names[] = {
        {"golu", GOLU_ACT_GOLU},
        {"relu", GOLU_ACT_RELU},
        {"leaky_relu", GOLU_ACT_LEAKY_RELU},
        {"leakyrelu", GOLU_ACT_LEAKY_RELU},
        {"prelu", GOLU_ACT_PRELU},
        {"elu", GOLU_ACT_ELU},
        {"gelu", GOLU_ACT_GELU},
        {"gelu_tanh", GOLU_ACT_GELU_TANH},
        {"silu", GOLU_ACT_SILU},
        {"swish", GOLU_ACT_SILU},
        {"mish", GOLU_ACT_MISH},
        {"GOLU", GOLU_ACT_GOLU},
        {"GoLU", GOLU_ACT_GOLU},
        {"ReLU", GOLU_ACT_RELU},
        {"Leaky_ReLU", GOLU_ACT_LEAKY_RELU},
        {"LEAKYRELU", GOLU_ACT_LEAKY_RELU},
        {"PReLU", GOLU_ACT_PRELU},
        {"ELU", GOLU_ACT_ELU},
        {"GELU", GOLU_ACT_GELU},
        {"Gelu_Tanh", GOLU_ACT_GELU_TANH},
        {"SiLU", GOLU_ACT_SILU},
        {"SWISH", GOLU_ACT_SILU},
        {"Swish", GOLU_ACT_SILU},
        {"mIsH", GOLU_ACT_MISH},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        golu_act out = {GOLU_ACT_COUNT, -1, -1, -1};
        golu_status st = golu_act_from_name(names[i].name, &out);
        golu_act want = golu_act_default(names[i].kind);
        CHECK(st == GOLU_OK && same_act(&out, &want),
              "golu_act_from_name(\"%s\") = %s, kind %d (%g,%g,%g); want kind %d "
              "(%g,%g,%g)",
              names[i].name, golu_status_str(st), (int)out.kind, out.alpha, out.beta,
              out.gamma, (int)want.kind, want.alpha, want.beta, want.gamma);
    }
    /* No fallback: prefixes, extensions, spaces and other spellings fail. */
    const char *unknown[] = {"",      "gol",      "golu2",    "golu ",
                             " golu", "relu6",    "leaky",    "leaky-relu",
                             "gelu_", "gelutanh", "sil",      "mishy",
                             "tanh",  "sigmoid",  "softplus", "none"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        golu_act out = {GOLU_ACT_MISH, -123.5, 7.25, 0.125};
        golu_act before = out;
        golu_status st = golu_act_from_name(unknown[i], &out);
        CHECK(st == GOLU_ERR_NAME, "golu_act_from_name(\"%s\") = %s, want GOLU_ERR_NAME",
              unknown[i], golu_status_str(st));
        CHECK(same_act(&out, &before), "golu_act_from_name(\"%s\") changed *out",
              unknown[i]);
    }
    golu_act out;
    CHECK_ST(golu_act_from_name(NULL, &out), GOLU_ERR_NULL);
    CHECK_ST(golu_act_from_name("golu", NULL), GOLU_ERR_NULL);

    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        const char *nm = golu_act_name((golu_act_kind)k);
        CHECK(nm && strcmp(nm, act_list_name(k)) == 0, "golu_act_name(%d) = %s, want %s",
              k, nm ? nm : "NULL", act_list_name(k));
        golu_act a = {GOLU_ACT_COUNT, 0, 0, 0};
        CHECK(nm && golu_act_from_name(nm, &a) == GOLU_OK && (int)a.kind == k,
              "golu_act_from_name(golu_act_name(%d)) does not give kind %d back", k, k);
    }
    const int bad[] = {GOLU_ACT_COUNT, -1, 99};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *nm = golu_act_name((golu_act_kind)bad[i]);
        CHECK(nm && strcmp(nm, "?") == 0, "golu_act_name(%d) = %s, want ?", bad[i],
              nm ? nm : "NULL");
    }
}

static void test_act_default(void)
{
    golu_act a = golu_act_default(GOLU_ACT_GOLU);
    CHECK(a.kind == GOLU_ACT_GOLU && a.alpha == 1 && a.beta == 1 && a.gamma == 1,
          "GoLU defaults (%g, %g, %g)", a.alpha, a.beta, a.gamma);
    a = golu_act_default(GOLU_ACT_LEAKY_RELU);
    CHECK(a.kind == GOLU_ACT_LEAKY_RELU && a.alpha == 0.01, "LeakyReLU default %g",
          a.alpha);
    a = golu_act_default(GOLU_ACT_PRELU);
    CHECK(a.kind == GOLU_ACT_PRELU && a.alpha == 0.25, "PReLU default %g", a.alpha);
    a = golu_act_default(GOLU_ACT_ELU);
    CHECK(a.kind == GOLU_ACT_ELU && a.alpha == 1, "ELU default %g", a.alpha);
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        a = golu_act_default((golu_act_kind)k);
        CHECK_INT(a.kind, k);
        CHECK(golu_act_check(&a) == GOLU_OK, "defaults of %s fail golu_act_check",
              act_list_name(k));
    }
    const int bad[] = {GOLU_ACT_COUNT, -1, 99};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = golu_act_default((golu_act_kind)bad[i]);
        CHECK(a.kind == GOLU_ACT_COUNT,
              "golu_act_default(%d).kind = %d, want GOLU_ACT_COUNT", bad[i], (int)a.kind);
        CHECK_ST(golu_act_check(&a), GOLU_ERR_ACT);
    }
}

static void test_act_check(void)
{
    const double nonpos_or_nonfinite[] = {0.0,      -0.0,      -1.0, -1e-300,
                                          INFINITY, -INFINITY, NAN};
    const double nonfinite[] = {INFINITY, -INFINITY, NAN, -NAN};
    CHECK_ST(golu_act_check(NULL), GOLU_ERR_NULL);

    /* GoLU: alpha, beta, gamma each finite and > 0. */
    for (int p = 0; p < 3; p++) {
        for (size_t i = 0; i < sizeof nonpos_or_nonfinite / sizeof(double); i++) {
            golu_act a = golu_act_default(GOLU_ACT_GOLU);
            double *param = p == 0 ? &a.alpha : p == 1 ? &a.beta : &a.gamma;
            *param = nonpos_or_nonfinite[i];
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM,
                  "GoLU with param %d = %g accepted", p, nonpos_or_nonfinite[i]);
        }
        const double good[] = {1e-300, 4.9e-324, 0.5, 3.0, 1e300, DBL_MAX};
        for (size_t i = 0; i < sizeof good / sizeof(double); i++) {
            golu_act a = golu_act_default(GOLU_ACT_GOLU);
            double *param = p == 0 ? &a.alpha : p == 1 ? &a.beta : &a.gamma;
            *param = good[i];
            CHECK(golu_act_check(&a) == GOLU_OK, "GoLU with param %d = %g refused", p,
                  good[i]);
        }
    }
    /* ELU: alpha finite and >= 0. */
    {
        const double good[] = {0.0, -0.0, 1e-300, 1.0, 7.5, DBL_MAX};
        const double badv[] = {-1e-300, -1.0, INFINITY, -INFINITY, NAN};
        for (size_t i = 0; i < sizeof good / sizeof(double); i++) {
            golu_act a = golu_act_default(GOLU_ACT_ELU);
            a.alpha = good[i];
            CHECK(golu_act_check(&a) == GOLU_OK, "ELU alpha %g refused", good[i]);
        }
        for (size_t i = 0; i < sizeof badv / sizeof(double); i++) {
            golu_act a = golu_act_default(GOLU_ACT_ELU);
            a.alpha = badv[i];
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "ELU alpha %g accepted", badv[i]);
        }
    }
    /* LeakyReLU, PReLU: any finite alpha. */
    const golu_act_kind slopes[] = {GOLU_ACT_LEAKY_RELU, GOLU_ACT_PRELU};
    for (int s = 0; s < 2; s++) {
        const double good[] = {0.0, -0.0, -1.0, -1e300, 1e300, 2.0, DBL_MAX, -DBL_MAX};
        for (size_t i = 0; i < sizeof good / sizeof(double); i++) {
            golu_act a = golu_act_default(slopes[s]);
            a.alpha = good[i];
            CHECK(golu_act_check(&a) == GOLU_OK, "%s alpha %g refused",
                  act_list_name(slopes[s]), good[i]);
        }
        for (size_t i = 0; i < sizeof nonfinite / sizeof(double); i++) {
            golu_act a = golu_act_default(slopes[s]);
            a.alpha = nonfinite[i];
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s alpha %g accepted",
                  act_list_name(slopes[s]), nonfinite[i]);
        }
    }
    /* Parameters a kind does not use are ignored: beta and gamma unless its
     * rule is "positive" (GoLU), alpha too where the rule is "none". */
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = golu_act_default((golu_act_kind)k);
        const char *rule = act_list_row_of(k)->rule;
        if (strcmp(rule, "positive") != 0) {
            a.beta = NAN;
            a.gamma = -INFINITY;
        }
        if (strcmp(rule, "none") == 0)
            a.alpha = NAN;
        CHECK(golu_act_check(&a) == GOLU_OK, "%s refused because of an unused parameter",
              act_list_name(k));
    }
}

/* ---------------------------------------------------- argument errors ---- */

enum { N = 8 };

/* Buffers big enough for every dtype: 4 * N doubles each. */
static double xbuf[4 * N], ybuf[4 * N], dybuf[4 * N];

/* The kinds golu_param_grad serves: the list's grads column. */
static int has_params(int k)
{
    return act_list_row_of(k)->grads > 0;
}

static void test_null_and_bad_args(void)
{
    for (int dti = 0; dti < 4; dti++) {
        golu_dtype dt = (golu_dtype)dti;
        const char *dn = golu_dtype_name(dt);
        for (int dtj = 0; dtj < 4 * N; dtj++)
            elem_set(dt, xbuf, (size_t)dtj, -3.0 + 0.37 * dtj);
        for (int dtj = 0; dtj < 4 * N; dtj++)
            elem_set(dt, dybuf, (size_t)dtj, 0.5 + 0.01 * dtj);
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act a = golu_act_default((golu_act_kind)k);
            const char *an = act_list_name(k);
            double out[3];
            CHECK_ST(golu_forward(NULL, &a, dt, xbuf, ybuf, N), GOLU_OK);
            CHECK_ST(golu_backward(NULL, &a, dt, xbuf, dybuf, ybuf, N), GOLU_OK);
            CHECK(golu_forward(NULL, NULL, dt, xbuf, ybuf, N) == GOLU_ERR_NULL,
                  "forward %s %s act NULL", an, dn);
            CHECK(golu_forward(NULL, &a, dt, NULL, ybuf, N) == GOLU_ERR_NULL,
                  "forward %s %s x NULL", an, dn);
            CHECK(golu_forward(NULL, &a, dt, xbuf, NULL, N) == GOLU_ERR_NULL,
                  "forward %s %s y NULL", an, dn);
            CHECK(golu_backward(NULL, NULL, dt, xbuf, dybuf, ybuf, N) == GOLU_ERR_NULL,
                  "backward %s %s act NULL", an, dn);
            CHECK(golu_backward(NULL, &a, dt, NULL, dybuf, ybuf, N) == GOLU_ERR_NULL,
                  "backward %s %s x NULL", an, dn);
            CHECK(golu_backward(NULL, &a, dt, xbuf, NULL, ybuf, N) == GOLU_ERR_NULL,
                  "backward %s %s dy NULL", an, dn);
            CHECK(golu_backward(NULL, &a, dt, xbuf, dybuf, NULL, N) == GOLU_ERR_NULL,
                  "backward %s %s dx NULL", an, dn);
            if (has_params(k)) {
                out[0] = out[1] = out[2] = NAN;
                CHECK(golu_param_grad(NULL, &a, dt, xbuf, dybuf, N, out) == GOLU_OK,
                      "param_grad %s %s", an, dn);
                /* The entries past the kind's parameters are set to +0. */
                for (int e = act_list_row_of(k)->grads; e < 3; e++)
                    CHECK(out[e] == 0 && !signbit(out[e]),
                          "param_grad %s %s: unused entry %d = %g, want 0", an, dn, e,
                          out[e]);
                CHECK(golu_param_grad(NULL, NULL, dt, xbuf, dybuf, N, out) ==
                          GOLU_ERR_NULL,
                      "param_grad %s %s act NULL", an, dn);
                CHECK(golu_param_grad(NULL, &a, dt, NULL, dybuf, N, out) == GOLU_ERR_NULL,
                      "param_grad %s %s x NULL", an, dn);
                CHECK(golu_param_grad(NULL, &a, dt, xbuf, NULL, N, out) == GOLU_ERR_NULL,
                      "param_grad %s %s dy NULL", an, dn);
                CHECK(golu_param_grad(NULL, &a, dt, xbuf, dybuf, N, NULL) ==
                          GOLU_ERR_NULL,
                      "param_grad %s %s out NULL", an, dn);
            } else {
                /* ELU's alpha is a parameter but not a learnable one: golu.h
                 * lists only GoLU, PReLU and LeakyReLU for golu_param_grad. */
                golu_status st = golu_param_grad(NULL, &a, dt, xbuf, dybuf, N, out);
                CHECK(st == GOLU_ERR_NO_PARAMS, "param_grad %s %s = %s, want NO_PARAMS",
                      an, dn, golu_status_str(st));
            }
            /* Bad dtype. */
            const int bad_dt[] = {4, -1, 100};
            for (size_t i = 0; i < 3; i++) {
                golu_dtype b = (golu_dtype)bad_dt[i];
                CHECK(golu_forward(NULL, &a, b, xbuf, ybuf, N) == GOLU_ERR_DTYPE,
                      "forward %s dtype %d", an, bad_dt[i]);
                CHECK(golu_backward(NULL, &a, b, xbuf, dybuf, ybuf, N) == GOLU_ERR_DTYPE,
                      "backward %s dtype %d", an, bad_dt[i]);
                if (has_params(k))
                    CHECK(golu_param_grad(NULL, &a, b, xbuf, dybuf, N, out) ==
                              GOLU_ERR_DTYPE,
                          "param_grad %s dtype %d", an, bad_dt[i]);
            }
        }
        /* Bad kind. */
        const int bad_kind[] = {GOLU_ACT_COUNT, -1, 99};
        for (size_t i = 0; i < 3; i++) {
            golu_act a = {(golu_act_kind)bad_kind[i], 1, 1, 1};
            double out[3];
            CHECK(golu_forward(NULL, &a, dt, xbuf, ybuf, N) == GOLU_ERR_ACT,
                  "forward kind %d %s", bad_kind[i], dn);
            CHECK(golu_backward(NULL, &a, dt, xbuf, dybuf, ybuf, N) == GOLU_ERR_ACT,
                  "backward kind %d %s", bad_kind[i], dn);
            CHECK(golu_param_grad(NULL, &a, dt, xbuf, dybuf, N, out) == GOLU_ERR_ACT,
                  "param_grad kind %d %s", bad_kind[i], dn);
        }
        /* Bad parameters. */
        struct {
            golu_act_kind k;
            double a, b, g;
        } bad_par[] = {
            {GOLU_ACT_GOLU, 0, 1, 1},          {GOLU_ACT_GOLU, 1, -1, 1},
            {GOLU_ACT_GOLU, 1, 1, NAN},        {GOLU_ACT_GOLU, INFINITY, 1, 1},
            {GOLU_ACT_ELU, -0.5, 0, 0},        {GOLU_ACT_ELU, NAN, 0, 0},
            {GOLU_ACT_LEAKY_RELU, NAN, 0, 0},  {GOLU_ACT_LEAKY_RELU, INFINITY, 0, 0},
            {GOLU_ACT_PRELU, -INFINITY, 0, 0}, {GOLU_ACT_PRELU, NAN, 0, 0}};
        for (size_t i = 0; i < sizeof bad_par / sizeof bad_par[0]; i++) {
            golu_act a = {bad_par[i].k, bad_par[i].a, bad_par[i].b, bad_par[i].g};
            double out[3];
            CHECK(golu_forward(NULL, &a, dt, xbuf, ybuf, N) == GOLU_ERR_PARAM,
                  "forward %s (%g,%g,%g) %s accepted", act_list_name(a.kind), a.alpha,
                  a.beta, a.gamma, dn);
            CHECK(golu_backward(NULL, &a, dt, xbuf, dybuf, ybuf, N) == GOLU_ERR_PARAM,
                  "backward %s (%g,%g,%g) %s accepted", act_list_name(a.kind), a.alpha,
                  a.beta, a.gamma, dn);
            if (has_params(a.kind))
                CHECK(golu_param_grad(NULL, &a, dt, xbuf, dybuf, N, out) ==
                          GOLU_ERR_PARAM,
                      "param_grad %s (%g,%g,%g) %s accepted", act_list_name(a.kind),
                      a.alpha, a.beta, a.gamma, dn);
        }
        /* PReLU per channel: NULL pointers and bad dtype. */
        {
            size_t C = 2, inner = 2; /* n = N = 2 * 2 * 2 */
            CHECK_ST(golu_prelu_forward(NULL, dt, xbuf, ybuf, N, dybuf, C, inner),
                     GOLU_OK);
            CHECK_ST(golu_prelu_forward(NULL, dt, NULL, ybuf, N, dybuf, C, inner),
                     GOLU_ERR_NULL);
            CHECK_ST(golu_prelu_forward(NULL, dt, xbuf, NULL, N, dybuf, C, inner),
                     GOLU_ERR_NULL);
            CHECK_ST(golu_prelu_forward(NULL, dt, xbuf, ybuf, N, NULL, C, inner),
                     GOLU_ERR_NULL);
            CHECK_ST(
                golu_prelu_forward(NULL, (golu_dtype)7, xbuf, ybuf, N, dybuf, C, inner),
                GOLU_ERR_DTYPE);
            double ds[4];
            CHECK_ST(
                golu_prelu_backward(NULL, dt, xbuf, dybuf, ybuf, N, dybuf, C, inner, ds),
                GOLU_OK);
            /* dx and dslope may be NULL (skipped), alone or both. */
            CHECK_ST(
                golu_prelu_backward(NULL, dt, xbuf, dybuf, NULL, N, dybuf, C, inner, ds),
                GOLU_OK);
            CHECK_ST(golu_prelu_backward(NULL, dt, xbuf, dybuf, ybuf, N, dybuf, C, inner,
                                         NULL),
                     GOLU_OK);
            CHECK_ST(golu_prelu_backward(NULL, dt, xbuf, dybuf, NULL, N, dybuf, C, inner,
                                         NULL),
                     GOLU_OK);
            CHECK_ST(
                golu_prelu_backward(NULL, dt, NULL, dybuf, ybuf, N, dybuf, C, inner, ds),
                GOLU_ERR_NULL);
            CHECK_ST(
                golu_prelu_backward(NULL, dt, xbuf, NULL, ybuf, N, dybuf, C, inner, ds),
                GOLU_ERR_NULL);
            CHECK_ST(
                golu_prelu_backward(NULL, dt, xbuf, dybuf, ybuf, N, NULL, C, inner, ds),
                GOLU_ERR_NULL);
            CHECK_ST(golu_prelu_backward(NULL, (golu_dtype)-1, xbuf, dybuf, ybuf, N,
                                         dybuf, C, inner, ds),
                     GOLU_ERR_DTYPE);
        }
    }
}

/* -------------------------------------------------------- n == 0 --------- */

static void test_empty(void)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    for (int dti = 0; dti < 4; dti++) {
        golu_dtype dt = (golu_dtype)dti;
        for (size_t i = 0; i < N; i++)
            ybuf[i] = 42.0;
        double before[N];
        memcpy(before, ybuf, sizeof before);
        CHECK_ST(golu_forward(NULL, &g, dt, xbuf, ybuf, 0), GOLU_OK);
        CHECK_ST(golu_backward(NULL, &g, dt, xbuf, dybuf, ybuf, 0), GOLU_OK);
        CHECK(memcmp(before, ybuf, sizeof before) == 0, "n = 0 wrote to the output (%s)",
              golu_dtype_name(dt));
        double out[3] = {NAN, NAN, NAN};
        CHECK_ST(golu_param_grad(NULL, &g, dt, xbuf, dybuf, 0, out), GOLU_OK);
        CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0,
              "param_grad n = 0: %g %g %g, want 0", out[0], out[1], out[2]);
        CHECK_ST(golu_prelu_forward(NULL, dt, xbuf, ybuf, 0, dybuf, 3, 5), GOLU_OK);
        CHECK(memcmp(before, ybuf, sizeof before) == 0, "prelu n = 0 wrote to y");
        /* dslope[c] is a sum over no elements: 0. */
        double ds[4];
        for (int c = 0; c < 3; c++)
            elem_set(dt, ds, (size_t)c, 7.0);
        CHECK_ST(golu_prelu_backward(NULL, dt, xbuf, dybuf, ybuf, 0, dybuf, 3, 5, ds),
                 GOLU_OK);
        for (int c = 0; c < 3; c++)
            CHECK(elem_get(dt, ds, (size_t)c) == 0,
                  "prelu_backward n = 0: dslope[%d] = %Lg, "
                  "want 0 (%s)",
                  c, elem_get(dt, ds, (size_t)c), golu_dtype_name(dt));
    }

    /* docs/API.md: with n == 0 nothing is read or written and the buffers
     * may be NULL; the activation (and dtype, and shape) is still checked. */
    double out[3] = {NAN, NAN, NAN};
    CHECK_ST(golu_forward(NULL, &g, GOLU_F32, NULL, NULL, 0), GOLU_OK);
    CHECK_ST(golu_backward(NULL, &g, GOLU_F32, NULL, NULL, NULL, 0), GOLU_OK);
    CHECK_ST(golu_param_grad(NULL, &g, GOLU_F32, NULL, NULL, 0, out), GOLU_OK);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0, "param_grad n = 0: %g %g %g", out[0],
          out[1], out[2]);
    CHECK_ST(golu_prelu_forward(NULL, GOLU_F32, NULL, NULL, 0, NULL, 3, 1), GOLU_OK);
    CHECK_ST(golu_prelu_backward(NULL, GOLU_F32, NULL, NULL, NULL, 0, NULL, 3, 1, NULL),
             GOLU_OK);
    golu_act bad = g;
    bad.beta = -1;
    CHECK_ST(golu_forward(NULL, &bad, GOLU_F32, NULL, NULL, 0), GOLU_ERR_PARAM);
    CHECK_ST(golu_backward(NULL, &bad, GOLU_F32, NULL, NULL, NULL, 0), GOLU_ERR_PARAM);
    CHECK_ST(golu_param_grad(NULL, &bad, GOLU_F32, NULL, NULL, 0, out), GOLU_ERR_PARAM);
    bad.kind = GOLU_ACT_COUNT;
    CHECK_ST(golu_forward(NULL, &bad, GOLU_F32, NULL, NULL, 0), GOLU_ERR_ACT);
    CHECK_ST(golu_forward(NULL, NULL, GOLU_F32, NULL, NULL, 0), GOLU_ERR_NULL);
    CHECK_ST(golu_forward(NULL, &g, (golu_dtype)9, NULL, NULL, 0), GOLU_ERR_DTYPE);
    golu_act relu = golu_act_default(GOLU_ACT_RELU);
    CHECK_ST(golu_param_grad(NULL, &relu, GOLU_F32, NULL, NULL, 0, out),
             GOLU_ERR_NO_PARAMS);
    CHECK_ST(golu_prelu_forward(NULL, GOLU_F32, NULL, NULL, 0, NULL, 0, 1),
             GOLU_ERR_SHAPE);
}

/* ------------------------------------------------------------- alias ----- */

static void test_alias(void)
{
    for (int dti = 0; dti < 4; dti++) {
        golu_dtype dt = (golu_dtype)dti;
        size_t sz = golu_dtype_size(dt);
        char *b = (char *)xbuf; /* 4N doubles = room for 4N elements of any dtype */
        for (size_t i = 0; i < 4 * N; i++)
            elem_set(dt, b, i, -2.0 + 0.3 * (double)i);
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            golu_act a = golu_act_default((golu_act_kind)k);
            const char *an = act_list_name(k);
            const char *dn = golu_dtype_name(dt);
            char *x = b + sz; /* x is element 1..N */
            /* Partial overlaps, both directions, by one element and by N-1;
             * refused before anything is written. */
            char before[4 * N * 8];
            memcpy(before, b, sizeof before);
            CHECK(golu_forward(NULL, &a, dt, x, x + sz, N) == GOLU_ERR_ALIAS,
                  "forward %s %s y = x+1", an, dn);
            CHECK(golu_forward(NULL, &a, dt, x, x - sz, N) == GOLU_ERR_ALIAS,
                  "forward %s %s y = x-1", an, dn);
            CHECK(golu_forward(NULL, &a, dt, x, x + (N - 1) * sz, N) == GOLU_ERR_ALIAS,
                  "forward %s %s y = x+N-1", an, dn);
            char *dy = b + (2 * N + 2) * sz, *dx = (char *)ybuf;
            CHECK(golu_backward(NULL, &a, dt, x, dy, dy + sz, N) == GOLU_ERR_ALIAS,
                  "backward %s %s dx = dy+1", an, dn);
            CHECK(golu_backward(NULL, &a, dt, x, dy, x - sz, N) == GOLU_ERR_ALIAS,
                  "backward %s %s dx = x-1", an, dn);
            /* dx equals dy exactly but partially overlaps x. */
            CHECK(golu_backward(NULL, &a, dt, x, x + sz, x + sz, N) == GOLU_ERR_ALIAS,
                  "backward %s %s dx = dy = x+1", an, dn);
            CHECK(memcmp(before, b, sizeof before) == 0,
                  "%s %s: a call refused with GOLU_ERR_ALIAS wrote to its output", an,
                  dn);
            /* Overlapping inputs are fine (nothing writes them). */
            CHECK(golu_backward(NULL, &a, dt, x, x + sz, dx, N) == GOLU_OK,
                  "backward %s %s dy = x+1, dx apart", an, dn);
            /* Adjacent, not overlapping. */
            CHECK(golu_forward(NULL, &a, dt, x, x + N * sz, N) == GOLU_OK,
                  "forward %s %s y = x+N", an, dn);
            CHECK(golu_forward(NULL, &a, dt, x + N * sz, x, N) == GOLU_OK,
                  "forward %s %s y = x-N", an, dn);
            if (has_params(k)) {
                double out[3];
                CHECK(golu_param_grad(NULL, &a, dt, x, x + sz, N, out) == GOLU_OK,
                      "param_grad %s %s overlapping inputs", an, dn);
            }
        }
        /* Exact aliasing: same results as out of place. */
        golu_act g = golu_act_default(GOLU_ACT_GOLU);
        double refd[4 * N], iod[4 * N], dyvd[4 * N], sloped[4];
        char *ref = (char *)refd, *io = (char *)iod, *dyv = (char *)dyvd;
        char *slope = (char *)sloped;
        memcpy(io, b, N * sz);
        CHECK_ST(golu_forward(NULL, &g, dt, b, ref, N), GOLU_OK);
        CHECK_ST(golu_forward(NULL, &g, dt, io, io, N), GOLU_OK);
        CHECK(memcmp(ref, io, N * sz) == 0, "forward in place differs (%s)",
              golu_dtype_name(dt));
        for (size_t i = 0; i < N; i++)
            elem_set(dt, dyv, i, 0.25 + 0.5 * (double)i);
        CHECK_ST(golu_backward(NULL, &g, dt, b, dyv, ref, N), GOLU_OK);
        memcpy(io, dyv, N * sz);
        CHECK_ST(golu_backward(NULL, &g, dt, b, io, io, N), GOLU_OK);
        CHECK(memcmp(ref, io, N * sz) == 0, "backward dx == dy differs (%s)",
              golu_dtype_name(dt));
        memcpy(io, b, N * sz);
        CHECK_ST(golu_backward(NULL, &g, dt, io, dyv, io, N), GOLU_OK);
        CHECK(memcmp(ref, io, N * sz) == 0, "backward dx == x differs (%s)",
              golu_dtype_name(dt));

        /* PReLU per channel. */
        elem_set(dt, slope, 0, 0.25);
        elem_set(dt, slope, 1, -0.5);
        char *x = b + sz;
        CHECK(golu_prelu_forward(NULL, dt, x, x + sz, N, slope, 2, 2) == GOLU_ERR_ALIAS,
              "prelu_forward %s y = x+1", golu_dtype_name(dt));
        CHECK(golu_prelu_backward(NULL, dt, x, dyv, x - sz, N, slope, 2, 2, NULL) ==
                  GOLU_ERR_ALIAS,
              "prelu_backward %s dx = x-1", golu_dtype_name(dt));
        CHECK(golu_prelu_backward(NULL, dt, x, dyv, dyv + sz, N, slope, 2, 2, NULL) ==
                  GOLU_ERR_ALIAS,
              "prelu_backward %s dx = dy+1", golu_dtype_name(dt));
        memcpy(io, x, N * sz);
        CHECK_ST(golu_prelu_forward(NULL, dt, x, ref, N, slope, 2, 2), GOLU_OK);
        CHECK_ST(golu_prelu_forward(NULL, dt, io, io, N, slope, 2, 2), GOLU_OK);
        CHECK(memcmp(ref, io, N * sz) == 0, "prelu_forward in place differs (%s)",
              golu_dtype_name(dt));
    }
}

/* ------------------------------------------------------ PReLU shapes ----- */

/* Runs one PReLU call in a child so that a crash (say, n % 0 when
 * channels * inner wraps around) is a failed check, not the end. */
static size_t sh_n, sh_c, sh_inner;
static int sh_backward;

static int prelu_shape_status(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        /* slope buffer: the library must not look at it before refusing */
        static float x[64], y[64], dy[64], slope[64], ds[64];
        golu_status st = sh_backward ? golu_prelu_backward(NULL, GOLU_F32, x, dy, y, sh_n,
                                                           slope, sh_c, sh_inner, ds)
                                     : golu_prelu_forward(NULL, GOLU_F32, x, y, sh_n,
                                                          slope, sh_c, sh_inner);
        _exit((int)st);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid)
        return -2;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void test_prelu_shape(void)
{
    const struct {
        size_t n, c, inner;
        int want;
    } cases[] = {
        {30, 3, 5, GOLU_OK},
        {15, 3, 5, GOLU_OK},
        {0, 3, 5, GOLU_OK},
        {12, 12, 1, GOLU_OK},
        {10, 3, 1, GOLU_ERR_SHAPE},
        {16, 3, 5, GOLU_ERR_SHAPE},
        {5, 3, 5, GOLU_ERR_SHAPE},
        {6, 0, 1, GOLU_ERR_SHAPE},
        {0, 0, 1, GOLU_ERR_SHAPE},
        {6, 3, 0, GOLU_ERR_SHAPE},
        /* channels * inner wraps to 0 and to 2 in size_t: n can be no
         * multiple of the true product, which exceeds SIZE_MAX. */
        {8, (size_t)1 << (sizeof(size_t) * 8 - 2), 4, GOLU_ERR_SHAPE},
        {4, ((size_t)1 << (sizeof(size_t) * 8 - 1)) + 1, 2, GOLU_ERR_SHAPE},
        {4, 2, ((size_t)1 << (sizeof(size_t) * 8 - 1)) + 1, GOLU_ERR_SHAPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int bw = 0; bw < 2; bw++) {
            sh_n = cases[i].n;
            sh_c = cases[i].c;
            sh_inner = cases[i].inner;
            sh_backward = bw;
            int st = prelu_shape_status();
            CHECK(st == cases[i].want,
                  "prelu_%s(n=%zu, channels=%zu, inner=%zu) = %d (%s), want %s",
                  bw ? "backward" : "forward", sh_n, sh_c, sh_inner, st,
                  st >= 0 ? golu_status_str((golu_status)st) : "crashed",
                  golu_status_str((golu_status)cases[i].want));
        }
    }
}

/* ---------------------------------------------------- ctx and ISA -------- */

static void test_isa_and_ctx(void)
{
    const char *isa_names[GOLU_ISA_COUNT] = {"auto", "scalar", "avx2", "avx512", "neon"};
    for (int i = 0; i < GOLU_ISA_COUNT; i++) {
        const char *nm = golu_isa_name((golu_isa)i);
        CHECK(nm && strcmp(nm, isa_names[i]) == 0, "golu_isa_name(%d) = %s, want %s", i,
              nm ? nm : "NULL", isa_names[i]);
        golu_isa out = GOLU_ISA_COUNT;
        CHECK(golu_isa_from_name(isa_names[i], &out) == GOLU_OK && out == (golu_isa)i,
              "golu_isa_from_name(%s)", isa_names[i]);
    }
    const int bad[] = {GOLU_ISA_COUNT, -1, 77};
    for (size_t i = 0; i < 3; i++) {
        const char *nm = golu_isa_name((golu_isa)bad[i]);
        CHECK(nm && strcmp(nm, "?") == 0, "golu_isa_name(%d) = %s, want ?", bad[i],
              nm ? nm : "NULL");
        CHECK(golu_isa_supported((golu_isa)bad[i]) == 0, "golu_isa_supported(%d) != 0",
              bad[i]);
    }
    const char *unknown[] = {"", "sse", "avx", "avx-512", "bogus", "scalar2"};
    /* golu.h: GOLU_ERR_NAME is "a name (activation, ISA, dtype) is not
     * known", GOLU_ERR_ISA "the requested SIMD path is unknown": either
     * reads right for an unknown ISA name until the header picks one. */
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        golu_isa out = GOLU_ISA_AVX2;
        golu_status st = golu_isa_from_name(unknown[i], &out);
        CHECK(st == GOLU_ERR_NAME || st == GOLU_ERR_ISA,
              "golu_isa_from_name(\"%s\") = %s, want GOLU_ERR_NAME or GOLU_ERR_ISA",
              unknown[i], golu_status_str(st));
        CHECK(out == GOLU_ISA_AVX2, "golu_isa_from_name(\"%s\") changed *out",
              unknown[i]);
    }
    golu_isa tmp;
    CHECK_ST(golu_isa_from_name(NULL, &tmp), GOLU_ERR_NULL);
    CHECK_ST(golu_isa_from_name("scalar", NULL), GOLU_ERR_NULL);

    CHECK_INT(golu_isa_supported(GOLU_ISA_AUTO), 1);
    CHECK_INT(golu_isa_supported(GOLU_ISA_SCALAR), 1);
#if defined(__x86_64__)
    CHECK_INT(golu_isa_supported(GOLU_ISA_NEON), 0);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        CHECK(golu_isa_supported(GOLU_ISA_AVX2), "AVX2+FMA CPU but avx2 unsupported");
    else
        CHECK(!golu_isa_supported(GOLU_ISA_AVX2), "avx2 supported on a CPU without it");
    if (!__builtin_cpu_supports("avx512f"))
        CHECK(!golu_isa_supported(GOLU_ISA_AVX512),
              "avx512 supported on a CPU without it");
#elif defined(__aarch64__)
    CHECK_INT(golu_isa_supported(GOLU_ISA_AVX2), 0);
    CHECK_INT(golu_isa_supported(GOLU_ISA_AVX512), 0);
#endif
    CHECK(golu_cpu_count() >= 1, "golu_cpu_count() = %d", golu_cpu_count());

    golu_isa def = golu_isa_default();
    CHECK(def != GOLU_ISA_AUTO && golu_isa_supported(def),
          "golu_isa_default() = %d is not a supported concrete path", (int)def);
    if (!getenv("GOLU_ISA")) {
        CHECK_ST(golu_isa_env_status(), GOLU_OK);
        /* "the best supported path": no supported path ranks above it. */
        int best = GOLU_ISA_SCALAR;
        for (int i = GOLU_ISA_SCALAR; i < GOLU_ISA_COUNT; i++)
            if (golu_isa_supported((golu_isa)i))
                best = i;
        printf("note: default path %s, best supported %s, %d CPUs\n", golu_isa_name(def),
               golu_isa_name((golu_isa)best), golu_cpu_count());
    }

    /* Contexts. */
    CHECK_ST(golu_ctx_create(NULL), GOLU_ERR_NULL);
    golu_ctx_destroy(NULL);
    golu_ctx *ctx = NULL;
    if (!CHECK(golu_ctx_create(&ctx) == GOLU_OK && ctx, "golu_ctx_create"))
        return;
    /* docs/API.md: calls run on golu_ctx_threads(ctx) threads, by default
     * the CPUs this process may run on. */
    CHECK_INT(golu_ctx_threads(ctx), golu_cpu_count());
    CHECK_INT(golu_ctx_isa(ctx), def);
    CHECK_ST(golu_ctx_set_threads(ctx, 3), GOLU_OK);
    CHECK_INT(golu_ctx_threads(ctx), 3);
    CHECK_ST(golu_ctx_set_threads(ctx, -1), GOLU_ERR_THREADS);
    CHECK_ST(golu_ctx_set_threads(ctx, INT32_MIN), GOLU_ERR_THREADS);
    CHECK_INT(golu_ctx_threads(ctx), 3);
    /* under 64Ki elements: the calling thread only */
    CHECK_INT(golu_ctx_threads_for(ctx, 0), 1);
    CHECK_INT(golu_ctx_threads_for(ctx, ((size_t)1 << 16) - 1), 1);
    CHECK_INT(golu_ctx_threads_for(ctx, (size_t)1 << 16), 3);
    CHECK_INT(golu_ctx_threads_for(ctx, (size_t)1 << 30), 3);
    CHECK_ST(golu_ctx_set_threads(ctx, 0), GOLU_OK);
    CHECK_INT(golu_ctx_threads(ctx), golu_cpu_count());
    CHECK_INT(golu_ctx_threads_for(ctx, (size_t)1 << 20), golu_cpu_count());
    CHECK_ST(golu_ctx_set_threads(ctx, 1), GOLU_OK);
    CHECK_INT(golu_ctx_threads_for(ctx, (size_t)1 << 20), 1);
    CHECK_ST(golu_ctx_set_threads(ctx, 1000), GOLU_OK); /* "at most n" */
    CHECK_ST(golu_ctx_set_threads(NULL, 1), GOLU_ERR_NULL);
    CHECK_ST(golu_ctx_set_isa(NULL, GOLU_ISA_SCALAR), GOLU_ERR_NULL);

    CHECK_ST(golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR), GOLU_OK);
    for (int i = 0; i < GOLU_ISA_COUNT; i++) {
        golu_isa isa = (golu_isa)i;
        golu_isa before = golu_ctx_isa(ctx);
        golu_status st = golu_ctx_set_isa(ctx, isa);
        if (golu_isa_supported(isa)) {
            CHECK(st == GOLU_OK, "set_isa(%s) = %s", isa_names[i], golu_status_str(st));
            CHECK_INT(golu_ctx_isa(ctx), isa == GOLU_ISA_AUTO ? def : isa);
        } else {
            CHECK(st == GOLU_ERR_ISA_UNSUPPORTED,
                  "set_isa(%s) = %s, want ISA_UNSUPPORTED", isa_names[i],
                  golu_status_str(st));
            CHECK(golu_ctx_isa(ctx) == before, "failed set_isa(%s) changed the context",
                  isa_names[i]);
        }
    }
    CHECK_ST(golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR), GOLU_OK);
    for (size_t i = 0; i < 3; i++) {
        CHECK(golu_ctx_set_isa(ctx, (golu_isa)bad[i]) == GOLU_ERR_ISA, "set_isa(%d)",
              bad[i]);
        CHECK_INT(golu_ctx_isa(ctx), GOLU_ISA_SCALAR);
    }
    /* A context is used by the compute calls (results checked elsewhere). */
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    float xs[5] = {-1, 0, 1, 2, 3}, ys[5];
    CHECK_ST(golu_forward(ctx, &g, GOLU_F32, xs, ys, 5), GOLU_OK);
    CHECK(ys[2] == 0.692200627555346f || fabsf(ys[2] - 0.692200627555346f) <= 1.2e-7f,
          "GoLU(1) = %.9g", ys[2]);
    golu_ctx_destroy(ctx);
}

/* ----------------------------------------- the caller's FP environment --- */

/* The library must not leave flush-to-zero / denormals-are-zero behind. */
static void test_fp_env(void)
{
    volatile float tiny = FLT_MIN;
    volatile float half = 0.5f;
    float r = tiny * half;
    CHECK(f32_bits(r) == 0x00400000u, "FLT_MIN/2 = %a after library calls: FTZ left on?",
          (double)r);
    volatile float sub = bits_f32(1);
    volatile float two = 2.0f;
    r = sub * two;
    CHECK(f32_bits(r) == 2u, "2 * 0x1p-149 = %a: DAZ left on?", (double)r);
}

/* ---------------------------------------------- 16-bit conversions ------- */

static void test_bf16_conversions(void)
{
    long bad_up = 0, bad_rt = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = golu_bf16_to_f32((unsigned short)h);
        if (bf16_isnan((uint16_t)h)) {
            if (!CHECK(isnan(f) && !!signbit(f) == !!(h & 0x8000),
                       "bf16 NaN %04x -> %08x", h, f32_bits(f)))
                bad_up++;
            unsigned short back = golu_f32_to_bf16(f);
            if (!CHECK(bf16_isnan(back), "bf16 NaN %04x round trip -> %04x", h, back))
                bad_rt++;
            continue;
        }
        if (f32_bits(f) != h << 16) {
            bad_up++;
            CHECK(0, "bf16 %04x -> f32 %08x, want %08x", h, f32_bits(f), h << 16);
        }
        unsigned short back = golu_f32_to_bf16(f);
        if (back != h) {
            bad_rt++;
            CHECK(0, "bf16 %04x round trip -> %04x", h, back);
        }
    }
    CHECK(bad_up == 0 && bad_rt == 0, "bf16 widen: %ld bad, round trip: %ld bad", bad_up,
          bad_rt);

    /* float -> bf16: round to nearest even, for every bf16 value's
     * neighbourhood: just above, just below, at and around the tie. */
    static const uint32_t low[] = {0x0000, 0x0001, 0x3FFF, 0x7FFF, 0x8000,
                                   0x8001, 0xBFFF, 0xFFFF, 0x1234, 0xC321};
    long bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        if ((h & 0x7F80) == 0x7F80)
            continue; /* inf/NaN exponent: low bits make a NaN */
        for (size_t j = 0; j < sizeof low / sizeof low[0]; j++) {
            float f = bits_f32((h << 16) | low[j]);
            uint16_t want = bf16_encode(round_bf16(f));
            unsigned short got = golu_f32_to_bf16(f);
            if (got != want) {
                if (bad++ < 10)
                    CHECK(0, "f32_to_bf16(%08x) = %04x, want %04x", f32_bits(f), got,
                          want);
            }
        }
    }
    CHECK(bad == 0, "f32_to_bf16: %ld wrong roundings", bad);
    /* Specific cases: the tie at the top overflows; infinities; NaNs whose
     * payload lives only in the low half must not become infinities. */
    CHECK_INT(golu_f32_to_bf16(bits_f32(0x7F7F8000u)), 0x7F80);
    CHECK_INT(golu_f32_to_bf16(bits_f32(0x7F7F7FFFu)), 0x7F7F);
    CHECK_INT(golu_f32_to_bf16(FLT_MAX), 0x7F80);
    CHECK_INT(golu_f32_to_bf16(-FLT_MAX), 0xFF80);
    CHECK_INT(golu_f32_to_bf16(INFINITY), 0x7F80);
    CHECK_INT(golu_f32_to_bf16(-INFINITY), 0xFF80);
    CHECK_INT(golu_f32_to_bf16(0.0f), 0x0000);
    CHECK_INT(golu_f32_to_bf16(-0.0f), 0x8000);
    CHECK_INT(golu_f32_to_bf16(bits_f32(0x00008000u)), 0x0000); /* tie to even 0 */
    CHECK_INT(golu_f32_to_bf16(bits_f32(0x00018000u)), 0x0002); /* tie to even 2 */
    CHECK_INT(golu_f32_to_bf16(bits_f32(0x00008001u)), 0x0001);
    const uint32_t nans[] = {0x7F800001u, 0xFF800001u, 0x7FC00000u, 0xFFC00000u,
                             0x7F80FFFFu, 0x7FFFFFFFu, 0x7FBFFFFFu, 0x7F810000u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        /* docs/API.md: made quiet, sign and top payload bits kept */
        unsigned short got = golu_f32_to_bf16(bits_f32(nans[i]));
        unsigned want = ((nans[i] >> 16) | 0x0040u) & 0xFFFFu;
        CHECK(got == want, "f32_to_bf16(NaN %08x) = %04x, want %04x", nans[i], got, want);
    }
}

static void test_f16_conversions(void)
{
    long bad_up = 0, bad_rt = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = golu_f16_to_f32((unsigned short)h);
        long double want = f16_decode((uint16_t)h);
        if (f16_isnan((uint16_t)h)) {
            if (!CHECK(isnan(f) && !!signbit(f) == !!(h & 0x8000), "f16 NaN %04x -> %08x",
                       h, f32_bits(f)))
                bad_up++;
            unsigned short back = golu_f32_to_f16(f);
            if (!CHECK(f16_isnan(back), "f16 NaN %04x round trip -> %04x", h, back))
                bad_rt++;
            continue;
        }
        if ((long double)f != want || !!signbit(f) != !!signbit(want)) {
            bad_up++;
            CHECK(0, "f16 %04x -> %a, want %La", h, (double)f, want);
        }
        unsigned short back = golu_f32_to_f16(f);
        if (back != h) {
            bad_rt++;
            CHECK(0, "f16 %04x round trip -> %04x", h, back);
        }
    }
    CHECK(bad_up == 0 && bad_rt == 0, "f16 widen: %ld bad, round trip: %ld bad", bad_up,
          bad_rt);

    /* float -> f16 at every tie between neighbours (and one float either
     * side), then random floats over the f16 range and beyond. */
    long bad = 0;
    for (uint32_t h = 0; h < 0x7BFF; h++) {
        long double lo = f16_decode((uint16_t)h), hi = f16_decode((uint16_t)(h + 1));
        float mid = (float)((lo + hi) / 2); /* exact: 12 bits */
        for (int s = 0; s < 2; s++) {
            float c[3] = {mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY)};
            for (int j = 0; j < 3; j++) {
                float f = s ? -c[j] : c[j];
                uint16_t want = f16_encode(round_f16(f));
                unsigned short got = golu_f32_to_f16(f);
                if (got != want && bad++ < 10)
                    CHECK(0, "f32_to_f16(%a) = %04x, want %04x", (double)f, got, want);
            }
        }
    }
    rng r = {12345};
    for (int i = 0; i < 400000; i++) {
        float f;
        if (i & 1)
            f = bits_f32((uint32_t)rng_next(&r));
        else
            f = (float)ldexp(rng_range(&r, 1.0, 2.0), (int)(rng_next(&r) % 46) - 28) *
                ((rng_next(&r) & 1) ? -1.0f : 1.0f);
        if (isnan(f))
            continue;
        uint16_t want = f16_encode(round_f16(f));
        unsigned short got = golu_f32_to_f16(f);
        if (got != want && bad++ < 10)
            CHECK(0, "f32_to_f16(%a) = %04x, want %04x", (double)f, got, want);
    }
    CHECK(bad == 0, "f32_to_f16: %ld wrong roundings", bad);
    CHECK_INT(golu_f32_to_f16(65520.0f), 0x7C00);                   /* tie -> inf */
    CHECK_INT(golu_f32_to_f16(nextafterf(65520.0f, 0.0f)), 0x7BFF); /* 65504 */
    CHECK_INT(golu_f32_to_f16(-65520.0f), 0xFC00);
    CHECK_INT(golu_f32_to_f16(FLT_MAX), 0x7C00);
    CHECK_INT(golu_f32_to_f16(INFINITY), 0x7C00);
    CHECK_INT(golu_f32_to_f16(-INFINITY), 0xFC00);
    CHECK_INT(golu_f32_to_f16(-0.0f), 0x8000);
    CHECK_INT(golu_f32_to_f16(0x1p-25f), 0x0000); /* tie -> 0 */
    CHECK_INT(golu_f32_to_f16(nextafterf(0x1p-25f, 1.0f)), 0x0001);
    CHECK_INT(golu_f32_to_f16(0x3p-25f), 0x0002); /* 1.5 -> 2 */
    CHECK_INT(golu_f32_to_f16(-0x1p-26f), 0x8000);
    CHECK_INT(golu_f32_to_f16(bits_f32(1)), 0x0000);  /* subnormal */
    CHECK_INT(golu_f32_to_f16(0x1p-14f), 0x0400);     /* f16 FLT_MIN */
    CHECK_INT(golu_f32_to_f16(0x1.ffcp-15f), 0x0400); /* tie rounds up */
    const uint32_t nans[] = {0x7F800001u, 0xFF800001u, 0x7FC00000u, 0xFFC00000u,
                             0x7F801FFFu, 0x7FFFFFFFu, 0x7FBFFFFFu};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        /* docs/API.md: made quiet, sign and top payload bits kept */
        unsigned short got = golu_f32_to_f16(bits_f32(nans[i]));
        CHECK(f16_isnan(got) && (got & 0x8000u) == ((nans[i] >> 16) & 0x8000u) &&
                  (got & 0x0200u) && (got & 0x1FFu) == ((nans[i] >> 13) & 0x1FFu),
              "f32_to_f16(NaN %08x) = %04x: want a quiet NaN, sign and top payload kept",
              nans[i], got);
    }
}

/* A thread that pins itself to CPU *arg sees one thread for a split array
 * while its creator, unpinned, sees all CPUs: the count is per thread. */
static void *pinned_thread_count(void *arg)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(*(int *)arg, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return (void *)(intptr_t)-1;
    return (void *)(intptr_t)golu_ctx_threads_for(NULL, (size_t)1 << 20);
}

/* docs/API.md: the default context's threads follow the CPUs the process
 * may run on, read again at most every 0.1 s (a system call saved on each
 * call): pinned to one CPU, an array that splits runs on one thread within
 * that time, and on all of them again once the pin is lifted. */
static void test_threads_follow_affinity(void)
{
    cpu_set_t all, one;
    if (golu_cpu_count() < 2 || sched_getaffinity(0, sizeof all, &all) != 0) {
        SKIP("affinity: needs 2 CPUs this process may run on");
        return;
    }
    int first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    const struct timespec wait = {0, 250000000}; /* over GOLU_CPU_COUNT_REFRESH_NS */
    size_t big = (size_t)1 << 20;
    int before = golu_ctx_threads_for(NULL, big);
    CHECK_INT(before, golu_cpu_count());
    if (!CHECK(sched_setaffinity(0, sizeof one, &one) == 0, "sched_setaffinity"))
        return;
    nanosleep(&wait, NULL);
    CHECK_INT(golu_ctx_threads_for(NULL, big), 1);
    CHECK_INT(golu_ctx_threads(NULL), 1);
    sched_setaffinity(0, sizeof all, &all);
    nanosleep(&wait, NULL);
    CHECK_INT(golu_ctx_threads_for(NULL, big), before);
    CHECK_INT(golu_ctx_threads_for(NULL, ((size_t)1 << 16) - 1), 1);

    pthread_t t;
    void *seen = NULL;
    if (CHECK(pthread_create(&t, NULL, pinned_thread_count, &first) == 0,
              "pthread_create")) {
        pthread_join(t, &seen);
        CHECK_INT((int)(intptr_t)seen, 1);
    }
    CHECK_INT(golu_ctx_threads_for(NULL, big), before);
}

int main(void)
{
    TEST_BEGIN("test_api");
    test_status();
    test_dtype();
    test_act_names();
    test_act_default();
    test_act_check();
    test_null_and_bad_args();
    test_empty();
    test_alias();
    test_prelu_shape();
    test_isa_and_ctx();
    test_threads_follow_affinity();
    test_fp_env();
    test_bf16_conversions();
    test_f16_conversions();
    return TEST_END();
}
