/*
 * test_abuse.c - every public libgolu compute call abused, table-driven:
 * NULL pointers, n = 0 / SIZE_MAX / sizes whose bytes overflow, bad enums
 * (activation, dtype, ISA), bad parameters (NaN, inf, zero, negative),
 * NULL and freshly destroyed-then-recreated contexts; and every kind of
 * overlap (same start, partial forward, partial backward, inside, just
 * touching) between every pair of a call's buffers, generated from the rule
 * of docs/API.md. Each row states the status it expects; a refused call
 * must also have written nothing (the whole arena is compared).
 *
 * The concurrent cases are in test_abuse_threads.c (run under TSan too).
 */
#include <stdint.h>

#include "util.h"

/* ------------------------------------------------------------ the calls */

typedef enum { C_FWD, C_BWD, C_PGRAD, C_PFWD, C_PBWD, C_FWDS, C_BWDS, C_COUNT } call_kind;
static const char *const call_names[C_COUNT] = {
    "golu_forward",       "golu_backward",       "golu_param_grad",
    "golu_prelu_forward", "golu_prelu_backward", "golu_forward_slope",
    "golu_backward_slope"};

/* Buffer slots. OUT is y (forwards), dx (backwards) or out[3] (param_grad);
 * SLOPE the PReLU slopes, or the kept f' of the slope calls (n doubles). */
enum { B_X, B_DY, B_OUT, B_SLOPE, B_DSLOPE, B_COUNT };
static const char *const buf_names[B_COUNT] = {"x", "dy", "out", "slope", "dslope"};

/* The arena: each buffer's default place is its own REGION (far from the
 * others), one region of margin before the first. */
enum { REGION = 256, ARENA = REGION * (B_COUNT + 2) };
static _Alignas(64) unsigned char arena[ARENA], shadow[ARENA];

typedef struct {
    call_kind call;
    const golu_ctx *ctx;
    const golu_act *act;
    golu_dtype dt;
    void *b[B_COUNT];
    size_t n, channels, inner;
} call_args;

static golu_status call_run(const call_args *a)
{
    switch (a->call) {
    case C_FWD: return golu_forward(a->ctx, a->act, a->dt, a->b[B_X], a->b[B_OUT], a->n);
    case C_BWD:
        return golu_backward(a->ctx, a->act, a->dt, a->b[B_X], a->b[B_DY], a->b[B_OUT],
                             a->n);
    case C_PGRAD:
        return golu_param_grad(a->ctx, a->act, a->dt, a->b[B_X], a->b[B_DY], a->n,
                               (double *)a->b[B_OUT]);
    case C_PFWD:
        return golu_prelu_forward(a->ctx, a->dt, a->b[B_X], a->b[B_OUT], a->n,
                                  a->b[B_SLOPE], a->channels, a->inner);
    case C_PBWD:
        return golu_prelu_backward(a->ctx, a->dt, a->b[B_X], a->b[B_DY], a->b[B_OUT],
                                   a->n, a->b[B_SLOPE], a->channels, a->inner,
                                   a->b[B_DSLOPE]);
    case C_FWDS:
        return golu_forward_slope(a->ctx, a->act, a->dt, a->b[B_X], a->b[B_OUT],
                                  (double *)a->b[B_SLOPE], a->n);
    case C_BWDS:
        return golu_backward_slope(a->ctx, a->dt, (const double *)a->b[B_SLOPE],
                                   a->b[B_DY], a->b[B_OUT], a->n);
    case C_COUNT: break;
    }
    return (golu_status)-1;
}

/* Fills the arena with finite values of dtype (x in [-2, 2], slopes 0.25;
 * doubles for param_grad's out are overwritten anyway) and keeps a copy. */
static void arena_fill(golu_dtype dt)
{
    size_t es = golu_dtype_size(dt);
    for (size_t i = 0; i + es <= ARENA; i += es)
        elem_set(dt, arena + i, 0, -2.0 + (double)(i % 61) / 15.0);
    memcpy(shadow, arena, ARENA);
}

