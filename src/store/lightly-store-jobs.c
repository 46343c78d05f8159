/* lightly-store-jobs.c: selection jobs of the store and their owner locks
 *
 * Owns the jobs table, the name reservation a job makes for its result tag,
 * and the cross-process ownership of live jobs: the owner holds an flock on
 * jobs/<id>.lock while the job is WAITING or RUNNING, and anyone who can
 * take that lock knows the owner exited and marks the job FAILED. The store
 * only records jobs; the local backend runs them
 * (src/backend/lightly-local-jobs.c). Progress is kept in memory and written
 * at most every 250 ms; waiters are woken through job_cond.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

#define PROGRESS_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)

/* ---- Jobs ----------------------------------------------------------------- */

const char *
lightly_store_job_status_to_string (LightlyStoreJobStatus status)
{
  switch (status)
    {
    case LIGHTLY_STORE_JOB_WAITING:
      return "WAITING";
    case LIGHTLY_STORE_JOB_RUNNING:
      return "RUNNING";
    case LIGHTLY_STORE_JOB_FINISHED:
      return "FINISHED";
    case LIGHTLY_STORE_JOB_FAILED:
      return "FAILED";
    default:
      return "UNKNOWN";
    }
}

void
lightly_store_job_free (LightlyStoreJob *job)
{
  if (job == NULL)
    return;
  g_free (job->id);
  g_free (job->dataset_id);
  g_free (job->new_tag_name);
  g_free (job->params_json);
  g_free (job->error_message);
  g_free (job->result_tag_id);
  g_free (job->owner_boot_id);
  g_free (job);
}

#define JOB_COLUMNS "id, dataset_id, new_tag_name, params, status, processed, total, error, " \
                    "result_tag_id, created_at, finished_at, owner_pid, owner_boot_id"

/* A RowFunc. */
static gpointer
job_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreJob *j = g_new0 (LightlyStoreJob, 1);
  OwnedJob *owned;

  j->id = store_col_text (st, 0);
  j->dataset_id = store_col_text (st, 1);
  j->new_tag_name = store_col_text (st, 2);
  j->params_json = store_col_text (st, 3);
  j->status = (LightlyStoreJobStatus) sqlite3_column_int (st, 4);
  j->processed = sqlite3_column_int64 (st, 5);
  j->total = sqlite3_column_int64 (st, 6);
  j->error_message = store_col_text (st, 7);
  j->result_tag_id = store_col_text (st, 8);
  j->created_at = sqlite3_column_int64 (st, 9);
  j->finished_at = sqlite3_column_int64 (st, 10);
  j->owner_pid = sqlite3_column_int64 (st, 11);
  j->owner_boot_id = store_col_text (st, 12);

  /* Progress not yet written: ours is newer than the row. */
  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, j->id);
  if (owned != NULL && j->status == LIGHTLY_STORE_JOB_RUNNING)
    {
      j->processed = owned->processed;
      j->total = owned->total;
    }
  g_mutex_unlock (&self->state_lock);
  return j;
}

/* Inside a write transaction: is new_tag_name free for a new job? A live
 * reservation whose owner exited is released on the way. Returns -1 on
 * error (EXISTS when the name is taken), 0 when free, 1 when a job with the
 * identical params_json holds it (a re-sent request; *existing_id is set). */
static int
check_reservation (LightlyStore  *self,
                   Conn          *c,
                   const char    *dataset_id,
                   const char    *new_tag_name,
                   const char    *params_json,
                   char         **existing_id,
                   GError       **error)
{
  for (int round = 0; round < 2; round++)
    {
      g_autofree char *other_id = NULL;
      g_autofree char *other_params = NULL;
      LightlyStoreJobStatus other_status;
      int rc;

      {
        STMT st = store_prep (c, "SELECT id, params, status FROM jobs WHERE dataset_id = ? AND "
                           "new_tag_name = ? AND reserved IS NOT NULL", error);

        if (st == NULL)
          return -1;
        store_bind_text (st, 1, dataset_id);
        store_bind_text (st, 2, new_tag_name);
        rc = store_step_row (c, st, "looking up a reservation", error);
        if (rc <= 0)
          return rc;
        other_id = store_col_text (st, 0);
        other_params = store_col_text (st, 1);
        other_status = (LightlyStoreJobStatus) sqlite3_column_int (st, 2);
      }
      if (other_status == LIGHTLY_STORE_JOB_WAITING ||
          other_status == LIGHTLY_STORE_JOB_RUNNING)
        {
          rc = store_recover_if_orphaned (self, c, other_id, error);
          if (rc < 0)
            return -1;
          if (rc > 0)
            continue;
        }
      if (strcmp (other_params, params_json) == 0)
        {
          *existing_id = g_steal_pointer (&other_id);
          return 1;
        }
      {
        g_autofree char *q = store_quote (new_tag_name);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "the tag name %s is reserved by selection job %s with other "
                     "parameters; choose another name", q, other_id);
      }
      return -1;
    }
  return 0;
}

