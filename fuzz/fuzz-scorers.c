/* fuzz-scorers.c: the input checks of the scorers
 *
 * Input: byte 0 picks the scorer (classification, object detection,
 * semantic segmentation, keypoint detection); the next bytes are shapes;
 * every later byte is one value: below 0xf0 a probability in [0, 1] (so
 * rows seldom sum to 1), else one of the awkward doubles below (NaN, ±Inf,
 * negatives, denormals, huge). A scorer either refuses its input with a
 * GError, or computes scores that are all finite, one per sample: the
 * server refuses anything else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <float.h>
#include <math.h>

#include <lightly/lightly.h>

#include "fuzz-common.h"

typedef struct {
  const uint8_t *p;
  const uint8_t *end;
} Input;

static guint
take_count (Input *in,
            guint  max)
{
  return in->p < in->end ? *in->p++ % (max + 1) : 0;
}

static double
take_value (Input *in)
{
  static const double special[16] = {
    NAN, INFINITY, -INFINITY, 0.0, 1.0, -1.0, 0.5, 2.0,
    DBL_MIN / 4, DBL_MAX, -DBL_MAX, 1e-300, 1.0 + DBL_EPSILON, -0.0, 1e300, 0.999999,
  };
  uint8_t b;

  if (in->p >= in->end)
    return 0.25;
  b = *in->p++;
  return b < 0xf0 ? b / 239.0 : special[b - 0xf0];
}

static double *
take_values (Input *in,
             gsize  n)
{
  double *v = g_new (double, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    v[i] = take_value (in);
  return v;
}

/* n_values is sometimes off by one from the shape: the scorer must notice. */
static gsize
skew (Input *in,
      gsize  n)
{
  guint s = take_count (in, 7);

  return s == 1 ? n + 1 : (s == 2 && n > 0) ? n - 1 : n;
}

static void
check_scores (LightlyScorer *scorer,
              gsize          n_samples)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScores) scores = lightly_scorer_calculate_scores (scorer, &error);
  g_auto(GStrv) names = NULL;

  if (scores == NULL)
    {
      g_assert_nonnull (error);
      return;
    }
  g_assert_cmpuint (lightly_scores_get_n_samples (scores), ==, n_samples);
  names = lightly_scores_dup_names (scores);
  for (guint k = 0; names[k] != NULL; k++)
    {
      gsize n = 0;
      const double *values = lightly_scores_get_values (scores, names[k], &n);

      g_assert_cmpuint (n, ==, n_samples);
      for (gsize i = 0; i < n; i++)
        if (!isfinite (values[i]))
          g_error ("score %s[%" G_GSIZE_FORMAT "] is %g", names[k], i, values[i]);
    }
}

static void
classification (Input *in)
{
  guint rows = take_count (in, 8), cols = take_count (in, 6);
  gsize n = skew (in, (gsize) rows * cols);
  g_autofree double *values = take_values (in, n);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScorerClassification) scorer = NULL;

  scorer = lightly_scorer_classification_new (values, n, rows, cols, &error);
  if (scorer == NULL)
    {
      g_assert_nonnull (error);
      return;
    }
  lightly_scorer_classification_set_normalize (scorer, take_count (in, 1));
  check_scores (LIGHTLY_SCORER (scorer), rows);
}

