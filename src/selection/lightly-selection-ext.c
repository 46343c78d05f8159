/* lightly-selection-ext.c: what TYPICLUST and PROBCOVER share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Block passes, the seeded generator, k-means (k-means++ and Lloyd), and
 * the entry point with the input checks. See lightly-selection-ext.h for
 * the determinism and memory rules.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <gio/gio.h>

#include "lightly/lightly-error.h"
#include "lightly-selection-ext.h"

/* Rows per block of a k-means pass: a tile of 256 float rows of dim 64 is
 * 64 KiB, and a block is short enough to check the cancel flag often. */
#define KM_BLOCK 256

/* ---------------------------------------------------------------------- */
/* Block passes                                                           */

typedef struct {
  const LightlyPoints *pts;
  LightlyBlockFunc fn;
  gpointer data;
  gsize n_blocks;
  gint next;
  gint cancelled;
} Pass;

gboolean
lightly_ext_cancelled (const LightlyPoints *pts)
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
      if (lightly_ext_cancelled (pass->pts))
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
lightly_ext_parallel (const LightlyPoints *pts,
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
  return !g_atomic_int_get (&pass.cancelled) && !lightly_ext_cancelled (pts);
}

/* ---------------------------------------------------------------------- */
/* Generator: xoshiro256** (Blackman & Vigna 2018) seeded by splitmix64   */

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

/* Uniform in [0, n), n > 0, without modulo bias. */
guint64
lightly_rng_below (LightlyRng *rng,
                   guint64     n)
{
  guint64 threshold = (0 - n) % n;

  for (;;)
    {
      guint64 v = rng_next (rng);

      if (v >= threshold)
        return v % n;
    }
}

/* Uniform in [0, 1) with 53 random bits. */
double
lightly_rng_unit (LightlyRng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---------------------------------------------------------------------- */
/* Norms                                                                  */

typedef struct {
  const LightlyPoints *pts;
  double *out;
} NormsTask;

static void
norms_block (gsize b, gpointer data)
{
  NormsTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize i, hi = MIN (pts->n, (b + 1) * KM_BLOCK);

  for (i = b * KM_BLOCK; i < hi; i++)
    {
      const float *x = pts->matrix + (gsize) pts->rows[i] * pts->dim;

      t->out[i] = pts->kern->dot (x, x, pts->dim);
    }
}

double *
lightly_ext_norms (const LightlyPoints *pts)
{
  NormsTask t = { pts, g_new (double, MAX (pts->n, 1)) };

  /* A cancelled pass leaves garbage, but every caller checks the flag
   * right after its next pass, which stops at once. */
  lightly_ext_parallel (pts, (pts->n + KM_BLOCK - 1) / KM_BLOCK, norms_block, &t);
  return t.out;
}

/* ---------------------------------------------------------------------- */
/* k-means                                                                */

static inline double
sqdist (double na, double nb, double dot)
{
  double d2 = (na + nb) - 2.0 * dot;

  return d2 > 0 ? d2 : 0.0;
}

static inline void
to_double (double *dst, const float *src, gsize dim, gsize dim8)
{
  gsize i;

  for (i = 0; i < dim; i++)
    dst[i] = src[i];
  for (; i < dim8; i++)
    dst[i] = 0.0;
}

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
      to_double (q, t->centroids + (gsize) c * pts->dim, pts->dim, dim8);
      pts->kern->dot_qf (q, rows, n, pts->dim, dots);
      for (i = 0; i < n; i++)
        {
          double d2 = sqdist (pn[i], t->cnorm[c], dots[i]);

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
  lightly_ext_parallel (pts, (pts->n + KM_BLOCK - 1) / KM_BLOCK, assign_block, &t);
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
      double d2 = sqdist (t->pnorm[lo + i], t->qnorm, dots[i]);

      if (d2 < t->d2[lo + i])
        t->d2[lo + i] = d2;
    }
}

