/* lightly-keypoint-instance.c: LightlyKeypointInstance, one detected instance's keypoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-keypoint-instance.h"
#include "lightly-keypoint-private.h"
#include "lightly-error.h"

/**
 * LightlyKeypointInstance:
 *
 * The keypoints a keypoint detector found for one instance (one person,
 * one animal…): a flat array `[x0, y0, c0, x1, y1, c1, …]` of coordinates
 * and confidences, as in lightly's `KeypointPrediction`.
 *
 * An instance is immutable and always valid: the length is a multiple of 3,
 * the coordinates are finite and the confidences are in [0, 1]. An
 * instance may have no keypoints at all; the scorer skips it.
 */

struct _LightlyKeypointInstance
{
  gsize n_values;
  double *values;   /* never NULL */
};

G_DEFINE_BOXED_TYPE (LightlyKeypointInstance, lightly_keypoint_instance,
                     lightly_keypoint_instance_copy, lightly_keypoint_instance_free)

gboolean
lightly_keypoints_check (const double  *values,
                         gsize          n_values,
                         const char    *where,
                         GError       **error)
{
  if (n_values % 3 != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s has %" G_GSIZE_FORMAT " values, which is not a multiple of 3: "
                   "give [x, y, confidence] for each keypoint",
                   where, n_values);
      return FALSE;
    }
  for (gsize i = 0; i < n_values; i += 3)
    {
      double c = values[i + 2];

      if (!isfinite (values[i]) || !isfinite (values[i + 1]))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: keypoint %" G_GSIZE_FORMAT " has the coordinates (%g, %g), "
                       "which are not finite numbers",
                       where, i / 3, values[i], values[i + 1]);
          return FALSE;
        }
      if (!(c >= 0.0 && c <= 1.0))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "%s: keypoint %" G_GSIZE_FORMAT " has the confidence %g, "
                       "which is not in [0, 1]",
                       where, i / 3, c);
          return FALSE;
        }
    }
  return TRUE;
}

double
lightly_keypoints_mean_confidence (const double *values,
                                   gsize         n_values)
{
  double sum = 0.0;

  g_assert (n_values >= 3);

  for (gsize i = 2; i < n_values; i += 3)
    sum += values[i];
  return sum / (double) (n_values / 3);
}

/**
 * lightly_keypoint_instance_new:
 * @keypoints: (array length=n_values) (element-type gdouble): the keypoints,
 *   `[x0, y0, c0, x1, y1, c1, …]`
 * @n_values: the number of values, 3 × the number of keypoints
 * @error: return location for a #GError
 *
 * Creates an instance, copying @keypoints.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @n_values is not a multiple of
 * 3, a coordinate is NaN or infinite, or a confidence is outside [0, 1] or
 * NaN.
 *
 * Returns: (transfer full): a new instance, or %NULL with @error set
 */
LightlyKeypointInstance *
lightly_keypoint_instance_new (const double  *keypoints,
                               gsize          n_values,
                               GError       **error)
{
  LightlyKeypointInstance *self;

  g_return_val_if_fail (keypoints != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!lightly_keypoints_check (keypoints, n_values, "The keypoint instance", error))
    return NULL;

  self = g_new0 (LightlyKeypointInstance, 1);
  self->n_values = n_values;
  self->values = g_new (double, MAX (n_values, 1));
  if (n_values > 0)
    memcpy (self->values, keypoints, n_values * sizeof (double));
  return self;
}

/**
 * lightly_keypoint_instance_copy:
 * @self: an instance
 *
 * Copies an instance.
 *
 * Returns: (transfer full): a copy of @self
 */
LightlyKeypointInstance *
lightly_keypoint_instance_copy (const LightlyKeypointInstance *self)
{
  LightlyKeypointInstance *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (LightlyKeypointInstance, 1);
  copy->n_values = self->n_values;
  copy->values = g_memdup2 (self->values, MAX (self->n_values, 1) * sizeof (double));
  return copy;
}

/**
 * lightly_keypoint_instance_free:
 * @self: (nullable): an instance
 *
 * Frees an instance.
 */
void
lightly_keypoint_instance_free (LightlyKeypointInstance *self)
{
  if (self == NULL)
    return;
  g_free (self->values);
  g_free (self);
}

/**
 * lightly_keypoint_instance_get_n_keypoints:
 * @self: an instance
 *
 * Gets the number of keypoints, a third of the number of values.
 *
 * Returns: the number of keypoints
 */
gsize
lightly_keypoint_instance_get_n_keypoints (const LightlyKeypointInstance *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_values / 3;
}

/**
 * lightly_keypoint_instance_get_keypoints:
 * @self: an instance
 * @n: (out) (optional): return location for the number of values
 *
 * Gets the keypoints as given, `[x0, y0, c0, x1, y1, c1, …]`.
 *
 * Returns: (array length=n) (element-type gdouble) (transfer none): the
 *   values, owned by @self
 */
const double *
lightly_keypoint_instance_get_keypoints (const LightlyKeypointInstance *self,
                                         gsize                         *n)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n != NULL)
    *n = self->n_values;
  return self->values;
}
