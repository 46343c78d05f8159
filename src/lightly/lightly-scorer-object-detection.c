/* lightly-scorer-object-detection.c: LightlyScorerObjectDetection, uncertainty of detections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>

#include "lightly-scorer-object-detection.h"
#include "lightly-classification-private.h"
#include "lightly-error.h"

/**
 * LightlyScorerObjectDetection:
 *
 * Scores an object detector's outputs, one [class@Lightly.ObjectDetectionOutput]
 * per image of the query set ([protocol](protocol.html) §6.3, lightly's
 * `ScorerObjectDetection`).
 *
 * The scores, in this order, are
 *
 * - `object_frequency`: images with more, and more varied, objects score
 *   higher. Per image `v = Σ over labels (1 + (count − 1) ·
 *   frequency_penalty)`, rescaled over the whole batch to
 *   [[property@Lightly.ScorerObjectDetection:min-score], 1]; if all images
 *   have the same `v`, all score 1.
 * - `objectness_least_confidence`: `1 − mean` of the box scores; 0 for an
 *   image without boxes.
 * - `uncertainty_least_confidence`, `uncertainty_margin`,
 *   `uncertainty_entropy`: the normalised scores of
 *   [class@Lightly.ScorerClassification] over the image's boxes' class
 *   probabilities, the largest over the boxes; 0 for an image without boxes.
 *
 * NaN scores become 0.
 */

struct _LightlyScorerObjectDetection
{
  LightlyScorer parent_instance;

  GPtrArray *outputs;    /* LightlyObjectDetectionOutput */
  double frequency_penalty;
  double min_score;
};

G_DEFINE_FINAL_TYPE (LightlyScorerObjectDetection, lightly_scorer_object_detection, LIGHTLY_TYPE_SCORER)

enum {
  PROP_0,
  PROP_FREQUENCY_PENALTY,
  PROP_MIN_SCORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SCORE_OBJECT_FREQUENCY,
  SCORE_OBJECTNESS_LEAST_CONFIDENCE,
  SCORE_UNCERTAINTY_LEAST_CONFIDENCE,
  SCORE_UNCERTAINTY_MARGIN,
  SCORE_UNCERTAINTY_ENTROPY,
  N_SCORES
};

static const char * const score_names[] = {
  "object_frequency",
  "objectness_least_confidence",
  "uncertainty_least_confidence",
  "uncertainty_margin",
  "uncertainty_entropy",
  NULL
};

static double
nan_to_num (double v)
{
  if (isnan (v))
    return 0.0;
  if (isinf (v))
    return v > 0 ? DBL_MAX : -DBL_MAX;
  return v;
}

static int
compare_int (gconstpointer a,
             gconstpointer b)
{
  int x = *(const int *) a;
  int y = *(const int *) b;

  return (x > y) - (x < y);
}

/* Σ over distinct labels of 1 + (count − 1) · penalty. */
static double
object_frequency_value (LightlyObjectDetectionOutput *output,
                        double                        penalty)
{
  gsize n;
  const int *labels = lightly_object_detection_output_get_labels (output, &n);
  g_autofree int *sorted = g_memdup2 (labels, MAX (n, 1) * sizeof (int));
  double v = 0.0;

  qsort (sorted, n, sizeof (int), compare_int);
  for (gsize i = 0; i < n;)
    {
      gsize j = i;

      while (j < n && sorted[j] == sorted[i])
        j++;
      v += 1.0 + (double) (j - i - 1) * penalty;
      i = j;
    }
  return v;
}

