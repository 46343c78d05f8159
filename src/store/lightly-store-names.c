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

/* Bytes read from a blob at a time: the blob itself (1.6 MB for 100k
 * names) is never held in one piece. */
#define NAME_CHUNK 65536

/* Parses the names of one blob into names[*got …], at most @count of them,
 * reading it in chunks through @blob (a name can span chunks: @part
 * keeps its start). 1, or 0 with *why set when the blob does not hold
 * exactly @count names. */
static int
read_one_blob (sqlite3_blob *blob, char *buf, GString *part, char **names, gsize *got,
               gint64 count, const char **why)
{
  int size = sqlite3_blob_bytes (blob), off = 0;
  gint64 taken = 0;

  g_string_truncate (part, 0);
  while (off < size)
    {
      int len = MIN (NAME_CHUNK, size - off);
      const char *p = buf, *end = buf + len;

      if (sqlite3_blob_read (blob, buf, len, off) != SQLITE_OK)
        return *why = "a block of names unreadable", 0;
      off += len;
      while (p < end)
        {
          const char *nul = memchr (p, '\0', (gsize) (end - p));

          if (taken == count)
            return *why = "a block of names too long", 0;
          if (nul == NULL)
            {
              g_string_append_len (part, p, end - p);
              break;
            }
          if (part->len == 0)
            names[(*got)++] = g_memdup2 (p, (gsize) (nul - p) + 1);
          else
            {
              g_string_append_len (part, p, nul - p);
              names[(*got)++] = g_strndup (part->str, part->len);
              g_string_truncate (part, 0);
            }
          taken++;
          p = nul + 1;
        }
    }
  if (taken != count || part->len > 0)
    return *why = "a block of names cut short", 0;
  return 1;
}

/* The names from the blobs into @names (n slots): 1, or 0 with *why set
 * when the blobs do not tile [0, n) exactly, or -1 on a store error.
 * Each blob is read through incremental blob I/O, in chunks into one
 * buffer: reading the column whole made SQLite assemble a copy of the
 * blob, whose fresh pages fault one by one. On a Zen 5 VM, 100k names took
 * 16.6–19.6 ms that way and 12.2–13.7 ms in chunks (page faults 1,651 →
 * 1,271); most of the rest is the names' own allocations. */
static int
read_name_blobs (Conn *c, const char *dataset_id, char **names, gsize n, const char **why,
                 GError **error)
{
  STMT st = store_prep (c, "SELECT rowid, first_idx, n FROM sample_names WHERE dataset_id = ? "
                           "ORDER BY first_idx", error);
  g_autofree char *buf = NULL;
  g_autoptr(GString) part = NULL;
  gsize got = 0;
  int rc;

  if (st == NULL)
    return -1;
  store_bind_text (st, 1, dataset_id);
  while ((rc = store_step_row (c, st, "reading sample names", error)) > 0)
    {
      gint64 first = sqlite3_column_int64 (st, 1), count = sqlite3_column_int64 (st, 2);
      sqlite3_blob *blob = NULL;
      int ok;

      if (first != (gint64) got || count <= 0 || (guint64) count > n - got)
        return *why = "a block of names out of place", 0;
      /* A value that is not a blob or text (damage) cannot be opened. */
      if (sqlite3_blob_open (c->db, "main", "sample_names", "names",
                             sqlite3_column_int64 (st, 0), 0, &blob) != SQLITE_OK)
        {
          sqlite3_blob_close (blob);
          return *why = "a block of names unreadable", 0;
        }
      if (buf == NULL)
        {
          buf = g_malloc (NAME_CHUNK);
          part = g_string_new (NULL);
        }
      ok = read_one_blob (blob, buf, part, names, &got, count, why);
      sqlite3_blob_close (blob);
      if (!ok)
        return 0;
    }
  if (rc < 0)
    return -1;
  if (got != n)
    return *why = "fewer names than samples", 0;
  return 1;
}

char **
store_sample_names (Conn *c, const char *dataset_id, gsize *n_out, GError **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(GStrv) names = NULL;
  const char *why = NULL;
  gint64 n;
  int rc;

  n = store_dataset_n_samples (c, dataset_id, error);
  if (n < 0)
    return NULL;
  names = g_new0 (char *, (gsize) n + 1);
  rc = read_name_blobs (c, dataset_id, names, (gsize) n, &why, error);
  if (rc < 0)
    return NULL;
  if (rc == 0)
    {
      /* The rows are what the blobs copy: read them instead (a store an
       * older lightly-glib wrote to after this one migrated it, or a blob
       * damaged on disk), slower but right. */
      g_debug ("the sample names of dataset %s do not match their rows (%s); reading the rows",
               dataset_id, why);
      g_clear_pointer (&names, g_strfreev);
      rows = g_ptr_array_new_with_free_func (g_free);
      if (!read_name_rows (c, dataset_id, rows, error))
        return NULL;
      n = rows->len;
      g_ptr_array_add (rows, NULL);
      names = (char **) g_ptr_array_free (g_steal_pointer (&rows), FALSE);
    }
  if (n_out != NULL)
    *n_out = (gsize) n;
  return g_steal_pointer (&names);
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
