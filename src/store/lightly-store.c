/* lightly-store.c: the private store of the embedded default
 *
 * Layout of a store directory (DESIGN.md, Store):
 *   lightly.db         SQLite (WAL): datasets, samples, tags, scores,
 *                      embedding metadata, jobs
 *   lightly.db-wal     its write-ahead log, kept when a process that wrote
 *                      exits (part of the store: copy it with lightly.db)
 *   embeddings/<id>.f32  L2-normalised float32 matrix, row i = sample i
 *   embeddings/<id>.cov  carried coverage (lightly-store-coverage.c)
 *   embeddings/<id>.f16, <id>.bf16  half-precision copies of the matrix,
 *                      built on first use (lightly-store-half.c)
 *   csv/<id>.csv       the uploaded CSV, byte for byte
 *   jobs/<id>.lock     flock held by the process that owns a live job
 *   import.lock        shared while an import writes files, exclusive while
 *                      open() removes orphans, so two processes never race
 *
 * This file is the core: the object, the connection pool and the
 * transaction and statement helpers the other files share through
 * lightly-store-private.h. Opening (folders, schema migrations, crash
 * recovery) is lightly-store-open.c; datasets, samples and tags, scores,
 * embeddings, picks, jobs and job owners each have their own file. The core
 * calls none of them, so the room layers cleanly: core, then owners and
 * datasets, then jobs and picks, then opening.
 *
 * Threads: connections are pooled; a connection is used by one thread at a
 * time, so each thread effectively has its own. Writers are serialised by
 * write_lock and use BEGIN IMMEDIATE (other processes wait on busy_timeout);
 * WAL lets readers run beside the writer. The in-memory store uses SQLite's
 * memdb VFS with a shared name: unlike a shared-cache :memory: database it
 * keeps ordinary file locking, so busy_timeout covers reader/writer overlap.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

#define BUSY_TIMEOUT_MS 30000
#define MESSAGE_QUOTE_MAX 80

G_DEFINE_FINAL_TYPE (LightlyStore, lightly_store, G_TYPE_OBJECT)

/* ---- Small helpers ------------------------------------------------------ */

gint64
store_now_ms (void)
{
  return g_get_real_time () / 1000;
}

char *
store_quote (const char *s)
{
  gsize len;
  g_autofree char *cut = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *escaped = NULL;

  if (s == NULL)
    return g_strdup ("(null)");
  len = strlen (s);
  cut = g_strndup (s, MIN (len, (gsize) MESSAGE_QUOTE_MAX));
  valid = g_utf8_make_valid (cut, -1);
  escaped = g_strescape (valid, "");
  if (len > MESSAGE_QUOTE_MAX)
    return g_strdup_printf ("'%s...'", escaped);
  return g_strdup_printf ("'%s'", escaped);
}

char *
lightly_store_new_id (void)
{
  static const char hex[] = "0123456789abcdef";
  guint8 bytes[12];
  char *id = g_malloc (25);

  /* getrandom, not GRand: a forked child must not repeat its parent's ids. */
  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    for (gsize i = 0; i < sizeof bytes; i++)
      bytes[i] = (guint8) g_random_int_range (0, 256);
  for (gsize i = 0; i < sizeof bytes; i++)
    {
      id[2 * i] = hex[bytes[i] >> 4];
      id[2 * i + 1] = hex[bytes[i] & 0xf];
    }
  id[24] = '\0';
  return id;
}

/* Non-empty UTF-8 of at most max_bytes without control characters. */
gboolean
store_check_text (const char *what, const char *s, gsize max_bytes, GError **error)
{
  gsize len;
  const char *end = NULL;

  if (s == NULL || *s == '\0')
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the %s is empty; give a non-empty name", what);
      return FALSE;
    }
  len = strlen (s);
  if (!g_utf8_validate_len (s, len, &end))
    {
      g_autofree char *q = store_quote (s);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the %s %s is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   what, q, (gsize) (end - s));
      return FALSE;
    }
  if (len > max_bytes)
    {
      g_autofree char *q = store_quote (s);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the %s %s is %" G_GSIZE_FORMAT " bytes long; at most %" G_GSIZE_FORMAT
                   " are allowed", what, q, len, max_bytes);
      return FALSE;
    }
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        {
          g_autofree char *q = store_quote (s);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the %s %s contains the control character U+%04X; remove it",
                       what, q, c);
          return FALSE;
        }
    }
  return TRUE;
}

