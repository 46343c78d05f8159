/* annotator-application.h: the GtkApplication
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ANNOTATOR_APP_ID "org.lightly.Annotator"

#define ANNOTATOR_TYPE_APPLICATION (annotator_application_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorApplication, annotator_application, ANNOTATOR, APPLICATION, GtkApplication)

AnnotatorApplication *annotator_application_new             (void);
void                  annotator_application_fail            (AnnotatorApplication *self,
                                                             const char           *message);
int                   annotator_application_get_exit_status (AnnotatorApplication *self);

G_END_DECLS
