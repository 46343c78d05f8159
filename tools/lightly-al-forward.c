/* lightly-al-forward.c: `serve` and http(s) locations run as lightly-al-net
 *
 * libsoup and the libraries it loads (Kerberos, PSL, brotli, nghttp2, IDN,
 * …: 20 of the 30 a full lightly-al maps) cost every process ~4 ms before
 * main(), and a command on the embedded store never calls them. So
 * lightly-al links the library's code without its http half
 * (src/meson.build), and a command that needs that half, `serve` or any
 * command whose store is an http(s):// server, runs again, with the same
 * arguments and environment, as lightly-al-net: the same program with the
 * http half, next to this one in a build tree, else in LIGHTLY_LIBEXECDIR.
 * The exec comes first in main(), before the command has read or written
 * anything, so it is invisible but for the process's image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lightly-al-common.h"
#include "backend/lightly-backend-factory.h"
#include "lightly/lightly-error.h"

#define NET_PROGRAM "lightly-al-net"

static char **saved_argv;

static gboolean
is_http (const char *location)
{
  g_autofree char *scheme = location != NULL ? g_uri_parse_scheme (location) : NULL;

  return scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 ||
                            g_ascii_strcasecmp (scheme, "https") == 0);
}

/* The location the command will open, as lightly_al_open_client() finds
 * it: --location (-l), else $LIGHTLY_SERVER_LOCATION. Other options are
 * left for the command to parse (and to reject). */
static char *
find_location (int argc, char **argv)
{
  g_autofree char *location = NULL;
  const GOptionEntry entries[] = {
    { "location", 'l', 0, G_OPTION_ARG_STRING, &location, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_auto(GStrv) args = g_new0 (char *, argc + 1);

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse_strv (context, &args, NULL))
    g_clear_pointer (&location, g_free);
  return g_strdup (lightly_al_location_or_env (location));
}

/* Replaces this process with lightly-al-net on the saved arguments;
 * returns only when that fails. */
static int
run_net (void)
{
  g_autofree char *net = lightly_al_find_sibling (NET_PROGRAM, LIGHTLY_LIBEXECDIR, G_FILE_TEST_IS_EXECUTABLE);
  int saved;

  execv (net, saved_argv);
  saved = errno;
  g_printerr ("lightly-al: cannot run %s, which serves and reaches http(s) servers: %s\n",
              net, g_strerror (saved));
  return 1;
}

static gboolean
starts_http (const char *text)
{
  return text != NULL && g_ascii_strncasecmp (text, "http", 4) == 0;
}

/* Whether an argument, the value of an `--option=value` or
 * $LIGHTLY_SERVER_LOCATION starts with "http": only then is the location
 * worth finding. A first option parse costs ~0.5 ms (GOption's set-up),
 * an eighth of what this file saves. */
static gboolean
mentions_http (int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (starts_http (argv[i]) || (argv[i][0] == '-' && strchr (argv[i], '=') != NULL &&
                                  starts_http (strchr (argv[i], '=') + 1)))
      return TRUE;
  return starts_http (g_getenv ("LIGHTLY_SERVER_LOCATION"));
}

void
lightly_al_forward_remote (int    argc,
                           char **argv)
{
  g_autofree char *location = NULL;

  saved_argv = argv;
  if (argc < 2 || strcmp (argv[1], "serve") == 0 || !mentions_http (argc, argv))
    return;
  location = find_location (argc - 1, argv + 1);
  if (is_http (location))
    exit (run_net ());
}

int
lightly_al_cmd_serve (int    argc,
                      char **argv)
{
  return run_net ();
}

/* The library's factory reaches this for an http(s):// location that
 * lightly_al_forward_remote() did not see: a location a command makes
 * itself. */
LightlyBackend *
lightly_backend_new_http (const char           *location,
                          const char           *token,
                          LightlyBackendFlags   flags,
                          GError              **error)
{
  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "lightly-al reaches http(s) servers as %s, and cannot here: run %s/%s with the same arguments",
               NET_PROGRAM, LIGHTLY_LIBEXECDIR, NET_PROGRAM);
  return NULL;
}
