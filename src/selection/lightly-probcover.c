/* lightly-probcover.c: PROBCOVER, greedy coverage by δ-balls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Yehuda, Dekel, Hacohen, Weinshall: "Active Learning Through a Covering
 * Lens", NeurIPS 2022. The ball of a candidate holds the candidates at a
 * distance below δ (itself included).
 *
 *  1. δ: the params' delta if > 0, else the purity rule. k-means with
 *     `pseudo_classes` clusters (default 10, seeded) labels the candidates;
 *     on LIGHTLY_PROBCOVER_PURITY_SAMPLE evenly spaced candidates (position
 *     ⌊s·|C|/S⌋), r_s is the distance to the nearest candidate of another
 *     label, and δ is the largest value for which at least
 *     LIGHTLY_PROBCOVER_PURITY of those balls are pure: the sorted
 *     r[⌊(1 − purity)·S⌋]. When the graph at that δ would hold more than
 *     `max_edges` edges (estimated from the same sample), δ shrinks until
 *     it fits (lightly-probcover-purity.c: the same δ from float32 tiles,
 *     decided in double where an error bound cannot).
 *  2. The δ-graph over the candidates, sparse (lightly-probcover-graph.c:
 *     float32 tiles, decided in double where an error bound cannot).
 *  3. Candidates within δ of a labeled row are covered.
 *  4. Repeat k times: pick the unpicked candidate whose ball holds the most
 *     uncovered candidates (ties: smallest row; degrees are integers, so
 *     no ε is needed), and cover its ball. Once everything is covered, the
 *     remaining picks are uniform (seeded), as in the paper.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lightly-probcover-graph.h"

/* Rows per block of the cover pass. */
#define PC_BLOCK 32
/* Candidates per dot_qf call. */
#define PC_CHUNK 256

static double last_delta;

double
lightly_probcover_last_delta (void)
{
  return last_delta;
}

typedef struct {
  const LightlySelectionParams *p;
  gsize k;
  guint64 reported;
} Progress;

static void
report (Progress *pr, double fraction)
{
  guint64 done = (guint64) floor (CLAMP (fraction, 0, 1) * (double) pr->k);

  if (pr->p->progress != NULL && done > pr->reported)
    {
      pr->reported = done;
      pr->p->progress (done, pr->k, pr->p->progress_data);
    }
}

static void
report_purity (double fraction, gpointer data)
{
  report (data, 0.2 * fraction);
}

/* ---------------------------------------------------------------------- */
/* The δ-graph (lightly-probcover-graph.c) and the labeled rows' cover   */

/* Covered by a labeled row: any preselected row within δ. */
typedef struct {
  const LightlyPoints *pts;
  const double *norms;
  const guint32 *pre;
  gsize n_pre;
  const double *pnorm;
  double delta2;
  gboolean *covered;
} CoverTask;

