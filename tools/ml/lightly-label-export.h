/* lightly-label-export.h: Label Studio and CVAT files, shared by
 * `lightly-al export` and the annotation app
 *
 * Private helper (tools/ml, not installed). `lightly-al export` writes
 * Label Studio tasks with the model's pre-annotations ("predictions"); the
 * app writes the user's labels ("annotations") in the same shape, and a
 * CVAT for images 1.1 file of <tag>s. Both are what `lightly-al
 * import-labels` reads back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Label Studio's default for files served from its local storage. */
#define LIGHTLY_LABEL_STUDIO_URL_PREFIX "/data/local-files/?d="

char  *lightly_label_studio_image_url  (const char  *prefix,
                                        const char  *file);

void   lightly_label_studio_add_choice (JsonBuilder *builder,
                                        const char  *member,
                                        const char  *from_name,
                                        const char  *to_name,
                                        const char  *choice,
                                        const char  *model_version,
                                        double       score);

char  *lightly_cvat_tags_xml           (const char * const *classes,
                                        const char * const *files,
                                        const char * const *labels,
                                        const int          *widths,
                                        const int          *heights);

G_END_DECLS
