/* fmnist-check.c: the C Fashion-MNIST pipeline against DESIGN.md's numbers
 *
 * Loads a pool of the first --pool training images (default 10 000) and the
 * 10 000 test images, embeds them with the whitened PCA(64) of
 * tools/ml/lightly-fashion-mnist.c, then for each of --seeds seeds (default 5)
 * picks a uniformly random ordering of the pool and trains the logistic
 * regression of tools/ml/lightly-logreg.c on its first 100 and first 500
 * samples (RANDOM at 100 → 500 labels), printing each test accuracy, the
 * mean ± sd, and the timings.
 *
 *   _build/bench/fmnist-check [--pool N] [--seeds S] [--picks FILE] [--out DIR]
 *
 * --picks FILE writes the picks ("seed n i0 i1 …" lines) so that
 * bench/reference/fmnist_reference.py --picks FILE trains on the same
 * samples; --out DIR writes the thumbnails and embeddings.csv there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <lightly/lightly.h>
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-logreg.h"

static const guint budgets[] = { 100, 500 };

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GString) picks = g_string_new (NULL);
  g_autofree char *picks_path = NULL, *out_dir = NULL;
  gint pool = 10000, n_seeds = 5;
  double acc[G_N_ELEMENTS (budgets)][64];
  double fit_seconds = 0;
  guint n_fits = 0, b;
  gint s;
  gint64 t0;
  GOptionEntry entries[] = {
    { "pool", 0, 0, G_OPTION_ARG_INT, &pool, "Pool size (first N training images)", "N" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &n_seeds, "RANDOM seeds (1–64)", "S" },
    { "picks", 0, 0, G_OPTION_ARG_FILENAME, &picks_path, "Write the random picks here", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, "Write thumbnails and embeddings.csv here", "DIR" },
    { NULL }
  };

  ctx = g_option_context_new ("— check the C Fashion-MNIST pipeline");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (pool < 600 || n_seeds < 1 || n_seeds > 64)
    {
      g_printerr ("--pool must be at least 600 and --seeds 1…64\n");
      return 2;
    }

  t0 = g_get_monotonic_time ();
  fm = lightly_fashion_mnist_load (NULL, (guint) pool, 0, 64, NULL, &error);
  if (fm == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  printf ("pool %u, test %u, dim %u: load %.3f s, PCA fit %.3f s, embed %.3f s, total %.3f s\n",
          fm->n_pool, fm->n_test, fm->dim, fm->seconds_load, fm->seconds_pca, fm->seconds_embed,
          (g_get_monotonic_time () - t0) / 1e6);
  printf ("top eigenvalues %.6g %.6g %.6g … %.6g\n", fm->pca->eigenvalues[0],
          fm->pca->eigenvalues[1], fm->pca->eigenvalues[2], fm->pca->eigenvalues[fm->dim - 1]);

  if (out_dir)
    {
      g_autofree char *csv = g_build_filename (out_dir, "embeddings.csv", NULL);

      t0 = g_get_monotonic_time ();
      if (!lightly_fashion_mnist_write_thumbnails (fm, out_dir, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      printf ("wrote %u thumbnails in %.3f s\n", fm->n_pool, (g_get_monotonic_time () - t0) / 1e6);
      t0 = g_get_monotonic_time ();
      if (!lightly_fashion_mnist_write_embeddings_csv (fm, csv, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      printf ("wrote %s in %.3f s\n", csv, (g_get_monotonic_time () - t0) / 1e6);
    }

  for (s = 0; s < n_seeds; s++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) s);
      g_autofree guint *perm = g_new (guint, fm->n_pool);
      guint i;

      for (i = 0; i < fm->n_pool; i++)
        perm[i] = i;
      for (i = fm->n_pool - 1; i > 0; i--)
        {
          guint j = (guint) g_rand_int_range (rand, 0, (gint32) i + 1), t = perm[i];

          perm[i] = perm[j];
          perm[j] = t;
        }

      for (b = 0; b < G_N_ELEMENTS (budgets); b++)
        {
          guint n = budgets[b];
          g_autofree float *x = g_new (float, (gsize) n * fm->dim);
          g_autofree guint *y = g_new (guint, n);
          g_autoptr(LightlyLogreg) model = NULL;

          g_string_append_printf (picks, "%d %u", s, n);
          for (i = 0; i < n; i++)
            {
              memcpy (x + (gsize) i * fm->dim, fm->pool_embeddings + (gsize) perm[i] * fm->dim,
                      sizeof (float) * fm->dim);
              y[i] = fm->pool_labels[perm[i]];
              g_string_append_printf (picks, " %u", perm[i]);
            }
          g_string_append_c (picks, '\n');
          t0 = g_get_monotonic_time ();
          model = lightly_logreg_fit (x, n, fm->dim, y, LIGHTLY_FASHION_MNIST_N_CLASSES, NULL, &error);
          if (model == NULL)
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          fit_seconds += (g_get_monotonic_time () - t0) / 1e6;
          n_fits++;
          acc[b][s] = lightly_logreg_accuracy (model, fm->test_embeddings, fm->n_test, fm->test_labels);
          printf ("seed %d  labels %3u  test accuracy %.4f  (%u L-BFGS iterations, max|grad| %.1e%s)\n",
                  s, n, acc[b][s], model->n_iter, model->grad_max,
                  model->converged ? "" : ", NOT CONVERGED");
        }
    }

  for (b = 0; b < G_N_ELEMENTS (budgets); b++)
    {
      double mean = 0, var = 0;

      for (s = 0; s < n_seeds; s++)
        mean += acc[b][s];
      mean /= n_seeds;
      for (s = 0; s < n_seeds; s++)
        var += (acc[b][s] - mean) * (acc[b][s] - mean);
      var = n_seeds > 1 ? var / (n_seeds - 1) : 0;
      printf ("RANDOM %3u labels: test accuracy %.3f ± %.3f (mean ± sd over %d seeds)\n",
              budgets[b], mean, sqrt (var), n_seeds);
    }
  printf ("logistic regression: %u fits, %.3f s in total\n", n_fits, fit_seconds);

  if (picks_path && !g_file_set_contents (picks_path, picks->str, (gssize) picks->len, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
