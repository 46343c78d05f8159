/* lightly-scorer-ensemble.c: LightlyScorerEnsemble, disagreement of an ensemble or MC-dropout passes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-scorer-ensemble.h"
#include "lightly-classification-private.h"
#include "lightly-error.h"
#include "lightly-scores.h"

/**
 * LightlyScorerEnsemble:
 *
 * Scores the disagreement of T predictions per sample: the members of an
 * ensemble, or T stochastic forward passes with dropout left on (MC
 * dropout). A single model's confidence cannot tell "this is ambiguous"
 * from "the model has not seen anything like it"; disagreement between
 * members is the second kind, the one labeling fixes.
 *
 * The predictions are a T × N × C array, member-major: member t's row for
 * sample i (in query-set order) is at `(t · N + i) · C`. A single column
 * (C = 1) is a binary classifier: each `p` becomes `[p, 1 − p]`. Every
 * value must be finite and in [0, 1], and every row must sum to 1 (within
 * 0.001); anything else is refused at construction with
 * %LIGHTLY_ERROR_INVALID_INPUT naming the member and the row, because a
 * disagreement measured on broken rows is noise that looks like signal.
 *
 * The scores, in this order, with `p̄` the members' mean row and `H` the
 * entropy in bits:
 *
 * - `uncertainty_bald`: the mutual information `H(p̄) − mean_t H(p_t)`
 *   (BALD, Houlsby et al. 2011), high when members are each sure but
 *   disagree;
 * - `uncertainty_variation_ratio`: `1 − m / T`, with m the number of
 *   members voting for the modal class (argmax ties go to the smallest
 *   class index);
 * - `uncertainty_predictive_entropy`: `H(p̄)`, the entropy of the mean
 *   prediction.
 *
 * With [property@Lightly.ScorerEnsemble:normalize] (the default) BALD and
 * the entropy are divided by `log₂ C` (their largest value) and the
 * variation ratio by its largest value for T votes over C classes,
 * `1 − ⌈T / C⌉ / T`, so each lies in [0, 1] as CORAL expects.
 *
 * Since: 0.2
 */

struct _LightlyScorerEnsemble
{
  LightlyScorer parent_instance;

  gsize n_members;
  gsize n_rows;
  gsize n_cols;
  double *values;     /* T × N × C, or NULL when bytes is set */
  GBytes *bytes;      /* little-endian float32, T × N × C */
  gboolean normalize;
};

G_DEFINE_FINAL_TYPE (LightlyScorerEnsemble, lightly_scorer_ensemble, LIGHTLY_TYPE_SCORER)

enum {
  PROP_0,
  PROP_NORMALIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { SCORE_BALD, SCORE_VARIATION_RATIO, SCORE_ENTROPY, N_SCORES };

static const char * const score_names[] = {
  "uncertainty_bald",
  "uncertainty_variation_ratio",
  "uncertainty_predictive_entropy",
  NULL
};

/* Row @i of member @t, expanded to at least two classes, into @row. */
static void
read_row (LightlyScorerEnsemble *self,
          gsize                  t,
          gsize                  i,
          double                *row)
{
  gsize at = (t * self->n_rows + i) * self->n_cols;

  if (self->bytes != NULL)
    {
      const guint8 *data = g_bytes_get_data (self->bytes, NULL);

      for (gsize c = 0; c < self->n_cols; c++)
        row[c] = lightly_read_f32le (data + (at + c) * 4);
    }
  else
    memcpy (row, self->values + at, self->n_cols * sizeof (double));
  if (self->n_cols == 1)
    row[1] = 1.0 - row[0];
}

static double
entropy_bits (const double *p,
              gsize         n)
{
  double h = 0;

  for (gsize c = 0; c < n; c++)
    if (p[c] > 0)
      h -= p[c] * log2 (p[c]);
  return h;
}

static gsize
argmax (const double *p,
        gsize         n)
{
  gsize best = 0;

  for (gsize c = 1; c < n; c++)
    if (p[c] > p[best])
      best = c;
  return best;
}

/* Every value finite and in [0, 1], every row summing to 1: the first
 * offender is named. */
static gboolean
check_values (LightlyScorerEnsemble  *self,
              GError                **error)
{
  gsize k = MAX (self->n_cols, 2);
  g_autofree double *row = g_new (double, k);

  for (gsize t = 0; t < self->n_members; t++)
    for (gsize i = 0; i < self->n_rows; i++)
      {
        double sum = 0;

        read_row (self, t, i, row);
        for (gsize c = 0; c < self->n_cols; c++)
          {
            if (!isfinite (row[c]) || row[c] < 0 || row[c] > 1)
              {
                g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                             "Member %" G_GSIZE_FORMAT ", row %" G_GSIZE_FORMAT ", class %" G_GSIZE_FORMAT
                             ": the probability %g is not in [0, 1]", t, i, c, row[c]);
                return FALSE;
              }
            sum += row[c];
          }
        if (self->n_cols > 1 && fabs (sum - 1.0) > 1e-3)
          {
            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                         "Member %" G_GSIZE_FORMAT ", row %" G_GSIZE_FORMAT
                         ": the probabilities sum to %g, not 1", t, i, sum);
            return FALSE;
          }
      }
  return TRUE;
}

