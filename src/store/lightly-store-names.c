/* lightly-store-names.c: a dataset's file names in index order, packed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Table sample_names (schema version 3): each insert of samples also
 * writes its names as one row (dataset, the index of its first name, how
 * many, and the names one after another, each ended by a NUL byte), in the
 * same transaction as the rows of `samples`. The table `samples` stays the
 * index by name and by row (lookups of a few rows, uniqueness); this one
 * is for reading the whole mapping, which every agent does when it starts:
 * on 100k names, SQLite's step over one row per sample alone took 17–19 ms
 * on a Zen 1 EPYC, where one blob per insert is a few rows whatever the
 * size (bench/README.md, "Zen 1, session 11"). Samples are only ever
 * appended, so the blobs in index order are the mapping; the reader checks
 * that they tile [0, n_samples) exactly, and a store whose blobs do not is
 * reported damaged rather than read wrong.
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

static void
set_damaged (GError **error, const char *dataset_id, const char *what)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
               "the sample names of dataset %s are damaged (%s); the store may be corrupt: "
               "restore it from a backup", dataset_id, what);
}

char **
store_sample_names (Conn *c, const char *dataset_id, gsize *n_out, GError **error)
{
  g_auto(GStrv) names = NULL;
  gint64 n;
  gsize got = 0;
  int rc;
  STMT st = NULL;

  n = store_dataset_n_samples (c, dataset_id, error);
  if (n < 0)
    return NULL;
  names = g_new0 (char *, (gsize) n + 1);
  st = store_prep (c, "SELECT first_idx, n, names FROM sample_names WHERE dataset_id = ? "
                      "ORDER BY first_idx", error);
  if (st == NULL)
    return NULL;
  store_bind_text (st, 1, dataset_id);
  while ((rc = store_step_row (c, st, "reading sample names", error)) > 0)
    {
      gint64 first = sqlite3_column_int64 (st, 0), count = sqlite3_column_int64 (st, 1);
      const char *blob = sqlite3_column_blob (st, 2), *p, *end;

      p = blob;
      end = blob + sqlite3_column_bytes (st, 2);
      if (first != (gint64) got || count <= 0 || count > n - (gint64) got)
        {
          set_damaged (error, dataset_id, "a block of names out of place");
          return NULL;
        }
      for (gint64 i = 0; i < count; i++)
        {
          const char *nul = p < end ? memchr (p, '\0', (gsize) (end - p)) : NULL;

          if (nul == NULL)
            {
              set_damaged (error, dataset_id, "a block of names cut short");
              return NULL;
            }
          names[got++] = g_memdup2 (p, (gsize) (nul - p) + 1);
          p = nul + 1;
        }
      if (p != end)
        {
          set_damaged (error, dataset_id, "a block of names too long");
          return NULL;
        }
    }
  if (rc < 0)
    return NULL;
  if (got != (gsize) n)
    {
      set_damaged (error, dataset_id, "fewer names than samples");
      return NULL;
    }
  if (n_out != NULL)
    *n_out = got;
  return g_steal_pointer (&names);
}

/* The schema migration 2 → 3: one blob per dataset from the rows of
 * `samples` (inside the migration's transaction). */
gboolean
store_fill_name_blobs (Conn *c, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  {
    STMT st = store_prep (c, "SELECT id FROM datasets ORDER BY rowid", error);

    if (st == NULL)
      return FALSE;
    while ((rc = store_step_row (c, st, "listing datasets", error)) > 0)
      g_ptr_array_add (ids, store_col_text (st, 0));
    if (rc < 0)
      return FALSE;
  }
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      STMT st = store_prep (c, "SELECT file_name FROM samples WHERE dataset_id = ? ORDER BY idx",
                            error);

      if (st == NULL)
        return FALSE;
      store_bind_text (st, 1, id);
      while ((rc = store_step_row (c, st, "reading samples", error)) > 0)
        g_ptr_array_add (names, store_col_text (st, 0));
      if (rc < 0)
        return FALSE;
      sqlite3_reset (st);
      if (!store_insert_name_blob (c, id, 0, (const char * const *) names->pdata, names->len, error))
        return FALSE;
    }
  return TRUE;
}
