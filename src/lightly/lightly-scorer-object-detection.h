/* lightly-scorer-object-detection.h: LightlyScorerObjectDetection, uncertainty of detections
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
#include "lightly-object-detection-output.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SCORER_OBJECT_DETECTION (lightly_scorer_object_detection_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyScorerObjectDetection, lightly_scorer_object_detection,
                      LIGHTLY, SCORER_OBJECT_DETECTION, LightlyScorer)

LIGHTLY_AVAILABLE_IN_ALL
LightlyScorerObjectDetection *lightly_scorer_object_detection_new (LightlyObjectDetectionOutput **outputs,
                                                                   gsize                          n_outputs,
                                                                   GError                       **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize  lightly_scorer_object_detection_get_n_outputs         (LightlyScorerObjectDetection *self);
LIGHTLY_AVAILABLE_IN_ALL
double lightly_scorer_object_detection_get_frequency_penalty (LightlyScorerObjectDetection *self);
LIGHTLY_AVAILABLE_IN_ALL
void   lightly_scorer_object_detection_set_frequency_penalty (LightlyScorerObjectDetection *self,
                                                              double                        frequency_penalty);
LIGHTLY_AVAILABLE_IN_ALL
double lightly_scorer_object_detection_get_min_score         (LightlyScorerObjectDetection *self);
LIGHTLY_AVAILABLE_IN_ALL
void   lightly_scorer_object_detection_set_min_score         (LightlyScorerObjectDetection *self,
                                                              double                        min_score);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_scorer_object_detection_get_score_names (void);

G_END_DECLS
