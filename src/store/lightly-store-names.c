/* lightly-store-names.c: a dataset's file names in index order, packed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Table sample_names (schema version 3, a rowid table since version 4:
 * lightly-store-open.c says why): each insert of samples also
 * writes its names as one row (dataset, the index of its first name, how
 * many, and the names one after another, each ended by a NUL byte), in the
 * same transaction as the rows of `samples`. The table `samples` stays the
 * index by name and by row (lookups of a few rows, uniqueness); this one
 * is for reading the whole mapping, which every agent does when it starts:
 * on 100k names, SQLite's step over one row per sample alone took 17–19 ms
 * on a Zen 1 EPYC, where one blob per insert is a few rows whatever the
 * size (bench/README.md, "Zen 1, session 11"). Samples are only ever
 * appended, so the blobs in index order are the mapping. The rows stay
 * what the names are: the reader checks that the blobs tile
 * [0, n_samples) exactly, and where they do not (an older lightly-glib
 * that had the store open across the migration wrote samples without
 * blobs, or a blob was damaged on disk) it reads the rows instead. Opening
 * the store rewrites the blobs of a dataset whose blob counts do not add up
 * to its samples (the first case), so that it reads fast again.
 */
#include "config.h"

#include <string.h>

#include "lightly/lightly-error.h"
#include "lightly/lightly-names-private.h"
#include "store/lightly-store-private.h"

/* Inside the caller's transaction, after the rows of `samples`. */
gboolean
store_insert_name_blob (Conn               *c,
                        const char         *dataset_id,
                        gint64              first,
                        const char * const *names,
                        gsize               n,
                        GError            **error)
{
  g_autofree char *blob = NULL;
  gsize bytes = 0, at = 0;
  STMT st = NULL;

  if (n == 0)
    return TRUE;
  for (gsize i = 0; i < n; i++)
    bytes += strlen (names[i]) + 1;
  blob = g_malloc (bytes);
  for (gsize i = 0; i < n; i++)
    {
      gsize len = strlen (names[i]) + 1;

      memcpy (blob + at, names[i], len);
      at += len;
    }
  st = store_prep (c, "INSERT INTO sample_names (dataset_id, first_idx, n, names) VALUES (?, ?, ?, ?)",
                   error);
  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, dataset_id);
  sqlite3_bind_int64 (st, 2, first);
  sqlite3_bind_int64 (st, 3, (sqlite3_int64) n);
  sqlite3_bind_blob64 (st, 4, blob, bytes, SQLITE_STATIC);
  return store_step_done (c, st, "adding sample names", error);
}

/* The names from the rows of `samples`, in index order, appended to @names:
 * what the blobs are a packed copy of. */
static gboolean
read_name_rows (Conn *c, const char *dataset_id, GPtrArray *names, GError **error)
{
  STMT st = store_prep (c, "SELECT file_name FROM samples WHERE dataset_id = ? ORDER BY idx", error);
  int rc;

  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, dataset_id);
  while ((rc = store_step_row (c, st, "reading samples", error)) > 0)
    g_ptr_array_add (names, store_col_text (st, 0));
  return rc == 0;
}

/* A row of sample_names: which blob, how many names, how many bytes. */
typedef struct {
  gint64 rowid;
  gint64 count;
  gint64 bytes;
} NameBlob;

/* Finds the rows of @dataset_id's blobs into @blobs, with their sizes
 * (length() of a blob reads no page of it): 1, or 0 with *why set when
 * they do not tile [0, n) exactly, or -1 on a store error. */
static int
list_name_blobs (Conn *c, const char *dataset_id, gsize n, GArray *blobs, gsize *text_bytes,
                 const char **why, GError **error)
{
  STMT st = store_prep (c, "SELECT rowid, first_idx, n, length (names) FROM sample_names "
                           "WHERE dataset_id = ? ORDER BY first_idx", error);
  gsize got = 0;
  int rc;

  if (st == NULL)
    return -1;
  store_bind_text (st, 1, dataset_id);
  *text_bytes = 0;
  while ((rc = store_step_row (c, st, "reading sample names", error)) > 0)
    {
      NameBlob b = { sqlite3_column_int64 (st, 0), sqlite3_column_int64 (st, 2), sqlite3_column_int64 (st, 3) };
      gint64 first = sqlite3_column_int64 (st, 1);

      if (first != (gint64) got || b.count <= 0 || (guint64) b.count > n - got)
        return *why = "a block of names out of place", 0;
      if (b.bytes <= 0 || b.bytes > G_MAXINT)
        return *why = "a block of names cut short", 0;
      got += (gsize) b.count;
      *text_bytes += (gsize) b.bytes;
      g_array_append_val (blobs, b);
    }
  if (rc < 0)
    return -1;
  if (got != n)
    return *why = "fewer names than samples", 0;
  return 1;
}

/* Reads each blob of @blobs straight into the text of @names, through one
 * blob handle moved from row to row, and points v[] at its names: 1, or 0
 * with *why set when a blob is not what list_name_blobs() sized (a value
 * that is not a blob, whose length() counts characters or which SQLite
 * cannot open, is damage) or does not hold exactly its count of NUL-ended
 * names. */
