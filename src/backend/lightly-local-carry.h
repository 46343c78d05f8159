/* lightly-local-carry.h: carried coverage for the local backend's selections (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* The engine's carried state of one selection job: its per-candidate
 * arrays, filled from the embedding's coverage file when that applies. */
typedef struct {
  LightlySelectionCarry carry;
  guint32 *uncovered;
} LightlyLocalCarry;

/* Prepares @out for a run of @method over the candidates and P, and
 * returns the carry to give the engine, or NULL when the method or the
 * store does not carry coverage (or LIGHTLY_CARRIED_COVERAGE=0 is in the
 * environment). */
LightlySelectionCarry *lightly_local_carry_prepare (LightlyLocalCarry   *out,
                                                    LightlyStore        *store,
                                                    const char          *embedding_id,
                                                    LightlyStoreMatrix  *matrix,
                                                    LightlySamplingMethod method,
                                                    gboolean             balance,
                                                    const guint32       *candidates,
                                                    gsize                n_candidates,
                                                    const guint32       *preselected,
                                                    gsize                n_preselected);
/* After a successful run: stores the coverage the run ended with (over P
 * and its applied picks). A failure is only a warning: the next round
 * recomputes. */
void                   lightly_local_carry_save    (LightlyLocalCarry   *carry,
                                                    LightlyStore        *store,
                                                    const char          *embedding_id,
                                                    LightlyStoreMatrix  *matrix,
                                                    const guint32       *candidates,
                                                    gsize                n_candidates,
                                                    const guint32       *preselected,
                                                    gsize                n_preselected,
                                                    const GArray        *picks);
void                   lightly_local_carry_clear   (LightlyLocalCarry   *carry);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LightlyLocalCarry, lightly_local_carry_clear)

G_END_DECLS
