/* annotator-script.c: the test-only script (--test-script FILE)
 *
 * One command a line, run in order through the window's and the app's
 * GActions, each once the window is idle (no open or suggestion running):
 *
 *   open PATH            win.open-folder
 *   suggester MODULE     win.suggester: pick the suggester plugin
 *   batch-size N         win.batch-size
 *   select INDEX         win.select: what the arrow keys do
 *   class N              win.set-class: what digit N (Delete: -1) does
 *   label NAME N         win.label: label any image of the folder
 *   keys KEY…            real key presses: focuses the window and types the
 *                        keys with xdotool (XTEST), e.g. "keys Home 3 Right"
 *   suggest              win.suggest, then wait for the new batch
 *   undo, redo           win.undo, win.redo (Ctrl+Z, Ctrl+Shift+Z)
 *   view-round N         win.view-round: show round N's batch (0: the current)
 *   pick-round N         choose round N in the sidebar's selector
 *   preview              win.preview: the selected image large, or back
 *   zoom N               win.zoom: in (N > 0), out (N < 0), fit (0)
 *   export PATH          win.export-csv: the labels as file,label
 *   export-label-studio PATH  win.export-label-studio: Label Studio tasks
 *   export-cvat PATH     win.export-cvat: CVAT for images 1.1 XML
 *   open-cancel PATH     win.open-folder and at once win.cancel
 *   suggest-cancel       win.suggest and at once win.cancel
 *   enable MODULE        app.plugin-enabled (MODULE, true)
 *   disable MODULE       app.plugin-enabled (MODULE, false)
 *   plugins-dialog [keep] build and show the Suggesters dialog, then close it
 *                        (with keep: leave it open, for screenshots)
 *   shortcuts [keep]     open the keyboard shortcuts window, then close it
 *   expect-shortcuts     a keyboard shortcuts window is open (Ctrl+?): close it
 *   expect-error TEXT    the message bar shows an error containing TEXT
 *   expect-message TEXT  the message bar shows a message containing TEXT
 *   report FILE          write annotator_window_dup_report() to FILE
 *   screenshot FILE      draw the window into a PNG (GTK's own renderer)
 *   screenshot-during F FILE  the same, during the next long operation, once
 *                        its progress bar reaches the fraction F (the
 *                        operation must get there)
 *   wait MS              let the main loop run (thumbnails, screenshots)
 *   hold                 stop here and keep running (for screenshots)
 *   quit                 app.quit
 *
 * An error in the message bar after any command other than those followed
 * by expect-error fails the script: it prints the message and the app exits
 * with status 1. Blank lines and lines starting with # are skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-script.h"

#define POLL_MS 20

struct _AnnotatorScript
{
  char *path;
  GStrv lines;
  guint next;
  AnnotatorApplication *app;        /* not owned: the app owns the script */
  AnnotatorWindow *window;          /* weak */
  guint source_id;
  gint64 wait_until;
  gboolean errors_expected;
  gboolean child_running;
  char *busy_shot;                  /* screenshot-during: the file, and when */
  double busy_shot_at;
};

void
annotator_script_free (AnnotatorScript *script)
{
  if (script->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (script->window), (gpointer *) &script->window);
  g_clear_handle_id (&script->source_id, g_source_remove);
  g_free (script->path);
  g_free (script->busy_shot);
  g_strfreev (script->lines);
  g_free (script);
}

AnnotatorScript *
annotator_script_load (const char  *path,
                       GError     **error)
{
  g_autofree char *contents = NULL;
  AnnotatorScript *script;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  script = g_new0 (AnnotatorScript, 1);
  script->path = g_strdup (path);
  script->lines = g_strsplit (contents, "\n", -1);
  return script;
}

static void G_GNUC_PRINTF (2, 3)
fail (AnnotatorScript *script,
      const char      *format,
      ...)
{
  va_list args;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  message = g_strdup_printf ("test script %s, line %u: %s", script->path, script->next, text);
  g_clear_handle_id (&script->source_id, g_source_remove);
  annotator_application_fail (script->app, message);
}

