/* lightly-scorer-semantic-segmentation.c: LightlyScorerSemanticSegmentation, per-pixel uncertainty
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-semantic-segmentation.h"
