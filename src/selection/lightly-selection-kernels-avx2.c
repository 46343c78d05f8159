/* lightly-selection-kernels-avx2.c: AVX2+FMA kernel (built with -mavx2 -mfma)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Lanes 0–3 live in one ymm accumulator and lanes 4–7 in a second one, so the
 * order is the canonical one of lightly-selection-kernels.h.
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-avx2-inline.h"

#include "lightly-selection-kernels.h"

static inline double
reduce (__m256d lo, __m256d hi)
{
  __m256d t = _mm256_add_pd (lo, hi);                     /* l0+l4 … l3+l7 */
  __m128d u = _mm_add_pd (_mm256_castpd256_pd128 (t),
                          _mm256_extractf128_pd (t, 1));  /* u0, u1 */

  return _mm_cvtsd_f64 (u) + _mm_cvtsd_f64 (_mm_unpackhi_pd (u, u));
}

#define LO(p) _mm256_cvtps_pd (_mm_loadu_ps (p))
#define HI(p) _mm256_cvtps_pd (_mm_loadu_ps ((p) + 4))

static double
avx2_dot (const float *a, const float *b, size_t dim)
{
  __m256d lo = _mm256_setzero_pd (), hi = _mm256_setzero_pd ();
  size_t i = 0;

  for (; i + 8 <= dim; i += 8)
    {
      lo = _mm256_fmadd_pd (LO (a + i), LO (b + i), lo);
      hi = _mm256_fmadd_pd (HI (a + i), HI (b + i), hi);
    }
  if (i < dim)
    {
      float ta[8] = { 0 }, tb[8] = { 0 };

      memcpy (ta, a + i, (dim - i) * sizeof (float));
      memcpy (tb, b + i, (dim - i) * sizeof (float));
      lo = _mm256_fmadd_pd (LO (ta), LO (tb), lo);
      hi = _mm256_fmadd_pd (HI (ta), HI (tb), hi);
    }
  return reduce (lo, hi);
}

static void
avx2_dot4 (const float *a, const float *const *b, size_t dim, double *out)
{
  __m256d lo0 = _mm256_setzero_pd (), hi0 = _mm256_setzero_pd ();
  __m256d lo1 = _mm256_setzero_pd (), hi1 = _mm256_setzero_pd ();
  __m256d lo2 = _mm256_setzero_pd (), hi2 = _mm256_setzero_pd ();
  __m256d lo3 = _mm256_setzero_pd (), hi3 = _mm256_setzero_pd ();
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  size_t i = 0;

  for (; i + 8 <= dim; i += 8)
    {
      __m256d al = LO (a + i), ah = HI (a + i);

      lo0 = _mm256_fmadd_pd (al, LO (b0 + i), lo0);
      hi0 = _mm256_fmadd_pd (ah, HI (b0 + i), hi0);
      lo1 = _mm256_fmadd_pd (al, LO (b1 + i), lo1);
      hi1 = _mm256_fmadd_pd (ah, HI (b1 + i), hi1);
      lo2 = _mm256_fmadd_pd (al, LO (b2 + i), lo2);
      hi2 = _mm256_fmadd_pd (ah, HI (b2 + i), hi2);
      lo3 = _mm256_fmadd_pd (al, LO (b3 + i), lo3);
      hi3 = _mm256_fmadd_pd (ah, HI (b3 + i), hi3);
    }
  if (i < dim)
    {
      float ta[8] = { 0 }, tb[4][8] = { { 0 } };
      size_t n = (dim - i) * sizeof (float);
      __m256d al, ah;

      memcpy (ta, a + i, n);
      memcpy (tb[0], b0 + i, n);
      memcpy (tb[1], b1 + i, n);
      memcpy (tb[2], b2 + i, n);
      memcpy (tb[3], b3 + i, n);
      al = LO (ta);
      ah = HI (ta);
      lo0 = _mm256_fmadd_pd (al, LO (tb[0]), lo0);
      hi0 = _mm256_fmadd_pd (ah, HI (tb[0]), hi0);
      lo1 = _mm256_fmadd_pd (al, LO (tb[1]), lo1);
      hi1 = _mm256_fmadd_pd (ah, HI (tb[1]), hi1);
      lo2 = _mm256_fmadd_pd (al, LO (tb[2]), lo2);
      hi2 = _mm256_fmadd_pd (ah, HI (tb[2]), hi2);
      lo3 = _mm256_fmadd_pd (al, LO (tb[3]), lo3);
      hi3 = _mm256_fmadd_pd (ah, HI (tb[3]), hi3);
    }
  out[0] = reduce (lo0, hi0);
  out[1] = reduce (lo1, hi1);
  out[2] = reduce (lo2, hi2);
  out[3] = reduce (lo3, hi3);
}

