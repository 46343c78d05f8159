/* lightly-sampler-config.c: LightlySamplerConfig, the parameters of one selection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-sampler-config.h"
