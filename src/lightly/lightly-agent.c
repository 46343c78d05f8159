/* lightly-agent.c: the active-learning loop over one client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-agent.h"
#include "lightly-agent-plan-private.h"
#include "lightly-agent-progress-private.h"
#include "lightly-agent-sets-private.h"
#include "lightly-api-workflow-client-private.h"
#include "lightly-enum-types.h"
#include "lightly-error.h"
#include "lightly-query-result-private.h"
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

struct _LightlyAgent
{
  GObject parent_instance;

  LightlyApiWorkflowClient *client;
  char *query_tag_name;
  char *preselected_tag_name;

  gboolean initialized;
  gboolean querying;

  LightlyAgentSets sets;

  /* Progress is coalesced into the owner context (DESIGN.md, Threads). */
  LightlyAgentProgress progress;
};

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

/* Recomputes the cached sets from @file_names (transfer full) and notifies
 * the ones that changed. */
static gboolean
agent_update_sets (LightlyAgent  *self,
                   char         **file_names,
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
static void
agent_job_progress (LightlyJob *job,
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
  g_auto(GStrv) names = NULL;

  names = lightly_api_workflow_client_get_file_names_finish (self->client, result, &error);
  if (names == NULL || !agent_update_sets (self, g_steal_pointer (&names), &error))
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

  tags = lightly_api_workflow_client_get_tags_finish (self->client, result, &error);
  if (tags == NULL || !lightly_agent_sets_take_tags (&self->sets, tags, self->query_tag_name,
                                                         self->preselected_tag_name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  lightly_api_workflow_client_get_file_names_async (self->client, cancellable,
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

  g_task_set_source_tag (task, lightly_agent_init_async);

  if (self->client == NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                               "An agent needs a client");
      return;
    }
  lightly_api_workflow_client_get_tags_async (self->client, cancellable, init_got_tags,
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
      g_value_set_boxed (value, self->sets.added_set);
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
  return self->sets.query_set != NULL ? (const char * const *) self->sets.query_set : empty_strv;
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
  return self->sets.labeled_set != NULL ? (const char * const *) self->sets.labeled_set : empty_strv;
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
  return self->sets.unlabeled_set != NULL ? (const char * const *) self->sets.unlabeled_set : empty_strv;
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
  return (const char * const *) self->sets.added_set;
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
 * Query (protocol §4.3 with the §13 decisions)
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlySamplerConfig *config;   /* the caller's, with the method resolved */
  LightlyAgentPlan plan;
  LightlyScores *scores;
  LightlyTag *tag;
  LightlyQueryResult *result;     /* made once the sets are advanced */
} QueryData;

static void
query_data_free (gpointer data)
{
  QueryData *q = data;

  g_clear_object (&q->config);
  g_clear_object (&q->scores);
  g_clear_object (&q->tag);
  g_clear_object (&q->result);
  lightly_agent_plan_clear (&q->plan);
  g_free (q);
}

static void
agent_set_querying (LightlyAgent *self,
                    gboolean      querying)
{
  if (self->querying != querying)
    {
      self->querying = querying;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERYING]);
    }
}

static void
query_return_error (GTask  *task,
                    GError *error)
{
  LightlyAgent *self = g_task_get_source_object (task);

  lightly_agent_progress_flush (&self->progress);
  agent_set_querying (self, FALSE);
  g_task_return_error (task, error);
}

static void query_got_picks (GObject *source, GAsyncResult *result, gpointer user_data);

/* The query's tag exists: the sets move on (over @names, transfer full,
 * or the agent's own mapping when @names is NULL), then the picks are
 * read. Takes @owned_task. */
static void
query_advance (GTask  *owned_task,
               char  **names)
{
  g_autoptr(GTask) task = owned_task;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (names == NULL)
    names = self->sets.names;
  if (!lightly_agent_sets_advance (&self->sets, q->tag, &error))
    {
      if (names != self->sets.names)
        g_strfreev (names);
      query_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->preselected_tag_name);
  self->preselected_tag_name = g_strdup (lightly_tag_get_name (q->tag));

  if (!agent_update_sets (self, names, &error))
    {
      query_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESELECTED_TAG_NAME]);

  q->result = lightly_query_result_new_internal (FALSE, q->plan.method, q->tag,
                                                 (const char * const *) self->sets.added_set,
                                                 g_strv_length (self->sets.labeled_set),
                                                 q->plan.reason);
  /* Why each sample was picked, for the result's picks. */
  cancellable = g_task_get_cancellable (task);
  lightly_api_workflow_client_get_tag_picks_async (self->client, lightly_tag_get_id (q->tag), cancellable,
                                                   query_got_picks, g_steal_pointer (&task));
}

static void
query_got_file_names (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  GError *error = NULL;
  char **names;

  names = lightly_api_workflow_client_get_file_names_finish (self->client, result, &error);
  if (names == NULL)
    {
      query_return_error (task, error);
      g_object_unref (task);
      return;
    }
  query_advance (task, names);
}

static void
query_got_picks (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) picks = NULL;
  g_autoptr(LightlyQueryResult) query_result = g_steal_pointer (&q->result);

  /* The selection is done and the sets have moved on: a failure to read
   * the picks leaves them empty rather than failing the query. */
  picks = lightly_api_workflow_client_get_tag_picks_finish (self->client, result, &error);
  if (picks == NULL)
    g_debug ("No picks for tag %s: %s", lightly_tag_get_id (q->tag), error->message);
  else
    lightly_query_result_set_picks_internal (query_result, picks);
  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_FINISHING, 1.0);
  lightly_agent_progress_flush (&self->progress);
  agent_set_querying (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_BATCH_READY], 0, query_result);
  g_task_return_pointer (task, g_steal_pointer (&query_result), g_object_unref);
}