static int cases_run;

/* Runs one row and checks its status; a refused call must leave the whole
 * arena as it was. */
static void row_check(const call_args *a, golu_status want, const char *what)
{
    arena_fill(golu_dtype_size(a->dt) ? a->dt : GOLU_F32);
    golu_status got = call_run(a);
    cases_run++;
    CHECK(got == want, "%s %s: %s (%d), want %s (%d)", call_names[a->call], what,
          golu_status_str(got), (int)got, golu_status_str(want), (int)want);
    if (want != GOLU_OK)
        CHECK(memcmp(arena, shadow, ARENA) == 0, "%s %s: refused but wrote to a buffer",
              call_names[a->call], what);
}

/* A call of kind c on valid arguments: n = 8 elements as (2, 2, 2), every
 * buffer in its own region of the arena. */
static call_args call_default(call_kind c, golu_dtype dt, const golu_act *act)
{
    call_args a = {c, NULL, act, dt, {NULL}, 8, 2, 2};
    for (int k = 0; k < B_COUNT; k++)
        a.b[k] = arena + REGION * (k + 1);
    if (c == C_FWD || c == C_PFWD || c == C_FWDS)
        a.b[B_DY] = NULL;
    if (c == C_BWDS)
        a.b[B_X] = NULL;
    if (c != C_PFWD && c != C_PBWD && c != C_FWDS && c != C_BWDS)
        a.b[B_SLOPE] = NULL;
    if (c != C_PBWD)
        a.b[B_DSLOPE] = NULL;
    return a;
}

/* Bytes buffer k spans in a call (0 for an unused slot). */
static size_t buf_bytes(const call_args *a, int k)
{
    size_t es = golu_dtype_size(a->dt);
    if (!a->b[k])
        return 0;
    if (k == B_OUT && a->call == C_PGRAD)
        return 3 * sizeof(double);
    if (k == B_SLOPE && (a->call == C_FWDS || a->call == C_BWDS))
        return a->n * sizeof(double);
    if (k == B_SLOPE || k == B_DSLOPE)
        return a->channels * es;
    return a->n * es;
}

/* ----------------------------------------------------- overlap matrix --- */

/* The rule of docs/API.md: inputs may overlap each other in any way; an
 * output may start at the same address as an input of the same length
 * (y == x, dx == x, dx == dy) and may touch nothing else. */
static int is_output(const call_args *a, int k)
{
    return k == B_OUT || k == B_DSLOPE || (k == B_SLOPE && a->call == C_FWDS);
}

static golu_status overlap_rule(const call_args *a, int o, int b, int same)
{
    int o_out = is_output(a, o), b_out = is_output(a, b);
    if (!o_out && !b_out)
        return GOLU_OK;
    int same_len_io = (o == B_OUT && (b == B_X || b == B_DY) && a->call != C_PGRAD) ||
                      (b == B_OUT && (o == B_X || o == B_DY) && a->call != C_PGRAD);
    return same && same_len_io ? GOLU_OK : GOLU_ERR_ALIAS;
}

typedef enum { P_SAME, P_FWD, P_BWD, P_INSIDE, P_AFTER, P_BEFORE, P_COUNT } placement;
static const char *const placement_names[P_COUNT] = {
    "same start",
    "partial (starts in the other's last element)",
    "partial (ends in the other's first element)",
    "one element inside",
    "just after (touching)",
    "just before (touching)"};

/* Moves buffer o next to buffer b as placement p says (b stays in its
 * region); 0 when the placement makes no sense for these lengths. */
