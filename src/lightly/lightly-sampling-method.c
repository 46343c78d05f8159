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

/* AUTO's three regimes (SelectAL's low, mid and high budgets; the numbers
 * measured on the quality grid, docs/quality.md "How AUTO decides"):
 * TYPICLUST while the labeled set after the query is at most
 * AUTO_TYPICAL_PERCENT of the pool and below AUTO_TYPICAL_AT labels;
 * ACTIVE_LEARNING once the model has AUTO_SCORES_MIN labels and the batch
 * is no larger than the labeled set it was trained on (or it has
 * AUTO_TYPICAL_AT labels); BADGE in between when the model's outputs are
 * given, RANDOM when not. */
#define AUTO_TYPICAL_AT 1000
#define AUTO_TYPICAL_PERCENT 10
#define AUTO_SCORES_MIN 200

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

/* The largest labeled set after a query that still takes typical samples,
 * for a pool of @n_pool samples (0: unknown). */
static guint64
auto_typical_end (guint n_pool)
{
  /* In integers, so that the point is exact: ⌈n_pool · 10 / 100⌉. */
  guint64 share = ((guint64) n_pool * AUTO_TYPICAL_PERCENT + 99) / 100;

  if (n_pool == 0)
    return AUTO_TYPICAL_AT - 1;
  return MIN (share, AUTO_TYPICAL_AT - 1);
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
 * 0, so AUTO takes typical samples below 1000 labels.
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
 *   `"ACTIVE_LEARNING: 750 of 3000 labeled after the query (25%), past the
 *   typical samples' 10% of the pool (300); the model has 500 labels (200 at
 *   least) and the batch of 250 is no larger"`
 *
 * The concrete method a query with @method runs. Every method but
 * %LIGHTLY_SAMPLING_METHOD_AUTO is returned as it is. AUTO has three
 * regimes, as SelectAL (Hacohen & Weinshall 2023) has a low, a mid and a
 * high budget, and decides from the pool and the labels so far:
 *
 * - %LIGHTLY_SAMPLING_METHOD_TYPICLUST (low budget) when nothing is labeled
 *   yet, or while the labeled set after the query, @n_labeled + @n_batch,
 *   is at most 10% of @n_pool (rounded up) and below 1000 labels (below
 *   1000 when @n_pool is 0). It makes as many k-means clusters as labels
 *   and picks, and takes the most typical sample of each cluster without a
 *   label, so a small batch covers the pool's modes before any cluster
 *   gets a second pick;
 * - %LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING (high budget, the highest
 *   scores) past that, when @have_scores, once the model that scored was
 *   trained on at least 200 labels, and the batch is no larger than that
 *   labeled set (or it holds 1000 labels or more);
 * - %LIGHTLY_SAMPLING_METHOD_BADGE (mid budget) otherwise, when scores
 *   are given (@have_scores): too many labels for typical samples to help,
 *   and a model too weak, or a batch too large, for its top scores alone to
 *   be a good batch. BADGE weighs each sample's uncertainty (the gradient embedding
 *   of the model's class probabilities) and spreads the batch over the
 *   pool (k-means++ seeding), so it needs the class probabilities:
 *   [class@Lightly.Agent] falls back to RANDOM, and says so in the reason,
 *   when the scorer gives scores without them;
 * - %LIGHTLY_SAMPLING_METHOD_RANDOM (mid budget without a model) past the
 *   low budget when no scores are given;
 * - %LIGHTLY_SAMPLING_METHOD_CORAL, or %LIGHTLY_SAMPLING_METHOD_CORESET
 *   without scores, when @n_batch is 0: a query bounded only by a minimum
 *   distance, which only these two honour.
 *
 * The numbers were measured with `lightly-al simulate` on the project's
 * quality grid (docs/quality.md: Fashion-MNIST pools of 500 to 20,000
 * under four embeddings, a long-tailed subset, Gaussian mixtures,
 * scikit-learn's wine and breast-cancer tables, 10 seeds). Typical samples
 * beat RANDOM by up to 32 points while at most 10% of the pool is
 * labeled, but lose up to 6.6 points at 13% to 50% (pools of 1500, wine);
 * ranking by the margin score of a model trained on 100 labels lost up to
 * 2.9 points, and a first batch of scores larger than the labeled set up
 * to 2.2 points (300 picks on 200 labels, pools of 1500), while from 500
 * labels on, with batches no larger than the labeled set, it won at every
 * pool of 1500 to 20,000. In between, BADGE beat RANDOM at 20 of the 21
 * (cell, budget) pairs where it replaced it, by 1.3 points on average
 * (wine at 30 labels: −4.2 points with RANDOM, −0.6 with BADGE; the one
 * loss 0.6 points, still 2.7 above RANDOM alone). Tighter clusters at a cold start do not help: k-means
 * restarts that lower the clustering's inertia lost 21 points at 4 labels
 * on an imbalanced mixture. On other data the rule is a
 * starting point: `lightly-al simulate` measures it on yours.
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
  guint64 after = (guint64) n_labeled + n_batch, end = auto_typical_end (n_pool);
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
    where = g_strdup_printf ("%" G_GUINT64_FORMAT " of %u labeled after the query (%.0f%%), %s the typical "
                             "samples' %s (%" G_GUINT64_FORMAT ")", after, n_pool, 100.0 * after / n_pool,
                             after > end ? "past" : "within",
                             end == AUTO_TYPICAL_AT - 1 ? "limit below 1000 labels" : "10% of the pool", end);
  else
    where = g_strdup_printf ("%" G_GUINT64_FORMAT " labeled after the query, %s the typical samples' limit "
                             "below 1000 labels (pool size unknown)", after, after > end ? "past" : "within");

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
                                "of %u k-means clusters, one per mode", n_batch);
    }
  else if (after <= end)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_TYPICLUST;
      reason = g_strdup_printf ("TYPICLUST: %s: typical samples of the clusters without labels", where);
    }
  else if (!have_scores)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_RANDOM;
      reason = g_strdup_printf ("RANDOM: %s, and no scores given", where);
    }
  else if (n_labeled < AUTO_SCORES_MIN)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_BADGE;
      reason = g_strdup_printf ("BADGE: %s; the model has only %u labels (ranking by scores needs %u), so "
                                "uncertainty and diversity together", where, n_labeled, AUTO_SCORES_MIN);
    }
  else if (n_batch > n_labeled && n_labeled < AUTO_TYPICAL_AT)
    {
      chosen = LIGHTLY_SAMPLING_METHOD_BADGE;
      reason = g_strdup_printf ("BADGE: %s; the batch of %u is larger than the %u labels the model learned "
                                "from (ranking by scores needs a batch no larger, or %u labels), so "
                                "uncertainty and diversity together", where, n_batch, n_labeled, AUTO_TYPICAL_AT);
    }
  else
    {
      chosen = LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING;
      reason = g_strdup_printf ("ACTIVE_LEARNING: %s; the model has %u labels (%u at least) and the batch of "
                                "%u is %s", where, n_labeled, AUTO_SCORES_MIN, n_batch,
                                n_batch <= n_labeled ? "no larger" : "larger, but the model has 1000 labels or more");
    }

  if (out_reason != NULL)
    *out_reason = reason;
  else
    g_free (reason);
  return chosen;
}
