/* lightly-backend.h: the backend seam (private)
 *
 * One typed method per protocol operation. Methods are blocking and are only
 * ever called from the client's worker threads, never from an owner context:
 * the local backend then runs store code directly, and the http backend uses
 * synchronous libsoup sends, so neither needs its own async plumbing. The
 * public async API is built once, in LightlyApiWorkflowClient, on top of this.
 *
 * follow_job() blocks until the job is FINISHED or FAILED. The local backend
 * completes it by direct notification from the engine (no polling); the http
 * backend polls (long poll against lightly-glib servers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lightly/lightly-sampling-method.h"
#include "lightly/lightly-matrix-precision.h"
#include "lightly/lightly-tag.h"
#include "lightly/lightly-job.h"
#include "lightly/lightly-names-private.h"

G_BEGIN_DECLS

/* The parameters of one selection, as in a SamplingCreateRequest (protocol
 * §2.2) plus the lightly-glib extensions of §13. */
typedef struct {
  LightlySamplingMethod method;
  double n_samples;             /* ≥ 1 count, (0,1) fraction of the dataset, ≤ 0 inactive */
  double min_distance;          /* ≤ 0 inactive */
  char *new_tag_name;
  char *query_tag_id;           /* nullable: whole dataset */
  char *preselected_tag_id;     /* nullable: nothing labeled */
  char *score_type;             /* nullable: §13 "Which score" */
  double score_strength;        /* CORAL β */
  guint64 seed;                 /* RANDOM */
  gint64 row_count;             /* rowCount: the dataset size the client saw */
  gboolean balance;             /* per-class quotas (extension; needs class probabilities) */
  LightlyMatrixPrecision matrix_precision; /* the copy CORESET/CORAL stream (extension) */
} LightlySelectionRequest;

void lightly_selection_request_clear (LightlySelectionRequest *request);
char *lightly_selection_request_to_json (const LightlySelectionRequest *request);

/* Called from a worker thread whenever the job's status or progress changes. */
typedef void (*LightlyBackendProgress) (LightlyJob *job, gpointer user_data);

#define LIGHTLY_TYPE_BACKEND (lightly_backend_get_type ())
G_DECLARE_INTERFACE (LightlyBackend, lightly_backend, LIGHTLY, BACKEND, GObject)

struct _LightlyBackendInterface
{
  GTypeInterface g_iface;

  GPtrArray  *(*list_datasets)      (LightlyBackend *self, GCancellable *cancellable, GError **error);
  char       *(*create_dataset)     (LightlyBackend *self, const char *name,
                                     GCancellable *cancellable, GError **error);
  /* The mapping (M1), in one allocation (lightly-names-private.h). */
  LightlyNames *(*get_file_names)   (LightlyBackend *self, const char *dataset_id,
                                     GCancellable *cancellable, GError **error);
  /* Registers the file names of an embeddings CSV, in row order. */
  gboolean    (*register_samples)   (LightlyBackend *self, const char *dataset_id,
                                     GInputStream *csv,
                                     GCancellable *cancellable, GError **error);
  char       *(*create_initial_tag) (LightlyBackend *self, const char *dataset_id,
                                     GCancellable *cancellable, GError **error);
  GPtrArray  *(*get_tags)           (LightlyBackend *self, const char *dataset_id,
                                     GCancellable *cancellable, GError **error);
  /* Optional: get_tags() with only each tag's id, dataset id, name and
   * tot-size (bit-mask-data NULL), for lookups by name that need no mask.
   * Such tags never reach users. NULL: get_tags() (the http backend, whose
   * wire lists the masks anyway). */
  GPtrArray  *(*get_tag_heads)      (LightlyBackend *self, const char *dataset_id,
                                     GCancellable *cancellable, GError **error);
  LightlyTag *(*get_tag)            (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                     GCancellable *cancellable, GError **error);
  char       *(*create_tag)         (LightlyBackend *self, const char *dataset_id, const char *name,
                                     const char *bit_mask_hex, const char *prev_tag_id,
                                     GCancellable *cancellable, GError **error);
  GPtrArray  *(*list_embeddings)    (LightlyBackend *self, const char *dataset_id,
                                     GCancellable *cancellable, GError **error);
  char       *(*upload_embeddings)  (LightlyBackend *self, const char *dataset_id, const char *name,
                                     GInputStream *csv, GCancellable *cancellable, GError **error);
  char       *(*upload_scores)      (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                     const char *score_type, const double *values, gsize n_values,
                                     GCancellable *cancellable, GError **error);
  char       *(*start_selection)    (LightlyBackend *self, const char *dataset_id,
                                     const char *embedding_id, const LightlySelectionRequest *request,
                                     GCancellable *cancellable, GError **error);
  LightlyJob *(*get_job)            (LightlyBackend *self, const char *job_id,
                                     GCancellable *cancellable, GError **error);
  LightlyJob *(*follow_job)         (LightlyBackend *self, const char *job_id,
                                     LightlyBackendProgress progress, gpointer progress_data,
                                     GCancellable *cancellable, GError **error);
  /* Refused for the initial-tag and for a tag that another tag or a live
   * job refers to. */
  gboolean    (*delete_tag)         (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                     GCancellable *cancellable, GError **error);
  /* Why the tag's samples were picked (element-type LightlyPick, in pick
   * order; empty for a tag no selection made). lightly-glib extension. */
  GPtrArray  *(*get_tag_picks)      (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                     GCancellable *cancellable, GError **error);
  /* Optional: get_tag_picks() with each pick's row in the mapping
   * (lightly_pick_get_row()) and no file name, for a caller that holds the
   * mapping and names the picks itself (lightly-pick-private.h says why).
   * NULL: get_tag_picks() (the http backend, whose wire has the names). */
  GPtrArray  *(*get_tag_pick_rows)  (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                     GCancellable *cancellable, GError **error);
  /* Optional: upload_embeddings from n_rows × dim float32 (row r is the
   * embedding of names[r]) with no CSV in between. A backend whose wire
   * format is the CSV (http) leaves it NULL, and callers encode the CSV. */
  char       *(*upload_embeddings_matrix) (LightlyBackend *self, const char *dataset_id, const char *name,
                                           const char * const *names, const float *matrix,
                                           gsize n_rows, gsize dim,
                                           GCancellable *cancellable, GError **error);
};

