/* lightly-store.c: the private store of the embedded default
 *
 * Layout of a store directory (DESIGN.md, Store):
 *   lightly.db         SQLite (WAL): datasets, samples, tags, scores,
 *                      embedding metadata, jobs
 *   embeddings/<id>.f32  L2-normalised float32 matrix, row i = sample i
 *   csv/<id>.csv       the uploaded CSV, byte for byte
 *   jobs/<id>.lock     flock held by the process that owns a live job
 *   import.lock        shared while an import writes files, exclusive while
 *                      open() removes orphans, so two processes never race
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
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lightly/lightly-error.h"
#include "store/lightly-embeddings-csv.h"
#include "store/lightly-store.h"

#define BUSY_TIMEOUT_MS 30000
#define POOL_MAX_THREADS 4
#define PROGRESS_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)
#define MAX_NAME_BYTES 1024
#define MAX_SAMPLE_NAME_BYTES 4096
#define MESSAGE_QUOTE_MAX 80

/* ---- Schema ------------------------------------------------------------ */

/* migrations[v] takes a store from user_version v to v + 1. */
static const char *const migrations[LIGHTLY_STORE_SCHEMA_VERSION] = {
  /* 0 → 1 */
  "CREATE TABLE datasets ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  name TEXT NOT NULL UNIQUE,"
  "  n_samples INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  last_modified_at INTEGER NOT NULL);"
  "CREATE TABLE samples ("
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  idx INTEGER NOT NULL,"
  "  file_name TEXT NOT NULL,"
  "  PRIMARY KEY (dataset_id, idx)) WITHOUT ROWID;"
  "CREATE UNIQUE INDEX samples_by_name ON samples (dataset_id, file_name);"
  "CREATE TABLE tags ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  name TEXT NOT NULL,"
  "  bitmask TEXT NOT NULL,"
  "  prev_tag_id TEXT REFERENCES tags (id),"
  "  query_tag_id TEXT REFERENCES tags (id),"
  "  preselected_tag_id TEXT REFERENCES tags (id),"
  "  creator TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (dataset_id, name));"
  "CREATE TABLE scores ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  tag_id TEXT NOT NULL REFERENCES tags (id),"
  "  score_type TEXT NOT NULL,"
  "  n_values INTEGER NOT NULL,"
  "  vals BLOB NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (tag_id, score_type));"
  "CREATE TABLE embeddings ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  name TEXT NOT NULL,"
  "  n_rows INTEGER NOT NULL,"
  "  dim INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (dataset_id, name));"
  "CREATE TABLE jobs ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  new_tag_name TEXT NOT NULL,"
  "  params TEXT NOT NULL,"
  "  status INTEGER NOT NULL,"
  "  processed INTEGER NOT NULL DEFAULT 0,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  error TEXT,"
  "  result_tag_id TEXT REFERENCES tags (id),"
  "  created_at INTEGER NOT NULL,"
  "  finished_at INTEGER,"
  "  owner_pid INTEGER NOT NULL,"
  "  owner_boot_id TEXT NOT NULL,"
  "  reserved INTEGER);"
  /* A name is reserved by at most one job; FAILED jobs set reserved NULL. */
  "CREATE UNIQUE INDEX jobs_reservations ON jobs (dataset_id, new_tag_name)"
  "  WHERE reserved IS NOT NULL;"
  "CREATE INDEX jobs_by_status ON jobs (status);",
};

/* migrate() writes the version literally. */
G_STATIC_ASSERT (LIGHTLY_STORE_SCHEMA_VERSION == 1);

/* ---- Types --------------------------------------------------------------- */

typedef struct {
  sqlite3 *db;
  GHashTable *stmts;          /* SQL text pointer → sqlite3_stmt */
  LightlyStore *owner;        /* not a reference */
  gboolean writing;           /* holds owner->write_lock */
} Conn;

typedef struct {
  int fd;                     /* the jobs/<id>.lock fd, -1 in memory */
  gint64 processed;
  gint64 total;
  gint64 last_write;          /* monotonic µs of the last progress UPDATE */
  gboolean dirty;
} OwnedJob;

struct _LightlyStore {
  GObject parent_instance;

  char *dir;                  /* NULL: in memory */
  char *db_uri;
  char *boot_id;

  GMutex conn_lock;
  GPtrArray *idle;            /* Conn*, ready for use */

  GMutex write_lock;

  GThreadPool *pool;

  GMutex state_lock;          /* guards the tables below and job_changes */
  GCond job_cond;             /* signalled when job_changes grows */
  guint64 job_changes;
  GHashTable *owned_jobs;     /* job id → OwnedJob* */
  GHashTable *mem_matrices;   /* embedding id → GBytes (memory mode) */
  GHashTable *mem_csv;        /* embedding id → GBytes (memory mode) */
};

G_DEFINE_FINAL_TYPE (LightlyStore, lightly_store, G_TYPE_OBJECT)

struct _LightlyStoreMatrix {
  gatomicrefcount ref_count;
  GMappedFile *mapped;
  GBytes *bytes;
  const float *data;
  gsize n_rows;
  gsize dim;
};

typedef struct {
  LightlyStore *store;
  LightlyStoreWorkFunc func;
  gpointer data;
} Work;

/* ---- Small helpers ------------------------------------------------------ */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* A short, printable rendering of a value for an error message. */
static char *
quote (const char *s)
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
static gboolean
check_text (const char *what, const char *s, gsize max_bytes, GError **error)
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
      g_autofree char *q = quote (s);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the %s %s is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   what, q, (gsize) (end - s));
      return FALSE;
    }
  if (len > max_bytes)
    {
      g_autofree char *q = quote (s);

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
          g_autofree char *q = quote (s);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the %s %s contains the control character U+%04X; remove it",
                       what, q, c);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_sample_name (const char *name, GError **error)
{
  if (!check_text ("file name", name, MAX_SAMPLE_NAME_BYTES, error))
    return FALSE;
  if (strchr (name, ',') != NULL)
    {
      g_autofree char *q = quote (name);

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
    g_autofree char *q = quote (name);

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
static gboolean
check_bitmask_syntax (const char *hex, GError **error)
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
    g_autofree char *q = quote (hex);

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

static char *
store_path (LightlyStore *self, const char *sub, const char *id, const char *suffix)
{
  g_autofree char *base = g_strconcat (id, suffix, NULL);

  return g_build_filename (self->dir, sub, base, NULL);
}

static gboolean
fsync_dir (const char *path, GError **error)
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
static int
take_lock (const char *path, gboolean exclusive, gboolean wait, GError **error)
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

static void
drop_lock (const char *path, int fd)
{
  if (path != NULL)
    g_unlink (path);
  if (fd >= 0)
    close (fd);
}

/* ---- Connections and statements ------------------------------------------ */

static void
set_sql_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
               "store: %s failed: %s", what, db != NULL ? sqlite3_errmsg (db) : "no database");
}

static gboolean
exec_sql (sqlite3 *db, const char *sql, GError **error)
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
  if (!exec_sql (db, "PRAGMA foreign_keys = ON", error) ||
      (self->dir != NULL && !exec_sql (db, "PRAGMA synchronous = FULL", error)))
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

static Conn *
conn_acquire (LightlyStore *self, GError **error)
{
  Conn *c = NULL;

  g_mutex_lock (&self->conn_lock);
  if (self->idle->len > 0)
    c = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->conn_lock);
  if (c == NULL)
    c = conn_open (self, error);
  return c;
}

static void
conn_release (Conn *c)
{
  LightlyStore *self = c->owner;

  if (sqlite3_get_autocommit (c->db) == 0)
    sqlite3_exec (c->db, "ROLLBACK", NULL, NULL, NULL);
  if (c->writing)
    {
      c->writing = FALSE;
      g_mutex_unlock (&self->write_lock);
    }
  g_mutex_lock (&self->conn_lock);
  g_ptr_array_add (self->idle, c);
  g_mutex_unlock (&self->conn_lock);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conn, conn_release)

/* Statements are prepared once per connection and keyed by the address of
 * their (constant) SQL text; nothing is ever built from input. */
