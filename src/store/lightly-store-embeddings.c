/* lightly-store-embeddings.c: embeddings of the store: rows and their files
 *
 * Owns the embeddings table and the files beside the database: the uploaded
 * CSV (csv/<id>.csv, kept byte for byte) and the L2-normalised float32
 * matrix (embeddings/<id>.f32) that selections memory-map
 * (lightly-store-matrix.c). An embedding
 * uploaded from memory (lightly_store_add_embedding_matrix()) has no CSV
 * file; its CSV is written from the matrix when it is read. The commit order
 * is the store's crash-safety rule (DESIGN.md, Store): write <id>.f32.tmp and
 * fsync, rename and fsync the folder, then insert the row in one
 * transaction; lightly_store_open() deletes files without a row. An import
 * holds import.lock shared so another process's open() never takes its
 * files for orphans.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store-private.h"

/* ---- Embeddings ----------------------------------------------------------- */

void
lightly_store_embedding_free (LightlyStoreEmbedding *embedding)
{
  if (embedding == NULL)
    return;
  g_free (embedding->id);
  g_free (embedding->dataset_id);
  g_free (embedding->name);
  g_free (embedding);
}

#define EMBEDDING_COLUMNS "id, dataset_id, name, n_rows, dim, created_at"

/* A RowFunc. */
static gpointer
embedding_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreEmbedding *e = g_new0 (LightlyStoreEmbedding, 1);

  e->id = store_col_text (st, 0);
  e->dataset_id = store_col_text (st, 1);
  e->name = store_col_text (st, 2);
  e->n_rows = (guint64) sqlite3_column_int64 (st, 3);
  e->dim = (guint64) sqlite3_column_int64 (st, 4);
  e->created_at = sqlite3_column_int64 (st, 5);
  return e;
}

/* 1 if the dataset has an embedding of that name, 0 if not, -1 on error. */
static int
embedding_name_taken (Conn *c, const char *dataset_id, const char *name, GError **error)
{
  int rc = store_row_exists (c, "SELECT 1 FROM embeddings WHERE dataset_id = ? AND name = ?",
                       dataset_id, name, "looking up an embedding", error);

  if (rc > 0)
    {
      g_autofree char *q = store_quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                   "dataset %s has an embedding named %s already; choose another name",
                   dataset_id, q);
    }
  return rc;
}

static gboolean
write_file_synced (const char *path, const void *data, gsize len, GError **error)
{
  const char *p = data;
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int saved;

  if (fd < 0)
    goto fail;
  while (len > 0)
    {
      ssize_t n = write (fd, p, MIN (len, (gsize) (1 << 30)));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      p += n;
      len -= (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (path);
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not write %s: %s", path,
               g_strerror (saved));
  return FALSE;
}

static gboolean
rename_synced (const char *from, const char *to, const char *dir, GError **error)
{
  if (g_rename (from, to) != 0)
    {
      int saved = errno;

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not rename %s: %s",
                   from, g_strerror (saved));
      return FALSE;
    }
  return store_fsync_dir (dir, error);
}