static LightlyObjectDetectionOutput *
detection_output (Input *in)
{
  guint n_boxes = take_count (in, 4), n_classes = take_count (in, 4);
  gboolean from_scores = take_count (in, 1);
  g_autoptr(GPtrArray) boxes = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_bounding_box_free);
  g_autoptr(GError) error = NULL;

  for (guint b = 0; b < n_boxes; b++)
    {
      double x0 = take_value (in), y0 = take_value (in), x1 = take_value (in), y1 = take_value (in);
      LightlyBoundingBox *box = lightly_bounding_box_new (x0, y0, x1, y1, take_count (in, 1), &error);

      if (box == NULL)
        {
          g_assert_nonnull (error);
          return NULL;
        }
      g_ptr_array_add (boxes, box);
    }
  if (from_scores)
    {
      gsize n_scores = skew (in, n_boxes), n_labels = skew (in, n_boxes);
      g_autofree double *scores = take_values (in, n_scores);
      g_autofree int *labels = g_new (int, MAX (n_labels, 1));

      for (gsize i = 0; i < n_labels; i++)
        labels[i] = (int) take_count (in, 255) - 2;
      return lightly_object_detection_output_new_from_scores ((LightlyBoundingBox **) boxes->pdata, n_boxes,
                                                              scores, n_scores, labels, n_labels, &error);
    }
  else
    {
      gsize n_obj = skew (in, n_boxes), n_cls = skew (in, (gsize) n_boxes * n_classes);
      g_autofree double *obj = take_values (in, n_obj);
      g_autofree double *cls = take_values (in, n_cls);

      return lightly_object_detection_output_new ((LightlyBoundingBox **) boxes->pdata, n_boxes,
                                                  obj, n_obj, cls, n_cls, n_classes, &error);
    }
}

static void
object_detection (Input *in)
{
  guint n_outputs = take_count (in, 5);
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScorerObjectDetection) scorer = NULL;

  for (guint i = 0; i < n_outputs; i++)
    {
      LightlyObjectDetectionOutput *out = detection_output (in);

      if (out == NULL)
        return;
      g_ptr_array_add (outputs, out);
    }
  scorer = lightly_scorer_object_detection_new ((LightlyObjectDetectionOutput **) outputs->pdata, n_outputs, &error);
  if (scorer == NULL)
    {
      g_assert_nonnull (error);
      return;
    }
  /* The setters' ranges are preconditions (criticals), not input checks. */
  lightly_scorer_object_detection_set_frequency_penalty (scorer, take_count (in, 100) / 100.0);
  lightly_scorer_object_detection_set_min_score (scorer, take_count (in, 100) / 100.0);
  check_scores (LIGHTLY_SCORER (scorer), n_outputs);
}

static void
segmentation (Input *in)
{
  guint n_images = take_count (in, 4), added = 0;
  g_autoptr(LightlyScorerSemanticSegmentation) scorer = lightly_scorer_semantic_segmentation_new ();

  for (guint i = 0; i < n_images; i++)
    {
      guint w = take_count (in, 4), h = take_count (in, 4), c = take_count (in, 4);
      gsize n = skew (in, (gsize) w * h * c);
      g_autofree double *probs = take_values (in, n);
      g_autoptr(GError) error = NULL;

      if (lightly_scorer_semantic_segmentation_add_image (scorer, probs, n, w, h, c, &error))
        added++;
      else
        g_assert_nonnull (error);
    }
  g_assert_cmpuint (lightly_scorer_semantic_segmentation_get_n_images (scorer), ==, added);
  check_scores (LIGHTLY_SCORER (scorer), added);
}

static void
keypoints (Input *in)
{
  guint n_images = take_count (in, 4), added = 0;
  g_autoptr(LightlyScorerKeypointDetection) scorer = lightly_scorer_keypoint_detection_new ();

  for (guint i = 0; i < n_images; i++)
    {
      guint n_instances = take_count (in, 3);
      guint lengths[3];
      gsize total = 0, n;
      g_autofree double *values = NULL;
      g_autoptr(GError) error = NULL;

      for (guint k = 0; k < n_instances; k++)
        total += lengths[k] = take_count (in, 9);
      n = skew (in, total);
      values = take_values (in, n);
      if (lightly_scorer_keypoint_detection_add_image_flat (scorer, values, n, lengths, n_instances, &error))
        added++;
      else
        g_assert_nonnull (error);
    }
  check_scores (LIGHTLY_SCORER (scorer), added);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Input in = { data + 1, data + size };

  if (size < 1)
    return 0;
  switch (data[0] % 4)
    {
    case 0: classification (&in); break;
    case 1: object_detection (&in); break;
    case 2: segmentation (&in); break;
    default: keypoints (&in); break;
    }
  return 0;
}
