/* lightly-scorer-classification.h: LightlyScorerClassification, uncertainty of class probabilities
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

#define LIGHTLY_TYPE_SCORER_CLASSIFICATION (lightly_scorer_classification_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScorerClassification, lightly_scorer_classification,
                      LIGHTLY, SCORER_CLASSIFICATION, LightlyScorer)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerClassification *lightly_scorer_classification_new            (const double  *predictions,
                                                                          gsize          n_values,
                                                                          gsize          n_rows,
                                                                          gsize          n_cols,
                                                                          GError       **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerClassification *lightly_scorer_classification_new_from_bytes (GBytes        *data,
                                                                          gsize          n_rows,
                                                                          gsize          n_cols,
                                                                          GError       **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize        lightly_scorer_classification_get_n_rows      (LightlyScorerClassification *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize        lightly_scorer_classification_get_n_cols      (LightlyScorerClassification *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean     lightly_scorer_classification_get_normalize   (LightlyScorerClassification *self);
LIGHTLY_AVAILABLE_IN_ALL
void         lightly_scorer_classification_set_normalize   (LightlyScorerClassification *self,
                                                            gboolean                     normalize);
LIGHTLY_AVAILABLE_IN_ALL
gboolean     lightly_scorer_classification_get_probabilities (LightlyScorerClassification *self);
LIGHTLY_AVAILABLE_IN_ALL
void         lightly_scorer_classification_set_probabilities (LightlyScorerClassification *self,
                                                              gboolean                     probabilities);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_scorer_classification_get_score_names (void);

G_END_DECLS
