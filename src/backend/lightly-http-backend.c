/* lightly-http-backend.c: the backend seam over the Lightly v1 REST API (private)
 *
 * The seam's methods are blocking and run on the client's worker threads,
 * so this uses libsoup's synchronous sends, one SoupSession per backend, with
 * an explicit I/O timeout. Every response is checked against the model table
 * shared with the server (lightly-json-models.h); anything else is
 * LIGHTLY_ERROR_BAD_RESPONSE naming the endpoint and what came back.
 *
 * Retries: transport errors, 429 (honouring Retry-After) and 5xx are retried
 * with exponential backoff and jitter, but only for requests that are safe
 * to repeat. GETs are; so are P1, T4 and S1, which protocol §13 makes
 * idempotent on our server, and D2, whose 409 after a retry is resolved
 * through D1. Appending samples is not, so it is retried only on 429.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "backend/lightly-http-backend.h"
#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"
#include "backend/lightly-json-picks.h"
#include "lightly/lightly-error.h"
#include "lightly/lightly-tag-private.h"
#include "store/lightly-embeddings-csv.h"

struct _LightlyHttpBackend
{
  GObject parent_instance;

  char *base;          /* scheme://host[:port][/prefix], no trailing slash */
  char *token;         /* nullable */
  SoupSession *session;
  LightlyHttpBackendOptions options;
  gint lightly_glib;   /* -1 unknown, 0 no, 1 yes (atomic) */
};

static void lightly_http_backend_iface_init (LightlyBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LightlyHttpBackend, lightly_http_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BACKEND, lightly_http_backend_iface_init))

void
lightly_http_backend_options_init (LightlyHttpBackendOptions *options)
{
  options->timeout_s = 30;
  options->max_attempts = 5;
  options->backoff_ms = 250;
  options->max_backoff_ms = 10000;
  options->long_poll_ms = 10000;
  options->poll_min_ms = 1000;
  options->allow_insecure = FALSE;
}

/* ---------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------- */

typedef enum {
  RETRY_NEVER,         /* not even on 429 */
  RETRY_ON_429,        /* the server refused before doing anything */
  RETRY_IDEMPOTENT,    /* transport errors, 429, 5xx */
} RetryPolicy;

typedef struct {
  const char *name;          /* "T1": names the endpoint in messages */
  const char *method;
  char *path;                /* /v1/…, escaped; or an absolute URL when absolute */
  char *query;               /* extra query (escaped), nullable */
  GBytes *body;              /* nullable: GET has none, others send {} */
  const char *content_type;  /* of body; default application/json */
  RetryPolicy retry;
  gboolean absolute;         /* path is a signed URL: no token, no JSON headers */
  /* out */
  guint status;
  guint attempts;
  GBytes *response;
} HttpCall;

static void
http_call_clear (HttpCall *call)
{
  g_clear_pointer (&call->path, g_free);
  g_clear_pointer (&call->query, g_free);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->response, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HttpCall, http_call_clear)

static char *
escape (const char *s)
{
  return g_uri_escape_string (s != NULL ? s : "", NULL, FALSE);
}

/* "T1 GET /v1/datasets/…/tags", for messages; never shows the token. */
static char *
call_context (const HttpCall *call)
{
  if (call->absolute)
    return g_strdup_printf ("%s %s <signed URL>", call->name, call->method);
  return g_strdup_printf ("%s %s %s", call->name, call->method, call->path);
}

static gboolean
sleep_ms (guint64        ms,
          GCancellable  *cancellable,
          GError       **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (now >= end)
        return TRUE;
      g_usleep (MIN (end - now, 20 * G_TIME_SPAN_MILLISECOND));
    }
}

static guint64
backoff_delay (LightlyHttpBackend *self,
               guint               attempt)
{
  double base = (double) self->options.backoff_ms * pow (2.0, (double) (attempt - 1));

  base = MIN (base, (double) self->options.max_backoff_ms);
  /* ±50 % jitter, so many clients retrying at once spread out. */
  return (guint64) (base * g_random_double_range (0.5, 1.5));
}

static gboolean
is_transient_transport_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  /* TLS certificate problems won't go away by retrying. */
  if (error->domain == G_TLS_ERROR)
    return FALSE;
  return TRUE;
}

/* libsoup re-sends a PUT on its own when a kept-alive connection turns out
 * closed, but with the body stream already consumed: an empty PUT. Give it
 * the body again. */
static void
message_restarted_cb (SoupMessage *msg,
                      HttpCall    *call)
{
  soup_message_set_request_body_from_bytes (msg, call->content_type, call->body);
}

