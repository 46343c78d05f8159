/* lightly-al-embed-run.c: one `lightly-al embed` run over any LightlyEmbedder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "lightly-al-embed-run.h"
#include "ml/lightly-fashion-mnist.h"

typedef struct {
  gboolean bar;
  gint64 start;
} EmbedProgress;

static void
on_embed_progress (LightlyEmbedder *embedder,
                   guint            done,
                   guint            total,
                   gpointer         user_data)
{
  EmbedProgress *p = user_data;
  const int width = 30;
  int filled = total > 0 ? (int) ((double) done / total * width + 0.5) : width;
  double seconds = (g_get_monotonic_time () - p->start) / 1e6;
  char bar[64];

  if (!p->bar)
    return;
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf (stderr, "\rembedding [%s] %u/%u (%.0f images/s)",
           bar, done, total, seconds > 0 ? done / seconds : 0.0);
  fflush (stderr);
}

/* Sets what the command line says on the properties @embedder has. */
gboolean
lightly_al_embed_configure (LightlyEmbedder  *embedder,
                            const char       *name,
                            const char       *model,
                            int               dim,
                            int               threads,
                            GError          **error)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (embedder);
  g_autofree char *current = NULL;

  if (g_object_class_find_property (klass, "max-dim") != NULL)
    g_object_set (embedder, "max-dim", (guint) dim, NULL);
  if (g_object_class_find_property (klass, "threads") != NULL)
    g_object_set (embedder, "threads", (guint) threads, NULL);
  if (g_object_class_find_property (klass, "model") == NULL)
    {
      if (model == NULL)
        return TRUE;
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The embedder “%s” takes no --model", name);
      return FALSE;
    }
  if (model != NULL)
    g_object_set (embedder, "model", model, NULL);
  g_object_get (embedder, "model", &current, NULL);
  if (current == NULL || *current == '\0')
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The embedder “%s” needs --model FILE", name);
      return FALSE;
    }
  return TRUE;
}

static void
warn_failed (LightlyEmbedderResult *result)
{
  const char * const *failed = lightly_embedder_result_get_failed (result);

  for (guint i = 0; failed[i] != NULL; i++)
    g_printerr ("lightly-al: warning: skipped %s\n", failed[i]);
}

static gboolean
write_csv (LightlyEmbedderResult  *result,
           const char             *output,
           GError                **error)
{
  guint n = lightly_embedder_result_get_n_rows (result);
  /* No labels yet: the column is Lightly's format, 0 for every row. */
  g_autofree guint *labels = g_new0 (guint, n + 1);

  return lightly_embeddings_csv_write (output, lightly_embedder_result_get_file_names (result),
                                       g_bytes_get_data (lightly_embedder_result_get_embeddings (result), NULL),
                                       n, lightly_embedder_result_get_dim (result), labels, error);
}

gboolean
lightly_al_embed_run (LightlyEmbedder  *embedder,
                      const char       *folder,
                      const char       *output,
                      gboolean          quiet,
                      guint            *n_rows,
                      GError          **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (folder);
  g_autoptr(LightlyEmbedderResult) result = NULL;
  EmbedProgress progress = { 0 };
  gulong handler;
  double seconds;
  guint n;

  progress.bar = !quiet && isatty (STDERR_FILENO);
  progress.start = g_get_monotonic_time ();
  handler = g_signal_connect (embedder, "progress", G_CALLBACK (on_embed_progress), &progress);
  result = lightly_embedder_embed (embedder, file, NULL, error);
  g_signal_handler_disconnect (embedder, handler);
  if (progress.bar)
    fputc ('\n', stderr);
  if (result == NULL)
    return FALSE;
  warn_failed (result);
  if (!write_csv (result, output, error))
    return FALSE;
  n = lightly_embedder_result_get_n_rows (result);
  seconds = (g_get_monotonic_time () - progress.start) / 1e6;
  g_print ("%u images embedded (%u dimensions) in %.1f s (%.0f images/s), %u unreadable skipped: %s\n",
           n, lightly_embedder_result_get_dim (result), seconds, n / MAX (seconds, 1e-6),
           g_strv_length ((char **) lightly_embedder_result_get_failed (result)), output);
  *n_rows = n;
  return TRUE;
}
