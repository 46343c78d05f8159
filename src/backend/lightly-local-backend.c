/* lightly-local-backend.c: the embedded default (private)
 *
 * The backend seam over the store and the selection engine, in-process.
 * Selections run on the job pool of lightly-local-jobs.c; follow_job() waits on a
 * condition the job signals on every status or progress change, so progress
 * is pushed, not polled. A job started by another process (two processes
 * may share a store) has no one to signal here, so followers also re-read
 * the store a few times a second.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "backend/lightly-local-backend.h"
#include "backend/lightly-local-carry.h"
#include "backend/lightly-local-half.h"
#include "backend/lightly-local-jobs.h"
#include "backend/lightly-local-inputs.h"
#include "backend/lightly-local-rules.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-dataset.h"
#include "lightly/lightly-embedding.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-pick-private.h"
#include "lightly/lightly-dataset-private.h"
#include "lightly/lightly-embedding-private.h"
#include "lightly/lightly-job-private.h"
#include "lightly/lightly-tag-private.h"
#include "lightly/lightly-sampler-rules-private.h"
#include "selection/lightly-selection.h"

struct _LightlyLocalBackend
{
  GObject parent_instance;
  LightlyStore *store;
};

static void lightly_local_backend_iface_init (LightlyBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyLocalBackend, lightly_local_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BACKEND, lightly_local_backend_iface_init))

/* How long one wait for a job change may block before it is re-checked. */
#define FOLLOW_WAIT_MS 1000

/* ---------------------------------------------------------------------------
 * Stores shared per directory, and jobs watched in this process
 * ------------------------------------------------------------------------- */

G_LOCK_DEFINE_STATIC (registry);
static GHashTable *stores_by_dir;   /* dir → LightlyStore (weak) */
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

static void
store_weak_notify (gpointer  data,
                   GObject  *where_the_object_was)
{
  G_LOCK (registry);
  g_hash_table_remove (stores_by_dir, data);
  G_UNLOCK (registry);
}

static LightlyStore *
shared_store_open (const char  *dir,
                   GError     **error)
{
  LightlyStore *store;
  g_autofree char *key = NULL;

  if (dir == NULL)
    return lightly_store_open (NULL, error);

  key = g_canonicalize_filename (dir, NULL);
  G_LOCK (registry);
  if (stores_by_dir == NULL)
    stores_by_dir = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  store = g_hash_table_lookup (stores_by_dir, key);
  if (store != NULL)
    g_object_ref (store);
  G_UNLOCK (registry);
  if (store != NULL)
    return store;

  store = lightly_store_open (key, error);
  if (store == NULL)
    return NULL;

  G_LOCK (registry);
  if (!g_hash_table_contains (stores_by_dir, key))
    {
      char *k = g_strdup (key);

      g_hash_table_insert (stores_by_dir, k, store);
      g_object_weak_ref (G_OBJECT (store), store_weak_notify, k);
    }
  G_UNLOCK (registry);
  return store;
}

/* ---------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------- */

/* Takes @t's bit mask (it leaves NULL there). */
static LightlyTag *
tag_from_store (LightlyStoreTag *t)
{
  return lightly_tag_new_internal (t->id, t->dataset_id, t->name, g_steal_pointer (&t->bitmask_hex),
                                   (guint) t->tot_size, t->prev_tag_id, t->query_tag_id,
                                   t->preselected_tag_id, t->creator, t->created_at);
}

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

/* ---------------------------------------------------------------------------
 * Simple operations
 * ------------------------------------------------------------------------- */

static GPtrArray *
local_list_datasets (LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  g_autoptr(GPtrArray) rows = lightly_store_list_datasets (self->store, error);
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      LightlyStoreDataset *d = g_ptr_array_index (rows, i);

      g_ptr_array_add (out, lightly_dataset_new_internal (d->id, d->name, (guint) d->n_samples,
                                                          d->created_at, d->last_modified_at));
    }
  return out;
}

