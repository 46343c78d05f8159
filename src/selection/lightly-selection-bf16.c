/* lightly-selection-bf16.c: bfloat16 tiles with AVX512_BF16 (built with -mavx512bf16)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The kernels of lightly-selection-bf16.h. The engine calls them only when
 * CPUID reports AVX512_BF16 (lightly_selection_bf16_kernels() in
 * lightly-selection-simd.c); the error bound they serve is proved in
 * lightly-selection-coreset-seed.c.
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-bf16.h"

/* 16 floats to bfloat16 bits (to nearest, ties to even, on the bit
 * pattern; a carry out of the significand raises the exponent, up to ∞),
 * results below the smallest normal set to ±0; *x_back gets them back as
 * floats. The inputs are finite (the engine checks every row first). */
static inline __m256i
round16 (__m512 x, __m512 *x_back)
{
  __m512i b = _mm512_castps_si512 (x);
  __m512i odd = _mm512_and_si512 (_mm512_srli_epi32 (b, 16), _mm512_set1_epi32 (1));
  __m512i r = _mm512_srli_epi32 (_mm512_add_epi32 (_mm512_add_epi32 (b, _mm512_set1_epi32 (0x7fff)),
                                                   odd), 16);
  __mmask16 sub = _mm512_testn_epi32_mask (r, _mm512_set1_epi32 (0x7f80));

  r = _mm512_mask_and_epi32 (r, sub, r, _mm512_set1_epi32 (0x8000));
  *x_back = _mm512_castsi512_ps (_mm512_slli_epi32 (r, 16));
  return _mm512_cvtepi32_epi16 (r);
}

/* The canonical reduction of lightly-selection-kernels.h:
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). */
static inline double
reduce_canonical (__m512d acc)
{
  __m256d t = _mm256_add_pd (_mm512_castpd512_pd256 (acc), _mm512_extractf64x4_pd (acc, 1));
  __m128d u = _mm_add_pd (_mm256_castpd256_pd128 (t), _mm256_extractf128_pd (t, 1));

  return _mm_cvtsd_f64 (u) + _mm_cvtsd_f64 (_mm_unpackhi_pd (u, u));
}

static void
bf16_convert (const float *x, size_t dim, size_t pad, uint16_t *out, double *err2, double *norm2)
{
  __m512d e = _mm512_setzero_pd (), n = _mm512_setzero_pd ();
  size_t i;

  for (i = 0; i < dim; i += 16)
    {
      size_t left = dim - i;
      __mmask16 m = (__mmask16) (left >= 16 ? 0xffff : (1u << left) - 1);
      __m512 v = _mm512_maskz_loadu_ps (m, x + i), back;
      __m256i h = round16 (v, &back);
      __m512d lo = _mm512_cvtps_pd (_mm512_castps512_ps256 (v));
      __m512d hi = _mm512_cvtps_pd (_mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd (v), 1)));
      __m512d dlo = _mm512_sub_pd (lo, _mm512_cvtps_pd (_mm512_castps512_ps256 (back)));
      __m512d dhi = _mm512_sub_pd (hi, _mm512_cvtps_pd (_mm256_castpd_ps (
                                     _mm512_extractf64x4_pd (_mm512_castps_pd (back), 1))));

      e = _mm512_fmadd_pd (dlo, dlo, _mm512_fmadd_pd (dhi, dhi, e));
      /* Element i into lane i mod 8 in increasing i (the products are
       * exact in double, so the FMA rounds as an add would); the masked-off
       * lanes add +0, which leaves a sum of squares unchanged, as the
       * canonical sum's zero padding does. */
      n = _mm512_fmadd_pd (hi, hi, _mm512_fmadd_pd (lo, lo, n));
      /* Whole 16: the masked-off lanes loaded 0, which rounds to 0, and
       * i + 16 ≤ pad (a multiple of 32). */
      _mm256_storeu_si256 ((__m256i *) (out + i), h);
    }
  if (pad > i)
    memset (out + i, 0, (pad - i) * sizeof (uint16_t));
  *err2 = _mm512_reduce_add_pd (e);
  *norm2 = reduce_canonical (n);
}

#define HALVES(a) _mm256_add_ps (_mm512_castps512_ps256 (a), \
                                 _mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd (a), 1)))

/* The four sums of a0 … a3, in that order. */
static inline __m128
reduce4 (__m512 a0, __m512 a1, __m512 a2, __m512 a3)
{
  __m256 h = _mm256_hadd_ps (_mm256_hadd_ps (HALVES (a0), HALVES (a1)),
                             _mm256_hadd_ps (HALVES (a2), HALVES (a3)));

  return _mm_add_ps (_mm256_castps256_ps128 (h), _mm256_extractf128_ps (h, 1));
}

#define LDB(p) ((__m512bh) _mm512_loadu_si512 ((const void *) (p)))
#define DP(c, x, y) c = _mm512_dpbf16_ps (c, x, y)