static LightlyScores *
lightly_scorer_object_detection_calculate_scores (LightlyScorer  *scorer,
                                                  GError        **error)
{
  LightlyScorerObjectDetection *self = LIGHTLY_SCORER_OBJECT_DETECTION (scorer);
  gsize n_images = self->outputs->len;
  g_autoptr(LightlyScores) scores = lightly_scores_new (n_images);
  g_autofree double *values = g_new0 (double, MAX (n_images, 1) * N_SCORES);
  g_autofree double *column = g_new0 (double, MAX (n_images, 1));
  double v_min = INFINITY, v_max = -INFINITY;

  for (gsize i = 0; i < n_images; i++)
    {
      LightlyObjectDetectionOutput *output = g_ptr_array_index (self->outputs, i);
      double *row = values + i * N_SCORES;
      gsize n_boxes, n_values;
      const double *box_scores = lightly_object_detection_output_get_scores (output, &n_boxes);
      const double *probs = lightly_object_detection_output_get_class_probabilities (output, &n_values);
      gsize n_classes = lightly_object_detection_output_get_n_classes (output);
      double v = object_frequency_value (output, self->frequency_penalty);

      row[SCORE_OBJECT_FREQUENCY] = v;
      v_min = MIN (v_min, v);
      v_max = MAX (v_max, v);

      if (n_boxes > 0)
        {
          LightlyClassificationRows rows;
          double sum = 0.0;

          for (gsize b = 0; b < n_boxes; b++)
            sum += box_scores[b];
          row[SCORE_OBJECTNESS_LEAST_CONFIDENCE] = nan_to_num (1.0 - sum / (double) n_boxes);

          /* The classification scores are in [0, 1] and never NaN, so the
           * max over the boxes starts from the first box. */
          lightly_classification_rows_init (&rows, n_classes, TRUE);
          for (gsize b = 0; b < n_boxes; b++)
            {
              double s[LIGHTLY_CLASSIFICATION_N_SCORES];

              lightly_classification_rows_score (&rows, probs + b * n_classes, s);
              for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
                {
                  double *dst = &row[SCORE_UNCERTAINTY_LEAST_CONFIDENCE + k];

                  if (b == 0 || s[k] > *dst)
                    *dst = s[k];
                }
            }
          lightly_classification_rows_clear (&rows);
        }
    }

  /* np.interp (v, (v_min, v_max), (min_score, 1.0)) */
  for (gsize i = 0; i < n_images; i++)
    {
      double *v = &values[i * N_SCORES + SCORE_OBJECT_FREQUENCY];

      if (*v == v_max)
        *v = 1.0;
      else if (*v == v_min)
        *v = self->min_score;
      else
        *v = (1.0 - self->min_score) / (v_max - v_min) * (*v - v_min) + self->min_score;
      *v = nan_to_num (*v);
    }

  for (guint k = 0; k < N_SCORES; k++)
    {
      for (gsize i = 0; i < n_images; i++)
        column[i] = values[i * N_SCORES + k];
      if (!lightly_scores_add (scores, score_names[k], column, n_images, error))
        return NULL;
    }

  return g_steal_pointer (&scores);
}

static void
lightly_scorer_object_detection_finalize (GObject *object)
{
  LightlyScorerObjectDetection *self = LIGHTLY_SCORER_OBJECT_DETECTION (object);

  g_clear_pointer (&self->outputs, g_ptr_array_unref);

  G_OBJECT_CLASS (lightly_scorer_object_detection_parent_class)->finalize (object);
}

