/* lightly-selection-avx2-inline.h: small AVX2 helpers shared by the AVX2
 * kernel files (the float32 kernels and the half-precision ones); include
 * only from files compiled with AVX2 enabled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <immintrin.h>

/* The sum of the eight lanes (the summation order is fixed, so the result
 * is the same on every call). */
static inline float
hsum_ps (__m256 v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));

  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}