static sqlite3_stmt *
prep (Conn *c, const char *sql, GError **error)
{
  sqlite3_stmt *st = g_hash_table_lookup (c->stmts, sql);

  if (st != NULL)
    return st;
  if (sqlite3_prepare_v3 (c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    {
      set_sql_error (error, c->db, "preparing a statement");
      return NULL;
    }
  g_hash_table_insert (c->stmts, (gpointer) sql, st);
  return st;
}

static void
stmt_done (sqlite3_stmt **st)
{
  if (*st != NULL)
    {
      sqlite3_reset (*st);
      sqlite3_clear_bindings (*st);
    }
}

#define STMT __attribute__ ((cleanup (stmt_done))) sqlite3_stmt *

static void
bind_text (sqlite3_stmt *st, int i, const char *s)
{
  if (s == NULL)
    sqlite3_bind_null (st, i);
  else
    sqlite3_bind_text (st, i, s, -1, SQLITE_STATIC);
}

static char *
col_text (sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text (st, i);

  return t != NULL ? g_strdup ((const char *) t) : NULL;
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (Conn *c, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  set_sql_error (error, c->db, what);
  return FALSE;
}

/* Steps a query: 1 for a row, 0 when done, -1 on error. */
static int
step_row (Conn *c, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  set_sql_error (error, c->db, what);
  return -1;
}

/* Builds a store struct from the current row of a statement. */
typedef gpointer (*RowFunc) (LightlyStore *self, sqlite3_stmt *st);

/* Reads the one row @sql selects, with one or two text parameters. No row
 * is LIGHTLY_ERROR_NOT_FOUND: "there is no THING with WHAT “KEY”". */
static gpointer
read_one_row (LightlyStore  *self,
              const char    *sql,
              const char    *a,
              const char    *b,
              RowFunc        from_row,
              const char    *thing,
              const char    *what,
              const char    *key,
              GError       **error)
{
  g_autoptr(Conn) c = conn_acquire (self, error);
  g_autofree char *reading = NULL;
  int rc;

  if (c == NULL)
    return NULL;
  reading = g_strdup_printf ("reading a %s", thing);
  {
    STMT st = prep (c, sql, error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, a);
    if (b != NULL)
      bind_text (st, 2, b);
    rc = step_row (c, st, reading, error);
    if (rc < 0)
      return NULL;
    if (rc > 0)
      return from_row (self, st);
  }
  {
    g_autofree char *q = quote (key);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "there is no %s with %s %s",
                 thing, what, q);
  }
  return NULL;
}

/* One write transaction at a time per store: takes write_lock, then
 * BEGIN IMMEDIATE (waiting for other processes through busy_timeout). */
static Conn *
write_begin (LightlyStore *self, GError **error)
{
  Conn *c = conn_acquire (self, error);

  if (c == NULL)
    return NULL;
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  if (!exec_sql (c->db, "BEGIN IMMEDIATE", error))
    {
      conn_release (c);
      return NULL;
    }
  return c;
}

static gboolean
write_commit (Conn *c, GError **error)
{
  gboolean ok = exec_sql (c->db, "COMMIT", error);

  conn_release (c);
  return ok;
}

/* For multi-statement reads: one snapshot. */
static gboolean
read_begin (Conn *c, GError **error)
{
  return exec_sql (c->db, "BEGIN", error);
}

static void
read_end (Conn *c)
{
  sqlite3_exec (c->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- Lookups used inside transactions -------------------------------------- */

static gboolean
not_found (GError **error, const char *what, const char *id)
{
  g_autofree char *q = quote (id);

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "there is no %s with id %s",
               what, q);
  return FALSE;
}

/* The dataset's sample count, or -1 (NOT_FOUND or a store error). */
static gint64
dataset_n_samples (Conn *c, const char *dataset_id, GError **error)
{
  STMT st = prep (c, "SELECT n_samples FROM datasets WHERE id = ?", error);
  int rc;

  if (st == NULL)
    return -1;
  bind_text (st, 1, dataset_id);
  rc = step_row (c, st, "reading a dataset", error);
  if (rc < 0)
    return -1;
  if (rc == 0)
    {
      not_found (error, "dataset", dataset_id);
      return -1;
    }
  return sqlite3_column_int64 (st, 0);
}

static gboolean
touch_dataset (Conn *c, const char *dataset_id, gint64 added_samples, GError **error)
{
  STMT st = prep (c, "UPDATE datasets SET n_samples = n_samples + ?, last_modified_at = ? "
                     "WHERE id = ?", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, added_samples);
  sqlite3_bind_int64 (st, 2, now_ms ());
  bind_text (st, 3, dataset_id);
  return step_done (c, st, "updating a dataset", error);
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

static LightlyStoreDataset *
dataset_from_row (sqlite3_stmt *st)
{
  LightlyStoreDataset *d = g_new0 (LightlyStoreDataset, 1);

  d->id = col_text (st, 0);
  d->name = col_text (st, 1);
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
  gint64 now = now_ms ();
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (!check_text ("dataset name", name, MAX_NAME_BYTES, error))
    return NULL;
  c = write_begin (self, error);
  if (c == NULL)
    return NULL;
  {
    STMT st = prep (c, "SELECT id FROM datasets WHERE name = ?", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, name);
    rc = step_row (c, st, "looking up a dataset", error);
    if (rc < 0)
      goto fail;
    if (rc > 0)
      {
        g_autofree char *q = quote (name);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "a dataset named %s exists already (id %s); choose another name",
                     q, (const char *) sqlite3_column_text (st, 0));
        goto fail;
      }
  }
  id = lightly_store_new_id ();
  {
    STMT st = prep (c, "INSERT INTO datasets (id, name, n_samples, created_at, "
                       "last_modified_at) VALUES (?, ?, 0, ?, ?)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, id);
    bind_text (st, 2, name);
    sqlite3_bind_int64 (st, 3, now);
    sqlite3_bind_int64 (st, 4, now);
    if (!step_done (c, st, "creating a dataset", error))
      goto fail;
  }
  if (!write_commit (c, error))
    return NULL;
  return g_steal_pointer (&id);

fail:
  conn_release (c);
  return NULL;
}

static gpointer
dataset_row (LightlyStore *self, sqlite3_stmt *st)
{
  return dataset_from_row (st);
}

static LightlyStoreDataset *
get_dataset_where (LightlyStore *self, const char *sql, const char *key,
                   const char *what, GError **error)
{
  return read_one_row (self, sql, key, NULL, dataset_row, "dataset", what, key, error);
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
  g_autoptr(Conn) c = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  c = conn_acquire (self, error);
  if (c == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_store_dataset_free);
  {
    STMT st = prep (c, "SELECT " DATASET_COLUMNS " FROM datasets ORDER BY rowid", error);

    if (st == NULL)
      return NULL;
    while ((rc = step_row (c, st, "listing datasets", error)) > 0)
      g_ptr_array_add (list, dataset_from_row (st));
    if (rc < 0)
      return NULL;
  }
  return g_steal_pointer (&list);
}

/* ---- Samples -------------------------------------------------------------- */

/* Appends names at indices n_before ... inside the caller's transaction. */
static gboolean
insert_samples (Conn *c, const char *dataset_id, gint64 n_before,
                const char * const *names, gsize n, GError **error)
{
  STMT st = prep (c, "INSERT INTO samples (dataset_id, idx, file_name) VALUES (?, ?, ?)",
                  error);

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, dataset_id);
  for (gsize i = 0; i < n; i++)
    {
      int rc;

      sqlite3_bind_int64 (st, 2, n_before + (gint64) i);
      sqlite3_bind_text (st, 3, names[i], -1, SQLITE_STATIC);
      rc = sqlite3_step (st);
      sqlite3_reset (st);
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        {
          g_autofree char *q = quote (names[i]);

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "the file name %s is already a sample of dataset %s; file names "
                       "must be unique", q, dataset_id);
          return FALSE;
        }
      if (rc != SQLITE_DONE)
        {
          set_sql_error (error, c->db, "adding samples");
          return FALSE;
        }
    }
  return touch_dataset (c, dataset_id, (gint64) n, error);
}

/* Checks every name and that the list has no duplicates. */
static gboolean
check_sample_list (const char * const *names, gsize n, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n; i++)
    {
      if (!check_sample_name (names[i], error))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) names[i]))
        {
          g_autofree char *q = quote (names[i]);

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
  if (!check_sample_list (names, count, error))
    return FALSE;

  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  n_before = dataset_n_samples (c, dataset_id, error);
  if (n_before < 0 || !insert_samples (c, dataset_id, n_before, names, count, error))
    {
      conn_release (c);
      return FALSE;
    }
  return write_commit (c, error);
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

static char **
sample_names (Conn *c, const char *dataset_id, gsize *n_out, GError **error)
{
  gint64 n;
  GPtrArray *names;
  int rc;

  n = dataset_n_samples (c, dataset_id, error);
  if (n < 0)
    return NULL;
  names = g_ptr_array_sized_new ((guint) n + 1);
  {
    STMT st = prep (c, "SELECT file_name FROM samples WHERE dataset_id = ? ORDER BY idx",
                    error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, dataset_id);
    while ((rc = step_row (c, st, "reading samples", error)) > 0)
      g_ptr_array_add (names, col_text (st, 0));
    if (rc < 0)
      goto fail;
  }
  if (n_out != NULL)
    *n_out = names->len;
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);

fail:
  g_ptr_array_set_free_func (names, g_free);
  g_ptr_array_unref (names);
  return NULL;
}

char **
lightly_store_get_sample_names (LightlyStore  *self,
                                const char    *dataset_id,
                                gsize         *n_out,
                                GError       **error)
{
  g_autoptr(Conn) c = NULL;
  char **names;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  c = conn_acquire (self, error);
  if (c == NULL || !read_begin (c, error))
    return NULL;
  names = sample_names (c, dataset_id, n_out, error);
  read_end (c);
  return names;
}

gint64
lightly_store_get_n_samples (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_autoptr(Conn) c = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), -1);

  c = conn_acquire (self, error);
  if (c == NULL)
    return -1;
  return dataset_n_samples (c, dataset_id, error);
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

  c = conn_acquire (self, error);
  if (c == NULL)
    return -1;
  {
    STMT st = prep (c, "SELECT idx FROM samples WHERE dataset_id = ? AND file_name = ?",
                    error);

    if (st == NULL)
      return -1;
    bind_text (st, 1, dataset_id);
    bind_text (st, 2, file_name);
    rc = step_row (c, st, "looking up a sample", error);
    if (rc < 0)
      return -1;
    if (rc > 0)
      return sqlite3_column_int64 (st, 0);
  }
  if (dataset_n_samples (c, dataset_id, error) < 0)
    return -1;
  {
    g_autofree char *q = quote (file_name);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                 "the file name %s is not a sample of dataset %s", q, dataset_id);
  }
  return -1;
}

