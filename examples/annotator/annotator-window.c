/* annotator-window.c: the labeling window
 *
 * The batch on screen is a GtkFlowBox of cells (thumbnail, file name, class
 * picker) over a GListStore of AnnotatorItem. Keyboard: the arrows, Home
 * and End move the selection, a digit sets that class on the selected image
 * and moves on, Delete clears it.
 *
 * "Suggest next batch" trains the shared logistic regression once labels of
 * two classes exist, then calls the chosen LightlyBatchSuggester with the
 * labeled set from labels.csv and those predictions. Suggesters come from a
 * PeasExtensionSet created with the folder's LightlySuggestContext, so they
 * follow plugins being switched on and off.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-folder.h"
#include "annotator-item.h"
#include "annotator-window.h"

struct _AnnotatorWindow
{
  GtkApplicationWindow parent_instance;

  AnnotatorPlugins *plugins;
  AnnotatorFolder *folder;
  PeasExtensionSet *suggesters;
  GPtrArray *suggester_infos;       /* PeasPluginInfo, parallel to suggester_names */
  GtkStringList *suggester_names;
  GListStore *items;
  GtkStringList *class_names;

  GCancellable *cancellable;        /* the running open or suggestion */
  gboolean busy;
  gboolean close_pending;
  guint pulse_id;
  gint64 busy_since;
  char *progress_text;
  char *message;
  gboolean message_is_error;
  char *last_request;               /* for the report: what the suggester got */

  GtkWidget *title;
  GtkWidget *subtitle;
  GtkWidget *suggest_button;
  GtkWidget *suggester_dropdown;
  GtkWidget *batch_spin;
  GtkWidget *message_revealer;
  GtkWidget *message_bar;
  GtkWidget *message_label;
  GtkWidget *progress_revealer;
  GtkWidget *progress_bar;
  GtkWidget *progress_label;
  GtkWidget *stack;
  GtkWidget *empty_title;
  GtkWidget *empty_text;
  GtkWidget *empty_suggest;
  GtkWidget *flowbox;
  GtkWidget *status;
};

G_DEFINE_FINAL_TYPE (AnnotatorWindow, annotator_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FOLDER_OPENED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char css[] =
  ".annotator-cell { padding: 6px; border-radius: 8px; border: 2px solid transparent; }\n"
  ".annotator-cell.labeled { border-color: #2ec27e; background-color: rgba(46, 194, 126, 0.10); }\n"
  ".annotator-cell picture { background-color: #000000; border-radius: 4px; }\n"
  ".annotator-cell picture.broken { background-color: transparent; }\n"
  ".annotator-bar { padding: 8px 12px; }\n"
  ".annotator-bar.error { background-color: #c01c28; color: #ffffff; }\n"
  ".annotator-bar.info { background-color: #1c71d8; color: #ffffff; }\n"
  ".annotator-bar.error button, .annotator-bar.info button { color: #ffffff; }\n"
  ".annotator-progress { padding: 8px 12px; background-color: rgba(0, 0, 0, 0.06); }\n"
  ".annotator-status { padding: 4px 12px; }\n"
  ".annotator-empty-title { font-size: 20pt; font-weight: bold; }\n";

static void update_status (AnnotatorWindow *self);
static void rebuild_suggesters (AnnotatorWindow *self);

/* ---------------------------------------------------------------------------
 * Messages, progress, busy
 * ------------------------------------------------------------------------- */

/* Shows @message in the bar at the top (an error in red, news in blue);
 * NULL hides the bar. */
void
annotator_window_show_message (AnnotatorWindow *self,
                               gboolean         is_error,
                               const char      *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  self->message_is_error = message != NULL && is_error;
  if (message == NULL)
    {
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->message_revealer), FALSE);
      return;
    }
  if (is_error)
    g_message ("%s", message);
  gtk_label_set_text (GTK_LABEL (self->message_label), message);
  gtk_widget_remove_css_class (self->message_bar, is_error ? "info" : "error");
  gtk_widget_add_css_class (self->message_bar, is_error ? "error" : "info");
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->message_revealer), TRUE);
}

/* The message on show, or NULL; @is_error (optional) tells its kind. */
const char *
annotator_window_get_message (AnnotatorWindow *self,
                              gboolean        *is_error)
{
  if (is_error != NULL)
    *is_error = self->message_is_error;
  return self->message;
}

static void
show_error (AnnotatorWindow *self,
            const char      *what,
            const GError    *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  annotator_window_show_message (self, TRUE, text);
}

static gboolean
pulse_cb (gpointer user_data)
{
  AnnotatorWindow *self = user_data;
  double seconds = (g_get_monotonic_time () - self->busy_since) / 1e6;
  g_autofree char *text = g_strdup_printf ("%s (%.0f s)", self->progress_text, seconds);

  gtk_progress_bar_pulse (GTK_PROGRESS_BAR (self->progress_bar));
  gtk_label_set_text (GTK_LABEL (self->progress_label), text);
  return G_SOURCE_CONTINUE;
}

static void
set_progress_text (AnnotatorWindow *self,
                   const char      *text)
{
  g_free (self->progress_text);
  self->progress_text = g_strdup (text);
  gtk_label_set_text (GTK_LABEL (self->progress_label), text);
}

