/* lightly-server.c: the SoupServer adapter of the REST routes (private)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server/lightly-server.h"
#include "server/lightly-server-proxy.h"

typedef struct _SpoolAccount SpoolAccount;

/* Route handlers may long poll for up to 30 s, so allow many at once. */
#define MAX_WORKERS 64

struct _LightlyServer
{
  GObject parent_instance;

  LightlyServerRoutes *routes;
  SoupServer *soup;
  GMainContext *context;      /* the server's: where listen() was called */
  GThreadPool *pool;
  guint port;
  char *base_url;
  LightlyServerProxy *proxy;  /* nullable */
  GTlsCertificate *tls;       /* nullable: plain http */

  LightlyServerLogFunc log_func;
  gpointer log_data;

  guint n_pending;            /* messages paused for a worker */
  gboolean shut_down;

  GMutex spool_lock;          /* guards the spool fields */
  char *spool_dir;            /* nullable: g_get_tmp_dir() */
  guint64 spool_threshold;
  GPtrArray *own_spools;      /* OwnSpool: this server's folders, the current last */
  SpoolAccount *account;
  gint n_spooled;             /* atomic */
};

/* The request-body bytes held now (memory and spool files) across all
 * connections, against a cap. Shared with the collectors, which may
 * outlive nothing but are freed by libsoup, hence the reference count. */
struct _SpoolAccount {
  GMutex lock;
  guint64 used;
  guint64 cap;
};

static SpoolAccount *
spool_account_new (void)
{
  SpoolAccount *a = g_atomic_rc_box_new0 (SpoolAccount);

  g_mutex_init (&a->lock);
  a->cap = LIGHTLY_SERVER_DEFAULT_SPOOL_CAP;
  return a;
}

static void
spool_account_clear (SpoolAccount *a)
{
  g_mutex_clear (&a->lock);
}

static void
spool_account_unref (SpoolAccount *a)
{
  g_atomic_rc_box_release_full (a, (GDestroyNotify) spool_account_clear);
}

/* Reserves n bytes; FALSE when the cap would be exceeded. */
static gboolean
spool_account_reserve (SpoolAccount *a,
                       guint64       n)
{
  gboolean ok;

  g_mutex_lock (&a->lock);
  ok = a->used <= a->cap && n <= a->cap - a->used;
  if (ok)
    a->used += n;
  g_mutex_unlock (&a->lock);
  return ok;
}

static void
spool_account_release (SpoolAccount *a,
                       guint64       n)
{
  g_mutex_lock (&a->lock);
  a->used -= MIN (n, a->used);
  g_mutex_unlock (&a->lock);
}

G_DEFINE_FINAL_TYPE (LightlyServer, lightly_server, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------------
 * Spool folders: one per server, held by a lock, so a restart can tell a
 * dead server's files (removed) from a live one's (kept)
 * ------------------------------------------------------------------------- */

typedef struct {
  char *base;
  char *dir;                  /* base/lightly-spool-XXXXXX */
  int lock_fd;                /* flock held for the server's life */
} OwnSpool;

static void
rm_spool_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
own_spool_free (OwnSpool *o)
{
  g_autofree char *lock = g_build_filename (o->dir, "lock", NULL);

  /* Files still in flight are unlinked by their requests; rmdir fails
   * then, and the next server's start removes the rest. */
  g_unlink (lock);
  g_rmdir (o->dir);
  if (o->lock_fd >= 0)
    close (o->lock_fd);
  g_free (o->base);
  g_free (o->dir);
  g_free (o);
}

/* Removes what dead servers left in base: spool folders whose lock nobody
 * holds, and loose lightly-body-* files of older versions untouched for a
 * day (an upload in progress writes its file continuously). */
static void
remove_stale_spools (const char *base)
{
  g_autoptr(GDir) d = g_dir_open (base, 0, NULL);
  const char *name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (base, name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) != 0 || st.st_uid != getuid ())
        continue;
      if (g_str_has_prefix (name, "lightly-spool-") && S_ISDIR (st.st_mode))
        {
          g_autofree char *lock = g_build_filename (path, "lock", NULL);
          int fd = open (lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

          /* No lock yet: a server may be creating it right now. */
          if (fd < 0 && now - st.st_mtime < 60)
            continue;
          if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) == 0)
            rm_spool_dir (path);
          if (fd >= 0)
            close (fd);
        }
      else if (g_str_has_prefix (name, "lightly-body-") && S_ISREG (st.st_mode) && now - st.st_mtime > 86400)
        g_unlink (path);
    }
}

