/* lightly-embedding.h: LightlyEmbedding, one embedding of a dataset (protocol DatasetEmbeddingData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_EMBEDDING (lightly_embedding_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyEmbedding, lightly_embedding, LIGHTLY, EMBEDDING, GObject)

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_embedding_get_id           (LightlyEmbedding *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_embedding_get_name         (LightlyEmbedding *self);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_embedding_get_is_processed (LightlyEmbedding *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64      lightly_embedding_get_created_at   (LightlyEmbedding *self);

G_END_DECLS