/* Inside a write transaction: a tag of that name exists already → EXISTS. */
static gboolean
check_tag_name_free (Conn *c, const char *dataset_id, const char *name, GError **error)
{
  int rc = store_row_exists (c, "SELECT 1 FROM tags WHERE dataset_id = ? AND name = ?",
                       dataset_id, name, "looking up a tag", error);

  if (rc > 0)
    {
      g_autofree char *q = store_quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                   "a tag named %s exists already in dataset %s; choose another name",
                   q, dataset_id);
    }
  return rc == 0;
}

static gboolean
insert_job (LightlyStore *self, Conn *c, const char *id, const char *dataset_id,
            const char *new_tag_name, const char *params_json, GError **error)
{
  STMT st = store_prep (c, "INSERT INTO jobs (id, dataset_id, new_tag_name, params, status, "
                     "created_at, owner_pid, owner_boot_id, reserved) "
                     "VALUES (?, ?, ?, ?, 0, ?, ?, ?, 1)", error);

  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, id);
  store_bind_text (st, 2, dataset_id);
  store_bind_text (st, 3, new_tag_name);
  store_bind_text (st, 4, params_json);
  sqlite3_bind_int64 (st, 5, store_now_ms ());
  sqlite3_bind_int64 (st, 6, (gint64) getpid ());
  store_bind_text (st, 7, self->boot_id);
  return store_step_done (c, st, "creating a job", error);
}

char *
lightly_store_create_selection_job (LightlyStore *self,
                                    const char   *dataset_id,
                                    const char   *new_tag_name,
                                    const char   *params_json,
                                    gboolean     *existing,
                                    GError      **error)
{
  g_autofree char *id = NULL;
  g_autofree char *lock_path = NULL;
  g_autofree char *existing_id = NULL;
  int lock_fd = -1;
  Conn *c = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (params_json != NULL, NULL);

  if (existing != NULL)
    *existing = FALSE;
  if (!lightly_store_check_tag_name (new_tag_name, error))
    return NULL;
  if (!g_utf8_validate (params_json, -1, NULL))
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "the selection parameters are not valid UTF-8");
      return NULL;
    }

  id = lightly_store_new_id ();
  /* The lock is taken before the row exists, so no one ever sees a live job
   * without a held lock. */
  if (self->dir != NULL)
    {
      lock_path = store_path (self, "jobs", id, ".lock");
      lock_fd = store_take_lock (lock_path, TRUE, FALSE, error);
      if (lock_fd < 0)
        {
          if (lock_fd == -1)
            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                         "the new job's lock %s is held already", lock_path);
          return NULL;
        }
    }

  c = store_write_begin (self, error);
  if (c == NULL || store_dataset_n_samples (c, dataset_id, error) < 0)
    goto fail;
  rc = check_reservation (self, c, dataset_id, new_tag_name, params_json, &existing_id, error);
  if (rc < 0)
    goto fail;
  if (rc > 0)
    {
      /* A re-sent request: answer with the job it created. */
      store_conn_release (c);
      store_drop_lock (lock_path, lock_fd);
      if (existing != NULL)
        *existing = TRUE;
      return g_steal_pointer (&existing_id);
    }
  if (!check_tag_name_free (c, dataset_id, new_tag_name, error) ||
      !insert_job (self, c, id, dataset_id, new_tag_name, params_json, error))
    goto fail;

  {
    OwnedJob *owned = g_new0 (OwnedJob, 1);

    owned->fd = lock_fd;
    g_mutex_lock (&self->state_lock);
    g_hash_table_insert (self->owned_jobs, g_strdup (id), owned);
    g_mutex_unlock (&self->state_lock);
  }
  if (!store_write_commit (c, error))
    {
      g_mutex_lock (&self->state_lock);
      g_hash_table_remove (self->owned_jobs, id);   /* closes lock_fd */
      g_mutex_unlock (&self->state_lock);
      if (lock_path != NULL)
        g_unlink (lock_path);
      return NULL;
    }
  return g_steal_pointer (&id);

