/* lightly-local-backend-service.c: the local backend's rows and rules for the REST server (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "backend/lightly-local-backend-service.h"
#include "backend/lightly-local-backend.h"
#include "backend/lightly-local-rules.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"

/* The store of a local backend; NULL with NOT_SUPPORTED for any other. */
static LightlyStore *
service_store (LightlyBackend  *backend,
               GError         **error)
{
  if (!LIGHTLY_IS_LOCAL_BACKEND (backend))
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                           "This operation needs the local backend (a file:// server location)");
      return NULL;
    }
  return lightly_local_backend_get_store (LIGHTLY_LOCAL_BACKEND (backend));
}

const char *
lightly_local_service_get_dir (LightlyBackend *backend)
{
  LightlyStore *store = service_store (backend, NULL);

  return store != NULL ? lightly_store_get_dir (store) : NULL;
}

char *
lightly_local_service_new_id (void)
{
  return lightly_store_new_id ();
}

LightlyStoreDataset *
lightly_local_service_get_dataset (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_dataset (store, dataset_id, error) : NULL;
}

GPtrArray *
lightly_local_service_list_datasets (LightlyBackend *backend, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_list_datasets (store, error) : NULL;
}

LightlyNames *
lightly_local_service_get_sample_names (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_sample_names (store, dataset_id, error) : NULL;
}

gint64
lightly_local_service_get_n_samples (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_n_samples (store, dataset_id, error) : -1;
}

gint64
lightly_local_service_lookup_sample (LightlyBackend *backend, const char *dataset_id, const char *file_name,
                                     GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_lookup_sample (store, dataset_id, file_name, error) : -1;
}

gint64
lightly_local_service_add_samples (LightlyBackend *backend, const char *dataset_id,
                                   const char * const *names, gsize n, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  if (store == NULL)
    return -1;
  if (n > 0 && !lightly_store_add_samples (store, dataset_id, names, (gssize) n, error))
    return -1;
  return lightly_store_get_n_samples (store, dataset_id, error);
}

LightlyStoreTag *
lightly_local_service_get_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                               GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_tag (store, dataset_id, tag_id, error) : NULL;
}

GPtrArray *
lightly_local_service_list_tags (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_list_tags (store, dataset_id, error) : NULL;
}

char *
lightly_local_service_create_tag (LightlyBackend *backend, const char *dataset_id, const char *name,
                                  const char *bit_mask_hex, const char *prev_tag_id,
                                  const char *query_tag_id, const char *preselected_tag_id,
                                  const char *creator, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_local_rules_create_tag (store, dataset_id, name, bit_mask_hex, prev_tag_id,
                                                         query_tag_id, preselected_tag_id, creator, error)
                       : NULL;
}

GPtrArray *
lightly_local_service_list_scores (LightlyBackend *backend, const char *tag_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_list_scores (store, tag_id, error) : NULL;
}

LightlyStoreScore *
lightly_local_service_get_score (LightlyBackend *backend, const char *tag_id, const char *score_id,
                                 GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_score (store, tag_id, score_id, error) : NULL;
}

GPtrArray *
lightly_local_service_list_embeddings (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_list_embeddings (store, dataset_id, error) : NULL;
}

LightlyStoreEmbedding *
lightly_local_service_get_embedding (LightlyBackend *backend, const char *dataset_id, const char *embedding_id,
                                     GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_embedding (store, dataset_id, embedding_id, error) : NULL;
}

LightlyStoreEmbedding *
lightly_local_service_get_embedding_by_name (LightlyBackend *backend, const char *dataset_id, const char *name,
                                             GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_embedding_by_name (store, dataset_id, name, error) : NULL;
}

GInputStream *
lightly_local_service_read_embedding_csv (LightlyBackend *backend, const char *embedding_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_read_embedding_csv (store, embedding_id, error) : NULL;
}

LightlyStoreJob *
lightly_local_service_get_job (LightlyBackend *backend, const char *job_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_get_job (store, NULL, job_id, error) : NULL;
}

LightlyStoreJob *
lightly_local_service_wait_job (LightlyBackend *backend, const char *job_id, LightlyStoreJobStatus known_status,
                                gint64 known_processed, gint64 wait_ms, GCancellable *cancellable,
                                GError **error)
{
  LightlyStore *store = service_store (backend, error);

  if (store == NULL)
    return NULL;
  return lightly_store_wait_job (store, NULL, job_id, known_status, known_processed, wait_ms,
                                 cancellable, error);
}

GPtrArray *
lightly_local_service_list_jobs (LightlyBackend *backend, const char *dataset_id, GError **error)
{
  LightlyStore *store = service_store (backend, error);

  return store != NULL ? lightly_store_list_jobs (store, dataset_id, error) : NULL;
}

gboolean
lightly_local_service_parse_job_status (const char *name, LightlyStoreJobStatus *out)
{
  for (int s = LIGHTLY_STORE_JOB_WAITING; s <= LIGHTLY_STORE_JOB_FAILED; s++)
    if (g_strcmp0 (name, lightly_store_job_status_to_string (s)) == 0)
      {
        *out = s;
        return TRUE;
      }
  return FALSE;
}