/* Maps CSV rows to sample indices; the file-name sets must be equal. */
static guint64 *
match_rows (const LightlyEmbeddingsCsv *csv, char **samples, gsize n_samples,
            const char *dataset_id, GError **error)
{
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint64 *perm = g_new (guint64, csv->n_rows);

  for (gsize i = 0; i < n_samples; i++)
    g_hash_table_insert (index, samples[i], GSIZE_TO_POINTER (i + 1));
  for (gsize r = 0; r < csv->n_rows; r++)
    {
      gpointer v = g_hash_table_lookup (index, csv->names[r]);

      if (v == NULL)
        {
          g_autofree char *q = store_quote (csv->names[r]);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the embeddings CSV names the file %s (line %" G_GUINT64_FORMAT "), "
                       "which is not a sample of dataset %s; the CSV has %" G_GSIZE_FORMAT
                       " rows and the dataset %" G_GSIZE_FORMAT " samples, and both must "
                       "name the same files", q, csv->lines[r], dataset_id, csv->n_rows,
                       n_samples);
          return NULL;
        }
      perm[r] = GPOINTER_TO_SIZE (v) - 1;
      g_hash_table_remove (index, csv->names[r]);
    }
  if (g_hash_table_size (index) > 0)
    {
      GHashTableIter iter;
      gpointer key;
      g_autofree char *q = NULL;

      g_hash_table_iter_init (&iter, index);
      g_hash_table_iter_next (&iter, &key, NULL);
      q = store_quote (key);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the sample %s of dataset %s is missing from the embeddings CSV; the CSV "
                   "has %" G_GSIZE_FORMAT " rows and the dataset %" G_GSIZE_FORMAT
                   " samples, and both must name the same files", q, dataset_id,
                   csv->n_rows, n_samples);
      return NULL;
    }
  return g_steal_pointer (&perm);
}

/* Row r of the CSV goes to row perm[r], scaled to unit length. */
static float *
normalise_rows (const LightlyEmbeddingsCsv *csv, const guint64 *perm, GError **error)
{
  g_autofree float *out = g_new (float, csv->n_rows * csv->dim);

  for (gsize r = 0; r < csv->n_rows; r++)
    {
      const float *src = csv->matrix + r * csv->dim;
      float *dst = out + (perm != NULL ? perm[r] : r) * csv->dim;
      double sum = 0.0;
      double inv;

      for (gsize j = 0; j < csv->dim; j++)
        sum += (double) src[j] * (double) src[j];
      if (!(sum > 0.0))
        {
          g_autofree char *q = store_quote (csv->names[r]);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the embedding of %s (line %" G_GUINT64_FORMAT " of the CSV) is all "
                       "zeros, so it has no direction; fix the embedding model's output "
                       "(EMBEDDING_INVALID)", q, csv->lines[r]);
          return NULL;
        }
      inv = 1.0 / sqrt (sum);
      for (gsize j = 0; j < csv->dim; j++)
        dst[j] = (float) ((double) src[j] * inv);
    }
  return g_steal_pointer (&out);
}

char *
lightly_store_add_embedding (LightlyStore  *self,
                             const char    *dataset_id,
                             const char    *name,
                             GInputStream  *csv,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return lightly_store_add_embedding_full (self, dataset_id, name, csv,
                                           LIGHTLY_STORE_EMBEDDING_NONE, cancellable, error);
}

/* One upload in progress: what the steps of lightly_store_add_embedding_full()
 * hand on to each other, and what import_abort() must undo. */
typedef struct {
  char *id;
  char *csv_tmp, *csv_final, *f32_tmp, *f32_final;
  int lock_fd;                /* import.lock, shared; -1 in memory */
  GOutputStream *copy;        /* the CSV bytes as uploaded */
  LightlyEmbeddingsCsv *parsed;
  gsize n_samples;            /* the dataset's, when the CSV was checked */
  gboolean register_samples;
  float *matrix;              /* normalised, in sample order */
  gboolean files_written;
  gboolean from_matrix;       /* no CSV: lightly_store_add_embedding_matrix() */
} Import;

static void
import_clear (Import *imp)
{
  if (imp->lock_fd >= 0)
    close (imp->lock_fd);
  g_clear_object (&imp->copy);
  g_clear_pointer (&imp->parsed, lightly_embeddings_csv_free);
  g_free (imp->matrix);
  g_free (imp->csv_tmp);
  g_free (imp->csv_final);
  g_free (imp->f32_tmp);
  g_free (imp->f32_final);
  g_free (imp->id);
}

/* Opens where the CSV's bytes go while it is parsed: csv/<id>.csv.tmp (with
 * import.lock held shared, so open() elsewhere must not take our files for
 * orphans), or memory. */
