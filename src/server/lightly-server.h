/* lightly-server.h: the SoupServer adapter of the REST routes (private)
 *
 * A thin layer: once a request's headers are in, it checks the token, the
 * signed URL and the route (lightly_server_routes_precheck()), the size
 * limit from Content-Length and the cap on body bytes across connections,
 * before any body byte is stored. It then collects the body (counting
 * chunks against the same limits), pauses the message, runs the route on a
 * worker thread, and unpauses it in the server's context. It never runs
 * SQL on the server's thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "server/lightly-server-routes.h"
#include "server/lightly-server-proxy.h"

G_BEGIN_DECLS

/* Request bodies larger than this go to a temporary file, not the heap. */
#define LIGHTLY_SERVER_DEFAULT_SPOOL_THRESHOLD (1024u * 1024u)
#define LIGHTLY_SERVER_DEFAULT_SPOOL_CAP (G_GUINT64_CONSTANT (1) << 30)

#define LIGHTLY_TYPE_SERVER (lightly_server_get_type ())
G_DECLARE_FINAL_TYPE (LightlyServer, lightly_server, LIGHTLY, SERVER, GObject)

/* One line per request: method, path without the token, status, duration. */
typedef void (*LightlyServerLogFunc) (const char *line,
                                      gpointer    user_data);

LightlyServer *lightly_server_new          (LightlyServerRoutes  *routes);
/* Listens in the thread-default main context of the caller, which must
 * then run. address: a numeric IPv4/IPv6 address; port 0 picks a free one. */
gboolean       lightly_server_listen       (LightlyServer        *self,
                                            const char           *address,
                                            guint                 port,
                                            GError              **error);
/* Before listen(): takes @proxy (nullable): --public-url and the trusted
 * proxies whose X-Forwarded-* headers set the signed URLs' base. */
void           lightly_server_set_proxy    (LightlyServer        *self,
                                            LightlyServerProxy   *proxy);
/* Before listen(): serve https with @certificate (nullable: plain http). */
void           lightly_server_set_tls_certificate (LightlyServer   *self,
                                                   GTlsCertificate *certificate);
guint          lightly_server_get_port     (LightlyServer        *self);
/* "http://127.0.0.1:PORT" */
char          *lightly_server_dup_base_url (LightlyServer        *self);
/* NULL: no log. The default writes to stderr. */
void           lightly_server_set_log_func (LightlyServer        *self,
                                            LightlyServerLogFunc  func,
                                            gpointer              user_data);
/* Where larger bodies are spooled (dir NULL: g_get_tmp_dir()) and above
 * which size. Signed-URL embedding uploads are always spooled. The files
 * go to a folder of this server's own, dir/lightly-spool-XXXXXX, locked
 * while the server lives; setting dir (and listening) first removes the
 * folders of servers that died. Thread-safe; applies to requests whose
 * headers arrive afterwards. */
void           lightly_server_set_spool    (LightlyServer        *self,
                                            const char           *dir,
                                            guint64               threshold);
/* The most request-body bytes held at once across all connections (in
 * memory and in spool files); a body that does not fit is answered 507.
 * Default LIGHTLY_SERVER_DEFAULT_SPOOL_CAP. Thread-safe. */
void           lightly_server_set_spool_cap (LightlyServer       *self,
                                             guint64              cap);
/* How many request bodies went to a temporary file (for tests). */
guint          lightly_server_get_n_spooled (LightlyServer       *self);
/* Stops listening, closes connections, finishes requests in flight, and
 * cancels running selection jobs (they end FAILED). Call from the thread
 * that called listen(); it iterates that context until all is done. */
void           lightly_server_shutdown     (LightlyServer        *self);

G_END_DECLS
