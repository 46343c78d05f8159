/* annotator-window-suggest.c: suggesters, opening a folder, exporting its
 * labels, suggesting
 *
 * "Suggest next batch" trains the shared logistic regression once labels of
 * two classes exist, then calls the chosen LightlyBatchSuggester with the
 * labeled set from labels.csv and those predictions. Suggesters come from a
 * PeasExtensionSet created with the folder's LightlySuggestContext, so they
 * follow plugins being switched on and off. The batch keeps the order the
 * suggester returned it in: that order is its ranking.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-embed.h"
#include "annotator-export.h"
#include "annotator-tile.h"
#include "annotator-window-private.h"

/* ---------------------------------------------------------------------------
 * Suggesters
 * ------------------------------------------------------------------------- */

PeasPluginInfo *
annotator_window_chosen_info (AnnotatorWindow *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->suggester_dropdown));

  if (i == GTK_INVALID_LIST_POSITION || i >= self->suggester_infos->len)
    return NULL;
  return g_ptr_array_index (self->suggester_infos, i);
}

void
annotator_window_suggester_selected_cb (GObject    *dropdown,
                                        GParamSpec *pspec,
                                        gpointer    user_data)
{
  AnnotatorWindow *self = user_data;
  PeasPluginInfo *info = annotator_window_chosen_info (self);

  if (info != NULL)
    annotator_plugins_set_preferred (self->plugins, peas_plugin_info_get_module_name (info));
}

void
annotator_window_rebuild_suggesters (AnnotatorWindow *self)
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

  g_signal_handlers_block_by_func (self->suggester_dropdown, annotator_window_suggester_selected_cb, self);
  g_ptr_array_set_size (self->suggester_infos, 0);
  g_ptr_array_extend (self->suggester_infos, infos, NULL, NULL);
  gtk_string_list_splice (self->suggester_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->suggester_names)),
                          (const char * const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->suggester_dropdown),
                              infos->len > 0 ? pick : GTK_INVALID_LIST_POSITION);
  gtk_widget_set_visible (self->suggester_dropdown, infos->len > 0);
  g_signal_handlers_unblock_by_func (self->suggester_dropdown, annotator_window_suggester_selected_cb, self);
}

void
annotator_window_loaded_plugins_changed_cb (GObject    *engine,
                                            GParamSpec *pspec,
                                            gpointer    user_data)
{
  annotator_window_rebuild_suggesters (user_data);
}

static LightlyBatchSuggester *
chosen_suggester (AnnotatorWindow *self)
{
  PeasPluginInfo *info = annotator_window_chosen_info (self);
  PeasExtension *ext;

  if (info == NULL || self->suggesters == NULL)
    return NULL;
  ext = peas_extension_set_get_extension (self->suggesters, info);
  return ext != NULL && LIGHTLY_IS_BATCH_SUGGESTER (ext) ? LIGHTLY_BATCH_SUGGESTER (ext) : NULL;
}

/* ---------------------------------------------------------------------------
 * Opening a folder
 * ------------------------------------------------------------------------- */

/* After a failed open with no folder to go back to: say what went wrong
 * on the page itself, not only in the bar. */
static void
show_error_page (AnnotatorWindow *self,
                 const GError    *error)
{
  gtk_image_set_from_icon_name (GTK_IMAGE (self->empty_icon), "dialog-error-symbolic");
  gtk_label_set_text (GTK_LABEL (self->empty_title), _("The folder could not be opened"));
  gtk_label_set_text (GTK_LABEL (self->empty_text), error->message);
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}

static void
set_class_titles (AnnotatorWindow *self,
                  AnnotatorFolder *folder)
{
  guint n_classes = annotator_folder_get_n_classes (folder);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (names, g_strdup (_("Unlabeled")));
  for (guint i = 0; i < n_classes; i++)
    g_ptr_array_add (names, annotator_class_dup_title (i, annotator_folder_get_class_name (folder, i)));
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->class_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->class_names)),
                          (const char * const *) names->pdata);
}

