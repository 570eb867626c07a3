/*
 * test_act.c - the one list of activations (GOLU_ACT_LIST, golu.h) and the
 * tables expanded from it (src/kernels/act.c, the kernel tables):
 *   - the list itself: each value is its place, names are lower case and
 *     unique with the aliases (case-insensitively), colours are distinct
 *     "#rrggbb", every row has a description, grads is 0..3, the rule is
 *     one golu_act_check knows;
 *   - act.c gives each row's values: golu_act_name, golu_act_from_name of the
 *     name, alias and quiet spelling in any case, golu_act_default; each
 *     rule accepts and refuses what golu.h says;
 *   - the kernel tables have no NULL entry: every kind's four float32
 *     kernels on every SIMD path this CPU and build have, the conversions,
 *     and both float64 kernels; and two kinds share a kernel exactly when
 *     their rows name the same kernel family.
 */
#include <ctype.h>
#include <strings.h>

#include "internal.h"
#include "util.h"

/* ------------------------------------------------------------ the list --- */

static int is_color(const char *c)
{
    if (strlen(c) != 7 || c[0] != '#')
        return 0;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)c[i]) || isupper((unsigned char)c[i]))
            return 0;
    return 1;
}

static int is_lower_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static void test_list(void)
{
    CHECK(GOLU_ACT_COUNT >= 1, "the list is empty");
    /* Every accepted word of every row, for the uniqueness check. */
    const char *words[3 * GOLU_ACT_COUNT];
    int owner[3 * GOLU_ACT_COUNT], nw = 0;
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        const act_list_row *r = act_list_row_of(k);
        if (!CHECK(r != NULL, "kind %d has no row", k))
            continue;
        CHECK(r->value == k, "row %d (%s) has value %d", k, r->name, r->value);
        CHECK(is_lower_name(r->name), "row %d: name '%s' is not a lower-case word", k,
              r->name);
        CHECK(r->alias[0] == '\0' || is_lower_name(r->alias), "%s: alias '%s'", r->name,
              r->alias);
        CHECK(r->quiet[0] == '\0' || is_lower_name(r->quiet), "%s: quiet '%s'", r->name,
              r->quiet);
        CHECK(is_color(r->color), "%s: colour '%s' is not #rrggbb (lower case)", r->name,
              r->color);
        CHECK(r->desc && r->desc[0] != '\0', "%s has no description", r->name);
        CHECK(r->grads >= 0 && r->grads <= 3, "%s: grads %d", r->name, r->grads);
        CHECK(strcmp(r->rule, "none") == 0 || strcmp(r->rule, "positive") == 0 ||
                  strcmp(r->rule, "finite") == 0 || strcmp(r->rule, "nonnegative") == 0,
              "%s: unknown rule %s", r->name, r->rule);
        CHECK(r->grads == 0 || strcmp(r->rule, "none") != 0,
              "%s: learnable parameters but the rule ignores them all", r->name);
        const char *mine[3] = {r->name, r->alias, r->quiet};
        for (int i = 0; i < 3; i++)
            if (mine[i][0]) {
                words[nw] = mine[i];
                owner[nw++] = k;
            }
        for (int j = 0; j < k; j++)
            CHECK(strcmp(r->color, act_list_row_of(j)->color) != 0,
                  "%s and %s share the colour %s", r->name, act_list_row_of(j)->name,
                  r->color);
    }
    for (int i = 0; i < nw; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcasecmp(words[i], words[j]) != 0,
                  "'%s' names both %s and %s: golu_act_from_name cannot tell", words[i],
                  act_list_name(owner[j]), act_list_name(owner[i]));
}

/* ----------------------------------------------------- names, defaults --- */

/* s in upper case (the lookup ignores case). */
static void upper(char *dst, size_t size, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        dst[i] = (char)toupper((unsigned char)s[i]);
    dst[i] = '\0';
}

static void check_lookup(int k, const char *word)
{
    const act_list_row *r = act_list_row_of(k);
    char up[64];
    upper(up, sizeof up, word);
    const char *tries[2] = {word, up};
    for (int t = 0; t < 2; t++) {
        golu_act a = {GOLU_ACT_COUNT, -1, -1, -1};
        golu_status st = golu_act_from_name(tries[t], &a);
        CHECK(
            st == GOLU_OK && (int)a.kind == k &&
                f64_bits(a.alpha) == f64_bits(r->alpha) &&
                f64_bits(a.beta) == f64_bits(r->beta) &&
                f64_bits(a.gamma) == f64_bits(r->gamma),
            "golu_act_from_name(\"%s\") = %s, kind %d (%g, %g, %g); want %s (%g, %g, %g)",
            tries[t], golu_status_str(st), (int)a.kind, a.alpha, a.beta, a.gamma, r->name,
            r->alpha, r->beta, r->gamma);
    }
}

