/* lightly-query-result.h: LightlyQueryResult, what one agent query did
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__LIGHTLY_INSIDE__) && !defined(LIGHTLY_COMPILATION)
#error "Only <lightly/lightly.h> can be included directly."
#endif

#include <glib-object.h>
#include "lightly-version-macros.h"
#include "lightly-tag.h"
#include "lightly-sampling-method.h"

G_BEGIN_DECLS

#define LIGHTLY_TYPE_QUERY_RESULT (lightly_query_result_get_type ())

LIGHTLY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (LightlyQueryResult, lightly_query_result, LIGHTLY, QUERY_RESULT, GObject)

LIGHTLY_AVAILABLE_IN_ALL
gboolean            lightly_query_result_get_skipped (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
LightlyTag         *lightly_query_result_get_tag     (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
const char * const *lightly_query_result_get_added   (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
LightlySamplingMethod lightly_query_result_get_method     (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
guint                 lightly_query_result_get_batch_size (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
guint                 lightly_query_result_get_total      (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
const char           *lightly_query_result_get_reason     (LightlyQueryResult *self);
LIGHTLY_AVAILABLE_IN_ALL
GPtrArray            *lightly_query_result_get_picks      (LightlyQueryResult *self);

G_END_DECLS
