/* lightly-scorer-keypoint-detection.c: LightlyScorerKeypointDetection, uncertainty of keypoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-keypoint-detection.h"
#include "lightly-keypoint-private.h"
#include "lightly-error.h"

/**
 * LightlyScorerKeypointDetection:
 *
 * Scores a keypoint detector's output ([protocol](protocol.html) §6.5, lightly 1.2.10's
 * `ScorerKeypointDetection`; lightly 1.1 listed it as "coming soon").
 *
 * Add one image after the other, in query-set order, each with its list of
 * [struct@Lightly.KeypointInstance]s, using
 * [method@Lightly.ScorerKeypointDetection.add_image] or
 * [method@Lightly.ScorerKeypointDetection.add_image_flat].
 *
 * The one score, `mean_uncertainty`, is `1 − mean over the instances of
 * (the mean confidence of the instance's keypoints)`. Instances without
 * keypoints are skipped; an image without any keypoints scores 0.
 */

struct _LightlyScorerKeypointDetection
{
  LightlyScorer parent_instance;

  GArray *image_scores;   /* double */
};

G_DEFINE_FINAL_TYPE (LightlyScorerKeypointDetection, lightly_scorer_keypoint_detection, LIGHTLY_TYPE_SCORER)

static const char * const score_names[] = {
  "mean_uncertainty",
  NULL
};

static LightlyScores *
lightly_scorer_keypoint_detection_calculate_scores (LightlyScorer  *scorer,
                                                    GError        **error)
{
  LightlyScorerKeypointDetection *self = LIGHTLY_SCORER_KEYPOINT_DETECTION (scorer);
  g_autoptr(LightlyScores) scores = lightly_scores_new (self->image_scores->len);

  if (!lightly_scores_add (scores, score_names[0], (const double *) self->image_scores->data,
                           self->image_scores->len, error))
    return NULL;
  return g_steal_pointer (&scores);
}

static void
lightly_scorer_keypoint_detection_finalize (GObject *object)
{
  LightlyScorerKeypointDetection *self = LIGHTLY_SCORER_KEYPOINT_DETECTION (object);

  g_clear_pointer (&self->image_scores, g_array_unref);

  G_OBJECT_CLASS (lightly_scorer_keypoint_detection_parent_class)->finalize (object);
}

static void
lightly_scorer_keypoint_detection_class_init (LightlyScorerKeypointDetectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LightlyScorerClass *scorer_class = LIGHTLY_SCORER_CLASS (klass);

  object_class->finalize = lightly_scorer_keypoint_detection_finalize;
  scorer_class->calculate_scores = lightly_scorer_keypoint_detection_calculate_scores;
}

static void
lightly_scorer_keypoint_detection_init (LightlyScorerKeypointDetection *self)
{
  /* Zero-terminated, so that data is never NULL even without images. */
  self->image_scores = g_array_new (TRUE, TRUE, sizeof (double));
}

/**
 * lightly_scorer_keypoint_detection_new:
 *
 * Creates a keypoint-detection scorer without images.
 *
 * Returns: (transfer full): a new scorer
 */
LightlyScorerKeypointDetection *
lightly_scorer_keypoint_detection_new (void)
{
  return g_object_new (LIGHTLY_TYPE_SCORER_KEYPOINT_DETECTION, NULL);
}

static void
append_score (LightlyScorerKeypointDetection *self,
              double                          sum,
              gsize                           n)
{
  double score = n > 0 ? 1.0 - sum / (double) n : 0.0;

  g_array_append_val (self->image_scores, score);
}

/**
 * lightly_scorer_keypoint_detection_add_image:
 * @self: a #LightlyScorerKeypointDetection
 * @instances: (array length=n_instances) (transfer none):
 *   the instances detected in the image; may be empty
 * @n_instances: the number of instances
 *
 * Scores the next image of the query set.
 */
