/* lightly-embedder.c: the extension point that turns a folder of images into embeddings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-embedder.h"
#include "lightly-error.h"
#include "lightly-sync-private.h"

/**
 * LightlyEmbedder:
 *
 * The extension point behind `lightly-al embed` and an annotation app's
 * "Open a folder of images…": it turns every image under a folder into one
 * row of float32 values, a [class@Lightly.EmbedderResult] that the app
 * writes as Lightly's embeddings CSV or uploads into a store. Apps load
 * implementations as libpeas 1.x plugins; lightly-glib ships one in C
 * (`lightly-embed-pixels`, pixels and colour statistics, then a whitened
 * PCA fitted on the folder, no model needed) and one in Python
 * (`lightly_embed_torchscript`, which runs a TorchScript model with
 * PyTorch).
 *
 * An embedder lists the folder with [func@Lightly.Embedder.list_images]
 * (so every embedder sees the same files in the same order), and lists the
 * files it cannot read in [method@Lightly.EmbedderResult.get_failed]
 * rather than failing. A second call while one is running fails with
 * %LIGHTLY_ERROR_BUSY; cancelling fails with %G_IO_ERROR_CANCELLED.
 *
 * Settings that only one embedder has (a model file, a batch size…) are
 * ordinary properties of its class: a host sets them with g_object_set()
 * after creating the extension, and can check for them with
 * g_object_class_find_property() first.
 *
 * ## Progress
 *
 * An implementation calls [method@Lightly.Embedder.report_progress] from
 * any thread; hosts connect to [signal@Lightly.Embedder::progress], which
 * is emitted in the thread-default main context of the
 * [method@Lightly.Embedder.embed_async] call, coalesced (a slow main loop
 * sees the latest count, not a backlog), and always before the call's
 * callback.
 *
 * ## Threads
 *
 * The default [vfunc@Lightly.Embedder.embed_async] calls
 * [vfunc@Lightly.Embedder.embed] in a worker thread with a private
 * thread-default main context pushed, so a long embedding never blocks the
 * app; `embed` must therefore not touch objects of the app. It may use
 * threads of its own. [method@Lightly.Embedder.embed] is the blocking
 * variant for scripts: it iterates a private main context only.
 *
 * ## Plugins
 *
 * A plugin's `.plugin` file carries `X-Lightly-Embedder-ABI=1`
 * (%LIGHTLY_EMBEDDER_ABI). A C plugin registers a type implementing the
 * interface in `peas_register_types()`, as for
 * [iface@Lightly.BatchSuggester]. A Python plugin (`Loader=python3`)
 * implements the synchronous vfunc:
 *
 * ```python
 * class MyEmbedder(GObject.Object, Lightly.Embedder):
 *     __gtype_name__ = 'MyEmbedder'
 *     model = GObject.Property(type=str)     # a setting of this embedder only
 *
 *     def do_embed(self, folder, cancellable):
 *         names = Lightly.Embedder.list_images(folder, cancellable)
 *         ...                                 # self.report_progress(done, len(names))
 *         return Lightly.EmbedderResult.new(ok, GLib.Bytes.new(rows.tobytes()), dim, failed)
 * ```
 *
 * A Python exception other than #GError raised by `do_embed` is printed
 * by PyGObject, not passed on; the call then fails with
 * %LIGHTLY_ERROR_FAILED. A Python class that implements `do_embed_async`
 * instead must wrap its callback as the suggester's documentation shows
 * (PyGObject 3.42 binds the user data already).
 *
 * ## Hosts
 *
 * ```c
 * PeasEngine *engine = peas_engine_new ();
 * peas_engine_enable_loader (engine, "python3");
 * peas_engine_add_search_path (engine, LIBDIR "/lightly/plugins", NULL);
 * PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "lightly-embed-pixels");
 * if (g_strcmp0 (peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI"),
 *                LIGHTLY_EMBEDDER_ABI) != 0 || !peas_engine_load_plugin (engine, info))
 *   return;
 * PeasExtension *embedder = peas_engine_create_extension (engine, info, LIGHTLY_TYPE_EMBEDDER, NULL);
 * g_signal_connect (embedder, "progress", G_CALLBACK (on_progress), app);
 * lightly_embedder_embed_async (LIGHTLY_EMBEDDER (embedder), folder, cancellable, on_embedded, app);
 * ```
 *
 * In Python: `embedder = engine.create_extension(info, Lightly.Embedder, [], [])`, then
 * `result = embedder.embed(Gio.File.new_for_path(folder), None)`; in GJS,
 * `embedder.embed_async(folder, null, (obj, res) => embedder.embed_finish(res))`.
 */

