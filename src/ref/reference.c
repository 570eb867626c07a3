/*
 * reference.c - the long double oracle for float32, bfloat16 and float16.
 *
 * Every activation of golu.h, forward and backward, computed in x87 long
 * double (64-bit significand) from formulas that never cancel and never form
 * inf*0 or inf/inf. golu_ref_ld() is called about 2*10^9 times per exhaustive
 * float32 sweep, so it takes shortcuts where the answer is provably what the
 * full formula would give to within the oracle's own error; each shortcut
 * below states its bound.
 *
 * Accuracy (relative to the exact value, or to the bwd scale near a zero of
 * f'), checked against MPFR: with the default GoLU parameters, e = exp(-x)
 * is exact to about 2^-63 (x is exact, glibc expl is within 1-2 ulp), and
 * G = exp(-e) then carries about (e + 1) * 2^-63: at most 2^-57 over the
 * float32 range that does not underflow (x >= -4.66, e <= 106); near 0 the
 * series below is within 2^-62. With gamma != 1 the product gamma*x is
 * rounded once more, adding |gamma*x| * beta * e * 2^-64 (2^-55 measured
 * for alpha, beta, gamma = 1.7, 0.6, 2.3). The weak spot is deep negative
 * x, where the relative error grows like exp(-x) * 2^-63 (about 2^-50 at
 * x = -9); every such value is below 10^-3500 and rounds to zero in every
 * format this oracle serves. The peers are within 2^-61 except where a
 * library function's argument is rounded: GELU's erfc(-x/sqrt 2) carries
 * about x^2 * 2^-63 (2^-56 at x = -14.5, where float32 GELU underflows),
 * GELU tanh's exp(-2u) carries |2u| * 2^-63 (2^-55.5 where it underflows in
 * float32).
 *
 * Shortcuts and why they are exact enough:
 *   - Saturation to x or 1: taken only where the neglected term is below
 *     2^-66 relative. Since x is exactly representable and the spacing below
 *     a long double is at least 2^-64 of it, x*(1 - d) with d < 2^-66 rounds
 *     to x, so the shortcut returns what exact arithmetic would round to.
 *   - Underflow to a signed zero: taken only where the exact value is below
 *     2^-16446, half the smallest long double subnormal, so it rounds to zero.
 *   - Small arguments: exp(h) and expm1(h) for |h| < 2^-7 by Taylor series
 *     (degree 8, truncation below 2^-74 relative), and by 1 + h and
 *     h*(1 + h/2) for |h| < 2^-33 (truncation below 2^-67).
 *   - GoLU near 0 (|gamma x| max(beta, 1) < 2^-4, half of all float32
 *     inputs): a power series in gamma*x of degree 15 instead of two expl
 *     calls; below 2^-34 its first two terms (see the GoLU section).
 *   - Branch decisions in double where a threshold has room for it: a long
 *     double kept across a branch is spilled through memory by gcc, and each
 *     reload is a failed store forwarding; in a sweep those dominated.
 * With these a full float32 GoLU sweep (oracle, kernel and comparison) costs
 * about 25 ns per input on one core of a 2.3 GHz Xeon.
 */
#include "reference.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define INV_E_L          0.367879441171442321595523770161460867L /* e^-1 */
#define LN2_L            0.693147180559945309417232121458176568L
#define SQRT1_2_L        0.707106781186547524400844362104849039L /* 1/sqrt(2) */
#define INV_SQRT_2PI_L   0.398942280401432677939946059934381868L /* 1/sqrt(2 pi) */
#define SQRT_2_OVER_PI_L 0.797884560802865355879892119868763737L
#define GELU_TANH_C      0.044715L

/* ------------------------------------------------------------------------ */
/* Small building blocks                                                     */
/* ------------------------------------------------------------------------ */

/* expm1(h) for |h| <= 2^-7: Taylor to degree 8; the first omitted term is
 * h^9/9!, below 2^-74 relative. Written as h*(...) so expm1(-0) = -0. */
