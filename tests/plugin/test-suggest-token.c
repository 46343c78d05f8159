/* test-suggest-token.c: where the lightly-suggest plugin gets its token
 *
 * Runs under dbus-run-session, so there is a session bus of its own on
 * which nobody owns org.freedesktop.secrets unless a test claims it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "lightly-suggest-token.h"

#define DEADLINE_S 10

typedef struct {
  gboolean done;
  char *token;
  LightlySuggestTokenSource source;
  GError *error;
} Lookup;

static void
lookup_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Lookup *l = user_data;

  l->token = lightly_suggest_token_lookup_finish (result, &l->source, &l->error);
  l->done = TRUE;
  g_main_context_wakeup (NULL);
}

/* Looks up the token and fails the test if that takes longer than the
 * deadline: a hang on the bus is the bug this guards against. */
static void
lookup (Lookup *l)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  lightly_suggest_token_lookup_async ("http://127.0.0.1:8080", NULL, lookup_done, l);
  while (!l->done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_environment (void)
{
  Lookup l = { 0 };

  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_setenv ("LIGHTLY_TOKEN", "token-from-env", TRUE);
  lookup (&l);
  g_assert_no_error (l.error);
  g_assert_cmpstr (l.token, ==, "token-from-env");
  g_assert_cmpint (l.source, ==, LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT);
  g_free (l.token);
}

static void
test_none (void)
{
  Lookup l = { 0 };

  g_unsetenv ("LIGHTLY_TOKEN");
  lookup (&l);
  g_assert_no_error (l.error);
  g_assert_null (l.token);
  g_assert_cmpint (l.source, ==, LIGHTLY_SUGGEST_TOKEN_NONE);
}

static void
test_no_bus_address (void)
{
  g_autofree char *address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree char *runtime_dir = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  Lookup l = { 0 };

  /* No address at all: no autolaunch, straight to the environment. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("XDG_RUNTIME_DIR");
  g_setenv ("LIGHTLY_TOKEN", "headless", TRUE);
  lookup (&l);
  g_assert_no_error (l.error);
  g_assert_cmpstr (l.token, ==, "headless");
  g_assert_cmpint (l.source, ==, LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT);
  g_free (l.token);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  if (runtime_dir != NULL)
    g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);
}

#ifdef HAVE_LIBSECRET
static void
name_acquired (GDBusConnection *connection,
               const char      *name,
               gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
  g_main_context_wakeup (NULL);
}

static void
test_broken_secret_service (void)
{
  gboolean acquired = FALSE;
  guint owner;
  Lookup l = { 0 };

  /* The name has an owner that implements nothing: libsecret is tried, its
   * calls fail at once, and the token still comes from the environment. */
  owner = g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.secrets", G_BUS_NAME_OWNER_FLAGS_NONE,
                          NULL, name_acquired, NULL, &acquired, NULL);
  while (!acquired)
    g_main_context_iteration (NULL, TRUE);

  g_setenv ("LIGHTLY_TOKEN", "fallback", TRUE);
  lookup (&l);
  g_assert_no_error (l.error);
  g_assert_cmpstr (l.token, ==, "fallback");
  g_assert_cmpint (l.source, ==, LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT);
  g_free (l.token);
  g_bus_unown_name (owner);
}
#endif

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Lookup l = { 0 };

  g_cancellable_cancel (cancellable);
  lightly_suggest_token_lookup_async ("http://127.0.0.1:8080", cancellable, lookup_done, &l);
  while (!l.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (l.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (l.token);
  g_clear_error (&l.error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/suggest-token/environment", test_environment);
  g_test_add_func ("/suggest-token/none", test_none);
  g_test_add_func ("/suggest-token/no-bus-address", test_no_bus_address);
#ifdef HAVE_LIBSECRET
  g_test_add_func ("/suggest-token/broken-secret-service", test_broken_secret_service);
#endif
  g_test_add_func ("/suggest-token/cancelled", test_cancelled);

  return g_test_run ();
}
