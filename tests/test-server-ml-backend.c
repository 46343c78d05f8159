/* test-server-ml-backend.c: `lightly-al serve --ml-backend` plays a Label
 * Studio conversation
 *
 * The requests below are written by hand from Label Studio's documented
 * ML-backend protocol: the connection check (GET /health), /setup with the
 * labeling config, /predict with a page of tasks, and webhook events as
 * annotators submit. The dataset and the picks come from the CLI.
 */
#include "test-cli-util.h"

#include "backend/lightly-local-backend.h"
#include "server/lightly-server-proxy.h"
#include "server/lightly-server-routes.h"
#include "store/lightly-store.h"

#define LABEL_CONFIG \
  "<View><Image name=\\\"image\\\" value=\\\"$image\\\"/><Choices name=\\\"choice\\\" toName=\\\"image\\\">" \
  "<Choice value=\\\"cat\\\"/><Choice value=\\\"dog\\\"/></Choices></View>"

typedef struct {
  LightlyStore *store;
  LightlyServerRoutes *routes;
  char *token;
  char *basic;
} Fixture;

/* Sends one request; returns the status, the body parsed into @parser. */
static guint
send (Fixture    *f,
      const char *method,
      const char *path,
      const char *body,
      gboolean    auth,
      JsonParser *parser)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body != NULL ? body : "", body != NULL ? strlen (body) : 0);
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new (method, path, NULL, bytes);
  g_autoptr(LightlyHttpResponse) resp = lightly_http_response_new ();
  g_autoptr(GError) error = NULL;

  lightly_http_request_set_header (req, "Content-Type", "application/json");
  if (auth)
    lightly_http_request_set_header (req, "Authorization", f->basic);
  lightly_server_proxy_prepare (NULL, req, NULL, FALSE);
  lightly_server_routes_handle (f->routes, req, resp, NULL);
  if (resp->status >= 400 && resp->body != NULL)
    g_test_message ("%s %s → %u %.*s", method, path, resp->status, (int) g_bytes_get_size (resp->body),
                    (const char *) g_bytes_get_data (resp->body, NULL));
  if (parser != NULL && resp->body != NULL && g_bytes_get_size (resp->body) > 0)
    {
      json_parser_load_from_data (parser, g_bytes_get_data (resp->body, NULL),
                                  (gssize) g_bytes_get_size (resp->body), &error);
      g_assert_no_error (error);
    }
  return resp->status;
}

static JsonObject *
root_object (JsonParser *parser)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static gint64
tag_count (Fixture    *f,
           const char *dataset_id,
           const char *name)
{
  g_autoptr(GPtrArray) tags = lightly_backend_get_tags (lightly_server_routes_get_backend (f->routes), dataset_id,
                                                         NULL, NULL);

  for (guint i = 0; tags != NULL && i < tags->len; i++)
    if (g_strcmp0 (lightly_tag_get_name (g_ptr_array_index (tags, i)), name) == 0)
      return lightly_tag_get_count (g_ptr_array_index (tags, i));
  return -1;
}

static char *
webhook (const char *action,
         const char *file)
{
  return g_strdup_printf (
    "{\"action\": \"%s\",\n"
    " \"project\": {\"id\": 1, \"title\": \"fmnist\", \"label_config\": \"" LABEL_CONFIG "\"},\n"
    " \"task\": {\"id\": 7, \"data\": {\"image\": \"/data/local-files/?d=%s\"}, \"meta\": {},\n"
    "          \"is_labeled\": true, \"project\": 1},\n"
    " \"annotation\": {\"id\": 70, \"result\": [{\"id\": \"r1\", \"from_name\": \"choice\", \"to_name\": \"image\",\n"
    "                 \"type\": \"choices\", \"value\": {\"choices\": [\"cat\"]}}],\n"
    "                \"was_cancelled\": false, \"ground_truth\": false, \"completed_by\": 1, \"task\": 7}}",
    action, file);
}

/* The dataset and a CORESET query's picks (`query --json`, into @parser
 * and @picks_path), made with the CLI. Returns the dataset id. */
static char *
make_dataset (const char *home,
              const char *location,
              const char *picks_path,
              JsonParser *parser)
{
  const char *csv = test_env_path ("LIGHTLY_TEST_FMNIST_CSV");
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  char *dataset_id;

  run_al (&run, home, "create-dataset", "-l", location, "fmnist", NULL);
  g_assert_cmpint (run.status, ==, 0);
  dataset_id = g_strstrip (g_strdup (run.out));
  run_clear (&run);
  run_al (&run, home, "register-samples", "-l", location, "-d", "fmnist", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "upload-embeddings", "-l", location, "-d", "fmnist", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "query", "-l", location, "-d", "fmnist", "-n", "10", "--method", "CORESET", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_set_contents (picks_path, run.out, -1, NULL));
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  return dataset_id;
}

