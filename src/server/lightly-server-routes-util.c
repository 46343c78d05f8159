/* lightly-server-routes-util.c: responses, capabilities and lookups shared by the routes (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "server/lightly-server-routes-private.h"
#include "server/lightly-server-proxy.h"
#include "lightly/lightly-bit-mask.h"
#include "lightly/lightly-error.h"

void
routes_capability_free (Capability *cap)
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

gboolean
routes_is_id (const char *s)
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
gboolean
routes_token_matches (const char *expected,
                             const char *given)
{
  gsize n = strlen (expected);
  gsize m = given != NULL ? strlen (given) : 0;
  guchar diff = (guchar) (n != m);

  for (gsize i = 0; i < n; i++)
    diff |= (guchar) expected[i] ^ (guchar) (i < m ? given[i] : 0);
  return given != NULL && diff == 0;
}

void
routes_respond_json_string (LightlyHttpResponse *resp,
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

  routes_respond_json_string (resp, status, g_string_new (text));
}

/* Takes node. */
void
routes_respond_take_node (LightlyHttpResponse *resp,
                                 JsonNode            *node)
{
  respond_node (resp, 200, node);
  json_node_unref (node);
}

/* Answers a JSON array of @rows, each encoded by @encode. */
void
routes_respond_rows (LightlyHttpResponse *resp,
                            GPtrArray           *rows,
                            EncodeRow            encode)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < rows->len; i++)
    json_array_add_element (array, encode (g_ptr_array_index (rows, i)));
  json_node_take_array (node, array);
  routes_respond_take_node (resp, node);
}

void
routes_respond_scalar_string (LightlyHttpResponse *resp,
                                     const char          *value)
{
  GString *json = g_string_new (NULL);

  lightly_json_append_string (json, value);
  routes_respond_json_string (resp, 200, json);
}

void G_GNUC_PRINTF (4, 5)
routes_respond_error (LightlyHttpResponse *resp,
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
  /* Messages quote the request (its method, names), and JSON is UTF-8:
   * found by fuzz/fuzz-server-routes.c. */
  if (!g_utf8_validate (message, -1, NULL))
    {
      char *valid = g_utf8_make_valid (message, -1);

      g_free (message);
      message = valid;
    }
  node = lightly_json_encode_error (code, message);
  respond_node (resp, status, node);
  g_free (resp->error_code);
  resp->error_code = g_strdup (code);
}

/* Maps a GError of the store or the local backend to §13's statuses.
 * unknown_code / exists_code name the resource the route was about. */
void
routes_respond_gerror (LightlyHttpResponse *resp,
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
        routes_respond_error (resp, 400, "BAD_REQUEST", "%s", error->message);
        return;
      case LIGHTLY_ERROR_NOT_FOUND:
        routes_respond_error (resp, 404, unknown_code != NULL ? unknown_code : "NOT_FOUND", "%s", error->message);
        return;
      case LIGHTLY_ERROR_EXISTS:
      case LIGHTLY_ERROR_BUSY:
        routes_respond_error (resp, 409, exists_code != NULL ? exists_code : "BAD_REQUEST", "%s", error->message);
        return;
      default:
        break;
      }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      routes_respond_error (resp, 400, "BAD_REQUEST", "The request was cancelled");
      return;
    }
  /* Only a failing store (I/O, disk full) gets here. */
  routes_respond_error (resp, 500, "MALFORMED_RESPONSE", "The server could not complete the request: %s",
                        error->message);
}

/* A spooled body the server cannot read back is its own fault (the
 * temporary directory), not the client's: 503, so a client may retry. */
void
routes_respond_spool_error (LightlyHttpResponse *resp,
                                   const GError        *error)
{
  g_message ("Could not read back a request body spooled to disk: %s", error->message);
  routes_respond_error (resp, 503, "MALFORMED_RESPONSE", "The server could not read the request body back from "
                        "its temporary file: %s", error->message);
}

/* The body's bytes; a spooled body is mapped rather than read in. */
GBytes *
routes_request_body_bytes (const LightlyHttpRequest *req,
                                  LightlyHttpResponse      *resp)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = lightly_http_request_dup_body_bytes (req, &error);

  if (bytes == NULL)
    routes_respond_spool_error (resp, error);
  return bytes;
}

