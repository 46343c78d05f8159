/* lightly-pick.h: LightlyPick, why one sample was picked
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <gio/gio.h>
#include "lightly-sampling-method.h"
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_PICK (lightly_pick_get_type ())

typedef struct _LightlyPick LightlyPick;

LIGHTLY_AVAILABLE_IN_ALL
GType                 lightly_pick_get_type      (void) G_GNUC_CONST;
LIGHTLY_AVAILABLE_IN_ALL
LightlyPick          *lightly_pick_new           (guint                  rank,
                                                  const char            *file_name,
                                                  LightlySamplingMethod  method,
                                                  double                 utility,
                                                  gint                   cluster);
LIGHTLY_AVAILABLE_IN_ALL
LightlyPick          *lightly_pick_copy          (const LightlyPick     *self);
LIGHTLY_AVAILABLE_IN_ALL
void                  lightly_pick_free          (LightlyPick           *self);
LIGHTLY_AVAILABLE_IN_ALL
guint                 lightly_pick_get_rank      (const LightlyPick     *self);
LIGHTLY_AVAILABLE_IN_ALL
const char           *lightly_pick_get_file_name (const LightlyPick     *self);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_pick_get_method    (const LightlyPick     *self);
LIGHTLY_AVAILABLE_IN_ALL
double                lightly_pick_get_utility   (const LightlyPick     *self);
LIGHTLY_AVAILABLE_IN_ALL
gint                  lightly_pick_get_cluster   (const LightlyPick     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyPick, lightly_pick_free)

G_END_DECLS
