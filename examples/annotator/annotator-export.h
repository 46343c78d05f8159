/* annotator-export.h: the folder's labels for other tools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "annotator-folder.h"

G_BEGIN_DECLS

typedef enum {
  ANNOTATOR_EXPORT_CSV,
  ANNOTATOR_EXPORT_LABEL_STUDIO,
  ANNOTATOR_EXPORT_CVAT,
} AnnotatorExportFormat;

const char *annotator_export_default_name (AnnotatorExportFormat   format);
gboolean    annotator_export_labels       (AnnotatorFolder        *folder,
                                           AnnotatorExportFormat   format,
                                           const char             *path,
                                           GError                **error);

G_END_DECLS
