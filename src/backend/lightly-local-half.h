/* lightly-local-half.h: the half-precision copy a local selection streams (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* The float16/bfloat16 copy one selection job gives the engine: the
 * store's file mapped, or the values this job built. */
typedef struct {
  GBytes *values;
  /* TRUE when this job built the copy (first use, or the file was bad). */
  gboolean built;
} LightlyLocalHalf;

/* For a CORESET or CORAL job with a half @precision that has picks to make
 * (@params filled already: k, candidates), sets params->matrix_half and
 * params->half_kind from the embedding's copy, building and saving it
 * first when the store has none that is sound. Any other job is left as
 * it is. FALSE with LIGHTLY_ERROR_INVALID_INPUT when the copy cannot be
 * built (a value beyond float16's range, a value that is not finite). A
 * copy that cannot be saved is only a warning: this job uses it anyway. */
gboolean lightly_local_half_prepare (LightlyLocalHalf        *half,
                                     LightlyStore            *store,
                                     const char              *embedding_id,
                                     LightlyStoreMatrix      *matrix,
                                     LightlySamplingMethod    method,
                                     LightlyMatrixPrecision   precision,
                                     LightlySelectionParams  *params,
                                     GError                 **error);
void     lightly_local_half_clear   (LightlyLocalHalf        *half);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LightlyLocalHalf, lightly_local_half_clear)

G_END_DECLS
