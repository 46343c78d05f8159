/* lightly-sync.c: blocking variants over async implementations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-sync-private.h"

/* How many blocking variants are running on this thread (they nest: the
 * agent's blocking init runs the client's operations). */
static GPrivate depth;

static void
depth_add (int delta)
{
  g_private_set (&depth, GINT_TO_POINTER (GPOINTER_TO_INT (g_private_get (&depth)) + delta));
}

/* Whether a blocking variant is running on the calling thread: its caller
 * waits for the result either way. */
gboolean
lightly_sync_active (void)
{
  return GPOINTER_TO_INT (g_private_get (&depth)) > 0;
}

void
lightly_sync_begin (LightlySync *sync)
{
  depth_add (1);
  sync->context = g_main_context_new ();
  sync->result = NULL;
  g_main_context_push_thread_default (sync->context);
}

void
lightly_sync_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LightlySync *sync = user_data;

  sync->result = g_object_ref (result);
  g_main_context_wakeup (sync->context);
}

GAsyncResult *
lightly_sync_wait (LightlySync *sync)
{
  while (sync->result == NULL)
    g_main_context_iteration (sync->context, TRUE);
  return sync->result;
}

void
lightly_sync_end (LightlySync *sync)
{
  g_main_context_pop_thread_default (sync->context);
  g_clear_object (&sync->result);
  g_clear_pointer (&sync->context, g_main_context_unref);
  depth_add (-1);
}
