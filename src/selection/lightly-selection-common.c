/* lightly-selection-common.c: what the engine's methods share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input checks every method needs, cancellation and progress, the
 * seeded generator, passes over a set of rows (threads per pass) and the
 * worker pool of the greedy methods (threads per run). See
 * lightly-selection-private.h.
 */
#include "config.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lightly-selection-private.h"

/* Rows per block of a norms pass (as k-means' blocks). */
#define NORMS_BLOCK 256

/* ---------------------------------------------------------------------- */
/* Memory                                                                 */

#define HUGE_PAGE ((gsize) 2 << 20)

gpointer
lightly_selection_alloc_rows (gsize n,
                              gsize size)
{
  gsize bytes;
  void *mem = NULL;

  if (!g_size_checked_mul (&bytes, n, size))
    g_error ("%s: overflow allocating %" G_GSIZE_FORMAT "*%" G_GSIZE_FORMAT " bytes", G_STRLOC, n, size);
#ifdef MADV_HUGEPAGE
  if (bytes >= HUGE_PAGE)
    {
      if (posix_memalign (&mem, HUGE_PAGE, bytes) != 0)
        g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, bytes);
      /* Only the whole huge pages: the tail stays in small pages, so the
       * advice never costs more memory than the array. A kernel without
       * transparent huge pages ignores it. */
      madvise (mem, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
      return mem;
    }
#endif
  return g_malloc (bytes);
}

/* ---------------------------------------------------------------------- */
/* Params                                                                 */

guint
lightly_selection_thread_count (const LightlySelectionParams *p)
{
  const char *env;

  if (p->n_threads > 0)
    return MIN (p->n_threads, 256);
  env = g_getenv ("LIGHTLY_THREADS");
  if (env != NULL)
    {
      guint64 v = 0;

      if (g_ascii_string_to_unsigned (env, 10, 1, 256, &v, NULL))
        return (guint) v;
    }
  return MAX (1, g_get_num_processors ());
}

void
lightly_selection_explain (const LightlySelectionParams *p,
                           guint32                       row,
                           double                        utility,
                           gint32                        cluster)
{
  LightlySelectionPick pick = { row, cluster, isfinite (utility) ? utility : 0.0 };

  if (p->why != NULL)
    g_array_append_val (p->why, pick);
}

gboolean
lightly_selection_set_cancelled (GError **error)
{
  g_set_error_literal (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_CANCELLED,
                       "Selection was cancelled");
  return FALSE;
}

gboolean
lightly_selection_cancel_raised (const LightlySelectionParams *p)
{
  return p->cancel != NULL && g_atomic_int_get (p->cancel) != 0;
}

void
lightly_selection_report (const LightlySelectionParams *p,
                          gsize                         done,
                          gsize                         total)
{
  if (p->progress != NULL)
    p->progress (done, total, p->progress_data);
}

gboolean
lightly_selection_check_indices (const char     *what,
                                 const guint32  *idx,
                                 gsize           n,
                                 gsize           n_rows,
                                 GError        **error)
{
  gsize i;

  if (n > 0 && idx == NULL)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                   "%s: %" G_GSIZE_FORMAT " indices announced but no array given", what, n);
      return FALSE;
    }
  for (i = 0; i < n; i++)
    {
      if (idx[i] >= n_rows)
        {
          g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "%s index %u (position %" G_GSIZE_FORMAT ") is out of range; the matrix "
                       "has %" G_GSIZE_FORMAT " rows", what, idx[i], i, n_rows);
          return FALSE;
        }
      if (i > 0 && idx[i] <= idx[i - 1])
        {
          g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "%s indices must be sorted ascending and unique, but %u follows %u "
                       "(position %" G_GSIZE_FORMAT ")", what, idx[i], idx[i - 1], i);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
lightly_selection_check_sets (const LightlySelectionParams  *p,
                              GError                       **error)
{
  gsize a, b;

  if ((guint64) p->n_rows > (guint64) G_MAXUINT32 + 1)
    {
      g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " rows are more than 32-bit indices can address",
                   p->n_rows);
      return FALSE;
    }
  if (!lightly_selection_check_indices ("Candidate", p->candidates, p->n_candidates,
                                        p->n_rows, error) ||
      !lightly_selection_check_indices ("Preselected", p->preselected, p->n_preselected,
                                        p->n_rows, error))
    return FALSE;
  /* Both sorted: one merge finds a common row. */
  for (a = 0, b = 0; a < p->n_candidates && b < p->n_preselected;)
    {
      if (p->candidates[a] == p->preselected[b])
        {
          g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "Row %u is both a candidate and preselected; candidates must exclude "
                       "the preselected rows", p->candidates[a]);
          return FALSE;
        }
      if (p->candidates[a] < p->preselected[b])
        a++;
      else
        b++;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Generator: xoshiro256** (Blackman & Vigna 2018) seeded by splitmix64.  */
