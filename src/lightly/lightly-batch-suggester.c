/* lightly-batch-suggester.c: the extension point annotation apps load through libpeas
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-batch-suggester.h"
#include "lightly-error.h"
#include "lightly-sync-private.h"

/**
 * LightlyBatchSuggester:
 *
 * The extension point behind an annotation app's "Suggest next batch"
 * button. Apps load implementations as libpeas 1.x plugins; lightly-glib
 * ships one in C (`lightly-suggest`, which runs an active-learning round
 * with a [class@Lightly.Agent]) and one in Python (`lightly_suggest_py`).
 *
 * A suggester is created with one construct-only property,
 * [property@Lightly.BatchSuggester:context]. For each request it returns at
 * most [property@Lightly.SuggestRequest:batch-size] file names, none of
 * them in [property@Lightly.SuggestRequest:labeled]. A second request while
 * one is running fails with %LIGHTLY_ERROR_BUSY.
 *
 * ## Threads
 *
 * [method@Lightly.BatchSuggester.suggest_async] is called in the
 * suggester's owner context (where it was created), and its callback runs
 * in the thread-default context of the call. The default implementation
 * calls [vfunc@Lightly.BatchSuggester.suggest] in a worker thread, with a
 * private thread-default main context pushed, so a slow suggestion never
 * blocks the app; `suggest` must therefore not touch objects of the app.
 * [method@Lightly.BatchSuggester.suggest] is the blocking variant for
 * scripts: it iterates a private main context only, never the app's.
 *
 * ## Plugins
 *
 * A plugin's `.plugin` file carries `X-Lightly-ABI=1`
 * (%LIGHTLY_BATCH_SUGGESTER_ABI) and hosts refuse plugins without it. A C
 * plugin registers a dynamic type in `peas_register_types()`:
 *
 * ```c
 * G_DEFINE_DYNAMIC_TYPE_EXTENDED (MySuggester, my_suggester, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
 *                                 G_IMPLEMENT_INTERFACE_DYNAMIC (LIGHTLY_TYPE_BATCH_SUGGESTER,
 *                                                                my_suggester_iface_init))
 * // class_init: g_object_class_override_property (object_class, PROP_CONTEXT, "context");
 *
 * G_MODULE_EXPORT void
 * peas_register_types (PeasObjectModule *module)
 * {
 *   my_suggester_register_type (G_TYPE_MODULE (module));
 *   peas_object_module_register_extension_type (module, LIGHTLY_TYPE_BATCH_SUGGESTER,
 *                                               MY_TYPE_SUGGESTER);
 * }
 * ```
 *
 * A Python plugin (`Loader=python3`, a module name that is a Python
 * identifier) implements the synchronous vfunc and declares the context
 * property; the default `suggest_async` runs it in a worker thread:
 *
 * ```python
 * import gi
 * gi.require_version('Lightly', '1.0')
 * from gi.repository import GObject, Lightly
 *
 * class MySuggester(GObject.Object, Lightly.BatchSuggester):
 *     __gtype_name__ = 'MySuggester'
 *     context = GObject.Property(type=Lightly.SuggestContext)
 *
 *     def do_suggest(self, request, cancellable):
 *         return [...]   # at most request.props.batch_size names
 * ```
 *
 * A Python class can also implement `do_suggest_async` and
 * `do_suggest_finish`. One catch (PyGObject 3.42): the callback arrives
 * with its user data already bound, so calling it with three arguments
 * raises `TypeError: Gio.AsyncReadyCallback() takes exactly 2 arguments
 * (3 given)` and the caller waits forever. Wrap it:
 *
 * ```python
 *     def do_suggest_async(self, request, cancellable, callback, *user_data):
 *         task = Gio.Task.new(self, cancellable, lambda src, res, *_: callback(src, res))
 *         ...                      # later, in the main context:
 *         task.names = names
 *         task.return_boolean(True)
 *
 *     def do_suggest_finish(self, result):
 *         return result.names if result.propagate_boolean() else None
 * ```
 *
 * ## Hosts
 *
 * A C host (libpeas 1.x; a GTK 4 app must not use `PeasGtk`, which is
 * GTK 3):
 *
 * ```c
 * PeasEngine *engine = peas_engine_new ();
 * peas_engine_enable_loader (engine, "python3");
 * peas_engine_add_search_path (engine, LIBDIR "/lightly/plugins", NULL);
 * PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "lightly-suggest");
 * if (g_strcmp0 (peas_plugin_info_get_external_data (info, "Lightly-ABI"),
 *                LIGHTLY_BATCH_SUGGESTER_ABI) != 0 || !peas_engine_load_plugin (engine, info))
 *   return;
 * g_autoptr(LightlySuggestContext) context = lightly_suggest_context_new (location, dataset_id, app_id);
 * PeasExtension *ext = peas_engine_create_extension (engine, info, LIGHTLY_TYPE_BATCH_SUGGESTER,
 *                                                    "context", context, NULL);
 * lightly_batch_suggester_suggest_async (LIGHTLY_BATCH_SUGGESTER (ext), request, cancellable,
 *                                        on_batch, app);
 * ```
 *
 * Apps that let users choose among several suggesters use a
 * `PeasExtensionSet` instead: `peas_extension_set_new (engine,
 * LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL)`.
 *
 * A Python host:
 *
 * ```python
 * gi.require_version('Peas', '1.0')
 * from gi.repository import Peas, Lightly
 *
 * engine = Peas.Engine.new()
 * engine.enable_loader('python3')
 * engine.add_search_path(plugin_dir, None)
 * info = engine.get_plugin_info('lightly-suggest')
 * assert info.get_external_data('Lightly-ABI') == Lightly.BATCH_SUGGESTER_ABI
 * engine.load_plugin(info)
 * context = Lightly.SuggestContext(location=location, dataset_id=dataset_id, app_id=app_id)
 * suggester = engine.create_extension(info, Lightly.BatchSuggester, ['context'], [context])
 * names = suggester.suggest(Lightly.SuggestRequest(batch_size=16, labeled=labeled), None)
 * ```
 *
 * A GJS host can load C plugins the same way (libpeas 1.x has no GJS
 * loader, so plugins cannot be written in JavaScript):
 *
 * ```js
 * import Peas from 'gi://Peas?version=1.0';
 * import Lightly from 'gi://Lightly?version=1.0';
 *
 * const engine = Peas.Engine.new();
 * engine.add_search_path(pluginDir, null);
 * const info = engine.get_plugin_info('lightly-suggest');
 * if (info.get_external_data('Lightly-ABI') === Lightly.BATCH_SUGGESTER_ABI && engine.load_plugin(info)) {
 *     const context = new Lightly.SuggestContext({location, dataset_id: datasetId, app_id: appId});
 *     const suggester = engine.create_extension(info, Lightly.BatchSuggester, ['context'], [context]);
 *     suggester.suggest_async(new Lightly.SuggestRequest({batch_size: 16, labeled}), null,
 *         (obj, res) => show(suggester.suggest_finish(res)));
 * }
 * ```
 */

