/* lightly-api-workflow-client.c: one dataset in one store
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-api-workflow-client-private.h"
#include "lightly-api-workflow-client-op-private.h"
#include "lightly-error.h"
#include "lightly-sync-private.h"
#include "backend/lightly-backend.h"

/**
 * LightlyApiWorkflowClient:
 *
 * Talks to one dataset in one store.
 *
 * The [property@Lightly.ApiWorkflowClient:server-location] is a URI:
 * `file:///…` uses the embedded store in-process (the default is
 * `file://` + `g_get_user_data_dir()` + `/lightly`), and `http(s)://…` speaks
 * the Lightly v1 REST protocol.
 *
 * Every remote operation has an `_async`/`_finish` pair for applications and
 * a blocking variant for scripts. The blocking variants iterate a private
 * main context only, so they never re-enter the caller's main loop. The
 * store is opened lazily by the first operation, in a worker thread, so
 * creating a client never blocks.
 *
 * The library never reads the environment on its own; use
 * [ctor@Lightly.ApiWorkflowClient.new_from_env] to honour
 * `LIGHTLY_SERVER_LOCATION` and `LIGHTLY_TOKEN`.
 */

struct _LightlyApiWorkflowClient
{
  GObject parent_instance;

  char *server_location;
  gboolean any_thread;          /* lightly_backend_location_any_thread () */
  char *token;
  char *dataset_id;
  char *embedding_id;
  gboolean allow_insecure;

  GMutex backend_lock;
  LightlyBackend *backend;
};

enum {
  PROP_0,
  PROP_SERVER_LOCATION,
  PROP_TOKEN,
  PROP_DATASET_ID,
  PROP_EMBEDDING_ID,
  PROP_ALLOW_INSECURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LightlyApiWorkflowClient, lightly_api_workflow_client, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------------
 * Operations: a blocking function over the backend, run on a worker thread.
 * ------------------------------------------------------------------------- */

static void client_worker (gpointer data, gpointer user_data);

static GThreadPool *
client_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      /* Not exclusive: threads are created as operations need them. follow_job
       * blocks for a whole selection, so these must not be GTask's pool. */
      GThreadPool *p = g_thread_pool_new (client_worker, NULL, 16, FALSE, NULL);
      g_once_init_leave (&pool, p);
    }
  return pool;
}

/* g_set_str() is GLib 2.76; we target 2.74. */
static gboolean
set_str (char       **str,
         const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;
  g_free (*str);
  *str = g_strdup (value);
  return TRUE;
}

static LightlyBackend *
client_ensure_backend (LightlyApiWorkflowClient *self,
                       GError                  **error)
{
  LightlyBackend *backend;

  g_mutex_lock (&self->backend_lock);
  if (self->backend == NULL)
    self->backend = lightly_backend_new_for_location_full (self->server_location, self->token,
                                                           self->allow_insecure
                                                           ? LIGHTLY_BACKEND_FLAGS_ALLOW_INSECURE
                                                           : LIGHTLY_BACKEND_FLAGS_NONE,
                                                           error);
  backend = self->backend != NULL ? g_object_ref (self->backend) : NULL;
  g_mutex_unlock (&self->backend_lock);
  return backend;
}

static void
client_worker (gpointer data,
               gpointer user_data)
{
  g_autoptr(GTask) task = data;
  LightlyApiWorkflowClient *self = g_task_get_source_object (task);
  LightlyClientOp *op = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(LightlyBackend) backend = NULL;
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    return;

  backend = client_ensure_backend (self, &error);
  if (backend == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  result = op->func (op, backend, cancellable, &error);
  if (error != NULL)
    {
      g_assert (result == NULL || result == LIGHTLY_CLIENT_OP_TRUE);
      g_task_return_error (task, error);
    }
  else
    {
      g_assert (result != NULL);
      g_task_return_pointer (task, result, result == LIGHTLY_CLIENT_OP_TRUE ? NULL : op->result_free);
    }
}

static void
client_op_free (gpointer data)
{
  LightlyClientOp *op = data;

  g_free (op->dataset_id);
  g_free (op->embedding_id);
  if (op->free_func != NULL)
    op->free_func (op);
  g_free (op);
}

/* Allocates an operation of @size bytes whose first member is a LightlyClientOp. */
gpointer
lightly_client_op_new (LightlyApiWorkflowClient *self,
                       gsize                     size,
                       LightlyClientOpFunc              func,
                       GDestroyNotify            free_func,
                       GDestroyNotify            result_free)
{
  LightlyClientOp *op = g_malloc0 (size);

  op->func = func;
  op->free_func = free_func;
  op->result_free = result_free;
  op->dataset_id = g_strdup (self->dataset_id);
  op->embedding_id = g_strdup (self->embedding_id);
  return op;
}

/* A blocking variant's operation runs on the calling thread, which waits
 * for it anyway: no pool thread to start, no round trip between threads
 * per call (`lightly-al query` over 100k × 128: 122 → 115 ms,
 * bench/README.md, session 20). GTask still delivers the result through
 * the blocking variant's private context, a source as before. Only where
 * the backend allows it (the embedded store: the http backend's session
 * stays on the pool's threads), and not on the thread that owns the global
 * default context (a GUI thread runs no SQL: docs/design.md, "Threads"). */
static gboolean
op_runs_here (LightlyApiWorkflowClient *self)
{
  return self->any_thread && lightly_sync_active () && !g_main_context_is_owner (g_main_context_default ());
}

/* @check_cancellable FALSE: a result the worker produced is returned even if
 * the cancellable fired meanwhile (a selection that finished anyway). */
void
lightly_client_op_start_full (LightlyApiWorkflowClient *self,
                              gpointer                  op,
                              gpointer                  source_tag,
                              gboolean                  check_cancellable,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, check_cancellable);
  g_task_set_task_data (task, op, client_op_free);
  /* The worker takes over the task reference. */
  if (op_runs_here (self))
    client_worker (task, NULL);
  else
    g_thread_pool_push (client_pool (), task, NULL);
}

