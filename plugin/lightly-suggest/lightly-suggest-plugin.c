/* lightly-suggest-plugin.c: LightlySuggestPlugin, the C batch suggester
 *
 * A libpeas 1.x plugin (liblightly-suggest.so + lightly-suggest.plugin)
 * implementing LightlyBatchSuggester with a LightlyAgent over a
 * LightlyApiWorkflowClient (DESIGN.md, "The plugin contract").
 *
 * One suggestion, all in the owner context with the library's async API:
 *
 *   1. settings: location and dataset from the context, else from GSettings
 *      (org.lightly.Suggest); method and batch size from GSettings (the
 *      request's batch size wins when it is not 0);
 *   2. the client (created once; the token is looked up only for http(s));
 *   3. file names and tags of the dataset;
 *   4. the labeled set: the newest round-state tag is the store's labeled
 *      set; when it differs from the request's `labeled`, a tag equal to
 *      `labeled` is recorded first (lightly-suggest-labeled-<n>[.<k>]);
 *   5. an agent with that tag as preselected tag, and one query whose new
 *      tag is lightly-suggest-round-<n>; the batch is the query's added set,
 *      in rank order, and the request gets why each file was picked
 *      (lightly_suggest_request_set_picks()).
 *
 * Tag names follow the TagName rule ^[a-zA-Z0-9][a-zA-Z0-9 .:;=@_-]+$, which
 * forbids '/', hence "-round-<n>" rather than "/round-<n>".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <libpeas/peas.h>

#include <lightly/lightly.h>
#include "lightly-suggest-token.h"

#define SETTINGS_SCHEMA_ID "org.lightly.Suggest"
#define QUERY_TAG_NAME "initial-tag"
#define ROUND_PREFIX "lightly-suggest-round-"
#define LABELED_PREFIX "lightly-suggest-labeled-"
#define DEFAULT_BATCH_SIZE 32

#define LIGHTLY_TYPE_SUGGEST_PLUGIN (lightly_suggest_plugin_get_type ())
G_DECLARE_FINAL_TYPE (LightlySuggestPlugin, lightly_suggest_plugin, LIGHTLY, SUGGEST_PLUGIN, GObject)

struct _LightlySuggestPlugin
{
  GObject parent_instance;

  LightlySuggestContext *context;
  GSettings *settings;                 /* NULL when the schema is not installed */

  LightlyApiWorkflowClient *client;    /* for client_location + client_dataset_id */
  char *client_location;
  char *client_dataset_id;

  gboolean busy;
};

enum {
  PROP_0,
  PROP_CONTEXT,
  N_PROPS
};

static void lightly_suggest_plugin_iface_init (LightlyBatchSuggesterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (LightlySuggestPlugin, lightly_suggest_plugin, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (LIGHTLY_TYPE_BATCH_SUGGESTER,
                                                               lightly_suggest_plugin_iface_init))

/* ---------------------------------------------------------------------------
 * One suggestion
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlySuggestRequest *request;
  char *location;
  char *dataset_id;
  gboolean method_auto;
  LightlySamplingMethod method;
  guint batch_size;

  char **file_names;
  GHashTable *index;                   /* file name → index + 1 */
  LightlyBitMask *labeled_mask;
  guint64 n_labeled;
  guint64 n_new;                       /* the batch size this round gives */
  guint round;                         /* the n of the round tag to make */
  char *preselected_name;              /* NULL: nothing labeled, no state */
  char *recorded_tag_id;               /* the record of `labeled` this call made */
  LightlyAgent *agent;
} Round;

static void
round_free (gpointer data)
{
  Round *r = data;

  g_clear_object (&r->request);
  g_free (r->location);
  g_free (r->dataset_id);
  g_strfreev (r->file_names);
  g_clear_pointer (&r->index, g_hash_table_unref);
  g_clear_pointer (&r->labeled_mask, lightly_bit_mask_free);
  g_free (r->preselected_name);
  g_free (r->recorded_tag_id);
  g_clear_object (&r->agent);
  g_free (r);
}

static void
round_return_error (GTask  *task,
                    GError *error)
{
  LightlySuggestPlugin *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_error (task, error);
}