static void
update_actions (AnnotatorWindow *self)
{
  GActionMap *map = G_ACTION_MAP (self);
  gboolean idle = !self->busy;

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "suggest")),
                               idle && self->folder != NULL);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "cancel")), self->busy);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "open-folder")), idle);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "open-demo")), idle);
  gtk_widget_set_sensitive (self->suggester_dropdown, idle);
  gtk_widget_set_sensitive (self->batch_spin, idle && self->folder != NULL);
}

static void
set_busy (AnnotatorWindow *self,
          const char      *text)
{
  gboolean busy = text != NULL;

  if (busy)
    set_progress_text (self, text);
  if (self->busy == busy)
    return;
  self->busy = busy;
  if (busy)
    {
      self->busy_since = g_get_monotonic_time ();
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), 0);
      self->pulse_id = g_timeout_add (100, pulse_cb, self);
    }
  else
    {
      g_clear_handle_id (&self->pulse_id, g_source_remove);
      g_clear_object (&self->cancellable);
    }
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->progress_revealer), busy);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

gboolean
annotator_window_get_busy (AnnotatorWindow *self)
{
  return self->busy;
}

/* Finishes an operation; a close requested meanwhile happens now. */
static gboolean
finish_busy (AnnotatorWindow *self)
{
  set_busy (self, NULL);
  if (self->close_pending)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The grid
 * ------------------------------------------------------------------------- */

static AnnotatorItem *
selected_item (AnnotatorWindow *self,
               int             *index)
{
  GList *selected = gtk_flow_box_get_selected_children (GTK_FLOW_BOX (self->flowbox));
  AnnotatorItem *item = NULL;

  if (selected != NULL)
    {
      int i = gtk_flow_box_child_get_index (selected->data);

      item = g_list_model_get_item (G_LIST_MODEL (self->items), (guint) i);
      if (index != NULL)
        *index = i;
      g_object_unref (item);     /* the store keeps it */
    }
  g_list_free (selected);
  return item;
}

static void
select_index (AnnotatorWindow *self,
              int              index)
{
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flowbox), index);

  if (child == NULL)
    return;
  gtk_flow_box_select_child (GTK_FLOW_BOX (self->flowbox), child);
  gtk_widget_grab_focus (GTK_WIDGET (child));
}

static void
item_label_changed_cb (AnnotatorItem   *item,
                       GParamSpec      *pspec,
                       AnnotatorWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->folder == NULL)
    return;
  if (!annotator_folder_set_label (self->folder, annotator_item_get_name (item),
                                   annotator_item_get_label (item), &error))
    show_error (self, "Saving the label failed", error);
  update_status (self);
}

static void
cell_label_changed_cb (AnnotatorItem *item,
                       GParamSpec    *pspec,
                       GtkWidget     *cell)
{
  if (annotator_item_get_label (item) >= 0)
    gtk_widget_add_css_class (cell, "labeled");
  else
    gtk_widget_remove_css_class (cell, "labeled");
}

static void
cell_broken_cb (AnnotatorItem *item,
                GParamSpec    *pspec,
                GtkWidget     *picture)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (picture));
  g_autoptr(GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, "image-missing", NULL, 64, 1,
                                                                 GTK_TEXT_DIR_NONE, 0);

  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (icon));
  gtk_widget_add_css_class (picture, "broken");
  gtk_widget_set_tooltip_text (picture, "This file is missing or is not an image");
  gtk_picture_set_alternative_text (GTK_PICTURE (picture), "missing image");
}

static gboolean
label_to_selected (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  g_value_set_uint (to, (guint) (g_value_get_int (from) + 1));
  return TRUE;
}

static gboolean
selected_to_label (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_int (to, (int) selected - 1);
  return TRUE;
}

static GtkWidget *
create_cell (gpointer item_ptr,
             gpointer user_data)
{
  AnnotatorWindow *self = user_data;
  AnnotatorItem *item = item_ptr;
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *name = gtk_label_new (annotator_item_get_name (item));
  GtkWidget *picker = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->class_names)), NULL);

  gtk_widget_add_css_class (cell, "annotator-cell");
  gtk_widget_set_size_request (picture, 112, 112);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  g_object_bind_property (item, "thumbnail", picture, "paintable", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (item, "notify::broken", G_CALLBACK (cell_broken_cb), picture, 0);
  annotator_item_load_thumbnail (item);
  if (annotator_item_get_broken (item))
    cell_broken_cb (item, NULL, picture);

  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 14);
  gtk_widget_add_css_class (name, "caption");

  /* Focus stays on the cells, so the arrows always move between images. */
  gtk_widget_set_can_focus (picker, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picker), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Class", -1);
  g_object_bind_property_full (item, "label", picker, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               label_to_selected, selected_to_label, NULL, NULL);
  g_signal_connect_object (item, "notify::label", G_CALLBACK (cell_label_changed_cb), cell, 0);
  cell_label_changed_cb (item, NULL, cell);

  gtk_box_append (GTK_BOX (cell), picture);
  gtk_box_append (GTK_BOX (cell), name);
  gtk_box_append (GTK_BOX (cell), picker);
  return cell;
}

