/* lightly-store-open.c: opening a store: folders, schema migrations and crash recovery
 *
 * The top of the store room: it may call every other store file, and none
 * calls it. At open, the schema is migrated to LIGHTLY_STORE_SCHEMA_VERSION
 * (a store newer than the code is refused), live jobs whose owner exited are
 * marked FAILED, and files a crash left behind (*.tmp, matrices without a
 * row, stale job locks) are removed (DESIGN.md, Store).
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
  /* 1 → 2: why each sample of a selection's tag was picked
   * (lightly-store-picks.c). Tags of version 1 have no row. */
  "CREATE TABLE tag_picks ("
  "  tag_id TEXT PRIMARY KEY NOT NULL REFERENCES tags (id),"
  "  method TEXT NOT NULL,"
  "  n_picks INTEGER NOT NULL,"
  "  picks BLOB NOT NULL) WITHOUT ROWID;",
  /* 2 → 3: the names in index order, one blob per insert of samples
   * (lightly-store-names.c); store_fill_name_blobs() writes those of the
   * datasets already there, in the same transaction. */
  "CREATE TABLE sample_names ("
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  first_idx INTEGER NOT NULL,"
  "  n INTEGER NOT NULL,"
  "  names BLOB NOT NULL,"
  "  PRIMARY KEY (dataset_id, first_idx)) WITHOUT ROWID;",
  /* 3 → 4: sample_names as a rowid table, the same rows. A WITHOUT ROWID
   * table keeps each row in its key's b-tree, and SQLite loads a whole
   * overflowing key to compare it: every lookup by dataset read the 1.6 MB
   * blob of 100k names once more (7–12 ms on a fresh connection, also for
   * the check at open that reads only the counts). Here the index holds
   * (dataset_id, first_idx) and only the reads of `names` touch the blob.
   * Also an index for listing a dataset's tags in order: through the index
   * by name, SQLite sorted whole rows, bit masks (n_samples / 4 bytes of
   * hex each) included. */
  "CREATE TABLE sample_names_4 ("
  "  dataset_id TEXT NOT NULL REFERENCES datasets (id),"
  "  first_idx INTEGER NOT NULL,"
  "  n INTEGER NOT NULL,"
  "  names BLOB NOT NULL,"
  "  UNIQUE (dataset_id, first_idx));"
  "INSERT INTO sample_names_4 (dataset_id, first_idx, n, names)"
  "  SELECT dataset_id, first_idx, n, names FROM sample_names ORDER BY dataset_id, first_idx;"
  "DROP TABLE sample_names;"
  "ALTER TABLE sample_names_4 RENAME TO sample_names;"
  "CREATE INDEX tags_by_dataset ON tags (dataset_id, seq);",
};

/* migrate() writes the version literally. */
G_STATIC_ASSERT (LIGHTLY_STORE_SCHEMA_VERSION == 4);

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
      /* Private whatever the umask, and also when an older version or
       * another tool made the folder: labels are the users' work. A
       * folder we do not own keeps its mode (EPERM is not an error). */
      g_chmod (path, 0700);
    }
  return TRUE;
}

/* SQLite creates lightly.db with 0644 & ~umask, and its -wal and -shm
 * files with the database's mode: create the database 0600 first, and
 * tighten the files of stores made before. */
static gboolean
make_private_db (LightlyStore *self, GError **error)
{
  static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
  int fd = open (self->db_uri, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_STORE,
                   "could not create the store database %s: %s", self->db_uri, g_strerror (saved));
      return FALSE;
    }
  fchmod (fd, 0600);
  close (fd);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (self->db_uri, suffixes[i], NULL);

      g_chmod (path, 0600);
    }
  return TRUE;
}