static SoupMessage *
build_message (LightlyHttpBackend  *self,
               HttpCall            *call,
               GError             **error)
{
  g_autofree char *url = NULL;
  SoupMessage *msg;
  SoupMessageHeaders *headers;

  if (call->absolute)
    url = g_strdup (call->path);
  else
    {
      GString *u = g_string_new (self->base);

      g_string_append (u, call->path);
      if (call->query != NULL || self->token != NULL)
        g_string_append_c (u, '?');
      if (call->query != NULL)
        g_string_append (u, call->query);
      if (self->token != NULL)
        {
          g_autofree char *t = escape (self->token);

          if (call->query != NULL)
            g_string_append_c (u, '&');
          g_string_append (u, "token=");
          g_string_append (u, t);
        }
      url = g_string_free (u, FALSE);
    }

  msg = soup_message_new (call->method, url);
  if (msg == NULL)
    {
      g_autofree char *context = call_context (call);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "%s: the URL is not valid%s", context,
                   call->absolute ? " (the server handed out a signed URL libsoup cannot parse)" : "");
      return NULL;
    }
  headers = soup_message_get_request_headers (msg);
  if (!call->absolute)
    {
      /* As the 2021 Python client: JSON headers on every call, GET included. */
      soup_message_headers_replace (headers, "Accept", "application/json");
      if (call->body == NULL)
        soup_message_headers_replace (headers, "Content-Type", "application/json");
    }
  if (call->body != NULL)
    {
      soup_message_set_request_body_from_bytes (msg, call->content_type, call->body);
      g_signal_connect (msg, "restarted", G_CALLBACK (message_restarted_cb), call);
    }
  else if (!g_str_equal (call->method, "GET") && !call->absolute)
    {
      g_autoptr(GBytes) empty = g_bytes_new_static ("{}", 2);

      soup_message_set_request_body_from_bytes (msg, "application/json", empty);
    }
  return msg;
}

static guint64
retry_after_ms (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  g_autofree char *trimmed = NULL;
  guint64 seconds;

  /* Seconds only; an HTTP-date falls back to our own backoff. */
  if (value == NULL)
    return 0;
  trimmed = g_strstrip (g_strdup (value));
  if (g_ascii_string_to_unsigned (trimmed, 10, 0, 3600, &seconds, NULL))
    return seconds * 1000;
  return 0;
}

/* Sends call, retrying per its policy. Returns FALSE only for transport
 * errors and cancellation; any HTTP status is returned in call->status. */
static gboolean
http_send (LightlyHttpBackend  *self,
           HttpCall            *call,
           GCancellable        *cancellable,
           GError             **error)
{
  guint max = MAX (self->options.max_attempts, 1);

  for (call->attempts = 1; ; call->attempts++)
    {
      g_autoptr(SoupMessage) msg = build_message (self, call, error);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      guint64 delay;
      guint status;

      if (msg == NULL)
        return FALSE;
      bytes = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
      if (bytes != NULL)
        {
          SoupMessageHeaders *rh = soup_message_get_response_headers (msg);

          /* libsoup 3.2 hands back a body cut short by a closed connection
           * as if it were whole: compare with Content-Length ourselves. */
          if (soup_message_headers_get_encoding (rh) == SOUP_ENCODING_CONTENT_LENGTH &&
              (guint64) soup_message_headers_get_content_length (rh) != g_bytes_get_size (bytes))
            {
              g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                           "the connection closed after %" G_GSIZE_FORMAT " of %" G_GOFFSET_FORMAT
                           " body bytes", g_bytes_get_size (bytes),
                           soup_message_headers_get_content_length (rh));
              g_clear_pointer (&bytes, g_bytes_unref);
            }
        }
      if (bytes == NULL)
        {
          g_autofree char *context = call_context (call);

          if (call->retry == RETRY_IDEMPOTENT && call->attempts < max &&
              is_transient_transport_error (local_error))
            {
              if (!sleep_ms (backoff_delay (self, call->attempts), cancellable, error))
                return FALSE;
              continue;
            }
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: %s", context,
                                      call->attempts > 1 ? "gave up after retries: " : "");
          return FALSE;
        }

      status = soup_message_get_status (msg);
      if (call->attempts < max &&
          ((status == 429 && call->retry != RETRY_NEVER) ||
           (SOUP_STATUS_IS_SERVER_ERROR (status) && call->retry == RETRY_IDEMPOTENT)))
        {
          delay = status == 429 ? retry_after_ms (msg) : 0;
          if (delay == 0)
            delay = backoff_delay (self, call->attempts);
          if (!sleep_ms (MIN (delay, self->options.max_backoff_ms), cancellable, error))
            return FALSE;
          continue;
        }
      call->status = status;
      g_clear_pointer (&call->response, g_bytes_unref);
      call->response = g_steal_pointer (&bytes);
      return TRUE;
    }
}

