/* lightly-al.c: the lightly-glib command-line tool
 *
 * Subcommands, like git. The store comes from --location, else
 * LIGHTLY_SERVER_LOCATION, else the default embedded store. The token comes
 * from LIGHTLY_TOKEN or --token-file, never from an argument, so it does not
 * end up in shell history or `ps`.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage, 3 a query
 * skipped because the labeled set already has --n-samples.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <lightly/lightly.h>
#include "lightly-al-common.h"

/* ---------------------------------------------------------------------------
 * Common options and helpers
 * ------------------------------------------------------------------------- */

static char *opt_location;
static char *opt_token_file;
static char *opt_dataset;
static gboolean opt_allow_insecure;
static char *opt_ca_file;

static const GOptionEntry common_entries[] = {
  { "location", 'l', 0, G_OPTION_ARG_STRING, &opt_location,
    "Store or server: file:///dir or http(s)://host (default: $LIGHTLY_SERVER_LOCATION, "
    "else the embedded store in ~/.local/share/lightly)", "URI" },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file,
    "Read the API token from FILE (default: $LIGHTLY_TOKEN)", "FILE" },
  { "dataset", 'd', 0, G_OPTION_ARG_STRING, &opt_dataset,
    "The dataset, by name or id", "DATASET" },
  { "allow-insecure", 0, 0, G_OPTION_ARG_NONE, &opt_allow_insecure,
    "Send the token over plain http to a host that is not loopback", NULL },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
    "Trust the https server certificates signed by this PEM file (default: $LIGHTLY_CA_FILE, "
    "else the system's)", "FILE" },
  G_OPTION_ENTRY_NULL
};

int
lightly_al_fail (GError *error)
{
  g_printerr ("lightly-al: %s\n", error->message);
  g_error_free (error);
  return 1;
}

int
lightly_al_usage_error (GOptionContext *context,
                        const char     *message)
{
  g_printerr ("lightly-al: %s\n", message);
  g_printerr ("Try “%s --help”.\n", g_get_prgname ());
  if (context != NULL)
    g_option_context_free (context);
  return 2;
}

gboolean
lightly_al_parse_options (GOptionContext *context,
                          int            *argc,
                          char         ***argv,
                          int            *exit_code)
{
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, common_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      *exit_code = 2;
      return FALSE;
    }
  return TRUE;
}

static char *
read_token (GError **error)
{
  char *token = NULL;

  if (opt_token_file != NULL)
    {
      if (!g_file_get_contents (opt_token_file, &token, NULL, error))
        return NULL;
      g_strstrip (token);
      return token;
    }
  return g_strdup (g_getenv ("LIGHTLY_TOKEN"));
}

gboolean
lightly_al_has_dataset (void)
{
  return opt_dataset != NULL;
}

LightlyApiWorkflowClient *
lightly_al_open_client (const char  *location,
                        gboolean     need_dataset,
                        GError     **error)
{
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GPtrArray) datasets = NULL;

  location = lightly_al_location_or_env (location != NULL ? location : opt_location);

  /* The http backend reads it when it makes its session. */
  if (opt_ca_file != NULL)
    g_setenv ("LIGHTLY_CA_FILE", opt_ca_file, TRUE);
  token = read_token (error);
  if (token == NULL && opt_token_file != NULL)
    return NULL;
  client = lightly_api_workflow_client_new (location, token, NULL, error);
  if (client == NULL)
    return NULL;
  if (opt_allow_insecure)
    g_object_set (client, "allow-insecure", TRUE, NULL);
  if (!need_dataset)
    return g_steal_pointer (&client);

  if (opt_dataset == NULL)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "No dataset given: use --dataset NAME (see “lightly-al create-dataset”)");
      return NULL;
    }
  datasets = lightly_api_workflow_client_list_datasets (client, NULL, error);
  if (datasets == NULL)
    return NULL;
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      if (g_strcmp0 (lightly_dataset_get_name (d), opt_dataset) == 0 ||
          g_strcmp0 (lightly_dataset_get_id (d), opt_dataset) == 0)
        {
          lightly_api_workflow_client_set_dataset_id (client, lightly_dataset_get_id (d));
          return g_steal_pointer (&client);
        }
    }
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
               "No dataset named “%s” in %s: create it with “lightly-al create-dataset %s”",
               opt_dataset, lightly_api_workflow_client_get_server_location (client), opt_dataset);
  return NULL;
}

