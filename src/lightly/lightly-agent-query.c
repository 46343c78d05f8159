/* lightly-agent-query.c: one active-learning round of a LightlyAgent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Scores, selection, the new tag, the sets moved on and the picks' reasons,
 * as the steps of one GTask. The object itself, its properties and its
 * initialization are in lightly-agent.c.
 */
#include "config.h"

#include "lightly-agent-private.h"
#include "lightly-api-workflow-client-private.h"
#include "lightly-error.h"
#include "lightly-pick-private.h"
#include "lightly-query-result-private.h"
#include "lightly-sync-private.h"

/* ---------------------------------------------------------------------------
 * Query (protocol §4.3 with the §13 decisions)
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlySamplerConfig *config;   /* the caller's, with the method resolved */
  LightlyAgentPlan plan;
  LightlyScores *scores;
  LightlyTag *tag;
  LightlyQueryResult *result;     /* made once the sets are advanced */
} QueryData;

static void
query_data_free (gpointer data)
{
  QueryData *q = data;

  g_clear_object (&q->config);
  g_clear_object (&q->scores);
  g_clear_object (&q->tag);
  g_clear_object (&q->result);
  lightly_agent_plan_clear (&q->plan);
  g_free (q);
}

static void
query_return_error (GTask  *task,
                    GError *error)
{
  LightlyAgent *self = g_task_get_source_object (task);

  lightly_agent_progress_flush (&self->progress);
  lightly_agent_set_querying (self, FALSE);
  g_task_return_error (task, error);
}

static void query_got_picks (GObject *source, GAsyncResult *result, gpointer user_data);

/* The query's tag exists: the sets move on (over @names, transfer full,
 * or the agent's own mapping when @names is NULL), then the picks are
 * read. Takes @owned_task. */
static void
query_advance (GTask        *owned_task,
               LightlyNames *names)
{
  g_autoptr(GTask) task = owned_task;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (names == NULL)
    names = self->sets.names;
  if (!lightly_agent_sets_advance (&self->sets, q->tag, &error))
    {
      if (names != self->sets.names)
        lightly_names_free (names);
      query_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!lightly_agent_update_sets (self, names, &error))
    {
      query_return_error (task, g_steal_pointer (&error));
      return;
    }
  lightly_agent_set_preselected_tag (self, lightly_tag_get_name (q->tag));

  q->result = lightly_query_result_new_internal (FALSE, q->plan.method, q->tag,
                                                 lightly_agent_sets_get_names (&self->sets, LIGHTLY_AGENT_SET_ADDED),
                                                 lightly_agent_sets_count (&self->sets, LIGHTLY_AGENT_SET_LABELED),
                                                 q->plan.reason);
  /* Why each sample was picked, for the result's picks, named from the
   * mapping just brought up to the tag's width (lightly-pick-private.h). */
  cancellable = g_task_get_cancellable (task);
  lightly_api_workflow_client_get_tag_pick_rows_async (self->client, lightly_tag_get_id (q->tag), cancellable,
                                                       query_got_picks, g_steal_pointer (&task));
}

static void
query_got_file_names (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  GError *error = NULL;
  LightlyNames *names;

  names = lightly_api_workflow_client_get_names_finish (self->client, result, &error);
  if (names == NULL)
    {
      query_return_error (task, error);
      g_object_unref (task);
      return;
    }
  query_advance (task, names);
}

/* Picks that came with rows (a store's) get their names from @names, the
 * mapping the sets were just moved on over; a row past it, or an empty
 * name, leaves the pick unnamed, as the store's own lookup does. */
static void
name_picks (GPtrArray          *picks,
            const LightlyNames *names)
{
  for (guint i = 0; i < picks->len; i++)
    {
      LightlyPick *pick = g_ptr_array_index (picks, i);
      guint32 row = lightly_pick_get_row (pick);

      if (row != LIGHTLY_PICK_NO_ROW && names != NULL && row < names->n && names->v[row][0] != '\0')
        lightly_pick_set_file_name (pick, names->v[row]);
    }
}

