/* lightly-store-datasets.c: datasets, samples and tags of the store
 *
 * Owns the rows a selection reads and writes by name: datasets, their
 * samples (index = registration order, the CSV's row order) and tags
 * (canonical bitmasks, parent/query/preselected references, idempotent
 * creation, guarded deletion). The name and bitmask rules of protocol §2.2
 * live here too, since tags and jobs share them. Every write is one
 * transaction through store_write_begin() (DESIGN.md, Store).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store-private.h"

static gboolean
check_sample_name (const char *name, GError **error)
{
  if (!store_check_text ("file name", name, MAX_SAMPLE_NAME_BYTES, error))
    return FALSE;
  if (strchr (name, ',') != NULL)
    {
      g_autofree char *q = store_quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the file name %s contains a comma, which embeddings CSV files cannot "
                   "hold; rename the file", q);
      return FALSE;
    }
  return TRUE;
}

gboolean
lightly_store_check_tag_name (const char *name, GError **error)
{
  gsize len;

  len = name != NULL ? strlen (name) : 0;
  if (len >= 3 && g_ascii_isalnum (name[0]))
    {
      gsize i;

      for (i = 1; i < len; i++)
        {
          char c = name[i];

          if (!g_ascii_isalnum (c) && strchr (" .:;=@_-", c) == NULL)
            break;
        }
      if (i == len)
        return TRUE;
    }
  {
    g_autofree char *q = store_quote (name);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                 "the tag name %s is not valid; a tag name has at least 3 characters, "
                 "starts with a letter or digit, and has only letters, digits, spaces "
                 "and . : ; = @ _ -", q);
  }
  return FALSE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Canonical "0x..." syntax only; the size check needs the dataset. */
gboolean
store_check_bitmask_syntax (const char *hex, GError **error)
{
  const char *digits;

  if (hex == NULL || strncmp (hex, "0x", 2) != 0 || hex[2] == '\0' ||
      (hex[2] == '0' && hex[3] != '\0'))
    goto bad;
  for (digits = hex + 2; *digits; digits++)
    if (hex_value (*digits) < 0)
      goto bad;
  return TRUE;

bad:
  {
    g_autofree char *q = store_quote (hex);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                 "the bitmask %s is not canonical; use lowercase hex with a 0x prefix "
                 "and no leading zeros (0x0 for the empty set)", q);
  }
  return FALSE;
}

static gboolean
check_bitmask_size (const char *hex, guint64 n_samples, GError **error)
{
  gsize n_digits = strlen (hex + 2);
  int top = hex_value (hex[2]);
  guint64 highest;

  if (top == 0)
    return TRUE;
  highest = 4 * (guint64) (n_digits - 1) + (guint64) g_bit_nth_msf ((gulong) top, -1);
  if (highest >= n_samples)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the bitmask sets bit %" G_GUINT64_FORMAT ", but the dataset has only %"
                   G_GUINT64_FORMAT " samples (bits 0 ... %" G_GINT64_FORMAT ")",
                   highest, n_samples, (gint64) n_samples - 1);
      return FALSE;
    }
  return TRUE;
}

/* ---- Datasets ------------------------------------------------------------ */

void
lightly_store_dataset_free (LightlyStoreDataset *dataset)
{
  if (dataset == NULL)
    return;
  g_free (dataset->id);
  g_free (dataset->name);
  g_free (dataset);
}

#define DATASET_COLUMNS "id, name, n_samples, created_at, last_modified_at"

/* A RowFunc. */
static gpointer
dataset_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreDataset *d = g_new0 (LightlyStoreDataset, 1);

  d->id = store_col_text (st, 0);
  d->name = store_col_text (st, 1);
  d->n_samples = (guint64) sqlite3_column_int64 (st, 2);
  d->created_at = sqlite3_column_int64 (st, 3);
  d->last_modified_at = sqlite3_column_int64 (st, 4);
  return d;
}

