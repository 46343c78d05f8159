/* lightly-matrix-precision.h: the storage precision of the embedding matrix a selection streams
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

/**
 * LightlyMatrixPrecision:
 * @LIGHTLY_MATRIX_PRECISION_FLOAT32: the float32 matrix only (the default)
 * @LIGHTLY_MATRIX_PRECISION_FLOAT16: also keep an IEEE float16 copy (11-bit
 *   significand, magnitudes up to 65504) and stream it
 * @LIGHTLY_MATRIX_PRECISION_BFLOAT16: also keep a bfloat16 copy (8-bit
 *   significand, float32's range) and stream it
 *
 * Which copy of the embedding matrix the passes of
 * %LIGHTLY_SAMPLING_METHOD_CORESET and %LIGHTLY_SAMPLING_METHOD_CORAL
 * stream, a lightly-glib extension (see
 * [property@Lightly.SamplerConfig:matrix-precision]). A half-precision copy
 * is 2 bytes per value instead of 4, so a pass over a large matrix reads
 * half the bytes; the rows whose distance the copy cannot decide are
 * recomputed from the float32 row, so the picks are exactly those of
 * %LIGHTLY_SAMPLING_METHOD_CORESET or CORAL on float32. It is a speed and
 * storage choice, never a change of the result. Passes that also compute
 * guessed next picks stream the float32 rows whatever the precision, so
 * the copy speeds up only the other passes (pruned ones, and those without
 * guesses). The wire names are
 * `"FLOAT32"`, `"FLOAT16"` and `"BFLOAT16"`, see
 * [func@Lightly.MatrixPrecision.to_string].
 *
 * Since: 0.2
 */
typedef enum {
  LIGHTLY_MATRIX_PRECISION_FLOAT32,
  LIGHTLY_MATRIX_PRECISION_FLOAT16,
  LIGHTLY_MATRIX_PRECISION_BFLOAT16,
} LightlyMatrixPrecision;

LIGHTLY_AVAILABLE_IN_ALL
const char            *lightly_matrix_precision_to_string   (LightlyMatrixPrecision   precision);
LIGHTLY_AVAILABLE_IN_ALL
LightlyMatrixPrecision lightly_matrix_precision_from_string (const char              *name,
                                                             GError                 **error);

G_END_DECLS
