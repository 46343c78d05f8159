/* lightly-server-routes.c: the REST routes of `lightly-al serve` (private)
 *
 * The server list of protocol §12 plus the sample endpoints and extensions of
 * §13. The REST layer adds a transport only: every write goes through the
 * local backend's seam methods or its service layer (never the store), so
 * the semantics (selection,
 * idempotent writes, validation) are exactly the embedded default's.
 *
 * Errors follow §13: {"code","message"} with 400 for bad input, 401 for a
 * missing or wrong token, 404 for *_UNKNOWN, 409 for *_EXISTS, 413 for an
 * oversized body. 500 is only for the store failing (disk full, I/O), never
 * for anything a client can send.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "server/lightly-server-routes-private.h"
#include "server/lightly-server-proxy.h"

G_DEFINE_FINAL_TYPE (LightlyServerRoutes, lightly_server_routes, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------- */

static gboolean
is_method (const LightlyHttpRequest *req,
           const char               *method)
{
  return g_strcmp0 (req->method, method) == 0;
}

static void
method_not_allowed (LightlyHttpResponse *resp,
                    const char          *allowed)
{
  routes_respond_error (resp, 405, "BAD_REQUEST", "This route takes %s only", allowed);
  lightly_http_response_set_header (resp, "Allow", allowed);
}

/* Splits a percent-encoded path into decoded segments. A trailing slash is
 * ignored (Lightly 1.1.10 POSTs /v1/datasets/). NULL for a segment that
 * doesn't decode to valid UTF-8 without NUL or '/'. */
