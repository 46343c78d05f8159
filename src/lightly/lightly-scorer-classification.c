/* lightly-scorer-classification.c: LightlyScorerClassification, uncertainty of class probabilities
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-scorer-classification.h"
#include "lightly-classification-private.h"
#include "lightly-scorer-private.h"
#include "lightly-error.h"

/**
 * LightlyScorerClassification:
 *
 * Scores a classifier's predictions by its uncertainty ([protocol](protocol.html) §6.1,
 * lightly's `ScorerClassification`).
 *
 * The predictions are an N × C matrix, one row of class probabilities per
 * sample of the query set, in query-set order. A single column (N × 1) is
 * a binary classifier: each row `p` becomes `[p, 1 − p]`. Rows are used as
 * given and not renormalised; they should sum to 1.
 *
 * The scores, in this order, are
 *
 * - `uncertainty_least_confidence`: `1 − max p`
 * - `uncertainty_margin`: `1 − (p₁ − p₂)`, the two largest probabilities
 * - `uncertainty_entropy`: `−Σ p log₂ p` over the positive entries
 *
 * With [property@Lightly.ScorerClassification:normalize] (the default) each
 * score is rescaled so that a certain row `[1, 0, …]` scores 0 and a
 * uniform row scores 1, and clamped to [0, 1].
 *
 * Like lightly, the scorer accepts NaN and infinite probabilities and
 * turns the affected scores into finite numbers (`numpy.nan_to_num`): a
 * row with a NaN scores 0 on all three scores, so it is never picked for
 * being uncertain. Check your model's output if that is not what you want.
 *
 * Large matrices are best passed as little-endian float32 bytes with
 * [ctor@Lightly.ScorerClassification.new_from_bytes], which keeps a
 * reference to the bytes instead of copying them. In Python:
 * `GLib.Bytes.new(a.astype(numpy.float32).tobytes())`; in GJS:
 * `GLib.Bytes.new_take(new Uint8Array(f.buffer, f.byteOffset, f.byteLength))`
 * for a `Float32Array` `f`.
 */

struct _LightlyScorerClassification
{
  LightlyScorer parent_instance;

  gsize n_rows;
  gsize n_cols;
  double *values;     /* row-major, or NULL when bytes is set */
  GBytes *bytes;      /* little-endian float32, row-major */
  gboolean normalize;
  gboolean probabilities;
};

G_DEFINE_FINAL_TYPE (LightlyScorerClassification, lightly_scorer_classification, LIGHTLY_TYPE_SCORER)

enum {
  PROP_0,
  PROP_NORMALIZE,
  PROP_PROBABILITIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const score_names[] = {
  "uncertainty_least_confidence",
  "uncertainty_margin",
  "uncertainty_entropy",
  NULL
};

/* The predictions as class probabilities (a single column p as [p, 1 − p]). */
static gboolean
add_probabilities (LightlyScorerClassification *self, LightlyScores *scores, GError **error)
{
  gsize nc = MAX (self->n_cols, 2), n = self->n_rows * nc;
  g_autofree double *p = g_new (double, MAX (n, 1));
  const guint8 *data = self->bytes != NULL ? g_bytes_get_data (self->bytes, NULL) : NULL;

  for (gsize i = 0; i < self->n_rows; i++)
    for (gsize c = 0; c < self->n_cols; c++)
      {
        double v;

        if (data != NULL)
          {
            guint32 bits;
            float f;

            memcpy (&bits, data + (i * self->n_cols + c) * 4, 4);
            bits = GUINT32_FROM_LE (bits);
            memcpy (&f, &bits, 4);
            v = f;
          }
        else
          v = self->values[i * self->n_cols + c];
        p[i * nc + c] = v;
        if (self->n_cols == 1)
          p[i * nc + 1] = 1 - v;
      }
  return lightly_scores_add_probabilities (scores, p, n, nc, error);
}

static LightlyScores *
lightly_scorer_classification_calculate_scores (LightlyScorer  *scorer,
                                                GError        **error)
{
  LightlyScorerClassification *self = LIGHTLY_SCORER_CLASSIFICATION (scorer);
  g_autoptr(LightlyScores) scores = lightly_scores_new (self->n_rows);
  double *out[LIGHTLY_CLASSIFICATION_N_SCORES];
  gboolean ok = TRUE;

  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    out[k] = g_new (double, MAX (self->n_rows, 1));

  if (self->n_rows > 0)
    {
      LightlyClassificationRows rows;
      const guint8 *data = self->bytes != NULL ? g_bytes_get_data (self->bytes, NULL) : NULL;

      lightly_classification_rows_init (&rows, self->n_cols, self->normalize);
      lightly_classification_score_matrix (&rows, data, self->values, self->n_rows, out);
      lightly_classification_rows_clear (&rows);
    }

  /* The arrays go to the scores as they are, not copied. */
  for (guint k = 0; k < LIGHTLY_CLASSIFICATION_N_SCORES; k++)
    {
      if (ok)
        ok = lightly_scores_add_take (scores, score_names[k], out[k], self->n_rows, error);
      else
        g_free (out[k]);
    }
  if (ok && self->probabilities)
    ok = add_probabilities (self, scores, error);

  return ok ? g_steal_pointer (&scores) : NULL;
}

static void
lightly_scorer_classification_finalize (GObject *object)
{
  LightlyScorerClassification *self = LIGHTLY_SCORER_CLASSIFICATION (object);

  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (lightly_scorer_classification_parent_class)->finalize (object);
}

static void
lightly_scorer_classification_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  LightlyScorerClassification *self = LIGHTLY_SCORER_CLASSIFICATION (object);

