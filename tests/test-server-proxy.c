/* test-server-proxy.c: `lightly-al serve` behind a proxy and over https
 *
 * The unit part feeds requests to lightly_server_proxy_prepare() (the base
 * of the signed URLs, Authorization: Bearer). The end-to-end part serves
 * https with a self-signed certificate made here with the openssl tool, and
 * runs the CLI against it with --ca-file; if nginx is installed it also puts
 * an https nginx in front, under a sub-path, with X-Forwarded-* headers.
 */
#include "test-cli-util.h"

#include <libsoup/soup.h>
#include <signal.h>

#include "server/lightly-server-proxy.h"

/* ---- unit: the base URL and the token ---------------------------------------- */

static char *
prepared_base (LightlyServerProxy *proxy,
               const char         *peer,
               gboolean            https,
               const char * const *headers)
{
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new ("GET", "/v1/datasets", NULL, NULL);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (peer);
  g_autoptr(GSocketAddress) sockaddr = g_inet_socket_address_new (address, 40000);

  for (guint i = 0; headers[i] != NULL; i += 2)
    lightly_http_request_set_header (req, headers[i], headers[i + 1]);
  lightly_server_proxy_prepare (proxy, req, sockaddr, https);
  return g_strdup (lightly_http_request_get_header (req, LIGHTLY_SERVER_BASE_URL_HEADER));
}

static void
test_base_url (void)
{
  const char *forwarded[] = { "Host", "127.0.0.1:8080", "X-Forwarded-Proto", "https",
                              "X-Forwarded-Host", "labels.example.com", "X-Forwarded-Prefix", "/lightly/", NULL };
  const char *bad_prefix[] = { "Host", "127.0.0.1:8080", "X-Forwarded-Proto", "gopher",
                               "X-Forwarded-Host", "evil/host", "X-Forwarded-Prefix", "lightly", NULL };
  const char *host_only[] = { "Host", "10.0.0.5:8080", NULL };
  const char *trusted[] = { "127.0.0.1", "::1", NULL };
  g_autoptr(LightlyServerProxy) behind = lightly_server_proxy_new (NULL, trusted, NULL);
  g_autoptr(LightlyServerProxy) fixed = lightly_server_proxy_new ("https://pub.example/sub/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  char *base;

  g_assert_nonnull (behind);
  g_assert_nonnull (fixed);

  /* No proxy: the Host header, and the connection's scheme. */
  base = prepared_base (NULL, "10.0.0.9", FALSE, host_only);
  g_assert_cmpstr (base, ==, "http://10.0.0.5:8080");
  g_free (base);
  base = prepared_base (NULL, "10.0.0.9", TRUE, host_only);
  g_assert_cmpstr (base, ==, "https://10.0.0.5:8080");
  g_free (base);

  /* A trusted proxy's forwarded headers count… */
  base = prepared_base (behind, "127.0.0.1", FALSE, forwarded);
  g_assert_cmpstr (base, ==, "https://labels.example.com/lightly");
  g_free (base);
  /* …anyone else's don't. */
  base = prepared_base (behind, "10.0.0.9", FALSE, forwarded);
  g_assert_cmpstr (base, ==, "http://127.0.0.1:8080");
  g_free (base);
  base = prepared_base (NULL, "127.0.0.1", FALSE, forwarded);
  g_assert_cmpstr (base, ==, "http://127.0.0.1:8080");
  g_free (base);
  /* Malformed forwarded values are ignored, not pasted into URLs. */
  base = prepared_base (behind, "127.0.0.1", FALSE, bad_prefix);
  g_assert_cmpstr (base, ==, "http://127.0.0.1:8080");
  g_free (base);

  /* --public-url wins over everything. */
  base = prepared_base (fixed, "127.0.0.1", FALSE, forwarded);
  g_assert_cmpstr (base, ==, "https://pub.example/sub");
  g_free (base);

  g_assert_null (lightly_server_proxy_new ("ftp://x/", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "--public-url"));
  g_clear_error (&error);
  g_assert_null (lightly_server_proxy_new ("https://x/?token=1", NULL, &error));
  g_clear_error (&error);
  g_assert_null (lightly_server_proxy_new (NULL, (const char *[]) { "proxy.example", NULL }, &error));
  g_assert_nonnull (strstr (error->message, "--trusted-proxy"));
}

static void
test_bearer (void)
{
  g_autoptr(LightlyHttpRequest) req = lightly_http_request_new ("GET", "/v1/datasets", NULL, NULL);
  g_autoptr(LightlyHttpRequest) both = lightly_http_request_new ("GET", "/v1/datasets", "token=query", NULL);
  g_autoptr(LightlyHttpRequest) basic = lightly_http_request_new ("GET", "/v1/datasets", NULL, NULL);
  g_autoptr(LightlyHttpResponse) resp = lightly_http_response_new ();

  lightly_http_request_set_header (req, "Authorization", "bearer  abc123");
  lightly_server_proxy_prepare (NULL, req, NULL, FALSE);
  g_assert_cmpstr (g_hash_table_lookup (req->query, "token"), ==, "abc123");

  lightly_http_request_set_header (both, "Authorization", "Bearer header");
  lightly_server_proxy_prepare (NULL, both, NULL, FALSE);
  g_assert_cmpstr (g_hash_table_lookup (both->query, "token"), ==, "query");

  lightly_http_request_set_header (basic, "Authorization", "Basic dXNlcjpwYXNz");
  lightly_server_proxy_prepare (NULL, basic, NULL, FALSE);
  g_assert_cmpstr (g_hash_table_lookup (basic->query, "token"), ==, "pass");   /* user:pass */

  lightly_server_route_health (req, resp);
  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (resp->body, NULL), g_bytes_get_size (resp->body), "{\"status\":\"UP\"}", 15);
}

