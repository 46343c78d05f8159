/* lightly-bounding-box.c: LightlyBoundingBox, a normalised box
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-bounding-box.h"