/* This server's folder in the current base (spool_lock held); NULL with
 * error when it cannot be made. */
static char *
own_spool_dir_locked (LightlyServer  *self,
                      GError        **error)
{
  const char *base = self->spool_dir != NULL ? self->spool_dir : g_get_tmp_dir ();
  OwnSpool *o = self->own_spools->len > 0 ? g_ptr_array_index (self->own_spools, self->own_spools->len - 1) : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *lock = NULL;
  int fd, saved;

  if (o != NULL && g_str_equal (o->base, base))
    return g_strdup (o->dir);
  dir = g_build_filename (base, "lightly-spool-XXXXXX", NULL);
  if (g_mkdir_with_parents (base, 0700) != 0 || g_mkdtemp_full (dir, 0700) == NULL)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a folder for request bodies in %s: %s", base, g_strerror (saved));
      return NULL;
    }
  lock = g_build_filename (dir, "lock", NULL);
  fd = open (lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      rm_spool_dir (dir);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not lock the request-body folder %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  o = g_new0 (OwnSpool, 1);
  o->base = g_strdup (base);
  o->dir = g_strdup (dir);
  o->lock_fd = fd;
  g_ptr_array_add (self->own_spools, o);
  return g_steal_pointer (&dir);
}

/* ---------------------------------------------------------------------------
 * Body collection
 * ------------------------------------------------------------------------- */

typedef struct {
  GByteArray *data;           /* NULL once spooled or too large */
  char *spool_path;           /* nullable: the body goes to this file */
  int spool_fd;               /* -1 when closed */
  guint64 count;
  guint64 limit;
  guint64 threshold;
  char *spool_dir;            /* NULL when it could not be made: spool_dir_error */
  char *spool_dir_error;
  gboolean too_large;
  gboolean over_cap;          /* the cap across connections ran out: 507 */
  GError *spool_error;        /* writing the spool failed: 503 */
  gint *n_spooled;            /* the server's counter */
  SpoolAccount *account;
  guint64 reserved;           /* bytes counted in account */
} BodyCollector;

static void
body_collector_drop_spool (BodyCollector *c)
{
  if (c->spool_fd >= 0)
    close (c->spool_fd);
  c->spool_fd = -1;
  if (c->spool_path != NULL)
    g_unlink (c->spool_path);
  g_clear_pointer (&c->spool_path, g_free);
}

/* Runs when the message goes away, also when the client disconnected in
 * the middle of the body: the temporary file must not outlive it. */
static void
body_collector_free (BodyCollector *c)
{
  if (c->data != NULL)
    g_byte_array_unref (c->data);
  body_collector_drop_spool (c);
  g_clear_error (&c->spool_error);
  g_free (c->spool_dir);
  g_free (c->spool_dir_error);
  spool_account_release (c->account, c->reserved);
  spool_account_unref (c->account);
  g_free (c);
}

