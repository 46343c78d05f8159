/* lightly-al-embed.c: `lightly-al embed FOLDER`, embeddings for your own images
 *
 * Any LightlyEmbedder: the built-in one (tools/ml/lightly-pixel-embedder.h,
 * no model: pixels and colour statistics, then a whitened PCA fitted on the
 * folder) is linked in, so the default works without any plugin installed;
 * others (--embedder torchscript --model model.pt) are libpeas plugins,
 * found in $LIGHTLY_PLUGIN_DIR (in-tree builds) and the installed plugin
 * folder. The result is Lightly's embeddings CSV, and with --upload (or
 * --location / --dataset) the samples are registered and the embeddings
 * uploaded into a store in the same run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <libpeas/peas.h>

#include "lightly-al-common.h"
#include "ml/lightly-fashion-mnist.h"
#include "ml/lightly-pixel-embedder.h"

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

/* The embedders that @engine can load, for error messages. */
static char *
list_embedders (PeasEngine *engine)
{
  GString *names = g_string_new ("pixels");

  for (const GList *l = peas_engine_get_plugin_list (engine); l != NULL; l = l->next)
    if (peas_plugin_info_get_external_data (l->data, "Lightly-Embedder-ABI") != NULL &&
        g_strcmp0 (peas_plugin_info_get_module_name (l->data), "lightly-embed-pixels") != 0)
      g_string_append_printf (names, ", %s", peas_plugin_info_get_module_name (l->data));
  return g_string_free (names, FALSE);
}

/* Loads the plugin embedder @name ("torchscript" is short for
 * lightly_embed_torchscript) through @engine. */
static LightlyEmbedder *
load_plugin_embedder (PeasEngine  *engine,
                      const char  *name,
                      GError     **error)
{
  const char *dir = g_getenv ("LIGHTLY_PLUGIN_DIR");
  const char *module = g_str_equal (name, "torchscript") ? "lightly_embed_torchscript" : name;
  PeasPluginInfo *info;

  peas_engine_enable_loader (engine, "python3");
  if (dir != NULL && *dir != '\0')
    peas_engine_add_search_path (engine, dir, NULL);
  peas_engine_add_search_path (engine, LIGHTLY_PLUGINS_DIR, NULL);
  info = peas_engine_get_plugin_info (engine, module);
  if (info == NULL || peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI") == NULL)
    {
      g_autofree char *known = list_embedders (engine);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                   "No embedder “%s” (known: %s; plugins are looked for in $LIGHTLY_PLUGIN_DIR "
                   "and %s)", name, known, LIGHTLY_PLUGINS_DIR);
      return NULL;
    }
  if (g_strcmp0 (peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI"),
                 LIGHTLY_EMBEDDER_ABI) != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                   "The embedder “%s” was built for another version of lightly-glib "
                   "(X-Lightly-Embedder-ABI=%s, this one is %s)", name,
                   peas_plugin_info_get_external_data (info, "Lightly-Embedder-ABI"), LIGHTLY_EMBEDDER_ABI);
      return NULL;
    }
  if (!peas_engine_load_plugin (engine, info) ||
      !peas_engine_provides_extension (engine, info, LIGHTLY_TYPE_EMBEDDER))
    {
      g_autoptr(GError) why = NULL;

      peas_plugin_info_is_available (info, &why);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                   "The embedder “%s” could not be loaded%s%s (a Python plugin needs libpeas's "
                   "python3 loader and python3-gi)", name, why != NULL ? ": " : "",
                   why != NULL ? why->message : "");
      return NULL;
    }
  return LIGHTLY_EMBEDDER (peas_engine_create_extension (engine, info, LIGHTLY_TYPE_EMBEDDER, NULL));
}

