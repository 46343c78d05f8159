/* lightly-store.h: the private store of the embedded default (SQLite + embedding files)
 *
 * Not public API. Every function blocks and is thread-safe; call them from
 * worker threads only (never from a GUI thread or the SoupServer thread).
 * Strings returned as `char *` are newly allocated; structs have a _free().
 * Ids are 24 lowercase hex characters, timestamps Unix milliseconds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lightly/lightly-names-private.h"

G_BEGIN_DECLS

/* The schema version this code writes (PRAGMA user_version). */
#define LIGHTLY_STORE_SCHEMA_VERSION 4

/* ---- The store -------------------------------------------------------- */

#define LIGHTLY_TYPE_STORE (lightly_store_get_type ())
G_DECLARE_FINAL_TYPE (LightlyStore, lightly_store, LIGHTLY, STORE, GObject)

/* dir == NULL: in-memory store (tests, fuzzing); it lives until the last
 * reference is dropped. */
LightlyStore *lightly_store_open          (const char   *dir,
                                           GError      **error);
/* NULL for an in-memory store. */
const char   *lightly_store_get_dir       (LightlyStore *self);

/* A new random id (24 lowercase hex characters). */
char         *lightly_store_new_id        (void);

/* ---- Datasets --------------------------------------------------------- */

typedef struct {
  char   *id;
  char   *name;
  guint64 n_samples;
  gint64  created_at;
  gint64  last_modified_at;
} LightlyStoreDataset;

void                 lightly_store_dataset_free        (LightlyStoreDataset *dataset);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreDataset, lightly_store_dataset_free)

/* name unique → LIGHTLY_ERROR_EXISTS. Returns the new id. */
char                *lightly_store_create_dataset      (LightlyStore *self,
                                                        const char   *name,
                                                        GError      **error);
LightlyStoreDataset *lightly_store_get_dataset         (LightlyStore *self,
                                                        const char   *dataset_id,
                                                        GError      **error);
LightlyStoreDataset *lightly_store_get_dataset_by_name (LightlyStore *self,
                                                        const char   *name,
                                                        GError      **error);
/* Element type LightlyStoreDataset, oldest first. */
GPtrArray           *lightly_store_list_datasets       (LightlyStore *self,
                                                        GError      **error);

/* ---- Samples ---------------------------------------------------------- */

/* Appends names (n of them, or NULL-terminated when n < 0) in order; sample
 * index = registration order. A duplicate (in the list or with existing
 * samples), empty name, comma, control character or invalid UTF-8 →
 * LIGHTLY_ERROR_INVALID_INPUT and nothing is written. */
gboolean  lightly_store_add_samples          (LightlyStore       *self,
                                              const char         *dataset_id,
                                              const char * const *names,
                                              gssize              n,
                                              GError            **error);
/* Appends the CSV's file names in row order (the CSV is parsed and checked in
 * full; nothing is written on error). Returns the number appended, or -1. */
gssize    lightly_store_add_samples_from_csv (LightlyStore  *self,
                                              const char    *dataset_id,
                                              GInputStream  *csv,
                                              GCancellable  *cancellable,
                                              GError       **error);
/* The file names in index order (the mapping, protocol §2.5), in one
 * allocation: a million names are a million allocations as a GStrv. */
LightlyNames *lightly_store_get_sample_names (LightlyStore  *self,
                                              const char    *dataset_id,
                                              GError       **error);
/* The file names of the samples at @rows (@n_rows of them, any order), in
 * that order, NULL-terminated; a row out of range gives an empty string.
 * For a few rows of a large dataset: one indexed lookup each. */
char    **lightly_store_get_sample_names_at  (LightlyStore  *self,
                                              const char    *dataset_id,
                                              const guint32 *rows,
                                              gsize          n_rows,
                                              GError       **error);
/* Returns -1 on error. */
gint64    lightly_store_get_n_samples        (LightlyStore  *self,
                                              const char    *dataset_id,
                                              GError       **error);
/* The index of a file name; -1 with LIGHTLY_ERROR_NOT_FOUND when absent. */
gint64    lightly_store_lookup_sample        (LightlyStore  *self,
                                              const char    *dataset_id,
                                              const char    *file_name,
                                              GError       **error);

/* ---- Tags ------------------------------------------------------------- */

