/* lightly-selection-kmeans.c: k-means for TYPICLUST and PROBCOVER
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Seeded k-means++ then Lloyd, on the engine's kernels: the assignment is
 * parallel by blocks, every sum is formed on the calling thread in row
 * order, so a seed gives the same clusters for any thread count.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-private.h"

/* Rows per block of a k-means pass: a tile of 256 float rows of dim 64 is
 * 64 KiB, and a block is short enough to check the cancel flag often. */
#define KM_BLOCK 256

/* Nearest of k float centroids for every point of a block. */
typedef struct {
  const LightlyPoints *pts;
  const float *centroids;
  const double *cnorm;          /* ‖centroid‖² */
  const double *pnorm;          /* ‖point‖², NULL: compute */
  guint k;
  guint32 *assign;
  double *best_d2;              /* nullable */
  gint changed;                 /* atomically counted */
} AssignTask;

static void
assign_block (gsize b, gpointer data)
{
  AssignTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize lo = b * KM_BLOCK, hi = MIN (pts->n, lo + KM_BLOCK), n = hi - lo, i;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (pts->dim);
  const float *rows[KM_BLOCK] = { NULL };
  double dots[KM_BLOCK], best[KM_BLOCK], pn[KM_BLOCK];
  guint32 arg[KM_BLOCK];
  g_autofree double *q = g_new (double, dim8);
  guint c;
  gint changed = 0;

  for (i = 0; i < n; i++)
    {
      rows[i] = pts->matrix + (gsize) pts->rows[lo + i] * pts->dim;
      pn[i] = t->pnorm != NULL ? t->pnorm[lo + i] : pts->kern->dot (rows[i], rows[i], pts->dim);
      best[i] = INFINITY;
      arg[i] = 0;
    }
  for (c = 0; c < t->k; c++)
    {
      lightly_to_double (q, t->centroids + (gsize) c * pts->dim, pts->dim, dim8);
      pts->kern->dot_qf (q, rows, n, pts->dim, dots);
      for (i = 0; i < n; i++)
        {
          double d2 = lightly_sqdist (pn[i], t->cnorm[c], dots[i]);

          /* Strictly smaller: the first (smallest) cluster wins ties. */
          if (d2 < best[i])
            {
              best[i] = d2;
              arg[i] = c;
            }
        }
    }
  for (i = 0; i < n; i++)
    {
      if (t->assign[lo + i] != arg[i])
        changed++;
      t->assign[lo + i] = arg[i];
      if (t->best_d2 != NULL)
        t->best_d2[lo + i] = best[i];
    }
  if (changed > 0)
    g_atomic_int_add (&t->changed, changed);
}

static double *
centroid_norms (const LightlyPoints *pts, const float *centroids, guint k)
{
  double *cn = g_new (double, MAX (k, 1));
  guint c;

  for (c = 0; c < k; c++)
    {
      const float *x = centroids + (gsize) c * pts->dim;

      cn[c] = pts->kern->dot (x, x, pts->dim);
    }
  return cn;
}

void
lightly_kmeans_assign (const LightlyPoints *pts,
                       const float         *centroids,
                       guint                k,
                       guint32             *assign)
{
  g_autofree double *cn = centroid_norms (pts, centroids, k);
  AssignTask t = { pts, centroids, cn, NULL, k, assign, NULL, 0 };
  gsize i;

  /* assign_block counts changes, so it reads the previous values. */
  for (i = 0; i < pts->n; i++)
    assign[i] = G_MAXUINT32;
  lightly_points_parallel (pts, (pts->n + KM_BLOCK - 1) / KM_BLOCK, assign_block, &t);
}

/* k-means++: d2[i] is the squared distance to the nearest centre so far. */
typedef struct {
  const LightlyPoints *pts;
  const double *pnorm;
  double *q;                    /* the new centre, as padded doubles */
  double qnorm;
  double *d2;
} SeedTask;

static void
seed_block (gsize b, gpointer data)
{
  SeedTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize lo = b * KM_BLOCK, hi = MIN (pts->n, lo + KM_BLOCK), n = hi - lo, i;
  const float *rows[KM_BLOCK] = { NULL };
  double dots[KM_BLOCK];

  for (i = 0; i < n; i++)
    rows[i] = pts->matrix + (gsize) pts->rows[lo + i] * pts->dim;
  pts->kern->dot_qf (t->q, rows, n, pts->dim, dots);
  for (i = 0; i < n; i++)
    {
      double d2 = lightly_sqdist (t->pnorm[lo + i], t->qnorm, dots[i]);

      if (d2 < t->d2[lo + i])
        t->d2[lo + i] = d2;
    }
}

/* The next k-means++ centre: drawn with probability ∝ d². The sum runs in
 * row order on this thread, so the draw is the same for any thread count.
 * Returns n when every point is a centre already. */
