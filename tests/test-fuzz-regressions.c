/* test-fuzz-regressions.c: what the fuzzers of fuzz/ found, one test each
 *
 * Each test feeds the input that failed through the same entry point the
 * harness used (fuzz/regressions/ holds the raw inputs, which the `fuzz`
 * suite replays through the harnesses themselves).
 */
#include <lightly/lightly.h>

#include "backend/lightly-json-models.h"
#include "backend/lightly-local-backend.h"
#include "server/lightly-server-routes.h"

/* fuzz-server-routes: a method that is not UTF-8 was quoted into the
 * 404's message, so the error body was not valid JSON text. */
static void
test_routes_error_body_is_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);
  g_autoptr(LightlyBackend) backend = NULL;
  g_autoptr(LightlyServerRoutes) routes = NULL;
  const char *methods[] = { "POST\x99\x99\x99", "G\xc3\x28T", "\xff" };

  g_assert_no_error (error);
  backend = lightly_local_backend_new_for_store (store);
  routes = lightly_server_routes_new (backend, "regression-token-0123456789abcdef");
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(LightlyHttpRequest) req = lightly_http_request_new (methods[i], "/v1//upload//x+tags/arithmetics",
                                                                    "token=regression-token-0123456789abcdef", NULL);
      g_autoptr(LightlyHttpResponse) resp = lightly_http_response_new ();
      g_autoptr(JsonNode) node = NULL;
      gsize len;
      const char *body;

      lightly_server_routes_handle (routes, req, resp, NULL);
      g_assert_cmpuint (resp->status, ==, 404);
      body = g_bytes_get_data (resp->body, &len);
      g_assert_true (g_utf8_validate_len (body, len, NULL));
      node = lightly_json_parse (body, len, "error", LIGHTLY_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
      lightly_json_model_check (&lightly_json_model_api_error_response, node, "error",
                                LIGHTLY_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fuzz-regressions/routes/error-body-is-utf8", test_routes_error_body_is_utf8);
  return g_test_run ();
}