/* Rows in groups of 4 (8 ymm accumulators), then one by one. */
static void
avx2_dot_qf (const double *q, const float *const *rows, size_t n, size_t dim, double *out)
{
  size_t r = 0, i, full = dim & ~(size_t) 7, rem = dim - full;

  for (; r + 4 <= n; r += 4)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      __m256d lo0 = _mm256_setzero_pd (), hi0 = _mm256_setzero_pd ();
      __m256d lo1 = _mm256_setzero_pd (), hi1 = _mm256_setzero_pd ();
      __m256d lo2 = _mm256_setzero_pd (), hi2 = _mm256_setzero_pd ();
      __m256d lo3 = _mm256_setzero_pd (), hi3 = _mm256_setzero_pd ();

      for (i = 0; i < full; i += 8)
        {
          __m256d ql = _mm256_loadu_pd (q + i), qh = _mm256_loadu_pd (q + i + 4);

          lo0 = _mm256_fmadd_pd (ql, LO (b0 + i), lo0);
          hi0 = _mm256_fmadd_pd (qh, HI (b0 + i), hi0);
          lo1 = _mm256_fmadd_pd (ql, LO (b1 + i), lo1);
          hi1 = _mm256_fmadd_pd (qh, HI (b1 + i), hi1);
          lo2 = _mm256_fmadd_pd (ql, LO (b2 + i), lo2);
          hi2 = _mm256_fmadd_pd (qh, HI (b2 + i), hi2);
          lo3 = _mm256_fmadd_pd (ql, LO (b3 + i), lo3);
          hi3 = _mm256_fmadd_pd (qh, HI (b3 + i), hi3);
        }
      if (rem)
        {
          float tb[4][8] = { { 0 } };
          __m256d ql = _mm256_loadu_pd (q + full), qh = _mm256_loadu_pd (q + full + 4);

          memcpy (tb[0], b0 + full, rem * sizeof (float));
          memcpy (tb[1], b1 + full, rem * sizeof (float));
          memcpy (tb[2], b2 + full, rem * sizeof (float));
          memcpy (tb[3], b3 + full, rem * sizeof (float));
          lo0 = _mm256_fmadd_pd (ql, LO (tb[0]), lo0);
          hi0 = _mm256_fmadd_pd (qh, HI (tb[0]), hi0);
          lo1 = _mm256_fmadd_pd (ql, LO (tb[1]), lo1);
          hi1 = _mm256_fmadd_pd (qh, HI (tb[1]), hi1);
          lo2 = _mm256_fmadd_pd (ql, LO (tb[2]), lo2);
          hi2 = _mm256_fmadd_pd (qh, HI (tb[2]), hi2);
          lo3 = _mm256_fmadd_pd (ql, LO (tb[3]), lo3);
          hi3 = _mm256_fmadd_pd (qh, HI (tb[3]), hi3);
        }
      out[r] = reduce (lo0, hi0);
      out[r + 1] = reduce (lo1, hi1);
      out[r + 2] = reduce (lo2, hi2);
      out[r + 3] = reduce (lo3, hi3);
    }
  for (; r < n; r++)
    {
      const float *b = rows[r];
      __m256d lo = _mm256_setzero_pd (), hi = _mm256_setzero_pd ();

      for (i = 0; i < full; i += 8)
        {
          lo = _mm256_fmadd_pd (_mm256_loadu_pd (q + i), LO (b + i), lo);
          hi = _mm256_fmadd_pd (_mm256_loadu_pd (q + i + 4), HI (b + i), hi);
        }
      if (rem)
        {
          float tb[8] = { 0 };

          memcpy (tb, b + full, rem * sizeof (float));
          lo = _mm256_fmadd_pd (_mm256_loadu_pd (q + full), LO (tb), lo);
          hi = _mm256_fmadd_pd (_mm256_loadu_pd (q + full + 4), HI (tb), hi);
        }
      out[r] = reduce (lo, hi);
    }
}