guint64
store_hash_bytes (guint64 h, const guint8 *p, gsize n)
{
  gsize i;

  for (i = 0; i + 8 <= n; i += 8)
    {
      guint64 w;

      memcpy (&w, p + i, 8);
      h = store_hash_word (h, w);
    }
  if (i < n)
    {
      guint64 w = 0;

      memcpy (&w, p + i, n - i);
      h = store_hash_word (h, w);
    }
  return h;
}

guint64
store_matrix_fingerprint (const float *data, gsize n_rows, gsize dim)
{
  guint64 h = store_hash_word (store_hash_word (STORE_HASH_SEED, n_rows), dim);
  gsize i, n = MIN (n_rows, 64);

  for (i = 0; i < n; i++)
    {
      gsize r = n == 1 ? 0 : i * (n_rows - 1) / (n - 1);

      h = store_hash_bytes (h, (const guint8 *) (data + r * dim), dim * sizeof (float));
    }
  return h;
}

char *
store_path (LightlyStore *self, const char *sub, const char *id, const char *suffix)
{
  g_autofree char *base = g_strconcat (id, suffix, NULL);

  return g_build_filename (self->dir, sub, base, NULL);
}

gboolean
store_fsync_dir (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "could not sync the store folder %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Takes an exclusive flock on path without waiting. Returns the fd, -1 when
 * another open file holds it, -2 (with error) on failure. A lock file that is
 * unlinked while we wait is retried, so we never hold a lock on a dead inode. */
int
store_take_lock (const char *path, gboolean exclusive, gboolean wait, GError **error)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      struct stat a, b;
      int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int saved = errno;

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "could not open the lock file %s: %s", path, g_strerror (saved));
          return -2;
        }
      if (flock (fd, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)) != 0)
        {
          int saved = errno;

          close (fd);
          if (saved == EWOULDBLOCK)
            return -1;
          if (saved == EINTR)
            continue;
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "could not lock %s: %s", path, g_strerror (saved));
          return -2;
        }
      if (fstat (fd, &a) == 0 && stat (path, &b) == 0 &&
          a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return fd;
      close (fd);
    }
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
               "could not lock %s: it keeps being replaced", path);
  return -2;
}

void
store_drop_lock (const char *path, int fd)
{
  if (path != NULL)
    g_unlink (path);
  if (fd >= 0)
    close (fd);
}

/* ---- Connections and statements ------------------------------------------ */

void
store_set_sql_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
               "store: %s failed: %s", what, db != NULL ? sqlite3_errmsg (db) : "no database");
}