char *
lightly_store_create_dataset (LightlyStore *self, const char *name, GError **error)
{
  g_autofree char *id = NULL;
  Conn *c;
  gint64 now = store_now_ms ();
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (!store_check_text ("dataset name", name, MAX_NAME_BYTES, error))
    return NULL;
  c = store_write_begin (self, error);
  if (c == NULL)
    return NULL;
  rc = store_query_text (c, "SELECT id FROM datasets WHERE name = ?", name, NULL,
                   "looking up a dataset", &id, error);
  if (rc < 0)
    goto fail;
  if (rc > 0)
    {
      g_autofree char *q = store_quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                   "a dataset named %s exists already (id %s); choose another name", q, id);
      goto fail;
    }
  id = lightly_store_new_id ();
  {
    STMT st = store_prep (c, "INSERT INTO datasets (id, name, n_samples, created_at, "
                       "last_modified_at) VALUES (?, ?, 0, ?, ?)", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, id);
    store_bind_text (st, 2, name);
    sqlite3_bind_int64 (st, 3, now);
    sqlite3_bind_int64 (st, 4, now);
    if (!store_step_done (c, st, "creating a dataset", error))
      goto fail;
  }
  if (!store_write_commit (c, error))
    return NULL;
  return g_steal_pointer (&id);

fail:
  store_conn_release (c);
  return NULL;
}

static LightlyStoreDataset *
get_dataset_where (LightlyStore *self, const char *sql, const char *key,
                   const char *what, GError **error)
{
  return store_read_one_row (self, sql, key, NULL, dataset_from_row, "dataset", what, key, error);
}

LightlyStoreDataset *
lightly_store_get_dataset (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  return get_dataset_where (self, "SELECT " DATASET_COLUMNS " FROM datasets WHERE id = ?",
                            dataset_id, "id", error);
}

LightlyStoreDataset *
lightly_store_get_dataset_by_name (LightlyStore *self, const char *name, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  return get_dataset_where (self, "SELECT " DATASET_COLUMNS " FROM datasets WHERE name = ?",
                            name, "name", error);
}

GPtrArray *
lightly_store_list_datasets (LightlyStore *self, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_rows (self, NULL, NULL, "SELECT " DATASET_COLUMNS " FROM datasets ORDER BY rowid",
                    "listing datasets", dataset_from_row,
                    (GDestroyNotify) lightly_store_dataset_free, error);
}

/* ---- Samples -------------------------------------------------------------- */

/* Appends names at indices n_before ... inside the caller's transaction. */
gboolean
store_insert_samples (Conn *c, const char *dataset_id, gint64 n_before,
                const char * const *names, gsize n, GError **error)
{
  STMT st = store_prep (c, "INSERT INTO samples (dataset_id, idx, file_name) VALUES (?, ?, ?)",
                  error);

  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, dataset_id);
  for (gsize i = 0; i < n; i++)
    {
      int rc;

      sqlite3_bind_int64 (st, 2, n_before + (gint64) i);
      sqlite3_bind_text (st, 3, names[i], -1, SQLITE_STATIC);
      rc = sqlite3_step (st);
      sqlite3_reset (st);
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        {
          g_autofree char *q = store_quote (names[i]);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the file name %s is already a sample of dataset %s; file names "
                       "must be unique", q, dataset_id);
          return FALSE;
        }
      if (rc != SQLITE_DONE)
        {
          store_set_sql_error (error, c->db, "adding samples");
          return FALSE;
        }
    }
  return store_insert_name_blob (c, dataset_id, n_before, names, n, error) &&
         store_touch_dataset (c, dataset_id, (gint64) n, error);
}

/* Checks every name and that the list has no duplicates. */
gboolean
store_check_sample_list (const char * const *names, gsize n, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n; i++)
    {
      if (!check_sample_name (names[i], error))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) names[i]))
        {
          g_autofree char *q = store_quote (names[i]);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the file name %s appears twice in the list (again at position %"
                       G_GSIZE_FORMAT "); file names must be unique", q, i);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
lightly_store_add_samples (LightlyStore       *self,
                           const char         *dataset_id,
                           const char * const *names,
                           gssize              n,
                           GError            **error)
{
  gsize count;
  gint64 n_before;
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);
  g_return_val_if_fail (names != NULL || n == 0, FALSE);

  count = n >= 0 ? (gsize) n : g_strv_length ((char **) names);
  if (!store_check_sample_list (names, count, error))
    return FALSE;

  c = store_write_begin (self, error);
  if (c == NULL)
    return FALSE;
  n_before = store_dataset_n_samples (c, dataset_id, error);
  if (n_before < 0 || !store_insert_samples (c, dataset_id, n_before, names, count, error))
    {
      store_conn_release (c);
      return FALSE;
    }
  return store_write_commit (c, error);
}

