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

/* Hamerly's bounds in the Lloyd loop and the float32 fast path in the
 * k-means++ seeding (tests: lightly_selection_set_kmeans_bounds()). */
static gint kmeans_bounds = 1;

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
  /* Hamerly's bounds (nullable: every point computed), see lightly_kmeans(). */
  double *ub, *lb;              /* per point */
  const double *half_s;         /* per cluster: s(c)/2 */
  double delta;
  gint skipped;                 /* atomically counted */
} AssignTask;

/* Whether the bounds prove that point i keeps its cluster a: with true
 * distances d(x, c_a) ≤ ub and d(x, c) ≥ max(lb, s(a) − ub) for every other
 * c, and computed distances within delta of the true ones, ub + 2·delta
 * below that makes a the strict argmin of the computed distances, which is
 * what the full pass would find (no tie for the smallest-index rule). */
static inline gboolean
hamerly_keeps (const AssignTask *t, gsize i)
{
  guint32 a = t->assign[i];
  double u = t->ub[i] + 2 * t->delta;

  if (a == G_MAXUINT32)
    return FALSE;
  return u < t->lb[i] || u < 2 * t->half_s[a] - t->ub[i];
}

/* Points at a time through the float32 tiles, and centroids per tile (at
 * most; fewer when long rows would not stay in L1). */
#define KM_CHUNK 32
#define KM_TILE 64

/* Hamerly's loop computes every pair it cannot skip in double, which took
 * most of TYPICLUST's time (dot_qf: 63 % of a 100k × 128, K = 100 run).
 * Here the float32 tiles of the first pass over P (dotf_tile(),
 * tile_bounds(): twice the lanes, a register-blocked GEMM) screen the
 * pairs first, and only the centroids that may be the nearest are computed
 * in double.
 *
 * Claim: arg[i] and best[i] are what the loop over every centroid in
 * double gives (the least d² = lightly_sqdist (…, dot), the smallest
 * index among equals), and second[i] ≤ the least d² of the other
 * centroids, so that Hamerly's lb = √second − δ stays a lower bound.
 * Proof: lo[c] ≤ d²(c) ≤ hi[c] for every c (lightly_tile_bound()), and mh
 * = min hi ≥ min d². A centroid with lo[c] > mh has d²(c) > min d²: it is
 * neither the nearest nor tied with it, and lo[c] is a lower bound of its
 * d². Every other centroid (a NaN lo included) is computed with the same
 * kernel and formula as the plain loop, in the same order of c with the
 * same strict comparison, so the least value and its first index come out
 * the same; second takes the computed values and the bounds lo[c] of the
 * others, each ≤ that centroid's d². □ */
static void
assign_screened (const AssignTask *t, const float *const *rows, const double *pn, gsize n,
                 double *best, double *second, guint32 *arg)
{
  const LightlyPoints *pts = t->pts;
  gsize dim = pts->dim, k = t->k;
  gsize tile_rows = CLAMP (16384 / (MAX (dim, 1) * sizeof (float)), 4, KM_TILE);
  g_autofree double *lo = g_new (double, KM_CHUNK * k);
  const float *cent[KM_TILE];
  float g[KM_CHUNK * KM_TILE];
  double kappa, abs_err, mh[KM_CHUNK];
  gsize c0, i, t0, c;

  lightly_tile_bound (dim, &kappa, &abs_err);
  for (c0 = 0; c0 < n; c0 += KM_CHUNK)
    {
      gsize cn = MIN (n - c0, KM_CHUNK);

      for (i = 0; i < cn; i++)
        mh[i] = INFINITY;
      for (t0 = 0; t0 < k; t0 += tile_rows)
        {
          gsize tn = MIN (k - t0, tile_rows);

          for (c = 0; c < tn; c++)
            cent[c] = t->centroids + (t0 + c) * dim;
          pts->kern->dotf_tile (rows + c0, cn, cent, tn, dim, g);
          for (i = 0; i < cn; i++)
            mh[i] = pts->kern->tile_bounds (g + i * tn, t->cnorm + t0, tn, pn[c0 + i], kappa,
                                            abs_err, mh[i], lo + i * k + t0);
        }
      for (i = 0; i < cn; i++)
        {
          const double *l = lo + i * k;
          double b = INFINITY, s = INFINITY;
          guint32 a = 0;

          for (c = 0; c < k; c++)
            {
              double d2;

              if (l[c] > mh[i])
                {
                  s = MIN (s, l[c]);
                  continue;
                }
              d2 = lightly_sqdist (pn[c0 + i], t->cnorm[c],
                                   pts->kern->dot (rows[c0 + i], t->centroids + c * dim, dim));
              if (d2 < b)
                {
                  s = MIN (s, b);
                  b = d2;
                  a = (guint32) c;
                }
              else
                s = MIN (s, d2);
            }
          best[c0 + i] = b;
          second[c0 + i] = s;
          arg[c0 + i] = a;
        }
    }
}

