/* lightly-local-selection.c: the embedded default's selection jobs (private)
 *
 * From a request to its result tag: the checks before a job is created, the
 * job on the pool of lightly-local-jobs.c (the store's inputs, the engine,
 * the carried coverage, the result), and following it. follow() waits on a
 * condition the job signals on every status or progress change, so
 * progress is pushed, not polled. A job started by another process (two
 * processes may share a store) has no one to signal here, so followers also
 * re-read the store a few times a second.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-local-selection.h"
#include "backend/lightly-local-carry.h"
#include "backend/lightly-local-half.h"
#include "backend/lightly-local-jobs.h"
#include "backend/lightly-local-inputs.h"
#include "backend/lightly-local-rules.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-job-private.h"
#include "lightly/lightly-sampler-rules-private.h"

/* How long one wait for a job change may block before it is re-checked. */
#define FOLLOW_WAIT_MS 1000

/* ---------------------------------------------------------------------------
 * Jobs watched in this process
 * ------------------------------------------------------------------------- */

G_LOCK_DEFINE_STATIC (registry);
static GHashTable *watches;         /* job id → JobWatch */

/* A running job's cancel flag, shared by the engine and the followers of
 * this process. Changes of the job itself reach followers through the
 * store (lightly_store_wait_job). */
typedef struct {
  gatomicrefcount ref;
  char *job_id;        /* the key in `watches` */
  gint cancel;         /* read by the engine */
} JobWatch;

static JobWatch *
job_watch_ref (JobWatch *watch)
{
  g_atomic_ref_count_inc (&watch->ref);
  return watch;
}

/* `watches` holds no reference: a watch lives while the job runs or someone
 * follows it, and leaves the table with its last reference, so a
 * long-running process (a server) does not keep one per job forever. The
 * registry lock is taken before the count drops, so a lookup never revives
 * a watch that is being freed. */
static void
job_watch_unref (JobWatch *watch)
{
  gboolean last;

  G_LOCK (registry);
  last = g_atomic_ref_count_dec (&watch->ref);
  if (last && g_hash_table_lookup (watches, watch->job_id) == watch)
    g_hash_table_remove (watches, watch->job_id);
  G_UNLOCK (registry);
  if (last)
    {
      g_free (watch->job_id);
      g_free (watch);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobWatch, job_watch_unref)

/* Returns the watch of a job, creating it when @create. */
static JobWatch *
job_watch_lookup (const char *job_id,
                  gboolean    create)
{
  JobWatch *watch;

  G_LOCK (registry);
  if (watches == NULL)
    watches = g_hash_table_new (g_str_hash, g_str_equal);
  watch = g_hash_table_lookup (watches, job_id);
  if (watch != NULL)
    job_watch_ref (watch);
  else if (create)
    {
      watch = g_new0 (JobWatch, 1);
      g_atomic_ref_count_init (&watch->ref);
      watch->job_id = g_strdup (job_id);
      g_hash_table_insert (watches, watch->job_id, watch);
    }
  G_UNLOCK (registry);
  return watch;
}


guint
lightly_local_selection_count_watches (void)
{
  guint n;

  G_LOCK (registry);
  n = watches != NULL ? g_hash_table_size (watches) : 0;
  G_UNLOCK (registry);
  return n;
}

/* ---------------------------------------------------------------------------
 * Jobs in the public vocabulary
 * ------------------------------------------------------------------------- */

static LightlyJobStatus
job_status_from_store (LightlyStoreJobStatus status)
{
  switch (status)
    {
    case LIGHTLY_STORE_JOB_WAITING: return LIGHTLY_JOB_STATUS_WAITING;
    case LIGHTLY_STORE_JOB_RUNNING: return LIGHTLY_JOB_STATUS_RUNNING;
    case LIGHTLY_STORE_JOB_FINISHED: return LIGHTLY_JOB_STATUS_FINISHED;
    case LIGHTLY_STORE_JOB_FAILED: return LIGHTLY_JOB_STATUS_FAILED;
    default: return LIGHTLY_JOB_STATUS_UNKNOWN;
    }
}

static LightlyJob *
job_from_store (const LightlyStoreJob *j)
{
  LightlyJobStatus status = job_status_from_store (j->status);
  gboolean done = status == LIGHTLY_JOB_STATUS_FINISHED || status == LIGHTLY_JOB_STATUS_FAILED;

  return lightly_job_new_internal (j->id, status, (guint64) MAX (j->processed, 0),
                                   (guint64) MAX (j->total, 0), j->error_message, j->result_tag_id,
                                   j->created_at, j->finished_at, done ? 0 : 1);
}

LightlyJob *
lightly_local_selection_get_job (LightlyStore  *store,
                                 const char    *job_id,
                                 GError       **error)
{
  g_autoptr(LightlyStoreJob) j = lightly_store_get_job (store, NULL, job_id, error);

  return j != NULL ? job_from_store (j) : NULL;
}

/* ---------------------------------------------------------------------------
 * Selection jobs
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyStore *store;
  char *job_id;
  char *dataset_id;
  char *embedding_id;
  LightlySelectionRequest request;
  JobWatch *watch;
  gint64 last_progress_us;
} SelectionJob;

static void
selection_job_free (SelectionJob *job)
{
  g_clear_object (&job->store);
  g_free (job->job_id);
  g_free (job->dataset_id);
  g_free (job->embedding_id);
  lightly_selection_request_clear (&job->request);
  g_clear_pointer (&job->watch, job_watch_unref);
  g_free (job);
}

static void
selection_progress (guint64  processed,
                    guint64  total,
                    gpointer data)
{
  SelectionJob *job = data;
  gint64 now = g_get_monotonic_time ();

  /* The engine reports every pick; each report wakes the followers, so
   * don't wake them more than 50 times a second. */
  if (processed < total && now - job->last_progress_us < 20 * G_TIME_SPAN_MILLISECOND)
    return;
  job->last_progress_us = now;
  lightly_store_update_job_progress (job->store, job->job_id, (gint64) processed, (gint64) total, NULL);
}

