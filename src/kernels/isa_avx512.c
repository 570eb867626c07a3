/* isa_avx512.c - the float32 kernels for the AVX-512 path (vec_avx512.h
 * applied to f32_body.h), and the 16-bit conversions, sixteen at a time.
 * Compiled with this ISA's flags only (see the Makefile). */
#include "vec_avx512.h"

#include "internal.h"

static void bf16_to_f32_avx512(const uint16_t *src, float *dst, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(src + i)));
        _mm512_storeu_si512(dst + i, _mm512_slli_epi32(w, 16));
    }
    golu_bf16_to_f32_n(src + i, dst + i, n - i);
}

/* Round to nearest even on the bits; a NaN keeps its sign and top payload and
 * is made quiet (golu_f32_to_bf16). */
static void f32_to_bf16_avx512(const float *src, uint16_t *dst, size_t n)
{
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff),
                  inf = _mm512_set1_epi32(0x7f800000);
    const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i u = _mm512_loadu_si512(src + i);
        __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
        __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
        __m512i r =
            _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(bias, odd)), 16);
        __m512i q = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
        r = _mm512_mask_blend_epi32(nan, r, q);
        _mm256_storeu_si256((__m256i *)(dst + i), _mm512_cvtepi32_epi16(r));
    }
    golu_f32_to_bf16_n(src + i, dst + i, n - i);
}

static void f16_to_f32_avx512(const uint16_t *src, float *dst, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i,
                         _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
    golu_f16_to_f32_n(src + i, dst + i, n - i);
}

static void f32_to_f16_avx512(const float *src, uint16_t *dst, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256(
            (__m256i *)(dst + i),
            _mm512_cvtps_ph(_mm512_loadu_ps(src + i),
                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    golu_f32_to_f16_n(src + i, dst + i, n - i);
}

#define VD_ISA_ENUM     GOLU_ISA_AVX512
#define CVT_BF16_TO_F32 bf16_to_f32_avx512
#define CVT_F16_TO_F32  f16_to_f32_avx512
#define CVT_F32_TO_BF16 f32_to_bf16_avx512
#define CVT_F32_TO_F16  f32_to_f16_avx512
#include "f32_body.h"
