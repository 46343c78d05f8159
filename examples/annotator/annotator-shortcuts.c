/* annotator-shortcuts.c: the keyboard shortcuts window (Ctrl+?)
 *
 * GtkShortcutsWindow is meant to be built from GtkBuilder XML: it is
 * annotator-shortcuts.ui, compiled into the app as a resource, where
 * xgettext finds its translatable titles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "annotator-shortcuts.h"

GtkWindow *
annotator_shortcuts_window_new (GtkWindow *parent)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  /* The resource is built into the app: failing to load it is a bug. */
  if (!gtk_builder_add_from_resource (builder, "/org/lightly/Annotator/annotator-shortcuts.ui", &error))
    g_error ("The shortcuts window's XML: %s", error->message);
  /* GTK keeps toplevels alive until they are destroyed. */
  window = GTK_WINDOW (gtk_builder_get_object (builder, "window"));
  gtk_window_set_transient_for (window, parent);
  return window;
}
