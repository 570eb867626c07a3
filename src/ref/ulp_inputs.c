/*
 * ulp_inputs.c - the inputs of an ulp sweep (ulp_sweep.h): float32 bit
 * patterns in order of value, float64 samples from the counter-based
 * generator (src/nn/rng.h), the 16-bit inputs.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rng.h"
#include "ulp_sweep.h"

/* ------------------------------------------------------------------------ */
/* float32: every bit pattern                                                */
/* ------------------------------------------------------------------------ */

/* Bit patterns ordered by value: -NaN... -inf ... -0, +0 ... +inf ... +NaN
 * map to consecutive keys (-0 is key -1, +0 key 0). */
static int64_t f32_key(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) - 1 : (int64_t)b;
}

/* The bit pattern of key k (f32_key's inverse). */
static uint32_t f32_bits_of_key(int64_t k)
{
    return k >= 0 ? (uint32_t)k : 0x80000000u | (uint32_t)(-(k + 1));
}

ulp_f32_space ulp_f32_space_all(void)
{
    return (ulp_f32_space){1, 0, (uint64_t)1 << 32};
}

int ulp_f32_space_of_range(double lo, double hi, ulp_f32_space *sp)
{
    float flo = (float)lo, fhi = (float)hi;
    if ((double)flo < lo)
        flo = nextafterf(flo, INFINITY);
    if ((double)fhi > hi)
        fhi = nextafterf(fhi, -INFINITY);
    if (!(flo <= fhi))
        return 0;
    int64_t klo = flo == 0 ? -1 : f32_key(flo); /* -0 lies in [0, hi] */
    int64_t khi = fhi == 0 ? 0 : f32_key(fhi);
    sp->all = 0;
    sp->key_lo = klo;
    sp->count = (uint64_t)(khi - klo + 1);
    return 1;
}

void ulp_f32_inputs(const ulp_f32_space *sp, uint64_t begin, size_t n, float *x)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t b = sp->all ? (uint32_t)(begin + i)
                             : f32_bits_of_key(sp->key_lo + (int64_t)(begin + i));
        memcpy(&x[i], &b, sizeof b);
    }
}

/* ------------------------------------------------------------------------ */
/* float64: random samples                                                   */
/* ------------------------------------------------------------------------ */

static const double f64_specials[] = {0.0,
                                      -0.0,
                                      INFINITY,
                                      -INFINITY,
                                      NAN,
                                      1.0,
                                      -1.0,
                                      0x1p-1022,
                                      -0x1p-1022,
                                      0x1p-1074,
                                      -0x1p-1074,
                                      1.7976931348623157e308,
                                      -1.7976931348623157e308,
                                      -0.5671432904097838,
                                      -6.62,
                                      0.5};
enum { N_F64_SPECIALS = sizeof f64_specials / sizeof f64_specials[0] };

/* splitmix64's first output from state z. */
static uint64_t splitmix64(uint64_t z)
{
    return nn_rng_splitmix64(z, 0);
}

double ulp_f64_sample(const ulp_sweep_opts *o, uint64_t i)
{
    uint64_t r = splitmix64(splitmix64(o->seed) ^ (i * 0xd1342543de82ef95ULL));
    uint64_t r2 = splitmix64(r);
    if (o->have_range)
        return o->lo + (o->hi - o->lo) * nn_rng_unit(r);
    if (i < N_F64_SPECIALS)
        return f64_specials[i];
    if (o->near_zero && (r2 >> 63)) {
        int e = 2 + (int)((r2 >> 32) % 61);
        double t = ldexp(1.0 + nn_rng_unit(r), -e);
        return o->zero * ((r2 >> 62) & 1 ? 1.0 + t : 1.0 - t);
    }
    switch (r2 % 10) {
    case 0:
    case 1:
    case 2:
    case 3: {
        /* log-uniform: uniform sign, exponent field in [0, 2046] (subnormals
         * included), uniform significand */
        uint64_t bits = (r & 0x800fffffffffffffULL) | ((r2 >> 8) % 2047) << 52;
        double v;
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    case 4:
    case 5:
    case 6: return -6.62 + 5.62 * nn_rng_unit(r); /* the hard region [-6.62, -1] */
    default: return -40 + 80 * nn_rng_unit(r);
    }
}

/* ------------------------------------------------------------------------ */
/* bfloat16 and float16: all 65536 inputs                                    */
/* ------------------------------------------------------------------------ */

float ulp_half_value(golu_dtype dtype, uint16_t h)
{
    if (dtype == GOLU_BF16) {
        uint32_t b = (uint32_t)h << 16;
        float f;
        memcpy(&f, &b, sizeof f);
        return f;
    }
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0x1f ? (m ? NAN : INFINITY)
              : e == 0  ? ldexpf((float)m, -24)
                        : ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

size_t ulp_half_inputs(const ulp_sweep_opts *o, uint16_t *x, uint16_t *ones)
{
    size_t n = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float v = ulp_half_value(o->dtype, (uint16_t)h);
        if (o->have_range && !(v >= o->lo && v <= o->hi))
            continue;
        x[n] = (uint16_t)h;
        ones[n++] = o->dtype == GOLU_BF16 ? 0x3f80 : 0x3c00;
    }
    return n;
}
