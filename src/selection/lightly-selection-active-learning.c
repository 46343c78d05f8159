/* lightly-selection-active-learning.c: ACTIVE_LEARNING, the top scores
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Top-k as repeated ε-argmax (protocol.md §13): each pick is the smallest
 * row among the unpicked candidates whose score is within
 * LIGHTLY_SELECTION_TIE_EPSILON of the largest unpicked score.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "lightly-selection-private.h"

#define EPS LIGHTLY_SELECTION_TIE_EPSILON
/* Checks of the cancel flag in serial loops, every so many elements. */
#define CANCEL_STRIDE 65536

typedef struct {
  double s;
  guint32 j;                    /* position in C */
} Scored;

static int
cmp_scored (gconstpointer a, gconstpointer b)
{
  const Scored *x = a, *y = b;

  if (x->s != y->s)
    return x->s > y->s ? -1 : 1;
  return x->j < y->j ? -1 : (x->j > y->j);
}

/* Min-heap of doubles (for the k-th largest score). */
static void
dheap_sift_down (double *h, gsize n, gsize i)
{
  for (;;)
    {
      gsize l = 2 * i + 1, s = i;
      double tmp;

      if (l < n && h[l] < h[s])
        s = l;
      if (l + 1 < n && h[l + 1] < h[s])
        s = l + 1;
      if (s == i)
        return;
      tmp = h[i];
      h[i] = h[s];
      h[s] = tmp;
      i = s;
    }
}

/* Min-heap of positions in C; C is sorted, so the smallest position is the
 * smallest row index. */
static void
uheap_push (guint32 *h, gsize *n, guint32 v)
{
  gsize i = (*n)++;

  h[i] = v;
  while (i > 0 && h[(i - 1) / 2] > h[i])
    {
      guint32 tmp = h[i];

      h[i] = h[(i - 1) / 2];
      h[(i - 1) / 2] = tmp;
      i = (i - 1) / 2;
    }
}

static guint32
uheap_pop (guint32 *h, gsize *n)
{
  guint32 top = h[0];
  gsize i = 0;

  h[0] = h[--(*n)];
  for (;;)
    {
      gsize l = 2 * i + 1, s = i;
      guint32 tmp;

      if (l < *n && h[l] < h[s])
        s = l;
      if (l + 1 < *n && h[l + 1] < h[s])
        s = l + 1;
      if (s == i)
        break;
      tmp = h[i];
      h[i] = h[s];
      h[s] = tmp;
      i = s;
    }
  return top;
}

/* Greedy: at each step the smallest index among the unpicked candidates
 * whose score is within ε of the largest unpicked score. Everything ever in
 * that window scores ≥ (k-th largest) − ε, so only those are sorted. */
gboolean
lightly_active_learning_run (const LightlySelectionParams  *p,
                             gsize                          k,
                             GArray                        *out,
                             GError                       **error)
{
  const double *sc = p->scores;
  const guint32 *cand = p->candidates;
  gsize m = p->n_candidates, j, nf = 0, top = 0, hi = 0, nheap = 0, t;
  double kth = -INFINITY;
  g_autofree Scored *f = NULL;
  g_autofree guint32 *heap = NULL;
  g_autofree guint8 *picked = NULL;

  if (k == 0)
    return TRUE;
  if (k < m)
    {
      g_autofree double *h = g_new (double, k);
      gsize n = 0;

      for (j = 0; j < m; j++)
        {
          double s = sc[cand[j]];

          if ((j % CANCEL_STRIDE) == 0 && lightly_selection_cancel_raised (p))
            return lightly_selection_set_cancelled (error);
          if (n < k)
            {
              gsize i = n++;

              h[i] = s;
              while (i > 0 && h[(i - 1) / 2] > h[i])
                {
                  double tmp = h[i];

                  h[i] = h[(i - 1) / 2];
                  h[(i - 1) / 2] = tmp;
                  i = (i - 1) / 2;
                }
            }
          else if (s > h[0])
            {
              h[0] = s;
              dheap_sift_down (h, n, 0);
            }
        }
      kth = h[0];
    }
  f = g_new (Scored, m);
  for (j = 0; j < m; j++)
    {
      double s = sc[cand[j]];

      if (s >= kth - EPS)
        {
          f[nf].s = s;
          f[nf].j = (guint32) j;
          nf++;
        }
    }
  if (lightly_selection_cancel_raised (p))
    return lightly_selection_set_cancelled (error);
  qsort (f, nf, sizeof (Scored), cmp_scored);
  if (lightly_selection_cancel_raised (p))
    return lightly_selection_set_cancelled (error);

  heap = g_new (guint32, nf);
  picked = g_new0 (guint8, m);
  for (t = 0; t < k; t++)
    {
      double thr;
      guint32 pj, c;

      while (top < nf && picked[f[top].j])
        top++;
      g_assert (top < nf);
      thr = f[top].s - EPS;
      while (hi < nf && f[hi].s >= thr)
        uheap_push (heap, &nheap, f[hi++].j);
      pj = uheap_pop (heap, &nheap);
      picked[pj] = 1;
      c = cand[pj];
      g_array_append_val (out, c);
      lightly_selection_explain (p, c, p->scores[c], -1);
      lightly_selection_report (p, t + 1, k);
      if ((t % 1024) == 1023 && lightly_selection_cancel_raised (p))
        return lightly_selection_set_cancelled (error);
    }
  return TRUE;
}
