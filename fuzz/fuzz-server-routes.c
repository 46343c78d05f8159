/* fuzz-server-routes.c: method, path, query and body into the REST routes
 *
 * The real handlers (lightly_server_routes_handle()) over a local backend
 * on an in-memory store, without sockets, as tests/test-server-routes.c
 * calls them. The store holds a dataset of 12 samples with an initial tag,
 * an uploaded embedding, and a finished CORESET job with its tag.
 *
 * Input:
 *   line 1: the method; a leading '-' sends no token
 *   line 2: the path and query ("/v1/datasets/{ds}/tags?x=1")
 *   rest:   the body
 * In line 2, {ds}, {tag}, {sel}, {emb} and {job} become the ids of the
 * store's dataset, initial tag, selected tag, embedding and job, and {up}
 * a fresh signed upload capability for that dataset, so the fuzzer gets
 * past the 404s of random ids. `token=` is appended to the query.
 *
 * Every answer must be a 1xx–4xx (500 is for the store failing only),
 * and every error body a valid {"code","message"}. A request that may have
 * written (anything but GET) gets a fresh store before the next one, so a
 * crash replays from its input alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#include "backend/lightly-json-array.h"
#include "backend/lightly-json-models.h"
#include "backend/lightly-local-backend.h"
#include "server/lightly-server-routes.h"
#include "fuzz-common.h"

#define TOKEN "fuzz-token-0123456789abcdef0123456"
#define N_SAMPLES 12

typedef struct {
  LightlyStore *store;
  LightlyServerRoutes *routes;
  char *ds, *tag, *sel, *emb, *job;
  gboolean dirty;
} Fixture;

static Fixture fx;

static LightlyHttpResponse *
call (const char *method,
      const char *path,
      const char *query,
      const char *body,
      gsize       body_len)
{
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, body_len) : NULL;
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new (method, path, query, bytes);
  LightlyHttpResponse *resp = lightly_http_response_new ();

  lightly_http_request_set_header (req, "Host", "fuzz.test:8080");
  lightly_server_routes_handle (fx.routes, req, resp, NULL);
  return resp;
}

/* A setup call that must succeed: its JSON answer. */
static JsonNode *
setup_call_node (const char *method,
                 const char *path,
                 const char *query,
                 const char *body)
{
  g_autofree char *q = g_strdup_printf ("%s%stoken=" TOKEN, query != NULL ? query : "", query != NULL ? "&" : "");
  g_autoptr(LightlyHttpResponse) resp = call (method, path, q, body, body != NULL ? strlen (body) : 0);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  if (resp->status != 200)
    g_error ("fixture: %s %s: %u", method, path, resp->status);
  node = lightly_json_parse (g_bytes_get_data (resp->body, NULL), g_bytes_get_size (resp->body), "fixture",
                             LIGHTLY_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  return node;
}

static char *
member_of (JsonNode   *node,
           const char *member)
{
  return g_strdup (json_object_get_string_member (json_node_get_object (node), member));
}

static char *
setup_call (const char *method,
            const char *path,
            const char *query,
            const char *body,
            const char *member)
{
  g_autoptr(JsonNode) node = setup_call_node (method, path, query, body);

  return member != NULL ? member_of (node, member) : NULL;
}

static char *
mint_upload (void)
{
  g_autofree char *path = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", fx.ds);
  g_autofree char *url = setup_call ("GET", path, "name=fuzz-upload", NULL, "signedWriteUrl");
  const char *last = strrchr (url, '/');

  return g_strdup (last + 1);
}

static void
fixture_teardown (void)
{
  if (fx.routes != NULL)
    lightly_server_routes_stop_jobs (fx.routes, 5000);
  g_clear_object (&fx.routes);
  g_clear_object (&fx.store);
  g_clear_pointer (&fx.ds, g_free);
  g_clear_pointer (&fx.tag, g_free);
  g_clear_pointer (&fx.sel, g_free);
  g_clear_pointer (&fx.emb, g_free);
  g_clear_pointer (&fx.job, g_free);
}

static void
fixture_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) names = g_string_new ("[");
  g_autoptr(GString) csv = g_string_new ("filenames,embedding_0,embedding_1,labels\r\n");
  g_autofree char *path = NULL;
  g_autofree char *up G_GNUC_UNUSED = NULL;

  fx.store = lightly_store_open (NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (fx.store);

    fx.routes = lightly_server_routes_new (backend, TOKEN);
  }
  /* Small limits, so the 413 paths are reachable. */
  lightly_server_routes_set_max_body (fx.routes, 16 * 1024, 64 * 1024);

  fx.ds = setup_call ("POST", "/v1/datasets", NULL, "{\"name\": \"fuzz\"}", "id");
  for (guint i = 0; i < N_SAMPLES; i++)
    {
      g_autofree char *name = g_strdup_printf ("img%02u.png", i);

      if (i > 0)
        g_string_append_c (names, ',');
      lightly_json_append_string (names, name);
      g_string_append_printf (csv, "%s,%u.5,%d,%u\r\n", name, i % 4, (int) i - 6, i % 3);
    }
  g_string_append_c (names, ']');
  path = g_strdup_printf ("/v1/datasets/%s/samples/bulk", fx.ds);
  g_free (setup_call ("POST", path, NULL, names->str, NULL));
  g_free (path);
  path = g_strdup_printf ("/v1/datasets/%s/tags/initial", fx.ds);
  fx.tag = setup_call ("POST", path, NULL, "{}", "id");
  g_free (path);

  path = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", fx.ds);
  {
    g_autoptr(JsonNode) node = setup_call_node ("GET", path, "name=default", NULL);
    g_autofree char *url = member_of (node, "signedWriteUrl");
    g_autoptr(LightlyHttpResponse) put = NULL;

    fx.emb = member_of (node, "embeddingId");
    put = call ("PUT", strstr (url, "/upload/"), NULL, csv->str, csv->len);
    g_assert_cmpuint (put->status, ==, 200);
  }
  g_free (path);

  path = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", fx.ds, fx.emb);
  fx.job = setup_call ("POST", path, NULL,
                       "{\"newTagName\":\"fuzz-sel\",\"method\":\"CORESET\","
                       "\"config\":{\"stoppingCondition\":{\"nSamples\":3,\"minDistance\":-1}}}",
                       "jobId");
  g_free (path);
  path = g_strdup_printf ("/v1/jobs/%s", fx.job);
  for (guint i = 0; i < 100 && fx.sel == NULL; i++)
    {
      g_autoptr(LightlyHttpResponse) resp = call ("GET", path, "waitMs=1000&token=" TOKEN, NULL, 0);
      g_autoptr(JsonNode) node = lightly_json_parse (g_bytes_get_data (resp->body, NULL),
                                                     g_bytes_get_size (resp->body), "job",
                                                     LIGHTLY_ERROR_BAD_RESPONSE, NULL);
      JsonObject *o = json_node_get_object (node);

      if (g_str_equal (json_object_get_string_member (o, "status"), "FINISHED"))
        fx.sel = g_strdup (json_object_get_string_member (json_object_get_object_member (o, "result"), "data"));
    }
  g_assert_nonnull (fx.sel);
  fx.dirty = FALSE;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup_logging ();
  fixture_setup ();
  atexit (fixture_teardown);
  return 0;
}