void
lightly_client_op_start (LightlyApiWorkflowClient *self,
                         gpointer                  op,
                         gpointer                  source_tag,
                         GCancellable             *cancellable,
                         GAsyncReadyCallback       callback,
                         gpointer                  user_data)
{
  lightly_client_op_start_full (self, op, source_tag, TRUE, cancellable, callback, user_data);
}

gpointer
lightly_client_op_finish (LightlyApiWorkflowClient *self,
                          GAsyncResult             *result,
                          gpointer                  source_tag,
                          GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
lightly_client_op_require_dataset (LightlyClientOp  *op,
                                   GError          **error)
{
  if (op->dataset_id != NULL)
    return TRUE;
  g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_INITIALIZED,
                       "The client has no dataset-id: create a dataset or set dataset-id first");
  return FALSE;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
wipe_token (char **token)
{
  if (*token != NULL)
    {
      /* The token is a secret: don't leave it in freed memory. */
      explicit_bzero (*token, strlen (*token));
      g_clear_pointer (token, g_free);
    }
}

static void
lightly_api_workflow_client_finalize (GObject *object)
{
  LightlyApiWorkflowClient *self = LIGHTLY_API_WORKFLOW_CLIENT (object);

  wipe_token (&self->token);
  g_free (self->server_location);
  g_free (self->dataset_id);
  g_free (self->embedding_id);
  g_clear_object (&self->backend);
  g_mutex_clear (&self->backend_lock);

  G_OBJECT_CLASS (lightly_api_workflow_client_parent_class)->finalize (object);
}

static void
lightly_api_workflow_client_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  LightlyApiWorkflowClient *self = LIGHTLY_API_WORKFLOW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER_LOCATION:
      g_value_set_string (value, self->server_location);
      break;
    case PROP_DATASET_ID:
      g_value_set_string (value, self->dataset_id);
      break;
    case PROP_EMBEDDING_ID:
      g_value_set_string (value, self->embedding_id);
      break;
    case PROP_ALLOW_INSECURE:
      g_value_set_boolean (value, self->allow_insecure);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_api_workflow_client_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  LightlyApiWorkflowClient *self = LIGHTLY_API_WORKFLOW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER_LOCATION:
      g_free (self->server_location);
      self->server_location = g_value_dup_string (value);
      if (self->server_location == NULL)
        self->server_location = lightly_api_workflow_client_dup_default_location ();
      self->any_thread = lightly_backend_location_any_thread (self->server_location);
      break;
    case PROP_TOKEN:
      wipe_token (&self->token);
      self->token = g_value_dup_string (value);
      break;
    case PROP_DATASET_ID:
      lightly_api_workflow_client_set_dataset_id (self, g_value_get_string (value));
      break;
    case PROP_EMBEDDING_ID:
      lightly_api_workflow_client_set_embedding_id (self, g_value_get_string (value));
      break;
    case PROP_ALLOW_INSECURE:
      if (self->allow_insecure != g_value_get_boolean (value))
        {
          self->allow_insecure = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_api_workflow_client_class_init (LightlyApiWorkflowClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lightly_api_workflow_client_finalize;
  object_class->get_property = lightly_api_workflow_client_get_property;
  object_class->set_property = lightly_api_workflow_client_set_property;

  /**
   * LightlyApiWorkflowClient:server-location:
   *
   * Where the store is: `file:///dir` for the embedded store, or
   * `http(s)://host[:port]` for a Lightly v1 REST server. %NULL at
   * construction means the default, `file://$XDG_DATA_HOME/lightly`.
   */
  properties[PROP_SERVER_LOCATION] =
    g_param_spec_string ("server-location", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyApiWorkflowClient:token:
   *
   * The API token sent to http servers as `?token=`. Write-only; wiped from
   * memory when the client is finalized. Ignored for `file://` locations.
   */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyApiWorkflowClient:dataset-id:
   *
   * The dataset the client works on (24 hex digits). Set by
   * [method@Lightly.ApiWorkflowClient.create_dataset].
   */
  properties[PROP_DATASET_ID] =
    g_param_spec_string ("dataset-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyApiWorkflowClient:embedding-id:
   *
   * The embedding selections use. Set by uploading embeddings; when %NULL,
   * a selection uses the dataset's newest embedding.
   */
  properties[PROP_EMBEDDING_ID] =
    g_param_spec_string ("embedding-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * LightlyApiWorkflowClient:allow-insecure:
   *
   * Whether the token may be sent over plain `http://` to a host that is not
   * loopback. Off by default: such a location then fails with
   * %LIGHTLY_ERROR_INSECURE. Set it before the first operation, which is
   * when the connection is set up; only turn it on for trusted networks.
   * [ctor@Lightly.ApiWorkflowClient.new_from_env] sets it when
   * `LIGHTLY_ALLOW_INSECURE=1`.
   */
  properties[PROP_ALLOW_INSECURE] =
    g_param_spec_boolean ("allow-insecure", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_api_workflow_client_init (LightlyApiWorkflowClient *self)
{
  g_mutex_init (&self->backend_lock);
}

/**
 * lightly_api_workflow_client_dup_default_location:
 *
 * The default server location: the embedded store in
 * `g_get_user_data_dir()/lightly`.
 *
 * Returns: (transfer full): a `file://` URI
 */
char *
lightly_api_workflow_client_dup_default_location (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "lightly", NULL);

  return g_filename_to_uri (dir, NULL, NULL);
}

static gboolean
check_location (const char  *location,
                GError     **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (location);

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "file") == 0 ||
                         g_ascii_strcasecmp (scheme, "http") == 0 ||
                         g_ascii_strcasecmp (scheme, "https") == 0))
    return TRUE;

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Server location “%s” is not a file://, http:// or https:// URI", location);
  return FALSE;
}

/**
 * lightly_api_workflow_client_new:
 * @server_location: (nullable): a `file://` or `http(s)://` URI, or %NULL
 *   for the default embedded store
 * @token: (nullable): the API token for http servers
 * @dataset_id: (nullable): the dataset to work on
 * @error: return location for a #GError
 *
 * Creates a client. Only the location's syntax is checked here; the store
 * or server is reached by the first operation.
 *
 * Returns: (transfer full): a new client, or %NULL with
 *   %LIGHTLY_ERROR_INVALID_INPUT for a location that is not a supported URI
 */
LightlyApiWorkflowClient *
lightly_api_workflow_client_new (const char  *server_location,
                                 const char  *token,
                                 const char  *dataset_id,
                                 GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (server_location != NULL && !check_location (server_location, error))
    return NULL;

  return g_object_new (LIGHTLY_TYPE_API_WORKFLOW_CLIENT,
                       "server-location", server_location,
                       "token", token,
                       "dataset-id", dataset_id,
                       NULL);
}

/**
 * lightly_api_workflow_client_new_from_env:
 * @dataset_id: (nullable): the dataset to work on
 * @error: return location for a #GError
 *
 * Creates a client from the environment, as the Lightly Python client does:
 * `LIGHTLY_SERVER_LOCATION` (default: the embedded store) and
 * `LIGHTLY_TOKEN`. `LIGHTLY_ALLOW_INSECURE=1` sets
 * [property@Lightly.ApiWorkflowClient:allow-insecure].
 *
 * Returns: (transfer full): a new client, or %NULL if
 *   `LIGHTLY_SERVER_LOCATION` is not a supported URI
 */
LightlyApiWorkflowClient *
lightly_api_workflow_client_new_from_env (const char  *dataset_id,
                                          GError     **error)
{
  const char *location = g_getenv ("LIGHTLY_SERVER_LOCATION");
  const char *insecure = g_getenv ("LIGHTLY_ALLOW_INSECURE");
  LightlyApiWorkflowClient *client;

  if (location != NULL && *location == '\0')
    location = NULL;
  client = lightly_api_workflow_client_new (location, g_getenv ("LIGHTLY_TOKEN"), dataset_id, error);
  if (client != NULL && insecure != NULL &&
      (g_str_equal (insecure, "1") || g_ascii_strcasecmp (insecure, "true") == 0 ||
       g_ascii_strcasecmp (insecure, "yes") == 0))
    g_object_set (client, "allow-insecure", TRUE, NULL);
  return client;
}

/**
 * lightly_api_workflow_client_get_server_location:
 * @self: a client
 *
 * Gets the [property@Lightly.ApiWorkflowClient:server-location] property.
 *
 * Returns: (transfer none): the server location URI
 */
const char *
lightly_api_workflow_client_get_server_location (LightlyApiWorkflowClient *self)
{
  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self), NULL);
  return self->server_location;
}

/**
 * lightly_api_workflow_client_get_dataset_id:
 * @self: a client
 *
 * Gets the [property@Lightly.ApiWorkflowClient:dataset-id] property.
 *
 * Returns: (transfer none) (nullable): the dataset id
 */
const char *
lightly_api_workflow_client_get_dataset_id (LightlyApiWorkflowClient *self)
{
  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self), NULL);
  return self->dataset_id;
}