static void
query_got_picks (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) picks = NULL;
  g_autoptr(LightlyQueryResult) query_result = g_steal_pointer (&q->result);

  /* The selection is done and the sets have moved on: a failure to read
   * the picks leaves them empty rather than failing the query. */
  picks = lightly_api_workflow_client_get_tag_pick_rows_finish (self->client, result, &error);
  if (picks == NULL)
    g_debug ("No picks for tag %s: %s", lightly_tag_get_id (q->tag), error->message);
  else
    {
      name_picks (picks, self->sets.names);
      lightly_query_result_set_picks_internal (query_result, picks);
    }
  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_FINISHING, 1.0);
  lightly_agent_progress_flush (&self->progress);
  lightly_agent_set_querying (self, FALSE);
  lightly_agent_emit_batch_ready (self, query_result);
  g_task_return_pointer (task, g_steal_pointer (&query_result), g_object_unref);
}

static void
query_sampled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  GError *error = NULL;

  q->tag = lightly_api_workflow_client_sampling_finish (self->client, result, &error);
  if (q->tag == NULL)
    {
      query_return_error (task, error);
      return;
    }
  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_FINISHING, 0.0);
  /* The selection finished and its tag exists: from here the query
   * completes even if it is cancelled, so the agent's sets never miss a
   * tag the store has. The mapping only grows, by appending (protocol
   * §2.5), and a tag is as wide as the dataset was when it was made: a tag
   * as wide as the agent's mapping was made over that very mapping, so
   * reading it again (a million names on a large dataset) can be skipped. */
  if (self->sets.names != NULL &&
      lightly_tag_get_tot_size (q->tag) == self->sets.names->n)
    query_advance (g_steal_pointer (&task), NULL);
  else
    {
      self->n_mapping_reads++;
      lightly_api_workflow_client_get_names_async (self->client, NULL,
                                                   query_got_file_names, g_steal_pointer (&task));
    }
}

static void
query_start_sampling (GTask *task)
{
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);

  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_SELECTING, 0.0);
  lightly_api_workflow_client_sampling_full_async (self->client, q->config,
                                                   self->sets.preselected_tag_id, self->sets.query_tag_id,
                                                   lightly_agent_job_progress, g_object_ref (self), g_object_unref,
                                                   g_task_get_cancellable (task),
                                                   query_sampled, task);
}

static void
query_scores_uploaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!lightly_api_workflow_client_upload_scores_finish (self->client, result, &error))
    {
      query_return_error (task, error);
      g_object_unref (task);
      return;
    }
  query_start_sampling (task);
}

/**
 * lightly_agent_query_async:
 * @self: an agent
 * @config: what to select; `n-samples` is the total size of the labeled set
 *   afterwards; %LIGHTLY_SAMPLING_METHOD_AUTO is resolved by
 *   [func@Lightly.SamplingMethod.resolve] before the request
 * @scorer: (nullable): the scorer of the model's predictions, in query-set
 *   order; required for CORAL and ACTIVE_LEARNING unless the config's
 *   `reuse-scores` is set
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Runs one active-learning round: computes the scores (calling the
 * scorer's `calculate_scores` here, in the owner context), uploads them to
 * the query tag, runs the selection, follows it and reads the new tag,
 * which becomes the preselected tag.
 *
 * The query is skipped, and the result says so, when `n-samples` is at least
 * 1 and smaller than the labeled set ([protocol](protocol.html) §13, Skip). A second query
 * while one runs fails with %LIGHTLY_ERROR_BUSY.
 *
 * The agent is where a query's inputs are checked, once: an invalid config
 * fails here with %LIGHTLY_ERROR_INVALID_INPUT and the message of
 * [method@Lightly.SamplerConfig.validate]. The result says what the query
 * meant: [property@Lightly.QueryResult:method] (what AUTO became),
 * [property@Lightly.QueryResult:batch-size] and
 * [property@Lightly.QueryResult:total].
 */
