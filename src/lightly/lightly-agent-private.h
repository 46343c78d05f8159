/* lightly-agent-private.h: the agent's instance, shared by its two files
 *
 * lightly-agent.c holds the object (properties, signals, initialization);
 * lightly-agent-query.c runs a query over the same instance and changes its
 * state only through the functions below, which emit the notifications.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-agent.h"
#include "lightly-agent-plan-private.h"
#include "lightly-agent-progress-private.h"
#include "lightly-agent-sets-private.h"

G_BEGIN_DECLS

struct _LightlyAgent
{
  GObject parent_instance;

  LightlyApiWorkflowClient *client;
  char *query_tag_name;
  char *preselected_tag_name;

  gboolean initialized;
  gboolean querying;

  LightlyAgentSets sets;

  /* Progress is coalesced into the owner context (DESIGN.md, Threads). */
  LightlyAgentProgress progress;

  /* How many times the sample-name mapping was requested from the backend
   * (once at initialization, then per query whose tag is wider than the
   * mapping): the tests read it to see that a query over an unchanged
   * dataset reuses the mapping. Owner context only. */
  guint n_mapping_reads;
};

gboolean lightly_agent_update_sets         (LightlyAgent        *self,
                                            LightlyNames        *file_names,
                                            GError             **error);
void     lightly_agent_set_querying        (LightlyAgent        *self,
                                            gboolean             querying);
void     lightly_agent_set_preselected_tag (LightlyAgent        *self,
                                            const char          *name);
void     lightly_agent_emit_batch_ready    (LightlyAgent        *self,
                                            LightlyQueryResult  *result);
/* A LightlyJobProgressFunc; @data is the agent. Runs in a client worker. */
void     lightly_agent_job_progress        (LightlyJob          *job,
                                            gpointer             data);

G_END_DECLS