static void
show_batch (AnnotatorWindow *self)
{
  const char * const *batch = annotator_folder_get_batch (self->folder);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  int first_unlabeled = -1;

  for (guint i = 0; batch[i] != NULL; i++)
    {
      g_autofree char *path = annotator_folder_dup_image_path (self->folder, batch[i]);
      int label = annotator_folder_get_label (self->folder, batch[i]);
      AnnotatorItem *item = annotator_item_new (batch[i], path, label);

      g_signal_connect_object (item, "notify::label", G_CALLBACK (item_label_changed_cb), self, 0);
      g_ptr_array_add (items, item);
      if (label < 0 && first_unlabeled < 0)
        first_unlabeled = (int) i;
    }
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);

  if (items->len == 0)
    {
      g_autofree char *text = g_strdup_printf ("Press Suggest next batch: the suggester picks the first %u "
                                               "images worth labeling out of %zu.",
                                               annotator_folder_get_batch_size (self->folder),
                                               annotator_folder_get_n_images (self->folder));

      gtk_label_set_text (GTK_LABEL (self->empty_title), "No batch yet");
      gtk_label_set_text (GTK_LABEL (self->empty_text), text);
      gtk_widget_set_visible (self->empty_suggest, TRUE);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
    }
  else
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "grid");
      select_index (self, MAX (first_unlabeled, 0));
    }
  update_status (self);
}

static void
update_status (AnnotatorWindow *self)
{
  g_autofree char *text = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint done = 0;

  if (self->folder == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->status), "No folder open");
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (annotator_item_get_label (item) >= 0)
        done++;
    }
  text = g_strdup_printf ("Round %u · this batch: %u of %u labeled · in total: %u of %zu images labeled, "
                          "%u classes · keys: 0–9 set the class, arrows move, Delete clears",
                          annotator_folder_get_round (self->folder), done, n,
                          annotator_folder_get_n_labeled (self->folder),
                          annotator_folder_get_n_images (self->folder),
                          annotator_folder_get_n_labeled_classes (self->folder));
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

/* ---------------------------------------------------------------------------
 * Suggesters
 * ------------------------------------------------------------------------- */

static PeasPluginInfo *
chosen_info (AnnotatorWindow *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->suggester_dropdown));

  if (i == GTK_INVALID_LIST_POSITION || i >= self->suggester_infos->len)
    return NULL;
  return g_ptr_array_index (self->suggester_infos, i);
}

static void
suggester_selected_cb (GObject    *dropdown,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  AnnotatorWindow *self = user_data;
  PeasPluginInfo *info = chosen_info (self);

  if (info != NULL)
    annotator_plugins_set_preferred (self->plugins, peas_plugin_info_get_module_name (info));
}

static void
rebuild_suggesters (AnnotatorWindow *self)
{
  g_autoptr(GPtrArray) infos = annotator_plugins_list_suggesters (self->plugins);
  const char *preferred = annotator_plugins_get_preferred (self->plugins);
  guint pick = 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < infos->len; i++)
    {
      g_ptr_array_add (names, (gpointer) peas_plugin_info_get_name (infos->pdata[i]));
      if (g_strcmp0 (peas_plugin_info_get_module_name (infos->pdata[i]), preferred) == 0)
        pick = i;
    }
  g_ptr_array_add (names, NULL);

  g_signal_handlers_block_by_func (self->suggester_dropdown, suggester_selected_cb, self);
  g_ptr_array_set_size (self->suggester_infos, 0);
  g_ptr_array_extend (self->suggester_infos, infos, NULL, NULL);
  gtk_string_list_splice (self->suggester_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->suggester_names)),
                          (const char * const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->suggester_dropdown),
                              infos->len > 0 ? pick : GTK_INVALID_LIST_POSITION);
  gtk_widget_set_visible (self->suggester_dropdown, infos->len > 0);
  g_signal_handlers_unblock_by_func (self->suggester_dropdown, suggester_selected_cb, self);
}

static void
loaded_plugins_changed_cb (GObject    *engine,
                           GParamSpec *pspec,
                           gpointer    user_data)
{
  rebuild_suggesters (user_data);
}

static LightlyBatchSuggester *
chosen_suggester (AnnotatorWindow *self)
{
  PeasPluginInfo *info = chosen_info (self);
  PeasExtension *ext;

  if (info == NULL || self->suggesters == NULL)
    return NULL;
  ext = peas_extension_set_get_extension (self->suggesters, info);
  return ext != NULL && LIGHTLY_IS_BATCH_SUGGESTER (ext) ? LIGHTLY_BATCH_SUGGESTER (ext) : NULL;
}

/* ---------------------------------------------------------------------------
 * Opening a folder
 * ------------------------------------------------------------------------- */

