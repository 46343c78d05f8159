/* lightly-backend-factory-http.c: the factory's http(s):// branch (private)
 *
 * Apart from lightly-backend-factory.c so that the factory does not pull
 * the http backend, and with it libsoup, into every program that links the
 * library's code (lightly-backend-factory.h says which program does not).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backend/lightly-backend-factory.h"
#include "backend/lightly-http-backend.h"

LightlyBackend *
lightly_backend_new_http (const char           *location,
                          const char           *token,
                          LightlyBackendFlags   flags,
                          GError              **error)
{
  LightlyHttpBackendOptions options;

  lightly_http_backend_options_init (&options);
  options.allow_insecure = (flags & LIGHTLY_BACKEND_FLAGS_ALLOW_INSECURE) != 0;
  return lightly_http_backend_new (location, token, &options, error);
}
