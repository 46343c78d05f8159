/* lightly-server-routes.c: the REST routes of `lightly-al serve` (private)
 *
 * The server list of protocol §12 plus the sample endpoints and extensions of
 * §13. The REST layer adds a transport only: every write goes through the
 * local backend's seam methods or the store, so the semantics (selection,
 * idempotent writes, validation) are exactly the embedded default's.
 *
 * Errors follow §13: {"code","message"} with 400 for bad input, 401 for a
 * missing or wrong token, 404 for *_UNKNOWN, 409 for *_EXISTS, 413 for an
 * oversized body. 500 is only for the store failing (disk full, I/O), never
 * for anything a client can send.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/random.h>

#include "server/lightly-server-routes.h"
#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"
#include "backend/lightly-local-backend-service.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-sampling-method.h"

typedef enum {
  CAP_CSV_WRITE,
  CAP_CSV_READ,
  CAP_DISCARD,
} CapabilityKind;

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
  guint64 max_json;
  guint64 max_upload;

  GMutex lock;
  GHashTable *capabilities;  /* capability → Capability */
  /* E2 promises an embedding id before the CSV exists, and the store picks
   * its own id when the CSV arrives: promised id → stored id. Persisted next
   * to the store so clients keep working across restarts. */
  GKeyFile *aliases;
};

G_DEFINE_FINAL_TYPE (LightlyServerRoutes, lightly_server_routes, G_TYPE_OBJECT)

static void
capability_free (Capability *cap)
{
  g_free (cap->dataset_id);
  g_free (cap->embedding_name);
  g_free (cap->embedding_id);
  g_free (cap);
}

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

gboolean
lightly_server_random_hex128 (char     buf[33],
                              GError **error)
{
  guint8 raw[16];
  gsize got = 0;

  while (got < sizeof raw)
    {
      ssize_t n = getrandom (raw + got, sizeof raw - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not read random bytes: %s", g_strerror (saved));
          return FALSE;
        }
      got += (gsize) n;
    }
  for (guint i = 0; i < sizeof raw; i++)
    g_snprintf (buf + 2 * i, 3, "%02x", raw[i]);
  return TRUE;
}

static gboolean
is_id (const char *s)
{
  gsize i;

  if (s == NULL)
    return FALSE;
  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return i == 24;
}

static gboolean
is_capability (const char *s)
{
  gsize i;

  if (s == NULL)
    return FALSE;
  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return i == 32;
}

/* Constant time in the length of the expected token. */
static gboolean
token_matches (const char *expected,
               const char *given)
{
  gsize n = strlen (expected);
  gsize m = given != NULL ? strlen (given) : 0;
  guchar diff = (guchar) (n != m);

  for (gsize i = 0; i < n; i++)
    diff |= (guchar) expected[i] ^ (guchar) (i < m ? given[i] : 0);
  return given != NULL && diff == 0;
}

static void
respond_json_string (LightlyHttpResponse *resp,
                     guint                status,
                     GString             *json)
{
  gsize len = json->len;
  GBytes *body = g_bytes_new_take (g_string_free (json, FALSE), len);

  lightly_http_response_set_body (resp, status, "application/json", body);
  g_bytes_unref (body);
}

static void
respond_node (LightlyHttpResponse *resp,
              guint                status,
              JsonNode            *node)
{
  g_autofree char *text = lightly_json_to_string (node);

  respond_json_string (resp, status, g_string_new (text));
}

/* Takes node. */
static void
respond_take_node (LightlyHttpResponse *resp,
                   JsonNode            *node)
{
  respond_node (resp, 200, node);
  json_node_unref (node);
}

typedef JsonNode *(*EncodeRow) (gconstpointer row);

/* Answers a JSON array of @rows, each encoded by @encode. */
static void
respond_rows (LightlyHttpResponse *resp,
              GPtrArray           *rows,
              EncodeRow            encode)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < rows->len; i++)
    json_array_add_element (array, encode (g_ptr_array_index (rows, i)));
  json_node_take_array (node, array);
  respond_take_node (resp, node);
}

static void
respond_scalar_string (LightlyHttpResponse *resp,
                       const char          *value)
{
  GString *json = g_string_new (NULL);

  lightly_json_append_string (json, value);
  respond_json_string (resp, 200, json);
}

static void G_GNUC_PRINTF (4, 5)
respond_error (LightlyHttpResponse *resp,
               guint                status,
               const char          *code,
               const char          *format,
               ...)
{
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) node = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  node = lightly_json_encode_error (code, message);
  respond_node (resp, status, node);
  g_free (resp->error_code);
  resp->error_code = g_strdup (code);
}

/* Maps a GError of the store or the local backend to §13's statuses.
 * unknown_code / exists_code name the resource the route was about. */
static void
respond_gerror (LightlyHttpResponse *resp,
                const GError        *error,
                const char          *unknown_code,
                const char          *exists_code)
{
  if (error->domain == LIGHTLY_ERROR)
    switch ((LightlyError) error->code)
      {
      case LIGHTLY_ERROR_INVALID_INPUT:
      case LIGHTLY_ERROR_SCORES_REQUIRED:
      case LIGHTLY_ERROR_NOT_SUPPORTED:
        respond_error (resp, 400, "BAD_REQUEST", "%s", error->message);
        return;
      case LIGHTLY_ERROR_NOT_FOUND:
        respond_error (resp, 404, unknown_code != NULL ? unknown_code : "NOT_FOUND", "%s", error->message);
        return;
      case LIGHTLY_ERROR_EXISTS:
      case LIGHTLY_ERROR_BUSY:
        respond_error (resp, 409, exists_code != NULL ? exists_code : "BAD_REQUEST", "%s", error->message);
        return;
      default:
        break;
      }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      respond_error (resp, 400, "BAD_REQUEST", "The request was cancelled");
      return;
    }
  /* Only a failing store (I/O, disk full) gets here. */
  respond_error (resp, 500, "MALFORMED_RESPONSE", "The server could not complete the request: %s",
                 error->message);
}

/* A spooled body the server cannot read back is its own fault (the
 * temporary directory), not the client's: 503, so a client may retry. */
static void
respond_spool_error (LightlyHttpResponse *resp,
                     const GError        *error)
{
  g_message ("Could not read back a request body spooled to disk: %s", error->message);
  respond_error (resp, 503, "MALFORMED_RESPONSE", "The server could not read the request body back from "
                 "its temporary file: %s", error->message);
}

/* The body's bytes; a spooled body is mapped rather than read in. */
static GBytes *
request_body_bytes (const LightlyHttpRequest *req,
                    LightlyHttpResponse      *resp)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = lightly_http_request_dup_body_bytes (req, &error);

  if (bytes == NULL)
    respond_spool_error (resp, error);
  return bytes;
}