/* A printable excerpt of a body, for error messages. */
static char *
body_excerpt (GBytes *body)
{
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  GString *out;

  if (len == 0)
    return g_strdup ("an empty body");
  out = g_string_new ("“");
  for (gsize i = 0; i < len && i < 160; i++)
    {
      guchar c = (guchar) data[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append (out, len > 160 ? "…”" : "”");
  return g_string_free (out, FALSE);
}

static void
prefix_bad_response (GError         **error,
                     const HttpCall  *call)
{
  g_autofree char *excerpt = NULL;
  g_autofree char *message = NULL;

  if (error == NULL || *error == NULL)
    return;
  excerpt = body_excerpt (call->response);
  message = g_strdup_printf ("%s (HTTP %u, body %s)", (*error)->message, call->status, excerpt);
  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&message);
  (*error)->domain = LIGHTLY_ERROR;
  (*error)->code = LIGHTLY_ERROR_BAD_RESPONSE;
}

/* Turns a non-2xx answer into a LightlyError with the server's message. */
static void
set_http_error (const HttpCall  *call,
                GError         **error)
{
  g_autofree char *context = call_context (call);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *detail = NULL;
  LightlyError code;
  gsize len = 0;
  const char *data = call->response != NULL ? g_bytes_get_data (call->response, &len) : NULL;

  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_BAD_RESPONSE, NULL);
  if (node != NULL && lightly_json_model_check (&lightly_json_model_api_error_response, node, context,
                                                LIGHTLY_ERROR_BAD_RESPONSE, NULL))
    {
      JsonObject *o = json_node_get_object (node);

      detail = g_strdup_printf ("%s: %s", lightly_json_get_string (o, "code"), lightly_json_get_string (o, "message"));
    }
  else
    detail = body_excerpt (call->response);

  switch (call->status)
    {
    case 400: case 413: case 422: code = LIGHTLY_ERROR_INVALID_INPUT; break;
    case 401: case 403: code = LIGHTLY_ERROR_UNAUTHORIZED; break;
    case 404: code = LIGHTLY_ERROR_NOT_FOUND; break;
    case 409: code = LIGHTLY_ERROR_EXISTS; break;
    default: code = LIGHTLY_ERROR_HTTP; break;
    }
  g_set_error (error, LIGHTLY_ERROR, code, "%s: HTTP %u %s (%s)", context, call->status,
               soup_status_get_phrase (call->status) != NULL ? soup_status_get_phrase (call->status) : "",
               detail);
}

/* Sends; on 2xx parses the JSON body (small documents only). */
static JsonNode *
http_json (LightlyHttpBackend  *self,
           HttpCall            *call,
           GCancellable        *cancellable,
           GError             **error)
{
  g_autofree char *context = NULL;
  JsonNode *node;
  gsize len = 0;
  const char *data;

  if (!http_send (self, call, cancellable, error))
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      set_http_error (call, error);
      return NULL;
    }
  context = call_context (call);
  data = g_bytes_get_data (call->response, &len);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_BAD_RESPONSE, error);
  if (node == NULL)
    prefix_bad_response (error, call);
  return node;
}

static JsonNode *
http_model (LightlyHttpBackend      *self,
            HttpCall                *call,
            const LightlyJsonModel  *model,
            gboolean                 array,
            GCancellable            *cancellable,
            GError                 **error)
{
  g_autoptr(JsonNode) node = http_json (self, call, cancellable, error);
  g_autofree char *context = NULL;

  if (node == NULL)
    return NULL;
  context = call_context (call);
  if (!(array ? lightly_json_model_check_array (model, node, context, LIGHTLY_ERROR_BAD_RESPONSE, error)
              : lightly_json_model_check (model, node, context, LIGHTLY_ERROR_BAD_RESPONSE, error)))
    {
      prefix_bad_response (error, call);
      return NULL;
    }
  return g_steal_pointer (&node);
}

static GBytes *
json_body (JsonNode *node)
{
  g_autofree char *text = lightly_json_to_string (node);
  gsize len = strlen (text);

  return g_bytes_new_take (g_steal_pointer (&text), len);
}

static GBytes *
object_body (const char *first_member,
             ...)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  const char *member = first_member;
  va_list args;

  va_start (args, first_member);
  while (member != NULL)
    {
      const char *value = va_arg (args, const char *);

      if (value != NULL)
        json_object_set_string_member (o, member, value);
      member = va_arg (args, const char *);
    }
  va_end (args);
  json_node_take_object (node, o);
  return json_body (node);
}

static char *
get_created_id (LightlyHttpBackend  *self,
                HttpCall            *call,
                GCancellable        *cancellable,
                GError             **error)
{
  g_autoptr(JsonNode) node = http_model (self, call, &lightly_json_model_create_entity_response, FALSE,
                                         cancellable, error);

  return node != NULL ? g_strdup (lightly_json_get_string (json_node_get_object (node), "id")) : NULL;
}