static gboolean
set_cancelled (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Selection cancelled");
  return FALSE;
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
  gsize n = pts->n, dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim);
  gsize n_blocks = (n + KM_BLOCK - 1) / KM_BLOCK, i;
  g_autofree double *pnorm = NULL;
  g_autofree double *d2 = NULL;
  g_autofree double *q = g_new (double, dim8);
  g_autofree double *sums = NULL;
  g_autofree guint32 *counts = NULL;
  LightlyRng rng;
  SeedTask st;
  guint c, kk = 0, iter;
  double work_seed = (double) k, work_total = (double) k * (1 + LIGHTLY_KMEANS_MAX_ITER);

  g_return_val_if_fail (k >= 1 && n >= 1, 0);
  k = (guint) MIN ((gsize) k, n);
  lightly_rng_init (&rng, seed);
  pnorm = lightly_ext_norms (pts);
  d2 = g_new (double, n);
  for (i = 0; i < n; i++)
    d2[i] = INFINITY;

  /* k-means++ (Arthur & Vassilvitskii 2007): the first centre uniform, each
   * next one drawn with probability ∝ d². The sum runs in row order on
   * this thread, so the draw is the same for any thread count. */
  st.pts = pts;
  st.pnorm = pnorm;
  st.q = q;
  st.d2 = d2;
  for (c = 0; c < k; c++)
    {
      gsize pick;
      const float *x;

      if (c == 0)
        pick = (gsize) lightly_rng_below (&rng, n);
      else
        {
          double total = 0, u, acc = 0;

          for (i = 0; i < n; i++)
            total += d2[i];
          if (!(total > 0))
            break;              /* every point is a centre already */
          u = lightly_rng_unit (&rng) * total;
          pick = n;
          for (i = 0; i < n; i++)
            {
              acc += d2[i];
              if (d2[i] > 0 && acc > u)
                {
                  pick = i;
                  break;
                }
            }
          if (pick == n)
            /* u landed in the rounding gap at the end: the last point
             * with d² > 0. */
            for (i = n; i-- > 0;)
              if (d2[i] > 0)
                {
                  pick = i;
                  break;
                }
        }
      x = pts->matrix + (gsize) pts->rows[pick] * dim;
      memcpy (centroids + (gsize) c * dim, x, dim * sizeof (float));
      kk = c + 1;
      to_double (q, x, dim, dim8);
      st.qnorm = pnorm[pick];
      if (!lightly_ext_parallel (pts, n_blocks, seed_block, &st))
        return set_cancelled (error);
      if (progress != NULL)
        progress ((double) kk / work_total, progress_data);
    }
  k = kk;

  /* Lloyd. */
  sums = g_new (double, (gsize) k * dim);
  counts = g_new (guint32, k);
  for (i = 0; i < n; i++)
    assign[i] = G_MAXUINT32;
  for (iter = 0; iter < LIGHTLY_KMEANS_MAX_ITER; iter++)
    {
      g_autofree double *cn = centroid_norms (pts, centroids, k);
      AssignTask at = { pts, centroids, cn, pnorm, k, assign, NULL, 0 };

      if (!lightly_ext_parallel (pts, n_blocks, assign_block, &at))
        return set_cancelled (error);
      if (progress != NULL)
        progress ((work_seed + (double) k * (iter + 1)) / work_total, progress_data);
      if (at.changed == 0)
        break;
      /* Means in row order, in double. An empty cluster keeps its centre. */
      memset (sums, 0, (gsize) k * dim * sizeof (double));
      memset (counts, 0, k * sizeof (guint32));
      for (i = 0; i < n; i++)
        {
          const float *x = pts->matrix + (gsize) pts->rows[i] * dim;
          double *s = sums + (gsize) assign[i] * dim;
          gsize j;

          for (j = 0; j < dim; j++)
            s[j] += x[j];
          counts[assign[i]]++;
        }
      for (c = 0; c < k; c++)
        if (counts[c] > 0)
          {
            gsize j;

            for (j = 0; j < dim; j++)
              centroids[(gsize) c * dim + j] = (float) (sums[(gsize) c * dim + j] / counts[c]);
          }
    }
  if (progress != NULL)
    progress (1.0, progress_data);
  return k;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */

