/* lightly-predictions.c: LightlyPredictions, a model's outputs keyed by file name
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-predictions.h"
#include "lightly-classification-private.h"
#include "lightly-error.h"

/**
 * LightlyPredictions:
 *
 * A model's class probabilities for a set of files: an N × C float32
 * matrix whose rows are **keyed by file name**, not by position.
 *
 * Apps hand predictions to a [iface@Lightly.BatchSuggester] in whatever
 * order they have them; the suggester reorders them into the order it
 * needs with [method@Lightly.Predictions.reorder], so predictions can never
 * be attached to the wrong file.
 *
 * The constructors check the input and fail with
 * %LIGHTLY_ERROR_INVALID_INPUT, naming the bad value, when the shape does
 * not match, a file name is empty or appears twice, a value is NaN,
 * infinite or outside [0, 1], or a row of more than one column does not
 * sum to 1 (within 10⁻³). A single column is a binary classifier's
 * probability of one class.
 *
 * Predictions are immutable, so they can be read from any thread.
 *
 * Large matrices are best passed as little-endian float32 bytes with
 * [ctor@Lightly.Predictions.new_from_bytes]. In Python:
 * `GLib.Bytes.new(a.astype(numpy.float32).tobytes())`; in GJS:
 * `GLib.Bytes.new_take(new Uint8Array(f.buffer, f.byteOffset, f.byteLength))`
 * for a `Float32Array` `f`.
 */

struct _LightlyPredictions
{
  GObject parent_instance;

  char **names;
  GHashTable *rows;       /* name (borrowed from names) → row index + 1 */
  gsize n_rows;
  gsize n_cols;
  GBytes *bytes;          /* little-endian float32, row-major */
  const float *values;    /* native floats: into bytes, or values_copy */
  float *values_copy;     /* big-endian hosts only */
};

G_DEFINE_FINAL_TYPE (LightlyPredictions, lightly_predictions, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_ROWS,
  PROP_N_COLS,
  PROP_NAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define ROW_SUM_TOLERANCE 1e-3

static void
lightly_predictions_finalize (GObject *object)
{
  LightlyPredictions *self = LIGHTLY_PREDICTIONS (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_strfreev (self->names);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self->values_copy);

  G_OBJECT_CLASS (lightly_predictions_parent_class)->finalize (object);
}

static void
lightly_predictions_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  LightlyPredictions *self = LIGHTLY_PREDICTIONS (object);

  switch (prop_id)
    {
    case PROP_N_ROWS:
      g_value_set_uint64 (value, self->n_rows);
      break;
    case PROP_N_COLS:
      g_value_set_uint64 (value, self->n_cols);
      break;
    case PROP_NAMES:
      g_value_set_boxed (value, self->names);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_predictions_class_init (LightlyPredictionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_predictions_finalize;
  object_class->get_property = lightly_predictions_get_property;

  /**
   * LightlyPredictions:n-rows: (getter get_n_rows)
   *
   * N, the number of files (rows).
   */
  properties[PROP_N_ROWS] =
    g_param_spec_uint64 ("n-rows", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * LightlyPredictions:n-cols: (getter get_n_cols)
   *
   * C, the number of classes (columns); 1 for a binary classifier.
   */
  properties[PROP_N_COLS] =
    g_param_spec_uint64 ("n-cols", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * LightlyPredictions:names: (getter get_names)
   *
   * The file names, one per row, in row order.
   */
  properties[PROP_NAMES] =
    g_param_spec_boxed ("names", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_predictions_init (LightlyPredictions *self)
{
  self->names = g_new0 (char *, 1);
  self->rows = g_hash_table_new (g_str_hash, g_str_equal);
}

static gboolean
check_names (const char * const  *names,
             gsize                n_rows,
             GError             **error)
{
  gsize n_names = names != NULL ? g_strv_length ((char **) names) : 0;

  if (n_names != n_rows)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Got %" G_GSIZE_FORMAT " file names for %" G_GSIZE_FORMAT
                   " rows of predictions: give one file name per row",
                   n_names, n_rows);
      return FALSE;
    }
  return TRUE;
}

/* Takes @bytes (little-endian float32) and checks names and values. */
static LightlyPredictions *
predictions_new_take (const char * const  *names,
                      GBytes              *bytes,
                      gsize                n_rows,
                      gsize                n_cols,
                      GError             **error)
{
  g_autoptr(LightlyPredictions) self = g_object_new (LIGHTLY_TYPE_PREDICTIONS, NULL);

  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->bytes = bytes;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  self->values = g_bytes_get_data (bytes, NULL);
#else
  {
    const guint32 *le = g_bytes_get_data (bytes, NULL);

    self->values_copy = g_new (float, MAX (n_rows * n_cols, 1));
    for (gsize i = 0; i < n_rows * n_cols; i++)
      {
        guint32 u = GUINT32_FROM_LE (le[i]);

        memcpy (&self->values_copy[i], &u, sizeof u);
      }
    self->values = self->values_copy;
  }
#endif

  g_strfreev (self->names);
  self->names = g_strdupv ((char **) names);
  if (self->names == NULL)
    self->names = g_new0 (char *, 1);

  for (gsize i = 0; i < n_rows; i++)
    {
      const char *name = self->names[i];
      const float *row = self->values + i * n_cols;
      gpointer previous;
      double sum = 0.0;

      if (name[0] == '\0')
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "File name %" G_GSIZE_FORMAT " of the predictions is empty: "
                       "give the file name of each row", i);
          return NULL;
        }
      previous = g_hash_table_lookup (self->rows, name);
      if (previous != NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "File “%s” appears twice in the predictions (rows %" G_GSIZE_FORMAT
                       " and %" G_GSIZE_FORMAT "): give one row per file",
                       name, (gsize) GPOINTER_TO_SIZE (previous) - 1, i);
          return NULL;
        }
      g_hash_table_insert (self->rows, (gpointer) name, GSIZE_TO_POINTER (i + 1));

      for (gsize j = 0; j < n_cols; j++)
        {
          float v = row[j];

          if (!isfinite (v))
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "The prediction for “%s” (row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                           ") is %s: give finite class probabilities",
                           name, i, j, isnan (v) ? "NaN" : "infinite");
              return NULL;
            }
          if (v < 0.0f || v > 1.0f)
            {
              g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "The prediction for “%s” (row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                           ") is %g, outside [0, 1]: give class probabilities (apply softmax to logits)",
                           name, i, j, (double) v);
              return NULL;
            }
          sum += v;
        }
      if (n_cols > 1 && fabs (sum - 1.0) > ROW_SUM_TOLERANCE)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "The predictions for “%s” (row %" G_GSIZE_FORMAT ") sum to %g, not 1: "
                       "give one probability distribution per row",
                       name, i, sum);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/**
 * lightly_predictions_new:
 * @names: (array zero-terminated=1) (nullable): the file name of each row;
 *   %NULL only when @n_rows is 0
 * @data: (array length=n_values) (element-type gfloat) (nullable): the
 *   class probabilities, row-major: row i (file `names[i]`) is
 *   `data[i * n_cols … i * n_cols + n_cols − 1]`
 * @n_values: the number of values in @data, @n_rows × @n_cols
 * @n_rows: N, the number of files
 * @n_cols: C, the number of classes; 1 for a binary classifier
 * @error: return location for a #GError
 *
 * Creates predictions from a float32 matrix, copying it.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT when @names does not have @n_rows
 * entries, @n_values is not @n_rows × @n_cols, a name is empty or repeated,
 * or a value is not a probability (see [class@Lightly.Predictions]).
 *
 * Returns: (transfer full): new predictions, or %NULL with @error set
 */
