/* lightly-suggest-token.c: where the lightly-suggest plugin gets its token
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "lightly-suggest-token.h"

#ifdef HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

/* NameHasOwner is answered by the bus daemon itself; a bus that does not
 * answer in this time is treated as "no Secret Service". */
#define NAME_HAS_OWNER_TIMEOUT_MS 2000

typedef struct {
  char *location;
  char *token;
  LightlySuggestTokenSource source;
} Lookup;

static void
lookup_free (gpointer data)
{
  Lookup *l = data;

  g_free (l->location);
  if (l->token != NULL)
    memset (l->token, 0, strlen (l->token));
  g_free (l->token);
  g_free (l);
}

const char *
lightly_suggest_token_source_to_string (LightlySuggestTokenSource source)
{
  switch (source)
    {
    case LIGHTLY_SUGGEST_TOKEN_SECRET_SERVICE:
      return "secret-service";
    case LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT:
      return "environment";
    case LIGHTLY_SUGGEST_TOKEN_NONE:
    default:
      return "none";
    }
}

static void
lookup_return_env (GTask *task)
{
  Lookup *l = g_task_get_task_data (task);
  const char *env = g_getenv ("LIGHTLY_TOKEN");

  if (env != NULL && env[0] != '\0')
    {
      l->token = g_strdup (env);
      l->source = LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT;
    }
  else
    l->source = LIGHTLY_SUGGEST_TOKEN_NONE;
  g_debug ("Token for %s: %s", l->location, lightly_suggest_token_source_to_string (l->source));
  g_task_return_boolean (task, TRUE);
}

#ifdef HAVE_LIBSECRET
static const SecretSchema *
token_schema (void)
{
  /* DONT_MATCH_NAME: items stored with secret-tool (generic schema) match
   * by the attribute alone. */
  static const SecretSchema schema = {
    "org.lightly.Token", SECRET_SCHEMA_DONT_MATCH_NAME,
    {
      { LIGHTLY_SUGGEST_SECRET_ATTRIBUTE, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  return &schema;
}

static void
lookup_got_secret (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *l = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (g_task_return_error_if_cancelled (task))
    {
      secret_password_free (secret);
      return;
    }
  if (secret == NULL)
    {
      if (error != NULL)
        g_debug ("Secret Service lookup failed, using LIGHTLY_TOKEN: %s", error->message);
      lookup_return_env (task);
      return;
    }
  l->token = g_strdup (secret);
  secret_password_free (secret);
  l->source = LIGHTLY_SUGGEST_TOKEN_SECRET_SERVICE;
  g_debug ("Token for %s: %s", l->location, lightly_suggest_token_source_to_string (l->source));
  g_task_return_boolean (task, TRUE);
}
#endif

static void
lookup_got_owner (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  else
    g_debug ("NameHasOwner failed: %s", error->message);

#ifdef HAVE_LIBSECRET
  if (has_owner)
    {
      Lookup *l = g_task_get_task_data (task);

      secret_password_lookup (token_schema (), g_task_get_cancellable (task), lookup_got_secret,
                              g_object_ref (task),
                              LIGHTLY_SUGGEST_SECRET_ATTRIBUTE, l->location,
                              NULL);
      return;
    }
#endif
  lookup_return_env (task);
}

static void
lookup_got_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (bus == NULL)
    {
      g_debug ("No session bus, using LIGHTLY_TOKEN: %s", error->message);
      lookup_return_env (task);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", "org.freedesktop.secrets"),
                          G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          NAME_HAS_OWNER_TIMEOUT_MS, g_task_get_cancellable (task),
                          lookup_got_owner, g_object_ref (task));
}

/* GIO falls back to X11 autolaunch when neither the variable nor the
 * XDG_RUNTIME_DIR socket exists; that spawns dbus-launch, which can block
 * a headless session, so only an explicit bus is ever contacted. */
static gboolean
have_session_bus_address (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket = NULL;

  if (address != NULL && address[0] != '\0')
    return TRUE;
  if (runtime_dir == NULL || runtime_dir[0] == '\0')
    return FALSE;
  socket = g_build_filename (runtime_dir, "bus", NULL);
  return g_file_test (socket, G_FILE_TEST_EXISTS);
}

void
lightly_suggest_token_lookup_async (const char          *location,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Lookup *l = g_new0 (Lookup, 1);

  g_task_set_source_tag (task, lightly_suggest_token_lookup_async);
  l->location = g_strdup (location);
  g_task_set_task_data (task, l, lookup_free);

  if (!have_session_bus_address ())
    {
      lookup_return_env (task);
      return;
    }
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, lookup_got_bus, g_steal_pointer (&task));
}

char *
lightly_suggest_token_lookup_finish (GAsyncResult               *result,
                                     LightlySuggestTokenSource  *source,
                                     GError                    **error)
{
  Lookup *l;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  l = g_task_get_task_data (G_TASK (result));
  if (source != NULL)
    *source = l->source;
  return g_steal_pointer (&l->token);
}
