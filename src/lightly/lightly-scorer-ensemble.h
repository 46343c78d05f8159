/* lightly-scorer-ensemble.h: LightlyScorerEnsemble, disagreement of an ensemble or MC-dropout passes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-scorer.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SCORER_ENSEMBLE (lightly_scorer_ensemble_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScorerEnsemble, lightly_scorer_ensemble, LIGHTLY, SCORER_ENSEMBLE, LightlyScorer)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerEnsemble *lightly_scorer_ensemble_new            (const double  *predictions,
                                                              gsize          n_values,
                                                              gsize          n_members,
                                                              gsize          n_rows,
                                                              gsize          n_cols,
                                                              GError       **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerEnsemble *lightly_scorer_ensemble_new_from_bytes (GBytes        *data,
                                                              gsize          n_members,
                                                              gsize          n_rows,
                                                              gsize          n_cols,
                                                              GError       **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize     lightly_scorer_ensemble_get_n_members  (LightlyScorerEnsemble *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize     lightly_scorer_ensemble_get_n_rows     (LightlyScorerEnsemble *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize     lightly_scorer_ensemble_get_n_cols     (LightlyScorerEnsemble *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean  lightly_scorer_ensemble_get_normalize  (LightlyScorerEnsemble *self);
LIGHTLY_AVAILABLE_IN_ALL
void      lightly_scorer_ensemble_set_normalize  (LightlyScorerEnsemble *self,
                                                  gboolean               normalize);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_scorer_ensemble_get_score_names (void);

G_END_DECLS
