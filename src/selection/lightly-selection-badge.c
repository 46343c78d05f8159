/* lightly-selection-badge.c: BADGE (Ash et al., ICLR 2020)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * k-means++ seeding over the gradient embeddings g(i) = a(i) ⊗ x(i) with
 * a(i) = p(i) − onehot(ŷ(i)), ŷ the predicted class (argmax of p, ties to
 * the smallest class): the gradient of the cross-entropy with respect to the
 * last layer if ŷ were the label, so its norm is the uncertainty and its
 * direction the sample's place in the embedding.
 *
 * g is never materialised (it would be |C|·classes·dim): as
 * ⟨a⊗x, b⊗y⟩ = ⟨a,b⟩⟨x,y⟩,
 *   ‖g(i) − g(j)‖² = max(0, ‖a(i)‖²‖x(i)‖² + ‖a(j)‖²‖x(j)‖² − 2⟨a(i),a(j)⟩⟨x(i),x(j)⟩).
 * ⟨x,y⟩ and ‖x‖² come from the engine's kernels (the canonical double sum,
 * the same bits on every SIMD path), ⟨a,b⟩ is summed in double in class
 * order, and each candidate's minimum is updated by one block only, so the
 * weights, and with the seeded generator the picks, are the same for every
 * thread count (protocol.md §13's rules, as CORESET).
 *
 * Picks: the rows of P are centres from the start. Without P, the first pick
 * is the largest ‖g‖ (BADGE's reference code), ties within
 * LIGHTLY_SELECTION_TIE_EPSILON to the smallest row. Every other pick is a
 * D² draw: candidate c with probability d²(c) / Σ d², the sum formed in
 * candidate order on the calling thread. Once every weight is 0 (the rest
 * coincide with centres in gradient space), the rest go in row order.
 *
 * Memory: (|C| + 1)·classes + 2·|C| doubles, one pass over C per centre.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-private.h"

#define EPS LIGHTLY_SELECTION_TIE_EPSILON
/* Rows per block of an update pass. */
#define BADGE_BLOCK 256

typedef struct {
  const LightlyPoints *pts;
  gsize n_classes;
  const double *a;              /* |C| × classes: p − onehot */
  const double *gn;             /* |C|: ‖g‖² = ‖a‖²‖x‖² */
  double *d2;                   /* |C|: to the nearest centre; −1: picked */
  /* The centre of this pass. */
  const double *q;              /* its row as padded doubles */
  const double *qa;             /* its a */
  double qgn;                   /* its ‖g‖² */
} UpdateTask;

guint
lightly_selection_predicted_class (const LightlySelectionParams *p,
                                   guint32                       row)
{
  const double *pr = p->probabilities + (gsize) row * p->n_classes;
  guint best = 0;

  for (gsize c = 1; c < p->n_classes; c++)
    if (pr[c] > pr[best])
      best = (guint) c;
  return best;
}

/* a = p − onehot(ŷ) of @row into @a; returns ‖a‖². */
static double
gradient_factor (const LightlySelectionParams *p, guint32 row, double *a)
{
  const double *pr = p->probabilities + (gsize) row * p->n_classes;
  guint y = lightly_selection_predicted_class (p, row);
  double s = 0;

  for (gsize c = 0; c < p->n_classes; c++)
    {
      a[c] = pr[c] - (c == y ? 1.0 : 0.0);
      s += a[c] * a[c];
    }
  return s;
}

static void
update_block (gsize b, gpointer data)
{
  UpdateTask *t = data;
  const LightlyPoints *pts = t->pts;
  gsize lo = b * BADGE_BLOCK, hi = MIN (pts->n, lo + BADGE_BLOCK), i, n = 0;
  const float *rows[BADGE_BLOCK];
  gsize at[BADGE_BLOCK];
  double dots[BADGE_BLOCK];

  for (i = lo; i < hi; i++)
    if (t->d2[i] > 0)
      {
        at[n] = i;
        rows[n++] = pts->matrix + (gsize) pts->rows[i] * pts->dim;
      }
  if (n == 0)
    return;
  pts->kern->dot_qf (t->q, rows, n, pts->dim, dots);
  for (i = 0; i < n; i++)
    {
      const double *ai = t->a + at[i] * t->n_classes;
      double ad = 0, d2;

      for (gsize c = 0; c < t->n_classes; c++)
        ad += ai[c] * t->qa[c];
      d2 = lightly_sqdist (t->gn[at[i]], t->qgn, ad * dots[i]);
      if (d2 < t->d2[at[i]])
        t->d2[at[i]] = d2;
    }
}

