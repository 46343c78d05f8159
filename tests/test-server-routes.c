/* test-server-routes.c: the REST routes as pure functions, no socket
 *
 * Every response is checked for its status and against the model table the
 * http backend uses. Runs on an in-memory store.
 */
#include <lightly/lightly.h>

#include <unistd.h>

#include "server-test-util.h"
#include "backend/lightly-json-array.h"
#include "selection/lightly-selection.h"

#define TOKEN "route-test-token-0123456789abcdef"
#define N_SAMPLES 12

typedef struct {
  LightlyStore *store;
  LightlyServerRoutes *routes;
  char *ds;
  char *initial;
  char *emb;          /* the id E2 promised */
  char *csv;
} Fixture;

static LightlyHttpResponse *
call_full (Fixture    *f,
           const char *method,
           const char *path,
           const char *query,
           const char *body,
           gsize       body_len)
{
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, body_len) : NULL;
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new (method, path, query, bytes);
  LightlyHttpResponse *resp = lightly_http_response_new ();

  lightly_http_request_set_header (req, "Host", "example.test:8080");
  lightly_server_routes_handle (f->routes, req, resp, NULL);
  g_assert_cmpuint (resp->status, !=, 0);
  /* Never 500 for anything a client sends. */
  g_assert_cmpuint (resp->status, <, 500);
  return resp;
}

/* Calls with ?token= (plus extra query), asserts the status. */
static LightlyHttpResponse *
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *extra_query,
      const char *body,
      guint       status)
{
  g_autofree char *query = g_strdup_printf ("%s%stoken=" TOKEN, extra_query != NULL ? extra_query : "",
                                            extra_query != NULL ? "&" : "");
  LightlyHttpResponse *resp = call_full (f, method, path, query, body, body != NULL ? strlen (body) : 0);

  if (resp->status != status)
    g_error ("%s %s: expected %u, got %u: %.*s", method, path, status, resp->status,
             resp->body != NULL ? (int) g_bytes_get_size (resp->body) : 0,
             resp->body != NULL ? (const char *) g_bytes_get_data (resp->body, NULL) : "");
  if (status >= 400)
    {
      /* Errors are {"code","message"}. */
      g_autoptr(JsonNode) node G_GNUC_UNUSED = check_json (resp->body, &lightly_json_model_api_error_response, FALSE);
    }
  return resp;
}

static JsonNode *
call_json (Fixture                *f,
           const char             *method,
           const char             *path,
           const char             *extra_query,
           const char             *body,
           const LightlyJsonModel *model,
           gboolean                array)
{
  g_autoptr(LightlyHttpResponse) resp = call (f, method, path, extra_query, body, 200);

  g_assert_cmpstr (resp->content_type, ==, "application/json");
  return check_json (resp->body, model, array);
}

static char *
id_of (JsonNode   *node,
       const char *member)
{
  return g_strdup (json_object_get_string_member (json_node_get_object (node), member));
}

static void
error_code_is (LightlyHttpResponse *resp,
               const char          *code)
{
  g_autoptr(JsonNode) node = check_json (resp->body, &lightly_json_model_api_error_response, FALSE);

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "code"), ==, code);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) bulk = NULL;
  g_autoptr(JsonNode) initial = NULL;
  g_autoptr(JsonNode) url = NULL;
  g_autoptr(LightlyHttpResponse) put = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) rows = NULL;
  GString *names = g_string_new ("[");
  const char *signed_url;

  f->store = lightly_store_open (NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (f->store);

    f->routes = lightly_server_routes_new (backend, TOKEN);
  }
  lightly_server_routes_set_max_body (f->routes, 64 * 1024, 256 * 1024);

  created = call_json (f, "POST", "/v1/datasets", NULL, "{\"name\": \"routes\"}",
                       &lightly_json_model_create_entity_response, FALSE);
  f->ds = id_of (created, "id");

  f->csv = test_make_csv (N_SAMPLES, 3, 4);
  rows = g_strsplit (f->csv, "\r\n", -1);
  for (guint i = 1; i <= N_SAMPLES; i++)
    {
      g_autofree char *name = g_strndup (rows[i], strchr (rows[i], ',') - rows[i]);

      if (i > 1)
        g_string_append_c (names, ',');
      lightly_json_append_string (names, name);
    }
  g_string_append_c (names, ']');
  path = g_strdup_printf ("/v1/datasets/%s/samples/bulk", f->ds);
  bulk = call_json (f, "POST", path, NULL, names->str, NULL, FALSE);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (bulk), "nSamples"), ==, N_SAMPLES);
  g_string_free (names, TRUE);
  g_free (path);

  path = g_strdup_printf ("/v1/datasets/%s/tags/initial", f->ds);
  initial = call_json (f, "POST", path, NULL, "{}", &lightly_json_model_create_entity_response, FALSE);
  f->initial = id_of (initial, "id");
  g_free (path);

  path = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", f->ds);
  url = call_json (f, "GET", path, "name=default", NULL, &lightly_json_model_write_csv_url_data, FALSE);
  f->emb = id_of (url, "embeddingId");
  signed_url = json_object_get_string_member (json_node_get_object (url), "signedWriteUrl");
  /* Signed URLs reach us the way the client did (its Host header). */
  g_assert_true (g_str_has_prefix (signed_url, "http://example.test:8080/upload/embeddings/"));
  put = call_full (f, "PUT", signed_url + strlen ("http://example.test:8080"), NULL, f->csv, strlen (f->csv));
  g_assert_cmpuint (put->status, ==, 200);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  lightly_server_routes_stop_jobs (f->routes, 5000);
  g_clear_object (&f->routes);
  g_clear_object (&f->store);
  g_free (f->ds);
  g_free (f->initial);
  g_free (f->emb);
  g_free (f->csv);
}

