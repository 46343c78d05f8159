/* lightly-bounding-box.c: LightlyBoundingBox, a normalised box
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "lightly-bounding-box.h"
#include "lightly-error.h"

G_DEFINE_BOXED_TYPE (LightlyBoundingBox, lightly_bounding_box,
                     lightly_bounding_box_copy, lightly_bounding_box_free)

static double
clip01 (double v)
{
  return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/**
 * lightly_bounding_box_new:
 * @x0: the left edge
 * @y0: the top edge
 * @x1: the right edge
 * @y1: the bottom edge
 * @clip: whether to clip the coordinates to [0, 1] first (lightly's
 *   default)
 * @error: return location for a #GError
 *
 * Creates a box from its corners in normalised coordinates.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if, after clipping, @x0 is not
 * less than @x1 or @y0 not less than @y1 (an empty box), or if a coordinate
 * is NaN, or infinite while @clip is %FALSE.
 *
 * Returns: (transfer full): a new box, or %NULL with @error set
 */
LightlyBoundingBox *
lightly_bounding_box_new (double    x0,
                          double    y0,
                          double    x1,
                          double    y1,
                          gboolean  clip,
                          GError  **error)
{
  LightlyBoundingBox *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (isnan (x0) || isnan (y0) || isnan (x1) || isnan (y1) ||
      (!clip && !(isfinite (x0) && isfinite (y0) && isfinite (x1) && isfinite (y1))))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Bounding box (x0=%g, y0=%g, x1=%g, y1=%g) has a coordinate that is "
                   "not a finite number",
                   x0, y0, x1, y1);
      return NULL;
    }
  if (clip)
    {
      x0 = clip01 (x0);
      y0 = clip01 (y0);
      x1 = clip01 (x1);
      y1 = clip01 (y1);
    }
  if (!(x0 < x1) || !(y0 < y1))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Bounding box (x0=%g, y0=%g, x1=%g, y1=%g)%s is empty: "
                   "x0 must be less than x1 and y0 less than y1",
                   x0, y0, x1, y1, clip ? " after clipping to [0, 1]" : "");
      return NULL;
    }

  self = g_new (LightlyBoundingBox, 1);
  self->x0 = x0;
  self->y0 = y0;
  self->x1 = x1;
  self->y1 = y1;
  return self;
}

/**
 * lightly_bounding_box_new_from_x_y_w_h:
 * @x: the left edge
 * @y: the top edge
 * @width: the width
 * @height: the height
 * @error: return location for a #GError
 *
 * Creates the box (@x, @y, @x + @width, @y + @height), clipped to [0, 1]
 * (lightly's `BoundingBox.from_x_y_w_h`). Fails like
 * [ctor@Lightly.BoundingBox.new].
 *
 * Returns: (transfer full): a new box, or %NULL with @error set
 */
LightlyBoundingBox *
lightly_bounding_box_new_from_x_y_w_h (double   x,
                                       double   y,
                                       double   width,
                                       double   height,
                                       GError **error)
{
  return lightly_bounding_box_new (x, y, x + width, y + height, TRUE, error);
}

/**
 * lightly_bounding_box_new_from_yolo_label:
 * @x_center: the horizontal centre
 * @y_center: the vertical centre
 * @width: the width
 * @height: the height
 * @error: return location for a #GError
 *
 * Creates a box from a YOLO label, (@x_center − @width / 2,
 * @y_center − @height / 2, @x_center + @width / 2, @y_center + @height / 2),
 * clipped to [0, 1] (lightly's `BoundingBox.from_yolo_label`). Fails like
 * [ctor@Lightly.BoundingBox.new].
 *
 * Returns: (transfer full): a new box, or %NULL with @error set
 */
LightlyBoundingBox *
lightly_bounding_box_new_from_yolo_label (double   x_center,
                                          double   y_center,
                                          double   width,
                                          double   height,
                                          GError **error)
{
  return lightly_bounding_box_new (x_center - width / 2, y_center - height / 2,
                                   x_center + width / 2, y_center + height / 2,
                                   TRUE, error);
}

/**
 * lightly_bounding_box_copy:
 * @self: a box
 *
 * Copies a box.
 *
 * Returns: (transfer full): a copy of @self
 */
LightlyBoundingBox *
lightly_bounding_box_copy (const LightlyBoundingBox *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_memdup2 (self, sizeof *self);
}

/**
 * lightly_bounding_box_free:
 * @self: (nullable): a box
 *
 * Frees a box.
 */
void
lightly_bounding_box_free (LightlyBoundingBox *self)
{
  g_free (self);
}

/**
 * lightly_bounding_box_get_width:
 * @self: a box
 *
 * Gets the width, @x1 − @x0.
 *
 * Returns: the width
 */
double
lightly_bounding_box_get_width (const LightlyBoundingBox *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->x1 - self->x0;
}

/**
 * lightly_bounding_box_get_height:
 * @self: a box
 *
 * Gets the height, @y1 − @y0.
 *
 * Returns: the height
 */
double
lightly_bounding_box_get_height (const LightlyBoundingBox *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->y1 - self->y0;
}

/**
 * lightly_bounding_box_get_area:
 * @self: a box
 *
 * Gets the area, width × height, as a fraction of the image's area.
 *
 * Returns: the area
 */
double
lightly_bounding_box_get_area (const LightlyBoundingBox *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return lightly_bounding_box_get_width (self) * lightly_bounding_box_get_height (self);
}