static gboolean
spool_write (BodyCollector *c,
             const guint8  *data,
             gsize          len)
{
  while (len > 0)
    {
      gssize n = write (c->spool_fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (&c->spool_error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not write the request body to %s: %s", c->spool_path, g_strerror (saved));
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Moves the body from memory to a temporary file; FALSE on a disk error. */
static gboolean
spool_start (BodyCollector *c)
{
  int saved;

  if (c->spool_dir == NULL)
    {
      g_set_error_literal (&c->spool_error, G_IO_ERROR, G_IO_ERROR_FAILED, c->spool_dir_error);
      g_clear_pointer (&c->data, g_byte_array_unref);
      return FALSE;
    }
  c->spool_path = g_build_filename (c->spool_dir, "lightly-body-XXXXXX", NULL);
  c->spool_fd = g_mkstemp_full (c->spool_path, O_RDWR | O_CLOEXEC, 0600);
  if (c->spool_fd < 0)
    {
      saved = errno;
      g_set_error (&c->spool_error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a temporary file for the request body in %s: %s",
                   c->spool_dir, g_strerror (saved));
      g_clear_pointer (&c->spool_path, g_free);
      g_clear_pointer (&c->data, g_byte_array_unref);
      return FALSE;
    }
  g_atomic_int_inc (c->n_spooled);
  if (c->data != NULL && !spool_write (c, c->data->data, c->data->len))
    {
      body_collector_drop_spool (c);
      g_clear_pointer (&c->data, g_byte_array_unref);
      return FALSE;
    }
  g_clear_pointer (&c->data, g_byte_array_unref);
  return TRUE;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              BodyCollector     *c)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (chunk, &len);

  c->count += len;
  if (c->too_large || c->over_cap || c->spool_error != NULL)
    return;
  if (c->count > c->limit)
    {
      /* Keep counting (the connection must be drained) but stop storing. */
      c->too_large = TRUE;
      g_clear_pointer (&c->data, g_byte_array_unref);
      body_collector_drop_spool (c);
      return;
    }
  /* A chunked body (no Content-Length) reserves as it grows. */
  if (c->count > c->reserved)
    {
      if (!spool_account_reserve (c->account, c->count - c->reserved))
        {
          c->over_cap = TRUE;
          g_clear_pointer (&c->data, g_byte_array_unref);
          body_collector_drop_spool (c);
          return;
        }
      c->reserved = c->count;
    }
  if (c->spool_path == NULL && c->count > c->threshold && !spool_start (c))
    return;
  if (c->spool_path != NULL)
    {
      if (!spool_write (c, data, len))
        body_collector_drop_spool (c);
      return;
    }
  g_byte_array_append (c->data, data, len);
}

static void
set_json_error (SoupServerMessage *msg,
                guint              status,
                const char        *code,
                const char        *message)
{
  g_autofree char *body = g_strdup_printf ("{\"code\":\"%s\",\"message\":\"%s\"}", code, message);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
log_line (LightlyServer     *self,
          SoupServerMessage *msg,
          guint              status,
          gint64             start_us)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *target = NULL;
  g_autofree char *line = NULL;

  if (self->log_func == NULL)
    return;
  target = lightly_server_routes_loggable_target (g_uri_get_path (uri), g_uri_get_query (uri));
  line = g_strdup_printf ("%s %s %u %.1f ms", soup_server_message_get_method (msg), target, status,
                          (double) (g_get_monotonic_time () - start_us) / 1000.0);
  self->log_func (line, self->log_data);
}

/* Called once the headers are in, before the body is read. */
static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  LightlyServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  guint64 limit = lightly_server_routes_get_max_body (self->routes, method, path);
  gboolean has_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH;
  guint64 length = has_length ? (guint64) soup_message_headers_get_content_length (headers) : 0;
  const char *query_token = query != NULL ? g_hash_table_lookup (query, "token") : NULL;
  g_autofree char *header_token = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) dir_error = NULL;
  guint status;
  BodyCollector *c;

  if (query_token == NULL)
    header_token = lightly_server_token_from_authorization (soup_message_headers_get_one (headers,
                                                                                          "Authorization"));
  /* The token, the signed URL and the route first: a request that will be
   * refused costs no disk and no memory, whatever it announces. */
  status = lightly_server_routes_precheck (self->routes, method, path,
                                           query_token != NULL ? query_token : header_token, &message);
  if (status == 0 && has_length && length > limit)
    {
      status = 413;
      message = g_strdup_printf ("The request body is larger than the %" G_GUINT64_FORMAT
                                 " bytes this route accepts", limit);
    }
  if (status == 0 && !spool_account_reserve (self->account, length))
    {
      status = 507;
      message = g_strdup ("The server holds as many request bodies as it may at once: try again later");
    }
  if (status != 0)
    {
      /* A status set here skips the handler. libsoup 3.2 answers at once
       * when the client sent Expect: 100-continue; otherwise it reads the
       * body first, which is dropped as it arrives: never stored, neither
       * on disk nor in memory. (Answering on a stolen connection and
       * closing it would reset a client still sending, which then reports
       * a broken connection instead of the 401.) */
      set_json_error (msg, status, status == 401 ? "UNAUTHORIZED" : status == 404 ? "NOT_FOUND"
                      : status == 403 ? "FORBIDDEN" : status == 507 ? "MALFORMED_RESPONSE" : "BAD_REQUEST",
                      message);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      log_line (self, msg, status, g_get_monotonic_time ());
      return;
    }

  c = g_new0 (BodyCollector, 1);
  c->data = g_byte_array_new ();
  c->spool_fd = -1;
  c->limit = limit;
  c->n_spooled = &self->n_spooled;
  c->account = g_atomic_rc_box_acquire (self->account);
  c->reserved = length;
  g_mutex_lock (&self->spool_lock);
  c->threshold = self->spool_threshold;
  c->spool_dir = own_spool_dir_locked (self, &dir_error);
  if (c->spool_dir == NULL)
    c->spool_dir_error = g_strdup (dir_error->message);
  g_mutex_unlock (&self->spool_lock);
  /* A signed-URL upload is an embedding CSV: never worth holding in memory. */
  if (g_str_has_prefix (path, "/upload/embeddings/"))
    c->threshold = 0;
  g_object_set_data_full (G_OBJECT (msg), "lightly-body", c, (GDestroyNotify) body_collector_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), c);
}