fail:
  if (c != NULL)
    store_conn_release (c);
  store_drop_lock (lock_path, lock_fd);
  return NULL;
}

/* Job must be ours; returns FALSE with BUSY otherwise. */
static gboolean
require_owned (LightlyStore *self, const char *job_id, GError **error)
{
  if (store_owns_job (self, job_id))
    return TRUE;
  {
    g_autofree char *q = store_quote (job_id);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                 "the job %s is not run by this process (unknown, finished, or owned by "
                 "another process)", q);
  }
  return FALSE;
}

static gboolean
job_state_error (Conn *c, const char *job_id, const char *action, GError **error)
{
  STMT st = store_prep (c, "SELECT status FROM jobs WHERE id = ?", error);
  LightlyStoreJobStatus status;
  int rc;

  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, job_id);
  rc = store_step_row (c, st, "reading a job", error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    return store_not_found (error, "job", job_id);
  status = (LightlyStoreJobStatus) sqlite3_column_int (st, 0);
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY, "cannot %s job %s: it is %s",
               action, job_id, lightly_store_job_status_to_string (status));
  return FALSE;
}

/* Steps an UPDATE of a job that must change its row; when it changed none,
 * the job is not in a state that allows action (BUSY) or does not exist. */
static gboolean
step_job_update (Conn *c, sqlite3_stmt *st, const char *what, const char *job_id,
                 const char *action, GError **error)
{
  if (!store_step_done (c, st, what, error))
    return FALSE;
  if (sqlite3_changes (c->db) > 0)
    return TRUE;
  job_state_error (c, job_id, action, error);
  return FALSE;
}

gboolean
lightly_store_begin_job (LightlyStore *self, const char *job_id, gint64 total, GError **error)
{
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  if (!require_owned (self, job_id, error))
    return FALSE;
  /* Its commit does not wait for the disk (store_write_begin_relaxed(),
   * one fdatasync less per query): a power cut that took it back would
   * leave the job QUEUED with the same owner, which the next open fails
   * as it fails a RUNNING one (lightly-store-owners.c), and the job's end
   * commits with a full sync. */
  c = store_write_begin_relaxed (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = store_prep (c, "UPDATE jobs SET status = 1, processed = 0, total = ?, owner_pid = ?, "
                       "owner_boot_id = ? WHERE id = ? AND status = 0", error);

    if (st == NULL)
      goto fail;
    sqlite3_bind_int64 (st, 1, total);
    sqlite3_bind_int64 (st, 2, (gint64) getpid ());
    store_bind_text (st, 3, self->boot_id);
    store_bind_text (st, 4, job_id);
    if (!step_job_update (c, st, "starting a job", job_id, "start", error))
      goto fail;
  }
  {
    OwnedJob *owned;

    g_mutex_lock (&self->state_lock);
    owned = g_hash_table_lookup (self->owned_jobs, job_id);
    if (owned != NULL)
      {
        owned->processed = 0;
        owned->total = total;
        owned->last_write = g_get_monotonic_time ();
        owned->dirty = FALSE;
        owned->status = LIGHTLY_STORE_JOB_RUNNING;
      }
    g_mutex_unlock (&self->state_lock);
  }
  if (!store_write_commit (c, error))
    return FALSE;
  store_job_changed (self);
  return TRUE;

fail:
  store_conn_release (c);
  return FALSE;
}