/* Polls J1 with ?waitMs= until the job is done; returns result.data. */
static char *
wait_job (Fixture    *f,
          const char *job_id)
{
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", job_id);

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonNode) job = call_json (f, "GET", path, "waitMs=1000", NULL, &lightly_json_model_job_status_data, FALSE);
      JsonObject *o = json_node_get_object (job);
      const char *status = json_object_get_string_member (o, "status");

      if (g_str_equal (status, "FINISHED"))
        return g_strdup (json_object_get_string_member (json_object_get_object_member (o, "result"), "data"));
      if (g_str_equal (status, "FAILED"))
        return NULL;
    }
  g_assert_not_reached ();
  return NULL;
}

/* Everything a client can read, for "the store is unchanged" checks. */
static char *
snapshot (Fixture *f)
{
  GString *out = g_string_new (NULL);
  const char *paths[] = { "/v1/datasets", "tags", "embeddings", "mappings", NULL };

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *path = paths[i][0] == '/' ? g_strdup (paths[i])
                                                 : g_strdup_printf ("/v1/datasets/%s/%s", f->ds, paths[i]);
      g_autoptr(LightlyHttpResponse) resp = call (f, "GET", path, g_str_equal (paths[i], "mappings") ? "field=fileName" : NULL,
                                                  NULL, 200);

      g_string_append_len (out, g_bytes_get_data (resp->body, NULL), (gssize) g_bytes_get_size (resp->body));
      g_string_append_c (out, '\n');
    }
  {
    g_autoptr(GPtrArray) jobs = lightly_store_list_jobs (f->store, f->ds, NULL);

    g_string_append_printf (out, "jobs %u\n", jobs != NULL ? jobs->len : 0);
  }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------
 * The whole surface
 * ------------------------------------------------------------------------- */