/* ---------------------------------------------------------------------------
 * Requests in flight
 * ------------------------------------------------------------------------- */

typedef struct {
  LightlyServer *self;
  SoupServerMessage *msg;
  LightlyHttpRequest *request;
  LightlyHttpResponse *response;
  GCancellable *cancellable;   /* cancelled when the client goes away */
  gulong finished_id;
  gulong disconnected_id;
  gboolean finished;
  gint64 start_us;
} Pending;

static void
pending_free (Pending *p)
{
  if (p->finished_id != 0)
    g_signal_handler_disconnect (p->msg, p->finished_id);
  if (p->disconnected_id != 0)
    g_signal_handler_disconnect (p->msg, p->disconnected_id);
  g_object_unref (p->msg);
  lightly_http_request_free (p->request);
  lightly_http_response_free (p->response);
  g_object_unref (p->cancellable);
  p->self->n_pending--;
  g_object_unref (p->self);
  g_free (p);
}

static void
message_finished_cb (SoupServerMessage *msg,
                     Pending           *p)
{
  p->finished = TRUE;
  g_cancellable_cancel (p->cancellable);
}

/* In the server's context: hand the response to libsoup. */
static gboolean
complete_in_server (gpointer data)
{
  Pending *p = data;
  LightlyHttpResponse *resp = p->response;
  GHashTableIter iter;
  gpointer key, value;

  if (!p->finished)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (p->msg);

      soup_server_message_set_status (p->msg, resp->status != 0 ? resp->status : 500, NULL);
      g_hash_table_iter_init (&iter, resp->headers);
      while (g_hash_table_iter_next (&iter, &key, &value))
        soup_message_headers_replace (headers, key, value);
      if (resp->content_type != NULL)
        soup_message_headers_set_content_type (headers, resp->content_type, NULL);
      if (resp->body != NULL && g_bytes_get_size (resp->body) > 0)
        soup_message_body_append_bytes (soup_server_message_get_response_body (p->msg), resp->body);
      soup_message_headers_set_content_length (headers, resp->body != NULL ? g_bytes_get_size (resp->body) : 0);
      soup_server_message_unpause (p->msg);
    }
  log_line (p->self, p->msg, resp->status, p->start_us);
  return G_SOURCE_REMOVE;
}

/* Every answer goes out through the one thread that owns the sockets, so
 * under load that thread must not wait behind the workers for a core: on
 * two busy cores it did, and a tag read's p50 was ~400 ms, 8–114 ms with
 * this (README, Reliability). Workers therefore run at nice +10, set once
 * per pool thread; a thread keeps it if GLib later lends it to another pool. */
static void
worker_lower_priority (void)
{
#ifdef SYS_gettid
  static GPrivate lowered;

  if (g_private_get (&lowered) != NULL)
    return;
  g_private_set (&lowered, GINT_TO_POINTER (1));
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
#endif
}

static void
worker (gpointer data,
        gpointer user_data)
{
  Pending *p = data;

  worker_lower_priority ();
  lightly_server_routes_handle (p->self->routes, p->request, p->response, p->cancellable);
  g_main_context_invoke_full (p->self->context, G_PRIORITY_DEFAULT, complete_in_server, p,
                              (GDestroyNotify) pending_free);
}