static void
set_titles (AnnotatorWindow *self,
            AnnotatorFolder *folder)
{
  const char *path = annotator_folder_get_path (folder);
  const char *home = g_get_home_dir ();
  gsize n = strlen (home);
  gboolean in_home = n > 1 && strncmp (path, home, n) == 0 && path[n] == G_DIR_SEPARATOR;
  g_autofree char *images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%zu image", "%zu images",
                                                          annotator_folder_get_n_images (folder)),
                                             annotator_folder_get_n_images (folder));
  g_autofree char *subtitle = g_strdup_printf ("%s%s · %s", in_home ? "~" : "", in_home ? path + n : path, images);

  gtk_label_set_text (GTK_LABEL (self->title), annotator_folder_get_title (folder));
  gtk_label_set_text (GTK_LABEL (self->subtitle), subtitle);
}

/* After computing the embeddings: how many images, and which files could
 * not be read (news, not an error: the rest of the folder is usable). */
static void
show_embedded (AnnotatorWindow *self)
{
  guint n_unreadable = self->unreadable != NULL ? g_strv_length (self->unreadable) : 0;
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_printf (text, g_dngettext (GETTEXT_PACKAGE, "Embeddings computed for %u image",
                                      "Embeddings computed for %u images", self->n_embedded),
                   self->n_embedded);
  if (n_unreadable > 0)
    {
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "; %u file is not a readable image: ",
                                                 "; %u files are not readable images: ", n_unreadable),
                              n_unreadable);
      for (guint i = 0; i < MIN (n_unreadable, 3); i++)
        {
          g_autofree char *name = g_strdup (self->unreadable[i]);
          char *colon = strstr (name, ": ");

          if (colon != NULL)
            *colon = '\0';
          g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", name);
        }
      if (n_unreadable > 3)
        g_string_append_printf (text, _(" and %u more"), n_unreadable - 3);
    }
  annotator_window_show_message (self, FALSE, text->str);
  if (n_unreadable > 0)
    {
      g_autofree char *all = g_strjoinv ("\n", self->unreadable);

      gtk_widget_set_tooltip_text (self->message_label, all);
    }
}

static void
folder_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AnnotatorWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AnnotatorFolder) folder = annotator_folder_open_finish (result, &error);
  g_autoptr(LightlySuggestContext) context = NULL;

  if (!annotator_window_finish_busy (self))
    return;
  if (folder == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        annotator_window_show_error (self, _("Opening the folder failed"), error);
      if (self->folder != NULL)
        annotator_window_show_round (self, self->viewed_round);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_page (self, error);
      else
        {
          gtk_label_set_text (GTK_LABEL (self->empty_title), _("Open a folder to label"));
          gtk_label_set_text (GTK_LABEL (self->empty_text), _("Opening the folder was cancelled."));
        }
      return;
    }

  g_set_object (&self->folder, folder);
  annotator_history_clear (self->history);
  g_clear_object (&self->suggesters);
  context = lightly_suggest_context_new (annotator_folder_get_location (folder),
                                         annotator_folder_get_dataset_id (folder),
                                         g_application_get_application_id (g_application_get_default ()));
  self->suggesters = peas_extension_set_new (annotator_plugins_get_engine (self->plugins),
                                             LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL);
  set_class_titles (self, folder);
  set_titles (self, folder);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), annotator_folder_get_batch_size (folder));
  annotator_window_update_actions (self);
  annotator_window_show_round (self, 0);
  if (self->n_embedded > 0)
    show_embedded (self);
  g_signal_emit_by_name (self, "folder-opened", annotator_folder_get_path (folder));
}

/* A folder of images without embeddings: compute them first. */
static gboolean
needs_embeddings (const char *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  g_autofree char *csv = annotator_folder_dup_embeddings_path (canonical);

  return g_file_test (canonical, G_FILE_TEST_IS_DIR) && !g_file_test (csv, G_FILE_TEST_EXISTS);
}

static void
embed_progress_cb (gsize    done,
                   gsize    total,
                   gpointer user_data)
{
  AnnotatorWindow *self = user_data;
  g_autofree char *text = g_strdup_printf (_("Computing the embeddings: %zu of %zu images read"), done, total);

  if (!self->embedding)
    return;
  self->embed_done = done;
  self->embed_total = total;
  /* Now that the count is known, a real fraction instead of the pulse. */
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  annotator_window_set_progress_text (self, text);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), total > 0 ? (double) done / total : 0);
}

static void open_now (AnnotatorWindow *self,
                      const char      *path);

typedef struct {
  AnnotatorWindow *window;
  char *path;
} EmbedOpen;

static void
embed_open_free (EmbedOpen *eo)
{
  g_object_unref (eo->window);
  g_free (eo->path);
  g_free (eo);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbedOpen, embed_open_free)

