/* lightly-bounding-box.h: LightlyBoundingBox, a normalised box
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

#define LIGHTLY_TYPE_BOUNDING_BOX (lightly_bounding_box_get_type ())

typedef struct _LightlyBoundingBox LightlyBoundingBox;

/**
 * LightlyBoundingBox:
 * @x0: the left edge, as a fraction of the image width
 * @y0: the top edge, as a fraction of the image height
 * @x1: the right edge, greater than @x0
 * @y1: the bottom edge, greater than @y0
 *
 * A detected object's box in normalised coordinates (lightly's
 * `BoundingBox`): (0, 0) is the top-left and (1, 1) the bottom-right corner
 * of the image.
 *
 * A box is a plain value: copy it with [method@Lightly.BoundingBox.copy]
 * and free it with [method@Lightly.BoundingBox.free].
 */
struct _LightlyBoundingBox
{
  double x0;
  double y0;
  double x1;
  double y1;
};

LIGHTLY_AVAILABLE_IN_ALL
GType               lightly_bounding_box_get_type              (void) G_GNUC_CONST;
LIGHTLY_AVAILABLE_IN_ALL
LightlyBoundingBox *lightly_bounding_box_new                   (double     x0,
                                                                double     y0,
                                                                double     x1,
                                                                double     y1,
                                                                gboolean   clip,
                                                                GError   **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBoundingBox *lightly_bounding_box_new_from_x_y_w_h      (double     x,
                                                                double     y,
                                                                double     width,
                                                                double     height,
                                                                GError   **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBoundingBox *lightly_bounding_box_new_from_yolo_label   (double     x_center,
                                                                double     y_center,
                                                                double     width,
                                                                double     height,
                                                                GError   **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyBoundingBox *lightly_bounding_box_copy                  (const LightlyBoundingBox *self);
LIGHTLY_AVAILABLE_IN_ALL
void                lightly_bounding_box_free                  (LightlyBoundingBox       *self);
LIGHTLY_AVAILABLE_IN_ALL
double              lightly_bounding_box_get_width             (const LightlyBoundingBox *self);
LIGHTLY_AVAILABLE_IN_ALL
double              lightly_bounding_box_get_height            (const LightlyBoundingBox *self);
LIGHTLY_AVAILABLE_IN_ALL
double              lightly_bounding_box_get_area              (const LightlyBoundingBox *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyBoundingBox, lightly_bounding_box_free)

G_END_DECLS
