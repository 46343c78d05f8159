/* lightly-selection-half.c: the float16/bfloat16 copy of the matrix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lightly_selection_half_new() rounds the float32 matrix to float16 or
 * bfloat16 (to nearest, ties to even) for the update passes of CORESET and
 * CORAL, which then stream 2·dim bytes per row instead of 4·dim. The
 * scalar conversions here are the reference; the per-ISA files convert
 * float16 with F16C / AVX-512 (the same bits, checked by the tests).
 */
#include "config.h"

#include <string.h>
#if defined(LIGHTLY_SELECTION_HAVE_HALF_AVX2)
#include <cpuid.h>
#endif

#include "lightly-selection-private.h"
#include "lightly-selection-half.h"

static inline guint32
bits_of (float f)
{
  guint32 x;

  memcpy (&x, &f, sizeof x);
  return x;
}

static inline float
float_of (guint32 x)
{
  float f;

  memcpy (&f, &x, sizeof f);
  return f;
}

uint16_t
lightly_half_fp16_from_float (float f)
{
  guint32 x = bits_of (f), sign = (x >> 16) & 0x8000, ax = x & 0x7fffffff;
  guint32 e, m, shift, r, rem, half;

  if (ax > 0x7f800000)
    return (uint16_t) (sign | 0x7e00 | ((ax >> 13) & 0x3ff));   /* NaN, quiet */
  /* 65520 = 65504 + half an ulp, a tie that goes to the even neighbour ∞. */
  if (ax >= 0x477ff000)
    return (uint16_t) (sign | 0x7c00);
  if (ax >= 0x38800000)
    {
      /* Normal: rebias the exponent (127 → 15) and round the 13 dropped
       * bits; a carry out of the mantissa bumps the exponent, as it must. */
      ax = ax - 0x38000000 + 0xfff + ((ax >> 13) & 1);
      return (uint16_t) (sign | (ax >> 13));
    }
  /* Subnormal (or 0): |f|·2²⁴ rounded to an integer ≤ 1024 (1024 is the
   * smallest normal, whose encoding is the same integer). Up to 2⁻²⁵,
   * the tie included, that is 0. */
  if (ax <= 0x33000000)
    return (uint16_t) sign;
  e = ax >> 23;
  m = (ax & 0x7fffff) | 0x800000;
  shift = 126 - e;                      /* 14 … 23 */
  r = m >> shift;
  rem = m & ((1u << shift) - 1);
  half = 1u << (shift - 1);
  if (rem > half || (rem == half && (r & 1)))
    r++;
  return (uint16_t) (sign | r);
}

float
lightly_half_fp16_to_float (uint16_t h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;

  if (e == 0x1f)
    return float_of (sign | 0x7f800000 | (m << 13));
  if (e == 0)
    {
      /* m·2⁻²⁴, exact in float32. */
      float v = (float) m * 0x1p-24f;

      return sign ? -v : v;
    }
  return float_of (sign | ((e + 112) << 23) | (m << 13));
}