G_DEFINE_INTERFACE (LightlyBatchSuggester, lightly_batch_suggester, G_TYPE_OBJECT)

/* Set on an instance while the default suggest_async runs; only touched in
 * the owner context. */
static GQuark busy_quark;

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void default_worker (gpointer data, gpointer user_data);

static GThreadPool *
default_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      /* A suggestion can run a whole selection, far longer than GTask's pool
       * is meant for, so it gets threads of its own, created on demand. */
      GThreadPool *p = g_thread_pool_new (default_worker, NULL, 16, FALSE, NULL);
      g_once_init_leave (&pool, p);
    }
  return pool;
}

typedef struct {
  GTask *task;
  char **names;
  GError *error;
} DefaultResult;

/* The task a default worker thread runs, so that emit_progress() called
 * from the synchronous vfunc reaches the owner context, not the worker. */
static GPrivate worker_task;

typedef struct {
  GObject *self;
  double fraction;
} ProgressCall;

static gboolean
progress_in_owner (gpointer data)
{
  ProgressCall *call = data;

  g_signal_emit (call->self, signals[SIGNAL_PROGRESS], 0, call->fraction);
  return G_SOURCE_REMOVE;
}

static void
progress_call_free (gpointer data)
{
  ProgressCall *call = data;

  g_object_unref (call->self);
  g_free (call);
}

/* Runs in the owner context: clears the busy mark before the callback, so
 * the callback may start the next suggestion. */
