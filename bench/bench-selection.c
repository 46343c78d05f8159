/* bench-selection.c: time one selection run per SIMD path and thread count
 *
 * Not part of the build or the tests. Build against a configured tree:
 *   cc -O2 -o _build/bench-selection bench/bench-selection.c -Isrc -I_build/src \
 *      -DLIGHTLY_COMPILATION _build/src/liblightly-internal.a \
 *      $(pkg-config --cflags --libs gio-2.0) -lm
 *   _build/bench-selection [n] [dim] [k] [method] [n_preselected] [clusters]
 * Defaults: 100000 128 100 CORESET 0 0. Random unit rows (seed 1); with
 * clusters > 0, rows scattered (σ 0.05 per coordinate) around that many
 * random centres, where the triangle-inequality pruning has work to skip.
 */
#include "lightly.h"
#include "selection/lightly-selection.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  gsize n = argc > 1 ? strtoull (argv[1], NULL, 10) : 100000;
  gsize dim = argc > 2 ? strtoull (argv[2], NULL, 10) : 128;
  gsize k = argc > 3 ? strtoull (argv[3], NULL, 10) : 100;
  LightlySamplingMethod method = argc > 4 ?
    lightly_sampling_method_from_string (argv[4], NULL) : LIGHTLY_SAMPLING_METHOD_CORESET;
  gsize np = argc > 5 ? strtoull (argv[5], NULL, 10) : 0;
  gsize n_clusters = argc > 6 ? strtoull (argv[6], NULL, 10) : 0;
  float *centres = g_new (float, MAX (n_clusters, 1) * dim);
  float *x = g_new (float, n * dim);
  double *scores = g_new (double, n);
  guint32 *all = g_new (guint32, n);
  GRand *rng = g_rand_new_with_seed (1);
  LightlySelectionParams p = { 0 };
  gsize i, j;
  int s;
  guint threads[2] = { 1, g_get_num_processors () };
  GArray *first = NULL;

  for (i = 0; i < n_clusters * dim; i++)
    centres[i] = (float) g_rand_double_range (rng, -1, 1);
  for (i = 0; i < n; i++)
    {
      double norm = 0;
      gsize c = n_clusters ? (gsize) g_rand_int_range (rng, 0, (gint32) n_clusters) : 0;

      for (j = 0; j < dim; j++)
        {
          x[i * dim + j] = n_clusters ?
            centres[c * dim + j] + (float) g_rand_double_range (rng, -0.087, 0.087) :
            (float) g_rand_double_range (rng, -1, 1);
          norm += (double) x[i * dim + j] * x[i * dim + j];
        }
      for (j = 0; j < dim; j++)
        x[i * dim + j] = (float) (x[i * dim + j] / sqrt (norm));
      scores[i] = g_rand_double (rng);
      all[i] = i;
    }
  p.method = method;
  p.matrix = x;
  p.n_rows = n;
  p.dim = dim;
  p.preselected = all;
  p.n_preselected = np;
  p.candidates = all + np;
  p.n_candidates = n - np;
  p.scores = scores;
  p.k = k;
  p.beta = 1;
  for (s = LIGHTLY_SELECTION_SIMD_PORTABLE; s <= LIGHTLY_SELECTION_SIMD_AVX512; s++)
    {
      guint t;

      if (!lightly_selection_simd_supported (s))
        continue;
      lightly_selection_set_simd (s);
      for (t = 0; t < G_N_ELEMENTS (threads) * 2; t++)
        {
          GError *error = NULL;
          gint64 t0 = g_get_monotonic_time ();
          GArray *a;

          p.n_threads = threads[t / 2];
          lightly_selection_set_pruning (t % 2 ? 1 : 0);
          a = lightly_selection_run (&p, &error);
          if (a == NULL)
            g_error ("%s", error->message);
          g_print ("%-8s threads=%u prune=%d %s n=%" G_GSIZE_FORMAT " dim=%" G_GSIZE_FORMAT
                   " |P|=%" G_GSIZE_FORMAT " k=%" G_GSIZE_FORMAT ": %.3f s (%u picks, %s)\n",
                   lightly_selection_simd_name (s), threads[t / 2], (int) (t % 2),
                   lightly_sampling_method_to_string (method), n, dim, np, k,
                   (g_get_monotonic_time () - t0) / 1e6, a->len,
                   first == NULL ? "reference" :
                   first->len == a->len && memcmp (first->data, a->data, a->len * 4) == 0 ?
                   "same picks" : "DIFFERENT PICKS");
          if (first == NULL)
            first = a;
          else
            g_array_unref (a);
        }
    }
  g_array_unref (first);
  g_rand_free (rng);
  g_free (x);
  g_free (centres);
  g_free (scores);
  g_free (all);
  return 0;
}
