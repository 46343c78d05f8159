/* lightly-store-owners.c: who owns a live job, and recovery when the owner is gone
 *
 * The owner of a WAITING or RUNNING job holds an flock on jobs/<id>.lock.
 * Anyone who can take that lock knows the owner exited: the job is marked
 * FAILED ("owner exited") and its tag-name reservation released. Both the
 * tag writes (a name reserved by a dead job is free again) and the jobs
 * file use this, so it sits below both.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unistd.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

/* ---- Jobs: ownership ------------------------------------------------------ */

void
store_job_changed (LightlyStore *self)
{
  g_mutex_lock (&self->state_lock);
  self->job_changes++;
  g_cond_broadcast (&self->job_cond);
  g_mutex_unlock (&self->state_lock);
}

gboolean
store_owns_job (LightlyStore *self, const char *job_id)
{
  gboolean owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_contains (self->owned_jobs, job_id);
  g_mutex_unlock (&self->state_lock);
  return owned;
}

/* Inside a write transaction: if the live job job_id is not ours and its lock
 * can be taken, its owner is gone; mark it FAILED "owner exited" and release
 * its reservation. Returns 1 when it did, 0 when the job is live (or ours),
 * -1 on error. */
int
store_recover_if_orphaned (LightlyStore *self, Conn *c, const char *job_id, GError **error)
{
  g_autofree char *path = NULL;
  int fd;

  if (self->dir == NULL || store_owns_job (self, job_id))
    return 0;
  path = store_path (self, "jobs", job_id, ".lock");
  fd = store_take_lock (path, TRUE, FALSE, NULL);
  if (fd < 0)
    return 0;
  {
    STMT st = store_prep (c, "UPDATE jobs SET status = 3, error = 'owner exited', finished_at = ?, "
                       "reserved = NULL WHERE id = ? AND status IN (0, 1)", error);

    if (st == NULL)
      {
        close (fd);
        return -1;
      }
    sqlite3_bind_int64 (st, 1, store_now_ms ());
    store_bind_text (st, 2, job_id);
    if (!store_step_done (c, st, "failing an orphaned job", error))
      {
        close (fd);
        return -1;
      }
  }
  store_drop_lock (path, fd);
  return 1;
}

/* Checks every live job (at open). */
gboolean
store_recover_all_orphans (LightlyStore *self, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Conn *c;
  int rc;

  if (self->dir == NULL)
    return TRUE;
  c = store_write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = store_prep (c, "SELECT id FROM jobs WHERE status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    while ((rc = store_step_row (c, st, "listing jobs", error)) > 0)
      g_ptr_array_add (ids, store_col_text (st, 0));
    if (rc < 0)
      goto fail;
  }
  for (guint i = 0; i < ids->len; i++)
    if (store_recover_if_orphaned (self, c, g_ptr_array_index (ids, i), error) < 0)
      goto fail;
  return store_write_commit (c, error);

fail:
  store_conn_release (c);
  return FALSE;
}

