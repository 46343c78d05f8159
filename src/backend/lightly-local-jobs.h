/* lightly-local-jobs.h: the threads that run the embedded default's jobs (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "store/lightly-store.h"

G_BEGIN_DECLS

typedef void (*LightlyLocalJobFunc) (LightlyStore *store,
                                     gpointer      data);

/* Runs func (store, data) on the local backend's job pool. The store is kept
 * alive until func returns. Thread-safe. */
void lightly_local_jobs_push (LightlyStore        *store,
                              LightlyLocalJobFunc  func,
                              gpointer             data);

G_END_DECLS
