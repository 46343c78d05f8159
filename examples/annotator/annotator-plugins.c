/* annotator-plugins.c: the libpeas engine, the ABI check and the plugins dialog
 *
 * libpeas 1.x with our own list of plugins: PeasGtk is GTK 3 and cannot be
 * loaded next to GTK 4 (gobject-style.md §2.1).
 *
 * Search path, first match wins: every folder of $LIGHTLY_PLUGIN_DIR
 * (':'-separated; the build tree's plugin/ for tests and `meson devenv`),
 * then $XDG_DATA_HOME/lightly/plugins, then LIBDIR/lightly/plugins.
 *
 * A plugin is loaded only when its .plugin file says X-Lightly-ABI=1
 * (LIGHTLY_BATCH_SUGGESTER_ABI). The enabled plugins and the chosen
 * suggester are kept in a small key file; without one, the reference C
 * plugin lightly-suggest is enabled (or, if it is missing, every
 * compatible plugin).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "annotator-plugins.h"
#include <lightly/lightly.h>

#define GROUP "plugins"
#define DEFAULT_PLUGIN "lightly-suggest"

struct _AnnotatorPlugins
{
  GObject parent_instance;

  PeasEngine *engine;
  char *config_path;
  char *preferred;
  char *python_problem;
};

G_DEFINE_FINAL_TYPE (AnnotatorPlugins, annotator_plugins, G_TYPE_OBJECT)

static void
annotator_plugins_finalize (GObject *object)
{
  AnnotatorPlugins *self = ANNOTATOR_PLUGINS (object);

  g_clear_object (&self->engine);
  g_free (self->config_path);
  g_free (self->preferred);
  g_free (self->python_problem);

  G_OBJECT_CLASS (annotator_plugins_parent_class)->finalize (object);
}

static void
annotator_plugins_class_init (AnnotatorPluginsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = annotator_plugins_finalize;
}

static void
annotator_plugins_init (AnnotatorPlugins *self)
{
}

/*
 * Whether @info may be loaded. When not, @reason (if not NULL) gets a
 * sentence for the user.
 */
gboolean
annotator_plugins_check_abi (PeasPluginInfo  *info,
                             char           **reason)
{
  const char *abi = peas_plugin_info_get_external_data (info, "Lightly-ABI");

  if (g_strcmp0 (abi, LIGHTLY_BATCH_SUGGESTER_ABI) == 0)
    return TRUE;
  if (reason != NULL)
    *reason = abi == NULL
      ? g_strdup_printf (_("Refused: %s.plugin has no X-Lightly-ABI key; this app loads plugins "
                           "built for X-Lightly-ABI=%s"), peas_plugin_info_get_module_name (info),
                         LIGHTLY_BATCH_SUGGESTER_ABI)
      : g_strdup_printf (_("Refused: %s.plugin is built for X-Lightly-ABI=%s; this app needs "
                           "X-Lightly-ABI=%s"), peas_plugin_info_get_module_name (info), abi,
                         LIGHTLY_BATCH_SUGGESTER_ABI);
  return FALSE;
}

static void
save_config (AnnotatorPlugins *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) loaded = peas_engine_get_loaded_plugins (self->engine);
  g_autofree char *dir = g_path_get_dirname (self->config_path);
  g_autoptr(GError) error = NULL;

  g_key_file_set_string_list (kf, GROUP, "enabled", (const char * const *) loaded, g_strv_length (loaded));
  if (self->preferred != NULL)
    g_key_file_set_string (kf, GROUP, "suggester", self->preferred);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (kf, self->config_path, &error))
    g_warning ("Cannot save the plugin settings to %s: %s", self->config_path,
               error != NULL ? error->message : g_strerror (errno));
}

PeasPluginInfo *
annotator_plugins_find (AnnotatorPlugins *self,
                        const char       *module_name)
{
  return peas_engine_get_plugin_info (self->engine, module_name);
}

