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
};

/* AUTO ranks by scores once the labeled set after the query reaches this
 * size. Measured with `lightly-al simulate` on Fashion-MNIST (docs/simulate.md),
 * not guessed. */
#define AUTO_SWITCH_AT 1000

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
               "TYPICLUST, PROBCOVER or AUTO",
               name);
  return LIGHTLY_SAMPLING_METHOD_CORESET;
}

/**
 * lightly_sampling_method_resolve:
 * @method: a sampling method
 * @n_labeled: the size of the labeled set before the query
 * @n_batch: how many samples the query adds (0 when only a minimum distance
 *   bounds it)
 * @have_scores: whether active-learning scores of this round are given
 *
 * The concrete method a query with @method runs. Every method but
 * %LIGHTLY_SAMPLING_METHOD_AUTO is returned as it is. AUTO resolves to
 *
 * - %LIGHTLY_SAMPLING_METHOD_TYPICLUST, the cold start, while the labeled
 *   set after the query, @n_labeled + @n_batch, has fewer than 1000
 *   samples, or when nothing is labeled yet, or when no scores are given;
 * - %LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING (the highest scores) from
 *   1000 samples on, when @have_scores;
 * - %LIGHTLY_SAMPLING_METHOD_CORAL, or %LIGHTLY_SAMPLING_METHOD_CORESET
 *   without scores, when @n_batch is 0: a query bounded only by a minimum
 *   distance, which only these two honour.
 *
 * The rule was measured with `lightly-al simulate` on Fashion-MNIST (pools
 * of 10,000 and 20,000, budgets 10 to 3000, 5 seeds; see the project's
 * docs/simulate.md). There, TYPICLUST beat RANDOM by up to 12 points below
 * 500 labels, and ranking by the margin score beat both TYPICLUST and CORAL
 * from 1000 labels on; CORAL (β = 1) after TYPICLUST lost to RANDOM by up
 * to 2.5 points between 500 and 2000 labels. On other data the switch point
 * is a starting point: `lightly-al simulate` measures it on yours.
 * [class@Lightly.Agent] resolves AUTO with this function before it sends a
 * request, so a server never sees AUTO.
 *
 * Returns: the method to run, never %LIGHTLY_SAMPLING_METHOD_AUTO
 */
LightlySamplingMethod
lightly_sampling_method_resolve (LightlySamplingMethod method,
                                 guint                 n_labeled,
                                 guint                 n_batch,
                                 gboolean              have_scores)
{
  if (method != LIGHTLY_SAMPLING_METHOD_AUTO)
    return method;
  if (n_batch == 0)
    return have_scores ? LIGHTLY_SAMPLING_METHOD_CORAL : LIGHTLY_SAMPLING_METHOD_CORESET;
  if (have_scores && n_labeled > 0 && (guint64) n_labeled + n_batch >= AUTO_SWITCH_AT)
    return LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING;
  return LIGHTLY_SAMPLING_METHOD_TYPICLUST;
}
