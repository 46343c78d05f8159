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
 *
 * How a selection picks samples. The wire names are the enum nicks in upper
 * case with underscores (`"CORESET"`, `"ACTIVE_LEARNING"`), see
 * [func@Lightly.sampling_method_to_string].
 */
typedef enum {
  LIGHTLY_SAMPLING_METHOD_RANDOM,
  LIGHTLY_SAMPLING_METHOD_CORESET,
  LIGHTLY_SAMPLING_METHOD_CORAL,
  LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING,
} LightlySamplingMethod;

LIGHTLY_AVAILABLE_IN_ALL
const char *lightly_sampling_method_to_string (LightlySamplingMethod method);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_sampling_method_from_string (const char  *name,
                                                           GError     **error);

G_END_DECLS
