/* annotator-window-ui.c: building the window's widgets
 *
 *   header bar  [Open…]  title   [Batch n] [suggester] [Suggest next batch] [menu]
 *   message bar (errors in red, news in blue), progress with Cancel
 *   sidebar (legend, rounds) | stack: "empty" page, "grid" of tiles, "preview"
 *   status line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "annotator-preview.h"
#include "annotator-sidebar.h"
#include "annotator-window-private.h"

static const char css[] =
  ".annotator-cell { padding: 6px; border-radius: 8px; border: 2px solid transparent; }\n"
  ".annotator-cell.labeled { border-color: #2ec27e; background-color: rgba(46, 194, 126, 0.10); }\n"
  ".annotator-cell picture { background-color: #000000; border-radius: 4px; }\n"
  ".annotator-cell picture.broken { background-color: transparent; }\n"
  ".annotator-badge { background-color: rgba(28, 113, 216, 0.90); color: #ffffff; border-radius: 6px; "
  "padding: 0 5px; font-size: 8pt; font-weight: bold; }\n"
  ".annotator-bar { padding: 8px 12px; }\n"
  ".annotator-bar.error { background-color: #c01c28; color: #ffffff; }\n"
  ".annotator-bar.info { background-color: #1c71d8; color: #ffffff; }\n"
  ".annotator-bar.error button, .annotator-bar.info button { color: #ffffff; }\n"
  ".annotator-progress { padding: 8px 12px; background-color: rgba(0, 0, 0, 0.06); }\n"
  ".annotator-preview { background-color: #1e1e1e; }\n"
  ".annotator-sidebar { padding: 12px; background-color: rgba(0, 0, 0, 0.03); }\n"
  ".annotator-key { font-family: monospace; font-weight: bold; border: 1px solid alpha(currentColor, 0.4); "
  "border-radius: 4px; padding: 0 6px; min-width: 1em; }\n"
  ".annotator-status { padding: 4px 12px; }\n"
  ".annotator-empty-title { font-size: 20pt; font-weight: bold; }\n";

void
annotator_window_load_css (void)
{
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
}

static void
hide_message_cb (GtkButton *button,
                 gpointer   user_data)
{
  annotator_window_show_message (user_data, FALSE, NULL);
}

static GtkWidget *
build_header (AnnotatorWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open…"));
  GtkWidget *menu_button = gtk_menu_button_new ();
  GtkWidget *size_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  self->title = gtk_label_new (_("Lightly Annotator"));
  self->subtitle = gtk_label_new (_("Label the images worth labeling first"));
  gtk_widget_add_css_class (self->title, "title");
  gtk_widget_add_css_class (self->subtitle, "subtitle");
  gtk_label_set_ellipsize (GTK_LABEL (self->subtitle), PANGO_ELLIPSIZE_START);
  gtk_box_append (GTK_BOX (titles), self->title);
  gtk_box_append (GTK_BOX (titles), self->subtitle);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), titles);

  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (open), "win.open-folder::");
  gtk_widget_set_tooltip_text (open, _("Open a folder of images with an embeddings.csv"));
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), open);

  g_menu_append (section, _("Open a _Folder of Images…"), "win.open-folder::");
  g_menu_append (section, _("Open the Fashion-MNIST _Demo"), "win.open-demo");
  g_menu_append (section, _("_Export the Labels as CSV…"), "win.export-csv::");
  g_menu_append (section, _("Export the Labels for Label _Studio…"), "win.export-label-studio::");
  g_menu_append (section, _("Export the Labels for _CVAT…"), "win.export-cvat::");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("_Suggesters…"), "win.plugins");
  g_menu_append (section, _("_Keyboard Shortcuts"), "win.shortcuts");
  g_menu_append (section, _("_About Lightly Annotator"), "app.about");
  g_menu_append (section, _("_Quit"), "app.quit");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (menu_button, _("Main menu"));
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), menu_button);

  self->suggest_button = gtk_button_new_with_mnemonic (_("_Suggest next batch"));
  gtk_widget_add_css_class (self->suggest_button, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->suggest_button), "win.suggest");
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->suggest_button);

  self->suggester_names = gtk_string_list_new (NULL);
  self->suggester_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->suggester_names)), NULL);
  gtk_widget_set_tooltip_text (self->suggester_dropdown, _("The suggester (plugin) that picks the next batch"));
  g_signal_connect (self->suggester_dropdown, "notify::selected", G_CALLBACK (annotator_window_suggester_selected_cb), self);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->suggester_dropdown);

  self->batch_spin = gtk_spin_button_new_with_range (1, 1000, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->batch_spin), ANNOTATOR_DEFAULT_BATCH_SIZE);
  gtk_widget_set_tooltip_text (self->batch_spin, _("Images per batch"));
  g_signal_connect (self->batch_spin, "value-changed", G_CALLBACK (annotator_window_batch_size_changed_cb), self);
  gtk_box_append (GTK_BOX (size_box), gtk_label_new (_("Batch")));
  gtk_box_append (GTK_BOX (size_box), self->batch_spin);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), size_box);
  return header;
}

static GtkWidget *
build_empty_page (AnnotatorWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *open = gtk_button_new_with_mnemonic (_("Open a _Folder of Images…"));
  GtkWidget *demo = gtk_button_new_with_mnemonic (_("Open the _Demo"));

  self->empty_icon = gtk_image_new_from_icon_name ("folder-pictures-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (self->empty_icon), 96);
  gtk_widget_add_css_class (self->empty_icon, "dim-label");
  self->empty_title = gtk_label_new (_("Open a folder to label"));
  gtk_widget_add_css_class (self->empty_title, "annotator-empty-title");
  self->empty_text = gtk_label_new (_("A folder of images with Lightly’s embeddings.csv, or the Fashion-MNIST demo "
                                      "that “lightly-al demo” creates."));
  gtk_label_set_wrap (GTK_LABEL (self->empty_text), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->empty_text), 60);
  gtk_label_set_justify (GTK_LABEL (self->empty_text), GTK_JUSTIFY_CENTER);
  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (open), "win.open-folder::");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (demo), "win.open-demo");
  self->empty_suggest = gtk_button_new_with_mnemonic (_("_Suggest next batch"));
  gtk_widget_add_css_class (self->empty_suggest, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->empty_suggest), "win.suggest");
  gtk_widget_set_visible (self->empty_suggest, FALSE);
  gtk_box_append (GTK_BOX (buttons), open);
  gtk_box_append (GTK_BOX (buttons), demo);
  gtk_box_append (GTK_BOX (buttons), self->empty_suggest);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (box), self->empty_icon);
  gtk_box_append (GTK_BOX (box), self->empty_title);
  gtk_box_append (GTK_BOX (box), self->empty_text);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  return box;
}


static GtkWidget *
build_message_bar (AnnotatorWindow *self)
{
  GtkWidget *message_close = gtk_button_new_from_icon_name ("window-close-symbolic");

  self->message_bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (self->message_bar, "annotator-bar");
  self->message_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->message_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->message_label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->message_label), TRUE);
  gtk_widget_set_hexpand (self->message_label, TRUE);
  gtk_widget_add_css_class (message_close, "flat");
  gtk_widget_set_tooltip_text (message_close, _("Hide this message"));
  gtk_widget_set_valign (message_close, GTK_ALIGN_CENTER);
  g_signal_connect (message_close, "clicked", G_CALLBACK (hide_message_cb), self);
  gtk_box_append (GTK_BOX (self->message_bar), self->message_label);
  gtk_box_append (GTK_BOX (self->message_bar), message_close);
  self->message_revealer = gtk_revealer_new ();
  gtk_revealer_set_child (GTK_REVEALER (self->message_revealer), self->message_bar);
  return self->message_revealer;
}

/* Progress of an open or a suggestion, with Cancel. */
static GtkWidget *
build_progress (AnnotatorWindow *self)
{
  GtkWidget *progress_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *progress_text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

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
  return self->progress_revealer;
}