/* ---------------------------------------------------------------------------
 * lightly-glib detection
 * ------------------------------------------------------------------------- */

gboolean
lightly_http_backend_is_lightly_glib (LightlyHttpBackend  *self,
                                      GCancellable        *cancellable,
                                      GError             **error)
{
  g_auto(HttpCall) call = { "V-lightly-glib", "GET", g_strdup ("/v1/versions/lightly-glib"), NULL, NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  gint known = g_atomic_int_get (&self->lightly_glib);
  gboolean yes;

  if (known >= 0)
    return known == 1;
  if (!http_send (self, &call, cancellable, error))
    return FALSE;
  /* Other servers answer 404 (§13 Defaults); only a version string counts. */
  yes = FALSE;
  if (call.status == 200)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (call.response, &len);
      g_autoptr(JsonNode) node = lightly_json_parse (data, len, "version", LIGHTLY_ERROR_BAD_RESPONSE, NULL);

      yes = node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
    }
  g_atomic_int_set (&self->lightly_glib, yes ? 1 : 0);
  return yes;
}

/* ---------------------------------------------------------------------------
 * Datasets and samples
 * ------------------------------------------------------------------------- */

static GPtrArray *
http_list_datasets (LightlyBackend *backend, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_auto(HttpCall) call = { "D1", "GET", g_strdup ("/v1/datasets"), NULL, NULL, NULL, RETRY_IDEMPOTENT,
                            FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_dataset_data, TRUE, cancellable, error);
  GPtrArray *out;
  JsonArray *array;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_dataset (json_array_get_element (array, i)));
  return out;
}