/* The three raw scores of sample @i; @row, @mean and @votes are scratch of
 * the expanded class count. */
static void
score_sample (LightlyScorerEnsemble *self,
              gsize                  i,
              double                *row,
              double                *mean,
              guint                 *votes,
              double                 out[N_SCORES])
{
  gsize k = MAX (self->n_cols, 2);
  double mean_entropy = 0, h_mean;
  guint modal = 0;

  memset (mean, 0, k * sizeof (double));
  memset (votes, 0, k * sizeof (guint));
  for (gsize t = 0; t < self->n_members; t++)
    {
      read_row (self, t, i, row);
      for (gsize c = 0; c < k; c++)
        mean[c] += row[c];
      mean_entropy += entropy_bits (row, k);
      votes[argmax (row, k)]++;
    }
  for (gsize c = 0; c < k; c++)
    {
      mean[c] /= (double) self->n_members;
      modal = MAX (modal, votes[c]);
    }
  mean_entropy /= (double) self->n_members;
  h_mean = entropy_bits (mean, k);
  /* H(p̄) ≥ mean H(p_t) by concavity; rounding may leave a hair below 0. */
  out[SCORE_BALD] = MAX (0.0, h_mean - mean_entropy);
  out[SCORE_VARIATION_RATIO] = 1.0 - (double) modal / (double) self->n_members;
  out[SCORE_ENTROPY] = h_mean;
}

static LightlyScores *
lightly_scorer_ensemble_calculate_scores (LightlyScorer  *scorer,
                                          GError        **error)
{
  LightlyScorerEnsemble *self = LIGHTLY_SCORER_ENSEMBLE (scorer);
  g_autoptr(LightlyScores) scores = lightly_scores_new (self->n_rows);
  gsize k = MAX (self->n_cols, 2);
  g_autofree double *row = g_new (double, k);
  g_autofree double *mean = g_new (double, k);
  g_autofree guint *votes = g_new (guint, k);
  double *out[N_SCORES];
  double scale[N_SCORES];
  double t = (double) self->n_members;
  double vr_max = 1.0 - ceil (t / (double) k) / t;
  gboolean ok = TRUE;

  scale[SCORE_BALD] = scale[SCORE_ENTROPY] = self->normalize ? 1.0 / log2 ((double) k) : 1.0;
  /* One member (or more classes than votes can fill) has no spread to scale. */
  scale[SCORE_VARIATION_RATIO] = self->normalize && vr_max > 0 ? 1.0 / vr_max : 1.0;
  for (guint s = 0; s < N_SCORES; s++)
    out[s] = g_new0 (double, MAX (self->n_rows, 1));

  for (gsize i = 0; i < self->n_rows; i++)
    {
      double raw[N_SCORES];

      score_sample (self, i, row, mean, votes, raw);
      for (guint s = 0; s < N_SCORES; s++)
        out[s][i] = self->normalize ? CLAMP (raw[s] * scale[s], 0.0, 1.0) : raw[s];
    }

  for (guint s = 0; s < N_SCORES; s++)
    {
      ok = ok && lightly_scores_add (scores, score_names[s], out[s], self->n_rows, error);
      g_free (out[s]);
    }
  return ok ? g_steal_pointer (&scores) : NULL;
}

static void
lightly_scorer_ensemble_finalize (GObject *object)
{
  LightlyScorerEnsemble *self = LIGHTLY_SCORER_ENSEMBLE (object);

  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (lightly_scorer_ensemble_parent_class)->finalize (object);
}

