/* lightly-api-workflow-client-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-api-workflow-client.h"
#include "backend/lightly-backend-factory.h"

G_BEGIN_DECLS

/* Like lightly_api_workflow_client_sampling_async(), but @progress is called
 * from a worker thread on every job status change; the agent coalesces them
 * into its owner context. */
void lightly_api_workflow_client_sampling_full_async (LightlyApiWorkflowClient *self,
                                                      LightlySamplerConfig     *config,
                                                      const char               *preselected_tag_id,
                                                      const char               *query_tag_id,
                                                      LightlyBackendProgress    progress,
                                                      gpointer                  progress_data,
                                                      GDestroyNotify            progress_destroy,
                                                      GCancellable             *cancellable,
                                                      GAsyncReadyCallback       callback,
                                                      gpointer                  user_data);

G_END_DECLS
