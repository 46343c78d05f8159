/* annotator-embed.h: embeddings for a folder of images that has none
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Called on the main context of the caller, at most once per main-loop
 * iteration, as images are decoded. */
typedef void (*AnnotatorEmbedProgress) (gsize    done,
                                        gsize    total,
                                        gpointer user_data);

void     annotator_embed_folder_async  (const char             *folder,
                                        const char             *csv_path,
                                        GCancellable           *cancellable,
                                        AnnotatorEmbedProgress  progress,
                                        gpointer                progress_data,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data);
gboolean annotator_embed_folder_finish (GAsyncResult           *result,
                                        guint                  *n_images,
                                        GStrv                  *unreadable,
                                        GError                **error);

G_END_DECLS