static void
lightly_scorer_ensemble_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  LightlyScorerEnsemble *self = LIGHTLY_SCORER_ENSEMBLE (object);

  switch (prop_id)
    {
    case PROP_NORMALIZE:
      g_value_set_boolean (value, self->normalize);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_ensemble_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  LightlyScorerEnsemble *self = LIGHTLY_SCORER_ENSEMBLE (object);

  switch (prop_id)
    {
    case PROP_NORMALIZE:
      lightly_scorer_ensemble_set_normalize (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scorer_ensemble_class_init (LightlyScorerEnsembleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LightlyScorerClass *scorer_class = LIGHTLY_SCORER_CLASS (klass);

  object_class->finalize = lightly_scorer_ensemble_finalize;
  object_class->get_property = lightly_scorer_ensemble_get_property;
  object_class->set_property = lightly_scorer_ensemble_set_property;
  scorer_class->calculate_scores = lightly_scorer_ensemble_calculate_scores;

  /**
   * LightlyScorerEnsemble:normalize: (getter get_normalize) (setter set_normalize)
   *
   * Whether to rescale each score to [0, 1] by its largest possible value.
   * Without it BALD and the entropy are in bits and the variation ratio is
   * the plain `1 − m / T`.
   *
   * Since: 0.2
   */
  properties[PROP_NORMALIZE] =
    g_param_spec_boolean ("normalize", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_scorer_ensemble_init (LightlyScorerEnsemble *self)
{
  self->normalize = TRUE;
}

/* T × N × C must not overflow and must be a real shape: T ≥ 1 and, for
 * N > 0, C ≥ 1 (N = 0 gives empty scores, as the other scorers). */
static gboolean
check_shape (gsize    n_members,
             gsize    n_rows,
             gsize    n_cols,
             GError **error)
{
  if (n_members == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "An ensemble needs at least one member (T = 0)");
      return FALSE;
    }
  if (!lightly_classification_check_shape (n_rows, n_cols, error))
    return FALSE;
  if (n_rows > 0 && n_members > G_MAXSIZE / 8 / n_rows / MAX (n_cols, 2))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " predictions are too many",
                   n_members, n_rows, n_cols);
      return FALSE;
    }
  return TRUE;
}

static LightlyScorerEnsemble *
finish_new (LightlyScorerEnsemble  *self,
            GError                **error)
{
  if (!check_values (self, error))
    {
      g_object_unref (self);
      return NULL;
    }
  return self;
}

/**
 * lightly_scorer_ensemble_new:
 * @predictions: (array length=n_values) (element-type gdouble): the class
 *   probabilities, member-major: member t's row for sample i starts at
 *   `(t × n_rows + i) × n_cols`
 * @n_values: the number of values in @predictions, @n_members × @n_rows × @n_cols
 * @n_members: T, the ensemble members or forward passes
 * @n_rows: N, the number of samples
 * @n_cols: C, the number of classes; 1 for a binary classifier
 * @error: return location for a #GError
 *
 * Creates an ensemble scorer over a T × N × C array of probabilities,
 * copying them.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @n_values is not T × N × C,
 * if T is 0, if C is 0 while N is not, or if a value is not a probability
 * or a row does not sum to 1.
 *
 * Returns: (transfer full): a new scorer, or %NULL with @error set
 *
 * Since: 0.2
 */
LightlyScorerEnsemble *
lightly_scorer_ensemble_new (const double  *predictions,
                             gsize          n_values,
                             gsize          n_members,
                             gsize          n_rows,
                             gsize          n_cols,
                             GError       **error)
{
  LightlyScorerEnsemble *self;

  g_return_val_if_fail (predictions != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_shape (n_members, n_rows, n_cols, error))
    return NULL;
  if (n_values != n_members * n_rows * n_cols)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " values were given for %" G_GSIZE_FORMAT " members × %" G_GSIZE_FORMAT
                   " rows × %" G_GSIZE_FORMAT " classes (%" G_GSIZE_FORMAT " values)",
                   n_values, n_members, n_rows, n_cols, n_members * n_rows * n_cols);
      return NULL;
    }

  self = g_object_new (LIGHTLY_TYPE_SCORER_ENSEMBLE, NULL);
  self->n_members = n_members;
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->values = g_new (double, MAX (n_values, 1));
  if (n_values > 0)
    memcpy (self->values, predictions, n_values * sizeof (double));
  return finish_new (self, error);
}

