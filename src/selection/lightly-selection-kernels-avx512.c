/* lightly-selection-kernels-avx512.c: AVX-512F kernel (built with -mavx512f)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One zmm accumulator holds the 8 canonical lanes of lightly-selection-kernels.h.
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-kernels.h"

static inline double
reduce (__m512d acc)
{
  __m256d t = _mm256_add_pd (_mm512_castpd512_pd256 (acc),
                             _mm512_extractf64x4_pd (acc, 1));   /* l0+l4 … l3+l7 */
  __m128d u = _mm_add_pd (_mm256_castpd256_pd128 (t),
                          _mm256_extractf128_pd (t, 1));         /* u0, u1 */

  return _mm_cvtsd_f64 (u) + _mm_cvtsd_f64 (_mm_unpackhi_pd (u, u));
}

#define CVT(p) _mm512_cvtps_pd (_mm256_loadu_ps (p))

static double
avx512_dot (const float *a, const float *b, size_t dim)
{
  __m512d acc = _mm512_setzero_pd ();
  size_t i = 0;

  for (; i + 8 <= dim; i += 8)
    acc = _mm512_fmadd_pd (CVT (a + i), CVT (b + i), acc);
  if (i < dim)
    {
      float ta[8] = { 0 }, tb[8] = { 0 };

      memcpy (ta, a + i, (dim - i) * sizeof (float));
      memcpy (tb, b + i, (dim - i) * sizeof (float));
      acc = _mm512_fmadd_pd (CVT (ta), CVT (tb), acc);
    }
  return reduce (acc);
}

static void
avx512_dot4 (const float *a, const float *const *b, size_t dim, double *out)
{
  __m512d acc0 = _mm512_setzero_pd (), acc1 = _mm512_setzero_pd ();
  __m512d acc2 = _mm512_setzero_pd (), acc3 = _mm512_setzero_pd ();
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  size_t i = 0;

  for (; i + 8 <= dim; i += 8)
    {
      __m512d x = CVT (a + i);

      acc0 = _mm512_fmadd_pd (x, CVT (b0 + i), acc0);
      acc1 = _mm512_fmadd_pd (x, CVT (b1 + i), acc1);
      acc2 = _mm512_fmadd_pd (x, CVT (b2 + i), acc2);
      acc3 = _mm512_fmadd_pd (x, CVT (b3 + i), acc3);
    }
  if (i < dim)
    {
      float ta[8] = { 0 }, tb[4][8] = { { 0 } };
      size_t n = (dim - i) * sizeof (float);
      __m512d x;

      memcpy (ta, a + i, n);
      memcpy (tb[0], b0 + i, n);
      memcpy (tb[1], b1 + i, n);
      memcpy (tb[2], b2 + i, n);
      memcpy (tb[3], b3 + i, n);
      x = CVT (ta);
      acc0 = _mm512_fmadd_pd (x, CVT (tb[0]), acc0);
      acc1 = _mm512_fmadd_pd (x, CVT (tb[1]), acc1);
      acc2 = _mm512_fmadd_pd (x, CVT (tb[2]), acc2);
      acc3 = _mm512_fmadd_pd (x, CVT (tb[3]), acc3);
    }
  out[0] = reduce (acc0);
  out[1] = reduce (acc1);
  out[2] = reduce (acc2);
  out[3] = reduce (acc3);
}

const LightlySelectionKernels lightly_selection_kernels_avx512 = {
  avx512_dot,
  avx512_dot4,
};
