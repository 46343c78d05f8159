/* lightly-scores.h: LightlyScores, named score arrays
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SCORES (lightly_scores_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScores, lightly_scores, LIGHTLY, SCORES, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScores *lightly_scores_new               (gsize          n_samples);
LIGHTLY_AVAILABLE_IN_ALL
gsize          lightly_scores_get_n_samples     (LightlyScores *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize          lightly_scores_get_n_names       (LightlyScores *self);
LIGHTLY_AVAILABLE_IN_ALL
char         **lightly_scores_dup_names         (LightlyScores *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean       lightly_scores_contains          (LightlyScores *self,
                                                 const char    *name);
LIGHTLY_AVAILABLE_IN_ALL
const double  *lightly_scores_get_values        (LightlyScores *self,
                                                 const char    *name,
                                                 gsize         *n);
LIGHTLY_AVAILABLE_IN_ALL
GBytes        *lightly_scores_dup_values_bytes  (LightlyScores *self,
                                                 const char    *name);
LIGHTLY_AVAILABLE_IN_ALL
gboolean       lightly_scores_add               (LightlyScores *self,
                                                 const char    *name,
                                                 const double  *values,
                                                 gsize          n,
                                                 GError       **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean       lightly_scores_add_probabilities (LightlyScores *self,
                                                 const double  *probabilities,
                                                 gsize          n_values,
                                                 gsize          n_classes,
                                                 GError       **error);

G_END_DECLS
