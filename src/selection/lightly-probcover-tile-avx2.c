/* lightly-probcover-tile-avx2.c: PROBCOVER's float32 tile with AVX2 + FMA
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 6 × 16 accumulators in 12 registers, two panel loads and six broadcasts
 * per dimension (the contract is in lightly-probcover-tile.h). No GLib here.
 */
#include <immintrin.h>

#include "lightly-probcover-tile.h"

void
lightly_pc_tile_avx2 (const float *const *q, const float *panel, size_t dim,
                      const float *qthr, const float *tthr, float *out, uint32_t *mask)
{
  const float *q0 = q[0], *q1 = q[1], *q2 = q[2], *q3 = q[3], *q4 = q[4], *q5 = q[5];
  __m256 c00 = _mm256_setzero_ps (), c01 = _mm256_setzero_ps ();
  __m256 c10 = _mm256_setzero_ps (), c11 = _mm256_setzero_ps ();
  __m256 c20 = _mm256_setzero_ps (), c21 = _mm256_setzero_ps ();
  __m256 c30 = _mm256_setzero_ps (), c31 = _mm256_setzero_ps ();
  __m256 c40 = _mm256_setzero_ps (), c41 = _mm256_setzero_ps ();
  __m256 c50 = _mm256_setzero_ps (), c51 = _mm256_setzero_ps ();
  __m256 t0, t1, acc[12];
  size_t d;
  int r;

  for (d = 0; d < dim; d++)
    {
      __m256 b0 = _mm256_loadu_ps (panel + d * 16), b1 = _mm256_loadu_ps (panel + d * 16 + 8);
      __m256 a;

      a = _mm256_broadcast_ss (q0 + d);
      c00 = _mm256_fmadd_ps (a, b0, c00);
      c01 = _mm256_fmadd_ps (a, b1, c01);
      a = _mm256_broadcast_ss (q1 + d);
      c10 = _mm256_fmadd_ps (a, b0, c10);
      c11 = _mm256_fmadd_ps (a, b1, c11);
      a = _mm256_broadcast_ss (q2 + d);
      c20 = _mm256_fmadd_ps (a, b0, c20);
      c21 = _mm256_fmadd_ps (a, b1, c21);
      a = _mm256_broadcast_ss (q3 + d);
      c30 = _mm256_fmadd_ps (a, b0, c30);
      c31 = _mm256_fmadd_ps (a, b1, c31);
      a = _mm256_broadcast_ss (q4 + d);
      c40 = _mm256_fmadd_ps (a, b0, c40);
      c41 = _mm256_fmadd_ps (a, b1, c41);
      a = _mm256_broadcast_ss (q5 + d);
      c50 = _mm256_fmadd_ps (a, b0, c50);
      c51 = _mm256_fmadd_ps (a, b1, c51);
    }
  acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21;
  acc[6] = c30; acc[7] = c31; acc[8] = c40; acc[9] = c41; acc[10] = c50; acc[11] = c51;
  t0 = _mm256_loadu_ps (tthr);
  t1 = _mm256_loadu_ps (tthr + 8);
  for (r = 0; r < 6; r++)
    {
      __m256 th = _mm256_set1_ps (qthr[r]);
      __m256 lo = acc[2 * r], hi = acc[2 * r + 1];
      unsigned m0 = (unsigned) _mm256_movemask_ps (_mm256_cmp_ps (lo, _mm256_add_ps (th, t0), _CMP_GT_OQ));
      unsigned m1 = (unsigned) _mm256_movemask_ps (_mm256_cmp_ps (hi, _mm256_add_ps (th, t1), _CMP_GT_OQ));

      _mm256_storeu_ps (out + r * 16, lo);
      _mm256_storeu_ps (out + r * 16 + 8, hi);
      mask[r] = m0 | (m1 << 8);
    }
}
