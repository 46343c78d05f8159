/* lightly-al-embed.c: `lightly-al embed FOLDER`, embeddings for your own images
 *
 * Any LightlyEmbedder, run by lightly-al-embed-host: the built-in one
 * (tools/ml/lightly-pixel-embedder.h, no model: pixels and colour
 * statistics, then a whitened PCA fitted on the folder) is linked into it,
 * so the default works without any plugin installed; others (--embedder
 * torchscript --model model.pt) are libpeas plugins, which it loads (see
 * there for why it is a program of its own). The host links gdk-pixbuf,
 * so lightly-al itself does not: every other command starts without it and
 * the image libraries it pulls in. The result is Lightly's embeddings CSV,
 * and with --upload (or --location / --dataset) the samples are registered
 * and the embeddings uploaded into a store in the same run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lightly-al-common.h"
#include "lightly-al-embed-run.h"

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

/* The host program: next to this one in a build tree, else installed. */
static char *
find_host (void)
{
  return lightly_al_find_sibling ("lightly-al-embed-host", LIGHTLY_LIBEXECDIR, G_FILE_TEST_IS_EXECUTABLE);
}

/* Runs the embedder in lightly-al-embed-host, which prints the bar,
 * the warnings and the summary on our stdout and stderr. Returns its exit
 * code; sets @n_rows from the CSV it wrote. */
static int
run_host (const char *name,
          const char *model,
          int         dim,
          int         threads,
          gboolean    quiet,
          const char *output,
          const char *folder,
          guint      *n_rows)
{
  g_autofree char *host = find_host ();
  g_autofree char *dim_arg = g_strdup_printf ("--dim=%d", dim);
  g_autofree char *threads_arg = g_strdup_printf ("--threads=%d", threads);
  g_autofree char *model_arg = model != NULL ? g_strconcat ("--model=", model, NULL) : NULL;
  g_autofree char *output_arg = g_strconcat ("--output=", output, NULL);
  g_autofree char *csv = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  GError *error = NULL;
  int wait_status;

  g_ptr_array_add (args, host);
  g_ptr_array_add (args, (char *) "--embedder");
  g_ptr_array_add (args, (char *) name);
  g_ptr_array_add (args, dim_arg);
  g_ptr_array_add (args, threads_arg);
  g_ptr_array_add (args, output_arg);
  if (model_arg != NULL)
    g_ptr_array_add (args, model_arg);
  if (quiet)
    g_ptr_array_add (args, (char *) "--quiet");
  g_ptr_array_add (args, (char *) "--");
  g_ptr_array_add (args, (char *) folder);
  g_ptr_array_add (args, NULL);

  /* Flushed first, so our own lines keep their order with the host's. */
  fflush (stdout);
  if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                     NULL, NULL, &wait_status, &error))
    {
      g_prefix_error (&error, "Cannot run %s, which runs the embedders: ", host);
      return lightly_al_fail (error);
    }
  if (!WIFEXITED (wait_status))
    {
      g_printerr ("lightly-al: %s died (signal %d)\n", host,
                  WIFSIGNALED (wait_status) ? WTERMSIG (wait_status) : 0);
      return 1;
    }
  if (WEXITSTATUS (wait_status) != 0)
    return WEXITSTATUS (wait_status);

  /* One header line, then one line per image. */
  *n_rows = 0;
  if (!g_file_get_contents (output, &csv, NULL, &error))
    return lightly_al_fail (error);
  for (const char *p = csv; *p != '\0'; p++)
    if (*p == '\n')
      (*n_rows)++;
  *n_rows = *n_rows > 0 ? *n_rows - 1 : 0;
  return 0;
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
  g_autofree char *folder = NULL;
  g_autofree char *output = NULL;
  const char *name;
  GError *error = NULL;
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
  {
    int status = run_host (name, opt_model, opt_dim, opt_threads, opt_quiet, output, folder, &n);

    if (status != 0)
      return status;
  }

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