/* Every centroid in double, for the plain loop (no bounds). */
static void
assign_double (const AssignTask *t, const float *const *rows, const double *pn, gsize n,
               double *best, double *second, guint32 *arg)
{
  const LightlyPoints *pts = t->pts;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (pts->dim), i;
  g_autofree double *q = g_new (double, dim8);
  double dots[KM_BLOCK];
  guint c;

  for (i = 0; i < n; i++)
    {
      best[i] = second[i] = INFINITY;
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
              second[i] = best[i];
              best[i] = d2;
              arg[i] = c;
            }
          else if (d2 < second[i])
            second[i] = d2;
        }
    }
}

static void
assign_block (gsize b, gpointer data)
{
  AssignTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize lo = b * KM_BLOCK, hi = MIN (pts->n, lo + KM_BLOCK), n = hi - lo, i;
  const float *rows[KM_BLOCK] = { NULL };
  double best[KM_BLOCK], second[KM_BLOCK], pn[KM_BLOCK];
  guint32 arg[KM_BLOCK];
  gsize at[KM_BLOCK];           /* point of each computed row */
  gint changed = 0;

  for (i = 0, n = 0; lo + i < hi; i++)
    {
      if (t->ub != NULL && hamerly_keeps (t, lo + i))
        continue;
      at[n] = lo + i;
      rows[n] = pts->matrix + (gsize) pts->rows[lo + i] * pts->dim;
      pn[n] = t->pnorm != NULL ? t->pnorm[lo + i] : pts->kern->dot (rows[n], rows[n], pts->dim);
      n++;
    }
  if (t->ub != NULL && n < hi - lo)
    g_atomic_int_add (&t->skipped, (gint) (hi - lo - n));
  if (n == 0)
    return;
  /* Hamerly's loop screens in float32; the plain loop, the reference the
   * tests hold it to, stays all double. */
  if (t->ub != NULL)
    assign_screened (t, rows, pn, n, best, second, arg);
  else
    assign_double (t, rows, pn, n, best, second, arg);
  for (i = 0; i < n; i++)
    {
      gsize p = at[i];

      if (t->assign[p] != arg[i])
        changed++;
      t->assign[p] = arg[i];
      if (t->best_d2 != NULL)
        t->best_d2[p] = best[i];
      if (t->ub != NULL)
        {
          t->ub[p] = sqrt (best[i]) + t->delta;
          t->lb[p] = sqrt (second[i]) - t->delta;
        }
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
  AssignTask t = { pts, centroids, cn, NULL, k, assign, NULL, 0, NULL, NULL, NULL, 0, 0 };
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
  /* The float32 fast path (as CORESET's updates): NULL qf: off. */
  const float *qf;              /* the new centre's row */
  double qterm;
  LightlyFastBound fb;
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
  if (t->qf != NULL)
    {
      /* Only rows the bound cannot rule out are computed in double, with
       * the same bits as dot_qf: the minima are the double path's. */
      float f[KM_BLOCK];

      pts->kern->d2f (t->qf, rows, n, pts->dim, f);
      for (i = 0; i < n; i++)
        {
          double d2;

          if (lightly_fast_lower (&t->fb, t->qterm, f[i]) >= t->d2[lo + i])
            continue;
          d2 = lightly_sqdist (t->pnorm[lo + i], t->qnorm,
                               pts->kern->dot (t->qf, rows[i], pts->dim));
          if (d2 < t->d2[lo + i])
            t->d2[lo + i] = d2;
        }
      return;
    }
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
  SeedTask st = { pts, pnorm, q, 0, d2, NULL, 0, { 0 } };
  gboolean fast = kmeans_bounds && lightly_fast_bound_init (&st.fb, dim);
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
      if (fast)
        {
          st.qf = x;
          st.qterm = lightly_fast_qterm (&st.fb, st.qnorm);
        }
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

static gint64 kmeans_last_skipped;

/* Tests and benchmarks: point assignments the bounds skipped in the last
 * k-means of this process. */
guint64
lightly_selection_kmeans_last_skipped (void)
{
  return (guint64) kmeans_last_skipped;
}

/* Tests only: Hamerly's bounds in the Lloyd loop and the fast path of the
 * seeding 0: off, 1: on. */
void
lightly_selection_set_kmeans_bounds (gint mode)
{
  kmeans_bounds = mode;
}

/* A bound on |√d²_D − d| for distances between rows and centroids of norm at
 * most √max_norm2: |d²_D − d²| ≤ Γ_{n+1}(‖x‖ + ‖c‖)² (the proof at
 * fast_init() in lightly-selection-coreset.c) and |√a − √b| ≤ √|a − b|, so
 * 2·‖max‖·√Γ_{n+1}; doubled for the roundings of the bounds' arithmetic. */
static double
distance_error (gsize dim, double max_norm2)
{
  double n = (double) dim, g = (n + 1) * 0x1p-53 / (1 - (n + 1) * 0x1p-53);

  return 4 * sqrt (max_norm2 * (1 + 1e-9)) * sqrt (g) + 1e-300;
}

/* The computed distance between two float rows with their norms. */
static double
row_distance (const LightlyPoints *pts, const float *a, double na, const float *b, double nb)
{
  return sqrt (lightly_sqdist (na, nb, pts->kern->dot (a, b, pts->dim)));
}

/* Hamerly's per-cluster data after an update: half the distance to the
 * nearest other centroid, lowered by delta (a lower bound), and the bounds
 * moved by each centroid's shift, raised by delta (an upper bound). */
static void
hamerly_refresh (const LightlyPoints *pts, AssignTask *t, const float *old, const double *old_n,
                 const float *cent, const double *cn, guint k, double *half_s)
{
  gsize dim = pts->dim, i;
  g_autofree double *mv = g_new (double, k);
  double mv_max = 0;
  guint c, e;

  for (c = 0; c < k; c++)
    {
      const float *x = cent + (gsize) c * dim, *o = old + (gsize) c * dim;

      mv[c] = memcmp (x, o, dim * sizeof (float)) == 0
        ? 0.0 : row_distance (pts, x, cn[c], o, old_n[c]) + t->delta;
      mv_max = MAX (mv_max, mv[c]);
      half_s[c] = INFINITY;
    }
  for (c = 0; c < k; c++)
    for (e = c + 1; e < k; e++)
      {
        double s = row_distance (pts, cent + (gsize) c * dim, cn[c], cent + (gsize) e * dim, cn[e]);

        s = (s - t->delta) * 0.5;
        half_s[c] = MIN (half_s[c], s);
        half_s[e] = MIN (half_s[e], s);
      }
  for (i = 0; i < pts->n; i++)
    if (t->assign[i] != G_MAXUINT32)
      {
        t->ub[i] += mv[t->assign[i]];
        t->lb[i] -= mv_max;
      }
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
  g_autofree double *ub = NULL, *lb = NULL, *half_s = NULL, *old_n = NULL;
  g_autofree float *old = NULL;
  double delta = 0, max_norm2 = 0;
  gint64 n_skipped = 0;
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
  /* Hamerly (2010): per point an upper bound on the distance to its
   * centroid and a lower bound on the distance to every other; a point
   * whose bounds prove it keeps its cluster (hamerly_keeps()) is not
   * computed. The bounds carry the rounding error of the computed
   * distances, so the assignments, and thus the centroids, are those of
   * the plain Lloyd loop bit for bit. 16 bytes per point. */
  if (kmeans_bounds)
    {
      ub = g_new (double, n);
      lb = g_new (double, n);
      half_s = g_new0 (double, k);
      old = g_new (float, (gsize) k * dim);
      old_n = g_new (double, k);
      for (i = 0; i < n; i++)
        {
          ub[i] = INFINITY;
          lb[i] = -INFINITY;
          max_norm2 = MAX (max_norm2, pnorm[i]);
        }
    }
  for (iter = 0; iter < LIGHTLY_KMEANS_MAX_ITER; iter++)
    {
      g_autofree double *cn = centroid_norms (pts, centroids, k);
      AssignTask at = { pts, centroids, cn, pnorm, k, assign, NULL, 0, ub, lb, half_s, 0, 0 };

      if (ub != NULL)
        {
          guint c;

          for (c = 0; c < k; c++)
            max_norm2 = MAX (max_norm2, cn[c]);
          delta = MAX (delta, distance_error (dim, max_norm2));
          at.delta = delta;
          if (iter > 0)
            hamerly_refresh (pts, &at, old, old_n, centroids, cn, k, half_s);
          memcpy (old, centroids, (gsize) k * dim * sizeof (float));
          memcpy (old_n, cn, k * sizeof (double));
        }
      if (!lightly_points_parallel (pts, n_blocks, assign_block, &at))
        return lightly_selection_set_cancelled (error);
      n_skipped += at.skipped;
      if (progress != NULL)
        progress ((work_seed + (double) k * (iter + 1)) / work_total, progress_data);
      if (at.changed == 0)
        break;
      update_centroids (pts, assign, k, centroids, sums, counts);
    }
  if (progress != NULL)
    progress (1.0, progress_data);
  kmeans_last_skipped = n_skipped;
  return k;
}