static char *
http_create_dataset (LightlyBackend *backend, const char *name, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_auto(HttpCall) call = { "D2", "POST", g_strdup ("/v1/datasets"), NULL,
                            object_body ("name", name, "type", "Images", "imgType", "full", NULL),
                            "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) datasets = NULL;
  char *id;

  id = get_created_id (self, &call, cancellable, &local_error);
  if (id != NULL)
    return id;
  /* A 409 after a retry: our first attempt probably created it (§13). */
  if (!g_error_matches (local_error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS) || call.attempts < 2)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  datasets = http_list_datasets (backend, cancellable, error);
  if (datasets == NULL)
    return NULL;
  for (guint i = 0; i < datasets->len; i++)
    if (g_strcmp0 (lightly_dataset_get_name (g_ptr_array_index (datasets, i)), name) == 0)
      return g_strdup (lightly_dataset_get_id (g_ptr_array_index (datasets, i)));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static char **
http_get_file_names (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_auto(HttpCall) call = { "M1", "GET", g_strdup_printf ("/v1/datasets/%s/mappings", ds),
                            g_strdup ("field=fileName"), NULL, NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autofree char *context = NULL;
  char **names;
  gsize len = 0;
  const char *data;

  if (!http_send (self, &call, cancellable, error))
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (call.status))
    {
      set_http_error (&call, error);
      return NULL;
    }
  /* Up to millions of names: the streaming codec, no DOM. */
  context = call_context (&call);
  data = g_bytes_get_data (call.response, &len);
  names = lightly_json_parse_string_array (data, len, context, NULL, error);
  if (names == NULL)
    prefix_bad_response (error, &call);
  return names;
}

static gboolean
http_register_samples (LightlyBackend *backend, const char *dataset_id, GInputStream *csv,
                       GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(LightlyEmbeddingsCsv) parsed = NULL;
  g_autofree char *ds = escape (dataset_id);
  g_autoptr(GError) local_error = NULL;

  parsed = lightly_embeddings_csv_parse (csv, NULL, LIGHTLY_EMBEDDINGS_CSV_MAX_LINE_DEFAULT, cancellable, error);
  if (parsed == NULL)
    return FALSE;

  if (lightly_http_backend_is_lightly_glib (self, cancellable, &local_error))
    {
      GString *json = g_string_sized_new (parsed->n_rows * 24 + 2);
      g_auto(HttpCall) call = { "samples/bulk", "POST", g_strdup_printf ("/v1/datasets/%s/samples/bulk", ds),
                                NULL, NULL, "application/json", RETRY_ON_429, FALSE, 0, 0, NULL };
      g_autoptr(JsonNode) node = NULL;

      lightly_json_append_string_array (json, parsed->names, (gssize) parsed->n_rows);
      call.body = g_string_free_to_bytes (json);
      node = http_json (self, &call, cancellable, error);
      if (node == NULL)
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          lightly_json_get_int (json_node_get_object (node), "nSamples", -1) < (gint64) parsed->n_rows)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                       "samples/bulk POST /v1/datasets/%s/samples/bulk: expected {\"nSamples\": n ≥ %" G_GSIZE_FORMAT "}",
                       dataset_id, parsed->n_rows);
          prefix_bad_response (error, &call);
          return FALSE;
        }
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Other servers: one SampleCreateRequest per sample, in row order. */
  for (gsize i = 0; i < parsed->n_rows; i++)
    {
      g_auto(HttpCall) call = { "samples", "POST", g_strdup_printf ("/v1/datasets/%s/samples", ds), NULL,
                                object_body ("fileName", parsed->names[i], NULL), "application/json",
                                RETRY_ON_429, FALSE, 0, 0, NULL };
      g_autofree char *id = get_created_id (self, &call, cancellable, error);

      if (id == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------- */

static char *
http_create_initial_tag (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                         GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_auto(HttpCall) call = { "T3", "POST", g_strdup_printf ("/v1/datasets/%s/tags/initial", ds), NULL,
                            object_body ("imgType", "full", "creator", "USER_PIP", NULL), "application/json",
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

  return get_created_id (self, &call, cancellable, error);
}

static GPtrArray *
http_get_tags (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_auto(HttpCall) call = { "T1", "GET", g_strdup_printf ("/v1/datasets/%s/tags", ds), NULL, NULL, NULL,
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_tag_data, TRUE, cancellable, error);
  JsonArray *array;
  GPtrArray *out;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_tag (json_array_get_element (array, i)));
  return out;
}

static LightlyTag *
http_get_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
              GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *tag = escape (tag_id);
  g_auto(HttpCall) call = { "T2", "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s", ds, tag), NULL, NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_tag_data, FALSE, cancellable, error);

  return node != NULL ? lightly_json_decode_tag (node) : NULL;
}

static char *
http_create_tag (LightlyBackend *backend, const char *dataset_id, const char *name,
                 const char *bit_mask_hex, const char *prev_tag_id,
                 GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autoptr(GPtrArray) tags = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  const char *prev = prev_tag_id;
  LightlyTag *initial;
  gboolean ours;

  /* totSize is REQUIRED: every tag carries the dataset size (§2.4). */
  tags = http_get_tags (backend, dataset_id, cancellable, error);
  if (tags == NULL)
    return NULL;
  ours = lightly_http_backend_is_lightly_glib (self, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* prevTagId is REQUIRED in 2021; our server takes null (no parent), like
   * the embedded default. Elsewhere the parent is the initial-tag. */
  initial = !ours ? lightly_tag_list_find (tags, "initial-tag") : NULL;
  if (prev == NULL && initial != NULL)
    prev = lightly_tag_get_id (initial);

  json_object_set_string_member (o, "name", name);
  if (prev != NULL)
    json_object_set_string_member (o, "prevTagId", prev);
  else
    json_object_set_null_member (o, "prevTagId");
  json_object_set_string_member (o, "bitMaskData", bit_mask_hex);
  json_object_set_int_member (o, "totSize",
                              tags->len > 0 ? lightly_tag_get_tot_size (g_ptr_array_index (tags, 0)) : 0);
  json_object_set_string_member (o, "creator", "USER_PIP");
  json_node_take_object (body, o);

  {
    g_auto(HttpCall) call = { "T4", "POST", g_strdup_printf ("/v1/datasets/%s/tags", ds), NULL, json_body (body),
                              "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

    return get_created_id (self, &call, cancellable, error);
  }
}

/* GET /v1/datasets/{datasetId}/tags/{tagId}/lightly-glib/picks, a
 * lightly-glib extension (lightly-json-picks.h). Another server has no such
 * route: its tags have no picks, an empty list, and it is not asked. */
static GPtrArray *
http_get_tag_picks (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                    GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *tag = escape (tag_id);
  g_auto(HttpCall) call = { "V-lightly-glib-picks", "GET",
                            g_strdup_printf ("/v1/datasets/%s/tags/%s/lightly-glib/picks", ds, tag), NULL, NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *context = NULL;

  if (!lightly_http_backend_is_lightly_glib (self, cancellable, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      return g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
    }
  node = http_json (self, &call, cancellable, error);
  if (node == NULL)
    return NULL;
  context = call_context (&call);
  return lightly_json_decode_picks (node, context, error);
}

/* DELETE /v1/datasets/{datasetId}/tags/{tagId} (delete_tag_by_tag_id). Not
 * retried on transport errors: a repeat after a lost answer would report
 * NOT_FOUND for a tag that was deleted. */
static gboolean
http_delete_tag (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                 GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *tag = escape (tag_id);
  g_auto(HttpCall) call = { "tags/delete", "DELETE", g_strdup_printf ("/v1/datasets/%s/tags/%s", ds, tag), NULL, NULL,
                            NULL, RETRY_ON_429, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *context = NULL;
  gsize len = 0;
  const char *data;

  if (!http_send (self, &call, cancellable, error))
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (call.status))
    {
      set_http_error (&call, error);
      return FALSE;
    }
  /* The answer is empty or an object; nothing in it is used. */
  data = g_bytes_get_data (call.response, &len);
  if (len == 0)
    return TRUE;
  context = call_context (&call);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_BAD_RESPONSE, error);
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE,
                   "%s: expected an empty body or a JSON object", context);
      g_clear_pointer (&node, json_node_unref);
    }
  if (node == NULL)
    {
      prefix_bad_response (error, &call);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Embeddings and scores
 * ------------------------------------------------------------------------- */

static GPtrArray *
http_list_embeddings (LightlyBackend *backend, const char *dataset_id, GCancellable *cancellable,
                      GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_auto(HttpCall) call = { "E1", "GET", g_strdup_printf ("/v1/datasets/%s/embeddings", ds), NULL, NULL, NULL,
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_dataset_embedding_data, TRUE,
                                         cancellable, error);
  JsonArray *array;
  GPtrArray *out;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (out, lightly_json_decode_embedding (json_array_get_element (array, i)));
  return out;
}

static char *
find_embedding (LightlyBackend  *backend,
                const char      *dataset_id,
                const char      *name,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autoptr(GPtrArray) list = http_list_embeddings (backend, dataset_id, cancellable, error);

  if (list == NULL)
    return NULL;
  for (guint i = list->len; i > 0; i--)
    if (g_strcmp0 (lightly_embedding_get_name (g_ptr_array_index (list, i - 1)), name) == 0)
      return g_strdup (lightly_embedding_get_id (g_ptr_array_index (list, i - 1)));
  return NULL;
}

static char *
http_upload_embeddings (LightlyBackend *backend, const char *dataset_id, const char *name,
                        GInputStream *csv, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *escaped_name = escape (name);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) url_data = NULL;
  g_autoptr(GError) put_error = NULL;
  g_autofree char *found = NULL;
  const char *signed_url, *promised_id;

  if (g_output_stream_splice (mem, csv, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, error) < 0)
    return NULL;
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));

  {
    g_auto(HttpCall) call = { "E2", "GET", g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", ds),
                              g_strdup_printf ("name=%s", escaped_name), NULL, NULL, RETRY_IDEMPOTENT,
                              FALSE, 0, 0, NULL };

    url_data = http_model (self, &call, &lightly_json_model_write_csv_url_data, FALSE, cancellable, error);
    if (url_data == NULL)
      return NULL;
  }
  signed_url = lightly_json_get_string (json_node_get_object (url_data), "signedWriteUrl");
  promised_id = lightly_json_get_string (json_node_get_object (url_data), "embeddingId");

  {
    /* E3: the signed URL is single-use, so the PUT is not retried; a lost
     * answer is resolved by looking for the embedding below. Like Python's
     * requests.put: no token, no Content-Type, and only 200 is success. */
    g_auto(HttpCall) call = { "E3", "PUT", g_strdup (signed_url), NULL, g_bytes_ref (bytes), NULL,
                              RETRY_NEVER, TRUE, 0, 0, NULL };

    if (!http_send (self, &call, cancellable, &put_error))
      {
        if (g_error_matches (put_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          {
            g_propagate_error (error, g_steal_pointer (&put_error));
            return NULL;
          }
      }
    else if (call.status != 200)
      set_http_error (&call, &put_error);
  }

  found = find_embedding (backend, dataset_id, name, cancellable, error);
  if (found != NULL)
    return g_steal_pointer (&found);
  if (error != NULL && *error != NULL)
    return NULL;
  if (put_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&put_error));
      return NULL;
    }
  /* Servers that list embeddings only once processed: the promised id. */
  return g_strdup (promised_id);
}

static char *
http_upload_scores (LightlyBackend *backend, const char *dataset_id, const char *tag_id,
                    const char *score_type, const double *values, gsize n_values,
                    GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *tag = escape (tag_id);
  GString *json = g_string_sized_new (n_values * 20 + 64);
  g_auto(HttpCall) call = { "S1", "POST", g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", ds, tag), NULL,
                            NULL, "application/json", RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };

  for (gsize i = 0; i < n_values; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                     "Score “%s” value %" G_GSIZE_FORMAT " is not finite: JSON cannot carry it", score_type, i);
        g_string_free (json, TRUE);
        return NULL;
      }
  g_string_append (json, "{\"scoreType\":");
  lightly_json_append_string (json, score_type);
  g_string_append (json, ",\"scores\":");
  lightly_json_append_double_array (json, values, n_values);
  g_string_append_c (json, '}');
  call.body = g_string_free_to_bytes (json);
  return get_created_id (self, &call, cancellable, error);
}

