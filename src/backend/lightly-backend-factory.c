/* lightly-backend-factory.c: picks a backend for a server location (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "backend/lightly-backend-factory.h"
#include "backend/lightly-local-backend.h"
#include "lightly/lightly-error.h"

char *
lightly_backend_location_to_path (const char *location)
{
  g_autofree char *scheme = g_uri_parse_scheme (location);
  g_autofree char *no_fragment = NULL;
  g_autofree char *raw = NULL;

  if (scheme == NULL || g_ascii_strcasecmp (scheme, "file") != 0)
    return NULL;
  /* The path GIO's local VFS gives a file URI (its fragment dropped, the
   * path canonical), without a GFile: the first GFile of a process sets up
   * the default VFS, which scans GIO's module directory, 1.3 ms of every
   * command's start. */
  no_fragment = g_strndup (location, strcspn (location, "#"));
  raw = g_filename_from_uri (no_fragment, NULL, NULL);
  return raw != NULL ? g_canonicalize_filename (raw, NULL) : NULL;
}

gboolean
lightly_backend_location_any_thread (const char *location)
{
  g_autofree char *scheme = location != NULL ? g_uri_parse_scheme (location) : NULL;

  return scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0;
}

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
      g_autofree char *path = lightly_backend_location_to_path (location);

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
    return lightly_backend_new_http (location, token, flags, error);

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Server location “%s” is not a URI lightly-glib understands: use file:///dir or http(s)://host",
               location);
  return NULL;
}
