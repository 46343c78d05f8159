/* lightly-sampling-method.c: the selection methods and their wire names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-sampling-method.h"
#include "lightly-error.h"

static const char * const method_names[] = {
  [LIGHTLY_SAMPLING_METHOD_RANDOM] = "RANDOM",
  [LIGHTLY_SAMPLING_METHOD_CORESET] = "CORESET",
  [LIGHTLY_SAMPLING_METHOD_CORAL] = "CORAL",
  [LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING] = "ACTIVE_LEARNING",
  [LIGHTLY_SAMPLING_METHOD_TYPICLUST] = "TYPICLUST",
  [LIGHTLY_SAMPLING_METHOD_PROBCOVER] = "PROBCOVER",
  [LIGHTLY_SAMPLING_METHOD_AUTO] = "AUTO",
  [LIGHTLY_SAMPLING_METHOD_BADGE] = "BADGE",
};

/* AUTO ranks by scores once the labeled set after the query reaches
 * AUTO_SWITCH_PERCENT of the pool, but never below AUTO_SWITCH_MIN labels
 * and at the latest at AUTO_SWITCH_AT. Measured, not guessed: the share and
 * the floor on the quality grid (docs/quality.md, "How AUTO decides"), the
 * cap on Fashion-MNIST pools of 10,000 and 20,000 (docs/simulate.md). */
#define AUTO_SWITCH_AT 1000
#define AUTO_SWITCH_MIN 500
#define AUTO_SWITCH_PERCENT 20

/**
 * lightly_sampling_method_to_string:
 * @method: a sampling method
 *
 * The method's name on the wire, as in the `method` field of a Lightly
 * `SamplingCreateRequest`.
 *
 * Returns: (transfer none) (nullable): the name, such as `"CORESET"`, or %NULL
 *   for a value that is not a method
 */
const char *
lightly_sampling_method_to_string (LightlySamplingMethod method)
{
  if ((guint) method >= G_N_ELEMENTS (method_names))
    return NULL;
  return method_names[method];
}

/**
 * lightly_sampling_method_from_string:
 * @name: a wire name such as `"CORAL"`; the case is ignored
 * @error: return location for a #GError
 *
 * Parses a method's wire name.
 *
 * Returns: the method; on error %LIGHTLY_SAMPLING_METHOD_CORESET (the default)
 *   with %LIGHTLY_ERROR_INVALID_INPUT set, so check @error
 */
LightlySamplingMethod
lightly_sampling_method_from_string (const char  *name,
                                     GError     **error)
{
  g_return_val_if_fail (name != NULL, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_return_val_if_fail (error == NULL || *error == NULL, LIGHTLY_SAMPLING_METHOD_CORESET);

  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_ascii_strcasecmp (name, method_names[i]) == 0)
      return (LightlySamplingMethod) i;

  g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
               "Unknown sampling method “%s”: use RANDOM, CORESET, CORAL, ACTIVE_LEARNING, "
               "TYPICLUST, PROBCOVER, AUTO or BADGE",
               name);
  return LIGHTLY_SAMPLING_METHOD_CORESET;
}

/* The labeled-set size from which AUTO ranks by scores, for a pool of
 * @n_pool samples (0: unknown). */
static guint64
auto_switch_point (guint n_pool)
{
  /* In integers, so that the point is exact: ⌈n_pool · 20 / 100⌉. */
  guint64 share = ((guint64) n_pool * AUTO_SWITCH_PERCENT + 99) / 100;

  if (n_pool == 0)
    return AUTO_SWITCH_AT;
  return CLAMP (share, AUTO_SWITCH_MIN, AUTO_SWITCH_AT);
}

/**
 * lightly_sampling_method_resolve:
 * @method: a sampling method
 * @n_labeled: the size of the labeled set before the query
 * @n_batch: how many samples the query adds (0 when only a minimum distance
 *   bounds it)
 * @have_scores: whether active-learning scores of this round are given
 *
 * The concrete method a query with @method runs when the pool's size is
 * not known: [func@Lightly.SamplingMethod.resolve_in_pool] with a pool of
 * 0, so AUTO switches to ranking by scores at 1000 labels.
 * [class@Lightly.Agent] knows its pool and uses
 * [func@Lightly.SamplingMethod.resolve_in_pool].
 *
 * Returns: the method to run, never %LIGHTLY_SAMPLING_METHOD_AUTO
 */
LightlySamplingMethod
lightly_sampling_method_resolve (LightlySamplingMethod method,
                                 guint                 n_labeled,
                                 guint                 n_batch,
                                 gboolean              have_scores)
{
  return lightly_sampling_method_resolve_in_pool (method, n_labeled, n_batch, 0, have_scores, NULL);
}

