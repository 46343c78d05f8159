/* lightly-scorer-keypoint-detection.h: LightlyScorerKeypointDetection, uncertainty of keypoints
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
#include "lightly-keypoint-instance.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SCORER_KEYPOINT_DETECTION (lightly_scorer_keypoint_detection_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScorerKeypointDetection, lightly_scorer_keypoint_detection,
                      LIGHTLY, SCORER_KEYPOINT_DETECTION, LightlyScorer)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerKeypointDetection *lightly_scorer_keypoint_detection_new (void);
LIGHTLY_AVAILABLE_IN_ALL
void     lightly_scorer_keypoint_detection_add_image      (LightlyScorerKeypointDetection  *self,
                                                           LightlyKeypointInstance        **instances,
                                                           gsize                            n_instances);
LIGHTLY_AVAILABLE_IN_ALL
gboolean lightly_scorer_keypoint_detection_add_image_flat (LightlyScorerKeypointDetection  *self,
                                                           const double                    *keypoints,
                                                           gsize                            n_values,
                                                           const guint                     *instance_lengths,
                                                           gsize                            n_instances,
                                                           GError                         **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize    lightly_scorer_keypoint_detection_get_n_images   (LightlyScorerKeypointDetection  *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_scorer_keypoint_detection_get_score_names (void);

G_END_DECLS
