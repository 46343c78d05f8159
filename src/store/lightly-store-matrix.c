/* lightly-store-matrix.c: an embedding's matrix, mapped, and the mappings kept
 *
 * LightlyStoreMatrix is the read-only view selections compute on: a
 * mapping of embeddings/<id>.f32 (written by lightly-store-embeddings.c),
 * or the bytes of an in-memory store. The store keeps the last few
 * mappings (why below; how in lightly-store-kept.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

struct _LightlyStoreMatrix {
  gatomicrefcount ref_count;
  GMappedFile *mapped;
  GBytes *bytes;
  const float *data;
  gsize n_rows;
  gsize dim;
};

/* Kept mappings (lightly-store-kept.c). Mapping a matrix afresh costs
 * every selection a page fault per few pages of it and, when the job ends,
 * the unmapping: little when the page cache holds the file in large folios
 * (as after the store's own one write), ~20 % of a round after the first
 * at 100k × 128 and 1M × 128 when it holds small ones (a store copied with
 * cp; bench/run-rounds.sh). An id's file is written once (a temporary file
 * renamed; ids are not reused). The kept mappings are clean pages of the
 * page cache, which the kernel can reclaim; what they hold is address
 * space and page tables (2 MB per GB mapped). */

/* The mapping of @e's file at @path, and in @st the identity of the file
 * mapped. */
static LightlyStoreMatrix *
map_file (const LightlyStoreEmbedding *e, const char *path, gsize expected, struct stat *st,
          GError **error)
{
  g_autoptr(GError) local = NULL;
  LightlyStoreMatrix *m;
  GMappedFile *mapped = store_kept_map (path, st, &local);

  if (mapped == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not map embedding %s: %s",
                   e->id, local->message);
      return NULL;
    }
  if ((guint64) st->st_size != expected)
    {
      g_mapped_file_unref (mapped);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "the matrix file of embedding %s has %" G_GUINT64_FORMAT " bytes, "
                   "expected %" G_GSIZE_FORMAT "; the store is damaged", e->id,
                   (guint64) st->st_size, expected);
      return NULL;
    }
  m = g_new0 (LightlyStoreMatrix, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->n_rows = (gsize) e->n_rows;
  m->dim = (gsize) e->dim;
  m->mapped = mapped;
  m->data = (const float *) (const void *) g_mapped_file_get_contents (mapped);
  return m;
}

LightlyStoreMatrix *
store_matrix_map (LightlyStore *self, const LightlyStoreEmbedding *e, GError **error)
{
  LightlyStoreMatrix *m;
  gsize expected;

  expected = (gsize) e->n_rows * (gsize) e->dim * sizeof (float);
  if (self->dir != NULL)
    {
      g_autofree char *path = store_path (self, "embeddings", e->id, ".f32");
      struct stat st;

      m = store_kept_lookup (self, &self->mapped, e->id, stat (path, &st) == 0 ? &st : NULL,
                             (gpointer (*) (gpointer)) lightly_store_matrix_ref);
      if (m != NULL)
        return m;
      m = map_file (e, path, expected, &st, error);
      if (m != NULL)
        store_kept_add (self, &self->mapped, e->id, lightly_store_matrix_ref (m),
                        (GDestroyNotify) lightly_store_matrix_unref, &st);
      return m;
    }

  m = g_new0 (LightlyStoreMatrix, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->n_rows = (gsize) e->n_rows;
  m->dim = (gsize) e->dim;
  g_mutex_lock (&self->state_lock);
  m->bytes = g_hash_table_lookup (self->mem_matrices, e->id);
  if (m->bytes != NULL)
    g_bytes_ref (m->bytes);
  g_mutex_unlock (&self->state_lock);
  if (m->bytes == NULL || g_bytes_get_size (m->bytes) != expected)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "the matrix of embedding %s is missing", e->id);
      lightly_store_matrix_unref (m);
      return NULL;
    }
  m->data = g_bytes_get_data (m->bytes, NULL);
  return m;
}

LightlyStoreMatrix *
lightly_store_matrix_ref (LightlyStoreMatrix *matrix)
{
  g_return_val_if_fail (matrix != NULL, NULL);
  g_atomic_ref_count_inc (&matrix->ref_count);
  return matrix;
}

void
lightly_store_matrix_unref (LightlyStoreMatrix *matrix)
{
  if (matrix == NULL || !g_atomic_ref_count_dec (&matrix->ref_count))
    return;
  if (matrix->mapped != NULL)
    g_mapped_file_unref (matrix->mapped);
  if (matrix->bytes != NULL)
    g_bytes_unref (matrix->bytes);
  g_free (matrix);
}

const float *
lightly_store_matrix_get_data (LightlyStoreMatrix *matrix)
{
  g_return_val_if_fail (matrix != NULL, NULL);
  return matrix->data;
}

gsize
lightly_store_matrix_get_n_rows (LightlyStoreMatrix *matrix)
{
  g_return_val_if_fail (matrix != NULL, 0);
  return matrix->n_rows;
}

gsize
lightly_store_matrix_get_dim (LightlyStoreMatrix *matrix)
{
  g_return_val_if_fail (matrix != NULL, 0);
  return matrix->dim;
}
