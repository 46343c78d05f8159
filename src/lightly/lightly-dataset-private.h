/* lightly-dataset-private.h: internal constructor of LightlyDataset
 *
 * The library builds these from wire JSON or store rows; users only ever get
 * them back from the client and the agent, so none of this is exported or
 * introspected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-dataset.h"

G_BEGIN_DECLS

/* Copies its arguments. */
LightlyDataset *lightly_dataset_new_internal (const char *id,
                                              const char *name,
                                              guint       n_samples,
                                              gint64      created_at,
                                              gint64      last_modified_at);

G_END_DECLS