static void
round_return_names (GTask *task,
                    char **names)
{
  LightlySuggestPlugin *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_pointer (task, names, (GDestroyNotify) g_strfreev);
}

static void
round_undone (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* Over http the server's job may go on and still use the record: then it
   * stays, and the next round takes it up as its labeled set. */
  if (!lightly_api_workflow_client_delete_tag_finish (LIGHTLY_API_WORKFLOW_CLIENT (source), result, &error))
    g_debug ("The record of the labeled set stays: %s", error->message);
  round_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 "The suggestion was cancelled"));
}

/* A cancelled round leaves the store's tags as they were (issue 5): the
 * record of `labeled` this call made goes again. Not cancellable itself. */
static void
round_return_cancelled (GTask *task)
{
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);

  if (r->recorded_tag_id == NULL)
    {
      round_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "The suggestion was cancelled"));
      g_object_unref (task);
      return;
    }
  lightly_api_workflow_client_delete_tag_async (self->client, r->recorded_tag_id, NULL, round_undone, task);
}

static const char *
method_setting_name (LightlySamplingMethod method)
{
  switch (method)
    {
    case LIGHTLY_SAMPLING_METHOD_RANDOM:
      return "random";
    case LIGHTLY_SAMPLING_METHOD_CORAL:
      return "coral";
    case LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING:
      return "active-learning";
    case LIGHTLY_SAMPLING_METHOD_TYPICLUST:
      return "typiclust";
    case LIGHTLY_SAMPLING_METHOD_PROBCOVER:
      return "probcover";
    case LIGHTLY_SAMPLING_METHOD_CORESET:
    default:
      return "coreset";
    }
}

static gboolean
parse_method (const char            *value,
              gboolean              *is_auto,
              LightlySamplingMethod *method)
{
  static const LightlySamplingMethod methods[] = {
    LIGHTLY_SAMPLING_METHOD_RANDOM, LIGHTLY_SAMPLING_METHOD_CORESET,
    LIGHTLY_SAMPLING_METHOD_CORAL, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING,
    LIGHTLY_SAMPLING_METHOD_TYPICLUST, LIGHTLY_SAMPLING_METHOD_PROBCOVER,
  };

  *is_auto = g_strcmp0 (value, "auto") == 0 || value == NULL || value[0] == '\0';
  *method = LIGHTLY_SAMPLING_METHOD_CORESET;
  if (*is_auto)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_strcmp0 (value, method_setting_name (methods[i])) == 0)
      {
        *method = methods[i];
        return TRUE;
      }
  return FALSE;
}

/* Parses "<prefix><n>" or, with allow_suffix, "<prefix><n>.<k>"; k is 1
 * without a suffix. */
static gboolean
parse_state_name (const char *name,
                  const char *prefix,
                  gboolean    allow_suffix,
                  guint64    *n,
                  guint64    *k)
{
  const char *rest;
  char *end = NULL;

  if (!g_str_has_prefix (name, prefix))
    return FALSE;
  rest = name + strlen (prefix);
  if (!g_ascii_isdigit (rest[0]))
    return FALSE;
  errno = 0;
  *n = g_ascii_strtoull (rest, &end, 10);
  if (errno != 0)
    return FALSE;
  *k = 1;
  if (*end == '\0')
    return TRUE;
  if (!allow_suffix || *end != '.' || !g_ascii_isdigit (end[1]))
    return FALSE;
  rest = end + 1;
  *k = g_ascii_strtoull (rest, &end, 10);
  return errno == 0 && *end == '\0' && *k >= 2;
}

static LightlyTag *
find_tag (GPtrArray  *tags,
          const char *name)
{
  for (guint i = 0; i < tags->len; i++)
    if (g_strcmp0 (lightly_tag_get_name (g_ptr_array_index (tags, i)), name) == 0)
      return g_ptr_array_index (tags, i);
  return NULL;
}

static gboolean
tag_has_mask (LightlyTag           *tag,
              const LightlyBitMask *mask)
{
  g_autoptr(LightlyBitMask) tag_mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (tag), NULL);

  return tag_mask != NULL && lightly_bit_mask_equal (tag_mask, mask);
}

static void round_start_query (GTask *task);