/* Parses a small JSON request body and checks it against its model. */
static JsonNode *
parse_body (const LightlyHttpRequest *req,
            LightlyHttpResponse      *resp,
            const LightlyJsonModel   *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = request_body_bytes (req, resp);
  gsize len;
  const char *data;
  g_autofree char *context = g_strdup_printf ("%s %s", req->method, model->name);

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_INVALID_INPUT, &error);
  if (node == NULL)
    {
      respond_error (resp, 400, "MALFORMED_REQUEST", "%s", error->message);
      return NULL;
    }
  if (!lightly_json_model_check (model, node, context, LIGHTLY_ERROR_INVALID_INPUT, &error))
    {
      respond_error (resp, 400, "MALFORMED_REQUEST", "%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&node);
}

static char *
request_base_url (LightlyServerRoutes      *self,
                  const LightlyHttpRequest *req)
{
  const char *host = lightly_http_request_get_header (req, "host");

  /* The Host header is what the client used to reach us, so the URLs we
   * hand out reach us too, whatever address we listen on. */
  if (host != NULL && *host != '\0' && strpbrk (host, "/?#@ \t\r\n") == NULL)
    return g_strdup_printf ("http://%s", host);
  g_mutex_lock (&self->lock);
  host = self->base_url;
  g_mutex_unlock (&self->lock);
  return g_strdup (host != NULL ? host : "http://127.0.0.1");
}

static char *
new_capability (LightlyServerRoutes  *self,
                CapabilityKind        kind,
                const char           *dataset_id,
                const char           *embedding_name,
                const char           *embedding_id,
                GError              **error)
{
  char hex[33];
  Capability *cap;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  if (!lightly_server_random_hex128 (hex, error))
    return NULL;
  cap = g_new0 (Capability, 1);
  cap->kind = kind;
  cap->dataset_id = g_strdup (dataset_id);
  cap->embedding_name = g_strdup (embedding_name);
  cap->embedding_id = g_strdup (embedding_id);
  cap->expires_us = now + LIGHTLY_SERVER_CAPABILITY_LIFETIME_S * G_USEC_PER_SEC;

  g_mutex_lock (&self->lock);
  /* Forget expired and used ones, so the table can't grow without bound. */
  g_hash_table_iter_init (&iter, self->capabilities);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Capability *old = value;

      if (old->expires_us < now || old->used)
        g_hash_table_iter_remove (&iter);
    }
  g_hash_table_insert (self->capabilities, g_strdup (hex), cap);
  g_mutex_unlock (&self->lock);
  return g_strdup (hex);
}

/* Takes a capability for one use (CAP_CSV_READ stays valid until it
 * expires). Returns a copy, or NULL with the response set. */
static Capability *
take_capability (LightlyServerRoutes *self,
                 const char          *hex,
                 CapabilityKind       kind,
                 LightlyHttpResponse *resp)
{
  Capability *cap, *copy = NULL;
  gboolean expired = FALSE, used = FALSE;

  g_mutex_lock (&self->lock);
  cap = is_capability (hex) ? g_hash_table_lookup (self->capabilities, hex) : NULL;
  if (cap != NULL && cap->kind == kind)
    {
      expired = cap->expires_us < g_get_monotonic_time ();
      used = cap->used;
      if (!expired && !used)
        {
          if (kind != CAP_CSV_READ)
            cap->used = TRUE;
          copy = g_new0 (Capability, 1);
          copy->kind = cap->kind;
          copy->dataset_id = g_strdup (cap->dataset_id);
          copy->embedding_name = g_strdup (cap->embedding_name);
          copy->embedding_id = g_strdup (cap->embedding_id);
        }
    }
  else
    cap = NULL;
  g_mutex_unlock (&self->lock);

  if (cap == NULL)
    respond_error (resp, 404, "NOT_FOUND", "This signed URL is unknown: ask for a new one");
  else if (expired)
    respond_error (resp, 403, "FORBIDDEN", "This signed URL expired after %d minutes: ask for a new one",
                   LIGHTLY_SERVER_CAPABILITY_LIFETIME_S / 60);
  else if (used)
    respond_error (resp, 403, "FORBIDDEN", "This signed URL was used already: ask for a new one");
  return copy;
}

static char *
aliases_path (LightlyServerRoutes *self)
{
  const char *dir = lightly_local_service_get_dir (self->backend);

  return dir != NULL ? g_build_filename (dir, "server-embedding-ids.ini", NULL) : NULL;
}

static void
add_alias (LightlyServerRoutes *self,
           const char          *promised,
           const char          *stored)
{
  g_autofree char *path = aliases_path (self);

  g_mutex_lock (&self->lock);
  g_key_file_set_string (self->aliases, "embedding-ids", promised, stored);
  if (path != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_key_file_save_to_file (self->aliases, path, &error))
        g_warning ("Could not save %s: %s", path, error->message);
    }
  g_mutex_unlock (&self->lock);
}

/* The stored id of an embedding id a client holds (promised by E2 or real). */
static char *
resolve_embedding_id (LightlyServerRoutes *self,
                      const char          *id)
{
  char *stored;

  g_mutex_lock (&self->lock);
  stored = g_key_file_get_string (self->aliases, "embedding-ids", id, NULL);
  g_mutex_unlock (&self->lock);
  return stored != NULL && is_id (stored) ? stored : (g_free (stored), g_strdup (id));
}

/* Sample ids: the dataset id's first 8 characters and the index in 16 hex
 * digits, so M1 ?field=_id needs no extra column in the store. */
static char *
sample_id (const char *dataset_id,
           guint64     index)
{
  return g_strdup_printf ("%.8s%016" G_GINT64_MODIFIER "x", dataset_id, index);
}

static gint64
sample_index (const char *dataset_id,
              const char *id)
{
  if (!is_id (id) || strncmp (id, dataset_id, 8) != 0)
    return -1;
  return (gint64) g_ascii_strtoull (id + 8, NULL, 16);
}

static const char *
query_param (const LightlyHttpRequest *req,
             const char               *name)
{
  return g_hash_table_lookup (req->query, name);
}

static gboolean
parse_bool_param (const char *value,
                  gboolean   *out)
{
  if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "True") == 0 || g_strcmp0 (value, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "False") == 0 || g_strcmp0 (value, "0") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Route context
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyServerRoutes *self;
  const LightlyHttpRequest *req;
  LightlyHttpResponse *resp;
  GCancellable *cancellable;
  char **seg;          /* decoded path segments after "v1" */
  guint n_seg;
  LightlyStoreDataset *dataset;  /* when the route is under /datasets/{id} */
} Route;

static gboolean
require_dataset (Route *r)
{
  g_autoptr(GError) error = NULL;

  if (!is_id (r->seg[1]))
    {
      respond_error (r->resp, 404, "DATASET_UNKNOWN", "No dataset has the id “%s”", r->seg[1]);
      return FALSE;
    }
  r->dataset = lightly_local_service_get_dataset (r->self->backend, r->seg[1], &error);
  if (r->dataset == NULL)
    {
      respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
      return FALSE;
    }
  return TRUE;
}