/* ---------------------------------------------------------------------------
 * create-dataset, register-samples, upload-embeddings
 * ------------------------------------------------------------------------- */

static int
cmd_create_dataset (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("NAME — create a dataset and print its id");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *id = NULL;
  GError *error = NULL;
  int code = 0;

  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 2)
    return lightly_al_usage_error (context, "create-dataset takes one NAME");
  g_option_context_free (context);

  client = lightly_al_open_client (NULL, FALSE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  id = lightly_api_workflow_client_create_dataset (client, argv[1], NULL, &error);
  if (id == NULL)
    return lightly_al_fail (error);
  g_print ("%s\n", id);
  return 0;
}

static int
cmd_register_samples (int argc, char **argv)
{
  GOptionContext *context =
    g_option_context_new ("EMBEDDINGS.CSV — register the CSV's file names, in row order, as the samples");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_auto(GStrv) names = NULL;
  GError *error = NULL;
  int code = 0;

  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 2)
    return lightly_al_usage_error (context, "register-samples takes one CSV file");
  g_option_context_free (context);

  client = lightly_al_open_client (NULL, TRUE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  if (!lightly_api_workflow_client_register_samples_from_path (client, argv[1], NULL, &error))
    return lightly_al_fail (error);
  names = lightly_api_workflow_client_get_file_names (client, NULL, &error);
  if (names == NULL)
    return lightly_al_fail (error);
  g_print ("%u samples registered; tag initial-tag holds them all\n", g_strv_length (names));
  return 0;
}

static char *opt_name;

static int
cmd_upload_embeddings (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, "The embedding's name (default: default)", "NAME" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new ("EMBEDDINGS.CSV — upload embeddings (Lightly's CSV format)");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *id = NULL;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 2)
    return lightly_al_usage_error (context, "upload-embeddings takes one CSV file");
  g_option_context_free (context);

  client = lightly_al_open_client (NULL, TRUE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  id = lightly_api_workflow_client_upload_embeddings_from_path (client, argv[1],
                                                                opt_name != NULL ? opt_name : "default",
                                                                NULL, &error);
  if (id == NULL)
    return lightly_al_fail (error);
  g_print ("%s\n", id);
  return 0;
}

/* ---------------------------------------------------------------------------
 * query
 * ------------------------------------------------------------------------- */

static char *opt_method;
static int opt_n_samples = 32;
static double opt_min_distance = -1;
static char *opt_preselected;
static char *opt_query_tag;
static char *opt_predictions;
static gint64 opt_seed;
static char *opt_score_type;
static double opt_score_strength = 1.0;
static gboolean opt_reuse_scores;
static gboolean opt_balance;
static char *opt_precision;
static gboolean opt_up_to;
static gboolean opt_query_json;

#define TAG_NAME_RULE \
  "tag names have at least 3 characters, start with a letter or a digit, and use only " \
  "letters, digits, spaces and . : ; = @ _ -"

/* The checks that need no store, in the CLI's own words: flags, not
 * library properties. Sets @code (2) on failure. */
static gboolean
check_query_flags (LightlySamplingMethod  method,
                   LightlySamplerConfig  *config,
                   int                   *code)
{
  g_autoptr(GError) error = NULL;

  *code = LIGHTLY_AL_EXIT_USAGE;
  if ((method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING || method == LIGHTLY_SAMPLING_METHOD_CORAL) &&
      opt_predictions == NULL && !opt_reuse_scores)
    {
      g_printerr ("lightly-al: --method %s ranks by model scores: give --predictions FILE (a CSV of "
                  "filenames,p_0,…,p_{C-1}) or --reuse-scores\n", lightly_sampling_method_to_string (method));
      return FALSE;
    }
  if ((method == LIGHTLY_SAMPLING_METHOD_BADGE || opt_balance) && opt_predictions == NULL && !opt_reuse_scores)
    {
      g_printerr ("lightly-al: %s needs the model's class probabilities: give --predictions FILE (a CSV of "
                  "filenames,p_0,…,p_{C-1}) or --reuse-scores\n",
                  method == LIGHTLY_SAMPLING_METHOD_BADGE ? "--method BADGE" : "--balance");
      return FALSE;
    }
  if (opt_name != NULL)
    {
      g_autoptr(LightlySamplerConfig) named = lightly_sampler_config_new ();

      g_object_set (named, "name", opt_name, NULL);
      if (!lightly_sampler_config_validate (named, &error))
        {
          g_autoptr(GString) message = g_string_new (error->message);

          /* The library speaks of its property; the CLI of its flag. */
          g_string_replace (message, "leave the name unset", "leave out --name", 0);
          g_printerr ("lightly-al: --name: %s (%s)\n", message->str, TAG_NAME_RULE);
          return FALSE;
        }
    }
  if (!lightly_sampler_config_validate (config, &error))
    {
      g_printerr ("lightly-al: %s\n", error->message);
      return FALSE;
    }
  *code = 0;
  return TRUE;
}

