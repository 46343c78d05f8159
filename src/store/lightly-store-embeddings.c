/* lightly-store-embeddings.c: embeddings of the store: rows and their files
 *
 * Owns the embeddings table and the files beside the database: the uploaded
 * CSV (csv/<id>.csv, kept byte for byte) and the L2-normalised float32
 * matrix (embeddings/<id>.f32) that selections memory-map. An embedding
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
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv.h"
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
  g_autoptr(LightlyStoreMatrix) m = lightly_store_map_embedding (self, e->id, error);
  g_autoptr(LightlyNames) samples = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize n_samples = 0;
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
  if (n_samples != m->n_rows)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "embedding %s has %" G_GSIZE_FORMAT " rows but its dataset %" G_GSIZE_FORMAT
                   " samples", e->id, m->n_rows, n_samples);
      return NULL;
    }
  v = m->data;
  csv = g_string_sized_new (m->n_rows * (m->dim * 12 + 32) + 64);
  /* The thread's own locale, for the decimal point: thread-safe. */
  c_locale = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
  old = uselocale (c_locale);
  g_string_append (csv, "filenames");
  for (gsize j = 0; j < m->dim; j++)
    g_string_append_printf (csv, ",embedding_%" G_GSIZE_FORMAT, j);
  g_string_append (csv, "\r\n");
  for (gsize i = 0; i < m->n_rows; i++)
    {
      g_string_append (csv, samples->v[i]);
      for (gsize j = 0; j < m->dim; j++)
        g_string_append_len (csv, buf, snprintf (buf, sizeof buf, ",%.9g", (double) v[i * m->dim + j]));
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
lightly_store_map_embedding (LightlyStore *self, const char *embedding_id, GError **error)
{
  g_autoptr(LightlyStoreEmbedding) e = NULL;
  LightlyStoreMatrix *m;
  gsize expected;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  e = lightly_store_get_embedding (self, NULL, embedding_id, error);
  if (e == NULL)
    return NULL;
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
