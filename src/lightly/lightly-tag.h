/* lightly-tag.h: LightlyTag, one tag of a dataset (protocol TagData)
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

#define LIGHTLY_TYPE_TAG (lightly_tag_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyTag, lightly_tag, LIGHTLY, TAG, GObject)

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_id                 (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_dataset_id         (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_name               (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_bit_mask_data      (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
guint       lightly_tag_get_tot_size           (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_prev_tag_id        (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_query_tag_id       (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_preselected_tag_id (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_tag_get_creator            (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64      lightly_tag_get_created_at         (LightlyTag *self);
LIGHTLY_AVAILABLE_IN_ALL
guint       lightly_tag_get_count              (LightlyTag *self);

G_END_DECLS
