/* lightly-typiclust.c: TYPICLUST, typical samples of many clusters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Hacohen, Dekel, Weinshall: "Active Learning on a Budget: Opposite
 * Strategies Suit High and Low Budgets", ICML 2022. With k picks to add and
 * |P| labeled rows:
 *
 *  1. k-means over the candidates C with K = min(|P| + k, cap, |C|)
 *     clusters (seeded k-means++, then Lloyd; lightly-selection-kmeans.c).
 *  2. Every labeled row counts for its nearest centroid.
 *  3. Repeat k times: take the cluster with the fewest labeled rows and
 *     picks so far, among those the largest, then the smallest cluster
 *     number; clusters under LIGHTLY_TYPICLUST_MIN_CLUSTER members come
 *     after all others. Pick its most typical unpicked candidate: the one
 *     with the smallest mean distance to its LIGHTLY_TYPICLUST_NEIGHBOURS
 *     nearest fellow members (typicality is the inverse of that mean).
 *     Means within LIGHTLY_SELECTION_TIE_EPSILON tie; the smallest row wins.
 *
 * With K = |P| + k every pick lands in a cluster of its own as long as
 * there are enough clusters without labels; past the cap, the clusters
 * fill up evenly, largest first.
 *
 * Above LIGHTLY_TYPICLUST_SAMPLE_ABOVE candidates, C is first replaced by
 * a uniform sample of max(LIGHTLY_TYPICLUST_SAMPLE_MIN,
 * LIGHTLY_TYPICLUST_SAMPLE_PER_CLUSTER · K) of them (Knuth's selection
 * sampling from the run's seed, so in ascending row order and the same
 * for every thread count): 40 members per cluster estimate the modes and
 * the typicality as well as all of them do, and the k-means costs
 * O(sample · K · D) instead of O(|C| · K · D) per iteration. This keeps
 * AUTO's cold start on 1M rows cheaper than a CORESET of the same k.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-private.h"

#define EPS LIGHTLY_SELECTION_TIE_EPSILON
#define NB LIGHTLY_TYPICLUST_NEIGHBOURS
/* Members per block of the neighbour search. */
#define TY_BLOCK 32

static guint last_clusters;

guint
lightly_typiclust_last_clusters (void)
{
  return last_clusters;
}

typedef struct {
  const LightlySelectionParams *p;
  gsize k;
  double share;                 /* share of the work done before the picks */
  guint64 reported;
} Progress;

static void
report_fraction (double fraction, gpointer data)
{
  Progress *pr = data;
  guint64 done = (guint64) floor (fraction * pr->share * (double) pr->k);

  /* Picks come last, so the preparation is reported as a share of them:
   * the job's processed/total stays monotone and ends at k of k. */
  if (pr->p->progress != NULL && done > pr->reported && done < pr->k)
    {
      pr->reported = done;
      pr->p->progress (done, pr->k, pr->p->progress_data);
    }
}

/* After pick @picks: the preparation's share plus the picks' share. */
static void
report_pick (Progress *pr, gsize picks)
{
  guint64 done = (guint64) floor (pr->share * (double) pr->k + (1 - pr->share) * (double) picks);

  if (picks == pr->k)
    done = pr->k;
  if (pr->p->progress != NULL && done > pr->reported)
    {
      pr->reported = done;
      pr->p->progress (done, pr->k, pr->p->progress_data);
    }
}

/* The mean distance of every member to its nearest fellow members. */
typedef struct {
  const LightlyPoints *pts;
  const guint32 *members;       /* positions in pts */
  gsize n;
  const double *norms;          /* per position in pts */
  guint nb;                     /* neighbours: min(NB, n − 1) */
  double *mean;                 /* out, per member */
} TypTask;

static void
typ_block (gsize b, gpointer data)
{
  TypTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim);
  gsize lo = b * TY_BLOCK, hi = MIN (t->n, lo + TY_BLOCK), i, j, c;
  g_autofree double *q = g_new (double, dim8);
  g_autofree double *dots = g_new (double, 256);
  const float *rows[256];
  double best[NB];

  for (i = lo; i < hi; i++)
    {
      gsize qi = t->members[i];
      const float *x = pts->matrix + (gsize) pts->rows[qi] * dim;
      guint have = 0, l;
      double sum = 0;

      for (j = 0; j < dim; j++)
        q[j] = x[j];
      for (; j < dim8; j++)
        q[j] = 0;
      for (c = 0; c < t->n; c += 256)
        {
          gsize m = MIN (256, t->n - c);

          for (j = 0; j < m; j++)
            rows[j] = pts->matrix + (gsize) pts->rows[t->members[c + j]] * dim;
          pts->kern->dot_qf (q, rows, m, dim, dots);
          for (j = 0; j < m; j++)
            {
              gsize mj = t->members[c + j];
              double d2;

              if (c + j == i)
                continue;
              d2 = (t->norms[qi] + t->norms[mj]) - 2.0 * dots[j];
              if (d2 < 0)
                d2 = 0;
              /* Insertion into the sorted list of the nb smallest. */
              if (have < t->nb)
                have++;
              else if (d2 >= best[have - 1])
                continue;
              for (l = have - 1; l > 0 && best[l - 1] > d2; l--)
                best[l] = best[l - 1];
              best[l] = d2;
            }
        }
      /* Summed in ascending order: the same set of distances gives the
       * same sum whatever order the members came in. */
      for (l = 0; l < have; l++)
        sum += sqrt (best[l]);
      t->mean[i] = have > 0 ? sum / have : 0.0;
    }
}

