/* lightly-api-workflow-client.h: one dataset in one store
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-bit-mask.h"
#include "lightly-dataset.h"
#include "lightly-embedding.h"
#include "lightly-job.h"
#include "lightly-sampler-config.h"
#include "lightly-scores.h"
#include "lightly-tag.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_API_WORKFLOW_CLIENT (lightly_api_workflow_client_get_type ())
LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyApiWorkflowClient, lightly_api_workflow_client, LIGHTLY, API_WORKFLOW_CLIENT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlyApiWorkflowClient *lightly_api_workflow_client_new          (const char  *server_location,
                                                                    const char  *token,
                                                                    const char  *dataset_id,
                                                                    GError     **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyApiWorkflowClient *lightly_api_workflow_client_new_from_env (const char  *dataset_id,
                                                                    GError     **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_dup_default_location (void);

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_api_workflow_client_get_server_location (LightlyApiWorkflowClient *self);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_api_workflow_client_get_dataset_id      (LightlyApiWorkflowClient *self);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_set_dataset_id      (LightlyApiWorkflowClient *self,
                                                             const char               *dataset_id);
LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_api_workflow_client_get_embedding_id    (LightlyApiWorkflowClient *self);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_set_embedding_id    (LightlyApiWorkflowClient *self,
                                                             const char               *embedding_id);

/* Datasets */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_create_dataset_async  (LightlyApiWorkflowClient *self,
                                                               const char               *name,
                                                               GCancellable             *cancellable,
                                                               GAsyncReadyCallback       callback,
                                                               gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_create_dataset_finish (LightlyApiWorkflowClient *self,
                                                               GAsyncResult             *result,
                                                               GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_create_dataset        (LightlyApiWorkflowClient *self,
                                                               const char               *name,
                                                               GCancellable             *cancellable,
                                                               GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_list_datasets_async   (LightlyApiWorkflowClient *self,
                                                               GCancellable             *cancellable,
                                                               GAsyncReadyCallback       callback,
                                                               gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray  *lightly_api_workflow_client_list_datasets_finish  (LightlyApiWorkflowClient *self,
                                                               GAsyncResult             *result,
                                                               GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray  *lightly_api_workflow_client_list_datasets        (LightlyApiWorkflowClient *self,
                                                               GCancellable             *cancellable,
                                                               GError                  **error);

/* Samples */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_register_samples_async  (LightlyApiWorkflowClient *self,
                                                                 GInputStream             *csv,
                                                                 GCancellable             *cancellable,
                                                                 GAsyncReadyCallback       callback,
                                                                 gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_register_samples_finish (LightlyApiWorkflowClient *self,
                                                                 GAsyncResult             *result,
                                                                 GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_register_samples        (LightlyApiWorkflowClient *self,
                                                                 GInputStream             *csv,
                                                                 GCancellable             *cancellable,
                                                                 GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_register_samples_from_path (LightlyApiWorkflowClient *self,
                                                                    const char               *path,
                                                                    GCancellable             *cancellable,
                                                                    GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_register_samples_from_names_async  (LightlyApiWorkflowClient *self,
                                                                            const char * const       *file_names,
                                                                            GCancellable             *cancellable,
                                                                            GAsyncReadyCallback       callback,
                                                                            gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_register_samples_from_names_finish (LightlyApiWorkflowClient *self,
                                                                            GAsyncResult             *result,
                                                                            GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_register_samples_from_names        (LightlyApiWorkflowClient *self,
                                                                            const char * const       *file_names,
                                                                            GCancellable             *cancellable,
                                                                            GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_get_file_names_async  (LightlyApiWorkflowClient *self,
                                                               GCancellable             *cancellable,
                                                               GAsyncReadyCallback       callback,
                                                               gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
char      **lightly_api_workflow_client_get_file_names_finish (LightlyApiWorkflowClient *self,
                                                               GAsyncResult             *result,
                                                               GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char      **lightly_api_workflow_client_get_file_names        (LightlyApiWorkflowClient *self,
                                                               GCancellable             *cancellable,
                                                               GError                  **error);

/* Embeddings */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_upload_embeddings_async  (LightlyApiWorkflowClient *self,
                                                                  GInputStream             *csv,
                                                                  const char               *name,
                                                                  GCancellable             *cancellable,
                                                                  GAsyncReadyCallback       callback,
                                                                  gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings_finish (LightlyApiWorkflowClient *self,
                                                                  GAsyncResult             *result,
                                                                  GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings        (LightlyApiWorkflowClient *self,
                                                                  GInputStream             *csv,
                                                                  const char               *name,
                                                                  GCancellable             *cancellable,
                                                                  GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings_from_path (LightlyApiWorkflowClient *self,
                                                                     const char               *path,
                                                                     const char               *name,
                                                                     GCancellable             *cancellable,
                                                                     GError                  **error);

LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_upload_embeddings_from_bytes_async  (LightlyApiWorkflowClient *self,
                                                                             const char * const       *file_names,
                                                                             GBytes                   *data,
                                                                             gsize                     n_rows,
                                                                             gsize                     dim,
                                                                             const char               *name,
                                                                             GCancellable             *cancellable,
                                                                             GAsyncReadyCallback       callback,
                                                                             gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings_from_bytes_finish (LightlyApiWorkflowClient *self,
                                                                             GAsyncResult             *result,
                                                                             GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings_from_bytes        (LightlyApiWorkflowClient *self,
                                                                             const char * const       *file_names,
                                                                             GBytes                   *data,
                                                                             gsize                     n_rows,
                                                                             gsize                     dim,
                                                                             const char               *name,
                                                                             GCancellable             *cancellable,
                                                                             GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
char       *lightly_api_workflow_client_upload_embeddings_from_data         (LightlyApiWorkflowClient *self,
                                                                             const char * const       *file_names,
                                                                             const guint8             *data,
                                                                             gsize                     size,
                                                                             gsize                     n_rows,
                                                                             gsize                     dim,
                                                                             const char               *name,
                                                                             GCancellable             *cancellable,
                                                                             GError                  **error);

/* Tags */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_get_tags_async  (LightlyApiWorkflowClient *self,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray  *lightly_api_workflow_client_get_tags_finish (LightlyApiWorkflowClient *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray  *lightly_api_workflow_client_get_tags        (LightlyApiWorkflowClient *self,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag *lightly_api_workflow_client_get_tag_by_name (LightlyApiWorkflowClient *self,
                                                         const char               *name,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_create_tag_async  (LightlyApiWorkflowClient *self,
                                                           const char               *name,
                                                           const LightlyBitMask     *bit_mask,
                                                           const char               *prev_tag_id,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag *lightly_api_workflow_client_create_tag_finish (LightlyApiWorkflowClient *self,
                                                           GAsyncResult             *result,
                                                           GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag *lightly_api_workflow_client_create_tag        (LightlyApiWorkflowClient *self,
                                                           const char               *name,
                                                           const LightlyBitMask     *bit_mask,
                                                           const char               *prev_tag_id,
                                                           GCancellable             *cancellable,
                                                           GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_delete_tag_async  (LightlyApiWorkflowClient *self,
                                                           const char               *tag_id,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_delete_tag_finish (LightlyApiWorkflowClient *self,
                                                           GAsyncResult             *result,
                                                           GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_delete_tag        (LightlyApiWorkflowClient *self,
                                                           const char               *tag_id,
                                                           GCancellable             *cancellable,
                                                           GError                  **error);

LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_get_tag_picks_async  (LightlyApiWorkflowClient *self,
                                                              const char               *tag_id,
                                                              GCancellable             *cancellable,
                                                              GAsyncReadyCallback       callback,
                                                              gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray  *lightly_api_workflow_client_get_tag_picks_finish (LightlyApiWorkflowClient *self,
                                                              GAsyncResult             *result,
                                                              GError                  **error);

/* Scores */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_upload_scores_async  (LightlyApiWorkflowClient *self,
                                                              LightlyScores            *scores,
                                                              const char               *query_tag_id,
                                                              GCancellable             *cancellable,
                                                              GAsyncReadyCallback       callback,
                                                              gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_upload_scores_finish (LightlyApiWorkflowClient *self,
                                                              GAsyncResult             *result,
                                                              GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
gboolean    lightly_api_workflow_client_upload_scores        (LightlyApiWorkflowClient *self,
                                                              LightlyScores            *scores,
                                                              const char               *query_tag_id,
                                                              GCancellable             *cancellable,
                                                              GError                  **error);

/* Selection */
LIGHTLY_AVAILABLE_IN_ALL
void        lightly_api_workflow_client_sampling_async  (LightlyApiWorkflowClient *self,
                                                         LightlySamplerConfig     *config,
                                                         const char               *preselected_tag_id,
                                                         const char               *query_tag_id,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag *lightly_api_workflow_client_sampling_finish (LightlyApiWorkflowClient *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag *lightly_api_workflow_client_sampling        (LightlyApiWorkflowClient *self,
                                                         LightlySamplerConfig     *config,
                                                         const char               *preselected_tag_id,
                                                         const char               *query_tag_id,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyJob *lightly_api_workflow_client_get_job         (LightlyApiWorkflowClient *self,
                                                         const char               *job_id,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);

G_END_DECLS