/**
 * lightly_api_workflow_client_set_dataset_id:
 * @self: a client
 * @dataset_id: (nullable): the dataset id
 *
 * Sets the dataset the client works on. This also forgets the embedding id,
 * which belongs to the previous dataset.
 */
void
lightly_api_workflow_client_set_dataset_id (LightlyApiWorkflowClient *self,
                                            const char               *dataset_id)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  if (set_str (&self->dataset_id, dataset_id))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET_ID]);
      lightly_api_workflow_client_set_embedding_id (self, NULL);
    }
}

/**
 * lightly_api_workflow_client_get_embedding_id:
 * @self: a client
 *
 * Gets the [property@Lightly.ApiWorkflowClient:embedding-id] property.
 *
 * Returns: (transfer none) (nullable): the embedding id selections use
 */
const char *
lightly_api_workflow_client_get_embedding_id (LightlyApiWorkflowClient *self)
{
  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self), NULL);
  return self->embedding_id;
}

/**
 * lightly_api_workflow_client_set_embedding_id:
 * @self: a client
 * @embedding_id: (nullable): the embedding id, or %NULL for the newest
 *
 * Sets the embedding selections use.
 */
void
lightly_api_workflow_client_set_embedding_id (LightlyApiWorkflowClient *self,
                                              const char               *embedding_id)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  if (set_str (&self->embedding_id, embedding_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMBEDDING_ID]);
}

