/* isa_avx2.c - the float32 kernels for the AVX2 + FMA path (vec_avx2.h applied
 * to f32_body.h), and the 16-bit conversions with AVX2 and F16C. Compiled with
 * this ISA's flags only (see the Makefile). */
#include "vec_avx2.h"

#include "internal.h"

static void bf16_to_f32_avx2(const uint16_t *src, float *dst, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_slli_epi32(w, 16));
    }
    golu_bf16_to_f32_n(src + i, dst + i, n - i);
}

/* Round to nearest even on the bits; a NaN keeps its sign and top payload and
 * is made quiet (golu_f32_to_bf16). */
static void f32_to_bf16_avx2(const float *src, uint16_t *dst, size_t n)
{
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff),
                  inf = _mm256_set1_epi32(0x7f800000);
    const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i u = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
        __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
        __m256i r =
            _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(bias, odd)), 16);
        __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
        r = _mm256_blendv_epi8(r, q, nan);
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_castsi256_si128(packed));
    }
    golu_f32_to_bf16_n(src + i, dst + i, n - i);
}

static void f16_to_f32_avx2(const uint16_t *src, float *dst, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i,
                         _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    golu_f16_to_f32_n(src + i, dst + i, n - i);
}

static void f32_to_f16_avx2(const float *src, uint16_t *dst, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    golu_f32_to_f16_n(src + i, dst + i, n - i);
}

#define VD_ISA_ENUM     GOLU_ISA_AVX2
#define CVT_BF16_TO_F32 bf16_to_f32_avx2
#define CVT_F16_TO_F32  f16_to_f32_avx2
#define CVT_F32_TO_BF16 f32_to_bf16_avx2
#define CVT_F32_TO_F16  f32_to_f16_avx2
#include "f32_body.h"