G_DEFINE_INTERFACE (LightlyEmbedder, lightly_embedder, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------------
 * One running call and its progress
 * ------------------------------------------------------------------------- */

/* Set on an instance (qdata) while a call runs, so report_progress() can
 * find where to emit from any thread. */
typedef struct {
  gatomicrefcount ref;
  GMainContext *context;
  GMutex lock;
  guint done;
  guint total;
  gboolean pending;     /* a progress source is attached */
  gboolean finished;    /* the call completed: sources still attached do nothing */
} Run;

static GQuark run_quark;
G_LOCK_DEFINE_STATIC (runs);

static Run *
run_new (void)
{
  Run *run = g_new0 (Run, 1);

  g_atomic_ref_count_init (&run->ref);
  run->context = g_main_context_ref_thread_default ();
  g_mutex_init (&run->lock);
  return run;
}

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref);
  return run;
}

static void
run_unref (Run *run)
{
  if (!g_atomic_ref_count_dec (&run->ref))
    return;
  g_main_context_unref (run->context);
  g_mutex_clear (&run->lock);
  g_free (run);
}

typedef struct {
  LightlyEmbedder *self;
  Run *run;
} Emit;

static void
emit_free (gpointer data)
{
  Emit *e = data;

  g_object_unref (e->self);
  run_unref (e->run);
  g_free (e);
}

/* Emits the latest count, if the call has not completed (the completion
 * emits what is left itself). */
static gboolean
emit_progress (gpointer data)
{
  Emit *e = data;
  guint done, total;
  gboolean emit;

  g_mutex_lock (&e->run->lock);
  emit = e->run->pending && !e->run->finished;
  e->run->pending = FALSE;
  done = e->run->done;
  total = e->run->total;
  g_mutex_unlock (&e->run->lock);
  if (emit)
    g_signal_emit (e->self, signals[SIGNAL_PROGRESS], 0, done, total);
  return G_SOURCE_REMOVE;
}

/* In the call's context, before its callback: the last count is emitted
 * now, never after the callback. */
static void
run_finish (LightlyEmbedder *self,
            Run             *run)
{
  guint done, total;
  gboolean emit;

  G_LOCK (runs);
  g_object_set_qdata (G_OBJECT (self), run_quark, NULL);
  G_UNLOCK (runs);

  g_mutex_lock (&run->lock);
  emit = run->pending;
  run->pending = FALSE;
  run->finished = TRUE;
  done = run->done;
  total = run->total;
  g_mutex_unlock (&run->lock);
  if (emit)
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total);
}

/* ---------------------------------------------------------------------------
 * The default embed_async: embed() in a worker thread
 * ------------------------------------------------------------------------- */

static void default_worker (gpointer data, gpointer user_data);

static GThreadPool *
default_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      /* Embedding a folder takes minutes, far longer than GTask's pool is
       * meant for, so it gets threads of its own, created on demand. */
      GThreadPool *p = g_thread_pool_new (default_worker, NULL, 16, FALSE, NULL);
      g_once_init_leave (&pool, p);
    }
  return pool;
}

typedef struct {
  GTask *task;
  LightlyEmbedderResult *result;
  GError *error;
} DefaultResult;

