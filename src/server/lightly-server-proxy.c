/* lightly-server-proxy.c: the server behind a reverse proxy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "server/lightly-server-proxy.h"

struct _LightlyServerProxy
{
  char *public_url;      /* nullable, without a trailing slash */
  GPtrArray *trusted;    /* GInetAddress */
};

void
lightly_server_proxy_free (LightlyServerProxy *proxy)
{
  if (proxy == NULL)
    return;
  g_free (proxy->public_url);
  g_ptr_array_unref (proxy->trusted);
  g_free (proxy);
}

LightlyServerProxy *
lightly_server_proxy_new (const char          *public_url,
                          const char * const  *trusted,
                          GError             **error)
{
  g_autoptr(LightlyServerProxy) proxy = g_new0 (LightlyServerProxy, 1);

  proxy->trusted = g_ptr_array_new_with_free_func (g_object_unref);
  if (public_url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (public_url, G_URI_FLAGS_ENCODED, NULL);
      const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
          (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
          g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--public-url “%s” is not an http(s) URL such as https://example.com/lightly "
                       "(no query, fragment or user)", public_url);
          return NULL;
        }
      proxy->public_url = g_strdup (public_url);
      while (g_str_has_suffix (proxy->public_url, "/"))
        proxy->public_url[strlen (proxy->public_url) - 1] = '\0';
    }
  for (guint i = 0; trusted != NULL && trusted[i] != NULL; i++)
    {
      GInetAddress *address = g_inet_address_new_from_string (trusted[i]);

      if (address == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--trusted-proxy “%s” is not a numeric IP address", trusted[i]);
          return NULL;
        }
      g_ptr_array_add (proxy->trusted, address);
    }
  return g_steal_pointer (&proxy);
}

static gboolean
is_trusted (const LightlyServerProxy *proxy,
            GSocketAddress           *peer)
{
  GInetAddress *address;

  if (proxy == NULL || peer == NULL || !G_IS_INET_SOCKET_ADDRESS (peer))
    return FALSE;
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer));
  for (guint i = 0; i < proxy->trusted->len; i++)
    if (g_inet_address_equal (address, g_ptr_array_index (proxy->trusted, i)))
      return TRUE;
  return FALSE;
}

/* A host[:port] safe to put in a URL: no path, user or whitespace. */
static gboolean
host_is_clean (const char *host)
{
  return host != NULL && *host != '\0' && strpbrk (host, "/?#@ \t\r\n\\,") == NULL;
}

/* The first value of a possibly comma-separated forwarded header. */
static char *
first_value (const char *header)
{
  if (header == NULL)
    return NULL;
  return g_strstrip (g_strndup (header, strcspn (header, ",")));
}

static char *
base_url (const LightlyServerProxy *proxy,
          const LightlyHttpRequest *request,
          GSocketAddress           *peer,
          gboolean                  https)
{
  const char *scheme = https ? "https" : "http";
  const char *host = lightly_http_request_get_header (request, "host");
  g_autofree char *forwarded_proto = NULL;
  g_autofree char *forwarded_host = NULL;
  g_autofree char *prefix = NULL;

  if (proxy != NULL && proxy->public_url != NULL)
    return g_strdup (proxy->public_url);
  /* Forwarded headers are only a proxy's word when the peer is one we
   * trust; from anyone else they would let a client redirect the uploads
   * of others. */
  if (is_trusted (proxy, peer))
    {
      forwarded_proto = first_value (lightly_http_request_get_header (request, "x-forwarded-proto"));
      forwarded_host = first_value (lightly_http_request_get_header (request, "x-forwarded-host"));
      prefix = first_value (lightly_http_request_get_header (request, "x-forwarded-prefix"));
      if (g_strcmp0 (forwarded_proto, "https") == 0 || g_strcmp0 (forwarded_proto, "http") == 0)
        scheme = forwarded_proto;
      if (host_is_clean (forwarded_host))
        host = forwarded_host;
      if (prefix != NULL && (prefix[0] != '/' || strpbrk (prefix, "?#@ \t\r\n\\") != NULL ||
                             strstr (prefix, "//") != NULL))
        g_clear_pointer (&prefix, g_free);
      while (prefix != NULL && g_str_has_suffix (prefix, "/"))
        prefix[strlen (prefix) - 1] = '\0';
    }
  if (!host_is_clean (host))
    return NULL;
  return g_strdup_printf ("%s://%s%s", scheme, host, prefix != NULL ? prefix : "");
}

void
lightly_server_proxy_prepare (const LightlyServerProxy *proxy,
                              LightlyHttpRequest       *request,
                              GSocketAddress           *peer,
                              gboolean                  https)
{
  const char *authorization = lightly_http_request_get_header (request, "authorization");
  g_autofree char *base = base_url (proxy, request, peer, https);

  lightly_http_request_set_header (request, LIGHTLY_SERVER_BASE_URL_HEADER, base != NULL ? base : "");

  if (!g_hash_table_contains (request->query, "token"))
    {
      char *token = lightly_server_token_from_authorization (authorization);

      if (token != NULL)
        g_hash_table_insert (request->query, g_strdup ("token"), token);
    }
}

char *
lightly_server_token_from_authorization (const char *authorization)
{
  if (authorization == NULL)
    return NULL;

  /* Label Studio's ML-backend connection sends basic auth: the password
   * is the token (any user name). */
  if (g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (authorization + 6, &length);
      g_autofree char *text = decoded != NULL ? g_strndup ((const char *) decoded, length) : NULL;
      const char *colon = text != NULL ? strchr (text, ':') : NULL;
      char *token = colon != NULL && colon[1] != '\0' ? g_strdup (colon + 1) : NULL;

      if (text != NULL)
        explicit_bzero (text, strlen (text));
      return token;
    }

  /* `Authorization: Bearer T` is `?token=T` (RFC 6750: the scheme is
   * case-insensitive). */
  if (g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    {
      const char *token = authorization + 7;

      while (*token == ' ')
        token++;
      return *token != '\0' ? g_strdup (token) : NULL;
    }
  return NULL;
}

void
lightly_server_route_health (const LightlyHttpRequest *request,
                             LightlyHttpResponse      *response)
{
  static const char body[] = "{\"status\":\"UP\"}";

  if (g_strcmp0 (request->method, "GET") != 0 && g_strcmp0 (request->method, "HEAD") != 0)
    {
      static const char error[] = "{\"code\":\"METHOD_NOT_ALLOWED\",\"error\":\"/health answers GET\"}";

      g_autoptr(GBytes) bytes = g_bytes_new_static (error, sizeof error - 1);

      lightly_http_response_set_header (response, "Allow", "GET");
      lightly_http_response_set_body (response, 405, "application/json", bytes);
      return;
    }
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static (body, sizeof body - 1);

    lightly_http_response_set_body (response, 200, "application/json", bytes);
  }
}