  switch (prop_id)
    {
    case PROP_NORMALIZE:
      g_value_set_boolean (value, self->normalize);
      break;
    case PROP_PROBABILITIES:
      g_value_set_boolean (value, self->probabilities);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_classification_set_property (GObject      *object,
                                            guint         prop_id,
                                            const GValue *value,
                                            GParamSpec   *pspec)
{
  LightlyScorerClassification *self = LIGHTLY_SCORER_CLASSIFICATION (object);

  switch (prop_id)
    {
    case PROP_NORMALIZE:
      lightly_scorer_classification_set_normalize (self, g_value_get_boolean (value));
      break;
    case PROP_PROBABILITIES:
      lightly_scorer_classification_set_probabilities (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_classification_class_init (LightlyScorerClassificationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LightlyScorerClass *scorer_class = LIGHTLY_SCORER_CLASS (klass);

  object_class->finalize = lightly_scorer_classification_finalize;
  object_class->get_property = lightly_scorer_classification_get_property;
  object_class->set_property = lightly_scorer_classification_set_property;
  scorer_class->calculate_scores = lightly_scorer_classification_calculate_scores;

  /**
   * LightlyScorerClassification:normalize: (getter get_normalize) (setter set_normalize)
   *
   * Whether to rescale the scores to [0, 1], so that a certain row scores 0
   * and a uniform row scores 1 (lightly's `normalize_to_0_1`). Without it
   * the raw scores are returned; the entropy is then in bits and can exceed 1.
   */
  properties[PROP_NORMALIZE] =
    g_param_spec_boolean ("normalize", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyScorerClassification:probabilities: (getter get_probabilities) (setter set_probabilities)
   *
   * Whether the scores also carry the predictions themselves, as
   * `class_probability_0` … (see [method@Lightly.Scores.add_probabilities]),
   * which %LIGHTLY_SAMPLING_METHOD_BADGE and
   * [property@Lightly.SamplerConfig:balance] need. A single column `p`
   * becomes the two classes `[p, 1 − p]`. Off by default, because it
   * uploads one more score array per class. With it on, rows must be
   * probabilities (finite, in [0, 1], summing to 1 within 0.001), else
   * `calculate_scores` fails with %LIGHTLY_ERROR_INVALID_INPUT.
   *
   * Since: 0.2
   */
  properties[PROP_PROBABILITIES] =
    g_param_spec_boolean ("probabilities", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_scorer_classification_init (LightlyScorerClassification *self)
{
  self->normalize = TRUE;
}

/**
 * lightly_scorer_classification_new:
 * @predictions: (array length=n_values) (element-type gdouble): the class
 *   probabilities, row-major: row i (sample i of the query set) is
 *   `predictions[i * n_cols … i * n_cols + n_cols − 1]`
 * @n_values: the number of values in @predictions, @n_rows × @n_cols
 * @n_rows: N, the number of samples
 * @n_cols: C, the number of classes; 1 for a binary classifier giving the
 *   probability of one class
 * @error: return location for a #GError
 *
 * Creates a classification scorer over an N × C matrix of probabilities,
 * copying them.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @n_values is not
 * @n_rows × @n_cols, or if @n_cols is 0 while @n_rows is not. N = 0 is
 * accepted and gives three empty score arrays.
 *
 * Returns: (transfer full): a new scorer, or %NULL with @error set
 */
LightlyScorerClassification *
lightly_scorer_classification_new (const double  *predictions,
                                   gsize          n_values,
                                   gsize          n_rows,
                                   gsize          n_cols,
                                   GError       **error)
{
  LightlyScorerClassification *self;

  g_return_val_if_fail (predictions != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!lightly_classification_check_shape (n_rows, n_cols, error) ||
      !lightly_classification_check_n_values (n_values, n_rows, n_cols, error))
    return NULL;

  self = g_object_new (LIGHTLY_TYPE_SCORER_CLASSIFICATION, NULL);
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->values = g_new (double, MAX (n_values, 1));
  if (n_values > 0)
    memcpy (self->values, predictions, n_values * sizeof (double));
  return self;
}

/**
 * lightly_scorer_classification_new_from_bytes:
 * @data: the class probabilities as little-endian float32, row-major,
 *   @n_rows × @n_cols × 4 bytes
 * @n_rows: N, the number of samples
 * @n_cols: C, the number of classes; 1 for a binary classifier
 * @error: return location for a #GError
 *
 * Creates a classification scorer over an N × C float32 matrix, keeping a
 * reference to @data instead of copying it.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @data does not have
 * @n_rows × @n_cols × 4 bytes, or if @n_cols is 0 while @n_rows is not.
 *
 * Returns: (transfer full): a new scorer, or %NULL with @error set
 */
LightlyScorerClassification *
lightly_scorer_classification_new_from_bytes (GBytes  *data,
                                              gsize    n_rows,
                                              gsize    n_cols,
                                              GError **error)
{
  LightlyScorerClassification *self;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!lightly_classification_check_shape (n_rows, n_cols, error) ||
      !lightly_classification_check_n_bytes (g_bytes_get_size (data), n_rows, n_cols, error))
    return NULL;

  self = g_object_new (LIGHTLY_TYPE_SCORER_CLASSIFICATION, NULL);
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->bytes = g_bytes_ref (data);
  return self;
}

/**
 * lightly_scorer_classification_get_n_rows:
 * @self: a #LightlyScorerClassification
 *
 * Gets N, the number of rows (samples) of the predictions.
 *
 * Returns: the number of rows
 */
gsize
lightly_scorer_classification_get_n_rows (LightlyScorerClassification *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self), 0);

  return self->n_rows;
}

/**
 * lightly_scorer_classification_get_n_cols:
 * @self: a #LightlyScorerClassification
 *
 * Gets C, the number of columns (classes) of the predictions as given,
 * 1 for a binary classifier.
 *
 * Returns: the number of columns
 */
gsize
lightly_scorer_classification_get_n_cols (LightlyScorerClassification *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self), 0);

  return self->n_cols;
}

/**
 * lightly_scorer_classification_get_normalize:
 * @self: a #LightlyScorerClassification
 *
 * Gets [property@Lightly.ScorerClassification:normalize].
 *
 * Returns: whether the scores are rescaled to [0, 1]
 */
gboolean
lightly_scorer_classification_get_normalize (LightlyScorerClassification *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self), TRUE);

  return self->normalize;
}

/**
 * lightly_scorer_classification_set_normalize:
 * @self: a #LightlyScorerClassification
 * @normalize: whether to rescale the scores to [0, 1]
 *
 * Sets [property@Lightly.ScorerClassification:normalize].
 */
void
lightly_scorer_classification_set_normalize (LightlyScorerClassification *self,
                                             gboolean                     normalize)
{
  g_return_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self));

  normalize = !!normalize;
  if (self->normalize != normalize)
    {
      self->normalize = normalize;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NORMALIZE]);
    }
}

