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

/* Copies its arguments; NULL is allowed for each string the matching
 * property documents as nullable. */
LightlyTag *lightly_tag_new_internal (const char *id,
                                      const char *dataset_id,
                                      const char *name,
                                      const char *bit_mask_data,
                                      guint       tot_size,
                                      const char *prev_tag_id,
                                      const char *query_tag_id,
                                      const char *preselected_tag_id,
                                      const char *creator,
                                      gint64      created_at);
/* The same, but takes @bit_mask_data (transfer full): the local backend
 * hands over the store's copy (n_samples / 4 bytes of hex a tag) rather
 * than copying it once more for every tag it lists. */
LightlyTag *lightly_tag_new_internal_take_mask (const char *id,
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
