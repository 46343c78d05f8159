/* annotator-preview.h: one image large, with zoom
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "annotator-item.h"

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_PREVIEW (annotator_preview_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorPreview, annotator_preview, ANNOTATOR, PREVIEW, GtkBox)

GtkWidget  *annotator_preview_new       (void);
void        annotator_preview_show_item (AnnotatorPreview *self,
                                         AnnotatorItem    *item,
                                         const char       *class_title);
void        annotator_preview_zoom      (AnnotatorPreview *self,
                                         int               step);
double      annotator_preview_get_scale (AnnotatorPreview *self);
const char *annotator_preview_get_name  (AnnotatorPreview *self);

G_END_DECLS
