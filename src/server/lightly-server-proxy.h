/* lightly-server-proxy.h: the server behind a reverse proxy (private)
 *
 * What the adapter does to each request before the routes see it: the
 * token may come as `Authorization: Bearer` (so it stays out of proxies'
 * access logs) as well as `?token=`, and the base of the signed URLs the
 * server hands out comes from --public-url, else from X-Forwarded-Proto,
 * -Host and -Prefix when the peer is a trusted proxy, else from Host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/lightly-http-message.h"

G_BEGIN_DECLS

/* The reserved request header carrying the computed base URL to the
 * routes. It has a colon, which no HTTP/1.1 header name can have, so a
 * client cannot send it. */
#define LIGHTLY_SERVER_BASE_URL_HEADER ":base-url"

typedef struct _LightlyServerProxy LightlyServerProxy;

/* public_url: nullable, an absolute http(s) URL, e.g. https://example.com/lightly.
 * trusted: nullable, numeric addresses whose X-Forwarded-* headers count. */
LightlyServerProxy *lightly_server_proxy_new     (const char          *public_url,
                                                  const char * const  *trusted,
                                                  GError             **error);
void                lightly_server_proxy_free    (LightlyServerProxy  *proxy);

/* proxy: nullable (no public URL, no trusted proxy).
 * peer: nullable, the connection's remote address.
 * https: whether the connection itself is TLS. */
void                lightly_server_proxy_prepare (const LightlyServerProxy *proxy,
                                                  LightlyHttpRequest       *request,
                                                  GSocketAddress           *peer,
                                                  gboolean                  https);

/* GET /health, public: {"status":"UP"} (what Label Studio's ML backend
 * check and load balancers expect). */
void                lightly_server_route_health  (const LightlyHttpRequest *request,
                                                  LightlyHttpResponse      *response);

/* The token an Authorization header carries: Bearer T, or Basic with the
 * token as the password (Label Studio); NULL for none. The request's
 * explicit ?token= wins over it wherever both are given. */
char               *lightly_server_token_from_authorization (const char *authorization);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyServerProxy, lightly_server_proxy_free)

G_END_DECLS
