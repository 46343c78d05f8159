/* lightly-selection-half-avx512.c: half-row kernels (built with -mavx512f)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sixteen elements per step: vcvtph2ps widens float16, a zero-extension
 * and a shift by 16 widen bfloat16 (its bits are the high half of the
 * float32). The tails through masked loads.
 */
#include "config.h"

#include <string.h>
#include <immintrin.h>

#include "lightly-selection-half.h"

static inline __m512
load_fp16 (const uint16_t *p)
{
  return _mm512_cvtph_ps (_mm256_loadu_si256 ((const __m256i *) p));
}

static inline __m512
load_bf16 (const uint16_t *p)
{
  __m512i w = _mm512_cvtepu16_epi32 (_mm256_loadu_si256 ((const __m256i *) p));

  return _mm512_castsi512_ps (_mm512_slli_epi32 (w, 16));
}

#define VEC __m512
#define ZERO _mm512_setzero_ps ()
#define W_ 16
#define LDQ _mm512_loadu_ps
#define ADD _mm512_add_ps
#define RED _mm512_reduce_add_ps
#define QTAIL _mm512_maskz_loadu_ps (mask, q + full)

#define STEP(acc, v, qv)                                                      \
  do {                                                                        \
    __m512 t_ = _mm512_sub_ps (qv, v);                                        \
    acc = _mm512_fmadd_ps (t_, t_, acc);                                      \
  } while (0)

/* Four rows at a time (four FMA chains); the tail of a row through a
 * zero-padded copy (AVX-512F has no masked 16-bit load), q's masked. */
#define D2_KERNEL(name, load)                                                 \
static void                                                                   \
name (const float *q, const uint16_t *const *rows, size_t n, size_t dim,      \
      float *out)                                                             \
{                                                                             \
  size_t r = 0, i, full = dim & ~(size_t) 15, rem = dim - full, k;            \
  __mmask16 mask = (__mmask16) ((1u << rem) - 1);                             \
                                                                              \
  for (; r + 4 <= n; r += 4)                                                  \
    {                                                                         \
      size_t nr = 4;                                                          \
      const uint16_t *b[4];                                                   \
      __m512 a[4];                                                            \
                                                                              \
      for (k = 0; k < 4; k++)                                                 \
        {                                                                     \
          b[k] = rows[r + (k < nr ? k : 0)];                                  \
          a[k] = _mm512_setzero_ps ();                                        \
        }                                                                     \
      for (i = 0; i < full; i += 16)                                          \
        {                                                                     \
          __m512 qv = _mm512_loadu_ps (q + i);                                \
                                                                              \
          STEP (a[0], load (b[0] + i), qv);                                   \
          STEP (a[1], load (b[1] + i), qv);                                   \
          STEP (a[2], load (b[2] + i), qv);                                   \
          STEP (a[3], load (b[3] + i), qv);                                   \
        }                                                                     \
      if (rem)                                                                \
        {                                                                     \
          __m512 qv = _mm512_maskz_loadu_ps (mask, q + full);                 \
                                                                              \
          for (k = 0; k < 4; k++)                                             \
            {                                                                 \
              uint16_t t[16] = { 0 };                                         \
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

D2_KERNEL (avx512_d2_fp16, load_fp16)
D2_KERNEL (avx512_d2_bf16, load_bf16)

static void
avx512_to_fp16 (const float *src, uint16_t *dst, size_t n)
{
  size_t i = 0;

  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256 ((__m256i *) (dst + i),
                         _mm512_cvtps_ph (_mm512_loadu_ps (src + i),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  if (i < n)
    {
      float t[16] = { 0 };
      uint16_t h[16];

      memcpy (t, src + i, (n - i) * sizeof (float));
      _mm256_storeu_si256 ((__m256i *) h,
                           _mm512_cvtps_ph (_mm512_loadu_ps (t),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      memcpy (dst + i, h, (n - i) * sizeof (uint16_t));
    }
}

const LightlySelectionHalfKernels lightly_selection_half_avx512 = {
  avx512_d2_fp16,
  avx512_d2_bf16,
  avx512_to_fp16,
};
