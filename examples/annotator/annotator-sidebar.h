/* annotator-sidebar.h: the class legend and the rounds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "annotator-folder.h"

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_SIDEBAR (annotator_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorSidebar, annotator_sidebar, ANNOTATOR, SIDEBAR, GtkBox)

GtkWidget *annotator_sidebar_new    (void);
void       annotator_sidebar_update (AnnotatorSidebar *self,
                                     AnnotatorFolder  *folder,
                                     guint             viewed_round);
gboolean   annotator_sidebar_pick_round (AnnotatorSidebar *self,
                                         guint             number);
char      *annotator_round_stats_dup_accuracy (const AnnotatorRoundStats *stats);

G_END_DECLS