static void
activate (AnnotatorScript *script,
          GActionGroup    *group,
          const char      *name,
          GVariant        *parameter)
{
  if (parameter != NULL)
    g_variant_ref_sink (parameter);
  if (!g_action_group_has_action (group, name) || !g_action_group_get_action_enabled (group, name))
    fail (script, "the action “%s” is missing or disabled", name);
  else
    g_action_group_activate_action (group, name, parameter);
  g_clear_pointer (&parameter, g_variant_unref);
}

/* Whether the line following the current one is expect-error. */
static gboolean
next_expects_error (AnnotatorScript *script)
{
  for (guint i = script->next; script->lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (script->lines[i]);

      if (line[0] == '\0' || line[0] == '#')
        continue;
      return g_str_has_prefix (line, "expect-error ");
    }
  return FALSE;
}

static void
keys_done_cb (GPid     pid,
              int      status,
              gpointer user_data)
{
  AnnotatorScript *script = user_data;
  g_autoptr(GError) error = NULL;

  g_spawn_close_pid (pid);
  script->child_running = FALSE;
  /* The X server has the events: a round trip brings them to this
   * client's queue, and GTK handles them before the next step. */
  gdk_display_sync (gdk_display_get_default ());
  script->wait_until = g_get_monotonic_time () + 300 * 1000;
  if (!g_spawn_check_wait_status (status, &error))
    fail (script, "xdotool failed: %s", error->message);
}

static void
send_keys (AnnotatorScript *script,
           const char      *keys)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) words = g_strsplit (keys, " ", -1);
  g_autoptr(GError) error = NULL;
  GPid pid;

  /* Two xdotool runs. Chained after search, `key` sends synthetic events
   * (XSendEvent) to the window found, with a modifier state of xdotool's
   * making: after Ctrl+? had moved the focus to the shortcuts window
   * mid-chord, the next run's Space, Right and Escape sometimes arrived
   * with Ctrl and Shift set (1 test run in 6–15 under load) and were
   * ignored. Without a window, `key` types through XTEST, as a keyboard
   * would, into the focused window: 20 of 20 runs clean. */
  g_strv_builder_add_many (builder, "sh", "-c",
                           "xdotool search --onlyvisible --limit 1 --name '^Lightly Annotator$' windowfocus --sync "
                           "&& exec xdotool key --delay 40 \"$@\"", "sh", NULL);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_strv_builder_add (builder, words[i]);
  argv = g_strv_builder_end (builder);
  if (!g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error))
    {
      fail (script, "cannot run xdotool (apt install xdotool): %s", error->message);
      return;
    }
  script->child_running = TRUE;
  g_child_watch_add (pid, keys_done_cb, script);
}

/* A dialog the window opened: its newest transient toplevel of @type. */
static GtkWindow *
find_dialog (AnnotatorScript *script,
             GType            type)
{
  GList *windows = gtk_window_list_toplevels ();
  GtkWindow *dialog = NULL;

  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_window_get_transient_for (l->data) == GTK_WINDOW (script->window) &&
        G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      dialog = l->data;
  g_list_free (windows);
  return dialog;
}

/* Activates @action and checks that it opened a dialog of @type, which is
 * closed again unless @arg is "keep". */
static gboolean
open_dialog (AnnotatorScript *script,
             const char      *action,
             GType            type,
             const char      *arg)
{
  GtkWindow *dialog;

  activate (script, G_ACTION_GROUP (script->window), action, NULL);
  dialog = find_dialog (script, type);
  if (dialog == NULL)
    {
      fail (script, "%s did not open its window", action);
      return FALSE;
    }
  if (!g_str_equal (arg, "keep"))
    gtk_window_destroy (dialog);
  return TRUE;
}

/* Draws the window as it is on screen into a PNG, through the window's own
 * renderer: no screen grabber needed. */
