/* test-security.c: the holes of issue 12, each closed with a regression
 * test: JSON nesting and token limits, auth and route checks before any
 * body byte is spooled, the spool cap, token redaction, stale spool files,
 * the store's modes, loose fields, and the auth table over every route.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <lightly/lightly.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server-test-util.h"
#include "backend/lightly-json-array.h"

static const char * const json_headers[] = {
  "Accept: application/json",
  "Content-Type: application/json",
  NULL
};

static char *
deep_json (guint depth)
{
  GString *s = g_string_sized_new (2 * depth);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static guint
count_spool_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_spool_files (path);
      else if (g_str_has_prefix (name, "lightly-body-"))
        n++;
    }
  return n;
}

/* ---------------------------------------------------------------------------
 * 1. Nesting depth and token count, before json-glib sees the body
 * ------------------------------------------------------------------------- */

static void
test_json_depth_unit (void)
{
  g_autofree char *deep = deep_json (100000);
  g_autofree char *ok = deep_json (60);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) fine = NULL;
  GString *many = g_string_new ("[");

  node = lightly_json_parse (deep, strlen (deep), "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);
  g_assert_null (node);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "nested"));
  g_clear_error (&error);

  /* Brackets inside strings do not count. */
  fine = lightly_json_parse (ok, strlen (ok), "test", LIGHTLY_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fine);
  {
    g_autofree char *in_string = g_strdup_printf ("{\"a\":\"%s\"}", deep);
    g_autoptr(JsonNode) s = lightly_json_parse (in_string, strlen (in_string), "test",
                                                LIGHTLY_ERROR_BAD_RESPONSE, &error);

    g_assert_no_error (error);
    g_assert_nonnull (s);
  }

  /* Too many values for a tree. */
  for (guint i = 0; i < LIGHTLY_JSON_MAX_TOKENS + 1; i++)
    g_string_append (many, i > 0 ? ",0" : "0");
  g_string_append_c (many, ']');
  {
    g_autoptr(JsonNode) m = lightly_json_parse (many->str, many->len, "test", LIGHTLY_ERROR_INVALID_INPUT,
                                                &error);

    g_assert_null (m);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "values"));
    g_clear_error (&error);
  }
  g_string_free (many, TRUE);
}

static void
test_json_depth_server (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autofree char *deep = deep_json (100000);
  g_autofree char *target = g_strdup_printf ("/v1/datasets?token=%s", ts->token);
  g_autofree char *ds = lightly_store_create_dataset (ts->store, "deep", NULL);
  g_autofree char *bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk?token=%s", ds, ts->token);
  g_autoptr(RawResponse) r = NULL;
  g_autoptr(RawResponse) r2 = NULL;
  g_autoptr(RawResponse) alive = NULL;

  r = raw_request (ts->port, "POST", target, json_headers, deep, strlen (deep));
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (r->body, NULL), (gssize) g_bytes_get_size (r->body),
                                  "nested"));
  r2 = raw_request (ts->port, "POST", bulk, json_headers, deep, strlen (deep));
  g_assert_cmpuint (r2->status, ==, 400);
  /* Still up. */
  alive = raw_request (ts->port, "GET", target, json_headers, NULL, 0);
  g_assert_cmpuint (alive->status, ==, 200);
  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * 2. Auth and route before the body; the spool cap
 * ------------------------------------------------------------------------- */

/* Sends a request head announcing content_length bytes and `sent` bytes of
 * body, then reads the answer without sending the rest: a server that
 * waits for the rest times out (and the test fails). expect: add
 * Expect: 100-continue, as curl does for large bodies. */
static guint
head_request (guint       port,
              const char *method,
              const char *target,
              guint64     content_length,
              gsize       sent,
              gboolean    expect,
              GSocketConnection **keep)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
                                           "Content-Length: %" G_GUINT64_FORMAT "\r\n%s\r\n",
                                           method, target, port, content_length,
                                           expect ? "Expect: 100-continue\r\n" : "");
  g_autofree char *filler = g_malloc0 (sent + 1);
  char buf[4096];
  gssize n;
  guint status = 0;

  g_socket_client_set_timeout (client, 20);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), head, strlen (head),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  memset (filler, ' ', sent);
  if (sent > 0)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), filler, sent,
                                 NULL, NULL, &error);
      g_assert_no_error (error);
    }
  if (keep != NULL)
    {
      *keep = g_steal_pointer (&conn);
      return 0;
    }
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 12);
  buf[n] = '\0';
  g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 "));
  status = (guint) g_ascii_strtoull (buf + 9, NULL, 10);
  return status;
}

