/* lightly-store-private.h: what the files of the store share
 *
 * The store is one object split by concern: lightly-store.c (open, schema,
 * connections, transactions), -datasets.c (datasets, samples, tags),
 * -scores.c, -embeddings.c (rows and their files) and -jobs.c (job rows and
 * owner locks). This header holds the instance struct and the connection,
 * statement and transaction helpers they all use, so every SQL statement
 * still goes through one connection pool and one writer. Include it only
 * from src/store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sys/stat.h>

#include <sqlite3.h>

#include "store/lightly-store.h"

G_BEGIN_DECLS

#define MAX_NAME_BYTES 1024
#define MAX_SAMPLE_NAME_BYTES 4096

/* ---- The instance ---------------------------------------------------------- */

typedef struct {
  sqlite3 *db;
  GHashTable *stmts;          /* SQL text pointer → sqlite3_stmt */
  LightlyStore *owner;        /* not a reference */
  gboolean writing;           /* holds owner->write_lock */
  gboolean relaxed;           /* synchronous = NORMAL until released */
  gboolean has_written;       /* committed a write (store_conn_take()) */
} Conn;

typedef struct {
  int fd;                     /* the jobs/<id>.lock fd, -1 in memory */
  gint64 processed;
  gint64 total;
  gint64 last_write;          /* monotonic µs of the last progress UPDATE */
  gboolean dirty;
  LightlyStoreJobStatus status; /* WAITING, RUNNING once begun */
  LightlyStoreJob *row;       /* its row as read in that status, or NULL */
  GDestroyNotify row_free;    /* set with row (the jobs' file frees it) */
} OwnedJob;

struct _LightlyStore {
  GObject parent_instance;

  char *dir;                  /* NULL: in memory */
  char *db_uri;
  char *boot_id;

  GMutex conn_lock;
  GPtrArray *idle;            /* Conn*, ready for use */

  GMutex write_lock;
  gint committed;             /* atomic: a write has committed (lightly-store.c) */

  GMutex state_lock;          /* guards the tables below and job_changes */
  GCond job_cond;             /* signalled when job_changes grows */
  guint64 job_changes;
  GHashTable *owned_jobs;     /* job id → OwnedJob* */
  GHashTable *mem_matrices;   /* embedding id → GBytes (memory mode) */
  GHashTable *mem_csv;        /* embedding id → GBytes (memory mode) */
  /* tag id → its bit mask as a GRefString. A tag's mask never changes and
   * an id is never reused, so every listing of the tags shares one copy
   * of each mask instead of reading it again (n_samples / 4 bytes: 250 KB
   * at 1M samples, and a query lists every tag twice). Bounded: at most
   * tag_masks_limit bytes of masks (lightly_store_set_tag_masks_limit()). */
  GHashTable *tag_masks;
  gsize tag_masks_bytes;
  gsize tag_masks_limit;
  /* Files kept loaded between selections, most recent first, at most
   * STORE_MAPPED_KEEP each (lightly-store-kept.c; made on first use): the
   * matrices mapped last (lightly-store-matrix.c) and the half-precision
   * copies checked last (lightly-store-half.c). */
  GPtrArray *mapped;
  GPtrArray *halves;
};

#define STORE_MAPPED_KEEP 4

/* ---- Files kept loaded (lightly-store-kept.c) ------------------------------- */

/* The value kept under @key in *@kept, referenced with @ref, when @st (the
 * file at its path now; NULL: none) is the file it came from; NULL
 * otherwise, and a value of @key whose file changed is dropped. */
gpointer store_kept_lookup (LightlyStore       *self,
                            GPtrArray         **kept,
                            const char         *key,
                            const struct stat  *st,
                            gpointer          (*ref) (gpointer));
/* Keeps @value (a reference the array takes over, dropped with @unref)
 * under @key, read from the file @st describes, in front of *@kept (made
 * here on first use); drops the entry it replaces or the least recently
 * used one beyond STORE_MAPPED_KEEP. */
/* Maps the file at @path read-only through one descriptor and leaves its
 * fstat() in @st, so that what store_kept_add() records is the identity of
 * the bytes mapped. G_FILE_ERROR on failure. */
GMappedFile *store_kept_map (const char   *path,
                             struct stat  *st,
                             GError      **error);
void     store_kept_add    (LightlyStore       *self,
                            GPtrArray         **kept,
                            const char         *key,
                            gpointer            value,
                            GDestroyNotify      unref,
                            const struct stat  *st);

/* The matrix of @e (lightly-store-matrix.c): a kept mapping when its file
 * is unchanged, else a new one, kept; lightly_store_map_embedding() looks
 * @e up first. */
LightlyStoreMatrix *store_matrix_map (LightlyStore                 *self,
                                      const LightlyStoreEmbedding  *e,
                                      GError                      **error);

/* ---- Small helpers (lightly-store.c) ---------------------------------------- */

