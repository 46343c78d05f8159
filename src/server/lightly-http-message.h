/* lightly-http-message.h: a request and a response, without sockets (private)
 *
 * The server's routes are pure functions from a LightlyHttpRequest to a
 * LightlyHttpResponse. libsoup 3.2 has no public constructor for a
 * SoupServerMessage, so this is what makes routes testable and fuzzable
 * without a socket; lightly-server.c converts to and from libsoup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *method;            /* "GET", "POST", … */
  char *path;              /* still percent-encoded, without the query */
  GHashTable *query;       /* decoded name → decoded value */
  GHashTable *headers;     /* lowercase name → value */
  GBytes *body;            /* never NULL */
  gboolean body_too_large; /* the adapter stopped collecting it */
} LightlyHttpRequest;

typedef struct {
  guint status;
  char *content_type;      /* nullable */
  GBytes *body;            /* nullable: empty */
  GHashTable *headers;     /* extra headers: name → value */
  char *error_code;        /* the ApiErrorCode of an error answer, for logs */
} LightlyHttpResponse;

/* query_string may be NULL; it is decoded here (a=1&b=%20). */
LightlyHttpRequest  *lightly_http_request_new        (const char *method,
                                                      const char *path,
                                                      const char *query_string,
                                                      GBytes     *body);
void                 lightly_http_request_set_header (LightlyHttpRequest *request,
                                                      const char         *name,
                                                      const char         *value);
const char          *lightly_http_request_get_header (const LightlyHttpRequest *request,
                                                      const char               *name);
void                 lightly_http_request_free       (LightlyHttpRequest *request);

LightlyHttpResponse *lightly_http_response_new       (void);
void                 lightly_http_response_free      (LightlyHttpResponse *response);
void                 lightly_http_response_set_body  (LightlyHttpResponse *response,
                                                      guint                status,
                                                      const char          *content_type,
                                                      GBytes              *body);
void                 lightly_http_response_set_header (LightlyHttpResponse *response,
                                                       const char          *name,
                                                       const char          *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyHttpRequest, lightly_http_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyHttpResponse, lightly_http_response_free)

G_END_DECLS