static long double expm1_taylor(long double h)
{
    long double p = 1.0L / 40320;
    p = 1.0L / 5040 + h * p;
    p = 1.0L / 720 + h * p;
    p = 1.0L / 120 + h * p;
    p = 1.0L / 24 + h * p;
    p = 1.0L / 6 + h * p;
    p = 0.5L + h * p;
    p = 1.0L + h * p;
    return h * p;
}

static long double ld_expm1(long double h)
{
    long double ah = fabsl(h);
    if (ah < 0x1p-33L)
        return h * (1.0L + 0.5L * h); /* omits h^3/6: < 2^-67 relative */
    if (ah < 0x1p-7L)
        return expm1_taylor(h);
    return expm1l(h);
}

static long double ld_exp(long double h)
{
    long double ah = fabsl(h);
    if (ah < 0x1p-33L)
        return 1.0L + h; /* omits h^2/2 < 2^-67 */
    if (ah < 0x1p-7L)
        return 1.0L + expm1_taylor(h);
    return expl(h);
}

/* sigmoid(y) = 1/(1+exp(-y)); *sneg = sigmoid(-y) = 1 - sigmoid(y), both
 * without cancellation or overflow (exp only of -|y|). Fine at +-inf. */
static long double sigmoid_pair(long double y, long double *sneg)
{
    long double e = ld_exp(-fabsl(y)); /* in (0, 1] */
    long double r = 1.0L / (1.0L + e);
    if (y >= 0) {
        *sneg = e * r;
        return r;
    }
    *sneg = r;
    return e * r;
}

/* ------------------------------------------------------------------------ */
/* GoLU: alpha * x * exp(-beta * exp(-gamma * x))                             */
/* ------------------------------------------------------------------------ */

/*
 * With z = gamma*x, G = exp(-beta e^-z) = exp(-beta) P(z), where
 * P(z) = exp(beta (1 - e^-z)) = sum_n c_n z^n, c_n = (-1)^n T_n(-beta) / n!,
 * T_n the Touchard polynomials (sum_k S(n,k) t^k, S Stirling numbers of the
 * second kind): c_0 = 1, c_1 = beta, c_2 = (beta^2 - beta)/2, ...
 * (beta = 1: P = 1 + z - z^3/6 - z^4/24 + ...). And since
 * f'(x) = alpha (G + z dG/dz), f'/(alpha exp(-beta)) = sum (n+1) c_n z^n.
 * For |z| max(beta, 1) <= 2^-4 the series to degree 15 is used: |c_n| <=
 * B_n max(beta,1)^n / n! (B_n the Bell numbers), so the first omitted term,
 * 17 c_16 z^16, is below 17 * 5e-4 * 2^-64 < 2^-70 relative (P is within
 * 7% of 1 there). This replaces two expl calls by one Horner evaluation for
 * about a tenth of all float32 inputs. Below |z| max(beta, 1) = 2^-34 two
 * terms suffice (the z^2 term is below 1.5 (beta^2 + beta) z^2 < 2^-66).
 */
#define GOLU_NC 16 /* coefficients: degree 15 */

/*
 * What depends on beta alone, cached per thread so that a sweep with a
 * non-default beta computes it once:
 *   emb     exp(-beta)
 *   cf, cb  the series coefficients of P (forward) and (n+1) c_n (backward)
 *   z_poly  2^-4 / max(beta, 1); z_lin 2^-34 / max(beta, 1)
 *   thr_f   z above this: beta*exp(-z) < 2^-66, so G rounds to 1 and
 *           alpha*x*G to alpha*x (to within one rounding of alpha*x).
 *   thr_b   z above this: beta*exp(-z)*(|z|+1) < 2^-66, so f' rounds to alpha.
 * With k = the exponent of beta (beta < 2^(k+1)): thr_f = (k+68) ln 2 gives
 * beta*exp(-z) < 2^-67. thr_b = (k+78) ln 2 gives beta*exp(-z) < 2^-77, and
 * since (z+1) exp(-z) decreases for z > 0 and z+1 < 2^10 at the threshold
 * (k <= 1023), the product stays below 2^-67. A negative threshold is
 * clamped to 0: then beta < 2^-67 and beta*exp(-z)*(z+1) <= beta for z >= 0.
 */