static int
read_name_blobs (Conn *c, GArray *blobs, LightlyNames *names, const char **why)
{
  char *text = lightly_names_text (names);
  sqlite3_blob *blob = NULL;
  gsize got = 0;
  int ok = 1;

  for (guint i = 0; ok && i < blobs->len; i++)
    {
      const NameBlob *b = &g_array_index (blobs, NameBlob, i);
      const char *p = text, *end = text + b->bytes;
      gint64 taken = 0;
      int rc = blob == NULL ? sqlite3_blob_open (c->db, "main", "sample_names", "names", b->rowid, 0, &blob)
                            : sqlite3_blob_reopen (blob, b->rowid);

      if (rc != SQLITE_OK || sqlite3_blob_bytes (blob) != b->bytes ||
          sqlite3_blob_read (blob, text, (int) b->bytes, 0) != SQLITE_OK)
        {
          *why = "a block of names unreadable";
          ok = 0;
          break;
        }
      while (p < end && ok)
        {
          const char *nul = memchr (p, '\0', (gsize) (end - p));

          if (nul == NULL)
            *why = "a block of names cut short", ok = 0;
          else if (taken == b->count)
            *why = "a block of names too long", ok = 0;
          else
            {
              names->v[got++] = (char *) p;
              taken++;
              p = nul + 1;
            }
        }
      if (ok && taken != b->count)
        *why = "a block of names cut short", ok = 0;
      text += b->bytes;
    }
  /* A failed open leaves a handle to close too (sqlite3_blob_open()). */
  sqlite3_blob_close (blob);
  return ok;
}

LightlyNames *
store_sample_names (Conn *c, const char *dataset_id, GError **error)
{
  g_autoptr(GArray) blobs = g_array_new (FALSE, FALSE, sizeof (NameBlob));
  g_autoptr(LightlyNames) names = NULL;
  const char *why = NULL;
  gsize text_bytes = 0;
  gint64 n;
  int rc;

  n = store_dataset_n_samples (c, dataset_id, error);
  if (n < 0)
    return NULL;
  rc = list_name_blobs (c, dataset_id, (gsize) n, blobs, &text_bytes, &why, error);
  if (rc < 0)
    return NULL;
  if (rc > 0)
    {
      names = lightly_names_alloc ((gsize) n, text_bytes);
      if (names == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "Not enough memory for the %" G_GINT64_FORMAT " file names of dataset %s",
                       n, dataset_id);
          return NULL;
        }
      if (read_name_blobs (c, blobs, names, &why) > 0)
        return g_steal_pointer (&names);
    }
  {
    /* The rows are what the blobs copy: read them instead (a store an
     * older lightly-glib wrote to after this one migrated it, or a blob
     * damaged on disk), slower but right. */
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);

    g_debug ("the sample names of dataset %s do not match their rows (%s); reading the rows",
             dataset_id, why);
    if (!read_name_rows (c, dataset_id, rows, error))
      return NULL;
    return lightly_names_pack ((const char * const *) rows->pdata, rows->len);
  }
}

/* The first column of what @sql lists (dataset ids), into @ids. */
static gboolean
list_ids (Conn *c, const char *sql, GPtrArray *ids, GError **error)
{
  STMT st = store_prep (c, sql, error);
  int rc;

  if (st == NULL)
    return FALSE;
  while ((rc = store_step_row (c, st, "listing datasets", error)) > 0)
    g_ptr_array_add (ids, store_col_text (st, 0));
  return rc == 0;
}

/* Each dataset of @ids gets one blob from its rows, in place of the ones
 * it had (inside the caller's write transaction). */
static gboolean
rewrite_blobs (Conn *c, GPtrArray *ids, GError **error)
{
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      STMT del = store_prep (c, "DELETE FROM sample_names WHERE dataset_id = ?", error);

      if (del == NULL)
        return FALSE;
      store_bind_text (del, 1, id);
      if (!store_step_done (c, del, "rewriting sample names", error) ||
          !read_name_rows (c, id, names, error) ||
          !store_insert_name_blob (c, id, 0, (const char * const *) names->pdata, names->len, error))
        return FALSE;
    }
  return TRUE;
}

/* The schema migration 2 → 3: one blob per dataset from the rows of
 * `samples` (inside the migration's transaction). */
gboolean
store_fill_name_blobs (Conn *c, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  return list_ids (c, "SELECT id FROM datasets ORDER BY rowid", ids, error) &&
         rewrite_blobs (c, ids, error);
}

/* At open: the datasets whose blobs do not count n_samples names get one
 * blob again, from their rows, in one write transaction. Nothing is
 * written when every count adds up (one small query). */
gboolean
store_repair_name_blobs (LightlyStore *self, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Conn *c;

  {
    g_autoptr(Conn) reader = store_conn_acquire (self, error);

    if (reader == NULL ||
        !list_ids (reader, "SELECT id FROM datasets AS d WHERE n_samples != (SELECT coalesce "
                           "(sum (n), 0) FROM sample_names WHERE dataset_id = d.id)", ids, error))
      return FALSE;
  }
  if (ids->len == 0)
    return TRUE;
  g_debug ("rewriting the sample names of %u datasets from their rows", ids->len);
  c = store_write_begin (self, error);
  if (c == NULL)
    return FALSE;
  if (!rewrite_blobs (c, ids, error))
    {
      store_conn_release (c);
      return FALSE;
    }
  return store_write_commit (c, error);
}