typedef struct {
  guint32 *members;             /* candidate positions, ascending */
  gsize n;
  double *mean;                 /* NULL until computed */
  gsize n_typ;                  /* members that have a typicality */
  guint32 *typ_members;         /* which ones (all, or an even sample) */
  gboolean *taken;              /* per typ member */
  gsize left;                   /* unpicked members of typ_members */
  guint64 count;                /* labeled rows and picks */
} Cluster;

static gboolean
compute_typicality (const LightlyPoints *pts, const double *norms, Cluster *cl)
{
  TypTask t;
  gsize i;

  if (cl->n > LIGHTLY_TYPICLUST_MAX_MEMBERS)
    {
      /* Evenly spaced: deterministic and spread over the whole cluster. */
      cl->n_typ = LIGHTLY_TYPICLUST_MAX_MEMBERS;
      cl->typ_members = g_new (guint32, cl->n_typ);
      for (i = 0; i < cl->n_typ; i++)
        cl->typ_members[i] = cl->members[(gsize) ((guint64) i * cl->n / cl->n_typ)];
    }
  else
    {
      cl->n_typ = cl->n;
      cl->typ_members = g_memdup2 (cl->members, cl->n * sizeof (guint32));
    }
  cl->mean = g_new (double, MAX (cl->n_typ, 1));
  cl->taken = g_new0 (gboolean, MAX (cl->n_typ, 1));
  cl->left = cl->n_typ;
  t.pts = pts;
  t.members = cl->typ_members;
  t.n = cl->n_typ;
  t.norms = norms;
  t.nb = (guint) MIN ((gsize) NB, cl->n_typ - 1);
  t.mean = cl->mean;
  return lightly_points_parallel (pts, (cl->n_typ + TY_BLOCK - 1) / TY_BLOCK, typ_block, &t);
}

/* Cluster a before b in the pick order? */
static gboolean
cluster_before (const Cluster *a, guint ia, const Cluster *b, guint ib)
{
  gboolean small_a = a->n < LIGHTLY_TYPICLUST_MIN_CLUSTER;
  gboolean small_b = b->n < LIGHTLY_TYPICLUST_MIN_CLUSTER;

  if (small_a != small_b)
    return small_b;
  if (a->count != b->count)
    return a->count < b->count;
  if (a->n != b->n)
    return a->n > b->n;
  return ia < ib;
}

/* The clusters of the candidates (members in ascending position), and for
 * each the labeled rows nearest its centroid. */
static Cluster *
make_clusters (const LightlySelectionParams *p, const LightlyPoints *cand, const guint32 *assign,
               const float *centroids, guint kc)
{
  Cluster *cl = g_new0 (Cluster, kc);
  guint c;
  gsize i;

  for (i = 0; i < cand->n; i++)
    cl[assign[i]].n++;
  for (c = 0; c < kc; c++)
    cl[c].members = g_new (guint32, MAX (cl[c].n, 1));
  for (c = 0; c < kc; c++)
    cl[c].n = 0;
  for (i = 0; i < cand->n; i++)
    cl[assign[i]].members[cl[assign[i]].n++] = (guint32) i;

  if (p->n_preselected > 0)
    {
      LightlyPoints pre = *cand;
      g_autofree guint32 *pre_assign = g_new (guint32, p->n_preselected);

      pre.rows = p->preselected;
      pre.n = p->n_preselected;
      lightly_kmeans_assign (&pre, centroids, kc, pre_assign);
      for (i = 0; i < p->n_preselected; i++)
        cl[pre_assign[i]].count++;
    }
  return cl;
}

static void
free_clusters (Cluster *cl, guint kc)
{
  guint c;

  for (c = 0; c < kc; c++)
    {
      g_free (cl[c].members);
      g_free (cl[c].mean);
      g_free (cl[c].typ_members);
      g_free (cl[c].taken);
    }
  g_free (cl);
}

/* The cluster to pick from next, or G_MAXUINT if none has candidates left. */
static guint
next_cluster (const Cluster *cl, guint kc)
{
  guint best = G_MAXUINT, c;

  for (c = 0; c < kc; c++)
    {
      /* A cluster whose typicality sample is used up is done. */
      if (cl[c].n == 0 || (cl[c].mean != NULL && cl[c].left == 0))
        continue;
      if (best == G_MAXUINT || cluster_before (&cl[c], c, &cl[best], best))
        best = c;
    }
  return best;
}

