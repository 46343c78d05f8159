/* lightly-embedder-result.h: what a LightlyEmbedder returns for a folder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_EMBEDDER_RESULT (lightly_embedder_result_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyEmbedderResult, lightly_embedder_result, LIGHTLY, EMBEDDER_RESULT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlyEmbedderResult *lightly_embedder_result_new            (const char * const     *file_names,
                                                               GBytes                 *embeddings,
                                                               guint                   dim,
                                                               const char * const     *failed,
                                                               GError                **error);
LIGHTLY_AVAILABLE_IN_ALL
const char * const    *lightly_embedder_result_get_file_names (LightlyEmbedderResult  *self);
LIGHTLY_AVAILABLE_IN_ALL
GBytes                *lightly_embedder_result_get_embeddings (LightlyEmbedderResult  *self);
LIGHTLY_AVAILABLE_IN_ALL
const float           *lightly_embedder_result_peek_row       (LightlyEmbedderResult  *self,
                                                               guint                   row);
LIGHTLY_AVAILABLE_IN_ALL
guint                  lightly_embedder_result_get_n_rows     (LightlyEmbedderResult  *self);
LIGHTLY_AVAILABLE_IN_ALL
guint                  lightly_embedder_result_get_dim        (LightlyEmbedderResult  *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const    *lightly_embedder_result_get_failed     (LightlyEmbedderResult  *self);

G_END_DECLS
