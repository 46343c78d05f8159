/* lightly-http-transport.c: sending one request of the http backend (private)
 *
 * Building the message, the token, the timeout, retries with backoff and
 * Retry-After, and turning a response into a checked JSON model or a
 * GError that names the endpoint. The operations (lightly-http-backend.c)
 * describe each request as an HttpCall and leave the rest to this file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "backend/lightly-http-backend-private.h"
#include "backend/lightly-json-models.h"
#include "lightly/lightly-error.h"

void
http_call_clear (HttpCall *call)
{
  g_clear_pointer (&call->path, g_free);
  g_clear_pointer (&call->query, g_free);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->response, g_bytes_unref);
}

/* ---------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------- */


char *
http_escape (const char *s)
{
  return g_uri_escape_string (s != NULL ? s : "", NULL, FALSE);
}

/* "T1 GET /v1/datasets/…/tags", for messages; never shows the token. */
char *
http_call_context (const HttpCall *call)
{
  if (call->absolute)
    return g_strdup_printf ("%s %s <signed URL>", call->name, call->method);
  return g_strdup_printf ("%s %s %s", call->name, call->method, call->path);
}

gboolean
http_sleep_ms (guint64        ms,
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

guint64
http_backoff_delay (LightlyHttpBackend *self,
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
          g_autofree char *t = http_escape (self->token);

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
      g_autofree char *context = http_call_context (call);

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
gboolean
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
          g_autofree char *context = http_call_context (call);

          if (call->retry == RETRY_IDEMPOTENT && call->attempts < max &&
              is_transient_transport_error (local_error))
            {
              if (!http_sleep_ms (http_backoff_delay (self, call->attempts), cancellable, error))
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
            delay = http_backoff_delay (self, call->attempts);
          if (!http_sleep_ms (MIN (delay, self->options.max_backoff_ms), cancellable, error))
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

void
http_prefix_bad_response (GError         **error,
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
void
http_set_status_error (const HttpCall  *call,
                GError         **error)
{
  g_autofree char *context = http_call_context (call);
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
JsonNode *
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
      http_set_status_error (call, error);
      return NULL;
    }
  context = http_call_context (call);
  data = g_bytes_get_data (call->response, &len);
  node = lightly_json_parse (data, len, context, LIGHTLY_ERROR_BAD_RESPONSE, error);
  if (node == NULL)
    http_prefix_bad_response (error, call);
  return node;
}

JsonNode *
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
  context = http_call_context (call);
  if (!(array ? lightly_json_model_check_array (model, node, context, LIGHTLY_ERROR_BAD_RESPONSE, error)
              : lightly_json_model_check (model, node, context, LIGHTLY_ERROR_BAD_RESPONSE, error)))
    {
      http_prefix_bad_response (error, call);
      return NULL;
    }
  return g_steal_pointer (&node);
}

GBytes *
http_json_body (JsonNode *node)
{
  g_autofree char *text = lightly_json_to_string (node);
  gsize len = strlen (text);

  return g_bytes_new_take (g_steal_pointer (&text), len);
}

GBytes *
http_object_body (const char *first_member,
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
  return http_json_body (node);
}

char *
http_get_created_id (LightlyHttpBackend  *self,
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