static void
collect_header (const char *name,
                const char *value,
                gpointer    user_data)
{
  lightly_http_request_set_header (user_data, name, value);
}

static void
server_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LightlyServer *self = user_data;
  BodyCollector *c = g_object_get_data (G_OBJECT (msg), "lightly-body");
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GBytes) body = NULL;
  Pending *p;

  if (c != NULL && c->over_cap && !c->too_large)
    {
      set_json_error (msg, 507, "MALFORMED_RESPONSE",
                      "The server holds as many request bodies as it may at once: try again later");
      log_line (self, msg, 507, g_get_monotonic_time ());
      return;
    }
  if (c != NULL && c->spool_error != NULL && !c->too_large)
    {
      /* Not the client's fault: the disk is full or failing. */
      if (self->log_func != NULL)
        {
          g_autofree char *line = g_strdup_printf ("%s: answering 503", c->spool_error->message);

          self->log_func (line, self->log_data);
        }
      set_json_error (msg, 503, "MALFORMED_RESPONSE", "The server could not store the request body "
                      "(its temporary directory is full or failing): try again later");
      log_line (self, msg, 503, g_get_monotonic_time ());
      return;
    }
  if (c != NULL && !c->too_large && c->spool_path == NULL)
    body = g_byte_array_free_to_bytes (g_steal_pointer (&c->data));
  else if (c == NULL)
    body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  p = g_new0 (Pending, 1);
  p->self = g_object_ref (self);
  p->msg = g_object_ref (msg);
  p->start_us = g_get_monotonic_time ();
  p->request = lightly_http_request_new (soup_server_message_get_method (msg), g_uri_get_path (uri),
                                        g_uri_get_query (uri), body);
  p->request->body_too_large = c != NULL && c->too_large;
  if (c != NULL && !c->too_large && c->spool_path != NULL)
    {
      close (c->spool_fd);
      c->spool_fd = -1;
      lightly_http_request_take_body_file (p->request, g_steal_pointer (&c->spool_path), c->count);
    }
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), collect_header, p->request);
  lightly_server_proxy_prepare (self->proxy, p->request, soup_server_message_get_remote_address (msg),
                                self->tls != NULL);
  p->response = lightly_http_response_new ();
  p->cancellable = g_cancellable_new ();
  p->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), p);
  /* A client that goes away while the message is paused drops its I/O
   * without "finished" in libsoup 3.2; unpausing it then is a critical. */
  p->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (message_finished_cb), p);
  self->n_pending++;

  soup_server_message_pause (msg);
  g_thread_pool_push (self->pool, p, NULL);
}

/* ---------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------- */

static void
default_log (const char *line,
             gpointer    user_data)
{
  g_printerr ("%s\n", line);
}

LightlyServer *
lightly_server_new (LightlyServerRoutes *routes)
{
  LightlyServer *self = g_object_new (LIGHTLY_TYPE_SERVER, NULL);

  self->routes = g_object_ref (routes);
  self->log_func = default_log;
  return self;
}

void
lightly_server_set_spool (LightlyServer *self,
                          const char    *dir,
                          guint64        threshold)
{
  g_mutex_lock (&self->spool_lock);
  g_free (self->spool_dir);
  self->spool_dir = g_strdup (dir);
  self->spool_threshold = threshold;
  remove_stale_spools (dir != NULL ? dir : g_get_tmp_dir ());
  g_mutex_unlock (&self->spool_lock);
}

void
lightly_server_set_spool_cap (LightlyServer *self,
                              guint64        cap)
{
  g_mutex_lock (&self->account->lock);
  self->account->cap = cap;
  g_mutex_unlock (&self->account->lock);
}

guint
lightly_server_get_n_spooled (LightlyServer *self)
{
  return (guint) g_atomic_int_get (&self->n_spooled);
}

void
lightly_server_set_log_func (LightlyServer        *self,
                             LightlyServerLogFunc  func,
                             gpointer              user_data)
{
  self->log_func = func;
  self->log_data = user_data;
}