static char **
split_path (const char *path,
            guint      *n_out)
{
  g_auto(GStrv) raw = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const char *p = path;

  if (p == NULL || *p != '/')
    return NULL;
  p++;
  raw = g_strsplit (p, "/", -1);
  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *seg;

      if (raw[i][0] == '\0' && raw[i + 1] == NULL && i > 0)
        break;   /* trailing slash */
      seg = g_uri_unescape_string (raw[i], "/");
      if (seg == NULL || !g_utf8_validate (seg, -1, NULL))
        {
          g_free (seg);
          return NULL;
        }
      g_ptr_array_add (out, seg);
    }
  *n_out = out->len;
  g_ptr_array_add (out, NULL);
  g_ptr_array_set_free_func (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static void
dispatch_dataset (Route *r)
{
  const LightlyHttpRequest *req = r->req;
  char **s = r->seg;
  guint n = r->n_seg;

  /* s[0] = "datasets", s[1] = dataset id */
  if (!routes_require_dataset (r))
    return;

  if (n == 2)
    return is_method (req, "GET") ? routes_respond_take_node (r->resp, lightly_json_encode_dataset (r->dataset))
                                   : method_not_allowed (r->resp, "GET");

  if (g_str_equal (s[2], "tags"))
    {
      if (n == 3)
        {
          if (is_method (req, "GET"))
            return route_list_tags (r);
          if (is_method (req, "POST"))
            return route_create_tag (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 4 && g_str_equal (s[3], "initial"))
        return is_method (req, "POST") ? route_create_initial_tag (r) : method_not_allowed (r->resp, "POST");
      if (n == 4 && g_str_equal (s[3], "arithmetics"))
        return is_method (req, "POST") ? route_tag_arithmetics (r, FALSE) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[3], "arithmetics") && g_str_equal (s[4], "bitmask"))
        return is_method (req, "POST") ? route_tag_arithmetics (r, TRUE) : method_not_allowed (r->resp, "POST");
      if (n == 4)
        {
          if (is_method (req, "GET"))
            return route_get_tag (r);
          if (is_method (req, "DELETE"))
            return route_delete_tag (r);
          return method_not_allowed (r->resp, "GET, DELETE");
        }
      if (n == 6 && g_str_equal (s[4], "lightly-glib") && g_str_equal (s[5], "picks"))
        return is_method (req, "GET") ? route_tag_picks (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "filenames"))
        return is_method (req, "GET") ? route_tag_filenames (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "scores"))
        {
          if (is_method (req, "POST"))
            return route_upload_scores (r);
          if (is_method (req, "GET"))
            return route_list_scores (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 6 && g_str_equal (s[4], "scores"))
        return is_method (req, "GET") ? route_get_score (r) : method_not_allowed (r->resp, "GET");
    }
  else if (g_str_equal (s[2], "mappings") && n == 3)
    return is_method (req, "GET") ? route_mappings (r) : method_not_allowed (r->resp, "GET");
  else if (g_str_equal (s[2], "samples"))
    {
      if (n == 3)
        {
          if (is_method (req, "POST"))
            return route_create_sample (r);
          if (is_method (req, "GET"))
            return route_list_samples (r);
          return method_not_allowed (r->resp, "GET, POST");
        }
      if (n == 4 && g_str_equal (s[3], "bulk"))
        return is_method (req, "POST") ? route_create_samples_bulk (r) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[4], "writeurl"))
        return is_method (req, "GET") ? route_sample_write_url (r, FALSE) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "writeurls"))
        return is_method (req, "GET") ? route_sample_write_url (r, TRUE) : method_not_allowed (r->resp, "GET");
    }
  else if (g_str_equal (s[2], "registerDatasetUpload") && n == 3)
    return is_method (req, "PUT") ? routes_respond_json_string (r->resp, 200, g_string_new ("{}"))
                                  : method_not_allowed (r->resp, "PUT");
  else if (g_str_equal (s[2], "embeddings"))
    {
      if (n == 3)
        return is_method (req, "GET") ? route_list_embeddings (r) : method_not_allowed (r->resp, "GET");
      if (n == 4 && g_str_equal (s[3], "writeCSVUrl"))
        return is_method (req, "GET") ? route_write_csv_url (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "readCSVUrl"))
        return is_method (req, "GET") ? route_read_csv_url (r) : method_not_allowed (r->resp, "GET");
      if (n == 5 && g_str_equal (s[4], "trigger2dEmbeddingsJob"))
        return is_method (req, "POST") ? route_trigger_2d (r) : method_not_allowed (r->resp, "POST");
      if (n == 5 && g_str_equal (s[4], "sampling"))
        return is_method (req, "POST") ? route_sampling (r) : method_not_allowed (r->resp, "POST");
    }

  routes_respond_error (r->resp, 404, "NOT_FOUND", "No route %s %s", req->method, req->path);
}

static gboolean
query_is_clean (const LightlyHttpRequest *req)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, req->query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL) ||
        strchr (value, '\x01') != NULL)
      return FALSE;
  return TRUE;
}

