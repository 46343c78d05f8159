/* lightly-server-routes-private.h: what the route files share (private)
 *
 * The routes are split by resource: lightly-server-routes.c (the routing
 * table, the object), -util.c (responses, capabilities, lookups),
 * -datasets.c (datasets, samples, tags) and -embeddings.c (scores,
 * embeddings, selection, jobs). Data is reached through the backend seam
 * and the local backend's service layer only, never the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "server/lightly-server-routes.h"
#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"
#include "backend/lightly-local-backend-service.h"

G_BEGIN_DECLS

typedef enum {
  CAP_CSV_WRITE,
  CAP_CSV_READ,
  CAP_DISCARD,
} CapabilityKind;

/* The longest dataset or tag name a request may carry, in bytes. */
#define LIGHTLY_SERVER_MAX_NAME 255

typedef struct {
  CapabilityKind kind;
  char *dataset_id;
  char *embedding_name;   /* CAP_CSV_WRITE */
  char *embedding_id;     /* CAP_CSV_WRITE: the id promised by E2; CAP_CSV_READ: the real id */
  gint64 expires_us;      /* monotonic */
  gboolean used;
} Capability;

struct _LightlyServerRoutes
{
  GObject parent_instance;

  LightlyBackend *backend;   /* a local backend: the seam plus its service layer */
  char *token;
  char *base_url;
  LightlyServerMlBackend *ml_backend;  /* nullable: `serve --ml-backend` */
  guint64 max_json;           /* the streaming routes */
  guint64 max_tree;           /* routes that parse a json-glib tree */
  guint64 max_upload;

  GMutex lock;
  GHashTable *capabilities;  /* capability → Capability */
  /* E2 promises an embedding id before the CSV exists, and the store picks
   * its own id when the CSV arrives: promised id → stored id. Persisted next
   * to the store so clients keep working across restarts. */
  GKeyFile *aliases;
};

/* One authenticated request under /v1. */
typedef struct {
  LightlyServerRoutes *self;
  const LightlyHttpRequest *req;
  LightlyHttpResponse *resp;
  GCancellable *cancellable;
  char **seg;          /* decoded path segments after "v1" */
  guint n_seg;
  LightlyStoreDataset *dataset;  /* when the route is under /datasets/{id} */
} Route;

typedef JsonNode *(*EncodeRow) (gconstpointer row);

/* Helpers (lightly-server-routes-util.c) */
void routes_capability_free (Capability *cap);
gboolean routes_is_id (const char *s);
gboolean routes_token_matches (const char *expected, const char *given);
void routes_respond_json_string (LightlyHttpResponse *resp, guint status, GString *json);
void routes_respond_take_node (LightlyHttpResponse *resp, JsonNode *node);
void routes_respond_rows (LightlyHttpResponse *resp, GPtrArray *rows, EncodeRow encode);
void routes_respond_scalar_string (LightlyHttpResponse *resp, const char *value);
void routes_respond_error (LightlyHttpResponse *resp, guint status, const char *code, const char *format,
                           ...) G_GNUC_PRINTF (4, 5);
void routes_respond_gerror (LightlyHttpResponse *resp, const GError *error, const char *unknown_code,
                            const char *exists_code);
void routes_respond_spool_error (LightlyHttpResponse *resp, const GError *error);
GBytes *routes_request_body_bytes (const LightlyHttpRequest *req, LightlyHttpResponse *resp);
JsonNode *routes_parse_body (const LightlyHttpRequest *req, LightlyHttpResponse *resp,
                             const LightlyJsonModel *model);
char *routes_request_base_url (LightlyServerRoutes *self, const LightlyHttpRequest *req);
char *routes_new_capability (LightlyServerRoutes *self, CapabilityKind kind, const char *dataset_id,
                             const char *embedding_name, const char *embedding_id, GError **error);
guint routes_peek_capability (LightlyServerRoutes *self, const char *hex, CapabilityKind kind, char **message);
Capability *routes_take_capability (LightlyServerRoutes *self, const char *hex, CapabilityKind kind,
                                    LightlyHttpResponse *resp);
char *routes_aliases_path (LightlyServerRoutes *self);
void routes_add_alias (LightlyServerRoutes *self, const char *promised, const char *stored);
char *routes_sample_id (const char *dataset_id, guint64 index);
gint64 routes_sample_index (const char *dataset_id, const char *id);
const char *routes_query_param (const LightlyHttpRequest *req, const char *name);
gboolean routes_parse_bool_param (const char *value, gboolean *out);
gboolean routes_require_dataset (Route *r);
gboolean routes_check_name (LightlyHttpResponse *resp, const char *field, const char *value);
gboolean routes_check_samples_open (Route *r);
LightlyStoreTag *routes_require_tag (Route *r, const char *tag_id);
LightlyStoreEmbedding *routes_require_embedding (Route *r, const char *embedding_id);

/* Datasets, samples, tags (lightly-server-routes-datasets.c) */
void route_list_datasets (Route *r);
void route_create_dataset (Route *r);
void route_mappings (Route *r);
void route_create_sample (Route *r);
void route_create_samples_bulk (Route *r);
void route_list_samples (Route *r);
void route_sample_write_url (Route *r, gboolean both);
void route_list_tags (Route *r);
void route_tag_picks (Route *r);
void route_get_tag (Route *r);
void route_create_initial_tag (Route *r);
void route_delete_tag (Route *r);
gboolean routes_check_optional_tag (Route *r, const char *tag_id);
void route_create_tag (Route *r);
void route_tag_arithmetics (Route *r, gboolean bitmask_only);
void route_tag_filenames (Route *r);

/* Scores, embeddings, selection, jobs (lightly-server-routes-embeddings.c) */
void route_upload_scores (Route *r);
void route_list_scores (Route *r);
void route_get_score (Route *r);
void route_list_embeddings (Route *r);
void route_write_csv_url (Route *r);
void route_read_csv_url (Route *r);
void route_trigger_2d (Route *r);
void route_put_embeddings_csv (LightlyServerRoutes *self, const LightlyHttpRequest *req,
                               LightlyHttpResponse *resp, const char *hex, GCancellable *cancellable);
void route_get_embeddings_csv (LightlyServerRoutes *self, LightlyHttpResponse *resp, const char *hex);
void route_sampling (Route *r);
void route_get_job (LightlyServerRoutes *self, const LightlyHttpRequest *req, LightlyHttpResponse *resp,
                    const char *job_id, GCancellable *cancellable);

G_END_DECLS
