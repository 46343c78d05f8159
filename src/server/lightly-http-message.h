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
  GBytes *body;            /* never NULL; empty when body_path is set */
  gboolean body_too_large; /* the adapter stopped collecting it */
  char *body_path;         /* nullable: a large body spooled to this file,
                            * which the request deletes when freed */
  guint64 body_file_size;  /* the size of body_path */
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
/* Hands a spooled body file to the request, which deletes it when freed. */
void                 lightly_http_request_take_body_file (LightlyHttpRequest *request,
                                                          char               *path,
                                                          guint64             size);
guint64              lightly_http_request_get_body_size (const LightlyHttpRequest *request);
/* A stream over the body, in memory or spooled. */
GInputStream        *lightly_http_request_open_body  (const LightlyHttpRequest  *request,
                                                      GError                   **error);
/* The body as bytes; a spooled one is mapped, not read into the heap. */
GBytes              *lightly_http_request_dup_body_bytes (const LightlyHttpRequest  *request,
                                                          GError                   **error);

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