gint64   store_now_ms     (void);
/* A short, printable rendering of a value for an error message. */
char    *store_quote      (const char *s);
/* Non-empty UTF-8 of at most max_bytes without control characters. */
gboolean store_check_text (const char  *what,
                     const char  *s,
                     gsize        max_bytes,
                     GError     **error);
char    *store_path (LightlyStore *self,
                     const char   *sub,
                     const char   *id,
                     const char   *suffix);
gboolean store_fsync_dir  (const char  *path,
                     GError     **error);
/* An flock on path: the fd, -1 when another open file holds it (and !wait),
 * -2 (with error) on failure. */
int      store_take_lock  (const char  *path,
                     gboolean     exclusive,
                     gboolean     wait,
                     GError     **error);
/* Unlinks path (when not NULL) and closes fd (when >= 0). */
void     store_drop_lock  (const char *path,
                     int         fd);

/* ---- Hashes of derived files (lightly-store.c) ------------------------------ */

/* A word-wise hash: each step is a bijection of the state for a given
 * word, so any single changed word changes the result. Not for adversaries:
 * it catches torn and damaged files (the coverage and half-precision
 * files beside a matrix). */
#define STORE_HASH_SEED G_GUINT64_CONSTANT (0xC0FFEE0DDBA11)

static inline guint64
store_hash_word (guint64 h, guint64 w)
{
  h ^= w;
  h *= G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  return h ^ (h >> 29);
}

guint64  store_hash_bytes         (guint64       h,
                                   const guint8 *p,
                                   gsize         n);
/* 64 rows spread over the matrix, with its shape: a re-uploaded or
 * rewritten matrix of the same id does not pass for the old one. */
guint64  store_matrix_fingerprint (const float  *data,
                                   gsize         n_rows,
                                   gsize         dim);

/* ---- Connections, statements, transactions (lightly-store.c) ----------------- */

void          store_set_sql_error (GError     **error,
                             sqlite3     *db,
                             const char  *what);
gboolean      store_exec_sql      (sqlite3     *db,
                             const char  *sql,
                             GError     **error);
Conn         *store_conn_acquire  (LightlyStore  *self,
                             GError       **error);
/* Rolls back an open transaction and releases the writer, then pools c. */
void          store_conn_release  (Conn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conn, store_conn_release)

/* A statement prepared once per connection, keyed by the address of its
 * constant SQL text; nothing is ever built from input. */
sqlite3_stmt *store_prep          (Conn        *c,
                             const char  *sql,
                             GError     **error);
void          store_stmt_done     (sqlite3_stmt **st);
/* A prepared statement that is reset when it leaves scope. */
#define STMT __attribute__ ((cleanup (store_stmt_done))) sqlite3_stmt *

void          store_bind_text     (sqlite3_stmt *st,
                             int           i,
                             const char   *s);
char         *store_col_text      (sqlite3_stmt *st,
                             int           i);
/* Steps a statement that returns no rows. */
gboolean      store_step_done     (Conn          *c,
                             sqlite3_stmt  *st,
                             const char    *what,
                             GError       **error);
/* Steps a query: 1 for a row, 0 when done, -1 on error. */
int           store_step_row      (Conn          *c,
                             sqlite3_stmt  *st,
                             const char    *what,
                             GError       **error);

/* One write transaction at a time per store: takes write_lock, then
 * BEGIN IMMEDIATE. store_write_commit() releases the connection either way. */
Conn         *store_write_begin   (LightlyStore  *self,
                             GError       **error);
/* The same for a write no user would miss after a power cut (a job's
 * progress): its commit is not synced (see lightly-store.c). */
Conn         *store_write_begin_relaxed (LightlyStore  *self,
                                   GError       **error);
gboolean      store_write_commit  (Conn    *c,
                             GError **error);
/* For multi-statement reads: one snapshot. */
gboolean      store_read_begin    (Conn    *c,
                             GError **error);
void          store_read_end      (Conn *c);

/* Runs sql (one or two text parameters; b may be NULL) and tells whether it
 * returns a row: 1, 0, or -1 on error. store_query_text() also hands out the
 * row's first column (when text_out is not NULL). */
int           store_query_text    (Conn         *c,
                             const char   *sql,
                             const char   *a,
                             const char   *b,
                             const char   *what,
                             char        **text_out,
                             GError      **error);
int           store_row_exists    (Conn         *c,
                             const char   *sql,
                             const char   *a,
                             const char   *b,
                             const char   *what,
                             GError      **error);

/* Keeps why a tag's rows were picked (lightly-store-picks.c), inside an
 * open write transaction. */
gboolean      store_set_tag_picks_tx (Conn                   *c,
                                      const char             *tag_id,
                                      const char             *method,
                                      const LightlyStorePick *picks,
                                      gsize                   n_picks,
                                      GError                **error);

/* Builds a store struct from the current row of a statement. */
typedef gpointer (*RowFunc) (LightlyStore *self, sqlite3_stmt *st);