static void
folder_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AnnotatorWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AnnotatorFolder) folder = annotator_folder_open_finish (result, &error);
  g_autoptr(LightlySuggestContext) context = NULL;
  g_autofree char *subtitle = NULL;
  guint n_classes;

  if (!finish_busy (self))
    return;
  if (folder == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, "Opening the folder failed", error);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), self->folder != NULL ? "grid" : "empty");
      return;
    }

  g_set_object (&self->folder, folder);
  g_clear_object (&self->suggesters);
  context = lightly_suggest_context_new (annotator_folder_get_location (folder),
                                         annotator_folder_get_dataset_id (folder),
                                         g_application_get_application_id (g_application_get_default ()));
  self->suggesters = peas_extension_set_new (annotator_plugins_get_engine (self->plugins),
                                             LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL);

  n_classes = annotator_folder_get_n_classes (folder);
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

    g_ptr_array_add (names, g_strdup ("Unlabeled"));
    for (guint i = 0; i < n_classes; i++)
      g_ptr_array_add (names, i < 10 ? g_strdup_printf ("%u · %s", i, annotator_folder_get_class_name (folder, i))
                                     : g_strdup (annotator_folder_get_class_name (folder, i)));
    g_ptr_array_add (names, NULL);
    gtk_string_list_splice (self->class_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->class_names)),
                            (const char * const *) names->pdata);
  }

  gtk_label_set_text (GTK_LABEL (self->title), annotator_folder_get_title (folder));
  {
    const char *path = annotator_folder_get_path (folder);
    const char *home = g_get_home_dir ();
    gsize n = strlen (home);
    gboolean in_home = n > 1 && strncmp (path, home, n) == 0 && path[n] == G_DIR_SEPARATOR;

    subtitle = g_strdup_printf ("%s%s · %zu images", in_home ? "~" : "", in_home ? path + n : path,
                                annotator_folder_get_n_images (folder));
  }
  gtk_label_set_text (GTK_LABEL (self->subtitle), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), annotator_folder_get_batch_size (folder));
  update_actions (self);
  show_batch (self);
  g_signal_emit (self, signals[FOLDER_OPENED], 0, annotator_folder_get_path (folder));
}

/* Opens @path (a folder with an embeddings.csv). */
void
annotator_window_open (AnnotatorWindow *self,
                       const char      *path)
{
  if (self->busy)
    {
      annotator_window_show_message (self, TRUE, "Wait for the current operation to finish, or cancel it");
      return;
    }
  annotator_window_show_message (self, FALSE, NULL);
  set_busy (self, "Opening the folder and its embeddings…");
  self->cancellable = g_cancellable_new ();
  gtk_label_set_text (GTK_LABEL (self->empty_title), "Opening…");
  gtk_label_set_text (GTK_LABEL (self->empty_text), path);
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  annotator_folder_open_async (path, self->cancellable, folder_opened_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  AnnotatorWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        annotator_window_open (self, path);
    }
  g_object_unref (dialog);
}

static void
open_folder_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  const char *path = g_variant_get_string (parameter, NULL);
  GtkFileChooserNative *chooser;

  if (path[0] != '\0')
    {
      annotator_window_open (self, path);
      return;
    }
  chooser = gtk_file_chooser_native_new ("Open a Folder of Images", GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Open", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_demo_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autofree char *demo = g_build_filename (g_get_user_data_dir (), "lightly", "demo", NULL);
  g_autofree char *csv = g_build_filename (demo, ANNOTATOR_EMBEDDINGS_FILE, NULL);

  if (!g_file_test (csv, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = g_strdup_printf ("The Fashion-MNIST demo is not in %s yet: run “lightly-al demo” "
                                               "once (it needs the dataset-fashion-mnist package), then open it again",
                                               demo);

      annotator_window_show_message (self, TRUE, text);
      return;
    }
  annotator_window_open (self, demo);
}

/* ---------------------------------------------------------------------------
 * Suggest next batch
 * ------------------------------------------------------------------------- */

typedef struct {
  AnnotatorWindow *window;
  LightlyBatchSuggester *suggester;
  char *suggester_name;
} Suggest;

static void
suggest_free (Suggest *s)
{
  g_object_unref (s->window);
  g_object_unref (s->suggester);
  g_free (s->suggester_name);
  g_free (s);
}

static void
suggested_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Suggest *s = user_data;
  AnnotatorWindow *self = s->window;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = lightly_batch_suggester_suggest_finish (LIGHTLY_BATCH_SUGGESTER (source), result, &error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  guint dropped = 0;

  if (!finish_busy (self))
    {
      suggest_free (s);
      return;
    }
  if (names == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        annotator_window_show_message (self, FALSE, "Suggestion cancelled: the batch on screen is unchanged");
      else
        {
          g_autofree char *what = g_strdup_printf ("%s could not suggest a batch", s->suggester_name);

          show_error (self, what, error);
        }
      suggest_free (s);
      return;
    }

  /* The contract says the names are new images of this folder; a plugin
   * that breaks it must not put labeled images back on screen. */
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (!annotator_folder_contains (self->folder, names[i]) ||
          annotator_folder_get_label (self->folder, names[i]) >= 0 ||
          g_ptr_array_find_with_equal_func (batch, names[i], g_str_equal, NULL))
        dropped++;
      else
        g_ptr_array_add (batch, names[i]);
    }
  g_ptr_array_add (batch, NULL);

  if (!annotator_folder_set_batch (self->folder, (const char * const *) batch->pdata, &error))
    show_error (self, "Saving the batch failed", error);
  else if (dropped > 0)
    {
      g_autofree char *text = g_strdup_printf ("%s returned %u labeled, repeated or unknown images; "
                                               "they were left out", s->suggester_name, dropped);

      annotator_window_show_message (self, TRUE, text);
    }
  else if (batch->len == 1)
    annotator_window_show_message (self, FALSE, "Nothing left to suggest: every image is labeled");
  else
    annotator_window_show_message (self, FALSE, NULL);
  show_batch (self);
  suggest_free (s);
}

