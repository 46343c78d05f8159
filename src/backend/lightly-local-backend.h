/* lightly-local-backend.h: the embedded default (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_LOCAL_BACKEND (lightly_local_backend_get_type ())
G_DECLARE_FINAL_TYPE (LightlyLocalBackend, lightly_local_backend, LIGHTLY, LOCAL_BACKEND, GObject)

/* dir == NULL: an in-memory store. Backends of one directory in one process
 * share one store, so jobs started by one client are followed by another
 * without polling. */
LightlyBackend *lightly_local_backend_new       (const char    *dir,
                                                 GError       **error);
LightlyBackend *lightly_local_backend_new_for_store (LightlyStore *store);
LightlyStore   *lightly_local_backend_get_store (LightlyLocalBackend *self);

G_END_DECLS