static void
cover_block (gsize b, gpointer data)
{
  CoverTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim);
  gsize lo = b * PC_BLOCK, hi = MIN (pts->n, lo + PC_BLOCK), i, c, j;
  g_autofree double *q = g_new (double, dim8);
  double dots[PC_CHUNK];
  const float *rows[PC_CHUNK];

  for (i = lo; i < hi; i++)
    {
      lightly_to_double (q, pts->matrix + (gsize) pts->rows[i] * dim, dim, dim8);
      for (c = 0; c < t->n_pre && !t->covered[i]; c += PC_CHUNK)
        {
          gsize m = MIN (PC_CHUNK, t->n_pre - c);

          for (j = 0; j < m; j++)
            rows[j] = pts->matrix + (gsize) t->pre[c + j] * dim;
          pts->kern->dot_qf (q, rows, m, dim, dots);
          for (j = 0; j < m; j++)
            if ((t->norms[i] + t->pnorm[c + j]) - 2.0 * dots[j] < t->delta2)
              {
                t->covered[i] = TRUE;
                break;
              }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Greedy maximum coverage: a lazy max-heap on (uncovered degree, −pos).  */

typedef struct {
  guint32 deg;
  guint32 pos;
} Entry;

static inline gboolean
entry_above (Entry a, Entry b)
{
  return a.deg > b.deg || (a.deg == b.deg && a.pos < b.pos);
}

static void
heap_down (Entry *h, gsize n, gsize i)
{
  for (;;)
    {
      gsize l = 2 * i + 1, r = l + 1, top = i;
      Entry tmp;

      if (l < n && entry_above (h[l], h[top]))
        top = l;
      if (r < n && entry_above (h[r], h[top]))
        top = r;
      if (top == i)
        return;
      tmp = h[i];
      h[i] = h[top];
      h[top] = tmp;
      i = top;
    }
}

static void
report_graph (double fraction, gpointer data)
{
  report (data, 0.2 + 0.7 * fraction);
}

static gboolean use_exact_graph;
static guint64 last_stats[3];

void
lightly_probcover_set_exact_graph (gboolean exact)
{
  use_exact_graph = exact;
}

void
lightly_probcover_last_graph_stats (guint64 *n_edges, guint64 *n_checked, guint64 *n_double)
{
  *n_edges = last_stats[0];
  *n_checked = last_stats[1];
  *n_double = last_stats[2];
}

/* covered[i]: candidate i is within δ of a labeled row. */
static gboolean
cover_preselected (const LightlySelectionParams *p, const LightlyPoints *cand, const double *norms,
                   double delta2, gboolean *covered, GError **error)
{
  LightlyPoints pre = *cand;
  g_autofree double *pnorm = NULL;
  CoverTask ct;

  pre.rows = p->preselected;
  pre.n = p->n_preselected;
  pnorm = lightly_points_norms (&pre);
  ct.pts = cand;
  ct.norms = norms;
  ct.pre = p->preselected;
  ct.n_pre = p->n_preselected;
  ct.pnorm = pnorm;
  ct.delta2 = delta2;
  ct.covered = covered;
  if (!lightly_points_parallel (cand, (cand->n + PC_BLOCK - 1) / PC_BLOCK, cover_block, &ct))
    return lightly_selection_set_cancelled (error);
  return TRUE;
}

/* Greedy maximum coverage: up to k picks, each the unpicked candidate whose
 * ball holds the most uncovered ones; stops early once all are covered. */
static gboolean
greedy_cover (const LightlyPoints *cand, const LightlyProbcoverGraph *g, gsize k, gboolean *covered,
              gboolean *picked, GArray *out, Progress *pr, GError **error)
{
  gsize m = cand->n, i, hn, t;
  g_autofree guint32 *uncov = g_new (guint32, m);
  g_autofree Entry *heap = g_new (Entry, m);

  /* Uncovered degrees; the graph is symmetric (the same dot products
   * either way), so a ball's members are also the balls holding it. */
  for (i = 0; i < m; i++)
    {
      guint32 n, e, c = 0;
      const guint32 *nb = lightly_probcover_graph_neighbours (g, i, &n);

      for (e = 0; e < n; e++)
        c += !covered[nb[e]];
      uncov[i] = c;
      heap[i].deg = c;
      heap[i].pos = (guint32) i;
    }
  hn = m;
  for (i = m / 2; i-- > 0;)
    heap_down (heap, hn, i);

  for (t = 0; t < k; t++)
    {
      Entry top;
      guint32 n, e;
      const guint32 *nb;

      /* Degrees only fall: a stale top goes back with its degree now. */
      while (hn > 0 && (picked[heap[0].pos] || heap[0].deg != uncov[heap[0].pos]))
        {
          if (picked[heap[0].pos])
            heap[0] = heap[--hn];
          else
            heap[0].deg = uncov[heap[0].pos];
          heap_down (heap, hn, 0);
        }
      if (hn == 0 || heap[0].deg == 0)
        break;
      top = heap[0];
      picked[top.pos] = TRUE;
      g_array_append_val (out, cand->rows[top.pos]);
      lightly_selection_explain (pr->p, cand->rows[top.pos], top.deg, (gint32) MIN (t, (gsize) G_MAXINT32));
      nb = lightly_probcover_graph_neighbours (g, top.pos, &n);
      for (e = 0; e < n; e++)
        if (!covered[nb[e]])
          {
            guint32 n2, f;
            const guint32 *nb2 = lightly_probcover_graph_neighbours (g, nb[e], &n2);

            covered[nb[e]] = TRUE;
            for (f = 0; f < n2; f++)
              uncov[nb2[f]]--;
          }
      report (pr, 0.9 + 0.1 * (double) (t + 1) / (double) k);
      if ((t & 63) == 63 && lightly_points_cancelled (cand))
        return lightly_selection_set_cancelled (error);
    }
  return TRUE;
}

/* Everything is covered: uniform picks from the rest (Fisher–Yates over the
 * unpicked positions, seeded) until out holds k. */
static void
pick_uniform (const LightlySelectionParams *p, const LightlyPoints *cand, const gboolean *picked,
              gsize k, GArray *out)
{
  g_autofree guint32 *rest = g_new (guint32, cand->n);
  gsize n_rest = 0, i;
  LightlyRng rng;

  for (i = 0; i < cand->n; i++)
    if (!picked[i])
      rest[n_rest++] = (guint32) i;
  lightly_rng_init (&rng, p->seed);
  for (i = 0; out->len < k && i < n_rest; i++)
    {
      gsize j = i + (gsize) lightly_rng_below (&rng, n_rest - i);
      guint32 tmp = rest[i];

      rest[i] = rest[j];
      rest[j] = tmp;
      g_array_append_val (out, cand->rows[rest[i]]);
      lightly_selection_explain (p, cand->rows[rest[i]], 0.0, -1);
    }
}

gboolean
lightly_probcover_run (const LightlySelectionParams  *p,
                       gsize                          k,
                       GArray                        *out,
                       GError                       **error)
{
  LightlyPoints cand;
  gsize m;
  gsize max_edges = p->max_edges > 0 ? p->max_edges : LIGHTLY_PROBCOVER_MAX_EDGES_DEFAULT;
  g_autofree double *norms = NULL;
  g_autofree gboolean *covered = NULL;
  g_autofree gboolean *picked = NULL;
  Progress pr = { p, k, 0 };
  LightlyProbcoverGraph g = { 0 };
  double delta = 0;
  gboolean ok;

  lightly_points_for_candidates (p, &cand);
  m = cand.n;
  norms = lightly_points_norms (&cand);
  covered = g_new0 (gboolean, m);
  picked = g_new0 (gboolean, m);
  if (p->delta > 0)
    delta = p->delta;
  else if (!lightly_probcover_purity_delta (p, &cand, norms, max_edges, report_purity, &pr, &delta, error))
    return FALSE;
  last_delta = delta;

  ok = lightly_probcover_graph_build (&cand, norms, delta, max_edges, use_exact_graph,
                                      report_graph, &pr, &g, error);
  last_stats[0] = g.n_edges;
  last_stats[1] = g.n_checked;
  last_stats[2] = g.n_double;
  ok = ok &&
       (p->n_preselected == 0 || cover_preselected (p, &cand, norms, delta * delta, covered, error)) &&
       greedy_cover (&cand, &g, k, covered, picked, out, &pr, error);
  if (ok && out->len < k)
    {
      pick_uniform (p, &cand, picked, k, out);
      report (&pr, 1.0);
    }
  lightly_probcover_graph_clear (&g);
  return ok;
}
