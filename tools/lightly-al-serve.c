/* lightly-al-serve.c: `lightly-al serve`, the Lightly v1 REST server
 *
 * Serves one store over HTTP so that lightly-glib clients (C, Python, GJS,
 * the CLI) and the 2021 Lightly Python client (LIGHTLY_SERVER_LOCATION) can
 * share it. Binds to loopback unless told otherwise. The token lives in a
 * file (mode 0600), created on first start; its path is logged, never its
 * value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lightly-al-common.h"
#include "backend/lightly-backend-factory.h"
#include "backend/lightly-local-backend.h"
#include "server/lightly-server.h"

typedef struct {
  GMainLoop *loop;
  const char *signal_name;
} ServeState;

static gboolean
on_sigint (gpointer data)
{
  ServeState *state = data;

  state->signal_name = "SIGINT";
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  ServeState *state = data;

  state->signal_name = "SIGTERM";
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;
}

/* Reads the token from path, or creates the file (0600) with a new one. */
static char *
load_or_create_token (const char  *path,
                      gboolean    *created,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  char hex[33];
  int fd;
  gsize written = 0;

  *created = FALSE;
  if (g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (*contents == '\0' || strpbrk (contents, " \t\r\n") != NULL)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "Token file %s must hold one token on one line", path);
          return NULL;
        }
      return g_steal_pointer (&contents);
    }

  if (!lightly_server_random_hex128 (hex, error))
    return NULL;
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not create token file %s: %s", path, g_strerror (saved));
      return NULL;
    }
  while (written < 33)
    {
      const char *buf = written < 32 ? hex + written : "\n";
      gsize len = written < 32 ? 32 - written : 1;
      ssize_t n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_unlink (path);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "Could not write token file %s: %s", path, g_strerror (saved));
          return NULL;
        }
      written += (gsize) n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not write token file %s: %s", path, g_strerror (saved));
      return NULL;
    }
  *created = TRUE;
  return g_strdup (hex);
}

static void
log_to_stderr (const char *line,
               gpointer    user_data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");

  g_printerr ("%s %s\n", stamp, line);
}

static char *
default_store_dir (void)
{
  const char *location = g_getenv ("LIGHTLY_SERVER_LOCATION");

  /* A file:// LIGHTLY_SERVER_LOCATION names the store; an http one is
   * where clients find us, not where the data is. */
  char *path = location != NULL ? lightly_backend_location_to_path (location) : NULL;

  if (path != NULL)
    return path;
  return g_build_filename (g_get_user_data_dir (), "lightly", NULL);
}

/* What the clients see: --public-url and trusted proxies (the signed URLs'
 * base), and https. */
static gboolean
configure_front (LightlyServer       *server,
                 const char          *public_url,
                 const char * const  *trusted,
                 const char          *tls_cert,
                 const char          *tls_key,
                 GError             **error)
{
  if (public_url != NULL || trusted != NULL)
    {
      LightlyServerProxy *proxy = lightly_server_proxy_new (public_url, trusted, error);

      if (proxy == NULL)
        return FALSE;
      lightly_server_set_proxy (server, proxy);
    }
  if (tls_cert != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        tls_key != NULL ? g_tls_certificate_new_from_files (tls_cert, tls_key, error)
                        : g_tls_certificate_new_from_file (tls_cert, error);

      if (certificate == NULL)
        return FALSE;
      lightly_server_set_tls_certificate (server, certificate);
    }
  return TRUE;
}

/* `serve`'s flags that go together, checked before anything is opened. */
static gboolean
check_serve_flags (gboolean    ml_backend,
                   const char *dataset,
                   const char *ml_picks,
                   const char *ml_tag,
                   const char *tls_cert,
                   const char *tls_key,
                   int         port)
{
  if (!ml_backend && (dataset != NULL || ml_picks != NULL || ml_tag != NULL))
    g_printerr ("lightly-al: --dataset, --ml-picks and --ml-tag go with --ml-backend\n");
  else if (tls_key != NULL && tls_cert == NULL)
    g_printerr ("lightly-al: --tls-key goes with --tls-cert FILE\n");
  else if (port < 0 || port > 65535)
    g_printerr ("lightly-al: --port %d is not in 0–65535\n", port);
  else
    return TRUE;
  return FALSE;
}

/* The REST routes over @store, with Label Studio's ML-backend routes when
 * @ml_backend. */
static LightlyServerRoutes *
make_routes (LightlyStore  *store,
             const char    *token,
             gboolean       ml_backend,
             const char    *dataset,
             const char    *ml_picks,
             const char    *ml_tag,
             GError       **error)
{
  g_autoptr(LightlyBackend) backend = lightly_local_backend_new_for_store (store);
  g_autoptr(LightlyServerRoutes) routes = lightly_server_routes_new (backend, token);

  if (ml_backend)
    {
      LightlyServerMlBackend *ml = lightly_server_ml_backend_new (backend, dataset, ml_picks, ml_tag, error);

      if (ml == NULL)
        return NULL;
      lightly_server_routes_set_ml_backend (routes, ml);
    }
  return g_steal_pointer (&routes);
}