typedef struct {
  char   *id;
  char   *dataset_id;
  char   *name;
  char   *bitmask_hex;         /* canonical "0x…", a GRefString shared by every
                                * listing of the tag (g_ref_string_acquire()
                                * to keep it) */
  char   *prev_tag_id;         /* nullable */
  char   *query_tag_id;        /* nullable */
  char   *preselected_tag_id;  /* nullable */
  char   *creator;             /* nullable */
  gint64  created_at;
  guint64 tot_size;            /* the dataset's sample count now (TagData.totSize) */
} LightlyStoreTag;

void             lightly_store_tag_free        (LightlyStoreTag *tag);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreTag, lightly_store_tag_free)

/* TagName rule of protocol §2.2: at least 3 characters,
 * ^[a-zA-Z0-9][a-zA-Z0-9 .:;=@_-]+$ */
gboolean         lightly_store_check_tag_name  (const char *name,
                                                GError    **error);

/* bitmask_hex must be canonical (lowercase "0x…", no leading zeros, "0x0"
 * for the empty set) with no bit at or above the dataset size. The referenced
 * tags must exist in the same dataset. Idempotent (protocol §13): an existing
 * name with the identical bitmask returns the existing id; with a different
 * bitmask, or a name reserved by a live job → LIGHTLY_ERROR_EXISTS. */
char            *lightly_store_create_tag      (LightlyStore *self,
                                                const char   *dataset_id,
                                                const char   *name,
                                                const char   *bitmask_hex,
                                                const char   *prev_tag_id,
                                                const char   *query_tag_id,
                                                const char   *preselected_tag_id,
                                                const char   *creator,
                                                GError      **error);
/* dataset_id may be NULL (any dataset); otherwise the tag must belong to it. */
LightlyStoreTag *lightly_store_get_tag         (LightlyStore *self,
                                                const char   *dataset_id,
                                                const char   *tag_id,
                                                GError      **error);
LightlyStoreTag *lightly_store_get_tag_by_name (LightlyStore *self,
                                                const char   *dataset_id,
                                                const char   *name,
                                                GError      **error);
/* Element type LightlyStoreTag, in creation order (initial-tag first). */
GPtrArray       *lightly_store_list_tags       (LightlyStore *self,
                                                const char   *dataset_id,
                                                GError      **error);
/* The same tags with only id, dataset_id, name and tot_size (the rest
 * NULL or 0): the columns that come before the mask in a row, so that no
 * mask's pages are read. For callers that look tags up by name. */
GPtrArray       *lightly_store_list_tag_heads  (LightlyStore *self,
                                                const char   *dataset_id,
                                                GError      **error);

/* Deletes the tag and its scores in one transaction. Refused with
 * LIGHTLY_ERROR_INVALID_INPUT for the initial-tag, a tag another tag names as
 * its previous, query or preselected tag, a job's result tag, and the query
 * or preselected tag of a waiting or running job; LIGHTLY_ERROR_NOT_FOUND
 * when the dataset has no such tag. */
gboolean         lightly_store_delete_tag      (LightlyStore *self,
                                                const char   *dataset_id,
                                                const char   *tag_id,
                                                GError      **error);

/* The listings share one copy of each tag's mask (n_samples / 4 bytes)
 * through a cache of at most this many bytes of masks (64 MiB unless set):
 * past it the cache starts afresh, and a mask larger than the limit is
 * never kept. The second gives the bytes it holds now (tests). */
void             lightly_store_set_tag_masks_limit (LightlyStore *self,
                                                    gsize         bytes);
gsize            lightly_store_get_tag_masks_bytes (LightlyStore *self);

/* ---- Active-learning scores ----------------------------------------- */

typedef struct {
  char    *id;
  char    *tag_id;
  char    *score_type;
  gint64   created_at;
  double  *values;             /* NULL in list results */
  gsize    n_values;
} LightlyStoreScore;

void               lightly_store_score_free         (LightlyStoreScore *score);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreScore, lightly_store_score_free)

/* Create or replace by (tag_id, score_type); a replacement keeps its id and
 * becomes the most recently uploaded. Values must be finite (the caller checks
 * the length against the tag's popcount). Returns the score id. */
char              *lightly_store_set_scores         (LightlyStore *self,
                                                     const char   *tag_id,
                                                     const char   *score_type,
                                                     const double *values,
                                                     gsize         n_values,
                                                     GError      **error);
/* Element type LightlyStoreScore (no values), oldest upload first. */
GPtrArray         *lightly_store_list_scores        (LightlyStore *self,
                                                     const char   *tag_id,
                                                     GError      **error);
/* tag_id may be NULL (any tag). */
LightlyStoreScore *lightly_store_get_score          (LightlyStore *self,
                                                     const char   *tag_id,
                                                     const char   *score_id,
                                                     GError      **error);
