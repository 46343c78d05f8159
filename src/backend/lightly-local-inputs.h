/* lightly-local-inputs.h: what a selection job reads per row besides the embedding (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "lightly/lightly-bit-mask.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* Per row of the dataset (the engine's layout), NULL when the method does
 * not read them: the scores of CORAL and ACTIVE_LEARNING (n_total) and the
 * class probabilities of BADGE and balance (n_total × n_classes; NULL with
 * n_classes 0 when none were uploaded, which the engine reports). */
typedef struct {
  double *scores;
  double *probabilities;
  gsize n_classes;
} LightlyLocalInputs;

/* Loads what @req's method reads from the query tag's scores (stored in
 * query-set order: the set bits of @query_mask give each member's row,
 * made into indices only for a method that reads scores). FALSE with
 * @error set (NOT_FOUND, SCORES_REQUIRED, INVALID_INPUT) when they are
 * missing or of the wrong length. */
gboolean lightly_local_inputs_load  (LightlyStore                  *store,
                                     const LightlySelectionRequest *req,
                                     const char                    *query_tag_id,
                                     const LightlyBitMask          *query_mask,
                                     gsize                          n_total,
                                     LightlyLocalInputs            *out,
                                     GError                       **error);
void     lightly_local_inputs_clear (LightlyLocalInputs *inputs);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LightlyLocalInputs, lightly_local_inputs_clear)

G_END_DECLS