int
lightly_al_cmd_serve (int    argc,
                      char **argv)
{
  g_autofree char *opt_store = NULL;
  g_autofree char *opt_address = NULL;
  g_autofree char *opt_token_file = NULL;
  gint opt_port = 8080;
  gint opt_max_spool_mib = (gint) (LIGHTLY_SERVER_DEFAULT_SPOOL_CAP >> 20);
  gboolean opt_quiet = FALSE;
  g_autofree char *opt_public_url = NULL;
  g_auto(GStrv) opt_trusted = NULL;
  g_autofree char *opt_tls_cert = NULL;
  g_autofree char *opt_tls_key = NULL;
  gboolean opt_ml_backend = FALSE;
  g_autofree char *opt_dataset = NULL;
  g_autofree char *opt_ml_picks = NULL;
  g_autofree char *opt_ml_tag = NULL;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &opt_store,
      "The store directory (default: the file:// $LIGHTLY_SERVER_LOCATION, else ~/.local/share/lightly)", "DIR" },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &opt_address,
      "The numeric address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "The port (default 8080; 0 picks a free one)", "PORT" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file,
      "The token file, created (mode 0600) with a new token if missing (default: STORE/token)", "FILE" },
    { "max-spool", 0, 0, G_OPTION_ARG_INT, &opt_max_spool_mib,
      "The most request-body MiB held at once across connections; more is answered 507 (default 1024)", "MIB" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "Don't log requests", NULL },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &opt_public_url,
      "The URL clients reach the server at, behind a proxy (e.g. https://example.com/lightly): "
      "the base of the signed upload URLs", "URL" },
    { "trusted-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_trusted,
      "Honour X-Forwarded-Proto, -Host and -Prefix from this proxy address (repeatable)", "ADDR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert, "Serve https with this PEM certificate", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key,
      "The certificate's PEM private key (default: in the --tls-cert file)", "FILE" },
    { "ml-backend", 0, 0, G_OPTION_ARG_NONE, &opt_ml_backend,
      "Also answer Label Studio's ML-backend routes (/setup, /predict, /webhook) for --dataset", NULL },
    { "dataset", 'd', 0, G_OPTION_ARG_STRING, &opt_dataset, "--ml-backend: the dataset, by name or id", "DATASET" },
    { "ml-picks", 0, 0, G_OPTION_ARG_FILENAME, &opt_ml_picks,
      "--ml-backend: the output of “lightly-al query --json”; /predict scores by its ranks", "FILE" },
    { "ml-tag", 0, 0, G_OPTION_ARG_STRING, &opt_ml_tag,
      "--ml-backend: the tag /webhook keeps of the labeled samples (default label-studio)", "NAME" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— serve a store over the Lightly v1 REST API");
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(LightlyServerRoutes) routes = NULL;
  g_autoptr(LightlyServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_path = NULL;
  g_autofree char *url = NULL;
  ServeState state = { 0 };
  guint sigint_id, sigterm_id;
  gboolean created = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Clients: LIGHTLY_SERVER_LOCATION=http://127.0.0.1:PORT LIGHTLY_TOKEN=$(cat STORE/token)\n"
    "SIGINT or SIGTERM stop the server cleanly; running selections end FAILED.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("lightly-al: %s\nTry “%s --help”.\n", error->message, g_get_prgname ());
      return 2;
    }
  if (argc != 1)
    {
      g_printerr ("lightly-al: serve takes no arguments besides options\nTry “%s --help”.\n", g_get_prgname ());
      return 2;
    }
  if (opt_max_spool_mib < 1)
    {
      g_printerr ("lightly-al: --max-spool %d must be at least 1 (MiB)\n", opt_max_spool_mib);
      return 2;
    }
  if (!check_serve_flags (opt_ml_backend, opt_dataset, opt_ml_picks, opt_ml_tag, opt_tls_cert, opt_tls_key,
                          opt_port))
    return 2;
  if (opt_store == NULL)
    opt_store = default_store_dir ();
  if (g_mkdir_with_parents (opt_store, 0700) != 0)
    {
      int saved = errno;

      g_printerr ("lightly-al: could not create the store directory %s: %s\n", opt_store, g_strerror (saved));
      return 1;
    }
  store = lightly_store_open (opt_store, &error);
  if (store == NULL)
    return lightly_al_fail (g_steal_pointer (&error));

  token_path = opt_token_file != NULL ? g_strdup (opt_token_file) : g_build_filename (opt_store, "token", NULL);
  token = load_or_create_token (token_path, &created, &error);
  if (token == NULL)
    return lightly_al_fail (g_steal_pointer (&error));

  routes = make_routes (store, token, opt_ml_backend, opt_dataset, opt_ml_picks, opt_ml_tag, &error);
  if (routes == NULL)
    return lightly_al_fail (g_steal_pointer (&error));
  explicit_bzero (token, strlen (token));
  server = lightly_server_new (routes);
  if (!configure_front (server, opt_public_url, (const char * const *) opt_trusted, opt_tls_cert, opt_tls_key,
                        &error))
    return lightly_al_fail (g_steal_pointer (&error));
  lightly_server_set_log_func (server, opt_quiet ? NULL : log_to_stderr, NULL);
  lightly_server_set_spool_cap (server, (guint64) opt_max_spool_mib << 20);
  if (!lightly_server_listen (server, opt_address != NULL ? opt_address : "127.0.0.1", (guint) opt_port, &error))
    return lightly_al_fail (g_steal_pointer (&error));

  url = lightly_server_dup_base_url (server);
  /* The first line of stdout is the URL, for scripts and tests. */
  g_print ("%s\n", url);
  fflush (stdout);
  g_printerr ("lightly-al serve: listening on %s, store %s, token in %s%s\n",
              url, opt_store, token_path, created ? " (new)" : "");

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  sigint_id = g_unix_signal_add (SIGINT, on_sigint, &state);
  sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, &state);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  g_printerr ("lightly-al serve: %s, shutting down\n", state.signal_name);
  /* Stops listening, finishes requests in flight and cancels running
   * selections (they end FAILED); then the store closes. */
  lightly_server_shutdown (server);
  g_clear_object (&server);
  g_clear_object (&routes);
  g_clear_object (&store);
  g_printerr ("lightly-al serve: stopped\n");
  return 0;
}
