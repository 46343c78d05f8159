/* lightly-api-workflow-client.c: one dataset in one store
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-api-workflow-client-private.h"
#include "lightly-error.h"
#include "lightly-tag-private.h"
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

typedef gpointer (*ClientOpFunc) (gpointer op, LightlyBackend *backend,
                                  GCancellable *cancellable, GError **error);

/* The common head of every operation's data. dataset_id and embedding_id are
 * captured at the _async call, in the owner context, because the properties
 * may change while the worker runs. */
typedef struct {
  ClientOpFunc func;
  GDestroyNotify free_func;
  GDestroyNotify result_free;
  char *dataset_id;
  char *embedding_id;
} ClientOp;

#define OP_TRUE GINT_TO_POINTER (1)

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
  ClientOp *op = g_task_get_task_data (task);
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
      g_assert (result == NULL || result == OP_TRUE);
      g_task_return_error (task, error);
    }
  else
    {
      g_assert (result != NULL);
      g_task_return_pointer (task, result, result == OP_TRUE ? NULL : op->result_free);
    }
}

static void
client_op_free (gpointer data)
{
  ClientOp *op = data;

  g_free (op->dataset_id);
  g_free (op->embedding_id);
  if (op->free_func != NULL)
    op->free_func (op);
  g_free (op);
}

/* Allocates an operation of @size bytes whose first member is a ClientOp. */
static gpointer
client_op_new (LightlyApiWorkflowClient *self,
               gsize                     size,
               ClientOpFunc              func,
               GDestroyNotify            free_func,
               GDestroyNotify            result_free)
{
  ClientOp *op = g_malloc0 (size);

  op->func = func;
  op->free_func = free_func;
  op->result_free = result_free;
  op->dataset_id = g_strdup (self->dataset_id);
  op->embedding_id = g_strdup (self->embedding_id);
  return op;
}

/* @check_cancellable FALSE: a result the worker produced is returned even if
 * the cancellable fired meanwhile (a selection that finished anyway). */
static void
client_op_start_full (LightlyApiWorkflowClient *self,
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
  /* The pool takes over the task reference. */
  g_thread_pool_push (client_pool (), task, NULL);
}

static void
client_op_start (LightlyApiWorkflowClient *self,
                 gpointer                  op,
                 gpointer                  source_tag,
                 GCancellable             *cancellable,
                 GAsyncReadyCallback       callback,
                 gpointer                  user_data)
{
  client_op_start_full (self, op, source_tag, TRUE, cancellable, callback, user_data);
}