/* Parses a small JSON request body and checks it against its model. */
JsonNode *
routes_parse_body (const LightlyHttpRequest *req,
                          LightlyHttpResponse      *resp,
                          const LightlyJsonModel   *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = routes_request_body_bytes (req, resp);
  gsize len;
  const char *data;
  g_autofree char *context = g_strdup_printf ("%s %s", req->method, model->name);

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_INVALID_INPUT, &error);
  if (node == NULL)
    {
      routes_respond_error (resp, 400, "MALFORMED_REQUEST", "%s", error->message);
      return NULL;
    }
  if (!lightly_json_model_check (model, node, context, LIGHTLY_ERROR_INVALID_INPUT, &error))
    {
      routes_respond_error (resp, 400, "MALFORMED_REQUEST", "%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&node);
}

char *
routes_request_base_url (LightlyServerRoutes      *self,
                                const LightlyHttpRequest *req)
{
  const char *host = lightly_http_request_get_header (req, "host");
  const char *computed = lightly_http_request_get_header (req, LIGHTLY_SERVER_BASE_URL_HEADER);

  /* The adapter's answer (lightly-server-proxy.c): --public-url, a trusted
   * proxy's X-Forwarded-* headers, the scheme of the connection. */
  if (computed != NULL && *computed != '\0')
    return g_strdup (computed);

  /* The Host header is what the client used to reach us, so the URLs we
   * hand out reach us too, whatever address we listen on. */
  if (host != NULL && *host != '\0' && strpbrk (host, "/?#@ \t\r\n") == NULL)
    return g_strdup_printf ("http://%s", host);
  g_mutex_lock (&self->lock);
  host = self->base_url;
  g_mutex_unlock (&self->lock);
  return g_strdup (host != NULL ? host : "http://127.0.0.1");
}

char *
routes_new_capability (LightlyServerRoutes  *self,
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

/* Whether hex is a live capability of kind, without taking it: 0, or 404
 * / 403 with *message set, as routes_take_capability() would answer. */
guint
routes_peek_capability (LightlyServerRoutes *self,
                        const char          *hex,
                        CapabilityKind       kind,
                        char               **message)
{
  Capability *cap;
  guint status = 0;

  g_mutex_lock (&self->lock);
  cap = is_capability (hex) ? g_hash_table_lookup (self->capabilities, hex) : NULL;
  if (cap == NULL || cap->kind != kind)
    {
      *message = g_strdup ("This signed URL is unknown: ask for a new one");
      status = 404;
    }
  else if (cap->expires_us < g_get_monotonic_time ())
    {
      *message = g_strdup_printf ("This signed URL expired after %d minutes: ask for a new one",
                                  LIGHTLY_SERVER_CAPABILITY_LIFETIME_S / 60);
      status = 403;
    }
  else if (cap->used)
    {
      *message = g_strdup ("This signed URL was used already: ask for a new one");
      status = 403;
    }
  g_mutex_unlock (&self->lock);
  return status;
}

/* Takes a capability for one use (CAP_CSV_READ stays valid until it
 * expires). Returns a copy, or NULL with the response set. */
Capability *
routes_take_capability (LightlyServerRoutes *self,
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
    routes_respond_error (resp, 404, "NOT_FOUND", "This signed URL is unknown: ask for a new one");
  else if (expired)
    routes_respond_error (resp, 403, "FORBIDDEN", "This signed URL expired after %d minutes: ask for a new one",
                          LIGHTLY_SERVER_CAPABILITY_LIFETIME_S / 60);
  else if (used)
    routes_respond_error (resp, 403, "FORBIDDEN", "This signed URL was used already: ask for a new one");
  return copy;
}

char *
routes_aliases_path (LightlyServerRoutes *self)
{
  const char *dir = lightly_local_service_get_dir (self->backend);

  return dir != NULL ? g_build_filename (dir, "server-embedding-ids.ini", NULL) : NULL;
}

void
routes_add_alias (LightlyServerRoutes *self,
                         const char          *promised,
                         const char          *stored)
{
  g_autofree char *path = routes_aliases_path (self);

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
  return stored != NULL && routes_is_id (stored) ? stored : (g_free (stored), g_strdup (id));
}

/* Sample ids: the dataset id's first 8 characters and the index in 16 hex
 * digits, so M1 ?field=_id needs no extra column in the store. */
char *
routes_sample_id (const char *dataset_id,
                         guint64     index)
{
  return g_strdup_printf ("%.8s%016" G_GINT64_MODIFIER "x", dataset_id, index);
}

gint64
routes_sample_index (const char *dataset_id,
                            const char *id)
{
  if (!routes_is_id (id) || strncmp (id, dataset_id, 8) != 0)
    return -1;
  return (gint64) g_ascii_strtoull (id + 8, NULL, 16);
}

const char *
routes_query_param (const LightlyHttpRequest *req,
                           const char               *name)
{
  return g_hash_table_lookup (req->query, name);
}

gboolean
routes_parse_bool_param (const char *value,
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


gboolean
routes_require_dataset (Route *r)
{
  g_autoptr(GError) error = NULL;

  if (!routes_is_id (r->seg[1]))
    {
      routes_respond_error (r->resp, 404, "DATASET_UNKNOWN", "No dataset has the id “%s”", r->seg[1]);
      return FALSE;
    }
  r->dataset = lightly_local_service_get_dataset (r->self->backend, r->seg[1], &error);
  if (r->dataset == NULL)
    {
      routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
      return FALSE;
    }
  return TRUE;
}

LightlyStoreTag *
routes_require_tag (Route      *r,
                           const char *tag_id)
{
  g_autoptr(GError) error = NULL;
  LightlyStoreTag *tag;

  if (!routes_is_id (tag_id))
    {
      routes_respond_error (r->resp, 404, "TAG_UNKNOWN", "Dataset %s has no tag with the id “%s”",
                            r->dataset->id, tag_id);
      return NULL;
    }
  tag = lightly_local_service_get_tag (r->self->backend, r->dataset->id, tag_id, &error);
  if (tag == NULL)
    routes_respond_gerror (r->resp, error, "TAG_UNKNOWN", NULL);
  return tag;
}

LightlyStoreEmbedding *
routes_require_embedding (Route      *r,
                                 const char *embedding_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  LightlyStoreEmbedding *embedding;

  if (!routes_is_id (embedding_id))
    {
      routes_respond_error (r->resp, 404, "EMBEDDING_UNKNOWN", "Dataset %s has no embedding with the id “%s”",
                            r->dataset->id, embedding_id);
      return NULL;
    }
  stored = resolve_embedding_id (r->self, embedding_id);
  embedding = lightly_local_service_get_embedding (r->self->backend, r->dataset->id, stored, &error);
  if (embedding == NULL)
    routes_respond_gerror (r->resp, error, "EMBEDDING_UNKNOWN", NULL);
  return embedding;
}

/* A name field of a request (dataset, tag): 1–LIGHTLY_SERVER_MAX_NAME
 * bytes of UTF-8 without control characters. NULL passes (the model
 * decides what is required). FALSE with the response set, naming field. */
gboolean
routes_check_name (LightlyHttpResponse *resp,
                   const char          *field,
                   const char          *value)
{
  gsize len;

  if (value == NULL)
    return TRUE;
  len = strlen (value);
  if (len == 0 || len > LIGHTLY_SERVER_MAX_NAME)
    {
      routes_respond_error (resp, 400, "BAD_REQUEST", "%s must be 1–%d bytes long, not %" G_GSIZE_FORMAT,
                            field, LIGHTLY_SERVER_MAX_NAME, len);
      return FALSE;
    }
  for (const char *p = value; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        routes_respond_error (resp, 400, "BAD_REQUEST", "%s holds a control character (byte %" G_GSIZE_FORMAT
                              "), which names may not contain", field, (gsize) (p - value));
        return FALSE;
      }
  return TRUE;
}

/* New samples would leave an embedding without rows for them (§2.6: an
 * embedding has one row per sample), and every selection on it would
 * fail: refused while the dataset has an embedding. */
gboolean
routes_check_samples_open (Route *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) embeddings = lightly_local_service_list_embeddings (r->self->backend, r->dataset->id, &error);
  LightlyStoreEmbedding *e;

  if (embeddings == NULL)
    {
      routes_respond_gerror (r->resp, error, "DATASET_UNKNOWN", NULL);
      return FALSE;
    }
  if (embeddings->len == 0)
    return TRUE;
  e = g_ptr_array_index (embeddings, embeddings->len - 1);
  routes_respond_error (r->resp, 409, "BAD_REQUEST", "Dataset %s has the embedding “%s” with %" G_GUINT64_FORMAT
                        " rows, one per sample: new samples would have no rows in it. Add every sample before "
                        "uploading embeddings", r->dataset->id, e->name, r->dataset->n_samples);
  return FALSE;
}