static gboolean
load (AnnotatorPlugins  *self,
      PeasPluginInfo    *info,
      GError           **error)
{
  g_autofree char *reason = NULL;
  GError *local_error = NULL;

  if (!annotator_plugins_check_abi (info, &reason))
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED, reason);
      return FALSE;
    }
  if (peas_engine_load_plugin (self->engine, info))
    return TRUE;
  if (!peas_plugin_info_is_available (info, &local_error) && local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error, _("The plugin %s could not be loaded: "),
                                  peas_plugin_info_get_name (info));
      if (self->python_problem != NULL)
        g_prefix_error (error, "%s. ", self->python_problem);
    }
  else
    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                 _("The plugin %s could not be loaded; its messages are on the terminal%s%s"),
                 peas_plugin_info_get_name (info), self->python_problem != NULL ? ". " : "",
                 self->python_problem != NULL ? self->python_problem : "");
  return FALSE;
}

AnnotatorPlugins *
annotator_plugins_new (const char *config_path)
{
  AnnotatorPlugins *self = g_object_new (ANNOTATOR_TYPE_PLUGINS, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autofree char *user_dir = g_build_filename (g_get_user_data_dir (), "lightly", "plugins", NULL);
  const char *env = g_getenv ("LIGHTLY_PLUGIN_DIR");
  PeasPluginInfo *default_plugin;

  self->config_path = g_strdup (config_path);
  self->engine = peas_engine_new ();

  /* Python plugins implement Lightly.BatchSuggester through GI, so the
   * python3 loader is only worth enabling when the typelib is found. Gtk
   * 4.0 is required first (when its typelib is installed) so that a plugin
   * importing Gtk cannot pull GTK 3 into the process. */
  g_irepository_require (NULL, "Gtk", "4.0", 0, NULL);
  if (g_irepository_require (NULL, "Lightly", "1.0", 0, &error) != NULL)
    peas_engine_enable_loader (self->engine, "python3");
  else
    self->python_problem = g_strdup_printf (_("Python plugins are off: %s (set GI_TYPELIB_PATH to the folder "
                                              "of Lightly-1.0.typelib)"), error->message);

  if (env != NULL && env[0] != '\0')
    {
      g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          peas_engine_add_search_path (self->engine, dirs[i], NULL);
    }
  peas_engine_add_search_path (self->engine, user_dir, NULL);
  peas_engine_add_search_path (self->engine, ANNOTATOR_PLUGINS_DIR, NULL);

  /* Out of the box only the reference C plugin, when it is there: Python
   * plugins start an interpreter in the app, so users switch them on. */
  default_plugin = peas_engine_get_plugin_info (self->engine, DEFAULT_PLUGIN);
  if (g_key_file_load_from_file (kf, config_path, G_KEY_FILE_NONE, NULL))
    {
      enabled = g_key_file_get_string_list (kf, GROUP, "enabled", NULL, NULL);
      self->preferred = g_key_file_get_string (kf, GROUP, "suggester", NULL);
    }

  for (const GList *l = peas_engine_get_plugin_list (self->engine); l != NULL; l = l->next)
    {
      PeasPluginInfo *info = l->data;
      const char *module = peas_plugin_info_get_module_name (info);
      g_autoptr(GError) load_error = NULL;

      if (peas_plugin_info_is_hidden (info) || !annotator_plugins_check_abi (info, NULL))
        continue;
      if (enabled != NULL ? !g_strv_contains ((const char * const *) enabled, module)
                          : default_plugin != NULL && info != default_plugin)
        continue;
      if (!load (self, info, &load_error))
        g_warning ("%s", load_error->message);
    }
  return self;
}

PeasEngine *
annotator_plugins_get_engine (AnnotatorPlugins *self)
{
  return self->engine;
}

/* Loads or unloads @info and remembers the choice. */
gboolean
annotator_plugins_set_enabled (AnnotatorPlugins  *self,
                               PeasPluginInfo    *info,
                               gboolean           enabled,
                               GError           **error)
{
  if (enabled == peas_plugin_info_is_loaded (info))
    return TRUE;
  if (enabled && !load (self, info, error))
    return FALSE;
  if (!enabled && !peas_engine_unload_plugin (self->engine, info))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED,
                   _("The plugin %s could not be unloaded: another plugin depends on it"),
                   peas_plugin_info_get_name (info));
      return FALSE;
    }
  save_config (self);
  return TRUE;
}