/**
 * lightly_sampling_method_resolve_in_pool:
 * @method: a sampling method
 * @n_labeled: the size of the labeled set before the query
 * @n_batch: how many samples the query adds (0 when only a minimum distance
 *   bounds it)
 * @n_pool: the pool's size, labeled and unlabeled samples together; 0 when
 *   unknown
 * @have_scores: whether active-learning scores of this round are given
 * @out_reason: (out) (optional) (transfer full): return location for why
 *   this method was chosen, a short English sentence such as
 *   `"ACTIVE_LEARNING: 750 of 3000 labeled after the query (25%), at or past
 *   the switch at 600 (20% of the pool)"`
 *
 * The concrete method a query with @method runs. Every method but
 * %LIGHTLY_SAMPLING_METHOD_AUTO is returned as it is. AUTO resolves to
 *
 * - %LIGHTLY_SAMPLING_METHOD_TYPICLUST, the low-budget strategy, while the
 *   labeled set after the query, @n_labeled + @n_batch, is below the switch
 *   point, or when nothing is labeled yet, or when no scores are given. At a
 *   cold start it makes as many k-means clusters as picks and picks the
 *   most typical sample of each, so the picks cover the pool's modes;
 * - %LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING (the highest scores) from the
 *   switch point on, when @have_scores;
 * - %LIGHTLY_SAMPLING_METHOD_CORAL, or %LIGHTLY_SAMPLING_METHOD_CORESET
 *   without scores, when @n_batch is 0: a query bounded only by a minimum
 *   distance, which only these two honour.
 *
 * The switch point is 20% of @n_pool, rounded up, but at least 500 and at
 * most 1000 labels (1000 when @n_pool is 0). The numbers were measured with
 * `lightly-al simulate` on the project's quality grid (docs/quality.md:
 * Fashion-MNIST pools of 500 to 20,000 under four embeddings, Gaussian
 * mixtures, scikit-learn's wine and breast-cancer tables): typical samples
 * lose to RANDOM by up to 6.6 points once a third of a pool of 1500 is
 * labeled, where ranking by the margin score wins; but ranking by the
 * scores of a model trained on fewer than 500 labels lost up to 6 points
 * (pools of 500, wine); on pools of 10,000 and more the switch at 1000
 * labels was best. On other data the
 * rule is a starting point: `lightly-al simulate` measures it on yours.
 * [class@Lightly.Agent] resolves AUTO with this function before it sends a
 * request, so a server never sees AUTO, and reports the reason in
 * [property@Lightly.QueryResult:reason].
 *
 * Returns: the method to run, never %LIGHTLY_SAMPLING_METHOD_AUTO
 *
 * Since: 0.2
 */
LightlySamplingMethod
lightly_sampling_method_resolve_in_pool (LightlySamplingMethod   method,
                                         guint                   n_labeled,
                                         guint                   n_batch,
                                         guint                   n_pool,
                                         gboolean                have_scores,
                                         char                  **out_reason)
{
  guint64 after = (guint64) n_labeled + n_batch, at = auto_switch_point (n_pool);
  g_autofree char *where = NULL;
  LightlySamplingMethod chosen;
  char *reason;

  if (method != LIGHTLY_SAMPLING_METHOD_AUTO)
    {
      if (out_reason != NULL)
        *out_reason = g_strdup_printf ("%s: the method asked for", lightly_sampling_method_to_string (method));
      return method;
    }

  if (n_pool > 0)
    where = g_strdup_printf ("%" G_GUINT64_FORMAT " of %u labeled after the query (%.0f%%), %s the switch at %"
                             G_GUINT64_FORMAT " (%s)", after, n_pool, 100.0 * after / n_pool,
                             after >= at ? "at or past" : "below", at,
                             at == AUTO_SWITCH_AT ? "1000 labels at most"
                             : at == AUTO_SWITCH_MIN ? "500 labels at least" : "20% of the pool");
  else
    where = g_strdup_printf ("%" G_GUINT64_FORMAT " labeled after the query, %s the switch at %"
                             G_GUINT64_FORMAT " (pool size unknown)", after,
                             after >= at ? "at or past" : "below", at);

  if (n_batch == 0)
    {
      chosen = have_scores ? LIGHTLY_SAMPLING_METHOD_CORAL : LIGHTLY_SAMPLING_METHOD_CORESET;
      reason = g_strdup_printf ("%s: only a minimum distance bounds the query, and only CORESET and CORAL "
                                "honour one%s", lightly_sampling_method_to_string (chosen),
                                have_scores ? "" : " (CORESET: no scores given)");
    }
  else if (n_labeled == 0)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_TYPICLUST;
      reason = g_strdup_printf ("TYPICLUST: cold start, nothing labeled yet: the most typical sample of each "
                                "of %u k-means clusters", n_batch);
    }
  else if (after >= at && have_scores)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING;
      reason = g_strdup_printf ("ACTIVE_LEARNING: %s", where);
    }
  else
    {
      chosen = LIGHTLY_SAMPLING_METHOD_TYPICLUST;
      if (after >= at)
        reason = g_strdup_printf ("TYPICLUST: no scores given (%s)", where);
      else
        reason = g_strdup_printf ("TYPICLUST: %s", where);
    }

  if (out_reason != NULL)
    *out_reason = reason;
  else
    g_free (reason);
  return chosen;
}