static void
ask_suggester (Suggest            *s,
               LightlyPredictions *predictions)
{
  AnnotatorWindow *self = s->window;
  g_auto(GStrv) labeled = annotator_folder_dup_labeled (self->folder);
  guint batch_size = annotator_folder_get_batch_size (self->folder);
  g_autoptr(LightlySuggestRequest) request =
    lightly_suggest_request_new (batch_size, (const char * const *) labeled, predictions);
  g_autofree char *text = g_strdup_printf ("%s is picking %u images (%u labeled%s)…", s->suggester_name,
                                           batch_size, g_strv_length (labeled),
                                           predictions != NULL ? ", with the classifier's predictions" : "");

  set_progress_text (self, text);
  g_free (self->last_request);
  self->last_request = g_strdup_printf ("request\t%u\t%u\t%zu\n", batch_size, g_strv_length (labeled),
                                        predictions != NULL ? lightly_predictions_get_n_cols (predictions) : 0);
  lightly_batch_suggester_suggest_async (s->suggester, request, self->cancellable, suggested_cb, s);
}

static void
predicted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Suggest *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyPredictions) predictions =
    annotator_folder_predict_finish (ANNOTATOR_FOLDER (source), result, &error);

  if (predictions == NULL)
    {
      if (!finish_busy (s->window))
        {
          suggest_free (s);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        annotator_window_show_message (s->window, FALSE, "Suggestion cancelled: the batch on screen is unchanged");
      else
        show_error (s->window, "Suggest next batch failed", error);
      suggest_free (s);
      return;
    }
  ask_suggester (s, predictions);
}

static void
suggest_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  LightlyBatchSuggester *suggester;
  Suggest *s;

  if (self->folder == NULL || self->busy)
    return;
  suggester = chosen_suggester (self);
  if (suggester == NULL)
    {
      annotator_window_show_message (self, TRUE, "No suggester is switched on: open the menu, choose "
                                     "Suggesters… and switch one on");
      return;
    }
  annotator_window_show_message (self, FALSE, NULL);
  s = g_new0 (Suggest, 1);
  s->window = g_object_ref (self);
  s->suggester = g_object_ref (suggester);
  s->suggester_name = g_strdup (peas_plugin_info_get_name (chosen_info (self)));
  self->cancellable = g_cancellable_new ();

  if (annotator_folder_get_n_labeled_classes (self->folder) >= 2)
    {
      set_busy (self, "Training the classifier on the labels…");
      annotator_folder_predict_async (self->folder, self->cancellable, predicted_cb, s);
    }
  else
    {
      set_busy (self, "Asking the suggester…");
      ask_suggester (s, NULL);
    }
}

static void
cancel_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---------------------------------------------------------------------------
 * Labeling
 * ------------------------------------------------------------------------- */

static void
set_class_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  int label = g_variant_get_int32 (parameter);
  int index = 0;
  AnnotatorItem *item = selected_item (self, &index);

  if (item == NULL || self->folder == NULL)
    return;
  if (label >= (int) annotator_folder_get_n_classes (self->folder))
    {
      g_autofree char *text = g_strdup_printf ("There is no class %d here: this folder has classes 0 to %u",
                                               label, annotator_folder_get_n_classes (self->folder) - 1);

      annotator_window_show_message (self, TRUE, text);
      return;
    }
  annotator_item_set_label (item, label);
  if (label >= 0)
    select_index (self, index + 1);
}

static void
label_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  const char *name;
  int label;
  guint n;
  g_autoptr(GError) error = NULL;

  if (self->folder == NULL)
    return;
  g_variant_get (parameter, "(&si)", &name, &label);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (g_strcmp0 (annotator_item_get_name (item), name) == 0)
        {
          annotator_item_set_label (item, label);
          return;
        }
    }
  /* Not on screen: users may label outside suggestions. */
  if (!annotator_folder_set_label (self->folder, name, label, &error))
    show_error (self, "Labeling failed", error);
  update_status (self);
}

static void
select_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  select_index (user_data, g_variant_get_int32 (parameter));
}

static void
batch_size_changed_cb (GtkSpinButton *spin,
                       gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->folder != NULL &&
      !annotator_folder_set_batch_size (self->folder, (guint) gtk_spin_button_get_value_as_int (spin), &error))
    show_error (self, "Saving the batch size failed", error);
}

static void
batch_size_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), g_variant_get_int32 (parameter));
}

static void
suggester_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  const char *module = g_variant_get_string (parameter, NULL);

  for (guint i = 0; i < self->suggester_infos->len; i++)
    if (g_strcmp0 (peas_plugin_info_get_module_name (self->suggester_infos->pdata[i]), module) == 0)
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->suggester_dropdown), i);
        return;
      }
  {
    g_autofree char *text = g_strdup_printf ("No suggester “%s” is switched on: see Suggesters… in the menu",
                                             module);

    annotator_window_show_message (self, TRUE, text);
  }
}

static void
plugins_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (annotator_plugins_dialog_new (self->plugins, GTK_WINDOW (self))));
}

/* Images per row, as laid out now. */
static int
per_row (AnnotatorWindow *self)
{
  GtkFlowBoxChild *first = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flowbox), 0);
  graphene_rect_t first_bounds, bounds;
  int n = 0;

  if (first == NULL || !gtk_widget_compute_bounds (GTK_WIDGET (first), self->flowbox, &first_bounds))
    return 1;
  for (GtkFlowBoxChild *child = first; child != NULL;
       child = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flowbox), n))
    {
      if (!gtk_widget_compute_bounds (GTK_WIDGET (child), self->flowbox, &bounds) ||
          bounds.origin.y > first_bounds.origin.y + first_bounds.size.height / 2)
        break;
      n++;
    }
  return MAX (n, 1);
}

