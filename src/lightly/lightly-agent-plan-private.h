/* lightly-agent-plan-private.h: what one agent query means, decided once
 *
 * The agent is the public boundary of a query: it validates the config, reads
 * `n-samples` as the total size of the labeled set afterwards (never a batch
 * size), decides whether the query is skipped and resolves AUTO. Everything
 * after it (client, backend) gets a concrete, valid request and only asserts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "lightly-sampler-config.h"
#include "lightly-scores.h"

G_BEGIN_DECLS

typedef struct {
  /* The labeled set already has more than n-samples: nothing to do. */
  gboolean skip;
  /* The method to run, never AUTO unless skip. */
  LightlySamplingMethod method;
  /* The picks planned, n-samples − |labeled|; 0 when only a minimum
   * distance bounds the selection. */
  guint n_batch;
  /* Whether the selection ranks by scores the query must provide. */
  gboolean needs_scores;
  /* BADGE or balance: the scores must carry class probabilities. */
  gboolean needs_probabilities;
  /* Why the method was chosen (owned; lightly_agent_plan_clear frees it). */
  char *reason;
  /* The config asked for AUTO (so a BADGE it chose may fall back to RANDOM
   * when the scorer gives no class probabilities). */
  gboolean from_auto;
  /* Whether balance was asked for (it needs class probabilities itself). */
  gboolean balance;
} LightlyAgentPlan;

void     lightly_agent_plan_clear        (LightlyAgentPlan      *plan);

gboolean lightly_agent_plan_make         (LightlyAgentPlan      *plan,
                                          LightlySamplerConfig  *config,
                                          guint                  n_labeled,
                                          guint                  n_pool,
                                          gboolean               have_scorer,
                                          GError               **error);
gboolean lightly_agent_plan_check_scores (LightlyAgentPlan       *plan,
                                          LightlyScores          *scores,
                                          guint                   n_query,
                                          GError                **error);

G_END_DECLS
