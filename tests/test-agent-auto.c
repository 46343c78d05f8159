/* test-agent-auto.c: the agent resolves AUTO before the request (§13)
 *
 * An embedded store with 1200 samples: AUTO runs TYPICLUST up to 10% of
 * the pool, BADGE past it while the model is weak (RANDOM when the scorer
 * gives no class probabilities), ACTIVE_LEARNING once it has 200 labels
 * and the batch is no larger, and RANDOM past 10% without scores. The tag's creator names the method
 * the engine ran, so this also covers the local backend passing the method
 * through. TYPICLUST and PROBCOVER given explicitly run too.
 */
#include <lightly/lightly.h>

#include <math.h>

#include <string.h>
#include <glib/gstdio.h>

#include "test-utils.h"

#define N_SAMPLES 1200

typedef struct {
  char *dir;
  LightlyApiWorkflowClient *client;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) csv = g_string_new ("filenames,embedding_0,embedding_1,embedding_2,labels\n");
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *store = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *embedding = NULL;

  f->dir = test_make_tmp_dir ("lightly-agent-auto");
  for (guint i = 0; i < N_SAMPLES; i++)
    g_string_append_printf (csv, "s%04u.png,%.4f,%.4f,%.4f,%u\n", i, g_rand_double_range (rng, -1, 1) + (i % 3),
                            g_rand_double_range (rng, -1, 1), g_rand_double_range (rng, -1, 1), i % 3);
  path = g_build_filename (f->dir, "embeddings.csv", NULL);
  g_file_set_contents (path, csv->str, -1, &error);
  g_assert_no_error (error);
  store = g_build_filename (f->dir, "store", NULL);
  uri = g_filename_to_uri (store, NULL, &error);
  g_assert_no_error (error);
  f->client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  dataset = lightly_api_workflow_client_create_dataset (f->client, "auto", NULL, &error);
  g_assert_no_error (error);
  lightly_api_workflow_client_register_samples_from_path (f->client, path, NULL, &error);
  g_assert_no_error (error);
  embedding = lightly_api_workflow_client_upload_embeddings_from_path (f->client, path, "default", NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Margin-like probabilities for the query set, varied per sample; with
 * @probabilities the scores carry them too (BADGE reads them). */
static LightlyScorer *
make_scorer (guint n, gboolean probabilities)
{
  g_autofree double *p = g_new (double, n * 3);
  g_autoptr(GError) error = NULL;
  LightlyScorer *scorer;

  for (guint i = 0; i < n; i++)
    {
      double a = 0.34 + 0.6 * ((i * 7919) % 1000) / 1000.0;

      p[i * 3] = a;
      p[i * 3 + 1] = (1 - a) * 0.7;
      p[i * 3 + 2] = (1 - a) * 0.3;
    }
  scorer = LIGHTLY_SCORER (lightly_scorer_classification_new (p, n * 3, n, 3, &error));
  g_assert_no_error (error);
  g_object_set (scorer, "probabilities", probabilities, NULL);
  return scorer;
}

static char last_reason[512];

static const char *
query (LightlyAgent *agent, LightlySamplingMethod method, int n_samples, LightlyScorer *scorer, char **name)
{
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(GError) error = NULL;
  static char creator[64];
  g_autofree char *ran = NULL;
  guint n_before = g_strv_length ((char **) lightly_agent_get_labeled_set (agent));

  g_object_set (config, "method", method, "n-samples", n_samples, NULL);
  result = lightly_agent_query (agent, config, scorer, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (lightly_query_result_get_skipped (result));
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_labeled_set (agent)), ==, (guint) n_samples);
  g_strlcpy (creator, lightly_tag_get_creator (lightly_query_result_get_tag (result)), sizeof creator);
  /* The result names the method that ran, as the tag's creator does, and
   * counts the batch and the new total. */
  ran = g_strconcat ("SAMPLER_", lightly_sampling_method_to_string (lightly_query_result_get_method (result)), NULL);
  g_assert_cmpstr (ran, ==, creator);
  g_assert_cmpuint (lightly_query_result_get_total (result), ==, (guint) n_samples);
  g_assert_cmpuint (lightly_query_result_get_batch_size (result), ==, (guint) n_samples - n_before);
  /* Why picked: one pick per added sample, in rank order, by the method
   * that ran; TYPICLUST's cold start makes one cluster per pick (clusters
   * of under 5 members come last, so a large one may take two). */
  {
    GPtrArray *picks = lightly_query_result_get_picks (result);
    const char * const *added = lightly_query_result_get_added (result);
    g_autoptr(GHashTable) clusters = g_hash_table_new (NULL, NULL);

    g_assert_cmpuint (picks->len, ==, (guint) n_samples - n_before);
    for (guint i = 0; i < picks->len; i++)
      {
        const LightlyPick *p = g_ptr_array_index (picks, i);

        g_assert_cmpuint (lightly_pick_get_rank (p), ==, i);
        g_assert_cmpint (lightly_pick_get_method (p), ==, lightly_query_result_get_method (result));
        g_assert_true (g_strv_contains (added, lightly_pick_get_file_name (p)));
        g_assert_true (isfinite (lightly_pick_get_utility (p)));
        if (lightly_pick_get_method (p) == LIGHTLY_SAMPLING_METHOD_TYPICLUST && n_before == 0)
          {
            g_assert_cmpint (lightly_pick_get_cluster (p), >=, 0);
            g_assert_cmpint (lightly_pick_get_cluster (p), <, (gint) picks->len);
            g_hash_table_add (clusters, GINT_TO_POINTER (lightly_pick_get_cluster (p) + 1));
          }
        else if (lightly_pick_get_method (p) == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING)
          {
            /* The score, highest first. */
            g_assert_cmpint (lightly_pick_get_cluster (p), ==, -1);
            if (i > 0)
              g_assert_cmpfloat (lightly_pick_get_utility (p), <=,
                                 lightly_pick_get_utility (g_ptr_array_index (picks, i - 1)) + 1e-9);
          }
      }
    if (n_before == 0 && lightly_query_result_get_method (result) == LIGHTLY_SAMPLING_METHOD_TYPICLUST)
      g_assert_cmpuint (g_hash_table_size (clusters), >, 1);
  }
  /* The reason starts with the method that ran. */
  g_assert_true (g_str_has_prefix (lightly_query_result_get_reason (result),
                                   lightly_sampling_method_to_string (lightly_query_result_get_method (result))));
  g_strlcpy (last_reason, lightly_query_result_get_reason (result), sizeof last_reason);
  if (name != NULL)
    *name = g_strdup (lightly_tag_get_name (lightly_query_result_get_tag (result)));
  /* The user's config is left as it was. */
  g_assert_cmpint (lightly_sampler_config_get_method (config), ==, method);
  return creator;
}