static void
test_early_refusal (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autofree char *spool = test_make_tmp_dir ("lightly-spool");
  g_autofree char *bad_cap = g_strnfill (32, '0');
  g_autofree char *put = g_strdup_printf ("/upload/embeddings/%s", bad_cap);
  g_autofree char *wrong = g_strdup_printf ("/v1/datasets?token=%s", "ffffffffffffffffffffffffffffffff");
  g_autofree char *no_route = g_strdup_printf ("/v1/nowhere/at/all?token=%s", ts->token);
  guint spooled;

  lightly_server_set_spool (ts->server, spool, 0);
  spooled = lightly_server_get_n_spooled (ts->server);

  /* 2 GiB announced with Expect: 100-continue: answered at once. */
  g_assert_cmpuint (head_request (ts->port, "PUT", put, G_GUINT64_CONSTANT (2) << 30, 0, TRUE, NULL), ==, 404);
  g_assert_cmpuint (head_request (ts->port, "POST", "/v1/datasets", 100u << 20, 0, TRUE, NULL), ==, 401);
  g_assert_cmpuint (head_request (ts->port, "POST", wrong, 100u << 20, 0, TRUE, NULL), ==, 401);
  g_assert_cmpuint (head_request (ts->port, "POST", no_route, 100u << 20, 0, TRUE, NULL), ==, 404);
  /* Without it, 32 MiB sent in full (every body is spooled: threshold 0):
   * read and dropped, never written. */
  g_assert_cmpuint (head_request (ts->port, "PUT", put, 32u << 20, 32u << 20, FALSE, NULL), ==, 404);
  g_assert_cmpuint (head_request (ts->port, "POST", "/v1/datasets", 32u << 20, 32u << 20, FALSE, NULL), ==, 401);
  g_assert_cmpuint (head_request (ts->port, "POST", no_route, 32u << 20, 32u << 20, FALSE, NULL), ==, 404);
  g_assert_cmpuint (lightly_server_get_n_spooled (ts->server), ==, spooled);
  g_assert_cmpuint (count_spool_files (spool), ==, 0);
  test_server_stop (ts);
  test_rm_rf (spool);
}

static void
test_spool_cap (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autofree char *spool = test_make_tmp_dir ("lightly-spool");
  g_autofree char *ds = lightly_store_create_dataset (ts->store, "cap", NULL);
  g_autofree char *bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk?token=%s", ds, ts->token);
  g_autoptr(GSocketConnection) holder = NULL;
  g_autoptr(RawResponse) after = NULL;
  gint64 deadline;
  guint status = 0;

  lightly_server_set_spool (ts->server, spool, 0);
  lightly_server_set_spool_cap (ts->server, 1000);
  /* Over the request limit alone: 413. */
  lightly_server_routes_set_max_body (ts->routes, 900, 900);
  g_assert_cmpuint (head_request (ts->port, "POST", bulk, 901, 0, TRUE, NULL), ==, 413);
  /* One body holds 800 of the 1000 bytes: the next one gets 507. */
  head_request (ts->port, "POST", bulk, 800, 10, FALSE, &holder);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (lightly_server_get_n_spooled (ts->server) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (head_request (ts->port, "POST", bulk, 800, 0, TRUE, NULL), ==, 507);
  /* Once it goes away, there is room again. */
  g_io_stream_close (G_IO_STREAM (holder), NULL, NULL);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&after, raw_response_free);
      after = raw_request (ts->port, "POST", bulk, json_headers, "[\"a.png\"]", 9);
      status = after->status;
      if (status != 507)
        break;
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_cmpuint (status, ==, 200);
  test_server_stop (ts);
  test_rm_rf (spool);
}

/* ---------------------------------------------------------------------------
 * 3. Large arrays: only the streaming routes take large bodies
 * ------------------------------------------------------------------------- */

