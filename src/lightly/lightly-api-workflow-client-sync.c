/* lightly-api-workflow-client-sync.c: the blocking variants of the client's operations
 *
 * Each runs its _async twin on a private main context (lightly-sync-private.h),
 * so a script or a GTK app calling it never re-enters its own main loop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-api-workflow-client-op-private.h"
#include "lightly-api-workflow-client-private.h"
#include "lightly-sync-private.h"

/* The one body of every blocking variant: runs the _async call of @op with
 * @... as its arguments, then its _finish, on a private main context, and
 * stores the result in @ret. The callers' @self and @error are used. */
#define CLIENT_RUN_SYNC(ret, op, ...)                                                   \
  G_STMT_START {                                                                        \
    LightlySync sync_;                                                                  \
                                                                                        \
    lightly_sync_begin (&sync_);                                                        \
    lightly_api_workflow_client_##op##_async (self, __VA_ARGS__, lightly_sync_done, &sync_); \
    ret = lightly_api_workflow_client_##op##_finish (self, lightly_sync_wait (&sync_), error); \
    lightly_sync_end (&sync_);                                                          \
  } G_STMT_END

/**
 * lightly_api_workflow_client_create_dataset:
 * @self: a client
 * @name: the new dataset's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.create_dataset_async].
 *
 * Returns: (transfer full): the new dataset's id, or %NULL on error
 */
char *
lightly_api_workflow_client_create_dataset (LightlyApiWorkflowClient *self,
                                            const char               *name,
                                            GCancellable             *cancellable,
                                            GError                  **error)
{
  char *ret;

  CLIENT_RUN_SYNC (ret, create_dataset, name, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_list_datasets:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.list_datasets_async].
 *
 * Returns: (transfer container) (element-type LightlyDataset): the datasets,
 *   or %NULL on error; the array owns its elements (it unrefs them when it
 *   is freed), so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_list_datasets (LightlyApiWorkflowClient *self,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  GPtrArray *ret;

  CLIENT_RUN_SYNC (ret, list_datasets, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_register_samples:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.register_samples_async].
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_register_samples (LightlyApiWorkflowClient *self,
                                              GInputStream             *csv,
                                              GCancellable             *cancellable,
                                              GError                  **error)
{
  gboolean ret;

  CLIENT_RUN_SYNC (ret, register_samples, csv, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_register_samples_from_path:
 * @self: a client
 * @path: (type filename): the path of an embeddings CSV
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: registers the samples of the CSV file at @path, as
 * [method@Lightly.ApiWorkflowClient.register_samples] does.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_register_samples_from_path (LightlyApiWorkflowClient *self,
                                                        const char               *path,
                                                        GCancellable             *cancellable,
                                                        GError                  **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  stream = lightly_client_open_path (path, cancellable, error);
  if (stream == NULL)
    return FALSE;
  return lightly_api_workflow_client_register_samples (self, stream, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_file_names:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.get_file_names_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names, or
 *   %NULL on error
 */
char **
lightly_api_workflow_client_get_file_names (LightlyApiWorkflowClient *self,
                                            GCancellable             *cancellable,
                                            GError                  **error)
{
  char **ret;

  CLIENT_RUN_SYNC (ret, get_file_names, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_upload_embeddings:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format
 * @name: the embedding's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.upload_embeddings_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings (LightlyApiWorkflowClient *self,
                                               GInputStream             *csv,
                                               const char               *name,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  char *ret;

  CLIENT_RUN_SYNC (ret, upload_embeddings, csv, name, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_path:
 * @self: a client
 * @path: (type filename): the path of an embeddings CSV
 * @name: the embedding's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: uploads the embeddings CSV at @path, as
 * [method@Lightly.ApiWorkflowClient.upload_embeddings] does.
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_from_path (LightlyApiWorkflowClient *self,
                                                         const char               *path,
                                                         const char               *name,
                                                         GCancellable             *cancellable,
                                                         GError                  **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  stream = lightly_client_open_path (path, cancellable, error);
  if (stream == NULL)
    return NULL;
  return lightly_api_workflow_client_upload_embeddings (self, stream, name, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_tags:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.get_tags_async].
 *
 * Returns: (transfer container) (element-type LightlyTag): the tags, or %NULL
 *   on error; the array owns its elements (it unrefs them when it is freed),
 *   so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_get_tags (LightlyApiWorkflowClient *self,
                                      GCancellable             *cancellable,
                                      GError                  **error)
{
  GPtrArray *ret;

  CLIENT_RUN_SYNC (ret, get_tags, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_create_tag:
 * @self: a client
 * @name: the tag's name
 * @bit_mask: the tag's members
 * @prev_tag_id: (nullable): the parent tag
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.create_tag_async].
 *
 * Returns: (transfer full): the tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_create_tag (LightlyApiWorkflowClient *self,
                                        const char               *name,
                                        const LightlyBitMask     *bit_mask,
                                        const char               *prev_tag_id,
                                        GCancellable             *cancellable,
                                        GError                  **error)
{
  LightlyTag *ret;

  CLIENT_RUN_SYNC (ret, create_tag, name, bit_mask, prev_tag_id, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_delete_tag:
 * @self: a client
 * @tag_id: the id of the tag to delete
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.delete_tag_async].
 *
 * Returns: %TRUE when the tag is deleted
 */
gboolean
lightly_api_workflow_client_delete_tag (LightlyApiWorkflowClient *self,
                                        const char               *tag_id,
                                        GCancellable             *cancellable,
                                        GError                  **error)
{
  gboolean ret;

  CLIENT_RUN_SYNC (ret, delete_tag, tag_id, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_upload_scores:
 * @self: a client
 * @scores: the scores
 * @query_tag_id: the tag the scores belong to
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.upload_scores_async].
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_upload_scores (LightlyApiWorkflowClient *self,
                                           LightlyScores            *scores,
                                           const char               *query_tag_id,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  gboolean ret;

  CLIENT_RUN_SYNC (ret, upload_scores, scores, query_tag_id, cancellable);
  return ret;
}

/**
 * lightly_api_workflow_client_sampling:
 * @self: a client
 * @config: what to select
 * @preselected_tag_id: (nullable): the tag of the already-labeled samples
 * @query_tag_id: (nullable): the tag to select from
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.sampling_async].
 *
 * Returns: (transfer full): the new tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_sampling (LightlyApiWorkflowClient *self,
                                      LightlySamplerConfig     *config,
                                      const char               *preselected_tag_id,
                                      const char               *query_tag_id,
                                      GCancellable             *cancellable,
                                      GError                  **error)
{
  LightlyTag *ret;

  CLIENT_RUN_SYNC (ret, sampling, config, preselected_tag_id, query_tag_id, cancellable);
  return ret;
}

GPtrArray *
lightly_api_workflow_client_find_tags (LightlyApiWorkflowClient *self,
                                       const char * const       *names,
                                       GCancellable             *cancellable,
                                       GError                  **error)
{
  GPtrArray *ret;

  CLIENT_RUN_SYNC (ret, find_tags, names, cancellable);
  return ret;
}
