/* lightly-backend.c: the backend seam (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "backend/lightly-backend.h"
#include "lightly/lightly-error.h"

G_DEFINE_INTERFACE (LightlyBackend, lightly_backend, G_TYPE_OBJECT)

static void
lightly_backend_default_init (LightlyBackendInterface *iface)
{
}

void
lightly_selection_request_clear (LightlySelectionRequest *request)
{
  g_clear_pointer (&request->new_tag_name, g_free);
  g_clear_pointer (&request->query_tag_id, g_free);
  g_clear_pointer (&request->preselected_tag_id, g_free);
  g_clear_pointer (&request->score_type, g_free);
}

/* The canonical JSON of a request, exactly as the http backend sends it
 * (protocol §2.8 plus §13 extensions). The store compares it byte for byte to
 * recognise an idempotent re-send of the same selection. */
char *
lightly_selection_request_to_json (const LightlySelectionRequest *request)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "newTagName");
  json_builder_add_string_value (b, request->new_tag_name);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, lightly_sampling_method_to_string (request->method));
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "stoppingCondition");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "nSamples");
  json_builder_add_double_value (b, request->n_samples);
  json_builder_set_member_name (b, "minDistance");
  json_builder_add_double_value (b, request->min_distance);
  json_builder_end_object (b);
  json_builder_end_object (b);
  if (request->preselected_tag_id != NULL)
    {
      json_builder_set_member_name (b, "preselectedTagId");
      json_builder_add_string_value (b, request->preselected_tag_id);
    }
  if (request->query_tag_id != NULL)
    {
      json_builder_set_member_name (b, "queryTagId");
      json_builder_add_string_value (b, request->query_tag_id);
    }
  if (request->score_type != NULL)
    {
      json_builder_set_member_name (b, "scoreType");
      json_builder_add_string_value (b, request->score_type);
    }
  json_builder_set_member_name (b, "scoreStrength");
  json_builder_add_double_value (b, request->score_strength);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) request->seed);
  json_builder_set_member_name (b, "rowCount");
  json_builder_add_int_value (b, request->row_count);
  if (request->balance)
    {
      /* A lightly-glib extension, sent only when set: Lightly's service
       * never sees a member it does not know. */
      json_builder_set_member_name (b, "balance");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (request->matrix_precision != LIGHTLY_MATRIX_PRECISION_FLOAT32)
    {
      /* Likewise (an extension, only when not the default). */
      json_builder_set_member_name (b, "matrixPrecision");
      json_builder_add_string_value (b, lightly_matrix_precision_to_string (request->matrix_precision));
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* ---------------------------------------------------------------------------
 * Wrappers
 * ------------------------------------------------------------------------- */

GPtrArray *
lightly_backend_list_datasets (LightlyBackend  *self,
                               GCancellable    *cancellable,
                               GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->list_datasets (self, cancellable, error);
}

char *
lightly_backend_create_dataset (LightlyBackend  *self,
                                const char      *name,
                                GCancellable    *cancellable,
                                GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->create_dataset (self, name, cancellable, error);
}

LightlyNames *
lightly_backend_get_file_names (LightlyBackend  *self,
                                const char      *dataset_id,
                                GCancellable    *cancellable,
                                GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->get_file_names (self, dataset_id, cancellable, error);
}

gboolean
lightly_backend_register_samples (LightlyBackend  *self,
                                  const char      *dataset_id,
                                  GInputStream    *csv,
                                  GCancellable    *cancellable,
                                  GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), FALSE);

  return LIGHTLY_BACKEND_GET_IFACE (self)->register_samples (self, dataset_id, csv, cancellable, error);
}

char *
lightly_backend_create_initial_tag (LightlyBackend  *self,
                                    const char      *dataset_id,
                                    GCancellable    *cancellable,
                                    GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->create_initial_tag (self, dataset_id, cancellable, error);
}

GPtrArray *
lightly_backend_get_tags (LightlyBackend  *self,
                          const char      *dataset_id,
                          GCancellable    *cancellable,
                          GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->get_tags (self, dataset_id, cancellable, error);
}

GPtrArray *
lightly_backend_get_tag_heads (LightlyBackend  *self,
                               const char      *dataset_id,
                               GCancellable    *cancellable,
                               GError         **error)
{
  LightlyBackendInterface *iface;

  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  iface = LIGHTLY_BACKEND_GET_IFACE (self);
  if (iface->get_tag_heads == NULL)
    return iface->get_tags (self, dataset_id, cancellable, error);
  return iface->get_tag_heads (self, dataset_id, cancellable, error);
}

