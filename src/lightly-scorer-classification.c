/* lightly-scorer-classification.c: LightlyScorerClassification, uncertainty of class probabilities
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-classification.h"