void
lightly_server_routes_handle (LightlyServerRoutes      *self,
                              const LightlyHttpRequest *req,
                              LightlyHttpResponse      *resp,
                              GCancellable             *cancellable)
{
  g_auto(GStrv) seg = NULL;
  guint n = 0;
  Route r = { 0 };
  guint64 max_body;

  g_return_if_fail (LIGHTLY_IS_SERVER_ROUTES (self));

  seg = split_path (req->path, &n);
  if (seg == NULL)
    return routes_respond_error (resp, 400, "BAD_REQUEST", "The path is not valid percent-encoded UTF-8");
  if (!query_is_clean (req))
    return routes_respond_error (resp, 400, "BAD_REQUEST", "The query string is not valid percent-encoded UTF-8");
  max_body = lightly_server_routes_get_max_body (self, req->method, req->path);
  if (req->body_too_large || lightly_http_request_get_body_size (req) > max_body)
    return routes_respond_error (resp, 413, "BAD_REQUEST", "The request body is larger than the %" G_GUINT64_FORMAT
                                 " bytes this route accepts", max_body);

  /* Capability routes: the URL is the credential, no token (§13). */
  if (n == 3 && g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "embeddings"))
    return is_method (req, "PUT") ? route_put_embeddings_csv (self, req, resp, seg[2], cancellable)
                                  : method_not_allowed (resp, "PUT");
  if (n == 3 && g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "discard"))
    {
      Capability *cap;

      if (!is_method (req, "PUT"))
        return method_not_allowed (resp, "PUT");
      cap = routes_take_capability (self, seg[2], CAP_DISCARD, resp);
      if (cap != NULL)
        {
          routes_capability_free (cap);
          lightly_http_response_set_body (resp, 200, NULL, NULL);
        }
      return;
    }
  if (n == 3 && g_str_equal (seg[0], "download") && g_str_equal (seg[1], "embeddings"))
    return is_method (req, "GET") ? route_get_embeddings_csv (self, resp, seg[2]) : method_not_allowed (resp, "GET");

  /* Public, for proxies, load balancers and Label Studio (issue 17). */
  if (n == 1 && g_str_equal (seg[0], "health"))
    return lightly_server_route_health (req, resp);

  /* Label Studio's ML-backend routes, with the same token (issue 17). */
  if (n == 1 && self->ml_backend != NULL && lightly_server_ml_backend_owns (seg[0]))
    {
      if (!routes_token_matches (self->token, g_hash_table_lookup (req->query, "token")))
        return routes_respond_error (resp, 401, "UNAUTHORIZED", "The ML backend needs the server's token: "
                                     "set it as the ML backend's basic auth password in Label Studio");
      return lightly_server_ml_backend_handle (self->ml_backend, seg[0], req, resp);
    }

  if (n < 2 || !g_str_equal (seg[0], "v1"))
    return routes_respond_error (resp, 404, "NOT_FOUND", "No route %s %s: the API is under /v1",
                                 req->method, req->path);

  /* The version endpoints need no token (§1.1). */
  if (n == 4 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "pip"))
    {
      if (!is_method (req, "GET"))
        return method_not_allowed (resp, "GET");
      if (g_str_equal (seg[3], "minimum"))
        return routes_respond_scalar_string (resp, "1.0.0");
      if (g_str_equal (seg[3], "latest"))
        return routes_respond_scalar_string (resp, "1.1.23");
    }
  if (n == 3 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "lightly-glib"))
    return is_method (req, "GET") ? routes_respond_scalar_string (resp, PACKAGE_VERSION) : method_not_allowed (resp, "GET");

  if (!routes_token_matches (self->token, g_hash_table_lookup (req->query, "token")))
    return routes_respond_error (resp, 401, "UNAUTHORIZED", "%s",
                                 g_hash_table_contains (req->query, "token")
                                 ? "The token is wrong: use the one in the server's token file"
                                 : "This route needs ?token= (or Authorization: Bearer): use the one in the server's token file");

  r.self = self;
  r.req = req;
  r.resp = resp;
  r.cancellable = cancellable;
  r.seg = seg + 1;
  r.n_seg = n - 1;

  if (r.n_seg == 1 && g_str_equal (r.seg[0], "quota"))
    is_method (req, "GET") ? routes_respond_scalar_string (resp, "10000000") : method_not_allowed (resp, "GET");
  else if (r.n_seg == 1 && g_str_equal (r.seg[0], "datasets"))
    {
      if (is_method (req, "GET"))
        route_list_datasets (&r);
      else if (is_method (req, "POST"))
        route_create_dataset (&r);
      else
        method_not_allowed (resp, "GET, POST");
    }
  else if (r.n_seg >= 2 && g_str_equal (r.seg[0], "datasets"))
    dispatch_dataset (&r);
  else if (r.n_seg == 2 && g_str_equal (r.seg[0], "jobs"))
    is_method (req, "GET") ? route_get_job (self, req, resp, r.seg[1], cancellable) : method_not_allowed (resp, "GET");
  else
    routes_respond_error (resp, 404, "NOT_FOUND", "No route %s %s", req->method, req->path);

  /* The dataset row routes_require_dataset() read, if any. */
  g_clear_pointer (&r.dataset, lightly_store_dataset_free);
}

