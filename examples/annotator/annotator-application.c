/* annotator-application.c: the GtkApplication
 *
 * One window. The last folder is reopened at start, so closing and
 * reopening the app continues where the user stopped (the labels, the batch
 * and the suggesters' round state all live in the folder).
 *
 * --test-script FILE runs a script of GAction activations once the window
 * is up (see annotator-script.c); the app is then non-unique, so a test
 * never talks to an instance the user is running.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "annotator-application.h"
#include "annotator-plugins.h"
#include "annotator-script.h"
#include "annotator-window.h"

#define STATE_GROUP "app"

struct _AnnotatorApplication
{
  GtkApplication parent_instance;

  AnnotatorPlugins *plugins;
  AnnotatorWindow *window;          /* not owned */
  char *config_dir;
  char *test_script_path;
  AnnotatorScript *script;
  int exit_status;
};

G_DEFINE_FINAL_TYPE (AnnotatorApplication, annotator_application, GTK_TYPE_APPLICATION)

static char *
state_path (AnnotatorApplication *self)
{
  return g_build_filename (self->config_dir, "state.ini", NULL);
}

static char *
dup_last_folder (AnnotatorApplication *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = state_path (self);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_key_file_get_string (kf, STATE_GROUP, "last-folder", NULL);
}

static void
folder_opened_cb (AnnotatorWindow      *window,
                  const char           *folder,
                  AnnotatorApplication *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = state_path (self);
  g_autoptr(GError) error = NULL;

  g_key_file_set_string (kf, STATE_GROUP, "last-folder", folder);
  if (g_mkdir_with_parents (self->config_dir, 0700) != 0 || !g_key_file_save_to_file (kf, path, &error))
    g_warning ("Cannot remember the folder in %s: %s", path, error != NULL ? error->message : g_strerror (errno));
}

/* Makes the script fail: the message goes to stderr, the app exits with 1. */
void
annotator_application_fail (AnnotatorApplication *self,
                            const char           *message)
{
  g_printerr ("lightly-annotator: %s\n", message);
  self->exit_status = 1;
  g_application_quit (G_APPLICATION (self));
}

int
annotator_application_get_exit_status (AnnotatorApplication *self)
{
  return self->exit_status;
}

static AnnotatorWindow *
ensure_window (AnnotatorApplication *self)
{
  if (self->window == NULL)
    {
      self->window = annotator_window_new (GTK_APPLICATION (self), self->plugins);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      g_signal_connect (self->window, "folder-opened", G_CALLBACK (folder_opened_cb), self);
    }
  return self->window;
}

static void
start_script (AnnotatorApplication *self)
{
  g_autoptr(GError) error = NULL;

  if (self->test_script_path == NULL || self->script != NULL)
    return;
  self->script = annotator_script_load (self->test_script_path, &error);
  if (self->script == NULL)
    {
      annotator_application_fail (self, error->message);
      return;
    }
  annotator_script_start (self->script, self, self->window);
}

static void
annotator_application_activate (GApplication *app)
{
  AnnotatorApplication *self = ANNOTATOR_APPLICATION (app);
  gboolean fresh = self->window == NULL;
  AnnotatorWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (fresh && self->test_script_path == NULL)
    {
      g_autofree char *last = dup_last_folder (self);
      g_autofree char *csv = last != NULL ? g_build_filename (last, "embeddings.csv", NULL) : NULL;

      if (csv != NULL && g_file_test (csv, G_FILE_TEST_EXISTS))
        annotator_window_open (window, last);
    }
  start_script (self);
}