/* The arrows, in the capture phase while a cell has the focus: GtkFlowBox's
 * own cursor does not follow the selection the app sets, so the app moves
 * selection and focus together. */
static gboolean
arrow_pressed_cb (GtkEventControllerKey *controller,
                  guint                  keyval,
                  guint                  keycode,
                  GdkModifierType        state,
                  gpointer               user_data)
{
  AnnotatorWindow *self = user_data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  int n = (int) g_list_model_get_n_items (G_LIST_MODEL (self->items));
  int index = -1;
  int target;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, self->flowbox) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0 ||
      selected_item (self, &index) == NULL)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:
      target = index - 1;
      break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right:
      target = index + 1;
      break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:
      target = index - per_row (self);
      break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:
      target = index + per_row (self);
      break;
    case GDK_KEY_Home: case GDK_KEY_KP_Home:
      target = 0;
      break;
    case GDK_KEY_End: case GDK_KEY_KP_End:
      target = n - 1;
      break;
    default:
      return FALSE;
    }
  if (target >= 0 && target < n)
    select_index (self, target);
  return TRUE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  AnnotatorWindow *self = user_data;
  int digit = -1;

  if (self->folder == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval >= GDK_KEY_0 && keyval <= GDK_KEY_9)
    digit = (int) (keyval - GDK_KEY_0);
  else if (keyval >= GDK_KEY_KP_0 && keyval <= GDK_KEY_KP_9)
    digit = (int) (keyval - GDK_KEY_KP_0);
  else if (keyval == GDK_KEY_Delete || keyval == GDK_KEY_BackSpace)
    digit = -1;
  else
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self), "set-class", g_variant_new_int32 (digit));
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Report for the test script
 * ------------------------------------------------------------------------- */

/* Tab-separated lines: folder, round, batch names, labeled names with their
 * class, the last request (batch size, labeled, prediction columns), the
 * message bar, the plugins. */
char *
annotator_window_dup_report (AnnotatorWindow *self)
{
  GString *out = g_string_new (NULL);
  g_autofree char *plugins = annotator_plugins_describe (self->plugins);
  PeasPluginInfo *info = chosen_info (self);
  int selected = -1;

  if (self->folder != NULL)
    {
      const char * const *batch = annotator_folder_get_batch (self->folder);
      g_auto(GStrv) labeled = annotator_folder_dup_labeled (self->folder);

      g_string_append_printf (out, "folder\t%s\n", annotator_folder_get_path (self->folder));
      g_string_append_printf (out, "round\t%u\n", annotator_folder_get_round (self->folder));
      g_string_append_printf (out, "batch-size\t%u\n", annotator_folder_get_batch_size (self->folder));
      for (guint i = 0; batch[i] != NULL; i++)
        g_string_append_printf (out, "batch\t%s\n", batch[i]);
      for (guint i = 0; labeled[i] != NULL; i++)
        g_string_append_printf (out, "labeled\t%s\t%d\n", labeled[i],
                                annotator_folder_get_label (self->folder, labeled[i]));
      if (selected_item (self, &selected) != NULL)
        g_string_append_printf (out, "selected\t%d\n", selected);
      g_string_append_printf (out, "columns\t%d\n", per_row (self));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
        {
          g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

          g_string_append_printf (out, "shown\t%s\t%d\n", annotator_item_get_name (item),
                                  annotator_item_get_label (item));
        }
    }
  if (self->last_request != NULL)
    g_string_append (out, self->last_request);
  if (info != NULL)
    g_string_append_printf (out, "suggester\t%s\n", peas_plugin_info_get_module_name (info));
  if (self->message != NULL)
    g_string_append_printf (out, "%s\t%s\n", self->message_is_error ? "error" : "message", self->message);
  g_string_append (out, plugins);
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------
 * Construction
 * ------------------------------------------------------------------------- */

static gboolean
close_request_cb (GtkWindow *window,
                  gpointer   user_data)
{
  AnnotatorWindow *self = ANNOTATOR_WINDOW (window);

  if (!self->busy)
    return FALSE;
  /* Let the suggester see the cancellation and return before the window
   * (and, with it, the app) goes away. */
  self->close_pending = TRUE;
  g_cancellable_cancel (self->cancellable);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  return TRUE;
}

/* The arrows move the focus between cells (GtkWidget's directional focus
 * moves, not GtkFlowBox's cursor): the selection follows, so the digit
 * keys label the image the user sees highlighted. */
static void
focus_widget_changed_cb (GtkWindow  *window,
                         GParamSpec *pspec,
                         gpointer    user_data)
{
  AnnotatorWindow *self = ANNOTATOR_WINDOW (window);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *child = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_FLOW_BOX_CHILD) : NULL;

  if (child != NULL && gtk_widget_get_parent (child) == self->flowbox &&
      !gtk_flow_box_child_is_selected (GTK_FLOW_BOX_CHILD (child)))
    gtk_flow_box_select_child (GTK_FLOW_BOX (self->flowbox), GTK_FLOW_BOX_CHILD (child));
}

static void
hide_message_cb (GtkButton *button,
                 gpointer   user_data)
{
  annotator_window_show_message (user_data, FALSE, NULL);
}