static gboolean
import_open_copy (LightlyStore *self, Import *imp, GError **error)
{
  g_autofree char *import_lock = NULL;
  int fd;

  if (self->dir == NULL)
    {
      if (!imp->from_matrix)
        imp->copy = g_memory_output_stream_new_resizable ();
      return TRUE;
    }
  import_lock = g_build_filename (self->dir, "import.lock", NULL);
  imp->lock_fd = store_take_lock (import_lock, FALSE, TRUE, error);
  if (imp->lock_fd < 0)
    return FALSE;
  imp->f32_tmp = store_path (self, "embeddings", imp->id, ".f32.tmp");
  imp->f32_final = store_path (self, "embeddings", imp->id, ".f32");
  if (imp->from_matrix)
    return TRUE;
  imp->csv_tmp = store_path (self, "csv", imp->id, ".csv.tmp");
  imp->csv_final = store_path (self, "csv", imp->id, ".csv");
  fd = open (imp->csv_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not create %s: %s",
                   imp->csv_tmp, g_strerror (saved));
      return FALSE;
    }
  imp->copy = g_unix_output_stream_new (fd, TRUE);
  return TRUE;
}

/* Checks the parsed CSV against the dataset (one read snapshot) and builds
 * the normalised matrix in sample order. */
static gboolean
import_check (LightlyStore *self, Import *imp, const char *dataset_id, const char *name,
              LightlyStoreEmbeddingFlags flags, GError **error)
{
  g_autoptr(LightlyNames) samples = NULL;
  g_autofree guint64 *perm = NULL;

  {
    g_autoptr(Conn) rc = store_conn_acquire (self, error);

    if (rc == NULL || !store_read_begin (rc, error))
      return FALSE;
    samples = store_sample_names (rc, dataset_id, error);
    if (samples == NULL)
      return FALSE;
    imp->n_samples = samples->n;
    if (embedding_name_taken (rc, dataset_id, name, error) != 0)
      return FALSE;
    store_read_end (rc);
  }

  imp->register_samples = (flags & LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES) &&
                          imp->n_samples == 0;
  if (imp->register_samples)
    {
      if (!store_check_sample_list (imp->parsed->names, imp->parsed->n_rows, error))
        return FALSE;
    }
  else
    {
      perm = match_rows (imp->parsed, samples->v, imp->n_samples, dataset_id, error);
      if (perm == NULL)
        return FALSE;
    }
  imp->matrix = normalise_rows (imp->parsed, perm, error);
  return imp->matrix != NULL;
}

/* Files first (DESIGN.md, Store): tmp + fsync, rename + fsync dir; the row
 * comes after, in import_insert(). */
static gboolean
import_write_files (LightlyStore *self, Import *imp, GError **error)
{
  gsize matrix_bytes = imp->parsed->n_rows * imp->parsed->dim * sizeof (float);

  if (self->dir == NULL)
    {
      g_autoptr(GBytes) csv_bytes = NULL;

      if (imp->copy != NULL)
        {
          if (!g_output_stream_close (imp->copy, NULL, error))
            return FALSE;
          csv_bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (imp->copy));
        }
      g_mutex_lock (&self->state_lock);
      if (csv_bytes != NULL)
        g_hash_table_insert (self->mem_csv, g_strdup (imp->id), g_bytes_ref (csv_bytes));
      g_hash_table_insert (self->mem_matrices, g_strdup (imp->id),
                           g_bytes_new_take (g_steal_pointer (&imp->matrix), matrix_bytes));
      g_mutex_unlock (&self->state_lock);
      imp->files_written = TRUE;
      return TRUE;
    }

  if (imp->copy == NULL)
    {
      g_autofree char *edir = g_build_filename (self->dir, "embeddings", NULL);

      imp->files_written = TRUE;
      return write_file_synced (imp->f32_tmp, imp->matrix, matrix_bytes, error) &&
             rename_synced (imp->f32_tmp, imp->f32_final, edir, error);
    }
  if (fsync (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (imp->copy))) != 0)
    {
      int saved = errno;

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not write %s: %s",
                   imp->csv_tmp, g_strerror (saved));
      return FALSE;
    }
  if (!g_output_stream_close (imp->copy, NULL, error))
    return FALSE;
  imp->files_written = TRUE;
  if (!write_file_synced (imp->f32_tmp, imp->matrix, matrix_bytes, error))
    return FALSE;
  {
    g_autofree char *edir = g_build_filename (self->dir, "embeddings", NULL);
    g_autofree char *cdir = g_build_filename (self->dir, "csv", NULL);

    return rename_synced (imp->f32_tmp, imp->f32_final, edir, error) &&
           rename_synced (imp->csv_tmp, imp->csv_final, cdir, error);
  }
}

