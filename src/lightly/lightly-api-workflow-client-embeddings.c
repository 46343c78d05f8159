/* lightly-api-workflow-client-embeddings.c: samples and embeddings from CSV
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-api-workflow-client-op-private.h"
#include "lightly-api-workflow-client-private.h"

/* ---------------------------------------------------------------------------
 * Samples
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyClientOp op;
  GInputStream *csv;
  char *name;
} StreamOp;

static void
stream_op_free (gpointer data)
{
  StreamOp *op = data;

  g_clear_object (&op->csv);
  g_free (op->name);
}

static gpointer
register_samples_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  StreamOp *op = data;
  g_autofree char *initial_tag_id = NULL;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;

  /* Samples are registered in the CSV's row order (protocol §13). */
  if (!lightly_backend_register_samples (backend, op->op.dataset_id, op->csv, cancellable, error))
    return NULL;
  initial_tag_id = lightly_backend_create_initial_tag (backend, op->op.dataset_id, cancellable, error);
  return initial_tag_id != NULL ? LIGHTLY_CLIENT_OP_TRUE : NULL;
}

/**
 * lightly_api_workflow_client_register_samples_async:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format (only its `filenames` column
 *   is read)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the samples are registered
 * @user_data: data for @callback
 *
 * Registers the CSV's file names as the dataset's samples, in the CSV's row
 * order, and creates the dataset's `initial-tag` holding all of them. Sample
 * i of the dataset is bit i of every tag.
 */
void
lightly_api_workflow_client_register_samples_async (LightlyApiWorkflowClient *self,
                                                    GInputStream             *csv,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data)
{
  StreamOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (csv));

  op = lightly_client_op_new (self, sizeof (StreamOp), register_samples_run, stream_op_free, NULL);
  op->csv = g_object_ref (csv);
  lightly_client_op_start (self, op, lightly_api_workflow_client_register_samples_async,
                           cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_register_samples_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.register_samples_async].
 *
 * Returns: %TRUE when the samples and the `initial-tag` exist
 */
gboolean
lightly_api_workflow_client_register_samples_finish (LightlyApiWorkflowClient *self,
                                                     GAsyncResult             *result,
                                                     GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_register_samples_async, error) != NULL;
}

GInputStream *
lightly_client_open_path (const char    *path,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return G_INPUT_STREAM (g_file_read (file, cancellable, error));
}

static gpointer
get_names_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyClientOp *op = data;

  if (!lightly_client_op_require_dataset (op, error))
    return NULL;
  return lightly_backend_get_file_names (backend, op->dataset_id, cancellable, error);
}

/* The public API hands out a GStrv: one copy per name, made in the worker. */
static gpointer
get_file_names_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  g_autoptr(LightlyNames) names = get_names_run (data, backend, cancellable, error);

  return names != NULL ? lightly_names_to_strv (names) : NULL;
}

void
lightly_api_workflow_client_get_names_async (LightlyApiWorkflowClient *self,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data)
{
  lightly_client_op_start (self,
                           lightly_client_op_new (self, sizeof (LightlyClientOp), get_names_run, NULL,
                                                  (GDestroyNotify) lightly_names_free),
                           lightly_api_workflow_client_get_names_async, cancellable, callback, user_data);
}

LightlyNames *
lightly_api_workflow_client_get_names_finish (LightlyApiWorkflowClient *self,
                                              GAsyncResult             *result,
                                              GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_get_names_async, error);
}

/**
 * lightly_api_workflow_client_get_file_names_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the file names
 * @user_data: data for @callback
 *
 * Gets the dataset's file names in mapping order: index i is bit i of every
 * tag ([protocol](protocol.html) M1).
 */
void
lightly_api_workflow_client_get_file_names_async (LightlyApiWorkflowClient *self,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  lightly_client_op_start (self,
                           lightly_client_op_new (self, sizeof (LightlyClientOp), get_file_names_run, NULL,
                                                  (GDestroyNotify) g_strfreev),
                           lightly_api_workflow_client_get_file_names_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_get_file_names_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.get_file_names_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names, or
 *   %NULL on error
 */
char **
lightly_api_workflow_client_get_file_names_finish (LightlyApiWorkflowClient *self,
                                                   GAsyncResult             *result,
                                                   GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_get_file_names_async, error);
}

/* ---------------------------------------------------------------------------
 * Embeddings
 * ------------------------------------------------------------------------- */

static gpointer
upload_embeddings_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  StreamOp *op = data;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;
  return lightly_backend_upload_embeddings (backend, op->op.dataset_id, op->name,
                                                                 op->csv, cancellable, error);
}

/**
 * lightly_api_workflow_client_upload_embeddings_async:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format: a `filenames` column,
 *   `embedding_0` … `embedding_{D-1}`, other columns ignored
 * @name: the embedding's name, unique in the dataset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the embedding is stored
 * @user_data: data for @callback
 *
 * Uploads embeddings. The CSV's file names must be exactly the dataset's
 * samples (in any order); rows are stored in mapping order, L2-normalised.
 * On success the new embedding becomes the client's
 * [property@Lightly.ApiWorkflowClient:embedding-id].
 */
void
lightly_api_workflow_client_upload_embeddings_async (LightlyApiWorkflowClient *self,
                                                     GInputStream             *csv,
                                                     const char               *name,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data)
{
  StreamOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (csv));
  g_return_if_fail (name != NULL);

  op = lightly_client_op_new (self, sizeof (StreamOp), upload_embeddings_run, stream_op_free, g_free);
  op->csv = g_object_ref (csv);
  op->name = g_strdup (name);
  lightly_client_op_start (self, op, lightly_api_workflow_client_upload_embeddings_async,
                           cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_upload_embeddings_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.upload_embeddings_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_finish (LightlyApiWorkflowClient *self,
                                                      GAsyncResult             *result,
                                                      GError                  **error)
{
  char *id = lightly_client_op_finish (self, result, lightly_api_workflow_client_upload_embeddings_async, error);

  if (id != NULL)
    lightly_api_workflow_client_set_embedding_id (self, id);
  return id;
}