/* Two rows at a time: 8 accumulators, the converted rows and q fit the 16
 * ymm registers without spills. */
#define FUSED_STEP(qp, b0p, b1p)                                              \
  do {                                                                        \
    __m256d ql = _mm256_loadu_pd (qp), qh = _mm256_loadu_pd ((qp) + 4);       \
    __m256d x0l = LO (b0p), x0h = HI (b0p), x1l = LO (b1p), x1h = HI (b1p);   \
    d0l = _mm256_fmadd_pd (ql, x0l, d0l);                                     \
    d0h = _mm256_fmadd_pd (qh, x0h, d0h);                                     \
    n0l = _mm256_fmadd_pd (x0l, x0l, n0l);                                    \
    n0h = _mm256_fmadd_pd (x0h, x0h, n0h);                                    \
    d1l = _mm256_fmadd_pd (ql, x1l, d1l);                                     \
    d1h = _mm256_fmadd_pd (qh, x1h, d1h);                                     \
    n1l = _mm256_fmadd_pd (x1l, x1l, n1l);                                    \
    n1h = _mm256_fmadd_pd (x1h, x1h, n1h);                                    \
  } while (0)

static void
avx2_dot_qf_norm (const double *q, const float *const *rows, size_t n, size_t dim,
                  double *out, double *norms)
{
  size_t r = 0, i, full = dim & ~(size_t) 7, rem = dim - full;

  for (; r < n; r += 2)
    {
      const float *b0 = rows[r], *b1 = r + 1 < n ? rows[r + 1] : rows[r];
      __m256d d0l = _mm256_setzero_pd (), d0h = _mm256_setzero_pd ();
      __m256d n0l = _mm256_setzero_pd (), n0h = _mm256_setzero_pd ();
      __m256d d1l = _mm256_setzero_pd (), d1h = _mm256_setzero_pd ();
      __m256d n1l = _mm256_setzero_pd (), n1h = _mm256_setzero_pd ();

      for (i = 0; i < full; i += 8)
        FUSED_STEP (q + i, b0 + i, b1 + i);
      if (rem)
        {
          float tb[2][8] = { { 0 } };

          memcpy (tb[0], b0 + full, rem * sizeof (float));
          memcpy (tb[1], b1 + full, rem * sizeof (float));
          FUSED_STEP (q + full, tb[0], tb[1]);
        }
      out[r] = reduce (d0l, d0h);
      norms[r] = reduce (n0l, n0h);
      if (r + 1 < n)
        {
          out[r + 1] = reduce (d1l, d1h);
          norms[r + 1] = reduce (n1l, n1h);
        }
    }
}

#define D2F_STEP(acc, b, qv, ld)                                              \
  do {                                                                        \
    __m256 t_ = _mm256_sub_ps (qv, ld (b));                                   \
    acc = _mm256_fmadd_ps (t_, t_, acc);                                      \
  } while (0)
#define LDU(p) _mm256_loadu_ps (p)
#define LDM(p) _mm256_maskload_ps ((p), mask)