static int place(call_args *a, int o, int b, placement p)
{
    size_t es = golu_dtype_size(a->dt);
    size_t lo = buf_bytes(a, o), lb = buf_bytes(a, b);
    /* param_grad's out and the kept slopes hold doubles: keep them 8-byte
     * aligned. */
    size_t step = (o == B_OUT && a->call == C_PGRAD) ||
                          (o == B_SLOPE && (a->call == C_FWDS || a->call == C_BWDS))
                      ? 8
                      : es;
    unsigned char *pb = a->b[b];
    switch (p) {
    case P_SAME: a->b[o] = pb; return 1;
    case P_FWD: a->b[o] = pb + (lb > step ? lb - step : 0); return lb > step;
    case P_BWD: a->b[o] = pb - lo + step; return lo > step;
    case P_INSIDE: a->b[o] = pb + step; return lb > step;
    case P_AFTER: a->b[o] = pb + (lb + step - 1) / step * step; return 1;
    case P_BEFORE: a->b[o] = pb - (lo + step - 1) / step * step; return 1;
    case P_COUNT: break;
    }
    return 0;
}

static void test_overlaps(void)
{
    static const golu_dtype dts[] = {GOLU_F32, GOLU_F64, GOLU_BF16, GOLU_F16};
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    char what[200];
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
        for (int c = 0; c < C_COUNT; c++)
            for (int o = 0; o < B_COUNT; o++)
                for (int b = 0; b < B_COUNT; b++)
                    for (int p = 0; p < P_COUNT; p++) {
                        call_args a = call_default((call_kind)c, dts[d], &g);
                        if (o == b || !a.b[o] || !a.b[b] ||
                            !place(&a, o, b, (placement)p))
                            continue;
                        int f64_slope =
                            (c == C_FWDS || c == C_BWDS) && dts[d] == GOLU_F64;
                        golu_status want = f64_slope ? GOLU_ERR_UNSUPPORTED
                                           : p == P_AFTER || p == P_BEFORE
                                               ? GOLU_OK
                                               : overlap_rule(&a, o, b, p == P_SAME);
                        snprintf(what, sizeof what, "%s: %s placed %s %s",
                                 golu_dtype_name(dts[d]), buf_names[o],
                                 placement_names[p], buf_names[b]);
                        row_check(&a, want, what);
                    }
}

/* ------------------------------------------------------- the hand table */

/* A row: which call, what to change from call_default, the status. */
enum { NUL = -1, KEEP = -2 };
typedef struct {
    const char *what;
    call_kind call;
    int act_null;              /* act = NULL */
    golu_act_kind kind;        /* the activation (GOLU_ACT_GOLU unless said) */
    double alpha, beta, gamma; /* replace the defaults when not 0 */
    int dtype;                 /* -100: keep f32; else the dtype value */
    int null_buf;              /* a slot set to NULL, or KEEP */
    size_t n, channels, inner; /* taken as they are when keep_n is 0 */
    int keep_n;                /* 1: the default shape, 8 as (2, 2, 2) */
    golu_status want;
} row;

#define DT_KEEP -100
#define INF     INFINITY
#define NANV    NAN