/**
 * lightly_scorer_ensemble_new_from_bytes:
 * @data: the class probabilities as little-endian float32, member-major,
 *   @n_members × @n_rows × @n_cols × 4 bytes
 * @n_members: T, the ensemble members or forward passes
 * @n_rows: N, the number of samples
 * @n_cols: C, the number of classes; 1 for a binary classifier
 * @error: return location for a #GError
 *
 * Creates an ensemble scorer over a T × N × C float32 array, keeping a
 * reference to @data instead of copying it. In Python,
 * `GLib.Bytes.new(a.astype(numpy.float32).tobytes())` for an array `a` of
 * shape (T, N, C).
 *
 * Fails as [ctor@Lightly.ScorerEnsemble.new] does, and if @data does not
 * hold T × N × C × 4 bytes.
 *
 * Returns: (transfer full): a new scorer, or %NULL with @error set
 *
 * Since: 0.2
 */
LightlyScorerEnsemble *
lightly_scorer_ensemble_new_from_bytes (GBytes  *data,
                                        gsize    n_members,
                                        gsize    n_rows,
                                        gsize    n_cols,
                                        GError **error)
{
  LightlyScorerEnsemble *self;
  gsize n_bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_shape (n_members, n_rows, n_cols, error))
    return NULL;
  n_bytes = g_bytes_get_size (data);
  if (n_bytes != n_members * n_rows * n_cols * 4)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " bytes were given for %" G_GSIZE_FORMAT " members × %" G_GSIZE_FORMAT
                   " rows × %" G_GSIZE_FORMAT " classes of float32 (%" G_GSIZE_FORMAT " bytes)",
                   n_bytes, n_members, n_rows, n_cols, n_members * n_rows * n_cols * 4);
      return NULL;
    }

  self = g_object_new (LIGHTLY_TYPE_SCORER_ENSEMBLE, NULL);
  self->n_members = n_members;
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->bytes = g_bytes_ref (data);
  return finish_new (self, error);
}

/**
 * lightly_scorer_ensemble_get_n_members:
 * @self: a #LightlyScorerEnsemble
 *
 * Gets T, the number of members (or forward passes).
 *
 * Returns: the number of members
 *
 * Since: 0.2
 */
gsize
lightly_scorer_ensemble_get_n_members (LightlyScorerEnsemble *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_ENSEMBLE (self), 0);

  return self->n_members;
}

/**
 * lightly_scorer_ensemble_get_n_rows:
 * @self: a #LightlyScorerEnsemble
 *
 * Gets N, the number of samples.
 *
 * Returns: the number of rows
 *
 * Since: 0.2
 */
gsize
lightly_scorer_ensemble_get_n_rows (LightlyScorerEnsemble *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_ENSEMBLE (self), 0);

  return self->n_rows;
}

/**
 * lightly_scorer_ensemble_get_n_cols:
 * @self: a #LightlyScorerEnsemble
 *
 * Gets C, the number of classes as given (1 for a binary classifier).
 *
 * Returns: the number of columns
 *
 * Since: 0.2
 */
gsize
lightly_scorer_ensemble_get_n_cols (LightlyScorerEnsemble *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_ENSEMBLE (self), 0);

  return self->n_cols;
}

/**
 * lightly_scorer_ensemble_get_normalize:
 * @self: a #LightlyScorerEnsemble
 *
 * Gets [property@Lightly.ScorerEnsemble:normalize].
 *
 * Returns: whether the scores are rescaled to [0, 1]
 *
 * Since: 0.2
 */
gboolean
lightly_scorer_ensemble_get_normalize (LightlyScorerEnsemble *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORER_ENSEMBLE (self), TRUE);

  return self->normalize;
}

/**
 * lightly_scorer_ensemble_set_normalize:
 * @self: a #LightlyScorerEnsemble
 * @normalize: whether to rescale the scores to [0, 1]
 *
 * Sets [property@Lightly.ScorerEnsemble:normalize].
 *
 * Since: 0.2
 */
void
lightly_scorer_ensemble_set_normalize (LightlyScorerEnsemble *self,
                                       gboolean               normalize)
{
  g_return_if_fail (LIGHTLY_IS_SCORER_ENSEMBLE (self));

  normalize = !!normalize;
  if (self->normalize != normalize)
    {
      self->normalize = normalize;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NORMALIZE]);
    }
}

/**
 * lightly_scorer_ensemble_get_score_names:
 *
 * Gets the names of the scores this scorer computes, in order:
 * `uncertainty_bald`, `uncertainty_variation_ratio` and
 * `uncertainty_predictive_entropy`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the score names
 *
 * Since: 0.2
 */
const char * const *
lightly_scorer_ensemble_get_score_names (void)
{
  return score_names;
}
