/* lightly-local-backend.h: the embedded default (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "selection/lightly-selection.h"
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

/* Runs the selection engine for a public method: the one place where the
 * engine's vocabulary (lightly-selection-types.h) meets the public one.
 * @method replaces params->method (AUTO and unknown values fail with
 * LIGHTLY_ERROR_INVALID_INPUT); the engine's errors come back as
 * LIGHTLY_ERROR_INVALID_INPUT, LIGHTLY_ERROR_SCORES_REQUIRED or
 * G_IO_ERROR_CANCELLED, with the engine's message. The CLI's simulate and
 * the tests call the engine through it too. */
GArray         *lightly_local_backend_select    (LightlySamplingMethod          method,
                                                 const LightlySelectionParams  *params,
                                                 GError                       **error);

/* Tests only: how many jobs are watched in this process (running or
 * followed). */
guint           lightly_local_backend_count_watches (void);

G_END_DECLS
