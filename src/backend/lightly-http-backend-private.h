/* lightly-http-backend-private.h: what the http backend's operations and its transport share (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "backend/lightly-http-backend.h"
#include "backend/lightly-json-models.h"

G_BEGIN_DECLS

struct _LightlyHttpBackend
{
  GObject parent_instance;

  char *base;          /* scheme://host[:port][/prefix], no trailing slash */
  char *token;         /* nullable */
  SoupSession *session;
  LightlyHttpBackendOptions options;
  gint lightly_glib;   /* -1 unknown, 0 no, 1 yes (atomic) */
};

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

void http_call_clear (HttpCall *call);


G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HttpCall, http_call_clear)

guint64 http_backoff_delay (LightlyHttpBackend *self, guint attempt);
char * http_call_context (const HttpCall *call);
char * http_escape (const char *s);
char * http_get_created_id (LightlyHttpBackend *self, HttpCall *call, GCancellable *cancellable, GError **error);
JsonNode * http_json (LightlyHttpBackend *self, HttpCall *call, GCancellable *cancellable, GError **error);
JsonNode * http_model (LightlyHttpBackend *self, HttpCall *call, const LightlyJsonModel *model, gboolean array, GCancellable *cancellable, GError **error);
gboolean http_send (LightlyHttpBackend *self, HttpCall *call, GCancellable *cancellable, GError **error);
GBytes * http_json_body (JsonNode *node);
GBytes * http_object_body (const char *first_member, ...);
void http_prefix_bad_response (GError **error, const HttpCall *call);
void http_set_status_error (const HttpCall *call, GError **error);
gboolean http_sleep_ms (guint64 ms, GCancellable *cancellable, GError **error);

G_END_DECLS
