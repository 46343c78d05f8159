/* server-test-util.h: helpers shared by the REST tests (test-json,
 * test-server-routes, test-server). Static functions, each test file
 * includes this once; temporary folders come from test-utils.h. */
#pragma once

#include <lightly/lightly.h>

#include <string.h>
#include <glib/gstdio.h>

#include "backend/lightly-json-models.h"
#include "backend/lightly-local-backend.h"
#include "server/lightly-server.h"
#include "test-utils.h"

/* A deterministic embeddings CSV: n rows of dim Gaussian-ish values, file
 * names img0000.png…, Python csv style (\r\n). */
G_GNUC_UNUSED static char *
test_make_csv (guint   n,
               guint   dim,
               guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GString *csv = g_string_new ("filenames");

  for (guint d = 0; d < dim; d++)
    g_string_append_printf (csv, ",embedding_%u", d);
  g_string_append (csv, ",labels\r\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (csv, "img%04u.png", i);
      for (guint d = 0; d < dim; d++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          /* Clustered, so selections have structure to find. */
          double v = g_rand_double_range (rand, -1, 1) + (double) ((i * 7 + d) % 5);

          g_string_append_c (csv, ',');
          g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.6f", v));
        }
      g_string_append_printf (csv, ",%u\r\n", i % 3);
    }
  return g_string_free (csv, FALSE);
}

G_GNUC_UNUSED static GInputStream *
test_stream_for (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), (gssize) strlen (text), g_free);
}

/* ---- an in-process server on port 0, in its own thread ----------------------- */

typedef struct {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  LightlyStore *store;
  LightlyServerRoutes *routes;
  LightlyServer *server;
  char *url;
  guint port;
  char *token;
  GMutex lock;
  GCond cond;
  gboolean ready;
} TestServer;

static gpointer
test_server_thread (gpointer data)
{
  TestServer *ts = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (ts->context);
  ts->server = lightly_server_new (ts->routes);
  lightly_server_set_log_func (ts->server, NULL, NULL);
  lightly_server_listen (ts->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  ts->url = lightly_server_dup_base_url (ts->server);
  ts->port = lightly_server_get_port (ts->server);

  g_mutex_lock (&ts->lock);
  ts->ready = TRUE;
  g_cond_signal (&ts->cond);
  g_mutex_unlock (&ts->lock);

  g_main_loop_run (ts->loop);
  lightly_server_shutdown (ts->server);
  {
    LightlyServer *weak = ts->server;

    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_clear_object (&ts->server);
    /* Nothing may keep the server (and its sockets) alive. */
    g_assert_null (weak);
  }
  g_main_context_pop_thread_default (ts->context);
  return NULL;
}

/* dir NULL: an in-memory store. */
G_GNUC_UNUSED static TestServer *
test_server_start (const char *dir)
{
  TestServer *ts = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;

  ts->store = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  ts->token = g_strdup ("0123456789abcdef0123456789abcdef");
  {
    g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (ts->store);

    ts->routes = lightly_server_routes_new (backend, ts->token);
  }
  ts->context = g_main_context_new ();
  ts->loop = g_main_loop_new (ts->context, FALSE);
  g_mutex_init (&ts->lock);
  g_cond_init (&ts->cond);
  ts->thread = g_thread_new ("test-server", test_server_thread, ts);
  g_mutex_lock (&ts->lock);
  while (!ts->ready)
    g_cond_wait (&ts->cond, &ts->lock);
  g_mutex_unlock (&ts->lock);
  return ts;
}

static gboolean
test_server_quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

G_GNUC_UNUSED static void
test_server_stop (TestServer *ts)
{
  g_main_context_invoke (ts->context, test_server_quit_cb, ts->loop);
  g_thread_join (ts->thread);
  g_clear_object (&ts->routes);
  g_clear_object (&ts->store);
  g_main_loop_unref (ts->loop);
  g_main_context_unref (ts->context);
  g_mutex_clear (&ts->lock);
  g_cond_clear (&ts->cond);
  g_free (ts->url);
  g_free (ts->token);
  g_free (ts);
}

/* ---- raw HTTP/1.1 over a socket ------------------------------------------- */

typedef struct {
  guint status;
  GHashTable *headers;   /* lowercase name → value */
  GBytes *body;
} RawResponse;

G_GNUC_UNUSED static void
raw_response_free (RawResponse *r)
{
  g_hash_table_unref (r->headers);
  g_bytes_unref (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawResponse, raw_response_free)

/* Sends exactly the given request line, headers and body (plus Host,
 * Content-Length and Connection: close), reads the whole answer. */
G_GNUC_UNUSED static RawResponse *
raw_request (guint               port,
             const char         *method,
             const char         *target,
             const char * const *headers,
             const char         *body,
             gsize               body_len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GString *req = g_string_new (NULL);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) all = NULL;
  RawResponse *r;
  const char *data, *end_of_head;
  gsize len;
  g_auto(GStrv) lines = NULL;
  g_autofree char *head = NULL;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL, &error);
  g_assert_no_error (error);
  g_string_append_printf (req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n", method, target, port);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_string_append_printf (req, "%s\r\n", headers[i]);
  /* A caller sending Transfer-Encoding: chunked encodes the body itself. */
  if (body != NULL && (headers == NULL || !g_str_has_prefix (headers[0], "Transfer-Encoding")))
    g_string_append_printf (req, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  g_string_append (req, "Connection: close\r\n\r\n");
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req->str, req->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  if (body != NULL)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), body, body_len,
                                 NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_string_free (req, TRUE);
  g_output_stream_splice (mem, g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  all = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
  data = g_bytes_get_data (all, &len);
  end_of_head = g_strstr_len (data, (gssize) len, "\r\n\r\n");
  g_assert_nonnull (end_of_head);

  r = g_new0 (RawResponse, 1);
  r->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  head = g_strndup (data, end_of_head - data);
  lines = g_strsplit (head, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "HTTP/1.1 "));
  r->status = (guint) g_ascii_strtoull (lines[0] + 9, NULL, 10);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      g_assert_nonnull (colon);
      *colon = '\0';
      g_hash_table_replace (r->headers, g_ascii_strdown (lines[i], -1), g_strdup (g_strstrip (colon + 1)));
    }
  r->body = g_bytes_new (end_of_head + 4, len - (gsize) (end_of_head + 4 - data));
  return r;
}

/* Parses a response body and checks it against a model of the shared table. */
G_GNUC_UNUSED static JsonNode *
check_json (GBytes                 *body,
            const LightlyJsonModel *model,
            gboolean                array)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *node = lightly_json_parse (data, len, "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);

  g_assert_no_error (error);
  if (model != NULL)
    {
      if (array)
        lightly_json_model_check_array (model, node, "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);
      else
        lightly_json_model_check (model, node, "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);
      g_assert_no_error (error);
    }
  return node;
}