/* Four rows at a time (four independent FMA chains: enough, as a row of
 * the matrix comes from memory far slower than the chains retire); the
 * tail through masked loads, which read nothing past the row. */
static void
avx2_d2f (const float *q, const float *const *rows, size_t n, size_t dim, float *out)
{
  size_t r = 0, i, full = dim & ~(size_t) 7, rem = dim - full;
  __m256i mask = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) rem),
                                     _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));

  for (; r + 4 <= n; r += 4)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      __m256 a0 = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
      __m256 a2 = _mm256_setzero_ps (), a3 = _mm256_setzero_ps ();

      for (i = 0; i < full; i += 8)
        {
          __m256 qv = _mm256_loadu_ps (q + i);

          D2F_STEP (a0, b0 + i, qv, LDU);
          D2F_STEP (a1, b1 + i, qv, LDU);
          D2F_STEP (a2, b2 + i, qv, LDU);
          D2F_STEP (a3, b3 + i, qv, LDU);
        }
      if (rem)
        {
          __m256 qv = _mm256_maskload_ps (q + full, mask);

          D2F_STEP (a0, b0 + full, qv, LDM);
          D2F_STEP (a1, b1 + full, qv, LDM);
          D2F_STEP (a2, b2 + full, qv, LDM);
          D2F_STEP (a3, b3 + full, qv, LDM);
        }
      out[r] = hsum_ps (a0);
      out[r + 1] = hsum_ps (a1);
      out[r + 2] = hsum_ps (a2);
      out[r + 3] = hsum_ps (a3);
    }
  /* Fewer than four rows: four chains along the row, or one row would wait
   * on the FMA latency at every step. */
  for (; r < n; r++)
    {
      const float *b = rows[r];
      __m256 a = _mm256_setzero_ps (), a1 = _mm256_setzero_ps ();
      __m256 a2 = _mm256_setzero_ps (), a3 = _mm256_setzero_ps ();

      for (i = 0; i + 32 <= full; i += 32)
        {
          D2F_STEP (a, b + i, _mm256_loadu_ps (q + i), LDU);
          D2F_STEP (a1, b + i + 8, _mm256_loadu_ps (q + i + 8), LDU);
          D2F_STEP (a2, b + i + 16, _mm256_loadu_ps (q + i + 16), LDU);
          D2F_STEP (a3, b + i + 24, _mm256_loadu_ps (q + i + 24), LDU);
        }
      a = _mm256_add_ps (_mm256_add_ps (a, a1), _mm256_add_ps (a2, a3));
      for (; i < full; i += 8)
        D2F_STEP (a, b + i, _mm256_loadu_ps (q + i), LDU);
      if (rem)
        D2F_STEP (a, b + full, _mm256_maskload_ps (q + full, mask), LDM);
      out[r] = hsum_ps (a);
    }
}

/* Eight sums of 8 lanes each into one vector (lane i: the sum of a_i), by a
 * horizontal-add tree (any order is fine for d2f). */
static inline __m256
reduce8_ps (__m256 a0, __m256 a1, __m256 a2, __m256 a3,
            __m256 a4, __m256 a5, __m256 a6, __m256 a7)
{
  __m256 h0 = _mm256_hadd_ps (_mm256_hadd_ps (a0, a1), _mm256_hadd_ps (a2, a3));
  __m256 h1 = _mm256_hadd_ps (_mm256_hadd_ps (a4, a5), _mm256_hadd_ps (a6, a7));

  return _mm256_add_ps (_mm256_permute2f128_ps (h0, h1, 0x20),
                        _mm256_permute2f128_ps (h0, h1, 0x31));
}