static void
test_dom_routes_small (void)
{
  TestServer *ts = test_server_start (NULL);
  const char *id = "0123456789abcdef01234567";
  g_autofree char *scores = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", id, id);
  g_autofree char *bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk", id);
  g_autofree char *tag = g_strdup_printf ("/v1/datasets/%s/tags", id);

  /* The streaming routes take the JSON limit; a tree route far less. */
  g_assert_cmpuint (lightly_server_routes_get_max_body (ts->routes, "POST", scores), ==,
                    LIGHTLY_SERVER_DEFAULT_MAX_JSON_BODY);
  g_assert_cmpuint (lightly_server_routes_get_max_body (ts->routes, "POST", bulk), ==,
                    LIGHTLY_SERVER_DEFAULT_MAX_JSON_BODY);
  g_assert_cmpuint (lightly_server_routes_get_max_body (ts->routes, "POST", "/v1/datasets"), ==,
                    LIGHTLY_SERVER_DEFAULT_MAX_TREE_BODY);
  g_assert_cmpuint (lightly_server_routes_get_max_body (ts->routes, "POST", tag), ==,
                    LIGHTLY_SERVER_DEFAULT_MAX_TREE_BODY);
  g_assert_cmpuint (LIGHTLY_SERVER_DEFAULT_MAX_TREE_BODY, <=, 32u << 20);
  test_server_stop (ts);
}

/* ---------------------------------------------------------------------------
 * 4. The token never reaches a log line, whatever its case
 * ------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *lines;
  GMutex *lock;
} LogCapture;

static void
capture_log (const char *line,
             gpointer    user_data)
{
  LogCapture *cap = user_data;

  g_mutex_lock (cap->lock);
  g_ptr_array_add (cap->lines, g_strdup (line));
  g_mutex_unlock (cap->lock);
}

static void
test_log_redaction (void)
{
  g_autofree char *a = lightly_server_routes_loggable_target ("/v1/datasets", "Token=SECRET1&x=1");
  g_autofree char *b = lightly_server_routes_loggable_target ("/v1/datasets", "TOKEN=SECRET2");
  g_autofree char *c = lightly_server_routes_loggable_target ("/v1/datasets", "x=1&tOkEn=SECRET3&token=SECRET4");
  g_autofree char *d = lightly_server_routes_loggable_target ("/v1/datasets", "%74oken=SECRET5");
  TestServer *ts = test_server_start (NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GMutex lock;
  LogCapture data = { lines, &lock };
  const char *targets[] = { "/v1/datasets?Token=SECRETX", "/v1/datasets?TOKEN=SECRETX",
                            "/v1/datasets?token=SECRETX", "/v1/nope?ToKeN=SECRETX",
                            "/upload/embeddings/SECRETXSECRETXSECRETXSECRETXSECR" };

  g_assert_null (strstr (a, "SECRET"));
  g_assert_nonnull (strstr (a, "x=1"));
  g_assert_null (strstr (b, "SECRET"));
  g_assert_null (strstr (c, "SECRET"));
  g_assert_null (strstr (d, "SECRET"));

  g_mutex_init (&lock);
  lightly_server_set_log_func (ts->server, capture_log, &data);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(RawResponse) r = raw_request (ts->port, "GET", targets[i], json_headers, NULL, 0);

      g_assert_cmpuint (r->status, >=, 400);
    }
  /* The log line is written just after the answer. */
  for (gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC; g_get_monotonic_time () < deadline;)
    {
      guint n;

      g_mutex_lock (&lock);
      n = lines->len;
      g_mutex_unlock (&lock);
      if (n >= G_N_ELEMENTS (targets))
        break;
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  lightly_server_set_log_func (ts->server, NULL, NULL);
  g_assert_cmpuint (lines->len, >=, G_N_ELEMENTS (targets));
  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), "SECRETX") != NULL)
      g_error ("The log line “%s” holds the token", (char *) g_ptr_array_index (lines, i));
  test_server_stop (ts);
  g_mutex_clear (&lock);
}

/* ---------------------------------------------------------------------------
 * 5. Spool files of a dead server go away at start; a live one's stay
 * ------------------------------------------------------------------------- */

