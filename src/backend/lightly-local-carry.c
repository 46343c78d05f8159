/* lightly-local-carry.c: carried coverage for the local backend's selections
 *
 * A CORESET or CORAL job starts from the minima the embedding's previous
 * run ended with (lightly-store-coverage.c), when its P contains what that
 * run covered, and leaves its own for the next round. The engine computes
 * in the carried arrays, so this costs no memory beyond the engine's own
 * 12 bytes per candidate. The picks are bit for bit those of a run from
 * scratch (LightlySelectionCarry), so nothing here changes a result; a
 * coverage file that does not apply is ignored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/lightly-local-carry.h"

LightlySelectionCarry *
lightly_local_carry_prepare (LightlyLocalCarry    *out,
                             LightlyStore         *store,
                             const char           *embedding_id,
                             LightlyStoreMatrix   *matrix,
                             LightlySamplingMethod method,
                             gboolean              balance,
                             const guint32        *candidates,
                             gsize                 n_candidates,
                             const guint32        *preselected,
                             gsize                 n_preselected)
{
  const char *env = g_getenv ("LIGHTLY_CARRIED_COVERAGE");
  gsize n_uncovered = 0;

  memset (out, 0, sizeof *out);
  if ((method != LIGHTLY_SAMPLING_METHOD_CORESET && method != LIGHTLY_SAMPLING_METHOD_CORAL) ||
      balance || n_candidates == 0 || (env != NULL && g_strcmp0 (env, "0") == 0))
    return NULL;
  /* The engine's state for this run: its allocator (huge pages). */
  out->carry.mind2 = lightly_selection_alloc_rows (n_candidates, sizeof (double));
  out->carry.anchor = lightly_selection_alloc_rows (n_candidates, sizeof (guint32));
  out->carry.start = lightly_store_load_coverage (store, embedding_id,
                                                  LIGHTLY_SELECTION_ARITHMETIC, matrix,
                                                  candidates, n_candidates, preselected,
                                                  n_preselected,
                                                  out->carry.mind2, out->carry.anchor,
                                                  &out->uncovered, &n_uncovered);
  out->carry.uncovered = out->uncovered;
  out->carry.n_uncovered = n_uncovered;
  return &out->carry;
}

static int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

void
lightly_local_carry_save (LightlyLocalCarry   *carry,
                          LightlyStore        *store,
                          const char          *embedding_id,
                          LightlyStoreMatrix  *matrix,
                          const guint32       *candidates,
                          gsize                n_candidates,
                          const guint32       *preselected,
                          gsize                n_preselected,
                          const GArray        *picks)
{
  g_autofree guint32 *covered = NULL;
  g_autoptr(GError) error = NULL;
  gsize n_applied = carry->carry.n_applied, n;

  if (!carry->carry.valid || n_applied > picks->len)
    return;
  /* P ∪ the applied picks, ascending (the picks are candidates, not in P). */
  n = n_preselected + n_applied;
  covered = g_new (guint32, MAX (n, 1));
  if (n_preselected > 0)
    memcpy (covered, preselected, n_preselected * sizeof (guint32));
  if (n_applied > 0)
    memcpy (covered + n_preselected, picks->data, n_applied * sizeof (guint32));
  qsort (covered, n, sizeof (guint32), cmp_u32);
  if (!lightly_store_save_coverage (store, embedding_id, LIGHTLY_SELECTION_ARITHMETIC, matrix,
                                    candidates, n_candidates, carry->carry.mind2,
                                    carry->carry.anchor, covered, n, &error))
    g_warning ("Could not keep the coverage for the next round: %s", error->message);
}

void
lightly_local_carry_clear (LightlyLocalCarry *carry)
{
  g_clear_pointer (&carry->carry.mind2, g_free);
  g_clear_pointer (&carry->carry.anchor, g_free);
  g_clear_pointer (&carry->uncovered, g_free);
}