static void
test_conversation (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-ml");
  g_autofree char *store_dir = g_build_filename (home, "store", NULL);
  g_autofree char *location = g_filename_to_uri (store_dir, NULL, NULL);
  g_autofree char *picks_path = g_build_filename (home, "picks.json", NULL);
  g_autofree char *dataset_id = NULL;
  g_autofree char *predict = NULL;
  g_autofree char *event = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *top = NULL;
  g_autofree char *second = NULL;
  Fixture f = { 0 };
  JsonArray *added, *results;
  char *plain;

  dataset_id = make_dataset (home, location, picks_path, parser);
  added = json_object_get_array_member (root_object (parser), "added");
  /* Copies: the parser is reused below. */
  top = g_strdup (json_object_get_string_member (json_array_get_object_element (added, 0), "file"));
  second = g_strdup (json_object_get_string_member (json_array_get_object_element (added, 1), "file"));
  predict = g_strdup_printf (
    "{\"tasks\": [\n"
    "   {\"id\": 1, \"data\": {\"image\": \"/data/local-files/?d=%s\"}, \"meta\": {}, \"annotations\": [],\n"
    "    \"predictions\": [], \"is_labeled\": false, \"project\": 1},\n"
    "   {\"id\": 2, \"data\": {\"image\": \"/data/local-files/?d=not-picked.png\"}, \"meta\": {}, \"project\": 1},\n"
    "   {\"id\": 3, \"data\": {\"image\": \"http://localhost:8080/data/local-files/?d=%s\"}, \"project\": 1}],\n"
    " \"project\": \"1.1764841200\",\n"
    " \"label_config\": \"" LABEL_CONFIG "\",\n"
    " \"params\": {\"login\": null, \"password\": null, \"context\": null}}", top, second);

  /* The server, in process, on the store the CLI made. */
  f.store = lightly_store_open (store_dir, &error);
  g_assert_no_error (error);
  f.token = g_strdup ("ml-token-123");
  plain = g_strconcat ("label-studio:", f.token, NULL);
  {
    g_autofree char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));
    g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (f.store);
    LightlyServerMlBackend *ml;

    f.basic = g_strconcat ("Basic ", encoded, NULL);
    f.routes = lightly_server_routes_new (backend, f.token);
    g_assert_null (lightly_server_ml_backend_new (backend, "nope", NULL, NULL, &error));
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
    g_clear_error (&error);
    ml = lightly_server_ml_backend_new (backend, "fmnist", picks_path, NULL, &error);
    g_assert_no_error (error);
    lightly_server_routes_set_ml_backend (f.routes, ml);
  }
  g_free (plain);

  /* Label Studio's "Validate and save": /health, public. */
  g_assert_cmpuint (send (&f, "GET", "/health", NULL, FALSE, parser), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (root_object (parser), "status"), ==, "UP");

  /* /setup: with the basic auth password, not without. */
  g_assert_cmpuint (send (&f, "POST", "/setup",
                          "{\"project\": \"1.1764841200\", \"schema\": \"" LABEL_CONFIG "\","
                          " \"hostname\": \"http://localhost:8080\", \"access_token\": \"ls-key\","
                          " \"model_version\": null}", FALSE, parser), ==, 401);
  g_assert_cmpuint (send (&f, "POST", "/setup",
                          "{\"project\": \"1.1764841200\", \"schema\": \"" LABEL_CONFIG "\","
                          " \"hostname\": \"http://localhost:8080\", \"access_token\": \"ls-key\","
                          " \"model_version\": null}", TRUE, parser), ==, 200);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (root_object (parser), "model_version"),
                                   "lightly-glib"));

  /* /predict: one result per task, in order; score = priority. */
  g_assert_cmpuint (send (&f, "POST", "/predict", predict, TRUE, parser), ==, 200);
  results = json_object_get_array_member (root_object (parser), "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 3);
  {
    double s1 = json_object_get_double_member (json_array_get_object_element (results, 0), "score");
    double s2 = json_object_get_double_member (json_array_get_object_element (results, 1), "score");
    double s3 = json_object_get_double_member (json_array_get_object_element (results, 2), "score");

    g_assert_cmpfloat (s1, ==, 1.0);
    g_assert_cmpfloat (s3, <, s1);
    g_assert_cmpfloat (s3, >, s2);
    g_assert_cmpfloat (s2, ==, 0.0);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_array_get_object_element (results, 0),
                                                                  "result")));
  }
  g_assert_cmpuint (send (&f, "GET", "/predict", NULL, TRUE, parser), ==, 405);
  g_assert_cmpuint (send (&f, "POST", "/predict", "{\"tasks\": 3}", TRUE, parser), ==, 400);
  g_assert_cmpuint (send (&f, "POST", "/predict", "not json", TRUE, parser), ==, 400);

  /* Webhooks: each submitted annotation joins the labeled tag. */
  event = webhook ("ANNOTATION_CREATED", top);
  g_assert_cmpuint (send (&f, "POST", "/webhook", event, TRUE, parser), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (root_object (parser), "status"), ==, "ok");
  g_assert_cmpint (tag_count (&f, dataset_id, "label-studio"), ==, 1);
  g_free (event);
  event = webhook ("ANNOTATION_UPDATED", second);
  g_assert_cmpuint (send (&f, "POST", "/webhook", event, TRUE, parser), ==, 200);
  g_assert_cmpint (tag_count (&f, dataset_id, "label-studio"), ==, 2);
  /* The same file again changes nothing. */
  g_assert_cmpuint (send (&f, "POST", "/webhook", event, TRUE, parser), ==, 200);
  g_assert_cmpint (tag_count (&f, dataset_id, "label-studio"), ==, 2);
  g_free (event);
  event = webhook ("PROJECT_UPDATED", top);
  g_assert_cmpuint (send (&f, "POST", "/webhook", event, TRUE, parser), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (root_object (parser), "status"), ==, "ignored");
  g_free (event);
  event = webhook ("ANNOTATION_CREATED", "zebra.jpg");
  g_assert_cmpuint (send (&f, "POST", "/webhook", event, TRUE, parser), ==, 404);
  g_assert_cmpint (tag_count (&f, dataset_id, "label-studio"), ==, 2);

  g_clear_object (&f.routes);
  g_clear_object (&f.store);
  g_free (f.token);
  g_free (f.basic);
  test_rm_rf (home);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/ml-backend/conversation", test_conversation);

  return g_test_run ();
}