/* The row, in one transaction, after the files are durable. */
static gboolean
import_insert (LightlyStore *self, Import *imp, const char *dataset_id, const char *name,
               GError **error)
{
  Conn *c = store_write_begin (self, error);
  gint64 now_n;

  if (c == NULL)
    return FALSE;
  now_n = store_dataset_n_samples (c, dataset_id, error);
  if (now_n < 0)
    goto fail;
  if ((guint64) now_n != (imp->register_samples ? 0 : imp->n_samples))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                   "the samples of dataset %s changed during the embedding upload; "
                   "upload it again", dataset_id);
      goto fail;
    }
  if (embedding_name_taken (c, dataset_id, name, error) != 0)
    goto fail;
  if (imp->register_samples &&
      !store_insert_samples (c, dataset_id, 0, imp->parsed->names, imp->parsed->n_rows, error))
    goto fail;
  {
    STMT st = store_prep (c, "INSERT INTO embeddings (id, dataset_id, name, n_rows, dim, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, imp->id);
    store_bind_text (st, 2, dataset_id);
    store_bind_text (st, 3, name);
    sqlite3_bind_int64 (st, 4, (gint64) imp->parsed->n_rows);
    sqlite3_bind_int64 (st, 5, (gint64) imp->parsed->dim);
    sqlite3_bind_int64 (st, 6, store_now_ms ());
    if (!store_step_done (c, st, "adding an embedding", error))
      goto fail;
  }
  if (!store_touch_dataset (c, dataset_id, 0, error))
    goto fail;
  return store_write_commit (c, error);

fail:
  store_conn_release (c);
  return FALSE;
}

/* Removes whatever a failed upload left: the files, or the memory copies. */
static void
import_abort (LightlyStore *self, Import *imp)
{
  if (self->dir != NULL)
    {
      if (imp->copy != NULL && !g_output_stream_is_closed (imp->copy))
        g_output_stream_close (imp->copy, NULL, NULL);
      if (imp->csv_tmp != NULL)
        g_unlink (imp->csv_tmp);
      if (imp->files_written)
        {
          if (imp->csv_final != NULL)
            g_unlink (imp->csv_final);
          g_unlink (imp->f32_tmp);
          g_unlink (imp->f32_final);
        }
    }
  else if (imp->files_written)
    {
      g_mutex_lock (&self->state_lock);
      g_hash_table_remove (self->mem_csv, imp->id);
      g_hash_table_remove (self->mem_matrices, imp->id);
      g_mutex_unlock (&self->state_lock);
    }
}

char *
lightly_store_add_embedding_full (LightlyStore               *self,
                                  const char                 *dataset_id,
                                  const char                 *name,
                                  GInputStream               *csv,
                                  LightlyStoreEmbeddingFlags  flags,
                                  GCancellable               *cancellable,
                                  GError                    **error)
{
  Import imp = { .lock_fd = -1 };
  char *id = NULL;
  gboolean ok;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (csv), NULL);

  if (!store_check_text ("embedding name", name, MAX_NAME_BYTES, error))
    return NULL;
  imp.id = lightly_store_new_id ();
  ok = import_open_copy (self, &imp, error);
  if (ok)
    {
      /* Parsing copies the bytes as uploaded to imp.copy: on the way, or
       * after the chunks of a large local file have parsed. */
      imp.parsed = lightly_embeddings_csv_parse (csv, imp.copy, 0, cancellable, error);
      ok = imp.parsed != NULL;
    }
  ok = ok &&
       import_check (self, &imp, dataset_id, name, flags, error) &&
       import_write_files (self, &imp, error) &&
       import_insert (self, &imp, dataset_id, name, error);
  if (ok)
    id = g_steal_pointer (&imp.id);
  else
    import_abort (self, &imp);
  import_clear (&imp);
  return id;
}

