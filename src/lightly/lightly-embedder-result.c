/* lightly-embedder-result.c: what a LightlyEmbedder returns for a folder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-embedder-result.h"
#include "lightly-error.h"

/**
 * LightlyEmbedderResult:
 *
 * The embeddings a [iface@Lightly.Embedder] computed for a folder: one row
 * of [method@Lightly.EmbedderResult.get_dim] float32 values per readable
 * image, the images' names relative to the folder ('/'-separated, in row
 * order), and one "name: reason" line per file that could not be read.
 *
 * The rows are one #GBytes of native-endian float32, row-major, so a
 * Python embedder builds a result straight from a numpy array:
 *
 * ```python
 * Lightly.EmbedderResult.new(names, GLib.Bytes.new(rows.astype('float32').tobytes()),
 *                            rows.shape[1], failed)
 * ```
 *
 * and a Python host reads it back with
 * `numpy.frombuffer(result.get_embeddings().get_data(), 'float32').reshape(result.get_n_rows(), -1)`.
 *
 * A result is immutable, so it can be read from any thread.
 */
struct _LightlyEmbedderResult
{
  GObject parent_instance;

  char **file_names;
  GBytes *embeddings;
  guint n_rows;
  guint dim;
  char **failed;
};

G_DEFINE_FINAL_TYPE (LightlyEmbedderResult, lightly_embedder_result, G_TYPE_OBJECT)

static void
lightly_embedder_result_finalize (GObject *object)
{
  LightlyEmbedderResult *self = LIGHTLY_EMBEDDER_RESULT (object);

  g_strfreev (self->file_names);
  g_bytes_unref (self->embeddings);
  g_strfreev (self->failed);

  G_OBJECT_CLASS (lightly_embedder_result_parent_class)->finalize (object);
}

static void
lightly_embedder_result_class_init (LightlyEmbedderResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_embedder_result_finalize;
}

static void
lightly_embedder_result_init (LightlyEmbedderResult *self)
{
}

/* Names become CSV cells and store keys: the same rules as the CSV reader. */
static gboolean
check_names (const char * const  *file_names,
             GError             **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; file_names[i] != NULL; i++)
    {
      const char *name = file_names[i];

      if (*name == '\0' || strpbrk (name, ",\"\r\n") != NULL || !g_utf8_validate (name, -1, NULL))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "File name %u (“%s”) is empty, not UTF-8, or holds a comma, a quote or a "
                       "line break", i, name);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) name))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "File name “%s” appears twice", name);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * lightly_embedder_result_new:
 * @file_names: (array zero-terminated=1): the readable images, one per row
 * @embeddings: g_strv_length(@file_names) × @dim native-endian float32 values,
 *   row-major
 * @dim: the embedding dimension, at least 1
 * @failed: (array zero-terminated=1) (nullable): one "name: reason" line per
 *   unreadable file
 * @error: return location for a #GError
 *
 * Makes a result. %LIGHTLY_ERROR_INVALID_INPUT when @embeddings has the
 * wrong size or a value that is not finite, @dim is 0, or a file name is
 * empty, repeated, or holds a comma, a quote or a line break (it could not
 * be written to Lightly's CSV).
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
LightlyEmbedderResult *
lightly_embedder_result_new (const char * const  *file_names,
                             GBytes              *embeddings,
                             guint                dim,
                             const char * const  *failed,
                             GError             **error)
{
  LightlyEmbedderResult *self;
  guint n_rows;
  gsize size;
  const float *values;

  g_return_val_if_fail (file_names != NULL, NULL);
  g_return_val_if_fail (embeddings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_rows = g_strv_length ((char **) file_names);
  values = g_bytes_get_data (embeddings, &size);
  if (dim == 0 || size != (gsize) n_rows * dim * sizeof (float))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Embeddings of %" G_GSIZE_FORMAT " bytes do not hold %u rows of %u float32 values",
                   size, n_rows, dim);
      return NULL;
    }
  if (!check_names (file_names, error))
    return NULL;
  for (gsize i = 0; i < (gsize) n_rows * dim; i++)
    {
      float v;

      /* The bytes need not be aligned for float (GLib.Bytes from Python). */
      memcpy (&v, (const char *) values + i * sizeof (float), sizeof v);
      if (!isfinite (v))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Embedding of “%s” holds a value that is not finite (column %u)",
                       file_names[i / dim], (guint) (i % dim));
          return NULL;
        }
    }

  self = g_object_new (LIGHTLY_TYPE_EMBEDDER_RESULT, NULL);
  self->file_names = g_strdupv ((char **) file_names);
  self->n_rows = n_rows;
  self->dim = dim;
  /* A private aligned copy, so peek_row() can hand out float pointers. */
  self->embeddings = g_bytes_new_take (g_memdup2 (values, MAX (size, 1)), size);
  self->failed = failed != NULL ? g_strdupv ((char **) failed) : g_new0 (char *, 1);
  return self;
}

/**
 * lightly_embedder_result_get_file_names:
 * @self: a result
 *
 * Gets the names of the embedded images, relative to the folder and
 * '/'-separated, one per row.
 *
 * Returns: (transfer none) (array zero-terminated=1): the names
 */
const char * const *
lightly_embedder_result_get_file_names (LightlyEmbedderResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), NULL);

  return (const char * const *) self->file_names;
}

/**
 * lightly_embedder_result_get_embeddings:
 * @self: a result
 *
 * Gets the rows: [method@Lightly.EmbedderResult.get_n_rows] ×
 * [method@Lightly.EmbedderResult.get_dim] native-endian float32 values,
 * row-major.
 *
 * Returns: (transfer none): the embeddings
 */
GBytes *
lightly_embedder_result_get_embeddings (LightlyEmbedderResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), NULL);

  return self->embeddings;
}

/**
 * lightly_embedder_result_peek_row: (skip)
 * @self: a result
 * @row: a row, less than [method@Lightly.EmbedderResult.get_n_rows]
 *
 * Gets one row, for C callers.
 *
 * Returns: (transfer none): [method@Lightly.EmbedderResult.get_dim] floats
 */
const float *
lightly_embedder_result_peek_row (LightlyEmbedderResult *self,
                                  guint                  row)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), NULL);
  g_return_val_if_fail (row < self->n_rows, NULL);

  return (const float *) g_bytes_get_data (self->embeddings, NULL) + (gsize) row * self->dim;
}

/**
 * lightly_embedder_result_get_n_rows:
 * @self: a result
 *
 * Gets the number of embedded images.
 *
 * Returns: the number of rows
 */
guint
lightly_embedder_result_get_n_rows (LightlyEmbedderResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), 0);

  return self->n_rows;
}

/**
 * lightly_embedder_result_get_dim:
 * @self: a result
 *
 * Gets the embedding dimension.
 *
 * Returns: the number of float32 values per row
 */
guint
lightly_embedder_result_get_dim (LightlyEmbedderResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), 0);

  return self->dim;
}

/**
 * lightly_embedder_result_get_failed:
 * @self: a result
 *
 * Gets one "name: reason" line per file under the folder that could not be
 * read as an image, in name order. Such files are skipped, not fatal.
 *
 * Returns: (transfer none) (array zero-terminated=1): the unreadable files,
 *   possibly none
 */
const char * const *
lightly_embedder_result_get_failed (LightlyEmbedderResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER_RESULT (self), NULL);

  return (const char * const *) self->failed;
}
