/* bench-coverage.c: round 2 with carried coverage against recomputing (issue 13, item 4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   _build/bench/bench-coverage [--n 100000] [--dim 512] [--every 100] [--k 100]
 *       [--repeat 3] [--threads 0] [--dir DIR]
 *
 * The data is bench-selection's "preselected" set in kind: a 200-cluster
 * Gaussian mixture (σ 0.5), rows L2-normalised, P = every 100th row
 * (1,000 rows). Round 1 runs CORESET with k picks and keeps its coverage in
 * a real store (DIR, a temporary folder by default: the matrix is added
 * with lightly_store_add_embedding_matrix(), the coverage saved with
 * lightly_store_save_coverage()). Round 2 (P ∪ picks, C minus picks) then
 * runs twice per repeat:
 *   recompute  the engine from scratch (the first pass over all of P);
 *   carried    lightly_store_load_coverage() (map, checksum, gather) plus
 *              the engine started from it (the first pass over the last
 *              pick only).
 * Each is timed for k = 1 (the first pass, plus the finiteness check of
 * the candidates that every run makes) and for the whole round (k picks);
 * the picks of both must be identical (checked). Printed: the best and the
 * median of --repeat runs, the ratios, and the engine's distance counters
 * (deterministic, unlike the times on a shared machine).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lightly/lightly.h>
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"

static gsize opt_n = 100000, opt_dim = 512, opt_every = 100, opt_k = 100;
static gint opt_repeat = 3, opt_threads = 0;
static char *opt_dir = NULL;

static float *
mixture (gsize n, gsize dim, guint32 seed)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (seed);
  g_autofree float *centres = g_new (float, 200 * dim);
  float *x = g_new (float, n * dim);
  gsize i, j;

  for (i = 0; i < 200 * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1.7, 1.7);
  for (i = 0; i < n; i++)
    {
      const float *c = centres + (gsize) g_rand_int_range (rng, 0, 200) * dim;
      float *v = x + i * dim;
      double s = 0;

      for (j = 0; j < dim; j++)
        {
          /* Sum of 3 uniforms: near-Gaussian, σ = 0.5. */
          double e = (g_rand_double (rng) + g_rand_double (rng) + g_rand_double (rng) - 1.5);

          v[j] = c[j] + (float) e;
          s += (double) v[j] * v[j];
        }
      s = sqrt (s);
      for (j = 0; j < dim; j++)
        v[j] = (float) (v[j] / s);
    }
  return x;
}

typedef struct {
  const float *x;
  guint32 *cand, *pre;
  gsize n_cand, n_pre;
} Sets;

static GArray *
run (const Sets *s, gsize k, LightlySelectionCarry *carry)
{
  g_autoptr(GError) error = NULL;
  LightlySelectionParams p = { 0 };
  GArray *picks;

  p.method = LIGHTLY_SELECTION_METHOD_CORESET;
  p.matrix = s->x;
  p.n_rows = opt_n;
  p.dim = opt_dim;
  p.candidates = s->cand;
  p.n_candidates = s->n_cand;
  p.preselected = s->pre;
  p.n_preselected = s->n_pre;
  p.k = k;
  p.n_threads = (guint) opt_threads;
  p.carry = carry;
  picks = lightly_selection_run (&p, &error);
  if (picks == NULL)
    g_error ("selection failed: %s", error->message);
  return picks;
}