static void
test_auto_switch (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyAgent) agent = lightly_agent_new (f->client, NULL, NULL, NULL, &error);
  g_autoptr(LightlyAgent) agent2 = NULL;
  g_autoptr(LightlyAgent) agent3 = NULL;
  g_autoptr(LightlyScorer) scorer = make_scorer (N_SAMPLES, TRUE);
  g_autoptr(LightlyScorer) scores_only = make_scorer (N_SAMPLES, FALSE);
  g_autofree char *name = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_AUTO, 20, NULL, NULL), ==, "SAMPLER_TYPICLUST");
  /* Scores, but the labeled set stays within 10% of the pool of 1200:
   * typical samples (low budget). */
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_AUTO, 120, scorer, &name), ==, "SAMPLER_TYPICLUST");
  /* The name generated from the config names the method that ran. */
  g_assert_true (g_str_has_prefix (name, "TYPICLUST_120_"));
  /* Past it, a model of 120 labels is too weak to rank by its scores
   * alone: BADGE, uncertainty and diversity together (mid). */
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_AUTO, 300, scorer, NULL), ==, "SAMPLER_BADGE");
  g_assert_nonnull (strstr (last_reason, "only 120 labels"));
  /* 300 labels and a batch of 300: the highest scores (high budget). */
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_AUTO, 600, scorer, NULL), ==, "SAMPLER_ACTIVE_LEARNING");

  /* Without scores, AUTO never ranks by them: typical samples at the cold
   * start, RANDOM past 10% of the pool. */
  agent2 = lightly_agent_new (f->client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (query (agent2, LIGHTLY_SAMPLING_METHOD_AUTO, 500, NULL, NULL), ==, "SAMPLER_TYPICLUST");
  g_assert_cmpstr (query (agent2, LIGHTLY_SAMPLING_METHOD_AUTO, 1100, NULL, NULL), ==, "SAMPLER_RANDOM");
  g_assert_nonnull (strstr (last_reason, "no scores given"));

  /* Scores without class probabilities: the mid regime without BADGE
   * (other sizes than above, so that the generated tag names differ). */
  agent3 = lightly_agent_new (f->client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (query (agent3, LIGHTLY_SAMPLING_METHOD_AUTO, 25, NULL, NULL), ==, "SAMPLER_TYPICLUST");
  g_assert_cmpstr (query (agent3, LIGHTLY_SAMPLING_METHOD_AUTO, 310, scores_only, NULL), ==, "SAMPLER_RANDOM");
  g_assert_nonnull (strstr (last_reason, "no class probabilities"));
  /* The high regime needs no probabilities. */
  g_assert_cmpstr (query (agent3, LIGHTLY_SAMPLING_METHOD_AUTO, 620, scores_only, NULL), ==,
                   "SAMPLER_ACTIVE_LEARNING");
}

static void
test_explicit_methods (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyAgent) agent = lightly_agent_new (f->client, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_PROBCOVER, 15, NULL, NULL), ==, "SAMPLER_PROBCOVER");
  g_assert_cmpstr (query (agent, LIGHTLY_SAMPLING_METHOD_TYPICLUST, 30, NULL, NULL), ==, "SAMPLER_TYPICLUST");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/agent/auto/switch", Fixture, NULL, fixture_set_up, test_auto_switch, fixture_tear_down);
  g_test_add ("/agent/auto/explicit", Fixture, NULL, fixture_set_up, test_explicit_methods, fixture_tear_down);
  return g_test_run ();
}