static void test_rows(void)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        const act_list_row *r = act_list_row_of(k);
        const char *nm = golu_act_name((golu_act_kind)k);
        CHECK(strcmp(nm, r->name) == 0, "golu_act_name(%d) = %s, want %s", k, nm,
              r->name);
        golu_act d = golu_act_default((golu_act_kind)k);
        CHECK((int)d.kind == k && f64_bits(d.alpha) == f64_bits(r->alpha) &&
                  f64_bits(d.beta) == f64_bits(r->beta) &&
                  f64_bits(d.gamma) == f64_bits(r->gamma),
              "golu_act_default(%s) = kind %d (%g, %g, %g), want (%g, %g, %g)", r->name,
              (int)d.kind, d.alpha, d.beta, d.gamma, r->alpha, r->beta, r->gamma);
        CHECK_ST(golu_act_check(&d), GOLU_OK);
        check_lookup(k, r->name);
        if (r->alias[0])
            check_lookup(k, r->alias);
        if (r->quiet[0])
            check_lookup(k, r->quiet);
    }
    /* No empty alias matches the empty name. */
    golu_act a = {GOLU_ACT_COUNT, 0, 0, 0};
    CHECK_ST(golu_act_from_name("", &a), GOLU_ERR_NAME);
}

/* Each rule accepts and refuses what golu.h says of it. */
static void test_rules(void)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        const act_list_row *r = act_list_row_of(k);
        golu_act d = golu_act_default((golu_act_kind)k), a;
        const char *n = r->name;
        if (strcmp(r->rule, "none") == 0) {
            a = d, a.alpha = NAN, a.beta = -INFINITY, a.gamma = -1;
            CHECK(golu_act_check(&a) == GOLU_OK, "%s: rule none refused a parameter", n);
        } else if (strcmp(r->rule, "positive") == 0) {
            a = d, a.alpha = 0.0;
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s: alpha 0 accepted", n);
            a = d, a.beta = -1.0;
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s: beta -1 accepted", n);
            a = d, a.gamma = INFINITY;
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s: gamma inf accepted", n);
            a = d, a.alpha = 1e-300, a.beta = 1e300, a.gamma = 2.5;
            CHECK(golu_act_check(&a) == GOLU_OK, "%s: positive parameters refused", n);
        } else if (strcmp(r->rule, "finite") == 0) {
            a = d, a.alpha = NAN;
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s: alpha NaN accepted", n);
            a = d, a.alpha = -7.0, a.beta = NAN, a.gamma = NAN;
            CHECK(golu_act_check(&a) == GOLU_OK, "%s: alpha -7 refused", n);
        } else if (strcmp(r->rule, "nonnegative") == 0) {
            a = d, a.alpha = -1e-300;
            CHECK(golu_act_check(&a) == GOLU_ERR_PARAM, "%s: alpha < 0 accepted", n);
            a = d, a.alpha = 0.0, a.beta = NAN, a.gamma = NAN;
            CHECK(golu_act_check(&a) == GOLU_OK, "%s: alpha 0 refused", n);
        }
    }
}

/* ------------------------------------------------------ kernel tables --- */

/* Any kernel, for comparing pointers of different types. */
typedef void (*any_fn)(void);

/* Two kinds share a kernel exactly when their rows name the same family. */
static void check_families(const char *what, const any_fn *fn)
{
    for (int i = 0; i < GOLU_ACT_COUNT; i++)
        for (int j = 0; j < i; j++) {
            int same = strcmp(act_list_row_of(i)->kern, act_list_row_of(j)->kern) == 0;
            CHECK((fn[i] == fn[j]) == same, "%s: %s and %s %s a kernel", what,
                  act_list_name(i), act_list_name(j), same ? "do not share" : "share");
        }
}

static void check_table(const char *what, const any_fn *fn)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++)
        CHECK(fn[k] != NULL, "%s[%s] is NULL", what, act_list_name(k));
    check_families(what, fn);
}

static void test_kernel_tables(void)
{
    golu_isa isa;
    skip_missing_isas();
    for (int i = 0; isa_at(i, &isa); i++) {
        if (!golu_isa_supported(isa))
            continue;
        const golu_kernel_table *t = golu_kernels_for(isa);
        const char *in = golu_isa_name(isa);
        if (!CHECK(t != NULL, "%s: no kernel table", in))
            continue;
        CHECK(t->isa == isa, "%s: the table says it is %s", in, golu_isa_name(t->isa));
        any_fn f[4][GOLU_ACT_COUNT];
        for (int k = 0; k < GOLU_ACT_COUNT; k++) {
            f[0][k] = (any_fn)t->f32_fwd[k];
            f[1][k] = (any_fn)t->f32_bwd[k];
            f[2][k] = (any_fn)t->f32_fwd_odd[k];
            f[3][k] = (any_fn)t->f32_bwd_odd[k];
        }
        static const char *const dirs[4] = {"f32_fwd", "f32_bwd", "f32_fwd_odd",
                                            "f32_bwd_odd"};
        for (int d = 0; d < 4; d++) {
            char what[64];
            snprintf(what, sizeof what, "%s %s", in, dirs[d]);
            check_table(what, f[d]);
        }
        CHECK(t->bf16_to_f32 && t->f16_to_f32 && t->f32_to_bf16 && t->f32_to_f16,
              "%s: a 16-bit conversion is NULL", in);
    }
    any_fn f64[2][GOLU_ACT_COUNT];
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        f64[0][k] = (any_fn)golu_f64_fwd[k];
        f64[1][k] = (any_fn)golu_f64_bwd[k];
    }
    check_table("golu_f64_fwd", f64[0]);
    check_table("golu_f64_bwd", f64[1]);
}

int main(void)
{
    TEST_BEGIN("test_act");
    test_list();
    test_rows();
    test_rules();
    test_kernel_tables();
    return TEST_END();
}