static char **
batch_from_tag (Round      *r,
                LightlyTag *tag,
                GError    **error)
{
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (tag), error);

  if (mask == NULL)
    return NULL;
  lightly_bit_mask_difference (mask, r->labeled_mask);
  return lightly_bit_mask_masked_select (mask, (const char * const *) r->file_names, error);
}

static void
round_check_cancelled (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Round *r = g_task_get_task_data (task);
  g_autoptr(GPtrArray) tags = lightly_api_workflow_client_get_tags_finish (LIGHTLY_API_WORKFLOW_CLIENT (source),
                                                                           result, NULL);
  g_autofree char *tag_name = g_strdup_printf (ROUND_PREFIX "%u", r->round);
  LightlyTag *tag = tags != NULL ? find_tag (tags, tag_name) : NULL;
  GError *error = NULL;
  char **names;

  if (tag == NULL)
    {
      round_return_cancelled (g_steal_pointer (&task));
      return;
    }
  names = batch_from_tag (r, tag, &error);
  if (names == NULL)
    round_return_error (task, error);
  else
    round_return_names (task, names);
}

static void
round_got_result (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Round *r = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyQueryResult) query_result = NULL;
  const char * const *added;
  g_autofree const char **ranked = NULL;
  GPtrArray *picks;
  g_autoptr(GStrvBuilder) batch = g_strv_builder_new ();

  query_result = lightly_agent_query_finish (r->agent, result, &error);
  if (query_result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* In the embedded store a cancelled query made no tag. Over http the
       * server's job goes on after the client stops following it (protocol
       * §13), so its round tag may exist already: then the round is done,
       * and it is reported. A CANCELLED result means "no round tag". */
      lightly_api_workflow_client_get_tags_async (lightly_agent_get_client (r->agent), NULL,
                                                  round_check_cancelled, g_steal_pointer (&task));
      return;
    }
  if (query_result == NULL)
    {
      round_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The batch in rank order (the order of the picks) when the selection
   * says why it picked each file; else in the dataset's order. */
  picks = lightly_query_result_get_picks (query_result);
  added = lightly_query_result_get_added (query_result);
  if (picks->len > 0 && picks->len == g_strv_length ((char **) added))
    {
      ranked = g_new0 (const char *, picks->len + 1);
      for (guint i = 0; i < picks->len; i++)
        ranked[i] = lightly_pick_get_file_name (g_ptr_array_index (picks, i));
      if (ranked[0] != NULL && g_strv_length ((char **) ranked) == picks->len)
        added = ranked;
      lightly_suggest_request_set_picks (r->request, picks);
    }
  for (gsize i = 0; added != NULL && added[i] != NULL; i++)
    {
      gsize index = GPOINTER_TO_SIZE (g_hash_table_lookup (r->index, added[i]));

      /* The contract promises disjointness; never pass on a labeled file. */
      if (index == 0 || lightly_bit_mask_get_bit (r->labeled_mask, (guint) (index - 1)))
        {
          round_return_error (task, g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                                                 "The selection returned “%s”, which is labeled "
                                                 "already or not in the dataset", added[i]));
          return;
        }
      g_strv_builder_add (batch, added[i]);
    }
  round_return_names (task, g_strv_builder_end (batch));
}

/* The agent reports each stage's own fraction; the host wants one bar for
 * the round. The selection is most of a round's time, so it gets most of
 * the bar. */
static void
round_agent_progress (LightlyAgent      *agent,
                      LightlyQueryStage  stage,
                      double             fraction,
                      gpointer           user_data)
{
  static const double start[] = {
    [LIGHTLY_QUERY_STAGE_SCORING] = 0.0,
    [LIGHTLY_QUERY_STAGE_UPLOADING_SCORES] = 0.05,
    [LIGHTLY_QUERY_STAGE_SELECTING] = 0.1,
    [LIGHTLY_QUERY_STAGE_FINISHING] = 0.95,
  };
  static const double end[] = {
    [LIGHTLY_QUERY_STAGE_SCORING] = 0.05,
    [LIGHTLY_QUERY_STAGE_UPLOADING_SCORES] = 0.1,
    [LIGHTLY_QUERY_STAGE_SELECTING] = 0.95,
    [LIGHTLY_QUERY_STAGE_FINISHING] = 1.0,
  };

  if ((guint) stage >= G_N_ELEMENTS (start))
    return;
  lightly_batch_suggester_emit_progress (LIGHTLY_BATCH_SUGGESTER (user_data),
                                         start[stage] + (end[stage] - start[stage]) * fraction);
}