LightlyPredictions *
lightly_predictions_new (const char * const  *names,
                         const float         *data,
                         gsize                n_values,
                         gsize                n_rows,
                         gsize                n_cols,
                         GError             **error)
{
  gsize n_bytes;
  guint32 *le;

  g_return_val_if_fail (data != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_names (names, n_rows, error) ||
      !lightly_classification_check_shape (n_rows, n_cols, error) ||
      !lightly_classification_check_n_values (n_values, n_rows, n_cols, error))
    return NULL;

  n_bytes = n_values * sizeof (float);
  le = g_malloc (MAX (n_bytes, 1));
  for (gsize i = 0; i < n_values; i++)
    {
      guint32 u;

      memcpy (&u, &data[i], sizeof u);
      le[i] = GUINT32_TO_LE (u);
    }
  return predictions_new_take (names, g_bytes_new_take (le, n_bytes), n_rows, n_cols, error);
}

/**
 * lightly_predictions_new_from_bytes:
 * @names: (array zero-terminated=1) (nullable): the file name of each row;
 *   %NULL only when @n_rows is 0
 * @data: the class probabilities as little-endian float32, row-major,
 *   @n_rows × @n_cols × 4 bytes
 * @n_rows: N, the number of files
 * @n_cols: C, the number of classes; 1 for a binary classifier
 * @error: return location for a #GError
 *
 * Creates predictions from a float32 matrix in bytes, keeping a reference
 * to @data instead of copying it (on little-endian hosts).
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT when @names does not have @n_rows
 * entries, @data does not have @n_rows × @n_cols × 4 bytes, a name is empty
 * or repeated, or a value is not a probability.
 *
 * Returns: (transfer full): new predictions, or %NULL with @error set
 */