static void
annotator_application_open (GApplication  *app,
                            GFile        **files,
                            int            n_files,
                            const char    *hint)
{
  AnnotatorApplication *self = ANNOTATOR_APPLICATION (app);
  AnnotatorWindow *window = ensure_window (self);
  g_autofree char *path = g_file_get_path (files[0]);

  gtk_window_present (GTK_WINDOW (window));
  if (path != NULL)
    annotator_window_open (window, path);
  else
    annotator_window_show_message (window, TRUE, _("Only local folders can be opened"));
  start_script (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AnnotatorApplication *self = user_data;

  if (self->window != NULL)
    gtk_window_close (GTK_WINDOW (self->window));
  else
    g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  AnnotatorApplication *self = user_data;
  const char *authors[] = { _("lightly-glib developers"), NULL };

  gtk_show_about_dialog (self->window != NULL ? GTK_WINDOW (self->window) : NULL,
                         "program-name", _("Lightly Annotator"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Label the images worth labeling first: active learning with lightly-glib"),
                         "license-type", GTK_LICENSE_LGPL_2_1,
                         "authors", authors,
                         "logo-icon-name", ANNOTATOR_APP_ID,
                         NULL);
}

static void
plugin_enabled_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  AnnotatorApplication *self = user_data;
  const char *module;
  gboolean enabled;
  PeasPluginInfo *info;
  g_autoptr(GError) error = NULL;

  g_variant_get (parameter, "(&sb)", &module, &enabled);
  info = annotator_plugins_find (self->plugins, module);
  if (info == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No plugin “%s” was found"), module);
  else
    annotator_plugins_set_enabled (self->plugins, info, enabled, &error);
  if (error != NULL && self->window != NULL)
    annotator_window_show_message (self->window, TRUE, error->message);
  else if (error != NULL)
    g_warning ("%s", error->message);
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "plugin-enabled", plugin_enabled_activated, "(sb)", NULL, NULL, { 0 } },
};

static void
annotator_application_startup (GApplication *app)
{
  AnnotatorApplication *self = ANNOTATOR_APPLICATION (app);
  g_autofree char *plugins_config = g_build_filename (self->config_dir, "plugins.ini", NULL);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *open_accels[] = { "<Control>o", NULL };
  const char *suggest_accels[] = { "<Control>Return", NULL };
  const char *cancel_accels[] = { "Escape", NULL };
  const char *undo_accels[] = { "<Control>z", NULL };
  const char *redo_accels[] = { "<Control><Shift>z", NULL };
  const char *shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (annotator_application_parent_class)->startup (app);

  self->plugins = annotator_plugins_new (plugins_config);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open-folder::", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.suggest", suggest_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.cancel", cancel_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.undo", undo_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.redo", redo_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.shortcuts", shortcuts_accels);
}

static int
annotator_application_handle_local_options (GApplication *app,
                                            GVariantDict *options)
{
  AnnotatorApplication *self = ANNOTATOR_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("lightly-annotator %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "test-script", "^ay", &self->test_script_path))
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  return -1;
}

static void
annotator_application_finalize (GObject *object)
{
  AnnotatorApplication *self = ANNOTATOR_APPLICATION (object);

  g_clear_pointer (&self->script, annotator_script_free);
  g_clear_object (&self->plugins);
  g_free (self->config_dir);
  g_free (self->test_script_path);

  G_OBJECT_CLASS (annotator_application_parent_class)->finalize (object);
}

static void
annotator_application_class_init (AnnotatorApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = annotator_application_finalize;
  app_class->startup = annotator_application_startup;
  app_class->activate = annotator_application_activate;
  app_class->open = annotator_application_open;
  app_class->handle_local_options = annotator_application_handle_local_options;
}

static void
annotator_application_init (AnnotatorApplication *self)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { "test-script", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
      N_("Run a script of actions (for tests)"), "FILE" },
    G_OPTION_ENTRY_NULL
  };

  self->config_dir = g_build_filename (g_get_user_config_dir (), "lightly-annotator", NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FOLDER]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Label a folder of images in the order active learning suggests.\n"
      "FOLDER holds the images and Lightly’s embeddings.csv; without it the last folder is reopened.\n"
      "The Fashion-MNIST demo made by “lightly-al demo” is in the menu."));
}

AnnotatorApplication *
annotator_application_new (void)
{
  return g_object_new (ANNOTATOR_TYPE_APPLICATION,
                       "application-id", ANNOTATOR_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