/* ---------------------------------------------------------------------------
 * Selection and jobs
 * ------------------------------------------------------------------------- */

/* P1 itself. It is idempotent on our server (§13): the same body re-sent
 * after a lost answer gets the same job. */
static char *
post_selection (LightlyHttpBackend            *self,
                const char                    *dataset_id,
                const char                    *embedding_id,
                const LightlySelectionRequest *request,
                GCancellable                  *cancellable,
                GError                       **error)
{
  g_autofree char *ds = escape (dataset_id);
  g_autofree char *emb = escape (embedding_id);
  g_autofree char *body = lightly_selection_request_to_json (request);
  gsize len = strlen (body);
  g_auto(HttpCall) call = { "P1", "POST", g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", ds, emb),
                            NULL, g_bytes_new_take (g_steal_pointer (&body), len), "application/json",
                            RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_async_task_data, FALSE,
                                         cancellable, error);

  return node != NULL ? g_strdup (lightly_json_get_string (json_node_get_object (node), "jobId")) : NULL;
}

static char *
http_start_selection (LightlyBackend *backend, const char *dataset_id, const char *embedding_id,
                      const LightlySelectionRequest *request, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(GError) local_error = NULL;

  /* Methods beyond Lightly's 2021 four are lightly-glib extensions (§13,
   * Defaults): another server would fail the job, or run something else
   * under that name. AUTO is resolved by the agent and never sent. */
  if (request->method > LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING &&
      (request->method == LIGHTLY_SAMPLING_METHOD_AUTO ||
       !lightly_http_backend_is_lightly_glib (self, cancellable, &local_error)))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_SUPPORTED,
                   "%s is a lightly-glib method: this server only runs RANDOM, CORESET, "
                   "CORAL and ACTIVE_LEARNING",
                   lightly_sampling_method_to_string (request->method));
      return NULL;
    }
  return post_selection (self, dataset_id, embedding_id, request, cancellable, error);
}

