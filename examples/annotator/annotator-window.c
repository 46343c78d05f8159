/* annotator-window.c: the labeling window
 *
 * The batch on screen is a GtkFlowBox of tiles (thumbnail with its rank
 * badge, file name, class picker) over a GListStore of AnnotatorItem, in
 * the order the suggester returned the batch. Keyboard: the arrows, Home
 * and End move the selection; 0–9, then a–z, set that class on the
 * selected image and move on; Delete clears it; Space shows the image
 * large; Ctrl+Z and Ctrl+Shift+Z undo and redo labels. The sidebar shows
 * the class legend and the rounds; choosing an earlier round shows its
 * batch.
 *
 * Everything the user can do is a GAction of the window ("win.*"), so the
 * test script drives the same code paths as the keys and buttons.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "annotator-preview.h"
#include "annotator-shortcuts.h"
#include "annotator-sidebar.h"
#include "annotator-tile.h"
#include "annotator-window-private.h"

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
  gtk_widget_set_tooltip_text (self->message_label, NULL);
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

void
annotator_window_show_error (AnnotatorWindow *self,
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

void
annotator_window_set_progress_text (AnnotatorWindow *self,
                                    const char      *text)
{
  g_free (self->progress_text);
  self->progress_text = g_strdup (text);
  gtk_label_set_text (GTK_LABEL (self->progress_label), text);
}

static void
enable (AnnotatorWindow *self,
        const char      *name,
        gboolean         enabled)
{
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), name)), enabled);
}

void
annotator_window_update_actions (AnnotatorWindow *self)
{
  gboolean idle = !self->busy;
  gboolean open = self->folder != NULL;

  enable (self, "suggest", idle && open);
  enable (self, "cancel", self->busy);
  enable (self, "open-folder", idle);
  enable (self, "open-demo", idle);
  enable (self, "undo", idle && open && annotator_history_get_n_undo (self->history) > 0);
  enable (self, "redo", idle && open && annotator_history_get_n_redo (self->history) > 0);
  enable (self, "export-csv", open);
  enable (self, "export-label-studio", open);
  enable (self, "export-cvat", open);
  enable (self, "view-round", idle && open);
  gtk_widget_set_sensitive (self->suggester_dropdown, idle);
  gtk_widget_set_sensitive (self->batch_spin, idle && open);
}

void
annotator_window_set_busy (AnnotatorWindow *self,
                           const char      *text)
{
  gboolean busy = text != NULL;

  if (busy)
    annotator_window_set_progress_text (self, text);
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
  annotator_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

gboolean
annotator_window_get_busy (AnnotatorWindow *self)
{
  return self->busy;
}

/* The fraction the progress bar shows (0 while it pulses), -1 when idle. */
double
annotator_window_get_progress (AnnotatorWindow *self)
{
  return self->busy ? gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (self->progress_bar)) : -1;
}

/* Finishes an operation; a close requested meanwhile happens now. */
gboolean
annotator_window_finish_busy (AnnotatorWindow *self)
{
  annotator_window_set_busy (self, NULL);
  if (self->close_pending)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The grid and the large view
 * ------------------------------------------------------------------------- */

AnnotatorItem *
annotator_window_selected_item (AnnotatorWindow *self,
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

gboolean
annotator_window_previewing (AnnotatorWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "preview") == 0;
}

static void
preview_item (AnnotatorWindow *self,
              AnnotatorItem   *item)
{
  g_autoptr(GObject) title = g_list_model_get_item (G_LIST_MODEL (self->class_names),
                                                    (guint) (annotator_item_get_label (item) + 1));

  annotator_preview_show_item (ANNOTATOR_PREVIEW (self->preview), item,
                               gtk_string_object_get_string (GTK_STRING_OBJECT (title)));
}

static void
select_index (AnnotatorWindow *self,
              int              index)
{
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flowbox), index);

  if (child == NULL)
    return;
  gtk_flow_box_select_child (GTK_FLOW_BOX (self->flowbox), child);
  if (annotator_window_previewing (self))
    {
      g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), (guint) index);

      preview_item (self, item);
    }
  else
    gtk_widget_grab_focus (GTK_WIDGET (child));
}

/* The item of @name in the grid, or NULL. */
static AnnotatorItem *
find_item (AnnotatorWindow *self,
           const char      *name,
           int             *index)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (g_strcmp0 (annotator_item_get_name (item), name) == 0)
        {
          if (index != NULL)
            *index = (int) i;
          return item;           /* the store keeps it */
        }
    }
  return NULL;
}

static void
labels_changed (AnnotatorWindow *self)
{
  gtk_widget_set_visible (self->sidebar, TRUE);
  annotator_window_update_status (self);
  annotator_window_update_actions (self);
  annotator_sidebar_update (ANNOTATOR_SIDEBAR (self->sidebar), self->folder, self->viewed_round);
}

