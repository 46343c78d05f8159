/* lightly-agent-progress.c: the agent's progress, coalesced into its owner
 * context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-agent-progress-private.h"

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 20)

void
lightly_agent_progress_init (LightlyAgentProgress     *progress,
                             GObject                  *owner,
                             LightlyAgentProgressFunc  func)
{
  g_mutex_init (&progress->lock);
  progress->context = g_main_context_ref_thread_default ();
  progress->owner = owner;
  progress->func = func;
}

void
lightly_agent_progress_cancel (LightlyAgentProgress *progress)
{
  g_mutex_lock (&progress->lock);
  if (progress->source != NULL)
    g_source_destroy (progress->source);
  g_clear_pointer (&progress->source, g_source_unref);
  g_mutex_unlock (&progress->lock);
}

void
lightly_agent_progress_clear (LightlyAgentProgress *progress)
{
  g_clear_pointer (&progress->context, g_main_context_unref);
  g_mutex_clear (&progress->lock);
}

static gboolean
progress_dispatch (gpointer data)
{
  LightlyAgentProgress *progress = data;
  guint stage;
  double fraction;

  g_mutex_lock (&progress->lock);
  stage = progress->stage;
  fraction = progress->fraction;
  g_clear_pointer (&progress->source, g_source_unref);
  progress->last_emit = g_get_monotonic_time ();
  g_mutex_unlock (&progress->lock);

  progress->func (progress->owner, stage, fraction);
  return G_SOURCE_REMOVE;
}

/* The pending source's reference on the owner, which owns @data. */
static void
progress_source_done (gpointer data)
{
  LightlyAgentProgress *progress = data;

  g_object_unref (progress->owner);
}

void
lightly_agent_progress_report (LightlyAgentProgress *progress,
                               guint                 stage,
                               double                fraction)
{
  g_mutex_lock (&progress->lock);
  progress->stage = stage;
  progress->fraction = CLAMP (fraction, 0.0, 1.0);
  if (progress->source == NULL)
    {
      gint64 wait_us = progress->last_emit + PROGRESS_INTERVAL_US - g_get_monotonic_time ();

      progress->source = g_timeout_source_new (wait_us > 0 ? (guint) (wait_us / 1000) : 0);
      g_source_set_priority (progress->source, G_PRIORITY_DEFAULT);
      g_object_ref (progress->owner);
      g_source_set_callback (progress->source, progress_dispatch, progress, progress_source_done);
      g_source_set_static_name (progress->source, "[lightly] agent progress");
      g_source_attach (progress->source, progress->context);
    }
  g_mutex_unlock (&progress->lock);
}

void
lightly_agent_progress_flush (LightlyAgentProgress *progress)
{
  gboolean pending;

  g_mutex_lock (&progress->lock);
  pending = progress->source != NULL;
  if (pending)
    g_source_destroy (progress->source);
  g_mutex_unlock (&progress->lock);
  if (pending)
    progress_dispatch (progress);
}