static gboolean
default_return (gpointer data)
{
  DefaultResult *r = data;

  if (r->error != NULL)
    g_task_return_error (r->task, g_steal_pointer (&r->error));
  else
    g_task_return_pointer (r->task, g_steal_pointer (&r->result), g_object_unref);
  g_object_unref (r->task);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
default_worker (gpointer data,
                gpointer user_data)
{
  GTask *task = data;
  LightlyEmbedder *self = g_task_get_source_object (task);
  GFile *folder = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  DefaultResult *r = g_new0 (DefaultResult, 1);
  GMainContext *context = g_main_context_new ();
  /* Once the idle below is attached, the caller's thread may run it, finish
   * the call and drop its last reference on its context (a blocking call's
   * private one) before g_source_unref() here has locked that context: this
   * reference keeps it alive until then. */
  GMainContext *owner = g_main_context_ref (g_task_get_context (task));
  GSource *source;

  r->task = task;

  /* Objects that embed() creates belong to this context, not to the app's. */
  g_main_context_push_thread_default (context);
  if (!g_cancellable_set_error_if_cancelled (cancellable, &r->error))
    r->result = LIGHTLY_EMBEDDER_GET_IFACE (self)->embed (self, folder, cancellable, &r->error);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (r->result != NULL && r->error != NULL)
    g_clear_object (&r->result);
  /* A missing result without an error is reported by the caller. */

  /* Not g_main_context_invoke(): it would run default_return right here
   * whenever this thread manages to acquire the owner context. An idle
   * attached after every progress source is dispatched after them. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, default_return, r, NULL);
  g_source_set_static_name (source, "[lightly] embedder result");
  g_source_attach (source, owner);
  g_source_unref (source);
  g_main_context_unref (owner);
}

static void
lightly_embedder_real_embed_async (LightlyEmbedder     *self,
                                   GFile               *folder,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, lightly_embedder_real_embed_async);
  if (LIGHTLY_EMBEDDER_GET_IFACE (self)->embed == NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                               "The embedder %s implements neither embed() nor embed_async()",
                               G_OBJECT_TYPE_NAME (self));
      return;
    }
  g_task_set_task_data (task, g_object_ref (folder), g_object_unref);
  g_thread_pool_push (default_pool (), g_steal_pointer (&task), NULL);
}

static LightlyEmbedderResult *
lightly_embedder_real_embed_finish (LightlyEmbedder  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static guint
lightly_embedder_real_get_dim (LightlyEmbedder *self)
{
  return 0;
}

static void
lightly_embedder_default_init (LightlyEmbedderInterface *iface)
{
  run_quark = g_quark_from_static_string ("lightly-embedder-run");

  iface->embed_async = lightly_embedder_real_embed_async;
  iface->embed_finish = lightly_embedder_real_embed_finish;
  iface->get_dim = lightly_embedder_real_get_dim;

  /**
   * LightlyEmbedder::progress:
   * @self: the embedder
   * @done: files looked at so far (read or not)
   * @total: files to look at
   *
   * Emitted while a call runs, in the thread-default main context of
   * [method@Lightly.Embedder.embed_async], with the latest count that the
   * embedder reported; never after the call's callback.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", LIGHTLY_TYPE_EMBEDDER, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

/* ---------------------------------------------------------------------------
 * The public calls
 * ------------------------------------------------------------------------- */

static void
on_embedded (GObject      *source,
             GAsyncResult *res,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  LightlyEmbedder *self = g_task_get_source_object (task);
  GError *error = NULL;
  LightlyEmbedderResult *result;

  result = LIGHTLY_EMBEDDER_GET_IFACE (self)->embed_finish (self, res, &error);
  if (result == NULL && error == NULL)
    g_set_error (&error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                 "The embedder %s returned no result and set no error (in Python, an exception "
                 "other than GLib.Error is printed, not passed on)", G_OBJECT_TYPE_NAME (self));
  if (result != NULL && error != NULL)
    g_clear_object (&result);

  run_finish (self, g_task_get_task_data (task));
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, g_object_unref);
}

/**
 * lightly_embedder_embed_async:
 * @self: an embedder
 * @folder: the folder of images
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: (closure): data for @callback
 *
 * Embeds every image under @folder (the files of
 * [func@Lightly.Embedder.list_images]). Files that cannot be read are
 * listed in the result, not fatal. @callback runs in the thread-default
 * main context of this call, after the last
 * [signal@Lightly.Embedder::progress].
 *
 * A second call while one is running fails with %LIGHTLY_ERROR_BUSY.
 */
void
lightly_embedder_embed_async (LightlyEmbedder     *self,
                              GFile               *folder,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (LIGHTLY_IS_EMBEDDER (self));
  g_return_if_fail (G_IS_FILE (folder));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lightly_embedder_embed_async);

  G_LOCK (runs);
  run = g_object_get_qdata (G_OBJECT (self), run_quark);
  if (run == NULL)
    g_object_set_qdata_full (G_OBJECT (self), run_quark, run_new (), (GDestroyNotify) run_unref);
  G_UNLOCK (runs);
  if (run != NULL)
    {
      g_task_return_new_error (task, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                               "The embedder is already embedding a folder: wait for it or cancel it");
      return;
    }
  g_task_set_task_data (task, run_ref (g_object_get_qdata (G_OBJECT (self), run_quark)),
                        (GDestroyNotify) run_unref);
  LIGHTLY_EMBEDDER_GET_IFACE (self)->embed_async (self, folder, cancellable, on_embedded,
                                                  g_steal_pointer (&task));
}

/**
 * lightly_embedder_embed_finish:
 * @self: an embedder
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Lightly.Embedder.embed_async].
 *
 * Returns: (transfer full): the embeddings, or %NULL with @error set
 */