static void
test_stale_spool (void)
{
  g_autofree char *base = test_make_tmp_dir ("lightly-spool");
  g_autofree char *dead = g_build_filename (base, "lightly-spool-dead01", NULL);
  g_autofree char *live = g_build_filename (base, "lightly-spool-live01", NULL);
  g_autofree char *dead_body = g_build_filename (dead, "lightly-body-aaaaaa", NULL);
  g_autofree char *live_body = g_build_filename (live, "lightly-body-bbbbbb", NULL);
  g_autofree char *dead_lock = g_build_filename (dead, "lock", NULL);
  g_autofree char *live_lock = g_build_filename (live, "lock", NULL);
  g_autofree char *old_flat = g_build_filename (base, "lightly-body-cccccc", NULL);
  TestServer *ts;
  int fd;

  g_assert_cmpint (g_mkdir (dead, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (live, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dead_body, "x", 1, NULL));
  g_assert_true (g_file_set_contents (live_body, "x", 1, NULL));
  g_assert_true (g_file_set_contents (dead_lock, "", 0, NULL));
  g_assert_true (g_file_set_contents (old_flat, "x", 1, NULL));
  {
    /* A flat file of an older server, last written two days ago. */
    struct timespec times[2] = { { time (NULL) - 2 * 86400, 0 }, { time (NULL) - 2 * 86400, 0 } };

    g_assert_cmpint (utimensat (AT_FDCWD, old_flat, times, 0), ==, 0);
  }
  /* The live one: its lock is held (as a running server holds it). */
  fd = open (live_lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, 0);

  ts = test_server_start (NULL);
  lightly_server_set_spool (ts->server, base, 0);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_flat, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live_body, G_FILE_TEST_EXISTS));
  test_server_stop (ts);
  close (fd);
  test_rm_rf (base);
}

/* ---------------------------------------------------------------------------
 * 6. The store: its folder 0700, its files 0600, whatever the umask
 * ------------------------------------------------------------------------- */

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  if ((st.st_mode & 0777) != mode)
    g_error ("%s has mode %o, expected %o", path, st.st_mode & 0777, mode);
}

static void
test_store_modes (void)
{
  g_autofree char *root = test_make_tmp_dir ("lightly-modes");
  g_autofree char *dir = g_build_filename (root, "store", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = NULL;
  g_autofree char *ds = NULL;
  g_autofree char *csv = test_make_csv (20, 4, 1);
  mode_t old = umask (0);
  static const char * const files[] = { "lightly.db", "lightly.db-wal", "lightly.db-shm" };

  store = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  ds = lightly_store_create_dataset (store, "modes", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GInputStream) in = test_stream_for (csv);
    g_autofree char *emb = lightly_store_add_embedding_full (store, ds, "default", in,
                                                             LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (emb);
  }
  umask (old);
  assert_mode (dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        assert_mode (path, 0600);
      else
        g_assert_cmpuint (i, >, 0);
    }
  {
    g_autofree char *sub = g_build_filename (dir, "embeddings", NULL);
    g_autofree char *csvdir = g_build_filename (dir, "csv", NULL);
    g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
    const char *name;

    assert_mode (sub, 0700);
    assert_mode (csvdir, 0700);
    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (sub, name, NULL);

        assert_mode (path, 0600);
      }
  }
  g_clear_object (&store);
  test_rm_rf (root);
}

/* ---------------------------------------------------------------------------
 * 7. Loose fields: a 4xx that names the field
 * ------------------------------------------------------------------------- */

static void
expect_refusal (TestServer *ts,
                const char *method,
                const char *path,
                const char *body,
                guint       status,
                const char *names)
{
  g_autofree char *target = g_strdup_printf ("%s%stoken=%s", path, strchr (path, '?') != NULL ? "&" : "?", ts->token);
  g_autoptr(RawResponse) r = raw_request (ts->port, method, target, json_headers, body,
                                          body != NULL ? strlen (body) : 0);
  g_autofree char *text = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));

  if (r->status != status || strstr (text, names) == NULL)
    g_error ("%s %s %.200s: got %u %.300s, expected %u naming “%s”", method, path, body, r->status, text, status, names);
}