/* Pure 64-bit integer arithmetic, so a seed gives the same picks         */
/* everywhere.                                                            */

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (LightlyRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

void
lightly_rng_init (LightlyRng *rng,
                  guint64     seed)
{
  guint64 x = seed;
  guint i;

  for (i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

guint64
lightly_rng_below (LightlyRng *rng,
                   guint64     n)
{
  guint64 threshold = (0 - n) % n;   /* 2^64 mod n */

  for (;;)
    {
      guint64 v = rng_next (rng);

      if (v >= threshold)
        return v % n;
    }
}

double
lightly_rng_unit (LightlyRng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---------------------------------------------------------------------- */
/* Passes over points                                                     */

typedef struct {
  const LightlyPoints *pts;
  LightlyBlockFunc fn;
  gpointer data;
  gsize n_blocks;
  gint next;
  gint cancelled;
} Pass;

void
lightly_points_for_candidates (const LightlySelectionParams *p,
                               LightlyPoints                *out)
{
  out->matrix = p->matrix;
  out->dim = p->dim;
  out->rows = p->candidates;
  out->n = p->n_candidates;
  out->kern = lightly_selection_kernels_current ();
  out->n_threads = lightly_selection_thread_count (p);
  out->cancel = p->cancel;
}

gboolean
lightly_points_cancelled (const LightlyPoints *pts)
{
  return pts->cancel != NULL && g_atomic_int_get (pts->cancel) != 0;
}

static gpointer
pass_worker (gpointer user_data)
{
  Pass *pass = user_data;

  for (;;)
    {
      gint b;

      if (g_atomic_int_get (&pass->cancelled))
        break;
      if (lightly_points_cancelled (pass->pts))
        {
          g_atomic_int_set (&pass->cancelled, 1);
          break;
        }
      b = g_atomic_int_add (&pass->next, 1);
      if ((gsize) b >= pass->n_blocks)
        break;
      pass->fn ((gsize) b, pass->data);
    }
  return NULL;
}

gboolean
lightly_points_parallel (const LightlyPoints *pts,
                         gsize                n_blocks,
                         LightlyBlockFunc     fn,
                         gpointer             data)
{
  Pass pass = { pts, fn, data, n_blocks, 0, 0 };
  guint n_threads = (guint) MIN ((gsize) MAX (pts->n_threads, 1), MAX (n_blocks, 1));
  GThread *threads[256];
  guint i;

  g_assert (n_blocks < G_MAXINT);
  n_threads = MIN (n_threads, G_N_ELEMENTS (threads));
  for (i = 1; i < n_threads; i++)
    threads[i] = g_thread_new ("lightly-select", pass_worker, &pass);
  pass_worker (&pass);
  for (i = 1; i < n_threads; i++)
    g_thread_join (threads[i]);
  return !g_atomic_int_get (&pass.cancelled) && !lightly_points_cancelled (pts);
}

typedef struct {
  const LightlyPoints *pts;
  double *out;
} NormsTask;

static void
norms_block (gsize b, gpointer data)
{
  NormsTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize i, hi = MIN (pts->n, (b + 1) * NORMS_BLOCK);

  for (i = b * NORMS_BLOCK; i < hi; i++)
    {
      const float *x = pts->matrix + (gsize) pts->rows[i] * pts->dim;

      t->out[i] = pts->kern->dot (x, x, pts->dim);
    }
}

double *
lightly_points_norms (const LightlyPoints *pts)
{
  NormsTask t = { pts, g_new (double, MAX (pts->n, 1)) };

  /* A cancelled pass leaves garbage, but every caller checks the flag
   * right after its next pass, which stops at once. */
  lightly_points_parallel (pts, (pts->n + NORMS_BLOCK - 1) / NORMS_BLOCK, norms_block, &t);
  return t.out;
}

/* ---------------------------------------------------------------------- */
/* Worker pool                                                            */

struct _LightlyPool
{
  const gint *cancel;           /* nullable */
  gpointer ctx;

  /* The pass being run. */
  LightlyPoolFunc task_fn;
  gpointer task_data;
  gint task_n_blocks;
  gint next_block;
  gint cancelled;

  GThread **workers;
  guint n_workers;
  GMutex lock;
  GCond work_cond;
  GCond done_cond;
  guint generation;
  guint busy;                   /* workers inside the open pass */
  gboolean open;                /* workers may still join the pass */
  gboolean quit;
};

gboolean
lightly_pool_cancelled (LightlyPool *pool)
{
  if (g_atomic_int_get (&pool->cancelled))
    return TRUE;
  if (pool->cancel != NULL && g_atomic_int_get (pool->cancel) != 0)
    {
      g_atomic_int_set (&pool->cancelled, 1);
      return TRUE;
    }
  return FALSE;
}

static void
do_blocks (LightlyPool *pool)
{
  for (;;)
    {
      gint b;

      if (lightly_pool_cancelled (pool))
        return;
      b = g_atomic_int_add (&pool->next_block, 1);
      if (b >= pool->task_n_blocks)
        return;
      pool->task_fn (pool->ctx, (gsize) b, pool->task_data);
    }
}

static gpointer
worker_main (gpointer data)
{
  LightlyPool *pool = data;
  guint seen = 0;

  g_mutex_lock (&pool->lock);
  for (;;)
    {
      while (pool->generation == seen && !pool->quit)
        g_cond_wait (&pool->work_cond, &pool->lock);
      if (pool->quit)
        break;
      seen = pool->generation;
      if (!pool->open)
        continue;       /* woke after the caller finished the pass alone */
      pool->busy++;
      g_mutex_unlock (&pool->lock);
      do_blocks (pool);
      g_mutex_lock (&pool->lock);
      if (--pool->busy == 0)
        g_cond_signal (&pool->done_cond);
    }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

gboolean
lightly_pool_run (LightlyPool     *pool,
                  LightlyPoolFunc  fn,
                  gpointer         data,
                  gsize            n_blocks)
{
  pool->task_fn = fn;
  pool->task_data = data;
  pool->task_n_blocks = (gint) n_blocks;
  g_atomic_int_set (&pool->next_block, 0);
  if (pool->n_workers == 0 || n_blocks <= 1)
    {
      do_blocks (pool);
      return !lightly_pool_cancelled (pool);
    }
  g_mutex_lock (&pool->lock);
  pool->generation++;
  pool->open = TRUE;
  g_cond_broadcast (&pool->work_cond);
  g_mutex_unlock (&pool->lock);

  do_blocks (pool);

  /* Blocks are claimed one by one, so when the caller runs out every block
   * is done or held by a worker that joined (busy). A worker that has not
   * woken up yet (on a loaded machine it waits for a time slice) is not
   * waited for: closing the pass keeps it out. */
  g_mutex_lock (&pool->lock);
  pool->open = FALSE;
  while (pool->busy > 0)
    g_cond_wait (&pool->done_cond, &pool->lock);
  g_mutex_unlock (&pool->lock);
  return !lightly_pool_cancelled (pool);
}

LightlyPool *
lightly_pool_new (guint        n_threads,
                  const gint  *cancel,
                  gpointer     ctx)
{
  LightlyPool *pool = g_new0 (LightlyPool, 1);
  guint i;

  pool->cancel = cancel;
  pool->ctx = ctx;
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->work_cond);
  g_cond_init (&pool->done_cond);
  pool->workers = g_new0 (GThread *, MAX (n_threads, 1));
  for (i = 0; i + 1 < n_threads; i++)
    {
      pool->workers[i] = g_thread_try_new ("lightly-select", worker_main, pool, NULL);
      if (pool->workers[i] == NULL)
        break;
      pool->n_workers++;
    }
  return pool;
}

guint
lightly_pool_n_workers (LightlyPool *pool)
{
  return pool->n_workers;
}

void
lightly_pool_free (LightlyPool *pool)
{
  guint i;

  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->work_cond);
  g_mutex_unlock (&pool->lock);
  for (i = 0; i < pool->n_workers; i++)
    g_thread_join (pool->workers[i]);
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->work_cond);
  g_cond_clear (&pool->done_cond);
  g_free (pool);
}
