/* lightly-backend-factory.c: picks a backend for a server location (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-backend-factory.h"
#include "backend/lightly-http-backend.h"
#include "backend/lightly-local-backend.h"
#include "lightly/lightly-error.h"

LightlyBackend *
lightly_backend_new_for_location (const char  *location,
                                  const char  *token,
                                  GError     **error)
{
  return lightly_backend_new_for_location_full (location, token, LIGHTLY_BACKEND_FLAGS_NONE, error);
}

LightlyBackend *
lightly_backend_new_for_location_full (const char           *location,
                                       const char           *token,
                                       LightlyBackendFlags   flags,
                                       GError              **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (location);

  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (location);
      g_autofree char *path = g_file_get_path (file);

      if (path == NULL)
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "Server location “%s” is not a local path: use file:///absolute/dir",
                       location);
          return NULL;
        }
      return lightly_local_backend_new (path, error);
    }

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 ||
                         g_ascii_strcasecmp (scheme, "https") == 0))
    {
      LightlyHttpBackendOptions options;

      lightly_http_backend_options_init (&options);
      options.allow_insecure = (flags & LIGHTLY_BACKEND_FLAGS_ALLOW_INSECURE) != 0;
      return lightly_http_backend_new (location, token, &options, error);
    }

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Server location “%s” is not a URI lightly-glib understands: use file:///dir or http(s)://host",
               location);
  return NULL;
}
