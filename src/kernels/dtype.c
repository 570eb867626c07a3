/* dtype.c - element types: sizes, names, and the 16-bit conversions. */
#include <string.h>
#include <strings.h>

#include "internal.h"

size_t golu_dtype_size(golu_dtype dtype)
{
    switch (dtype) {
    case GOLU_F32: return 4;
    case GOLU_F64: return 8;
    case GOLU_BF16:
    case GOLU_F16: return 2;
    }
    return 0;
}

const char *golu_dtype_name(golu_dtype dtype)
{
    switch (dtype) {
    case GOLU_F32: return "f32";
    case GOLU_F64: return "f64";
    case GOLU_BF16: return "bf16";
    case GOLU_F16: return "f16";
    }
    return "?";
}

golu_status golu_dtype_from_name(const char *name, golu_dtype *out)
{
    static const struct { const char *name; golu_dtype dtype; } names[] = {
        {"f32", GOLU_F32},   {"float32", GOLU_F32},  {"f64", GOLU_F64},
        {"float64", GOLU_F64}, {"bf16", GOLU_BF16}, {"bfloat16", GOLU_BF16},
        {"f16", GOLU_F16},   {"float16", GOLU_F16},
    };
    if (!name || !out)
        return GOLU_ERR_NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].dtype;
            return GOLU_OK;
        }
    }
    return GOLU_ERR_NAME;
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float golu_bf16_to_f32(unsigned short h) { return f32_from_bits((uint32_t)h << 16); }

unsigned short golu_f32_to_bf16(float f)
{
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep sign and top payload, quiet */
        return (unsigned short)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest, ties to even */
    return (unsigned short)(u >> 16);
}

float golu_f16_to_f32(unsigned short h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f) /* inf, or NaN made quiet (as IEEE and vcvtph2ps do) */
        return f32_from_bits(sign | 0x7f800000u | (man << 13) | (man ? 0x400000u : 0u));
    if (exp == 0) { /* zero or subnormal: man * 2^-24, exact in float */
        float v = (float)man * 0x1p-24f;
        return sign ? -v : v;
    }
    return f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

unsigned short golu_f32_to_f16(float f)
{
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) /* NaN: quiet, keep the top payload bits */
        return (unsigned short)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u) /* >= 65520 rounds to inf (inf included) */
        return (unsigned short)(sign | 0x7c00u);
    if (a < 0x38800000u) { /* below 2^-14: subnormal half (or zero) */
        /* a * 2^24 rounded to an integer, ties to even: adding 0.5 (2^-1) as a
         * float at the right scale does the rounding in hardware. */
        float v = f32_from_bits(a) + 0.5f; /* 0.5 = 2^-1: ulp there is 2^-24 */
        return (unsigned short)(sign | (uint16_t)(f32_bits(v) - 0x3f000000u));
    }
    /* normal half: rebias the exponent, round 13 dropped bits to nearest even */
    uint32_t r = a + 0x0fffu + ((a >> 13) & 1u) - (112u << 23);
    return (unsigned short)(sign | (uint16_t)(r >> 13));
}

void golu_bf16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = golu_bf16_to_f32(src[i]);
}

void golu_f16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = golu_f16_to_f32(src[i]);
}

void golu_f32_to_bf16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = golu_f32_to_bf16(src[i]);
}

void golu_f32_to_f16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = golu_f32_to_f16(src[i]);
}
