/* lightly-scorer-semantic-segmentation.h: LightlyScorerSemanticSegmentation, per-pixel uncertainty
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

G_END_DECLS
