/* lightly-scorer-semantic-segmentation.c: LightlyScorerSemanticSegmentation, uncertainty of pixel classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-semantic-segmentation.h"
#include "lightly-classification-private.h"
#include "lightly-error.h"

/**
 * LightlyScorerSemanticSegmentation:
 *
 * Scores a semantic-segmentation model's per-pixel class probabilities
 * ([protocol](protocol.html) §6.4, lightly's `ScorerSemanticSegmentation`).
 *
 * Add one image after the other, in query-set order, with
 * [method@Lightly.ScorerSemanticSegmentation.add_image] or
 * [method@Lightly.ScorerSemanticSegmentation.add_image_from_bytes]. Each
 * image's W × H × C probabilities are scored like
 * [class@Lightly.ScorerClassification] rows (normalised), and each of the
 * three scores `uncertainty_least_confidence`, `uncertainty_margin` and
 * `uncertainty_entropy` is averaged over the pixels. Only those three
 * numbers per image are kept, so the scorer holds no image data.
 *
 * A scorer without images gives a [class@Lightly.Scores] with no names at
 * all, as lightly returns `{}`; the agent then uploads no scores, as
 * lightly 1.1 does.
 *
 * ```python
 * scorer = Lightly.ScorerSemanticSegmentation.new()
 * for probs in predictions:   # numpy arrays, W × H × C
 *     w, h, c = probs.shape
 *     scorer.add_image_from_bytes(GLib.Bytes.new(probs.astype(numpy.float32).tobytes()), w, h, c)
 * ```
 */

struct _LightlyScorerSemanticSegmentation
{
  LightlyScorer parent_instance;

  GArray *image_scores;   /* double, LIGHTLY_CLASSIFICATION_N_SCORES per image */
};

G_DEFINE_FINAL_TYPE (LightlyScorerSemanticSegmentation, lightly_scorer_semantic_segmentation, LIGHTLY_TYPE_SCORER)

static const char * const score_names[] = {
  "uncertainty_least_confidence",
  "uncertainty_margin",
  "uncertainty_entropy",
  NULL
};

static LightlyScores *
lightly_scorer_semantic_segmentation_calculate_scores (LightlyScorer  *scorer,
                                                       GError        **error)
{
  LightlyScorerSemanticSegmentation *self = LIGHTLY_SCORER_SEMANTIC_SEGMENTATION (scorer);
  gsize n_images = self->image_scores->len / LIGHTLY_CLASSIFICATION_N_SCORES;
  g_autoptr(LightlyScores) scores = lightly_scores_new (n_images);
  g_autofree double *column = NULL;

  if (n_images == 0)
    return g_steal_pointer (&scores);

  column = g_new (double, n_images);
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      for (gsize i = 0; i < n_images; i++)
        column[i] = g_array_index (self->image_scores, double, i * LIGHTLY_CLASSIFICATION_N_SCORES + k);
      if (!lightly_scores_add (scores, score_names[k], column, n_images, error))
        return NULL;
    }
  return g_steal_pointer (&scores);
}

static void
lightly_scorer_semantic_segmentation_finalize (GObject *object)
{
  LightlyScorerSemanticSegmentation *self = LIGHTLY_SCORER_SEMANTIC_SEGMENTATION (object);

  g_clear_pointer (&self->image_scores, g_array_unref);

  G_OBJECT_CLASS (lightly_scorer_semantic_segmentation_parent_class)->finalize (object);
}

static void
lightly_scorer_semantic_segmentation_class_init (LightlyScorerSemanticSegmentationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LightlyScorerClass *scorer_class = LIGHTLY_SCORER_CLASS (klass);

  object_class->finalize = lightly_scorer_semantic_segmentation_finalize;
  scorer_class->calculate_scores = lightly_scorer_semantic_segmentation_calculate_scores;
}

static void
lightly_scorer_semantic_segmentation_init (LightlyScorerSemanticSegmentation *self)
{
  self->image_scores = g_array_new (FALSE, FALSE, sizeof (double));
}

/**
 * lightly_scorer_semantic_segmentation_new:
 *
 * Creates a semantic-segmentation scorer without images.
 *
 * Returns: (transfer full): a new scorer
 */
LightlyScorerSemanticSegmentation *
lightly_scorer_semantic_segmentation_new (void)
{
  return g_object_new (LIGHTLY_TYPE_SCORER_SEMANTIC_SEGMENTATION, NULL);
}

static gboolean
check_shape (LightlyScorerSemanticSegmentation  *self,
             gsize                               width,
             gsize                               height,
             gsize                               n_classes,
             gsize                              *n_pixels,
             gsize                              *n_values,
             GError                            **error)
{
  gsize image = lightly_scorer_semantic_segmentation_get_n_images (self);

  if (width == 0 || height == 0 || n_classes == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Image %" G_GSIZE_FORMAT " has the shape %" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " (width × height × classes): "
                   "no dimension may be empty",
                   image, width, height, n_classes);
      return FALSE;
    }
  if (!g_size_checked_mul (n_pixels, width, height) ||
      !g_size_checked_mul (n_values, *n_pixels, n_classes) ||
      *n_values > G_MAXSIZE / 8)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Image %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " × %" G_GSIZE_FORMAT " values is too large",
                   image, width, height, n_classes);
      return FALSE;
    }
  return TRUE;
}

static void
append_means (LightlyScorerSemanticSegmentation *self,
              const double                      *sums,
              gsize                              n_pixels)
{
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      double mean = sums[k] / (double) n_pixels;

      g_array_append_val (self->image_scores, mean);
    }
}

