/* lightly-scorer-semantic-segmentation.h: LightlyScorerSemanticSegmentation, uncertainty of pixel classes
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

#define LIGHTLY_TYPE_SCORER_SEMANTIC_SEGMENTATION (lightly_scorer_semantic_segmentation_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScorerSemanticSegmentation, lightly_scorer_semantic_segmentation,
                      LIGHTLY, SCORER_SEMANTIC_SEGMENTATION, LightlyScorer)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerSemanticSegmentation *lightly_scorer_semantic_segmentation_new (void);
LIGHTLY_AVAILABLE_IN_ALL
gboolean lightly_scorer_semantic_segmentation_add_image            (LightlyScorerSemanticSegmentation  *self,
                                                                    const double                       *probs,
                                                                    gsize                               n_values,
                                                                    gsize                               width,
                                                                    gsize                               height,
                                                                    gsize                               n_classes,
                                                                    GError                            **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean lightly_scorer_semantic_segmentation_add_image_from_bytes (LightlyScorerSemanticSegmentation  *self,
                                                                    GBytes                             *data,
                                                                    gsize                               width,
                                                                    gsize                               height,
                                                                    gsize                               n_classes,
                                                                    GError                            **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize    lightly_scorer_semantic_segmentation_get_n_images         (LightlyScorerSemanticSegmentation  *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_scorer_semantic_segmentation_get_score_names (void);

G_END_DECLS