/* More than the pool is an error that names the pool, unless --up-to. */
static gboolean
fit_pool (LightlyAgent          *agent,
          LightlySamplerConfig  *config,
          GError               **error)
{
  guint pool = lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_QUERY);

  if (opt_n_samples < 0 || (guint) opt_n_samples <= pool)
    return TRUE;
  if (opt_up_to)
    {
      opt_n_samples = (int) pool;
      g_object_set (config, "n-samples", opt_n_samples, NULL);
      return TRUE;
    }
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "--n-samples %d is more than the pool: the query tag “%s” has %u samples "
               "(give --up-to to take at most the pool)",
               opt_n_samples, lightly_agent_get_query_tag_name (agent), pool);
  return FALSE;
}

/* Lightly's generated name has a one-second clock: two queries within a
 * second would collide, so the CLI makes it unique against the tags. */
static gboolean
name_query_tag (LightlyApiWorkflowClient *client,
                LightlySamplerConfig     *config,
                GError                  **error)
{
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;

  if (opt_name != NULL)
    return TRUE;
  base = lightly_sampler_config_generate_name (config, NULL);
  name = lightly_al_unique_tag_name (client, base, error);
  if (name == NULL)
    return FALSE;
  g_object_set (config, "name", name, NULL);
  return TRUE;
}

/* `query --json`: stable keys, documented in docs/cli.md. */
static void
print_query_json (LightlyApiWorkflowClient *client,
                  LightlySamplingMethod     requested,
                  LightlyQueryResult       *result)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  LightlyTag *tag = lightly_query_result_get_tag (result);
  const char * const *added = lightly_query_result_get_added (result);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dataset_id");
  json_builder_add_string_value (b, lightly_api_workflow_client_get_dataset_id (client));
  json_builder_set_member_name (b, "skipped");
  json_builder_add_boolean_value (b, lightly_query_result_get_skipped (result));
  json_builder_set_member_name (b, "tag");
  if (tag != NULL)
    json_builder_add_string_value (b, lightly_tag_get_name (tag));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "requested_method");
  json_builder_add_string_value (b, lightly_sampling_method_to_string (requested));
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, lightly_sampling_method_to_string (lightly_query_result_get_method (result)));
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, lightly_query_result_get_reason (result));
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, lightly_query_result_get_total (result));
  json_builder_set_member_name (b, "batch_size");
  json_builder_add_int_value (b, lightly_query_result_get_skipped (result) ? 0 :
                              lightly_query_result_get_batch_size (result));
  json_builder_set_member_name (b, "added");
  json_builder_begin_array (b);
  for (guint i = 0; added != NULL && added[i] != NULL; i++)
    {
      LightlyAlPick pick;

      lightly_al_pick_info (result, i, &pick);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, pick.file);
      json_builder_set_member_name (b, "rank");
      json_builder_add_int_value (b, pick.rank);
      json_builder_set_member_name (b, "strategy");
      json_builder_add_string_value (b, pick.strategy);
      json_builder_set_member_name (b, "utility");
      if (isnan (pick.utility))
        json_builder_add_null_value (b);
      else
        json_builder_add_double_value (b, pick.utility);
      json_builder_set_member_name (b, "cluster");
      if (pick.cluster < 0)
        json_builder_add_null_value (b);
      else
        json_builder_add_int_value (b, pick.cluster);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  lightly_al_print_json (json_builder_get_root (b));
}