static void
round_got_agent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Round *r = g_task_get_task_data (task);
  GError *error = NULL;

  r->agent = lightly_agent_new_finish (result, &error);
  if (r->agent == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      round_return_cancelled (g_steal_pointer (&task));
      return;
    }
  if (r->agent == NULL)
    {
      round_return_error (task, error);
      return;
    }
  g_signal_connect_object (r->agent, "progress", G_CALLBACK (round_agent_progress),
                           g_task_get_source_object (task), 0);
  round_start_query (g_steal_pointer (&task));
}

static void
round_start_agent (GTask *task)
{
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);

  lightly_agent_new_async (self->client, QUERY_TAG_NAME, r->preselected_name,
                           g_task_get_cancellable (task), round_got_agent, task);
}

static void
round_start_query (GTask *task)
{
  Round *r = g_task_get_task_data (task);
  LightlyPredictions *predictions = lightly_suggest_request_get_predictions (r->request);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlyScorerClassification) scorer = NULL;
  g_autofree char *tag_name = g_strdup_printf (ROUND_PREFIX "%u", r->round);
  LightlySamplingMethod method = r->method;
  GError *error = NULL;

  /* AUTO is resolved by the agent for each round: typical samples up to
   * 10% of the pool, then BADGE on the predictions (RANDOM without them)
   * until a model of 200 labels or more can rank a batch no larger than
   * its labels by the predictions' margin. */
  if (r->method_auto)
    method = LIGHTLY_SAMPLING_METHOD_AUTO;

  if (predictions != NULL && (method == LIGHTLY_SAMPLING_METHOD_CORAL ||
                              method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING ||
                              method == LIGHTLY_SAMPLING_METHOD_AUTO))
    {
      /* Apps key predictions by file name; the scorer wants query-set order. */
      g_autoptr(GBytes) ordered = lightly_predictions_reorder (predictions,
                                                               lightly_agent_get_query_set (r->agent),
                                                               &error);

      if (ordered == NULL)
        {
          round_return_error (task, error);
          g_object_unref (task);
          return;
        }
      scorer = lightly_scorer_classification_new_from_bytes (ordered,
                                                             lightly_agent_get_set_size (r->agent, LIGHTLY_AGENT_SET_QUERY),
                                                             lightly_predictions_get_n_cols (predictions),
                                                             &error);
      if (scorer == NULL)
        {
          round_return_error (task, error);
          g_object_unref (task);
          return;
        }
      lightly_sampler_config_set_score_type (config, "uncertainty_margin");
      /* AUTO's mid regime (BADGE) reads the class probabilities too. */
      if (method == LIGHTLY_SAMPLING_METHOD_AUTO)
        g_object_set (scorer, "probabilities", TRUE, NULL);
    }

  lightly_sampler_config_set_method (config, method);
  lightly_sampler_config_set_n_samples (config, (int) (r->n_labeled + r->n_new));
  lightly_sampler_config_set_name (config, tag_name);
  g_debug ("Round %u: %s, %" G_GUINT64_FORMAT " labeled, %" G_GUINT64_FORMAT " to suggest, preselected %s",
           r->round, lightly_sampling_method_to_string (method), r->n_labeled, r->n_new,
           r->preselected_name != NULL ? r->preselected_name : "(none)");

  lightly_agent_query_async (r->agent, config, LIGHTLY_SCORER (scorer), g_task_get_cancellable (task),
                             round_got_result, task);
}

static void
round_labeled_recorded (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(LightlyTag) tag = lightly_api_workflow_client_create_tag_finish (self->client, result, &error);

  if (tag == NULL)
    {
      round_return_error (task, error);
      return;
    }
  r->recorded_tag_id = g_strdup (lightly_tag_get_id (tag));
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      round_return_cancelled (g_steal_pointer (&task));
      return;
    }
  round_start_agent (g_steal_pointer (&task));
}