uint16_t
lightly_half_bf16_from_float (float f)
{
  guint32 x = bits_of (f);

  if ((x & 0x7fffffff) > 0x7f800000)
    return (uint16_t) ((x >> 16) | 0x40);                        /* NaN, quiet */
  /* Round the low 16 bits to nearest, ties to even, on the bit pattern:
   * exact for subnormals too, and a carry rounds up into the exponent
   * (to ∞ past the largest finite value). */
  return (uint16_t) ((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

float
lightly_half_bf16_to_float (uint16_t h)
{
  return float_of ((guint32) h << 16);
}

/* Eight float lanes, as portable_d2f; the rows widened element by element. */
#define PORTABLE_D2(name, widen)                                              \
static void                                                                   \
name (const float *q, const uint16_t *const *rows, size_t n, size_t dim,      \
      float *out)                                                             \
{                                                                             \
  size_t r, i, l;                                                             \
                                                                              \
  for (r = 0; r < n; r++)                                                     \
    {                                                                         \
      const uint16_t *b = rows[r];                                            \
      float acc[8] = { 0 };                                                   \
                                                                              \
      for (i = 0; i + 8 <= dim; i += 8)                                       \
        for (l = 0; l < 8; l++)                                               \
          {                                                                   \
            float t = q[i + l] - widen (b[i + l]);                            \
                                                                              \
            acc[l] += t * t;                                                  \
          }                                                                   \
      for (l = 0; i + l < dim; l++)                                           \
        {                                                                     \
          float t = q[i + l] - widen (b[i + l]);                              \
                                                                              \
          acc[l] += t * t;                                                    \
        }                                                                     \
      out[r] = ((acc[0] + acc[4]) + (acc[2] + acc[6])) +                      \
               ((acc[1] + acc[5]) + (acc[3] + acc[7]));                       \
    }                                                                         \
}

PORTABLE_D2 (portable_d2_fp16, lightly_half_fp16_to_float)
PORTABLE_D2 (portable_d2_bf16, lightly_half_bf16_to_float)

static void
portable_to_fp16 (const float *src, uint16_t *dst, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    dst[i] = lightly_half_fp16_from_float (src[i]);
}

const LightlySelectionHalfKernels lightly_selection_half_portable = {
  portable_d2_fp16,
  portable_d2_bf16,
  portable_to_fp16,
};

#if defined(LIGHTLY_SELECTION_HAVE_HALF_AVX2)
/* CPUID leaf 1, ECX bit 29, read directly: clang 14's
 * __builtin_cpu_supports() does not know "f16c". */
static gboolean
have_f16c (void)
{
  unsigned int a, b, c, d;

  return __get_cpuid (1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}
#endif

const LightlySelectionHalfKernels *
lightly_selection_half_kernels_get (int simd)
{
#if defined(LIGHTLY_SELECTION_HAVE_AVX512)
  if (simd == LIGHTLY_SELECTION_SIMD_AVX512 && lightly_selection_simd_supported (simd))
    return &lightly_selection_half_avx512;
#endif
#if defined(LIGHTLY_SELECTION_HAVE_HALF_AVX2)
  if (simd == LIGHTLY_SELECTION_SIMD_AVX2 && lightly_selection_simd_supported (simd) && have_f16c ())
    return &lightly_selection_half_avx2;
#endif
  return &lightly_selection_half_portable;
}

/* The first element of row i that is not finite in the copy, or −1: a
 * branch-free scan (it vectorises) before the slow search for the index. */
static gssize
first_bad (const guint16 *h, gsize dim, guint16 exp_mask)
{
  gsize j;
  guint bad = 0;

  for (j = 0; j < dim; j++)
    bad |= (h[j] & exp_mask) == exp_mask;
  if (!bad)
    return -1;
  for (j = 0; j < dim; j++)
    if ((h[j] & exp_mask) == exp_mask)
      return (gssize) j;
  return -1;
}

/**
 * lightly_selection_half_new:
 * @matrix: (array): n_rows × dim float32 values, row-major
 * @n_rows: rows
 * @dim: values per row
 * @kind: %LIGHTLY_SELECTION_HALF_FP16 or %LIGHTLY_SELECTION_HALF_BF16
 * @error: return location for a #GError
 *
 * Rounds @matrix to @kind, to nearest with ties to even (subnormals kept),
 * for LightlySelectionParams.matrix_half. A value that is not finite, or
 * whose magnitude rounds past the largest float16 (65504), is refused with
 * %LIGHTLY_SELECTION_ERROR_INVALID_INPUT naming the row.
 *
 * Returns: (transfer full) (nullable): n_rows × dim values, 64-byte
 *   aligned; free with g_aligned_free(). %NULL on error.
 */
guint16 *
lightly_selection_half_new (const float           *matrix,
                            gsize                  n_rows,
                            gsize                  dim,
                            LightlySelectionHalf   kind,
                            GError               **error)
{
  const LightlySelectionHalfKernels *hk;
  guint16 *out, exp_mask = kind == LIGHTLY_SELECTION_HALF_FP16 ? 0x7c00 : 0x7f80;
  gsize i, j;

  if (kind != LIGHTLY_SELECTION_HALF_FP16 && kind != LIGHTLY_SELECTION_HALF_BF16)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                   "Unknown half-precision kind %d (use float16 or bfloat16)", (int) kind);
      return NULL;
    }
  if (dim > 0 && n_rows > G_MAXSIZE / sizeof (float) / dim)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                   "A matrix of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " is too large",
                   n_rows, dim);
      return NULL;
    }
  if (matrix == NULL && n_rows * dim > 0)
    {
      g_set_error_literal (error, LIGHTLY_SELECTION_ERROR,
                           LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                           "No matrix to convert to half precision");
      return NULL;
    }
  hk = lightly_selection_half_kernels_get (lightly_selection_simd_current ());
  out = g_aligned_alloc (MAX (n_rows * dim, 1), sizeof (guint16), 64);
  for (i = 0; i < n_rows; i++)
    {
      const float *x = matrix + i * dim;
      guint16 *h = out + i * dim;
      gssize bad;

      if (kind == LIGHTLY_SELECTION_HALF_FP16)
        hk->to_fp16 (x, h, dim);
      else
        for (j = 0; j < dim; j++)
          h[j] = lightly_half_bf16_from_float (x[j]);
      if ((bad = first_bad (h, dim, exp_mask)) < 0)
        continue;
      if (!isfinite (x[bad]))
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %" G_GSIZE_FORMAT " contains a value that is not finite "
                     "(NaN or infinity); fix the embeddings", i);
      else
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %" G_GSIZE_FORMAT " holds %g, which overflows %s "
                     "(largest finite value %g); keep float32 or use bfloat16", i,
                     (double) x[bad], lightly_selection_half_name (kind),
                     kind == LIGHTLY_SELECTION_HALF_FP16 ? 65504.0 : (double) G_MAXFLOAT);
      g_aligned_free (out);
      return NULL;
    }
  return out;
}

/**
 * lightly_selection_half_name:
 * @kind: a half-precision kind
 *
 * Returns: "float16", "bfloat16", "none", or %NULL for an unknown kind.
 */
const char *
lightly_selection_half_name (LightlySelectionHalf kind)
{
  switch (kind)
    {
    case LIGHTLY_SELECTION_HALF_NONE: return "none";
    case LIGHTLY_SELECTION_HALF_FP16: return "float16";
    case LIGHTLY_SELECTION_HALF_BF16: return "bfloat16";
    default: return NULL;
    }
}
