/* lightly-keypoint-instance.c: LightlyKeypointInstance, one detected instance's keypoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-keypoint-instance.h"
