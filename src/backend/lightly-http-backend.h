/* lightly-http-backend.h: the backend seam over the Lightly v1 REST API (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backend/lightly-backend.h"

G_BEGIN_DECLS

typedef struct {
  guint timeout_s;        /* socket I/O timeout of one attempt (default 30) */
  guint max_attempts;     /* attempts per request, retries included (default 5) */
  guint backoff_ms;       /* first retry delay; doubles, with ±50 % jitter (default 250) */
  guint max_backoff_ms;   /* cap of one delay, Retry-After included (default 10000) */
  guint long_poll_ms;     /* J1 ?waitMs= against lightly-glib servers (default 10000) */
  guint poll_min_ms;      /* floor of one §2.8 poll interval (default 1000) */
  gboolean allow_insecure;/* allow a token over plain http to a non-loopback host */
} LightlyHttpBackendOptions;

void            lightly_http_backend_options_init (LightlyHttpBackendOptions       *options);

#define LIGHTLY_TYPE_HTTP_BACKEND (lightly_http_backend_get_type ())
G_DECLARE_FINAL_TYPE (LightlyHttpBackend, lightly_http_backend, LIGHTLY, HTTP_BACKEND, GObject)

/* location: http(s)://host[:port][/prefix]. options NULL: the defaults.
 * A token over plain http to a host that is not loopback fails with
 * LIGHTLY_ERROR_INSECURE unless options->allow_insecure. */
LightlyBackend *lightly_http_backend_new          (const char                      *location,
                                                   const char                      *token,
                                                   const LightlyHttpBackendOptions *options,
                                                   GError                         **error);

/* TRUE when GET /v1/versions/lightly-glib answers (cached); FALSE with
 * error only for transport failures. */
gboolean        lightly_http_backend_is_lightly_glib (LightlyHttpBackend *self,
                                                      GCancellable       *cancellable,
                                                      GError            **error);

G_END_DECLS