/* Makes the row @row (with gradient factor @qa and ‖g‖² @qgn) a centre. */
static gboolean
add_centre (UpdateTask *t, guint32 row, const double *qa, double qgn, double *q)
{
  const LightlyPoints *pts = t->pts;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (pts->dim);

  lightly_to_double (q, pts->matrix + (gsize) row * pts->dim, pts->dim, dim8);
  t->q = q;
  t->qa = qa;
  t->qgn = qgn;
  return lightly_points_parallel (pts, (pts->n + BADGE_BLOCK - 1) / BADGE_BLOCK, update_block, t);
}

/* The D² draw over the unpicked candidates (d2 ≥ 0); |C| when every weight
 * is 0. As k-means++'s draw_centre(): the sum in candidate order. */
static gsize
draw (LightlyRng *rng, const double *d2, gsize n)
{
  double total = 0, u, acc = 0;
  gsize i;

  for (i = 0; i < n; i++)
    if (d2[i] > 0)
      total += d2[i];
  if (!(total > 0))
    return n;
  u = lightly_rng_unit (rng) * total;
  for (i = 0; i < n; i++)
    if (d2[i] > 0)
      {
        acc += d2[i];
        if (acc > u)
          return i;
      }
  /* u landed in the rounding gap at the end: the last positive weight. */
  for (i = n; i-- > 0;)
    if (d2[i] > 0)
      return i;
  return n;
}

/* Without P: the largest ‖g‖, ties within ε to the smallest row. */
static gsize
first_pick (const double *gn, gsize n)
{
  double best = -1;
  gsize i, pick = 0;

  for (i = 0; i < n; i++)
    if (sqrt (gn[i]) > best)
      best = sqrt (gn[i]);
  for (i = 0; i < n; i++)
    if (sqrt (gn[i]) >= best - EPS)
      {
        pick = i;
        break;
      }
  return pick;
}

gboolean
lightly_badge_run (const LightlySelectionParams  *p,
                   gsize                          k,
                   GArray                        *out,
                   GError                       **error)
{
  LightlyPoints pts;
  gsize m = p->n_candidates, nc = p->n_classes, i, t, next_row = 0;
  g_autofree double *a = NULL;
  g_autofree double *gn = NULL;
  g_autofree double *d2 = NULL;
  g_autofree double *qa = g_new (double, nc);
  g_autofree double *q = NULL;
  g_autofree double *xn = NULL;
  UpdateTask task;
  LightlyRng rng;

  if (k == 0)
    return TRUE;
  lightly_points_for_candidates (p, &pts);
  q = g_new (double, LIGHTLY_SELECTION_PAD8 (p->dim));
  a = g_new (double, m * nc);
  gn = g_new (double, m);
  d2 = g_new (double, m);
  xn = lightly_points_norms (&pts);
  if (lightly_points_cancelled (&pts))
    return lightly_selection_set_cancelled (error);
  for (i = 0; i < m; i++)
    {
      gn[i] = gradient_factor (p, p->candidates[i], a + i * nc) * xn[i];
      d2[i] = INFINITY;
    }
  task = (UpdateTask) { &pts, nc, a, gn, d2, NULL, NULL, 0 };
  lightly_rng_init (&rng, p->seed);

  for (i = 0; i < p->n_preselected; i++)
    {
      guint32 row = p->preselected[i];
      const float *x = p->matrix + (gsize) row * p->dim;
      double qgn = gradient_factor (p, row, qa) * pts.kern->dot (x, x, p->dim);

      if (!add_centre (&task, row, qa, qgn, q))
        return lightly_selection_set_cancelled (error);
    }

  for (t = 0; t < k; t++)
    {
      gsize j;
      double utility;

      if (t == 0 && p->n_preselected == 0)
        j = first_pick (gn, m);
      else
        j = draw (&rng, d2, m);
      if (j == m)
        {
          /* Every weight is 0: the unpicked candidates in row order. */
          while (d2[next_row] < 0)
            next_row++;
          j = next_row;
          utility = 0;
        }
      else
        utility = t == 0 && p->n_preselected == 0 ? sqrt (gn[j]) : sqrt (d2[j]);
      d2[j] = -1;
      g_array_append_val (out, p->candidates[j]);
      lightly_selection_explain (p, p->candidates[j], utility, -1);
      if (t + 1 < k && !add_centre (&task, p->candidates[j], a + j * nc, gn[j], q))
        return lightly_selection_set_cancelled (error);
      lightly_selection_report (p, t + 1, k);
    }
  return TRUE;
}
