/* lightly-al-demo.c: `lightly-al demo`, active learning on Fashion-MNIST
 *
 * The main job of the README. One embedded store holds the pool twice: the
 * seed's tutorial (an initial CORESET selection, then CORAL rounds scored
 * from a logistic regression's predictions) and lightly-glib's AUTO. Every
 * round prints both next to RANDOM picks of the same size (mean ± sd over
 * seeds), all trained and measured in this run, and the last line says
 * which did best: the whole truth in one table, not only the good column.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lightly-al-common.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-logreg.h"

#define DEMO_MARKER ".lightly-demo"

static char *opt_out;
static char *opt_data_dir;
static int opt_pool = 10000;
static int opt_test = 10000;
static char *opt_schedule;
static int opt_seeds = 5;
static char *opt_demo_method;

typedef struct {
  LightlyFashionMnist *fm;
  GHashTable *index_of;        /* file name → pool index */
} Demo;

/* Trains on the pool rows @rows and returns the test accuracy. */
static double
train_and_test (Demo         *demo,
                const guint  *rows,
                gsize         n_rows,
                GError      **error)
{
  LightlyFashionMnist *fm = demo->fm;
  g_autofree float *x = g_new (float, n_rows * fm->dim);
  g_autofree guint *y = g_new (guint, n_rows);
  g_autoptr(LightlyLogreg) model = NULL;
  LightlyLogregOptions options;

  for (gsize i = 0; i < n_rows; i++)
    {
      memcpy (x + i * fm->dim, fm->pool_embeddings + (gsize) rows[i] * fm->dim, fm->dim * sizeof (float));
      y[i] = fm->pool_labels[rows[i]];
    }
  lightly_logreg_options_init (&options);
  model = lightly_logreg_fit (x, n_rows, fm->dim, y, 10, &options, error);
  if (model == NULL)
    return -1;
  return lightly_logreg_accuracy (model, fm->test_embeddings, fm->n_test, fm->test_labels);
}

