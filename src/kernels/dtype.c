/* dtype.c - element types: sizes, names, and the 16-bit conversions
 * (the recipes are in convert16.h, shared with the GPU). */
#include <string.h>
#include <strings.h>

#include "convert16.h"
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
    static const struct {
        const char *name;
        golu_dtype dtype;
    } names[] = {
        {"f32", GOLU_F32},     {"float32", GOLU_F32}, {"f64", GOLU_F64},
        {"float64", GOLU_F64}, {"bf16", GOLU_BF16},   {"bfloat16", GOLU_BF16},
        {"f16", GOLU_F16},     {"float16", GOLU_F16},
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

float golu_bf16_to_f32(unsigned short h)
{
    return golu_cvt_bf16_to_f32(h);
}
unsigned short golu_f32_to_bf16(float f)
{
    return golu_cvt_f32_to_bf16(f);
}
float golu_f16_to_f32(unsigned short h)
{
    return golu_cvt_f16_to_f32(h);
}
unsigned short golu_f32_to_f16(float f)
{
    return golu_cvt_f32_to_f16(f);
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