static char *
local_create_dataset (LightlyBackend *backend, const char *name, GCancellable *cancellable, GError **error)
{
  return lightly_store_create_dataset (LIGHTLY_LOCAL_BACKEND (backend)->store, name, error);
}

static LightlyNames *
local_get_file_names (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                      GError **error)
{
  return lightly_store_get_sample_names (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, error);
}

static gboolean
local_register_samples (LightlyBackend *backend, const char *dataset_id, GInputStream *csv,
                        GCancellable *cancellable, GError **error)
{
  return lightly_store_add_samples_from_csv (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, csv,
                                             cancellable, error) >= 0;
}

static char *
local_create_initial_tag (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                          GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  gint64 n = lightly_store_get_n_samples (self->store, dataset_id, error);
  g_autoptr(LightlyBitMask) all = NULL;
  g_autofree char *hex = NULL;

  if (n < 0)
    return NULL;
  if (n == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Dataset %s has no samples: register samples before creating the initial-tag", dataset_id);
      return NULL;
    }
  all = lightly_bit_mask_new_from_length ((guint) n);
  hex = lightly_bit_mask_to_hex (all);
  return lightly_store_create_tag (self->store, dataset_id, "initial-tag", hex, NULL, NULL, NULL,
                                   "USER_PIP", error);
}

static GPtrArray *
tags_from_store (GPtrArray *rows)
{
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (out, tag_from_store (g_ptr_array_index (rows, i)));
  g_ptr_array_unref (rows);
  return out;
}

static GPtrArray *
local_get_tags (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  return tags_from_store (lightly_store_list_tags (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, error));
}

/* A store lists a tag's mask by reading it (N/4 bytes, once per process):
 * a query that only looks tags up by name would read every round's. */
static GPtrArray *
local_get_tag_heads (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                     GError **error)
{
  return tags_from_store (lightly_store_list_tag_heads (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                        dataset_id, error));
}

static LightlyTag *
local_get_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(LightlyStoreTag) t = lightly_store_get_tag (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                        dataset_id, tag_id, error);

  return t != NULL ? tag_from_store (t) : NULL;
}

static char *
local_create_tag (LightlyBackend *backend, const char *dataset_id, const char *name,
                  const char *bit_mask_hex, const char *prev_tag_id,
                  GCancellable *cancellable, GError **error)
{
  return lightly_local_rules_create_tag (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name, bit_mask_hex,
                                         prev_tag_id, NULL, NULL, "USER_PIP", error);
}

/* The picks of @tag_id with their rows and no names; get_tag_picks() adds
 * the names. */
static GPtrArray *
local_get_tag_pick_rows (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                         GCancellable *cancellable, GError **error)
{
  LightlyStore *store = LIGHTLY_LOCAL_BACKEND (backend)->store;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
  g_autoptr(GArray) picks = NULL;
  g_autofree char *method_name = NULL;
  LightlySamplingMethod method;

  if (!lightly_store_get_tag_picks (store, dataset_id, tag_id, &method_name, &picks, error))
    return NULL;
  if (method_name == NULL || picks->len == 0)
    return g_steal_pointer (&out);
  /* The store only keeps names this library wrote. */
  method = lightly_sampling_method_from_string (method_name, NULL);
  for (guint i = 0; i < picks->len; i++)
    {
      const LightlyStorePick *p = &g_array_index (picks, LightlyStorePick, i);

      g_ptr_array_add (out, lightly_pick_new_at_row (i, p->row, method, p->utility, p->cluster));
    }
  return g_steal_pointer (&out);
}

