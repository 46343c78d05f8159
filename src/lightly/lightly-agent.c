/* lightly-agent.c: the active-learning loop over one client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-agent-private.h"
#include "lightly-api-workflow-client-private.h"
#include "lightly-enum-types.h"
#include "lightly-error.h"
#include "lightly-sync-private.h"

/**
 * LightlyAgent:
 *
 * The active-learning loop of one dataset, as Lightly's
 * `ActiveLearningAgent` ([protocol](protocol.html) §4) with lightly-glib's decisions (§13).
 *
 * An agent is created from a client, a query tag (the pool to select from,
 * default `initial-tag`, the whole dataset) and an optional preselected tag
 * (the samples labeled so far). It keeps four sets of file names, each in bit
 * order (the dataset's mapping order):
 *
 * - the query set: the members of the query tag;
 * - the labeled set: the members of the preselected tag;
 * - the unlabeled set: query set minus labeled set;
 * - the added set: what the last query added.
 *
 * [method@Lightly.Agent.query_async] computes the scores (in the owner
 * context), uploads them to the query tag in query-set order, runs the
 * selection, follows it and reads the new tag, which becomes the preselected
 * tag. `n-samples` of the config is the *total* size of the labeled set
 * afterwards.
 *
 * The set properties are cached: they are refreshed by initialization and by
 * each query, and their getters never do I/O. Every signal and notification
 * is emitted in the context the agent was created in.
 */


enum {
  PROP_0,
  PROP_CLIENT,
  PROP_QUERY_TAG_NAME,
  PROP_PRESELECTED_TAG_NAME,
  PROP_QUERY_SET,
  PROP_LABELED_SET,
  PROP_UNLABELED_SET,
  PROP_ADDED_SET,
  PROP_QUERYING,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  SIGNAL_BATCH_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void lightly_agent_initable_iface_init (GInitableIface *iface);
static void lightly_agent_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyAgent, lightly_agent, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, lightly_agent_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, lightly_agent_async_initable_iface_init))

/* ---------------------------------------------------------------------------
 * Sets
 * ------------------------------------------------------------------------- */

static const char * const empty_strv[] = { NULL };

/* A set's names, made on the first read after an update; empty before the
 * agent is initialized. */
static const char * const *
set_or_empty (LightlyAgent    *self,
              LightlyAgentSet  which)
{
  const char * const *names = lightly_agent_sets_get_names (&self->sets, which);

  return names != NULL ? names : empty_strv;
}

/* Recomputes the cached sets from @file_names (transfer full) and notifies
 * the ones that changed. */
gboolean
lightly_agent_update_sets (LightlyAgent  *self,
                           LightlyNames  *file_names,
                           GError       **error)
{
  gboolean added = FALSE;

  if (!lightly_agent_sets_update (&self->sets, file_names, &added, error))
    return FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY_SET]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABELED_SET]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLABELED_SET]);
  if (added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDED_SET]);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Progress, coalesced into the owner context
 * ------------------------------------------------------------------------- */

static void
agent_emit_progress (GObject *owner,
                     guint    stage,
                     double   fraction)
{
  g_signal_emit (owner, signals[SIGNAL_PROGRESS], 0, (LightlyQueryStage) stage, fraction);
}

/* Runs in a worker thread of the client. */
void
lightly_agent_job_progress (LightlyJob *job,
                            gpointer    data)
{
  LightlyAgent *self = data;
  guint64 total = lightly_job_get_total (job);

  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_SELECTING,
                                 total > 0 ? (double) lightly_job_get_processed (job) / (double) total : 0.0);
}

/* ---------------------------------------------------------------------------
 * Initialization: T1, then M1 (protocol §4.1)
 * ------------------------------------------------------------------------- */