static LightlyStoreTag *
require_tag (Route      *r,
             const char *tag_id)
{
  g_autoptr(GError) error = NULL;
  LightlyStoreTag *tag;

  if (!is_id (tag_id))
    {
      respond_error (r->resp, 404, "TAG_UNKNOWN", "Dataset %s has no tag with the id “%s”", r->dataset->id, tag_id);
      return NULL;
    }
  tag = lightly_local_service_get_tag (r->self->backend, r->dataset->id, tag_id, &error);
  if (tag == NULL)
    respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  return tag;
}

static LightlyStoreEmbedding *
require_embedding (Route      *r,
                   const char *embedding_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  LightlyStoreEmbedding *embedding;

  if (!is_id (embedding_id))
    {
      respond_error (r->resp, 404, "EMBEDDING_UNKNOWN", "Dataset %s has no embedding with the id “%s”",
                     r->dataset->id, embedding_id);
      return NULL;
    }
  stored = resolve_embedding_id (r->self, embedding_id);
  embedding = lightly_local_service_get_embedding (r->self->backend, r->dataset->id, stored, &error);
  if (embedding == NULL)
    respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", NULL);
  return embedding;
}

/* ---------------------------------------------------------------------------
 * Datasets, quota, versions
 * ------------------------------------------------------------------------- */

static void
route_list_datasets (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_datasets (r->self->backend, &error);

  if (rows == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_dataset);
}

static void
route_create_dataset (Route *r)
{
  g_autoptr(JsonNode) body = parse_body (r->req, r->resp, &lightly_json_model_dataset_create_request);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (body == NULL)
    return;
  id = lightly_backend_create_dataset (r->self->backend, lightly_json_get_string (json_node_get_object (body), "name"),
                                       r->cancellable, &error);
  if (id == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", "DATASET_NAME_EXISTS");
  respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* ---------------------------------------------------------------------------
 * Samples and mappings
 * ------------------------------------------------------------------------- */

static void
route_mappings (Route *r)
{
  const char *field = query_param (r->req, "field");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  gsize n = 0;
  GString *json;

  if (g_strcmp0 (field, "fileName") != 0 && g_strcmp0 (field, "_id") != 0)
    return respond_error (r->resp, 400, "BAD_REQUEST",
                          "Mappings need ?field=fileName or ?field=_id, not “%s”", field != NULL ? field : "");
  names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id, &n, &error);
  if (names == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);

  json = g_string_sized_new (n * 24 + 2);
  if (g_str_equal (field, "fileName"))
    lightly_json_append_string_array (json, (const char * const *) names, (gssize) n);
  else
    {
      g_string_append_c (json, '[');
      for (gsize i = 0; i < n; i++)
        {
          g_autofree char *id = sample_id (r->dataset->id, i);

          if (i > 0)
            g_string_append_c (json, ',');
          lightly_json_append_string (json, id);
        }
      g_string_append_c (json, ']');
    }
  respond_json_string (r->resp, 200, json);
}

static void
route_create_sample (Route *r)
{
  g_autoptr(JsonNode) body = parse_body (r->req, r->resp, &lightly_json_model_sample_create_request);
  g_autoptr(GError) error = NULL;
  const char *names[2] = { NULL, NULL };
  g_autofree char *id = NULL;
  gint64 n;

  if (body == NULL)
    return;
  names[0] = lightly_json_get_string (json_node_get_object (body), "fileName");
  n = lightly_local_service_add_samples (r->self->backend, r->dataset->id, names, 1, &error);
  if (n < 1)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", "SAMPLE_UNKNOWN");
  id = sample_id (r->dataset->id, (guint64) n - 1);
  respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* lightly-glib extension: a JSON array of file names, appended in order. */
static void
route_create_samples_bulk (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GBytes) bytes = request_body_bytes (r->req, r->resp);
  gsize len, n = 0;
  const char *data;
  gint64 total;
  JsonObject *o;
  JsonNode *node;

  if (bytes == NULL)
    return;
  data = g_bytes_get_data (bytes, &len);
  names = lightly_json_parse_string_array (data, len, "The request body", &n, &error);
  if (names == NULL)
    return respond_error (r->resp, 400, "MALFORMED_REQUEST", "%s (expected a JSON array of file names)",
                          error->message);
  total = lightly_local_service_add_samples (r->self->backend, r->dataset->id, (const char * const *) names,
                                             n, &error);
  if (total < 0)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  o = json_object_new ();
  json_object_set_int_member (o, "added", (gint64) n);
  json_object_set_int_member (o, "nSamples", total);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  respond_take_node (r->resp, node);
}

static void
append_sample_data (GString    *json,
                    const char *dataset_id,
                    const char *file_name,
                    guint64     index)
{
  g_autofree char *id = sample_id (dataset_id, index);

  g_string_append (json, "{\"id\":");
  lightly_json_append_string (json, id);
  g_string_append (json, ",\"datasetId\":");
  lightly_json_append_string (json, dataset_id);
  g_string_append (json, ",\"fileName\":");
  lightly_json_append_string (json, file_name);
  g_string_append_printf (json, ",\"index\":%" G_GUINT64_FORMAT "}", index);
}

static void
route_list_samples (Route *r)
{
  const char *file_name = query_param (r->req, "fileName");
  g_autoptr(GError) error = NULL;
  GString *json = g_string_new ("[");

  if (file_name != NULL)
    {
      gint64 index = lightly_local_service_lookup_sample (r->self->backend, r->dataset->id, file_name, &error);

      if (index < 0 && !g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND))
        {
          g_string_free (json, TRUE);
          return respond_gerror (r->resp, error, "SAMPLE_UNKNOWN", NULL);
        }
      if (index >= 0)
        append_sample_data (json, r->dataset->id, file_name, (guint64) index);
    }
  else
    {
      gsize n = 0;
      g_auto(GStrv) names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id, &n, &error);

      if (names == NULL)
        {
          g_string_free (json, TRUE);
          return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
        }
      for (gsize i = 0; i < n; i++)
        {
          if (i > 0)
            g_string_append_c (json, ',');
          append_sample_data (json, r->dataset->id, names[i], i);
        }
    }
  g_string_append_c (json, ']');
  respond_json_string (r->resp, 200, json);
}

static gboolean
require_sample (Route      *r,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  gint64 index = sample_index (r->dataset->id, id);
  gint64 n = lightly_local_service_get_n_samples (r->self->backend, r->dataset->id, &error);

  if (n < 0)
    {
      respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
      return FALSE;
    }
  if (index < 0 || index >= n)
    {
      respond_error (r->resp, 404, "SAMPLE_UNKNOWN", "Dataset %s has no sample with the id “%s”",
                     r->dataset->id, id);
      return FALSE;
    }
  return TRUE;
}

static char *
discard_url (Route   *r,
             GError **error)
{
  g_autofree char *cap = new_capability (r->self, CAP_DISCARD, r->dataset->id, NULL, NULL, error);
  g_autofree char *base = NULL;

  if (cap == NULL)
    return NULL;
  base = request_base_url (r->self, r->req);
  return g_strdup_printf ("%s/upload/discard/%s", base, cap);
}