LightlyStoreScore *lightly_store_get_score_by_type  (LightlyStore *self,
                                                     const char   *tag_id,
                                                     const char   *score_type,
                                                     GError      **error);
/* The score most recently uploaded for the tag (protocol §13, which score);
 * LIGHTLY_ERROR_NOT_FOUND when the tag has none. */
LightlyStoreScore *lightly_store_get_newest_score   (LightlyStore *self,
                                                     const char   *tag_id,
                                                     GError      **error);

/* ---- Embeddings ------------------------------------------------------- */

typedef struct {
  char   *id;
  char   *dataset_id;
  char   *name;
  guint64 n_rows;
  guint64 dim;
  gint64  created_at;
} LightlyStoreEmbedding;

void                   lightly_store_embedding_free        (LightlyStoreEmbedding *embedding);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreEmbedding, lightly_store_embedding_free)

typedef enum {
  LIGHTLY_STORE_EMBEDDING_NONE = 0,
  /* If the dataset has no samples yet, register the CSV's file names as its
   * samples (row order) in the same transaction as the embedding. */
  LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES = 1 << 0,
} LightlyStoreEmbeddingFlags;

/* Parses the CSV (protocol §8), checks that its file-name set equals the
 * dataset's samples, reorders the rows into mapping order, L2-normalises
 * them and commits (file, fsync, rename, row). The CSV bytes are kept as
 * uploaded. Name unique per dataset → LIGHTLY_ERROR_EXISTS. Returns the id. */
char                  *lightly_store_add_embedding         (LightlyStore  *self,
                                                            const char    *dataset_id,
                                                            const char    *name,
                                                            GInputStream  *csv,
                                                            GCancellable  *cancellable,
                                                            GError       **error);
char                  *lightly_store_add_embedding_full    (LightlyStore               *self,
                                                            const char                 *dataset_id,
                                                            const char                 *name,
                                                            GInputStream               *csv,
                                                            LightlyStoreEmbeddingFlags  flags,
                                                            GCancellable               *cancellable,
                                                            GError                    **error);
/* As lightly_store_add_embedding(), from n_rows × dim float32 (row r is the
 * embedding of names[r]) with no CSV in between: nothing is kept as
 * uploaded, so lightly_store_read_embedding_csv() writes the CSV from the
 * stored (normalised, sample-order) rows. names and matrix are borrowed. */
char                  *lightly_store_add_embedding_matrix  (LightlyStore        *self,
                                                            const char          *dataset_id,
                                                            const char          *name,
                                                            const char * const  *names,
                                                            const float         *matrix,
                                                            gsize                n_rows,
                                                            gsize                dim,
                                                            GCancellable        *cancellable,
                                                            GError             **error);
/* Element type LightlyStoreEmbedding, oldest first (the last is the default). */
GPtrArray             *lightly_store_list_embeddings       (LightlyStore  *self,
                                                            const char    *dataset_id,
                                                            GError       **error);
/* dataset_id may be NULL (any dataset). */
LightlyStoreEmbedding *lightly_store_get_embedding         (LightlyStore  *self,
                                                            const char    *dataset_id,
                                                            const char    *embedding_id,
                                                            GError       **error);
LightlyStoreEmbedding *lightly_store_get_embedding_by_name (LightlyStore  *self,
                                                            const char    *dataset_id,
                                                            const char    *name,
                                                            GError       **error);
/* The CSV exactly as uploaded (readCSVUrl); for an embedding added with
 * lightly_store_add_embedding_matrix(), one written from its rows. */
GInputStream          *lightly_store_read_embedding_csv    (LightlyStore  *self,
                                                            const char    *embedding_id,
                                                            GError       **error);

/* A read-only, L2-normalised n_rows × dim float32 matrix (row i = sample i),
 * memory-mapped from the store. Thread-safe reference counting. */
typedef struct _LightlyStoreMatrix LightlyStoreMatrix;

LightlyStoreMatrix    *lightly_store_map_embedding         (LightlyStore       *self,
                                                            const char         *embedding_id,
                                                            GError            **error);
LightlyStoreMatrix    *lightly_store_matrix_ref            (LightlyStoreMatrix *matrix);
void                   lightly_store_matrix_unref          (LightlyStoreMatrix *matrix);
const float           *lightly_store_matrix_get_data       (LightlyStoreMatrix *matrix);
gsize                  lightly_store_matrix_get_n_rows     (LightlyStoreMatrix *matrix);
gsize                  lightly_store_matrix_get_dim        (LightlyStoreMatrix *matrix);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreMatrix, lightly_store_matrix_unref)

