/* annotator-shortcuts.c: the keyboard shortcuts window (Ctrl+?)
 *
 * GtkShortcutsWindow is meant to be built from GtkBuilder XML; the XML is
 * here rather than in a resource, the app having no other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "annotator-shortcuts.h"

#define SHORTCUT(accel, title) \
  "<child><object class='GtkShortcutsShortcut'>" \
  "<property name='accelerator'>" accel "</property>" \
  "<property name='title' translatable='yes'>" title "</property>" \
  "</object></child>"

static const char ui[] =
  "<interface>"
  "<object class='GtkShortcutsWindow' id='window'>"
  "<property name='modal'>1</property>"
  "<child><object class='GtkShortcutsSection'>"
  "<property name='section-name'>labeling</property>"
  "<child><object class='GtkShortcutsGroup'>"
  "<property name='title' translatable='yes'>Labeling</property>"
  SHORTCUT ("0...9", "Set one of the first ten classes and go to the next image")
  SHORTCUT ("a...z", "Set one of the next 26 classes and go to the next image")
  SHORTCUT ("Delete", "Clear the label")
  SHORTCUT ("&lt;Control&gt;z", "Undo the last label")
  SHORTCUT ("&lt;Control&gt;&lt;Shift&gt;z", "Redo")
  "</object></child>"
  "<child><object class='GtkShortcutsGroup'>"
  "<property name='title' translatable='yes'>Moving and viewing</property>"
  SHORTCUT ("Left Right Up Down", "Move between images")
  SHORTCUT ("Home End", "First and last image")
  SHORTCUT ("space", "Show the image large, or go back to the batch")
  SHORTCUT ("plus minus", "Zoom in and out in the large view")
  SHORTCUT ("Escape", "Back to the batch from the large view")
  "</object></child>"
  "<child><object class='GtkShortcutsGroup'>"
  "<property name='title' translatable='yes'>Rounds</property>"
  SHORTCUT ("&lt;Control&gt;Return", "Suggest the next batch")
  SHORTCUT ("Escape", "Cancel the suggestion")
  SHORTCUT ("&lt;Control&gt;o", "Open a folder")
  SHORTCUT ("&lt;Control&gt;question", "Keyboard shortcuts")
  SHORTCUT ("&lt;Control&gt;q", "Quit")
  "</object></child>"
  "</object></child>"
  "</object>"
  "</interface>";

GtkWindow *
annotator_shortcuts_window_new (GtkWindow *parent)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  /* The XML is ours and fixed: failing to parse it is a bug. */
  if (!gtk_builder_add_from_string (builder, ui, -1, &error))
    g_error ("The shortcuts window's XML: %s", error->message);
  /* GTK keeps toplevels alive until they are destroyed. */
  window = GTK_WINDOW (gtk_builder_get_object (builder, "window"));
  gtk_window_set_transient_for (window, parent);
  return window;
}
