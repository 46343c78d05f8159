/* lightly-scores.c: LightlyScores, named score arrays
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-scores.h"
#include "lightly-error.h"
#include "lightly-scorer-private.h"

/**
 * LightlyScores:
 *
 * Named arrays of active-learning scores, one value per sample of the query
 * set, as a [class@Lightly.Scorer] computes them.
 *
 * This is the GObject form of the `dict[str, np.ndarray]` that a Lightly
 * scorer returns. Every array has exactly [property@Lightly.Scores:n-samples]
 * finite values, and the names keep the order in which they were added
 * (the scorer's order), which is also the order in which they are uploaded.
 *
 * ```python
 * scores = Lightly.Scores.new(3)
 * scores.add('my_score', [0.1, 0.9, 0.5])
 * scores.get_values('my_score')   # [0.1, 0.9, 0.5]
 * ```
 *
 * A score name must match `^[a-zA-Z0-9_+=,.@:\/-]+$`, the characters the
 * REST protocol allows in a score type. Scores are in [0, 1] when a
 * built-in scorer normalises them; higher means more worth labeling.
 *
 * A `LightlyScores` is not thread-safe: do not add to it after handing it to
 * an agent.
 */

typedef struct {
  char *name;
  double *values;   /* n_samples entries, never NULL; the data of bytes */
  GBytes *bytes;    /* owns values, so that dup_values_bytes need not copy */
} ScoreEntry;

struct _LightlyScores
{
  GObject parent_instance;

  gsize n_samples;
  GPtrArray *entries;   /* ScoreEntry*, in insertion order */
};

G_STATIC_ASSERT (sizeof (double) == sizeof (guint64));

G_DEFINE_FINAL_TYPE (LightlyScores, lightly_scores, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_SAMPLES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
score_entry_free (gpointer data)
{
  ScoreEntry *entry = data;

  g_free (entry->name);
  g_bytes_unref (entry->bytes);
  g_free (entry);
}

static void
lightly_scores_finalize (GObject *object)
{
  LightlyScores *self = LIGHTLY_SCORES (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);

  G_OBJECT_CLASS (lightly_scores_parent_class)->finalize (object);
}

static void
lightly_scores_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LightlyScores *self = LIGHTLY_SCORES (object);

  switch (prop_id)
    {
    case PROP_N_SAMPLES:
      g_value_set_uint64 (value, self->n_samples);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scores_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  LightlyScores *self = LIGHTLY_SCORES (object);

  switch (prop_id)
    {
    case PROP_N_SAMPLES:
      self->n_samples = (gsize) g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_scores_class_init (LightlyScoresClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lightly_scores_finalize;
  object_class->get_property = lightly_scores_get_property;
  object_class->set_property = lightly_scores_set_property;

  /**
   * LightlyScores:n-samples: (getter get_n_samples)
   *
   * The number of samples: the length of every score array.
   */
  properties[PROP_N_SAMPLES] =
    g_param_spec_uint64 ("n-samples", NULL, NULL,
                         0, G_MAXSIZE, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_scores_init (LightlyScores *self)
{
  self->entries = g_ptr_array_new_with_free_func (score_entry_free);
}

/**
 * lightly_scores_new:
 * @n_samples: the number of samples every score array will have
 *
 * Creates an empty set of scores for @n_samples samples.
 *
 * Returns: (transfer full): a new #LightlyScores
 */
LightlyScores *
lightly_scores_new (gsize n_samples)
{
  return g_object_new (LIGHTLY_TYPE_SCORES, "n-samples", (guint64) n_samples, NULL);
}

/**
 * lightly_scores_get_n_samples:
 * @self: a #LightlyScores
 *
 * Gets the number of samples, the length of every score array.
 *
 * Returns: the number of samples
 */
gsize
lightly_scores_get_n_samples (LightlyScores *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), 0);

  return self->n_samples;
}

/**
 * lightly_scores_get_n_names:
 * @self: a #LightlyScores
 *
 * Gets the number of score arrays.
 *
 * Returns: the number of names
 */
gsize
lightly_scores_get_n_names (LightlyScores *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), 0);

  return self->entries->len;
}

/**
 * lightly_scores_dup_names:
 * @self: a #LightlyScores
 *
 * Gets the score names in the order they were added, which is the scorer's
 * order.
 *
 * Returns: (transfer full) (array zero-terminated=1): the names; free with
 *   g_strfreev()
 */
char **
lightly_scores_dup_names (LightlyScores *self)
{
  char **names;

  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), NULL);

  names = g_new0 (char *, self->entries->len + 1);
  for (guint i = 0; i < self->entries->len; i++)
    names[i] = g_strdup (((ScoreEntry *) g_ptr_array_index (self->entries, i))->name);
  return names;
}

