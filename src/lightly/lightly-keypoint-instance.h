/* lightly-keypoint-instance.h: LightlyKeypointInstance, one detected instance's keypoints
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

#define LIGHTLY_TYPE_KEYPOINT_INSTANCE (lightly_keypoint_instance_get_type ())

typedef struct _LightlyKeypointInstance LightlyKeypointInstance;

LIGHTLY_AVAILABLE_IN_ALL
GType                    lightly_keypoint_instance_get_type        (void) G_GNUC_CONST;
LIGHTLY_AVAILABLE_IN_ALL
LightlyKeypointInstance *lightly_keypoint_instance_new             (const double                  *keypoints,
                                                                    gsize                          n_values,
                                                                    GError                       **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyKeypointInstance *lightly_keypoint_instance_copy            (const LightlyKeypointInstance *self);
LIGHTLY_AVAILABLE_IN_ALL
void                     lightly_keypoint_instance_free            (LightlyKeypointInstance       *self);
LIGHTLY_AVAILABLE_IN_ALL
gsize                    lightly_keypoint_instance_get_n_keypoints (const LightlyKeypointInstance *self);
LIGHTLY_AVAILABLE_IN_ALL
const double            *lightly_keypoint_instance_get_keypoints   (const LightlyKeypointInstance *self,
                                                                    gsize                         *n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyKeypointInstance, lightly_keypoint_instance_free)

G_END_DECLS
