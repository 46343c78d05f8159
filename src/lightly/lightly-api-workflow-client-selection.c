/* lightly-api-workflow-client-selection.c: selections and their jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-api-workflow-client-private.h"
#include "lightly-api-workflow-client-op-private.h"
#include "lightly-error.h"
#include "lightly-tag-private.h"
#include "lightly-sync-private.h"

/* ---------------------------------------------------------------------------
 * Selection
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyClientOp op;
  LightlySelectionRequest request;
  LightlyBackendProgress progress;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
  char *embedding_id_used;          /* written by the worker, read in finish */
} SamplingOp;

static void
sampling_op_free (gpointer data)
{
  SamplingOp *op = data;

  lightly_selection_request_clear (&op->request);
  if (op->progress_destroy != NULL)
    op->progress_destroy (op->progress_data);
  g_free (op->embedding_id_used);
}

/* Protocol §4.3 step 3: name check, default embedding, rowCount, P1, follow
 * the job, then read the new tag. */
static gpointer
sampling_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  SamplingOp *op = data;
  g_autoptr(GPtrArray) tags = NULL;
  g_autofree char *job_id = NULL;
  g_autoptr(LightlyJob) job = NULL;
  const char *embedding_id;

  if (!lightly_client_op_require_dataset (&op->op, error))
    return NULL;

  /* Names and sizes only: no tag's mask is read. */
  tags = lightly_backend_get_tag_heads (backend, op->op.dataset_id, cancellable, error);
  if (tags == NULL)
    return NULL;
  if (tags->len == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                           "There exists no initial-tag for this dataset: register samples first");
      return NULL;
    }
  if (lightly_tag_list_find (tags, op->request.new_tag_name) != NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                   "A tag named “%s” exists already: give the selection another name",
                   op->request.new_tag_name);
      return NULL;
    }
  op->request.row_count = lightly_tag_get_tot_size (g_ptr_array_index (tags, 0));

  embedding_id = op->op.embedding_id;
  if (embedding_id == NULL)
    {
      g_autoptr(GPtrArray) embeddings = lightly_backend_list_embeddings (backend, op->op.dataset_id,
                                                                cancellable, error);
      if (embeddings == NULL)
        return NULL;
      if (embeddings->len == 0)
        {
          g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                               "The dataset has no embeddings: upload an embeddings CSV first");
          return NULL;
        }
      /* The newest embedding, as the Python client's default. */
      op->embedding_id_used = g_strdup (lightly_embedding_get_id (g_ptr_array_index (embeddings,
                                                                                     embeddings->len - 1)));
      embedding_id = op->embedding_id_used;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  job_id = lightly_backend_start_selection (backend, op->op.dataset_id, embedding_id, &op->request,
                                   cancellable, error);
  if (job_id == NULL)
    return NULL;

  job = lightly_backend_follow_job (backend, job_id, op->progress, op->progress_data, cancellable, error);
  if (job == NULL)
    return NULL;

  if (lightly_job_get_status (job) == LIGHTLY_JOB_STATUS_FAILED)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_JOB_FAILED,
                   "Selection job %s failed: %s", job_id,
                   lightly_job_get_error (job) != NULL ? lightly_job_get_error (job) : "no reason given");
      return NULL;
    }
  if (lightly_job_get_result_tag_id (job) == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "Selection job %s finished without a result tag", job_id);
      return NULL;
    }

  return lightly_backend_get_tag (backend, op->op.dataset_id, lightly_job_get_result_tag_id (job),
                         cancellable, error);
}

