/* lightly-selection-kernels-avx512.c: AVX-512F kernel (built with -mavx512f)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One zmm accumulator holds the 8 canonical lanes of lightly-selection-kernels.h.
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-avx2-inline.h"

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

/* Rows in groups of 8 (8 zmm accumulators hide the FMA latency), then one
 * by one. LOADROW(b, i) gives the 8 doubles of a row at element i. */
#define GROUP8(LOADROW, full)                                                 \
  do {                                                                        \
    __m512d a0 = _mm512_setzero_pd (), a1 = _mm512_setzero_pd ();            \
    __m512d a2 = _mm512_setzero_pd (), a3 = _mm512_setzero_pd ();            \
    __m512d a4 = _mm512_setzero_pd (), a5 = _mm512_setzero_pd ();            \
    __m512d a6 = _mm512_setzero_pd (), a7 = _mm512_setzero_pd ();            \
    for (i = 0; i < (full); i += 8)                                           \
      {                                                                       \
        __m512d x = _mm512_loadu_pd (q + i);                                  \
        a0 = _mm512_fmadd_pd (x, LOADROW (b0, i), a0);                        \
        a1 = _mm512_fmadd_pd (x, LOADROW (b1, i), a1);                        \
        a2 = _mm512_fmadd_pd (x, LOADROW (b2, i), a2);                        \
        a3 = _mm512_fmadd_pd (x, LOADROW (b3, i), a3);                        \
        a4 = _mm512_fmadd_pd (x, LOADROW (b4, i), a4);                        \
        a5 = _mm512_fmadd_pd (x, LOADROW (b5, i), a5);                        \
        a6 = _mm512_fmadd_pd (x, LOADROW (b6, i), a6);                        \
        a7 = _mm512_fmadd_pd (x, LOADROW (b7, i), a7);                        \
      }                                                                       \
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;                       \
    acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;                       \
  } while (0)

#define LOAD_F(b, i) CVT ((b) + (i))

static void
avx512_dot_qf (const double *q, const float *const *rows, size_t n, size_t dim, double *out)
{
  size_t r = 0, i, l, full = dim & ~(size_t) 7, rem = dim - full;

  for (; r + 8 <= n; r += 8)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      const float *b4 = rows[r + 4], *b5 = rows[r + 5], *b6 = rows[r + 6], *b7 = rows[r + 7];
      __m512d acc[8];

      GROUP8 (LOAD_F, full);
      if (rem)
        {
          __m512d x = _mm512_loadu_pd (q + full);

          for (l = 0; l < 8; l++)
            {
              float tb[8] = { 0 };

              memcpy (tb, rows[r + l] + full, rem * sizeof (float));
              acc[l] = _mm512_fmadd_pd (x, CVT (tb), acc[l]);
            }
        }
      for (l = 0; l < 8; l++)
        out[r + l] = reduce (acc[l]);
    }
  for (; r < n; r++)
    {
      const float *b = rows[r];
      __m512d a = _mm512_setzero_pd ();

      for (i = 0; i < full; i += 8)
        a = _mm512_fmadd_pd (_mm512_loadu_pd (q + i), CVT (b + i), a);
      if (rem)
        {
          float tb[8] = { 0 };

          memcpy (tb, b + full, rem * sizeof (float));
          a = _mm512_fmadd_pd (_mm512_loadu_pd (q + full), CVT (tb), a);
        }
      out[r] = reduce (a);
    }
}

