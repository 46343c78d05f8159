/* host-snippet.c: an app loads the lightly-suggest plugin and asks for a batch.
 * Usage: host-snippet LOCATION DATASET_ID   (SPDX-License-Identifier: LGPL-2.1-or-later) */
#include <libpeas/peas.h>
#include <lightly/lightly.h>

int
main (int argc, char **argv)
{
  PeasEngine *engine = peas_engine_new ();
  PeasPluginInfo *info;
  g_autoptr(LightlySuggestContext) context = lightly_suggest_context_new (argv[1], argv[2], "org.example.Annotator");
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (8, NULL, NULL);
  g_autoptr(GObject) suggester = NULL;
  g_auto(GStrv) batch = NULL;
  g_autoptr(GError) error = NULL;

  peas_engine_add_search_path (engine, LIGHTLY_PLUGINS_DIR, NULL);
  info = peas_engine_get_plugin_info (engine, "lightly-suggest");
  if (argc != 3 || info == NULL || !peas_engine_load_plugin (engine, info) ||
      g_strcmp0 (peas_plugin_info_get_external_data (info, "Lightly-ABI"), LIGHTLY_BATCH_SUGGESTER_ABI) != 0)
    return 1;
  suggester = G_OBJECT (peas_engine_create_extension (engine, info, LIGHTLY_TYPE_BATCH_SUGGESTER,
                                                      "context", context, NULL));
  batch = lightly_batch_suggester_suggest (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, &error);
  for (guint i = 0; batch != NULL && batch[i] != NULL; i++)
    g_print ("%s\n", batch[i]);
  if (error != NULL)
    g_printerr ("%s\n", error->message);
  g_clear_object (&suggester);
  g_object_unref (engine);
  return batch != NULL && g_strv_length (batch) == 8 ? 0 : 1;
}
