/* annotator-tile.h: one image of the batch in the grid, and the class keys
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include <lightly/lightly.h>

#include "annotator-item.h"

G_BEGIN_DECLS

/* Classes 0–9 have the digit keys, the next 26 the letters a–z; more
 * classes are set with the picker of each tile. */
#define ANNOTATOR_N_KEYED_CLASSES 36

char       annotator_class_key            (guint          index);
int        annotator_class_from_keyval    (guint          keyval);
char      *annotator_class_dup_title      (guint          index,
                                           const char    *name);

GtkWidget *annotator_tile_new             (AnnotatorItem *item,
                                           GListModel    *class_titles);
char      *annotator_item_dup_badge       (AnnotatorItem *item);
char      *annotator_item_dup_why         (AnnotatorItem *item);

char      *annotator_pick_dup_why_text    (const LightlyPick *pick);
void       annotator_item_set_why_text    (AnnotatorItem *item,
                                           const char    *text);

G_END_DECLS