LightlyPredictions *
lightly_predictions_new_from_bytes (const char * const  *names,
                                    GBytes              *data,
                                    gsize                n_rows,
                                    gsize                n_cols,
                                    GError             **error)
{
  gsize n_bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_bytes = g_bytes_get_size (data);
  if (!check_names (names, n_rows, error) ||
      !lightly_classification_check_shape (n_rows, n_cols, error) ||
      !lightly_classification_check_n_bytes (n_bytes, n_rows, n_cols, error))
    return NULL;
  /* The float view needs 4-byte alignment; bindings may hand us any buffer. */
  if (((guintptr) g_bytes_get_data (data, NULL)) % G_ALIGNOF (float) != 0)
    return predictions_new_take (names, g_bytes_new (g_bytes_get_data (data, NULL), n_bytes),
                                 n_rows, n_cols, error);
  return predictions_new_take (names, g_bytes_ref (data), n_rows, n_cols, error);
}

/**
 * lightly_predictions_get_n_rows:
 * @self: predictions
 *
 * Gets N, the number of files.
 *
 * Returns: the number of rows
 */
gsize
lightly_predictions_get_n_rows (LightlyPredictions *self)
{
  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), 0);
  return self->n_rows;
}

/**
 * lightly_predictions_get_n_cols:
 * @self: predictions
 *
 * Gets C, the number of classes.
 *
 * Returns: the number of columns
 */
gsize
lightly_predictions_get_n_cols (LightlyPredictions *self)
{
  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), 0);
  return self->n_cols;
}

/**
 * lightly_predictions_get_names:
 * @self: predictions
 *
 * Gets the file names, in row order.
 *
 * Returns: (transfer none) (array zero-terminated=1): the file names
 */
const char * const *
lightly_predictions_get_names (LightlyPredictions *self)
{
  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), NULL);
  return (const char * const *) self->names;
}

/**
 * lightly_predictions_get_bytes:
 * @self: predictions
 *
 * Gets the matrix as little-endian float32 bytes, row-major, in row order.
 *
 * Returns: (transfer none): the matrix
 */
GBytes *
lightly_predictions_get_bytes (LightlyPredictions *self)
{
  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), NULL);
  return self->bytes;
}

/**
 * lightly_predictions_contains:
 * @self: predictions
 * @name: a file name
 *
 * Checks whether there is a prediction for @name.
 *
 * Returns: whether @name has a row
 */
gboolean
lightly_predictions_contains (LightlyPredictions *self,
                              const char         *name)
{
  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return g_hash_table_contains (self->rows, name);
}

/**
 * lightly_predictions_get_row:
 * @self: predictions
 * @name: a file name
 * @n_cols: (out): return location for the number of values, C; 0 when
 *   @name has no row
 *
 * Gets the class probabilities of one file.
 *
 * Returns: (transfer none) (array length=n_cols) (nullable): the row of
 *   @name, or %NULL when there is no prediction for it
 */
const float *
lightly_predictions_get_row (LightlyPredictions *self,
                             const char         *name,
                             gsize              *n_cols)
{
  gsize index;

  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  index = GPOINTER_TO_SIZE (g_hash_table_lookup (self->rows, name));
  if (n_cols != NULL)
    *n_cols = index > 0 ? self->n_cols : 0;
  return index > 0 ? self->values + (index - 1) * self->n_cols : NULL;
}

/**
 * lightly_predictions_reorder:
 * @self: predictions
 * @names: (array zero-terminated=1): the file names in the order wanted
 * @error: return location for a #GError
 *
 * Builds the matrix with one row per entry of @names, in that order: the
 * matrix a scorer such as [class@Lightly.ScorerClassification] needs for a
 * query set. Predictions of files not in @names are left out.
 *
 * Fails with %LIGHTLY_ERROR_INVALID_INPUT, naming the file, when a name of
 * @names has no prediction.
 *
 * Returns: (transfer full): little-endian float32 bytes,
 *   `g_strv_length (names)` × C values, or %NULL with @error set
 */
GBytes *
lightly_predictions_reorder (LightlyPredictions  *self,
                             const char * const  *names,
                             GError             **error)
{
  const guint8 *src;
  guint8 *out;
  gsize n, row_bytes;

  g_return_val_if_fail (LIGHTLY_IS_PREDICTIONS (self), NULL);
  g_return_val_if_fail (names != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = g_strv_length ((char **) names);
  row_bytes = self->n_cols * sizeof (float);
  src = g_bytes_get_data (self->bytes, NULL);
  out = g_malloc (MAX (n * row_bytes, 1));
  for (gsize i = 0; i < n; i++)
    {
      gsize index = GPOINTER_TO_SIZE (g_hash_table_lookup (self->rows, names[i]));

      if (index == 0)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "There is no prediction for “%s”: give a prediction for every "
                       "file of the pool (%" G_GSIZE_FORMAT " files)",
                       names[i], n);
          g_free (out);
          return NULL;
        }
      memcpy (out + i * row_bytes, src + (index - 1) * row_bytes, row_bytes);
    }
  return g_bytes_new_take (out, n * row_bytes);
}