static void
lightly_scorer_object_detection_get_property (GObject    *object,
                                              guint       prop_id,
                                              GValue     *value,
                                              GParamSpec *pspec)
{
  LightlyScorerObjectDetection *self = LIGHTLY_SCORER_OBJECT_DETECTION (object);

  switch (prop_id)
    {
    case PROP_FREQUENCY_PENALTY:
      g_value_set_double (value, self->frequency_penalty);
      break;
    case PROP_MIN_SCORE:
      g_value_set_double (value, self->min_score);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_object_detection_set_property (GObject      *object,
                                              guint         prop_id,
                                              const GValue *value,
                                              GParamSpec   *pspec)
{
  LightlyScorerObjectDetection *self = LIGHTLY_SCORER_OBJECT_DETECTION (object);

  switch (prop_id)
    {
    case PROP_FREQUENCY_PENALTY:
      lightly_scorer_object_detection_set_frequency_penalty (self, g_value_get_double (value));
      break;
    case PROP_MIN_SCORE:
      lightly_scorer_object_detection_set_min_score (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_object_detection_class_init (LightlyScorerObjectDetectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LightlyScorerClass *scorer_class = LIGHTLY_SCORER_CLASS (klass);

  object_class->finalize = lightly_scorer_object_detection_finalize;
  object_class->get_property = lightly_scorer_object_detection_get_property;
  object_class->set_property = lightly_scorer_object_detection_set_property;
  scorer_class->calculate_scores = lightly_scorer_object_detection_calculate_scores;

  /**
   * LightlyScorerObjectDetection:frequency-penalty: (getter get_frequency_penalty) (setter set_frequency_penalty)
   *
   * How much each further object of an already seen class adds to an
   * image's `object_frequency`, in [0, 1]. At 0 only the number of distinct
   * classes counts; at 1 every object counts fully.
   */
  properties[PROP_FREQUENCY_PENALTY] =
    g_param_spec_double ("frequency-penalty", NULL, NULL, 0.0, 1.0, 0.25,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyScorerObjectDetection:min-score: (getter get_min_score) (setter set_min_score)
   *
   * The `object_frequency` of the image with the fewest objects, in [0, 1];
   * the image with the most objects scores 1.
   */
  properties[PROP_MIN_SCORE] =
    g_param_spec_double ("min-score", NULL, NULL, 0.0, 1.0, 0.9,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_scorer_object_detection_init (LightlyScorerObjectDetection *self)
{
  self->outputs = g_ptr_array_new_with_free_func (g_object_unref);
  self->frequency_penalty = 0.25;
  self->min_score = 0.9;
}

/**
 * lightly_scorer_object_detection_new:
 * @outputs: (array length=n_outputs) (transfer none):
 *   the detector's output for each image of the query set, in query-set order
 * @n_outputs: the number of outputs
 * @error: return location for a #GError
 *
 * Creates an object-detection scorer with the default
 * [property@Lightly.ScorerObjectDetection:frequency-penalty] (0.25) and
 * [property@Lightly.ScorerObjectDetection:min-score] (0.9).
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @n_outputs is 0.
 *
 * Returns: (transfer full): a new scorer, or %NULL with @error set
 */
LightlyScorerObjectDetection *
lightly_scorer_object_detection_new (LightlyObjectDetectionOutput **outputs,
                                     gsize                          n_outputs,
                                     GError                       **error)
{
  LightlyScorerObjectDetection *self;

  g_return_val_if_fail (outputs != NULL || n_outputs == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  for (gsize i = 0; i < n_outputs; i++)
    g_return_val_if_fail (LIGHTLY_IS_OBJECT_DETECTION_OUTPUT (outputs[i]), NULL);

  if (n_outputs == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "The object-detection scorer needs at least one output: "
                           "give one output per image of the query set");
      return NULL;
    }

  self = g_object_new (LIGHTLY_TYPE_SCORER_OBJECT_DETECTION, NULL);
  for (gsize i = 0; i < n_outputs; i++)
    g_ptr_array_add (self->outputs, g_object_ref (outputs[i]));
  return self;
}

/**
 * lightly_scorer_object_detection_get_n_outputs:
 * @self: a #LightlyScorerObjectDetection
 *
 * Gets the number of outputs, one per image.
 *
 * Returns: the number of outputs
 */
gsize
lightly_scorer_object_detection_get_n_outputs (LightlyScorerObjectDetection *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_OBJECT_DETECTION (self), 0);

  return self->outputs->len;
}

/**
 * lightly_scorer_object_detection_get_frequency_penalty:
 * @self: a #LightlyScorerObjectDetection
 *
 * Gets [property@Lightly.ScorerObjectDetection:frequency-penalty].
 *
 * Returns: the frequency penalty
 */
double
lightly_scorer_object_detection_get_frequency_penalty (LightlyScorerObjectDetection *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_OBJECT_DETECTION (self), 0.25);

  return self->frequency_penalty;
}

/**
 * lightly_scorer_object_detection_set_frequency_penalty:
 * @self: a #LightlyScorerObjectDetection
 * @frequency_penalty: the penalty, in [0, 1]
 *
 * Sets [property@Lightly.ScorerObjectDetection:frequency-penalty]. A value
 * outside [0, 1] or NaN is a programming error.
 */
void
lightly_scorer_object_detection_set_frequency_penalty (LightlyScorerObjectDetection *self,
                                                       double                        frequency_penalty)
{
  g_return_if_fail (LIGHTLY_IS_SCORER_OBJECT_DETECTION (self));
  g_return_if_fail (frequency_penalty >= 0.0 && frequency_penalty <= 1.0);

  if (self->frequency_penalty != frequency_penalty)
    {
      self->frequency_penalty = frequency_penalty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FREQUENCY_PENALTY]);
    }
}

/**
 * lightly_scorer_object_detection_get_min_score:
 * @self: a #LightlyScorerObjectDetection
 *
 * Gets [property@Lightly.ScorerObjectDetection:min-score].
 *
 * Returns: the minimum `object_frequency` score
 */
double
lightly_scorer_object_detection_get_min_score (LightlyScorerObjectDetection *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_OBJECT_DETECTION (self), 0.9);

  return self->min_score;
}

/**
 * lightly_scorer_object_detection_set_min_score:
 * @self: a #LightlyScorerObjectDetection
 * @min_score: the minimum `object_frequency` score, in [0, 1]
 *
 * Sets [property@Lightly.ScorerObjectDetection:min-score]. A value outside
 * [0, 1] or NaN is a programming error.
 */
void
lightly_scorer_object_detection_set_min_score (LightlyScorerObjectDetection *self,
                                               double                        min_score)
{
  g_return_if_fail (LIGHTLY_IS_SCORER_OBJECT_DETECTION (self));
  g_return_if_fail (min_score >= 0.0 && min_score <= 1.0);

  if (self->min_score != min_score)
    {
      self->min_score = min_score;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_SCORE]);
    }
}

/**
 * lightly_scorer_object_detection_get_score_names:
 *
 * Gets the names of the scores this scorer computes, in order:
 * `object_frequency`, `objectness_least_confidence`,
 * `uncertainty_least_confidence`, `uncertainty_margin` and
 * `uncertainty_entropy`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the score names
 */
const char * const *
lightly_scorer_object_detection_get_score_names (void)
{
  return score_names;
}