/* Four rows at a time: 8 accumulators. */
static void
avx512_dot_qf_norm (const double *q, const float *const *rows, size_t n, size_t dim,
                    double *out, double *norms)
{
  size_t r = 0, i, l, full = dim & ~(size_t) 7, rem = dim - full;

  for (; r < n; r += 4)
    {
      const float *b[4];
      __m512d d[4], nn[4];
      size_t nr = n - r < 4 ? n - r : 4;

      for (l = 0; l < 4; l++)
        {
          b[l] = rows[r + (l < nr ? l : 0)];
          d[l] = _mm512_setzero_pd ();
          nn[l] = _mm512_setzero_pd ();
        }
      for (i = 0; i < full; i += 8)
        {
          __m512d x = _mm512_loadu_pd (q + i);
          __m512d y0 = CVT (b[0] + i), y1 = CVT (b[1] + i);
          __m512d y2 = CVT (b[2] + i), y3 = CVT (b[3] + i);

          d[0] = _mm512_fmadd_pd (x, y0, d[0]);
          nn[0] = _mm512_fmadd_pd (y0, y0, nn[0]);
          d[1] = _mm512_fmadd_pd (x, y1, d[1]);
          nn[1] = _mm512_fmadd_pd (y1, y1, nn[1]);
          d[2] = _mm512_fmadd_pd (x, y2, d[2]);
          nn[2] = _mm512_fmadd_pd (y2, y2, nn[2]);
          d[3] = _mm512_fmadd_pd (x, y3, d[3]);
          nn[3] = _mm512_fmadd_pd (y3, y3, nn[3]);
        }
      if (rem)
        {
          __m512d x = _mm512_loadu_pd (q + full);

          for (l = 0; l < 4; l++)
            {
              float tb[8] = { 0 };
              __m512d y;

              memcpy (tb, b[l] + full, rem * sizeof (float));
              y = CVT (tb);
              d[l] = _mm512_fmadd_pd (x, y, d[l]);
              nn[l] = _mm512_fmadd_pd (y, y, nn[l]);
            }
        }
      for (l = 0; l < nr; l++)
        {
          out[r + l] = reduce (d[l]);
          norms[r + l] = reduce (nn[l]);
        }
    }
}

#define D2F_STEP(acc, v)                                                      \
  do {                                                                        \
    __m512 t_ = _mm512_sub_ps (qv, v);                                        \
    acc = _mm512_fmadd_ps (t_, t_, acc);                                      \
  } while (0)

/* Eight sums of 16 lanes each into one vector: halves added, then a
 * horizontal-add tree (any order is fine for d2f). */
#define HALVES(a) _mm256_add_ps (_mm512_castps512_ps256 (a), \
                                 _mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd (a), 1)))

static inline __m256
reduce8_ps (__m512 a0, __m512 a1, __m512 a2, __m512 a3,
            __m512 a4, __m512 a5, __m512 a6, __m512 a7)
{
  __m256 h0 = _mm256_hadd_ps (_mm256_hadd_ps (HALVES (a0), HALVES (a1)),
                              _mm256_hadd_ps (HALVES (a2), HALVES (a3)));
  __m256 h1 = _mm256_hadd_ps (_mm256_hadd_ps (HALVES (a4), HALVES (a5)),
                              _mm256_hadd_ps (HALVES (a6), HALVES (a7)));

  return _mm256_add_ps (_mm256_permute2f128_ps (h0, h1, 0x20),
                        _mm256_permute2f128_ps (h0, h1, 0x31));
}

#define D2F_STEP8(ld, o)                                                      \
  do {                                                                        \
    D2F_STEP (a0, ld (b0 + (o)));                                             \
    D2F_STEP (a1, ld (b1 + (o)));                                             \
    D2F_STEP (a2, ld (b2 + (o)));                                             \
    D2F_STEP (a3, ld (b3 + (o)));                                             \
    D2F_STEP (a4, ld (b4 + (o)));                                             \
    D2F_STEP (a5, ld (b5 + (o)));                                             \
    D2F_STEP (a6, ld (b6 + (o)));                                             \
    D2F_STEP (a7, ld (b7 + (o)));                                             \
  } while (0)
#define LD(p) _mm512_loadu_ps (p)
#define LDM(p) _mm512_maskz_loadu_ps (m, p)

/* Eight rows at a time (eight FMA chains: with four, the 4-cycle latency
 * of the chain, not the loads, bounded rows already in cache, as in the
 * first pass over P), then four, then one; 16 floats per step; the tail
 * through masked loads, which read nothing past the row. Written out: with
 * arrays of accumulators GCC -O2 kept them in memory. */