/* d2f_multi: two rows against up to four queries per step, eight
 * independent chains. Per eight elements it loads 2 + NQ vectors for 2·NQ
 * subtractions and multiply-adds, where d2f loads 1 + 4 for 4 (and two per
 * pair on the short chunks of long rows the update pass hands it), so the
 * guesses of a pass are bound by the arithmetic ports, not by the loads.
 * The eight chains end in one horizontal-add tree (reduce8_ps(), then
 * m2_store()), not in a reduction each: at dim 128 those reductions were
 * a sixth of the kernel's operations (on a Zen 5 with this path, 3–6 % of
 * a whole CORESET run over iid 1M × 128 and 2–12 % over Fashion-MNIST:
 * bench/README.md, "Zen 5, session 12").
 * NQ is a constant after inlining: the unused chains compile away. */
#define M2_Q(ld, o, qk, a0, a1)                                               \
  do {                                                                        \
    __m256 qv_ = ld (qk + (o)), t0_ = _mm256_sub_ps (qv_, r0_);               \
    __m256 t1_ = _mm256_sub_ps (qv_, r1_);                                    \
    a0 = _mm256_fmadd_ps (t0_, t0_, a0);                                      \
    a1 = _mm256_fmadd_ps (t1_, t1_, a1);                                      \
  } while (0)
#define M2_STEP(ld, o)                                                        \
  do {                                                                        \
    __m256 r0_ = ld (b0 + (o)), r1_ = ld (b1 + (o));                          \
    M2_Q (ld, o, q0, a00, a01);                                               \
    if (NQ > 1) M2_Q (ld, o, q1, a10, a11);                                   \
    if (NQ > 2) M2_Q (ld, o, q2, a20, a21);                                   \
    if (NQ > 3) M2_Q (ld, o, q3, a30, a31);                                   \
  } while (0)

static inline __attribute__ ((always_inline)) void
d2f_multi_group (const float *const *qs, const int NQ, const float *const *rows, size_t n,
                 size_t dim, float *out)
{
  size_t r, i, full = dim & ~(size_t) 7, rem = dim - full;
  __m256i mask = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) rem),
                                     _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
  const float *q0 = qs[0], *q1 = qs[NQ > 1 ? 1 : 0];
  const float *q2 = qs[NQ > 2 ? 2 : 0], *q3 = qs[NQ > 3 ? 3 : 0];

  for (r = 0; r < n; r += 2)
    {
      /* An odd last row is computed twice and stored once. */
      const float *b0 = rows[r], *b1 = rows[r + 1 < n ? r + 1 : r];
      __m256 a00 = _mm256_setzero_ps (), a01 = _mm256_setzero_ps ();
      __m256 a10 = _mm256_setzero_ps (), a11 = _mm256_setzero_ps ();
      __m256 a20 = _mm256_setzero_ps (), a21 = _mm256_setzero_ps ();
      __m256 a30 = _mm256_setzero_ps (), a31 = _mm256_setzero_ps ();

      for (i = 0; i < full; i += 8)
        M2_STEP (LDU, i);
      if (rem)
        M2_STEP (LDM, full);
      m2_store (reduce8_ps (a00, a01, a10, a11, a20, a21, a30, a31), NQ, r + 1 < n, out + r, n);
    }
}

/* The queries in groups of four (then the three, two or one left). */
static void
avx2_d2f_multi (const float *const *qs, size_t nq, const float *const *rows, size_t n,
                size_t dim, float *out)
{
  size_t k;

  for (k = 0; k < nq; k += 4)
    switch (MIN_SZ (nq - k, 4))
      {
      case 4: d2f_multi_group (qs + k, 4, rows, n, dim, out + k * n); break;
      case 3: d2f_multi_group (qs + k, 3, rows, n, dim, out + k * n); break;
      case 2: d2f_multi_group (qs + k, 2, rows, n, dim, out + k * n); break;
      default: d2f_multi_group (qs + k, 1, rows, n, dim, out + k * n); break;
      }
}

/* The four sums of a0 … a3, in that order. */
static inline __m128
reduce4_ps (__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
  __m256 h = _mm256_hadd_ps (_mm256_hadd_ps (a0, a1), _mm256_hadd_ps (a2, a3));

  return _mm_add_ps (_mm256_castps256_ps128 (h), _mm256_extractf128_ps (h, 1));
}