static void
route_sample_write_url (Route *r,
                        gboolean both)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *full = NULL;
  g_autofree char *thumb = NULL;
  const char *is_thumbnail = query_param (r->req, "isThumbnail");
  gboolean dummy;

  if (!require_sample (r, r->seg[3]))
    return;
  if (!both && is_thumbnail != NULL && !parse_bool_param (is_thumbnail, &dummy))
    return respond_error (r->resp, 400, "BAD_REQUEST", "isThumbnail must be true or false, not “%s”", is_thumbnail);
  full = discard_url (r, &error);
  if (full != NULL && both)
    thumb = discard_url (r, &error);
  if (full == NULL || (both && thumb == NULL))
    return respond_gerror (r->resp, error, NULL, NULL);
  if (both)
    {
      JsonObject *o = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (o, "full", full);
      json_object_set_string_member (o, "thumb", thumb);
      json_node_take_object (node, o);
      respond_take_node (r->resp, node);
    }
  else
    respond_scalar_string (r->resp, full);
}

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

static void
route_list_tags (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_tags (r->self->backend, r->dataset->id, &error);

  if (rows == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_tag);
}

static void
route_get_tag (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = require_tag (r, r->seg[3]);

  if (tag != NULL)
    respond_take_node (r->resp, lightly_json_encode_tag (tag));
}