static void
test_flow (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *p = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *job = NULL, *job_again = NULL, *sel = NULL, *sample = NULL, *score_id = NULL;
  g_autofree char *union_id = NULL;
  GString *scores = g_string_new ("{\"scoreType\":\"uncertainty_margin\",\"scores\":");
  double values[N_SAMPLES];

  /* Versions need no token. */
  {
    g_autoptr(LightlyHttpResponse) v = call_full (f, "GET", "/v1/versions/lightly-glib", NULL, NULL, 0);
    g_autoptr(LightlyHttpResponse) m = call_full (f, "GET", "/v1/versions/pip/minimum", NULL, NULL, 0);
    g_autoptr(LightlyHttpResponse) l = call_full (f, "GET", "/v1/versions/pip/latest", "currentVersion=1.1.10", NULL, 0);

    g_assert_cmpuint (v->status, ==, 200);
    g_assert_cmpmem (g_bytes_get_data (v->body, NULL), g_bytes_get_size (v->body),
                     "\"" LIGHTLY_VERSION_S "\"", strlen (LIGHTLY_VERSION_S) + 2);
    g_assert_cmpuint (m->status, ==, 200);
    g_assert_cmpuint (l->status, ==, 200);
  }

  node = call_json (f, "GET", "/v1/datasets", NULL, NULL, &lightly_json_model_dataset_data, TRUE);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_node_get_array (node), 0),
                                               "nSamples"), ==, N_SAMPLES);
  g_clear_pointer (&node, json_node_unref);
  p = g_strdup_printf ("/v1/datasets/%s", f->ds);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_dataset_data, FALSE);
  g_clear_pointer (&node, json_node_unref);
  node = call_json (f, "GET", "/v1/quota", NULL, NULL, NULL, FALSE);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_clear_pointer (&node, json_node_unref);

  /* Mappings, samples. */
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/mappings", f->ds);
  node = call_json (f, "GET", p, "field=_id", NULL, NULL, FALSE);
  sample = g_strdup (json_array_get_string_element (json_node_get_array (node), 3));
  g_clear_pointer (&node, json_node_unref);
  {
    g_autoptr(LightlyHttpResponse) bad G_GNUC_UNUSED = call (f, "GET", p, "field=thumbName", NULL, 400);
  }
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/samples", f->ds);
  node = call_json (f, "GET", p, "fileName=img0003.png", NULL, &lightly_json_model_sample_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (node), 0), "id"),
                   ==, sample);
  g_clear_pointer (&node, json_node_unref);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_sample_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, N_SAMPLES);
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/samples/%s/writeurls", f->ds, sample);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_sample_write_urls, FALSE);
  {
    const char *full = json_object_get_string_member (json_node_get_object (node), "full");
    g_autoptr(LightlyHttpResponse) put = call_full (f, "PUT", full + strlen ("http://example.test:8080"), NULL,
                                                    "JPEG", 4);
    g_autoptr(LightlyHttpResponse) again = call_full (f, "PUT", full + strlen ("http://example.test:8080"), NULL,
                                                      "JPEG", 4);

    g_assert_cmpuint (put->status, ==, 200);
    g_assert_cmpuint (again->status, ==, 403);
  }
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/samples/%s/writeurl", f->ds, sample);
  node = call_json (f, "GET", p, "isThumbnail=true", NULL, NULL, FALSE);
  g_assert_true (g_str_has_prefix (json_node_get_string (node), "http://example.test:8080/upload/discard/"));
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/registerDatasetUpload", f->ds);
  {
    g_autoptr(LightlyHttpResponse) r G_GNUC_UNUSED = call (f, "PUT", p, NULL, "{\"total\": 12, \"processed\": 12}", 200);
  }

  /* Embeddings: E1 lists the stored id; the promised id works everywhere. */
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/embeddings", f->ds);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_dataset_embedding_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/readCSVUrl", f->ds, f->emb);
  node = call_json (f, "GET", p, NULL, NULL, NULL, FALSE);
  {
    const char *url = json_node_get_string (node);
    g_autoptr(LightlyHttpResponse) csv = call_full (f, "GET", url + strlen ("http://example.test:8080"), NULL, NULL, 0);

    g_assert_cmpuint (csv->status, ==, 200);
    /* Kept byte for byte. */
    g_assert_cmpmem (g_bytes_get_data (csv->body, NULL), g_bytes_get_size (csv->body), f->csv, strlen (f->csv));
  }
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/trigger2dEmbeddingsJob", f->ds, f->emb);
  {
    g_autoptr(LightlyHttpResponse) r G_GNUC_UNUSED = call (f, "POST", p, NULL, "{\"dimensionalityReductionMethod\": \"PCA\"}", 200);
  }
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", f->ds);
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "GET", p, "name=default", NULL, 409);

    error_code_is (r, "EMBEDDING_NAME_EXISTS");
  }

  /* Scores: S1 (create, then update keeps the id), S2, S3. */
  for (guint i = 0; i < N_SAMPLES; i++)
    values[i] = (double) ((i * 5) % N_SAMPLES) / N_SAMPLES;
  lightly_json_append_double_array (scores, values, N_SAMPLES);
  g_string_append_c (scores, '}');
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", f->ds, f->initial);
  node = call_json (f, "POST", p, NULL, scores->str, &lightly_json_model_create_entity_response, FALSE);
  score_id = id_of (node, "id");
  g_clear_pointer (&node, json_node_unref);
  node = call_json (f, "POST", p, NULL, scores->str, &lightly_json_model_create_entity_response, FALSE);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "id"), ==, score_id);
  g_clear_pointer (&node, json_node_unref);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_tag_active_learning_scores_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  g_clear_pointer (&node, json_node_unref);
  {
    g_autoptr(LightlyHttpResponse) r G_GNUC_UNUSED = call (f, "POST", p, NULL, "{\"scoreType\":\"x\",\"scores\":[0.5]}", 400);
  }
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores/%s", f->ds, f->initial, score_id);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_active_learning_score_data, FALSE);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (node), "scores")), ==,
                    N_SAMPLES);
  g_clear_pointer (&node, json_node_unref);

  /* P1 twice with the same body: one job (§13 idempotent). */
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", f->ds, f->emb);
  {
    const char *body = "{\"newTagName\":\"al-1\",\"method\":\"ACTIVE_LEARNING\",\"config\":{\"stoppingCondition\":"
                       "{\"nSamples\":3,\"minDistance\":-1}},\"rowCount\":12}";
    g_autoptr(JsonNode) a = call_json (f, "POST", p, NULL, body, &lightly_json_model_async_task_data, FALSE);
    g_autoptr(JsonNode) b = call_json (f, "POST", p, NULL, body, &lightly_json_model_async_task_data, FALSE);
    g_autoptr(LightlyHttpResponse) other = NULL;

    job = id_of (a, "jobId");
    job_again = id_of (b, "jobId");
    g_assert_cmpstr (job, ==, job_again);
    sel = wait_job (f, job);
    g_assert_nonnull (sel);
    /* The same name with other parameters: 409. */
    other = call (f, "POST", p, NULL, "{\"newTagName\":\"al-1\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                                   "{\"nSamples\":3,\"minDistance\":-1}}}", 409);
    error_code_is (other, "TAG_NAME_EXISTS");
  }
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/tags/%s", f->ds, sel);
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_tag_data, FALSE);
  /* Top 3 of (i*5)%12: i = 7 (11), 2 (10), 9 (9). */
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "bitMaskData"), ==, "0x284");
  g_clear_pointer (&node, json_node_unref);
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/tags/%s/filenames", f->ds, sel);
  node = call_json (f, "GET", p, NULL, NULL, NULL, FALSE);
  g_assert_cmpstr (json_node_get_string (node), ==, "img0002.png\nimg0007.png\nimg0009.png");
  g_clear_pointer (&node, json_node_unref);

  /* T4 and arithmetics. */
  g_free (p);
  p = g_strdup_printf ("/v1/datasets/%s/tags", f->ds);
  {
    g_autofree char *body = g_strdup_printf ("{\"name\":\"manual\",\"prevTagId\":\"%s\",\"bitMaskData\":\"0X0003\","
                                             "\"totSize\":12,\"changes\":{}}", f->initial);
    g_autoptr(JsonNode) t = call_json (f, "POST", p, NULL, body, &lightly_json_model_create_entity_response, FALSE);
    g_autofree char *manual = id_of (t, "id");
    g_autofree char *arith = g_strdup_printf ("/v1/datasets/%s/tags/arithmetics", f->ds);
    g_autofree char *bitmask = g_strdup_printf ("/v1/datasets/%s/tags/arithmetics/bitmask", f->ds);
    g_autofree char *req = NULL;
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;

    req = g_strdup_printf ("{\"tagId1\":\"%s\",\"tagId2\":\"%s\",\"operation\":\"UNION\"}", manual, sel);
    r1 = call_json (f, "POST", arith, NULL, req, &lightly_json_model_tag_bit_mask_response, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r1), "bitMaskData"), ==, "0x287");
    g_free (req);
    req = g_strdup_printf ("{\"tagId1\":\"%s\",\"tagId2\":\"%s\",\"operation\":\"DIFFERENCE\"}", f->initial, sel);
    r2 = call_json (f, "POST", bitmask, NULL, req, &lightly_json_model_tag_bit_mask_response, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r2), "bitMaskData"), ==, "0xd7b");
    g_free (req);
    req = g_strdup_printf ("{\"tagId1\":\"%s\",\"tagId2\":\"%s\",\"operation\":\"INTERSECTION\"}", f->initial, sel);
    r3 = call_json (f, "POST", bitmask, NULL, req, &lightly_json_model_tag_bit_mask_response, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r3), "bitMaskData"), ==, "0x284");
    g_free (req);
    req = g_strdup_printf ("{\"tagId1\":\"%s\",\"tagId2\":\"%s\",\"operation\":\"UNION\",\"newTagName\":\"both\"}",
                           manual, sel);
    r4 = call_json (f, "POST", arith, NULL, req, &lightly_json_model_create_entity_response, FALSE);
    union_id = id_of (r4, "id");
    /* Idempotent: the same name and bitmask give the same tag. */
    r5 = call_json (f, "POST", arith, NULL, req, &lightly_json_model_create_entity_response, FALSE);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r5), "id"), ==, union_id);
  }
  node = call_json (f, "GET", p, NULL, NULL, &lightly_json_model_tag_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (node), 0), "name"),
                   ==, "initial-tag");
  g_clear_pointer (&node, json_node_unref);

  g_string_free (scores, TRUE);
}