#define TILE_STEP(ld, o)                                                      \
  do {                                                                        \
    __m256 x0 = ld (a0 + (o)), x1 = ld (a1 + (o)), y;                         \
    y = ld (b0 + (o));                                                        \
    c00 = _mm256_fmadd_ps (x0, y, c00); c10 = _mm256_fmadd_ps (x1, y, c10);   \
    y = ld (b1 + (o));                                                        \
    c01 = _mm256_fmadd_ps (x0, y, c01); c11 = _mm256_fmadd_ps (x1, y, c11);   \
    y = ld (b2 + (o));                                                        \
    c02 = _mm256_fmadd_ps (x0, y, c02); c12 = _mm256_fmadd_ps (x1, y, c12);   \
    y = ld (b3 + (o));                                                        \
    c03 = _mm256_fmadd_ps (x0, y, c03); c13 = _mm256_fmadd_ps (x1, y, c13);   \
  } while (0)
#define TLD(p) _mm256_loadu_ps (p)
#define TLDM(p) _mm256_maskload_ps ((p), m)

/* A 2×4 tile: 6 loads for 8 FMAs per 8 floats, 8 accumulators (of 16
 * registers); the tail through masked loads. out rows are `stride` apart. */
static inline void
tile2x4 (const float *const *a, const float *const *b, size_t dim, float *out, size_t stride)
{
  const float *a0 = a[0], *a1 = a[1];
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  __m256 c00 = _mm256_setzero_ps (), c01 = _mm256_setzero_ps ();
  __m256 c02 = _mm256_setzero_ps (), c03 = _mm256_setzero_ps ();
  __m256 c10 = _mm256_setzero_ps (), c11 = _mm256_setzero_ps ();
  __m256 c12 = _mm256_setzero_ps (), c13 = _mm256_setzero_ps ();
  size_t i, full = dim & ~(size_t) 7, rem = dim - full;
  __m256i m = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) rem),
                                  _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));

  for (i = 0; i < full; i += 8)
    TILE_STEP (TLD, i);
  if (rem)
    TILE_STEP (TLDM, full);
  _mm_storeu_ps (out, reduce4_ps (c00, c01, c02, c03));
  _mm_storeu_ps (out + stride, reduce4_ps (c10, c11, c12, c13));
}

/* Whole 2×4 tiles in place; at the edges the missing rows repeat the last
 * one, into a scratch tile. */
static void
avx2_dotf_tile (const float *const *a, size_t na, const float *const *b, size_t nb,
                size_t dim, float *out)
{
  size_t i, t, u, v;

  for (i = 0; i < na; i += 2)
    for (t = 0; t < nb; t += 4)
      {
        const float *pa[2], *pb[4];
        float tmp[8];

        if (i + 2 <= na && t + 4 <= nb)
          {
            tile2x4 (a + i, b + t, dim, out + i * nb + t, nb);
            continue;
          }
        for (u = 0; u < 2; u++)
          pa[u] = a[MIN_SZ (i + u, na - 1)];
        for (u = 0; u < 4; u++)
          pb[u] = b[MIN_SZ (t + u, nb - 1)];
        tile2x4 (pa, pb, dim, tmp, 4);
        for (u = 0; i + u < na && u < 2; u++)
          for (v = 0; t + v < nb && v < 4; v++)
            out[(i + u) * nb + t + v] = tmp[u * 4 + v];
      }
}

/* Four entries per step, then one by one. _mm256_min_pd (h, m) returns m
 * when h is NaN. */