/* ---- Jobs: ownership ------------------------------------------------------ */

static void
job_changed (LightlyStore *self)
{
  g_mutex_lock (&self->state_lock);
  self->job_changes++;
  g_cond_broadcast (&self->job_cond);
  g_mutex_unlock (&self->state_lock);
}

static void
owned_job_free (OwnedJob *job)
{
  if (job->fd >= 0)
    close (job->fd);
  g_free (job);
}

static gboolean
owns_job (LightlyStore *self, const char *job_id)
{
  gboolean owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_contains (self->owned_jobs, job_id);
  g_mutex_unlock (&self->state_lock);
  return owned;
}

/* Inside a write transaction: if the live job job_id is not ours and its lock
 * can be taken, its owner is gone; mark it FAILED "owner exited" and release
 * its reservation. Returns TRUE when it did. */
static gboolean
recover_if_orphaned (LightlyStore *self, Conn *c, const char *job_id, GError **error)
{
  g_autofree char *path = NULL;
  int fd;

  if (self->dir == NULL || owns_job (self, job_id))
    return FALSE;
  path = store_path (self, "jobs", job_id, ".lock");
  fd = take_lock (path, TRUE, FALSE, NULL);
  if (fd < 0)
    return FALSE;
  {
    STMT st = prep (c, "UPDATE jobs SET status = 3, error = 'owner exited', finished_at = ?, "
                       "reserved = NULL WHERE id = ? AND status IN (0, 1)", error);

    if (st == NULL)
      {
        close (fd);
        return FALSE;
      }
    sqlite3_bind_int64 (st, 1, now_ms ());
    bind_text (st, 2, job_id);
    if (!step_done (c, st, "failing an orphaned job", error))
      {
        close (fd);
        return FALSE;
      }
  }
  drop_lock (path, fd);
  return TRUE;
}

/* Checks every live job (at open). */
static gboolean
recover_all_orphans (LightlyStore *self, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Conn *c;
  int rc;

  if (self->dir == NULL)
    return TRUE;
  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = prep (c, "SELECT id FROM jobs WHERE status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    while ((rc = step_row (c, st, "listing jobs", error)) > 0)
      g_ptr_array_add (ids, col_text (st, 0));
    if (rc < 0)
      goto fail;
  }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local = NULL;

      recover_if_orphaned (self, c, g_ptr_array_index (ids, i), &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          goto fail;
        }
    }
  return write_commit (c, error);

fail:
  conn_release (c);
  return FALSE;
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
  g_free (tag->bitmask_hex);
  g_free (tag->prev_tag_id);
  g_free (tag->query_tag_id);
  g_free (tag->preselected_tag_id);
  g_free (tag->creator);
  g_free (tag);
}

#define TAG_COLUMNS "t.id, t.dataset_id, t.name, t.bitmask, t.prev_tag_id, t.query_tag_id, " \
                    "t.preselected_tag_id, t.creator, t.created_at, d.n_samples"

static LightlyStoreTag *
tag_from_row (sqlite3_stmt *st)
{
  LightlyStoreTag *t = g_new0 (LightlyStoreTag, 1);

  t->id = col_text (st, 0);
  t->dataset_id = col_text (st, 1);
  t->name = col_text (st, 2);
  t->bitmask_hex = col_text (st, 3);
  t->prev_tag_id = col_text (st, 4);
  t->query_tag_id = col_text (st, 5);
  t->preselected_tag_id = col_text (st, 6);
  t->creator = col_text (st, 7);
  t->created_at = sqlite3_column_int64 (st, 8);
  t->tot_size = (guint64) sqlite3_column_int64 (st, 9);
  return t;
}

static gboolean
check_tag_ref (Conn *c, const char *dataset_id, const char *field, const char *tag_id,
               GError **error)
{
  int rc;
  STMT st = NULL;

  if (tag_id == NULL)
    return TRUE;
  st = prep (c, "SELECT 1 FROM tags WHERE id = ? AND dataset_id = ?", error);
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, tag_id);
  bind_text (st, 2, dataset_id);
  rc = step_row (c, st, "looking up a tag", error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    {
      g_autofree char *q = quote (tag_id);

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

  {
    STMT st = prep (c, "SELECT id FROM jobs WHERE dataset_id = ? AND new_tag_name = ? AND "
                       "reserved IS NOT NULL AND status IN (0, 1)", error);

    if (st == NULL)
      return -1;
    bind_text (st, 1, dataset_id);
    bind_text (st, 2, name);
    rc = step_row (c, st, "looking up a reservation", error);
    if (rc <= 0)
      return rc;
    job_id = col_text (st, 0);
  }
  if (exclude_job != NULL && strcmp (job_id, exclude_job) == 0)
    return 0;
  {
    g_autoptr(GError) local = NULL;

    if (recover_if_orphaned (self, c, job_id, &local))
      return 0;
    if (local != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local));
        return -1;
      }
  }
  if (job_id_out != NULL)
    *job_id_out = g_steal_pointer (&job_id);
  return 1;
}

/* Inside a write transaction. Returns the tag id (new or, idempotently, the
 * existing one). */