/* ---------------------------------------------------------------------------
 * The check before the body (the SoupServer adapter's early handler)
 * ------------------------------------------------------------------------- */

/* Every route shape under /v1 that needs the token, "*" for one segment.
 * It mirrors the dispatch above: a path outside it is a 404 before any
 * body byte is read (issue 12). Methods are the handlers' to check. */
static const char * const authenticated_shapes[] = {
  "quota",
  "datasets",
  "datasets/*",
  "datasets/*/tags",
  "datasets/*/tags/*",
  "datasets/*/tags/arithmetics/bitmask",
  "datasets/*/tags/*/filenames",
  "datasets/*/tags/*/scores",
  "datasets/*/tags/*/scores/*",
  "datasets/*/mappings",
  "datasets/*/samples",
  "datasets/*/samples/bulk",
  "datasets/*/samples/*/writeurl",
  "datasets/*/samples/*/writeurls",
  "datasets/*/registerDatasetUpload",
  "datasets/*/embeddings",
  "datasets/*/embeddings/writeCSVUrl",
  "datasets/*/embeddings/*/readCSVUrl",
  "datasets/*/embeddings/*/trigger2dEmbeddingsJob",
  "datasets/*/embeddings/*/sampling",
  "jobs/*",
};

static gboolean
shape_matches (const char  *shape,
               char       **seg,
               guint        n)
{
  g_auto(GStrv) parts = g_strsplit (shape, "/", -1);

  if (g_strv_length (parts) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!g_str_equal (parts[i], "*") && !g_str_equal (parts[i], seg[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_public_version_route (char **seg,
                         guint  n)
{
  if (n == 4 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "pip"))
    return g_str_equal (seg[3], "minimum") || g_str_equal (seg[3], "latest");
  return n == 3 && g_str_equal (seg[1], "versions") && g_str_equal (seg[2], "lightly-glib");
}

guint
lightly_server_routes_precheck (LightlyServerRoutes  *self,
                                const char           *method,
                                const char           *path,
                                const char           *token,
                                char                **message)
{
  g_auto(GStrv) seg = NULL;
  guint n = 0;

  g_return_val_if_fail (LIGHTLY_IS_SERVER_ROUTES (self), 500);

  seg = split_path (path, &n);
  if (seg == NULL)
    {
      *message = g_strdup ("The path is not valid percent-encoded UTF-8");
      return 400;
    }
  /* Capability routes: the URL is the credential. */
  if (n == 3 && (g_str_equal (seg[0], "upload") || g_str_equal (seg[0], "download")))
    {
      CapabilityKind kind;

      if (g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "embeddings"))
        kind = CAP_CSV_WRITE;
      else if (g_str_equal (seg[0], "upload") && g_str_equal (seg[1], "discard"))
        kind = CAP_DISCARD;
      else if (g_str_equal (seg[0], "download") && g_str_equal (seg[1], "embeddings"))
        kind = CAP_CSV_READ;
      else
        goto no_route;
      return routes_peek_capability (self, seg[2], kind, message);
    }
  /* /health is public; the ML backend's routes check the token in their
   * handler, with a message Label Studio's users can act on. */
  if (n == 1 && (g_str_equal (seg[0], "health") ||
                 (self->ml_backend != NULL && lightly_server_ml_backend_owns (seg[0]))))
    return 0;
  if (n < 2 || !g_str_equal (seg[0], "v1"))
    goto no_route;
  if (is_public_version_route (seg, n))
    return 0;
  if (!routes_token_matches (self->token, token))
    {
      *message = g_strdup (token != NULL ? "The token is wrong: use the one in the server's token file"
                                         : "This route needs ?token= (or Authorization: Bearer): use the one in the "
                                           "server's token file");
      return 401;
    }
  for (guint i = 0; i < G_N_ELEMENTS (authenticated_shapes); i++)
    if (shape_matches (authenticated_shapes[i], seg + 1, n - 1))
      return 0;

no_route:
  *message = g_strdup_printf ("No route %s %s", method, path);
  return 404;
}

/* ---------------------------------------------------------------------------
 * Public helpers
 * ------------------------------------------------------------------------- */

guint64
lightly_server_routes_get_max_body (LightlyServerRoutes *self,
                                    const char          *method,
                                    const char          *path)
{
  g_auto(GStrv) seg = NULL;
  guint n = 0;

  if (path != NULL && g_str_has_prefix (path, "/upload/"))
    return self->max_upload;
  /* Only the streaming routes (lightly-json-array.h) take large JSON. */
  seg = path != NULL ? split_path (path, &n) : NULL;
  if (seg != NULL && (shape_matches ("v1/datasets/*/tags/*/scores", seg, n) ||
                      shape_matches ("v1/datasets/*/samples/bulk", seg, n)))
    return self->max_json;
  return MIN (self->max_tree, self->max_json);
}

/* A query key that may carry a credential, in any case and any percent
 * encoding: ?Token= gets a 401, but its value must not reach the log. */
static gboolean
is_secret_key (const char *pair)
{
  const char *eq = strchr (pair, '=');
  g_autofree char *raw = g_strndup (pair, eq != NULL ? (gsize) (eq - pair) : strlen (pair));
  g_autofree char *decoded = g_uri_unescape_string (raw, NULL);
  g_autofree char *lower = NULL;

  /* Undecodable: show nothing rather than guess. */
  if (decoded == NULL)
    return TRUE;
  lower = g_ascii_strdown (decoded, -1);
  return strstr (lower, "token") != NULL || strstr (lower, "auth") != NULL ||
         strstr (lower, "secret") != NULL || strstr (lower, "key") != NULL;
}

char *
lightly_server_routes_loggable_target (const char *path,
                                       const char *query_string)
{
  GString *out = g_string_new (path);
  g_auto(GStrv) pairs = NULL;
  gboolean first = TRUE;

  /* Capabilities are credentials too: show only their start. */
  if (g_str_has_prefix (path, "/upload/") || g_str_has_prefix (path, "/download/"))
    {
      const char *last = strrchr (out->str, '/');

      if (last != NULL && strlen (last + 1) > 6)
        {
          g_string_truncate (out, (last - out->str) + 1 + 6);
          g_string_append (out, "…");
        }
    }
  if (query_string == NULL || *query_string == '\0')
    return g_string_free (out, FALSE);
  pairs = g_strsplit (query_string, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_string_append_c (out, first ? '?' : '&');
      first = FALSE;
      if (is_secret_key (pairs[i]))
        {
          const char *eq = strchr (pairs[i], '=');

          g_string_append_len (out, pairs[i], eq != NULL ? eq - pairs[i] : (gssize) strlen (pairs[i]));
          g_string_append (out, "=***");
        }
      else
        g_string_append (out, pairs[i]);
    }
  return g_string_free (out, FALSE);
}

guint
lightly_server_routes_stop_jobs (LightlyServerRoutes *self,
                                 gint64               timeout_ms)
{
  g_autoptr(GPtrArray) datasets = lightly_local_service_list_datasets (self->backend, NULL);
  g_autoptr(GPtrArray) live = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint stopped = 0;

  if (datasets == NULL)
    return 0;
  g_cancellable_cancel (cancelled);
  for (guint i = 0; i < datasets->len; i++)
    {
      LightlyStoreDataset *d = g_ptr_array_index (datasets, i);
      g_autoptr(GPtrArray) jobs = lightly_local_service_list_jobs (self->backend, d->id, NULL);

      for (guint j = 0; jobs != NULL && j < jobs->len; j++)
        {
          LightlyStoreJob *job = g_ptr_array_index (jobs, j);

          if (job->status == LIGHTLY_STORE_JOB_WAITING || job->status == LIGHTLY_STORE_JOB_RUNNING)
            {
              g_autoptr(LightlyJob) ignored = NULL;

              /* Following a job with a cancelled cancellable is how the local
               * backend stops the engine (embedded cancel): it ends FAILED. */
              ignored = lightly_backend_follow_job (self->backend, job->id, NULL, NULL,
                                                    cancelled, NULL);
              g_ptr_array_add (live, g_strdup (job->id));
            }
        }
    }

  for (guint i = 0; i < live->len; i++)
    {
      const char *id = g_ptr_array_index (live, i);

      for (;;)
        {
          g_autoptr(LightlyStoreJob) job = lightly_local_service_get_job (self->backend, id, NULL);

          if (job == NULL || job->status == LIGHTLY_STORE_JOB_FINISHED || job->status == LIGHTLY_STORE_JOB_FAILED)
            {
              stopped++;
              break;
            }
          if (g_get_monotonic_time () > deadline)
            {
              /* Still running (another process owns it, or the engine is
               * slow to notice): the store marks it FAILED at next open. */
              break;
            }
          g_usleep (10 * G_TIME_SPAN_MILLISECOND);
        }
    }
  return stopped;
}

/* ---------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------- */

static void
lightly_server_routes_finalize (GObject *object)
{
  LightlyServerRoutes *self = LIGHTLY_SERVER_ROUTES (object);

  g_clear_object (&self->backend);
  if (self->token != NULL)
    {
      explicit_bzero (self->token, strlen (self->token));
      g_free (self->token);
    }
  g_free (self->base_url);
  g_clear_pointer (&self->ml_backend, lightly_server_ml_backend_free);
  g_hash_table_unref (self->capabilities);
  g_key_file_unref (self->aliases);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lightly_server_routes_parent_class)->finalize (object);
}

static void
lightly_server_routes_class_init (LightlyServerRoutesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lightly_server_routes_finalize;
}

static void
lightly_server_routes_init (LightlyServerRoutes *self)
{
  g_mutex_init (&self->lock);
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) routes_capability_free);
  self->aliases = g_key_file_new ();
  self->max_json = LIGHTLY_SERVER_DEFAULT_MAX_JSON_BODY;
  self->max_tree = LIGHTLY_SERVER_DEFAULT_MAX_TREE_BODY;
  self->max_upload = LIGHTLY_SERVER_DEFAULT_MAX_UPLOAD_BODY;
}

