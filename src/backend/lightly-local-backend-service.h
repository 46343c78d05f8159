/* lightly-local-backend-service.h: the local backend's rows and rules for the REST server (private)
 *
 * The REST server answers with the store's rows (ids, creators, timestamps
 * the public types do not carry), so it reaches data through this layer
 * rather than through the store. Every write that has a rule is checked
 * here or in the local backend's seam methods, which use the same
 * functions, so the embedded default and the REST road refuse the same
 * input with the same GError. Each function takes a LightlyBackend and
 * fails with LIGHTLY_ERROR_NOT_SUPPORTED unless it is a local backend.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"
#include "store/lightly-store.h"

G_BEGIN_DECLS

/* Where the backend keeps its files; NULL for an in-memory store. */
const char            *lightly_local_service_get_dir            (LightlyBackend *backend);
char                  *lightly_local_service_new_id             (void);

LightlyStoreDataset   *lightly_local_service_get_dataset        (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
GPtrArray             *lightly_local_service_list_datasets      (LightlyBackend *backend, GError **error);

LightlyNames          *lightly_local_service_get_sample_names   (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
gint64                 lightly_local_service_get_n_samples      (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
gint64                 lightly_local_service_lookup_sample      (LightlyBackend *backend, const char *dataset_id,
                                                                 const char *file_name, GError **error);
/* Appends; returns the dataset's size afterwards, or -1. */
gint64                 lightly_local_service_add_samples        (LightlyBackend *backend, const char *dataset_id,
                                                                 const char * const *names, gsize n,
                                                                 GError **error);

LightlyStoreTag       *lightly_local_service_get_tag            (LightlyBackend *backend, const char *dataset_id,
                                                                 const char *tag_id, GError **error);
GPtrArray             *lightly_local_service_list_tags          (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
/* The rule of every tag write: the mask must fit the dataset (bit i is
 * sample i). bit_mask_hex need not be canonical. */
char                  *lightly_local_service_create_tag         (LightlyBackend *backend, const char *dataset_id,
                                                                 const char *name, const char *bit_mask_hex,
                                                                 const char *prev_tag_id, const char *query_tag_id,
                                                                 const char *preselected_tag_id,
                                                                 const char *creator, GError **error);

GPtrArray             *lightly_local_service_list_scores        (LightlyBackend *backend, const char *tag_id,
                                                                 GError **error);
LightlyStoreScore     *lightly_local_service_get_score          (LightlyBackend *backend, const char *tag_id,
                                                                 const char *score_id, GError **error);

GPtrArray             *lightly_local_service_list_embeddings    (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
LightlyStoreEmbedding *lightly_local_service_get_embedding      (LightlyBackend *backend, const char *dataset_id,
                                                                 const char *embedding_id, GError **error);
LightlyStoreEmbedding *lightly_local_service_get_embedding_by_name (LightlyBackend *backend,
                                                                    const char *dataset_id,
                                                                    const char *name, GError **error);
GInputStream          *lightly_local_service_read_embedding_csv (LightlyBackend *backend, const char *embedding_id,
                                                                 GError **error);

LightlyStoreJob       *lightly_local_service_get_job            (LightlyBackend *backend, const char *job_id,
                                                                 GError **error);
/* Blocks until the job differs from (known_status, known_processed), at
 * most wait_ms. */
LightlyStoreJob       *lightly_local_service_wait_job           (LightlyBackend *backend, const char *job_id,
                                                                 LightlyStoreJobStatus known_status,
                                                                 gint64 known_processed, gint64 wait_ms,
                                                                 GCancellable *cancellable, GError **error);
GPtrArray             *lightly_local_service_list_jobs          (LightlyBackend *backend, const char *dataset_id,
                                                                 GError **error);
gboolean               lightly_local_service_parse_job_status   (const char *name, LightlyStoreJobStatus *out);

G_END_DECLS