static char *
create_tag_tx (LightlyStore *self, Conn *c, const char *dataset_id, const char *name,
               const char *bitmask_hex, const char *prev_tag_id, const char *query_tag_id,
               const char *preselected_tag_id, const char *creator, const char *exclude_job,
               GError **error)
{
  g_autofree char *id = NULL;
  gint64 n_samples;
  int rc;

  n_samples = dataset_n_samples (c, dataset_id, error);
  if (n_samples < 0 || !check_bitmask_size (bitmask_hex, (guint64) n_samples, error))
    return NULL;

  {
    STMT st = prep (c, "SELECT id, bitmask FROM tags WHERE dataset_id = ? AND name = ?", error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, dataset_id);
    bind_text (st, 2, name);
    rc = step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      return NULL;
    if (rc > 0)
      {
        g_autofree char *q = NULL;

        if (strcmp ((const char *) sqlite3_column_text (st, 1), bitmask_hex) == 0)
          return col_text (st, 0);
        q = quote (name);
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
        g_autofree char *q = quote (name);

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
    STMT st = prep (c, "INSERT INTO tags (id, dataset_id, name, bitmask, prev_tag_id, "
                       "query_tag_id, preselected_tag_id, creator, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, id);
    bind_text (st, 2, dataset_id);
    bind_text (st, 3, name);
    bind_text (st, 4, bitmask_hex);
    bind_text (st, 5, prev_tag_id);
    bind_text (st, 6, query_tag_id);
    bind_text (st, 7, preselected_tag_id);
    bind_text (st, 8, creator);
    sqlite3_bind_int64 (st, 9, now_ms ());
    if (!step_done (c, st, "creating a tag", error))
      return NULL;
  }
  if (!touch_dataset (c, dataset_id, 0, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
check_tag_input (const char *name, const char *bitmask_hex, const char *creator,
                 GError **error)
{
  return lightly_store_check_tag_name (name, error) &&
         check_bitmask_syntax (bitmask_hex, error) &&
         (creator == NULL || check_text ("tag creator", creator, MAX_NAME_BYTES, error));
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
  c = write_begin (self, error);
  if (c == NULL)
    return NULL;
  id = create_tag_tx (self, c, dataset_id, name, bitmask_hex, prev_tag_id, query_tag_id,
                      preselected_tag_id, creator, NULL, error);
  if (id == NULL)
    {
      conn_release (c);
      return NULL;
    }
  if (!write_commit (c, error))
    {
      g_free (id);
      return NULL;
    }
  return id;
}

static gpointer
tag_row (LightlyStore *self, sqlite3_stmt *st)
{
  return tag_from_row (st);
}

static LightlyStoreTag *
get_tag_where (LightlyStore *self, const char *sql, const char *a, const char *b,
               const char *what, const char *key, GError **error)
{
  return read_one_row (self, sql, a, b, tag_row, "tag", what, key, error);
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

/* Reads the rows of one dataset's table, in insertion order, after checking
 * that the dataset exists. @from_row builds an element from a row. */

static GPtrArray *
list_dataset_rows (LightlyStore   *self,
                   const char     *dataset_id,
                   const char     *sql,
                   const char     *what,
                   RowFunc         from_row,
                   GDestroyNotify  free_func,
                   GError        **error)
{
  g_autoptr(Conn) c = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  c = conn_acquire (self, error);
  if (c == NULL || !read_begin (c, error))
    return NULL;
  if (dataset_n_samples (c, dataset_id, error) < 0)
    return NULL;
  list = g_ptr_array_new_with_free_func (free_func);
  {
    STMT st = prep (c, sql, error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, dataset_id);
    while ((rc = step_row (c, st, what, error)) > 0)
      g_ptr_array_add (list, from_row (self, st));
    if (rc < 0)
      return NULL;
  }
  read_end (c);
  return g_steal_pointer (&list);
}

GPtrArray *
lightly_store_list_tags (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return list_dataset_rows (self, dataset_id,
                            "SELECT " TAG_COLUMNS " FROM tags t JOIN datasets d "
                            "ON d.id = t.dataset_id WHERE t.dataset_id = ? ORDER BY t.seq",
                            "listing tags", tag_row, (GDestroyNotify) lightly_store_tag_free, error);
}

/* Inside a transaction: who refers to tag_id? Returns -1 on error, 0 when
 * nothing does, 1 with *who set to a description of the first referrer. */
static int
tag_referrer (Conn *c, const char *tag_id, char **who, GError **error)
{
  int rc;

  {
    STMT st = prep (c, "SELECT id, name, CASE WHEN prev_tag_id = ?1 THEN 'previous' "
                       "WHEN query_tag_id = ?1 THEN 'query' ELSE 'preselected' END "
                       "FROM tags WHERE prev_tag_id = ?1 OR query_tag_id = ?1 OR "
                       "preselected_tag_id = ?1 ORDER BY seq LIMIT 1", error);

    if (st == NULL)
      return -1;
    bind_text (st, 1, tag_id);
    rc = step_row (c, st, "looking up tags that refer to a tag", error);
    if (rc > 0)
      {
        g_autofree char *q = quote ((const char *) sqlite3_column_text (st, 1));

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
    STMT st = prep (c, "SELECT id, CASE WHEN result_tag_id = ?1 THEN 'the result of' "
                       "ELSE 'an input of the unfinished' END "
                       "FROM jobs WHERE result_tag_id = ?1 OR (status IN (0, 1) AND "
                       "instr (params, '\"' || ?1 || '\"') > 0) ORDER BY seq LIMIT 1", error);

    if (st == NULL)
      return -1;
    bind_text (st, 1, tag_id);
    rc = step_row (c, st, "looking up jobs that refer to a tag", error);
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
  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  if (dataset_n_samples (c, dataset_id, error) < 0)
    return FALSE;
  {
    STMT st = prep (c, "SELECT name FROM tags WHERE id = ? AND dataset_id = ?", error);

    if (st == NULL)
      return FALSE;
    bind_text (st, 1, tag_id);
    bind_text (st, 2, dataset_id);
    rc = step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      return FALSE;
    if (rc == 0)
      {
        g_autofree char *q = quote (tag_id);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND,
                     "there is no tag with id %s in dataset %s", q, dataset_id);
        return FALSE;
      }
    name = col_text (st, 0);
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
      g_autofree char *q = quote (name);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "the tag %s (id %s) cannot be deleted: %s", q, tag_id, who);
      return FALSE;
    }
  {
    STMT st = prep (c, "DELETE FROM scores WHERE tag_id = ?", error);

    if (st == NULL)
      return FALSE;
    bind_text (st, 1, tag_id);
    if (!step_done (c, st, "deleting a tag's scores", error))
      return FALSE;
  }
  {
    STMT st = prep (c, "DELETE FROM tags WHERE id = ?", error);

    if (st == NULL)
      return FALSE;
    bind_text (st, 1, tag_id);
    if (!step_done (c, st, "deleting a tag", error))
      return FALSE;
  }
  if (!touch_dataset (c, dataset_id, 0, error))
    return FALSE;
  return write_commit (g_steal_pointer (&c), error);
}

/* ---- Scores --------------------------------------------------------------- */

void
lightly_store_score_free (LightlyStoreScore *score)
{
  if (score == NULL)
    return;
  g_free (score->id);
  g_free (score->tag_id);
  g_free (score->score_type);
  g_free (score->values);
  g_free (score);
}

char *
lightly_store_set_scores (LightlyStore *self,
                          const char   *tag_id,
                          const char   *score_type,
                          const double *values,
                          gsize         n_values,
                          GError      **error)
{
  g_autofree char *id = NULL;
  g_autofree guint64 *le = NULL;
  Conn *c;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);

  if (!check_text ("score type", score_type, MAX_NAME_BYTES, error))
    return NULL;
  le = g_new (guint64, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    {
      guint64 bits;

      if (!isfinite (values[i]))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "score %" G_GSIZE_FORMAT " of '%s' is %g; scores must be finite",
                       i, score_type, values[i]);
          return NULL;
        }
      memcpy (&bits, &values[i], sizeof bits);
      le[i] = GUINT64_TO_LE (bits);
    }

  c = write_begin (self, error);
  if (c == NULL)
    return NULL;
  {
    STMT st = prep (c, "SELECT 1 FROM tags WHERE id = ?", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, tag_id);
    rc = step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      goto fail;
    if (rc == 0)
      {
        not_found (error, "tag", tag_id);
        goto fail;
      }
  }
  {
    STMT st = prep (c, "SELECT id FROM scores WHERE tag_id = ? AND score_type = ?", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, tag_id);
    bind_text (st, 2, score_type);
    rc = step_row (c, st, "looking up a score", error);
    if (rc < 0)
      goto fail;
    id = rc > 0 ? col_text (st, 0) : lightly_store_new_id ();
  }
  {
    /* Delete and insert, so a replacement becomes the newest upload. */
    STMT st = prep (c, "DELETE FROM scores WHERE id = ?", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, id);
    if (!step_done (c, st, "replacing a score", error))
      goto fail;
  }
  {
    STMT st = prep (c, "INSERT INTO scores (id, tag_id, score_type, n_values, vals, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, id);
    bind_text (st, 2, tag_id);
    bind_text (st, 3, score_type);
    sqlite3_bind_int64 (st, 4, (gint64) n_values);
    sqlite3_bind_blob64 (st, 5, le, n_values * sizeof (guint64), SQLITE_STATIC);
    sqlite3_bind_int64 (st, 6, now_ms ());
    if (!step_done (c, st, "storing scores", error))
      goto fail;
  }
  if (!write_commit (c, error))
    return NULL;
  return g_steal_pointer (&id);

fail:
  conn_release (c);
  return NULL;
}

static LightlyStoreScore *
score_from_row (sqlite3_stmt *st, gboolean with_values)
{
  LightlyStoreScore *s = g_new0 (LightlyStoreScore, 1);

  s->id = col_text (st, 0);
  s->tag_id = col_text (st, 1);
  s->score_type = col_text (st, 2);
  s->created_at = sqlite3_column_int64 (st, 3);
  s->n_values = (gsize) sqlite3_column_int64 (st, 4);
  if (with_values)
    {
      const guint64 *blob = sqlite3_column_blob (st, 5);
      gsize bytes = (gsize) sqlite3_column_bytes (st, 5);

      s->n_values = MIN (s->n_values, bytes / sizeof (guint64));
      s->values = g_new (double, MAX (s->n_values, 1));
      for (gsize i = 0; i < s->n_values; i++)
        {
          guint64 bits;

          memcpy (&bits, blob + i, sizeof bits);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&s->values[i], &bits, sizeof bits);
        }
    }
  return s;
}

#define SCORE_COLUMNS "id, tag_id, score_type, created_at, n_values, vals"

static LightlyStoreScore *
get_score_where (LightlyStore *self, const char *sql, const char *a, const char *b,
                 const char *message_prefix, const char *message_key,
                 const char *message_suffix, GError **error)
{
  g_autoptr(Conn) c = conn_acquire (self, error);
  int rc;

  if (c == NULL)
    return NULL;
  {
    STMT st = prep (c, sql, error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, a);
    if (b != NULL)
      bind_text (st, 2, b);
    rc = step_row (c, st, "reading a score", error);
    if (rc < 0)
      return NULL;
    if (rc > 0)
      return score_from_row (st, TRUE);
  }
  {
    g_autofree char *q = quote (message_key);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "%s %s%s", message_prefix, q,
                 message_suffix);
  }
  return NULL;
}

GPtrArray *
lightly_store_list_scores (LightlyStore *self, const char *tag_id, GError **error)
{
  g_autoptr(Conn) c = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  c = conn_acquire (self, error);
  if (c == NULL || !read_begin (c, error))
    return NULL;
  {
    STMT st = prep (c, "SELECT 1 FROM tags WHERE id = ?", error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, tag_id);
    rc = step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      return NULL;
    if (rc == 0)
      {
        not_found (error, "tag", tag_id);
        return NULL;
      }
  }
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_store_score_free);
  {
    STMT st = prep (c, "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? ORDER BY seq",
                    error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, tag_id);
    while ((rc = step_row (c, st, "listing scores", error)) > 0)
      g_ptr_array_add (list, score_from_row (st, FALSE));
    if (rc < 0)
      return NULL;
  }
  read_end (c);
  return g_steal_pointer (&list);
}

LightlyStoreScore *
lightly_store_get_score (LightlyStore *self, const char *tag_id, const char *score_id,
                         GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (tag_id == NULL)
    return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE id = ?",
                            score_id, NULL, "there is no score with id", score_id, "", error);
  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE id = ? AND "
                                "tag_id = ?", score_id, tag_id,
                          "there is no score with id", score_id, " on that tag", error);
}

LightlyStoreScore *
lightly_store_get_score_by_type (LightlyStore *self, const char *tag_id,
                                 const char *score_type, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? AND "
                                "score_type = ?", tag_id, score_type,
                          "the tag has no score of type", score_type, "", error);
}