gboolean
lightly_store_update_job_progress (LightlyStore *self, const char *job_id, gint64 processed,
                                   gint64 total, GError **error)
{
  OwnedJob *owned;
  gboolean write = FALSE;
  gint64 now = g_get_monotonic_time ();
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, job_id);
  if (owned != NULL)
    {
      owned->processed = processed;
      owned->total = total;
      owned->dirty = TRUE;
      self->job_changes++;
      g_cond_broadcast (&self->job_cond);
      if (now - owned->last_write >= PROGRESS_INTERVAL_US)
        {
          owned->last_write = now;
          owned->dirty = FALSE;
          write = TRUE;
        }
    }
  g_mutex_unlock (&self->state_lock);
  if (owned == NULL)
    return require_owned (self, job_id, error);
  if (!write)
    return TRUE;

  /* The counter is a hint for followers, rewritten a few times a second:
   * its commit does not wait for the disk (store_write_begin_relaxed). A
   * power cut may take back the last few values (and the job's start,
   * lightly_store_begin_job()); the job's creation and end, its tag and its
   * picks are committed with a full sync. */
  c = store_write_begin_relaxed (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = store_prep (c, "UPDATE jobs SET processed = ?, total = ? WHERE id = ? AND status = 1",
                    error);

    if (st == NULL)
      {
        store_conn_release (c);
        return FALSE;
      }
    sqlite3_bind_int64 (st, 1, processed);
    sqlite3_bind_int64 (st, 2, total);
    store_bind_text (st, 3, job_id);
    if (!store_step_done (c, st, "updating job progress", error))
      {
        store_conn_release (c);
        return FALSE;
      }
  }
  return store_write_commit (c, error);
}

/* Forgets a finished job: closes and removes its lock. */
static void
release_job (LightlyStore *self, const char *job_id)
{
  OwnedJob *owned = NULL;
  gpointer key = NULL;

  g_mutex_lock (&self->state_lock);
  if (g_hash_table_steal_extended (self->owned_jobs, job_id, &key, (gpointer *) &owned))
    g_free (key);
  g_mutex_unlock (&self->state_lock);
  if (owned == NULL)
    return;
  if (self->dir != NULL)
    {
      g_autofree char *path = store_path (self, "jobs", job_id, ".lock");

      g_unlink (path);
    }
  store_owned_job_free (owned);
}

static void
owned_progress (LightlyStore *self, const char *job_id, gint64 *processed, gint64 *total)
{
  OwnedJob *owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, job_id);
  *processed = owned != NULL ? owned->processed : 0;
  *total = owned != NULL ? owned->total : 0;
  g_mutex_unlock (&self->state_lock);
}

/* Commits the transaction that ended an owned job, then forgets the job
 * (its lock goes) and wakes the waiters. */
static gboolean
commit_job_end (LightlyStore *self, Conn *c, const char *job_id, GError **error)
{
  if (!store_write_commit (c, error))
    return FALSE;
  release_job (self, job_id);
  store_job_changed (self);
  return TRUE;
}

char *
lightly_store_finish_job (LightlyStore *self,
                          const char   *job_id,
                          const char   *bitmask_hex,
                          const char   *prev_tag_id,
                          const char   *query_tag_id,
                          const char   *preselected_tag_id,
                          const char   *creator,
                          GError      **error)
{
  return lightly_store_finish_job_with_picks (self, job_id, bitmask_hex, prev_tag_id, query_tag_id,
                                              preselected_tag_id, creator, NULL, NULL, 0, error);
}