/**
 * lightly_scorer_classification_get_score_names:
 *
 * Gets the names of the scores this scorer computes, in order:
 * `uncertainty_least_confidence`, `uncertainty_margin` and
 * `uncertainty_entropy` (lightly's `ScorerClassification.score_names()`).
 *
 * Returns: (transfer none) (array zero-terminated=1): the score names
 */
const char * const *
lightly_scorer_classification_get_score_names (void)
{
  return score_names;
}

/**
 * lightly_scorer_classification_get_probabilities: (get-property probabilities)
 * @self: a classification scorer
 *
 * Gets [property@Lightly.ScorerClassification:probabilities].
 *
 * Returns: whether the scores carry the class probabilities
 *
 * Since: 0.2
 */
gboolean
lightly_scorer_classification_get_probabilities (LightlyScorerClassification *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self), FALSE);

  return self->probabilities;
}

/**
 * lightly_scorer_classification_set_probabilities: (set-property probabilities)
 * @self: a classification scorer
 * @probabilities: whether the scores carry the class probabilities
 *
 * Sets [property@Lightly.ScorerClassification:probabilities].
 *
 * Since: 0.2
 */
void
lightly_scorer_classification_set_probabilities (LightlyScorerClassification *self,
                                                 gboolean                     probabilities)
{
  g_return_if_fail (LIGHTLY_IS_SCORER_CLASSIFICATION (self));

  probabilities = !!probabilities;
  if (self->probabilities == probabilities)
    return;
  self->probabilities = probabilities;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBABILITIES]);
}