typedef struct golu_beta_consts {
    double beta; /* 0: not yet computed (beta is always > 0) */
    double thr_f, thr_b, z_poly, z_lin;
    long double emb;
    long double cf[GOLU_NC], cb[GOLU_NC];
} golu_beta_consts;

static _Thread_local golu_beta_consts beta_cache;

static void beta_consts_compute(golu_beta_consts *c, double beta)
{
    uint64_t bits;
    memcpy(&bits, &beta, sizeof bits);
    int k = (int)((bits >> 52) & 0x7ff) - 1023; /* subnormal: -1023, still an
                                                   upper bound */
    long double b = beta;
    double bmax = beta > 1 ? beta : 1.0;
    c->emb = beta == 1.0 ? INV_E_L : expl(-b);
    c->thr_f = fmax(0.0, (k + 68) * (double)LN2_L);
    c->thr_b = fmax(0.0, (k + 78) * (double)LN2_L);
    c->z_poly = 0x1p-4 / bmax;
    c->z_lin = 0x1p-34 / bmax;
    /* S(n, k) by rows (exact integers for n < 16), T_n(-b), c_n. */
    long double S[GOLU_NC][GOLU_NC] = {{1.0L}};
    long double fact = 1.0L;
    for (int n = 0; n < GOLU_NC; n++) {
        if (n > 0) {
            fact *= n;
            for (int j = 1; j <= n; j++)
                S[n][j] = j * S[n - 1][j] + S[n - 1][j - 1];
        }
        long double t = 0, p = 1; /* p = (-b)^j */
        for (int j = 0; j <= n; j++, p *= -b)
            t += S[n][j] * p;
        c->cf[n] = ((n & 1) ? -t : t) / fact;
        c->cb[n] = (n + 1) * c->cf[n];
    }
    c->beta = beta;
}

static inline const golu_beta_consts *beta_consts(double beta)
{
    golu_beta_consts *c = &beta_cache;
    if (beta != c->beta)
        beta_consts_compute(c, beta);
    return c;
}

static inline long double horner(const long double *c, long double z)
{
    long double p = c[GOLU_NC - 1];
    for (int n = GOLU_NC - 2; n >= 0; n--)
        p = c[n] + z * p;
    return p;
}

/*
 * Below z = -11350, exp(-z) > e^11350 and beta*exp(-z) > 2^-1074 * 2^16374:
 * G < exp(-2^15300), and |alpha * x| <= 2^1024 * 2^16384 cannot lift either
 * the value or the derivative (whose extra factor is beta*|z|*exp(-z), eaten
 * by the same exp) anywhere near 2^-16446. Both round to -0. Above it exp(-z)
 * stays finite (the long double limit is e^11356.5).
 */
#define GOLU_Z_DEAD (-11350.0)

/* f or f' from the expl formulas, for |z| >= z_poly, z in [Z_DEAD, thr]. */
static long double golu_by_exp(const golu_act *act, golu_dir dir, long double x,
                               long double z)
{
    const long double a = act->alpha, b = act->beta;
    long double e = expl(-z);
    long double be = b * e;
    long double m = dir == GOLU_DIR_FWD ? a * x : a * (1 + b * z * e);
    long double G;
    if (be > 11500) {
        /* G < e^-11500 < 2^-16591: when the factor beside G is below 2^145
         * the product is below 2^-16446 and rounds to zero. This skips
         * expl's slow underflow path (x in [-11350, -9.35]). */
        if (fabsl(m) < 0x1p145L)
            return copysignl(0.0L, m);
        G = expl(-be);
        if (G == 0) /* only with absurd alpha or beta; avoids inf*0 */
            return copysignl(0.0L, m);
    } else {
        G = expl(-be);
    }
    /* f' = alpha * G * (1 + beta*z*e): e is finite here, so no inf*0; where
     * 1 + beta*z*e cancels (z = -0.567 for beta = 1) both terms carry about
     * 2^-63, small against the scale alpha*G. */
    return m * G;
}