gssize
lightly_store_add_samples_from_csv (LightlyStore  *self,
                                    const char    *dataset_id,
                                    GInputStream  *csv,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), -1);
  g_return_val_if_fail (G_IS_INPUT_STREAM (csv), -1);

  parsed = lightly_embeddings_csv_parse (csv, NULL, 0, cancellable, error);
  if (parsed == NULL)
    return -1;
  if (!lightly_store_add_samples (self, dataset_id, parsed->names, (gssize) parsed->n_rows,
                                  error))
    return -1;
  return (gssize) parsed->n_rows;
}

LightlyNames *
lightly_store_get_sample_names (LightlyStore  *self,
                                const char    *dataset_id,
                                GError       **error)
{
  g_autoptr(Conn) c = NULL;
  LightlyNames *names;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  c = store_conn_acquire (self, error);
  if (c == NULL || !store_read_begin (c, error))
    return NULL;
  names = store_sample_names (c, dataset_id, error);
  store_read_end (c);
  return names;
}

char **
lightly_store_get_sample_names_at (LightlyStore  *self,
                                   const char    *dataset_id,
                                   const guint32 *rows,
                                   gsize          n_rows,
                                   GError       **error)
{
  g_autoptr(Conn) c = NULL;
  g_auto(GStrv) names = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);

  c = store_conn_acquire (self, error);
  if (c == NULL || !store_read_begin (c, error))
    return NULL;
  if (store_dataset_n_samples (c, dataset_id, error) < 0)
    ok = FALSE;
  names = g_new0 (char *, n_rows + 1);
  if (ok)
    {
      STMT st = store_prep (c, "SELECT file_name FROM samples WHERE dataset_id = ? AND idx = ?",
                            error);

      ok = st != NULL;
      for (gsize i = 0; ok && i < n_rows; i++)
        {
          int rc;

          sqlite3_reset (st);
          store_bind_text (st, 1, dataset_id);
          sqlite3_bind_int64 (st, 2, rows[i]);
          rc = store_step_row (c, st, "reading samples", error);
          if (rc < 0)
            ok = FALSE;
          else
            names[i] = rc > 0 ? store_col_text (st, 0) : g_strdup ("");
        }
    }
  store_read_end (c);
  return ok ? g_steal_pointer (&names) : NULL;
}

gint64
lightly_store_get_n_samples (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_autoptr(Conn) c = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), -1);

  c = store_conn_acquire (self, error);
  if (c == NULL)
    return -1;
  return store_dataset_n_samples (c, dataset_id, error);
}

gint64
lightly_store_lookup_sample (LightlyStore  *self,
                             const char    *dataset_id,
                             const char    *file_name,
                             GError       **error)
{
  g_autoptr(Conn) c = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), -1);

  c = store_conn_acquire (self, error);
  if (c == NULL)
    return -1;
  {
    STMT st = store_prep (c, "SELECT idx FROM samples WHERE dataset_id = ? AND file_name = ?",
                    error);

    if (st == NULL)
      return -1;
    store_bind_text (st, 1, dataset_id);
    store_bind_text (st, 2, file_name);
    rc = store_step_row (c, st, "looking up a sample", error);
    if (rc < 0)
      return -1;
    if (rc > 0)
      return sqlite3_column_int64 (st, 0);
  }
  if (store_dataset_n_samples (c, dataset_id, error) < 0)
    return -1;
  {
    g_autofree char *q = store_quote (file_name);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                 "the file name %s is not a sample of dataset %s", q, dataset_id);
  }
  return -1;
}

/* ---- Tags ----------------------------------------------------------------- */

void
lightly_store_tag_free (LightlyStoreTag *tag)
{
  if (tag == NULL)
    return;
  g_free (tag->id);
  g_free (tag->dataset_id);
  g_free (tag->name);
  g_clear_pointer (&tag->bitmask_hex, g_ref_string_release);
  g_free (tag->prev_tag_id);
  g_free (tag->query_tag_id);
  g_free (tag->preselected_tag_id);
  g_free (tag->creator);
  g_free (tag);
}