static gpointer
client_op_finish (LightlyApiWorkflowClient *self,
                  GAsyncResult             *result,
                  gpointer                  source_tag,
                  GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
require_dataset (ClientOp  *op,
                 GError   **error)
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
  ClientOp op;
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

  return LIGHTLY_BACKEND_GET_IFACE (backend)->create_dataset (backend, op->name, cancellable, error);
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

  op = client_op_new (self, sizeof (NameOp), create_dataset_run, name_op_free, g_free);
  op->name = g_strdup (name);
  client_op_start (self, op, lightly_api_workflow_client_create_dataset_async,
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
  char *id = client_op_finish (self, result, lightly_api_workflow_client_create_dataset_async, error);

  if (id != NULL)
    lightly_api_workflow_client_set_dataset_id (self, id);
  return id;
}

/**
 * lightly_api_workflow_client_create_dataset:
 * @self: a client
 * @name: the new dataset's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.create_dataset_async].
 *
 * Returns: (transfer full): the new dataset's id, or %NULL on error
 */
char *
lightly_api_workflow_client_create_dataset (LightlyApiWorkflowClient *self,
                                            const char               *name,
                                            GCancellable             *cancellable,
                                            GError                  **error)
{
  LightlySync sync;
  char *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_create_dataset_async (self, name, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_create_dataset_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

static gpointer
list_datasets_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  return LIGHTLY_BACKEND_GET_IFACE (backend)->list_datasets (backend, cancellable, error);
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

  client_op_start (self,
                   client_op_new (self, sizeof (ClientOp), list_datasets_run, NULL,
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
  return client_op_finish (self, result, lightly_api_workflow_client_list_datasets_async, error);
}

/**
 * lightly_api_workflow_client_list_datasets:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.list_datasets_async].
 *
 * Returns: (transfer container) (element-type LightlyDataset): the datasets,
 *   or %NULL on error; the array owns its elements (it unrefs them when it
 *   is freed), so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_list_datasets (LightlyApiWorkflowClient *self,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  LightlySync sync;
  GPtrArray *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_list_datasets_async (self, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_list_datasets_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/* ---------------------------------------------------------------------------
 * Samples
 * ------------------------------------------------------------------------- */

typedef struct {
  ClientOp op;
  GInputStream *csv;
  char *name;
} StreamOp;

static void
stream_op_free (gpointer data)
{
  StreamOp *op = data;

  g_clear_object (&op->csv);
  g_free (op->name);
}

static gpointer
register_samples_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  StreamOp *op = data;
  LightlyBackendInterface *iface = LIGHTLY_BACKEND_GET_IFACE (backend);
  g_autofree char *initial_tag_id = NULL;

  if (!require_dataset (&op->op, error))
    return NULL;

  /* Samples are registered in the CSV's row order (protocol §13). */
  if (!iface->register_samples (backend, op->op.dataset_id, op->csv, cancellable, error))
    return NULL;
  initial_tag_id = iface->create_initial_tag (backend, op->op.dataset_id, cancellable, error);
  return initial_tag_id != NULL ? OP_TRUE : NULL;
}

/**
 * lightly_api_workflow_client_register_samples_async:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format (only its `filenames` column
 *   is read)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the samples are registered
 * @user_data: data for @callback
 *
 * Registers the CSV's file names as the dataset's samples, in the CSV's row
 * order, and creates the dataset's `initial-tag` holding all of them. Sample
 * i of the dataset is bit i of every tag.
 */
void
lightly_api_workflow_client_register_samples_async (LightlyApiWorkflowClient *self,
                                                    GInputStream             *csv,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data)
{
  StreamOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (csv));

  op = client_op_new (self, sizeof (StreamOp), register_samples_run, stream_op_free, NULL);
  op->csv = g_object_ref (csv);
  client_op_start (self, op, lightly_api_workflow_client_register_samples_async,
                   cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_register_samples_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.register_samples_async].
 *
 * Returns: %TRUE when the samples and the `initial-tag` exist
 */
gboolean
lightly_api_workflow_client_register_samples_finish (LightlyApiWorkflowClient *self,
                                                     GAsyncResult             *result,
                                                     GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_register_samples_async, error) != NULL;
}

/**
 * lightly_api_workflow_client_register_samples:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.register_samples_async].
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_register_samples (LightlyApiWorkflowClient *self,
                                              GInputStream             *csv,
                                              GCancellable             *cancellable,
                                              GError                  **error)
{
  LightlySync sync;
  gboolean ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_register_samples_async (self, csv, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_register_samples_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

static GInputStream *
open_path (const char    *path,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return G_INPUT_STREAM (g_file_read (file, cancellable, error));
}

/**
 * lightly_api_workflow_client_register_samples_from_path:
 * @self: a client
 * @path: (type filename): the path of an embeddings CSV
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: registers the samples of the CSV file at @path, as
 * [method@Lightly.ApiWorkflowClient.register_samples] does.
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_register_samples_from_path (LightlyApiWorkflowClient *self,
                                                        const char               *path,
                                                        GCancellable             *cancellable,
                                                        GError                  **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  stream = open_path (path, cancellable, error);
  if (stream == NULL)
    return FALSE;
  return lightly_api_workflow_client_register_samples (self, stream, cancellable, error);
}

static gpointer
get_file_names_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  ClientOp *op = data;

  if (!require_dataset (op, error))
    return NULL;
  return LIGHTLY_BACKEND_GET_IFACE (backend)->get_file_names (backend, op->dataset_id, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_file_names_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the file names
 * @user_data: data for @callback
 *
 * Gets the dataset's file names in mapping order: index i is bit i of every
 * tag (protocol M1).
 */
void
lightly_api_workflow_client_get_file_names_async (LightlyApiWorkflowClient *self,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  client_op_start (self,
                   client_op_new (self, sizeof (ClientOp), get_file_names_run, NULL,
                                  (GDestroyNotify) g_strfreev),
                   lightly_api_workflow_client_get_file_names_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_get_file_names_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.get_file_names_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names, or
 *   %NULL on error
 */
char **
lightly_api_workflow_client_get_file_names_finish (LightlyApiWorkflowClient *self,
                                                   GAsyncResult             *result,
                                                   GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_get_file_names_async, error);
}

/**
 * lightly_api_workflow_client_get_file_names:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.get_file_names_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names, or
 *   %NULL on error
 */
char **
lightly_api_workflow_client_get_file_names (LightlyApiWorkflowClient *self,
                                            GCancellable             *cancellable,
                                            GError                  **error)
{
  LightlySync sync;
  char **ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_get_file_names_async (self, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_get_file_names_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/* ---------------------------------------------------------------------------
 * Embeddings
 * ------------------------------------------------------------------------- */

static gpointer
upload_embeddings_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  StreamOp *op = data;

  if (!require_dataset (&op->op, error))
    return NULL;
  return LIGHTLY_BACKEND_GET_IFACE (backend)->upload_embeddings (backend, op->op.dataset_id, op->name,
                                                                 op->csv, cancellable, error);
}

/**
 * lightly_api_workflow_client_upload_embeddings_async:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format: a `filenames` column,
 *   `embedding_0` … `embedding_{D-1}`, other columns ignored
 * @name: the embedding's name, unique in the dataset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the embedding is stored
 * @user_data: data for @callback
 *
 * Uploads embeddings. The CSV's file names must be exactly the dataset's
 * samples (in any order); rows are stored in mapping order, L2-normalised.
 * On success the new embedding becomes the client's
 * [property@Lightly.ApiWorkflowClient:embedding-id].
 */
void
lightly_api_workflow_client_upload_embeddings_async (LightlyApiWorkflowClient *self,
                                                     GInputStream             *csv,
                                                     const char               *name,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data)
{
  StreamOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (csv));
  g_return_if_fail (name != NULL);

  op = client_op_new (self, sizeof (StreamOp), upload_embeddings_run, stream_op_free, g_free);
  op->csv = g_object_ref (csv);
  op->name = g_strdup (name);
  client_op_start (self, op, lightly_api_workflow_client_upload_embeddings_async,
                   cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_upload_embeddings_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.upload_embeddings_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_finish (LightlyApiWorkflowClient *self,
                                                      GAsyncResult             *result,
                                                      GError                  **error)
{
  char *id = client_op_finish (self, result, lightly_api_workflow_client_upload_embeddings_async, error);

  if (id != NULL)
    lightly_api_workflow_client_set_embedding_id (self, id);
  return id;
}

/**
 * lightly_api_workflow_client_upload_embeddings:
 * @self: a client
 * @csv: an embeddings CSV in Lightly's format
 * @name: the embedding's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.upload_embeddings_async].
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings (LightlyApiWorkflowClient *self,
                                               GInputStream             *csv,
                                               const char               *name,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  LightlySync sync;
  char *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_upload_embeddings_async (self, csv, name, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_upload_embeddings_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/**
 * lightly_api_workflow_client_upload_embeddings_from_path:
 * @self: a client
 * @path: (type filename): the path of an embeddings CSV
 * @name: the embedding's name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: uploads the embeddings CSV at @path, as
 * [method@Lightly.ApiWorkflowClient.upload_embeddings] does.
 *
 * Returns: (transfer full): the embedding id, or %NULL on error
 */
char *
lightly_api_workflow_client_upload_embeddings_from_path (LightlyApiWorkflowClient *self,
                                                         const char               *path,
                                                         const char               *name,
                                                         GCancellable             *cancellable,
                                                         GError                  **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  stream = open_path (path, cancellable, error);
  if (stream == NULL)
    return NULL;
  return lightly_api_workflow_client_upload_embeddings (self, stream, name, cancellable, error);
}

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

static gpointer
get_tags_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  ClientOp *op = data;

  if (!require_dataset (op, error))
    return NULL;
  return LIGHTLY_BACKEND_GET_IFACE (backend)->get_tags (backend, op->dataset_id, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_tags_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the tags
 * @user_data: data for @callback
 *
 * Lists the dataset's tags in creation order; the `initial-tag` comes first.
 */
void
lightly_api_workflow_client_get_tags_async (LightlyApiWorkflowClient *self,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data)
{
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));

  client_op_start (self,
                   client_op_new (self, sizeof (ClientOp), get_tags_run, NULL,
                                  (GDestroyNotify) g_ptr_array_unref),
                   lightly_api_workflow_client_get_tags_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_get_tags_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.get_tags_async].
 *
 * Returns: (transfer container) (element-type LightlyTag): the tags, or %NULL
 *   on error; the array owns its elements (it unrefs them when it is freed),
 *   so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_get_tags_finish (LightlyApiWorkflowClient *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_get_tags_async, error);
}

/**
 * lightly_api_workflow_client_get_tags:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.get_tags_async].
 *
 * Returns: (transfer container) (element-type LightlyTag): the tags, or %NULL
 *   on error; the array owns its elements (it unrefs them when it is freed),
 *   so C callers just unref the array
 */
GPtrArray *
lightly_api_workflow_client_get_tags (LightlyApiWorkflowClient *self,
                                      GCancellable             *cancellable,
                                      GError                  **error)
{
  LightlySync sync;
  GPtrArray *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_get_tags_async (self, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_get_tags_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/**
 * lightly_api_workflow_client_get_tag_by_name:
 * @self: a client
 * @name: a tag name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: finds the dataset's tag named @name.
 *
 * Returns: (transfer full): the tag, or %NULL with %LIGHTLY_ERROR_NOT_FOUND
 */
LightlyTag *
lightly_api_workflow_client_get_tag_by_name (LightlyApiWorkflowClient *self,
                                             const char               *name,
                                             GCancellable             *cancellable,
                                             GError                  **error)
{
  g_autoptr(GPtrArray) tags = NULL;
  LightlyTag *tag;

  g_return_val_if_fail (name != NULL, NULL);

  tags = lightly_api_workflow_client_get_tags (self, cancellable, error);
  if (tags == NULL)
    return NULL;
  tag = lightly_tag_list_find (tags, name);
  if (tag != NULL)
    return g_object_ref (tag);

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
               "The dataset has no tag named “%s”", name);
  return NULL;
}

typedef struct {
  ClientOp op;
  char *name;
  char *bit_mask_hex;
  char *prev_tag_id;
} CreateTagOp;

static void
create_tag_op_free (gpointer data)
{
  CreateTagOp *op = data;

  g_free (op->name);
  g_free (op->bit_mask_hex);
  g_free (op->prev_tag_id);
}

static gpointer
create_tag_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  CreateTagOp *op = data;
  LightlyBackendInterface *iface = LIGHTLY_BACKEND_GET_IFACE (backend);
  g_autofree char *id = NULL;

  if (!require_dataset (&op->op, error))
    return NULL;
  id = iface->create_tag (backend, op->op.dataset_id, op->name, op->bit_mask_hex, op->prev_tag_id,
                          cancellable, error);
  if (id == NULL)
    return NULL;
  return iface->get_tag (backend, op->op.dataset_id, id, cancellable, error);
}

/**
 * lightly_api_workflow_client_create_tag_async:
 * @self: a client
 * @name: the tag's name (at least 3 characters: letters, digits and ` .:;=@_-`)
 * @bit_mask: the tag's members
 * @prev_tag_id: (nullable): the parent tag, usually a superset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new tag
 * @user_data: data for @callback
 *
 * Creates a tag from a bit mask. Creating a tag again with the same name and
 * the same members is not an error and returns the existing tag (protocol
 * §13, idempotent writes); the same name with other members is
 * %LIGHTLY_ERROR_EXISTS.
 */
void
lightly_api_workflow_client_create_tag_async (LightlyApiWorkflowClient *self,
                                              const char               *name,
                                              const LightlyBitMask     *bit_mask,
                                              const char               *prev_tag_id,
                                              GCancellable             *cancellable,
                                              GAsyncReadyCallback       callback,
                                              gpointer                  user_data)
{
  CreateTagOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (bit_mask != NULL);

  op = client_op_new (self, sizeof (CreateTagOp), create_tag_run, create_tag_op_free, g_object_unref);
  op->name = g_strdup (name);
  op->bit_mask_hex = lightly_bit_mask_to_hex (bit_mask);
  op->prev_tag_id = g_strdup (prev_tag_id);
  client_op_start (self, op, lightly_api_workflow_client_create_tag_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_create_tag_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.create_tag_async].
 *
 * Returns: (transfer full): the tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_create_tag_finish (LightlyApiWorkflowClient *self,
                                               GAsyncResult             *result,
                                               GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_create_tag_async, error);
}

/**
 * lightly_api_workflow_client_create_tag:
 * @self: a client
 * @name: the tag's name
 * @bit_mask: the tag's members
 * @prev_tag_id: (nullable): the parent tag
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.create_tag_async].
 *
 * Returns: (transfer full): the tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_create_tag (LightlyApiWorkflowClient *self,
                                        const char               *name,
                                        const LightlyBitMask     *bit_mask,
                                        const char               *prev_tag_id,
                                        GCancellable             *cancellable,
                                        GError                  **error)
{
  LightlySync sync;
  LightlyTag *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_create_tag_async (self, name, bit_mask, prev_tag_id, cancellable,
                                                lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_create_tag_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

typedef struct {
  ClientOp op;
  char *tag_id;
} TagIdOp;

static void
tag_id_op_free (gpointer data)
{
  TagIdOp *op = data;

  g_free (op->tag_id);
}

static gpointer
delete_tag_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  TagIdOp *op = data;

  if (!require_dataset (&op->op, error))
    return NULL;
  if (!LIGHTLY_BACKEND_GET_IFACE (backend)->delete_tag (backend, op->op.dataset_id, op->tag_id,
                                                        cancellable, error))
    return NULL;
  return OP_TRUE;
}

/**
 * lightly_api_workflow_client_delete_tag_async:
 * @self: a client
 * @tag_id: the id of the tag to delete
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the tag is deleted
 * @user_data: data for @callback
 *
 * Deletes a tag of the dataset, and the scores uploaded for it. The
 * `initial-tag` cannot be deleted, nor a tag that another tag names as its
 * previous, query or preselected tag, nor a tag a selection job still uses:
 * those are %LIGHTLY_ERROR_INVALID_INPUT, with a message saying what refers
 * to the tag. A tag the dataset does not have is %LIGHTLY_ERROR_NOT_FOUND.
 *
 * Over http this is `DELETE /v1/datasets/{datasetId}/tags/{tagId}`.
 */
void
lightly_api_workflow_client_delete_tag_async (LightlyApiWorkflowClient *self,
                                              const char               *tag_id,
                                              GCancellable             *cancellable,
                                              GAsyncReadyCallback       callback,
                                              gpointer                  user_data)
{
  TagIdOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (tag_id != NULL);

  op = client_op_new (self, sizeof (TagIdOp), delete_tag_run, tag_id_op_free, NULL);
  op->tag_id = g_strdup (tag_id);
  client_op_start (self, op, lightly_api_workflow_client_delete_tag_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_delete_tag_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.delete_tag_async].
 *
 * Returns: %TRUE when the tag is deleted
 */
gboolean
lightly_api_workflow_client_delete_tag_finish (LightlyApiWorkflowClient *self,
                                               GAsyncResult             *result,
                                               GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_delete_tag_async, error) != NULL;
}

/**
 * lightly_api_workflow_client_delete_tag:
 * @self: a client
 * @tag_id: the id of the tag to delete
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.delete_tag_async].
 *
 * Returns: %TRUE when the tag is deleted
 */
gboolean
lightly_api_workflow_client_delete_tag (LightlyApiWorkflowClient *self,
                                        const char               *tag_id,
                                        GCancellable             *cancellable,
                                        GError                  **error)
{
  LightlySync sync;
  gboolean ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_delete_tag_async (self, tag_id, cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_delete_tag_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/* ---------------------------------------------------------------------------
 * Scores
 * ------------------------------------------------------------------------- */

typedef struct {
  ClientOp op;
  LightlyScores *scores;
  char *tag_id;
} ScoresOp;

static void
scores_op_free (gpointer data)
{
  ScoresOp *op = data;

  g_clear_object (&op->scores);
  g_free (op->tag_id);
}

static gpointer
upload_scores_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  ScoresOp *op = data;
  LightlyBackendInterface *iface = LIGHTLY_BACKEND_GET_IFACE (backend);
  g_auto(GStrv) names = NULL;

  if (!require_dataset (&op->op, error))
    return NULL;

  /* One upload per score array, in scorer order, as the Python client does. */
  names = lightly_scores_dup_names (op->scores);
  for (guint i = 0; names[i] != NULL; i++)
    {
      gsize n = 0;
      const double *values = lightly_scores_get_values (op->scores, names[i], &n);
      g_autofree char *id = iface->upload_scores (backend, op->op.dataset_id, op->tag_id, names[i],
                                                  values, n, cancellable, error);
      if (id == NULL)
        return NULL;
    }
  return OP_TRUE;
}

/**
 * lightly_api_workflow_client_upload_scores_async:
 * @self: a client
 * @scores: the scores, in query-set order of @query_tag_id
 * @query_tag_id: the tag the scores belong to: value k is for the k-th set
 *   bit of the tag
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every score array is stored
 * @user_data: data for @callback
 *
 * Uploads active-learning scores to a tag, one array per score name. An
 * existing array with the same name is replaced.
 */
void
lightly_api_workflow_client_upload_scores_async (LightlyApiWorkflowClient *self,
                                                 LightlyScores            *scores,
                                                 const char               *query_tag_id,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  ScoresOp *op;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SCORES (scores));
  g_return_if_fail (query_tag_id != NULL);

  op = client_op_new (self, sizeof (ScoresOp), upload_scores_run, scores_op_free, NULL);
  op->scores = g_object_ref (scores);
  op->tag_id = g_strdup (query_tag_id);
  client_op_start (self, op, lightly_api_workflow_client_upload_scores_async, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_upload_scores_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.upload_scores_async].
 *
 * Returns: %TRUE when every array is stored; %LIGHTLY_ERROR_INVALID_INPUT
 *   when an array's length differs from the tag's size
 */
gboolean
lightly_api_workflow_client_upload_scores_finish (LightlyApiWorkflowClient *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error)
{
  return client_op_finish (self, result, lightly_api_workflow_client_upload_scores_async, error) != NULL;
}

/**
 * lightly_api_workflow_client_upload_scores:
 * @self: a client
 * @scores: the scores
 * @query_tag_id: the tag the scores belong to
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.upload_scores_async].
 *
 * Returns: %TRUE on success
 */
gboolean
lightly_api_workflow_client_upload_scores (LightlyApiWorkflowClient *self,
                                           LightlyScores            *scores,
                                           const char               *query_tag_id,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  LightlySync sync;
  gboolean ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_upload_scores_async (self, scores, query_tag_id, cancellable,
                                                   lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_upload_scores_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

/* ---------------------------------------------------------------------------
 * Selection
 * ------------------------------------------------------------------------- */

typedef struct {
  ClientOp op;
  LightlySelectionRequest request;
  LightlyBackendProgress progress;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
  char *embedding_id_used;          /* written by the worker, read in finish */
} SamplingOp;

static void
sampling_op_free (gpointer data)
{
  SamplingOp *op = data;

  lightly_selection_request_clear (&op->request);
  if (op->progress_destroy != NULL)
    op->progress_destroy (op->progress_data);
  g_free (op->embedding_id_used);
}

/* Protocol §4.3 step 3: name check, default embedding, rowCount, P1, follow
 * the job, then read the new tag. */
static gpointer
sampling_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  SamplingOp *op = data;
  LightlyBackendInterface *iface = LIGHTLY_BACKEND_GET_IFACE (backend);
  g_autoptr(GPtrArray) tags = NULL;
  g_autofree char *job_id = NULL;
  g_autoptr(LightlyJob) job = NULL;
  const char *embedding_id;

  if (!require_dataset (&op->op, error))
    return NULL;

  tags = iface->get_tags (backend, op->op.dataset_id, cancellable, error);
  if (tags == NULL)
    return NULL;
  if (tags->len == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                           "There exists no initial-tag for this dataset: register samples first");
      return NULL;
    }
  if (lightly_tag_list_find (tags, op->request.new_tag_name) != NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                   "A tag named “%s” exists already: give the selection another name",
                   op->request.new_tag_name);
      return NULL;
    }
  op->request.row_count = lightly_tag_get_tot_size (g_ptr_array_index (tags, 0));

  embedding_id = op->op.embedding_id;
  if (embedding_id == NULL)
    {
      g_autoptr(GPtrArray) embeddings = iface->list_embeddings (backend, op->op.dataset_id,
                                                                cancellable, error);
      if (embeddings == NULL)
        return NULL;
      if (embeddings->len == 0)
        {
          g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                               "The dataset has no embeddings: upload an embeddings CSV first");
          return NULL;
        }
      /* The newest embedding, as the Python client's default. */
      op->embedding_id_used = g_strdup (lightly_embedding_get_id (g_ptr_array_index (embeddings,
                                                                                     embeddings->len - 1)));
      embedding_id = op->embedding_id_used;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  job_id = iface->start_selection (backend, op->op.dataset_id, embedding_id, &op->request,
                                   cancellable, error);
  if (job_id == NULL)
    return NULL;

  job = iface->follow_job (backend, job_id, op->progress, op->progress_data, cancellable, error);
  if (job == NULL)
    return NULL;

  if (lightly_job_get_status (job) == LIGHTLY_JOB_STATUS_FAILED)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_JOB_FAILED,
                   "Selection job %s failed: %s", job_id,
                   lightly_job_get_error (job) != NULL ? lightly_job_get_error (job) : "no reason given");
      return NULL;
    }
  if (lightly_job_get_result_tag_id (job) == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "Selection job %s finished without a result tag", job_id);
      return NULL;
    }

  return iface->get_tag (backend, op->op.dataset_id, lightly_job_get_result_tag_id (job),
                         cancellable, error);
}

void
lightly_api_workflow_client_sampling_full_async (LightlyApiWorkflowClient *self,
                                                 LightlySamplerConfig     *config,
                                                 const char               *preselected_tag_id,
                                                 const char               *query_tag_id,
                                                 LightlyBackendProgress    progress,
                                                 gpointer                  progress_data,
                                                 GDestroyNotify            progress_destroy,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data)
{
  SamplingOp *op;

  /* Callers validated @config at the public boundary (the agent's query, or
   * sampling_async): a bad one here is a programmer error. */
  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));
  g_return_if_fail (lightly_sampler_config_validate (config, NULL));

  op = client_op_new (self, sizeof (SamplingOp), sampling_run, sampling_op_free, g_object_unref);
  op->progress = progress;
  op->progress_data = progress_data;
  op->progress_destroy = progress_destroy;

  op->request.method = lightly_sampler_config_get_method (config);
  op->request.n_samples = lightly_sampler_config_get_n_samples (config);
  op->request.min_distance = lightly_sampler_config_get_min_distance (config);
  op->request.score_type = g_strdup (lightly_sampler_config_get_score_type (config));
  op->request.score_strength = lightly_sampler_config_get_score_strength (config);
  op->request.seed = lightly_sampler_config_get_seed (config);
  op->request.query_tag_id = g_strdup (query_tag_id);
  op->request.preselected_tag_id = g_strdup (preselected_tag_id);
  if (lightly_sampler_config_get_name (config) != NULL)
    op->request.new_tag_name = g_strdup (lightly_sampler_config_get_name (config));
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      op->request.new_tag_name = lightly_sampler_config_generate_name (config, now);
    }

  client_op_start_full (self, op, lightly_api_workflow_client_sampling_async, FALSE,
                        cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_sampling_async:
 * @self: a client
 * @config: what to select
 * @preselected_tag_id: (nullable): the tag of the already-labeled samples;
 *   the result contains it
 * @query_tag_id: (nullable): the tag to select from, or %NULL for the whole
 *   dataset
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new tag
 * @user_data: data for @callback
 *
 * Runs one selection and returns the new tag, which holds the preselected
 * samples plus the picks (protocol §4.3, step 3). `n-samples` is the total
 * size of the new tag. Most programs use [class@Lightly.Agent] instead,
 * which also uploads scores and keeps the sets.
 *
 * Cancelling stops following the job; in the embedded store it also stops
 * the selection, and the job ends FAILED ("cancelled").
 */
void
lightly_api_workflow_client_sampling_async (LightlyApiWorkflowClient *self,
                                            LightlySamplerConfig     *config,
                                            const char               *preselected_tag_id,
                                            const char               *query_tag_id,
                                            GCancellable             *cancellable,
                                            GAsyncReadyCallback       callback,
                                            gpointer                  user_data)
{
  GError *error = NULL;

  g_return_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self));
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config));

  /* The public boundary of a selection that skips the agent. */
  if (!lightly_sampler_config_validate (config, &error))
    {
      g_task_report_error (self, callback, user_data, lightly_api_workflow_client_sampling_async, error);
      return;
    }
  lightly_api_workflow_client_sampling_full_async (self, config, preselected_tag_id, query_tag_id,
                                                   NULL, NULL, NULL, cancellable, callback, user_data);
}

