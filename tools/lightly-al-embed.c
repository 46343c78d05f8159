/* lightly-al-embed.c: `lightly-al embed FOLDER`, embeddings for your own images
 *
 * The built-in embedder (tools/ml/lightly-image-embedder.h) needs no model:
 * pixels and colour statistics, then a whitened PCA fitted on the folder.
 * The result is Lightly's embeddings CSV, and with --upload (or --location /
 * --dataset) the samples are registered and the embeddings uploaded into a
 * store in the same run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "lightly-al-common.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-image-embedder.h"

typedef struct {
  gboolean bar;
  gint64 start;
} EmbedProgress;

static void
on_embed_progress (gsize    done,
                   gsize    total,
                   gpointer user_data)
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
  fprintf (stderr, "\rdecoding [%s] %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT " (%.0f images/s)",
           bar, done, total, seconds > 0 ? done / seconds : 0.0);
  fflush (stderr);
}

/* Finds the dataset @name (or id) in the store, creating it when absent. */
static gboolean
use_dataset (LightlyApiWorkflowClient  *client,
             const char                *name,
             GError                   **error)
{
  g_autoptr(GPtrArray) datasets = lightly_api_workflow_client_list_datasets (client, NULL, error);
  g_autofree char *id = NULL;

  if (datasets == NULL)
    return FALSE;
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyDataset *d = g_ptr_array_index (datasets, i);

      if (g_strcmp0 (lightly_dataset_get_name (d), name) == 0 ||
          g_strcmp0 (lightly_dataset_get_id (d), name) == 0)
        {
          lightly_api_workflow_client_set_dataset_id (client, lightly_dataset_get_id (d));
          return TRUE;
        }
    }
  id = lightly_api_workflow_client_create_dataset (client, name, NULL, error);
  if (id == NULL)
    return FALSE;
  lightly_api_workflow_client_set_dataset_id (client, id);
  return TRUE;
}

static gboolean
upload (const char  *location,
        const char  *dataset,
        const char  *csv,
        gsize        n,
        GError     **error)
{
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autofree char *id = NULL;

  client = lightly_al_open_client (location, FALSE, error);
  if (client == NULL || !use_dataset (client, dataset, error))
    return FALSE;
  if (!lightly_api_workflow_client_register_samples_from_path (client, csv, NULL, error))
    return FALSE;
  id = lightly_api_workflow_client_upload_embeddings_from_path (client, csv, "default", NULL, error);
  if (id == NULL)
    return FALSE;
  g_print ("%" G_GSIZE_FORMAT " samples registered and embeddings uploaded to dataset “%s” in %s\n",
           n, dataset, lightly_api_workflow_client_get_server_location (client));
  return TRUE;
}

int
lightly_al_cmd_embed (int argc, char **argv)
{
  g_autofree char *opt_output = NULL;
  g_autofree char *opt_location = NULL;
  g_autofree char *opt_dataset = NULL;
  gboolean opt_upload = FALSE, opt_quiet = FALSE;
  int opt_dim = 64, opt_threads = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Write the embeddings CSV to FILE (default: FOLDER/embeddings.csv)", "FILE" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &opt_dim, "At most N dimensions (default: 64)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads,
      "Decode on N threads (default: one per CPU)", "N" },
    { "upload", 'u', 0, G_OPTION_ARG_NONE, &opt_upload,
      "Also register the images and upload the embeddings into the store", NULL },
    { "location", 'l', 0, G_OPTION_ARG_STRING, &opt_location,
      "The store to upload into (implies --upload; default: $LIGHTLY_SERVER_LOCATION, "
      "else the embedded store)", "URI" },
    { "dataset", 'd', 0, G_OPTION_ARG_STRING, &opt_dataset,
      "The dataset to upload into, created when absent (implies --upload; default: "
      "the folder's name)", "NAME" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No progress bar", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("FOLDER — embeddings for a folder of images (Lightly's CSV format)");
  g_autoptr(LightlyImageEmbedding) emb = NULL;
  g_autofree guint *labels = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *output = NULL;
  EmbedProgress progress = { 0 };
  GError *error = NULL;
  double seconds;

  g_option_context_set_summary (context,
    "Decodes every image under FOLDER (JPEG, PNG and whatever gdk-pixbuf loaders are\n"
    "installed: TIFF, WebP, …; EXIF orientation honoured) and embeds it without a model:\n"
    "pixels and colour statistics, then a whitened PCA fitted on the folder. Unreadable\n"
    "files are listed and skipped. File names in the CSV are relative to FOLDER.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      g_error_free (error);
      return 2;
    }
  if (argc != 2 || opt_dim < 1 || opt_threads < 0)
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n",
                  argc != 2 ? "embed takes one FOLDER" : "--dim must be ≥ 1 and --threads ≥ 0",
                  g_get_prgname ());
      return 2;
    }
  folder = g_strdup (argv[1]);
  output = opt_output != NULL ? g_strdup (opt_output) : g_build_filename (folder, "embeddings.csv", NULL);
  opt_upload = opt_upload || opt_location != NULL || opt_dataset != NULL;

  progress.bar = !opt_quiet && isatty (STDERR_FILENO);
  progress.start = g_get_monotonic_time ();
  emb = lightly_image_embed_folder (folder, (guint) opt_dim, (guint) opt_threads,
                                    on_embed_progress, &progress, NULL, &error);
  if (progress.bar)
    fputc ('\n', stderr);
  if (emb != NULL)
    for (guint i = 0; i < emb->failed->len; i++)
      g_printerr ("lightly-al: warning: skipped %s\n", (char *) g_ptr_array_index (emb->failed, i));
  if (emb == NULL)
    return lightly_al_fail (error);

  /* No labels yet: the column is Lightly's format, 0 for every row. */
  labels = g_new0 (guint, emb->file_names->len + 1);
  if (!lightly_embeddings_csv_write (output, (const char * const *) emb->file_names->pdata,
                                     emb->embeddings, emb->file_names->len, emb->dim, labels, &error))
    return lightly_al_fail (error);
  seconds = (g_get_monotonic_time () - progress.start) / 1e6;
  g_print ("%u images embedded (%u dimensions) in %.1f s (%.0f images/s), %u unreadable skipped: %s\n",
           emb->file_names->len, emb->dim, seconds, emb->file_names->len / MAX (seconds, 1e-6),
           emb->failed->len, output);

  if (opt_upload)
    {
      /* Canonical first, so that "." or "photos/" still name the folder. */
      g_autofree char *canonical = g_canonicalize_filename (folder, NULL);
      g_autofree char *base = g_path_get_basename (canonical);

      if (!upload (opt_location, opt_dataset != NULL ? opt_dataset : base, output,
                   emb->file_names->len, &error))
        return lightly_al_fail (error);
    }
  return 0;
}