static ScoreEntry *
lookup (LightlyScores *self,
        const char    *name)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      ScoreEntry *entry = g_ptr_array_index (self->entries, i);

      if (strcmp (entry->name, name) == 0)
        return entry;
    }
  return NULL;
}

/**
 * lightly_scores_contains:
 * @self: a #LightlyScores
 * @name: a score name
 *
 * Checks whether a score array called @name exists.
 *
 * Returns: %TRUE if @self has a score called @name
 */
gboolean
lightly_scores_contains (LightlyScores *self,
                         const char    *name)
{
  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return lookup (self, name) != NULL;
}

/**
 * lightly_scores_get_values:
 * @self: a #LightlyScores
 * @name: a score name
 * @n: (out) (optional): return location for the number of values, which is
 *   [property@Lightly.Scores:n-samples], or 0 when there is no such score
 *
 * Gets the values of the score called @name.
 *
 * PyGObject and GJS turn a %NULL return into an empty list, so bindings
 * should use [method@Lightly.Scores.contains] to tell a missing score from
 * an empty one.
 *
 * Returns: (array length=n) (element-type gdouble) (transfer none) (nullable):
 *   the values, owned by @self, or %NULL if there is no score called @name
 */
const double *
lightly_scores_get_values (LightlyScores *self,
                           const char    *name,
                           gsize         *n)
{
  ScoreEntry *entry;

  if (n != NULL)
    *n = 0;
  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = lookup (self, name);
  if (entry == NULL)
    return NULL;
  if (n != NULL)
    *n = self->n_samples;
  return entry->values;
}

/**
 * lightly_scores_dup_values_bytes:
 * @self: a #LightlyScores
 * @name: a score name
 *
 * Gets a copy of the values of the score called @name as little-endian
 * float64, [property@Lightly.Scores:n-samples] × 8 bytes.
 *
 * In Python, `numpy.frombuffer(scores.dup_values_bytes(name).get_data(), '<f8')`
 * gives them as an array.
 *
 * Returns: (transfer full) (nullable): the values, or %NULL if there is no
 *   score called @name
 */
GBytes *
lightly_scores_dup_values_bytes (LightlyScores *self,
                                 const char    *name)
{
  ScoreEntry *entry;
  guint64 *data;

  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = lookup (self, name);
  if (entry == NULL)
    return NULL;

  /* The values never change once added: share them (no copy, as numpy
   * would), or byte-swap a copy on a big-endian host. */
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
    return g_bytes_new_from_bytes (entry->bytes, 0, self->n_samples * sizeof (double));

  data = g_new (guint64, MAX (self->n_samples, 1));
  for (gsize i = 0; i < self->n_samples; i++)
    {
      guint64 bits;

      memcpy (&bits, &entry->values[i], sizeof bits);
      data[i] = GUINT64_TO_LE (bits);
    }
  return g_bytes_new_take (data, self->n_samples * sizeof (double));
}

static gboolean
is_valid_name_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("_+=,.@:/-", c) != NULL);
}

/* The rules of lightly_scores_add() for a new score. */
static gboolean
check_new_score (LightlyScores  *self,
                 const char     *name,
                 const double   *values,
                 gsize           n,
                 GError        **error)
{
  if (name[0] == '\0')
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "A score name must not be empty: use letters, digits and _+=,.@:/-");
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!is_valid_name_char (*p))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Score name “%s” has the character “%c” at position %d: "
                       "use only letters, digits and _+=,.@:/-",
                       name, g_ascii_isprint (*p) ? *p : '?', (int) (p - name));
          return FALSE;
        }
    }
  if (lookup (self, name) != NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "A score called “%s” exists already: each score name may be added once",
                   name);
      return FALSE;
    }
  if (n != self->n_samples)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Score “%s” has %" G_GSIZE_FORMAT " values, but there are %"
                   G_GSIZE_FORMAT " samples: give one value per sample",
                   name, n, self->n_samples);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (values[i]))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Score “%s” has the value %g at index %" G_GSIZE_FORMAT
                       ": scores must be finite numbers",
                       name, values[i], i);
          return FALSE;
        }
    }
  return TRUE;
}

/* Takes @values (g_malloc'ed, @n ≥ 1 entries allocated) without copying. */
static void
add_entry (LightlyScores *self,
           const char    *name,
           double        *values,
           gsize          n)
{
  ScoreEntry *entry = g_new0 (ScoreEntry, 1);

  entry->name = g_strdup (name);
  entry->values = values;
  entry->bytes = g_bytes_new_take (values, n * sizeof (double));
  g_ptr_array_add (self->entries, entry);
}