/*
 * The branches are decided on zd = gamma * (double)x: the thresholds have
 * slack far beyond a double rounding, and keeping the decisions out of the
 * x87 stack spares gcc's spills of long doubles through memory (each a
 * failed store forwarding), which made this the sweep's bottleneck.
 */
static inline long double ref_golu(const golu_act *act, golu_dir dir, long double x)
{
    const golu_beta_consts *c = beta_consts(act->beta);
    const double zd = act->gamma * (double)x;
    const double azd = fabs(zd);

    if (azd < c->z_poly) {
        long double z = act->gamma * x, b = act->beta, p;
        if (dir == GOLU_DIR_FWD) {
            p = azd < c->z_lin ? 1 + b * z : horner(c->cf, z);
            return act->alpha * x * (c->emb * p);
        }
        p = azd < c->z_lin ? 1 + 2 * b * z : horner(c->cb, z);
        return act->alpha * (c->emb * p);
    }
    if (dir == GOLU_DIR_FWD) {
        if (zd > c->thr_f) /* also x = +inf */
            return act->alpha * x;
    } else if (zd > c->thr_b) {
        return act->alpha;
    }
    if (zd < GOLU_Z_DEAD) /* also x = -inf */
        return -0.0L;
    return golu_by_exp(act, dir, x, act->gamma * x);
}

static long double scale_golu(const golu_act *act, long double x)
{
    const golu_beta_consts *c = beta_consts(act->beta);
    const long double z = act->gamma * x;
    if (fabsl(z) < c->z_poly)
        return act->alpha * (c->emb * horner(c->cf, z));
    if (z > c->thr_f)
        return act->alpha;
    if (z < GOLU_Z_DEAD)
        return 0.0L;
    return act->alpha * expl(-act->beta * expl(-z));
}

/* ------------------------------------------------------------------------ */
/* The ReLU family and ELU                                                   */
/* ------------------------------------------------------------------------ */

static long double ref_relu(golu_dir dir, long double x)
{
    if (dir == GOLU_DIR_FWD)
        return x > 0 ? x : 0.0L;
    return x > 0 ? 1.0L : 0.0L; /* from the left at 0 */
}

/* LeakyReLU and PReLU with slope alpha. */
static long double ref_leaky(const golu_act *act, golu_dir dir, long double x)
{
    const long double a = act->alpha;
    if (dir == GOLU_DIR_BWD)
        return x > 0 ? 1.0L : a; /* from the left at 0 */
    if (x >= 0)
        return x;
    if (a == 0 && isinf(x))
        return -a; /* the limit of a*x; a*x itself would be 0*inf */
    return a * x;
}

static long double ref_elu(const golu_act *act, golu_dir dir, long double x)
{
    const long double a = act->alpha;
    if (dir == GOLU_DIR_FWD) {
        if (x > 0)
            return x;
        /* e^x < 2^-66 below -46: expm1 rounds to -1 (also x = -inf). */
        if (x < -46)
            return -a;
        return a * ld_expm1(x);
    }
    if (x >= 0) /* -0 included: from the right at 0 */
        return 1.0L;
    /* alpha*e^x < 2^1024 * e^-12200 < 2^-16577: rounds to +0. */
    if (x < -12200)
        return 0.0L;
    return a * ld_exp(x);
}

/* ------------------------------------------------------------------------ */
/* GELU, erf form: x * Phi(x)                                                 */
/* ------------------------------------------------------------------------ */

/* Phi(x), the standard normal CDF. erfc(-x/sqrt 2) has no cancellation for
 * x < 0 (and lies in [1, 2] for x > 0). Near 0 a series avoids erfcl. */