/* Sets what the command line says on the properties @embedder has. */
static gboolean
configure (LightlyEmbedder  *embedder,
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

int
lightly_al_cmd_embed (int argc, char **argv)
{
  g_autofree char *opt_output = NULL;
  g_autofree char *opt_location = NULL;
  g_autofree char *opt_dataset = NULL;
  g_autofree char *opt_embedder = NULL;
  g_autofree char *opt_model = NULL;
  gboolean opt_upload = FALSE, opt_quiet = FALSE;
  int opt_dim = 64, opt_threads = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Write the embeddings CSV to FILE (default: FOLDER/embeddings.csv)", "FILE" },
    { "embedder", 'e', 0, G_OPTION_ARG_STRING, &opt_embedder,
      "pixels (built-in, the default), torchscript, or the module name of an embedder plugin", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "The model file of embedders that run one (torchscript: a TorchScript .pt)", "FILE" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &opt_dim, "At most N dimensions (pixels; default: 64)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads,
      "Decode on N threads (pixels; default: one per CPU)", "N" },
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
  /* The engine outlives the embedder it made: declared first, freed last. */
  g_autoptr(PeasEngine) engine = NULL;
  g_autoptr(LightlyEmbedder) embedder = NULL;
  g_autoptr(LightlyEmbedderResult) result = NULL;
  g_autoptr(GFile) folder_file = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *output = NULL;
  const char *name;
  EmbedProgress progress = { 0 };
  GError *error = NULL;
  double seconds;
  guint n;

  g_option_context_set_summary (context,
    "Decodes every image under FOLDER (JPEG, PNG and whatever gdk-pixbuf loaders are\n"
    "installed: TIFF, WebP, …; EXIF orientation honoured) and embeds it. The built-in\n"
    "embedder needs no model: pixels and colour statistics, then a whitened PCA fitted\n"
    "on the folder. --embedder torchscript --model model.pt runs your own TorchScript\n"
    "model instead (needs python3-torch). Unreadable files are listed and skipped.\n"
    "File names in the CSV are relative to FOLDER.");
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

  name = opt_embedder != NULL ? opt_embedder : "pixels";
  if (g_str_equal (name, "pixels") || g_str_equal (name, "lightly-embed-pixels"))
    embedder = lightly_pixel_embedder_new ((guint) opt_dim, (guint) opt_threads);
  else
    {
      engine = peas_engine_new ();
      embedder = load_plugin_embedder (engine, name, &error);
    }
  if (embedder == NULL || !configure (embedder, name, opt_model, opt_dim, opt_threads, &error))
    return lightly_al_fail (error);

  progress.bar = !opt_quiet && isatty (STDERR_FILENO);
  progress.start = g_get_monotonic_time ();
  g_signal_connect (embedder, "progress", G_CALLBACK (on_embed_progress), &progress);
  folder_file = g_file_new_for_commandline_arg (folder);
  result = lightly_embedder_embed (embedder, folder_file, NULL, &error);
  if (progress.bar)
    fputc ('\n', stderr);
  if (result == NULL)
    return lightly_al_fail (error);
  warn_failed (result);
  if (!write_csv (result, output, &error))
    return lightly_al_fail (error);
  n = lightly_embedder_result_get_n_rows (result);
  seconds = (g_get_monotonic_time () - progress.start) / 1e6;
  g_print ("%u images embedded (%u dimensions) in %.1f s (%.0f images/s), %u unreadable skipped: %s\n",
           n, lightly_embedder_result_get_dim (result), seconds, n / MAX (seconds, 1e-6),
           g_strv_length ((char **) lightly_embedder_result_get_failed (result)), output);

  if (opt_upload)
    {
      /* Canonical first, so that "." or "photos/" still name the folder. */
      g_autofree char *canonical = g_canonicalize_filename (folder, NULL);
      g_autofree char *base = g_path_get_basename (canonical);

      if (!upload (opt_location, opt_dataset != NULL ? opt_dataset : base, output, n, &error))
        return lightly_al_fail (error);
    }
  return 0;
}