static double
avx2_tile_bounds (const float *g, const double *pn, size_t n, double c, double kappa,
                  double abs_err, double mh, double *lo)
{
  __m256d vc = _mm256_set1_pd (c), vk = _mm256_set1_pd (kappa), va = _mm256_set1_pd (abs_err);
  __m256d two = _mm256_set1_pd (2.0), zero = _mm256_setzero_pd ();
  __m256d m = _mm256_set1_pd (mh);
  __m128d m2;
  size_t t;

  for (t = 0; t + 4 <= n; t += 4)
    {
      __m256d gd = _mm256_cvtps_pd (_mm_loadu_ps (g + t));
      __m256d S = _mm256_add_pd (vc, _mm256_loadu_pd (pn + t));
      __m256d e = _mm256_sub_pd (S, _mm256_mul_pd (two, gd));
      __m256d E = _mm256_add_pd (_mm256_mul_pd (vk, S), va);
      __m256d z = _mm256_sub_pd (gd, gd);
      __m256d h = _mm256_add_pd (_mm256_add_pd (_mm256_max_pd (e, zero), E), z);

      _mm256_storeu_pd (lo + t, _mm256_add_pd (_mm256_sub_pd (e, E), z));
      m = _mm256_min_pd (h, m);
    }
  m2 = _mm_min_pd (_mm256_castpd256_pd128 (m), _mm256_extractf128_pd (m, 1));
  mh = _mm_cvtsd_f64 (_mm_min_sd (m2, _mm_unpackhi_pd (m2, m2)));
  for (; t < n; t++)
    {
      double gd = g[t], S = c + pn[t], e = S - 2.0 * gd, E = kappa * S + abs_err;
      double z = gd - gd, h = ((e > 0 ? e : 0.0) + E) + z;

      lo[t] = (e - E) + z;
      mh = h < mh ? h : mh;
    }
  return mh;
}

/* Thirty-two columns at a time, row by row: eight accumulators take
 * independent adds (eight columns through all the rows chained each add
 * on the one before). Every column is summed in row order: plain C's bits.
 * Then eight columns at a time, then one. */
static void
avx2_sum_rows (double *acc, const float *const *rows, size_t n, size_t dim)
{
  size_t r, i = 0, c;

  for (; i + 32 <= dim; i += 32)
    {
      __m256d a[8];

      for (c = 0; c < 8; c++)
        a[c] = _mm256_loadu_pd (acc + i + 4 * c);
      for (r = 0; r < n; r++)
        {
          const float *x = rows[r] + i;

#pragma GCC unroll 8
          for (c = 0; c < 8; c++)
            a[c] = _mm256_add_pd (a[c], _mm256_cvtps_pd (_mm_loadu_ps (x + 4 * c)));
        }
      for (c = 0; c < 8; c++)
        _mm256_storeu_pd (acc + i + 4 * c, a[c]);
    }
  for (; i + 8 <= dim; i += 8)
    {
      __m256d a0 = _mm256_loadu_pd (acc + i), a1 = _mm256_loadu_pd (acc + i + 4);

      for (r = 0; r < n; r++)
        {
          a0 = _mm256_add_pd (a0, _mm256_cvtps_pd (_mm_loadu_ps (rows[r] + i)));
          a1 = _mm256_add_pd (a1, _mm256_cvtps_pd (_mm_loadu_ps (rows[r] + i + 4)));
        }
      _mm256_storeu_pd (acc + i, a0);
      _mm256_storeu_pd (acc + i + 4, a1);
    }
  for (; i < dim; i++)
    for (r = 0; r < n; r++)
      acc[i] += (double) rows[r][i];
}

const LightlySelectionKernels lightly_selection_kernels_avx2 = {
  avx2_dot,
  avx2_dot4,
  avx2_dot_qf,
  avx2_dot_qf_norm,
  avx2_d2f,
  avx2_d2f_multi,
  avx2_dotf_tile,
  avx2_tile_bounds,
  avx2_sum_rows,
  /* Zen 2 (EPYC 7002, the only AVX2 machine measured; bench/README.md,
   * "AVX2-only machine"): prefetching 16 KiB ahead made CORESET over
   * Fashion-MNIST 10–30 % slower than prefetching just the chunk in hand,
   * and over 1M × 128 rows 1 % faster to 8 % slower. */
  0,
};
