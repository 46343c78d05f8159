/* lightly-selection-avx2-inline.h: small AVX2 helpers shared by the AVX2
 * kernel files (the float32 kernels and the half-precision ones) and the
 * AVX-512 float32 kernels; include only from files compiled with AVX2
 * enabled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
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

/* d2f_multi's outputs for two rows (r, r + 1) and up to four queries, from
 * the eight sums s = (q0·r, q0·r+1, q1·r, q1·r+1, …): query k's pair goes
 * to out[k·n], out[k·n + 1], or only its first when the second row is past
 * the end (has_second false). */
static inline __attribute__ ((always_inline)) void
m2_store (__m256 s, const int NQ, int has_second, float *out, size_t n)
{
  __m128 lo = _mm256_castps256_ps128 (s), hi = _mm256_extractf128_ps (s, 1);

  if (has_second)
    {
      _mm_storel_pi ((__m64 *) out, lo);
      if (NQ > 1) _mm_storeh_pi ((__m64 *) (out + n), lo);
      if (NQ > 2) _mm_storel_pi ((__m64 *) (out + 2 * n), hi);
      if (NQ > 3) _mm_storeh_pi ((__m64 *) (out + 3 * n), hi);
    }
  else
    {
      out[0] = _mm_cvtss_f32 (lo);
      if (NQ > 1) out[n] = _mm_cvtss_f32 (_mm_movehl_ps (lo, lo));
      if (NQ > 2) out[2 * n] = _mm_cvtss_f32 (hi);
      if (NQ > 3) out[3 * n] = _mm_cvtss_f32 (_mm_movehl_ps (hi, hi));
    }
}
