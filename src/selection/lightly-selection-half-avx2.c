/* lightly-selection-half-avx2.c: half-row kernels (built with -mavx2 -mfma -mf16c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Eight elements per step: vcvtph2ps widens float16, a zero-extension and
 * a shift by 16 widen bfloat16 (its bits are the high half of the float32).
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-avx2-inline.h"

#include "lightly-selection-half.h"

static inline __m256
load_fp16 (const uint16_t *p)
{
  return _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) p));
}

static inline __m256
load_bf16 (const uint16_t *p)
{
  __m256i w = _mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const __m128i *) p));

  return _mm256_castsi256_ps (_mm256_slli_epi32 (w, 16));
}

#define VEC __m256
#define ZERO _mm256_setzero_ps ()
#define W_ 8
#define LDQ _mm256_loadu_ps
#define ADD _mm256_add_ps
#define RED hsum_ps
#define QTAIL _mm256_maskload_ps (q + full, mask)

#define STEP(acc, v, qv)                                                      \
  do {                                                                        \
    __m256 t_ = _mm256_sub_ps (qv, v);                                        \
    acc = _mm256_fmadd_ps (t_, t_, acc);                                      \
  } while (0)

/* Four rows at a time (four FMA chains), as the float32 kernel; the tail
 * through zero-padded copies (q's through a masked load), which read
 * nothing past the row. */
#define D2_KERNEL(name, load)                                                 \
static void                                                                   \
name (const float *q, const uint16_t *const *rows, size_t n, size_t dim,      \
      float *out)                                                             \
{                                                                             \
  size_t r = 0, i, full = dim & ~(size_t) 7, rem = dim - full, k;             \
  __m256i mask = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) rem),           \
                                     _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7)); \
                                                                              \
  for (; r + 4 <= n; r += 4)                                                  \
    {                                                                         \
      size_t nr = 4;                                                          \
      const uint16_t *b[4];                                                   \
      __m256 a[4];                                                            \
                                                                              \
      for (k = 0; k < 4; k++)                                                 \
        {                                                                     \
          b[k] = rows[r + (k < nr ? k : 0)];                                  \
          a[k] = _mm256_setzero_ps ();                                        \
        }                                                                     \
      for (i = 0; i < full; i += 8)                                           \
        {                                                                     \
          __m256 qv = _mm256_loadu_ps (q + i);                                \
                                                                              \
          STEP (a[0], load (b[0] + i), qv);                                   \
          STEP (a[1], load (b[1] + i), qv);                                   \
          STEP (a[2], load (b[2] + i), qv);                                   \
          STEP (a[3], load (b[3] + i), qv);                                   \
        }                                                                     \
      if (rem)                                                                \
        {                                                                     \
          __m256 qv = _mm256_maskload_ps (q + full, mask);                    \
                                                                              \
          for (k = 0; k < 4; k++)                                             \
            {                                                                 \
              uint16_t t[8] = { 0 };                                          \
                                                                              \
              memcpy (t, b[k] + full, rem * sizeof (uint16_t));               \
              STEP (a[k], load (t), qv);                                      \
            }                                                                 \
        }                                                                     \
      for (k = 0; k < nr; k++)                                                \
        out[r + k] = RED (a[k]);                                              \
    }                                                                         \
  /* Fewer than four rows (long rows come in chunks of 2–4): two chains   \
   * along the row, not four rows' work for one. */                         \
  for (; r < n; r++)                                                          \
    {                                                                         \
      const uint16_t *b = rows[r];                                            \
      VEC a0 = ZERO, a1 = ZERO;                                               \
                                                                              \
      for (i = 0; i + 2 * W_ <= full; i += 2 * W_)                            \
        {                                                                     \
          STEP (a0, load (b + i), LDQ (q + i));                               \
          STEP (a1, load (b + i + W_), LDQ (q + i + W_));                     \
        }                                                                     \
      if (i < full)                                                           \
        STEP (a0, load (b + i), LDQ (q + i));                                 \
      if (rem)                                                                \
        {                                                                     \
          uint16_t t[W_] = { 0 };                                             \
                                                                              \
          memcpy (t, b + full, rem * sizeof (uint16_t));                      \
          STEP (a1, load (t), QTAIL);                                         \
        }                                                                     \
      out[r] = RED (ADD (a0, a1));                                            \
    }                                                                         \
}

D2_KERNEL (avx2_d2_fp16, load_fp16)
D2_KERNEL (avx2_d2_bf16, load_bf16)

static void
avx2_to_fp16 (const float *src, uint16_t *dst, size_t n)
{
  size_t i = 0;

  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128 ((__m128i *) (dst + i),
                      _mm256_cvtps_ph (_mm256_loadu_ps (src + i),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  if (i < n)
    {
      float t[8] = { 0 };
      uint16_t h[8];

      memcpy (t, src + i, (n - i) * sizeof (float));
      _mm_storeu_si128 ((__m128i *) h,
                        _mm256_cvtps_ph (_mm256_loadu_ps (t),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      memcpy (dst + i, h, (n - i) * sizeof (uint16_t));
    }
}

const LightlySelectionHalfKernels lightly_selection_half_avx2 = {
  avx2_d2_fp16,
  avx2_d2_bf16,
  avx2_to_fp16,
};
