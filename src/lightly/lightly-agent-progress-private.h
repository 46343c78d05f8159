/* lightly-agent-progress-private.h: the agent's progress, coalesced into its
 * owner context
 *
 * Workers report the latest stage and fraction from any thread; at most one
 * source is pending in the owner context and emits at most every 50 ms
 * (DESIGN.md, Threads). A pending source keeps the owner alive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Called in the owner context with the latest value. */
typedef void (*LightlyAgentProgressFunc) (GObject *owner,
                                          guint    stage,
                                          double   fraction);

typedef struct {
  GMutex lock;
  GSource *source;
  GMainContext *context;
  GObject *owner;                    /* not owned: it owns this struct */
  LightlyAgentProgressFunc func;
  guint stage;
  double fraction;
  gint64 last_emit;
} LightlyAgentProgress;

void lightly_agent_progress_init   (LightlyAgentProgress     *progress,
                                    GObject                  *owner,
                                    LightlyAgentProgressFunc  func);
/* Drops a pending value; for the owner's dispose. */
void lightly_agent_progress_cancel (LightlyAgentProgress     *progress);
void lightly_agent_progress_clear  (LightlyAgentProgress     *progress);
/* Callable from any thread; the last value wins. */
void lightly_agent_progress_report (LightlyAgentProgress     *progress,
                                    guint                     stage,
                                    double                    fraction);
/* Emits a pending value now, so it never arrives after the result. */
void lightly_agent_progress_flush  (LightlyAgentProgress     *progress);

G_END_DECLS