LightlyStoreScore *
lightly_store_get_newest_score (LightlyStore *self, const char *tag_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? "
                                "ORDER BY seq DESC LIMIT 1", tag_id, NULL,
                          "the tag", tag_id, " has no scores; upload scores first", error);
}

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

static LightlyStoreEmbedding *
embedding_from_row (sqlite3_stmt *st)
{
  LightlyStoreEmbedding *e = g_new0 (LightlyStoreEmbedding, 1);

  e->id = col_text (st, 0);
  e->dataset_id = col_text (st, 1);
  e->name = col_text (st, 2);
  e->n_rows = (guint64) sqlite3_column_int64 (st, 3);
  e->dim = (guint64) sqlite3_column_int64 (st, 4);
  e->created_at = sqlite3_column_int64 (st, 5);
  return e;
}

/* 1 if the dataset has an embedding of that name, 0 if not, -1 on error. */
static int
embedding_name_taken (Conn *c, const char *dataset_id, const char *name, GError **error)
{
  STMT st = prep (c, "SELECT 1 FROM embeddings WHERE dataset_id = ? AND name = ?", error);
  int rc;

  if (st == NULL)
    return -1;
  bind_text (st, 1, dataset_id);
  bind_text (st, 2, name);
  rc = step_row (c, st, "looking up an embedding", error);
  if (rc > 0)
    {
      g_autofree char *q = quote (name);

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
  return fsync_dir (dir, error);
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
          g_autofree char *q = quote (csv->names[r]);

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
      q = quote (key);
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
          g_autofree char *q = quote (csv->names[r]);

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

char *
lightly_store_add_embedding_full (LightlyStore               *self,
                                  const char                 *dataset_id,
                                  const char                 *name,
                                  GInputStream               *csv,
                                  LightlyStoreEmbeddingFlags  flags,
                                  GCancellable               *cancellable,
                                  GError                    **error)
{
  g_autofree char *id = NULL;
  g_autofree char *csv_tmp = NULL, *csv_final = NULL, *f32_tmp = NULL, *f32_final = NULL;
  g_autofree char *import_lock = NULL;
  g_autoptr(GOutputStream) copy = NULL;
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;
  g_autofree guint64 *perm = NULL;
  g_autofree float *matrix = NULL;
  g_auto(GStrv) samples = NULL;
  g_autoptr(GBytes) csv_bytes = NULL;
  gsize n_samples = 0;
  gboolean register_samples = FALSE;
  gboolean files_written = FALSE;
  int lock_fd = -1;
  Conn *c = NULL;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (csv), NULL);

  if (!check_text ("embedding name", name, MAX_NAME_BYTES, error))
    return NULL;
  id = lightly_store_new_id ();

  if (self->dir != NULL)
    {
      int fd;

      /* Shared: open() elsewhere must not take our files for orphans. */
      import_lock = g_build_filename (self->dir, "import.lock", NULL);
      lock_fd = take_lock (import_lock, FALSE, TRUE, error);
      if (lock_fd < 0)
        return NULL;
      csv_tmp = store_path (self, "csv", id, ".csv.tmp");
      csv_final = store_path (self, "csv", id, ".csv");
      f32_tmp = store_path (self, "embeddings", id, ".f32.tmp");
      f32_final = store_path (self, "embeddings", id, ".f32");
      fd = open (csv_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          int saved = errno;

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not create %s: %s",
                       csv_tmp, g_strerror (saved));
          goto fail;
        }
      copy = g_unix_output_stream_new (fd, TRUE);
    }
  else
    copy = g_memory_output_stream_new_resizable ();

  parsed = lightly_embeddings_csv_parse (csv, copy, 0, cancellable, error);
  if (parsed == NULL)
    goto fail;

  {
    g_autoptr(Conn) rc = conn_acquire (self, error);

    if (rc == NULL || !read_begin (rc, error))
      goto fail;
    samples = sample_names (rc, dataset_id, &n_samples, error);
    if (samples == NULL)
      goto fail;
    if (embedding_name_taken (rc, dataset_id, name, error) != 0)
      goto fail;
    read_end (rc);
  }

  register_samples = (flags & LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES) && n_samples == 0;
  if (register_samples)
    {
      if (!check_sample_list (parsed->names, parsed->n_rows, error))
        goto fail;
    }
  else
    {
      perm = match_rows (parsed, samples, n_samples, dataset_id, error);
      if (perm == NULL)
        goto fail;
    }
  matrix = normalise_rows (parsed, perm, error);
  if (matrix == NULL)
    goto fail;

  /* Files first (DESIGN.md, Store): tmp + fsync, rename + fsync dir, then the row. */
  if (self->dir != NULL)
    {
      int fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (copy));

      if (fsync (fd) != 0)
        {
          int saved = errno;

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE, "could not write %s: %s",
                       csv_tmp, g_strerror (saved));
          goto fail;
        }
      if (!g_output_stream_close (copy, NULL, error))
        goto fail;
      files_written = TRUE;
      if (!write_file_synced (f32_tmp, matrix, parsed->n_rows * parsed->dim * sizeof (float),
                              error))
        goto fail;
      {
        g_autofree char *edir = g_build_filename (self->dir, "embeddings", NULL);
        g_autofree char *cdir = g_build_filename (self->dir, "csv", NULL);

        if (!rename_synced (f32_tmp, f32_final, edir, error) ||
            !rename_synced (csv_tmp, csv_final, cdir, error))
          goto fail;
      }
    }
  else
    {
      if (!g_output_stream_close (copy, NULL, error))
        goto fail;
      csv_bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (copy));
      g_mutex_lock (&self->state_lock);
      g_hash_table_insert (self->mem_csv, g_strdup (id), g_bytes_ref (csv_bytes));
      g_hash_table_insert (self->mem_matrices, g_strdup (id),
                           g_bytes_new_take (g_steal_pointer (&matrix),
                                             parsed->n_rows * parsed->dim * sizeof (float)));
      g_mutex_unlock (&self->state_lock);
      files_written = TRUE;
    }

  c = write_begin (self, error);
  if (c == NULL)
    goto fail;
  {
    gint64 now_n = dataset_n_samples (c, dataset_id, error);

    if (now_n < 0)
      goto fail;
    if ((guint64) now_n != (register_samples ? 0 : n_samples))
      {
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                     "the samples of dataset %s changed during the embedding upload; "
                     "upload it again", dataset_id);
        goto fail;
      }
  }
  if (embedding_name_taken (c, dataset_id, name, error) != 0)
    goto fail;
  if (register_samples &&
      !insert_samples (c, dataset_id, 0, parsed->names, parsed->n_rows, error))
    goto fail;
  {
    STMT st = prep (c, "INSERT INTO embeddings (id, dataset_id, name, n_rows, dim, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, id);
    bind_text (st, 2, dataset_id);
    bind_text (st, 3, name);
    sqlite3_bind_int64 (st, 4, (gint64) parsed->n_rows);
    sqlite3_bind_int64 (st, 5, (gint64) parsed->dim);
    sqlite3_bind_int64 (st, 6, now_ms ());
    if (!step_done (c, st, "adding an embedding", error))
      goto fail;
  }
  if (!touch_dataset (c, dataset_id, 0, error))
    goto fail;
  if (!write_commit (g_steal_pointer (&c), error))
    goto fail;

  if (lock_fd >= 0)
    close (lock_fd);
  return g_steal_pointer (&id);

fail:
  if (c != NULL)
    conn_release (c);
  if (self->dir != NULL)
    {
      if (copy != NULL && !g_output_stream_is_closed (copy))
        g_output_stream_close (copy, NULL, NULL);
      if (csv_tmp != NULL)
        g_unlink (csv_tmp);
      if (files_written)
        {
          g_unlink (csv_final);
          g_unlink (f32_tmp);
          g_unlink (f32_final);
        }
    }
  else if (files_written)
    {
      g_mutex_lock (&self->state_lock);
      g_hash_table_remove (self->mem_csv, id);
      g_hash_table_remove (self->mem_matrices, id);
      g_mutex_unlock (&self->state_lock);
    }
  if (lock_fd >= 0)
    close (lock_fd);
  return NULL;
}

static gpointer
embedding_row (LightlyStore *self, sqlite3_stmt *st)
{
  return embedding_from_row (st);
}

GPtrArray *
lightly_store_list_embeddings (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return list_dataset_rows (self, dataset_id,
                            "SELECT " EMBEDDING_COLUMNS " FROM embeddings WHERE dataset_id = ? ORDER BY seq",
                            "listing embeddings", embedding_row,
                            (GDestroyNotify) lightly_store_embedding_free, error);
}