static void
embedded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(EmbedOpen) eo = user_data;
  AnnotatorWindow *self = eo->window;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) unreadable = NULL;
  guint n = 0;

  self->embedding = FALSE;
  if (!annotator_embed_folder_finish (result, &n, &unreadable, &error))
    {
      if (!annotator_window_finish_busy (self))
        return;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          annotator_window_show_message (self, FALSE, _("Computing the embeddings was cancelled: nothing was written"));
          if (self->folder != NULL)
            annotator_window_show_round (self, self->viewed_round);
          else
            {
              gtk_label_set_text (GTK_LABEL (self->empty_title), _("Open a folder to label"));
              gtk_label_set_text (GTK_LABEL (self->empty_text), _("Computing the embeddings was cancelled."));
            }
          return;
        }
      annotator_window_show_error (self, _("Computing the embeddings failed"), error);
      if (self->folder != NULL)
        annotator_window_show_round (self, self->viewed_round);
      else
        show_error_page (self, error);
      return;
    }
  self->n_embedded = n;
  g_strfreev (self->unreadable);
  self->unreadable = g_steal_pointer (&unreadable);
  if (!annotator_window_finish_busy (self))
    return;
  open_now (self, eo->path);
}

/* Computes the embeddings of the folder @path, then opens it. */
static void
embed_then_open (AnnotatorWindow *self,
                 const char      *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  g_autofree char *csv = annotator_folder_dup_embeddings_path (canonical);
  EmbedOpen *eo = g_new0 (EmbedOpen, 1);

  eo->window = g_object_ref (self);
  eo->path = g_strdup (canonical);
  annotator_window_set_busy (self, _("Listing the images of the folder…"));
  self->embedding = TRUE;
  self->cancellable = g_cancellable_new ();
  gtk_image_set_from_icon_name (GTK_IMAGE (self->empty_icon), "folder-pictures-symbolic");
  gtk_label_set_text (GTK_LABEL (self->empty_title), _("Computing the embeddings…"));
  gtk_label_set_text (GTK_LABEL (self->empty_text), canonical);
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  annotator_embed_folder_async (canonical, csv, self->cancellable, embed_progress_cb, self,
                                embedded_cb, eo);
}

static void
open_now (AnnotatorWindow *self,
          const char      *path)
{
  annotator_window_set_busy (self, _("Opening the folder and its embeddings…"));
  self->cancellable = g_cancellable_new ();
  gtk_image_set_from_icon_name (GTK_IMAGE (self->empty_icon), "folder-pictures-symbolic");
  gtk_label_set_text (GTK_LABEL (self->empty_title), _("Opening…"));
  gtk_label_set_text (GTK_LABEL (self->empty_text), path);
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  annotator_folder_open_async (path, self->cancellable, folder_opened_cb, g_object_ref (self));
}

/* Opens @path, a folder of images; when it has no embeddings.csv, computes
 * one first (with a progress bar and Cancel). */
void
annotator_window_open (AnnotatorWindow *self,
                       const char      *path)
{
  if (self->busy)
    {
      annotator_window_show_message (self, TRUE, _("Wait for the current operation to finish, or cancel it"));
      return;
    }
  annotator_window_show_message (self, FALSE, NULL);
  self->n_embedded = 0;
  self->embed_done = self->embed_total = 0;
  g_clear_pointer (&self->unreadable, g_strfreev);
  if (needs_embeddings (path))
    embed_then_open (self, path);
  else
    open_now (self, path);
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

void
annotator_window_open_folder_activated (GSimpleAction *action,
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
  chooser = gtk_file_chooser_native_new (_("Open a Folder of Images"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
annotator_window_open_demo_activated (GSimpleAction *action,
                                      GVariant      *parameter,
                                      gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autofree char *demo = g_build_filename (g_get_user_data_dir (), "lightly", "demo", NULL);
  g_autofree char *csv = g_build_filename (demo, ANNOTATOR_EMBEDDINGS_FILE, NULL);

  if (!g_file_test (csv, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = g_strdup_printf (_("The Fashion-MNIST demo is not in %s yet: run “lightly-al demo” "
                                                 "once (it needs the dataset-fashion-mnist package), then open it again"),
                                               demo);

      annotator_window_show_message (self, TRUE, text);
      return;
    }
  annotator_window_open (self, demo);
}

/* ---------------------------------------------------------------------------
 * Exporting the labels
 * ------------------------------------------------------------------------- */

static AnnotatorExportFormat
export_format (GAction *action)
{
  const char *name = g_action_get_name (action);

  if (g_str_equal (name, "export-label-studio"))
    return ANNOTATOR_EXPORT_LABEL_STUDIO;
  if (g_str_equal (name, "export-cvat"))
    return ANNOTATOR_EXPORT_CVAT;
  return ANNOTATOR_EXPORT_CSV;
}

static void
export_to (AnnotatorWindow       *self,
           AnnotatorExportFormat  format,
           const char            *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!annotator_export_labels (self->folder, format, path, &error))
    {
      annotator_window_show_error (self, _("Exporting the labels failed"), error);
      return;
    }
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u label to %s", "Exported %u labels to %s",
                                       annotator_folder_get_n_labeled (self->folder)),
                          annotator_folder_get_n_labeled (self->folder), path);
  annotator_window_show_message (self, FALSE, text);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  AnnotatorWindow *self = user_data;
  AnnotatorExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "format"));

  if (response == GTK_RESPONSE_ACCEPT && self->folder != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        export_to (self, format, path);
    }
  g_object_unref (dialog);
}