static void
route_create_initial_tag (Route *r)
{
  g_autoptr(JsonNode) body = parse_body (r->req, r->resp, &lightly_json_model_initial_tag_create_request);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (body == NULL)
    return;
  id = lightly_backend_create_initial_tag (r->self->backend, r->dataset->id,
                                                                         r->cancellable, &error);
  if (id == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", "TAG_INITIAL_EXISTS");
  respond_take_node (r->resp, lightly_json_encode_id (id));
}

/* DELETE /v1/datasets/{datasetId}/tags/{tagId} [delete_tag_by_tag_id]:
 * the tag and its scores; 400 for the initial-tag or a tag still referred
 * to. The 2021 client sends a body of {}, which is ignored. */
static void
route_delete_tag (Route *r)
{
  g_autoptr(GError) error = NULL;
  const char *tag_id = r->seg[3];

  if (!is_id (tag_id))
    return respond_error (r->resp, 404, "TAG_UNKNOWN", "Dataset %s has no tag with the id “%s”", r->dataset->id, tag_id);
  if (!lightly_backend_delete_tag (r->self->backend, r->dataset->id, tag_id,
                                                                 r->cancellable, &error))
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  respond_json_string (r->resp, 200, g_string_new ("{}"));
}

/* Parses a bitmask; the service checks it against the dataset's size (§13). */
static LightlyBitMask *
parse_mask (Route      *r,
            const char *hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new_from_hex (hex, &error);

  if (mask == NULL)
    {
      respond_error (r->resp, 400, "BAD_REQUEST", "%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&mask);
}

static gboolean
check_optional_tag (Route      *r,
                    const char *tag_id)
{
  g_autoptr(LightlyStoreTag) tag = NULL;

  if (tag_id == NULL)
    return TRUE;
  tag = require_tag (r, tag_id);
  return tag != NULL;
}

static void
route_create_tag (Route *r)
{
  g_autoptr(JsonNode) body = parse_body (r->req, r->resp, &lightly_json_model_tag_create_request);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *id = NULL;
  JsonObject *o;
  const char *prev, *query, *preselected, *creator;

  if (body == NULL)
    return;
  o = json_node_get_object (body);
  mask = parse_mask (r, lightly_json_get_string (o, "bitMaskData"));
  if (mask == NULL)
    return;
  prev = lightly_json_get_string (o, "prevTagId");
  query = lightly_json_get_string (o, "queryTagId");
  preselected = lightly_json_get_string (o, "preselectedTagId");
  creator = lightly_json_get_string (o, "creator");
  if (!check_optional_tag (r, prev) || !check_optional_tag (r, query) || !check_optional_tag (r, preselected))
    return;
  hex = lightly_bit_mask_to_hex (mask);
  id = lightly_local_service_create_tag (r->self->backend, r->dataset->id, lightly_json_get_string (o, "name"),
                                         hex, prev, query, preselected, creator, &error);
  if (id == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", "TAG_NAME_EXISTS");
  respond_take_node (r->resp, lightly_json_encode_id (id));
}

static void
route_tag_arithmetics (Route   *r,
                       gboolean bitmask_only)
{
  g_autoptr(JsonNode) body = parse_body (r->req, r->resp, &lightly_json_model_tag_arithmetics_request);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreTag) tag1 = NULL;
  g_autoptr(LightlyStoreTag) tag2 = NULL;
  g_autoptr(LightlyBitMask) a = NULL;
  g_autoptr(LightlyBitMask) b = NULL;
  g_autofree char *hex = NULL;
  const char *op, *new_name, *creator;
  JsonObject *o;

  if (body == NULL)
    return;
  o = json_node_get_object (body);
  tag1 = require_tag (r, lightly_json_get_string (o, "tagId1"));
  if (tag1 == NULL)
    return;
  tag2 = require_tag (r, lightly_json_get_string (o, "tagId2"));
  if (tag2 == NULL)
    return;
  a = lightly_bit_mask_new_from_hex (tag1->bitmask_hex, &error);
  b = a != NULL ? lightly_bit_mask_new_from_hex (tag2->bitmask_hex, &error) : NULL;
  if (b == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);

  op = lightly_json_get_string (o, "operation");
  if (g_str_equal (op, "UNION"))
    lightly_bit_mask_union (a, b);
  else if (g_str_equal (op, "INTERSECTION"))
    lightly_bit_mask_intersection (a, b);
  else
    lightly_bit_mask_difference (a, b);   /* tag1 AND NOT tag2 (§3.5) */
  hex = lightly_bit_mask_to_hex (a);

  new_name = lightly_json_get_string (o, "newTagName");
  if (bitmask_only || new_name == NULL)
    {
      JsonObject *out = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (out, "bitMaskData", hex);
      json_node_take_object (node, out);
      respond_take_node (r->resp, node);
      return;
    }

  creator = lightly_json_get_string (o, "creator");
  {
    g_autofree char *id = lightly_local_service_create_tag (r->self->backend, r->dataset->id, new_name, hex,
                                                            tag1->id, NULL, NULL, creator, &error);

    if (id == NULL)
      return respond_gerror (r->resp, error, "TAG_UNKNOWN", "TAG_NAME_EXISTS");
    respond_take_node (r->resp, lightly_json_encode_id (id));
  }
}

static void
route_tag_filenames (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) selected = NULL;
  g_autofree char *joined = NULL;

  if (tag == NULL)
    return;
  names = lightly_local_service_get_sample_names (r->self->backend, r->dataset->id, NULL, &error);
  mask = names != NULL ? lightly_bit_mask_new_from_hex (tag->bitmask_hex, &error) : NULL;
  if (mask == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  selected = lightly_bit_mask_masked_select (mask, (const char * const *) names, &error);
  if (selected == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  /* TagFilenamesData is opaque; Lightly sent the names one per line. */
  joined = g_strjoinv ("\n", selected);
  respond_scalar_string (r->resp, joined);
}

/* ---------------------------------------------------------------------------
 * Scores
 * ------------------------------------------------------------------------- */

static gboolean
is_score_type (const char *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 256)
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_+=,.@:/-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
route_upload_scores (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autofree char *score_type = NULL;
  g_autofree double *values = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize n = 0, len;
  const char *data;

  if (tag == NULL)
    return;
  bytes = request_body_bytes (r->req, r->resp);
  if (bytes == NULL)
    return;
  data = g_bytes_get_data (bytes, &len);
  if (!lightly_json_parse_scores_request (data, len, &score_type, &values, &n, &error))
    return respond_error (r->resp, 400, "MALFORMED_REQUEST", "%s", error->message);
  if (!is_score_type (score_type))
    return respond_error (r->resp, 400, "BAD_REQUEST",
                          "The score type “%s” is not valid: use 1–256 letters, digits and _+=,.@:/-",
                          score_type);
  if (n == 0)
    return respond_error (r->resp, 400, "BAD_REQUEST", "Score “%s” has no values: send one per tag member",
                          score_type);
  id = lightly_backend_upload_scores (r->self->backend, r->dataset->id, tag->id,
                                                                    score_type, values, n,
                                                                    r->cancellable, &error);
  if (id == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  respond_take_node (r->resp, lightly_json_encode_id (id));
}

static void
route_list_scores (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (tag == NULL)
    return;
  rows = lightly_local_service_list_scores (r->self->backend, tag->id, &error);
  if (rows == NULL)
    return respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_score_info);
}

static void
route_get_score (Route *r)
{
  g_autoptr(LightlyStoreTag) tag = require_tag (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreScore) score = NULL;
  GString *json;

  if (tag == NULL)
    return;
  if (!is_id (r->seg[5]))
    return respond_error (r->resp, 404, "SCORE_UNKNOWN", "Tag %s has no score with the id “%s”", tag->id, r->seg[5]);
  score = lightly_local_service_get_score (r->self->backend, tag->id, r->seg[5], &error);
  if (score == NULL)
    return respond_gerror (r->resp, error, "SCORE_UNKNOWN", NULL);
  json = g_string_new ("{\"id\":");
  lightly_json_append_string (json, score->id);
  g_string_append (json, ",\"tagId\":");
  lightly_json_append_string (json, score->tag_id);
  g_string_append (json, ",\"scoreType\":");
  lightly_json_append_string (json, score->score_type);
  g_string_append (json, ",\"scores\":");
  lightly_json_append_double_array (json, score->values, score->n_values);
  g_string_append_printf (json, ",\"createdAt\":%" G_GINT64_FORMAT "}", score->created_at);
  respond_json_string (r->resp, 200, json);
}

/* ---------------------------------------------------------------------------
 * Embeddings
 * ------------------------------------------------------------------------- */

static void
route_list_embeddings (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = lightly_local_service_list_embeddings (r->self->backend, r->dataset->id, &error);

  if (rows == NULL)
    return respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
  respond_rows (r->resp, rows, (EncodeRow) lightly_json_encode_embedding);
}

static gboolean
is_embedding_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 256 || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
route_write_csv_url (Route *r)
{
  const char *name = query_param (r->req, "name");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreEmbedding) existing = NULL;
  g_autofree char *promised = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  JsonObject *o;
  JsonNode *node;

  if (!is_embedding_name (name))
    return respond_error (r->resp, 400, "BAD_REQUEST",
                          "writeCSVUrl needs ?name=NAME: 1–256 characters of valid UTF-8, no control characters");
  existing = lightly_local_service_get_embedding_by_name (r->self->backend, r->dataset->id, name, &error);
  if (existing != NULL)
    return respond_error (r->resp, 409, "EMBEDDING_NAME_EXISTS",
                          "Dataset %s has an embedding named “%s” already: use it or pick another name",
                          r->dataset->id, name);
  if (!g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND))
    return respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", NULL);
  g_clear_error (&error);

  promised = lightly_local_service_new_id ();
  cap = new_capability (r->self, CAP_CSV_WRITE, r->dataset->id, name, promised, &error);
  if (cap == NULL)
    return respond_gerror (r->resp, error, NULL, NULL);
  base = request_base_url (r->self, r->req);
  url = g_strdup_printf ("%s/upload/embeddings/%s", base, cap);
  o = json_object_new ();
  json_object_set_string_member (o, "signedWriteUrl", url);
  json_object_set_string_member (o, "embeddingId", promised);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  respond_take_node (r->resp, node);
}

static void
route_read_csv_url (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = require_embedding (r, r->seg[3]);
  g_autoptr(GError) error = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;

  if (embedding == NULL)
    return;
  cap = new_capability (r->self, CAP_CSV_READ, r->dataset->id, NULL, embedding->id, &error);
  if (cap == NULL)
    return respond_gerror (r->resp, error, NULL, NULL);
  base = request_base_url (r->self, r->req);
  url = g_strdup_printf ("%s/download/embeddings/%s", base, cap);
  respond_scalar_string (r->resp, url);
}

static void
route_trigger_2d (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = require_embedding (r, r->seg[3]);

  /* Accepted and ignored (§12): lightly-glib computes no 2-d embeddings. */
  if (embedding != NULL)
    respond_json_string (r->resp, 200, g_string_new ("{}"));
}

/* E3: the signed-URL PUT. Answers exactly 200 on success (§2.7). */
static void
route_put_embeddings_csv (LightlyServerRoutes      *self,
                          const LightlyHttpRequest *req,
                          LightlyHttpResponse      *resp,
                          const char               *hex,
                          GCancellable             *cancellable)
{
  Capability *cap = take_capability (self, hex, CAP_CSV_WRITE, resp);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autofree char *stored = NULL;
  JsonObject *o;
  JsonNode *node;

  if (cap == NULL)
    return;
  input = lightly_http_request_open_body (req, &error);
  if (input == NULL)
    {
      capability_free (cap);
      return respond_spool_error (resp, error);
    }
  stored = lightly_backend_upload_embeddings (self->backend, cap->dataset_id, cap->embedding_name, input,
                                              cancellable, &error);
  if (stored == NULL)
    {
      capability_free (cap);
      return respond_gerror (resp, error, "DATASET_UNKNOWN", "EMBEDDING_NAME_EXISTS");
    }
  add_alias (self, cap->embedding_id, stored);
  o = json_object_new ();
  json_object_set_string_member (o, "embeddingId", cap->embedding_id);
  json_object_set_string_member (o, "storedId", stored);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  respond_take_node (resp, node);
  capability_free (cap);
}

static void
route_get_embeddings_csv (LightlyServerRoutes *self,
                          LightlyHttpResponse *resp,
                          const char          *hex)
{
  Capability *cap = take_capability (self, hex, CAP_CSV_READ, resp);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (cap == NULL)
    return;
  input = lightly_local_service_read_embedding_csv (self->backend, cap->embedding_id, &error);
  capability_free (cap);
  if (input == NULL)
    return respond_gerror (resp, error, "EMBEDDING_UNKNOWN", NULL);
  output = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (output, input, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
    return respond_gerror (resp, error, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
  lightly_http_response_set_body (resp, 200, "text/csv", bytes);
}

/* ---------------------------------------------------------------------------
 * Selection and jobs
 * ------------------------------------------------------------------------- */

static void
route_sampling (Route *r)
{
  g_autoptr(LightlyStoreEmbedding) embedding = require_embedding (r, r->seg[3]);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *job_id = NULL;
  LightlySelectionRequest request = { 0 };
  JsonObject *o, *config, *stop = NULL;
  const char *name;
  JsonObject *out;
  JsonNode *node;

  if (embedding == NULL)
    return;
  body = parse_body (r->req, r->resp, &lightly_json_model_sampling_create_request);
  if (body == NULL)
    return;
  o = json_node_get_object (body);
  config = json_object_get_object_member (o, "config");
  if (json_object_has_member (config, "stoppingCondition"))
    stop = json_object_get_object_member (config, "stoppingCondition");

  request.method = lightly_sampling_method_from_string (lightly_json_get_string (o, "method"), &error);
  if (error != NULL)
    return respond_error (r->resp, 400, "BAD_REQUEST", "%s", error->message);
  name = lightly_json_get_string (o, "newTagName");
  if (!lightly_local_service_check_tag_name (name, &error))
    return respond_error (r->resp, 400, "BAD_REQUEST", "%s", error->message);

  request.n_samples = stop != NULL ? lightly_json_get_number (stop, "nSamples", -1) : -1;
  request.min_distance = stop != NULL ? lightly_json_get_number (stop, "minDistance", -1) : -1;
  request.score_strength = lightly_json_get_number (o, "scoreStrength", 1.0);
  if (request.score_strength < 0)
    return respond_error (r->resp, 400, "BAD_REQUEST", "scoreStrength must be ≥ 0, not %g", request.score_strength);
  request.seed = (guint64) lightly_json_get_int (o, "seed", 0);
  request.row_count = lightly_json_get_int (o, "rowCount", (gint64) r->dataset->n_samples);
  request.query_tag_id = (char *) lightly_json_get_string (o, "queryTagId");
  request.preselected_tag_id = (char *) lightly_json_get_string (o, "preselectedTagId");
  request.score_type = (char *) lightly_json_get_string (o, "scoreType");
  request.new_tag_name = (char *) name;
  if (request.score_type != NULL && !is_score_type (request.score_type))
    return respond_error (r->resp, 400, "BAD_REQUEST", "The score type “%s” is not valid", request.score_type);
  /* Unknown tags are a 404 now, not a job that fails later. */
  if (!check_optional_tag (r, request.query_tag_id) || !check_optional_tag (r, request.preselected_tag_id))
    return;

  job_id = lightly_backend_start_selection (r->self->backend, r->dataset->id,
                                                                          embedding->id, &request,
                                                                          r->cancellable, &error);
  if (job_id == NULL)
    return respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", "TAG_NAME_EXISTS");
  out = json_object_new ();
  json_object_set_string_member (out, "jobId", job_id);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, out);
  respond_take_node (r->resp, node);
}

static gboolean
parse_int_param (const char *value,
                 gint64      min,
                 gint64      max,
                 gint64     *out)
{
  guint64 v;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &v, NULL))
    return FALSE;
  if ((gint64) v < min || (gint64) v > max)
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

static void
route_get_job (LightlyServerRoutes      *self,
               const LightlyHttpRequest *req,
               LightlyHttpResponse      *resp,
               const char               *job_id,
               GCancellable             *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStoreJob) job = NULL;
  const char *wait_param = g_hash_table_lookup (req->query, "waitMs");
  const char *status_param = g_hash_table_lookup (req->query, "knownStatus");
  const char *processed_param = g_hash_table_lookup (req->query, "knownProcessed");
  gint64 wait_ms = 0;

  if (!is_id (job_id))
    return respond_error (resp, 404, "JOB_UNKNOWN", "No job has the id “%s”", job_id);
  if (wait_param != NULL && !parse_int_param (wait_param, 0, LIGHTLY_SERVER_MAX_WAIT_MS, &wait_ms))
    return respond_error (resp, 400, "BAD_REQUEST", "waitMs must be an integer from 0 to %d, not “%s”",
                          LIGHTLY_SERVER_MAX_WAIT_MS, wait_param);

  job = lightly_local_service_get_job (self->backend, job_id, &error);
  if (job == NULL)
    return respond_gerror (resp, error, "JOB_UNKNOWN", NULL);

  if (wait_ms > 0 && job->status != LIGHTLY_STORE_JOB_FINISHED && job->status != LIGHTLY_STORE_JOB_FAILED)
    {
      /* Long poll (§13): answer when the job differs from what the client
       * last saw (knownStatus/knownProcessed), or from now when it didn't say. */
      LightlyStoreJobStatus known_status = job->status;
      gint64 known_processed = job->processed;
      g_autoptr(LightlyStoreJob) changed = NULL;

      if (status_param != NULL && !lightly_local_service_parse_job_status (status_param, &known_status))
        return respond_error (resp, 400, "BAD_REQUEST", "knownStatus “%s” is not a job state", status_param);
      if (processed_param != NULL && !parse_int_param (processed_param, 0, G_MAXINT64, &known_processed))
        return respond_error (resp, 400, "BAD_REQUEST", "knownProcessed must be an integer ≥ 0");
      changed = lightly_local_service_wait_job (self->backend, job_id, known_status, known_processed, wait_ms,
                                                cancellable, &error);
      if (changed == NULL)
        return respond_gerror (resp, error, "JOB_UNKNOWN", NULL);
      return respond_take_node (resp, lightly_json_encode_job (changed));
    }
  respond_take_node (resp, lightly_json_encode_job (job));
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------- */

static gboolean
is_method (const LightlyHttpRequest *req,
           const char               *method)
{
  return g_strcmp0 (req->method, method) == 0;
}

static void
method_not_allowed (LightlyHttpResponse *resp,
                    const char          *allowed)
{
  respond_error (resp, 405, "BAD_REQUEST", "This route takes %s only", allowed);
  lightly_http_response_set_header (resp, "Allow", allowed);
}

/* Splits a percent-encoded path into decoded segments. A trailing slash is
 * ignored (Lightly 1.1.10 POSTs /v1/datasets/). NULL for a segment that
 * doesn't decode to valid UTF-8 without NUL or '/'. */
static char **
split_path (const char *path,
            guint      *n_out)
{
  g_auto(GStrv) raw = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const char *p = path;

  if (p == NULL || *p != '/')
    return NULL;
  p++;
  raw = g_strsplit (p, "/", -1);
  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *seg;

      if (raw[i][0] == '\0' && raw[i + 1] == NULL && i > 0)
        break;   /* trailing slash */
      seg = g_uri_unescape_string (raw[i], "/");
      if (seg == NULL || !g_utf8_validate (seg, -1, NULL))
        {
          g_free (seg);
          return NULL;
        }
      g_ptr_array_add (out, seg);
    }
  *n_out = out->len;
  g_ptr_array_add (out, NULL);
  g_ptr_array_set_free_func (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static void
dispatch_dataset (Route *r)
{
  const LightlyHttpRequest *req = r->req;
  char **s = r->seg;
  guint n = r->n_seg;

  /* s[0] = "datasets", s[1] = dataset id */
  if (!require_dataset (r))
    return;

  if (n == 2)
    return is_method (req, "GET") ? respond_take_node (r->resp, lightly_json_encode_dataset (r->dataset))
                                   : method_not_allowed (r->resp, "GET");

  if (g_str_equal (s[2], "tags"))
    {
      if (n == 3)
        {
          if (is_method (req, "GET"))
            return route_list_tags (r);
          if (is_method (req, "POST"))
            return route_create_tag (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 4 && g_str_equal (s[3], "initial"))
        return is_method (req, "POST") ? route_create_initial_tag (r) : method_not_allowed (r->resp, "POST");
      if (n == 4 && g_str_equal (s[3], "arithmetics"))
        return is_method (req, "POST") ? route_tag_arithmetics (r, FALSE) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[3], "arithmetics") && g_str_equal (s[4], "bitmask"))
        return is_method (req, "POST") ? route_tag_arithmetics (r, TRUE) : method_not_allowed (r->resp, "POST");
      if (n == 4)
        {
          if (is_method (req, "GET"))
            return route_get_tag (r);
          if (is_method (req, "DELETE"))
            return route_delete_tag (r);
          return method_not_allowed (r->resp, "GET, DELETE");
        }
      if (n == 5 && g_str_equal (s[4], "filenames"))
        return is_method (req, "GET") ? route_tag_filenames (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "scores"))
        {
          if (is_method (req, "POST"))
            return route_upload_scores (r);
          if (is_method (req, "GET"))
            return route_list_scores (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 6 && g_str_equal (s[4], "scores"))
        return is_method (req, "GET") ? route_get_score (r) : method_not_allowed (r->resp, "GET");
    }
  else if (g_str_equal (s[2], "mappings") && n == 3)
    return is_method (req, "GET") ? route_mappings (r) : method_not_allowed (r->resp, "GET");
  else if (g_str_equal (s[2], "samples"))
    {
      if (n == 3)
        {
          if (is_method (req, "POST"))
            return route_create_sample (r);
          if (is_method (req, "GET"))
            return route_list_samples (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 4 && g_str_equal (s[3], "bulk"))
        return is_method (req, "POST") ? route_create_samples_bulk (r) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[4], "writeurl"))
        return is_method (req, "GET") ? route_sample_write_url (r, FALSE) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "writeurls"))
        return is_method (req, "GET") ? route_sample_write_url (r, TRUE) : method_not_allowed (r->resp, "GET");
    }
  else if (g_str_equal (s[2], "registerDatasetUpload") && n == 3)
    return is_method (req, "PUT") ? respond_json_string (r->resp, 200, g_string_new ("{}"))
                                  : method_not_allowed (r->resp, "PUT");
  else if (g_str_equal (s[2], "embeddings"))
    {
      if (n == 3)
        return is_method (req, "GET") ? route_list_embeddings (r) : method_not_allowed (r->resp, "GET");
      if (n == 4 && g_str_equal (s[3], "writeCSVUrl"))
        return is_method (req, "GET") ? route_write_csv_url (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "readCSVUrl"))
        return is_method (req, "GET") ? route_read_csv_url (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "trigger2dEmbeddingsJob"))
        return is_method (req, "POST") ? route_trigger_2d (r) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[4], "sampling"))
        return is_method (req, "POST") ? route_sampling (r) : method_not_allowed (r->resp, "POST");
    }

  respond_error (r->resp, 404, "NOT_FOUND", "No route %s %s", req->method, req->path);
}