#define TAG_COLUMNS "t.id, t.dataset_id, t.name, t.bitmask, t.prev_tag_id, t.query_tag_id, " \
                    "t.preselected_tag_id, t.creator, t.created_at, d.n_samples"

/* Drops tag @id's mask from the cache (state_lock held). */
static void
forget_mask (LightlyStore *self, const char *id)
{
  char *mask = g_hash_table_lookup (self->tag_masks, id);

  if (mask == NULL)
    return;
  self->tag_masks_bytes -= g_ref_string_length (mask);
  g_hash_table_remove (self->tag_masks, id);
}

/* The mask of tag @id, shared with every other listing of it (see
 * tag_masks); column @col of @st is read, and its overflow pages with it,
 * only the first time. */
static char *
shared_mask (LightlyStore *self, const char *id, sqlite3_stmt *st, int col)
{
  char *mask, *known;
  const char *text;

  g_mutex_lock (&self->state_lock);
  mask = g_hash_table_lookup (self->tag_masks, id);
  if (mask != NULL)
    g_ref_string_acquire (mask);
  g_mutex_unlock (&self->state_lock);
  if (mask != NULL)
    return mask;
  text = (const char *) sqlite3_column_text (st, col);
  mask = g_ref_string_new_len (text != NULL ? text : "", sqlite3_column_bytes (st, col));
  g_mutex_lock (&self->state_lock);
  known = g_hash_table_lookup (self->tag_masks, id);
  if (known == NULL)
    {
      gsize len = g_ref_string_length (mask);

      /* A server that lists the tags of many large datasets would keep
       * every mask it ever read: past the limit the cache starts afresh
       * (the masks handed out live on through their references). */
      if (self->tag_masks_bytes + len > self->tag_masks_limit)
        {
          g_hash_table_remove_all (self->tag_masks);
          self->tag_masks_bytes = 0;
        }
      if (len <= self->tag_masks_limit)
        {
          g_hash_table_insert (self->tag_masks, g_strdup (id), g_ref_string_acquire (mask));
          self->tag_masks_bytes += len;
        }
    }
  else
    {
      /* Another thread listed it meanwhile: keep one copy. */
      g_ref_string_release (mask);
      mask = g_ref_string_acquire (known);
    }
  g_mutex_unlock (&self->state_lock);
  return mask;
}

/* A RowFunc. */
static gpointer
tag_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreTag *t = g_new0 (LightlyStoreTag, 1);

  t->id = store_col_text (st, 0);
  t->dataset_id = store_col_text (st, 1);
  t->name = store_col_text (st, 2);
  t->bitmask_hex = shared_mask (self, t->id, st, 3);
  t->prev_tag_id = store_col_text (st, 4);
  t->query_tag_id = store_col_text (st, 5);
  t->preselected_tag_id = store_col_text (st, 6);
  t->creator = store_col_text (st, 7);
  t->created_at = sqlite3_column_int64 (st, 8);
  t->tot_size = (guint64) sqlite3_column_int64 (st, 9);
  return t;
}

static gboolean
check_tag_ref (Conn *c, const char *dataset_id, const char *field, const char *tag_id,
               GError **error)
{
  int rc;

  if (tag_id == NULL)
    return TRUE;
  rc = store_row_exists (c, "SELECT 1 FROM tags WHERE id = ? AND dataset_id = ?", tag_id, dataset_id,
                   "looking up a tag", error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    {
      g_autofree char *q = store_quote (tag_id);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                   "the %s %s is not a tag of dataset %s", field, q, dataset_id);
      return FALSE;
    }
  return TRUE;
}

/* Is name reserved by a live job other than exclude_job? Orphaned reservations
 * are released on the way. Returns -1 on error, 0 free, 1 reserved. */
static int
name_reserved (LightlyStore *self, Conn *c, const char *dataset_id, const char *name,
               const char *exclude_job, char **job_id_out, GError **error)
{
  g_autofree char *job_id = NULL;
  int rc;

  rc = store_query_text (c, "SELECT id FROM jobs WHERE dataset_id = ? AND new_tag_name = ? AND "
                      "reserved IS NOT NULL AND status IN (0, 1)", dataset_id, name,
                   "looking up a reservation", &job_id, error);
  if (rc <= 0)
    return rc;
  if (exclude_job != NULL && strcmp (job_id, exclude_job) == 0)
    return 0;
  rc = store_recover_if_orphaned (self, c, job_id, error);
  if (rc != 0)
    return rc > 0 ? 0 : -1;
  if (job_id_out != NULL)
    *job_id_out = g_steal_pointer (&job_id);
  return 1;
}