static GtkWidget *
build_grid (AnnotatorWindow *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->flowbox = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->flowbox), GTK_SELECTION_SINGLE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->flowbox), TRUE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->flowbox), 12);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->flowbox), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->flowbox), 6);
  /* A double click (or Enter) opens the large view. */
  gtk_flow_box_set_activate_on_single_click (GTK_FLOW_BOX (self->flowbox), FALSE);
  gtk_widget_set_valign (self->flowbox, GTK_ALIGN_START);
  gtk_widget_set_margin_start (self->flowbox, 12);
  gtk_widget_set_margin_end (self->flowbox, 12);
  gtk_widget_set_margin_top (self->flowbox, 12);
  gtk_widget_set_margin_bottom (self->flowbox, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->flowbox);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  return scrolled;
}

void
annotator_window_build_ui (AnnotatorWindow *self)
{
  GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *body = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_window_set_title (GTK_WINDOW (self), _("Lightly Annotator"));
  gtk_window_set_icon_name (GTK_WINDOW (self), "org.lightly.Annotator");
  gtk_window_set_default_size (GTK_WINDOW (self), 1180, 760);
  gtk_window_set_titlebar (GTK_WINDOW (self), build_header (self));

  self->preview = annotator_preview_new ();
  self->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), build_empty_page (self), "empty");
  gtk_stack_add_named (GTK_STACK (self->stack), build_grid (self), "grid");
  gtk_stack_add_named (GTK_STACK (self->stack), self->preview, "preview");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_widget_set_hexpand (self->stack, TRUE);

  self->sidebar = annotator_sidebar_new ();
  gtk_widget_set_visible (self->sidebar, FALSE);
  gtk_box_append (GTK_BOX (body), self->sidebar);
  gtk_box_append (GTK_BOX (body), self->stack);

  self->status = gtk_label_new (_("No folder open"));
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->status, "annotator-status");
  gtk_widget_add_css_class (self->status, "dim-label");

  gtk_box_append (GTK_BOX (vbox), build_message_bar (self));
  gtk_box_append (GTK_BOX (vbox), build_progress (self));
  gtk_box_append (GTK_BOX (vbox), body);
  gtk_box_append (GTK_BOX (vbox), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (vbox), self->status);
  gtk_window_set_child (GTK_WINDOW (self), vbox);
}