static void
annotator_window_dispose (GObject *object)
{
  AnnotatorWindow *self = ANNOTATOR_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  if (self->plugins != NULL)
    g_signal_handlers_disconnect_by_data (annotator_plugins_get_engine (self->plugins), self);
  g_clear_object (&self->suggesters);
  if (self->items != NULL)
    g_list_store_remove_all (self->items);

  G_OBJECT_CLASS (annotator_window_parent_class)->dispose (object);
}

static void
annotator_window_finalize (GObject *object)
{
  AnnotatorWindow *self = ANNOTATOR_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->plugins);
  g_clear_object (&self->folder);
  g_clear_object (&self->items);
  g_clear_object (&self->class_names);
  g_clear_object (&self->suggester_names);
  g_clear_pointer (&self->suggester_infos, g_ptr_array_unref);
  g_free (self->progress_text);
  g_free (self->message);
  g_free (self->last_request);

  G_OBJECT_CLASS (annotator_window_parent_class)->finalize (object);
}

static void
annotator_window_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AnnotatorWindow *self = ANNOTATOR_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
annotator_window_class_init (AnnotatorWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = annotator_window_dispose;
  object_class->finalize = annotator_window_finalize;
  object_class->get_property = annotator_window_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FOLDER_OPENED] =
    g_signal_new ("folder-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static const GActionEntry win_entries[] = {
  { "open-folder", open_folder_activated, "s", NULL, NULL, { 0 } },
  { "open-demo", open_demo_activated, NULL, NULL, NULL, { 0 } },
  { "suggest", suggest_activated, NULL, NULL, NULL, { 0 } },
  { "cancel", cancel_activated, NULL, NULL, NULL, { 0 } },
  { "set-class", set_class_activated, "i", NULL, NULL, { 0 } },
  { "label", label_activated, "(si)", NULL, NULL, { 0 } },
  { "select", select_activated, "i", NULL, NULL, { 0 } },
  { "batch-size", batch_size_activated, "i", NULL, NULL, { 0 } },
  { "suggester", suggester_activated, "s", NULL, NULL, { 0 } },
  { "plugins", plugins_activated, NULL, NULL, NULL, { 0 } },
};

static GtkWidget *
build_header (AnnotatorWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *open = gtk_button_new_with_mnemonic ("_Open…");
  GtkWidget *menu_button = gtk_menu_button_new ();
  GtkWidget *size_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  self->title = gtk_label_new ("Lightly Annotator");
  self->subtitle = gtk_label_new ("Label the images worth labeling first");
  gtk_widget_add_css_class (self->title, "title");
  gtk_widget_add_css_class (self->subtitle, "subtitle");
  gtk_label_set_ellipsize (GTK_LABEL (self->subtitle), PANGO_ELLIPSIZE_START);
  gtk_box_append (GTK_BOX (titles), self->title);
  gtk_box_append (GTK_BOX (titles), self->subtitle);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), titles);

  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (open), "win.open-folder::");
  gtk_widget_set_tooltip_text (open, "Open a folder of images with an embeddings.csv");
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), open);

  g_menu_append (section, "Open _Folder…", "win.open-folder::");
  g_menu_append (section, "Open the Fashion-MNIST _Demo", "win.open-demo");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, "_Suggesters…", "win.plugins");
  g_menu_append (section, "_About Lightly Annotator", "app.about");
  g_menu_append (section, "_Quit", "app.quit");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (menu_button, "Main menu");
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), menu_button);

  self->suggest_button = gtk_button_new_with_mnemonic ("_Suggest next batch");
  gtk_widget_add_css_class (self->suggest_button, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->suggest_button), "win.suggest");
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->suggest_button);

  self->suggester_names = gtk_string_list_new (NULL);
  self->suggester_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->suggester_names)), NULL);
  gtk_widget_set_tooltip_text (self->suggester_dropdown, "The suggester (plugin) that picks the next batch");
  g_signal_connect (self->suggester_dropdown, "notify::selected", G_CALLBACK (suggester_selected_cb), self);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->suggester_dropdown);

  self->batch_spin = gtk_spin_button_new_with_range (1, 1000, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), ANNOTATOR_DEFAULT_BATCH_SIZE);
  gtk_widget_set_tooltip_text (self->batch_spin, "Images per batch");
  g_signal_connect (self->batch_spin, "value-changed", G_CALLBACK (batch_size_changed_cb), self);
  gtk_box_append (GTK_BOX (size_box), gtk_label_new ("Batch"));
  gtk_box_append (GTK_BOX (size_box), self->batch_spin);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), size_box);
  return header;
}

static GtkWidget *
build_empty_page (AnnotatorWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("folder-pictures-symbolic");
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *open = gtk_button_new_with_mnemonic ("Open _Folder…");
  GtkWidget *demo = gtk_button_new_with_mnemonic ("Open the _Demo");

  gtk_image_set_pixel_size (GTK_IMAGE (icon), 96);
  gtk_widget_add_css_class (icon, "dim-label");
  self->empty_title = gtk_label_new ("Open a folder to label");
  gtk_widget_add_css_class (self->empty_title, "annotator-empty-title");
  self->empty_text = gtk_label_new ("A folder of images with Lightly’s embeddings.csv, or the Fashion-MNIST demo "
                                    "that “lightly-al demo” creates.");
  gtk_label_set_wrap (GTK_LABEL (self->empty_text), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->empty_text), 60);
  gtk_label_set_justify (GTK_LABEL (self->empty_text), GTK_JUSTIFY_CENTER);
  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (open), "win.open-folder::");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (demo), "win.open-demo");
  self->empty_suggest = gtk_button_new_with_mnemonic ("_Suggest next batch");
  gtk_widget_add_css_class (self->empty_suggest, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->empty_suggest), "win.suggest");
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_box_append (GTK_BOX (buttons), open);
  gtk_box_append (GTK_BOX (buttons), demo);
  gtk_box_append (GTK_BOX (buttons), self->empty_suggest);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), self->empty_title);
  gtk_box_append (GTK_BOX (box), self->empty_text);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  return box;
}