static void
query_sampled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);
  GError *error = NULL;

  q->tag = lightly_api_workflow_client_sampling_finish (self->client, result, &error);
  if (q->tag == NULL)
    {
      query_return_error (task, error);
      return;
    }
  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_FINISHING, 0.0);
  /* The selection finished and its tag exists: from here the query
   * completes even if it is cancelled, so the agent's sets never miss a
   * tag the store has. The mapping only grows, by appending (protocol
   * §2.5), and a tag is as wide as the dataset was when it was made: a tag
   * as wide as the agent's mapping was made over that very mapping, so
   * reading it again (a million names on a large dataset) can be skipped. */
  if (self->sets.names != NULL &&
      lightly_tag_get_tot_size (q->tag) == g_strv_length (self->sets.names))
    query_advance (g_steal_pointer (&task), NULL);
  else
    lightly_api_workflow_client_get_file_names_async (self->client, NULL,
                                                      query_got_file_names, g_steal_pointer (&task));
}

static void
query_start_sampling (GTask *task)
{
  LightlyAgent *self = g_task_get_source_object (task);
  QueryData *q = g_task_get_task_data (task);

  lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_SELECTING, 0.0);
  lightly_api_workflow_client_sampling_full_async (self->client, q->config,
                                                   self->sets.preselected_tag_id, self->sets.query_tag_id,
                                                   agent_job_progress, g_object_ref (self), g_object_unref,
                                                   g_task_get_cancellable (task),
                                                   query_sampled, task);
}

static void
query_scores_uploaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  LightlyAgent *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!lightly_api_workflow_client_upload_scores_finish (self->client, result, &error))
    {
      query_return_error (task, error);
      g_object_unref (task);
      return;
    }
  query_start_sampling (task);
}

/**
 * lightly_agent_query_async:
 * @self: an agent
 * @config: what to select; `n-samples` is the total size of the labeled set
 *   afterwards; %LIGHTLY_SAMPLING_METHOD_AUTO is resolved by
 *   [func@Lightly.SamplingMethod.resolve] before the request
 * @scorer: (nullable): the scorer of the model's predictions, in query-set
 *   order; required for CORAL and ACTIVE_LEARNING unless the config's
 *   `reuse-scores` is set
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Runs one active-learning round: computes the scores (calling the
 * scorer's `calculate_scores` here, in the owner context), uploads them to
 * the query tag, runs the selection, follows it and reads the new tag,
 * which becomes the preselected tag.
 *
 * The query is skipped, and the result says so, when `n-samples` is at least
 * 1 and smaller than the labeled set ([protocol](protocol.html) §13, Skip). A second query
 * while one runs fails with %LIGHTLY_ERROR_BUSY.
 *
 * The agent is where a query's inputs are checked, once: an invalid config
 * fails here with %LIGHTLY_ERROR_INVALID_INPUT and the message of
 * [method@Lightly.SamplerConfig.validate]. The result says what the query
 * meant: [property@Lightly.QueryResult:method] (what AUTO became),
 * [property@Lightly.QueryResult:batch-size] and
 * [property@Lightly.QueryResult:total].
 */