/* ---------------------------------------------------------------------------
 * 401 over every authenticated route
 * ------------------------------------------------------------------------- */

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  const char *Z = "000000000000000000000000";
  struct {
    const char *method;
    char *path;
  } routes[] = {
    { "GET", g_strdup ("/v1/quota") },
    { "GET", g_strdup ("/v1/datasets") },
    { "POST", g_strdup ("/v1/datasets") },
    { "POST", g_strdup ("/v1/datasets/") },
    { "GET", g_strdup_printf ("/v1/datasets/%s", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/tags", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/tags", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/tags/initial", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/tags/arithmetics", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/tags/arithmetics/bitmask", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s", f->ds, f->initial) },
    { "DELETE", g_strdup_printf ("/v1/datasets/%s/tags/%s", f->ds, f->initial) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s/filenames", f->ds, f->initial) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", f->ds, f->initial) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", f->ds, f->initial) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/tags/%s/scores/%s", f->ds, f->initial, Z) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/mappings", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/samples", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/samples", f->ds) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/samples/bulk", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/samples/%s/writeurl", f->ds, Z) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/samples/%s/writeurls", f->ds, Z) },
    { "PUT", g_strdup_printf ("/v1/datasets/%s/registerDatasetUpload", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/embeddings", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", f->ds) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/embeddings/%s/readCSVUrl", f->ds, f->emb) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/embeddings/%s/trigger2dEmbeddingsJob", f->ds, f->emb) },
    { "POST", g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", f->ds, f->emb) },
    { "GET", g_strdup_printf ("/v1/jobs/%s", Z) },
    { "GET", g_strdup_printf ("/v1/datasets/%s/no-such-route", f->ds) },
  };
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  const char *queries[] = { NULL, "token=", "token=wrong", "token=" TOKEN "x", "token=route-test-token",
                            "TOKEN=" TOKEN, "name=default" };

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        g_autoptr(LightlyHttpResponse) resp = call_full (f, routes[i].method, routes[i].path, queries[q], "{}", 2);

        if (resp->status != 401)
          g_error ("%s %s?%s: expected 401, got %u", routes[i].method, routes[i].path,
                   queries[q] != NULL ? queries[q] : "", resp->status);
        error_code_is (resp, "UNAUTHORIZED");
      }
  /* Refused calls change nothing. */
  after = snapshot (f);
  g_assert_cmpstr (before, ==, after);

  /* With the token, never 401. */
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autoptr(LightlyHttpResponse) ok = call_full (f, routes[i].method, routes[i].path,
                                                     "token=" TOKEN "&field=fileName", "{}", 2);

      g_assert_cmpuint (ok->status, !=, 401);
      g_free (routes[i].path);
    }
}

/* ---------------------------------------------------------------------------
 * DELETE /v1/datasets/{datasetId}/tags/{tagId}
 * ------------------------------------------------------------------------- */