static GPtrArray *
local_get_tag_picks (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                     GCancellable *cancellable, GError **error)
{
  LightlyStore *store = LIGHTLY_LOCAL_BACKEND (backend)->store;
  g_autoptr(GPtrArray) out = local_get_tag_pick_rows (backend, dataset_id, tag_id, cancellable, error);
  g_auto(GStrv) names = NULL;
  g_autofree guint32 *rows = NULL;

  if (out == NULL || out->len == 0)
    return g_steal_pointer (&out);
  /* The picked rows' names only, not the whole mapping. */
  rows = g_new (guint32, out->len);
  for (guint i = 0; i < out->len; i++)
    rows[i] = lightly_pick_get_row (g_ptr_array_index (out, i));
  names = lightly_store_get_sample_names_at (store, dataset_id, rows, out->len, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; i < out->len; i++)
    if (names[i][0] != '\0')
      lightly_pick_set_file_name (g_ptr_array_index (out, i), names[i]);
  return g_steal_pointer (&out);
}

static gboolean
local_delete_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                  GCancellable *cancellable, GError **error)
{
  return lightly_store_delete_tag (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, tag_id, error);
}

static GPtrArray *
local_list_embeddings (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr(GPtrArray) rows = lightly_store_list_embeddings (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                             dataset_id, error);
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      LightlyStoreEmbedding *e = g_ptr_array_index (rows, i);

      g_ptr_array_add (out, lightly_embedding_new_internal (e->id, e->name, TRUE, e->created_at));
    }
  return out;
}

static char *
local_upload_embeddings (LightlyBackend *backend, const char *dataset_id, const char *name,
                         GInputStream *csv, GCancellable *cancellable, GError **error)
{
  return lightly_store_add_embedding (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name, csv,
                                      cancellable, error);
}

static char *
local_upload_embeddings_matrix (LightlyBackend *backend, const char *dataset_id, const char *name,
                                const char * const *names, const float *matrix, gsize n_rows, gsize dim,
                                GCancellable *cancellable, GError **error)
{
  return lightly_store_add_embedding_matrix (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name,
                                             names, matrix, n_rows, dim, cancellable, error);
}

static char *
local_upload_scores (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                     const char *score_type, const double *values, gsize n_values,
                     GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  g_autoptr(LightlyStoreTag) tag = lightly_store_get_tag (self->store, dataset_id, tag_id, error);
  g_autoptr(LightlyBitMask) mask = NULL;
  guint64 count;

  if (tag == NULL || !lightly_local_rules_check_scores (score_type, n_values, error))
    return NULL;
  mask = lightly_bit_mask_new_from_hex (tag->bitmask_hex, error);
  if (mask == NULL)
    return NULL;
  count = lightly_bit_mask_count (mask);
  if ((guint64) n_values != count)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Score “%s” has %" G_GSIZE_FORMAT " values, but tag “%s” has %" G_GUINT64_FORMAT " members: "
                   "give one score per member, in bit order",
                   score_type, n_values, tag->name, count);
      return NULL;
    }
  return lightly_store_set_scores (self->store, tag_id, score_type, values, n_values, error);
}

