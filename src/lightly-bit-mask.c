/* lightly-bit-mask.c: LightlyBitMask, a tag's membership as an arbitrary-width bit set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-bit-mask.h"