static void
test_delete_tag (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *tags = g_strdup_printf ("/v1/datasets/%s/tags", f->ds);
  g_autofree char *body = NULL, *parent = NULL, *child = NULL;
  g_autofree char *parent_path = NULL, *child_path = NULL, *initial_path = NULL, *missing_path = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(JsonNode) node = NULL;

  body = g_strdup_printf ("{\"name\":\"parent\",\"prevTagId\":\"%s\",\"bitMaskData\":\"0x7\",\"totSize\":%d}",
                          f->initial, N_SAMPLES);
  node = call_json (f, "POST", tags, NULL, body, &lightly_json_model_create_entity_response, FALSE);
  parent = id_of (node, "id");
  g_clear_pointer (&node, json_node_unref);
  g_free (body);
  body = g_strdup_printf ("{\"name\":\"child\",\"prevTagId\":\"%s\",\"bitMaskData\":\"0x3\",\"totSize\":%d}",
                          parent, N_SAMPLES);
  node = call_json (f, "POST", tags, NULL, body, &lightly_json_model_create_entity_response, FALSE);
  child = id_of (node, "id");
  g_clear_pointer (&node, json_node_unref);
  parent_path = g_strdup_printf ("%s/%s", tags, parent);
  child_path = g_strdup_printf ("%s/%s", tags, child);
  initial_path = g_strdup_printf ("%s/%s", tags, f->initial);
  missing_path = g_strdup_printf ("%s/000000000000000000000000", tags);

  /* Refusals: 400 or 404, and nothing changes. */
  before = snapshot (f);
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", initial_path, NULL, "{}", 400);

    error_code_is (r, "BAD_REQUEST");
  }
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", parent_path, NULL, "{}", 400);
    g_autoptr(JsonNode) e = check_json (r->body, &lightly_json_model_api_error_response, FALSE);
    const char *message = json_object_get_string_member (json_node_get_object (e), "message");

    /* Says which tag holds it. */
    g_assert_nonnull (strstr (message, child));
  }
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", missing_path, NULL, "{}", 404);

    error_code_is (r, "TAG_UNKNOWN");
  }
  {
    g_autofree char *bad = g_strdup_printf ("%s/not-an-id", tags);
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", bad, NULL, NULL, 404);

    error_code_is (r, "TAG_UNKNOWN");
  }
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", "/v1/datasets/000000000000000000000000/tags/000000000000000000000000",
                                             NULL, NULL, 404);

    error_code_is (r, "DATASET_UNKNOWN");
  }
  {
    g_autoptr(LightlyHttpResponse) r = call_full (f, "DELETE", child_path, "token=wrong", "{}", 2);

    g_assert_cmpuint (r->status, ==, 401);
  }
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "PUT", child_path, NULL, "{}", 405);
    const char *allow = g_hash_table_lookup (r->headers, "Allow");

    g_assert_cmpstr (allow, ==, "GET, DELETE");
  }
  after = snapshot (f);
  g_assert_cmpstr (before, ==, after);

  /* The child, then its parent; with the 2021 client's {} body and without. */
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "DELETE", child_path, NULL, "{}", 200);

    g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), "{}", 2);
  }
  {
    g_autoptr(LightlyHttpResponse) r G_GNUC_UNUSED = call (f, "DELETE", parent_path, NULL, NULL, 200);
  }
  {
    g_autoptr(LightlyHttpResponse) r = call (f, "GET", child_path, NULL, NULL, 404);

    error_code_is (r, "TAG_UNKNOWN");
  }
  {
    g_autoptr(LightlyHttpResponse) r G_GNUC_UNUSED = call (f, "DELETE", parent_path, NULL, "{}", 404);
  }
  node = call_json (f, "GET", tags, NULL, NULL, &lightly_json_model_tag_data, TRUE);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
}

/* ---------------------------------------------------------------------------
 * Hostile input: 4xx, and the store unchanged
 * ------------------------------------------------------------------------- */