static gboolean
default_return (gpointer data)
{
  DefaultResult *r = data;
  GObject *self = g_task_get_source_object (r->task);

  g_object_set_qdata (self, busy_quark, NULL);
  if (r->error != NULL)
    g_task_return_error (r->task, g_steal_pointer (&r->error));
  else
    g_task_return_pointer (r->task, g_steal_pointer (&r->names), (GDestroyNotify) g_strfreev);
  g_object_unref (r->task);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
default_worker (gpointer data,
                gpointer user_data)
{
  GTask *task = data;
  LightlyBatchSuggester *self = g_task_get_source_object (task);
  LightlySuggestRequest *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  LightlyBatchSuggesterInterface *iface = LIGHTLY_BATCH_SUGGESTER_GET_IFACE (self);
  DefaultResult *r = g_new0 (DefaultResult, 1);
  GMainContext *context = g_main_context_new ();
  /* Once the idle below is attached, the caller's thread may run it, finish
   * the call and drop its last reference on its context (a blocking call's
   * private one) before g_source_unref() here has locked that context: this
   * reference keeps it alive until then. */
  GMainContext *owner = g_main_context_ref (g_task_get_context (task));
  GSource *source;

  r->task = task;

  /* Objects that suggest() creates belong to this context, not to the
   * app's: their signals must never be emitted into the app's loop. */
  g_main_context_push_thread_default (context);
  g_private_set (&worker_task, task);
  if (!g_cancellable_set_error_if_cancelled (cancellable, &r->error))
    r->names = iface->suggest (self, request, cancellable, &r->error);
  g_private_set (&worker_task, NULL);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (r->names == NULL && r->error == NULL)
    g_set_error (&r->error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                 "The suggester %s returned no list and set no error (in Python, an exception "
                 "other than GLib.Error is printed, not passed on)",
                 G_OBJECT_TYPE_NAME (self));
  if (r->names != NULL && r->error != NULL)
    g_clear_pointer (&r->names, g_strfreev);

  /* Not g_main_context_invoke(): it would run default_return right here
   * whenever this thread manages to acquire the owner context. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, default_return, r, NULL);
  g_source_set_static_name (source, "[lightly] suggester result");
  g_source_attach (source, owner);
  g_source_unref (source);
  g_main_context_unref (owner);
}

static void
lightly_batch_suggester_real_suggest_async (LightlyBatchSuggester *self,
                                            LightlySuggestRequest *request,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, lightly_batch_suggester_real_suggest_async);

  if (LIGHTLY_BATCH_SUGGESTER_GET_IFACE (self)->suggest == NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                               "The suggester %s implements neither suggest() nor suggest_async()",
                               G_OBJECT_TYPE_NAME (self));
      return;
    }
  if (g_object_get_qdata (G_OBJECT (self), busy_quark) != NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                               "The suggester is already suggesting a batch: wait for it or cancel it");
      return;
    }

  g_object_set_qdata (G_OBJECT (self), busy_quark, GINT_TO_POINTER (1));
  g_task_set_task_data (task, g_object_ref (request), g_object_unref);
  g_thread_pool_push (default_pool (), g_steal_pointer (&task), NULL);
}

static char **
lightly_batch_suggester_real_suggest_finish (LightlyBatchSuggester  *self,
                                             GAsyncResult           *result,
                                             GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lightly_batch_suggester_default_init (LightlyBatchSuggesterInterface *iface)
{
  busy_quark = g_quark_from_static_string ("lightly-batch-suggester-busy");

  iface->suggest_async = lightly_batch_suggester_real_suggest_async;
  iface->suggest_finish = lightly_batch_suggester_real_suggest_finish;

  /**
   * LightlyBatchSuggester:context:
   *
   * Where the suggester works: the store's location, the dataset and the
   * app. Set once, at creation (`peas_extension_set_new (engine,
   * LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL)`). New context
   * goes into [class@Lightly.SuggestContext], never into new interface
   * properties.
   */
  g_object_interface_install_property (iface,
                                       g_param_spec_object ("context", NULL, NULL,
                                                            LIGHTLY_TYPE_SUGGEST_CONTEXT,
                                                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                            G_PARAM_STATIC_STRINGS));

  /**
   * LightlyBatchSuggester::progress:
   * @self: the suggester
   * @fraction: the fraction of the running suggestion done, in [0, 1]
   *
   * Reports how far a suggestion is, in the main context the suggestion
   * was started from, so that a host can show a progress bar (the D-Bus
   * service forwards it as its `Progress` signal). Optional: a suggester
   * that never emits it is still correct. Emit it with
   * [method@Lightly.BatchSuggester.emit_progress].
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);
}

/**
 * lightly_batch_suggester_emit_progress:
 * @self: a suggester
 * @fraction: the fraction of the running suggestion done, clamped to [0, 1]
 *
 * Emits [signal@Lightly.BatchSuggester::progress]. For implementations:
 * call it from the main context the suggestion was started from, or from
 * [vfunc@Lightly.BatchSuggester.suggest] while the default
 * `suggest_async` runs it in its worker thread; there the signal is
 * queued to the context the suggestion was started from, ahead of the
 * result, so a Python plugin can report progress too.
 */
void
lightly_batch_suggester_emit_progress (LightlyBatchSuggester *self,
                                       double                 fraction)
{
  GTask *task = g_private_get (&worker_task);
  ProgressCall *call;
  GSource *source;

  g_return_if_fail (LIGHTLY_IS_BATCH_SUGGESTER (self));

  fraction = CLAMP (fraction, 0.0, 1.0);
  if (task == NULL || g_task_get_source_object (task) != (gpointer) self)
    {
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, fraction);
      return;
    }

  /* Same priority as the result's source, attached before it: the host
   * sees every fraction before the callback. */
  call = g_new (ProgressCall, 1);
  call->self = g_object_ref (G_OBJECT (self));
  call->fraction = fraction;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, progress_in_owner, call, progress_call_free);
  g_source_set_static_name (source, "[lightly] suggester progress");
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

/**
 * lightly_batch_suggester_dup_context:
 * @self: a suggester
 *
 * Gets [property@Lightly.BatchSuggester:context].
 *
 * Returns: (transfer full) (nullable): the context
 */
LightlySuggestContext *
lightly_batch_suggester_dup_context (LightlyBatchSuggester *self)
{
  LightlySuggestContext *context = NULL;

  g_return_val_if_fail (LIGHTLY_IS_BATCH_SUGGESTER (self), NULL);

  g_object_get (self, "context", &context, NULL);
  return context;
}

/**
 * lightly_batch_suggester_suggest_async:
 * @self: a suggester
 * @request: what to suggest
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Suggests the next batch of files to label: at most
 * [property@Lightly.SuggestRequest:batch-size] file names, none of them in
 * [property@Lightly.SuggestRequest:labeled]. Call it in the suggester's
 * owner context; @callback runs in the thread-default main context of this
 * call.
 *
 * A second call while one is running fails with %LIGHTLY_ERROR_BUSY.
 * Cancelling fails the call with %G_IO_ERROR_CANCELLED.
 */
void
lightly_batch_suggester_suggest_async (LightlyBatchSuggester *self,
                                       LightlySuggestRequest *request,
                                       GCancellable          *cancellable,
                                       GAsyncReadyCallback    callback,
                                       gpointer               user_data)
{
  g_return_if_fail (LIGHTLY_IS_BATCH_SUGGESTER (self));
  g_return_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (request));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  LIGHTLY_BATCH_SUGGESTER_GET_IFACE (self)->suggest_async (self, request, cancellable, callback, user_data);
}