/* Decides the round number and the preselected tag (step 4). */
static void
round_got_tags (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  LightlyTag *query_tag;
  g_autoptr(LightlyBitMask) pool = NULL;
  LightlyTag *newest = NULL;          /* the store's labeled set */
  LightlyTag *newest_round = NULL;
  guint64 max_round = 0, max_k = 0;
  g_autofree char *record_name = NULL;

  tags = lightly_api_workflow_client_get_tags_finish (self->client, result, &error);
  if (tags == NULL)
    {
      round_return_error (task, error);
      return;
    }
  query_tag = find_tag (tags, QUERY_TAG_NAME);
  if (query_tag == NULL)
    {
      round_return_error (task, g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                                             "Dataset %s has no “%s” tag: register its samples first",
                                             r->dataset_id, QUERY_TAG_NAME));
      return;
    }
  pool = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (query_tag), &error);
  if (pool == NULL)
    {
      round_return_error (task, error);
      return;
    }
  lightly_bit_mask_difference (pool, r->labeled_mask);
  r->n_new = MIN ((guint64) r->batch_size, lightly_bit_mask_count (pool));
  if (r->n_new == 0)
    {
      /* Everything is labeled: nothing to select, nothing to record. */
      round_return_names (task, g_new0 (char *, 1));
      return;
    }

  for (guint i = 0; i < tags->len; i++)
    {
      LightlyTag *tag = g_ptr_array_index (tags, i);
      guint64 n, k;

      if (parse_state_name (lightly_tag_get_name (tag), ROUND_PREFIX, FALSE, &n, &k) && n >= max_round)
        {
          max_round = n;
          newest_round = tag;
        }
    }
  if (max_round >= G_MAXUINT)
    {
      round_return_error (task, g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                             "Dataset %s has a round tag numbered %" G_GUINT64_FORMAT
                                             ": too many rounds", r->dataset_id, max_round));
      return;
    }
  r->round = (guint) max_round + 1;

  /* Labeled-set records made for this round (a cancelled attempt leaves
   * one) are newer than the last round's tag. */
  newest = newest_round;
  for (guint i = 0; i < tags->len; i++)
    {
      LightlyTag *tag = g_ptr_array_index (tags, i);
      guint64 n, k;

      if (parse_state_name (lightly_tag_get_name (tag), LABELED_PREFIX, TRUE, &n, &k) && n == r->round)
        {
          if (k > max_k)
            {
              max_k = k;
              newest = tag;
            }
          if (r->preselected_name == NULL && tag_has_mask (tag, r->labeled_mask))
            r->preselected_name = g_strdup (lightly_tag_get_name (tag));
        }
    }

  if (newest != NULL && tag_has_mask (newest, r->labeled_mask))
    {
      g_free (r->preselected_name);
      r->preselected_name = g_strdup (lightly_tag_get_name (newest));
    }
  if (r->preselected_name != NULL || (newest == NULL && r->n_labeled == 0))
    {
      round_start_agent (g_steal_pointer (&task));
      return;
    }

  record_name = max_k == 0 ? g_strdup_printf (LABELED_PREFIX "%u", r->round)
                           : g_strdup_printf (LABELED_PREFIX "%u.%" G_GUINT64_FORMAT, r->round, max_k + 1);
  r->preselected_name = g_strdup (record_name);
  /* Not cancellable: a cancel landing during the write could leave a record
   * whose id this call never learns, and so cannot undo. The cancel is
   * looked at once the record exists. */
  lightly_api_workflow_client_create_tag_async (self->client, record_name, r->labeled_mask,
                                                lightly_tag_get_id (newest != NULL ? newest : query_tag),
                                                NULL,
                                                round_labeled_recorded, g_steal_pointer (&task));
}