static LightlyStoreEmbedding *
get_embedding_where (LightlyStore *self, const char *sql, const char *a, const char *b,
                     const char *what, const char *key, GError **error)
{
  return read_one_row (self, sql, a, b, embedding_row, "embedding", what, key, error);
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
      if (in == NULL)
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                     "the CSV of embedding %s is missing", e->id);
      return in;
    }
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
  m = g_new0 (LightlyStoreMatrix, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->n_rows = (gsize) e->n_rows;
  m->dim = (gsize) e->dim;
  if (self->dir != NULL)
    {
      g_autofree char *path = store_path (self, "embeddings", e->id, ".f32");
      g_autoptr(GError) local = NULL;

      m->mapped = g_mapped_file_new (path, FALSE, &local);
      if (m->mapped == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "could not map embedding %s: %s", e->id, local->message);
          goto fail;
        }
      if (g_mapped_file_get_length (m->mapped) != expected)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "the matrix file of embedding %s has %" G_GSIZE_FORMAT " bytes, "
                       "expected %" G_GSIZE_FORMAT "; the store is damaged", e->id,
                       g_mapped_file_get_length (m->mapped), expected);
          goto fail;
        }
      m->data = (const float *) (const void *) g_mapped_file_get_contents (m->mapped);
    }
  else
    {
      g_mutex_lock (&self->state_lock);
      m->bytes = g_hash_table_lookup (self->mem_matrices, e->id);
      if (m->bytes != NULL)
        g_bytes_ref (m->bytes);
      g_mutex_unlock (&self->state_lock);
      if (m->bytes == NULL || g_bytes_get_size (m->bytes) != expected)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "the matrix of embedding %s is missing", e->id);
          goto fail;
        }
      m->data = g_bytes_get_data (m->bytes, NULL);
    }
  return m;

fail:
  lightly_store_matrix_unref (m);
  return NULL;
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

/* ---- Jobs ----------------------------------------------------------------- */

const char *
lightly_store_job_status_to_string (LightlyStoreJobStatus status)
{
  switch (status)
    {
    case LIGHTLY_STORE_JOB_WAITING:
      return "WAITING";
    case LIGHTLY_STORE_JOB_RUNNING:
      return "RUNNING";
    case LIGHTLY_STORE_JOB_FINISHED:
      return "FINISHED";
    case LIGHTLY_STORE_JOB_FAILED:
      return "FAILED";
    default:
      return "UNKNOWN";
    }
}

void
lightly_store_job_free (LightlyStoreJob *job)
{
  if (job == NULL)
    return;
  g_free (job->id);
  g_free (job->dataset_id);
  g_free (job->new_tag_name);
  g_free (job->params_json);
  g_free (job->error_message);
  g_free (job->result_tag_id);
  g_free (job->owner_boot_id);
  g_free (job);
}

#define JOB_COLUMNS "id, dataset_id, new_tag_name, params, status, processed, total, error, " \
                    "result_tag_id, created_at, finished_at, owner_pid, owner_boot_id"

static LightlyStoreJob *
job_from_row (LightlyStore *self, sqlite3_stmt *st)
{
  LightlyStoreJob *j = g_new0 (LightlyStoreJob, 1);
  OwnedJob *owned;

  j->id = col_text (st, 0);
  j->dataset_id = col_text (st, 1);
  j->new_tag_name = col_text (st, 2);
  j->params_json = col_text (st, 3);
  j->status = (LightlyStoreJobStatus) sqlite3_column_int (st, 4);
  j->processed = sqlite3_column_int64 (st, 5);
  j->total = sqlite3_column_int64 (st, 6);
  j->error_message = col_text (st, 7);
  j->result_tag_id = col_text (st, 8);
  j->created_at = sqlite3_column_int64 (st, 9);
  j->finished_at = sqlite3_column_int64 (st, 10);
  j->owner_pid = sqlite3_column_int64 (st, 11);
  j->owner_boot_id = col_text (st, 12);

  /* Progress not yet written: ours is newer than the row. */
  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, j->id);
  if (owned != NULL && j->status == LIGHTLY_STORE_JOB_RUNNING)
    {
      j->processed = owned->processed;
      j->total = owned->total;
    }
  g_mutex_unlock (&self->state_lock);
  return j;
}

char *
lightly_store_create_selection_job (LightlyStore *self,
                                    const char   *dataset_id,
                                    const char   *new_tag_name,
                                    const char   *params_json,
                                    gboolean     *existing,
                                    GError      **error)
{
  g_autofree char *id = NULL;
  g_autofree char *lock_path = NULL;
  int lock_fd = -1;
  Conn *c = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (params_json != NULL, NULL);

  if (existing != NULL)
    *existing = FALSE;
  if (!lightly_store_check_tag_name (new_tag_name, error))
    return NULL;
  if (!g_utf8_validate (params_json, -1, NULL))
    {
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                           "the selection parameters are not valid UTF-8");
      return NULL;
    }

  id = lightly_store_new_id ();
  /* The lock is taken before the row exists, so no one ever sees a live job
   * without a held lock. */
  if (self->dir != NULL)
    {
      lock_path = store_path (self, "jobs", id, ".lock");
      lock_fd = take_lock (lock_path, TRUE, FALSE, error);
      if (lock_fd < 0)
        {
          if (lock_fd == -1)
            g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                         "the new job's lock %s is held already", lock_path);
          return NULL;
        }
    }

  c = write_begin (self, error);
  if (c == NULL)
    goto fail;
  if (dataset_n_samples (c, dataset_id, error) < 0)
    goto fail;

  for (int round = 0; round < 2; round++)
    {
      g_autofree char *other_id = NULL;
      g_autofree char *other_params = NULL;
      LightlyStoreJobStatus other_status;

      {
        STMT st = prep (c, "SELECT id, params, status FROM jobs WHERE dataset_id = ? AND "
                           "new_tag_name = ? AND reserved IS NOT NULL", error);

        if (st == NULL)
          goto fail;
        bind_text (st, 1, dataset_id);
        bind_text (st, 2, new_tag_name);
        rc = step_row (c, st, "looking up a reservation", error);
        if (rc < 0)
          goto fail;
        if (rc == 0)
          break;
        other_id = col_text (st, 0);
        other_params = col_text (st, 1);
        other_status = (LightlyStoreJobStatus) sqlite3_column_int (st, 2);
      }
      if (other_status == LIGHTLY_STORE_JOB_WAITING ||
          other_status == LIGHTLY_STORE_JOB_RUNNING)
        {
          g_autoptr(GError) local = NULL;

          if (recover_if_orphaned (self, c, other_id, &local))
            continue;
          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              goto fail;
            }
        }
      if (strcmp (other_params, params_json) == 0)
        {
          /* A re-sent request: answer with the job it created. */
          conn_release (c);
          drop_lock (lock_path, lock_fd);
          if (existing != NULL)
            *existing = TRUE;
          return g_steal_pointer (&other_id);
        }
      {
        g_autofree char *q = quote (new_tag_name);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "the tag name %s is reserved by selection job %s with other "
                     "parameters; choose another name", q, other_id);
      }
      goto fail;
    }

  {
    STMT st = prep (c, "SELECT 1 FROM tags WHERE dataset_id = ? AND name = ?", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, dataset_id);
    bind_text (st, 2, new_tag_name);
    rc = step_row (c, st, "looking up a tag", error);
    if (rc < 0)
      goto fail;
    if (rc > 0)
      {
        g_autofree char *q = quote (new_tag_name);

        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS,
                     "a tag named %s exists already in dataset %s; choose another name",
                     q, dataset_id);
        goto fail;
      }
  }
  {
    STMT st = prep (c, "INSERT INTO jobs (id, dataset_id, new_tag_name, params, status, "
                       "created_at, owner_pid, owner_boot_id, reserved) "
                       "VALUES (?, ?, ?, ?, 0, ?, ?, ?, 1)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, id);
    bind_text (st, 2, dataset_id);
    bind_text (st, 3, new_tag_name);
    bind_text (st, 4, params_json);
    sqlite3_bind_int64 (st, 5, now_ms ());
    sqlite3_bind_int64 (st, 6, (gint64) getpid ());
    bind_text (st, 7, self->boot_id);
    if (!step_done (c, st, "creating a job", error))
      goto fail;
  }

  {
    OwnedJob *owned = g_new0 (OwnedJob, 1);

    owned->fd = lock_fd;
    g_mutex_lock (&self->state_lock);
    g_hash_table_insert (self->owned_jobs, g_strdup (id), owned);
    g_mutex_unlock (&self->state_lock);
  }
  if (!write_commit (c, error))
    {
      g_mutex_lock (&self->state_lock);
      g_hash_table_remove (self->owned_jobs, id);   /* closes lock_fd */
      g_mutex_unlock (&self->state_lock);
      if (lock_path != NULL)
        g_unlink (lock_path);
      return NULL;
    }
  return g_steal_pointer (&id);

fail:
  if (c != NULL)
    conn_release (c);
  drop_lock (lock_path, lock_fd);
  return NULL;
}

/* Job must be ours; returns FALSE with BUSY otherwise. */
static gboolean
require_owned (LightlyStore *self, const char *job_id, GError **error)
{
  if (owns_job (self, job_id))
    return TRUE;
  {
    g_autofree char *q = quote (job_id);

    g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY,
                 "the job %s is not run by this process (unknown, finished, or owned by "
                 "another process)", q);
  }
  return FALSE;
}

static gboolean
job_state_error (Conn *c, const char *job_id, const char *action, GError **error)
{
  STMT st = prep (c, "SELECT status FROM jobs WHERE id = ?", error);
  int rc;

  if (st == NULL)
    return FALSE;
  bind_text (st, 1, job_id);
  rc = step_row (c, st, "reading a job", error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    return not_found (error, "job", job_id);
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY, "cannot %s job %s: it is %s",
               action, job_id,
               lightly_store_job_status_to_string ((LightlyStoreJobStatus) sqlite3_column_int (st, 0)));
  return FALSE;
}