/**
 * lightly_batch_suggester_suggest_finish:
 * @self: a suggester
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.BatchSuggester.suggest_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names to
 *   label next, possibly none, or %NULL with @error set
 */
char **
lightly_batch_suggester_suggest_finish (LightlyBatchSuggester  *self,
                                        GAsyncResult           *result,
                                        GError                **error)
{
  LightlyBatchSuggesterInterface *iface;
  char **names;

  g_return_val_if_fail (LIGHTLY_IS_BATCH_SUGGESTER (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = LIGHTLY_BATCH_SUGGESTER_GET_IFACE (self);
  names = iface->suggest_finish (self, result, error);
  if (names == NULL && error != NULL && *error == NULL)
    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                 "The suggester %s returned no list and set no error", G_OBJECT_TYPE_NAME (self));
  return names;
}

/**
 * lightly_batch_suggester_suggest:
 * @self: a suggester
 * @request: what to suggest
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocking variant of [method@Lightly.BatchSuggester.suggest_async], for
 * scripts and tests. It iterates a private main context only, so it never
 * re-enters the caller's main loop.
 *
 * Returns: (transfer full) (array zero-terminated=1): the file names to
 *   label next, possibly none, or %NULL with @error set
 */
char **
lightly_batch_suggester_suggest (LightlyBatchSuggester  *self,
                                 LightlySuggestRequest  *request,
                                 GCancellable           *cancellable,
                                 GError                **error)
{
  LightlySync sync;
  char **names;

  g_return_val_if_fail (LIGHTLY_IS_BATCH_SUGGESTER (self), NULL);
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (request), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lightly_sync_begin (&sync);
  lightly_batch_suggester_suggest_async (self, request, cancellable, lightly_sync_done, &sync);
  names = lightly_batch_suggester_suggest_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return names;
}