/* Saves a label set on a tile (a key, the picker, an action) and records
 * it for undo, unless it is an undo or redo being applied. */
static void
item_label_changed_cb (AnnotatorItem   *item,
                       GParamSpec      *pspec,
                       AnnotatorWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *name = annotator_item_get_name (item);
  int before;

  if (self->folder == NULL)
    return;
  before = annotator_folder_get_label (self->folder, name);
  if (!annotator_folder_set_label (self->folder, name, annotator_item_get_label (item), &error))
    annotator_window_show_error (self, _("Saving the label failed"), error);
  else if (!self->replaying)
    annotator_history_push (self->history, name, before, annotator_item_get_label (item));
  labels_changed (self);
}

static GtkWidget *
create_tile (gpointer item,
             gpointer user_data)
{
  AnnotatorWindow *self = user_data;

  return annotator_tile_new (item, G_LIST_MODEL (self->class_names));
}

static void
show_empty_batch (AnnotatorWindow *self)
{
  g_autofree char *text = g_strdup_printf (_("Press Suggest next batch: the suggester picks the first %u "
                                             "images worth labeling out of %zu."),
                                           annotator_folder_get_batch_size (self->folder),
                                           annotator_folder_get_n_images (self->folder));

  gtk_image_set_from_icon_name (GTK_IMAGE (self->empty_icon), "folder-pictures-symbolic");
  gtk_label_set_text (GTK_LABEL (self->empty_title), _("No batch yet"));
  gtk_label_set_text (GTK_LABEL (self->empty_text), text);
  gtk_widget_set_visible (self->empty_suggest, TRUE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}

/* Shows the batch of round @number (0 or an unknown round: the current
 * one) in the order the suggester returned it, each tile with its rank. */
void
annotator_window_show_round (AnnotatorWindow *self,
                             guint            number)
{
  AnnotatorRounds *rounds = annotator_folder_get_rounds (self->folder);
  AnnotatorRound *round = annotator_rounds_find (rounds, number);
  AnnotatorRound *current = annotator_rounds_find (rounds, annotator_folder_get_round (self->folder));
  const char * const *batch = annotator_folder_get_batch (self->folder);
  const char * const *why = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  int first_unlabeled = -1;
  guint n;

  self->viewed_round = annotator_folder_get_round (self->folder);
  if (number != 0 && round != NULL && round->batch[0] != NULL)
    {
      batch = (const char * const *) round->batch;
      self->viewed_round = number;
    }
  else
    round = current;
  n = g_strv_length ((char **) batch);
  /* The provenance is kept per round, parallel to its batch. */
  if (round != NULL && round->why != NULL && g_strv_equal ((const char * const *) round->batch, batch))
    why = (const char * const *) round->why;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = annotator_folder_dup_image_path (self->folder, batch[i]);
      int label = annotator_folder_get_label (self->folder, batch[i]);
      AnnotatorItem *item = annotator_item_new (batch[i], path, label);

      annotator_item_set_rank (item, i + 1, n);
      if (why != NULL)
        annotator_item_set_why_text (item, why[i]);
      g_signal_connect_object (item, "notify::label", G_CALLBACK (item_label_changed_cb), self, 0);
      g_ptr_array_add (items, item);
      if (label < 0 && first_unlabeled < 0)
        first_unlabeled = (int) i;
    }
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);

  if (items->len == 0)
    show_empty_batch (self);
  else
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "grid");
      select_index (self, MAX (first_unlabeled, 0));
    }
  labels_changed (self);
}

void
annotator_window_update_status (AnnotatorWindow *self)
{
  g_autofree char *text = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint done = 0;
  guint n_classes;

  if (self->folder == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->status), _("No folder open"));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AnnotatorItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (annotator_item_get_label (item) >= 0)
        done++;
    }
  n_classes = annotator_folder_get_n_classes (self->folder);
  text = g_strdup_printf (_("Round %u · this batch: %u of %u labeled · in total: %u of %zu images labeled, "
                            "%u classes · keys: %s set the class, Space shows it large, Ctrl+Z undoes, "
                            "Ctrl+? lists all"),
                          self->viewed_round, done, n,
                          annotator_folder_get_n_labeled (self->folder),
                          annotator_folder_get_n_images (self->folder),
                          annotator_folder_get_n_labeled_classes (self->folder),
                          n_classes > 10 ? _("0–9 and a–z") : _("0–9"));
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

/* ---------------------------------------------------------------------------
 * Labeling, undo and redo
 * ------------------------------------------------------------------------- */

