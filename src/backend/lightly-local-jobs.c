/* lightly-local-jobs.c: the threads that run the embedded default's jobs
 *
 * The store records jobs (rows, progress, owner locks); it does not run
 * them. Running is the local backend's business, so the pool lives here:
 * one process-wide GThreadPool of a few threads, created on first use. A
 * queued item holds a reference on its store, so a store outlives its work
 * even when every caller has dropped it (the last unref may then finalize
 * the store on a pool thread).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-local-jobs.h"

#define POOL_MAX_THREADS 4

typedef struct {
  LightlyStore *store;
  LightlyLocalJobFunc func;
  gpointer data;
} Work;

static void
run_work (gpointer item,
          gpointer user_data)
{
  Work *work = item;

  work->func (work->store, work->data);
  g_object_unref (work->store);
  g_free (work);
}

static gpointer
create_pool (gpointer data)
{
  return g_thread_pool_new (run_work, NULL, POOL_MAX_THREADS, FALSE, NULL);
}

void
lightly_local_jobs_push (LightlyStore        *store,
                         LightlyLocalJobFunc  func,
                         gpointer             data)
{
  static GOnce pool_once = G_ONCE_INIT;
  GThreadPool *pool;
  Work *work;

  g_return_if_fail (LIGHTLY_IS_STORE (store));
  g_return_if_fail (func != NULL);

  pool = g_once (&pool_once, create_pool, NULL);
  work = g_new0 (Work, 1);
  work->store = g_object_ref (store);
  work->func = func;
  work->data = data;
  g_thread_pool_push (pool, work, NULL);
}