/* ---------------------------------------------------------------------------
 * Datasets
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyClientOp op;
  char *name;
} NameOp;

static void
name_op_free (gpointer data)
{
  g_free (((NameOp *) data)->name);
}

static gpointer
create_dataset_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  NameOp *op = data;

  return lightly_backend_create_dataset (backend, op->name, cancellable, error);
}

/**
 * lightly_api_workflow_client_create_dataset_async:
 * @self: a client
 * @name: the new dataset's name
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the dataset exists
 * @user_data: data for @callback
 *
 * Creates a dataset and makes it the client's
 * [property@Lightly.ApiWorkflowClient:dataset-id].
 */
void
lightly_api_workflow_client_create_dataset_async (LightlyApiWorkflowClient *self,
                                                  const char               *name,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data)
{
  NameOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (name != NULL);

  op = lightly_client_op_new (self, sizeof (NameOp), create_dataset_run, name_op_free, g_free);
  op->name = g_strdup (name);
  lightly_client_op_start (self, op, lightly_api_workflow_client_create_dataset_async,
                           cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_create_dataset_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.create_dataset_async].
 *
 * Returns: (transfer full): the new dataset's id, or %NULL with
 *   %LIGHTLY_ERROR_EXISTS when a dataset has that name already
 */
char *
lightly_api_workflow_client_create_dataset_finish (LightlyApiWorkflowClient *self,
                                                   GAsyncResult             *result,
                                                   GError                  **error)
{
  char *id = lightly_client_op_finish (self, result, lightly_api_workflow_client_create_dataset_async, error);

  if (id != NULL)
    lightly_api_workflow_client_set_dataset_id (self, id);
  return id;
}

static gpointer
list_datasets_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  return lightly_backend_list_datasets (backend, cancellable, error);
}

/**
 * lightly_api_workflow_client_list_datasets_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the list
 * @user_data: data for @callback
 *
 * Lists the datasets of the store.
 */
void
lightly_api_workflow_client_list_datasets_async (LightlyApiWorkflowClient *self,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  lightly_client_op_start (self,
                           lightly_client_op_new (self, sizeof (LightlyClientOp), list_datasets_run, NULL,
                                                  (GDestroyNotify) g_ptr_array_unref),
                           lightly_api_workflow_client_list_datasets_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_list_datasets_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.list_datasets_async].
 *
 * Returns: (transfer container) (element-type LightlyDataset): the datasets,
 *   or %NULL on error; the array owns its elements (it unrefs them when it
 *   is freed), so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_list_datasets_finish (LightlyApiWorkflowClient *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error)
{
  return lightly_client_op_finish (self, result, lightly_api_workflow_client_list_datasets_async, error);
}