static gboolean
validate (const LightlySelectionParams *p, GError **error)
{
  gsize a, b;

  if (p->method == LIGHTLY_SAMPLING_METHOD_AUTO)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "AUTO is not a method a server runs: the client resolves it to a "
                           "concrete method (lightly_sampling_method_resolve) before the request");
      return FALSE;
    }
  if (p->method != LIGHTLY_SAMPLING_METHOD_TYPICLUST &&
      p->method != LIGHTLY_SAMPLING_METHOD_PROBCOVER)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Unknown sampling method %d", (int) p->method);
      return FALSE;
    }
  if ((guint64) p->n_rows > (guint64) G_MAXUINT32 + 1)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%" G_GSIZE_FORMAT " rows are more than 32-bit indices can address", p->n_rows);
      return FALSE;
    }
  if (!lightly_selection_check_indices ("Candidate", p->candidates, p->n_candidates, p->n_rows, error) ||
      !lightly_selection_check_indices ("Preselected", p->preselected, p->n_preselected, p->n_rows, error))
    return FALSE;
  for (a = 0, b = 0; a < p->n_candidates && b < p->n_preselected;)
    {
      if (p->candidates[a] == p->preselected[b])
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Row %u is both a candidate and preselected; candidates must exclude "
                       "the preselected rows", p->candidates[a]);
          return FALSE;
        }
      if (p->candidates[a] < p->preselected[b])
        a++;
      else
        b++;
    }
  if (p->n_candidates > 0 && (p->dim == 0 || p->matrix == NULL))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "%s needs an embedding matrix, but dim is %" G_GSIZE_FORMAT " and the matrix is %s",
                   lightly_sampling_method_to_string (p->method), p->dim,
                   p->matrix ? "set" : "NULL");
      return FALSE;
    }
  if (p->dim > 0 && p->n_rows > G_MAXSIZE / sizeof (float) / p->dim)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "A matrix of %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " is too large",
                   p->n_rows, p->dim);
      return FALSE;
    }
  if (p->method == LIGHTLY_SAMPLING_METHOD_PROBCOVER && (isnan (p->delta) || p->delta > 2))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "PROBCOVER's δ = %g is invalid: use a radius in (0, 2], or 0 to choose it "
                   "by the purity rule", p->delta);
      return FALSE;
    }
  return TRUE;
}

static guint
thread_count (const LightlySelectionParams *p)
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

/**
 * lightly_selection_run_ext:
 * @params: what to select; method TYPICLUST or PROBCOVER
 * @error: return location for a #GError
 *
 * Same contract as lightly_selection_run(). minDistance and scores are not
 * used by these methods.
 *
 * Returns: (transfer full) (element-type guint32): the picks in pick order
 */
GArray *
lightly_selection_run_ext (const LightlySelectionParams  *params,
                           GError                       **error)
{
  LightlyPoints cand;
  gsize k;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!validate (params, error))
    return NULL;
  if (params->cancel != NULL && g_atomic_int_get (params->cancel) != 0)
    {
      set_cancelled (error);
      return NULL;
    }
  k = MIN (params->k, params->n_candidates);
  if (k == 0)
    {
      if (params->progress != NULL)
        params->progress (0, 0, params->progress_data);
      return g_array_new (FALSE, FALSE, sizeof (guint32));
    }
  cand.matrix = params->matrix;
  cand.dim = params->dim;
  cand.rows = params->candidates;
  cand.n = params->n_candidates;
  cand.kern = lightly_selection_kernels_get (lightly_selection_simd_current ());
  cand.n_threads = thread_count (params);
  cand.cancel = params->cancel;
  if (params->method == LIGHTLY_SAMPLING_METHOD_TYPICLUST)
    return lightly_typiclust_run (params, &cand, k, error);
  return lightly_probcover_run (params, &cand, k, error);
}