static LightlyJob *
get_job_full (LightlyHttpBackend  *self,
              const char          *job_id,
              const char          *extra_query,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autofree char *job = escape (job_id);
  g_auto(HttpCall) call = { "J1", "GET", g_strdup_printf ("/v1/jobs/%s", job), g_strdup (extra_query), NULL,
                            NULL, RETRY_IDEMPOTENT, FALSE, 0, 0, NULL };
  g_autoptr(JsonNode) node = http_model (self, &call, &lightly_json_model_job_status_data, FALSE,
                                         cancellable, error);

  return node != NULL ? lightly_json_decode_job (node) : NULL;
}

static LightlyJob *
http_get_job (LightlyBackend *backend, const char *job_id, GCancellable *cancellable, GError **error)
{
  return get_job_full (LIGHTLY_HTTP_BACKEND (backend), job_id, NULL, cancellable, error);
}

/* Long poll against lightly-glib servers, §2.8 polling elsewhere. Cancel
 * stops following; the server's job continues (§13). */
static LightlyJob *
http_follow_job (LightlyBackend *backend, const char *job_id, LightlyBackendProgress progress,
                 gpointer progress_data, GCancellable *cancellable, GError **error)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (backend);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LightlyJob) last = NULL;
  gboolean long_poll = lightly_http_backend_is_lightly_glib (self, cancellable, &local_error);
  guint wait_ms = MIN (self->options.long_poll_ms, self->options.timeout_s * 1000 / 2);
  guint failures = 0;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  for (;;)
    {
      g_autofree char *query = NULL;
      g_autoptr(LightlyJob) job = NULL;
      gboolean changed;

      if (last != NULL && long_poll && wait_ms > 0)
        query = g_strdup_printf ("waitMs=%u&knownStatus=%s&knownProcessed=%" G_GUINT64_FORMAT, wait_ms,
                                 lightly_job_status_to_string (lightly_job_get_status (last)),
                                 lightly_job_get_processed (last));
      else if (last != NULL || !long_poll)
        {
          /* §2.8: sleep waitTimeTillNextPoll (first: 1 s), never busy-poll. */
          guint64 ms = last != NULL ? (guint64) lightly_job_get_wait_time_till_next_poll (last) * 1000 : 0;

          if (!sleep_ms (MAX (ms, self->options.poll_min_ms), cancellable, error))
            return NULL;
        }

      job = get_job_full (self, job_id, query, cancellable, &local_error);
      if (job == NULL)
        {
          /* Polling tolerates a few failed polls, as the Python client does. */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              local_error->domain == LIGHTLY_ERROR || ++failures >= 3)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_clear_error (&local_error);
          if (!sleep_ms (backoff_delay (self, failures), cancellable, error))
            return NULL;
          continue;
        }
      failures = 0;
      changed = last == NULL || lightly_job_get_status (job) != lightly_job_get_status (last) ||
                lightly_job_get_processed (job) != lightly_job_get_processed (last) ||
                lightly_job_get_total (job) != lightly_job_get_total (last);
      if (changed && progress != NULL)
        progress (job, progress_data);
      if (lightly_job_is_done (job))
        return g_steal_pointer (&job);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_clear_object (&last);
      last = g_steal_pointer (&job);
    }
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_http_backend_iface_init (LightlyBackendInterface *iface)
{
  iface->list_datasets = http_list_datasets;
  iface->create_dataset = http_create_dataset;
  iface->get_file_names = http_get_file_names;
  iface->register_samples = http_register_samples;
  iface->create_initial_tag = http_create_initial_tag;
  iface->get_tags = http_get_tags;
  iface->get_tag = http_get_tag;
  iface->create_tag = http_create_tag;
  iface->list_embeddings = http_list_embeddings;
  iface->upload_embeddings = http_upload_embeddings;
  iface->upload_scores = http_upload_scores;
  iface->start_selection = http_start_selection;
  iface->get_job = http_get_job;
  iface->follow_job = http_follow_job;
  iface->delete_tag = http_delete_tag;
  iface->get_tag_picks = http_get_tag_picks;
}