/* Replaces the {…} placeholders of the path line. */
static char *
expand (const char *line)
{
  GString *out = g_string_new (NULL);

  for (const char *p = line; *p != '\0'; p++)
    {
      const char *ids[][2] = {
        { "{ds}", fx.ds }, { "{tag}", fx.tag }, { "{sel}", fx.sel }, { "{emb}", fx.emb }, { "{job}", fx.job },
      };
      gboolean done = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (ids) && !done; i++)
        if (g_str_has_prefix (p, ids[i][0]))
          {
            g_string_append (out, ids[i][1]);
            p += strlen (ids[i][0]) - 1;
            done = TRUE;
          }
      if (!done && g_str_has_prefix (p, "{up}"))
        {
          g_autofree char *cap = mint_upload ();

          g_string_append (out, cap);
          p += 3;
          done = TRUE;
        }
      if (!done)
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
check_response (const LightlyHttpResponse *resp,
                const char                *method,
                const char                *target)
{
  gsize len = resp->body != NULL ? g_bytes_get_size (resp->body) : 0;
  const char *body = resp->body != NULL ? g_bytes_get_data (resp->body, NULL) : "";

  if (resp->status < 100 || resp->status >= 500)
    g_error ("%s %s: status %u: %.*s", method, target, resp->status, (int) MIN (len, 500), body);
  if (resp->status >= 400)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = lightly_json_parse (body, len, "error body", LIGHTLY_ERROR_BAD_RESPONSE, &error);

      g_assert_no_error (error);
      lightly_json_model_check (&lightly_json_model_api_error_response, node, "error body",
                                LIGHTLY_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *method_line = fuzz_take_line (&data, &size);
  g_autofree char *target_line = fuzz_take_line (&data, &size);
  g_autofree char *target = NULL;
  g_autofree char *query = NULL;
  g_autoptr(LightlyHttpResponse) resp = NULL;
  const char *method = method_line;
  gboolean with_token = TRUE;
  char *qmark;

  if (fuzz_json_depth (data, size) > FUZZ_MAX_JSON_DEPTH)
    return 0;
  if (fx.dirty)
    {
      fixture_teardown ();
      fixture_setup ();
    }
  if (method[0] == '-')
    {
      with_token = FALSE;
      method++;
    }
  /* Anything but a GET may write; the next input gets a fresh store. */
  fx.dirty = !g_str_equal (method, "GET");

  target = expand (target_line);
  qmark = strchr (target, '?');
  if (qmark != NULL)
    *qmark = '\0';
  if (with_token)
    query = g_strdup_printf ("%s%stoken=" TOKEN, qmark != NULL ? qmark + 1 : "",
                             qmark != NULL && qmark[1] != '\0' ? "&" : "");
  else if (qmark != NULL)
    query = g_strdup (qmark + 1);

  resp = call (method, target, query, size > 0 ? (const char *) data : NULL, size);
  check_response (resp, method, target);
  return 0;
}
