/* lightly-scorer-object-detection.c: LightlyScorerObjectDetection, scores of detections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-scorer-object-detection.h"