static LightlyJob *
local_get_job (LightlyBackend *backend, const char *job_id, GCancellable *cancellable, GError **error)
{
  g_autoptr(LightlyStoreJob) j = lightly_store_get_job (LIGHTLY_LOCAL_BACKEND (backend)->store, NULL,
                                                        job_id, error);

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
lightly_local_backend_select (LightlySamplingMethod          method,
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

  picks = lightly_local_backend_select (req->method, &params, error);
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

static char *
local_start_selection (LightlyBackend *backend, const char *dataset_id, const char *embedding_id,
                       const LightlySelectionRequest *request, GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
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
  embedding = lightly_store_get_embedding (self->store, dataset_id, embedding_id, error);
  if (embedding == NULL)
    return NULL;
  /* Unknown tags are the caller's error (NOT_FOUND, as a server's 404), not
   * a job that is created only to fail, and they must not write anything. */
  if (!check_tag_exists (self->store, dataset_id, request->query_tag_id, "query", error) ||
      !check_tag_exists (self->store, dataset_id, request->preselected_tag_id, "preselected", error) ||
      !lightly_local_rules_check_selection (request, error))
    return NULL;

  params_json = lightly_selection_request_to_json (request);
  job_id = lightly_store_create_selection_job (self->store, dataset_id, request->new_tag_name,
                                               params_json, &existing, error);
  if (job_id == NULL)
    return NULL;
  if (existing)
    return g_steal_pointer (&job_id);   /* an idempotent re-send: follow the first */

  job = g_new0 (SelectionJob, 1);
  job->store = g_object_ref (self->store);
  job->job_id = g_strdup (job_id);
  job->dataset_id = g_strdup (dataset_id);
  job->embedding_id = g_strdup (embedding_id);
  job->request = *request;
  job->request.new_tag_name = g_strdup (request->new_tag_name);
  job->request.query_tag_id = g_strdup (request->query_tag_id);
  job->request.preselected_tag_id = g_strdup (request->preselected_tag_id);
  job->request.score_type = g_strdup (request->score_type);
  job->watch = job_watch_lookup (job_id, TRUE);
  lightly_local_jobs_push (self->store, selection_job_run, job);
  return g_steal_pointer (&job_id);
}

static void
follow_cancelled (GCancellable *cancellable,
                  JobWatch     *watch)
{
  /* Embedded mode: cancelling stops the engine; the job ends FAILED. */
  g_atomic_int_set (&watch->cancel, 1);
}

static LightlyJob *
local_follow_job (LightlyBackend *backend, const char *job_id, LightlyBackendProgress progress,
                  gpointer progress_data, GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
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
  row = lightly_store_get_job (self->store, NULL, job_id, error);
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
          row = lightly_store_wait_job (self->store, NULL, job_id, status, processed, FOLLOW_WAIT_MS,
                                        wait_cancellable, error);
          if (row == NULL || row->status != status || row->processed != processed)
            break;
        }
    }

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  return result;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_local_backend_iface_init (LightlyBackendInterface *iface)
{
  iface->list_datasets = local_list_datasets;
  iface->create_dataset = local_create_dataset;
  iface->get_file_names = local_get_file_names;
  iface->register_samples = local_register_samples;
  iface->create_initial_tag = local_create_initial_tag;
  iface->get_tags = local_get_tags;
  iface->get_tag_heads = local_get_tag_heads;
  iface->get_tag = local_get_tag;
  iface->create_tag = local_create_tag;
  iface->list_embeddings = local_list_embeddings;
  iface->upload_embeddings = local_upload_embeddings;
  iface->upload_embeddings_matrix = local_upload_embeddings_matrix;
  iface->upload_scores = local_upload_scores;
  iface->start_selection = local_start_selection;
  iface->get_job = local_get_job;
  iface->follow_job = local_follow_job;
  iface->delete_tag = local_delete_tag;
  iface->get_tag_picks = local_get_tag_picks;
  iface->get_tag_pick_rows = local_get_tag_pick_rows;
}

static void
lightly_local_backend_finalize (GObject *object)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (lightly_local_backend_parent_class)->finalize (object);
}

static void
lightly_local_backend_class_init (LightlyLocalBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_local_backend_finalize;
}

static void
lightly_local_backend_init (LightlyLocalBackend *self)
{
}

LightlyBackend *
lightly_local_backend_new_for_store (LightlyStore *store)
{
  LightlyLocalBackend *self = g_object_new (LIGHTLY_TYPE_LOCAL_BACKEND, NULL);

  self->store = g_object_ref (store);
  return LIGHTLY_BACKEND (self);
}

LightlyBackend *
lightly_local_backend_new (const char  *dir,
                           GError     **error)
{
  g_autoptr(LightlyStore) store = shared_store_open (dir, error);

  if (store == NULL)
    return NULL;
  return lightly_local_backend_new_for_store (store);
}

LightlyStore *
lightly_local_backend_get_store (LightlyLocalBackend *self)
{
  return self->store;
}

guint
lightly_local_backend_count_watches (void)
{
  guint n;

  G_LOCK (registry);
  n = watches != NULL ? g_hash_table_size (watches) : 0;
  G_UNLOCK (registry);
  return n;
}
