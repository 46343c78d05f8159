/* bench-bindings.c: the C baseline for the Python and GJS overhead figures
 *
 *   bench-bindings STORE_DIR
 *
 * Times (best of several runs, milliseconds) a 100k × 10 classification
 * scorer call (float32 GBytes in, scores out) and a 100k × 128 embeddings
 * upload from memory, as bench-bindings.py and bench-bindings.js do through
 * GI. Prints "scorer_ms upload_ms". See run.sh.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#define N 100000
#define C 10
#define D 128
/* Best of this many scorer calls per process, the same in the .py and .js
 * sides: a 4 ms call's minimum over 5 was noisy on a shared machine. */
#define SCORER_RUNS 20

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *dataset = NULL;
  g_autofree float *probs = g_new (float, (gsize) N * C);
  g_autofree float *emb = g_new (float, (gsize) N * D);
  g_auto(GStrv) names = g_new0 (char *, N + 1);
  double best_scorer = G_MAXDOUBLE, best_upload = G_MAXDOUBLE;

  if (argc != 2)
    {
      g_printerr ("usage: bench-bindings STORE_DIR\n");
      return 2;
    }
  for (gsize i = 0; i < N; i++)
    {
      names[i] = g_strdup_printf ("img-%06" G_GSIZE_FORMAT ".png", i);
      for (gsize j = 0; j < C; j++)
        probs[i * C + j] = (float) ((i * 31 + j * 17) % 97 + 1) / 100.0f;
      for (gsize j = 0; j < D; j++)
        emb[i * D + j] = (float) ((int) ((i * 7 + j * 13) % 101) - 50) / 50.0f;
    }
  uri = g_filename_to_uri (argv[1], NULL, NULL);
  client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  if (client != NULL)
    dataset = lightly_api_workflow_client_create_dataset (client, "bench-c", NULL, &error);
  if (dataset == NULL ||
      !lightly_api_workflow_client_register_samples_from_names (client, (const char * const *) names, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  for (int run = 0; run < SCORER_RUNS; run++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GBytes) bytes = g_bytes_new (probs, (gsize) N * C * sizeof (float));
      g_autoptr(LightlyScorerClassification) scorer = lightly_scorer_classification_new_from_bytes (bytes, N, C, &error);
      g_autoptr(LightlyScores) scores = scorer != NULL ? lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error) : NULL;
      g_autoptr(GBytes) margin = scores != NULL ? lightly_scores_dup_values_bytes (scores, "uncertainty_margin") : NULL;

      if (margin == NULL)
        {
          g_printerr ("scorer: %s\n", error != NULL ? error->message : "no margin");
          return 1;
        }
      best_scorer = MIN (best_scorer, (g_get_monotonic_time () - t0) / 1000.0);
    }
  for (int run = 0; run < 3; run++)
    {
      g_autofree char *name = g_strdup_printf ("c-%d", run);
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GBytes) bytes = g_bytes_new (emb, (gsize) N * D * sizeof (float));
      g_autofree char *id = lightly_api_workflow_client_upload_embeddings_from_bytes (
        client, (const char * const *) names, bytes, N, D, name, NULL, &error);

      if (id == NULL)
        {
          g_printerr ("upload: %s\n", error->message);
          return 1;
        }
      best_upload = MIN (best_upload, (g_get_monotonic_time () - t0) / 1000.0);
    }
  g_print ("%.1f %.1f\n", best_scorer, best_upload);
  return 0;
}
