/* lightly-store-matrix.c: an embedding's matrix, mapped, and the mappings kept
 *
 * LightlyStoreMatrix is the read-only view selections compute on: a
 * mapping of embeddings/<id>.f32 (written by lightly-store-embeddings.c),
 * or the bytes of an in-memory store. The store keeps the last few
 * mappings (below).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

struct _LightlyStoreMatrix {
  gatomicrefcount ref_count;
  GMappedFile *mapped;
  GBytes *bytes;
  const float *data;
  gsize n_rows;
  gsize dim;
  /* A kept mapping (LightlyStore.mapped): its embedding and the identity
   * of the file it maps, from the fstat() of the descriptor it was mapped
   * through. */
  char *id;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
};

/* Kept mappings.
 *
 * Mapping a matrix afresh costs every selection a page fault per few pages
 * of it and, when the job ends, the unmapping: little when the page cache
 * holds the file in large folios (as after the store's own one write), ~20 %
 * of a round after the first at 100k × 128 and 1M × 128 when it holds small
 * ones (a store copied with cp; bench/run-rounds.sh). An embedding's file never changes under its id (written to
 * a temporary file, then renamed; ids are not reused), so the store keeps
 * the last STORE_MAPPED_KEEP mappings and hands them out again. Each use
 * still compares the file's identity (device, inode, size, modification
 * time) with the one it was mapped with: a file replaced or truncated
 * outside the store is mapped again and checked, and fails with the
 * store's error rather than a fault on access. The kept mappings are clean
 * pages of the page cache, which the kernel can reclaim; what they hold is
 * address space and page tables (2 MB per GB mapped). */

static gboolean
matrix_same_file (const LightlyStoreMatrix *m, const struct stat *st)
{
  return m->dev == st->st_dev && m->ino == st->st_ino && m->size == st->st_size &&
         m->mtime.tv_sec == st->st_mtim.tv_sec && m->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* A kept mapping of @id that still maps @st's file, referenced, or NULL. A
 * kept mapping of @id whose file changed is dropped. */
static LightlyStoreMatrix *
mapped_lookup (LightlyStore *self, const char *id, const struct stat *st)
{
  LightlyStoreMatrix *found = NULL, *stale = NULL;

  g_mutex_lock (&self->state_lock);
  for (guint i = 0; self->mapped != NULL && i < self->mapped->len; i++)
    {
      LightlyStoreMatrix *m = g_ptr_array_index (self->mapped, i);

      if (strcmp (m->id, id) != 0)
        continue;
      m = g_ptr_array_steal_index (self->mapped, i);
      if (st != NULL && matrix_same_file (m, st))
        {
          g_ptr_array_insert (self->mapped, 0, m);
          found = lightly_store_matrix_ref (m);
        }
      else
        stale = m;
      break;
    }
  g_mutex_unlock (&self->state_lock);
  lightly_store_matrix_unref (stale);
  return found;
}

static void
mapped_keep (LightlyStore *self, LightlyStoreMatrix *m)
{
  LightlyStoreMatrix *old = NULL;

  g_mutex_lock (&self->state_lock);
  if (self->mapped == NULL)
    self->mapped = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_store_matrix_unref);
  /* Two threads that missed at once both mapped: the later one stays. */
  for (guint i = 0; i < self->mapped->len && old == NULL; i++)
    if (strcmp (((LightlyStoreMatrix *) g_ptr_array_index (self->mapped, i))->id, m->id) == 0)
      old = g_ptr_array_steal_index (self->mapped, i);
  g_ptr_array_insert (self->mapped, 0, lightly_store_matrix_ref (m));
  if (old == NULL && self->mapped->len > STORE_MAPPED_KEEP)
    old = g_ptr_array_steal_index (self->mapped, self->mapped->len - 1);
  g_mutex_unlock (&self->state_lock);
  lightly_store_matrix_unref (old);
}

/* Maps the file at @path for @e through one descriptor, so that the
 * identity kept is that of the file mapped. */
static LightlyStoreMatrix *
map_file (const LightlyStoreEmbedding *e, const char *path, gsize expected, GError **error)
{
  g_autoptr(GError) local = NULL;
  LightlyStoreMatrix *m;
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not map embedding %s: %s",
                   e->id, g_strerror (saved));
      return NULL;
    }
  if ((guint64) st.st_size != expected)
    {
      close (fd);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "the matrix file of embedding %s has %" G_GUINT64_FORMAT " bytes, "
                   "expected %" G_GSIZE_FORMAT "; the store is damaged", e->id,
                   (guint64) st.st_size, expected);
      return NULL;
    }
  m = g_new0 (LightlyStoreMatrix, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->n_rows = (gsize) e->n_rows;
  m->dim = (gsize) e->dim;
  m->mapped = g_mapped_file_new_from_fd (fd, FALSE, &local);
  close (fd);
  if (m->mapped == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not map embedding %s: %s",
                   e->id, local->message);
      lightly_store_matrix_unref (m);
      return NULL;
    }
  m->data = (const float *) (const void *) g_mapped_file_get_contents (m->mapped);
  m->id = g_strdup (e->id);
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->size = st.st_size;
  m->mtime = st.st_mtim;
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

      m = mapped_lookup (self, e->id, stat (path, &st) == 0 ? &st : NULL);
      if (m != NULL)
        return m;
      m = map_file (e, path, expected, error);
      if (m != NULL)
        mapped_keep (self, m);
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
  g_free (matrix->id);
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