char *
lightly_store_add_embedding_matrix (LightlyStore        *self,
                                    const char          *dataset_id,
                                    const char          *name,
                                    const char * const  *names,
                                    const float         *matrix,
                                    gsize                n_rows,
                                    gsize                dim,
                                    GCancellable        *cancellable,
                                    GError             **error)
{
  /* The import steps read the parsed rows through a LightlyEmbeddingsCsv;
   * this one borrows the caller's names and matrix (never freed here), and
   * its "lines" are those the rows would have in the CSV of protocol §8. */
  g_autofree guint64 *lines = g_new (guint64, MAX (n_rows, 1));
  LightlyEmbeddingsCsv rows = {
    .n_rows = n_rows, .dim = dim, .names = (const char **) names,
    .matrix = (float *) matrix, .lines = lines,
  };
  Import imp = { .lock_fd = -1, .from_matrix = TRUE, .parsed = &rows };
  char *id = NULL;
  gboolean ok;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (names != NULL && matrix != NULL, NULL);

  for (gsize r = 0; r < n_rows; r++)
    lines[r] = r + 2;
  if (!store_check_text ("embedding name", name, MAX_NAME_BYTES, error))
    return NULL;
  if (n_rows == 0 || dim == 0)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "an embedding needs at least one row and one dimension");
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  imp.id = lightly_store_new_id ();
  ok = import_open_copy (self, &imp, error) &&
       import_check (self, &imp, dataset_id, name, LIGHTLY_STORE_EMBEDDING_NONE, error) &&
       import_write_files (self, &imp, error) &&
       import_insert (self, &imp, dataset_id, name, error);
  if (ok)
    id = g_steal_pointer (&imp.id);
  else
    import_abort (self, &imp);
  imp.parsed = NULL;   /* borrowed */
  import_clear (&imp);
  return id;
}

GPtrArray *
lightly_store_list_embeddings (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_dataset_rows (self, dataset_id,
                            "SELECT " EMBEDDING_COLUMNS " FROM embeddings "
                            "WHERE dataset_id = ? ORDER BY seq",
                            "listing embeddings", embedding_from_row,
                            (GDestroyNotify) lightly_store_embedding_free, error);
}

static LightlyStoreEmbedding *
get_embedding_where (LightlyStore *self, const char *sql, const char *a, const char *b,
                     const char *what, const char *key, GError **error)
{
  return store_read_one_row (self, sql, a, b, embedding_from_row, "embedding", what, key, error);
}

LightlyStoreEmbedding *
lightly_store_get_embedding (LightlyStore *self, const char *dataset_id,
                             const char *embedding_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (dataset_id == NULL)
    return get_embedding_where (self, "SELECT " EMBEDDING_COLUMNS " FROM embeddings "
                                      "WHERE id = ?", embedding_id, NULL, "id",
                                embedding_id, error);
  return get_embedding_where (self, "SELECT " EMBEDDING_COLUMNS " FROM embeddings "
                                    "WHERE id = ? AND dataset_id = ?", embedding_id,
                              dataset_id, "id", embedding_id, error);
}

LightlyStoreEmbedding *
lightly_store_get_embedding_by_name (LightlyStore *self, const char *dataset_id,
                                     const char *name, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_embedding_where (self, "SELECT " EMBEDDING_COLUMNS " FROM embeddings "
                                    "WHERE dataset_id = ? AND name = ?", dataset_id, name,
                              "name", name, error);
}

