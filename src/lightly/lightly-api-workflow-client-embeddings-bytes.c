/* lightly-api-workflow-client-embeddings-bytes.c: samples and embeddings from memory
 *
 * Python (numpy), GJS (Float32Array) and C programs hold their embeddings as
 * a float32 matrix; these calls take it as it is, so no caller writes a CSV.
 * The local backend (the embedded default) stores the matrix directly. The
 * http backend must send a CSV on the wire (protocol §8), so for it the
 * matrix is written out once here, on the worker thread, in the C locale
 * and with round-trip precision.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lightly-api-workflow-client-op-private.h"
#include "lightly-error.h"
#include "lightly-sync-private.h"

typedef struct {
  LightlyClientOp op;
  char **file_names;
  GBytes *data;
  gsize n_rows;
  gsize dim;
  char *name;
} BytesOp;

static void
bytes_op_free (gpointer data)
{
  BytesOp *op = data;

  g_strfreev (op->file_names);
  g_clear_pointer (&op->data, g_bytes_unref);
  g_free (op->name);
}

/* Embeddings CSV files cannot hold these (protocol §8), and samples are
 * registered from one, so no such name can be a sample. */
static gboolean
check_names (char **names, GError **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strpbrk (names[i], ",\"\r\n") != NULL || names[i][0] == '\0')
      {
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID,
                     "File name %u (“%s”) is empty or holds a comma, a quote or a line break, "
                     "which samples cannot be stored under; rename the file", i, names[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_matrix (BytesOp *op, const float **out, GError **error)
{
  gsize size = 0;
  const float *m = g_bytes_get_data (op->data, &size);
  guint n_names = g_strv_length (op->file_names);

  if (op->n_rows == 0 || op->dim == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID,
                   "Embeddings of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ": give at least one row "
                   "and one dimension", op->n_rows, op->dim);
      return FALSE;
    }
  if (op->dim > G_MAXSIZE / sizeof (float) / op->n_rows ||
      size != op->n_rows * op->dim * sizeof (float))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID,
                   "Embeddings data has %" G_GSIZE_FORMAT " bytes, but %" G_GSIZE_FORMAT " rows × %"
                   G_GSIZE_FORMAT " dimensions of float32 need %" G_GSIZE_FORMAT,
                   size, op->n_rows, op->dim, op->n_rows * op->dim * sizeof (float));
      return FALSE;
    }
  if (n_names != op->n_rows)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID,
                   "%u file names for %" G_GSIZE_FORMAT " embedding rows: give one file name per row",
                   n_names, op->n_rows);
      return FALSE;
    }
  if (!check_names (op->file_names, error))
    return FALSE;
  for (gsize i = 0; i < op->n_rows * op->dim; i++)
    if (!isfinite (m[i]))
      {
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EMBEDDING_INVALID,
                     "Embedding row %" G_GSIZE_FORMAT " (%s), dimension %" G_GSIZE_FORMAT " is %s: "
                     "every value must be finite",
                     i / op->dim, op->file_names[i / op->dim], i % op->dim,
                     isnan (m[i]) ? "NaN" : "infinite");
        return FALSE;
      }
  *out = m;
  return TRUE;
}

/* The CSV of protocol §8. "%.9g" gives back the same float32 when parsed;
 * the thread's locale is switched to "C" for the decimal point, which is
 * both thread-safe and much faster than g_ascii_formatd() per value. */
