/* lightly-local-backend.c: the embedded default (private)
 *
 * The backend seam over the store and the selection engine, in-process:
 * the simple operations here, the selection jobs in
 * lightly-local-selection.c. Backends of one directory in one process share
 * one store (shared_store_open()), so that a job one client starts wakes
 * the followers of another.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-local-backend.h"
#include "backend/lightly-local-rules.h"
#include "backend/lightly-local-selection.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-dataset.h"
#include "lightly/lightly-embedding.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-pick-private.h"
#include "lightly/lightly-dataset-private.h"
#include "lightly/lightly-embedding-private.h"
#include "lightly/lightly-tag-private.h"

struct _LightlyLocalBackend
{
  GObject parent_instance;
  LightlyStore *store;
};

static void lightly_local_backend_iface_init (LightlyBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyLocalBackend, lightly_local_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BACKEND, lightly_local_backend_iface_init))

/* ---------------------------------------------------------------------------
 * Stores shared per directory
 * ------------------------------------------------------------------------- */

G_LOCK_DEFINE_STATIC (registry);
static GHashTable *stores_by_dir;   /* dir → LightlyStore (weak) */

static void
store_weak_notify (gpointer  data,
                   GObject  *where_the_object_was)
{
  G_LOCK (registry);
  g_hash_table_remove (stores_by_dir, data);
  G_UNLOCK (registry);
}

static LightlyStore *
shared_store_open (const char  *dir,
                   GError     **error)
{
  LightlyStore *store;
  g_autofree char *key = NULL;

  if (dir == NULL)
    return lightly_store_open (NULL, error);

  key = g_canonicalize_filename (dir, NULL);
  G_LOCK (registry);
  if (stores_by_dir == NULL)
    stores_by_dir = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  store = g_hash_table_lookup (stores_by_dir, key);
  if (store != NULL)
    g_object_ref (store);
  G_UNLOCK (registry);
  if (store != NULL)
    return store;

  store = lightly_store_open (key, error);
  if (store == NULL)
    return NULL;

  G_LOCK (registry);
  if (!g_hash_table_contains (stores_by_dir, key))
    {
      char *k = g_strdup (key);

      g_hash_table_insert (stores_by_dir, k, store);
      g_object_weak_ref (G_OBJECT (store), store_weak_notify, k);
    }
  G_UNLOCK (registry);
  return store;
}

/* ---------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------- */

/* Takes @t's bit mask (it leaves NULL there). */
static LightlyTag *
tag_from_store (LightlyStoreTag *t)
{
  return lightly_tag_new_internal (t->id, t->dataset_id, t->name, g_steal_pointer (&t->bitmask_hex),
                                   (guint) t->tot_size, t->prev_tag_id, t->query_tag_id,
                                   t->preselected_tag_id, t->creator, t->created_at);
}


/* ---------------------------------------------------------------------------
 * Simple operations
 * ------------------------------------------------------------------------- */

static GPtrArray *
local_list_datasets (LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  g_autoptr(GPtrArray) rows = lightly_store_list_datasets (self->store, error);
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      LightlyStoreDataset *d = g_ptr_array_index (rows, i);

      g_ptr_array_add (out, lightly_dataset_new_internal (d->id, d->name, (guint) d->n_samples,
                                                          d->created_at, d->last_modified_at));
    }
  return out;
}

static char *
local_create_dataset (LightlyBackend *backend, const char *name, GCancellable *cancellable, GError **error)
{
  return lightly_store_create_dataset (LIGHTLY_LOCAL_BACKEND (backend)->store, name, error);
}

static LightlyNames *
local_get_file_names (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                      GError **error)
{
  return lightly_store_get_sample_names (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, error);
}

static gboolean
local_register_samples (LightlyBackend *backend, const char *dataset_id, GInputStream *csv,
                        GCancellable *cancellable, GError **error)
{
  return lightly_store_add_samples_from_csv (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, csv,
                                             cancellable, error) >= 0;
}

static char *
local_create_initial_tag (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                          GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  gint64 n = lightly_store_get_n_samples (self->store, dataset_id, error);
  g_autoptr(LightlyBitMask) all = NULL;
  g_autofree char *hex = NULL;

  if (n < 0)
    return NULL;
  if (n == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Dataset %s has no samples: register samples before creating the initial-tag", dataset_id);
      return NULL;
    }
  all = lightly_bit_mask_new_from_length ((guint) n);
  hex = lightly_bit_mask_to_hex (all);
  return lightly_store_create_tag (self->store, dataset_id, "initial-tag", hex, NULL, NULL, NULL,
                                   "USER_PIP", error);
}