/* The loaded plugins that provide a LightlyBatchSuggester, in the engine's
 * order (element-type PeasPluginInfo, not owned). */
GPtrArray *
annotator_plugins_list_suggesters (AnnotatorPlugins *self)
{
  GPtrArray *out = g_ptr_array_new ();

  for (const GList *l = peas_engine_get_plugin_list (self->engine); l != NULL; l = l->next)
    {
      PeasPluginInfo *info = l->data;

      if (peas_plugin_info_is_loaded (info) &&
          peas_engine_provides_extension (self->engine, info, LIGHTLY_TYPE_BATCH_SUGGESTER))
        g_ptr_array_add (out, info);
    }
  return out;
}

const char *
annotator_plugins_get_preferred (AnnotatorPlugins *self)
{
  return self->preferred;
}

void
annotator_plugins_set_preferred (AnnotatorPlugins *self,
                                 const char       *module_name)
{
  if (g_strcmp0 (self->preferred, module_name) == 0)
    return;
  g_free (self->preferred);
  self->preferred = g_strdup (module_name);
  save_config (self);
}

/* One line per plugin found, "module<TAB>loaded|available|refused: …", for
 * the test script's report. */
char *
annotator_plugins_describe (AnnotatorPlugins *self)
{
  GString *out = g_string_new (NULL);

  for (const GList *l = peas_engine_get_plugin_list (self->engine); l != NULL; l = l->next)
    {
      PeasPluginInfo *info = l->data;
      g_autofree char *reason = NULL;

      g_string_append_printf (out, "plugin\t%s\t", peas_plugin_info_get_module_name (info));
      if (!annotator_plugins_check_abi (info, &reason))
        g_string_append (out, reason);
      else
        g_string_append (out, peas_plugin_info_is_loaded (info) ? "loaded" : "available");
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------
 * The dialog
 * ------------------------------------------------------------------------- */

typedef struct {
  AnnotatorPlugins *plugins;
  PeasPluginInfo *info;
  GtkWidget *problem;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_object_unref (row->plugins);
  g_free (row);
}

static gboolean
switch_state_set_cb (GtkSwitch *sw,
                     gboolean   state,
                     gpointer   user_data)
{
  Row *row = user_data;
  g_autoptr(GError) error = NULL;

  if (!annotator_plugins_set_enabled (row->plugins, row->info, state, &error))
    {
      gtk_label_set_text (GTK_LABEL (row->problem), error->message);
      gtk_widget_set_visible (row->problem, TRUE);
      gtk_switch_set_state (sw, peas_plugin_info_is_loaded (row->info));
      gtk_switch_set_active (sw, peas_plugin_info_is_loaded (row->info));
      return TRUE;
    }
  gtk_widget_set_visible (row->problem, FALSE);
  gtk_switch_set_state (sw, state);
  return TRUE;
}

static GtkWidget *
make_row (AnnotatorPlugins *self,
          PeasPluginInfo   *info)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (peas_plugin_info_get_name (info));
  GtkWidget *desc = gtk_label_new (peas_plugin_info_get_description (info));
  GtkWidget *problem = gtk_label_new (NULL);
  GtkWidget *sw = gtk_switch_new ();
  g_autofree char *reason = NULL;
  g_autofree char *meta = NULL;
  const char *abi = peas_plugin_info_get_external_data (info, "Lightly-ABI");
  Row *row = g_new0 (Row, 1);
  GError *unavailable = NULL;

  meta = g_strdup_printf ("%s %s · X-Lightly-ABI=%s", peas_plugin_info_get_module_name (info),
                          peas_plugin_info_get_version (info) != NULL ? peas_plugin_info_get_version (info) : "",
                          abi != NULL ? abi : "(missing)");
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (desc), 0);
  gtk_label_set_wrap (GTK_LABEL (desc), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (desc), 50);
  gtk_box_append (GTK_BOX (text), name);
  gtk_box_append (GTK_BOX (text), desc);
  {
    GtkWidget *meta_label = gtk_label_new (meta);

    gtk_widget_add_css_class (meta_label, "dim-label");
    gtk_widget_add_css_class (meta_label, "caption");
    gtk_label_set_xalign (GTK_LABEL (meta_label), 0);
    gtk_box_append (GTK_BOX (text), meta_label);
  }
  gtk_widget_add_css_class (problem, "error");
  gtk_label_set_xalign (GTK_LABEL (problem), 0);
  gtk_label_set_wrap (GTK_LABEL (problem), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (problem), 50);
  gtk_box_append (GTK_BOX (text), problem);
  gtk_widget_set_hexpand (text, TRUE);

  if (!annotator_plugins_check_abi (info, &reason))
    {
      gtk_label_set_text (GTK_LABEL (problem), reason);
      gtk_widget_set_sensitive (sw, FALSE);
    }
  else if (!peas_plugin_info_is_available (info, &unavailable) && unavailable != NULL)
    {
      gtk_label_set_text (GTK_LABEL (problem), unavailable->message);
      g_error_free (unavailable);
    }
  else
    gtk_widget_set_visible (problem, FALSE);

  gtk_switch_set_active (GTK_SWITCH (sw), peas_plugin_info_is_loaded (info));
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  peas_plugin_info_get_name (info), -1);
  row->plugins = g_object_ref (self);
  row->info = info;
  row->problem = problem;
  g_signal_connect_data (sw, "state-set", G_CALLBACK (switch_state_set_cb), row,
                         (GClosureNotify) (void (*) (void)) row_free, 0);

  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), sw);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  return box;
}