static void
annotator_window_init (AnnotatorWindow *self)
{
  GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *message_close = gtk_button_new_from_icon_name ("window-close-symbolic");
  GtkWidget *progress_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *progress_text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkEventController *arrows = gtk_event_controller_key_new ();

  self->items = g_list_store_new (ANNOTATOR_TYPE_ITEM);
  self->class_names = gtk_string_list_new (NULL);
  self->suggester_infos = g_ptr_array_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  gtk_window_set_title (GTK_WINDOW (self), "Lightly Annotator");
  gtk_window_set_default_size (GTK_WINDOW (self), 1180, 760);
  gtk_window_set_titlebar (GTK_WINDOW (self), build_header (self));

  /* The message bar (errors in red, news in blue). */
  self->message_bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (self->message_bar, "annotator-bar");
  self->message_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->message_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->message_label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->message_label), TRUE);
  gtk_widget_set_hexpand (self->message_label, TRUE);
  gtk_widget_add_css_class (message_close, "flat");
  gtk_widget_set_tooltip_text (message_close, "Hide this message");
  gtk_widget_set_valign (message_close, GTK_ALIGN_CENTER);
  g_signal_connect (message_close, "clicked", G_CALLBACK (hide_message_cb), self);
  gtk_box_append (GTK_BOX (self->message_bar), self->message_label);
  gtk_box_append (GTK_BOX (self->message_bar), message_close);
  self->message_revealer = gtk_revealer_new ();
  gtk_revealer_set_child (GTK_REVEALER (self->message_revealer), self->message_bar);

  /* Progress of an open or a suggestion, with Cancel. */
  gtk_widget_add_css_class (progress_box, "annotator-progress");
  self->progress_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->progress_label), 0);
  self->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (self->progress_bar), 0.08);
  gtk_box_append (GTK_BOX (progress_text), self->progress_label);
  gtk_box_append (GTK_BOX (progress_text), self->progress_bar);
  gtk_widget_set_hexpand (progress_text, TRUE);
  gtk_widget_set_valign (progress_text, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "win.cancel");
  gtk_box_append (GTK_BOX (progress_box), progress_text);
  gtk_box_append (GTK_BOX (progress_box), cancel);
  self->progress_revealer = gtk_revealer_new ();
  gtk_revealer_set_child (GTK_REVEALER (self->progress_revealer), progress_box);

  /* The batch. */
  self->flowbox = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->flowbox), GTK_SELECTION_SINGLE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->flowbox), TRUE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->flowbox), 12);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->flowbox), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->flowbox), 6);
  gtk_flow_box_set_activate_on_single_click (GTK_FLOW_BOX (self->flowbox), FALSE);
  gtk_widget_set_valign (self->flowbox, GTK_ALIGN_START);
  gtk_widget_set_margin_start (self->flowbox, 12);
  gtk_widget_set_margin_end (self->flowbox, 12);
  gtk_widget_set_margin_top (self->flowbox, 12);
  gtk_widget_set_margin_bottom (self->flowbox, 12);
  gtk_flow_box_bind_model (GTK_FLOW_BOX (self->flowbox), G_LIST_MODEL (self->items), create_cell, self, NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->flowbox);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);

  self->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), build_empty_page (self), "empty");
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "grid");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  gtk_widget_set_vexpand (self->stack, TRUE);

  self->status = gtk_label_new ("No folder open");
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->status, "annotator-status");
  gtk_widget_add_css_class (self->status, "dim-label");

  gtk_box_append (GTK_BOX (vbox), self->message_revealer);
  gtk_box_append (GTK_BOX (vbox), self->progress_revealer);
  gtk_box_append (GTK_BOX (vbox), self->stack);
  gtk_box_append (GTK_BOX (vbox), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (vbox), self->status);
  gtk_window_set_child (GTK_WINDOW (self), vbox);

  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_event_controller_set_propagation_phase (arrows, GTK_PHASE_CAPTURE);
  g_signal_connect (arrows, "key-pressed", G_CALLBACK (arrow_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), arrows);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);
  g_signal_connect (self, "notify::focus-widget", G_CALLBACK (focus_widget_changed_cb), NULL);
}

AnnotatorWindow *
annotator_window_new (GtkApplication   *app,
                      AnnotatorPlugins *plugins)
{
  AnnotatorWindow *self = g_object_new (ANNOTATOR_TYPE_WINDOW, "application", app, NULL);
  static gsize css_loaded;

  if (g_once_init_enter (&css_loaded))
    {
      GtkCssProvider *provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (provider, css, -1);
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_object_unref (provider);
      g_once_init_leave (&css_loaded, 1);
    }

  self->plugins = g_object_ref (plugins);
  g_signal_connect (annotator_plugins_get_engine (plugins), "notify::loaded-plugins",
                    G_CALLBACK (loaded_plugins_changed_cb), self);
  rebuild_suggesters (self);
  update_actions (self);
  return self;
}