static void
avx512_d2f (const float *q, const float *const *rows, size_t n, size_t dim, float *out)
{
  size_t r = 0, i, full = dim & ~(size_t) 15, rem = dim - full;
  __mmask16 m = (__mmask16) ((1u << rem) - 1);

  for (; r + 8 <= n; r += 8)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      const float *b4 = rows[r + 4], *b5 = rows[r + 5], *b6 = rows[r + 6], *b7 = rows[r + 7];
      __m512 a0 = _mm512_setzero_ps (), a1 = _mm512_setzero_ps ();
      __m512 a2 = _mm512_setzero_ps (), a3 = _mm512_setzero_ps ();
      __m512 a4 = _mm512_setzero_ps (), a5 = _mm512_setzero_ps ();
      __m512 a6 = _mm512_setzero_ps (), a7 = _mm512_setzero_ps ();
      __m512 qv;

      for (i = 0; i < full; i += 16)
        {
          qv = _mm512_loadu_ps (q + i);
          D2F_STEP8 (LD, i);
        }
      if (rem)
        {
          qv = _mm512_maskz_loadu_ps (m, q + full);
          D2F_STEP8 (LDM, full);
        }
      _mm256_storeu_ps (out + r, reduce8_ps (a0, a1, a2, a3, a4, a5, a6, a7));
    }
  for (; r + 4 <= n; r += 4)
    {
      const float *b0 = rows[r], *b1 = rows[r + 1], *b2 = rows[r + 2], *b3 = rows[r + 3];
      __m512 a0 = _mm512_setzero_ps (), a1 = _mm512_setzero_ps ();
      __m512 a2 = _mm512_setzero_ps (), a3 = _mm512_setzero_ps ();
      __m512 qv;

      for (i = 0; i < full; i += 16)
        {
          qv = _mm512_loadu_ps (q + i);
          D2F_STEP (a0, _mm512_loadu_ps (b0 + i));
          D2F_STEP (a1, _mm512_loadu_ps (b1 + i));
          D2F_STEP (a2, _mm512_loadu_ps (b2 + i));
          D2F_STEP (a3, _mm512_loadu_ps (b3 + i));
        }
      if (rem)
        {
          qv = _mm512_maskz_loadu_ps (m, q + full);
          D2F_STEP (a0, _mm512_maskz_loadu_ps (m, b0 + full));
          D2F_STEP (a1, _mm512_maskz_loadu_ps (m, b1 + full));
          D2F_STEP (a2, _mm512_maskz_loadu_ps (m, b2 + full));
          D2F_STEP (a3, _mm512_maskz_loadu_ps (m, b3 + full));
        }
      out[r] = _mm512_reduce_add_ps (a0);
      out[r + 1] = _mm512_reduce_add_ps (a1);
      out[r + 2] = _mm512_reduce_add_ps (a2);
      out[r + 3] = _mm512_reduce_add_ps (a3);
    }
  /* Fewer than four rows: four chains along the row, or one row would wait
   * on the FMA latency at every step (the pruned pass over P hands the
   * kernel one to three rows often). */
  for (; r < n; r++)
    {
      const float *b = rows[r];
      __m512 a = _mm512_setzero_ps (), a1 = _mm512_setzero_ps ();
      __m512 a2 = _mm512_setzero_ps (), a3 = _mm512_setzero_ps (), qv;

      for (i = 0; i + 64 <= full; i += 64)
        {
          qv = _mm512_loadu_ps (q + i);
          D2F_STEP (a, _mm512_loadu_ps (b + i));
          qv = _mm512_loadu_ps (q + i + 16);
          D2F_STEP (a1, _mm512_loadu_ps (b + i + 16));
          qv = _mm512_loadu_ps (q + i + 32);
          D2F_STEP (a2, _mm512_loadu_ps (b + i + 32));
          qv = _mm512_loadu_ps (q + i + 48);
          D2F_STEP (a3, _mm512_loadu_ps (b + i + 48));
        }
      a = _mm512_add_ps (_mm512_add_ps (a, a1), _mm512_add_ps (a2, a3));
      for (; i < full; i += 16)
        {
          qv = _mm512_loadu_ps (q + i);
          D2F_STEP (a, _mm512_loadu_ps (b + i));
        }
      if (rem)
        {
          qv = _mm512_maskz_loadu_ps (m, q + full);
          D2F_STEP (a, _mm512_maskz_loadu_ps (m, b + full));
        }
      out[r] = _mm512_reduce_add_ps (a);
    }
}

/* d2f_multi: two rows against up to four queries per step, as the AVX2
 * kernel (lightly-selection-kernels-avx2.c has the why), 16 floats per
 * step. */
#define M2_Q(ld, o, qk, a0, a1)                                               \
  do {                                                                        \
    __m512 qv_ = ld (qk + (o)), t0_ = _mm512_sub_ps (qv_, r0_);               \
    __m512 t1_ = _mm512_sub_ps (qv_, r1_);                                    \
    a0 = _mm512_fmadd_ps (t0_, t0_, a0);                                      \
    a1 = _mm512_fmadd_ps (t1_, t1_, a1);                                      \
  } while (0)