/* Inside a write transaction. Returns the tag id (new or, idempotently, the
 * existing one). */
char *
store_create_tag_tx (LightlyStore *self, Conn *c, const char *dataset_id, const char *name,
               const char *bitmask_hex, const char *prev_tag_id, const char *query_tag_id,
               const char *preselected_tag_id, const char *creator, const char *exclude_job,
               GError **error)
{
  g_autofree char *id = NULL;
  gint64 n_samples;
  int rc;

  n_samples = store_dataset_n_samples (c, dataset_id, error);
  if (n_samples < 0 || !check_bitmask_size (bitmask_hex, (guint64) n_samples, error))
    return NULL;

  {
    STMT st = store_prep (c, "SELECT id, bitmask FROM tags WHERE dataset_id = ? AND name = ?", error);

    if (st == NULL)
      return NULL;
    store_bind_text (st, 1, dataset_id);
    store_bind_text (st, 2, name);
    rc = store_step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      return NULL;
    if (rc > 0)
      {
        g_autofree char *q = NULL;

        if (strcmp ((const char *) sqlite3_column_text (st, 1), bitmask_hex) == 0)
          return store_col_text (st, 0);
        q = store_quote (name);
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "a tag named %s exists already in dataset %s with a different bitmask; "
                     "choose another name", q, dataset_id);
        return NULL;
      }
  }
  {
    g_autofree char *job_id = NULL;

    rc = name_reserved (self, c, dataset_id, name, exclude_job, &job_id, error);
    if (rc < 0)
      return NULL;
    if (rc > 0)
      {
        g_autofree char *q = store_quote (name);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "the tag name %s is reserved by the running selection job %s; "
                     "choose another name", q, job_id);
        return NULL;
      }
  }
  if (!check_tag_ref (c, dataset_id, "previous tag", prev_tag_id, error) ||
      !check_tag_ref (c, dataset_id, "query tag", query_tag_id, error) ||
      !check_tag_ref (c, dataset_id, "preselected tag", preselected_tag_id, error))
    return NULL;

  id = lightly_store_new_id ();
  {
    STMT st = store_prep (c, "INSERT INTO tags (id, dataset_id, name, bitmask, prev_tag_id, "
                       "query_tag_id, preselected_tag_id, creator, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      return NULL;
    store_bind_text (st, 1, id);
    store_bind_text (st, 2, dataset_id);
    store_bind_text (st, 3, name);
    store_bind_text (st, 4, bitmask_hex);
    store_bind_text (st, 5, prev_tag_id);
    store_bind_text (st, 6, query_tag_id);
    store_bind_text (st, 7, preselected_tag_id);
    store_bind_text (st, 8, creator);
    sqlite3_bind_int64 (st, 9, store_now_ms ());
    if (!store_step_done (c, st, "creating a tag", error))
      return NULL;
  }
  if (!store_touch_dataset (c, dataset_id, 0, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
check_tag_input (const char *name, const char *bitmask_hex, const char *creator,
                 GError **error)
{
  return lightly_store_check_tag_name (name, error) &&
         store_check_bitmask_syntax (bitmask_hex, error) &&
         (creator == NULL || store_check_text ("tag creator", creator, MAX_NAME_BYTES, error));
}

char *
lightly_store_create_tag (LightlyStore *self,
                          const char   *dataset_id,
                          const char   *name,
                          const char   *bitmask_hex,
                          const char   *prev_tag_id,
                          const char   *query_tag_id,
                          const char   *preselected_tag_id,
                          const char   *creator,
                          GError      **error)
{
  Conn *c;
  char *id;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (!check_tag_input (name, bitmask_hex, creator, error))
    return NULL;
  c = store_write_begin (self, error);
  if (c == NULL)
    return NULL;
  id = store_create_tag_tx (self, c, dataset_id, name, bitmask_hex, prev_tag_id, query_tag_id,
                      preselected_tag_id, creator, NULL, error);
  if (id == NULL)
    {
      store_conn_release (c);
      return NULL;
    }
  if (!store_write_commit (c, error))
    {
      g_free (id);
      return NULL;
    }
  return id;
}

static LightlyStoreTag *
get_tag_where (LightlyStore *self, const char *sql, const char *a, const char *b,
               const char *what, const char *key, GError **error)
{
  return store_read_one_row (self, sql, a, b, tag_from_row, "tag", what, key, error);
}

LightlyStoreTag *
lightly_store_get_tag (LightlyStore *self, const char *dataset_id, const char *tag_id,
                       GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (dataset_id == NULL)
    return get_tag_where (self, "SELECT " TAG_COLUMNS " FROM tags t JOIN datasets d "
                                "ON d.id = t.dataset_id WHERE t.id = ?",
                          tag_id, NULL, "id", tag_id, error);
  return get_tag_where (self, "SELECT " TAG_COLUMNS " FROM tags t JOIN datasets d "
                              "ON d.id = t.dataset_id WHERE t.id = ? AND t.dataset_id = ?",
                        tag_id, dataset_id, "id", tag_id, error);
}

LightlyStoreTag *
lightly_store_get_tag_by_name (LightlyStore *self, const char *dataset_id, const char *name,
                               GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_tag_where (self, "SELECT " TAG_COLUMNS " FROM tags t JOIN datasets d "
                              "ON d.id = t.dataset_id WHERE t.dataset_id = ? AND t.name = ?",
                        dataset_id, name, "name", name, error);
}

GPtrArray *
lightly_store_list_tags (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_dataset_rows (self, dataset_id,
                            "SELECT " TAG_COLUMNS " FROM tags t JOIN datasets d "
                            "ON d.id = t.dataset_id WHERE t.dataset_id = ? ORDER BY t.seq",
                            "listing tags", tag_from_row,
                            (GDestroyNotify) lightly_store_tag_free, error);
}

/* A RowFunc. */
static gpointer
tag_head_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreTag *t = g_new0 (LightlyStoreTag, 1);

  t->id = store_col_text (st, 0);
  t->dataset_id = store_col_text (st, 1);
  t->name = store_col_text (st, 2);
  t->tot_size = (guint64) sqlite3_column_int64 (st, 3);
  return t;
}

/* The columns after the mask sit in its last overflow page, and SQLite
 * walks the mask's whole chain of pages to reach them: a head reads only
 * the columns before it (a 100k-sample mask is 25 KB, 7 pages). */
GPtrArray *
lightly_store_list_tag_heads (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_dataset_rows (self, dataset_id,
                                  "SELECT t.id, t.dataset_id, t.name, d.n_samples FROM tags t "
                                  "JOIN datasets d ON d.id = t.dataset_id WHERE t.dataset_id = ? "
                                  "ORDER BY t.seq",
                                  "listing tags", tag_head_from_row,
                                  (GDestroyNotify) lightly_store_tag_free, error);
}

/* Inside a transaction: who refers to tag_id? Returns -1 on error, 0 when
 * nothing does, 1 with *who set to a description of the first referrer. */
static int
tag_referrer (Conn *c, const char *tag_id, char **who, GError **error)
{
  int rc;

  {
    STMT st = store_prep (c, "SELECT id, name, CASE WHEN prev_tag_id = ?1 THEN 'previous' "
                       "WHEN query_tag_id = ?1 THEN 'query' ELSE 'preselected' END "
                       "FROM tags WHERE prev_tag_id = ?1 OR query_tag_id = ?1 OR "
                       "preselected_tag_id = ?1 ORDER BY seq LIMIT 1", error);

    if (st == NULL)
      return -1;
    store_bind_text (st, 1, tag_id);
    rc = store_step_row (c, st, "looking up tags that refer to a tag", error);
    if (rc > 0)
      {
        g_autofree char *q = store_quote ((const char *) sqlite3_column_text (st, 1));

        *who = g_strdup_printf ("it is the %s tag of tag %s (id %s); delete that tag first",
                                (const char *) sqlite3_column_text (st, 2), q,
                                (const char *) sqlite3_column_text (st, 0));
      }
    if (rc != 0)
      return rc;
  }
  {
    /* A job's result tag, or the query or preselected tag of a job that is
     * still waiting or running (its parameters name the tag). A FAILED job's
     * parameters are history: nothing reads a tag through them any more. */
    STMT st = store_prep (c, "SELECT id, CASE WHEN result_tag_id = ?1 THEN 'the result of' "
                       "ELSE 'an input of the unfinished' END "
                       "FROM jobs WHERE result_tag_id = ?1 OR (status IN (0, 1) AND "
                       "instr (params, '\"' || ?1 || '\"') > 0) ORDER BY seq LIMIT 1", error);

    if (st == NULL)
      return -1;
    store_bind_text (st, 1, tag_id);
    rc = store_step_row (c, st, "looking up jobs that refer to a tag", error);
    if (rc > 0)
      *who = g_strdup_printf ("it is %s selection job %s",
                              (const char *) sqlite3_column_text (st, 1),
                              (const char *) sqlite3_column_text (st, 0));
    return rc;
  }
}

gboolean
lightly_store_delete_tag (LightlyStore *self, const char *dataset_id, const char *tag_id,
                          GError **error)
{
  g_autoptr(Conn) c = NULL;
  g_autofree char *who = NULL;
  g_autofree char *name = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  if (dataset_id == NULL || tag_id == NULL)
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "deleting a tag needs a dataset id and a tag id");
      return FALSE;
    }
  c = store_write_begin (self, error);
  if (c == NULL)
    return FALSE;
  if (store_dataset_n_samples (c, dataset_id, error) < 0)
    return FALSE;
  rc = store_query_text (c, "SELECT name FROM tags WHERE id = ? AND dataset_id = ?", tag_id,
                   dataset_id, "looking up a tag", &name, error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    {
      g_autofree char *q = store_quote (tag_id);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                   "there is no tag with id %s in dataset %s", q, dataset_id);
      return FALSE;
    }
  /* Every selection's default query tag; the dataset is unusable without it. */
  if (strcmp (name, "initial-tag") == 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the initial-tag (id %s) of dataset %s cannot be deleted", tag_id, dataset_id);
      return FALSE;
    }
  rc = tag_referrer (c, tag_id, &who, error);
  if (rc < 0)
    return FALSE;
  if (rc > 0)
    {
      g_autofree char *q = store_quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the tag %s (id %s) cannot be deleted: %s", q, tag_id, who);
      return FALSE;
    }
  {
    STMT st = store_prep (c, "DELETE FROM scores WHERE tag_id = ?", error);

    if (st == NULL)
      return FALSE;
    store_bind_text (st, 1, tag_id);
    if (!store_step_done (c, st, "deleting a tag's scores", error))
      return FALSE;
  }
  {
    STMT st = store_prep (c, "DELETE FROM tag_picks WHERE tag_id = ?", error);

    if (st == NULL)
      return FALSE;
    store_bind_text (st, 1, tag_id);
    if (!store_step_done (c, st, "deleting why a tag's samples were picked", error))
      return FALSE;
  }
  {
    STMT st = store_prep (c, "DELETE FROM tags WHERE id = ?", error);

    if (st == NULL)
      return FALSE;
    store_bind_text (st, 1, tag_id);
    if (!store_step_done (c, st, "deleting a tag", error))
      return FALSE;
  }
  if (!store_touch_dataset (c, dataset_id, 0, error))
    return FALSE;
  if (!store_write_commit (g_steal_pointer (&c), error))
    return FALSE;
  g_mutex_lock (&self->state_lock);
  forget_mask (self, tag_id);
  g_mutex_unlock (&self->state_lock);
  return TRUE;
}

void
lightly_store_set_tag_masks_limit (LightlyStore *self,
                                   gsize         bytes)
{
  g_return_if_fail (LIGHTLY_IS_STORE (self));
  g_mutex_lock (&self->state_lock);
  self->tag_masks_limit = bytes;
  if (self->tag_masks_bytes > bytes)
    {
      g_hash_table_remove_all (self->tag_masks);
      self->tag_masks_bytes = 0;
    }
  g_mutex_unlock (&self->state_lock);
}

gsize
lightly_store_get_tag_masks_bytes (LightlyStore *self)
{
  gsize bytes;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), 0);
  g_mutex_lock (&self->state_lock);
  bytes = self->tag_masks_bytes;
  g_mutex_unlock (&self->state_lock);
  return bytes;
}
