/* annotator-embed.c: embeddings for a folder of images that has none
 *
 * "Open a folder of images…" on a folder without embeddings.csv computes
 * one with the built-in embedder of `lightly-al embed`
 * (tools/ml/lightly-image-embedder.h: pixels and colour statistics, then a
 * whitened PCA fitted on the folder; no model needed), in a GTask worker
 * that decodes on one thread per CPU.
 *
 * Progress: the embedder calls back on the worker; the latest count is kept
 * under a lock and one idle source at a time carries it to the caller's main
 * context, so a folder of 10 000 images does not queue 10 000 redraws.
 *
 * Cancel leaves nothing behind: the worker writes a hidden
 * .embeddings.csv.part next to the target, and only the completion, on the
 * main thread, renames it into place once it has checked the cancellable;
 * a cancel that comes after the worker finished still wins, and the part
 * file is removed.
 *
 * Unreadable files are reported, not fatal (the embedder needs two readable
 * images); the app's own files in the folder (classes.txt, store/) are not
 * reported as unreadable images.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <lightly/lightly.h>

#include "annotator-embed.h"
#include "annotator-folder.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-image-embedder.h"

/* The dimension `lightly-al embed` uses by default. */
#define EMBED_DIM 64

typedef struct {
  char *folder;
  char *csv_path;
  char *part_path;
  GMainContext *context;
  AnnotatorEmbedProgress progress;
  GObject *progress_object;

  GMutex lock;
  gsize done;                 /* under lock */
  gsize total;                /* under lock */
  gboolean idle_pending;      /* under lock */
  gboolean finished;          /* main context only */

  /* Set by the worker before it returns; read after. */
  guint n_images;
  GPtrArray *unreadable;
} Embed;

static void
embed_free (Embed *e)
{
  g_free (e->folder);
  g_free (e->csv_path);
  g_free (e->part_path);
  g_main_context_unref (e->context);
  g_clear_object (&e->progress_object);
  g_mutex_clear (&e->lock);
  g_clear_pointer (&e->unreadable, g_ptr_array_unref);
  g_free (e);
}

static gboolean
progress_idle (gpointer user_data)
{
  Embed *e = g_task_get_task_data (user_data);
  gsize done, total;

  g_mutex_lock (&e->lock);
  done = e->done;
  total = e->total;
  e->idle_pending = FALSE;
  g_mutex_unlock (&e->lock);
  /* A late update must not repaint a progress bar that moved on. */
  if (!e->finished && e->progress != NULL)
    e->progress (done, total, e->progress_object);
  return G_SOURCE_REMOVE;
}

/* On the worker thread. */
static void
on_progress (gsize    done,
             gsize    total,
             gpointer user_data)
{
  GTask *task = user_data;
  Embed *e = g_task_get_task_data (task);
  gboolean schedule;

  g_mutex_lock (&e->lock);
  e->done = done;
  e->total = total;
  schedule = !e->idle_pending;
  e->idle_pending = TRUE;
  g_mutex_unlock (&e->lock);
  if (schedule)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_callback (source, progress_idle, g_object_ref (task), g_object_unref);
      g_source_set_static_name (source, "[annotator] embed progress");
      g_source_attach (source, e->context);
    }
}

/* "classes.txt: …" or "store/…: …": a file of the app, not an image. */
static gboolean
is_app_file (const char *failed)
{
  return g_str_has_prefix (failed, ANNOTATOR_CLASSES_FILE ":") ||
         g_str_has_prefix (failed, ANNOTATOR_STORE_DIR "/");
}

static void
embed_thread (GTask        *inner,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GTask *task = task_data;
  Embed *e = g_task_get_task_data (task);
  g_autoptr(LightlyImageEmbedding) emb = NULL;
  g_autofree guint *labels = NULL;
  g_autofree char *dir = g_path_get_dirname (e->csv_path);
  GError *error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (inner, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return;
    }
  emb = lightly_image_embed_folder (e->folder, EMBED_DIM, 0, on_progress, task, cancellable, &error);
  if (emb == NULL)
    {
      g_task_return_error (inner, error);
      return;
    }
  /* No labels yet: Lightly's labels column is 0 for every row. */
  labels = g_new0 (guint, emb->file_names->len + 1);
  if (!lightly_embeddings_csv_write (e->part_path, (const char * const *) emb->file_names->pdata,
                                     emb->embeddings, emb->file_names->len, emb->dim, labels, &error))
    {
      g_task_return_error (inner, error);
      return;
    }
  e->n_images = emb->file_names->len;
  e->unreadable = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < emb->failed->len; i++)
    if (!is_app_file (g_ptr_array_index (emb->failed, i)))
      g_ptr_array_add (e->unreadable, g_strdup (g_ptr_array_index (emb->failed, i)));
  g_task_return_boolean (inner, TRUE);
}

static void
embed_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Embed *e = g_task_get_task_data (task);
  GError *error = NULL;
  gsize done, total;

  /* The last count, which an idle still queued would bring too late. */
  g_mutex_lock (&e->lock);
  done = e->done;
  total = e->total;
  g_mutex_unlock (&e->lock);
  if (e->progress != NULL && total > 0)
    e->progress (done, total, e->progress_object);
  e->finished = TRUE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_unlink (e->part_path);
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_unlink (e->part_path);
      return;
    }
  if (g_rename (e->part_path, e->csv_path) != 0)
    {
      int saved = errno;

      g_unlink (e->part_path);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot write %s: %s"), e->csv_path, g_strerror (saved));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/*
 * Embeds every image under @folder and writes Lightly's embeddings CSV to
 * @csv_path (its folder created if needed). @progress is called with
 * @progress_data (a GObject, kept alive until the end) on the thread-default
 * main context of the caller.
 */
void
annotator_embed_folder_async (const char             *folder,
                              const char             *csv_path,
                              GCancellable           *cancellable,
                              AnnotatorEmbedProgress  progress,
                              gpointer                progress_data,
                              GAsyncReadyCallback     callback,
                              gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;
  g_autofree char *dir = g_path_get_dirname (csv_path);
  Embed *e = g_new0 (Embed, 1);

  g_task_set_source_tag (task, annotator_embed_folder_async);
  e->folder = g_strdup (folder);
  e->csv_path = g_strdup (csv_path);
  e->part_path = g_build_filename (dir, "." ANNOTATOR_EMBEDDINGS_FILE ".part", NULL);
  e->context = g_main_context_ref_thread_default ();
  e->progress = progress;
  e->progress_object = progress_data != NULL ? g_object_ref (progress_data) : NULL;
  g_mutex_init (&e->lock);
  g_task_set_task_data (task, e, (GDestroyNotify) embed_free);

  inner = g_task_new (NULL, cancellable, embed_done_cb, g_object_ref (task));
  g_task_set_task_data (inner, g_object_ref (task), g_object_unref);
  g_task_run_in_thread (inner, embed_thread);
}

/* @n_images: the readable images embedded; @unreadable: "name: reason" per
 * file that could not be decoded. */
gboolean
annotator_embed_folder_finish (GAsyncResult  *result,
                               guint         *n_images,
                               GStrv         *unreadable,
                               GError       **error)
{
  Embed *e = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (n_images != NULL)
    *n_images = e->n_images;
  if (unreadable != NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < e->unreadable->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (e->unreadable, i));
      *unreadable = g_strv_builder_end (builder);
    }
  return TRUE;
}