/**
 * lightly_api_workflow_client_sampling_finish:
 * @self: a client
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.ApiWorkflowClient.sampling_async]. When the
 * client had no embedding id, the one the selection used becomes its
 * [property@Lightly.ApiWorkflowClient:embedding-id].
 *
 * Returns: (transfer full): the new tag, or %NULL on error
 *   (%LIGHTLY_ERROR_JOB_FAILED when the selection failed)
 */
LightlyTag *
lightly_api_workflow_client_sampling_finish (LightlyApiWorkflowClient *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  LightlyTag *tag = client_op_finish (self, result, lightly_api_workflow_client_sampling_async, error);
  SamplingOp *op = g_task_get_task_data (G_TASK (result));

  if (tag != NULL && op->embedding_id_used != NULL && self->embedding_id == NULL)
    lightly_api_workflow_client_set_embedding_id (self, op->embedding_id_used);
  return tag;
}

/**
 * lightly_api_workflow_client_sampling:
 * @self: a client
 * @config: what to select
 * @preselected_tag_id: (nullable): the tag of the already-labeled samples
 * @query_tag_id: (nullable): the tag to select from
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.ApiWorkflowClient.sampling_async].
 *
 * Returns: (transfer full): the new tag, or %NULL on error
 */
LightlyTag *
lightly_api_workflow_client_sampling (LightlyApiWorkflowClient *self,
                                      LightlySamplerConfig     *config,
                                      const char               *preselected_tag_id,
                                      const char               *query_tag_id,
                                      GCancellable             *cancellable,
                                      GError                  **error)
{
  LightlySync sync;
  LightlyTag *ret;

  lightly_sync_begin (&sync);
  lightly_api_workflow_client_sampling_async (self, config, preselected_tag_id, query_tag_id,
                                              cancellable, lightly_sync_done, &sync);
  ret = lightly_api_workflow_client_sampling_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return ret;
}