static LightlyBitMask *
load_tag_mask (LightlyStore     *store,
               const char       *dataset_id,
               const char       *tag_id,
               LightlyStoreTag **tag_out,
               GError          **error)
{
  g_autoptr(LightlyStoreTag) tag = lightly_store_get_tag (store, dataset_id, tag_id, error);
  LightlyBitMask *mask;

  if (tag == NULL)
    return NULL;
  mask = lightly_bit_mask_new_from_hex (tag->bitmask_hex, error);
  if (mask != NULL && tag_out != NULL)
    *tag_out = g_steal_pointer (&tag);
  return mask;
}

/* ---------------------------------------------------------------------------
 * The selection engine in the public vocabulary
 * ------------------------------------------------------------------------- */

static gboolean
engine_method (LightlySamplingMethod   method,
               LightlySelectionMethod *out,
               GError                **error)
{
  switch (method)
    {
    case LIGHTLY_SAMPLING_METHOD_RANDOM: *out = LIGHTLY_SELECTION_METHOD_RANDOM; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_CORESET: *out = LIGHTLY_SELECTION_METHOD_CORESET; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_CORAL: *out = LIGHTLY_SELECTION_METHOD_CORAL; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING:
      *out = LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING;
      return TRUE;
    case LIGHTLY_SAMPLING_METHOD_TYPICLUST: *out = LIGHTLY_SELECTION_METHOD_TYPICLUST; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_PROBCOVER: *out = LIGHTLY_SELECTION_METHOD_PROBCOVER; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_BADGE: *out = LIGHTLY_SELECTION_METHOD_BADGE; return TRUE;
    case LIGHTLY_SAMPLING_METHOD_AUTO:
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "AUTO is not a method a server runs: the client resolves it to a "
                           "concrete method (lightly_sampling_method_resolve) before the request");
      return FALSE;
    default:
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Unknown sampling method %d", (int) method);
      return FALSE;
    }
}

/* The engine's "why picked" records go to the store as they are. */
G_STATIC_ASSERT (sizeof (LightlyStorePick) == sizeof (LightlySelectionPick));

