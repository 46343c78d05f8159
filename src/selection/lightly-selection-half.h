/* lightly-selection-half.h: half-precision rows for CORESET/CORAL (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An optional float16 or bfloat16 copy of the matrix (2·dim bytes per row)
 * halves the bytes the update passes stream. It only decides which rows
 * the double arithmetic must compute: the proof that this never changes a
 * pick is in lightly-selection-coreset-update.c, next to the float32 one.
 *
 * The per-ISA files must not include GLib (see lightly-selection-kernels.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct {
  /* out[r] ≈ Σ_i (q[i] − h(rows[r][i]))² in float32 arithmetic, where h is
   * the float16 (d2_fp16) or bfloat16 (d2_bf16) value widened to float32
   * (exact), in any order, with or without FMA: the bound of the update
   * pass holds for every order. Not bit-identical across paths. */
  void (*d2_fp16) (const float *q, const uint16_t *const *rows, size_t n, size_t dim,
                   float *out);
  void (*d2_bf16) (const float *q, const uint16_t *const *rows, size_t n, size_t dim,
                   float *out);
  /* dst[i] = src[i] rounded to float16, to nearest with ties to even
   * (subnormals kept; overflow gives ±infinity, NaN stays NaN): the same
   * bits on every path. */
  void (*to_fp16) (const float *src, uint16_t *dst, size_t n);
} LightlySelectionHalfKernels;

extern const LightlySelectionHalfKernels lightly_selection_half_portable;
#ifdef LIGHTLY_SELECTION_HAVE_HALF_AVX2
extern const LightlySelectionHalfKernels lightly_selection_half_avx2;
#endif
#ifdef LIGHTLY_SELECTION_HAVE_AVX512
extern const LightlySelectionHalfKernels lightly_selection_half_avx512;
#endif

/* The half kernels of a LightlySelectionSimd path (the portable ones where
 * the path lacks them, e.g. AVX2 without F16C). */
const LightlySelectionHalfKernels *lightly_selection_half_kernels_get (int simd);

/* Unit roundoff and the largest rounding error below the normal range
 * (half the subnormal spacing) of a float32 value rounded to nearest. */
#define LIGHTLY_HALF_FP16_U 0x1p-11
#define LIGHTLY_HALF_FP16_SIGMA 0x1p-25
#define LIGHTLY_HALF_BF16_U 0x1p-8
#define LIGHTLY_HALF_BF16_SIGMA 0x1p-134

/* Scalar conversions, the reference of the kernels (lightly-selection-half.c). */
uint16_t lightly_half_fp16_from_float (float f);
float    lightly_half_fp16_to_float   (uint16_t h);
uint16_t lightly_half_bf16_from_float (float f);
float    lightly_half_bf16_to_float   (uint16_t h);