/**
 * lightly_scorer_semantic_segmentation_add_image:
 * @self: a #LightlyScorerSemanticSegmentation
 * @probs: (array length=n_values) (element-type gdouble): the class
 *   probabilities of every pixel, a @width × @height × @n_classes array in
 *   row-major order (the class index varies fastest), as numpy stores a
 *   W × H × C array
 * @n_values: the number of values, @width × @height × @n_classes
 * @width: W, the first dimension
 * @height: H, the second dimension
 * @n_classes: C, the number of classes; 1 for a binary model
 * @error: return location for a #GError
 *
 * Scores the next image of the query set and keeps its three mean scores.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT, adding nothing, if a dimension
 * is 0 or @n_values is not @width × @height × @n_classes.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_scorer_semantic_segmentation_add_image (LightlyScorerSemanticSegmentation  *self,
                                                const double                       *probs,
                                                gsize                               n_values,
                                                gsize                               width,
                                                gsize                               height,
                                                gsize                               n_classes,
                                                GError                            **error)
{
  LightlyClassificationRows rows;
  double sums[LIGHTLY_CLASSIFICATION_N_SCORES] = { 0, };
  gsize n_pixels, expected;

  g_return_val_if_fail (LIGHTLY_IS_SCORER_SEMANTIC_SEGMENTATION (self), FALSE);
  g_return_val_if_fail (probs != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_shape (self, width, height, n_classes, &n_pixels, &expected, error))
    return FALSE;
  if (n_values != expected)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Image %" G_GSIZE_FORMAT " has %" G_GSIZE_FORMAT " values, but %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " need %"
                   G_GSIZE_FORMAT,
                   lightly_scorer_semantic_segmentation_get_n_images (self),
                   n_values, width, height, n_classes, expected);
      return FALSE;
    }

  lightly_classification_rows_init (&rows, n_classes, TRUE);
  for (gsize i = 0; i < n_pixels; i++)
    {
      double s[LIGHTLY_CLASSIFICATION_N_SCORES];

      lightly_classification_rows_score (&rows, probs + i * n_classes, s);
      for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
        sums[k] += s[k];
    }
  lightly_classification_rows_clear (&rows);
  append_means (self, sums, n_pixels);
  return TRUE;
}

/**
 * lightly_scorer_semantic_segmentation_add_image_from_bytes:
 * @self: a #LightlyScorerSemanticSegmentation
 * @data: the class probabilities of every pixel as little-endian float32,
 *   a @width × @height × @n_classes array in row-major order
 * @width: W, the first dimension
 * @height: H, the second dimension
 * @n_classes: C, the number of classes; 1 for a binary model
 * @error: return location for a #GError
 *
 * Like [method@Lightly.ScorerSemanticSegmentation.add_image], for float32
 * data. Fails with %LIGHTLY_ERROR_INVALID_INPUT if @data does not have
 * @width × @height × @n_classes × 4 bytes.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_scorer_semantic_segmentation_add_image_from_bytes (LightlyScorerSemanticSegmentation  *self,
                                                           GBytes                             *data,
                                                           gsize                               width,
                                                           gsize                               height,
                                                           gsize                               n_classes,
                                                           GError                            **error)
{
  LightlyClassificationRows rows;
  double sums[LIGHTLY_CLASSIFICATION_N_SCORES] = { 0, };
  gsize n_pixels, n_values, size;
  const guint8 *bytes;

  g_return_val_if_fail (LIGHTLY_IS_SCORER_SEMANTIC_SEGMENTATION (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_shape (self, width, height, n_classes, &n_pixels, &n_values, error))
    return FALSE;
  bytes = g_bytes_get_data (data, &size);
  if (size != n_values * 4)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Image %" G_GSIZE_FORMAT " has %" G_GSIZE_FORMAT " bytes, but %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT
                   " float32 values need %" G_GSIZE_FORMAT " bytes",
                   lightly_scorer_semantic_segmentation_get_n_images (self),
                   size, width, height, n_classes, n_values * 4);
      return FALSE;
    }

  lightly_classification_rows_init (&rows, n_classes, TRUE);
  for (gsize i = 0; i < n_pixels; i++)
    {
      double s[LIGHTLY_CLASSIFICATION_N_SCORES];

      lightly_classification_rows_score_f32le (&rows, bytes + i * n_classes * 4, s);
      for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
        sums[k] += s[k];
    }
  lightly_classification_rows_clear (&rows);
  append_means (self, sums, n_pixels);
  return TRUE;
}

/**
 * lightly_scorer_semantic_segmentation_get_n_images:
 * @self: a #LightlyScorerSemanticSegmentation
 *
 * Gets the number of images added so far.
 *
 * Returns: the number of images
 */
gsize
lightly_scorer_semantic_segmentation_get_n_images (LightlyScorerSemanticSegmentation *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_SEMANTIC_SEGMENTATION (self), 0);

  return self->image_scores->len / LIGHTLY_CLASSIFICATION_N_SCORES;
}

/**
 * lightly_scorer_semantic_segmentation_get_score_names:
 *
 * Gets the names of the scores this scorer computes, in order:
 * `uncertainty_least_confidence`, `uncertainty_margin` and
 * `uncertainty_entropy`. A scorer without images gives none of them.
 *
 * Returns: (transfer none) (array zero-terminated=1): the score names
 */
const char * const *
lightly_scorer_semantic_segmentation_get_score_names (void)
{
  return score_names;
}
