/* lightly-suggest-context.h: LightlySuggestContext, where a suggester works
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SUGGEST_CONTEXT (lightly_suggest_context_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlySuggestContext, lightly_suggest_context, LIGHTLY, SUGGEST_CONTEXT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlySuggestContext *lightly_suggest_context_new            (const char *location,
                                                               const char *dataset_id,
                                                               const char *app_id);
LIGHTLY_AVAILABLE_IN_ALL
const char            *lightly_suggest_context_get_location   (LightlySuggestContext *self);
LIGHTLY_AVAILABLE_IN_ALL
const char            *lightly_suggest_context_get_dataset_id (LightlySuggestContext *self);
LIGHTLY_AVAILABLE_IN_ALL
const char            *lightly_suggest_context_get_app_id     (LightlySuggestContext *self);

G_END_DECLS