#define M2_STEP(ld, o)                                                        \
  do {                                                                        \
    __m512 r0_ = ld (b0 + (o)), r1_ = ld (b1 + (o));                          \
    M2_Q (ld, o, q0, a00, a01);                                               \
    if (NQ > 1) M2_Q (ld, o, q1, a10, a11);                                   \
    if (NQ > 2) M2_Q (ld, o, q2, a20, a21);                                   \
    if (NQ > 3) M2_Q (ld, o, q3, a30, a31);                                   \
  } while (0)

static inline __attribute__ ((always_inline)) void
d2f_multi_group (const float *const *qs, const int NQ, const float *const *rows, size_t n,
                 size_t dim, float *out)
{
  size_t r, i, full = dim & ~(size_t) 15, rem = dim - full;
  __mmask16 m = (__mmask16) ((1u << rem) - 1);
  const float *q0 = qs[0], *q1 = qs[NQ > 1 ? 1 : 0];
  const float *q2 = qs[NQ > 2 ? 2 : 0], *q3 = qs[NQ > 3 ? 3 : 0];

  for (r = 0; r < n; r += 2)
    {
      /* An odd last row is computed twice and stored once. */
      const float *b0 = rows[r], *b1 = rows[r + 1 < n ? r + 1 : r];
      __m512 a00 = _mm512_setzero_ps (), a01 = _mm512_setzero_ps ();
      __m512 a10 = _mm512_setzero_ps (), a11 = _mm512_setzero_ps ();
      __m512 a20 = _mm512_setzero_ps (), a21 = _mm512_setzero_ps ();
      __m512 a30 = _mm512_setzero_ps (), a31 = _mm512_setzero_ps ();

      for (i = 0; i < full; i += 16)
        M2_STEP (LD, i);
      if (rem)
        M2_STEP (LDM, full);
      m2_store (reduce8_ps (a00, a01, a10, a11, a20, a21, a30, a31), NQ, r + 1 < n, out + r, n);
    }
}