/**
 * lightly_scores_add:
 * @self: a #LightlyScores
 * @name: the score name, matching `^[a-zA-Z0-9_+=,.@:\/-]+$`
 * @values: (array length=n) (element-type gdouble): one value per sample
 * @n: the number of values; must be [property@Lightly.Scores:n-samples]
 * @error: return location for a #GError
 *
 * Adds a score array, copying @values.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT if @n is not the number of
 * samples, if a value is NaN or infinite, if @name has characters outside
 * the allowed set or is empty, or if a score called @name exists already.
 * On failure @self is unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_scores_add (LightlyScores  *self,
                    const char     *name,
                    const double   *values,
                    gsize           n,
                    GError        **error)
{
  double *copy;

  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (values != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_new_score (self, name, values, n, error))
    return FALSE;

  /* Never NULL, so that get_values() can tell an empty score from a missing one. */
  copy = g_new (double, MAX (n, 1));
  if (n > 0)
    memcpy (copy, values, n * sizeof (double));
  add_entry (self, name, copy, n);
  return TRUE;
}

/* lightly-scorer-private.h */
gboolean
lightly_scores_add_take (LightlyScores  *self,
                         const char     *name,
                         double         *values,
                         gsize           n,
                         GError        **error)
{
  if (!check_new_score (self, name, values, n, error))
    {
      g_free (values);
      return FALSE;
    }
  add_entry (self, name, values, n);
  return TRUE;
}

/* A row of class probabilities: finite, in [0, 1], summing to 1 ± 0.001,
 * the rule the selection engine applies (so a bad row fails here, where the
 * caller can still fix it, not in a job). */
static gboolean
check_probability_row (const double *row, gsize n_classes, gsize i, GError **error)
{
  double sum = 0;

  for (gsize c = 0; c < n_classes; c++)
    {
      if (!isfinite (row[c]) || row[c] < 0 || row[c] > 1)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "The probability of class %" G_GSIZE_FORMAT " for sample %" G_GSIZE_FORMAT
                       " is %g: class probabilities must be finite numbers in [0, 1]", c, i, row[c]);
          return FALSE;
        }
      sum += row[c];
    }
  if (fabs (sum - 1) > 1e-3)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The class probabilities of sample %" G_GSIZE_FORMAT " sum to %g: each row must sum "
                   "to 1 (within 0.001); give softmax outputs, not logits", i, sum);
      return FALSE;
    }
  return TRUE;
}

/**
 * lightly_scores_add_probabilities:
 * @self: a #LightlyScores
 * @probabilities: (array length=n_values) (element-type gdouble): the model's
 *   class probabilities, row-major, one row of @n_classes per sample in
 *   query-set order
 * @n_values: the number of values, [property@Lightly.Scores:n-samples] ×
 *   @n_classes
 * @n_classes: the number of classes, at least 2
 * @error: return location for a #GError
 *
 * Adds the class probabilities that %LIGHTLY_SAMPLING_METHOD_BADGE and
 * [property@Lightly.SamplerConfig:balance] need, as one score per class,
 * `class_probability_0` … `class_probability_{C−1}`, so they travel (and
 * are stored with the query tag) like any score. A lightly-glib extension:
 * Lightly's service would store them as ordinary scores.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT, leaving @self unchanged, if the
 * shape does not match, a value is not a finite number in [0, 1], a row
 * does not sum to 1 within 0.001, or the scores have class probabilities
 * already.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.2
 */
gboolean
lightly_scores_add_probabilities (LightlyScores  *self,
                                  const double   *probabilities,
                                  gsize           n_values,
                                  gsize           n_classes,
                                  GError        **error)
{
  g_autofree double *col = NULL;

  g_return_val_if_fail (LIGHTLY_IS_SCORES (self), FALSE);
  g_return_val_if_fail (probabilities != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_classes < 2)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Class probabilities need at least 2 classes, not %" G_GSIZE_FORMAT
                   " (for a binary model give [1 − p, p])", n_classes);
      return FALSE;
    }
  if (self->n_samples > G_MAXSIZE / n_classes || n_values != self->n_samples * n_classes)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " class probabilities are not %" G_GSIZE_FORMAT " samples × %"
                   G_GSIZE_FORMAT " classes: give one row of classes per sample", n_values,
                   self->n_samples, n_classes);
      return FALSE;
    }
  if (lookup (self, "class_probability_0") != NULL)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "These scores have class probabilities already: add them once");
      return FALSE;
    }
  for (gsize i = 0; i < self->n_samples; i++)
    if (!check_probability_row (probabilities + i * n_classes, n_classes, i, error))
      return FALSE;
  col = g_new (double, MAX (self->n_samples, 1));
  for (gsize c = 0; c < n_classes; c++)
    {
      g_autofree char *name = g_strdup_printf ("class_probability_%" G_GSIZE_FORMAT, c);

      for (gsize i = 0; i < self->n_samples; i++)
        col[i] = probabilities[i * n_classes + c];
      if (!lightly_scores_add (self, name, col, self->n_samples, error))
        {
          /* Only a name clash can fail here; take back what was added. */
          g_ptr_array_set_size (self->entries, self->entries->len - c);
          return FALSE;
        }
    }
  return TRUE;
}