static GPtrArray *
tags_from_store (GPtrArray *rows)
{
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (out, tag_from_store (g_ptr_array_index (rows, i)));
  g_ptr_array_unref (rows);
  return out;
}

static GPtrArray *
local_get_tags (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  return tags_from_store (lightly_store_list_tags (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, error));
}

/* A store lists a tag's mask by reading it (N/4 bytes, once per process):
 * a query that only looks tags up by name would read every round's. */
static GPtrArray *
local_get_tag_heads (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                     GError **error)
{
  return tags_from_store (lightly_store_list_tag_heads (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                        dataset_id, error));
}

static LightlyTag *
local_get_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(LightlyStoreTag) t = lightly_store_get_tag (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                        dataset_id, tag_id, error);

  return t != NULL ? tag_from_store (t) : NULL;
}

static char *
local_create_tag (LightlyBackend *backend, const char *dataset_id, const char *name,
                  const char *bit_mask_hex, const char *prev_tag_id,
                  GCancellable *cancellable, GError **error)
{
  return lightly_local_rules_create_tag (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name, bit_mask_hex,
                                         prev_tag_id, NULL, NULL, "USER_PIP", error);
}

/* The picks of @tag_id with their rows and no names; get_tag_picks() adds
 * the names. */
static GPtrArray *
local_get_tag_pick_rows (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                         GCancellable *cancellable, GError **error)
{
  LightlyStore *store = LIGHTLY_LOCAL_BACKEND (backend)->store;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
  g_autoptr(GArray) picks = NULL;
  g_autofree char *method_name = NULL;
  LightlySamplingMethod method;

  if (!lightly_store_get_tag_picks (store, dataset_id, tag_id, &method_name, &picks, error))
    return NULL;
  if (method_name == NULL || picks->len == 0)
    return g_steal_pointer (&out);
  /* The store only keeps names this library wrote. */
  method = lightly_sampling_method_from_string (method_name, NULL);
  for (guint i = 0; i < picks->len; i++)
    {
      const LightlyStorePick *p = &g_array_index (picks, LightlyStorePick, i);

      g_ptr_array_add (out, lightly_pick_new_at_row (i, p->row, method, p->utility, p->cluster));
    }
  return g_steal_pointer (&out);
}

static GPtrArray *
local_get_tag_picks (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                     GCancellable *cancellable, GError **error)
{
  LightlyStore *store = LIGHTLY_LOCAL_BACKEND (backend)->store;
  g_autoptr(GPtrArray) out = local_get_tag_pick_rows (backend, dataset_id, tag_id, cancellable, error);
  g_auto(GStrv) names = NULL;
  g_autofree guint32 *rows = NULL;

  if (out == NULL || out->len == 0)
    return g_steal_pointer (&out);
  /* The picked rows' names only, not the whole mapping. */
  rows = g_new (guint32, out->len);
  for (guint i = 0; i < out->len; i++)
    rows[i] = lightly_pick_get_row (g_ptr_array_index (out, i));
  names = lightly_store_get_sample_names_at (store, dataset_id, rows, out->len, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; i < out->len; i++)
    if (names[i][0] != '\0')
      lightly_pick_set_file_name (g_ptr_array_index (out, i), names[i]);
  return g_steal_pointer (&out);
}

static gboolean
local_delete_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                  GCancellable *cancellable, GError **error)
{
  return lightly_store_delete_tag (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, tag_id, error);
}

static GPtrArray *
local_list_embeddings (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr(GPtrArray) rows = lightly_store_list_embeddings (LIGHTLY_LOCAL_BACKEND (backend)->store,
                                                             dataset_id, error);
  GPtrArray *out;

  if (rows == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      LightlyStoreEmbedding *e = g_ptr_array_index (rows, i);

      g_ptr_array_add (out, lightly_embedding_new_internal (e->id, e->name, TRUE, e->created_at));
    }
  return out;
}

static char *
local_upload_embeddings (LightlyBackend *backend, const char *dataset_id, const char *name,
                         GInputStream *csv, GCancellable *cancellable, GError **error)
{
  return lightly_store_add_embedding (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name, csv,
                                      cancellable, error);
}

