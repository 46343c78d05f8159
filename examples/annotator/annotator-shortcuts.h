/* annotator-shortcuts.h: the keyboard shortcuts window (Ctrl+?)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkWindow *annotator_shortcuts_window_new (GtkWindow *parent);

G_END_DECLS