void
lightly_agent_query_async (LightlyAgent         *self,
                           LightlySamplerConfig *config,
                           LightlyScorer        *scorer,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  QueryData *q;
  LightlyAgentPlan plan;
  guint n_labeled, n_pool;

  g_return_if_fail (LIGHTLY_IS_AGENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));
  g_return_if_fail (scorer == NULL || LIGHTLY_IS_SCORER (scorer));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lightly_agent_query_async);
  /* Cancellation is decided by the steps: once the selection has finished,
   * the result is returned even if the cancellable fired meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  if (!self->initialized)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_INITIALIZED,
                               "The agent is not initialized: create it with lightly_agent_new() or _new_async()");
      return;
    }
  if (self->querying)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                               "The agent is already running a query: wait for it or cancel it");
      return;
    }
  /* The public boundary of a query: every rule of its inputs is checked
   * here, once; the client and the backend behind it only assert. */
  n_labeled = lightly_agent_sets_count (&self->sets, LIGHTLY_AGENT_SET_LABELED);
  /* The pool, labeled and unlabeled together, sets AUTO's regimes. */
  n_pool = n_labeled + lightly_agent_sets_count (&self->sets, LIGHTLY_AGENT_SET_UNLABELED);
  if (!lightly_agent_plan_make (&plan, config, n_labeled, n_pool, scorer != NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (plan.skip)
    {
      g_task_return_pointer (task,
                             lightly_query_result_new_internal (TRUE, plan.method, NULL, NULL, n_labeled,
                                                                plan.reason),
                             g_object_unref);
      lightly_agent_plan_clear (&plan);
      return;
    }

  q = g_new0 (QueryData, 1);
  q->plan = plan;
  q->config = lightly_sampler_config_copy (config);
  lightly_sampler_config_set_method (q->config, plan.method);
  g_task_set_task_data (task, q, query_data_free);
  lightly_agent_set_querying (self, TRUE);

  if (scorer != NULL)
    {
      /* Bindings implement calculate_scores, so it runs here, in the owner
       * context, before any thread is involved. */
      lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_SCORING, 0.0);
      q->scores = lightly_scorer_calculate_scores (scorer, &error);
      if (q->scores == NULL ||
          !lightly_agent_plan_check_scores (&q->plan, q->scores, lightly_agent_sets_count (&self->sets, LIGHTLY_AGENT_SET_QUERY), &error))
        {
          query_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* AUTO may have fallen back to RANDOM (no class probabilities). */
      lightly_sampler_config_set_method (q->config, q->plan.method);
      if (lightly_scores_get_n_names (q->scores) > 0)
        {
          lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_UPLOADING_SCORES, 0.0);
          lightly_api_workflow_client_upload_scores_async (self->client, q->scores, self->sets.query_tag_id,
                                                           cancellable, query_scores_uploaded,
                                                           g_steal_pointer (&task));
          return;
        }
    }

  query_start_sampling (g_steal_pointer (&task));
}

/**
 * lightly_agent_query_finish:
 * @self: an agent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.Agent.query_async]. A skipped query is not an
 * error: the result's [property@Lightly.QueryResult:skipped] is %TRUE.
 *
 * Returns: (transfer full): the result, or %NULL on error
 */
LightlyQueryResult *
lightly_agent_query_finish (LightlyAgent  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lightly_agent_query_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lightly_agent_query:
 * @self: an agent
 * @config: what to select
 * @scorer: (nullable): the scorer of the model's predictions
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.Agent.query_async]. Signals are
 * emitted while it runs only if the agent's owner context is this thread's
 * current one.
 *
 * Returns: (transfer full): the result, or %NULL on error
 */
LightlyQueryResult *
lightly_agent_query (LightlyAgent         *self,
                     LightlySamplerConfig *config,
                     LightlyScorer        *scorer,
                     GCancellable         *cancellable,
                     GError              **error)
{
  LightlySync sync;
  LightlyQueryResult *ret;

  lightly_sync_begin (&sync);
  lightly_agent_query_async (self, config, scorer, cancellable, lightly_sync_done, &sync);
  ret = lightly_agent_query_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}