char *
lightly_store_finish_job_with_picks (LightlyStore           *self,
                                     const char             *job_id,
                                     const char             *bitmask_hex,
                                     const char             *prev_tag_id,
                                     const char             *query_tag_id,
                                     const char             *preselected_tag_id,
                                     const char             *creator,
                                     const char             *method,
                                     const LightlyStorePick *picks,
                                     gsize                   n_picks,
                                     GError                **error)
{
  g_autofree char *dataset_id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *tag_id = NULL;
  gint64 processed, total;
  Conn *c;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (!require_owned (self, job_id, error) ||
      !store_check_bitmask_syntax (bitmask_hex, error) ||
      (creator != NULL && !store_check_text ("tag creator", creator, MAX_NAME_BYTES, error)))
    return NULL;
  owned_progress (self, job_id, &processed, &total);

  c = store_write_begin (self, error);
  if (c == NULL)
    return NULL;
  {
    STMT st = store_prep (c, "SELECT dataset_id, new_tag_name FROM jobs WHERE id = ? AND "
                       "status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, job_id);
    rc = store_step_row (c, st, "reading a job", error);
    if (rc < 0)
      goto fail;
    if (rc == 0)
      {
        job_state_error (c, job_id, "finish", error);
        goto fail;
      }
    dataset_id = store_col_text (st, 0);
    name = store_col_text (st, 1);
  }
  tag_id = store_create_tag_tx (self, c, dataset_id, name, bitmask_hex, prev_tag_id, query_tag_id,
                          preselected_tag_id, creator, job_id, error);
  if (tag_id == NULL)
    goto fail;
  if (method != NULL && !store_set_tag_picks_tx (c, tag_id, method, picks, n_picks, error))
    goto fail;
  {
    STMT st = store_prep (c, "UPDATE jobs SET status = 2, processed = MAX (processed, ?), "
                       "total = MAX (total, ?), result_tag_id = ?, finished_at = ? "
                       "WHERE id = ?", error);

    if (st == NULL)
      goto fail;
    sqlite3_bind_int64 (st, 1, processed);
    sqlite3_bind_int64 (st, 2, total);
    store_bind_text (st, 3, tag_id);
    sqlite3_bind_int64 (st, 4, store_now_ms ());
    store_bind_text (st, 5, job_id);
    if (!store_step_done (c, st, "finishing a job", error))
      goto fail;
  }
  if (!commit_job_end (self, c, job_id, error))
    return NULL;
  return g_steal_pointer (&tag_id);

fail:
  store_conn_release (c);
  return NULL;
}

gboolean
lightly_store_fail_job (LightlyStore *self, const char *job_id, const char *message,
                        GError **error)
{
  gint64 processed, total;
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  if (!require_owned (self, job_id, error))
    return FALSE;
  owned_progress (self, job_id, &processed, &total);
  c = store_write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = store_prep (c, "UPDATE jobs SET status = 3, error = ?, finished_at = ?, reserved = NULL, "
                       "processed = MAX (processed, ?), total = MAX (total, ?) "
                       "WHERE id = ? AND status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, message != NULL ? message : "failed");
    sqlite3_bind_int64 (st, 2, store_now_ms ());
    sqlite3_bind_int64 (st, 3, processed);
    sqlite3_bind_int64 (st, 4, total);
    store_bind_text (st, 5, job_id);
    if (!step_job_update (c, st, "failing a job", job_id, "fail", error))
      goto fail;
  }
  return commit_job_end (self, c, job_id, error);

fail:
  store_conn_release (c);
  return FALSE;
}

static LightlyStoreJob *
job_copy (const LightlyStoreJob *j)
{
  LightlyStoreJob *c = g_memdup2 (j, sizeof *j);

  c->id = g_strdup (j->id);
  c->dataset_id = g_strdup (j->dataset_id);
  c->new_tag_name = g_strdup (j->new_tag_name);
  c->params_json = g_strdup (j->params_json);
  c->error_message = g_strdup (j->error_message);
  c->result_tag_id = g_strdup (j->result_tag_id);
  c->owner_boot_id = g_strdup (j->owner_boot_id);
  return c;
}

/* A job this store runs is followed from memory: its row is read once per
 * status and kept with it, and its progress is the store's own (newer than
 * the row). Nothing else in the row changes until the job ends, and an
 * ended job is no longer owned. Its followers woke to an SQL read up to 50
 * times a second, on a machine whose cores the job's engine keeps busy,
 * and the first one opened a connection of its own while the job held the
 * other. A copy of the kept row, or NULL (not owned, not read yet in its
 * status, or of another dataset). */
static LightlyStoreJob *
owned_row (LightlyStore *self, const char *dataset_id, const char *job_id)
{
  LightlyStoreJob *j = NULL;
  OwnedJob *owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, job_id);
  if (owned != NULL && owned->row != NULL && owned->row->status == owned->status &&
      (dataset_id == NULL || g_strcmp0 (owned->row->dataset_id, dataset_id) == 0))
    {
      j = job_copy (owned->row);
      if (j->status == LIGHTLY_STORE_JOB_RUNNING)
        {
          j->processed = owned->processed;
          j->total = owned->total;
        }
    }
  g_mutex_unlock (&self->state_lock);
  return j;
}