static gboolean
query_is_clean (const LightlyHttpRequest *req)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, req->query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL) ||
        strchr (value, '\x01') != NULL)
      return FALSE;
  return TRUE;
}

void
lightly_server_routes_handle (LightlyServerRoutes      *self,
                              const LightlyHttpRequest *req,
                              LightlyHttpResponse      *resp,
                              GCancellable             *cancellable)
{
  g_auto(GStrv) seg = NULL;
  guint n = 0;
  Route r = { 0 };

  g_return_if_fail (LIGHTLY_IS_SERVER_ROUTES (self));

  seg = split_path (req->path, &n);
  if (seg == NULL)
    return respond_error (resp, 400, "BAD_REQUEST", "The path is not valid percent-encoded UTF-8");
  if (!query_is_clean (req))
    return respond_error (resp, 400, "BAD_REQUEST", "The query string is not valid percent-encoded UTF-8");
  if (req->body_too_large || lightly_http_request_get_body_size (req) > lightly_server_routes_get_max_body (self, req->method, req->path))
    return respond_error (resp, 413, "BAD_REQUEST", "The request body is larger than the %" G_GUINT64_FORMAT
                          " bytes this route accepts", lightly_server_routes_get_max_body (self, req->method, req->path));

  /* Capability routes: the URL is the credential, no token (§13). */
  if (n == 3 && g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "embeddings"))
    return is_method (req, "PUT") ? route_put_embeddings_csv (self, req, resp, seg[2], cancellable)
                                  : method_not_allowed (resp, "PUT");
  if (n == 3 && g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "discard"))
    {
      Capability *cap;

      if (!is_method (req, "PUT"))
        return method_not_allowed (resp, "PUT");
      cap = take_capability (self, seg[2], CAP_DISCARD, resp);
      if (cap != NULL)
        {
          capability_free (cap);
          lightly_http_response_set_body (resp, 200, NULL, NULL);
        }
      return;
    }
  if (n == 3 && g_str_equal (seg[0], "download") && g_str_equal (seg[1], "embeddings"))
    return is_method (req, "GET") ? route_get_embeddings_csv (self, resp, seg[2]) : method_not_allowed (resp, "GET");

  if (n < 2 || !g_str_equal (seg[0], "v1"))
    return respond_error (resp, 404, "NOT_FOUND", "No route %s %s: the API is under /v1", req->method, req->path);

  /* The version endpoints need no token (§1.1). */
  if (n == 4 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "pip"))
    {
      if (!is_method (req, "GET"))
        return method_not_allowed (resp, "GET");
      if (g_str_equal (seg[3], "minimum"))
        return respond_scalar_string (resp, "1.0.0");
      if (g_str_equal (seg[3], "latest"))
        return respond_scalar_string (resp, "1.1.23");
    }
  if (n == 3 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "lightly-glib"))
    return is_method (req, "GET") ? respond_scalar_string (resp, PACKAGE_VERSION) : method_not_allowed (resp, "GET");

  if (!token_matches (self->token, g_hash_table_lookup (req->query, "token")))
    return respond_error (resp, 401, "UNAUTHORIZED", "%s",
                          g_hash_table_contains (req->query, "token")
                          ? "The token is wrong: use the one in the server's token file"
                          : "This route needs ?token=: use the one in the server's token file");

  r.self = self;
  r.req = req;
  r.resp = resp;
  r.cancellable = cancellable;
  r.seg = seg + 1;
  r.n_seg = n - 1;

  if (r.n_seg == 1 && g_str_equal (r.seg[0], "quota"))
    is_method (req, "GET") ? respond_scalar_string (resp, "10000000") : method_not_allowed (resp, "GET");
  else if (r.n_seg == 1 && g_str_equal (r.seg[0], "datasets"))
    {
      if (is_method (req, "GET"))
        route_list_datasets (&r);
      else if (is_method (req, "POST"))
        route_create_dataset (&r);
      else
        method_not_allowed (resp, "GET, POST");
    }
  else if (r.n_seg >= 2 && g_str_equal (r.seg[0], "datasets"))
    dispatch_dataset (&r);
  else if (r.n_seg == 2 && g_str_equal (r.seg[0], "jobs"))
    is_method (req, "GET") ? route_get_job (self, req, resp, r.seg[1], cancellable) : method_not_allowed (resp, "GET");
  else
    respond_error (resp, 404, "NOT_FOUND", "No route %s %s", req->method, req->path);

  {
    /* Frees the dataset row require_dataset() read, if any. */
    g_autoptr(LightlyStoreDataset) dataset = g_steal_pointer (&r.dataset);
  }
}