/* ---- end to end: https, and nginx in front ----------------------------------- */

typedef struct {
  GSubprocess *proc;
  char *url;
} Server;

static void
server_stop (Server *s)
{
  if (s->proc != NULL)
    {
      g_subprocess_send_signal (s->proc, SIGTERM);
      g_subprocess_wait (s->proc, NULL, NULL);
      g_clear_object (&s->proc);
    }
  g_clear_pointer (&s->url, g_free);
}

/* Starts `lightly-al serve ARGS…` and reads its URL (stdout's first line). */
static void
server_start (Server             *s,
              const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;

  g_ptr_array_add (argv, (gpointer) test_env_path ("LIGHTLY_TEST_LIGHTLY_AL"));
  g_ptr_array_add (argv, "serve");
  g_ptr_array_add (argv, "--quiet");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  s->proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  s->url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s->url);
}

static gboolean
make_certificate (const char *dir,
                  char      **cert,
                  char      **key)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;

  if (openssl == NULL)
    return FALSE;
  *cert = g_build_filename (dir, "cert.pem", NULL);
  *key = g_build_filename (dir, "key.pem", NULL);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-keyout", *key, "-out", *cert, "-subj", "/CN=localhost",
                           "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* GET @url with @cert as the only trust anchor; returns the status. */
static guint
https_get (const char *url,
           const char *cert,
           const char *bearer,
           char      **body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  database = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
  if (bearer != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", bearer, NULL);

      soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", value);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (msg);
}

/* The whole CLI flow against @location: create, register, upload (through
 * the signed URL), query. */
static void
run_flow (const char *home,
          const char *location,
          const char *cert,
          const char *token_file,
          const char *dataset)
{
  const char *csv = test_env_path ("LIGHTLY_TEST_FMNIST_CSV");
  g_auto(Run) run = { 0 };

  run_al (&run, home, "create-dataset", "-l", location, "--ca-file", cert, "--token-file", token_file, dataset,
          NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "register-samples", "-l", location, "--ca-file", cert, "--token-file", token_file,
          "-d", dataset, csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "upload-embeddings", "-l", location, "--ca-file", cert, "--token-file", token_file,
          "-d", dataset, csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_al (&run, home, "query", "-l", location, "--ca-file", cert, "--token-file", token_file,
          "-d", dataset, "-n", "6", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 6);
}

static void
test_https (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-proxy");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *token_file = g_build_filename (store, "token", NULL);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *health_url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *datasets_url = NULL;
  Server server = { 0 };
  g_auto(Run) run = { 0 };

  if (!make_certificate (home, &cert, &key))
    {
      g_test_skip ("no openssl to make a certificate");
      test_rm_rf (home);
      return;
    }
  server_start (&server, (const char *[]) { "-s", store, "-p", "0", "--tls-cert", cert, "--tls-key", key, NULL });
  g_assert_true (g_str_has_prefix (server.url, "https://127.0.0.1:"));

  /* /health is public. */
  health_url = g_strconcat (server.url, "/health", NULL);
  g_assert_cmpuint (https_get (health_url, cert, NULL, &body), ==, 200);
  g_assert_cmpstr (body, ==, "{\"status\":\"UP\"}");
  g_clear_pointer (&body, g_free);

  /* The token as a Bearer header, or nothing: 401. */
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_strstrip (token);
  datasets_url = g_strconcat (server.url, "/v1/datasets", NULL);
  g_assert_cmpuint (https_get (datasets_url, cert, token, NULL), ==, 200);
  g_assert_cmpuint (https_get (datasets_url, cert, NULL, NULL), ==, 401);

  /* The CLI over https trusts the certificate with --ca-file… */
  run_flow (home, server.url, cert, token_file, "tls");
  /* …and not without it. */
  run_al (&run, home, "datasets", "-l", server.url, "--token-file", token_file, NULL);
  assert_one_line_failure (&run);
  run_clear (&run);

  server_stop (&server);
  test_rm_rf (home);
}

static void
test_public_url (void)
{
  g_autofree char *home = test_make_tmp_dir ("lightly-proxy");
  g_autofree char *store = g_build_filename (home, "store", NULL);
  g_autofree char *token_file = g_build_filename (store, "token", NULL);
  g_autofree char *token = NULL;
  g_autofree char *id = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Server server = { 0 };
  g_auto(Run) run = { 0 };

  server_start (&server, (const char *[]) { "-s", store, "-p", "0", "--public-url", "https://pub.example/sub/",
                                            NULL });
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_strstrip (token);
  run_al (&run, home, "create-dataset", "-l", server.url, "--token-file", token_file, "pub", NULL);
  g_assert_cmpint (run.status, ==, 0);
  id = g_strstrip (g_strdup (run.out));

  url = g_strdup_printf ("%s/v1/datasets/%s/embeddings/writeCSVUrl?name=e", server.url, id);
  msg = soup_message_new ("GET", url);
  {
    g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

    soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", value);
  }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                  "\"https://pub.example/sub/upload/embeddings/"));
  server_stop (&server);
  test_rm_rf (home);
}

