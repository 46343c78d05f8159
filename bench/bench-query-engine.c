/* bench-query-engine.c: the bare selection engine on a store's matrix, the
 * yardstick of `lightly-al query` in bench/run-query.sh (issue 13, item 6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-query-engine MATRIX.f32 N_ROWS DIM METHOD K
 *
 * Maps MATRIX.f32 (the store's embeddings/<id>.f32: N_ROWS × DIM float32,
 * L2-normalised) read-only, as the store serves it, and runs METHOD
 * (CORESET, TYPICLUST, …) with K picks over all rows, nothing preselected,
 * seed 0, the default thread count: what a cold-start `lightly-al query
 * --method METHOD --n-samples K` asks the engine for. Nothing else: no
 * store, no tags, no job. Prints "engine_ms picks first_pick" on stdout;
 * the script times the whole process from outside, as it times the CLI.
 *
 *   bench-query-engine MATRIX.f32 N_ROWS DIM METHOD K COPY.f16|COPY.bf16
 *
 * also maps the store's half-precision copy (embeddings/<id>.f16 or .bf16,
 * written by a query with --precision; its 64-byte header skipped, not
 * checked) and gives it to the engine, as a query with that precision does
 * once the copy exists (bench/run-query-half.sh).
 *
 * For experiments, LIGHTLY_BENCH_PREFETCH=BYTES and LIGHTLY_BENCH_SPECULATION=N
 * set what bench-selection's --prefetch-ahead and --speculation set,
 * LIGHTLY_BENCH_PRUNING=0|1|2 the pruning (off, adaptive, every pick), and
 * the stderr line also gives the guesses made, the ones that came true and
 * the picks whose passes were pruned. LIGHTLY_BENCH_PRESELECT_EVERY=E
 * preselects every E-th row (bench-selection's set c uses E = 100), and
 * LIGHTLY_BENCH_WARM=R runs the selection R times untimed first (the
 * mapping faulted in, as in bench-selection's repeats).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lightly/lightly.h>
#include "selection/lightly-selection.h"

int
main (int argc, char **argv)
{
  g_autoptr(GMappedFile) mf = NULL;
  g_autoptr(GMappedFile) half = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) picks = NULL;
  g_autofree guint32 *cand = NULL;
  g_autofree guint32 *pre = NULL;
  LightlySelectionParams p = { 0 };
  gsize n, dim;
  gint64 t0;

  if (argc != 6 && argc != 7)
    {
      fprintf (stderr, "usage: %s MATRIX.f32 N_ROWS DIM METHOD K [COPY.f16|COPY.bf16]\n", argv[0]);
      return 2;
    }
  n = g_ascii_strtoull (argv[2], NULL, 10);
  dim = g_ascii_strtoull (argv[3], NULL, 10);
  mf = g_mapped_file_new (argv[1], FALSE, &error);
  if (mf == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (n == 0 || dim == 0 || g_mapped_file_get_length (mf) != n * dim * sizeof (float))
    {
      fprintf (stderr, "%s is not %zu × %zu float32\n", argv[1], n, dim);
      return 1;
    }
  if (g_str_equal (argv[4], "CORESET"))
    p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  else if (g_str_equal (argv[4], "TYPICLUST"))
    p.method = LIGHTLY_SELECTION_METHOD_TYPICLUST;
  else if (g_str_equal (argv[4], "PROBCOVER"))
    p.method = LIGHTLY_SELECTION_METHOD_PROBCOVER;
  else if (g_str_equal (argv[4], "RANDOM"))
    p.method = LIGHTLY_SELECTION_METHOD_RANDOM;
  else
    {
      fprintf (stderr, "unknown method %s\n", argv[4]);
      return 2;
    }

  t0 = g_get_monotonic_time ();
  cand = g_new (guint32, n);
  for (gsize i = 0; i < n; i++)
    cand[i] = (guint32) i;
  p.matrix = (const float *) (gconstpointer) g_mapped_file_get_contents (mf);
  p.n_rows = n;
  p.dim = dim;
  p.candidates = cand;
  p.n_candidates = n;
  p.k = g_ascii_strtoull (argv[5], NULL, 10);
  if (g_getenv ("LIGHTLY_BENCH_PRESELECT_EVERY") != NULL)
    {
      /* Every E-th row preselected (bench-selection's set c), the rest
       * candidates. */
      gsize e = MAX (g_ascii_strtoull (g_getenv ("LIGHTLY_BENCH_PRESELECT_EVERY"), NULL, 10), 2);
      gsize np = 0, nc = 0;

      pre = g_new (guint32, n / e + 1);

      for (gsize i = 0; i < n; i++)
        if (i % e == 0)
          pre[np++] = (guint32) i;
        else
          cand[nc++] = (guint32) i;
      p.preselected = pre;
      p.n_preselected = np;
      p.n_candidates = nc;
    }
  if (argc == 7)
    {
      half = g_mapped_file_new (argv[6], FALSE, &error);
      if (half == NULL || g_mapped_file_get_length (half) != 64 + n * dim * sizeof (guint16))
        {
          fprintf (stderr, "%s is not a half copy of %zu × %zu\n", argv[6], n, dim);
          return 1;
        }
      p.matrix_half = (const guint16 *) (gconstpointer) (g_mapped_file_get_contents (half) + 64);
      p.half_kind = g_str_has_suffix (argv[6], ".bf16") ? LIGHTLY_SELECTION_HALF_BF16 : LIGHTLY_SELECTION_HALF_FP16;
    }
  if (g_getenv ("LIGHTLY_BENCH_PREFETCH") != NULL)
    lightly_selection_set_prefetch_ahead (atoi (g_getenv ("LIGHTLY_BENCH_PREFETCH")));
  if (g_getenv ("LIGHTLY_BENCH_SPECULATION") != NULL)
    lightly_selection_set_speculation (atoi (g_getenv ("LIGHTLY_BENCH_SPECULATION")), 0);
  if (g_getenv ("LIGHTLY_BENCH_PRUNING") != NULL)
    lightly_selection_set_pruning (atoi (g_getenv ("LIGHTLY_BENCH_PRUNING")));
  if (g_getenv ("LIGHTLY_BENCH_WARM") != NULL)
    {
      /* Runs before the timed one: the mapping faulted in and the caches
       * warm, as in bench-selection's repeats. */
      gint warm = atoi (g_getenv ("LIGHTLY_BENCH_WARM"));

      for (gint w = 0; w < warm; w++)
        {
          g_clear_pointer (&picks, g_array_unref);
          picks = lightly_selection_run (&p, NULL);
        }
      g_clear_pointer (&picks, g_array_unref);
      t0 = g_get_monotonic_time ();
    }
  picks = lightly_selection_run (&p, &error);
  if (picks == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("%.1f %u %u\n", (g_get_monotonic_time () - t0) / 1000.0, picks->len,
          picks->len > 0 ? g_array_index (picks, guint32, 0) : 0);
  {
    LightlySelectionStats st;

    /* On stderr, so the script's stdout stays one line: how much of the
     * update work the copy decided. */
    lightly_selection_get_stats (&st);
    fprintf (stderr, "fast %" G_GUINT64_FORMAT " exact %" G_GUINT64_FORMAT " half %" G_GUINT64_FORMAT
             " half_exact %" G_GUINT64_FORMAT " guesses %" G_GUINT64_FORMAT " hits %" G_GUINT64_FORMAT
             " pruned %" G_GUINT64_FORMAT "\n",
             st.fast, st.exact, st.half, st.half_exact, st.spec_guesses, st.spec_hits,
             st.pruned_picks);
  }
  return 0;
}
