/* lightly-object-detection-output.h: LightlyObjectDetectionOutput, one image's detections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-bounding-box.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_OBJECT_DETECTION_OUTPUT (lightly_object_detection_output_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyObjectDetectionOutput, lightly_object_detection_output,
                      LIGHTLY, OBJECT_DETECTION_OUTPUT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlyObjectDetectionOutput *lightly_object_detection_output_new             (LightlyBoundingBox **boxes,
                                                                              gsize                n_boxes,
                                                                              const double        *object_probabilities,
                                                                              gsize                n_object_probabilities,
                                                                              const double        *class_probabilities,
                                                                              gsize                n_class_values,
                                                                              gsize                n_classes,
                                                                              GError             **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyObjectDetectionOutput *lightly_object_detection_output_new_from_scores (LightlyBoundingBox **boxes,
                                                                              gsize                n_boxes,
                                                                              const double        *scores,
                                                                              gsize                n_scores,
                                                                              const int           *labels,
                                                                              gsize                n_labels,
                                                                              GError             **error);
LIGHTLY_AVAILABLE_IN_ALL
gsize                     lightly_object_detection_output_get_n_boxes              (LightlyObjectDetectionOutput *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize                     lightly_object_detection_output_get_n_classes            (LightlyObjectDetectionOutput *self);
LIGHTLY_AVAILABLE_IN_ALL
const LightlyBoundingBox *lightly_object_detection_output_get_box                  (LightlyObjectDetectionOutput *self,
                                                                                    gsize                         index);
LIGHTLY_AVAILABLE_IN_ALL
const double             *lightly_object_detection_output_get_object_probabilities (LightlyObjectDetectionOutput *self,
                                                                                    gsize                        *n);
LIGHTLY_AVAILABLE_IN_ALL
const double             *lightly_object_detection_output_get_class_probabilities  (LightlyObjectDetectionOutput *self,
                                                                                    gsize                        *n);
LIGHTLY_AVAILABLE_IN_ALL
const double             *lightly_object_detection_output_get_scores               (LightlyObjectDetectionOutput *self,
                                                                                    gsize                        *n);
LIGHTLY_AVAILABLE_IN_ALL
const int                *lightly_object_detection_output_get_labels               (LightlyObjectDetectionOutput *self,
                                                                                    gsize                        *n);

G_END_DECLS
