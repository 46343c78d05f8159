/* lightly-object-detection-output.c: LightlyObjectDetectionOutput, one image's detections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-object-detection-output.h"