void
lightly_api_workflow_client_sampling_full_async (LightlyApiWorkflowClient *self,
                                                 LightlySamplerConfig     *config,
                                                 const char               *preselected_tag_id,
                                                 const char               *query_tag_id,
                                                 LightlyBackendProgress    progress,
                                                 gpointer                  progress_data,
                                                 GDestroyNotify            progress_destroy,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  SamplingOp *op;

  /* Callers validated @config at the public boundary (the agent's query, or
   * sampling_async): a bad one here is a programmer error. */
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));
  g_return_if_fail (lightly_sampler_config_validate (config, NULL));

  op = lightly_client_op_new (self, sizeof (SamplingOp), sampling_run, sampling_op_free, g_object_unref);
  op->progress = progress;
  op->progress_data = progress_data;
  op->progress_destroy = progress_destroy;

  op->request.method = lightly_sampler_config_get_method (config);
  op->request.n_samples = lightly_sampler_config_get_n_samples (config);
  op->request.min_distance = lightly_sampler_config_get_min_distance (config);
  op->request.score_type = g_strdup (lightly_sampler_config_get_score_type (config));
  op->request.score_strength = lightly_sampler_config_get_score_strength (config);
  op->request.seed = lightly_sampler_config_get_seed (config);
  op->request.balance = lightly_sampler_config_get_balance (config);
  op->request.matrix_precision = lightly_sampler_config_get_matrix_precision (config);
  op->request.query_tag_id = g_strdup (query_tag_id);
  op->request.preselected_tag_id = g_strdup (preselected_tag_id);
  if (lightly_sampler_config_get_name (config) != NULL)
    op->request.new_tag_name = g_strdup (lightly_sampler_config_get_name (config));
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      op->request.new_tag_name = lightly_sampler_config_generate_name (config, now);
    }

  lightly_client_op_start_full (self, op, lightly_api_workflow_client_sampling_async, FALSE,
                                cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_sampling_async:
 * @self: a client
 * @config: what to select
 * @preselected_tag_id: (nullable): the tag of the already-labeled samples;
 *   the result contains it
 * @query_tag_id: (nullable): the tag to select from, or %NULL for the whole
 *   dataset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new tag
 * @user_data: data for @callback
 *
 * Runs one selection and returns the new tag, which holds the preselected
 * samples plus the picks ([protocol](protocol.html) §4.3, step 3). `n-samples` is the total
 * size of the new tag. Most programs use [class@Lightly.Agent] instead,
 * which also uploads scores and keeps the sets.
 *
 * An invalid @config fails with %LIGHTLY_ERROR_INVALID_INPUT and the
 * message of [method@Lightly.SamplerConfig.validate], before any request.
 * Cancelling stops following the job; in the embedded store it also stops
 * the selection, and the job ends FAILED ("cancelled").
 */
void
lightly_api_workflow_client_sampling_async (LightlyApiWorkflowClient *self,
                                            LightlySamplerConfig     *config,
                                            const char               *preselected_tag_id,
                                            const char               *query_tag_id,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data)
{
  GError *error = NULL;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));

  /* The public boundary of a selection that skips the agent. */
  if (!lightly_sampler_config_validate (config, &error))
    {
      g_task_report_error (self, callback, user_data, lightly_api_workflow_client_sampling_async, error);
      return;
    }
  lightly_api_workflow_client_sampling_full_async (self, config, preselected_tag_id, query_tag_id,
                                                   NULL, NULL, NULL, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_sampling_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.sampling_async]. When the
 * client had no embedding id, the one the selection used becomes its
 * [property@Lightly.ApiWorkflowClient:embedding-id].
 *
 * Returns: (transfer full): the new tag, or %NULL on error
 *   (%LIGHTLY_ERROR_JOB_FAILED when the selection failed)
 */
LightlyTag *
lightly_api_workflow_client_sampling_finish (LightlyApiWorkflowClient *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  LightlyTag *tag = lightly_client_op_finish (self, result, lightly_api_workflow_client_sampling_async, error);
  SamplingOp *op = g_task_get_task_data (G_TASK (result));

  if (tag != NULL && op->embedding_id_used != NULL && lightly_api_workflow_client_get_embedding_id (self) == NULL)
    lightly_api_workflow_client_set_embedding_id (self, op->embedding_id_used);
  return tag;
}

typedef struct {
  LightlyClientOp op;
  char *job_id;
} JobOp;

static void
job_op_free (gpointer data)
{
  g_free (((JobOp *) data)->job_id);
}

static gpointer
get_job_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  JobOp *op = data;

  return lightly_backend_get_job (backend, op->job_id, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_job:
 * @self: a client
 * @job_id: a job id
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: reads a selection job's status ([protocol](protocol.html) J1).
 *
 * Returns: (transfer full): the job, or %NULL with %LIGHTLY_ERROR_NOT_FOUND
 */
LightlyJob *
lightly_api_workflow_client_get_job (LightlyApiWorkflowClient *self,
                                     const char               *job_id,
                                     GCancellable             *cancellable,
                                     GError                  **error)
{
  LightlySync sync;
  LightlyJob *ret;
  JobOp *op;

  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self), NULL);
  g_return_val_if_fail (job_id != NULL, NULL);

  op = lightly_client_op_new (self, sizeof (JobOp), get_job_run, job_op_free, g_object_unref);
  op->job_id = g_strdup (job_id);

  lightly_sync_begin (&sync);
  lightly_client_op_start (self, op, lightly_api_workflow_client_get_job, cancellable, lightly_sync_done, &sync);
  ret = lightly_client_op_finish (self, lightly_sync_wait (&sync), lightly_api_workflow_client_get_job, error);
  lightly_sync_end (&sync);
  return ret;
}