/* The queries in groups of four (then the three, two or one left). */
static void
avx512_d2f_multi (const float *const *qs, size_t nq, const float *const *rows, size_t n,
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
reduce4_ps (__m512 a0, __m512 a1, __m512 a2, __m512 a3)
{
  __m256 h = _mm256_hadd_ps (_mm256_hadd_ps (HALVES (a0), HALVES (a1)),
                             _mm256_hadd_ps (HALVES (a2), HALVES (a3)));

  return _mm_add_ps (_mm256_castps256_ps128 (h), _mm256_extractf128_ps (h, 1));
}

#define TILE_STEP(ld, o)                                                      \
  do {                                                                        \
    __m512 x0 = ld (a0 + (o)), x1 = ld (a1 + (o)), x2 = ld (a2 + (o));        \
    __m512 x3 = ld (a3 + (o)), y;                                             \
    y = ld (b0 + (o));                                                        \
    c00 = _mm512_fmadd_ps (x0, y, c00); c10 = _mm512_fmadd_ps (x1, y, c10);   \
    c20 = _mm512_fmadd_ps (x2, y, c20); c30 = _mm512_fmadd_ps (x3, y, c30);   \
    y = ld (b1 + (o));                                                        \
    c01 = _mm512_fmadd_ps (x0, y, c01); c11 = _mm512_fmadd_ps (x1, y, c11);   \
    c21 = _mm512_fmadd_ps (x2, y, c21); c31 = _mm512_fmadd_ps (x3, y, c31);   \
    y = ld (b2 + (o));                                                        \
    c02 = _mm512_fmadd_ps (x0, y, c02); c12 = _mm512_fmadd_ps (x1, y, c12);   \
    c22 = _mm512_fmadd_ps (x2, y, c22); c32 = _mm512_fmadd_ps (x3, y, c32);   \
    y = ld (b3 + (o));                                                        \
    c03 = _mm512_fmadd_ps (x0, y, c03); c13 = _mm512_fmadd_ps (x1, y, c13);   \
    c23 = _mm512_fmadd_ps (x2, y, c23); c33 = _mm512_fmadd_ps (x3, y, c33);   \
  } while (0)

/* A 4×4 tile: 8 loads for 16 FMAs per 16 floats, 16 accumulators (of 32
 * registers); the tail through masked loads. out rows are `stride` apart. */
static inline void
tile4x4 (const float *const *a, const float *const *b, size_t dim, float *out, size_t stride)
{
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  __m512 c00 = _mm512_setzero_ps (), c01 = _mm512_setzero_ps ();
  __m512 c02 = _mm512_setzero_ps (), c03 = _mm512_setzero_ps ();
  __m512 c10 = _mm512_setzero_ps (), c11 = _mm512_setzero_ps ();
  __m512 c12 = _mm512_setzero_ps (), c13 = _mm512_setzero_ps ();
  __m512 c20 = _mm512_setzero_ps (), c21 = _mm512_setzero_ps ();
  __m512 c22 = _mm512_setzero_ps (), c23 = _mm512_setzero_ps ();
  __m512 c30 = _mm512_setzero_ps (), c31 = _mm512_setzero_ps ();
  __m512 c32 = _mm512_setzero_ps (), c33 = _mm512_setzero_ps ();
  size_t i, full = dim & ~(size_t) 15, rem = dim - full;
  __mmask16 m = (__mmask16) ((1u << rem) - 1);

  for (i = 0; i < full; i += 16)
    TILE_STEP (LD, i);
  if (rem)
    TILE_STEP (LDM, full);
  _mm_storeu_ps (out, reduce4_ps (c00, c01, c02, c03));
  _mm_storeu_ps (out + stride, reduce4_ps (c10, c11, c12, c13));
  _mm_storeu_ps (out + 2 * stride, reduce4_ps (c20, c21, c22, c23));
  _mm_storeu_ps (out + 3 * stride, reduce4_ps (c30, c31, c32, c33));
}

/* Whole 4×4 tiles in place; at the edges the missing rows repeat the last
 * one, into a scratch tile. */
static void
avx512_dotf_tile (const float *const *a, size_t na, const float *const *b, size_t nb,
                  size_t dim, float *out)
{
  size_t i, t, u, v;

  for (i = 0; i < na; i += 4)
    for (t = 0; t < nb; t += 4)
      {
        const float *pa[4], *pb[4];
        float tmp[16];

        if (i + 4 <= na && t + 4 <= nb)
          {
            tile4x4 (a + i, b + t, dim, out + i * nb + t, nb);
            continue;
          }
        for (u = 0; u < 4; u++)
          {
            pa[u] = a[MIN_SZ (i + u, na - 1)];
            pb[u] = b[MIN_SZ (t + u, nb - 1)];
          }
        tile4x4 (pa, pb, dim, tmp, 4);
        for (u = 0; i + u < na && u < 4; u++)
          for (v = 0; t + v < nb && v < 4; v++)
            out[(i + u) * nb + t + v] = tmp[u * 4 + v];
      }
}

/* Eight entries per step; the tail through masks (masked-off lanes give
 * +∞ to the minimum). _mm512_min_pd (h, m) returns m when h is NaN. */
static double
avx512_tile_bounds (const float *g, const double *pn, size_t n, double c, double kappa,
                    double abs_err, double mh, double *lo)
{
  __m512d vc = _mm512_set1_pd (c), vk = _mm512_set1_pd (kappa), va = _mm512_set1_pd (abs_err);
  __m512d two = _mm512_set1_pd (2.0), zero = _mm512_setzero_pd ();
  __m512d m = _mm512_set1_pd (mh);
  size_t t;

  for (t = 0; t < n; t += 8)
    {
      __mmask8 k = (__mmask8) (n - t >= 8 ? 0xff : (1u << (n - t)) - 1);
      __m512d gd = _mm512_cvtps_pd (_mm512_castps512_ps256 (_mm512_maskz_loadu_ps ((__mmask16) k, g + t)));
      __m512d S = _mm512_add_pd (vc, _mm512_maskz_loadu_pd (k, pn + t));
      __m512d e = _mm512_sub_pd (S, _mm512_mul_pd (two, gd));
      __m512d E = _mm512_add_pd (_mm512_mul_pd (vk, S), va);
      __m512d z = _mm512_sub_pd (gd, gd);
      __m512d h = _mm512_add_pd (_mm512_add_pd (_mm512_max_pd (e, zero), E), z);

      _mm512_mask_storeu_pd (lo + t, k, _mm512_add_pd (_mm512_sub_pd (e, E), z));
      m = _mm512_mask_min_pd (m, k, h, m);
    }
  return _mm512_reduce_min_pd (m);
}

/* The mean's sums, one strip of up to 128 columns at a time, row by row:
 * the strip's (up to) sixteen accumulators stay in registers and take
 * independent adds. (Sixteen columns at a time through all the rows
 * chained every add on the one before: that pass took 2.5× a distance
 * pass over the same rows.) Every column is still summed in row order, so
 * the bits are plain C's. Only the strip's last group of 16 columns is
 * masked (a masked-off lane loads and adds nothing). groups is a constant
 * in each call below, so that the accumulators are registers, not an
 * array. */
static inline __attribute__ ((always_inline)) void
sum_strip (double *acc, const float *const *rows, size_t n, size_t at, size_t width,
           const int groups)
{
  __m512d a[16];
  __mmask16 mt = (__mmask16) (width % 16 == 0 ? 0xffff : (1u << (width % 16)) - 1);
  size_t r;
  int c;

#pragma GCC unroll 8
  for (c = 0; c < groups; c++)
    {
      __mmask16 m = c == groups - 1 ? mt : 0xffff;

      a[2 * c] = _mm512_maskz_loadu_pd ((__mmask8) (m & 0xff), acc + at + 16 * c);
      a[2 * c + 1] = _mm512_maskz_loadu_pd ((__mmask8) (m >> 8), acc + at + 16 * c + 8);
    }
  for (r = 0; r < n; r++)
    {
      const float *x = rows[r] + at;

#pragma GCC unroll 8
      for (c = 0; c < groups; c++)
        {
          __m512 v = c == groups - 1 ? _mm512_maskz_loadu_ps (mt, x + 16 * c)
                                     : _mm512_loadu_ps (x + 16 * c);

          a[2 * c] = _mm512_add_pd (a[2 * c], _mm512_cvtps_pd (_mm512_castps512_ps256 (v)));
          a[2 * c + 1] = _mm512_add_pd (a[2 * c + 1], _mm512_cvtps_pd (_mm256_castpd_ps (
                                          _mm512_extractf64x4_pd (_mm512_castps_pd (v), 1))));
        }
    }
#pragma GCC unroll 8
  for (c = 0; c < groups; c++)
    {
      __mmask16 m = c == groups - 1 ? mt : 0xffff;

      _mm512_mask_storeu_pd (acc + at + 16 * c, (__mmask8) (m & 0xff), a[2 * c]);
      _mm512_mask_storeu_pd (acc + at + 16 * c + 8, (__mmask8) (m >> 8), a[2 * c + 1]);
    }
}

static void
avx512_sum_rows (double *acc, const float *const *rows, size_t n, size_t dim)
{
  size_t i;

  for (i = 0; i < dim; i += 128)
    {
      size_t w = dim - i < 128 ? dim - i : 128;

      switch ((w + 15) / 16)
        {
        case 1: sum_strip (acc, rows, n, i, w, 1); break;
        case 2: sum_strip (acc, rows, n, i, w, 2); break;
        case 3: sum_strip (acc, rows, n, i, w, 3); break;
        case 4: sum_strip (acc, rows, n, i, w, 4); break;
        case 5: sum_strip (acc, rows, n, i, w, 5); break;
        case 6: sum_strip (acc, rows, n, i, w, 6); break;
        case 7: sum_strip (acc, rows, n, i, w, 7); break;
        default: sum_strip (acc, rows, n, i, w, 8); break;
        }
    }
}

const LightlySelectionKernels lightly_selection_kernels_avx512 = {
  avx512_dot,
  avx512_dot4,
  avx512_dot_qf,
  avx512_dot_qf_norm,
  avx512_d2f,
  avx512_d2f_multi,
  avx512_dotf_tile,
  avx512_tile_bounds,
  avx512_sum_rows,
  /* Zen 5 (the machine that takes this path by default on AMD; Zen 4 takes
   * AVX2): 4 KiB ahead, i.e. one chunk, measured 7–9 % faster than 16 KiB
   * over iid rows of dim 128 (1M rows, k = 100 and 1,000) and 512, and as
   * fast at 64, 784 and 2048 and on the clustered and preselected sets
   * (bench/README.md, session 16). On Zen 4, with 512-bit operations at
   * half rate, 16 KiB had been best. */
  4096,
};