/* Maps `labeled` and the predictions' names onto the dataset (step 3). */
static void
round_got_file_names (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);
  GError *error = NULL;
  const char * const *labeled = lightly_suggest_request_get_labeled (r->request);
  LightlyPredictions *predictions = lightly_suggest_request_get_predictions (r->request);
  GCancellable *cancellable;

  r->file_names = lightly_api_workflow_client_get_file_names_finish (self->client, result, &error);
  if (r->file_names == NULL)
    {
      round_return_error (task, error);
      return;
    }
  r->index = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; r->file_names[i] != NULL; i++)
    g_hash_table_insert (r->index, r->file_names[i], GSIZE_TO_POINTER (i + 1));

  r->labeled_mask = lightly_bit_mask_new ();
  for (gsize i = 0; labeled[i] != NULL; i++)
    {
      gsize index = GPOINTER_TO_SIZE (g_hash_table_lookup (r->index, labeled[i]));

      if (index == 0)
        {
          round_return_error (task, g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                                 "Labeled file “%s” is not in dataset %s: pass the file "
                                                 "names the dataset was registered with",
                                                 labeled[i], r->dataset_id));
          return;
        }
      lightly_bit_mask_set_bit (r->labeled_mask, (guint) (index - 1));
    }
  r->n_labeled = lightly_bit_mask_count (r->labeled_mask);

  if (predictions != NULL)
    {
      const char * const *names = lightly_predictions_get_names (predictions);

      for (gsize i = 0; names[i] != NULL; i++)
        if (!g_hash_table_contains (r->index, names[i]))
          {
            round_return_error (task, g_error_new (LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                                                   "The predictions name “%s”, which is not in dataset %s: "
                                                   "predict the files the dataset was registered with",
                                                   names[i], r->dataset_id));
            return;
          }
    }

  cancellable = g_task_get_cancellable (task);
  lightly_api_workflow_client_get_tags_async (self->client, cancellable,
                                              round_got_tags, g_steal_pointer (&task));
}

static void
round_start_files (GTask *task)
{
  LightlySuggestPlugin *self = g_task_get_source_object (task);

  lightly_api_workflow_client_get_file_names_async (self->client, g_task_get_cancellable (task),
                                                    round_got_file_names, task);
}

static gboolean
plugin_set_client (LightlySuggestPlugin  *self,
                   Round                 *r,
                   const char            *token,
                   GError               **error)
{
  LightlyApiWorkflowClient *client = lightly_api_workflow_client_new (r->location, token, r->dataset_id, error);

  if (client == NULL)
    return FALSE;
  g_clear_object (&self->client);
  self->client = client;
  g_free (self->client_location);
  self->client_location = g_strdup (r->location);
  g_free (self->client_dataset_id);
  self->client_dataset_id = g_strdup (r->dataset_id);
  return TRUE;
}

static void
round_got_token (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlySuggestPlugin *self = g_task_get_source_object (task);
  Round *r = g_task_get_task_data (task);
  GError *error = NULL;
  LightlySuggestTokenSource token_source = LIGHTLY_SUGGEST_TOKEN_NONE;
  g_autofree char *token = lightly_suggest_token_lookup_finish (result, &token_source, &error);

  if (error != NULL)
    {
      round_return_error (task, error);
      return;
    }
  if (!plugin_set_client (self, r, token, &error))
    {
      round_return_error (task, error);
      return;
    }
  if (token != NULL)
    memset (token, 0, strlen (token));
  round_start_files (g_steal_pointer (&task));
}

/* ---------------------------------------------------------------------------
 * LightlyBatchSuggester
 * ------------------------------------------------------------------------- */

static char *
dup_setting (LightlySuggestPlugin *self,
             const char           *key)
{
  g_autofree char *value = self->settings != NULL ? g_settings_get_string (self->settings, key) : NULL;

  return value != NULL && value[0] != '\0' ? g_steal_pointer (&value) : NULL;
}

