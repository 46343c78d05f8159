/* lightly-sampling-method.h: the selection methods
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

/**
 * LightlySamplingMethod:
 * @LIGHTLY_SAMPLING_METHOD_RANDOM: uniformly random picks from the candidates
 * @LIGHTLY_SAMPLING_METHOD_CORESET: greedy k-center (farthest-first) on the
 *   embeddings: diversity
 * @LIGHTLY_SAMPLING_METHOD_CORAL: greedy diversity weighted by the
 *   active-learning score, `d̂(c) · s(c)^β`
 * @LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING: the candidates with the highest
 *   active-learning score
 * @LIGHTLY_SAMPLING_METHOD_TYPICLUST: a lightly-glib extension for a cold
 *   start: k-means over the candidates with as many clusters as labels after
 *   the selection (at most 500), then the most typical candidate (the one
 *   closest to its 20 nearest neighbours) of each of the largest clusters
 *   that hold no labeled sample yet (Hacohen et al., 2022)
 * @LIGHTLY_SAMPLING_METHOD_PROBCOVER: a lightly-glib extension for a cold
 *   start: greedy maximum coverage of the candidates by balls of radius δ
 *   around the picks, δ chosen so that 95% of the balls are pure in k-means
 *   pseudo-labels (Yehuda et al., 2022)
 * @LIGHTLY_SAMPLING_METHOD_AUTO: a lightly-glib extension: the agent picks a
 *   concrete method for each query by the rule of
 *   [func@Lightly.SamplingMethod.resolve_in_pool] (TYPICLUST for a cold
 *   start and up to 10% of the pool, ACTIVE_LEARNING once a model of 200
 *   labels or more scores a batch no larger than its labeled set, RANDOM
 *   in between). It is never sent to a server.
 * @LIGHTLY_SAMPLING_METHOD_BADGE: a lightly-glib extension: k-means++
 *   seeding over the gradient embeddings `(p − onehot(argmax p)) ⊗ x` of the
 *   model's class probabilities p and the embeddings x, so the batch is both
 *   uncertain and diverse (Ash et al., 2020). Needs class probabilities:
 *   scores named `class_probability_0` … `class_probability_{C−1}`, see
 *   [method@Lightly.Scores.add_probabilities]. Appended after AUTO so the
 *   older values keep their numbers.
 *
 * How a selection picks samples. The wire names are the enum nicks in upper
 * case with underscores (`"CORESET"`, `"ACTIVE_LEARNING"`), see
 * [func@Lightly.SamplingMethod.to_string]. RANDOM, CORESET, CORAL and
 * ACTIVE_LEARNING are Lightly's methods of 2021; the others are lightly-glib
 * extensions that only a lightly-glib server or the embedded store run.
 */
typedef enum {
  LIGHTLY_SAMPLING_METHOD_RANDOM,
  LIGHTLY_SAMPLING_METHOD_CORESET,
  LIGHTLY_SAMPLING_METHOD_CORAL,
  LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING,
  LIGHTLY_SAMPLING_METHOD_TYPICLUST,
  LIGHTLY_SAMPLING_METHOD_PROBCOVER,
  LIGHTLY_SAMPLING_METHOD_AUTO,
  LIGHTLY_SAMPLING_METHOD_BADGE,
} LightlySamplingMethod;

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_sampling_method_to_string (LightlySamplingMethod method);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_sampling_method_from_string (const char  *name,
                                                           GError     **error);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_sampling_method_resolve     (LightlySamplingMethod method,
                                                           guint                 n_labeled,
                                                           guint                 n_batch,
                                                           gboolean              have_scores);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_sampling_method_resolve_in_pool (LightlySamplingMethod   method,
                                                               guint                   n_labeled,
                                                               guint                   n_batch,
                                                               guint                   n_pool,
                                                               gboolean                have_scores,
                                                               char                  **out_reason);

G_END_DECLS
