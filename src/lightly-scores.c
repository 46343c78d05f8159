/* lightly-scores.c: LightlyScores, named score arrays
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scores.h"