LightlyTag *
lightly_backend_get_tag (LightlyBackend  *self,
                         const char      *dataset_id,
                         const char      *tag_id,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->get_tag (self, dataset_id, tag_id, cancellable, error);
}

char *
lightly_backend_create_tag (LightlyBackend  *self,
                            const char      *dataset_id,
                            const char      *name,
                            const char      *bit_mask_hex,
                            const char      *prev_tag_id,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->create_tag (self, dataset_id, name, bit_mask_hex, prev_tag_id,
                                                       cancellable, error);
}

GPtrArray *
lightly_backend_list_embeddings (LightlyBackend  *self,
                                 const char      *dataset_id,
                                 GCancellable    *cancellable,
                                 GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->list_embeddings (self, dataset_id, cancellable, error);
}

char *
lightly_backend_upload_embeddings (LightlyBackend  *self,
                                   const char      *dataset_id,
                                   const char      *name,
                                   GInputStream    *csv,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->upload_embeddings (self, dataset_id, name, csv, cancellable,
                                                              error);
}

gboolean
lightly_backend_can_upload_embeddings_matrix (LightlyBackend *self)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), FALSE);

  return LIGHTLY_BACKEND_GET_IFACE (self)->upload_embeddings_matrix != NULL;
}

/* Only for a backend where lightly_backend_can_upload_embeddings_matrix(). */
char *
lightly_backend_upload_embeddings_matrix (LightlyBackend      *self,
                                          const char          *dataset_id,
                                          const char          *name,
                                          const char * const  *names,
                                          const float         *matrix,
                                          gsize                n_rows,
                                          gsize                dim,
                                          GCancellable        *cancellable,
                                          GError             **error)
{
  g_return_val_if_fail (lightly_backend_can_upload_embeddings_matrix (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->upload_embeddings_matrix (self, dataset_id, name, names, matrix,
                                                                     n_rows, dim, cancellable, error);
}

char *
lightly_backend_upload_scores (LightlyBackend  *self,
                               const char      *dataset_id,
                               const char      *tag_id,
                               const char      *score_type,
                               const double    *values,
                               gsize            n_values,
                               GCancellable    *cancellable,
                               GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->upload_scores (self, dataset_id, tag_id, score_type, values,
                                                          n_values, cancellable, error);
}

char *
lightly_backend_start_selection (LightlyBackend                 *self,
                                 const char                     *dataset_id,
                                 const char                     *embedding_id,
                                 const LightlySelectionRequest  *request,
                                 GCancellable                   *cancellable,
                                 GError                        **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->start_selection (self, dataset_id, embedding_id, request,
                                                            cancellable, error);
}

LightlyJob *
lightly_backend_get_job (LightlyBackend  *self,
                         const char      *job_id,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->get_job (self, job_id, cancellable, error);
}

LightlyJob *
lightly_backend_follow_job (LightlyBackend          *self,
                            const char              *job_id,
                            LightlyBackendProgress   progress,
                            gpointer                 progress_data,
                            GCancellable            *cancellable,
                            GError                 **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->follow_job (self, job_id, progress, progress_data, cancellable,
                                                       error);
}

gboolean
lightly_backend_delete_tag (LightlyBackend  *self,
                            const char      *dataset_id,
                            const char      *tag_id,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), FALSE);

  return LIGHTLY_BACKEND_GET_IFACE (self)->delete_tag (self, dataset_id, tag_id, cancellable, error);
}

GPtrArray *
lightly_backend_get_tag_picks (LightlyBackend  *self,
                               const char      *dataset_id,
                               const char      *tag_id,
                               GCancellable    *cancellable,
                               GError         **error)
{
  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  return LIGHTLY_BACKEND_GET_IFACE (self)->get_tag_picks (self, dataset_id, tag_id, cancellable, error);
}

GPtrArray *
lightly_backend_get_tag_pick_rows (LightlyBackend  *self,
                                   const char      *dataset_id,
                                   const char      *tag_id,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  LightlyBackendInterface *iface;

  g_return_val_if_fail (LIGHTLY_IS_BACKEND (self), NULL);

  iface = LIGHTLY_BACKEND_GET_IFACE (self);
  if (iface->get_tag_pick_rows == NULL)
    return iface->get_tag_picks (self, dataset_id, tag_id, cancellable, error);
  return iface->get_tag_pick_rows (self, dataset_id, tag_id, cancellable, error);
}