/* A 4×4 tile: 8 loads for 16 VDPBF16PS per 32 elements, 16 accumulators. */
static inline void
tile4x4 (const uint16_t *const *a, const uint16_t *const *b, size_t pad, float *out,
         size_t stride)
{
  const uint16_t *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  const uint16_t *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  __m512 c00 = _mm512_setzero_ps (), c01 = c00, c02 = c00, c03 = c00;
  __m512 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00;
  __m512 c30 = c00, c31 = c00, c32 = c00, c33 = c00;
  size_t i;

  for (i = 0; i < pad; i += 32)
    {
      __m512bh x0 = LDB (a0 + i), x1 = LDB (a1 + i), x2 = LDB (a2 + i), x3 = LDB (a3 + i), y;

      y = LDB (b0 + i);
      DP (c00, x0, y); DP (c10, x1, y); DP (c20, x2, y); DP (c30, x3, y);
      y = LDB (b1 + i);
      DP (c01, x0, y); DP (c11, x1, y); DP (c21, x2, y); DP (c31, x3, y);
      y = LDB (b2 + i);
      DP (c02, x0, y); DP (c12, x1, y); DP (c22, x2, y); DP (c32, x3, y);
      y = LDB (b3 + i);
      DP (c03, x0, y); DP (c13, x1, y); DP (c23, x2, y); DP (c33, x3, y);
    }
  _mm_storeu_ps (out, reduce4 (c00, c01, c02, c03));
  _mm_storeu_ps (out + stride, reduce4 (c10, c11, c12, c13));
  _mm_storeu_ps (out + 2 * stride, reduce4 (c20, c21, c22, c23));
  _mm_storeu_ps (out + 3 * stride, reduce4 (c30, c31, c32, c33));
}

/* Whole 4×4 tiles in place; at the edges the missing rows repeat the last
 * one, into a scratch tile. */
static void
bf16_tile (const uint16_t *const *a, const uint16_t *packed, size_t na, const uint16_t *const *b,
           size_t nb, size_t pad, float *out)
{
  size_t i, t, u, v;

  (void) packed;
  for (i = 0; i < na; i += 4)
    for (t = 0; t < nb; t += 4)
      {
        const uint16_t *pa[4], *pb[4];
        float tmp[16];

        if (i + 4 <= na && t + 4 <= nb)
          {
            tile4x4 (a + i, b + t, pad, out + i * nb + t, nb);
            continue;
          }
        for (u = 0; u < 4; u++)
          {
            pa[u] = a[i + u < na ? i + u : na - 1];
            pb[u] = b[t + u < nb ? t + u : nb - 1];
          }
        tile4x4 (pa, pb, pad, tmp, 4);
        for (u = 0; i + u < na && u < 4; u++)
          for (v = 0; t + v < nb && v < 4; v++)
            out[(i + u) * nb + t + v] = tmp[u * 4 + v];
      }
}

/* Eight entries per step, as avx512_tile_bounds() (masked-off lanes give
 * +∞ to the minimum; _mm512_mask_min_pd (m, k, h, m) keeps m where h is
 * NaN), then the masks of the skip tests with the final minimum: "not
 * greater" and "not greater or equal", unordered, are true for NaN. */
static uint64_t
bf16_bounds (const float *g, const double *pn, size_t n, double c, double kappa, double abs_err,
             double *mh, double best, double *lo)
{
  __m512d vc = _mm512_set1_pd (c), vk = _mm512_set1_pd (kappa), va = _mm512_set1_pd (abs_err);
  __m512d two = _mm512_set1_pd (2.0), zero = _mm512_setzero_pd ();
  __m512d m = _mm512_set1_pd (*mh), vb = _mm512_set1_pd (best), vl[8];
  uint64_t keep = 0;
  size_t t, s;

  for (t = 0, s = 0; t < n; t += 8, s++)
    {
      __mmask8 k = (__mmask8) (n - t >= 8 ? 0xff : (1u << (n - t)) - 1);
      __m512d gd = _mm512_cvtps_pd (_mm512_castps512_ps256 (
                     _mm512_maskz_loadu_ps ((__mmask16) k, g + t)));
      __m512d S = _mm512_add_pd (vc, _mm512_maskz_loadu_pd (k, pn + t));
      __m512d e = _mm512_sub_pd (S, _mm512_mul_pd (two, gd));
      __m512d E = _mm512_add_pd (_mm512_mul_pd (vk, S), va);
      __m512d z = _mm512_sub_pd (gd, gd);
      __m512d h = _mm512_add_pd (_mm512_add_pd (_mm512_max_pd (e, zero), E), z);

      vl[s] = _mm512_add_pd (_mm512_sub_pd (e, E), z);
      _mm512_mask_storeu_pd (lo + t, k, vl[s]);
      m = _mm512_mask_min_pd (m, k, h, m);
    }
  *mh = _mm512_reduce_min_pd (m);
  m = _mm512_set1_pd (*mh);
  for (t = 0, s = 0; t < n; t += 8, s++)
    {
      __mmask8 k = (__mmask8) (n - t >= 8 ? 0xff : (1u << (n - t)) - 1);
      __mmask8 ok = _mm512_mask_cmp_pd_mask (k, vl[s], m, _CMP_NGT_UQ) &
                    _mm512_mask_cmp_pd_mask (k, vl[s], vb, _CMP_NGE_UQ);

      keep |= (uint64_t) ok << t;
    }
  return keep;
}

const LightlySelectionBf16Kernels lightly_selection_bf16_avx512 = {
  bf16_convert,
  NULL,
  bf16_tile,
  bf16_bounds,
  0,
};

#ifdef LIGHTLY_SELECTION_HAVE_AMX
const LightlySelectionBf16Kernels lightly_selection_bf16_amx = {
  bf16_convert,
  lightly_selection_amx_pack,
  lightly_selection_amx_tile,
  bf16_bounds,
  1,
};
#endif