/* A window listing every plugin found, with a switch each; plugins with
 * another ABI are shown, refused and cannot be switched on. */
GtkWidget *
annotator_plugins_dialog_new (AnnotatorPlugins *self,
                              GtkWindow        *parent)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *hint = NULL;
  g_autoptr(GString) where = g_string_new (_("Plugins are searched in "));
  const GList *plugins = peas_engine_get_plugin_list (self->engine);

  gtk_window_set_title (GTK_WINDOW (window), _("Suggesters"));
  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_header_bar_new ());
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 540, 480);
  gtk_window_set_hide_on_close (GTK_WINDOW (window), FALSE);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (const GList *l = plugins; l != NULL; l = l->next)
    if (!peas_plugin_info_is_hidden (l->data))
      gtk_list_box_append (GTK_LIST_BOX (list), make_row (self, l->data));
  if (plugins == NULL)
    {
      GtkWidget *none = gtk_label_new (_("No plugins found."));

      gtk_widget_set_margin_top (none, 24);
      gtk_widget_set_margin_bottom (none, 24);
      gtk_list_box_append (GTK_LIST_BOX (list), none);
    }

  if (g_getenv ("LIGHTLY_PLUGIN_DIR") != NULL && g_getenv ("LIGHTLY_PLUGIN_DIR")[0] != '\0')
    g_string_append_printf (where, "$LIGHTLY_PLUGIN_DIR (%s), ", g_getenv ("LIGHTLY_PLUGIN_DIR"));
  g_string_append_printf (where, "%s/lightly/plugins and %s.", g_get_user_data_dir (), ANNOTATOR_PLUGINS_DIR);
  if (self->python_problem != NULL)
    g_string_append_printf (where, " %s.", self->python_problem);
  hint = gtk_label_new (where->str);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_box_append (GTK_BOX (box), hint);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_window_set_child (GTK_WINDOW (window), box);
  return window;
}
