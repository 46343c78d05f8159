/* annotator-item.h: one image of the batch on screen
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_ITEM (annotator_item_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorItem, annotator_item, ANNOTATOR, ITEM, GObject)

AnnotatorItem *annotator_item_new         (const char    *name,
                                           const char    *path,
                                           int            label);
const char    *annotator_item_get_name    (AnnotatorItem *self);
int            annotator_item_get_label   (AnnotatorItem *self);
void           annotator_item_set_label   (AnnotatorItem *self,
                                           int            label);
const char    *annotator_item_get_path    (AnnotatorItem *self);
void           annotator_item_set_rank    (AnnotatorItem *self,
                                           guint          rank,
                                           guint          batch_length);
guint          annotator_item_get_rank    (AnnotatorItem *self,
                                           guint         *batch_length);
void           annotator_item_set_provenance (AnnotatorItem *self,
                                              const char    *strategy,
                                              double         utility,
                                              const char    *reason);
const char    *annotator_item_get_strategy (AnnotatorItem *self);
double         annotator_item_get_utility (AnnotatorItem *self);
const char    *annotator_item_get_reason  (AnnotatorItem *self);
gboolean       annotator_item_get_broken  (AnnotatorItem *self);
GdkPaintable  *annotator_item_get_thumbnail (AnnotatorItem *self);
void           annotator_item_load_thumbnail (AnnotatorItem *self);

G_END_DECLS