/* ---------------------------------------------------------------------------
 * Public helpers
 * ------------------------------------------------------------------------- */

guint64
lightly_server_routes_get_max_body (LightlyServerRoutes *self,
                                    const char          *method,
                                    const char          *path)
{
  if (path != NULL && g_str_has_prefix (path, "/upload/"))
    return self->max_upload;
  return self->max_json;
}

char *
lightly_server_routes_loggable_target (const char *path,
                                       const char *query_string)
{
  GString *out = g_string_new (path);
  g_auto(GStrv) pairs = NULL;
  gboolean first = TRUE;

  /* Capabilities are credentials too: show only their start. */
  if (g_str_has_prefix (path, "/upload/") || g_str_has_prefix (path, "/download/"))
    {
      const char *last = strrchr (out->str, '/');

      if (last != NULL && strlen (last + 1) > 6)
        {
          g_string_truncate (out, (last - out->str) + 1 + 6);
          g_string_append (out, "…");
        }
    }
  if (query_string == NULL || *query_string == '\0')
    return g_string_free (out, FALSE);
  pairs = g_strsplit (query_string, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_string_append_c (out, first ? '?' : '&');
      first = FALSE;
      if (g_str_has_prefix (pairs[i], "token=") || g_str_equal (pairs[i], "token"))
        g_string_append (out, "token=***");
      else
        g_string_append (out, pairs[i]);
    }
  return g_string_free (out, FALSE);
}