GArray *
lightly_local_selection_run (LightlySamplingMethod          method,
                             const LightlySelectionParams  *params,
                             GError                       **error)
{
  LightlySelectionParams p = *params;
  g_autoptr(GError) engine_error = NULL;
  GArray *picks;

  if (!engine_method (method, &p.method, error))
    return NULL;
  picks = lightly_selection_run (&p, &engine_error);
  if (picks != NULL)
    return picks;
  if (engine_error->domain != LIGHTLY_SELECTION_ERROR)
    g_propagate_error (error, g_steal_pointer (&engine_error));
  else if (engine_error->code == LIGHTLY_SELECTION_ERROR_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, engine_error->message);
  else
    g_set_error_literal (error, LIGHTLY_ERROR,
                         engine_error->code == LIGHTLY_SELECTION_ERROR_SCORES_REQUIRED
                         ? LIGHTLY_ERROR_SCORES_REQUIRED : LIGHTLY_ERROR_INVALID_INPUT,
                         engine_error->message);
  return NULL;
}

/* Runs on the local job pool. Every failure ends the job FAILED with a
 * message; nothing here may leave it RUNNING. */
static gboolean
selection_job_execute (SelectionJob  *job,
                       char         **result_tag_id,
                       GError       **error)
{
  LightlyStore *store = job->store;
  LightlySelectionRequest *req = &job->request;
  g_autoptr(LightlyStoreMatrix) matrix = NULL;
  g_autoptr(LightlyStoreTag) query_tag = NULL;
  g_autoptr(LightlyStoreTag) preselected_tag = NULL;
  g_autoptr(LightlyBitMask) query_mask = NULL;
  g_autoptr(LightlyBitMask) preselected_mask = NULL;
  g_autoptr(LightlyBitMask) candidates_mask = NULL;
  g_autoptr(LightlyBitMask) result_mask = NULL;
  g_autofree guint *pre_idx = NULL;
  g_autofree guint *cand_idx = NULL;
  g_auto(LightlyLocalInputs) inputs = { 0 };
  g_auto(LightlyLocalCarry) carry = { 0 };
  g_auto(LightlyLocalHalf) half = { 0 };
  g_autofree char *hex = NULL;
  g_autofree char *creator = NULL;
  g_autoptr(GArray) why = NULL;
  g_autoptr(GArray) picks = NULL;
  gsize n_pre = 0, n_cand = 0;
  gint64 n_total;
  gboolean bounded;
  gsize k;
  LightlySelectionParams params = { 0 };

  n_total = lightly_store_get_n_samples (store, job->dataset_id, error);
  if (n_total < 0)
    return FALSE;
  matrix = lightly_store_map_embedding (store, job->embedding_id, error);
  if (matrix == NULL)
    return FALSE;
  if (lightly_store_matrix_get_n_rows (matrix) != (gsize) n_total)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Embedding %s has %" G_GSIZE_FORMAT " rows but the dataset has %" G_GINT64_FORMAT
                   " samples: upload embeddings for every sample",
                   job->embedding_id, lightly_store_matrix_get_n_rows (matrix), n_total);
      return FALSE;
    }

  if (req->query_tag_id != NULL)
    query_mask = load_tag_mask (store, job->dataset_id, req->query_tag_id, &query_tag, error);
  else
    {
      query_tag = lightly_store_get_tag_by_name (store, job->dataset_id, "initial-tag", error);
      query_mask = query_tag != NULL ? lightly_bit_mask_new_from_hex (query_tag->bitmask_hex, error) : NULL;
    }
  if (query_mask == NULL)
    return FALSE;
  if (req->preselected_tag_id != NULL)
    {
      preselected_mask = load_tag_mask (store, job->dataset_id, req->preselected_tag_id,
                                        &preselected_tag, error);
      if (preselected_mask == NULL)
        return FALSE;
    }
  else
    preselected_mask = lightly_bit_mask_new ();

  candidates_mask = lightly_bit_mask_copy (query_mask);
  lightly_bit_mask_difference (candidates_mask, preselected_mask);
  pre_idx = lightly_bit_mask_to_indices (preselected_mask, &n_pre);
  cand_idx = lightly_bit_mask_to_indices (candidates_mask, &n_cand);

  /* §13 Target size. */
  k = lightly_selection_target_k (req->n_samples, (gsize) n_total, n_pre, n_cand, &bounded);
  /* local_start_selection() checked the stopping rule before queueing. */
  g_assert (bounded || req->min_distance > 0);

  if (!lightly_local_inputs_load (store, req, query_tag->id, query_mask, (gsize) n_total, &inputs, error))
    return FALSE;

  if (!lightly_store_begin_job (store, job->job_id, (gint64) k, error))
    return FALSE;

  params.matrix = lightly_store_matrix_get_data (matrix);
  params.n_rows = lightly_store_matrix_get_n_rows (matrix);
  params.dim = lightly_store_matrix_get_dim (matrix);
  params.candidates = cand_idx;
  params.n_candidates = n_cand;
  params.preselected = pre_idx;
  params.n_preselected = n_pre;
  params.scores = inputs.scores;
  params.k = k;
  params.min_distance = req->min_distance;
  params.beta = req->score_strength;
  params.probabilities = inputs.probabilities;
  params.n_classes = inputs.n_classes;
  params.balance = req->balance;
  params.seed = req->seed;
  params.progress = selection_progress;
  params.progress_data = job;
  params.cancel = &job->watch->cancel;
  /* Why each row was picked, kept with the result tag. */
  why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
  params.why = why;
  /* CORESET and CORAL start from the previous round's coverage. */
  params.carry = lightly_local_carry_prepare (&carry, store, job->embedding_id, matrix,
                                              req->method, req->balance, cand_idx, n_cand,
                                              pre_idx, n_pre);
  /* The float16/bfloat16 copy CORESET and CORAL stream, when asked for. */
  if (!lightly_local_half_prepare (&half, store, job->embedding_id, matrix, req->method,
                                   req->matrix_precision, &params, error))
    return FALSE;

  picks = lightly_local_selection_run (req->method, &params, error);
  if (picks == NULL)
    return FALSE;
  lightly_local_carry_save (&carry, store, job->embedding_id, matrix, cand_idx, n_cand,
                            pre_idx, n_pre, picks);

  result_mask = lightly_bit_mask_copy (preselected_mask);
  for (guint i = 0; i < picks->len; i++)
    lightly_bit_mask_set_bit (result_mask, g_array_index (picks, guint32, i));
  hex = lightly_bit_mask_to_hex (result_mask);
  creator = g_strconcat ("SAMPLER_", lightly_sampling_method_to_string (req->method), NULL);

  /* prevTagId: the preselected tag if given, else the initial-tag (§3.7). */
  *result_tag_id = lightly_store_finish_job_with_picks (store, job->job_id, hex,
                                                        preselected_tag != NULL ? preselected_tag->id
                                                                                : query_tag->id,
                                                        query_tag->id,
                                                        preselected_tag != NULL ? preselected_tag->id : NULL,
                                                        creator, lightly_sampling_method_to_string (req->method),
                                                        (const LightlyStorePick *) (gpointer) why->data,
                                                        why->len, error);
  return *result_tag_id != NULL;
}