static int
cmd_query (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "method", 'm', 0, G_OPTION_ARG_STRING, &opt_method,
      "AUTO (default: TYPICLUST for a cold start and up to 10% of the pool, below 1000 labels; then "
      "BADGE, and ACTIVE_LEARNING once the model has 200 labels and the batch is no larger; "
      "RANDOM past TYPICLUST without --predictions), RANDOM, CORESET, CORAL, ACTIVE_LEARNING, TYPICLUST, PROBCOVER or BADGE (needs --predictions)", "METHOD" },
    { "n-samples", 'n', 0, G_OPTION_ARG_INT, &opt_n_samples,
      "Total size of the labeled set after the query (default 32; -1: use --min-distance only)", "N" },
    { "min-distance", 0, 0, G_OPTION_ARG_DOUBLE, &opt_min_distance,
      "Stop before a pick closer than this to the selected set (0–2; default -1: off)", "D" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Name of the new tag (default: generated)", "NAME" },
    { "preselected", 'p', 0, G_OPTION_ARG_STRING, &opt_preselected,
      "The tag of the samples labeled so far", "TAG" },
    { "query-tag", 'q', 0, G_OPTION_ARG_STRING, &opt_query_tag,
      "The tag to select from (default: initial-tag)", "TAG" },
    { "predictions", 0, 0, G_OPTION_ARG_FILENAME, &opt_predictions,
      "Class probabilities as CSV (filenames,p_0,…,p_{C-1}), scored with the classification scorer", "CSV" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Seed for RANDOM (default 0)", "S" },
    { "score-type", 0, 0, G_OPTION_ARG_STRING, &opt_score_type,
      "The score CORAL/ACTIVE_LEARNING rank by (default: uncertainty_margin)", "TYPE" },
    { "score-strength", 0, 0, G_OPTION_ARG_DOUBLE, &opt_score_strength,
      "CORAL's β: 0 is CORESET, large approaches ACTIVE_LEARNING (default 1)", "B" },
    { "reuse-scores", 0, 0, G_OPTION_ARG_NONE, &opt_reuse_scores,
      "Rank by the scores already stored on the query tag", NULL },
    { "balance", 0, 0, G_OPTION_ARG_NONE, &opt_balance,
      "Equal quotas per predicted class in the batch (needs --predictions)", NULL },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &opt_precision,
      "float32 (default), float16 or bfloat16: the copy of the embeddings CORESET and CORAL stream; "
      "a half copy (built and kept on first use) reads half the bytes, same picks", "P" },
    { "up-to", 0, 0, G_OPTION_ARG_NONE, &opt_up_to,
      "Take at most the pool when --n-samples is larger (default: that is an error)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_query_json,
      "Print the result as JSON on stdout (keys: see docs/cli.md)", NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new ("— select the next batch and print the added file names");
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyScorer) scorer = NULL;
  g_autoptr(LightlyQueryResult) result = NULL;
  LightlySamplingMethod method = LIGHTLY_SAMPLING_METHOD_AUTO;
  LightlyMatrixPrecision precision = LIGHTLY_MATRIX_PRECISION_FLOAT32;
  const char * const *added;
  GError *error = NULL;
  int code = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!lightly_al_parse_options (context, &argc, &argv, &code))
    return g_option_context_free (context), code;
  if (argc != 1)
    return lightly_al_usage_error (context, "query takes options only");
  if (opt_method != NULL)
    {
      method = lightly_sampling_method_from_string (opt_method, &error);
      if (error != NULL)
        {
          code = lightly_al_usage_error (context, error->message);
          g_error_free (error);
          return code;
        }
    }
  if (opt_precision != NULL)
    {
      precision = lightly_matrix_precision_from_string (opt_precision, &error);
      if (error != NULL)
        {
          g_autofree char *message = g_strdup_printf ("Unknown --precision “%s”: use float32, float16 "
                                                      "or bfloat16", opt_precision);

          g_clear_error (&error);
          return lightly_al_usage_error (context, message);
        }
    }
  g_option_context_free (context);

  config = lightly_sampler_config_new ();
  g_object_set (config,
                "method", method,
                "n-samples", opt_n_samples,
                "min-distance", opt_min_distance,
                "name", opt_name,
                "seed", (guint64) opt_seed,
                "score-type", opt_score_type,
                "score-strength", opt_score_strength,
                "reuse-scores", opt_reuse_scores,
                "balance", opt_balance,
                "matrix-precision", precision,
                NULL);
  if (!check_query_flags (method, config, &code))
    return code;

  client = lightly_al_open_client (NULL, TRUE, &error);
  if (client == NULL)
    return lightly_al_fail (error);
  agent = lightly_agent_new (client, opt_query_tag, opt_preselected, NULL, &error);
  if (agent == NULL)
    return lightly_al_fail (error);
  if (!fit_pool (agent, config, &error) || !name_query_tag (client, config, &error))
    return lightly_al_fail (error);

  if (opt_predictions != NULL)
    {
      scorer = lightly_al_load_predictions (opt_predictions, lightly_agent_get_query_set (agent), &error);
      if (scorer == NULL)
        return lightly_al_fail (error);
      /* BADGE (AUTO's mid regime too) and balance read the probabilities
       * themselves, not only the scores. */
      if (LIGHTLY_IS_SCORER_CLASSIFICATION (scorer))
        g_object_set (scorer, "probabilities",
                      method == LIGHTLY_SAMPLING_METHOD_BADGE || method == LIGHTLY_SAMPLING_METHOD_AUTO ||
                      opt_balance, NULL);
    }

  if (!lightly_al_query (agent, config, scorer, TRUE, &result, &error))
    return lightly_al_fail (error);

  if (opt_query_json)
    print_query_json (client, method, result);

  /* The result says what the query meant (the agent owns the rules): print
   * it rather than working it out again. */
  if (lightly_query_result_get_skipped (result))
    {
      g_printerr ("Skipped: the labeled set has %u samples, more than --n-samples %d\n",
                  lightly_query_result_get_total (result), opt_n_samples);
      return LIGHTLY_AL_EXIT_SKIPPED;
    }
  added = lightly_query_result_get_added (result);
  if (method == LIGHTLY_SAMPLING_METHOD_AUTO)
    {
      g_printerr ("AUTO ran %s\n", lightly_sampling_method_to_string (lightly_query_result_get_method (result)));
      g_printerr ("Why: %s\n", lightly_query_result_get_reason (result));
    }
  g_printerr ("Tag %s: %u labeled, %u added\n", lightly_tag_get_name (lightly_query_result_get_tag (result)),
              lightly_query_result_get_total (result), lightly_query_result_get_batch_size (result));
  if (!opt_query_json)
    {
      /* One write, not one flushed g_print() per name (a batch can be
       * thousands). */
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; added[i] != NULL; i++)
        g_string_append_printf (out, "%s\n", added[i]);
      g_print ("%s", out->str);
    }
  return 0;
}

