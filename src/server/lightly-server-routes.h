/* lightly-server-routes.h: the REST routes of `lightly-al serve` (private)
 *
 * Pure functions from a LightlyHttpRequest to a LightlyHttpResponse over
 * one local backend (its seam methods and its service layer, never the
 * store directly, so every rule is the embedded default's). lightly_server_routes_handle() blocks (it runs SQL and may long
 * poll a job), so the SoupServer adapter calls it from a worker thread,
 * never from the server's thread. It is thread-safe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/lightly-http-message.h"
#include "backend/lightly-backend.h"
#include "server/lightly-server-ml-backend.h"

G_BEGIN_DECLS

/* Capabilities (signed URLs) live this long (protocol §13, tokens). */
#define LIGHTLY_SERVER_CAPABILITY_LIFETIME_S (15 * 60)
/* J1 ?waitMs= is capped at this. */
#define LIGHTLY_SERVER_MAX_WAIT_MS 30000
#define LIGHTLY_SERVER_DEFAULT_MAX_JSON_BODY (256u * 1024u * 1024u)
/* Routes that parse their body into a json-glib tree take at most this
 * (LIGHTLY_JSON_MAX_TOKENS bounds the tree too); only the streaming routes
 * (scores, samples/bulk) and the uploads take the larger limits. */
#define LIGHTLY_SERVER_DEFAULT_MAX_TREE_BODY (16u * 1024u * 1024u)
#define LIGHTLY_SERVER_DEFAULT_MAX_UPLOAD_BODY (G_GUINT64_CONSTANT (4) * 1024u * 1024u * 1024u)

#define LIGHTLY_TYPE_SERVER_ROUTES (lightly_server_routes_get_type ())
G_DECLARE_FINAL_TYPE (LightlyServerRoutes, lightly_server_routes, LIGHTLY, SERVER_ROUTES, GObject)

/* backend: a local backend (lightly_local_backend_new_for_store()).
 * token: what `?token=` must be on every authenticated route (not NULL). */
LightlyServerRoutes *lightly_server_routes_new            (LightlyBackend      *backend,
                                                           const char          *token);
LightlyBackend      *lightly_server_routes_get_backend    (LightlyServerRoutes *self);
/* Used for signed URLs when a request has no Host header. */
void                 lightly_server_routes_set_base_url   (LightlyServerRoutes *self,
                                                           const char          *base_url);
/* Takes @ml (nullable): answer Label Studio's ML-backend routes too. Call
 * before serving. */
void                 lightly_server_routes_set_ml_backend (LightlyServerRoutes    *self,
                                                           LightlyServerMlBackend *ml);
void                 lightly_server_routes_set_max_body   (LightlyServerRoutes *self,
                                                           guint64              max_json,
                                                           guint64              max_upload);
/* The largest body the route of (method, path) accepts. */
guint64              lightly_server_routes_get_max_body   (LightlyServerRoutes *self,
                                                           const char          *method,
                                                           const char          *path);
/* What can be decided from the request line alone, before any body byte is
 * read: 0 when the request may go on, else the status to answer (401 for a
 * missing or wrong token, 404 for no such route or signed URL, 403 for a
 * used or expired one, 400 for a bad path) with *message set. token: the
 * decoded ?token= value, or NULL. Thread-safe and quick (no SQL). */
guint                lightly_server_routes_precheck       (LightlyServerRoutes *self,
                                                           const char          *method,
                                                           const char          *path,
                                                           const char          *token,
                                                           char               **message);
/* Blocking; call from a worker thread. cancellable ends a long poll early
 * (the client went away). */
void                 lightly_server_routes_handle         (LightlyServerRoutes       *self,
                                                           const LightlyHttpRequest  *request,
                                                           LightlyHttpResponse       *response,
                                                           GCancellable              *cancellable);
/* The request's path and query with the token's value removed, for logs. */
char                *lightly_server_routes_loggable_target (const char         *path,
                                                            const char         *query_string);
/* Cancels every selection job this process runs on the store and waits
 * (at most timeout_ms) until each has ended FAILED. Blocking. */
guint                lightly_server_routes_stop_jobs      (LightlyServerRoutes *self,
                                                           gint64               timeout_ms);

/* Fills buf (at least 33 bytes) with 128 random bits as 32 hex characters,
 * from the kernel's random source. */
gboolean             lightly_server_random_hex128         (char                 buf[33],
                                                           GError             **error);

G_END_DECLS