static void
set_class_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  int label = g_variant_get_int32 (parameter);
  int index = 0;
  AnnotatorItem *item = annotator_window_selected_item (self, &index);

  if (item == NULL || self->folder == NULL)
    return;
  if (label >= (int) annotator_folder_get_n_classes (self->folder))
    {
      g_autofree char *text = g_strdup_printf (_("There is no class %d here: this folder has classes 0 to %u"),
                                               label, annotator_folder_get_n_classes (self->folder) - 1);

      annotator_window_show_message (self, TRUE, text);
      return;
    }
  annotator_item_set_label (item, label);
  if (label >= 0)
    select_index (self, index + 1);
}

/* Labels @name, on screen or not; @record: as a new edit (for undo). */
static void
set_label_of (AnnotatorWindow *self,
              const char      *name,
              int              label,
              gboolean         record)
{
  int index = -1;
  AnnotatorItem *item = find_item (self, name, &index);
  g_autoptr(GError) error = NULL;
  int before;

  if (item != NULL)
    {
      self->replaying = !record;
      annotator_item_set_label (item, label);
      self->replaying = FALSE;
      if (!record)
        select_index (self, index);
      return;
    }
  /* Not on screen: users may label outside suggestions, and undo reaches
   * labels of earlier batches. */
  before = annotator_folder_get_label (self->folder, name);
  if (!annotator_folder_set_label (self->folder, name, label, &error))
    annotator_window_show_error (self, _("Labeling failed"), error);
  else if (record)
    annotator_history_push (self->history, name, before, label);
  labels_changed (self);
}

static void
label_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  const char *name;
  int label;

  if (self->folder == NULL)
    return;
  g_variant_get (parameter, "(&si)", &name, &label);
  set_label_of (self, name, label, TRUE);
}

static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autofree char *name = NULL;
  int label;

  if (self->folder != NULL && annotator_history_undo (self->history, &name, &label))
    set_label_of (self, name, label, FALSE);
  annotator_window_update_actions (self);
}

static void
redo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  g_autofree char *name = NULL;
  int label;

  if (self->folder != NULL && annotator_history_redo (self->history, &name, &label))
    set_label_of (self, name, label, FALSE);
  annotator_window_update_actions (self);
}

static void
select_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  select_index (user_data, g_variant_get_int32 (parameter));
}

/* ---------------------------------------------------------------------------
 * Rounds, the large view, shortcuts
 * ------------------------------------------------------------------------- */

static void
view_round_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  guint number = g_variant_get_uint32 (parameter);

  if (self->folder == NULL)
    return;
  if (number != 0 && annotator_rounds_find (annotator_folder_get_rounds (self->folder), number) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("There is no round %u to show: this folder is in round %u"),
                                               number, annotator_folder_get_round (self->folder));

      annotator_window_show_message (self, TRUE, text);
      return;
    }
  annotator_window_show_round (self, number);
}

/* For the test script: what choosing round @number in the sidebar does. */
gboolean
annotator_window_pick_round (AnnotatorWindow *self,
                             guint            number)
{
  return annotator_sidebar_pick_round (ANNOTATOR_SIDEBAR (self->sidebar), number);
}

/* Space, a double click or Enter on a tile: the selected image large; again:
 * back to the grid. */
static void
preview_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  AnnotatorWindow *self = user_data;
  int index = 0;
  AnnotatorItem *item = annotator_window_selected_item (self, &index);

  if (annotator_window_previewing (self))
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "grid");
      select_index (self, index);
      return;
    }
  if (item == NULL)
    return;
  preview_item (self, item);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "preview");
}

static void
zoom_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AnnotatorWindow *self = user_data;

  annotator_preview_zoom (ANNOTATOR_PREVIEW (self->preview), g_variant_get_int32 (parameter));
}

static void
tile_activated_cb (GtkFlowBox      *flowbox,
                   GtkFlowBoxChild *child,
                   gpointer         user_data)
{
  AnnotatorWindow *self = user_data;

  gtk_flow_box_select_child (flowbox, child);
  if (!annotator_window_previewing (self))
    g_action_group_activate_action (G_ACTION_GROUP (self), "preview", NULL);
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  gtk_window_present (annotator_shortcuts_window_new (GTK_WINDOW (user_data)));
}

/* ---------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------- */

/* Images per row, as laid out now. */
int
annotator_window_per_row (AnnotatorWindow *self)
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

/* Space, and in the large view Escape and the zoom keys, in the capture
 * phase: a focused tile or button would take Space for itself. */
