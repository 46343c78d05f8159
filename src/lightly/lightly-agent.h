/* lightly-agent.h: the active-learning loop over one client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"
#include "lightly-api-workflow-client.h"
#include "lightly-query-result.h"
#include "lightly-sampler-config.h"
#include "lightly-scorer.h"

G_BEGIN_DECLS

/**
 * LightlyQueryStage:
 * @LIGHTLY_QUERY_STAGE_SCORING: the scorer computes the scores
 * @LIGHTLY_QUERY_STAGE_UPLOADING_SCORES: the scores go to the query tag
 * @LIGHTLY_QUERY_STAGE_SELECTING: the selection job runs; the fraction is
 *   picks made over picks planned
 * @LIGHTLY_QUERY_STAGE_FINISHING: the new tag and the sets are read back
 *
 * The stages of [method@Lightly.Agent.query_async], as reported by
 * [signal@Lightly.Agent::progress].
 */
typedef enum {
  LIGHTLY_QUERY_STAGE_SCORING,
  LIGHTLY_QUERY_STAGE_UPLOADING_SCORES,
  LIGHTLY_QUERY_STAGE_SELECTING,
  LIGHTLY_QUERY_STAGE_FINISHING,
} LightlyQueryStage;

/**
 * LightlyAgentSet:
 * @LIGHTLY_AGENT_SET_QUERY: every sample of the query tag, the pool
 * @LIGHTLY_AGENT_SET_LABELED: the samples of the preselected tag
 * @LIGHTLY_AGENT_SET_UNLABELED: the query set minus the labeled set
 * @LIGHTLY_AGENT_SET_ADDED: what the last query added to the labeled set
 *
 * The agent's four sets of file names ([protocol](protocol.html) §3.3),
 * for [method@Lightly.Agent.get_set_size].
 */
typedef enum {
  LIGHTLY_AGENT_SET_QUERY,
  LIGHTLY_AGENT_SET_LABELED,
  LIGHTLY_AGENT_SET_UNLABELED,
  LIGHTLY_AGENT_SET_ADDED,
} LightlyAgentSet;

#define LIGHTLY_TYPE_AGENT (lightly_agent_get_type ())
LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyAgent, lightly_agent, LIGHTLY, AGENT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
void          lightly_agent_new_async    (LightlyApiWorkflowClient *client,
                                          const char               *query_tag_name,
                                          const char               *preselected_tag_name,
                                          GCancellable             *cancellable,
                                          GAsyncReadyCallback       callback,
                                          gpointer                  user_data);
LIGHTLY_AVAILABLE_IN_ALL
LightlyAgent *lightly_agent_new_finish   (GAsyncResult             *result,
                                          GError                  **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyAgent *lightly_agent_new          (LightlyApiWorkflowClient *client,
                                          const char               *query_tag_name,
                                          const char               *preselected_tag_name,
                                          GCancellable             *cancellable,
                                          GError                  **error);

LIGHTLY_AVAILABLE_IN_ALL
LightlyApiWorkflowClient *lightly_agent_get_client            (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char               *lightly_agent_get_query_tag_name    (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char               *lightly_agent_get_preselected_tag_name (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const       *lightly_agent_get_query_set         (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const       *lightly_agent_get_labeled_set       (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const       *lightly_agent_get_unlabeled_set     (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const       *lightly_agent_get_added_set         (LightlyAgent *self);
LIGHTLY_AVAILABLE_IN_ALL
guint                     lightly_agent_get_set_size          (LightlyAgent    *self,
                                                               LightlyAgentSet  set);
LIGHTLY_AVAILABLE_IN_ALL
gboolean                  lightly_agent_get_querying          (LightlyAgent *self);

LIGHTLY_AVAILABLE_IN_ALL
void                lightly_agent_query_async  (LightlyAgent         *self,
                                                LightlySamplerConfig *config,
                                                LightlyScorer        *scorer,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
LIGHTLY_AVAILABLE_IN_ALL
LightlyQueryResult *lightly_agent_query_finish (LightlyAgent         *self,
                                                GAsyncResult         *result,
                                                GError              **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlyQueryResult *lightly_agent_query        (LightlyAgent         *self,
                                                LightlySamplerConfig *config,
                                                LightlyScorer        *scorer,
                                                GCancellable         *cancellable,
                                                GError              **error);

G_END_DECLS
