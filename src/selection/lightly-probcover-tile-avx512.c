/* lightly-probcover-tile-avx512.c: PROBCOVER's float32 double tile with AVX-512F
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two adjacent panels at once (6 × 32): 12 accumulators of 16 floats, two
 * panel loads and six broadcasts per dimension, so that the FMA units, not
 * the loads, bound it (the contract is in lightly-probcover-tile.h). No
 * GLib here.
 */
#include <immintrin.h>

#include "lightly-probcover-tile.h"

void
lightly_pc_tile2_avx512 (const float *const *q, const float *panel, size_t dim,
                         const float *qthr, const float *tthr, float *out, uint32_t *mask)
{
  const float *q0 = q[0], *q1 = q[1], *q2 = q[2], *q3 = q[3], *q4 = q[4], *q5 = q[5];
  const float *p0 = panel, *p1 = panel + LIGHTLY_PC_TILE_COLS * dim;
  __m512 c00 = _mm512_setzero_ps (), c01 = _mm512_setzero_ps ();
  __m512 c10 = _mm512_setzero_ps (), c11 = _mm512_setzero_ps ();
  __m512 c20 = _mm512_setzero_ps (), c21 = _mm512_setzero_ps ();
  __m512 c30 = _mm512_setzero_ps (), c31 = _mm512_setzero_ps ();
  __m512 c40 = _mm512_setzero_ps (), c41 = _mm512_setzero_ps ();
  __m512 c50 = _mm512_setzero_ps (), c51 = _mm512_setzero_ps ();
  __m512 t0, t1, acc[12];
  size_t d;
  int r;

  for (d = 0; d < dim; d++)
    {
      __m512 b0 = _mm512_loadu_ps (p0 + d * 16), b1 = _mm512_loadu_ps (p1 + d * 16);
      __m512 a;

      a = _mm512_set1_ps (q0[d]);
      c00 = _mm512_fmadd_ps (a, b0, c00);
      c01 = _mm512_fmadd_ps (a, b1, c01);
      a = _mm512_set1_ps (q1[d]);
      c10 = _mm512_fmadd_ps (a, b0, c10);
      c11 = _mm512_fmadd_ps (a, b1, c11);
      a = _mm512_set1_ps (q2[d]);
      c20 = _mm512_fmadd_ps (a, b0, c20);
      c21 = _mm512_fmadd_ps (a, b1, c21);
      a = _mm512_set1_ps (q3[d]);
      c30 = _mm512_fmadd_ps (a, b0, c30);
      c31 = _mm512_fmadd_ps (a, b1, c31);
      a = _mm512_set1_ps (q4[d]);
      c40 = _mm512_fmadd_ps (a, b0, c40);
      c41 = _mm512_fmadd_ps (a, b1, c41);
      a = _mm512_set1_ps (q5[d]);
      c50 = _mm512_fmadd_ps (a, b0, c50);
      c51 = _mm512_fmadd_ps (a, b1, c51);
    }
  acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21;
  acc[6] = c30; acc[7] = c31; acc[8] = c40; acc[9] = c41; acc[10] = c50; acc[11] = c51;
  t0 = _mm512_loadu_ps (tthr);
  t1 = _mm512_loadu_ps (tthr + 16);
  for (r = 0; r < 6; r++)
    {
      __m512 th = _mm512_set1_ps (qthr[r]);

      _mm512_storeu_ps (out + r * 16, acc[2 * r]);
      _mm512_storeu_ps (out + 96 + r * 16, acc[2 * r + 1]);
      mask[r] = _mm512_cmp_ps_mask (acc[2 * r], _mm512_add_ps (th, t0), _CMP_GT_OQ);
      mask[6 + r] = _mm512_cmp_ps_mask (acc[2 * r + 1], _mm512_add_ps (th, t1), _CMP_GT_OQ);
    }
}