/* One call with @session; returns the body, sets @status. */
static char *
call (SoupSession *session,
      const char  *method,
      const char  *url,
      GBytes      *body,
      guint       *status)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The 2021 Lightly client's way through the proxy: the token as ?token=,
 * and an embeddings upload to the signed URL the server hands out, which
 * must lead back through the proxy's https and sub-path. */
static void
flow_2021 (const char *location,
           const char *cert,
           const char *token_file)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (cert, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) csv = NULL;
  static const char create_body[] = "{\"name\": \"client-2021\"}";
  g_autoptr(GBytes) create = g_bytes_new_static (create_body, sizeof create_body - 1);
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *signed_url = NULL;
  g_autofree char *expected_prefix = g_strconcat (location, "upload/embeddings/", NULL);
  char *csv_text = NULL;
  gsize csv_length = 0;
  guint status = 0;

  soup_session_set_tls_database (session, database);
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_strstrip (token);

  url = g_strdup_printf ("%sv1/datasets/?token=%s", location, token);
  text = call (session, "POST", url, create, &status);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "id"));
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&text, g_free);

  /* The upload goes to the dataset whose samples the CLI registered. */
  url = g_strdup_printf ("%sv1/datasets?token=%s", location, token);
  text = call (session, "GET", url, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  {
    JsonArray *datasets = json_node_get_array (json_parser_get_root (parser));

    for (guint i = 0; i < json_array_get_length (datasets); i++)
      {
        JsonObject *d = json_array_get_object_element (datasets, i);

        if (g_strcmp0 (json_object_get_string_member (d, "name"), "proxied") == 0)
          id = g_strdup (json_object_get_string_member (d, "id"));
      }
  }
  g_assert_nonnull (id);
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&text, g_free);

  url = g_strdup_printf ("%sv1/datasets/%s/embeddings/writeCSVUrl?name=e2021&token=%s", location, id, token);
  text = call (session, "GET", url, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  signed_url = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                        "signedWriteUrl"));
  g_test_message ("signed URL behind the proxy: %s", signed_url);
  g_assert_true (g_str_has_prefix (signed_url, expected_prefix));
  g_clear_pointer (&text, g_free);

  g_assert_true (g_file_get_contents (test_env_path ("LIGHTLY_TEST_FMNIST_CSV"), &csv_text, &csv_length, NULL));
  csv = g_bytes_new_take (csv_text, csv_length);
  text = call (session, "PUT", signed_url, csv, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&url, g_free);

  url = g_strdup_printf ("%sv1/datasets/%s/embeddings?token=%s", location, id, token);
  text = call (session, "GET", url, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (text, "\"e2021\""));
}