static const row rows[] = {
    /* NULL activation, NULL buffers, n == 0 with NULL buffers */
    {"act NULL", C_FWD, 1, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"act NULL", C_BWD, 1, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"act NULL", C_PGRAD, 1, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"act NULL, n 0", C_FWD, 1, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 0, GOLU_ERR_NULL},
    {"x NULL", C_FWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"y NULL", C_FWD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"x NULL", C_BWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dy NULL", C_BWD, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dx NULL", C_BWD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"x NULL", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dy NULL", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"out NULL", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"out NULL, n 0", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 0, GOLU_ERR_NULL},
    {"x NULL", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"y NULL", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"slope NULL", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"x NULL", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dy NULL", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"slope NULL", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dx NULL (skipped)", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_OK},
    {"dslope NULL (skipped)", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_DSLOPE, 0, 0, 0, 1,
     GOLU_OK},
    {"n 0, x NULL", C_FWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 0, GOLU_OK},
    {"n 0, dy NULL", C_BWD, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 0, GOLU_OK},
    {"n 0, x NULL", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 0, GOLU_OK},
    {"n 0, slope NULL", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 2, 2, 0, GOLU_OK},
    {"n 0, x NULL", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 2, 2, 0, GOLU_OK},
    {"n 0, (0, 3, 1), dslope", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 3, 1, 0, GOLU_OK},
    /* sizes: SIZE_MAX and n whose bytes overflow a size_t (issue 15, defect 2) */
    {"n SIZE_MAX", C_FWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 0, 0, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX", C_BWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 0, 0, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX", C_PGRAD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 0, 0, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX/4+1", C_FWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX / 4 + 1, 0, 0, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX/8+1 f64", C_BWD, 0, 0, 0, 0, 0, GOLU_F64, KEEP, SIZE_MAX / 8 + 1, 0, 0,
     0, GOLU_ERR_SHAPE},
    {"n SIZE_MAX/2+1 bf16", C_FWD, 0, 0, 0, 0, 0, GOLU_BF16, KEEP, SIZE_MAX / 2 + 1, 0, 0,
     0, GOLU_ERR_SHAPE},
    {"n SIZE_MAX, (n,1,1)", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 1, 1, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX, (n,1,1)", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 1, 1, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX, (1,n,1)", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, SIZE_MAX, 1,
     0, GOLU_ERR_SHAPE},
    {"n SIZE_MAX/4+1 f32, (n,1,1)", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP,
     SIZE_MAX / 4 + 1, 1, 1, 0, GOLU_ERR_SHAPE},
    {"n SIZE_MAX/8+1 f64, (n,1,1)", C_PBWD, 0, 0, 0, 0, 0, GOLU_F64, KEEP,
     SIZE_MAX / 8 + 1, 1, 1, 0, GOLU_ERR_SHAPE},
    {"n 0, channels SIZE_MAX", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 0, SIZE_MAX, 1, 0,
     GOLU_ERR_SHAPE},
    {"n 0, channels SIZE_MAX/2+1 f16", C_PFWD, 0, 0, 0, 0, 0, GOLU_F16, KEEP, 0,
     SIZE_MAX / 2 + 1, 1, 0, GOLU_ERR_SHAPE},
    {"channels 0", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 8, 0, 1, 0, GOLU_ERR_SHAPE},
    {"n not a multiple of channels", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 8, 3, 1, 0,
     GOLU_ERR_SHAPE},
    {"inner 0", C_PFWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 8, 2, 0, 0, GOLU_ERR_SHAPE},
    {"inner not dividing", C_PBWD, 0, 0, 0, 0, 0, DT_KEEP, KEEP, 8, 2, 3, 0,
     GOLU_ERR_SHAPE},
    /* bad enums */
    {"kind 9", C_FWD, 0, (golu_act_kind)9, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_ACT},
    {"kind -1", C_BWD, 0, (golu_act_kind)-1, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_ACT},
    {"kind 1000, n 0", C_PGRAD, 0, (golu_act_kind)1000, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0,
     0, GOLU_ERR_ACT},
    {"dtype 4", C_FWD, 0, 0, 0, 0, 0, 4, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"dtype -1", C_BWD, 0, 0, 0, 0, 0, -1, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"dtype 99", C_PGRAD, 0, 0, 0, 0, 0, 99, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"dtype 4", C_PFWD, 0, 0, 0, 0, 0, 4, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"dtype -7, n 0", C_PBWD, 0, 0, 0, 0, 0, -7, KEEP, 0, 2, 2, 0, GOLU_ERR_DTYPE},
    /* bad parameters */
    {"golu alpha NaN", C_FWD, 0, GOLU_ACT_GOLU, NANV, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"golu alpha inf", C_BWD, 0, GOLU_ACT_GOLU, INF, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"golu alpha -1", C_PGRAD, 0, GOLU_ACT_GOLU, -1, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"golu beta -inf", C_FWD, 0, GOLU_ACT_GOLU, 0, -INF, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"golu beta NaN, n 0", C_FWD, 0, GOLU_ACT_GOLU, 0, NANV, 0, DT_KEEP, KEEP, 0, 0, 0, 0,
     GOLU_ERR_PARAM},
    {"golu beta -1e-300", C_BWD, 0, GOLU_ACT_GOLU, 0, -1e-300, 0, DT_KEEP, KEEP, 0, 0, 0,
     1, GOLU_ERR_PARAM},
    {"golu gamma NaN", C_PGRAD, 0, GOLU_ACT_GOLU, 0, 0, NANV, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"golu gamma -2", C_FWD, 0, GOLU_ACT_GOLU, 0, 0, -2, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"leaky alpha NaN", C_FWD, 0, GOLU_ACT_LEAKY_RELU, NANV, 0, 0, DT_KEEP, KEEP, 0, 0, 0,
     1, GOLU_ERR_PARAM},
    {"leaky alpha -inf", C_PGRAD, 0, GOLU_ACT_LEAKY_RELU, -INF, 0, 0, DT_KEEP, KEEP, 0, 0,
     0, 1, GOLU_ERR_PARAM},
    {"leaky alpha -3 (allowed)", C_BWD, 0, GOLU_ACT_LEAKY_RELU, -3, 0, 0, DT_KEEP, KEEP,
     0, 0, 0, 1, GOLU_OK},
    {"prelu alpha inf", C_BWD, 0, GOLU_ACT_PRELU, INF, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"elu alpha -1", C_FWD, 0, GOLU_ACT_ELU, -1, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"elu alpha NaN", C_BWD, 0, GOLU_ACT_ELU, NANV, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"relu alpha NaN (ignored)", C_FWD, 0, GOLU_ACT_RELU, NANV, NANV, NANV, DT_KEEP, KEEP,
     0, 0, 0, 1, GOLU_OK},
    {"gelu gamma -inf (ignored)", C_BWD, 0, GOLU_ACT_GELU, 0, 0, -INF, DT_KEEP, KEEP, 0,
     0, 0, 1, GOLU_OK},
    {"relu (no parameters)", C_PGRAD, 0, GOLU_ACT_RELU, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0,
     1, GOLU_ERR_NO_PARAMS},
    {"mish (no parameters), n 0", C_PGRAD, 0, GOLU_ACT_MISH, 0, 0, 0, DT_KEEP, KEEP, 0, 0,
     0, 0, GOLU_ERR_NO_PARAMS},
    /* the slope calls */
    {"act NULL", C_FWDS, 1, 0, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"x NULL", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, B_X, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"y NULL", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"slope NULL", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"slope NULL", C_BWDS, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dy NULL", C_BWDS, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"dx NULL", C_BWDS, 0, 0, 0, 0, 0, DT_KEEP, B_OUT, 0, 0, 0, 1, GOLU_ERR_NULL},
    {"n 0, slope NULL", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, B_SLOPE, 0, 0, 0, 0, GOLU_OK},
    {"n 0, dy NULL", C_BWDS, 0, 0, 0, 0, 0, DT_KEEP, B_DY, 0, 0, 0, 0, GOLU_OK},
    {"n SIZE_MAX", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, KEEP, SIZE_MAX, 0, 0, 0,
     GOLU_ERR_SHAPE},
    {"n SIZE_MAX/8+1 f32 (the slopes' bytes)", C_FWDS, 0, 0, 0, 0, 0, DT_KEEP, KEEP,
     SIZE_MAX / 8 + 1, 0, 0, 0, GOLU_ERR_SHAPE},
    {"n SIZE_MAX/8+1 bf16 (the slopes' bytes)", C_BWDS, 0, 0, 0, 0, 0, GOLU_BF16, KEEP,
     SIZE_MAX / 8 + 1, 0, 0, 0, GOLU_ERR_SHAPE},
    {"f64", C_FWDS, 0, 0, 0, 0, 0, GOLU_F64, KEEP, 0, 0, 0, 1, GOLU_ERR_UNSUPPORTED},
    {"f64, n 0", C_BWDS, 0, 0, 0, 0, 0, GOLU_F64, KEEP, 0, 0, 0, 0, GOLU_ERR_UNSUPPORTED},
    {"dtype 4", C_FWDS, 0, 0, 0, 0, 0, 4, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"dtype -1", C_BWDS, 0, 0, 0, 0, 0, -1, KEEP, 0, 0, 0, 1, GOLU_ERR_DTYPE},
    {"kind 9", C_FWDS, 0, (golu_act_kind)9, 0, 0, 0, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_ACT},
    {"golu gamma NaN", C_FWDS, 0, GOLU_ACT_GOLU, 0, 0, NANV, DT_KEEP, KEEP, 0, 0, 0, 1,
     GOLU_ERR_PARAM},
    {"gelu, bf16", C_FWDS, 0, GOLU_ACT_GELU, 0, 0, 0, GOLU_BF16, KEEP, 0, 0, 0, 1,
     GOLU_OK},
    {"f16", C_BWDS, 0, 0, 0, 0, 0, GOLU_F16, KEEP, 0, 0, 0, 1, GOLU_OK},
};

static call_args row_args(const row *r, golu_act *act)
{
    *act = golu_act_default(r->kind);
    act->kind = r->kind; /* a bad kind as it is, not as the default makes it */
    if (r->alpha != 0.0 || r->alpha != r->alpha)
        act->alpha = r->alpha;
    if (r->beta != 0.0 || r->beta != r->beta)
        act->beta = r->beta;
    if (r->gamma != 0.0 || r->gamma != r->gamma)
        act->gamma = r->gamma;
    golu_dtype dt = r->dtype == DT_KEEP ? GOLU_F32 : (golu_dtype)r->dtype;
    call_args a = call_default(r->call, dt, r->act_null ? NULL : act);
    if (!r->keep_n) {
        a.n = r->n;
        a.channels = r->channels;
        a.inner = r->inner;
    }
    if (r->null_buf != KEEP)
        a.b[r->null_buf] = NULL;
    return a;
}

static void test_rows(const golu_ctx *ctx)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        golu_act act;
        call_args a = row_args(&rows[i], &act);
        a.ctx = ctx;
        row_check(&a, rows[i].want, rows[i].what);
    }
}