/* win.export-csv, win.export-label-studio and win.export-cvat PATH write
 * the labels as `file,label`, Label Studio tasks or CVAT for images 1.1;
 * an empty PATH asks for one. */
void
annotator_window_export_csv_activated (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  static const char *const titles[] = {
    N_("Export the Labels as CSV"), N_("Export the Labels for Label Studio"), N_("Export the Labels for CVAT"),
  };
  AnnotatorWindow *self = user_data;
  AnnotatorExportFormat format = export_format (G_ACTION (action));
  const char *path = g_variant_get_string (parameter, NULL);
  GtkFileChooserNative *chooser;

  if (self->folder == NULL)
    return;
  if (path[0] != '\0')
    {
      export_to (self, format, path);
      return;
    }
  chooser = gtk_file_chooser_native_new (_(titles[format]), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), annotator_export_default_name (format));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "format", GINT_TO_POINTER (format));
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---------------------------------------------------------------------------
 * Suggest next batch
 * ------------------------------------------------------------------------- */

typedef struct {
  AnnotatorWindow *window;
  LightlyBatchSuggester *suggester;
  LightlySuggestRequest *request;
  char *suggester_name;
} Suggest;

static void
suggest_free (Suggest *s)
{
  g_clear_object (&s->request);
  g_object_unref (s->window);
  g_object_unref (s->suggester);
  g_free (s->suggester_name);
  g_free (s);
}

static int
compare_rank (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GHashTable *pick_of = user_data;
  guint ra = lightly_pick_get_rank (g_hash_table_lookup (pick_of, *(const char **) a));
  guint rb = lightly_pick_get_rank (g_hash_table_lookup (pick_of, *(const char **) b));

  return ra < rb ? -1 : ra > rb;
}

/* Why each image of @batch was picked, from the provenance the suggester
 * left in @request, and @batch sorted into the selection's rank order;
 * NULL (and @batch as returned) when the suggester gave none for some image. */
