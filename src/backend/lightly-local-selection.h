/* lightly-local-selection.h: the embedded default's selection jobs (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* Checks @request against the dataset (its tags must exist; NOT_FOUND
 * otherwise, and nothing is written), creates the job in @store and runs it
 * on the job pool. Returns the job id; an idempotent re-send (the same new
 * tag name and parameters) returns the first job's id and starts nothing. */
char           *lightly_local_selection_start  (LightlyStore                   *store,
                                                const char                     *dataset_id,
                                                const char                     *embedding_id,
                                                const LightlySelectionRequest  *request,
                                                GError                        **error);

/* The job as the store has it now. */
LightlyJob     *lightly_local_selection_get_job (LightlyStore  *store,
                                                 const char    *job_id,
                                                 GError       **error);

/* Waits until the job ends, calling @progress on every change. Cancelling
 * @cancellable stops a job this process runs (it ends FAILED; a job that
 * finished anyway is returned as finished) and only stops following one of
 * another process. */
LightlyJob     *lightly_local_selection_follow (LightlyStore            *store,
                                                const char              *job_id,
                                                LightlyBackendProgress   progress,
                                                gpointer                 progress_data,
                                                GCancellable            *cancellable,
                                                GError                 **error);

/* Runs the selection engine for a public method: the one place where the
 * engine's vocabulary (lightly-selection-types.h) meets the public one.
 * @method replaces params->method (AUTO and unknown values fail with
 * LIGHTLY_ERROR_INVALID_INPUT); the engine's errors come back as
 * LIGHTLY_ERROR_INVALID_INPUT, LIGHTLY_ERROR_SCORES_REQUIRED or
 * G_IO_ERROR_CANCELLED, with the engine's message. The CLI's simulate and
 * the tests call the engine through it too. */
GArray         *lightly_local_selection_run    (LightlySamplingMethod          method,
                                                const LightlySelectionParams  *params,
                                                GError                       **error);

/* Tests only: how many jobs are watched in this process (running or
 * followed). */
guint           lightly_local_selection_count_watches (void);

G_END_DECLS