static void
selection_job_run (LightlyStore *store,
                   gpointer      data)
{
  SelectionJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *tag_id = NULL;

  if (!selection_job_execute (job, &tag_id, &error))
    {
      const char *message = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                            ? "cancelled" : error->message;
      g_autoptr(GError) fail_error = NULL;

      if (!lightly_store_fail_job (store, job->job_id, message, &fail_error))
        g_warning ("Could not mark job %s failed: %s", job->job_id, fail_error->message);
    }
  selection_job_free (job);
}

/* A nullable tag id of a selection request must name a tag of the dataset. */
static gboolean
check_tag_exists (LightlyStore  *store,
                  const char    *dataset_id,
                  const char    *tag_id,
                  const char    *role,
                  GError       **error)
{
  g_autoptr(LightlyStoreTag) tag = NULL;
  g_autoptr(GError) local_error = NULL;

  if (tag_id == NULL)
    return TRUE;
  tag = lightly_store_get_tag (store, dataset_id, tag_id, &local_error);
  if (tag != NULL)
    return TRUE;
  if (g_error_matches (local_error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND))
    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                 "The %s tag %s is not a tag of dataset %s: pass the id of one of its tags",
                 role, tag_id, dataset_id);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

char *
lightly_local_selection_start (LightlyStore                   *store,
                               const char                     *dataset_id,
                               const char                     *embedding_id,
                               const LightlySelectionRequest  *request,
                               GError                        **error)
{
  g_autoptr(LightlyStoreEmbedding) embedding = NULL;
  g_autofree char *params_json = NULL;
  g_autofree char *job_id = NULL;
  gboolean existing = FALSE;
  SelectionJob *job;

  if (request->new_tag_name == NULL || !lightly_store_check_tag_name (request->new_tag_name, error))
    {
      if (request->new_tag_name == NULL)
        g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                             "A selection needs a name for its new tag");
      return NULL;
    }
  /* Wire input from the REST server enters here; a config was checked by
   * the same rule already. */
  if (!lightly_sampler_rules_check_n_samples (request->n_samples, request->min_distance, error))
    return NULL;
  embedding = lightly_store_get_embedding (store, dataset_id, embedding_id, error);
  if (embedding == NULL)
    return NULL;
  /* Unknown tags are the caller's error (NOT_FOUND, as a server's 404), not
   * a job that is created only to fail, and they must not write anything. */
  if (!check_tag_exists (store, dataset_id, request->query_tag_id, "query", error) ||
      !check_tag_exists (store, dataset_id, request->preselected_tag_id, "preselected", error) ||
      !lightly_local_rules_check_selection (request, error))
    return NULL;

  params_json = lightly_selection_request_to_json (request);
  job_id = lightly_store_create_selection_job (store, dataset_id, request->new_tag_name,
                                               params_json, &existing, error);
  if (job_id == NULL)
    return NULL;
  if (existing)
    return g_steal_pointer (&job_id);   /* an idempotent re-send: follow the first */

  job = g_new0 (SelectionJob, 1);
  job->store = g_object_ref (store);
  job->job_id = g_strdup (job_id);
  job->dataset_id = g_strdup (dataset_id);
  job->embedding_id = g_strdup (embedding_id);
  job->request = *request;
  job->request.new_tag_name = g_strdup (request->new_tag_name);
  job->request.query_tag_id = g_strdup (request->query_tag_id);
  job->request.preselected_tag_id = g_strdup (request->preselected_tag_id);
  job->request.score_type = g_strdup (request->score_type);
  job->watch = job_watch_lookup (job_id, TRUE);
  lightly_local_jobs_push (store, selection_job_run, job);
  return g_steal_pointer (&job_id);
}

