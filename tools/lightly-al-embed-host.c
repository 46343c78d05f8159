/* lightly-al-embed-host.c: the embedding half of `lightly-al embed`
 *
 * lightly-al links the internal copy of the library (its `serve` and
 * `simulate` need private code), while a Python plugin imports Lightly
 * through GObject introspection, which loads liblightly-1.0.so: two copies
 * of every Lightly type in one process, and GType refuses the second. So
 * lightly-al runs plugin embedders here, in a program that links the shared
 * library only, with the same options (lightly-al does the --upload part
 * itself, from the CSV written here). The built-in embedder ("pixels") is
 * linked in, and runs here too so that lightly-al need not link gdk-pixbuf;
 * plugin embedders are loaded through a PeasEngine from $LIGHTLY_PLUGIN_DIR
 * (in-tree builds) and the installed plugin folder.
 *
 * Usage (lightly-al passes these): lightly-al-embed-host --embedder NAME
 *   [--model FILE] [--dim N] [--threads N] [--quiet] -o OUTPUT FOLDER
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>

#include <libpeas/peas.h>

#include "lightly-al-embed-run.h"
#include "ml/lightly-pixel-embedder.h"

/* The embedders that @engine can load, for error messages. */
static char *
list_embedders (PeasEngine *engine)
{
  GString *names = g_string_new ("pixels");

  for (const GList *l = peas_engine_get_plugin_list (engine); l != NULL; l = l->next)
    if (peas_plugin_info_get_external_data (l->data, "Lightly-Embedder-ABI") != NULL &&
        g_strcmp0 (peas_plugin_info_get_module_name (l->data), "lightly-embed-pixels") != 0)
      {
        const char *module = peas_plugin_info_get_module_name (l->data);

        g_string_append_printf (names, ", %s",
                                g_str_equal (module, "lightly_embed_torchscript") ? "torchscript" : module);
      }
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

static int
fail (GError *error)
{
  g_printerr ("lightly-al: %s\n", error->message);
  g_error_free (error);
  return 1;
}

int
main (int argc, char **argv)
{
  g_autofree char *opt_output = NULL;
  g_autofree char *opt_embedder = NULL;
  g_autofree char *opt_model = NULL;
  gboolean opt_quiet = FALSE;
  int opt_dim = 64, opt_threads = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, "Write the embeddings CSV to FILE", "FILE" },
    { "embedder", 'e', 0, G_OPTION_ARG_STRING, &opt_embedder, "The embedder plugin", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model, "The model file", "FILE" },
    { "dim", 0, 0, G_OPTION_ARG_INT, &opt_dim, "At most N dimensions", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Decode on N threads", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No progress bar", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("FOLDER — the embedding half of “lightly-al embed” (run by lightly-al)");
  /* The engine outlives the embedder it made: declared first, freed last. */
  g_autoptr(PeasEngine) engine = NULL;
  g_autoptr(LightlyEmbedder) embedder = NULL;
  GError *error = NULL;
  guint n;

  setlocale (LC_ALL, "");
  g_set_prgname ("lightly-al embed");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      opt_embedder == NULL || opt_output == NULL)
    {
      g_printerr ("lightly-al: %s\n", error != NULL ? error->message
                                                   : "lightly-al-embed-host needs --embedder, -o and one FOLDER");
      g_clear_error (&error);
      return 2;
    }

  if (g_str_equal (opt_embedder, "pixels") || g_str_equal (opt_embedder, "lightly-embed-pixels"))
    embedder = lightly_pixel_embedder_new ((guint) opt_dim, (guint) opt_threads);
  else
    {
      engine = peas_engine_new ();
      embedder = load_plugin_embedder (engine, opt_embedder, &error);
    }
  if (embedder == NULL ||
      !lightly_al_embed_configure (embedder, opt_embedder, opt_model, opt_dim, opt_threads, &error) ||
      !lightly_al_embed_run (embedder, argv[1], opt_output, opt_quiet, &n, &error))
    return fail (error);
  return 0;
}