static int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *v, gsize n)
{
  qsort (v, n, sizeof (double), cmp_double);
  return v[n / 2];
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT64, &opt_n, "Rows", "N" },
    { "dim", 0, 0, G_OPTION_ARG_INT64, &opt_dim, "Dimension", "D" },
    { "every", 0, 0, G_OPTION_ARG_INT64, &opt_every, "P is every EVERY-th row", "EVERY" },
    { "k", 0, 0, G_OPTION_ARG_INT64, &opt_k, "Picks per round", "K" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &opt_repeat, "Timed repeats", "R" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Threads (0: all)", "T" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir, "Store folder (default: temporary)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- carried coverage, round 2");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(LightlyStoreMatrix) matrix = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *x = NULL;
  g_autofree char *ds = NULL, *emb = NULL, *tmpdir = NULL;
  g_autoptr(GArray) picks1 = NULL;
  g_autofree double *m1 = NULL;
  g_autofree guint32 *a1 = NULL, *covered = NULL;
  Sets s1 = { 0 }, s2 = { 0 };
  LightlySelectionCarry c1 = { 0 };
  LightlySelectionStats st_re, st_ca, st_re_k, st_ca_k;
  double *t_re1, *t_ca1, *t_re, *t_ca, *t_load;
  gsize i, j, n_cov;
  gint64 t0;
  gint rep;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_repeat < 1)
    opt_repeat = 1;

  g_print ("# bench-coverage: %zux%zu, |P| = %zu (every %zu-th row), k = %zu, threads %d "
           "(0: all), SIMD %s\n", opt_n, opt_dim, (opt_n + opt_every - 1) / opt_every, opt_every,
           opt_k, opt_threads, lightly_selection_simd_name (lightly_selection_simd_current ()));
  x = mixture (opt_n, opt_dim, 3);

  /* A store holding the matrix, as the embedded default has it. */
  if (opt_dir == NULL)
    opt_dir = tmpdir = g_dir_make_tmp ("bench-coverage-XXXXXX", &error);
  g_assert_no_error (error);
  store = lightly_store_open (opt_dir, &error);
  g_assert_no_error (error);
  ds = lightly_store_create_dataset (store, "bench", &error);
  g_assert_no_error (error);
  for (i = 0; i < opt_n; i++)
    g_ptr_array_add (names, g_strdup_printf ("%08zu.png", i));
  g_ptr_array_add (names, NULL);
  if (!lightly_store_add_samples (store, ds, (const char * const *) names->pdata, -1, &error) ||
      (emb = lightly_store_add_embedding_matrix (store, ds, "emb", (const char * const *) names->pdata,
                                                 x, opt_n, opt_dim, NULL, &error)) == NULL)
    g_error ("store: %s", error->message);
  matrix = lightly_store_map_embedding (store, emb, &error);
  g_assert_no_error (error);
  g_clear_pointer (&x, g_free);

  /* Round 1. */
  s1.x = lightly_store_matrix_get_data (matrix);
  s1.cand = g_new (guint32, opt_n);
  s1.pre = g_new (guint32, opt_n);
  for (i = 0; i < opt_n; i++)
    {
      if (i % opt_every == 0)
        s1.pre[s1.n_pre++] = (guint32) i;
      else
        s1.cand[s1.n_cand++] = (guint32) i;
    }
  c1.mind2 = m1 = g_new (double, s1.n_cand);
  c1.anchor = a1 = g_new (guint32, s1.n_cand);
  t0 = g_get_monotonic_time ();
  picks1 = run (&s1, opt_k, &c1);
  g_print ("round 1 (CORESET, k = %zu): %.1f ms\n", opt_k, (g_get_monotonic_time () - t0) / 1e3);
  g_assert_true (c1.valid);
  n_cov = s1.n_pre + c1.n_applied;
  covered = g_new (guint32, n_cov);
  memcpy (covered, s1.pre, s1.n_pre * sizeof (guint32));
  memcpy (covered + s1.n_pre, picks1->data, c1.n_applied * sizeof (guint32));
  qsort (covered, n_cov, sizeof (guint32), cmp_u32);
  t0 = g_get_monotonic_time ();
  if (!lightly_store_save_coverage (store, emb, LIGHTLY_SELECTION_ARITHMETIC, matrix, s1.cand,
                                    s1.n_cand, m1, a1, covered, n_cov, &error))
    g_error ("save: %s", error->message);
  g_print ("save coverage (%zu rows, 12 B each): %.2f ms\n", opt_n,
           (g_get_monotonic_time () - t0) / 1e3);

  /* Round 2: P ∪ picks, C minus picks. */
  s2.x = s1.x;
  s2.pre = g_new (guint32, s1.n_pre + picks1->len);
  memcpy (s2.pre, s1.pre, s1.n_pre * sizeof (guint32));
  memcpy (s2.pre + s1.n_pre, picks1->data, picks1->len * sizeof (guint32));
  s2.n_pre = s1.n_pre + picks1->len;
  qsort (s2.pre, s2.n_pre, sizeof (guint32), cmp_u32);
  s2.cand = g_new (guint32, s1.n_cand);
  for (i = 0, j = 0; i < s1.n_cand; i++)
    {
      guint32 r = s1.cand[i];

      while (j < s2.n_pre && s2.pre[j] < r)
        j++;
      if (j < s2.n_pre && s2.pre[j] == r)
        continue;
      s2.cand[s2.n_cand++] = r;
    }

  t_re1 = g_new (double, opt_repeat);
  t_ca1 = g_new (double, opt_repeat);
  t_re = g_new (double, opt_repeat);
  t_ca = g_new (double, opt_repeat);
  t_load = g_new (double, opt_repeat);
  for (rep = 0; rep < opt_repeat; rep++)
    {
      gsize kk;

      for (kk = 0; kk < 2; kk++)
        {
          gsize k = kk == 0 ? 1 : opt_k;
          g_autoptr(GArray) p_re = NULL, p_ca = NULL;
          g_autofree double *m = g_new (double, s2.n_cand);
          g_autofree guint32 *a = g_new (guint32, s2.n_cand);
          g_autofree guint32 *unc = NULL;
          LightlySelectionCarry c = { m, a };
          gsize nu = 0;
          gint64 t1, t2;

          t0 = g_get_monotonic_time ();
          p_re = run (&s2, k, NULL);
          t1 = g_get_monotonic_time ();
          lightly_selection_get_stats (kk == 0 ? &st_re : &st_re_k);
          (kk == 0 ? t_re1 : t_re)[rep] = (t1 - t0) / 1e3;

          t0 = g_get_monotonic_time ();
          c.start = lightly_store_load_coverage (store, emb, LIGHTLY_SELECTION_ARITHMETIC, matrix,
                                                 s2.cand, s2.n_cand, s2.pre, s2.n_pre, m, a,
                                                 &unc, &nu);
          t2 = g_get_monotonic_time ();
          if (!c.start)
            g_error ("the coverage did not load");
          c.uncovered = unc;
          c.n_uncovered = nu;
          p_ca = run (&s2, k, &c);
          t1 = g_get_monotonic_time ();
          lightly_selection_get_stats (kk == 0 ? &st_ca : &st_ca_k);
          (kk == 0 ? t_ca1 : t_ca)[rep] = (t1 - t0) / 1e3;
          if (kk == 0)
            t_load[rep] = (t2 - t0) / 1e3;
          if (p_re->len != p_ca->len ||
              memcmp (p_re->data, p_ca->data, p_re->len * sizeof (guint32)) != 0)
            g_error ("the picks differ with carried coverage");
          if (kk == 0 && rep == 0)
            g_print ("round 2: |P| = %zu, |C| = %zu, uncovered rows of P: %zu\n", s2.n_pre,
                     s2.n_cand, nu);
        }
    }
  {
    double b_re1, b_ca1, b_re, b_ca, b_load;
    double md_re1 = median (t_re1, (gsize) opt_repeat), md_ca1 = median (t_ca1, (gsize) opt_repeat);
    double md_re = median (t_re, (gsize) opt_repeat), md_ca = median (t_ca, (gsize) opt_repeat);
    double md_load = median (t_load, (gsize) opt_repeat);

    /* median() sorted them: the best is the first. */
    b_re1 = t_re1[0]; b_ca1 = t_ca1[0]; b_re = t_re[0]; b_ca = t_ca[0]; b_load = t_load[0];
    g_print ("| round 2 | recompute ms (best / median) | carried ms (best / median) | ratio (best) |\n");
    g_print ("|---|---|---|---|\n");
    g_print ("| first pass (k = 1) | %.1f / %.1f | %.1f / %.1f | **%.1fx** |\n", b_re1, md_re1,
             b_ca1, md_ca1, b_re1 / b_ca1);
    g_print ("| of which loading the coverage | | %.2f / %.2f | |\n", b_load, md_load);
    g_print ("| whole round (k = %zu) | %.1f / %.1f | %.1f / %.1f | %.2fx |\n", opt_k, b_re, md_re,
             b_ca, md_ca, b_re / b_ca);
    g_print ("distances computed, first pass (k = 1): recompute %" G_GUINT64_FORMAT
             " (skipped %" G_GUINT64_FORMAT "), carried %" G_GUINT64_FORMAT " (skipped %"
             G_GUINT64_FORMAT "): %.1fx fewer\n", st_re.computed, st_re.skipped, st_ca.computed,
             st_ca.skipped, (double) st_re.computed / (double) MAX (st_ca.computed, 1));
    g_print ("distances computed, whole round: recompute %" G_GUINT64_FORMAT ", carried %"
             G_GUINT64_FORMAT "\n", st_re_k.computed, st_ca_k.computed);
    g_print ("picks identical: yes (%d repeats)\n", opt_repeat);
  }
  g_clear_object (&store);
  if (tmpdir != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

      if (system (cmd) != 0)
        g_printerr ("could not remove %s\n", tmpdir);
    }
  g_free (t_re1); g_free (t_ca1); g_free (t_re); g_free (t_ca); g_free (t_load);
  g_free (s1.cand); g_free (s1.pre); g_free (s2.cand); g_free (s2.pre);
  return 0;
}
