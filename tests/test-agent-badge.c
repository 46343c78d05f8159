/* test-agent-badge.c: BADGE and class balance through the agent (embedded store)
 *
 * The class probabilities travel as the scores class_probability_*: a
 * classification scorer with `probabilities` set gives them, the local
 * backend lays them out for the engine. Without them the query fails with
 * LIGHTLY_ERROR_SCORES_REQUIRED before any request. With balance on, a
 * long-tailed pool (nine in ten samples predicted class 0, and those the
 * most uncertain) gives a batch with equal shares of the three classes,
 * where ACTIVE_LEARNING alone takes class 0 only.
 */
#include <lightly/lightly.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test-utils.h"

#define N_SAMPLES 600

typedef struct {
  char *dir;
  LightlyApiWorkflowClient *client;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) csv = g_string_new ("filenames,embedding_0,embedding_1,embedding_2,labels\n");
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *store = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *embedding = NULL;

  f->dir = test_make_tmp_dir ("lightly-agent-badge");
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
  dataset = lightly_api_workflow_client_create_dataset (f->client, "badge", NULL, &error);
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

/* The predicted class of sample i: 0 for nine in ten, else 1 or 2. */
static guint
predicted (guint i)
{
  return i % 10 == 9 ? 1 + (i / 10) % 2 : 0;
}

/* Probabilities in query-set (file) order: class 0 rows are the uncertain ones. */
static LightlyScorer *
make_scorer (gboolean with_probabilities)
{
  g_autofree double *p = g_new (double, N_SAMPLES * 3);
  g_autoptr(GError) error = NULL;
  LightlyScorerClassification *scorer;

  for (guint i = 0; i < N_SAMPLES; i++)
    {
      guint y = predicted (i);
      double top = y == 0 ? 0.40 + 0.1 * ((i * 7919) % 100) / 100.0 : 0.9;

      for (guint c = 0; c < 3; c++)
        p[i * 3 + c] = c == y ? top : (1 - top) / 2;
    }
  scorer = lightly_scorer_classification_new (p, N_SAMPLES * 3, N_SAMPLES, 3, &error);
  g_assert_no_error (error);
  g_object_set (scorer, "probabilities", with_probabilities, NULL);
  return LIGHTLY_SCORER (scorer);
}

static LightlyQueryResult *
query (LightlyApiWorkflowClient *client, LightlySamplingMethod method, gboolean balance, int n,
       LightlyScorer *scorer, GError **error)
{
  g_autoptr(LightlyAgent) agent = lightly_agent_new (client, NULL, NULL, NULL, error);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  static guint counter;
  g_autofree char *name = g_strdup_printf ("query-%u", counter++);

  g_assert_nonnull (agent);
  /* Named: generated names of two queries in one second could clash. */
  g_object_set (config, "method", method, "n-samples", n, "balance", balance, "name", name, NULL);
  return lightly_agent_query (agent, config, scorer, NULL, error);
}

static guint
count_predicted (LightlyQueryResult *result, guint y)
{
  const char * const *added = lightly_query_result_get_added (result);
  guint n = 0;

  for (guint i = 0; added[i] != NULL; i++)
    n += predicted ((guint) strtoul (added[i] + 1, NULL, 10)) == y;
  return n;
}

static void
test_badge_query (Fixture *f, gconstpointer data)
{
  g_autoptr(LightlyScorer) plain = make_scorer (FALSE);
  g_autoptr(LightlyScorer) with_probs = make_scorer (TRUE);
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *picks;

  g_assert_null (query (f->client, LIGHTLY_SAMPLING_METHOD_BADGE, FALSE, 20, NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_assert_nonnull (strstr (error->message, "class probabilities"));
  g_clear_error (&error);
  g_assert_null (query (f->client, LIGHTLY_SAMPLING_METHOD_BADGE, FALSE, 20, plain, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_assert_nonnull (strstr (error->message, "probabilities"));
  g_clear_error (&error);

  result = query (f->client, LIGHTLY_SAMPLING_METHOD_BADGE, FALSE, 20, with_probs, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lightly_query_result_get_method (result), ==, LIGHTLY_SAMPLING_METHOD_BADGE);
  g_assert_cmpstr (lightly_tag_get_creator (lightly_query_result_get_tag (result)), ==, "SAMPLER_BADGE");
  picks = lightly_query_result_get_picks (result);
  g_assert_cmpuint (picks->len, ==, 20);
  for (guint i = 0; i < picks->len; i++)
    {
      const LightlyPick *p = g_ptr_array_index (picks, i);

      g_assert_cmpint (lightly_pick_get_method (p), ==, LIGHTLY_SAMPLING_METHOD_BADGE);
      g_assert_cmpfloat (lightly_pick_get_utility (p), >, 0);
      g_assert_cmpint (lightly_pick_get_cluster (p), ==, -1);
    }
}

static void
test_balance_query (Fixture *f, gconstpointer data)
{
  g_autoptr(LightlyScorer) plain = make_scorer (FALSE);
  g_autoptr(LightlyScorer) with_probs = make_scorer (TRUE);
  g_autoptr(LightlyQueryResult) unbalanced = NULL;
  g_autoptr(LightlyQueryResult) balanced = NULL;
  g_autoptr(GError) error = NULL;

  unbalanced = query (f->client, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, FALSE, 30, plain, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_predicted (unbalanced, 0), ==, 30);

  g_assert_null (query (f->client, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, TRUE, 30, plain, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_clear_error (&error);

  balanced = query (f->client, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, TRUE, 30, with_probs, &error);
  g_assert_no_error (error);
  for (guint y = 0; y < 3; y++)
    g_assert_cmpuint (count_predicted (balanced, y), ==, 10);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/agent/badge/query", Fixture, NULL, fixture_set_up, test_badge_query, fixture_tear_down);
  g_test_add ("/agent/badge/balance", Fixture, NULL, fixture_set_up, test_balance_query, fixture_tear_down);
  return g_test_run ();
}
