/* annotator-window.h: the labeling window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "annotator-plugins.h"

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_WINDOW (annotator_window_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorWindow, annotator_window, ANNOTATOR, WINDOW, GtkApplicationWindow)

AnnotatorWindow *annotator_window_new            (GtkApplication   *app,
                                                  AnnotatorPlugins *plugins);
void             annotator_window_open           (AnnotatorWindow  *self,
                                                  const char       *path);
gboolean         annotator_window_get_busy       (AnnotatorWindow  *self);
double           annotator_window_get_progress   (AnnotatorWindow  *self);
const char      *annotator_window_get_message    (AnnotatorWindow  *self,
                                                  gboolean         *is_error);
void             annotator_window_show_message   (AnnotatorWindow  *self,
                                                  gboolean          is_error,
                                                  const char       *message);
char            *annotator_window_dup_report     (AnnotatorWindow  *self);
gboolean         annotator_window_pick_round     (AnnotatorWindow  *self,
                                                  guint             number);

G_END_DECLS