static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  g_autofree char *tags = g_strdup_printf ("/v1/datasets/%s/tags", f->ds);
  g_autofree char *samples = g_strdup_printf ("/v1/datasets/%s/samples", f->ds);
  g_autofree char *bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk", f->ds);
  g_autofree char *sampling = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", f->ds, f->emb);
  g_autofree char *scores = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", f->ds, f->initial);
  g_autofree char *e2 = g_strdup_printf ("/v1/datasets/%s/embeddings/writeCSVUrl", f->ds);
  g_autofree char *big = NULL;
  struct {
    const char *method;
    const char *path;
    const char *query;
    const char *body;
    guint status;
  } cases[] = {
    /* Path traversal and odd names. */
    { "POST", tags, NULL, "{\"name\":\"../../etc/passwd\",\"prevTagId\":null,\"bitMaskData\":\"0x1\",\"totSize\":12}", 400 },
    /* The dataset has an embedding: new samples would have no rows in it
     * (issue 12), so well-formed sample lists get 409 before the store's
     * name rules (tested in test-store). */
    { "POST", bulk, NULL, "[\"a,b.png\"]", 409 },
    { "POST", bulk, NULL, "[\"img0001.png\"]", 409 },           /* duplicate file name */
    { "POST", bulk, NULL, "[\"new.png\", \"new.png\"]", 409 },  /* duplicate in the list */
    { "POST", samples, NULL, "{\"fileName\":\"\"}", 409 },
    { "GET", "/v1/datasets/..%2F..%2Fetc", NULL, NULL, 400 },   /* an encoded / in a segment */
    { "GET", "/v1/datasets/%2e%2e/tags", NULL, NULL, 404 },
    { "GET", "/v1/jobs/1%27%20OR%20%271%27=%271", NULL, NULL, 404 },
    /* SQL metacharacters. */
    { "POST", tags, NULL, "{\"name\":\"x'); DROP TABLE tags;--\",\"bitMaskData\":\"0x1\",\"totSize\":12}", 400 },
    { "GET", "/v1/datasets/000000000000000000000000'--/tags", NULL, NULL, 404 },
    /* Invalid UTF-8 in the body, the query, the path. */
    { "POST", "/v1/datasets", NULL, "{\"name\":\"\xff\xfe\"}", 400 },
    { "POST", bulk, NULL, "[\"\xc3\x28.png\"]", 400 },
    { "GET", e2, "name=%FF%FE", NULL, 400 },
    { "GET", "/v1/datasets/%FF", NULL, NULL, 400 },
    { "GET", e2, "name=a%00b", NULL, 400 },
    /* Malformed or mistyped JSON. */
    { "POST", "/v1/datasets", NULL, "{\"name\":", 400 },
    { "POST", "/v1/datasets", NULL, "{\"name\": 5}", 400 },
    { "POST", "/v1/datasets", NULL, "[]", 400 },
    { "POST", "/v1/datasets", NULL, "{\"name\":\"a\"}\x00{}", 400 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"BOGUS\",\"config\":{}}", 400 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{}}", 400 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":\"5\"}}}", 400 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":5}},\"queryTagId\":\"000000000000000000000000\"}", 404 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":5}},\"scoreStrength\":-1}", 400 },
    /* matrixPrecision (extension) is one of three names. */
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":5}},\"matrixPrecision\":\"FLOAT8\"}", 400 },
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"CORESET\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":5}},\"matrixPrecision\":16}", 400 },
    /* balance (extension) is a boolean. */
    { "POST", sampling, NULL, "{\"newTagName\":\"ok-name\",\"method\":\"RANDOM\",\"config\":{\"stoppingCondition\":"
                              "{\"nSamples\":5}},\"balance\":\"yes\"}", 400 },
    { "POST", scores, NULL, "{\"scoreType\":\"a b\",\"scores\":[1,1,1,1,1,1,1,1,1,1,1,1]}", 400 },
    { "POST", scores, NULL, "{\"scoreType\":\"m\",\"scores\":[1,1,1,1,1,1,1,1,1,1,1,1e999]}", 400 },
    { "POST", scores, NULL, "{\"scoreType\":\"m\",\"scores\":[]}", 400 },
    /* Bitmasks past the dataset size, or not hex. */
    { "POST", tags, NULL, "{\"name\":\"wide\",\"bitMaskData\":\"0x1fff\",\"totSize\":12}", 400 },
    { "POST", tags, NULL, "{\"name\":\"wide\",\"bitMaskData\":\"0x10000000000000000000000000000\",\"totSize\":12}", 400 },
    { "POST", tags, NULL, "{\"name\":\"nothex\",\"bitMaskData\":\"0xZZ\",\"totSize\":12}", 400 },
    /* Unknown ids. */
    { "GET", "/v1/datasets/000000000000000000000000/tags", NULL, NULL, 404 },
    { "GET", "/v1/jobs/000000000000000000000000", NULL, NULL, 404 },
    { "GET", "/v1/jobs/000000000000000000000000", "waitMs=99999", NULL, 400 },
    /* Capability routes: unknown, wrong kind. */
    { "PUT", "/upload/embeddings/00000000000000000000000000000000", NULL, "x", 404 },
    { "PUT", "/upload/discard/../../etc/passwd", NULL, "x", 404 },
    { "GET", "/download/embeddings/zz", NULL, NULL, 404 },
    { "DELETE", "/v1/datasets", NULL, NULL, 405 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *query = cases[i].query != NULL ? g_strdup_printf ("%s&token=" TOKEN, cases[i].query)
                                                      : g_strdup ("token=" TOKEN);
      gsize len = cases[i].body != NULL ? strlen (cases[i].body) : 0;
      g_autoptr(LightlyHttpResponse) resp = NULL;

      /* The body with an embedded NUL keeps its full length. */
      if (cases[i].body != NULL && g_str_has_prefix (cases[i].body, "{\"name\":\"a\"}"))
        len = 15;
      resp = call_full (f, cases[i].method, cases[i].path, query, cases[i].body, len);
      if (resp->status != cases[i].status)
        g_error ("case %u %s %s: expected %u, got %u: %.*s", i, cases[i].method, cases[i].path, cases[i].status,
                 resp->status, (int) g_bytes_get_size (resp->body), (const char *) g_bytes_get_data (resp->body, NULL));
      {
        g_autoptr(JsonNode) node G_GNUC_UNUSED = check_json (resp->body, &lightly_json_model_api_error_response, FALSE);
      }
    }

  /* Oversized bodies: 413, whether counted (flag) or whole. */
  big = g_malloc (300 * 1024);
  memset (big, ' ', 300 * 1024);
  {
    g_autoptr(LightlyHttpResponse) r1 = call_full (f, "POST", bulk, "token=" TOKEN, big, 300 * 1024);
    g_autoptr(LightlyHttpResponse) r2 = call_full (f, "PUT", "/upload/embeddings/00000000000000000000000000000000",
                                                   NULL, big, 300 * 1024);
    g_autoptr(LightlyHttpRequest) req = lightly_http_request_new ("POST", bulk, "token=" TOKEN, NULL);
    g_autoptr(LightlyHttpResponse) r3 = lightly_http_response_new ();

    g_assert_cmpuint (r1->status, ==, 413);
    g_assert_cmpuint (r2->status, ==, 413);
    req->body_too_large = TRUE;
    lightly_server_routes_handle (f->routes, req, r3, NULL);
    g_assert_cmpuint (r3->status, ==, 413);
    error_code_is (r3, "BAD_REQUEST");
  }

  after = snapshot (f);
  g_assert_cmpstr (before, ==, after);

  /* SQL metacharacters in an accepted name are stored as given. */
  {
    g_autoptr(JsonNode) created G_GNUC_UNUSED = call_json (f, "POST", "/v1/datasets", NULL,
                                             "{\"name\":\"x'); DROP TABLE tags;--\"}",
                                             &lightly_json_model_create_entity_response, FALSE);
    g_autoptr(JsonNode) list = call_json (f, "GET", "/v1/datasets", NULL, NULL, &lightly_json_model_dataset_data, TRUE);
    g_autoptr(JsonNode) t = call_json (f, "GET", tags, NULL, NULL, &lightly_json_model_tag_data, TRUE);

    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (list), 1),
                                                    "name"), ==, "x'); DROP TABLE tags;--");
    g_assert_cmpuint (json_array_get_length (json_node_get_array (t)), ==, 1);
  }
}