static char *
local_upload_embeddings_matrix (LightlyBackend *backend, const char *dataset_id, const char *name,
                                const char * const *names, const float *matrix, gsize n_rows, gsize dim,
                                GCancellable *cancellable, GError **error)
{
  return lightly_store_add_embedding_matrix (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id, name,
                                             names, matrix, n_rows, dim, cancellable, error);
}

static char *
local_upload_scores (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                     const char *score_type, const double *values, gsize n_values,
                     GCancellable *cancellable, GError **error)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (backend);
  g_autoptr(LightlyStoreTag) tag = lightly_store_get_tag (self->store, dataset_id, tag_id, error);
  g_autoptr(LightlyBitMask) mask = NULL;
  guint64 count;

  if (tag == NULL || !lightly_local_rules_check_scores (score_type, n_values, error))
    return NULL;
  mask = lightly_bit_mask_new_from_hex (tag->bitmask_hex, error);
  if (mask == NULL)
    return NULL;
  count = lightly_bit_mask_count (mask);
  if ((guint64) n_values != count)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Score “%s” has %" G_GSIZE_FORMAT " values, but tag “%s” has %" G_GUINT64_FORMAT " members: "
                   "give one score per member, in bit order",
                   score_type, n_values, tag->name, count);
      return NULL;
    }
  return lightly_store_set_scores (self->store, tag_id, score_type, values, n_values, error);
}
static LightlyJob *
local_get_job (LightlyBackend *backend, const char *job_id, GCancellable *cancellable, GError **error)
{
  return lightly_local_selection_get_job (LIGHTLY_LOCAL_BACKEND (backend)->store, job_id, error);
}

static char *
local_start_selection (LightlyBackend *backend, const char *dataset_id, const char *embedding_id,
                       const LightlySelectionRequest *request, GCancellable *cancellable, GError **error)
{
  return lightly_local_selection_start (LIGHTLY_LOCAL_BACKEND (backend)->store, dataset_id,
                                        embedding_id, request, error);
}

static LightlyJob *
local_follow_job (LightlyBackend *backend, const char *job_id, LightlyBackendProgress progress,
                  gpointer progress_data, GCancellable *cancellable, GError **error)
{
  return lightly_local_selection_follow (LIGHTLY_LOCAL_BACKEND (backend)->store, job_id, progress,
                                         progress_data, cancellable, error);
}


/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_local_backend_iface_init (LightlyBackendInterface *iface)
{
  iface->list_datasets = local_list_datasets;
  iface->create_dataset = local_create_dataset;
  iface->get_file_names = local_get_file_names;
  iface->register_samples = local_register_samples;
  iface->create_initial_tag = local_create_initial_tag;
  iface->get_tags = local_get_tags;
  iface->get_tag_heads = local_get_tag_heads;
  iface->get_tag = local_get_tag;
  iface->create_tag = local_create_tag;
  iface->list_embeddings = local_list_embeddings;
  iface->upload_embeddings = local_upload_embeddings;
  iface->upload_embeddings_matrix = local_upload_embeddings_matrix;
  iface->upload_scores = local_upload_scores;
  iface->start_selection = local_start_selection;
  iface->get_job = local_get_job;
  iface->follow_job = local_follow_job;
  iface->delete_tag = local_delete_tag;
  iface->get_tag_picks = local_get_tag_picks;
  iface->get_tag_pick_rows = local_get_tag_pick_rows;
}

static void
lightly_local_backend_finalize (GObject *object)
{
  LightlyLocalBackend *self = LIGHTLY_LOCAL_BACKEND (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (lightly_local_backend_parent_class)->finalize (object);
}

static void
lightly_local_backend_class_init (LightlyLocalBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_local_backend_finalize;
}

static void
lightly_local_backend_init (LightlyLocalBackend *self)
{
}

LightlyBackend *
lightly_local_backend_new_for_store (LightlyStore *store)
{
  LightlyLocalBackend *self = g_object_new (LIGHTLY_TYPE_LOCAL_BACKEND, NULL);

  self->store = g_object_ref (store);
  return LIGHTLY_BACKEND (self);
}

LightlyBackend *
lightly_local_backend_new (const char  *dir,
                           GError     **error)
{
  g_autoptr(LightlyStore) store = shared_store_open (dir, error);

  if (store == NULL)
    return NULL;
  return lightly_local_backend_new_for_store (store);
}

LightlyStore *
lightly_local_backend_get_store (LightlyLocalBackend *self)
{
  return self->store;
}