/* ---------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "create-dataset", cmd_create_dataset, "Create a dataset and print its id" },
  { "register-samples", cmd_register_samples, "Register an embeddings CSV's file names as samples" },
  { "upload-embeddings", cmd_upload_embeddings, "Upload embeddings in Lightly's CSV format" },
  { "datasets", lightly_al_cmd_datasets, "List the datasets" },
  { "tags", lightly_al_cmd_tags, "List the dataset's tags" },
  { "query", cmd_query, "Select the next batch (the active-learning step)" },
  { "export", lightly_al_cmd_export, "Print a tag's files, or write Label Studio tasks or a CVAT file list" },
  { "import-labels", lightly_al_cmd_import_labels, "Read Label Studio or CVAT labels: tag them and write labels.csv" },
  { "embed", lightly_al_cmd_embed, "Compute embeddings for a folder of your own images" },
  { "demo", lightly_al_cmd_demo, "Run active learning on Fashion-MNIST, against RANDOM" },
  { "serve", lightly_al_cmd_serve, "Serve a store over the Lightly v1 REST API (for remote clients)" },
  { "simulate", lightly_al_cmd_simulate, "Measure selection methods against RANDOM on labeled data" },
};

static void
print_help (FILE *out)
{
  fprintf (out,
           "Usage: lightly-al COMMAND [OPTIONS…]\n\n"
           "Active learning for annotation tools: pick the samples to label next.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-18s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\nRun “lightly-al COMMAND --help” for a command's options.\n"
           "The store is --location, else $LIGHTLY_SERVER_LOCATION, else the embedded store\n"
           "in ~/.local/share/lightly. The token is read from $LIGHTLY_TOKEN or --token-file.\n"
           "Exit codes: 0 success, 1 failure, 2 bad usage, 3 query skipped (already labeled enough).\n");
}

int
main (int argc, char **argv)
{
#ifndef LIGHTLY_AL_NET
  /* Before anything else: this may exec lightly-al-net (lightly-al-forward.c). */
  lightly_al_forward_remote (argc, argv);
#endif
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_help (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("lightly-al %s\n", LIGHTLY_VERSION_S);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("lightly-al %s", commands[i].name);

        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }

  g_printerr ("lightly-al: unknown command “%s”\n", argv[1]);
  print_help (stderr);
  return 2;
}