static GPtrArray *
batch_why (LightlySuggestRequest *request,
           GPtrArray             *batch)
{
  g_autoptr(GPtrArray) picks = lightly_suggest_request_dup_picks (request);
  g_autoptr(GHashTable) pick_of = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *why;

  for (guint i = 0; i < picks->len; i++)
    g_hash_table_insert (pick_of, (gpointer) lightly_pick_get_file_name (picks->pdata[i]), picks->pdata[i]);
  for (guint i = 0; i < batch->len; i++)
    if (!g_hash_table_contains (pick_of, batch->pdata[i]))
      return NULL;
  g_ptr_array_sort_with_data (batch, compare_rank, pick_of);
  why = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < batch->len; i++)
    g_ptr_array_add (why, annotator_pick_dup_why_text (g_hash_table_lookup (pick_of, batch->pdata[i])));
  g_ptr_array_add (why, NULL);
  return why;
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
  g_autoptr(GPtrArray) why = NULL;
  guint dropped = 0;

  if (!annotator_window_finish_busy (self))
    {
      suggest_free (s);
      return;
    }
  if (names == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        annotator_window_show_message (self, FALSE, _("Suggestion cancelled: the batch on screen is unchanged"));
      else
        {
          g_autofree char *what = g_strdup_printf (_("%s could not suggest a batch"), s->suggester_name);

          annotator_window_show_error (self, what, error);
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
  why = batch_why (s->request, batch);
  g_ptr_array_add (batch, NULL);

  if (!annotator_folder_set_batch (self->folder, (const char * const *) batch->pdata,
                                   why != NULL ? (const char * const *) why->pdata : NULL, &error))
    annotator_window_show_error (self, _("Saving the batch failed"), error);
  else if (dropped > 0)
    {
      g_autofree char *text = g_strdup_printf (_("%s returned %u labeled, repeated or unknown images; "
                                                 "they were left out"), s->suggester_name, dropped);

      annotator_window_show_message (self, TRUE, text);
    }
  else if (batch->len == 1)
    annotator_window_show_message (self, FALSE, _("Nothing left to suggest: every image is labeled"));
  else
    annotator_window_show_message (self, FALSE, NULL);
  annotator_window_show_round (self, 0);
  suggest_free (s);
}

static void
ask_suggester (Suggest            *s,
               LightlyPredictions *predictions)
{
  AnnotatorWindow *self = s->window;
  g_auto(GStrv) labeled = annotator_folder_dup_labeled (self->folder);
  guint batch_size = annotator_folder_get_batch_size (self->folder);
  LightlySuggestRequest *request =
    lightly_suggest_request_new (batch_size, (const char * const *) labeled, predictions);
  g_autofree char *text = g_strdup_printf (_("%s is picking %u images (%u labeled%s)…"), s->suggester_name,
                                           batch_size, g_strv_length (labeled),
                                           predictions != NULL ? _(", with the classifier’s predictions") : "");

  annotator_window_set_progress_text (self, text);
  g_free (self->last_request);
  self->last_request = g_strdup_printf ("request\t%u\t%u\t%zu\n", batch_size, g_strv_length (labeled),
                                        predictions != NULL ? lightly_predictions_get_n_cols (predictions) : 0);
  /* Kept: after the suggestion it holds why each image was picked. */
  s->request = request;
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
      if (!annotator_window_finish_busy (s->window))
        {
          suggest_free (s);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        annotator_window_show_message (s->window, FALSE, _("Suggestion cancelled: the batch on screen is unchanged"));
      else
        annotator_window_show_error (s->window, _("Suggest next batch failed"), error);
      suggest_free (s);
      return;
    }
  ask_suggester (s, predictions);
}

void
annotator_window_suggest_activated (GSimpleAction *action,
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
      annotator_window_show_message (self, TRUE, _("No suggester is switched on: open the menu, choose "
                                       "Suggesters… and switch one on"));
      return;
    }
  annotator_window_show_message (self, FALSE, NULL);
  s = g_new0 (Suggest, 1);
  s->window = g_object_ref (self);
  s->suggester = g_object_ref (suggester);
  s->suggester_name = g_strdup (peas_plugin_info_get_name (annotator_window_chosen_info (self)));
  self->cancellable = g_cancellable_new ();

  if (annotator_folder_get_n_labeled_classes (self->folder) >= 2)
    {
      annotator_window_set_busy (self, _("Training the classifier on the labels…"));
      annotator_folder_predict_async (self->folder, self->cancellable, predicted_cb, s);
    }
  else
    {
      annotator_window_set_busy (self, _("Asking the suggester…"));
      ask_suggester (s, NULL);
    }
}

void
annotator_window_cancel_activated (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}


void
annotator_window_batch_size_changed_cb (GtkSpinButton *spin,
                                        gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->folder != NULL &&
      !annotator_folder_set_batch_size (self->folder, (guint) gtk_spin_button_get_value_as_int (spin), &error))
    annotator_window_show_error (self, _("Saving the batch size failed"), error);
}

void
annotator_window_batch_size_activated (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), g_variant_get_int32 (parameter));
}

void
annotator_window_suggester_activated (GSimpleAction *action,
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
    g_autofree char *text = g_strdup_printf (_("No suggester “%s” is switched on: see Suggesters… in the menu"),
                                             module);

    annotator_window_show_message (self, TRUE, text);
  }
}

void
annotator_window_plugins_activated (GSimpleAction *action,
                                    GVariant      *parameter,
                                    gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (annotator_plugins_dialog_new (self->plugins, GTK_WINDOW (self))));
}