gboolean
lightly_server_listen (LightlyServer  *self,
                       const char     *address,
                       guint           port,
                       GError        **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  GSList *listeners;

  g_return_val_if_fail (self->soup == NULL, FALSE);

  inet = g_inet_address_new_from_string (address != NULL ? address : "127.0.0.1");
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a numeric IP address: use for example 127.0.0.1 or ::1", address);
      return FALSE;
    }
  if (port > 65535)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Port %u is not in 0–65535", port);
      return FALSE;
    }

  g_mutex_lock (&self->spool_lock);
  remove_stale_spools (self->spool_dir != NULL ? self->spool_dir : g_get_tmp_dir ());
  g_mutex_unlock (&self->spool_lock);
  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_server_new ("server-header", "lightly-glib/" PACKAGE_VERSION " ",
                                "tls-certificate", self->tls, NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, server_handler, self, NULL);
  sockaddr = g_inet_socket_address_new (inet, (guint16) port);
  if (!soup_server_listen (self->soup, sockaddr, self->tls != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    {
      g_clear_object (&self->soup);
      return FALSE;
    }

  /* The port from the listening socket: soup_server_get_uris() leaks an
   * address in libsoup 3.2. */
  listeners = soup_server_get_listeners (self->soup);
  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, error);
      g_autofree char *host = NULL;

      g_slist_free (listeners);
      if (local == NULL)
        {
          soup_server_disconnect (self->soup);
          g_clear_object (&self->soup);
          return FALSE;
        }
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      host = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
             ? g_strdup_printf ("[%s]", address) : g_strdup (address != NULL ? address : "127.0.0.1");
      self->base_url = g_strdup_printf ("%s://%s:%u", self->tls != NULL ? "https" : "http", host, self->port);
    }
  lightly_server_routes_set_base_url (self->routes, self->base_url);
  return TRUE;
}

void
lightly_server_set_proxy (LightlyServer      *self,
                          LightlyServerProxy *proxy)
{
  g_return_if_fail (LIGHTLY_IS_SERVER (self));
  g_return_if_fail (self->soup == NULL);

  g_clear_pointer (&self->proxy, lightly_server_proxy_free);
  self->proxy = proxy;
}

void
lightly_server_set_tls_certificate (LightlyServer   *self,
                                    GTlsCertificate *certificate)
{
  g_return_if_fail (LIGHTLY_IS_SERVER (self));
  g_return_if_fail (self->soup == NULL);

  g_set_object (&self->tls, certificate);
}

guint
lightly_server_get_port (LightlyServer *self)
{
  return self->port;
}

char *
lightly_server_dup_base_url (LightlyServer *self)
{
  return g_strdup (self->base_url);
}

void
lightly_server_shutdown (LightlyServer *self)
{
  if (self->shut_down)
    return;
  self->shut_down = TRUE;

  /* Stop accepting and drop connections: paused messages finish, which
   * cancels their long polls, so the workers return soon. */
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  lightly_server_routes_stop_jobs (self->routes, 10000);

  while (self->n_pending > 0)
    g_main_context_iteration (self->context, TRUE);
}

static void
lightly_server_dispose (GObject *object)
{
  LightlyServer *self = LIGHTLY_SERVER (object);

  if (self->soup != NULL && !self->shut_down)
    lightly_server_shutdown (self);
  g_clear_object (&self->soup);
  G_OBJECT_CLASS (lightly_server_parent_class)->dispose (object);
}

static void
lightly_server_finalize (GObject *object)
{
  LightlyServer *self = LIGHTLY_SERVER (object);

  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_clear_object (&self->routes);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  g_clear_pointer (&self->proxy, lightly_server_proxy_free);
  g_clear_object (&self->tls);
  g_free (self->spool_dir);
  g_ptr_array_unref (self->own_spools);
  spool_account_unref (self->account);
  g_mutex_clear (&self->spool_lock);
  G_OBJECT_CLASS (lightly_server_parent_class)->finalize (object);
}

static void
lightly_server_class_init (LightlyServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lightly_server_dispose;
  G_OBJECT_CLASS (klass)->finalize = lightly_server_finalize;
}

static void
lightly_server_init (LightlyServer *self)
{
  self->pool = g_thread_pool_new (worker, NULL, MAX_WORKERS, FALSE, NULL);
  g_mutex_init (&self->spool_lock);
  self->spool_threshold = LIGHTLY_SERVER_DEFAULT_SPOOL_THRESHOLD;
  self->own_spools = g_ptr_array_new_with_free_func ((GDestroyNotify) own_spool_free);
  self->account = spool_account_new ();
}