static void
lightly_http_backend_finalize (GObject *object)
{
  LightlyHttpBackend *self = LIGHTLY_HTTP_BACKEND (object);

  g_clear_object (&self->session);
  g_free (self->base);
  if (self->token != NULL)
    {
      explicit_bzero (self->token, strlen (self->token));
      g_free (self->token);
    }
  G_OBJECT_CLASS (lightly_http_backend_parent_class)->finalize (object);
}

static void
lightly_http_backend_class_init (LightlyHttpBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_http_backend_finalize;
}

static void
lightly_http_backend_init (LightlyHttpBackend *self)
{
  self->lightly_glib = -1;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_suffix (host, ".localhost"))
    return TRUE;
  bare = host[0] == '[' ? g_strndup (host + 1, strlen (host) - 2) : g_strdup (host);
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

LightlyBackend *
lightly_http_backend_new (const char                      *location,
                          const char                      *token,
                          const LightlyHttpBackendOptions *options,
                          GError                         **error)
{
  g_autoptr(LightlyHttpBackend) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *path;

  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” is not an http(s):// URL with a host%s%s", location,
                   local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” is not http:// or https://", location);
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Server location “%s” must not carry a query, fragment or user: give the token separately",
                   location);
      return NULL;
    }

  self = g_object_new (LIGHTLY_TYPE_HTTP_BACKEND, NULL);
  if (options != NULL)
    self->options = *options;
  else
    lightly_http_backend_options_init (&self->options);

  if (token != NULL && *token != '\0' && g_ascii_strcasecmp (scheme, "http") == 0 &&
      !host_is_loopback (g_uri_get_host (uri)) && !self->options.allow_insecure)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INSECURE,
                   "Refusing to send the token over plain http to %s, which is not loopback: use https://, "
                   "or set the client's allow-insecure property (LIGHTLY_ALLOW_INSECURE=1) if the network "
                   "is trusted", g_uri_get_host (uri));
      return NULL;
    }

  path = g_uri_get_path (uri);
  self->base = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                           g_uri_get_port (uri), "", NULL, NULL);
  if (path != NULL && *path != '\0')
    {
      g_autofree char *joined = g_strconcat (self->base, path[0] == '/' ? "" : "/", path, NULL);

      g_free (self->base);
      self->base = g_steal_pointer (&joined);
    }
  while (g_str_has_suffix (self->base, "/"))
    self->base[strlen (self->base) - 1] = '\0';
  self->token = token != NULL && *token != '\0' ? g_strdup (token) : NULL;
  self->session = soup_session_new_with_options ("timeout", self->options.timeout_s,
                                                 "idle-timeout", 60,
                                                 "user-agent", "lightly-glib/" PACKAGE_VERSION,
                                                 NULL);
  /* A private CA (a self-signed server, a company proxy) instead of the
   * system's trust store. */
  if (g_getenv ("LIGHTLY_CA_FILE") != NULL && *g_getenv ("LIGHTLY_CA_FILE") != '\0')
    {
      /* GTlsFileDatabase wants an absolute path. */
      g_autofree char *ca_file = g_canonicalize_filename (g_getenv ("LIGHTLY_CA_FILE"), NULL);
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &local_error);

      if (database == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "LIGHTLY_CA_FILE %s: %s",
                       g_getenv ("LIGHTLY_CA_FILE"), local_error->message);
          return NULL;
        }
      soup_session_set_tls_database (self->session, database);
    }
  return LIGHTLY_BACKEND (g_steal_pointer (&self));
}