void
lightly_agent_query_async (LightlyAgent         *self,
                           LightlySamplerConfig *config,
                           LightlyScorer        *scorer,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  QueryData *q;
  LightlyAgentPlan plan;
  guint n_labeled, n_pool;

  g_return_if_fail (LIGHTLY_IS_AGENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));
  g_return_if_fail (scorer == NULL || LIGHTLY_IS_SCORER (scorer));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lightly_agent_query_async);
  /* Cancellation is decided by the steps: once the selection has finished,
   * the result is returned even if the cancellable fired meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  if (!self->initialized)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_INITIALIZED,
                               "The agent is not initialized: create it with lightly_agent_new() or _new_async()");
      return;
    }
  if (self->querying)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                               "The agent is already running a query: wait for it or cancel it");
      return;
    }
  /* The public boundary of a query: every rule of its inputs is checked
   * here, once; the client and the backend behind it only assert. */
  n_labeled = g_strv_length (self->sets.labeled_set);
  /* The pool, labeled and unlabeled together, sets AUTO's regimes. */
  n_pool = n_labeled + g_strv_length (self->sets.unlabeled_set);
  if (!lightly_agent_plan_make (&plan, config, n_labeled, n_pool, scorer != NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (plan.skip)
    {
      g_task_return_pointer (task,
                             lightly_query_result_new_internal (TRUE, plan.method, NULL, NULL, n_labeled,
                                                                plan.reason),
                             g_object_unref);
      lightly_agent_plan_clear (&plan);
      return;
    }

  q = g_new0 (QueryData, 1);
  q->plan = plan;
  q->config = lightly_sampler_config_copy (config);
  lightly_sampler_config_set_method (q->config, plan.method);
  g_task_set_task_data (task, q, query_data_free);
  agent_set_querying (self, TRUE);

  if (scorer != NULL)
    {
      /* Bindings implement calculate_scores, so it runs here, in the owner
       * context, before any thread is involved. */
      lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_SCORING, 0.0);
      q->scores = lightly_scorer_calculate_scores (scorer, &error);
      if (q->scores == NULL ||
          !lightly_agent_plan_check_scores (&q->plan, q->scores, g_strv_length (self->sets.query_set), &error))
        {
          query_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* AUTO may have fallen back to RANDOM (no class probabilities). */
      lightly_sampler_config_set_method (q->config, q->plan.method);
      if (lightly_scores_get_n_names (q->scores) > 0)
        {
          lightly_agent_progress_report (&self->progress, LIGHTLY_QUERY_STAGE_UPLOADING_SCORES, 0.0);
          lightly_api_workflow_client_upload_scores_async (self->client, q->scores, self->sets.query_tag_id,
                                                           cancellable, query_scores_uploaded,
                                                           g_steal_pointer (&task));
          return;
        }
    }

  query_start_sampling (g_steal_pointer (&task));
}

/**
 * lightly_agent_query_finish:
 * @self: an agent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.Agent.query_async]. A skipped query is not an
 * error: the result's [property@Lightly.QueryResult:skipped] is %TRUE.
 *
 * Returns: (transfer full): the result, or %NULL on error
 */
LightlyQueryResult *
lightly_agent_query_finish (LightlyAgent  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (LIGHTLY_IS_AGENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lightly_agent_query_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lightly_agent_query:
 * @self: an agent
 * @config: what to select
 * @scorer: (nullable): the scorer of the model's predictions
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.Agent.query_async]. Signals are
 * emitted while it runs only if the agent's owner context is this thread's
 * current one.
 *
 * Returns: (transfer full): the result, or %NULL on error
 */
LightlyQueryResult *
lightly_agent_query (LightlyAgent         *self,
                     LightlySamplerConfig *config,
                     LightlyScorer        *scorer,
                     GCancellable         *cancellable,
                     GError              **error)
{
  LightlySync sync;
  LightlyQueryResult *ret;

  lightly_sync_begin (&sync);
  lightly_agent_query_async (self, config, scorer, cancellable, lightly_sync_done, &sync);
  ret = lightly_agent_query_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}
