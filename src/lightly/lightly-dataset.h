/* lightly-dataset.h: LightlyDataset, one dataset in a store (protocol DatasetData)
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

#define LIGHTLY_TYPE_DATASET (lightly_dataset_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyDataset, lightly_dataset, LIGHTLY, DATASET, GObject)

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_dataset_get_id               (LightlyDataset *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_dataset_get_name             (LightlyDataset *self);
LIGHTLY_AVAILABLE_IN_ALL
guint       lightly_dataset_get_n_samples        (LightlyDataset *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64      lightly_dataset_get_created_at       (LightlyDataset *self);
LIGHTLY_AVAILABLE_IN_ALL
gint64      lightly_dataset_get_last_modified_at (LightlyDataset *self);

G_END_DECLS