LightlyEmbedderResult *
lightly_embedder_embed_finish (LightlyEmbedder  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lightly_embedder_embed_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lightly_embedder_embed:
 * @self: an embedder
 * @folder: the folder of images
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The blocking variant of [method@Lightly.Embedder.embed_async], for
 * scripts and command-line tools. It iterates a private main context only,
 * in which [signal@Lightly.Embedder::progress] is emitted on the calling
 * thread.
 *
 * Returns: (transfer full): the embeddings, or %NULL with @error set
 */
LightlyEmbedderResult *
lightly_embedder_embed (LightlyEmbedder  *self,
                        GFile            *folder,
                        GCancellable     *cancellable,
                        GError          **error)
{
  LightlySync sync;
  LightlyEmbedderResult *result;

  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER (self), NULL);
  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lightly_sync_begin (&sync);
  lightly_embedder_embed_async (self, folder, cancellable, lightly_sync_done, &sync);
  result = lightly_embedder_embed_finish (self, lightly_sync_wait (&sync), error);
  lightly_sync_end (&sync);
  return result;
}

/**
 * lightly_embedder_get_dim:
 * @self: an embedder
 *
 * Gets the dimension of the embeddings that @self makes, when it is known
 * before embedding (a model's output size); 0 when it depends on the images
 * (the built-in embedder's PCA keeps fewer dimensions for small folders).
 *
 * Returns: the dimension, or 0
 */
guint
lightly_embedder_get_dim (LightlyEmbedder *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDER (self), 0);

  return LIGHTLY_EMBEDDER_GET_IFACE (self)->get_dim (self);
}

/**
 * lightly_embedder_report_progress:
 * @self: an embedder
 * @done: files looked at so far
 * @total: files to look at
 *
 * For implementations: reports progress, from any thread. Hosts see it as
 * [signal@Lightly.Embedder::progress] in the context of their call.
 * Ignored when no call runs.
 */
void
lightly_embedder_report_progress (LightlyEmbedder *self,
                                  guint            done,
                                  guint            total)
{
  Run *run;
  gboolean attach;

  g_return_if_fail (LIGHTLY_IS_EMBEDDER (self));

  G_LOCK (runs);
  run = g_object_get_qdata (G_OBJECT (self), run_quark);
  if (run != NULL)
    run_ref (run);
  G_UNLOCK (runs);
  if (run == NULL)
    return;

  g_mutex_lock (&run->lock);
  run->done = done;
  run->total = total;
  attach = !run->pending && !run->finished;
  run->pending = TRUE;
  g_mutex_unlock (&run->lock);
  if (attach)
    {
      Emit *e = g_new (Emit, 1);
      GSource *source = g_idle_source_new ();

      e->self = g_object_ref (self);
      e->run = run_ref (run);
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, emit_progress, e, emit_free);
      g_source_set_static_name (source, "[lightly] embedder progress");
      g_source_attach (source, run->context);
      g_source_unref (source);
    }
  run_unref (run);
}

/* ---------------------------------------------------------------------------
 * Listing
 * ------------------------------------------------------------------------- */

static gboolean
list_into (GFile         *root,
           GFile         *dir,
           GPtrArray     *names,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFileEnumerator) e = NULL;

  e = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                 G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                 G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN,
                                 G_FILE_QUERY_INFO_NONE, cancellable, error);
  if (e == NULL)
    return FALSE;
  for (;;)
    {
      GFileInfo *info;
      GFile *child;

      if (!g_file_enumerator_iterate (e, &info, &child, cancellable, error))
        return FALSE;
      if (info == NULL)
        break;
      if (g_file_info_get_is_hidden (info))
        continue;
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (!list_into (root, child, names, cancellable, error))
            return FALSE;
        }
      /* Embeddings and label CSVs usually sit next to the images; they are
       * never images, so they are not reported as unreadable ones. */
      else if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
               !g_str_has_suffix (g_file_info_get_name (info), ".csv"))
        g_ptr_array_add (names, g_file_get_relative_path (root, child));
    }
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * lightly_embedder_list_images:
 * @folder: a folder
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the files an embedder looks at: every regular file under @folder,
 * recursively, except hidden files and folders and `*.csv` files, as paths
 * relative to @folder, sorted in byte order (so results do not depend on
 * the file system or on threads). Whether a file is an image is for the
 * embedder to find out.
 *
 * %LIGHTLY_ERROR_INVALID_INPUT when @folder is not a folder.
 *
 * Returns: (transfer full) (array zero-terminated=1) (element-type filename):
 *   the relative paths, or %NULL with @error set
 */
char **
lightly_embedder_list_images (GFile         *folder,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_query_file_type (folder, G_FILE_QUERY_INFO_NONE, cancellable) != G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *name = g_file_get_parse_name (folder);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "%s is not a folder", name);
      return NULL;
    }
  if (!list_into (folder, folder, names, cancellable, error))
    return NULL;
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
