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

/* get_file_names_async() for the agent: the mapping in one allocation
 * rather than one per name (lightly-names-private.h). */
void          lightly_api_workflow_client_get_names_async  (LightlyApiWorkflowClient *self,
                                                            GCancellable             *cancellable,
                                                            GAsyncReadyCallback       callback,
                                                            gpointer                  user_data);
LightlyNames *lightly_api_workflow_client_get_names_finish (LightlyApiWorkflowClient *self,
                                                            GAsyncResult             *result,
                                                            GError                  **error);

/* get_tags_async() for lookups by name: the dataset's tags in creation
 * order, where the tags named in @names (NULL-terminated; names no tag has
 * are skipped) carry their masks and the others may not
 * (lightly_tag_get_bit_mask_data() NULL, as for a tag made with
 * g_object_new()): a store reads those masks only. Such tags stay inside the
 * library and its tools. */
void       lightly_api_workflow_client_find_tags_async  (LightlyApiWorkflowClient *self,
                                                         const char * const       *names,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
GPtrArray *lightly_api_workflow_client_find_tags_finish (LightlyApiWorkflowClient *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);
GPtrArray *lightly_api_workflow_client_find_tags        (LightlyApiWorkflowClient *self,
                                                         const char * const       *names,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);

/* get_tag_picks_async() for a caller that holds the dataset's mapping: a
 * store leaves the names out and gives each pick its row
 * (lightly_pick_get_row(), lightly-pick-private.h), for the caller to name
 * the picks from its mapping; over http the picks come named, with no row.
 * Such picks stay inside the library. */
void       lightly_api_workflow_client_get_tag_pick_rows_async  (LightlyApiWorkflowClient *self,
                                                                 const char               *tag_id,
                                                                 GCancellable             *cancellable,
                                                                 GAsyncReadyCallback       callback,
                                                                 gpointer                  user_data);
GPtrArray *lightly_api_workflow_client_get_tag_pick_rows_finish (LightlyApiWorkflowClient *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error);

G_END_DECLS