/* ---- Carried coverage (lightly-store-coverage.c) ---------------------- */

/* The minima a CORESET/CORAL run ended with (LightlySelectionCarry),
 * beside the matrix (embeddings/<id>.cov), for the next round to start
 * from. The file's layout and when it is used are described once, at the
 * top of lightly-store-coverage.c. Load: TRUE when the file is used; then
 * @mind2 and @anchor (per candidate) are filled and *@uncovered (free
 * with g_free()) lists the positions in @preselected of the rows not
 * covered. FALSE otherwise (the run recomputes), with a g_warning when the
 * file is damaged. Always FALSE for an in-memory store. All row lists
 * ascending. @arithmetic identifies how the values were computed (the
 * engine's LIGHTLY_SELECTION_ARITHMETIC): a file saved with another is not
 * used. */
gboolean               lightly_store_load_coverage         (LightlyStore        *self,
                                                            const char          *embedding_id,
                                                            guint64              arithmetic,
                                                            LightlyStoreMatrix  *matrix,
                                                            const guint32       *candidates,
                                                            gsize                n_candidates,
                                                            const guint32       *preselected,
                                                            gsize                n_preselected,
                                                            double              *mind2,
                                                            guint32             *anchor,
                                                            guint32            **uncovered,
                                                            gsize               *n_uncovered);
/* Replaces the embedding's coverage file atomically: @covered the rows the
 * minima are over, @mind2 and @anchor per candidate (mind2 < 0: unknown).
 * A no-op for an in-memory store. */
gboolean               lightly_store_save_coverage         (LightlyStore        *self,
                                                            const char          *embedding_id,
                                                            guint64              arithmetic,
                                                            LightlyStoreMatrix  *matrix,
                                                            const guint32       *candidates,
                                                            gsize                n_candidates,
                                                            const double        *mind2,
                                                            const guint32       *anchor,
                                                            const guint32       *covered,
                                                            gsize                n_covered,
                                                            GError             **error);

/* ---- Half-precision copies (lightly-store-half.c) --------------------- */

/* The float16/bfloat16 copy of an embedding's matrix that CORESET and
 * CORAL can stream (embeddings/<id>.f16, <id>.bf16), built on first use by
 * the caller, which rounds the values (the store does not know the
 * engine). Layout, trust and writing: the top of lightly-store-half.c. */
typedef enum {
  LIGHTLY_STORE_HALF_FLOAT16 = 1,
  LIGHTLY_STORE_HALF_BFLOAT16 = 2,
} LightlyStoreHalfKind;

/* The copy of @kind, mapped read-only: n_rows × dim guint16 values of
 * @matrix. NULL when there is no sound copy of this matrix (a damaged or
 * stale file with a g_warning); the caller then builds and saves one.
 * Always NULL for an in-memory store. */
GBytes                *lightly_store_load_half             (LightlyStore         *self,
                                                            const char           *embedding_id,
                                                            LightlyStoreHalfKind  kind,
                                                            LightlyStoreMatrix   *matrix);
/* Saves @values (the rounding of @matrix to @kind, n_rows × dim) as the
 * embedding's copy: a temporary file, fsync, rename, fsync of the folder.
 * A no-op for an in-memory store. */
gboolean               lightly_store_save_half             (LightlyStore         *self,
                                                            const char           *embedding_id,
                                                            LightlyStoreHalfKind  kind,
                                                            LightlyStoreMatrix   *matrix,
                                                            const guint16        *values,
                                                            GError              **error);

/* ---- Selection jobs --------------------------------------------------- */

/* The store records jobs (status, progress, the owner's lock); it does not
 * run them: the local backend does (src/backend/lightly-local-jobs.c). */

typedef enum {
  LIGHTLY_STORE_JOB_WAITING,
  LIGHTLY_STORE_JOB_RUNNING,
  LIGHTLY_STORE_JOB_FINISHED,
  LIGHTLY_STORE_JOB_FAILED,
} LightlyStoreJobStatus;

/* "WAITING", "RUNNING", "FINISHED", "FAILED" (JobState). */
const char *lightly_store_job_status_to_string (LightlyStoreJobStatus status);

typedef struct {
  char                 *id;
  char                 *dataset_id;
  char                 *new_tag_name;
  char                 *params_json;
  LightlyStoreJobStatus status;
  gint64                processed;
  gint64                total;
  char                 *error_message;   /* nullable; set when FAILED */
  char                 *result_tag_id;   /* nullable; set when FINISHED */
  gint64                created_at;
  gint64                finished_at;     /* 0 while not finished */
  gint64                owner_pid;
  char                 *owner_boot_id;
} LightlyStoreJob;

