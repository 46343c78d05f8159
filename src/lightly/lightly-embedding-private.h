/* lightly-embedding-private.h: internal constructor of LightlyEmbedding
 *
 * The library builds these from wire JSON or store rows; users only ever get
 * them back from the client and the agent, so none of this is exported or
 * introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-embedding.h"

G_BEGIN_DECLS

/* Copies its arguments. */
LightlyEmbedding *lightly_embedding_new_internal (const char *id,
                                                  const char *name,
                                                  gboolean    is_processed,
                                                  gint64      created_at);

G_END_DECLS