void
lightly_scorer_keypoint_detection_add_image (LightlyScorerKeypointDetection  *self,
                                             LightlyKeypointInstance        **instances,
                                             gsize                            n_instances)
{
  double sum = 0.0;
  gsize n = 0;

  g_return_if_fail (LIGHTLY_IS_SCORER_KEYPOINT_DETECTION (self));
  g_return_if_fail (instances != NULL || n_instances == 0);
  for (gsize i = 0; i < n_instances; i++)
    g_return_if_fail (instances[i] != NULL);

  for (gsize i = 0; i < n_instances; i++)
    {
      gsize n_values;
      const double *values = lightly_keypoint_instance_get_keypoints (instances[i], &n_values);

      if (n_values == 0)
        continue;
      sum += lightly_keypoints_mean_confidence (values, n_values);
      n++;
    }
  append_score (self, sum, n);
}

/**
 * lightly_scorer_keypoint_detection_add_image_flat:
 * @self: a #LightlyScorerKeypointDetection
 * @keypoints: (array length=n_values) (element-type gdouble): the keypoints
 *   of all instances of the image, one instance after the other, each
 *   `[x0, y0, c0, x1, y1, c1, …]`
 * @n_values: the number of values
 * @instance_lengths: (array length=n_instances) (element-type guint): the
 *   number of values of each instance, each a multiple of 3, summing to
 *   @n_values
 * @n_instances: the number of instances; may be 0
 * @error: return location for a #GError
 *
 * Scores the next image of the query set from flat arrays, without
 * creating a [struct@Lightly.KeypointInstance] per instance.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT, adding nothing and naming the
 * image and the instance, if the lengths do not add up to @n_values, a
 * length is not a multiple of 3, a coordinate is not finite, or a
 * confidence is outside [0, 1] or NaN.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_scorer_keypoint_detection_add_image_flat (LightlyScorerKeypointDetection  *self,
                                                  const double                    *keypoints,
                                                  gsize                            n_values,
                                                  const guint                     *instance_lengths,
                                                  gsize                            n_instances,
                                                  GError                         **error)
{
  gsize image;
  gsize total = 0;
  gsize offset = 0;
  double sum = 0.0;
  gsize n = 0;

  g_return_val_if_fail (LIGHTLY_IS_SCORER_KEYPOINT_DETECTION (self), FALSE);
  g_return_val_if_fail (keypoints != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (instance_lengths != NULL || n_instances == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  image = self->image_scores->len;
  for (gsize i = 0; i < n_instances; i++)
    total += instance_lengths[i];
  if (total != n_values)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Image %" G_GSIZE_FORMAT ": the instance lengths add up to %"
                   G_GSIZE_FORMAT " values, but %" G_GSIZE_FORMAT " were given",
                   image, total, n_values);
      return FALSE;
    }

  for (gsize i = 0; i < n_instances; i++)
    {
      g_autofree char *where = g_strdup_printf ("Keypoint instance %" G_GSIZE_FORMAT
                                                " of image %" G_GSIZE_FORMAT, i, image);

      if (!lightly_keypoints_check (keypoints + offset, instance_lengths[i], where, error))
        return FALSE;
      offset += instance_lengths[i];
    }

  offset = 0;
  for (gsize i = 0; i < n_instances; i++)
    {
      if (instance_lengths[i] > 0)
        {
          sum += lightly_keypoints_mean_confidence (keypoints + offset, instance_lengths[i]);
          n++;
        }
      offset += instance_lengths[i];
    }
  append_score (self, sum, n);
  return TRUE;
}

/**
 * lightly_scorer_keypoint_detection_get_n_images:
 * @self: a #LightlyScorerKeypointDetection
 *
 * Gets the number of images added so far.
 *
 * Returns: the number of images
 */
gsize
lightly_scorer_keypoint_detection_get_n_images (LightlyScorerKeypointDetection *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_KEYPOINT_DETECTION (self), 0);

  return self->image_scores->len;
}

/**
 * lightly_scorer_keypoint_detection_get_score_names:
 *
 * Gets the names of the scores this scorer computes: `mean_uncertainty`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the score names
 */
const char * const *
lightly_scorer_keypoint_detection_get_score_names (void)
{
  return score_names;
}
