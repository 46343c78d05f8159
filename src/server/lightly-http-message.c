/* lightly-http-message.c: a request and a response, without sockets (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "server/lightly-http-message.h"

static GHashTable *
parse_query (const char *query_string)
{
  GHashTable *query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) pairs = NULL;

  if (query_string == NULL || *query_string == '\0')
    return query;

  pairs = g_strsplit (query_string, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *raw_name = NULL;
      g_autofree char *raw_value = NULL;
      char *name, *value;

      if (*pairs[i] == '\0')
        continue;
      raw_name = eq != NULL ? g_strndup (pairs[i], eq - pairs[i]) : g_strdup (pairs[i]);
      raw_value = g_strdup (eq != NULL ? eq + 1 : "");
      /* '+' is a space in form encoding, which Python's urlencode uses. */
      g_strdelimit (raw_name, "+", ' ');
      g_strdelimit (raw_value, "+", ' ');
      name = g_uri_unescape_string (raw_name, NULL);
      value = g_uri_unescape_string (raw_value, NULL);
      if (name == NULL || value == NULL)
        {
          /* Undecodable (%zz, %00): keep the name so the route can refuse
           * it, but with a value no validator accepts. */
          g_free (name);
          g_free (value);
          name = g_strdup (raw_name);
          value = g_strdup ("\x01");
        }
      /* The first occurrence wins. */
      if (g_hash_table_contains (query, name))
        {
          g_free (name);
          g_free (value);
          continue;
        }
      g_hash_table_insert (query, name, value);
    }
  return query;
}

LightlyHttpRequest *
lightly_http_request_new (const char *method,
                          const char *path,
                          const char *query_string,
                          GBytes     *body)
{
  LightlyHttpRequest *request = g_new0 (LightlyHttpRequest, 1);

  request->method = g_strdup (method);
  request->path = g_strdup (path);
  request->query = parse_query (query_string);
  request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  request->body = body != NULL ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
  return request;
}

void
lightly_http_request_set_header (LightlyHttpRequest *request,
                                 const char         *name,
                                 const char         *value)
{
  g_hash_table_replace (request->headers, g_ascii_strdown (name, -1), g_strdup (value));
}

const char *
lightly_http_request_get_header (const LightlyHttpRequest *request,
                                 const char               *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (request->headers, lower);
}

void
lightly_http_request_free (LightlyHttpRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->path);
  g_hash_table_unref (request->query);
  g_hash_table_unref (request->headers);
  g_bytes_unref (request->body);
  if (request->body_path != NULL)
    g_unlink (request->body_path);
  g_free (request->body_path);
  g_free (request);
}

void
lightly_http_request_take_body_file (LightlyHttpRequest *request,
                                     char               *path,
                                     guint64             size)
{
  if (request->body_path != NULL)
    g_unlink (request->body_path);
  g_free (request->body_path);
  request->body_path = path;
  request->body_file_size = size;
  g_bytes_unref (request->body);
  request->body = g_bytes_new_static ("", 0);
}

guint64
lightly_http_request_get_body_size (const LightlyHttpRequest *request)
{
  if (request->body_path != NULL)
    return request->body_file_size;
  return g_bytes_get_size (request->body);
}

GInputStream *
lightly_http_request_open_body (const LightlyHttpRequest  *request,
                                GError                   **error)
{
  g_autoptr(GFile) file = NULL;

  if (request->body_path == NULL)
    return g_memory_input_stream_new_from_bytes (request->body);
  file = g_file_new_for_path (request->body_path);
  return G_INPUT_STREAM (g_file_read (file, NULL, error));
}

GBytes *
lightly_http_request_dup_body_bytes (const LightlyHttpRequest  *request,
                                     GError                   **error)
{
  g_autoptr(GMappedFile) mapped = NULL;

  if (request->body_path == NULL)
    return g_bytes_ref (request->body);
  mapped = g_mapped_file_new (request->body_path, FALSE, error);
  if (mapped == NULL)
    return NULL;
  return g_mapped_file_get_bytes (mapped);
}

LightlyHttpResponse *
lightly_http_response_new (void)
{
  LightlyHttpResponse *response = g_new0 (LightlyHttpResponse, 1);

  response->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return response;
}

void
lightly_http_response_free (LightlyHttpResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_hash_table_unref (response->headers);
  g_free (response->error_code);
  g_free (response);
}

void
lightly_http_response_set_body (LightlyHttpResponse *response,
                                guint                status,
                                const char          *content_type,
                                GBytes              *body)
{
  response->status = status;
  g_free (response->content_type);
  response->content_type = g_strdup (content_type);
  g_clear_pointer (&response->body, g_bytes_unref);
  response->body = body != NULL ? g_bytes_ref (body) : NULL;
}

void
lightly_http_response_set_header (LightlyHttpResponse *response,
                                  const char          *name,
                                  const char          *value)
{
  g_hash_table_replace (response->headers, g_strdup (name), g_strdup (value));
}
