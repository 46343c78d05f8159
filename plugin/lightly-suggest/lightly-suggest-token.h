/* lightly-suggest-token.h: where the lightly-suggest plugin gets its token
 *
 * The token goes to the Secret Service only when org.freedesktop.secrets has
 * an owner on the session bus; otherwise it comes from LIGHTLY_TOKEN. Without
 * a session bus address no bus is contacted at all, so a headless session
 * never triggers D-Bus autolaunch and never hangs (DESIGN.md, plugin contract).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  LIGHTLY_SUGGEST_TOKEN_NONE,            /* no token anywhere */
  LIGHTLY_SUGGEST_TOKEN_SECRET_SERVICE,  /* libsecret found one for the location */
  LIGHTLY_SUGGEST_TOKEN_ENVIRONMENT,     /* LIGHTLY_TOKEN */
} LightlySuggestTokenSource;

/* Secret Service attribute that holds the server location, so that
 * `secret-tool store --label='Lightly token' lightly-server URI` works. */
#define LIGHTLY_SUGGEST_SECRET_ATTRIBUTE "lightly-server"

const char *lightly_suggest_token_source_to_string (LightlySuggestTokenSource source);

void  lightly_suggest_token_lookup_async  (const char                *location,
                                           GCancellable              *cancellable,
                                           GAsyncReadyCallback        callback,
                                           gpointer                   user_data);
/* Returns the token (NULL when there is none; that is not an error) and
 * where it came from. Fails only when cancelled. */
char *lightly_suggest_token_lookup_finish (GAsyncResult              *result,
                                           LightlySuggestTokenSource *source,
                                           GError                   **error);

G_END_DECLS