static long double normal_cdf(long double x)
{
    if (fabsl(x) < 0x1p-7L) {
        /* Phi = 1/2 + x/sqrt(2 pi) * sum (-1)^n x^2n / (2^n n! (2n+1));
         * the first omitted term, x^8/3456, is below 2^-67 relative. */
        long double t = x * x;
        long double p = -1.0L / 336;
        p = 1.0L / 40 + t * p;
        p = -1.0L / 6 + t * p;
        p = 1.0L + t * p;
        return 0.5L + INV_SQRT_2PI_L * x * p;
    }
    return 0.5L * erfcl(-x * SQRT1_2_L);
}

static long double ref_gelu(golu_dir dir, long double x)
{
    /* x >= 10: 1 - Phi(x) and x*phi(x) are below 2^-69: GELU rounds to x,
     * GELU' to 1 (also x = +inf). */
    if (x >= 10)
        return dir == GOLU_DIR_FWD ? x : 1.0L;
    /* x < -152: |x Phi(x)| and |Phi(x) + x phi(x)| are below
     * |x| phi(x) < 152 e^-11552 < 2^-16446 (also x = -inf). */
    if (x < -152)
        return -0.0L;
    long double Phi = normal_cdf(x);
    if (dir == GOLU_DIR_FWD)
        return x * Phi;
    return Phi + x * (INV_SQRT_2PI_L * ld_exp(-0.5L * x * x));
}

/* ------------------------------------------------------------------------ */
/* GELU, tanh form: x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)        */
/* ------------------------------------------------------------------------ */

static long double gelu_tanh_u(long double x)
{
    return SQRT_2_OVER_PI_L * (x + GELU_TANH_C * (x * x * x));
}

static long double ref_gelu_tanh(golu_dir dir, long double x)
{
    /* x >= 10: 2u > 87, exp(-2u) * x * 2u' < 2^-110: rounds to x and 1. */
    if (x >= 10)
        return dir == GOLU_DIR_FWD ? x : 1.0L;
    /* x < -60: 2u < -15500, everything is below 2^-22000 (and x = -inf). */
    if (x < -60)
        return -0.0L;
    long double sneg, s = sigmoid_pair(2 * gelu_tanh_u(x), &sneg);
    if (dir == GOLU_DIR_FWD)
        return x * s;
    /* d/dx x s(2u) = s (1 + x * 2u' * s(-2u)), u' = sqrt(2/pi)(1 + 3c x^2). */
    long double du = SQRT_2_OVER_PI_L * (1 + 3 * GELU_TANH_C * (x * x));
    return s * (1 + x * 2 * du * sneg);
}

/* ------------------------------------------------------------------------ */
/* SiLU: x * sigmoid(x)                                                       */
/* ------------------------------------------------------------------------ */

static long double ref_silu(golu_dir dir, long double x)
{
    /* x >= 52: e^-x < 2^-75 and x e^-x < 2^-69: rounds to x and 1. */
    if (x >= 52)
        return dir == GOLU_DIR_FWD ? x : 1.0L;
    /* x < -11500: |x| e^x < 2^-16577 (and x = -inf). */
    if (x < -11500)
        return -0.0L;
    long double sneg, s = sigmoid_pair(x, &sneg);
    if (dir == GOLU_DIR_FWD)
        return x * s;
    return s * (1 + x * sneg); /* s + x s (1 - s) */
}

/* ------------------------------------------------------------------------ */
/* Mish: x * tanh(softplus(x))                                                */
/* ------------------------------------------------------------------------ */

/*
 * With e = exp(x): tanh(log(1+e)) = e(2+e) / (e(2+e) + 2) = T, and
 * d/dx x T = T + x * 4 e (1+e) / D^2 with D = e(2+e) + 2. For x > 0 the same
 * in n = exp(-x): T = (1+2n) / D', x-term 4 x n^2 (1+n) / D'^2 with
 * D' = 1 + 2n + 2n^2. No subtraction, no overflow.
 */
