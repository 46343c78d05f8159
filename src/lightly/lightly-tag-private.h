/* lightly-tag-private.h: internal constructor and lookup of LightlyTag
 *
 * The library builds these from wire JSON or store rows; users only ever get
 * them back from the client and the agent, so none of this is exported or
 * introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-tag.h"

G_BEGIN_DECLS

/* Takes @bit_mask_data, a GRefString (transfer full: n_samples / 4 bytes
 * of hex a tag, which the embedded store shares between every listing of
 * the tag, and which a listing would otherwise copy once more for every
 * tag), and copies the rest; NULL is allowed for each string the matching
 * property documents as nullable. */
LightlyTag *lightly_tag_new_internal (const char *id,
                                      const char *dataset_id,
                                      const char *name,
                                      char       *bit_mask_data,
                                      guint       tot_size,
                                      const char *prev_tag_id,
                                      const char *query_tag_id,
                                      const char *preselected_tag_id,
                                      const char *creator,
                                      gint64      created_at);

/* The tag named @name in a list of tags (element-type LightlyTag), or NULL. */
LightlyTag *lightly_tag_list_find (GPtrArray  *tags,
                                   const char *name);

G_END_DECLS