static void
test_loose_fields (void)
{
  TestServer *ts = test_server_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = test_make_csv (30, 4, 2);
  g_autofree char *ds = lightly_store_create_dataset (ts->store, "loose", &error);
  g_autofree char *emb = NULL;
  g_autofree char *tags = NULL, *sampling = NULL, *samples = NULL, *bulk = NULL;
  g_autofree char *long_name = g_strnfill (100000, 'x');
  g_autofree char *body = NULL;
  g_autoptr(GPtrArray) datasets = NULL;

  g_assert_no_error (error);
  {
    g_autoptr(GInputStream) in = test_stream_for (csv);

    emb = lightly_store_add_embedding_full (ts->store, ds, "default", in,
                                            LIGHTLY_STORE_EMBEDDING_REGISTER_SAMPLES, NULL, &error);
    g_assert_no_error (error);
  }
  tags = g_strdup_printf ("/v1/datasets/%s/tags", ds);
  sampling = g_strdup_printf ("/v1/datasets/%s/embeddings/%s/sampling", ds, emb);
  samples = g_strdup_printf ("/v1/datasets/%s/samples", ds);
  bulk = g_strdup_printf ("/v1/datasets/%s/samples/bulk", ds);

  /* NUL in a name: refused, not truncated. */
  expect_refusal (ts, "POST", "/v1/datasets", "{\"name\":\"ab\\u0000cd\"}", 400, "name");
  datasets = lightly_store_list_datasets (ts->store, NULL);
  g_assert_cmpuint (datasets->len, ==, 1);
  body = g_strdup_printf ("{\"name\":\"%s\",\"bitMaskData\":\"0x1\",\"totSize\":30}", long_name);
  expect_refusal (ts, "POST", tags, body, 400, "name");
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"name\":\"%s\"}", long_name);
  expect_refusal (ts, "POST", "/v1/datasets", body, 400, "name");
  g_clear_pointer (&body, g_free);
  /* totSize must be the dataset's size. */
  expect_refusal (ts, "POST", tags, "{\"name\":\"t\",\"bitMaskData\":\"0x1\",\"totSize\":31}", 400, "totSize");
  /* rowCount must be the dataset's size. */
  body = g_strdup_printf ("{\"newTagName\":\"s1\",\"method\":\"RANDOM\",\"rowCount\":12,"
                          "\"config\":{\"method\":\"RANDOM\",\"stoppingCondition\":{\"nSamples\":5}}}");
  expect_refusal (ts, "POST", sampling, body, 400, "rowCount");
  g_clear_pointer (&body, g_free);
  /* nSamples beyond the dataset, or not finite. */
  body = g_strdup_printf ("{\"newTagName\":\"s2\",\"method\":\"RANDOM\","
                          "\"config\":{\"method\":\"RANDOM\",\"stoppingCondition\":{\"nSamples\":1e308}}}");
  expect_refusal (ts, "POST", sampling, body, 400, "nSamples");
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"newTagName\":\"s3\",\"method\":\"RANDOM\","
                          "\"config\":{\"method\":\"RANDOM\",\"stoppingCondition\":{\"nSamples\":1e999}}}");
  expect_refusal (ts, "POST", sampling, body, 400, "nSamples");
  g_clear_pointer (&body, g_free);
  /* More scores than the tag has members: refused while parsing. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/datasets/%s/tags/initial?token=%s", ds, ts->token);
    g_autoptr(RawResponse) made = raw_request (ts->port, "POST", path, json_headers, "{}", 2);
    g_autoptr(JsonNode) id = check_json (made->body, NULL, FALSE);
    g_autofree char *scores = g_strdup_printf ("/v1/datasets/%s/tags/%s/scores", ds,
                                               json_object_get_string_member (json_node_get_object (id), "id"));
    GString *many = g_string_new ("{\"scoreType\":\"m\",\"scores\":[0");

    g_assert_cmpuint (made->status, ==, 200);
    for (guint i = 0; i < 1000; i++)
      g_string_append (many, ",0");
    g_string_append (many, "]}");
    expect_refusal (ts, "POST", scores, many->str, 400, "more than the 30 values");
    g_string_free (many, TRUE);
  }
  /* Samples beyond the embedding's rows. */
  expect_refusal (ts, "POST", samples, "{\"fileName\":\"extra.png\"}", 409, "rows");
  expect_refusal (ts, "POST", bulk, "[\"extra.png\"]", 409, "rows");
  g_assert_cmpint (lightly_store_get_n_samples (ts->store, ds, NULL), ==, 30);
  test_server_stop (ts);
}

