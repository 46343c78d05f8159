/* lightly-scorer-keypoint-detection.c: LightlyScorerKeypointDetection, keypoint confidence
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-keypoint-detection.h"
