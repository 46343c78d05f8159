/* lightly-scorer.c: LightlyScorer, the abstract active-learning scorer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer.h"
