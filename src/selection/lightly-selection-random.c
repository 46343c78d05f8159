/* lightly-selection-random.c: RANDOM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A partial Fisher–Yates shuffle of C driven by the seeded generator
 * (xoshiro256** through splitmix64, bounds by rejection: no modulo bias), so
 * a seed gives the same picks everywhere (protocol.md §13).
 */
#include "config.h"

#include "lightly-selection-private.h"

gboolean
lightly_random_run (const LightlySelectionParams  *p,
                    gsize                          k,
                    GArray                        *out,
                    GError                       **error)
{
  g_autofree guint32 *a = NULL;
  gsize m = p->n_candidates, t;
  LightlyRng rng;

  if (k == 0)
    return TRUE;
  a = g_memdup2 (p->candidates, m * sizeof (guint32));
  lightly_rng_init (&rng, p->seed);
  for (t = 0; t < k; t++)
    {
      gsize j = t + (gsize) lightly_rng_below (&rng, m - t);
      guint32 tmp = a[t];

      a[t] = a[j];
      a[j] = tmp;
      g_array_append_val (out, a[t]);
      lightly_selection_explain (p, a[t], 0.0, -1);
      lightly_selection_report (p, t + 1, k);
      if ((t % 1024) == 1023 && lightly_selection_cancel_raised (p))
        return lightly_selection_set_cancelled (error);
    }
  return TRUE;
}