gboolean
lightly_store_begin_job (LightlyStore *self, const char *job_id, gint64 total, GError **error)
{
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  if (!require_owned (self, job_id, error))
    return FALSE;
  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = prep (c, "UPDATE jobs SET status = 1, processed = 0, total = ?, owner_pid = ?, "
                       "owner_boot_id = ? WHERE id = ? AND status = 0", error);

    if (st == NULL)
      goto fail;
    sqlite3_bind_int64 (st, 1, total);
    sqlite3_bind_int64 (st, 2, (gint64) getpid ());
    bind_text (st, 3, self->boot_id);
    bind_text (st, 4, job_id);
    if (!step_done (c, st, "starting a job", error))
      goto fail;
    if (sqlite3_changes (c->db) == 0)
      {
        job_state_error (c, job_id, "start", error);
        goto fail;
      }
  }
  {
    OwnedJob *owned;

    g_mutex_lock (&self->state_lock);
    owned = g_hash_table_lookup (self->owned_jobs, job_id);
    if (owned != NULL)
      {
        owned->processed = 0;
        owned->total = total;
        owned->last_write = g_get_monotonic_time ();
        owned->dirty = FALSE;
      }
    g_mutex_unlock (&self->state_lock);
  }
  if (!write_commit (c, error))
    return FALSE;
  job_changed (self);
  return TRUE;

fail:
  conn_release (c);
  return FALSE;
}

gboolean
lightly_store_update_job_progress (LightlyStore *self, const char *job_id, gint64 processed,
                                   gint64 total, GError **error)
{
  OwnedJob *owned;
  gboolean write = FALSE;
  gint64 now = g_get_monotonic_time ();
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, job_id);
  if (owned != NULL)
    {
      owned->processed = processed;
      owned->total = total;
      owned->dirty = TRUE;
      self->job_changes++;
      g_cond_broadcast (&self->job_cond);
      if (now - owned->last_write >= PROGRESS_INTERVAL_US)
        {
          owned->last_write = now;
          owned->dirty = FALSE;
          write = TRUE;
        }
    }
  g_mutex_unlock (&self->state_lock);
  if (owned == NULL)
    return require_owned (self, job_id, error);
  if (!write)
    return TRUE;

  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = prep (c, "UPDATE jobs SET processed = ?, total = ? WHERE id = ? AND status = 1",
                    error);

    if (st == NULL)
      {
        conn_release (c);
        return FALSE;
      }
    sqlite3_bind_int64 (st, 1, processed);
    sqlite3_bind_int64 (st, 2, total);
    bind_text (st, 3, job_id);
    if (!step_done (c, st, "updating job progress", error))
      {
        conn_release (c);
        return FALSE;
      }
  }
  return write_commit (c, error);
}

/* Forgets a finished job: closes and removes its lock. */
static void
release_job (LightlyStore *self, const char *job_id)
{
  OwnedJob *owned = NULL;
  gpointer key = NULL;

  g_mutex_lock (&self->state_lock);
  if (g_hash_table_steal_extended (self->owned_jobs, job_id, &key, (gpointer *) &owned))
    g_free (key);
  g_mutex_unlock (&self->state_lock);
  if (owned == NULL)
    return;
  if (self->dir != NULL)
    {
      g_autofree char *path = store_path (self, "jobs", job_id, ".lock");

      g_unlink (path);
    }
  owned_job_free (owned);
}

static void
owned_progress (LightlyStore *self, const char *job_id, gint64 *processed, gint64 *total)
{
  OwnedJob *owned;

  g_mutex_lock (&self->state_lock);
  owned = g_hash_table_lookup (self->owned_jobs, job_id);
  *processed = owned != NULL ? owned->processed : 0;
  *total = owned != NULL ? owned->total : 0;
  g_mutex_unlock (&self->state_lock);
}

char *
lightly_store_finish_job (LightlyStore *self,
                          const char   *job_id,
                          const char   *bitmask_hex,
                          const char   *prev_tag_id,
                          const char   *query_tag_id,
                          const char   *preselected_tag_id,
                          const char   *creator,
                          GError      **error)
{
  g_autofree char *dataset_id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *tag_id = NULL;
  gint64 processed, total;
  Conn *c;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (!require_owned (self, job_id, error) ||
      !check_bitmask_syntax (bitmask_hex, error) ||
      (creator != NULL && !check_text ("tag creator", creator, MAX_NAME_BYTES, error)))
    return NULL;
  owned_progress (self, job_id, &processed, &total);

  c = write_begin (self, error);
  if (c == NULL)
    return NULL;
  {
    STMT st = prep (c, "SELECT dataset_id, new_tag_name FROM jobs WHERE id = ? AND "
                       "status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, job_id);
    rc = step_row (c, st, "reading a job", error);
    if (rc < 0)
      goto fail;
    if (rc == 0)
      {
        job_state_error (c, job_id, "finish", error);
        goto fail;
      }
    dataset_id = col_text (st, 0);
    name = col_text (st, 1);
  }
  tag_id = create_tag_tx (self, c, dataset_id, name, bitmask_hex, prev_tag_id, query_tag_id,
                          preselected_tag_id, creator, job_id, error);
  if (tag_id == NULL)
    goto fail;
  {
    STMT st = prep (c, "UPDATE jobs SET status = 2, processed = MAX (processed, ?), "
                       "total = MAX (total, ?), result_tag_id = ?, finished_at = ? "
                       "WHERE id = ?", error);

    if (st == NULL)
      goto fail;
    sqlite3_bind_int64 (st, 1, processed);
    sqlite3_bind_int64 (st, 2, total);
    bind_text (st, 3, tag_id);
    sqlite3_bind_int64 (st, 4, now_ms ());
    bind_text (st, 5, job_id);
    if (!step_done (c, st, "finishing a job", error))
      goto fail;
  }
  if (!write_commit (c, error))
    return NULL;
  release_job (self, job_id);
  job_changed (self);
  return g_steal_pointer (&tag_id);

fail:
  conn_release (c);
  return NULL;
}

gboolean
lightly_store_fail_job (LightlyStore *self, const char *job_id, const char *message,
                        GError **error)
{
  gint64 processed, total;
  Conn *c;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);

  if (!require_owned (self, job_id, error))
    return FALSE;
  owned_progress (self, job_id, &processed, &total);
  c = write_begin (self, error);
  if (c == NULL)
    return FALSE;
  {
    STMT st = prep (c, "UPDATE jobs SET status = 3, error = ?, finished_at = ?, reserved = NULL, "
                       "processed = MAX (processed, ?), total = MAX (total, ?) "
                       "WHERE id = ? AND status IN (0, 1)", error);

    if (st == NULL)
      goto fail;
    bind_text (st, 1, message != NULL ? message : "failed");
    sqlite3_bind_int64 (st, 2, now_ms ());
    sqlite3_bind_int64 (st, 3, processed);
    sqlite3_bind_int64 (st, 4, total);
    bind_text (st, 5, job_id);
    if (!step_done (c, st, "failing a job", error))
      goto fail;
    if (sqlite3_changes (c->db) == 0)
      {
        job_state_error (c, job_id, "fail", error);
        goto fail;
      }
  }
  if (!write_commit (c, error))
    return FALSE;
  release_job (self, job_id);
  job_changed (self);
  return TRUE;

fail:
  conn_release (c);
  return FALSE;
}

