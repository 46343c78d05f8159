/* lightly-sync-private.h: blocking variants over async implementations
 *
 * A blocking call pushes a private GMainContext, starts the async version and
 * iterates only that context until it completes. It never iterates the
 * global default context, so a blocking call made from a GTK app cannot
 * re-enter the app (DESIGN.md, Threads).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GMainContext *context;
  GAsyncResult *result;
} LightlySync;

void          lightly_sync_begin (LightlySync *sync);
void          lightly_sync_done  (GObject *source, GAsyncResult *result, gpointer sync);
GAsyncResult *lightly_sync_wait  (LightlySync *sync);
void          lightly_sync_end   (LightlySync *sync);
gboolean      lightly_sync_active (void);

G_END_DECLS