static guint *
rows_of_names (Demo               *demo,
               const char * const *names,
               gsize              *n_out)
{
  gsize n = g_strv_length ((char **) names);
  guint *rows = g_new (guint, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    rows[i] = GPOINTER_TO_UINT (g_hash_table_lookup (demo->index_of, names[i]));
  *n_out = n;
  return rows;
}

/* RANDOM's accuracy at @budget labels: mean and sample sd over @seeds runs.
 * Uniform subsets of the pool, drawn with GLib's seeded Mersenne twister. */
static gboolean
random_baseline (Demo     *demo,
                 guint     budget,
                 guint     seeds,
                 double   *mean,
                 double   *sd,
                 GError  **error)
{
  guint n = demo->fm->n_pool;
  g_autofree guint *perm = g_new (guint, n);
  double sum = 0, sum2 = 0;

  for (guint s = 0; s < seeds; s++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (1000 + s);
      double acc;

      for (guint i = 0; i < n; i++)
        perm[i] = i;
      for (guint i = 0; i < budget; i++)
        {
          guint j = i + (guint) g_rand_int_range (rand, 0, (gint32) (n - i));
          guint t = perm[i];

          perm[i] = perm[j];
          perm[j] = t;
        }
      acc = train_and_test (demo, perm, budget, error);
      if (acc < 0)
        return FALSE;
      sum += acc;
      sum2 += acc * acc;
    }
  *mean = sum / seeds;
  *sd = seeds > 1 ? sqrt (MAX (0.0, (sum2 - sum * sum / seeds) / (seeds - 1))) : 0.0;
  return TRUE;
}

/* Predictions of a model trained on the labeled set, in query-set order,
 * wrapped in the classification scorer. */
static LightlyScorer *
scorer_for_round (Demo          *demo,
                  LightlyAgent  *agent,
                  GError       **error)
{
  LightlyFashionMnist *fm = demo->fm;
  const char * const *labeled = lightly_agent_get_labeled_set (agent);
  const char * const *query = lightly_agent_get_query_set (agent);
  gsize n_labeled, n_query;
  g_autofree guint *labeled_rows = rows_of_names (demo, labeled, &n_labeled);
  g_autofree guint *query_rows = rows_of_names (demo, query, &n_query);
  g_autofree float *x = g_new (float, MAX (n_labeled, n_query) * fm->dim);
  g_autofree guint *y = g_new (guint, MAX (n_labeled, 1));
  g_autofree double *proba = g_new (double, n_query * 10);
  g_autoptr(LightlyLogreg) model = NULL;
  LightlyLogregOptions options;

  for (gsize i = 0; i < n_labeled; i++)
    {
      memcpy (x + i * fm->dim, fm->pool_embeddings + (gsize) labeled_rows[i] * fm->dim, fm->dim * sizeof (float));
      y[i] = fm->pool_labels[labeled_rows[i]];
    }
  lightly_logreg_options_init (&options);
  model = lightly_logreg_fit (x, n_labeled, fm->dim, y, 10, &options, error);
  if (model == NULL)
    return NULL;
  for (gsize i = 0; i < n_query; i++)
    memcpy (x + i * fm->dim, fm->pool_embeddings + (gsize) query_rows[i] * fm->dim, fm->dim * sizeof (float));
  lightly_logreg_predict_proba (model, x, n_query, proba);
  return LIGHTLY_SCORER (lightly_scorer_classification_new (proba, n_query * 10, n_query, 10, error));
}

static gboolean
prepare_out_dir (const char  *out,
                 GError     **error)
{
  g_autofree char *marker = g_build_filename (out, DEMO_MARKER, NULL);

  if (g_file_test (out, G_FILE_TEST_EXISTS))
    {
      g_autofree char *store = g_build_filename (out, "store", NULL);
      g_autofree char *images = g_build_filename (out, "images", NULL);
      const char *rm_argv[] = { "rm", "-rf", "--", store, images, NULL };
      int status = 0;

      if (!g_file_test (marker, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                       "%s exists and was not made by the demo: choose another --out", out);
          return FALSE;
        }
      /* A previous demo's folder: start afresh, so every run is the same. */
      if (!g_spawn_sync (NULL, (char **) rm_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                         NULL, NULL, &status, error) ||
          !g_spawn_check_wait_status (status, error))
        return FALSE;
    }
  if (g_mkdir_with_parents (out, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Cannot create %s: %s", out, g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents (marker, "lightly-al demo output\n", -1, error);
}

/* Parses the options into the opt_* variables, @schedule and @later_method;
 * returns 0, or the exit code for bad usage. */
static int
parse_options (int                    argc,
               char                 **argv,
               GArray                *schedule,
               LightlySamplingMethod *later_method)
{
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
      "Folder for thumbnails, embeddings.csv and the store (default: ~/.local/share/lightly/demo)", "DIR" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
      "Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)", "DIR" },
    { "pool", 0, 0, G_OPTION_ARG_INT, &opt_pool, "Pool size: the first N training images (default 10000)", "N" },
    { "test", 0, 0, G_OPTION_ARG_INT, &opt_test, "Test images (default 10000)", "N" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &opt_schedule,
      "Labeled-set sizes per round (default 100,200,300,400,500)", "N,N,…" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &opt_seeds, "RANDOM runs per round (default 5)", "N" },
    { "method", 'm', 0, G_OPTION_ARG_STRING, &opt_demo_method,
      "The tutorial column's method after its first CORESET round: CORAL (default), CORESET, "
      "ACTIVE_LEARNING, TYPICLUST or PROBCOVER (AUTO has its own column)", "METHOD" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— active learning on Fashion-MNIST, against RANDOM");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;

  g_option_context_set_summary (context,
    "Loads a slice of Fashion-MNIST, embeds it (whitened PCA to 64 dimensions of the\n"
    "L2-normalised pixels) and stores it twice in an embedded store: once for the seed's\n"
    "tutorial (an initial CORESET selection, then CORAL rounds scored from a logistic\n"
    "regression's predictions) and once for AUTO. Each round prints RANDOM's mean ± sd,\n"
    "the tutorial and AUTO side by side (test accuracy, measured in this run, and the method\n"
    "each query ran); the last line says which did best.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      return 2;
    }
  if (argc != 1 || opt_pool < 20 || opt_test < 1 || opt_seeds < 1)
    {
      g_printerr ("lightly-al: demo takes options only; --pool ≥ 20, --test ≥ 1, --seeds ≥ 1\n");
      return 2;
    }
  parts = g_strsplit (opt_schedule != NULL ? opt_schedule : "100,200,300,400,500", ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (parts[i], 10, 1, (guint64) opt_pool, &v, NULL) ||
          (schedule->len > 0 && v <= g_array_index (schedule, guint, schedule->len - 1)))
        {
          g_printerr ("lightly-al: --schedule needs increasing sizes between 1 and the pool size, got “%s”\n",
                      parts[i]);
          return 2;
        }
      g_array_append_val (schedule, (guint) { (guint) v });
    }
  if (opt_demo_method != NULL)
    {
      *later_method = lightly_sampling_method_from_string (opt_demo_method, &error);
      if (error == NULL && *later_method == LIGHTLY_SAMPLING_METHOD_AUTO)
        g_set_error_literal (&error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                             "--method is the tutorial column's method; AUTO has a column of its own");
      if (error != NULL)
        {
          g_printerr ("lightly-al: %s\n", error->message);
          return 2;
        }
    }
  return 0;
}

/* The embedded store at @location with the pool from @csv registered and
 * its embeddings uploaded, and an agent on it. */
static LightlyAgent *
open_store (const char                *location,
            const char                *csv,
            const char                *dataset_name,
            LightlyApiWorkflowClient **client_out,
            GError                   **error)
{
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *dataset_id = NULL;
  g_autofree char *embedding_id = NULL;
  LightlyAgent *agent;

  client = lightly_al_open_client (location, FALSE, error);
  if (client == NULL)
    return NULL;
  dataset_id = lightly_api_workflow_client_create_dataset (client, dataset_name, NULL, error);
  if (dataset_id == NULL ||
      !lightly_api_workflow_client_register_samples_from_path (client, csv, NULL, error))
    return NULL;
  embedding_id = lightly_api_workflow_client_upload_embeddings_from_path (client, csv, "whitened-pca-64",
                                                                          NULL, error);
  if (embedding_id == NULL)
    return NULL;
  agent = lightly_agent_new (client, NULL, NULL, NULL, error);
  if (agent != NULL)
    *client_out = g_steal_pointer (&client);
  return agent;
}

/* One strategy's run through the rounds: its agent, the method after the
 * first round (AUTO: every round), and its accuracies for the summary. */
typedef struct {
  LightlyApiWorkflowClient *client;
  LightlyAgent *agent;
  LightlySamplingMethod later_method;
  GArray *accuracy;              /* double per round */
} Arm;

static void
arm_clear (Arm *arm)
{
  g_clear_object (&arm->agent);
  g_clear_object (&arm->client);
  g_clear_pointer (&arm->accuracy, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Arm, arm_clear)

/* The arm's query up to @budget labels and the test accuracy of a model
 * trained on its labeled set; @method_out is what ran (AUTO resolved, as the
 * query result says). */
static gboolean
run_arm (Demo                   *demo,
         Arm                    *arm,
         guint                   round,
         guint                   budget,
         LightlySamplingMethod  *method_out,
         GError                **error)
{
  LightlySamplingMethod method = round == 0 && arm->later_method != LIGHTLY_SAMPLING_METHOD_AUTO
                                 ? LIGHTLY_SAMPLING_METHOD_CORESET : arm->later_method;
  guint n_before = lightly_agent_get_set_size (arm->agent, LIGHTLY_AGENT_SET_LABELED);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyScorer) scorer = NULL;
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autofree char *name = g_strdup_printf ("round-%u", round + 1);
  g_autofree guint *rows = NULL;
  gsize n_rows;
  double acc;

  g_object_set (config, "method", method, "n-samples", (int) budget, "name", name, NULL);
  /* Scores need a model, so none before the first labels. */
  if (method != LIGHTLY_SAMPLING_METHOD_CORESET && method != LIGHTLY_SAMPLING_METHOD_RANDOM && n_before > 0)
    {
      scorer = scorer_for_round (demo, arm->agent, error);
      if (scorer == NULL)
        return FALSE;
      /* AUTO's mid regime (BADGE) reads the class probabilities too. */
      if (method == LIGHTLY_SAMPLING_METHOD_AUTO)
        g_object_set (scorer, "probabilities", TRUE, NULL);
    }
  if (!lightly_al_query (arm->agent, config, scorer, TRUE, &result, error))
    return FALSE;
  *method_out = lightly_query_result_get_method (result);
  rows = rows_of_names (demo, lightly_agent_get_labeled_set (arm->agent), &n_rows);
  acc = train_and_test (demo, rows, n_rows, error);
  if (acc < 0)
    return FALSE;
  g_array_append_val (arm->accuracy, acc);
  return TRUE;
}

/* One row of the table: RANDOM, the tutorial and AUTO at @budget labels. */
static gboolean
run_round (Demo     *demo,
           Arm      *tutorial,
           Arm      *automatic,
           GArray   *random_means,
           guint     round,
           guint     budget,
           GError  **error)
{
  LightlySamplingMethod tutorial_method, auto_method;
  double mean, sd;

  if (!run_arm (demo, tutorial, round, budget, &tutorial_method, error) ||
      !run_arm (demo, automatic, round, budget, &auto_method, error) ||
      !random_baseline (demo, budget, (guint) opt_seeds, &mean, &sd, error))
    return FALSE;
  g_array_append_val (random_means, mean);
  g_print ("%7u  %.3f ± %.3f   %.3f %-15s  %.3f %s\n", budget, mean, sd,
           g_array_index (tutorial->accuracy, double, round), lightly_sampling_method_to_string (tutorial_method),
           g_array_index (automatic->accuracy, double, round), lightly_sampling_method_to_string (auto_method));
  return TRUE;
}

/* The last line: which column did best on average over the rounds, by how
 * many points against RANDOM's mean, and its worst round. */
static void
print_verdict (GArray     *random_means,
               const Arm  *tutorial,
               const Arm  *automatic)
{
  const char *names[] = { "the tutorial", "AUTO" };
  const Arm *arms[] = { tutorial, automatic };
  double gain[2] = { 0, 0 }, worst[2] = { G_MAXDOUBLE, G_MAXDOUBLE };
  guint n = random_means->len, best;

  for (guint a = 0; a < 2; a++)
    for (guint r = 0; r < n; r++)
      {
        double d = 100 * (g_array_index (arms[a]->accuracy, double, r) - g_array_index (random_means, double, r));

        gain[a] += d / n;
        worst[a] = MIN (worst[a], d);
      }
  best = gain[1] >= gain[0] ? 1 : 0;
  if (gain[best] > 0)
    g_print ("\nBest: %s, %+.1f points over RANDOM's mean on average (worst round %+.1f); %s: %+.1f.\n",
             names[best], gain[best], worst[best], names[1 - best], gain[1 - best]);
  else
    g_print ("\nBest: RANDOM; the tutorial %+.1f and AUTO %+.1f points against its mean on average.\n",
             gain[0], gain[1]);
}

static gboolean
open_arm (Arm                    *arm,
          const char             *location,
          const char             *csv,
          const char             *dataset_name,
          LightlySamplingMethod   later_method,
          GError                **error)
{
  arm->later_method = later_method;
  arm->accuracy = g_array_new (FALSE, FALSE, sizeof (double));
  arm->agent = open_store (location, csv, dataset_name, &arm->client, error);
  return arm->agent != NULL;
}

int
lightly_al_cmd_demo (int    argc,
                     char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *images = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *store = NULL;
  g_autofree char *location = NULL;
  g_auto(Arm) tutorial = { 0 };
  g_auto(Arm) automatic = { 0 };
  g_autoptr(GArray) random_means = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(LightlyFashionMnist) fm = NULL;
  g_autoptr(GHashTable) index_of = NULL;
  g_autoptr(GArray) schedule = g_array_new (FALSE, FALSE, sizeof (guint));
  LightlySamplingMethod later_method = LIGHTLY_SAMPLING_METHOD_CORAL;
  Demo demo;
  gint64 t0 = g_get_monotonic_time ();
  int code;

  code = parse_options (argc, argv, schedule, &later_method);
  if (code != 0)
    return code;

  out = opt_out != NULL ? g_canonicalize_filename (opt_out, NULL)
                        : g_build_filename (g_get_user_data_dir (), "lightly", "demo", NULL);
  images = g_build_filename (out, "images", NULL);
  csv = g_build_filename (out, "embeddings.csv", NULL);
  store = g_build_filename (out, "store", NULL);

  if (!prepare_out_dir (out, &error))
    return lightly_al_fail (g_steal_pointer (&error));

  fm = lightly_fashion_mnist_load (opt_data_dir != NULL ? opt_data_dir : "/usr/share/datasets/fashion-mnist",
                                   (guint) opt_pool, (guint) opt_test, 64, NULL, &error);
  if (fm == NULL)
    return lightly_al_fail (g_steal_pointer (&error));
  if (!lightly_fashion_mnist_write_thumbnails (fm, images, NULL, &error) ||
      !lightly_fashion_mnist_write_embeddings_csv (fm, csv, &error))
    return lightly_al_fail (g_steal_pointer (&error));

  index_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < fm->n_pool; i++)
    g_hash_table_insert (index_of, lightly_fashion_mnist_file_name (i), GUINT_TO_POINTER (i));
  demo.fm = fm;
  demo.index_of = index_of;

  location = g_filename_to_uri (store, NULL, &error);
  if (location == NULL)
    return lightly_al_fail (g_steal_pointer (&error));
  /* AUTO's dataset keeps the demo's name: the annotation app continues it. */
  if (!open_arm (&automatic, location, csv, "fashion-mnist", LIGHTLY_SAMPLING_METHOD_AUTO, &error) ||
      !open_arm (&tutorial, location, csv, "fashion-mnist-tutorial", later_method, &error))
    return lightly_al_fail (g_steal_pointer (&error));

  g_print ("Fashion-MNIST: pool %u, test %u; embedding: whitened PCA(64) of L2-normalised pixels;\n"
           "classifier: logistic regression (C=1) on L2-normalised embeddings; RANDOM: %d seeds.\n"
           "Store: %s\n\n",
           fm->n_pool, fm->n_test, opt_seeds, location);
  g_print ("Test accuracy per round, with the method each query ran:\n");
  {
    g_autofree char *title = g_strdup_printf ("CORESET→%s", lightly_sampling_method_to_string (later_method));

    g_print ("%7s  %-14s   %-21s  %s\n", "labels", "RANDOM mean±sd", title, "AUTO");
  }

  for (guint round = 0; round < schedule->len; round++)
    if (!run_round (&demo, &tutorial, &automatic, random_means, round, g_array_index (schedule, guint, round), &error))
      return lightly_al_fail (g_steal_pointer (&error));
  print_verdict (random_means, &tutorial, &automatic);

  g_print ("\nDone in %.1f s. Thumbnails: %s\n", (g_get_monotonic_time () - t0) / 1e6, images);
  return 0;
}