static LightlyStoreJob *
read_job (LightlyStore *self, const char *dataset_id, const char *job_id, GError **error)
{
  g_autoptr(Conn) c = conn_acquire (self, error);
  int rc;

  if (c == NULL)
    return NULL;
  {
    STMT st = prep (c, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", error);

    if (st == NULL)
      return NULL;
    bind_text (st, 1, job_id);
    rc = step_row (c, st, "reading a job", error);
    if (rc < 0)
      return NULL;
    if (rc > 0 && (dataset_id == NULL ||
                   g_strcmp0 ((const char *) sqlite3_column_text (st, 1), dataset_id) == 0))
      return job_from_row (self, st);
  }
  not_found (error, "job", job_id);
  return NULL;
}

LightlyStoreJob *
lightly_store_get_job (LightlyStore *self, const char *dataset_id, const char *job_id,
                       GError **error)
{
  LightlyStoreJob *job;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  job = read_job (self, dataset_id, job_id, error);
  if (job == NULL)
    return NULL;
  if ((job->status == LIGHTLY_STORE_JOB_WAITING || job->status == LIGHTLY_STORE_JOB_RUNNING) &&
      self->dir != NULL && !owns_job (self, job->id))
    {
      /* Cheap test first: a live owner holds the lock, and then we are done. */
      g_autofree char *path = store_path (self, "jobs", job->id, ".lock");
      int fd = take_lock (path, TRUE, FALSE, NULL);
      Conn *c;
      gboolean recovered = FALSE;

      if (fd < 0)
        return job;
      close (fd);
      c = write_begin (self, error);
      if (c == NULL)
        {
          lightly_store_job_free (job);
          return NULL;
        }
      {
        g_autoptr(GError) local = NULL;

        recovered = recover_if_orphaned (self, c, job->id, &local);
        if (local != NULL)
          {
            conn_release (c);
            lightly_store_job_free (job);
            g_propagate_error (error, g_steal_pointer (&local));
            return NULL;
          }
      }
      if (!write_commit (c, error))
        {
          lightly_store_job_free (job);
          return NULL;
        }
      if (recovered)
        {
          lightly_store_job_free (job);
          job = read_job (self, dataset_id, job_id, error);
        }
    }
  return job;
}

LightlyStoreJob *
lightly_store_wait_job (LightlyStore         *self,
                        const char           *dataset_id,
                        const char           *job_id,
                        LightlyStoreJobStatus known_status,
                        gint64                known_processed,
                        gint64                timeout_ms,
                        GCancellable         *cancellable,
                        GError              **error)
{
  gint64 deadline = g_get_monotonic_time () + MAX (timeout_ms, 0) * G_TIME_SPAN_MILLISECOND;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  for (;;)
    {
      LightlyStoreJob *job;
      guint64 seen;
      gint64 now, until;

      /* Read the counter before the job, so no change slips in between. */
      g_mutex_lock (&self->state_lock);
      seen = self->job_changes;
      g_mutex_unlock (&self->state_lock);

      job = lightly_store_get_job (self, dataset_id, job_id, error);
      if (job == NULL)
        return NULL;
      now = g_get_monotonic_time ();
      if (job->status != known_status || job->processed != known_processed || now >= deadline)
        return job;
      lightly_store_job_free (job);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      until = MIN (deadline, now + 200 * G_TIME_SPAN_MILLISECOND);
      g_mutex_lock (&self->state_lock);
      while (self->job_changes == seen && g_get_monotonic_time () < until)
        g_cond_wait_until (&self->job_cond, &self->state_lock, until);
      g_mutex_unlock (&self->state_lock);
    }
}

static gpointer
job_row (LightlyStore *self, sqlite3_stmt *st)
{
  return job_from_row (self, st);
}

GPtrArray *
lightly_store_list_jobs (LightlyStore *self, const char *dataset_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return list_dataset_rows (self, dataset_id,
                            "SELECT " JOB_COLUMNS " FROM jobs WHERE dataset_id = ? ORDER BY seq",
                            "listing jobs", job_row,
                            (GDestroyNotify) lightly_store_job_free, error);
}

/* ---- Opening -------------------------------------------------------------- */

static gboolean
make_dirs (LightlyStore *self, GError **error)
{
  static const char *const subdirs[] = { "", "embeddings", "csv", "jobs" };

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (self->dir, subdirs[i], NULL);

      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                       "could not create the store folder %s: %s", path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_user_version (Conn *c, int *version, GError **error)
{
  STMT st = prep (c, "PRAGMA user_version", error);

  if (st == NULL || step_row (c, st, "reading the store version", error) <= 0)
    {
      if (error != NULL && *error == NULL)
        set_sql_error (error, c->db, "reading the store version");
      return FALSE;
    }
  *version = sqlite3_column_int (st, 0);
  return TRUE;
}

static gboolean
version_too_new (LightlyStore *self, int version, GError **error)
{
  if (version <= LIGHTLY_STORE_SCHEMA_VERSION)
    return FALSE;
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE_VERSION,
               "the store %s has version %d, but this lightly-glib only knows versions up "
               "to %d; use a newer lightly-glib", self->dir != NULL ? self->dir : "(memory)",
               version, LIGHTLY_STORE_SCHEMA_VERSION);
  return TRUE;
}

static gboolean
migrate (LightlyStore *self, GError **error)
{
  g_autoptr(Conn) c = conn_acquire (self, error);
  int version;

  if (c == NULL)
    return FALSE;
  if (self->dir != NULL && !exec_sql (c->db, "PRAGMA journal_mode = WAL", error))
    return FALSE;
  if (!read_user_version (c, &version, error) || version_too_new (self, version, error))
    return FALSE;
  if (version == LIGHTLY_STORE_SCHEMA_VERSION)
    return TRUE;

  /* Upgrade in one transaction; re-read inside it, another process may have won. */
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  if (!exec_sql (c->db, "BEGIN IMMEDIATE", error) ||
      !read_user_version (c, &version, error) || version_too_new (self, version, error))
    return FALSE;
  for (int v = version; v < LIGHTLY_STORE_SCHEMA_VERSION; v++)
    if (!exec_sql (c->db, migrations[v], error))
      return FALSE;
  if (!exec_sql (c->db, "PRAGMA user_version = 1", error) ||
      !exec_sql (c->db, "COMMIT", error))
    return FALSE;
  return TRUE;
}

/* Removes *.tmp files and matrices/CSVs without a row, unless an import of
 * another process is writing right now (then next time). */
static gboolean
remove_orphans (LightlyStore *self, GError **error)
{
  static const char *const subdirs[] = { "embeddings", "csv" };
  g_autofree char *lock_path = g_build_filename (self->dir, "import.lock", NULL);
  g_autoptr(Conn) c = NULL;
  int fd;

  fd = take_lock (lock_path, TRUE, FALSE, error);
  if (fd == -1)
    return TRUE;
  if (fd < 0)
    return FALSE;
  c = conn_acquire (self, error);
  if (c == NULL)
    {
      close (fd);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (self->dir, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          const char *dot = strchr (name, '.');
          gboolean keep = FALSE;

          if (!g_str_has_suffix (name, ".tmp") && dot != NULL &&
              (strcmp (dot, ".f32") == 0 || strcmp (dot, ".csv") == 0))
            {
              g_autofree char *id = g_strndup (name, (gsize) (dot - name));
              STMT st = prep (c, "SELECT 1 FROM embeddings WHERE id = ?", error);
              int rc;

              if (st == NULL)
                {
                  close (fd);
                  return FALSE;
                }
              bind_text (st, 1, id);
              rc = step_row (c, st, "looking up an embedding", error);
              if (rc < 0)
                {
                  close (fd);
                  return FALSE;
                }
              keep = rc > 0;
            }
          if (!keep)
            g_unlink (file);
        }
    }
  close (fd);

  /* Lock files nobody holds whose job is not live (a crash between taking
   * the lock and committing the job). Live orphans were failed already. */
  {
    g_autofree char *path = g_build_filename (self->dir, "jobs", NULL);
    g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (path, name, NULL);
        g_autofree char *id = NULL;
        int lock_fd, rc;

        if (!g_str_has_suffix (name, ".lock"))
          continue;
        lock_fd = take_lock (file, TRUE, FALSE, NULL);
        if (lock_fd < 0)
          continue;
        id = g_strndup (name, strlen (name) - strlen (".lock"));
        {
          STMT st = prep (c, "SELECT 1 FROM jobs WHERE id = ? AND status IN (0, 1)", error);

          if (st == NULL)
            {
              close (lock_fd);
              return FALSE;
            }
          bind_text (st, 1, id);
          rc = step_row (c, st, "looking up a job", error);
        }
        if (rc < 0)
          {
            close (lock_fd);
            return FALSE;
          }
        if (rc == 0)
          drop_lock (file, lock_fd);
        else
          close (lock_fd);
      }
  }
  return TRUE;
}

static void
read_boot_id (LightlyStore *self)
{
  g_autofree char *contents = NULL;

  if (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    self->boot_id = g_strdup (g_strstrip (contents));
  else
    self->boot_id = g_strdup ("unknown");
}

LightlyStore *
lightly_store_open (const char *dir, GError **error)
{
  g_autoptr(LightlyStore) self = g_object_new (LIGHTLY_TYPE_STORE, NULL);

  read_boot_id (self);
  if (dir != NULL)
    {
      self->dir = g_canonicalize_filename (dir, NULL);
      self->db_uri = g_build_filename (self->dir, "lightly.db", NULL);
      if (!make_dirs (self, error))
        return NULL;
    }
  else
    {
      g_autofree char *name = lightly_store_new_id ();

      self->db_uri = g_strdup_printf ("file:/lightly-%s?vfs=memdb", name);
    }

  if (!migrate (self, error))
    return NULL;
  if (self->dir != NULL &&
      (!recover_all_orphans (self, error) || !remove_orphans (self, error)))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
lightly_store_get_dir (LightlyStore *self)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  return self->dir;
}

static void
run_work (gpointer item, gpointer user_data)
{
  Work *work = item;

  work->func (work->store, work->data);
  g_object_unref (work->store);
  g_free (work);
}

void
lightly_store_push_work (LightlyStore *self, LightlyStoreWorkFunc func, gpointer data)
{
  Work *work;

  g_return_if_fail (LIGHTLY_IS_STORE (self));
  g_return_if_fail (func != NULL);

  work = g_new0 (Work, 1);
  work->store = g_object_ref (self);
  work->func = func;
  work->data = data;
  g_thread_pool_push (self->pool, work, NULL);
}

static void
lightly_store_finalize (GObject *object)
{
  LightlyStore *self = LIGHTLY_STORE (object);

  /* Every queued item holds a reference, so nothing is queued now; this may
   * run on a pool thread (the last item's unref), so never wait here. */
  g_thread_pool_free (self->pool, FALSE, FALSE);
  g_hash_table_unref (self->owned_jobs);
  g_hash_table_unref (self->mem_matrices);
  g_hash_table_unref (self->mem_csv);
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
                                            (GDestroyNotify) owned_job_free);
  self->mem_matrices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_bytes_unref);
  self->mem_csv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  self->pool = g_thread_pool_new (run_work, NULL, POOL_MAX_THREADS, FALSE, NULL);
}