static long double mish_t(long double x, long double *dterm)
{
    if (x <= 0) {
        long double e = ld_exp(x);
        long double e2 = e * (2 + e), D = e2 + 2;
        *dterm = 4 * e * (1 + e) / (D * D);
        return e2 / D;
    }
    long double n = ld_exp(-x);
    long double N = 1 + 2 * n, D = N + 2 * n * n;
    *dterm = 4 * n * n * (1 + n) / (D * D);
    return N / D;
}

static long double ref_mish(golu_dir dir, long double x)
{
    /* x >= 26: 1 - T < 2 e^-52 and |f' - 1| < 4 x e^-52 < 2^-68. */
    if (x >= 26)
        return dir == GOLU_DIR_FWD ? x : 1.0L;
    /* x < -11500: |x| T and |f'| are about |x| e^x < 2^-16577. */
    if (x < -11500)
        return -0.0L;
    long double dterm, T = mish_t(x, &dterm);
    if (dir == GOLU_DIR_FWD)
        return x * T;
    return T + x * dterm;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                              */
/* ------------------------------------------------------------------------ */

long double golu_ref_ld(const golu_act *act, golu_dir dir, long double x)
{
    if (isnan(x))
        return x;
    switch (act->kind) {
    case GOLU_ACT_GOLU: return ref_golu(act, dir, x);
    case GOLU_ACT_RELU: return ref_relu(dir, x);
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return ref_leaky(act, dir, x);
    case GOLU_ACT_ELU: return ref_elu(act, dir, x);
    case GOLU_ACT_GELU: return ref_gelu(dir, x);
    case GOLU_ACT_GELU_TANH: return ref_gelu_tanh(dir, x);
    case GOLU_ACT_SILU: return ref_silu(dir, x);
    case GOLU_ACT_MISH: return ref_mish(dir, x);
    default: return NAN;
    }
}

/*
 * The terms that cancel in f' near its zero: alpha*G for GoLU, Phi(x) for
 * GELU, sigmoid(2u) = (1 + tanh u)/2 for the tanh form of GELU (reference.h
 * names "GELU"; both forms have the same cancellation), sigmoid(x) for SiLU,
 * tanh(softplus(x)) for Mish. The piecewise-linear ones and ELU never cancel.
 */
long double golu_ref_bwd_scale_ld(const golu_act *act, long double x)
{
    long double unused;
    if (isnan(x))
        return x;
    switch (act->kind) {
    case GOLU_ACT_GOLU: return scale_golu(act, x);
    case GOLU_ACT_GELU: return normal_cdf(x);
    case GOLU_ACT_GELU_TANH: return sigmoid_pair(2 * gelu_tanh_u(x), &unused);
    case GOLU_ACT_SILU: return sigmoid_pair(x, &unused);
    case GOLU_ACT_MISH: return x >= 26 ? 1.0L : mish_t(x, &unused);
    default: return 0.0L;
    }
}

int golu_ref_deriv_zero(const golu_act *act, double *x0)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU: {
        /* v e^v = 1/beta (Lambert's W), x0 = -v/gamma */
        long double z = 1.0L / act->beta;
        long double v = z < 2.7L ? log1pl(z) : logl(z) - logl(logl(z));
        for (int i = 0; i < 200; i++) {
            long double e = expl(v), dv = (v * e - z) / (e * (v + 1));
            v -= dv;
            if (fabsl(dv) <= 0x1p-62L * v)
                break;
        }
        *x0 = (double)(-v / act->gamma);
        return 1;
    }
    case GOLU_ACT_GELU: *x0 = -0.75179152469356446; return 1;
    case GOLU_ACT_GELU_TANH: *x0 = -0.75246142207101626; return 1;
    case GOLU_ACT_SILU: *x0 = -1.2784645427610738; return 1;
    case GOLU_ACT_MISH: *x0 = -1.1924312145154952; return 1;
    default: return 0;
    }
}