/* One wrapper per vfunc, so callers never reach into the interface
 * struct: lightly_backend_<vfunc> (backend, ...). Blocking, like the vfuncs. */
GPtrArray  *lightly_backend_list_datasets      (LightlyBackend *self, GCancellable *cancellable, GError **error);
char       *lightly_backend_create_dataset     (LightlyBackend *self, const char *name,
                                                GCancellable *cancellable, GError **error);
LightlyNames *lightly_backend_get_file_names   (LightlyBackend *self, const char *dataset_id,
                                                GCancellable *cancellable, GError **error);
gboolean    lightly_backend_register_samples   (LightlyBackend *self, const char *dataset_id,
                                                GInputStream *csv,
                                                GCancellable *cancellable, GError **error);
char       *lightly_backend_create_initial_tag (LightlyBackend *self, const char *dataset_id,
                                                GCancellable *cancellable, GError **error);
GPtrArray  *lightly_backend_get_tags           (LightlyBackend *self, const char *dataset_id,
                                                GCancellable *cancellable, GError **error);
GPtrArray  *lightly_backend_get_tag_heads      (LightlyBackend *self, const char *dataset_id,
                                                GCancellable *cancellable, GError **error);
LightlyTag *lightly_backend_get_tag            (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                                GCancellable *cancellable, GError **error);
char       *lightly_backend_create_tag         (LightlyBackend *self, const char *dataset_id, const char *name,
                                                const char *bit_mask_hex, const char *prev_tag_id,
                                                GCancellable *cancellable, GError **error);
GPtrArray  *lightly_backend_list_embeddings    (LightlyBackend *self, const char *dataset_id,
                                                GCancellable *cancellable, GError **error);
gboolean    lightly_backend_can_upload_embeddings_matrix (LightlyBackend *self);
char       *lightly_backend_upload_embeddings_matrix (LightlyBackend *self, const char *dataset_id,
                                                      const char *name, const char * const *names,
                                                      const float *matrix, gsize n_rows, gsize dim,
                                                      GCancellable *cancellable, GError **error);
char       *lightly_backend_upload_embeddings  (LightlyBackend *self, const char *dataset_id, const char *name,
                                                GInputStream *csv, GCancellable *cancellable, GError **error);
char       *lightly_backend_upload_scores      (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                                const char *score_type, const double *values, gsize n_values,
                                                GCancellable *cancellable, GError **error);
char       *lightly_backend_start_selection    (LightlyBackend *self, const char *dataset_id,
                                                const char *embedding_id, const LightlySelectionRequest *request,
                                                GCancellable *cancellable, GError **error);
LightlyJob *lightly_backend_get_job            (LightlyBackend *self, const char *job_id,
                                                GCancellable *cancellable, GError **error);
LightlyJob *lightly_backend_follow_job         (LightlyBackend *self, const char *job_id,
                                                LightlyBackendProgress progress, gpointer progress_data,
                                                GCancellable *cancellable, GError **error);
GPtrArray  *lightly_backend_get_tag_picks      (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                               GCancellable *cancellable, GError **error);
GPtrArray  *lightly_backend_get_tag_pick_rows  (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                                GCancellable *cancellable, GError **error);
gboolean    lightly_backend_delete_tag         (LightlyBackend *self, const char *dataset_id, const char *tag_id,
                                                GCancellable *cancellable, GError **error);

G_END_DECLS
