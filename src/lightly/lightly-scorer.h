/* lightly-scorer.h: LightlyScorer, the abstract active-learning scorer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-scores.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SCORER (lightly_scorer_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (LightlyScorer, lightly_scorer, LIGHTLY, SCORER, GObject)

/**
 * LightlyScorerClass:
 * @parent_class: the parent class
 * @calculate_scores: computes the scores; returns a new #LightlyScores, or
 *   %NULL with @error set. Called only through
 *   [method@Lightly.Scorer.calculate_scores], in the scorer's owner context.
 *
 * The class structure of #LightlyScorer. Subclasses must implement
 * @calculate_scores.
 */
struct _LightlyScorerClass
{
  GObjectClass parent_class;

  LightlyScores *(*calculate_scores) (LightlyScorer  *self,
                                      GError        **error);

  /*< private >*/
  gpointer padding[8];
};

LIGHTLY_AVAILABLE_IN_ALL
LightlyScores *lightly_scorer_calculate_scores (LightlyScorer  *self,
                                                GError        **error);

G_END_DECLS