guint
lightly_server_routes_stop_jobs (LightlyServerRoutes *self,
                                 gint64               timeout_ms)
{
  g_autoptr(GPtrArray) datasets = lightly_local_service_list_datasets (self->backend, NULL);
  g_autoptr(GPtrArray) live = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint stopped = 0;

  if (datasets == NULL)
    return 0;
  g_cancellable_cancel (cancelled);
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyStoreDataset *d = g_ptr_array_index (datasets, i);
      g_autoptr(GPtrArray) jobs = lightly_local_service_list_jobs (self->backend, d->id, NULL);

      for (guint j = 0; jobs != NULL && j < jobs->len; j++)
        {
          LightlyStoreJob *job = g_ptr_array_index (jobs, j);

          if (job->status == LIGHTLY_STORE_JOB_WAITING || job->status == LIGHTLY_STORE_JOB_RUNNING)
            {
              g_autoptr(LightlyJob) ignored = NULL;

              /* Following a job with a cancelled cancellable is how the local
               * backend stops the engine (embedded cancel): it ends FAILED. */
              ignored = lightly_backend_follow_job (self->backend, job->id, NULL, NULL,
                                                                              cancelled, NULL);
              g_ptr_array_add (live, g_strdup (job->id));
            }
        }
    }

  for (guint i = 0; i < live->len; i++)
    {
      const char *id = g_ptr_array_index (live, i);

      for (;;)
        {
          g_autoptr(LightlyStoreJob) job = lightly_local_service_get_job (self->backend, id, NULL);

          if (job == NULL || job->status == LIGHTLY_STORE_JOB_FINISHED || job->status == LIGHTLY_STORE_JOB_FAILED)
            {
              stopped++;
              break;
            }
          if (g_get_monotonic_time () > deadline)
            {
              /* Still running (another process owns it, or the engine is
               * slow to notice): the store marks it FAILED at next open. */
              break;
            }
          g_usleep (10 * G_TIME_SPAN_MILLISECOND);
        }
    }
  return stopped;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_server_routes_finalize (GObject *object)
{
  LightlyServerRoutes *self = LIGHTLY_SERVER_ROUTES (object);

  g_clear_object (&self->backend);
  if (self->token != NULL)
    {
      explicit_bzero (self->token, strlen (self->token));
      g_free (self->token);
    }
  g_free (self->base_url);
  g_hash_table_unref (self->capabilities);
  g_key_file_unref (self->aliases);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lightly_server_routes_parent_class)->finalize (object);
}

static void
lightly_server_routes_class_init (LightlyServerRoutesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_server_routes_finalize;
}

static void
lightly_server_routes_init (LightlyServerRoutes *self)
{
  g_mutex_init (&self->lock);
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) capability_free);
  self->aliases = g_key_file_new ();
  self->max_json = LIGHTLY_SERVER_DEFAULT_MAX_JSON_BODY;
  self->max_upload = LIGHTLY_SERVER_DEFAULT_MAX_UPLOAD_BODY;
}

LightlyServerRoutes *
lightly_server_routes_new (LightlyBackend *backend,
                           const char     *token)
{
  LightlyServerRoutes *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (LIGHTLY_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (LIGHTLY_TYPE_SERVER_ROUTES, NULL);
  self->backend = g_object_ref (backend);
  self->token = g_strdup (token);
  path = aliases_path (self);
  if (path != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GError) error = NULL;

      if (!g_key_file_load_from_file (self->aliases, path, G_KEY_FILE_NONE, &error))
        g_warning ("Could not read %s: %s", path, error->message);
    }
  return self;
}

LightlyBackend *
lightly_server_routes_get_backend (LightlyServerRoutes *self)
{
  return self->backend;
}

void
lightly_server_routes_set_base_url (LightlyServerRoutes *self,
                                    const char          *base_url)
{
  g_mutex_lock (&self->lock);
  g_free (self->base_url);
  self->base_url = g_strdup (base_url);
  g_mutex_unlock (&self->lock);
}

void
lightly_server_routes_set_max_body (LightlyServerRoutes *self,
                                    guint64              max_json,
                                    guint64              max_upload)
{
  self->max_json = max_json;
  self->max_upload = max_upload;
}