/* Reads the first row sql selects (one or two text parameters; b may be
 * NULL) into *row_out: 1, 0 when there is none, -1 on error. */
int           store_read_row          (LightlyStore  *self,
                                 const char    *sql,
                                 const char    *a,
                                 const char    *b,
                                 RowFunc        from_row,
                                 const char    *what,
                                 gpointer      *row_out,
                                 GError       **error);
/* store_read_row(); no row is LIGHTLY_ERROR_NOT_FOUND: "there is no THING with
 * WHAT “KEY”". */
gpointer      store_read_one_row      (LightlyStore  *self,
                                 const char    *sql,
                                 const char    *a,
                                 const char    *b,
                                 RowFunc        from_row,
                                 const char    *thing,
                                 const char    *what,
                                 const char    *key,
                                 GError       **error);
/* Checks a key inside a read snapshot (sets the error when it fails). */
typedef gboolean (*CheckFunc) (Conn *c, const char *key, GError **error);

/* The rows sql selects, in one read snapshot: key (nullable) is its one
 * parameter, and check (nullable) runs on it first. */
GPtrArray    *store_list_rows         (LightlyStore   *self,
                                 CheckFunc       check,
                                 const char     *key,
                                 const char     *sql,
                                 const char     *what,
                                 RowFunc         from_row,
                                 GDestroyNotify  free_func,
                                 GError        **error);
/* store_list_rows() for one dataset's rows; the dataset must exist (NOT_FOUND). */
GPtrArray    *store_list_dataset_rows (LightlyStore   *self,
                                 const char     *dataset_id,
                                 const char     *sql,
                                 const char     *what,
                                 RowFunc         from_row,
                                 GDestroyNotify  free_func,
                                 GError        **error);

/* ---- Lookups inside transactions (lightly-store.c) --------------------------- */

/* Sets "there is no WHAT with id ID" and returns FALSE. */
gboolean store_not_found         (GError     **error,
                            const char  *what,
                            const char  *id);
/* The dataset's sample count, or -1 (NOT_FOUND or a store error). */
gint64   store_dataset_n_samples (Conn        *c,
                            const char  *dataset_id,
                            GError     **error);
gboolean store_touch_dataset     (Conn        *c,
                            const char  *dataset_id,
                            gint64       added_samples,
                            GError     **error);

/* ---- Samples and tags (lightly-store-datasets.c) ----------------------------- */

gboolean store_check_sample_list   (const char * const  *names,
                              gsize                n,
                              GError             **error);
/* Appends names at indices n_before ... inside the caller's transaction. */
gboolean store_insert_samples      (Conn                *c,
                              const char          *dataset_id,
                              gint64               n_before,
                              const char * const  *names,
                              gsize                n,
                              GError             **error);

/* ---- The names in index order, packed (lightly-store-names.c) ------------ */

/* One blob of names at first ... inside the caller's transaction (with the
 * rows of `samples`). */
gboolean store_insert_name_blob   (Conn                *c,
                                   const char          *dataset_id,
                                   gint64               first,
                                   const char * const  *names,
                                   gsize                n,
                                   GError             **error);
/* The file names in index order, in one allocation. */
LightlyNames *store_sample_names  (Conn                *c,
                                   const char          *dataset_id,
                                   GError             **error);
/* At open: rewrites, from their rows, the blobs of the datasets whose blob
 * counts do not add up to n_samples. */
gboolean store_repair_name_blobs  (LightlyStore        *self,
                                   GError             **error);
/* Schema migration 2 → 3: the blobs of the datasets a version-2 store has. */
gboolean store_fill_name_blobs    (Conn                *c,
                                   GError             **error);

gboolean store_check_bitmask_syntax (const char  *hex,
                               GError     **error);
/* Inside a write transaction. Returns the tag id (new or, idempotently, the
 * existing one). exclude_job: the job whose reservation the name is. */
char    *store_create_tag_tx       (LightlyStore  *self,
                              Conn          *c,
                              const char    *dataset_id,
                              const char    *name,
                              const char    *bitmask_hex,
                              const char    *prev_tag_id,
                              const char    *query_tag_id,
                              const char    *preselected_tag_id,
                              const char    *creator,
                              const char    *exclude_job,
                              GError       **error);

/* ---- Job ownership (lightly-store.c frees, lightly-store-owners.c recovers) -- */

void     store_owned_job_free      (OwnedJob *job);
/* lightly-store-owners.c: wakes the waiters of job_cond after a job row changed. */
void     store_job_changed         (LightlyStore  *self);
gboolean store_owns_job            (LightlyStore  *self,
                                    const char    *job_id);
/* Inside a write transaction: fails the live job job_id "owner exited" when
 * its lock can be taken. 1 when it did, 0 when the owner lives, -1 on error. */
int      store_recover_if_orphaned (LightlyStore  *self,
                              Conn          *c,
                              const char    *job_id,
                              GError       **error);
gboolean store_recover_all_orphans (LightlyStore  *self,
                              GError       **error);

G_END_DECLS
