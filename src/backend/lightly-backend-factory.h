/* lightly-backend-factory.h: picks a backend for a server location (private)
 *
 * Apart from the seam itself (lightly-backend.h), so that the interface does
 * not depend on its implementations.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"

G_BEGIN_DECLS

/* The store directory a file:// location names, or NULL (not a file URI,
 * or no local path). */
char *lightly_backend_location_to_path (const char *location);

/* Whether the backend @location picks may run its blocking methods on any
 * thread that calls them, a blocking call's own (the local backend's store
 * keeps a connection per thread), or only on the client's workers (the
 * http backend's session). */
gboolean lightly_backend_location_any_thread (const char *location);

/* Picks the backend for a server location: file:// → local, http(s):// → http. */
LightlyBackend *lightly_backend_new_for_location (const char   *location,
                                                  const char   *token,
                                                  GError      **error);

typedef enum {
  LIGHTLY_BACKEND_FLAGS_NONE = 0,
  /* http: allow sending the token over plain http to a non-loopback host. */
  LIGHTLY_BACKEND_FLAGS_ALLOW_INSECURE = 1 << 0,
} LightlyBackendFlags;

LightlyBackend *lightly_backend_new_for_location_full (const char           *location,
                                                       const char           *token,
                                                       LightlyBackendFlags   flags,
                                                       GError              **error);

/* The http(s):// branch of lightly_backend_new_for_location_full(), in
 * lightly-backend-factory-http.c with the http backend: the library's only
 * code that calls libsoup, built apart (src/meson.build) so that a program
 * linked without it starts without libsoup and the ~20 libraries it loads
 * (lightly-al, whose tools/lightly-al-forward.c defines this function). */
LightlyBackend *lightly_backend_new_http (const char           *location,
                                          const char           *token,
                                          LightlyBackendFlags   flags,
                                          GError              **error);

G_END_DECLS