/* The most typical unpicked member of a cluster whose typicality is known:
 * its position in typ_members. */
static gsize
most_typical (const Cluster *cl)
{
  double mmin = INFINITY;
  gsize j;

  for (j = 0; j < cl->n_typ; j++)
    if (!cl->taken[j] && cl->mean[j] < mmin)
      mmin = cl->mean[j];
  for (j = 0; j < cl->n_typ; j++)
    /* typ_members ascend, so the first within ε is the smallest row. */
    if (!cl->taken[j] && cl->mean[j] <= mmin + EPS)
      return j;
  g_assert_not_reached ();
  return 0;
}

/* @m of the @n candidate rows, uniformly, in ascending order. */
static guint32 *
sample_rows (const guint32 *rows, gsize n, gsize m, guint64 seed)
{
  guint32 *out = g_new (guint32, m);
  LightlyRng rng;
  gsize i, got = 0;

  lightly_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0x7479706963737370));
  for (i = 0; i < n && got < m; i++)
    if (lightly_rng_below (&rng, n - i) < m - got)
      out[got++] = rows[i];
  g_assert (got == m);
  return out;
}

gboolean
lightly_typiclust_run (const LightlySelectionParams  *p,
                       gsize                          k,
                       GArray                        *out,
                       GError                       **error)
{
  LightlyPoints cand_pts, *cand = &cand_pts;
  g_autofree guint32 *assign = NULL;
  g_autofree float *centroids = NULL;
  g_autofree double *norms = NULL;
  g_autofree gboolean *picked = NULL;
  g_autofree guint32 *sample = NULL;
  Cluster *cl;
  guint cap = p->max_clusters > 0 ? p->max_clusters : LIGHTLY_TYPICLUST_MAX_CLUSTERS_DEFAULT;
  guint kc;
  gsize i, t;
  Progress pr = { p, k, 0.8, 0 };
  gboolean ok = TRUE;

  lightly_points_for_candidates (p, cand);
  kc = (guint) MIN (MIN ((gsize) cap, p->n_preselected + k), cand->n);
  if (cand->n > LIGHTLY_TYPICLUST_SAMPLE_ABOVE)
    {
      gsize m = MAX ((gsize) LIGHTLY_TYPICLUST_SAMPLE_MIN, (gsize) LIGHTLY_TYPICLUST_SAMPLE_PER_CLUSTER * kc);

      /* k ≤ |C| picks may need more than the sample holds. */
      m = MAX (m, k);
      if (m < cand->n)
        {
          sample = sample_rows (cand->rows, cand->n, m, p->seed);
          cand->rows = sample;
          cand->n = m;
        }
    }
  assign = g_new (guint32, cand->n);
  picked = g_new0 (gboolean, cand->n);
  centroids = g_new (float, (gsize) kc * cand->dim);
  kc = lightly_kmeans (cand, kc, p->seed, assign, centroids, report_fraction, &pr, error);
  if (kc == 0)
    return FALSE;
  last_clusters = kc;
  cl = make_clusters (p, cand, assign, centroids, kc);

  norms = lightly_points_norms (cand);
  for (t = 0; t < k && ok; t++)
    {
      guint best = next_cluster (cl, kc);
      gsize arg;

      if (best == G_MAXUINT)
        {
          /* Only when clusters beyond LIGHTLY_TYPICLUST_MAX_MEMBERS ran
           * out of sampled members: the rest in row order. */
          for (i = 0; i < cand->n && out->len < k; i++)
            if (!picked[i])
              {
                picked[i] = TRUE;
                g_array_append_val (out, cand->rows[i]);
                lightly_selection_explain (p, cand->rows[i], 0.0, (gint32) assign[i]);
              }
          report_pick (&pr, k);
          break;
        }
      if (cl[best].mean == NULL && !compute_typicality (cand, norms, &cl[best]))
        {
          ok = FALSE;
          break;
        }
      arg = most_typical (&cl[best]);
      cl[best].taken[arg] = TRUE;
      cl[best].left--;
      cl[best].count++;
      picked[cl[best].typ_members[arg]] = TRUE;
      g_array_append_val (out, cand->rows[cl[best].typ_members[arg]]);
      lightly_selection_explain (p, cand->rows[cl[best].typ_members[arg]],
                                 1.0 / MAX (cl[best].mean[arg], 1e-12), (gint32) best);
      report_pick (&pr, t + 1);
      if (lightly_points_cancelled (cand))
        ok = FALSE;
    }

  free_clusters (cl, kc);
  if (!ok)
    return lightly_selection_set_cancelled (error);
  return TRUE;
}