/* --------------------------------------------- contexts and the others -- */

static void test_contexts(void)
{
    golu_ctx *ctx = NULL;
    CHECK_ST(golu_ctx_create(NULL), GOLU_ERR_NULL);
    CHECK_ST(golu_ctx_set_threads(NULL, 2), GOLU_ERR_NULL);
    CHECK_ST(golu_ctx_set_isa(NULL, GOLU_ISA_SCALAR), GOLU_ERR_NULL);
    golu_ctx_destroy(NULL);
    CHECK_INT(golu_ctx_threads(NULL), golu_cpu_count());
    CHECK_INT(golu_ctx_threads_for(NULL, SIZE_MAX), golu_cpu_count());
    CHECK_ST(golu_ctx_create(&ctx), GOLU_OK);
    if (!ctx)
        return;
    CHECK_ST(golu_ctx_set_threads(ctx, -1), GOLU_ERR_THREADS);
    CHECK_ST(golu_ctx_set_threads(ctx, INT32_MIN), GOLU_ERR_THREADS);
    CHECK_ST(golu_ctx_set_isa(ctx, (golu_isa)GOLU_ISA_COUNT), GOLU_ERR_ISA);
    CHECK_ST(golu_ctx_set_isa(ctx, (golu_isa)-1), GOLU_ERR_ISA);
    CHECK_ST(golu_ctx_set_isa(ctx, (golu_isa)1000), GOLU_ERR_ISA);
    /* A refused setting changes nothing. */
    CHECK_INT(golu_ctx_threads(ctx), golu_cpu_count());
    CHECK_INT(golu_ctx_isa(ctx), golu_ctx_isa(NULL));
    for (int isa = 0; isa < GOLU_ISA_COUNT; isa++)
        if (!golu_isa_supported((golu_isa)isa))
            CHECK_ST(golu_ctx_set_isa(ctx, (golu_isa)isa), GOLU_ERR_ISA_UNSUPPORTED);
    CHECK_INT(golu_isa_supported((golu_isa)-1), 0);
    CHECK_INT(golu_isa_supported(GOLU_ISA_COUNT), 0);
    CHECK(strcmp(golu_isa_name((golu_isa)77), "?") == 0, "golu_isa_name(77)");
    CHECK(strcmp(golu_act_name((golu_act_kind)-5), "?") == 0, "golu_act_name(-5)");
    golu_isa isa;
    golu_act act;
    CHECK_ST(golu_isa_from_name(NULL, &isa), GOLU_ERR_NULL);
    CHECK_ST(golu_isa_from_name("auto", NULL), GOLU_ERR_NULL);
    CHECK_ST(golu_isa_from_name("avx1024", &isa), GOLU_ERR_NAME);
    CHECK_ST(golu_act_from_name(NULL, &act), GOLU_ERR_NULL);
    CHECK_ST(golu_act_from_name("golu", NULL), GOLU_ERR_NULL);
    CHECK_ST(golu_act_from_name("golu ", &act), GOLU_ERR_NAME);
    CHECK_ST(golu_act_check(NULL), GOLU_ERR_NULL);
    CHECK(golu_act_default((golu_act_kind)99).kind == GOLU_ACT_COUNT,
          "golu_act_default(99) is not refused by the calls");
    /* The table again on a context with one thread and the scalar path, on
     * one destroyed and then made anew (the same memory, likely), and on
     * NULL. */
    golu_ctx_set_threads(ctx, 1);
    golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR);
    test_rows(ctx);
    golu_ctx_destroy(ctx);
    ctx = NULL;
    CHECK_ST(golu_ctx_create(&ctx), GOLU_OK);
    if (ctx) {
        CHECK_INT(golu_ctx_threads(ctx), golu_cpu_count());
        test_rows(ctx);
        golu_ctx_destroy(ctx);
    }
}