gboolean
store_exec_sql (sqlite3 *db, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "store: %.40s... failed: %s", sql, msg != NULL ? msg : sqlite3_errmsg (db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static void
conn_free (Conn *c)
{
  g_hash_table_unref (c->stmts);
  /* store_write_commit() says why a store that has written leaves its
   * WAL: whichever of its connections closes last, reader or writer. */
  if (g_atomic_int_get (&c->owner->committed))
    sqlite3_db_config (c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_close (c->db);
  g_free (c);
}

static void
stmt_finalize (gpointer st)
{
  sqlite3_finalize (st);
}

static Conn *
conn_open (LightlyStore *self, GError **error)
{
  sqlite3 *db = NULL;
  Conn *c;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_URI;

  if (sqlite3_open_v2 (self->db_uri, &db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "could not open the store database %s: %s", self->db_uri,
                   db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  /* The WAL is kept between processes (store_write_commit()), and SQLite
   * reuses it without shrinking it: an import's WAL (129 MB for a million
   * names) stayed on disk beside the database for good. journal_size_limit
   * cuts it back to 1 MiB when the next write restarts it after a
   * checkpoint (register-samples' own next commit, its tag); the 128-page
   * automatic checkpoint keeps the WAL under that between resets, so
   * ordinary commits never pay for a truncation. */
  /* Reads of the database file through a mapping rather than one pread()
   * and one copy per page: a cold read of a dataset's mapping (the
   * agent's first step, 20k names ≈ 300 pages) took twice as long. Only
   * reads: writes still go through the WAL, synced as before. */
  if (!store_exec_sql (db, "PRAGMA foreign_keys = ON", error) ||
      (self->dir != NULL && !store_exec_sql (db, "PRAGMA synchronous = FULL", error)) ||
      (self->dir != NULL && !store_exec_sql (db, "PRAGMA mmap_size = 268435456", error)) ||
      (self->dir != NULL && !store_exec_sql (db, "PRAGMA wal_autocheckpoint = 128", error)) ||
      (self->dir != NULL && !store_exec_sql (db, "PRAGMA journal_size_limit = 1048576", error)))
    {
      sqlite3_close (db);
      return NULL;
    }

  c = g_new0 (Conn, 1);
  c->db = db;
  c->owner = self;
  c->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                    stmt_finalize);
  return c;
}

/* An idle connection, preferring one that has written when @writer and one
 * that has not otherwise. SQLite syncs the store's folder at the first sync
 * of each connection's WAL (compiled in; no pragma turns it off), so writes
 * that wander over the pool pay one folder sync per connection: a query's
 * job wrote its result on the connection the thread following it had just
 * read with, one fdatasync more (~0.9 ms). */
static Conn *
conn_take (LightlyStore *self, gboolean writer, GError **error)
{
  Conn *c = NULL;

  g_mutex_lock (&self->conn_lock);
  if (self->idle->len > 0)
    {
      guint i = self->idle->len - 1;

      for (guint j = self->idle->len; j-- > 0;)
        if (((Conn *) g_ptr_array_index (self->idle, j))->has_written == writer)
          {
            i = j;
            break;
          }
      c = g_ptr_array_steal_index_fast (self->idle, i);
    }
  g_mutex_unlock (&self->conn_lock);
  if (c == NULL)
    c = conn_open (self, error);
  return c;
}

Conn *
store_conn_acquire (LightlyStore *self, GError **error)
{
  return conn_take (self, FALSE, error);
}

void
store_conn_release (Conn *c)
{
  LightlyStore *self = c->owner;

  if (sqlite3_get_autocommit (c->db) == 0)
    sqlite3_exec (c->db, "ROLLBACK", NULL, NULL, NULL);
  if (c->relaxed)
    {
      /* Back to the store's rule for every other write. Should it fail,
       * the connection is not reused: it would sync too little. */
      c->relaxed = FALSE;
      if (sqlite3_exec (c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
        {
          if (c->writing)
            {
              c->writing = FALSE;
              g_mutex_unlock (&self->write_lock);
            }
          conn_free (c);
          return;
        }
    }
  if (c->writing)
    {
      c->writing = FALSE;
      g_mutex_unlock (&self->write_lock);
    }
  g_mutex_lock (&self->conn_lock);
  g_ptr_array_add (self->idle, c);
  g_mutex_unlock (&self->conn_lock);
}



/* Statements are prepared once per connection and keyed by the address of
 * their (constant) SQL text; nothing is ever built from input. */
sqlite3_stmt *
store_prep (Conn *c, const char *sql, GError **error)
{
  sqlite3_stmt *st = g_hash_table_lookup (c->stmts, sql);

  if (st != NULL)
    return st;
  if (sqlite3_prepare_v3 (c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (error, c->db, "preparing a statement");
      return NULL;
    }
  g_hash_table_insert (c->stmts, (gpointer) sql, st);
  return st;
}

void
store_stmt_done (sqlite3_stmt **st)
{
  if (*st != NULL)
    {
      sqlite3_reset (*st);
      sqlite3_clear_bindings (*st);
    }
}



void
store_bind_text (sqlite3_stmt *st, int i, const char *s)
{
  if (s == NULL)
    sqlite3_bind_null (st, i);
  else
    sqlite3_bind_text (st, i, s, -1, SQLITE_STATIC);
}

char *
store_col_text (sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text (st, i);

  return t != NULL ? g_strdup ((const char *) t) : NULL;
}

/* Steps a statement that returns no rows. */
gboolean
store_step_done (Conn *c, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  store_set_sql_error (error, c->db, what);
  return FALSE;
}

/* Steps a query: 1 for a row, 0 when done, -1 on error. */
int
store_step_row (Conn *c, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  store_set_sql_error (error, c->db, what);
  return -1;
}

/* Builds a store struct from the current row of a statement. */
typedef gpointer (*RowFunc) (LightlyStore *self, sqlite3_stmt *st);

/* Reads the one row @sql selects, with one or two text parameters. No row
 * is LIGHTLY_ERROR_NOT_FOUND: "there is no THING with WHAT “KEY”". */
int
store_read_row (LightlyStore  *self,
          const char    *sql,
          const char    *a,
          const char    *b,
          RowFunc        from_row,
          const char    *what,
          gpointer      *row_out,
          GError       **error)
{
  g_autoptr(Conn) c = store_conn_acquire (self, error);
  int rc;

  if (c == NULL)
    return -1;
  {
    STMT st = store_prep (c, sql, error);

    if (st == NULL)
      return -1;
    store_bind_text (st, 1, a);
    if (b != NULL)
      store_bind_text (st, 2, b);
    rc = store_step_row (c, st, what, error);
    if (rc > 0)
      *row_out = from_row (self, st);
    return rc;
  }
}

gpointer
store_read_one_row (LightlyStore  *self,
              const char    *sql,
              const char    *a,
              const char    *b,
              RowFunc        from_row,
              const char    *thing,
              const char    *what,
              const char    *key,
              GError       **error)
{
  g_autofree char *reading = g_strdup_printf ("reading a %s", thing);
  gpointer row = NULL;
  int rc = store_read_row (self, sql, a, b, from_row, reading, &row, error);

  if (rc > 0)
    return row;
  if (rc == 0)
    {
      g_autofree char *q = store_quote (key);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "there is no %s with %s %s",
                   thing, what, q);
    }
  return NULL;
}

int
store_query_text (Conn *c, const char *sql, const char *a, const char *b, const char *what,
            char **text_out, GError **error)
{
  STMT st = store_prep (c, sql, error);
  int rc;

  if (st == NULL)
    return -1;
  store_bind_text (st, 1, a);
  if (b != NULL)
    store_bind_text (st, 2, b);
  rc = store_step_row (c, st, what, error);
  if (rc > 0 && text_out != NULL)
    *text_out = store_col_text (st, 0);
  return rc;
}

int
store_row_exists (Conn *c, const char *sql, const char *a, const char *b, const char *what,
            GError **error)
{
  return store_query_text (c, sql, a, b, what, NULL, error);
}

/* One write transaction at a time per store: takes write_lock, then
 * BEGIN IMMEDIATE (waiting for other processes through busy_timeout). */
Conn *
store_write_begin (LightlyStore *self, GError **error)
{
  Conn *c = conn_take (self, TRUE, error);

  if (c == NULL)
    return NULL;
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  if (!store_exec_sql (c->db, "BEGIN IMMEDIATE", error))
    {
      store_conn_release (c);
      return NULL;
    }
  return c;
}

/* store_write_begin() for a write that no user would miss if a power cut
 * took it back (a job's progress counter, rewritten a few times a second):
 * its COMMIT does not wait for the disk (synchronous = NORMAL in WAL mode).
 * SQLite's WAL still keeps the file consistent, and the next ordinary
 * (synchronous = FULL) commit syncs the log with this one in it, so no
 * other write loses any durability; a power cut can only take back the
 * relaxed commits made since the last ordinary one. A crash of the process
 * loses nothing either way. */
Conn *
store_write_begin_relaxed (LightlyStore *self, GError **error)
{
  Conn *c = conn_take (self, TRUE, error);

  if (c == NULL)
    return NULL;
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  if (self->dir != NULL)
    {
      c->relaxed = TRUE;
      if (!store_exec_sql (c->db, "PRAGMA synchronous = NORMAL", error))
        {
          store_conn_release (c);
          return NULL;
        }
    }
  if (!store_exec_sql (c->db, "BEGIN IMMEDIATE", error))
    {
      store_conn_release (c);
      return NULL;
    }
  return c;
}

gboolean
store_write_commit (Conn *c, GError **error)
{
  gboolean ok = store_exec_sql (c->db, "COMMIT", error);

  /* The last connection to close would copy the WAL into the database,
   * sync that and delete the WAL: 4–5 ms at the end of every `lightly-al`
   * command that wrote, for no durability (the COMMIT above synced the
   * WAL). A store that has written leaves the WAL instead; SQLite's
   * automatic checkpoint copies it back inside the commit that takes it
   * past 128 pages (conn_open), so that the WAL every process must scan
   * when it opens the store, and whose pages it reads with pread() rather
   * than through the mapping, stays small (a query adds ~20 pages; an
   * import checkpoints at once). One that only read still cleans up as
   * before, so reading a store leaves its folder as it was. The flag is
   * the store's, not this connection's: SQLite checkpoints when the last
   * connection closes, which may be one that only read. */
  if (ok && c->owner->dir != NULL)
    g_atomic_int_set (&c->owner->committed, TRUE);
  c->has_written = c->has_written || ok;
  store_conn_release (c);
  return ok;
}

/* For multi-statement reads: one snapshot. */
gboolean
store_read_begin (Conn *c, GError **error)
{
  return store_exec_sql (c->db, "BEGIN", error);
}

void
store_read_end (Conn *c)
{
  sqlite3_exec (c->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- Lookups used inside transactions -------------------------------------- */

gboolean
store_not_found (GError **error, const char *what, const char *id)
{
  g_autofree char *q = store_quote (id);

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "there is no %s with id %s",
               what, q);
  return FALSE;
}

/* The dataset's sample count, or -1 (NOT_FOUND or a store error). */
gint64
store_dataset_n_samples (Conn *c, const char *dataset_id, GError **error)
{
  STMT st = store_prep (c, "SELECT n_samples FROM datasets WHERE id = ?", error);
  int rc;

  if (st == NULL)
    return -1;
  store_bind_text (st, 1, dataset_id);
  rc = store_step_row (c, st, "reading a dataset", error);
  if (rc < 0)
    return -1;
  if (rc == 0)
    {
      store_not_found (error, "dataset", dataset_id);
      return -1;
    }
  return sqlite3_column_int64 (st, 0);
}

gboolean
store_touch_dataset (Conn *c, const char *dataset_id, gint64 added_samples, GError **error)
{
  STMT st = store_prep (c, "UPDATE datasets SET n_samples = n_samples + ?, last_modified_at = ? "
                     "WHERE id = ?", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, added_samples);
  sqlite3_bind_int64 (st, 2, store_now_ms ());
  store_bind_text (st, 3, dataset_id);
  return store_step_done (c, st, "updating a dataset", error);
}

GPtrArray *
store_list_rows (LightlyStore   *self,
           CheckFunc       check,
           const char     *key,
           const char     *sql,
           const char     *what,
           RowFunc         from_row,
           GDestroyNotify  free_func,
           GError        **error)
{
  g_autoptr(Conn) c = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  c = store_conn_acquire (self, error);
  if (c == NULL || !store_read_begin (c, error))
    return NULL;
  if (check != NULL && !check (c, key, error))
    return NULL;
  list = g_ptr_array_new_with_free_func (free_func);
  {
    STMT st = store_prep (c, sql, error);

    if (st == NULL)
      return NULL;
    if (key != NULL)
      store_bind_text (st, 1, key);
    while ((rc = store_step_row (c, st, what, error)) > 0)
      g_ptr_array_add (list, from_row (self, st));
    if (rc < 0)
      return NULL;
  }
  store_read_end (c);
  return g_steal_pointer (&list);
}

static gboolean
dataset_exists (Conn *c, const char *dataset_id, GError **error)
{
  return store_dataset_n_samples (c, dataset_id, error) >= 0;
}

GPtrArray *
store_list_dataset_rows (LightlyStore   *self,
                   const char     *dataset_id,
                   const char     *sql,
                   const char     *what,
                   RowFunc         from_row,
                   GDestroyNotify  free_func,
                   GError        **error)
{
  return store_list_rows (self, dataset_exists, dataset_id, sql, what, from_row, free_func, error);
}

void
store_owned_job_free (OwnedJob *job)
{
  if (job->fd >= 0)
    close (job->fd);
  if (job->row != NULL)
    job->row_free (job->row);
  g_free (job);
}

const char *
lightly_store_get_dir (LightlyStore *self)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  return self->dir;
}

static void
lightly_store_finalize (GObject *object)
{
  LightlyStore *self = LIGHTLY_STORE (object);

  g_hash_table_unref (self->owned_jobs);
  g_hash_table_unref (self->mem_matrices);
  g_hash_table_unref (self->mem_csv);
  g_hash_table_unref (self->tag_masks);
  g_clear_pointer (&self->mapped, g_ptr_array_unref);
  g_clear_pointer (&self->halves, g_ptr_array_unref);
  g_ptr_array_unref (self->idle);
  g_mutex_clear (&self->conn_lock);
  g_mutex_clear (&self->write_lock);
  g_mutex_clear (&self->state_lock);
  g_cond_clear (&self->job_cond);
  g_free (self->dir);
  g_free (self->db_uri);
  g_free (self->boot_id);

  G_OBJECT_CLASS (lightly_store_parent_class)->finalize (object);
}

static void
lightly_store_class_init (LightlyStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_store_finalize;
}

static void
lightly_store_init (LightlyStore *self)
{
  g_mutex_init (&self->conn_lock);
  g_mutex_init (&self->write_lock);
  g_mutex_init (&self->state_lock);
  g_cond_init (&self->job_cond);
  self->idle = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  self->owned_jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) store_owned_job_free);
  self->mem_matrices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_bytes_unref);
  self->mem_csv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  self->tag_masks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ref_string_release);
  self->tag_masks_limit = (gsize) 64 << 20;
}