static gboolean
save_screenshot (GtkWidget   *widget,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window has drawn nothing yet");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* Commands that activate one window action; the argument is its parameter. */
static const struct {
  const char *command;
  const char *action;
  char type;                      /* 's', 'i', 'u' or 0 for none */
} simple_commands[] = {
  { "open", "open-folder", 's' },
  { "suggester", "suggester", 's' },
  { "batch-size", "batch-size", 'i' },
  { "select", "select", 'i' },
  { "class", "set-class", 'i' },
  { "suggest", "suggest", 0 },
  { "undo", "undo", 0 },
  { "redo", "redo", 0 },
  { "view-round", "view-round", 'u' },
  { "preview", "preview", 0 },
  { "zoom", "zoom", 'i' },
  { "export", "export-csv", 's' },
  { "export-label-studio", "export-label-studio", 's' },
  { "export-cvat", "export-cvat", 's' },
};

static gboolean
run_simple (AnnotatorScript *script,
            const char      *command,
            const char      *arg)
{
  for (guint i = 0; i < G_N_ELEMENTS (simple_commands); i++)
    {
      GVariant *parameter = NULL;

      if (!g_str_equal (command, simple_commands[i].command))
        continue;
      if (simple_commands[i].type == 's')
        parameter = g_variant_new_string (arg);
      else if (simple_commands[i].type == 'i')
        parameter = g_variant_new_int32 ((gint32) g_ascii_strtoll (arg, NULL, 10));
      else if (simple_commands[i].type == 'u')
        parameter = g_variant_new_uint32 ((guint32) g_ascii_strtoull (arg, NULL, 10));
      activate (script, G_ACTION_GROUP (script->window), simple_commands[i].action, parameter);
      return TRUE;
    }
  return FALSE;
}

static gboolean
expect_message (AnnotatorScript *script,
                gboolean         want_error,
                const char      *arg)
{
  gboolean is_error;
  const char *message = annotator_window_get_message (script->window, &is_error);

  if (message == NULL || is_error != want_error || strstr (message, arg) == NULL)
    {
      fail (script, "expected %s containing “%s”, the window shows %s%s%s", want_error ? "an error" : "a message",
            arg, message == NULL ? "none" : is_error ? "the error “" : "the message “",
            message != NULL ? message : "", message != NULL ? "”" : "");
      return FALSE;
    }
  annotator_window_show_message (script->window, FALSE, NULL);
  script->errors_expected = FALSE;
  return TRUE;
}

/* Runs one command; FALSE when the script stops here (failed, quit, hold). */
static gboolean
run_command (AnnotatorScript *script,
             const char      *command,
             char            *arg)
{
  GActionGroup *win = G_ACTION_GROUP (script->window);
  GActionGroup *app = G_ACTION_GROUP (script->app);
  g_autoptr(GError) error = NULL;

  if (run_simple (script, command, arg))
    return TRUE;
  if (g_str_equal (command, "label"))
    {
      char *space = strrchr (arg, ' ');

      if (space == NULL)
        {
          fail (script, "label needs a file name and a class");
          return FALSE;
        }
      *space = '\0';
      activate (script, win, "label", g_variant_new ("(si)", arg, (gint32) g_ascii_strtoll (space + 1, NULL, 10)));
    }
  else if (g_str_equal (command, "keys"))
    send_keys (script, arg);
  else if (g_str_equal (command, "open-cancel"))
    {
      activate (script, win, "open-folder", g_variant_new_string (arg));
      activate (script, win, "cancel", NULL);
    }
  else if (g_str_equal (command, "suggest-cancel"))
    {
      activate (script, win, "suggest", NULL);
      activate (script, win, "cancel", NULL);
    }
  else if (g_str_equal (command, "enable") || g_str_equal (command, "disable"))
    activate (script, app, "plugin-enabled", g_variant_new ("(sb)", arg, g_str_equal (command, "enable")));
  else if (g_str_equal (command, "plugins-dialog"))
    return open_dialog (script, "plugins", GTK_TYPE_WINDOW, arg);
  else if (g_str_equal (command, "shortcuts"))
    return open_dialog (script, "shortcuts", GTK_TYPE_SHORTCUTS_WINDOW, arg);
  else if (g_str_equal (command, "pick-round"))
    {
      if (!annotator_window_pick_round (script->window, (guint) g_ascii_strtoull (arg, NULL, 10)))
        {
          fail (script, "the sidebar lists no round %s", arg);
          return FALSE;
        }
    }
  else if (g_str_equal (command, "expect-shortcuts"))
    {
      /* After "keys ctrl+question": the accelerator opened the window. */
      GtkWindow *dialog = find_dialog (script, GTK_TYPE_SHORTCUTS_WINDOW);

      if (dialog == NULL)
        {
          fail (script, "no keyboard shortcuts window is open");
          return FALSE;
        }
      gtk_window_destroy (dialog);
    }
  else if (g_str_equal (command, "expect-error") || g_str_equal (command, "expect-message"))
    return expect_message (script, g_str_equal (command, "expect-error"), arg);
  else if (g_str_equal (command, "report"))
    {
      g_autofree char *report = annotator_window_dup_report (script->window);

      if (!g_file_set_contents (arg, report, -1, &error))
        {
          fail (script, "%s", error->message);
          return FALSE;
        }
    }
  else if (g_str_equal (command, "screenshot"))
    {
      if (!save_screenshot (GTK_WIDGET (script->window), arg, &error))
        {
          fail (script, "screenshot: %s", error->message);
          return FALSE;
        }
    }
  else if (g_str_equal (command, "screenshot-during"))
    {
      char *space = strchr (arg, ' ');

      if (space == NULL)
        {
          fail (script, "screenshot-during needs a fraction and a file");
          return FALSE;
        }
      *space = '\0';
      script->busy_shot_at = g_ascii_strtod (arg, NULL);
      g_free (script->busy_shot);
      script->busy_shot = g_strdup (g_strstrip (space + 1));
    }
  else if (g_str_equal (command, "wait"))
    script->wait_until = g_get_monotonic_time () + g_ascii_strtoll (arg, NULL, 10) * 1000;
  else if (g_str_equal (command, "hold"))
    return FALSE;
  else if (g_str_equal (command, "quit"))
    {
      activate (script, app, "quit", NULL);
      return FALSE;
    }
  else
    {
      fail (script, "unknown command “%s”", command);
      return FALSE;
    }
  return TRUE;
}

static gboolean
step (gpointer user_data)
{
  AnnotatorScript *script = user_data;
  g_auto(GStrv) words = NULL;
  const char *message;
  gboolean is_error;
  char *line;

  if (script->window == NULL)
    {
      script->source_id = 0;
      fail (script, "the window closed before the script ended");
      return G_SOURCE_REMOVE;
    }
  if (script->busy_shot != NULL && annotator_window_get_progress (script->window) >= script->busy_shot_at)
    {
      g_autoptr(GError) error = NULL;

      if (!save_screenshot (GTK_WIDGET (script->window), script->busy_shot, &error))
        {
          script->source_id = 0;
          fail (script, "screenshot: %s", error->message);
          return G_SOURCE_REMOVE;
        }
      g_clear_pointer (&script->busy_shot, g_free);
    }
  if (annotator_window_get_busy (script->window) || script->child_running ||
      g_get_monotonic_time () < script->wait_until)
    return G_SOURCE_CONTINUE;
  if (script->busy_shot != NULL && script->next > 0 &&
      !g_str_has_prefix (g_strstrip (script->lines[script->next - 1]), "screenshot-during"))
    {
      script->source_id = 0;
      fail (script, "the operation ended before its progress reached %g", script->busy_shot_at);
      return G_SOURCE_REMOVE;
    }

  /* The previous command is done: did it end in an error? */
  message = annotator_window_get_message (script->window, &is_error);
  if (is_error && !script->errors_expected)
    {
      script->source_id = 0;
      fail (script, "the window shows an error: %s", message);
      return G_SOURCE_REMOVE;
    }

  do
    {
      line = script->lines[script->next];
      if (line == NULL)
        {
          script->source_id = 0;
          fail (script, "the script ended without quit or hold");
          return G_SOURCE_REMOVE;
        }
      script->next++;
      g_strstrip (line);
    }
  while (line[0] == '\0' || line[0] == '#');

  words = g_strsplit (line, " ", 2);
  script->errors_expected = next_expects_error (script);
  if (!run_command (script, words[0], words[1] != NULL ? g_strstrip (words[1]) : (char *) ""))
    {
      script->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  return script->source_id != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
annotator_script_start (AnnotatorScript      *script,
                        AnnotatorApplication *app,
                        AnnotatorWindow      *window)
{
  script->app = app;
  script->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &script->window);
  script->source_id = g_timeout_add (POLL_MS, step, script);
}