/* An embedding uploaded from memory has no CSV as uploaded: the one served
 * is written from the stored rows (protocol §8; sample order, L2-normalised,
 * "%.9g" so that it parses back to the same float32). Built on demand: the
 * CSV is rarely read, and the upload should not pay for it. */
static GInputStream *
csv_from_matrix (LightlyStore *self, const LightlyStoreEmbedding *e, GError **error)
{
  g_autoptr(LightlyStoreMatrix) m = store_matrix_map (self, e, error);
  g_autoptr(LightlyNames) samples = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize n_samples = 0, n_rows, dim;
  const float *v;
  GString *csv;
  locale_t c_locale, old;
  char buf[32];

  if (m == NULL)
    return NULL;
  {
    g_autoptr(Conn) rc = store_conn_acquire (self, error);

    if (rc == NULL || !store_read_begin (rc, error))
      return NULL;
    samples = store_sample_names (rc, e->dataset_id, error);
    if (samples == NULL)
      return NULL;
    n_samples = samples->n;
    store_read_end (rc);
  }
  if (n_samples != lightly_store_matrix_get_n_rows (m))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "embedding %s has %" G_GSIZE_FORMAT " rows but its dataset %" G_GSIZE_FORMAT
                   " samples", e->id, lightly_store_matrix_get_n_rows (m), n_samples);
      return NULL;
    }
  v = lightly_store_matrix_get_data (m);
  dim = lightly_store_matrix_get_dim (m);
  n_rows = lightly_store_matrix_get_n_rows (m);
  csv = g_string_sized_new (n_rows * (dim * 12 + 32) + 64);
  /* The thread's own locale, for the decimal point: thread-safe. */
  c_locale = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
  old = uselocale (c_locale);
  g_string_append (csv, "filenames");
  for (gsize j = 0; j < dim; j++)
    g_string_append_printf (csv, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append (csv, "\r\n");
  for (gsize i = 0; i < n_rows; i++)
    {
      g_string_append (csv, samples->v[i]);
      for (gsize j = 0; j < dim; j++)
        g_string_append_len (csv, buf, snprintf (buf, sizeof buf, ",%.9g", (double) v[i * dim + j]));
      g_string_append (csv, "\r\n");
    }
  uselocale (old);
  freelocale (c_locale);
  bytes = g_string_free_to_bytes (csv);
  return g_memory_input_stream_new_from_bytes (bytes);
}

GInputStream *
lightly_store_read_embedding_csv (LightlyStore *self, const char *embedding_id,
                                  GError **error)
{
  g_autoptr(LightlyStoreEmbedding) e = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  e = lightly_store_get_embedding (self, NULL, embedding_id, error);
  if (e == NULL)
    return NULL;
  if (self->dir != NULL)
    {
      g_autofree char *path = store_path (self, "csv", e->id, ".csv");
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) local = NULL;
      GFileInputStream *in = g_file_read (file, NULL, &local);

      if (in == NULL && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return csv_from_matrix (self, e, error);
      if (in == NULL)
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                     "could not read the CSV of embedding %s: %s", e->id, local->message);
      return G_INPUT_STREAM (in);
    }
  else
    {
      GBytes *bytes;
      GInputStream *in = NULL;

      g_mutex_lock (&self->state_lock);
      bytes = g_hash_table_lookup (self->mem_csv, e->id);
      if (bytes != NULL)
        in = g_memory_input_stream_new_from_bytes (bytes);
      g_mutex_unlock (&self->state_lock);
      return in != NULL ? in : csv_from_matrix (self, e, error);
    }
}

LightlyStoreMatrix *
lightly_store_map_embedding (LightlyStore *self, const char *embedding_id, GError **error)
{
  g_autoptr(LightlyStoreEmbedding) e = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  e = lightly_store_get_embedding (self, NULL, embedding_id, error);
  return e != NULL ? store_matrix_map (self, e, error) : NULL;
}