LightlyServerRoutes *
lightly_server_routes_new (LightlyBackend *backend,
                           const char     *token)
{
  LightlyServerRoutes *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (LIGHTLY_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (LIGHTLY_TYPE_SERVER_ROUTES, NULL);
  self->backend = g_object_ref (backend);
  self->token = g_strdup (token);
  path = routes_aliases_path (self);
  if (path != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GError) error = NULL;

      if (!g_key_file_load_from_file (self->aliases, path, G_KEY_FILE_NONE, &error))
        g_warning ("Could not read %s: %s", path, error->message);
    }
  return self;
}

LightlyBackend *
lightly_server_routes_get_backend (LightlyServerRoutes *self)
{
  return self->backend;
}

void
lightly_server_routes_set_ml_backend (LightlyServerRoutes    *self,
                                      LightlyServerMlBackend *ml)
{
  g_return_if_fail (LIGHTLY_IS_SERVER_ROUTES (self));

  g_clear_pointer (&self->ml_backend, lightly_server_ml_backend_free);
  self->ml_backend = ml;
}

void
lightly_server_routes_set_base_url (LightlyServerRoutes *self,
                                    const char          *base_url)
{
  g_mutex_lock (&self->lock);
  g_free (self->base_url);
  self->base_url = g_strdup (base_url);
  g_mutex_unlock (&self->lock);
}

void
lightly_server_routes_set_max_body (LightlyServerRoutes *self,
                                    guint64              max_json,
                                    guint64              max_upload)
{
  self->max_json = max_json;
  self->max_upload = max_upload;
}