static void
init_got_file_names (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyNames) names = NULL;

  names = lightly_api_workflow_client_get_names_finish (self->client, result, &error);
  if (names == NULL || !lightly_agent_update_sets (self, g_steal_pointer (&names), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->initialized = TRUE;
  g_task_return_boolean (task, TRUE);
}

static void
init_got_tags (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  GCancellable *cancellable;

  tags = lightly_api_workflow_client_find_tags_finish (self->client, result, &error);
  if (tags == NULL || !lightly_agent_sets_take_tags (&self->sets, tags, self->query_tag_name,
                                                         self->preselected_tag_name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  self->n_mapping_reads++;
  lightly_api_workflow_client_get_names_async (self->client, cancellable,
                                               init_got_file_names, g_steal_pointer (&task));
}

static void
lightly_agent_init_async (GAsyncInitable      *initable,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  LightlyAgent *self = LIGHTLY_AGENT (initable);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const char *names[3] = { NULL, };

  g_task_set_source_tag (task, lightly_agent_init_async);

  if (self->client == NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               "An agent needs a client");
      return;
    }
  /* T1: the agent reads the masks of these two tags only. */
  names[0] = self->query_tag_name;
  names[1] = self->preselected_tag_name;
  lightly_api_workflow_client_find_tags_async (self->client, names, cancellable, init_got_tags,
                                               g_steal_pointer (&task));
}

static gboolean
lightly_agent_init_finish (GAsyncInitable  *initable,
                           GAsyncResult    *result,
                           GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lightly_agent_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = lightly_agent_init_async;
  iface->init_finish = lightly_agent_init_finish;
}

static gboolean
lightly_agent_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  LightlyAgent *self = LIGHTLY_AGENT (initable);
  LightlySync sync;
  gboolean ret;

  lightly_sync_begin (&sync);
  lightly_agent_init_async (G_ASYNC_INITABLE (self), G_PRIORITY_DEFAULT, cancellable,
                            lightly_sync_done, &sync);
  ret = lightly_agent_init_finish (G_ASYNC_INITABLE (self), lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

static void
lightly_agent_initable_iface_init (GInitableIface *iface)
{
  iface->init = lightly_agent_initable_init;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_agent_dispose (GObject *object)
{
  LightlyAgent *self = LIGHTLY_AGENT (object);

  lightly_agent_progress_cancel (&self->progress);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (lightly_agent_parent_class)->dispose (object);
}

static void
lightly_agent_finalize (GObject *object)
{
  LightlyAgent *self = LIGHTLY_AGENT (object);

  g_free (self->query_tag_name);
  g_free (self->preselected_tag_name);
  lightly_agent_sets_clear (&self->sets);
  lightly_agent_progress_clear (&self->progress);

  G_OBJECT_CLASS (lightly_agent_parent_class)->finalize (object);
}

static void
lightly_agent_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LightlyAgent *self = LIGHTLY_AGENT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_QUERY_TAG_NAME:
      g_value_set_string (value, self->query_tag_name);
      break;
    case PROP_PRESELECTED_TAG_NAME:
      g_value_set_string (value, self->preselected_tag_name);
      break;
    case PROP_QUERY_SET:
      g_value_set_boxed (value, lightly_agent_get_query_set (self));
      break;
    case PROP_LABELED_SET:
      g_value_set_boxed (value, lightly_agent_get_labeled_set (self));
      break;
    case PROP_UNLABELED_SET:
      g_value_set_boxed (value, lightly_agent_get_unlabeled_set (self));
      break;
    case PROP_ADDED_SET:
      g_value_set_boxed (value, lightly_agent_get_added_set (self));
      break;
    case PROP_QUERYING:
      g_value_set_boolean (value, self->querying);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_agent_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LightlyAgent *self = LIGHTLY_AGENT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_QUERY_TAG_NAME:
      g_free (self->query_tag_name);
      self->query_tag_name = g_value_dup_string (value);
      if (self->query_tag_name == NULL)
        self->query_tag_name = g_strdup ("initial-tag");
      break;
    case PROP_PRESELECTED_TAG_NAME:
      g_free (self->preselected_tag_name);
      self->preselected_tag_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_agent_class_init (LightlyAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lightly_agent_dispose;
  object_class->finalize = lightly_agent_finalize;
  object_class->get_property = lightly_agent_get_property;
  object_class->set_property = lightly_agent_set_property;

  /**
   * LightlyAgent:client:
   *
   * The client whose dataset the agent works on.
   */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, LIGHTLY_TYPE_API_WORKFLOW_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:query-tag-name:
   *
   * The tag to select from. %NULL at construction means `initial-tag`, the
   * whole dataset.
   */
  properties[PROP_QUERY_TAG_NAME] =
    g_param_spec_string ("query-tag-name", NULL, NULL, "initial-tag",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:preselected-tag-name:
   *
   * The tag of the samples labeled so far, or %NULL for none. After each
   * query it names the new tag, so an agent created later with this name
   * continues where this one stopped.
   */
  properties[PROP_PRESELECTED_TAG_NAME] =
    g_param_spec_string ("preselected-tag-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:query-set:
   *
   * The file names of the query tag's members, in bit order. Predictions
   * given to a scorer must be in this order.
   */
  properties[PROP_QUERY_SET] =
    g_param_spec_boxed ("query-set", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:labeled-set:
   *
   * The file names of the preselected tag's members, in bit order.
   */
  properties[PROP_LABELED_SET] =
    g_param_spec_boxed ("labeled-set", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:unlabeled-set:
   *
   * The query set minus the labeled set, in bit order.
   */
  properties[PROP_UNLABELED_SET] =
    g_param_spec_boxed ("unlabeled-set", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:added-set:
   *
   * The file names the last query added to the labeled set, in bit order;
   * %NULL before the first query.
   */
  properties[PROP_ADDED_SET] =
    g_param_spec_boxed ("added-set", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyAgent:querying:
   *
   * Whether a query is running.
   */
  properties[PROP_QUERYING] =
    g_param_spec_boolean ("querying", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LightlyAgent::progress:
   * @self: the agent
   * @stage: the query's stage
   * @fraction: the fraction of the stage done, in [0, 1]
   *
   * Reports a query's progress, in the agent's owner context, at most 20
   * times a second; intermediate values may be skipped.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, LIGHTLY_TYPE_QUERY_STAGE, G_TYPE_DOUBLE);

  /**
   * LightlyAgent::batch-ready:
   * @self: the agent
   * @result: the query's result
   *
   * Emitted when a query added a batch, after the sets were updated and
   * before the query's callback runs.
   */
  signals[SIGNAL_BATCH_READY] =
    g_signal_new ("batch-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, LIGHTLY_TYPE_QUERY_RESULT);
}

static void
lightly_agent_init (LightlyAgent *self)
{
  lightly_agent_progress_init (&self->progress, G_OBJECT (self), agent_emit_progress);
}

/**
 * lightly_agent_new_async:
 * @client: the client of the dataset
 * @query_tag_name: (nullable): the tag to select from; %NULL for
 *   `initial-tag`
 * @preselected_tag_name: (nullable): the tag of the labeled samples, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the agent is ready
 * @user_data: data for @callback
 *
 * Creates an agent and reads its tags and sets. The agent's owner context is
 * the thread-default main context of this call.
 */
void
lightly_agent_new_async (LightlyApiWorkflowClient *client,
                         const char               *query_tag_name,
                         const char               *preselected_tag_name,
                         GCancellable             *cancellable,
                         GAsyncReadyCallback       callback,
                         gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (client));

  g_async_initable_new_async (LIGHTLY_TYPE_AGENT, G_PRIORITY_DEFAULT, cancellable, callback, user_data,
                              "client", client,
                              "query-tag-name", query_tag_name,
                              "preselected-tag-name", preselected_tag_name,
                              NULL);
}

/**
 * lightly_agent_new_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [func@Lightly.Agent.new_async].
 *
 * Returns: (transfer full): the agent, or %NULL with
 *   %LIGHTLY_ERROR_NOT_FOUND when a tag does not exist
 */
LightlyAgent *
lightly_agent_new_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);

  return LIGHTLY_AGENT (g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error));
}

/**
 * lightly_agent_new:
 * @client: the client of the dataset
 * @query_tag_name: (nullable): the tag to select from; %NULL for
 *   `initial-tag`
 * @preselected_tag_name: (nullable): the tag of the labeled samples, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [func@Lightly.Agent.new_async].
 *
 * Returns: (transfer full): the agent, or %NULL on error
 */
LightlyAgent *
lightly_agent_new (LightlyApiWorkflowClient *client,
                   const char               *query_tag_name,
                   const char               *preselected_tag_name,
                   GCancellable             *cancellable,
                   GError                  **error)
{
  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (client), NULL);

  return g_initable_new (LIGHTLY_TYPE_AGENT, cancellable, error,
                         "client", client,
                         "query-tag-name", query_tag_name,
                         "preselected-tag-name", preselected_tag_name,
                         NULL);
}

/**
 * lightly_agent_get_client:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:client] property.
 *
 * Returns: (transfer none): the agent's client
 */
LightlyApiWorkflowClient *
lightly_agent_get_client (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return self->client;
}

/**
 * lightly_agent_get_query_tag_name:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:query-tag-name] property.
 *
 * Returns: (transfer none): the query tag's name
 */
const char *
lightly_agent_get_query_tag_name (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return self->query_tag_name;
}

/**
 * lightly_agent_get_preselected_tag_name:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:preselected-tag-name] property.
 *
 * Returns: (transfer none) (nullable): the preselected tag's name
 */
const char *
lightly_agent_get_preselected_tag_name (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return self->preselected_tag_name;
}

/**
 * lightly_agent_get_query_set:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:query-set] property.
 *
 * Returns: (transfer none) (array zero-terminated=1): the query set
 */
const char * const *
lightly_agent_get_query_set (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return set_or_empty (self, LIGHTLY_AGENT_SET_QUERY);
}

/**
 * lightly_agent_get_labeled_set:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:labeled-set] property.
 *
 * Returns: (transfer none) (array zero-terminated=1): the labeled set
 */
const char * const *
lightly_agent_get_labeled_set (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return set_or_empty (self, LIGHTLY_AGENT_SET_LABELED);
}

/**
 * lightly_agent_get_unlabeled_set:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:unlabeled-set] property.
 *
 * Returns: (transfer none) (array zero-terminated=1): the unlabeled set
 */
const char * const *
lightly_agent_get_unlabeled_set (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return set_or_empty (self, LIGHTLY_AGENT_SET_UNLABELED);
}

/**
 * lightly_agent_get_added_set:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:added-set] property.
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): what the
 *   last query added, or %NULL before the first query
 */
const char * const *
lightly_agent_get_added_set (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  return lightly_agent_sets_get_names (&self->sets, LIGHTLY_AGENT_SET_ADDED);
}

/**
 * lightly_agent_get_set_size:
 * @self: an agent
 * @set: which set
 *
 * Counts a set without its names: the length of
 * [method@Lightly.Agent.get_query_set] and the others, but with no array
 * of names made. The agent makes a set's names on their first read after
 * each query; on a large dataset a loop that only needs the sizes (the
 * pool, how many are labeled) saves an array of pointers per set.
 *
 * Returns: the number of names in @set; 0 before the agent is initialized,
 *   and 0 for %LIGHTLY_AGENT_SET_ADDED before the first query
 */
guint
lightly_agent_get_set_size (LightlyAgent    *self,
                            LightlyAgentSet  set)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), 0);
  g_return_val_if_fail ((guint) set <= LIGHTLY_AGENT_SET_ADDED, 0);
  return lightly_agent_sets_count (&self->sets, set);
}

/**
 * lightly_agent_get_querying:
 * @self: an agent
 *
 * Gets the [property@Lightly.Agent:querying] property.
 *
 * Returns: whether a query is running
 */
gboolean
lightly_agent_get_querying (LightlyAgent *self)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), FALSE);
  return self->querying;
}

/* ---------------------------------------------------------------------------
 * State changes of a query (lightly-agent-query.c), with their notifications
 * ------------------------------------------------------------------------- */

void
lightly_agent_set_querying (LightlyAgent *self,
                            gboolean      querying)
{
  if (self->querying != querying)
    {
      self->querying = querying;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERYING]);
    }
}

void
lightly_agent_set_preselected_tag (LightlyAgent *self,
                                   const char   *name)
{
  g_free (self->preselected_tag_name);
  self->preselected_tag_name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESELECTED_TAG_NAME]);
}

void
lightly_agent_emit_batch_ready (LightlyAgent       *self,
                                LightlyQueryResult *result)
{
  g_signal_emit (self, signals[SIGNAL_BATCH_READY], 0, result);
}
