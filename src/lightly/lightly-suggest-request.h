/* lightly-suggest-request.h: LightlySuggestRequest, one "Suggest next batch"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"
#include "lightly-predictions.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_SUGGEST_REQUEST (lightly_suggest_request_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlySuggestRequest, lightly_suggest_request, LIGHTLY, SUGGEST_REQUEST, GObject)

LIGHTLY_AVAILABLE_IN_ALL
LightlySuggestRequest *lightly_suggest_request_new             (guint                  batch_size,
                                                                const char * const    *labeled,
                                                                LightlyPredictions    *predictions);
LIGHTLY_AVAILABLE_IN_ALL
guint                  lightly_suggest_request_get_batch_size  (LightlySuggestRequest *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const    *lightly_suggest_request_get_labeled     (LightlySuggestRequest *self);
LIGHTLY_AVAILABLE_IN_ALL
LightlyPredictions    *lightly_suggest_request_get_predictions (LightlySuggestRequest *self);

LIGHTLY_AVAILABLE_IN_ALL
GPtrArray             *lightly_suggest_request_dup_picks      (LightlySuggestRequest *self);
LIGHTLY_AVAILABLE_IN_ALL
void                   lightly_suggest_request_set_picks      (LightlySuggestRequest *self,
                                                               GPtrArray             *picks);

G_END_DECLS