static void
test_loggable (void)
{
  g_autofree char *a = lightly_server_routes_loggable_target ("/v1/datasets", "token=secret&x=1");
  g_autofree char *b = lightly_server_routes_loggable_target ("/upload/embeddings/0123456789abcdef0123456789abcdef",
                                                              NULL);
  g_autofree char *c = lightly_server_routes_loggable_target ("/v1/jobs/1", "waitMs=5&token");

  g_assert_cmpstr (a, ==, "/v1/datasets?token=***&x=1");
  g_assert_null (strstr (b, "0123456789abcdef0123456789abcdef"));
  g_assert_true (g_str_has_prefix (b, "/upload/embeddings/012345"));
  g_assert_cmpstr (c, ==, "/v1/jobs/1?waitMs=5&token=***");
}

/* A body the adapter spooled to a file: read from it, sized by it, and the
 * file goes away with the request. */
static LightlyHttpResponse *
call_spooled (Fixture    *f,
              const char *path,
              const char *body,
              gsize       len,
              char      **out_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new ("POST", path, "token=" TOKEN, NULL);
  LightlyHttpResponse *resp = lightly_http_response_new ();
  char *file = NULL;
  int fd = g_file_open_tmp ("lightly-routes-XXXXXX", &file, &error);

  g_assert_no_error (error);
  close (fd);
  if (body != NULL)
    {
      g_file_set_contents (file, body, (gssize) len, &error);
      g_assert_no_error (error);
    }
  else
    g_unlink (file);
  lightly_http_request_take_body_file (req, g_strdup (file), len);
  g_assert_cmpuint (lightly_http_request_get_body_size (req), ==, len);
  lightly_server_routes_handle (f->routes, req, resp, NULL);
  *out_file = file;
  return resp;
}

static void
test_spooled_body (Fixture       *f,
                   gconstpointer  data)
{
  /* A dataset without embeddings, so it takes new samples. */
  g_autofree char *ds = lightly_store_create_dataset (f->store, "spooled", NULL);
  g_autofree char *path = g_strdup_printf ("/v1/datasets/%s/samples/bulk", ds);
  g_autofree char *file1 = NULL;
  g_autofree char *file2 = NULL;
  g_autofree char *file3 = NULL;
  g_autofree char *big = g_malloc0 (70 * 1024);
  g_autoptr(LightlyHttpResponse) ok = NULL;
  g_autoptr(LightlyHttpResponse) large = NULL;
  g_autoptr(LightlyHttpResponse) gone = NULL;
  g_autoptr(JsonNode) added = NULL;

  ok = call_spooled (f, path, "[\"spooled.png\"]", 15, &file1);
  g_assert_cmpuint (ok->status, ==, 200);
  added = check_json (ok->body, NULL, FALSE);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (added), "nSamples"), ==, 1);
  g_assert_false (g_file_test (file1, G_FILE_TEST_EXISTS));

  /* The limit holds for the file's size too. */
  memset (big, ' ', 70 * 1024);
  large = call_spooled (f, path, big, 70 * 1024, &file2);
  g_assert_cmpuint (large->status, ==, 413);
  error_code_is (large, "BAD_REQUEST");
  g_assert_false (g_file_test (file2, G_FILE_TEST_EXISTS));

  /* A spool that cannot be read back is the server's fault, not the client's. */
  gone = call_spooled (f, path, NULL, 15, &file3);
  g_assert_cmpuint (gone->status, ==, 503);
  error_code_is (gone, "MALFORMED_RESPONSE");
}

/* A tag's bit mask must fit the dataset: one check in the local backend's
 * service, so the route and the embedded backend give the same error (400
 * BAD_REQUEST ↔ INVALID_INPUT) with the same message, and neither writes a
 * tag. */