typedef struct {
  ClientOp op;
  char *job_id;
} JobOp;

static void
job_op_free (gpointer data)
{
  g_free (((JobOp *) data)->job_id);
}

static gpointer
get_job_run (gpointer data, LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  JobOp *op = data;

  return LIGHTLY_BACKEND_GET_IFACE (backend)->get_job (backend, op->job_id, cancellable, error);
}

/**
 * lightly_api_workflow_client_get_job:
 * @self: a client
 * @job_id: a job id
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking: reads a selection job's status (protocol J1).
 *
 * Returns: (transfer full): the job, or %NULL with %LIGHTLY_ERROR_NOT_FOUND
 */
LightlyJob *
lightly_api_workflow_client_get_job (LightlyApiWorkflowClient *self,
                                     const char               *job_id,
                                     GCancellable             *cancellable,
                                     GError                  **error)
{
  LightlySync sync;
  LightlyJob *ret;
  JobOp *op;

  g_return_val_if_fail (LIGHTLY_IS_API_WORKFLOW_CLIENT (self), NULL);
  g_return_val_if_fail (job_id != NULL, NULL);

  op = client_op_new (self, sizeof (JobOp), get_job_run, job_op_free, g_object_unref);
  op->job_id = g_strdup (job_id);

  lightly_sync_begin (&sync);
  client_op_start (self, op, lightly_api_workflow_client_get_job, cancellable, lightly_sync_done, &sync);
  ret = client_op_finish (self, lightly_sync_wait (&sync), lightly_api_workflow_client_get_job, error);
  lightly_sync_end (&sync);
  return ret;
}