/* Keeps @j for owned_row() if it is the row of an owned job in the status
 * the store last gave it (a row read before a change committed is not). */
static void
owned_row_keep (LightlyStore *self, const LightlyStoreJob *j)
{
  OwnedJob *owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, j->id);
  if (owned != NULL && owned->status == j->status)
    {
      lightly_store_job_free (owned->row);
      owned->row = job_copy (j);
      owned->row_free = (GDestroyNotify) lightly_store_job_free;
    }
  g_mutex_unlock (&self->state_lock);
}

static LightlyStoreJob *
read_job (LightlyStore *self, const char *dataset_id, const char *job_id, GError **error)
{
  gpointer job = NULL;
  int rc = store_read_row (self, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1 AND "
                           "(?2 IS NULL OR dataset_id = ?2)", job_id, dataset_id, job_from_row,
                     "reading a job", &job, error);

  if (rc == 0)
    store_not_found (error, "job", job_id);
  return job;
}

LightlyStoreJob *
lightly_store_get_job (LightlyStore *self, const char *dataset_id, const char *job_id,
                       GError **error)
{
  LightlyStoreJob *job;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  job = owned_row (self, dataset_id, job_id);
  if (job != NULL)
    return job;
  job = read_job (self, dataset_id, job_id, error);
  if (job == NULL)
    return NULL;
  owned_row_keep (self, job);
  if ((job->status == LIGHTLY_STORE_JOB_WAITING || job->status == LIGHTLY_STORE_JOB_RUNNING) &&
      self->dir != NULL && !store_owns_job (self, job->id))
    {
      /* Cheap test first: a live owner holds the lock, and then we are done. */
      g_autofree char *path = store_path (self, "jobs", job->id, ".lock");
      int fd = store_take_lock (path, TRUE, FALSE, NULL);
      Conn *c;
      int recovered;

      if (fd < 0)
        return job;
      close (fd);
      c = store_write_begin (self, error);
      if (c == NULL)
        {
          lightly_store_job_free (job);
          return NULL;
        }
      recovered = store_recover_if_orphaned (self, c, job->id, error);
      if (recovered < 0)
        {
          store_conn_release (c);
          lightly_store_job_free (job);
          return NULL;
        }
      if (!store_write_commit (c, error))
        {
          lightly_store_job_free (job);
          return NULL;
        }
      if (recovered > 0)
        {
          lightly_store_job_free (job);
          job = read_job (self, dataset_id, job_id, error);
        }
    }
  return job;
}

LightlyStoreJob *
lightly_store_wait_job (LightlyStore         *self,
                        const char           *dataset_id,
                        const char           *job_id,
                        LightlyStoreJobStatus known_status,
                        gint64                known_processed,
                        gint64                timeout_ms,
                        GCancellable         *cancellable,
                        GError              **error)
{
  gint64 deadline = g_get_monotonic_time () + MAX (timeout_ms, 0) * G_TIME_SPAN_MILLISECOND;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  for (;;)
    {
      LightlyStoreJob *job;
      guint64 seen;
      gint64 now, until;

      /* Read the counter before the job, so no change slips in between. */
      g_mutex_lock (&self->state_lock);
      seen = self->job_changes;
      g_mutex_unlock (&self->state_lock);

      job = lightly_store_get_job (self, dataset_id, job_id, error);
      if (job == NULL)
        return NULL;
      now = g_get_monotonic_time ();
      if (job->status != known_status || job->processed != known_processed || now >= deadline)
        return job;
      lightly_store_job_free (job);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      until = MIN (deadline, now + 200 * G_TIME_SPAN_MILLISECOND);
      g_mutex_lock (&self->state_lock);
      while (self->job_changes == seen && g_get_monotonic_time () < until)
        g_cond_wait_until (&self->job_cond, &self->state_lock, until);
      g_mutex_unlock (&self->state_lock);
    }
}

GPtrArray *
lightly_store_list_jobs (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_dataset_rows (self, dataset_id,
                            "SELECT " JOB_COLUMNS " FROM jobs WHERE dataset_id = ? ORDER BY seq",
                            "listing jobs", job_from_row,
                            (GDestroyNotify) lightly_store_job_free, error);
}