static void
lightly_suggest_plugin_suggest_async (LightlyBatchSuggester *suggester,
                                      LightlySuggestRequest *request,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  LightlySuggestPlugin *self = LIGHTLY_SUGGEST_PLUGIN (suggester);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *method = NULL;
  g_autofree char *scheme = NULL;
  const char *value;
  GError *error = NULL;
  Round *r;

  g_task_set_source_tag (task, lightly_suggest_plugin_suggest_async);
  /* Each step fails with CANCELLED by itself; a round that finished before
   * the cancel arrived is reported as finished (see round_got_result). */
  g_task_set_check_cancellable (task, FALSE);

  if (self->busy)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                               "lightly-suggest is already suggesting a batch: wait for it or cancel it");
      return;
    }

  r = g_new0 (Round, 1);
  r->request = g_object_ref (request);
  g_task_set_task_data (task, r, round_free);

  value = self->context != NULL ? lightly_suggest_context_get_location (self->context) : NULL;
  r->location = value != NULL ? g_strdup (value) : dup_setting (self, "location");
  if (r->location == NULL)
    r->location = lightly_api_workflow_client_dup_default_location ();
  value = self->context != NULL ? lightly_suggest_context_get_dataset_id (self->context) : NULL;
  r->dataset_id = value != NULL ? g_strdup (value) : dup_setting (self, "dataset-id");
  if (r->dataset_id == NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               "lightly-suggest has no dataset: give the context a dataset-id, "
                               "or set the dataset-id key of " SETTINGS_SCHEMA_ID);
      return;
    }
  method = dup_setting (self, "method");
  if (!parse_method (method, &r->method_auto, &r->method))
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               "Unknown method “%s” in " SETTINGS_SCHEMA_ID ": use auto, random, "
                               "coreset, coral or active-learning", method);
      return;
    }
  r->batch_size = lightly_suggest_request_get_batch_size (request);
  if (r->batch_size == 0)
    r->batch_size = self->settings != NULL ? (guint) MAX (g_settings_get_int (self->settings, "batch-size"), 1)
                                           : DEFAULT_BATCH_SIZE;

  self->busy = TRUE;

  if (self->client != NULL && g_strcmp0 (self->client_location, r->location) == 0 &&
      g_strcmp0 (self->client_dataset_id, r->dataset_id) == 0)
    {
      round_start_files (g_steal_pointer (&task));
      return;
    }

  /* A file:// store ignores tokens, so only servers need the lookup. */
  scheme = g_uri_parse_scheme (r->location);
  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    {
      if (!plugin_set_client (self, r, NULL, &error))
        {
          round_return_error (task, error);
          return;
        }
      round_start_files (g_steal_pointer (&task));
      return;
    }
  lightly_suggest_token_lookup_async (r->location, cancellable, round_got_token, g_steal_pointer (&task));
}

static char **
lightly_suggest_plugin_suggest_finish (LightlyBatchSuggester  *suggester,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, suggester), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lightly_suggest_plugin_iface_init (LightlyBatchSuggesterInterface *iface)
{
  iface->suggest_async = lightly_suggest_plugin_suggest_async;
  iface->suggest_finish = lightly_suggest_plugin_suggest_finish;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_suggest_plugin_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  LightlySuggestPlugin *self = LIGHTLY_SUGGEST_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_suggest_plugin_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  LightlySuggestPlugin *self = LIGHTLY_SUGGEST_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_clear_object (&self->context);
      self->context = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_suggest_plugin_dispose (GObject *object)
{
  LightlySuggestPlugin *self = LIGHTLY_SUGGEST_PLUGIN (object);

  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (lightly_suggest_plugin_parent_class)->dispose (object);
}

static void
lightly_suggest_plugin_finalize (GObject *object)
{
  LightlySuggestPlugin *self = LIGHTLY_SUGGEST_PLUGIN (object);

  g_free (self->client_location);
  g_free (self->client_dataset_id);

  G_OBJECT_CLASS (lightly_suggest_plugin_parent_class)->finalize (object);
}

static void
lightly_suggest_plugin_class_init (LightlySuggestPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lightly_suggest_plugin_get_property;
  object_class->set_property = lightly_suggest_plugin_set_property;
  object_class->dispose = lightly_suggest_plugin_dispose;
  object_class->finalize = lightly_suggest_plugin_finalize;

  g_object_class_override_property (object_class, PROP_CONTEXT, "context");
}

static void
lightly_suggest_plugin_class_finalize (LightlySuggestPluginClass *klass)
{
}

static void
lightly_suggest_plugin_init (LightlySuggestPlugin *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* g_settings_new() aborts on a missing schema; an uninstalled schema
   * means built-in defaults instead. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new_full (schema, NULL, NULL);
  else
    g_debug ("GSettings schema %s is not installed: using defaults", SETTINGS_SCHEMA_ID);
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  /* libsecret registers static GTypes when first used; unloading it with
   * this module would leave the type system pointing into unmapped code. */
  g_module_make_resident (peas_object_module_get_library (module));
  lightly_suggest_plugin_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, LIGHTLY_TYPE_BATCH_SUGGESTER,
                                              LIGHTLY_TYPE_SUGGEST_PLUGIN);
}