static void
test_mask_beyond_dataset (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (f->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(LightlyHttpResponse) resp = NULL;
  g_autofree char *tags = g_strdup_printf ("/v1/datasets/%s/tags", f->ds);
  g_autofree char *tag_body = g_strdup_printf ("{\"name\":\"too-wide\",\"prevTagId\":\"%s\","
                                               "\"bitMaskData\":\"0x1000\",\"totSize\":12}", f->initial);
  g_autofree char *expected = g_strdup_printf ("Bit mask sets bit 12, but dataset %s has only 12 samples: "
                                               "bit i is sample i of the mapping", f->ds);
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  g_autofree char *id = NULL;
  JsonObject *o;

  g_assert_cmpint (N_SAMPLES, ==, 12);
  resp = call (f, "POST", tags, NULL, tag_body, 400);
  node = check_json (resp->body, &lightly_json_model_api_error_response, FALSE);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "BAD_REQUEST");
  g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, expected);

  /* Embedded, through the same seam method the route used. */
  id = lightly_backend_create_tag (backend, f->ds, "too-wide", "0x1000", f->initial, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_null (id);
  g_assert_cmpstr (error->message, ==, expected);

  after = snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

/* matrixPrecision (extension): the same picks as float32 from a copy the
 * in-memory store builds per job; an unknown name is a 400 that lists the
 * names and writes nothing. */
static void
test_matrix_precision (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *sampling = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", f->ds, f->emb);
  static const char *const precisions[] = { NULL, "FLOAT16", "bfloat16", "FLOAT32" };
  g_autofree char *first = NULL;
  g_autofree char *before = NULL, *after = NULL;

  /* Passes with guessed picks stream the float32 rows even with a copy:
   * without guesses, every update pass of a half run streams the copy. */
  lightly_selection_set_speculation (0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (precisions); i++)
    {
      g_autofree char *member = precisions[i] != NULL ? g_strdup_printf (",\"matrixPrecision\":\"%s\"", precisions[i])
                                                      : g_strdup ("");
      g_autofree char *body = g_strdup_printf ("{\"newTagName\":\"prec-%u\",\"method\":\"CORESET\",\"config\":"
                                               "{\"stoppingCondition\":{\"nSamples\":6,\"minDistance\":-1}}%s}",
                                               i, member);
      g_autoptr(JsonNode) job = call_json (f, "POST", sampling, NULL, body, &lightly_json_model_async_task_data, FALSE);
      g_autofree char *job_id = id_of (job, "jobId");
      g_autofree char *tag_id = wait_job (f, job_id);
      g_autofree char *path = NULL;
      g_autoptr(JsonNode) tag = NULL;
      const char *mask;

      g_assert_nonnull (tag_id);
      path = g_strdup_printf ("/v1/datasets/%s/tags/%s", f->ds, tag_id);
      tag = call_json (f, "GET", path, NULL, NULL, &lightly_json_model_tag_data, FALSE);
      mask = json_object_get_string_member (json_node_get_object (tag), "bitMaskData");
      if (first == NULL)
        first = g_strdup (mask);
      g_assert_cmpstr (mask, ==, first);
      {
        LightlySelectionStats stats;

        /* The half runs streamed the copy; the float32 ones did not. */
        lightly_selection_get_stats (&stats);
        if (i == 1 || i == 2)
          g_assert_cmpuint (stats.half, >, 0);
        else
          g_assert_cmpuint (stats.half, ==, 0);
      }
    }
  lightly_selection_set_speculation (-1, 0);

  before = snapshot (f);
  {
    g_autoptr(LightlyHttpResponse) resp = call (f, "POST", sampling, NULL,
                                                "{\"newTagName\":\"prec-bad\",\"method\":\"CORESET\",\"config\":"
                                                "{\"stoppingCondition\":{\"nSamples\":6}},\"matrixPrecision\":\"half\"}",
                                                400);
    g_autoptr(JsonNode) node = check_json (resp->body, &lightly_json_model_api_error_response, FALSE);
    JsonObject *o = json_node_get_object (node);

    g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "BAD_REQUEST");
    g_assert_cmpstr (json_object_get_string_member (o, "message"), ==,
                     "matrixPrecision: Unknown matrix precision “half”: use FLOAT32, FLOAT16 or BFLOAT16");
  }
  after = snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/routes/flow", Fixture, NULL, fixture_setup, test_flow, fixture_teardown);
  g_test_add ("/routes/unauthorized", Fixture, NULL, fixture_setup, test_unauthorized, fixture_teardown);
  g_test_add ("/routes/delete-tag", Fixture, NULL, fixture_setup, test_delete_tag, fixture_teardown);
  g_test_add ("/routes/hostile", Fixture, NULL, fixture_setup, test_hostile, fixture_teardown);
  g_test_add_func ("/routes/loggable", test_loggable);
  g_test_add ("/routes/mask-beyond-dataset", Fixture, NULL, fixture_setup, test_mask_beyond_dataset, fixture_teardown);
  g_test_add ("/routes/spooled-body", Fixture, NULL, fixture_setup, test_spooled_body, fixture_teardown);
  g_test_add ("/routes/matrix-precision", Fixture, NULL, fixture_setup, test_matrix_precision, fixture_teardown);
  return g_test_run ();
}