/* Issue 15, defect 3: before the fix, dslope overlapping dy was accepted
 * and its sum read dy values already overwritten (GOLU_OK and a wrong
 * value). The refusal is checked by the overlap matrix; this checks that
 * the separate-buffer result is the exact sum, to pin what would have been
 * corrupted. */
static void test_dslope_value(void)
{
    float x[8] = {-1.5f, 2.0f, -0.25f, -4.0f, 3.0f, -2.0f, 0.5f, -1.0f};
    float dy[8] = {0.5f, 1.0f, -2.0f, 3.0f, 0.25f, 4.0f, -1.0f, 2.0f};
    float slope[2] = {0.25f, -0.5f}, dslope[2] = {0};
    /* (outer 2, channels 2, inner 2): channel 0 = x[0,1,4,5], channel 1 = x[2,3,6,7] */
    CHECK_ST(golu_prelu_backward(NULL, GOLU_F32, x, dy, NULL, 8, slope, 2, 2, dslope),
             GOLU_OK);
    CHECK(dslope[0] == (float)(-1.5 * 0.5 + -2.0 * 4.0), "dslope[0] = %g", dslope[0]);
    CHECK(dslope[1] == (float)(-0.25 * -2.0 + -4.0 * 3.0 + -1.0 * 2.0), "dslope[1] = %g",
          dslope[1]);
    float both[10];
    memcpy(both, dy, sizeof dy);
    CHECK_ST(golu_prelu_backward(NULL, GOLU_F32, x, both, NULL, 8, slope, 2, 2, both + 7),
             GOLU_ERR_ALIAS);
    CHECK(memcmp(both, dy, sizeof dy) == 0, "refused prelu_backward wrote to dy");
}

int main(void)
{
    TEST_BEGIN("test_abuse");
    test_rows(NULL);
    test_overlaps();
    test_contexts();
    test_dslope_value();
    printf("test_abuse: %d abusive calls tried\n", cases_run);
    return TEST_END();
}
