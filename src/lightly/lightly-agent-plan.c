/* lightly-agent-plan.c: what one agent query means, decided once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-agent-plan-private.h"
#include "lightly-error.h"

static gboolean
method_ranks_by_scores (LightlySamplingMethod method)
{
  return method == LIGHTLY_SAMPLING_METHOD_CORAL || method == LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING;
}

void
lightly_agent_plan_clear (LightlyAgentPlan *plan)
{
  g_clear_pointer (&plan->reason, g_free);
}

/* Fills @plan for a query with @config over a labeled set of @n_labeled
 * samples in a pool of @n_pool (labeled and unlabeled). Fails, with the message of the rule broken, when the config is
 * invalid or the method needs scores nobody gives. */
gboolean
lightly_agent_plan_make (LightlyAgentPlan      *plan,
                         LightlySamplerConfig  *config,
                         guint                  n_labeled,
                         guint                  n_pool,
                         gboolean               have_scorer,
                         GError               **error)
{
  gboolean reuse_scores;
  gint n_samples;

  g_return_val_if_fail (plan != NULL, FALSE);
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (config), FALSE);

  *plan = (LightlyAgentPlan) { .method = lightly_sampler_config_get_method (config) };
  plan->from_auto = plan->method == LIGHTLY_SAMPLING_METHOD_AUTO;
  plan->balance = lightly_sampler_config_get_balance (config);
  if (!lightly_sampler_config_validate (config, error))
    return FALSE;

  /* n-samples is the total size of the labeled set afterwards (protocol
   * §13, Skip): below the labeled set there is nothing to do, and the
   * batch is the difference. n-samples ≤ 0 (a minimum distance alone)
   * leaves the batch size unknown: 0. */
  n_samples = lightly_sampler_config_get_n_samples (config);
  if (n_samples >= 1 && (guint) n_samples < n_labeled)
    {
      plan->skip = TRUE;
      plan->reason = g_strdup_printf ("skipped: %u samples are labeled already, n-samples asks for %d",
                                      n_labeled, n_samples);
      return TRUE;
    }
  plan->n_batch = n_samples >= 1 ? (guint) n_samples - n_labeled : 0;

  /* §13 Defaults: AUTO is resolved here, before any request, so that a
   * server only ever sees a concrete method. */
  reuse_scores = lightly_sampler_config_get_reuse_scores (config);
  plan->method = lightly_sampling_method_resolve_in_pool (plan->method, n_labeled, plan->n_batch, n_pool,
                                                          have_scorer || reuse_scores, &plan->reason);
  plan->needs_scores = method_ranks_by_scores (plan->method) && !reuse_scores;
  if (plan->needs_scores && !have_scorer)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED,
                   "%s ranks by scores: pass a scorer with this round's predictions "
                   "(or set reuse-scores to use the scores already stored)",
                   lightly_sampling_method_to_string (plan->method));
      lightly_agent_plan_clear (plan);
      return FALSE;
    }
  plan->needs_probabilities = (plan->method == LIGHTLY_SAMPLING_METHOD_BADGE ||
                               lightly_sampler_config_get_balance (config)) && !reuse_scores;
  if (plan->needs_probabilities && !have_scorer)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED,
                   "%s needs the model's class probabilities: pass a scorer that gives them "
                   "(LightlyScorerClassification with probabilities set), or set reuse-scores",
                   plan->method == LIGHTLY_SAMPLING_METHOD_BADGE ? "BADGE" : "Class balance");
      lightly_agent_plan_clear (plan);
      return FALSE;
    }
  return TRUE;
}

/* Checks what the scorer computed against the query set of @n_query files. */
gboolean
lightly_agent_plan_check_scores (LightlyAgentPlan        *plan,
                                 LightlyScores           *scores,
                                 guint                    n_query,
                                 GError                 **error)
{
  g_return_val_if_fail (plan != NULL && !plan->skip, FALSE);
  g_return_val_if_fail (scores != NULL, FALSE);

  if (lightly_scores_get_n_samples (scores) != n_query)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "Number of query samples (%u) must match the number of predictions (%"
                   G_GSIZE_FORMAT "): give one prediction per query-set file, in query-set order",
                   n_query, lightly_scores_get_n_samples (scores));
      return FALSE;
    }
  if (lightly_scores_get_n_names (scores) == 0 && plan->needs_scores)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED,
                   "The scorer returned no scores, but %s ranks by scores",
                   lightly_sampling_method_to_string (plan->method));
      return FALSE;
    }
  if (plan->needs_probabilities && plan->from_auto && plan->method == LIGHTLY_SAMPLING_METHOD_BADGE &&
      !plan->balance && !lightly_scores_contains (scores, "class_probability_0"))
    {
      /* AUTO's mid regime wants the model's class probabilities; a scorer
       * that gives only scores gets the mid regime without a model. */
      char *reason = g_strdup_printf ("RANDOM: AUTO would run BADGE, but the scorer gave no class "
                                      "probabilities (%s)", plan->reason);

      g_free (plan->reason);
      plan->reason = reason;
      plan->method = LIGHTLY_SAMPLING_METHOD_RANDOM;
      plan->needs_probabilities = FALSE;
      return TRUE;
    }
  if (plan->needs_probabilities && !lightly_scores_contains (scores, "class_probability_0"))
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED,
                   "%s needs the model's class probabilities, but the scorer gave none: set "
                   "LightlyScorerClassification:probabilities, or add them with "
                   "lightly_scores_add_probabilities()",
                   plan->method == LIGHTLY_SAMPLING_METHOD_BADGE ? "BADGE" : "Class balance");
      return FALSE;
    }
  return TRUE;
}