static void
test_nginx (void)
{
  g_autofree char *nginx = g_find_program_in_path ("nginx");
  g_autofree char *home = NULL;
  g_autofree char *store = NULL;
  g_autofree char *token_file = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GSubprocess) proxy = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;
  Server server = { 0 };

  if (nginx == NULL && g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE))
    nginx = g_strdup ("/usr/sbin/nginx");
  if (nginx == NULL)
    {
      g_test_skip ("nginx is not installed");
      return;
    }
  home = test_make_tmp_dir ("lightly-nginx");
  store = g_build_filename (home, "store", NULL);
  token_file = g_build_filename (store, "token", NULL);
  if (!make_certificate (home, &cert, &key))
    {
      g_test_skip ("no openssl to make a certificate");
      test_rm_rf (home);
      return;
    }
  server_start (&server, (const char *[]) { "-s", store, "-p", "0", "--trusted-proxy", "127.0.0.1", NULL });

  /* A free port for nginx: bind, read, close (a small race, on loopback). */
  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_bind (probe, any, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (probe, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (probe, NULL);

  conf = g_strdup_printf (
    "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
    "events { worker_connections 64; }\n"
    "http {\n"
    "  access_log off;\n  client_body_temp_path %s;\n  proxy_temp_path %s;\n"
    "  fastcgi_temp_path %s;\n  uwsgi_temp_path %s;\n  scgi_temp_path %s;\n"
    "  client_max_body_size 0;\n"
    "  server {\n"
    "    listen 127.0.0.1:%u ssl;\n"
    "    ssl_certificate %s;\n    ssl_certificate_key %s;\n"
    "    location /sub/ {\n"
    "      proxy_pass %s/;\n"
    "      proxy_set_header Host $http_host;\n"
    "      proxy_set_header X-Forwarded-Proto https;\n"
    "      proxy_set_header X-Forwarded-Host $http_host;\n"
    "      proxy_set_header X-Forwarded-Prefix /sub;\n"
    "      proxy_request_buffering off;\n"
    "    }\n"
    "  }\n"
    "}\n", home, home, home, home, home, home, home, port, cert, key, server.url);
  conf_path = g_build_filename (home, "nginx.conf", NULL);
  g_assert_true (g_file_set_contents (conf_path, conf, -1, NULL));
  proxy = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, nginx, "-p", home, "-c", conf_path, NULL);
  g_assert_no_error (error);

  location = g_strdup_printf ("https://127.0.0.1:%u/sub/", port);
  {
    g_autofree char *health = g_strconcat (location, "health", NULL);
    guint status = 0;

    for (guint i = 0; i < 50 && status != 200; i++)
      {
        g_autoptr(SoupSession) session = soup_session_new ();
        g_autoptr(GTlsDatabase) database = g_tls_file_database_new (cert, NULL);
        g_autoptr(SoupMessage) msg = soup_message_new ("GET", health);
        g_autoptr(GBytes) bytes = NULL;

        soup_session_set_tls_database (session, database);
        bytes = soup_session_send_and_read (session, msg, NULL, NULL);
        status = soup_message_get_status (msg);
        if (status != 200)
          g_usleep (100 * 1000);
      }
    g_assert_cmpuint (status, ==, 200);
  }
  run_flow (home, location, cert, token_file, "proxied");
  flow_2021 (location, cert, token_file);

  g_subprocess_send_signal (proxy, SIGTERM);
  g_subprocess_wait (proxy, NULL, NULL);
  server_stop (&server);
  test_rm_rf (home);
}

/* The same for this test's own https requests: ASan reads this hook at
 * start (it is unused without ASan). */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Under ASan, LeakSanitizer's exit-time scan crashes in a CLI that made
   * an https request with GIO_USE_PROXY_RESOLVER=dummy (the test
   * environment): its tracer gets SIGSEGV, with no report. Leaks of the CLI
   * are checked by test-cli over file:// stores; not here. ASAN_OPTIONS is
   * read at start, so this reaches the children only. */
  {
    const char *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree char *options = g_strconcat (asan != NULL && *asan != '\0' ? asan : "",
                                            asan != NULL && *asan != '\0' ? ":" : "", "detect_leaks=0", NULL);

    g_setenv ("ASAN_OPTIONS", options, TRUE);
  }

  g_test_add_func ("/server/proxy/base-url", test_base_url);
  g_test_add_func ("/server/proxy/bearer-health", test_bearer);
  g_test_add_func ("/server/proxy/https", test_https);
  g_test_add_func ("/server/proxy/public-url", test_public_url);
  g_test_add_func ("/server/proxy/nginx", test_nginx);

  return g_test_run ();
}