static gsize
draw_centre (LightlyRng *rng, const double *d2, gsize n)
{
  double total = 0, u, acc = 0;
  gsize i;

  for (i = 0; i < n; i++)
    total += d2[i];
  if (!(total > 0))
    return n;
  u = lightly_rng_unit (rng) * total;
  for (i = 0; i < n; i++)
    {
      acc += d2[i];
      if (d2[i] > 0 && acc > u)
        return i;
    }
  /* u landed in the rounding gap at the end: the last point with d² > 0. */
  for (i = n; i-- > 0;)
    if (d2[i] > 0)
      return i;
  return n;
}

/* k-means++ (Arthur & Vassilvitskii 2007): the first centre uniform, each
 * next one by draw_centre(). Returns the number of centres (0: cancelled). */
static guint
kmeanspp (const LightlyPoints *pts, const double *pnorm, guint k, LightlyRng *rng,
          float *centroids, double work_total, LightlyExtProgress progress,
          gpointer progress_data)
{
  gsize n = pts->n, dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim);
  gsize n_blocks = (n + KM_BLOCK - 1) / KM_BLOCK, i;
  g_autofree double *d2 = g_new (double, n);
  g_autofree double *q = g_new (double, dim8);
  SeedTask st = { pts, pnorm, q, 0, d2 };
  guint c, kk = 0;

  for (i = 0; i < n; i++)
    d2[i] = INFINITY;
  for (c = 0; c < k; c++)
    {
      gsize pick = c == 0 ? (gsize) lightly_rng_below (rng, n) : draw_centre (rng, d2, n);
      const float *x;

      if (pick == n)
        break;
      x = pts->matrix + (gsize) pts->rows[pick] * dim;
      memcpy (centroids + (gsize) c * dim, x, dim * sizeof (float));
      kk = c + 1;
      lightly_to_double (q, x, dim, dim8);
      st.qnorm = pnorm[pick];
      if (!lightly_points_parallel (pts, n_blocks, seed_block, &st))
        return 0;
      if (progress != NULL)
        progress ((double) kk / work_total, progress_data);
    }
  return kk;
}

/* Each centroid the mean of its points, in row order, in double. An empty
 * cluster keeps its centre. sums (k × dim) and counts (k) are scratch. */
static void
update_centroids (const LightlyPoints *pts, const guint32 *assign, guint k, float *centroids,
                  double *sums, guint32 *counts)
{
  gsize dim = pts->dim, i, j;
  guint c;

  memset (sums, 0, (gsize) k * dim * sizeof (double));
  memset (counts, 0, k * sizeof (guint32));
  for (i = 0; i < pts->n; i++)
    {
      const float *x = pts->matrix + (gsize) pts->rows[i] * dim;
      double *s = sums + (gsize) assign[i] * dim;

      for (j = 0; j < dim; j++)
        s[j] += x[j];
      counts[assign[i]]++;
    }
  for (c = 0; c < k; c++)
    if (counts[c] > 0)
      for (j = 0; j < dim; j++)
        centroids[(gsize) c * dim + j] = (float) (sums[(gsize) c * dim + j] / counts[c]);
}

guint
lightly_kmeans (const LightlyPoints  *pts,
                guint                 k,
                guint64               seed,
                guint32              *assign,
                float                *centroids,
                LightlyExtProgress    progress,
                gpointer              progress_data,
                GError              **error)
{
  gsize n = pts->n, dim = pts->dim;
  gsize n_blocks = (n + KM_BLOCK - 1) / KM_BLOCK, i;
  g_autofree double *pnorm = NULL;
  g_autofree double *sums = NULL;
  g_autofree guint32 *counts = NULL;
  LightlyRng rng;
  guint iter;
  /* Progress counts in units of the asked k, before it is capped at n. */
  double work_seed = (double) k, work_total = (double) k * (1 + LIGHTLY_KMEANS_MAX_ITER);

  g_return_val_if_fail (k >= 1 && n >= 1, 0);
  k = (guint) MIN ((gsize) k, n);
  lightly_rng_init (&rng, seed);
  pnorm = lightly_points_norms (pts);
  k = kmeanspp (pts, pnorm, k, &rng, centroids, work_total, progress, progress_data);
  if (k == 0)
    return lightly_selection_set_cancelled (error);

  /* Lloyd. */
  sums = g_new (double, (gsize) k * dim);
  counts = g_new (guint32, k);
  for (i = 0; i < n; i++)
    assign[i] = G_MAXUINT32;
  for (iter = 0; iter < LIGHTLY_KMEANS_MAX_ITER; iter++)
    {
      g_autofree double *cn = centroid_norms (pts, centroids, k);
      AssignTask at = { pts, centroids, cn, pnorm, k, assign, NULL, 0 };

      if (!lightly_points_parallel (pts, n_blocks, assign_block, &at))
        return lightly_selection_set_cancelled (error);
      if (progress != NULL)
        progress ((work_seed + (double) k * (iter + 1)) / work_total, progress_data);
      if (at.changed == 0)
        break;
      update_centroids (pts, assign, k, centroids, sums, counts);
    }
  if (progress != NULL)
    progress (1.0, progress_data);
  return k;
}
