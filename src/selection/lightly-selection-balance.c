/* lightly-selection-balance.c: per-class quotas on top of any method
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * On long-tailed data the model's uncertain samples, and the pool's dense
 * regions, are mostly of the majority class, so a batch fills up with it.
 * With params->balance the method first ranks candidates: all of them for
 * RANDOM and ACTIVE_LEARNING (a shuffle or a sort), up to k·m for the others
 * (m the predicted classes among C: each pick costs a pass, and k·m leaves
 * room for every class when the ranking is diverse at all), and the batch takes that ranking in
 * order, a candidate only while its predicted class is under its quota.
 *
 * Quotas: round robin over the predicted classes in class order, one slot
 * each per round, a class skipped once its members in the ranking are used
 * up, until k slots are given: equal shares, the leftover of small classes
 * redistributed, the remainder to the smallest class numbers. So the quotas
 * sum to min(k, ranking length) and the walk fills every one of them.
 * Everything is a function of the ranking, which is deterministic, so the
 * balanced picks are too. The "why" of a kept pick is its entry in the
 * ranking (its utility there); the rank is its place in the batch.
 *
 * Cost: the method's own cost for k·m picks (for CORESET, CORAL and BADGE m
 * times the passes of an unbalanced run; TYPICLUST clusters for k·m).
 * The labeled set does not count against the quotas: they shape the batch.
 */
#include "config.h"

#include <string.h>

#include "lightly-selection-private.h"

/* The ranking's progress (of k2 picks) as the batch's (of k). */
typedef struct {
  const LightlySelectionParams *p;
  gsize k;
} ProgressScale;

static void
scaled_progress (guint64 done, guint64 total, gpointer data)
{
  ProgressScale *s = data;

  lightly_selection_report (s->p, total > 0 ? (gsize) (done * s->k / total) : 0, s->k);
}

/* Round robin quotas over the ranking's classes; returns the sum. */
static gsize
make_quotas (const gsize *avail, gsize nc, gsize k, gsize *quota)
{
  gsize given = 0;
  gboolean any = TRUE;

  memset (quota, 0, nc * sizeof (gsize));
  while (given < k && any)
    {
      any = FALSE;
      for (gsize c = 0; c < nc && given < k; c++)
        if (quota[c] < avail[c])
          {
            quota[c]++;
            given++;
            any = TRUE;
          }
    }
  return given;
}

gboolean
lightly_selection_balance_run (const LightlySelectionParams  *p,
                               LightlySelectionRunFunc        run,
                               gsize                          k,
                               GArray                        *out,
                               GError                       **error)
{
  LightlySelectionParams q = *p;
  gsize nc = p->n_classes, m = 0, i, k2;
  g_autofree gsize *avail = g_new0 (gsize, nc);
  g_autofree gsize *quota = g_new0 (gsize, nc);
  g_autofree guint8 *present = g_new0 (guint8, nc);
  g_autoptr(GArray) ranking = NULL;
  g_autoptr(GArray) why = NULL;
  ProgressScale scale = { p, k };

  if (k == 0)
    return TRUE;
  for (i = 0; i < p->n_candidates; i++)
    {
      guint c = lightly_selection_predicted_class (p, p->candidates[i]);

      m += !present[c];
      present[c] = 1;
    }
  if (m <= 1)
    return run (p, k, out, error);

  /* RANDOM and ACTIVE_LEARNING rank everything for the price of a sort. */
  if (p->method == LIGHTLY_SELECTION_METHOD_RANDOM || p->method == LIGHTLY_SELECTION_METHOD_ACTIVE_LEARNING)
    k2 = p->n_candidates;
  else
    k2 = k > p->n_candidates / m ? p->n_candidates : k * m;
  ranking = g_array_new (FALSE, FALSE, sizeof (guint32));
  why = g_array_new (FALSE, FALSE, sizeof (LightlySelectionPick));
  q.why = why;
  q.k = k2;
  if (p->progress != NULL)
    {
      q.progress = scaled_progress;
      q.progress_data = &scale;
    }
  if (!run (&q, k2, ranking, error))
    return FALSE;

  for (i = 0; i < ranking->len; i++)
    avail[lightly_selection_predicted_class (p, g_array_index (ranking, guint32, i))]++;
  make_quotas (avail, nc, k, quota);
  for (i = 0; i < ranking->len; i++)
    {
      guint32 row = g_array_index (ranking, guint32, i);
      guint c = lightly_selection_predicted_class (p, row);
      const LightlySelectionPick *w = &g_array_index (why, LightlySelectionPick, i);

      if (quota[c] == 0)
        continue;
      quota[c]--;
      g_array_append_val (out, row);
      lightly_selection_explain (p, row, w->utility, w->cluster);
    }
  return TRUE;
}