static gboolean
view_key (AnnotatorWindow *self,
          guint            keyval)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus != NULL && GTK_IS_EDITABLE (focus))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_space:
      if (g_list_model_get_n_items (G_LIST_MODEL (self->items)) == 0 ||
          (!annotator_window_previewing (self) && g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "grid") != 0))
        return FALSE;
      g_action_group_activate_action (G_ACTION_GROUP (self), "preview", NULL);
      return TRUE;
    case GDK_KEY_Escape:
      if (!annotator_window_previewing (self) || self->busy)
        return FALSE;
      g_action_group_activate_action (G_ACTION_GROUP (self), "preview", NULL);
      return TRUE;
    case GDK_KEY_plus: case GDK_KEY_KP_Add: case GDK_KEY_equal:
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      if (!annotator_window_previewing (self))
        return FALSE;
      annotator_preview_zoom (ANNOTATOR_PREVIEW (self->preview),
                              keyval == GDK_KEY_minus || keyval == GDK_KEY_KP_Subtract ? -1 : 1);
      return TRUE;
    default:
      return FALSE;
    }
}

/* The arrows, in the capture phase while a tile has the focus or the large
 * view is on: GtkFlowBox's own cursor does not follow the selection the
 * app sets, so the app moves selection and focus together. */
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

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0 || self->folder == NULL)
    return FALSE;
  if (view_key (self, keyval))
    return TRUE;
  if ((state & GDK_SHIFT_MASK) != 0 || annotator_window_selected_item (self, &index) == NULL ||
      (!annotator_window_previewing (self) && (focus == NULL || !gtk_widget_is_ancestor (focus, self->flowbox))))
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
      target = index - annotator_window_per_row (self);
      break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:
      target = index + annotator_window_per_row (self);
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

/* 0–9 then a–z set a class, Delete and BackSpace clear it. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  AnnotatorWindow *self = user_data;
  int label;

  if (self->folder == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_Delete || keyval == GDK_KEY_BackSpace)
    label = -1;
  else if ((label = annotator_class_from_keyval (keyval)) < 0)
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self), "set-class", g_variant_new_int32 (label));
  return TRUE;
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

/* The arrows move the focus between tiles (GtkWidget's directional focus
 * moves, not GtkFlowBox's cursor): the selection follows, so the keys
 * label the image the user sees highlighted. */
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
  g_clear_pointer (&self->history, annotator_history_free);
  g_free (self->progress_text);
  g_free (self->message);
  g_free (self->last_request);
  g_strfreev (self->unreadable);

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
  { "open-folder", annotator_window_open_folder_activated, "s", NULL, NULL, { 0 } },
  { "open-demo", annotator_window_open_demo_activated, NULL, NULL, NULL, { 0 } },
  { "suggest", annotator_window_suggest_activated, NULL, NULL, NULL, { 0 } },
  { "cancel", annotator_window_cancel_activated, NULL, NULL, NULL, { 0 } },
  { "set-class", set_class_activated, "i", NULL, NULL, { 0 } },
  { "label", label_activated, "(si)", NULL, NULL, { 0 } },
  { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
  { "redo", redo_activated, NULL, NULL, NULL, { 0 } },
  { "select", select_activated, "i", NULL, NULL, { 0 } },
  { "view-round", view_round_activated, "u", NULL, NULL, { 0 } },
  { "preview", preview_activated, NULL, NULL, NULL, { 0 } },
  { "zoom", zoom_activated, "i", NULL, NULL, { 0 } },
  { "shortcuts", shortcuts_activated, NULL, NULL, NULL, { 0 } },
  { "export-csv", annotator_window_export_csv_activated, "s", NULL, NULL, { 0 } },
  { "export-label-studio", annotator_window_export_csv_activated, "s", NULL, NULL, { 0 } },
  { "export-cvat", annotator_window_export_csv_activated, "s", NULL, NULL, { 0 } },
  { "batch-size", annotator_window_batch_size_activated, "i", NULL, NULL, { 0 } },
  { "suggester", annotator_window_suggester_activated, "s", NULL, NULL, { 0 } },
  { "plugins", annotator_window_plugins_activated, NULL, NULL, NULL, { 0 } },
};

static void
annotator_window_init (AnnotatorWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkEventController *arrows = gtk_event_controller_key_new ();

  self->items = g_list_store_new (ANNOTATOR_TYPE_ITEM);
  self->class_names = gtk_string_list_new (NULL);
  self->suggester_infos = g_ptr_array_new ();
  self->history = annotator_history_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  annotator_window_build_ui (self);
  gtk_flow_box_bind_model (GTK_FLOW_BOX (self->flowbox), G_LIST_MODEL (self->items), create_tile, self, NULL);
  g_signal_connect (self->flowbox, "child-activated", G_CALLBACK (tile_activated_cb), self);

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

  annotator_window_load_css ();
  self->plugins = g_object_ref (plugins);
  g_signal_connect (annotator_plugins_get_engine (plugins), "notify::loaded-plugins",
                    G_CALLBACK (annotator_window_loaded_plugins_changed_cb), self);
  annotator_window_rebuild_suggesters (self);
  annotator_window_update_actions (self);
  return self;
}