void             lightly_store_job_free            (LightlyStoreJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyStoreJob, lightly_store_job_free)

/* Creates a WAITING job owned by this process and reserves new_tag_name in
 * the same transaction. The name is a tag already, or reserved by a job with
 * other params_json → LIGHTLY_ERROR_EXISTS. Reserved by a job with identical
 * params_json (a re-sent request; the job may be in any state except FAILED)
 * → that job's id, with *existing = TRUE. A FAILED job releases its name.
 * params_json is the canonical string of the request parameters. */
char            *lightly_store_create_selection_job (LightlyStore *self,
                                                     const char   *dataset_id,
                                                     const char   *new_tag_name,
                                                     const char   *params_json,
                                                     gboolean     *existing,
                                                     GError      **error);
/* WAITING → RUNNING, with total planned steps. The job must be owned by this
 * store (created by it); otherwise LIGHTLY_ERROR_BUSY. */
gboolean         lightly_store_begin_job            (LightlyStore *self,
                                                     const char   *job_id,
                                                     gint64        total,
                                                     GError      **error);
/* Cheap: kept in memory and written at most every 250 ms (and on finish).
 * Readers in this process see the latest value. */
gboolean         lightly_store_update_job_progress  (LightlyStore *self,
                                                     const char   *job_id,
                                                     gint64        processed,
                                                     gint64        total,
                                                     GError      **error);
/* Creates the result tag (named after the reservation) and marks the job
 * FINISHED in one transaction, then releases the owner lock. Returns the
 * tag id. */
char            *lightly_store_finish_job           (LightlyStore *self,
                                                     const char   *job_id,
                                                     const char   *bitmask_hex,
                                                     const char   *prev_tag_id,
                                                     const char   *query_tag_id,
                                                     const char   *preselected_tag_id,
                                                     const char   *creator,
                                                     GError      **error);
/* Why a selection picked a row ("why picked"): the engine's
 * LightlySelectionPick in the store's own terms. */
typedef struct {
  guint32 row;
  gint32 cluster;
  double utility;
} LightlyStorePick;

/* lightly_store_finish_job() that also keeps why each row was picked, in
 * pick order, with the result tag (table tag_picks), in the same
 * transaction; @method is the method's wire name. */
char            *lightly_store_finish_job_with_picks (LightlyStore           *self,
                                                      const char             *job_id,
                                                      const char             *bitmask_hex,
                                                      const char             *prev_tag_id,
                                                      const char             *query_tag_id,
                                                      const char             *preselected_tag_id,
                                                      const char             *creator,
                                                      const char             *method,
                                                      const LightlyStorePick *picks,
                                                      gsize                   n_picks,
                                                      GError                **error);
gboolean         lightly_store_get_tag_picks        (LightlyStore  *self,
                                                     const char    *dataset_id,
                                                     const char    *tag_id,
                                                     char         **out_method,
                                                     GArray       **out_picks,
                                                     GError       **error);
/* Marks the job FAILED with message and releases the name reservation. */
gboolean         lightly_store_fail_job             (LightlyStore *self,
                                                     const char   *job_id,
                                                     const char   *message,
                                                     GError      **error);
/* dataset_id may be NULL. A WAITING/RUNNING job whose owner exited (its lock
 * can be taken) is marked FAILED "owner exited" first. */
LightlyStoreJob *lightly_store_get_job              (LightlyStore *self,
                                                     const char   *dataset_id,
                                                     const char   *job_id,
                                                     GError      **error);
/* Long poll (J1 ?waitMs=): returns the job as soon as its status or
 * processed count differs from the known ones, or when timeout_ms has passed
 * (then unchanged). Changes made through this store wake it at once; jobs of
 * other processes are re-read every 200 ms. */
LightlyStoreJob *lightly_store_wait_job             (LightlyStore         *self,
                                                     const char           *dataset_id,
                                                     const char           *job_id,
                                                     LightlyStoreJobStatus known_status,
                                                     gint64                known_processed,
                                                     gint64                timeout_ms,
                                                     GCancellable         *cancellable,
                                                     GError              **error);
/* Element type LightlyStoreJob, oldest first. */
GPtrArray       *lightly_store_list_jobs            (LightlyStore *self,
                                                     const char   *dataset_id,
                                                     GError      **error);

G_END_DECLS