static void
follow_cancelled (GCancellable *cancellable,
                  JobWatch     *watch)
{
  /* Embedded mode: cancelling stops the engine; the job ends FAILED. */
  g_atomic_int_set (&watch->cancel, 1);
}

LightlyJob *
lightly_local_selection_follow (LightlyStore            *store,
                                const char              *job_id,
                                LightlyBackendProgress   progress,
                                gpointer                 progress_data,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  /* Only a job this process runs has a watch; a job of another process
   * cannot be stopped from here, so cancelling just stops following it. */
  g_autoptr(JobWatch) watch = job_watch_lookup (job_id, FALSE);
  GCancellable *wait_cancellable = watch != NULL ? NULL : cancellable;
  g_autoptr(LightlyStoreJob) row = NULL;
  gulong handler = 0;
  LightlyJob *result = NULL;

  if (cancellable != NULL && watch != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (follow_cancelled),
                                     job_watch_ref (watch), (GDestroyNotify) job_watch_unref);

  /* A cancel stops the engine, but the follower waits until the job has
   * really ended: the engine may finish its last pick first. A selection
   * that finished anyway is returned as finished, so a cancel never leaves
   * a tag the caller does not know about. */
  row = lightly_store_get_job (store, NULL, job_id, error);
  while (row != NULL)
    {
      g_autoptr(LightlyJob) job = job_from_store (row);
      LightlyStoreJobStatus status = row->status;
      gint64 processed = row->processed;

      if (progress != NULL)
        progress (job, progress_data);
      if (lightly_job_is_done (job))
        {
          if (lightly_job_get_status (job) == LIGHTLY_JOB_STATUS_FAILED &&
              g_cancellable_is_cancelled (cancellable))
            g_cancellable_set_error_if_cancelled (cancellable, error);
          else
            result = g_steal_pointer (&job);
          break;
        }

      /* Returns at once on a change made in this process, and re-reads the
       * jobs of other processes a few times a second. */
      for (;;)
        {
          g_clear_pointer (&row, lightly_store_job_free);
          row = lightly_store_wait_job (store, NULL, job_id, status, processed, FOLLOW_WAIT_MS,
                                        wait_cancellable, error);
          if (row == NULL || row->status != status || row->processed != processed)
            break;
        }
    }

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  return result;
}