static gboolean
read_user_version (Conn *c, int *version, GError **error)
{
  STMT st = store_prep (c, "PRAGMA user_version", error);

  if (st == NULL || store_step_row (c, st, "reading the store version", error) <= 0)
    {
      if (error != NULL && *error == NULL)
        store_set_sql_error (error, c->db, "reading the store version");
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

/* Stores that ran the first form of migration 3 → 4 (070f901) are at
 * version 4 without the index for listing a dataset's tags: made here when
 * it is missing, so those stores list tags as fast as the others. */
static gboolean
ensure_tags_index (LightlyStore *self, Conn *c, GError **error)
{
  STMT st = store_prep (c, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                           "name = 'tags_by_dataset'", error);
  int found;

  if (st == NULL || (found = store_step_row (c, st, "reading the store's indexes", error)) < 0)
    return FALSE;
  if (found > 0)
    return TRUE;
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  return store_exec_sql (c->db,
                         "BEGIN IMMEDIATE;"
                         "CREATE INDEX IF NOT EXISTS tags_by_dataset ON tags (dataset_id, seq);"
                         "COMMIT", error);
}

static gboolean
migrate (LightlyStore *self, GError **error)
{
  g_autoptr(Conn) c = store_conn_acquire (self, error);
  int version;

  if (c == NULL)
    return FALSE;
  if (self->dir != NULL && !store_exec_sql (c->db, "PRAGMA journal_mode = WAL", error))
    return FALSE;
  if (!read_user_version (c, &version, error) || version_too_new (self, version, error))
    return FALSE;
  if (version == LIGHTLY_STORE_SCHEMA_VERSION)
    return ensure_tags_index (self, c, error);

  /* Upgrade in one transaction; re-read inside it, another process may have won. */
  g_mutex_lock (&self->write_lock);
  c->writing = TRUE;
  if (!store_exec_sql (c->db, "BEGIN IMMEDIATE", error) ||
      !read_user_version (c, &version, error) || version_too_new (self, version, error))
    return FALSE;
  for (int v = version; v < LIGHTLY_STORE_SCHEMA_VERSION; v++)
    if (!store_exec_sql (c->db, migrations[v], error) ||
        (v == 2 && !store_fill_name_blobs (c, error)))
      return FALSE;
  if (!store_exec_sql (c->db, "PRAGMA user_version = 4", error) ||
      !store_exec_sql (c->db, "COMMIT", error))
    return FALSE;
  return TRUE;
}

/* Removes *.tmp files, matrices/CSVs/coverage files/half-precision copies
 * without a row, and the temporaries of the coverage files and the copies
 * (<id>.cov.XXXXXX, <id>.f16.XXXXXX). The caller holds
 * import.lock exclusively, so no import is writing. */
static gboolean
remove_orphan_files (LightlyStore *self, Conn *c, GError **error)
{
  static const char *const subdirs[] = { "embeddings", "csv" };

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
          int rc = 0;

          if (!g_str_has_suffix (name, ".tmp") && dot != NULL &&
              (strcmp (dot, ".f32") == 0 || strcmp (dot, ".csv") == 0 ||
               strcmp (dot, ".cov") == 0 || strcmp (dot, ".f16") == 0 ||
               strcmp (dot, ".bf16") == 0))
            {
              g_autofree char *id = g_strndup (name, (gsize) (dot - name));

              rc = store_row_exists (c, "SELECT 1 FROM embeddings WHERE id = ?", id, NULL,
                               "looking up an embedding", error);
              if (rc < 0)
                return FALSE;
            }
          if (rc == 0)
            g_unlink (file);
        }
    }
  return TRUE;
}

/* Lock files nobody holds whose job is not live (a crash between taking
 * the lock and committing the job). Live orphans were failed already. */
static gboolean
remove_stale_job_locks (LightlyStore *self, Conn *c, GError **error)
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
      lock_fd = store_take_lock (file, TRUE, FALSE, NULL);
      if (lock_fd < 0)
        continue;
      id = g_strndup (name, strlen (name) - strlen (".lock"));
      rc = store_row_exists (c, "SELECT 1 FROM jobs WHERE id = ? AND status IN (0, 1)", id, NULL,
                       "looking up a job", error);
      if (rc < 0)
        {
          close (lock_fd);
          return FALSE;
        }
      if (rc == 0)
        store_drop_lock (file, lock_fd);
      else
        close (lock_fd);
    }
  return TRUE;
}

/* Removes what a crash left behind, unless an import of another process is
 * writing right now (then next time). */
static gboolean
remove_orphans (LightlyStore *self, GError **error)
{
  g_autofree char *lock_path = g_build_filename (self->dir, "import.lock", NULL);
  g_autoptr(Conn) c = NULL;
  gboolean ok;
  int fd;

  fd = store_take_lock (lock_path, TRUE, FALSE, error);
  if (fd == -1)
    return TRUE;
  if (fd < 0)
    return FALSE;
  c = store_conn_acquire (self, error);
  ok = c != NULL && remove_orphan_files (self, c, error);
  close (fd);
  return ok && remove_stale_job_locks (self, c, error);
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
      if (!make_dirs (self, error) || !make_private_db (self, error))
        return NULL;
    }
  else
    {
      g_autofree char *name = lightly_store_new_id ();

      self->db_uri = g_strdup_printf ("file:/lightly-%s?vfs=memdb", name);
    }

  if (!migrate (self, error) || !store_repair_name_blobs (self, error))
    return NULL;
  if (self->dir != NULL &&
      (!store_recover_all_orphans (self, error) || !remove_orphans (self, error)))
    return NULL;
  return g_steal_pointer (&self);
}