static GBytes *
matrix_to_csv (BytesOp *op, const float *m)
{
  GString *csv = g_string_sized_new (op->n_rows * (op->dim * 12 + 32) + 64);
  locale_t c_locale = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
  locale_t old = uselocale (c_locale);
  char buf[32];

  g_string_append (csv, "filenames");
  for (gsize j = 0; j < op->dim; j++)
    g_string_append_printf (csv, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append (csv, "\r\n");
  for (gsize i = 0; i < op->n_rows; i++)
    {
      g_string_append (csv, op->file_names[i]);
      for (gsize j = 0; j < op->dim; j++)
        {
          int len = snprintf (buf, sizeof buf, ",%.9g", (double) m[i * op->dim + j]);

          g_string_append_len (csv, buf, len);
        }
      g_string_append (csv, "\r\n");
    }
  uselocale (old);
  freelocale (c_locale);
  return g_string_free_to_bytes (csv);
}

static gpointer
upload_bytes_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  BytesOp *op = data;
  const float *m = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GInputStream) stream = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error) || !check_matrix (op, &m, error))
    return NULL;
  /* The local store takes the matrix as it is; only a wire needs the CSV. */
  if (lightly_backend_can_upload_embeddings_matrix (backend))
    return lightly_backend_upload_embeddings_matrix (backend, op->op.dataset_id, op->name,
                                                     (const char * const *) op->file_names, m,
                                                     op->n_rows, op->dim, cancellable, error);
  csv = matrix_to_csv (op, m);
  /* The caller's matrix is no longer needed: free it before the backend
   * parses the CSV, so the peak is one copy less. */
  g_clear_pointer (&op->data, g_bytes_unref);
  stream = g_memory_input_stream_new_from_bytes (csv);
  return lightly_backend_upload_embeddings (backend, op->op.dataset_id, op->name, stream, cancellable, error);
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_bytes_async:
 * @self: a client
 * @file_names: (array zero-terminated=1): the file name of every row, in
 *   row order
 * @data: the embeddings as little-endian float32, row-major,
 *   @n_rows × @dim × 4 bytes
 * @n_rows: the number of rows (samples)
 * @dim: the number of dimensions of every embedding
 * @name: the embedding's name, unique in the dataset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the embedding is stored
 * @user_data: data for @callback
 *
 * Uploads embeddings held in memory, as
 * [method@Lightly.ApiWorkflowClient.upload_embeddings_async] does for a
 * CSV: the file names must be exactly the dataset's samples (in any order),
 * and rows are stored in mapping order, L2-normalised. On success the new
 * embedding becomes the client's
 * [property@Lightly.ApiWorkflowClient:embedding-id].
 *
 * A reference to @data is kept until the upload no longer needs it; the
 * bytes are not copied. Fails with %LIGHTLY_ERROR_EMBEDDING_INVALID when
 * @data does not hold @n_rows × @dim float32 values, when there are no rows
 * or no dimensions, when a value is NaN or infinite, when the number of
 * @file_names is not @n_rows, or when a file name is empty or holds a comma,
 * a quote or a line break.
 *
 * In Python the overrides take a numpy array instead
 * (`client.upload_embeddings_from_array(names, array, name)`); in GJS
 * `floatBytes()` of the `lightly.js` module turns a `Float32Array` into
 * @data.
 */