static void
test_csv_nul_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = lightly_store_open (NULL, &error);
  g_autofree char *ds = lightly_store_create_dataset (store, "nul", &error);
  static const char csv[] = "filenames,embedding_0,labels\r\na\0b.png,1.0,0\r\na\0c.png,2.0,0\r\n";
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (csv, sizeof csv - 1, NULL);
  gssize n = lightly_store_add_samples_from_csv (store, ds, in, NULL, &error);

  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "NUL"));
  g_assert_nonnull (strstr (error->message, "row 1"));
}

/* ---------------------------------------------------------------------------
 * 8. The auth table: every route, five ways to get the token wrong
 * ------------------------------------------------------------------------- */

/* The route pattern with every “%s” replaced by id. */
static char *
fill_ids (const char *pattern,
          const char *id)
{
  g_auto(GStrv) parts = g_strsplit (pattern, "%s", -1);

  return g_strjoinv (id, parts);
}

static void
test_auth_table (void)
{
  TestServer *ts = test_server_start (NULL);
  const char *id = "0123456789abcdef01234567";
  /* Every route under /v1 that needs the token: method, path (%s = an id). */
  static const char * const routes[][2] = {
    { "GET", "/v1/quota" },
    { "GET", "/v1/datasets" }, { "POST", "/v1/datasets" },
    { "GET", "/v1/datasets/%s" },
    { "GET", "/v1/datasets/%s/tags" }, { "POST", "/v1/datasets/%s/tags" },
    { "POST", "/v1/datasets/%s/tags/initial" },
    { "POST", "/v1/datasets/%s/tags/arithmetics" },
    { "POST", "/v1/datasets/%s/tags/arithmetics/bitmask" },
    { "GET", "/v1/datasets/%s/tags/%s" }, { "DELETE", "/v1/datasets/%s/tags/%s" },
    { "GET", "/v1/datasets/%s/tags/%s/filenames" },
    { "GET", "/v1/datasets/%s/tags/%s/scores" }, { "POST", "/v1/datasets/%s/tags/%s/scores" },
    { "GET", "/v1/datasets/%s/tags/%s/scores/%s" },
    { "GET", "/v1/datasets/%s/mappings?field=fileName" },
    { "GET", "/v1/datasets/%s/samples" }, { "POST", "/v1/datasets/%s/samples" },
    { "POST", "/v1/datasets/%s/samples/bulk" },
    { "GET", "/v1/datasets/%s/samples/%s/writeurl" },
    { "GET", "/v1/datasets/%s/samples/%s/writeurls" },
    { "PUT", "/v1/datasets/%s/registerDatasetUpload" },
    { "GET", "/v1/datasets/%s/embeddings" },
    { "GET", "/v1/datasets/%s/embeddings/writeCSVUrl?name=x" },
    { "GET", "/v1/datasets/%s/embeddings/%s/readCSVUrl" },
    { "POST", "/v1/datasets/%s/embeddings/%s/trigger2dEmbeddingsJob" },
    { "POST", "/v1/datasets/%s/embeddings/%s/sampling" },
    { "GET", "/v1/jobs/%s" },
  };
  /* Public: no token needed. */
  static const char * const public_routes[] = {
    "/v1/versions/pip/minimum", "/v1/versions/pip/latest", "/v1/versions/lightly-glib",
  };

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *path = fill_ids (routes[i][1], id);
      const char *sep = strchr (path, '?') != NULL ? "&" : "?";
      g_autofree char *upper = g_ascii_strup (ts->token, -1);
      g_autofree char *wrong_token = g_strnfill (strlen (ts->token), 'f');
      /* Authorization: Bearer is a right place (issue 17); another scheme,
       * a made-up header and the body are not. */
      g_autofree char *auth = g_strdup_printf ("Authorization: Token %s", ts->token);
      g_autofree char *xtoken = g_strdup_printf ("token: %s", ts->token);
      const char * const header_auth[] = { auth, xtoken, "Content-Type: application/json", NULL };
      g_autofree char *bearer_wrong = g_strdup_printf ("Authorization: Bearer %s", wrong_token);
      const char * const header_wrong[] = { bearer_wrong, "Content-Type: application/json", NULL };
      g_autofree char *t_none = g_strdup (path);
      g_autofree char *t_wrong = g_strdup_printf ("%s%stoken=%s", path, sep, wrong_token);
      g_autofree char *t_short = g_strdup_printf ("%s%stoken=%.31s", path, sep, ts->token);
      g_autofree char *t_case = g_strdup_printf ("%s%stoken=%s", path, sep, upper);
      g_autofree char *t_key = g_strdup_printf ("%s%sToken=%s", path, sep, ts->token);
      g_autofree char *t_empty = g_strdup_printf ("%s%stoken=", path, sep);
      const char *targets[] = { t_none, t_wrong, t_short, t_case, t_key, t_empty };
      g_autofree char *body_token = g_strdup_printf ("{\"token\":\"%s\"}", ts->token);

      for (guint j = 0; j < G_N_ELEMENTS (targets); j++)
        {
          g_autoptr(RawResponse) r = raw_request (ts->port, routes[i][0], targets[j], json_headers, "{}", 2);

          if (r->status != 401)
            g_error ("%s %s answered %u, expected 401", routes[i][0], targets[j], r->status);
        }
      {
        /* The token in a header or the body is the wrong place. */
        g_autoptr(RawResponse) r = raw_request (ts->port, routes[i][0], path, header_auth, body_token,
                                                strlen (body_token));

        if (r->status != 401)
          g_error ("%s %s with the token in a header answered %u, expected 401", routes[i][0], path, r->status);
      }
      {
        g_autoptr(RawResponse) r = raw_request (ts->port, routes[i][0], path, header_wrong, "{}", 2);

        if (r->status != 401)
          g_error ("%s %s with a wrong Bearer token answered %u, expected 401", routes[i][0], path, r->status);
      }
    }
  for (guint i = 0; i < G_N_ELEMENTS (public_routes); i++)
    {
      g_autoptr(RawResponse) r = raw_request (ts->port, "GET", public_routes[i], json_headers, NULL, 0);

      g_assert_cmpuint (r->status, ==, 200);
    }
  /* Capabilities are their own credential: an unknown one is 404, and the
   * token does not stand in for one. */
  {
    g_autofree char *cap = g_strnfill (32, 'a');
    g_autofree char *up = g_strdup_printf ("/upload/embeddings/%s?token=%s", cap, ts->token);
    g_autofree char *down = g_strdup_printf ("/download/embeddings/%s?token=%s", cap, ts->token);
    g_autofree char *discard = g_strdup_printf ("/upload/discard/%s?token=%s", cap, ts->token);
    g_autoptr(RawResponse) r1 = raw_request (ts->port, "PUT", up, NULL, "x", 1);
    g_autoptr(RawResponse) r2 = raw_request (ts->port, "GET", down, NULL, NULL, 0);
    g_autoptr(RawResponse) r3 = raw_request (ts->port, "PUT", discard, NULL, "x", 1);

    g_assert_cmpuint (r1->status, ==, 404);
    g_assert_cmpuint (r2->status, ==, 404);
    g_assert_cmpuint (r3->status, ==, 404);
  }
  test_server_stop (ts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/security/json-depth/unit", test_json_depth_unit);
  g_test_add_func ("/security/json-depth/server", test_json_depth_server);
  g_test_add_func ("/security/early-refusal", test_early_refusal);
  g_test_add_func ("/security/spool-cap", test_spool_cap);
  g_test_add_func ("/security/tree-routes-small", test_dom_routes_small);
  g_test_add_func ("/security/log-redaction", test_log_redaction);
  g_test_add_func ("/security/stale-spool", test_stale_spool);
  g_test_add_func ("/security/store-modes", test_store_modes);
  g_test_add_func ("/security/loose-fields", test_loose_fields);
  g_test_add_func ("/security/csv-nul-name", test_csv_nul_name);
  g_test_add_func ("/security/auth-table", test_auth_table);
  return g_test_run ();
}