void
lightly_api_workflow_client_upload_embeddings_from_bytes_async (LightlyApiWorkflowClient *self,
                                                                const char * const       *file_names,
                                                                GBytes                   *data,
                                                                gsize                     n_rows,
                                                                gsize                     dim,
                                                                const char               *name,
                                                                GCancellable             *cancellable,
                                                                GAsyncReadyCallback       callback,
                                                                gpointer                  user_data)
{
  BytesOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (file_names != NULL);
  g_return_if_fail (data != NULL);
  g_return_if_fail (name != NULL);

  op = lightly_client_op_new (self, sizeof (BytesOp), upload_bytes_run, bytes_op_free, g_free);
  op->file_names = g_strdupv ((char **) file_names);
  op->data = g_bytes_ref (data);
  op->n_rows = n_rows;
  op->dim = dim;
  op->name = g_strdup (name);
  lightly_client_op_start (self, op, lightly_api_workflow_client_upload_embeddings_from_bytes_async,
                           cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_bytes_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.upload_embeddings_from_bytes_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_from_bytes_finish (LightlyApiWorkflowClient *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error)
{
  char *id = lightly_client_op_finish (self, result,
                                       lightly_api_workflow_client_upload_embeddings_from_bytes_async, error);

  if (id != NULL)
    lightly_api_workflow_client_set_embedding_id (self, id);
  return id;
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_bytes:
 * @self: a client
 * @file_names: (array zero-terminated=1): the file name of every row, in
 *   row order
 * @data: the embeddings as little-endian float32, row-major,
 *   @n_rows × @dim × 4 bytes
 * @n_rows: the number of rows (samples)
 * @dim: the number of dimensions of every embedding
 * @name: the embedding's name, unique in the dataset
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of
 * [method@Lightly.ApiWorkflowClient.upload_embeddings_from_bytes_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_from_bytes (LightlyApiWorkflowClient *self,
                                                          const char * const       *file_names,
                                                          GBytes                   *data,
                                                          gsize                     n_rows,
                                                          gsize                     dim,
                                                          const char               *name,
                                                          GCancellable             *cancellable,
                                                          GError                  **error)
{
  LightlySync sync;
  char *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_upload_embeddings_from_bytes_async (self, file_names, data, n_rows, dim, name,
                                                                  cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_upload_embeddings_from_bytes_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_data:
 * @self: a client
 * @file_names: (array zero-terminated=1): the file name of every row, in
 *   row order
 * @data: (array length=size) (element-type guint8): the embeddings as
 *   little-endian float32, row-major, @n_rows × @dim × 4 bytes
 * @size: the size of @data in bytes
 * @n_rows: the number of rows (samples)
 * @dim: the number of dimensions of every embedding
 * @name: the embedding's name, unique in the dataset
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking, like
 * [method@Lightly.ApiWorkflowClient.upload_embeddings_from_bytes], but reads
 * @data where it is, without a copy: the call returns only once nothing
 * reads @data any more. This is the zero-copy path of the Python overrides:
 * PyGObject hands a `bytes` object's own buffer to @data, so
 * `upload_embeddings_from_array()` makes no copy of an array over a whole
 * `bytes` object and one (`tobytes()`) of any other float32 array. Same
 * errors as [method@Lightly.ApiWorkflowClient.upload_embeddings_from_bytes].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_from_data (LightlyApiWorkflowClient *self,
                                                         const char * const       *file_names,
                                                         const guint8             *data,
                                                         gsize                     size,
                                                         gsize                     n_rows,
                                                         gsize                     dim,
                                                         const char               *name,
                                                         GCancellable             *cancellable,
                                                         GError                  **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (data != NULL || size == 0, NULL);

  /* The worker is done with the op's data before the blocking call returns
   * (client ops never return early on cancel), so the bytes may borrow
   * @data; a misaligned buffer is copied so that floats read aligned. */
  if (data == NULL || (guintptr) data % G_ALIGNOF (float) != 0)
    bytes = g_bytes_new (data, size);
  else
    bytes = g_bytes_new_static (data, size);
  return lightly_api_workflow_client_upload_embeddings_from_bytes (self, file_names, bytes, n_rows, dim, name,
                                                                   cancellable, error);
}

/* ---------------------------------------------------------------------------
 * Samples from a list of file names
 * ------------------------------------------------------------------------- */

static gpointer
register_names_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  BytesOp *op = data;
  /* The backends' register_samples reads an embeddings CSV, whose format
   * needs one embedding column; only the names are read. */
  g_autoptr(GString) csv = g_string_new ("filenames,embedding_0\r\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *initial_tag_id = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error) || !check_names (op->file_names, error))
    return NULL;
  if (op->file_names[0] == NULL)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "No file names: give at least one sample");
      return NULL;
    }
  for (guint i = 0; op->file_names[i] != NULL; i++)
    {
      g_string_append (csv, op->file_names[i]);
      g_string_append (csv, ",0\r\n");
    }
  bytes = g_string_free_to_bytes (g_steal_pointer (&csv));
  stream = g_memory_input_stream_new_from_bytes (bytes);
  if (!lightly_backend_register_samples (backend, op->op.dataset_id, stream, cancellable, error))
    return NULL;
  initial_tag_id = lightly_backend_create_initial_tag (backend, op->op.dataset_id, cancellable, error);
  return initial_tag_id != NULL ? LIGHTLY_CLIENT_OP_TRUE : NULL;
}

/**
 * lightly_api_workflow_client_register_samples_from_names_async:
 * @self: a client
 * @file_names: (array zero-terminated=1): the samples' file names, in order
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the samples are registered
 * @user_data: data for @callback
 *
 * Registers @file_names as the dataset's samples, in this order, and
 * creates the `initial-tag`, as
 * [method@Lightly.ApiWorkflowClient.register_samples_async] does for the
 * `filenames` column of a CSV. Sample i of the dataset is bit i of every tag.
 */
void
lightly_api_workflow_client_register_samples_from_names_async (LightlyApiWorkflowClient *self,
                                                               const char * const       *file_names,
                                                               GCancellable             *cancellable,
                                                               GAsyncReadyCallback       callback,
                                                               gpointer                  user_data)
{
  BytesOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (file_names != NULL);

  op = lightly_client_op_new (self, sizeof (BytesOp), register_names_run, bytes_op_free, NULL);
  op->file_names = g_strdupv ((char **) file_names);
  lightly_client_op_start (self, op, lightly_api_workflow_client_register_samples_from_names_async,
                           cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_register_samples_from_names_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.register_samples_from_names_async].
 *
 * Returns: %TRUE when the samples and the `initial-tag` exist
 */
gboolean
lightly_api_workflow_client_register_samples_from_names_finish (LightlyApiWorkflowClient *self,
                                                                GAsyncResult             *result,
                                                                GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_register_samples_from_names_async,
                                   error) != NULL;
}

/**
 * lightly_api_workflow_client_register_samples_from_names:
 * @self: a client
 * @file_names: (array zero-terminated=1): the samples' file names, in order
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of
 * [method@Lightly.ApiWorkflowClient.register_samples_from_names_async].
 *
 * Returns: %TRUE when the samples and the `initial-tag` exist
 */
gboolean
lightly_api_workflow_client_register_samples_from_names (LightlyApiWorkflowClient *self,
                                                         const char * const       *file_names,
                                                         GCancellable             *cancellable,
                                                         GError                  **error)
{
  LightlySync sync;
  gboolean ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_register_samples_from_names_async (self, file_names, cancellable,
                                                                 lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_register_samples_from_names_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}
